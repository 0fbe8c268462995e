package strategy

import (
	"context"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// benchData returns the real Russell 2000 + BTC data when ../shared is
// present, else a synthetic set of the same shape.
func benchData(b *testing.B) *data.Dataset {
	if ds := tryReal(b); ds != nil {
		return ds
	}
	o := data.DefaultSynthetic(1)
	o.Symbols = o.Symbols[:2] // RUT from 1987, BTC from 2011
	ds, err := data.Synthetic(o)
	if err != nil {
		b.Fatal(err)
	}
	return ds
}

func tryReal(b *testing.B) *data.Dataset {
	ds, err := loadReal(b)
	if err != nil {
		b.Logf("real data absent (%v): benchmarking synthetic data of the same shape", err)
		return nil
	}
	return ds
}

// BenchmarkReplay replays the flagship strategy (donchian 252 on the Russell
// 2000, long BTC for 365 days) over the whole data set, reporting bar events
// per second and allocations per event.
func BenchmarkReplay(b *testing.B) {
	ds := benchData(b)
	plan := engine.NewPlan(ds)
	p := BreakoutParams{Trigger: "RUT", Rule: Donchian, Lookback: 252, Confirm: 1, Targets: []string{"BTC"}, Allocation: 1, HoldDays: 365}
	opts := engine.Options{Capital: 100000, CommissionBps: 10, Trigger: "RUT", Targets: []string{"BTC"}}
	var r engine.Runner
	s, _ := NewBreakout(p)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	replayed := 0
	for i := 0; i < b.N; i++ {
		res, err := r.Run(ctx, plan, s, opts)
		if err != nil {
			b.Fatal(err)
		}
		replayed = res.Events
	}
	b.StopTimer()
	events := float64(plan.Len()) * float64(b.N)
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(plan.Len()), "events/run")
	// Every event of the plan is replayed in live mode (no jumps, no walks).
	b.ReportMetric(float64(replayed), "replayed/run")
}
