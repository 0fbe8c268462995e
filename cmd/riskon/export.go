package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	runstore "github.com/riskon/riskon/results/store"
)

// exportCmd is `riskon export RUN|SWEEP --format parquet|csv [--out DIR]`.
func (a *app) exportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export RUN_OR_SWEEP --format parquet|csv [--out DIR]",
		Short: "Write a stored run or sweep as Parquet or CSV tables for pandas, polars and R",
		Long: `Write a stored run or sweep (an id or a unique prefix) as flat tables into DIR
(default: the current directory), through DuckDB's own COPY:

  run:   RUN.run      one row: identity, window, every metric, bench_* (buy and
                      hold), evidence_* (with _low/_high for intervals), config
         RUN.trades   RUN.signals   RUN.equity
  sweep: SWEEP.trials one row per trial: trial_index, trial_hash, one column per
                      swept key (numbers typed, lists as JSON text), every
                      metric, bench_*, signals, evidence_trades, episodes,
                      too_few, seed, ret_days/ret_skew/ret_kurt, params (JSON);
                      Parquet adds returns_start and returns (float32
                      little-endian: numpy.frombuffer(b, "<f4"))
         SWEEP.sweep  the sweep: spec, base config, data fingerprint, ...

Undefined metrics are empty (NULL). The files are written under a temporary
name and renamed, so a file is complete or absent.`,
		Example: `  riskon export r2k-grid-1a2b3c4d5e6f --format parquet --out out/exports/
  python -c "import pandas as pd; print(pd.read_parquet('out/exports/r2k-grid-1a2b3c4d5e6f.trials.parquet').head())"
  riskon export 20261121-193000-ab12cd --format csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != runstore.FormatParquet && format != runstore.FormatCSV {
				return fmt.Errorf("--format %q: want parquet or csv", format)
			}
			if out == "" {
				out = outputDir()
			}
			files, err := a.export(cmd.Context(), args[0], format, out)
			for _, f := range files {
				fmt.Fprintln(a.stdout, f)
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", runstore.FormatParquet, "parquet or csv")
	cmd.Flags().StringVar(&out, "out", "", "directory to write into (default $RISKON_OUT, else ./out)")
	return cmd
}

func (a *app) export(ctx context.Context, id, format, dir string) ([]string, error) {
	st, err := a.openResults(ctx, true)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rs, sw := st.runs, st.sweeps
	if isTrialRef(id) {
		rep, _, err := a.trialReport(ctx, st, id)
		if err != nil {
			return nil, err
		}
		return exportTrial(ctx, rep, dir, format)
	}
	runID, runErr := rs.Resolve(ctx, id)
	sweepID, sweepErr := sw.Resolve(ctx, id)
	switch {
	case runErr == nil && sweepErr == nil:
		return nil, fmt.Errorf("%q names both run %s and sweep %s; give more characters", id, runID, sweepID)
	case runErr == nil:
		return rs.Export(ctx, runID, dir, format)
	case sweepErr == nil:
		return sw.Export(ctx, sweepID, dir, format)
	case errors.Is(runErr, runstore.ErrAmbiguous):
		return nil, runErr
	case errors.Is(sweepErr, runstore.ErrAmbiguous):
		return nil, sweepErr
	}
	return nil, fmt.Errorf("no run or sweep %q in %s; list them with 'riskon runs' and 'riskon sweep list': %w", id, a.dbPath(), runstore.ErrNotFound)
}
