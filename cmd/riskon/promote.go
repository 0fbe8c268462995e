package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	runstore "github.com/riskon/riskon/results/store"
)

// sweepPromoteCmd is `riskon sweep promote SWEEP_ID:INDEX`: store a trial as
// a run that carries its selection.
func (a *app) sweepPromoteCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "promote SWEEP_ID:INDEX",
		Short: "Store a sweep trial as a run, recomputed in full, with its selection in the verdict",
		Long: `Recompute a sweep trial in full (trades, equity, evidence) from the sweep's
stored base config, the trial's params and its seed, check it against the
stored trial, and store it as a run. The run carries its selection: its rank
among the sweep's trials by rank_by, its deflated Sharpe ratio against every
trial of the sweep, and the sweep's PBO, in the report's "selection" field
and in the verdict of every output (table, JSON, HTML report), so that a
config picked as the best of many is never read as a config tried alone.`,
		Example: `  riskon sweep promote r2k-grid-d4f49e81c922:39
  riskon sweep promote r2k-grid-d4f4:39 --output json | jq .selection`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			if !isTrialRef(args[0]) {
				return fmt.Errorf("%q: promote takes a sweep trial, SWEEP_ID:INDEX (see 'riskon sweep list')", args[0])
			}
			return a.promote(cmd.Context(), args[0], output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func (a *app) promote(ctx context.Context, ref, output string) error {
	st, err := a.openResults(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, _, err := a.trialReport(ctx, st, ref)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	rep.RunID = runstore.NewRunID(now, rep.ConfigHash, rand.Reader)
	rep.CreatedAt = now.Format(time.RFC3339)
	rep.Version = version
	if err := st.runs.Save(ctx, rep); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "stored trial %s:%d as run %s\n", rep.Selection.SweepID, rep.Selection.Trial, rep.RunID)
	if output == "json" {
		return writeJSON(a.stdout, rep)
	}
	printReport(a.stdout, rep)
	return nil
}
