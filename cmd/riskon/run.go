package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results"
	runstore "github.com/riskon/riskon/results/store"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
)

func (a *app) runCmd() *cobra.Command {
	var (
		file   string
		sets   []string
		output string
	)
	cmd := &cobra.Command{
		Use:   "run -c FILE [--set key=value]...",
		Short: "Backtest one config, store the run and print its results with the evidence",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			cfg, err := config.Load(file, config.LoadOptions{Sets: sets})
			if err != nil {
				return err
			}
			if err := config.Validate(cfg); err != nil {
				return err
			}
			if a.dbFlag == "" && os.Getenv("RISKON_DB") == "" && cfg.Data.DB != "" {
				a.dbFlag = cfg.Data.DB
			}
			rep, err := a.runConfig(cmd.Context(), cfg, nil)
			if err != nil {
				return err
			}
			return a.emit(rep, output)
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "", "run config (YAML)")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a config key: --set trigger.lookback=100 (repeatable)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

// runConfig loads the data a config needs (unless ds is given), backtests it
// and stores the run in one transaction.
func (a *app) runConfig(ctx context.Context, cfg config.Config, ds *data.Dataset) (*results.Report, error) {
	st, err := a.openStore(ctx, false)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if ds == nil {
		ds, err = st.Load(ctx, strategy.Symbols(cfg))
		if err != nil {
			return nil, err
		}
	}
	out, err := backtest.Run(ctx, cfg, ds, nil)
	if err != nil {
		return nil, err
	}
	rep := out.Report
	now := time.Now().UTC()
	rep.RunID = runstore.NewRunID(now, rep.ConfigHash, rand.Reader)
	rep.Version = version
	rep.CreatedAt = now.Format(time.RFC3339)
	rs, err := runstore.New(ctx, st.DB())
	if err != nil {
		return nil, err
	}
	if err := attachSelection(ctx, st.DB(), rep, cfg); err != nil {
		return nil, err
	}
	if err := rs.Save(ctx, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

func (a *app) emit(rep *results.Report, output string) error {
	if output == "json" {
		return writeJSON(a.stdout, rep)
	}
	printReport(a.stdout, rep)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func checkOutput(got string, allowed ...string) error {
	for _, a := range allowed {
		if got == a {
			return nil
		}
	}
	return fmt.Errorf("--output %q: want one of %v", got, allowed)
}
