package validate

import (
	"context"
	"fmt"

	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/internal/numfmt"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/sweep"
)

// StreamStitchedRandomEntry is the stream of the base config's seed that
// pairs the test windows' random strategies (CombinedRandomEntry).
const StreamStitchedRandomEntry = 101

// summarise stitches the test windows and fills the summary of out.
func (p *Plan) summarise(ctx context.Context, sh *backtest.Shared, out *Result, outcomes []*backtest.Outcome) error {
	capital := p.Exp.Base.Capital
	parts := make([]*engine.Result, len(outcomes))
	bparts := make([]*engine.Result, len(outcomes))
	tests := make([]*backtest.RandomEntryTest, len(outcomes))
	trades := make([]int, len(outcomes))
	for i, o := range outcomes {
		parts[i], bparts[i], tests[i] = o.Result, o.Benchmark, o.RandomEntry
		trades[i] = len(o.Result.Trades)
	}
	oos := Stitch(parts, capital)
	bench := Stitch(bparts, capital)
	seed := p.Exp.Base.Seed
	ev := results.Assess(oos, results.EvidenceOptions{Seed: seed, Resamples: p.Opts.Evidence.Resamples, Level: p.Opts.Evidence.Level})
	if p.Opts.Evidence.RandomEntries >= 0 {
		k, pm, pt, note := CombinedRandomEntry(tests, trades, stats.DeriveSeed(seed, StreamStitchedRandomEntry))
		ev.SetRandomEntry(results.RandomEntryOutcome{K: k, P: pm, TotalP: pt, Note: note})
	}
	out.OOS = Curve{Metrics: results.ComputeMetrics(oos), Evidence: &ev, Equity: results.EquityRows(oos)}
	out.Benchmark = Curve{Metrics: results.ComputeMetrics(bench), Equity: results.EquityRows(bench)}

	var sum float64
	var n int
	for _, f := range out.Folds {
		if f.IS.Sharpe.Valid() {
			sum += float64(f.IS.Sharpe)
			n++
		}
		if f.BeatsBenchmark {
			out.BeatsBenchmarkFolds++
		}
	}
	out.MeanISSharpe = results.NA
	if n > 0 {
		out.MeanISSharpe = results.Value(sum / float64(n))
	}
	out.Degradation = ratio(out.OOS.Metrics.Sharpe, out.MeanISSharpe)
	out.BeatsBenchmark = results.NA
	if len(out.Folds) > 0 {
		out.BeatsBenchmark = results.Value(float64(out.BeatsBenchmarkFolds) / float64(len(out.Folds)))
	}
	out.PBO, out.SweepDSR = results.NA, results.NA
	if !p.Opts.SkipPBO {
		if err := p.pbo(ctx, sh, out); err != nil {
			return err
		}
	} else {
		out.PBODetail.Note = "skipped"
	}
	p.warn(out)
	return nil
}

// pbo runs every trial over the whole range once and computes the sweep's
// CSCV PBO and the DSR of its best trial by Sharpe ratio (sweep.Summary).
func (p *Plan) pbo(ctx context.Context, sh *backtest.Shared, out *Result) error {
	e := *p.Exp
	e.Base.Data.Start, e.Base.Data.End = p.First.String(), p.Last.String()
	grid, err := sweep.NewGrid(p.First, p.Last, len(e.Trials))
	if err != nil {
		out.PBODetail.Note = err.Error()
		return nil
	}
	sum, err := sweep.NewSummary("sharpe", grid, 1)
	if err != nil {
		return err
	}
	sum.Grow(len(e.Trials))
	// Every trial is run on the validation's range (Expansion.Config uses
	// the base config, whose window this copy narrows).
	if _, err := sweep.Run(ctx, sh, &e, e.Trials, sweep.Options{Workers: p.Opts.Workers, Grid: grid}, func(r *sweep.Result) error {
		sum.Add(r)
		return nil
	}); err != nil {
		return fmt.Errorf("validate: PBO: %w", err)
	}
	st := sum.Finish(sweep.FinishOptions{Workers: p.Opts.Workers})
	out.PBO, out.PBODetail, out.SweepDSR = st.PBO, st.PBODetail, st.DSR
	return nil
}

// warn writes the warnings and the verdict.
func (p *Plan) warn(out *Result) {
	ev := out.OOS.Evidence
	if ev != nil && ev.TooFew {
		out.Warnings = append(out.Warnings, fmt.Sprintf("the out-of-sample curve rests on %d independent episodes, fewer than %d: too few to tell from chance", ev.Episodes, results.MinSamples))
	}
	if len(out.Folds) < 5 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("only %d folds: the share of folds beating buy-and-hold is coarse", len(out.Folds)))
	}
	if out.PBO.Valid() && out.PBO > 0.5 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("probability of backtest overfitting %.2f: the in-sample best trial is usually no better than the median out of sample", float64(out.PBO)))
	}
	if out.Degradation.Valid() && out.Degradation < 0.5 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("out-of-sample Sharpe ratio is %.0f%% of the in-sample one", 100*float64(out.Degradation)))
	}
	m, b := out.OOS.Metrics, out.Benchmark.Metrics
	v := fmt.Sprintf("Out of sample over %d folds (%s..%s), choosing the best of %d trials by %s on each training window: Sharpe %s (buy-and-hold %s), total return %s (buy-and-hold %s); chosen config beat buy-and-hold in %d of %d folds",
		len(out.Folds), firstTest(out), lastTest(out), out.Trials, out.RankBy, f2(m.Sharpe), f2(b.Sharpe), pct(m.TotalReturn), pct(b.TotalReturn),
		out.BeatsBenchmarkFolds, len(out.Folds))
	if ev != nil {
		v += fmt.Sprintf("; %d trades in %d episodes, random-entry p %s, PSR %s", ev.Trades, ev.Episodes, results.FormatP(ev.RandomEntryP), f2(ev.PSR))
	}
	if out.PBO.Valid() {
		v += fmt.Sprintf("; PBO %.2f", float64(out.PBO))
	}
	out.Verdict = v + "."
}

func firstTest(out *Result) string {
	if len(out.Folds) == 0 {
		return out.Start
	}
	return out.Folds[0].TestStart
}

func lastTest(out *Result) string {
	if len(out.Folds) == 0 {
		return out.End
	}
	return out.Folds[len(out.Folds)-1].TestEnd
}

func f2(v results.Value) string { return numfmt.Fixed(v, 2) }

func pct(v results.Value) string { return numfmt.SignedPercent(v, 1) }
