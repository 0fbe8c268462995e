package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
)

func (a *app) replayCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "replay RUN|SWEEP_ID:INDEX",
		Short: "Re-run a stored run from its record and check that it reproduces exactly",
		Long: `Replay reads a stored run's config and data fingerprint, checks the config
hash, loads the same symbols, checks that the data still has the same
fingerprint, runs the backtest again and compares the whole report (metrics,
benchmark, evidence, trades, signals, equity curve) with the stored one. It
stores nothing. It fails when the data changed since the run or when the
result differs. A sweep trial (SWEEP_ID:INDEX) is recomputed and compared
with the stored trial's metrics, benchmark and sample counts.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			msg, err := a.replay(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, msg)
			return nil
		},
	}
}

// replay re-runs a stored run and returns a one-line confirmation.
func (a *app) replay(ctx context.Context, id string) (string, error) {
	st, err := a.openResults(ctx, true)
	if err != nil {
		return "", err
	}
	defer st.Close()
	if isTrialRef(id) {
		rep, _, err := a.trialReport(ctx, st, id)
		if err != nil {
			return "", fmt.Errorf("replay %s: %w", id, err)
		}
		return fmt.Sprintf("replay %s: identical to the stored trial (metrics, benchmark, samples; data %s, %d trades, %d signals, %d equity days)",
			rep.RunID, short(rep.DataFingerprint), len(rep.Trades), len(rep.Signals), len(rep.Equity)), nil
	}
	rs := st.runs
	stored, err := rs.Get(ctx, id)
	if err != nil {
		return "", err
	}
	cfg, err := config.FromCanonical(stored.Config)
	if err != nil {
		return "", fmt.Errorf("replay %s: stored config does not decode: %w", stored.RunID, err)
	}
	if h := config.Hash(cfg); h != stored.ConfigHash {
		return "", fmt.Errorf("replay %s: the stored config hashes to %s, not the recorded %s (record damaged or written by another version)",
			stored.RunID, short(h), short(stored.ConfigHash))
	}
	data, err := st.Load(ctx, strategy.Symbols(cfg))
	if err != nil {
		return "", fmt.Errorf("replay %s: %w", stored.RunID, err)
	}
	if fp := data.Fingerprint(); fp != stored.DataFingerprint {
		return "", fmt.Errorf("replay %s: the data changed since the run (fingerprint %s, recorded %s): re-import the data the run used, or run the config again",
			stored.RunID, short(fp), short(stored.DataFingerprint))
	}
	out, err := backtest.Run(ctx, cfg, data, nil)
	if err != nil {
		return "", fmt.Errorf("replay %s: %w", stored.RunID, err)
	}
	rep := out.Report
	rep.RunID, rep.CreatedAt, rep.Version = stored.RunID, stored.CreatedAt, stored.Version
	if stored.Selection != nil {
		rep.SetSelection(*stored.Selection)
	}
	if diff := firstReportDiff(stored, rep); diff != "" {
		return "", fmt.Errorf("replay %s: the result differs from the stored run in %s", stored.RunID, diff)
	}
	return fmt.Sprintf("replay %s: identical (config %s, data %s, %d trades, %d signals, %d equity days)",
		stored.RunID, short(rep.ConfigHash), short(rep.DataFingerprint), len(rep.Trades), len(rep.Signals), len(rep.Equity)), nil
}

// firstReportDiff names the first section of two reports whose JSON
// differs, or returns "".
func firstReportDiff(a, b *results.Report) string {
	sections := []struct {
		name string
		x, y any
	}{
		{"window", a.Window, b.Window}, {"metrics", a.Metrics, b.Metrics}, {"benchmark", a.Benchmark, b.Benchmark},
		{"evidence", a.Evidence, b.Evidence}, {"trades", a.Trades, b.Trades}, {"signals", a.Signals, b.Signals},
		{"equity", a.Equity, b.Equity}, {"config", a.Config, b.Config},
	}
	for _, s := range sections {
		x, err1 := json.Marshal(s.x)
		y, err2 := json.Marshal(s.y)
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			return s.name
		}
	}
	return ""
}
