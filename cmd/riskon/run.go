package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
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
		name   string
	)
	cmd := &cobra.Command{
		Use:   "run [-c FILE] [--set key=value]... [--name NAME]",
		Short: "Backtest one config, store the run and print its results with the evidence",
		Long: `Backtest one config, store the run and print its results with the evidence.

The config is resolved as defaults < the file (-c) < RISKON_* environment
variables < --set flags (see docs/CONFIG.md); without -c the defaults and the
overrides make the config. The table output starts with every key that differs
from the defaults and where its value came from.`,
		Example: `  riskon run -c configs/r2k_breakout_btc.yaml
  riskon run -c configs/r2k_breakout_btc.yaml --set trigger.lookback=100 --name lb100
  riskon run --set trigger.rule=new_high --set trigger.min_days_since_high=365
  riskon run -c configs/r2k_breakout_btc.yaml --output json | jq .metrics`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("run takes its config file with -c: riskon run -c %s", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			sources := map[string]string{}
			cfg, err := config.Load(file, config.LoadOptions{Sets: sets, Sources: sources})
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("name") {
				if strings.TrimSpace(name) == "" {
					return fmt.Errorf("--name %q: give a name, e.g. --name lookback-100", name)
				}
				cfg.Name, sources["name"] = name, "from --name"
			}
			if err := config.Validate(cfg); err != nil {
				return err
			}
			a.useConfigDB(cfg.Data.DB)
			_, out, err := a.runConfig(cmd.Context(), cfg, nil, func(rep *results.Report, enc *results.ReportJSON) []byte {
				return render(rep, enc, output)
			})
			if err != nil {
				return err
			}
			if output == "table" {
				ch := changedParams(cfg, sources)
				if n, ok := sources["name"]; ok {
					ch = append([]paramChange{{Key: "name", Value: cfg.Name, Source: n}}, ch...)
				}
				printParams(a.stdout, file, ch)
			}
			_, err = a.stdout.Write(out)
			return err
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "", "run config (YAML); without it: the defaults and --set")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a config key: --set trigger.lookback=100 (repeatable)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	cmd.Flags().StringVar(&name, "name", "", "name the run (overrides the config's name; list runs by name with riskon runs --name)")
	return cmd
}

// runConfig loads the data a config needs (unless ds is given), backtests it
// and stores the run in one transaction. The rows of the run's trades,
// signals and equity curve are written (inside the transaction, invisible
// until it commits) and encoded to JSON while the evidence is computed. The
// report is encoded to JSON once, for the store and for output (may be
// nil), which renders what the command prints while the run is stored;
// runConfig returns what output returned once the run is stored, so nothing
// is printed of a run that was not.
func (a *app) runConfig(ctx context.Context, cfg config.Config, ds *data.Dataset,
	output func(*results.Report, *results.ReportJSON) []byte) (*results.Report, []byte, error) {
	log := a.logger().With("run", cfg.Name)
	st, err := a.openStore(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close() // closed at once when the run is stored (closing twice does nothing)
	if ds == nil {
		t0 := time.Now()
		ds, err = st.Load(ctx, strategy.Symbols(cfg))
		if err != nil {
			return nil, nil, err
		}
		log.Info("data loaded", "db", a.dbPath(), "symbols", len(ds.Series), "elapsed", time.Since(t0).Round(time.Millisecond))
	}
	t0 := time.Now()
	log.Info("backtest: replay, buy-and-hold benchmark and evidence (bootstrap, random-entry test)")
	var (
		runID   string
		now     time.Time
		pending *runstore.PendingRun
		pendErr error
		rowsIn  chan struct{} // closed once the rows are written (or failed)
		rowsEnc *results.RowsJSON
	)
	out, err := backtest.RunWith(ctx, cfg, ds, nil, backtest.Options{
		Replayed: func(trades []results.TradeRow, signals []results.SignalRow, equity []results.EquityRow) {
			now = time.Now().UTC()
			runID = runstore.NewRunID(now, config.Hash(cfg), rand.Reader)
			rowsIn = make(chan struct{})
			go func() {
				defer close(rowsIn)
				// The run tables are created (or migrated) only for a
				// config that replayed: bad input leaves the file as it was.
				rs, err := runstore.New(ctx, st.DB())
				if err != nil {
					pendErr = err
					return
				}
				if pending, pendErr = rs.Begin(ctx, runID, trades, signals, equity); pendErr == nil {
					// The rows' JSON, for the report's encoding below.
					rowsEnc, pendErr = results.EncodeRows(trades, signals, equity)
				}
			}()
		},
	})
	if rowsIn != nil {
		<-rowsIn
	}
	if pending != nil {
		// Rolled back unless committed below (then this does nothing).
		defer pending.Rollback()
	}
	if err != nil {
		return nil, nil, err
	}
	if pendErr != nil {
		return nil, nil, pendErr
	}
	if pending == nil {
		return nil, nil, errors.New("run: the backtest did not replay")
	}
	log.Info("backtest done", "trades", len(out.Report.Trades), "elapsed", time.Since(t0).Round(time.Millisecond))
	rep := out.Report
	rep.RunID = runID
	rep.Version = version
	rep.CreatedAt = now.Format(time.RFC3339)
	if err := attachSelection(ctx, st.DB(), rep, cfg); err != nil {
		return nil, nil, err
	}
	t1 := time.Now()
	// The report is final: encode it, then render the output beside the
	// store's insert of the run row and commit.
	enc, err := results.MarshalReportRows(rep, rowsEnc)
	if err != nil {
		return nil, nil, fmt.Errorf("save run %s: %w", rep.RunID, err)
	}
	var text []byte
	rendered := make(chan struct{})
	go func() {
		defer close(rendered)
		if output != nil {
			text = output(rep, enc)
		}
	}()
	err = pending.Commit(ctx, rep, enc)
	if err == nil {
		// The run is stored: close the database (its checkpoint writes
		// the log into the file) while the output is still rendered.
		if cerr := st.Close(); cerr != nil {
			log.Warn("run stored, closing the database failed", "err", cerr)
		}
	}
	<-rendered
	if err != nil {
		return nil, nil, err
	}
	log.Info("run stored", "run_id", rep.RunID, "db", a.dbPath(), "elapsed", time.Since(t1).Round(time.Millisecond))
	return rep, text, nil
}

// render is the output of a run in format output (table or json): the
// JSON is the report's JSON (enc, results.MarshalReport) indented as
// writeJSON indents it.
func render(rep *results.Report, enc *results.ReportJSON, output string) []byte {
	if output == "json" {
		b := results.AppendIndent(make([]byte, 0, len(enc.JSON)*3/2), enc.JSON, "  ")
		return append(b, '\n')
	}
	var buf bytes.Buffer
	printReport(&buf, rep)
	return buf.Bytes()
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
