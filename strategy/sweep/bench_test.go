package sweep

import (
	"context"
	"testing"

	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
)

// BenchmarkSweepFlagship runs the 50-trial flagship grid through Run on the
// real data (or synthetic data of the same shape): ns/op is per trial.
//
//	go test -run '^$' -bench SweepFlagship -benchtime 5000x ./strategy/sweep/
func BenchmarkSweepFlagship(b *testing.B) {
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
	ds, _ := testData(b)
	f, err := Load(flagshipFile, loadOpts)
	if err != nil {
		b.Fatal(err)
	}
	e, err := Expand(&f.Spec, f.Base, f.Path)
	if err != nil {
		b.Fatal(err)
	}
	tr := backtest.NewTrialRunner(backtest.NewShared(ds))
	cfgs := make([]config.Config, len(e.Trials))
	for i := range cfgs {
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
