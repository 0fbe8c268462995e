package sweep

import (
	"context"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results"

	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
)

// flagshipBench returns the benchmarks' data (real, or synthetic of the same
// shape), the flagship grid's expansion and its PBO grid.
func flagshipBench(b *testing.B) (*data.Dataset, *Expansion, Grid) {
	b.Helper()
	ds, _ := testData(b)
	f, err := Load(flagshipFile, loadOpts)
	if err != nil {
		b.Fatal(err)
	}
	e, err := Expand(&f.Spec, f.Base, f.Path)
	if err != nil {
		b.Fatal(err)
	}
	grid, err := GridFor(ds, e)
	if err != nil {
		b.Fatal(err)
	}
	return ds, e, grid
}

// eachFlagshipTrial runs every trial of expansion e once on ds and passes
// its outcome to f (valid during the call: the runner reuses its buffers).
func eachFlagshipTrial(b *testing.B, ds *data.Dataset, e *Expansion, f func(o *backtest.TrialOutcome)) {
	b.Helper()
	tr := backtest.NewTrialRunner(backtest.NewShared(ds))
	for i := range e.Trials {
		cfg, err := e.Config(&e.Trials[i])
		if err != nil {
			b.Fatal(err)
		}
		o, err := tr.Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		f(o)
	}
}

// BenchmarkSweepFlagship runs the 50-trial flagship grid through Run on the
// real data (or synthetic data of the same shape): ns/op is per trial.
//
//	go test -run '^$' -bench SweepFlagship -benchtime 5000x ./strategy/sweep/
func BenchmarkSweepFlagship(b *testing.B) {
	ds, e, grid := flagshipBench(b)
	for _, w := range []int{1, 2} {
		b.Run(map[int]string{1: "workers=1", 2: "workers=2"}[w], func(b *testing.B) {
			sh := backtest.NewShared(ds)
			trials := make([]Trial, b.N)
			for i := range trials {
				trials[i] = e.Trials[i%len(e.Trials)]
				trials[i].Index = i
			}
			sum, _ := NewSummary("sharpe", grid, 10)
			b.ReportAllocs()
			b.ResetTimer()
			if _, err := Run(context.Background(), sh, e, trials, Options{Workers: w, Grid: grid}, func(r *Result) error {
				sum.Add(r)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkTrialRunner is the engine path alone, for comparison.
func BenchmarkTrialRunner(b *testing.B) {
	ds, e, _ := flagshipBench(b)
	tr := backtest.NewTrialRunner(backtest.NewShared(ds))
	cfgs := make([]config.Config, len(e.Trials))
	for i := range cfgs {
		var err error
		if cfgs[i], err = e.Config(&e.Trials[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := tr.Run(context.Background(), cfgs[i%len(cfgs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMomentsSquares is the sweep's own passes over a trial's daily
// returns (the moments, the block sums and the metrics' squares), on the
// returns of every trial of the flagship grid: ns/op is per trial.
func BenchmarkMomentsSquares(b *testing.B) {
	ds, e, grid := flagshipBench(b)
	type trial struct {
		daily []float64
		dates []data.Date
		mean  float64
		flats []results.Flat
	}
	var trials []trial
	eachFlagshipTrial(b, ds, e, func(o *backtest.TrialOutcome) {
		daily := slices.Clone(o.Returns)
		trials = append(trials, trial{daily, slices.Clone(results.DailyReturnDates(o.Result, len(daily))), stat.Mean(daily, nil) * 1.0001,
			zeroStretches(daily, results.MinFlat)})
	})
	dst := make([]float64, 0, 2*grid.Blocks)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		t := &trials[i%len(trials)]
		_, dst, _ = momentsSquares(t.daily, t.dates, grid, dst, t.mean, t.flats)
	}
}
