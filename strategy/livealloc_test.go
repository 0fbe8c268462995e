package strategy

import (
	"context"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// TestLiveReplayAllocatesNothing: a live replay through a reused Runner and
// Breakout allocates nothing once the first has sized the buffers, so
// nothing per bar: on daily closes (OnBar's donchian path, whose block
// buffers must never be found full, even with a lookback beyond the
// trigger's bars) and on weekly ones (triggerState.onBar).
func TestLiveReplayAllocatesNothing(t *testing.T) {
	ds, err := data.Synthetic(data.DefaultSynthetic(1))
	if err != nil {
		t.Fatal(err)
	}
	plan := engine.NewPlan(ds)
	rutBars := ds.Get("RUT").Len()
	for _, tc := range []struct {
		lookback int
		tf       Timeframe
	}{{20, Daily}, {252, Daily}, {rutBars - 1, Daily}, {rutBars, Daily}, {rutBars + 1, Daily}, {3 * rutBars, Daily}, {20, Weekly}} {
		p := BreakoutParams{Trigger: "RUT", Rule: Donchian, Lookback: tc.lookback, Timeframe: tc.tf, Confirm: 1,
			Targets: []string{"BTC"}, Allocation: 1, HoldDays: 30}
		opts := engine.Options{Capital: 100000, CommissionBps: 10, Trigger: "RUT", Targets: []string{"BTC"}}
		s, err := NewBreakout(p)
		if err != nil {
			t.Fatal(err)
		}
		var r engine.Runner
		events := 0
		run := func() {
			res, err := r.Run(context.Background(), plan, s, opts)
			if err != nil {
				t.Fatal(err)
			}
			events = res.Events
		}
		run() // size the buffers
		if a := testing.AllocsPerRun(10, run); a != 0 || events < rutBars {
			t.Errorf("lookback %d timeframe %d: %.1f allocations per replay of %d events, want 0", tc.lookback, tc.tf, a, events)
		}
	}
}
