package engine

import (
	"context"
	"testing"

	"github.com/riskon/riskon/data"
)

// kernelBreakout is a minimal breakout written against the kernel alone:
// at each close of the trigger, when flat, it buys the target with all cash
// if the close is above the highest close of the previous look bars, and
// holds it hold days with a trailing stop. It reads history through views
// and allocates nothing after Start, like the strategies of the strategy
// package.
type kernelBreakout struct {
	trigger, target string
	look, hold      int
	trig, tgt       int
}

func (s *kernelBreakout) Start(c *Ctx) error {
	s.trig, s.tgt = c.Symbol(s.trigger), c.Symbol(s.target)
	return nil
}

func (s *kernelBreakout) OnBar(c *Ctx, sym, idx int) {
	if sym != s.trig || !c.InWindow() || !c.Flat() {
		return
	}
	cl := c.History(sym).Closes()
	n := len(cl)
	if n <= s.look {
		return
	}
	hi := cl[n-1-s.look]
	for _, x := range cl[n-s.look : n-1] {
		hi = max(hi, x)
	}
	if cl[n-1] > hi {
		_ = c.Enter(s.tgt, 1, Exits{HoldDays: s.hold, TrailingStop: 0.2}, -1)
	}
}

// kernelData is seeded synthetic data of the real data's shape: an NYSE
// index over years years and a 24x7 asset over the last 38% of them.
func kernelData(tb testing.TB, years int) *Plan {
	tb.Helper()
	def := data.DefaultSynthetic(1)
	rut, btc := def.Symbols[0], def.Symbols[1]
	rut.Start = def.End - data.Date(years*365)
	btc.Start = def.End - data.Date(years*365*38/100)
	ds, err := data.Synthetic(data.SyntheticOptions{Seed: 1, End: def.End, Symbols: []data.SyntheticSpec{rut, btc}})
	if err != nil {
		tb.Fatal(err)
	}
	return NewPlan(ds)
}

func kernelOptions() Options {
	return Options{Capital: 100000, CommissionBps: 10, Trigger: "RUT", Targets: []string{"BTC"}}
}

// BenchmarkKernelReplay replays the kernel breakout (lookback 20, hold 5
// days: hundreds of trades) over 40 years of synthetic data through a reused
// Runner: the engine's cost per bar event without a strategy's caches.
//
//	go test -run '^$' -bench KernelReplay -benchmem ./engine/
func BenchmarkKernelReplay(b *testing.B) {
	plan := kernelData(b, 40)
	s := &kernelBreakout{trigger: "RUT", target: "BTC", look: 20, hold: 5}
	opts := kernelOptions()
	var r Runner
	ctx := context.Background()
	trades := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := r.Run(ctx, plan, s, opts)
		if err != nil {
			b.Fatal(err)
		}
		trades = len(res.Trades)
	}
	b.ReportMetric(float64(plan.Len())*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(plan.Len()), "events/run")
	b.ReportMetric(float64(trades), "trades/run")
}

// TestReplayAllocatesNothingPerBar: a reused Runner allocates the same
// (small) number of times for a replay of 10 years as for one of 40 years
// with four times the bars and trades, so the replay allocates nothing per
// bar event; what it does allocate per run is bounded.
func TestReplayAllocatesNothingPerBar(t *testing.T) {
	ctx := context.Background()
	allocs := func(years int) (float64, int, int) {
		plan := kernelData(t, years)
		s := &kernelBreakout{trigger: "RUT", target: "BTC", look: 20, hold: 5}
		var r Runner
		opts := kernelOptions()
		trades := 0
		run := func() {
			res, err := r.Run(ctx, plan, s, opts)
			if err != nil {
				t.Fatal(err)
			}
			trades = len(res.Trades)
		}
		run() // size the runner's buffers
		return testing.AllocsPerRun(20, run), plan.Len(), trades
	}
	short, shortEvents, shortTrades := allocs(10)
	long, longEvents, longTrades := allocs(40)
	if longEvents < 3*shortEvents || longTrades < 2*shortTrades || shortTrades < 50 {
		t.Fatalf("data too small to tell: %d/%d events, %d/%d trades", shortEvents, longEvents, shortTrades, longTrades)
	}
	if long > short {
		t.Errorf("a replay of %d events allocates %.0f times, one of %d events %.0f: allocations grow with bars or trades",
			longEvents, long, shortEvents, short)
	}
	if long > 16 {
		t.Errorf("a replay allocates %.0f times; want a small constant (the result's slices, reused by the Runner)", long)
	}
}
