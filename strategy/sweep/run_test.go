package sweep

import (
	"context"
	"errors"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
)

const flagshipFile = "../../configs/sweeps/r2k_grid.yaml"

func noEnv(string) (string, bool) { return "", false }

var loadOpts = config.LoadOptions{Env: noEnv}

// flagship loads and expands the shipped 50-trial grid.
func flagship(t *testing.T) (*File, *Expansion) {
	t.Helper()
	f, err := Load(flagshipFile, config.LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	e, err := Expand(&f.Spec, f.Base, f.Path)
	if err != nil {
		t.Fatal(err)
	}
	return f, e
}

// runAll runs trials and returns the results sorted by index.
func runAll(t *testing.T, sh *backtest.Shared, e *Expansion, trials []Trial, opts Options) []*Result {
	t.Helper()
	var out []*Result
	n, err := Run(context.Background(), sh, e, trials, opts, func(r *Result) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(trials) || len(out) != len(trials) {
		t.Fatalf("Run handed %d results (returned %d) for %d trials", len(out), n, len(trials))
	}
	slices.SortFunc(out, func(a, b *Result) int { return a.Index - b.Index })
	return out
}

// TestFlagshipGridEqualsRunAlone is the first acceptance point: every trial
// of the lookback x hold_days grid has exactly the trades, metrics and
// evidence counts of the same config run alone through backtest.Run (the
// path of `riskon run`), with its own plan.
func TestFlagshipGridEqualsRunAlone(t *testing.T) {
	ds, real := testData(t)
	_, e := flagship(t)
	if len(e.Trials) != 50 {
		t.Fatalf("flagship grid: %d trials, want 50", len(e.Trials))
	}
	sh := backtest.NewShared(ds)
	grid, err := GridFor(ds, e)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	trades := map[int][]engine.Trade{}
	res := runAll(t, sh, e, e.Trials, Options{Workers: 2, Grid: grid, Observe: func(tr *Trial, _ config.Config, o *backtest.TrialOutcome) {
		mu.Lock()
		trades[tr.Index] = slices.Clone(o.Result.Trades)
		mu.Unlock()
	}})
	withTrades := 0
	for i, tr := range e.Trials {
		cfg := trialConfig(t, e, i)
		alone, err := runAlone(cfg, ds)
		if err != nil {
			t.Fatal(err)
		}
		r := res[i]
		if r.Index != tr.Index || r.Hash != tr.Hash {
			t.Fatalf("result %d is trial %d %s", i, r.Index, r.Hash)
		}
		if !reflect.DeepEqual(trades[i], alone.Result.Trades) {
			t.Errorf("trial %d (%s): trades differ from the run alone:\nsweep %+v\nalone %+v", i, tr.Params, trades[i], alone.Result.Trades)
		}
		if !sameMetrics(r.Metrics, alone.Report.Metrics) {
			t.Errorf("trial %d (%s): metrics differ:\nsweep %+v\nalone %+v", i, tr.Params, r.Metrics, alone.Report.Metrics)
		}
		if !sameMetrics(r.Benchmark, alone.Report.Benchmark) {
			t.Errorf("trial %d: benchmark differs:\nsweep %+v\nalone %+v", i, r.Benchmark, alone.Report.Benchmark)
		}
		ev := alone.Report.Evidence
		if r.Evidence != (Evidence{Signals: ev.Signals, Trades: ev.Trades, Episodes: ev.Episodes, TooFew: ev.TooFew, Seed: ev.Seed}) {
			t.Errorf("trial %d: evidence %+v, alone %+v", i, r.Evidence, ev)
		}
		// The kept moments and daily returns, recomputed from the run alone.
		daily := results.DailyReturns(alone.Result)
		if r.Moments.N != len(daily) || !sameFloat(r.Moments.Skew, stat.Skew(daily, nil)) ||
			!sameFloat(r.Moments.Kurt, stat.ExKurtosis(daily, nil)+3) {
			t.Errorf("trial %d: moments %+v, want n=%d", i, r.Moments, len(daily))
		}
		// Block sums: the daily returns of the run alone, by calendar block.
		want := make([]float64, 2*grid.Blocks)
		for k, v := range daily {
			day := alone.Result.Dates[k] // capital > 0: return k ends on day k
			off := int(day.Time().Sub(grid.Start.Time()).Hours() / 24)
			if off < 0 || off >= grid.Blocks*grid.BlockDays {
				continue
			}
			want[off/grid.BlockDays] += v
			want[grid.Blocks+off/grid.BlockDays] += v * v
		}
		if !reflect.DeepEqual(r.Sums, want) {
			t.Fatalf("trial %d: block sums %v, want %v", i, r.Sums, want)
		}
		if len(trades[i]) > 0 {
			withTrades++
		}
	}
	if withTrades < 45 {
		t.Errorf("only %d of 50 trials traded: the comparison is too weak", withTrades)
	}
	t.Logf("50 trials equal to their runs alone (real data: %v)", real)
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

func sameMetrics(a, b results.Metrics) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		x, y := va.Field(i).Interface(), vb.Field(i).Interface()
		if fx, ok := x.(results.Value); ok {
			if !sameFloat(float64(fx), float64(y.(results.Value))) {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// TestWorkersIdentical: 1, 2 and 8 workers give identical results, and the
// same statistics.
func TestWorkersIdentical(t *testing.T) {
	ds, _ := testData(t)
	_, e := flagship(t)
	sh := backtest.NewShared(ds)
	grid, err := GridFor(ds, e)
	if err != nil {
		t.Fatal(err)
	}
	var ref []*Result
	var refStats Stats
	for _, w := range []int{1, 2, 8} {
		res := runAll(t, sh, e, e.Trials, Options{Workers: w, Grid: grid})
		sum, err := NewSummary("sharpe", grid, 5)
		if err != nil {
			t.Fatal(err)
		}
		// Add in reverse order too: the statistics must not depend on it.
		for i := len(res) - 1; i >= 0; i-- {
			sum.Add(res[i])
		}
		st := sum.Finish(FinishOptions{Workers: w})
		if ref == nil {
			ref, refStats = res, st
			continue
		}
		for i := range res {
			if !sameResult(res[i], ref[i]) {
				t.Fatalf("%d workers: trial %d differs from 1 worker", w, i)
			}
		}
		if !sameFloat(float64(st.DSR), float64(refStats.DSR)) || !sameFloat(float64(st.PBO), float64(refStats.PBO)) ||
			st.Top[0].Index != refStats.Top[0].Index {
			t.Fatalf("%d workers: stats %v %v best %d, 1 worker %v %v best %d", w, st.DSR, st.PBO, st.Top[0].Index,
				refStats.DSR, refStats.PBO, refStats.Top[0].Index)
		}
	}
}

func sameResult(a, b *Result) bool {
	return a.Index == b.Index && a.Hash == b.Hash && reflect.DeepEqual(a.Params, b.Params) &&
		sameMetrics(a.Metrics, b.Metrics) && sameMetrics(a.Benchmark, b.Benchmark) && a.Evidence == b.Evidence &&
		a.Moments.N == b.Moments.N && sameFloat(a.Moments.Skew, b.Moments.Skew) && sameFloat(a.Moments.Kurt, b.Moments.Kurt) &&
		reflect.DeepEqual(a.Sums, b.Sums)
}

// TestCancelKeepsFinished: cancelling mid-sweep returns the context error,
// hands over only complete results, and stops early (the grid 20 times
// over, long enough for the cancellation to come before the end: the
// workers hand results over in chunks, so 50 trials may all be done when
// the tenth is handed over).
func TestCancelKeepsFinished(t *testing.T) {
	ds, _ := testData(t)
	_, e := flagship(t)
	sh := backtest.NewShared(ds)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	trials := make([]Trial, 20*len(e.Trials))
	for i := range trials {
		trials[i] = e.Trials[i%len(e.Trials)]
		trials[i].Index = i
	}
	var got []*Result
	n, err := Run(ctx, sh, e, trials, Options{Workers: 2}, func(r *Result) error {
		got = append(got, r)
		if len(got) == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n != len(got) || n < 10 || n >= len(trials) {
		t.Fatalf("handed %d (returned %d) of %d trials", len(got), n, len(trials))
	}
	seen := map[int]bool{}
	for _, r := range got {
		if seen[r.Index] || r.Hash != trials[r.Index].Hash || r.Metrics.Annualization == 0 {
			t.Fatalf("bad result after cancel: %+v", r)
		}
		seen[r.Index] = true
	}
}

// TestSinkErrorStops: a failing sink stops the sweep with its error.
func TestSinkErrorStops(t *testing.T) {
	ds, _ := testData(t)
	_, e := flagship(t)
	boom := errors.New("disk full")
	n, err := Run(context.Background(), backtest.NewShared(ds), e, e.Trials, Options{Workers: 2}, func(r *Result) error {
		return boom
	})
	if !errors.Is(err, boom) || n != 0 {
		t.Fatalf("n=%d err=%v, want 0 and the sink error", n, err)
	}
}

// TestSweepStatsIndependent recomputes the DSR of the best trial and the PBO
// with results/stats from runs alone.
func TestSweepStatsIndependent(t *testing.T) {
	ds, _ := testData(t)
	_, e := flagship(t)
	// S = 10 blocks keeps stats.PBO on the daily matrix fast; the default
	// S = 16 is checked against stats.PBO in TestPBOMatchesStats.
	grid, err := GridFor(ds, e)
	if err != nil {
		t.Fatal(err)
	}
	grid = Grid{Start: grid.Start, BlockDays: grid.Days() / 10, Blocks: 10} // the same days in 10 blocks
	res := runAll(t, backtest.NewShared(ds), e, e.Trials, Options{Workers: 2, Grid: grid})
	sum, err := NewSummary("sharpe", grid, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		sum.Add(r)
	}
	st := sum.Finish(FinishOptions{Workers: 2})

	// Independent: run every config alone, rank by Sharpe, deflate.
	type one struct {
		sharpe float64
		daily  []float64
		dates  []data.Date
	}
	all := make([]one, len(e.Trials))
	bestI := -1
	var srs []float64
	for i := range e.Trials {
		o, err := runAlone(trialConfig(t, e, i), ds)
		if err != nil {
			t.Fatal(err)
		}
		all[i] = one{float64(o.Report.Metrics.Sharpe), results.DailyReturns(o.Result), o.Result.Dates}
		if o.Report.Metrics.Sharpe.Valid() {
			srs = append(srs, all[i].sharpe/math.Sqrt(365))
			if bestI < 0 || all[i].sharpe > all[bestI].sharpe {
				bestI = i
			}
		}
	}
	if st.Top[0].Index != bestI {
		t.Fatalf("best trial %d, want %d", st.Top[0].Index, bestI)
	}
	b := all[bestI]
	want := stats.DSR(b.sharpe/math.Sqrt(365), len(b.daily), stat.Skew(b.daily, nil), stat.ExKurtosis(b.daily, nil)+3,
		len(e.Trials), stat.Variance(srs, nil))
	if math.Abs(float64(st.DSR)-want) > 1e-12 {
		t.Errorf("DSR %v, want %v", st.DSR, want)
	}
	if want < DSRThreshold != slices.ContainsFunc(st.Warnings, func(w string) bool { return contains(w, "deflated Sharpe ratio") }) {
		t.Errorf("DSR %v: warnings %q", want, st.Warnings)
	}
	// PBO on the T x N matrix of daily returns over the grid's days, zero
	// outside a trial's curve, with stats.PBO and stats.Sharpe.
	lo := grid.Start
	perf := make([][]float64, grid.Days())
	for r := range perf {
		perf[r] = make([]float64, len(all))
	}
	for j, o := range all {
		for k, v := range o.daily {
			if r := int(o.dates[k] - lo); r >= 0 && r < len(perf) {
				perf[r][j] = v
			}
		}
	}
	pbo, _, err := stats.PBO(perf, 10, stats.Sharpe)
	if err != nil {
		t.Fatal(err)
	}
	// Real trials share stretches of identical returns, so two trials'
	// Sharpe ratios on a half can differ by less than the rounding of the
	// two computations (sums vs two-pass) and rank either way: allow two of
	// the 252 splits (random data agree exactly: TestPBOMatchesStats).
	if math.Abs(float64(st.PBO)-pbo) > 2.0/252+1e-12 || st.PBODetail.Blocks != 10 {
		t.Errorf("PBO %v (S=%d), stats.PBO %v", st.PBO, st.PBODetail.Blocks, pbo)
	}
	t.Logf("best trial %d %s: Sharpe %.3f, DSR %.4f, PBO %.3f", bestI, e.Trials[bestI].Params, b.sharpe, want, pbo)
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub))
}

// runAlone backtests cfg alone through the path of riskon run
// (backtest.RunWith, its own plan), with cheap evidence options: the
// bootstrap and random-entry statistics are not compared here, only the
// trades, metrics and sample counts.
func runAlone(cfg config.Config, ds *data.Dataset) (*backtest.Outcome, error) {
	return backtest.RunWith(context.Background(), cfg, ds, nil, backtest.Options{Resamples: 50, RandomEntries: -1})
}

// trialConfig is trial i's config, built independently of Expansion.Config:
// the base with the trial's params as --set overrides.
func trialConfig(t *testing.T, e *Expansion, i int) config.Config {
	t.Helper()
	c, err := config.Override(e.Base, e.Trials[i].Params.Sets()...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
