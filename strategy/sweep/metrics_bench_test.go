package sweep

import (
	"slices"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy/backtest"
)

// BenchmarkTrialMetrics is what a sweep trial computes of its engine result
// (the metrics' scan and trade metrics, the sample counts, the sweep's
// moments, block sums and squares), without the replay: on the results of
// every trial of the flagship grid, ns/op per trial.
//
//	go test -run '^$' -bench TrialMetrics ./strategy/sweep/
func BenchmarkTrialMetrics(b *testing.B) {
	ds, e, grid := flagshipBench(b)
	var rs []*engine.Result
	eachFlagshipTrial(b, ds, e, func(o *backtest.TrialOutcome) {
		r := *o.Result
		r.Signals, r.Trades, r.Carried = slices.Clone(r.Signals), slices.Clone(r.Trades), slices.Clone(r.Carried)
		r.Dates, r.Equity, r.Invested = slices.Clone(r.Dates), slices.Clone(r.Equity), slices.Clone(r.Invested)
		rs = append(rs, &r)
	})
	// The curve is copied into one set of buffers first (in a sweep the
	// replay has just written it: it is in the cache), a cost of its own
	// ("copy").
	n := len(rs[0].Equity)
	eq, inv, dates := make([]float64, n), make([]float64, n), make([]data.Date, n)
	var h engine.Result
	hot := func(r *engine.Result) *engine.Result {
		h = *r
		h.Equity, h.Invested, h.Dates = eq[:len(r.Equity)], inv[:len(r.Equity)], dates[:len(r.Equity)]
		copy(h.Equity, r.Equity)
		copy(h.Invested, r.Invested)
		copy(h.Dates, r.Dates)
		return &h
	}
	b.Run("copy", func(b *testing.B) {
		for i := range b.N {
			if hot(rs[i%len(rs)]) == nil {
				b.Fatal("nil")
			}
		}
	})
	w := &worker{grid: grid}
	dst := make([]float64, 0, 2*grid.Blocks)
	var rets []float64
	flats := make([]results.Flat, 0, n/(results.MinFlat+1)+1)
	b.Run("metrics", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			r := hot(rs[i%len(rs)])
			w.fused, w.dst = false, dst[:0]
			var m results.Metrics
			m, rets = results.ComputeMetricsWith(r, rets, flats, w.squares)
			_, _, ep := results.SampleCounts(r)
			if !w.fused || m.Days == 0 || ep < 0 {
				b.Fatal("no moments")
			}
		}
	})
}
