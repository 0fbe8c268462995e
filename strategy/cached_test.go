package strategy

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// TestCachedModeEqualsLive runs many parameter sets in live mode (the trigger
// fed bar by bar) and in cached mode (precomputed trigger signals and engine
// jumps while flat) and requires identical signals, orders, trades and
// equity curves.
func TestCachedModeEqualsLive(t *testing.T) {
	ds, err := data.Synthetic(data.DefaultSynthetic(21))
	if err != nil {
		t.Fatal(err)
	}
	if real, err := loadReal(t); err == nil {
		ds = real
	}
	plan := engine.NewPlan(ds)
	var params []BreakoutParams
	for _, rule := range []Rule{Donchian, NewHigh} {
		for _, tf := range []Timeframe{Daily, Weekly, Monthly} {
			for _, lb := range []int{5, 60, 252} {
				for _, ex := range []struct {
					hold  int
					trail float64
					fail  bool
					cool  int
				}{{30, 0, false, 0}, {365, 0.2, false, 10}, {7, 0, true, 0}, {0, 0.1, true, 30}} {
					params = append(params, BreakoutParams{Trigger: "RUT", Rule: rule, Lookback: lb, MinDaysSinceHigh: lb, Timeframe: tf,
						Confirm: 1 + lb%3, Margin: 0.001 * float64(lb%2), CooldownDays: ex.cool, Targets: []string{"BTC"}, Allocation: 1,
						HoldDays: ex.hold, TrailingStop: ex.trail, ExitOnFailedBreakout: ex.fail})
				}
			}
		}
	}
	for _, fill := range []engine.FillMode{engine.NextOpen, engine.NextClose} {
		for i, p := range params {
			opts := engine.Options{Capital: 1e5, CommissionBps: 10, SlippageBps: 3, Fill: fill, Trigger: "RUT", Targets: p.Targets}
			a, b := runLiveAndCached(t, plan, p, opts)
			if b.Events > a.Events {
				t.Errorf("params %d: cached mode replayed %d events, live %d", i, b.Events, a.Events)
			}
			a.Events, b.Events, a.Walked, b.Walked = 0, 0, 0, 0
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("params %d (%+v), fill %d: cached differs from live: %s", i, p, fill, diffResults(a, b))
			}
		}
	}
}

// runLiveAndCached replays p over plan in live mode (the trigger fed bar by
// bar) and in cached mode (precomputed trigger signals, jumps and walks).
func runLiveAndCached(t *testing.T, plan *engine.Plan, p BreakoutParams, opts engine.Options) (live, cached *engine.Result) {
	t.Helper()
	ls, err := NewBreakout(p)
	if err != nil {
		t.Fatal(err)
	}
	if live, err = engine.Run(context.Background(), plan, ls, opts); err != nil {
		t.Fatal(err)
	}
	sig, err := ComputeTriggerSignals(plan, p)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := NewBreakout(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.UseSignals(sig); err != nil {
		t.Fatal(err)
	}
	if cached, err = engine.Run(context.Background(), plan, cs, opts); err != nil {
		t.Fatal(err)
	}
	return live, cached
}

func diffResults(a, b *engine.Result) string {
	switch {
	case len(a.Signals) != len(b.Signals):
		return fmt.Sprintf("%d vs %d signals", len(a.Signals), len(b.Signals))
	case len(a.Trades) != len(b.Trades):
		return fmt.Sprintf("%d vs %d trades", len(a.Trades), len(b.Trades))
	case len(a.Orders) != len(b.Orders):
		return fmt.Sprintf("%d vs %d orders", len(a.Orders), len(b.Orders))
	}
	for i := range a.Trades {
		if a.Trades[i] != b.Trades[i] {
			return fmt.Sprintf("trade %d: %+v vs %+v", i, a.Trades[i], b.Trades[i])
		}
	}
	for i := range a.Equity {
		if a.Equity[i] != b.Equity[i] || a.Invested[i] != b.Invested[i] {
			return fmt.Sprintf("equity on %s: %v vs %v", a.Dates[i], a.Equity[i], b.Equity[i])
		}
	}
	return "signals or orders differ"
}

// TestCachedWalkEqualsLive: the cached mode's walks through held stretches
// (engine.HeldSkipper) give the live replay's signals, orders, trades and
// equity curve for baskets (several positions marked per day, entries
// filling on different bars), weights, partial allocation, next-close
// fills, cooldowns and the configurations that must not walk (stop loss,
// take profit: walks only while the entry is pending; failed-breakout
// exits: none), and the walks do happen.
func TestCachedWalkEqualsLive(t *testing.T) {
	ds, err := data.Synthetic(data.DefaultSynthetic(5))
	if err != nil {
		t.Fatal(err)
	}
	plan := engine.NewPlan(ds)
	baskets := [][]string{{"BTC"}, {"BTC", "ETH", "SOL"}, {"ETH", "LTC"}}
	walked, n := 0, 0
	for bi, targets := range baskets {
		for _, lb := range []int{3, 20, 120} {
			for ei, ex := range []struct {
				hold     int
				sl, tp   float64
				fail     bool
				alloc    float64
				cooldown int
			}{{10, 0, 0, false, 1, 0}, {90, 0, 0, false, 0.5, 20}, {30, 0.05, 0, false, 1, 0}, {30, 0, 0.1, false, 1, 0}, {0, 0, 0, true, 1, 0}, {1, 0, 0, false, 0.8, 0}} {
				var weights []float64
				if len(targets) > 1 && ei%2 == 1 {
					weights = make([]float64, len(targets))
					for i := range weights {
						weights[i] = float64(i + 1)
					}
				}
				p := BreakoutParams{Trigger: "RUT", Rule: Donchian, Lookback: lb, Confirm: 1, Targets: targets, Weights: weights,
					Allocation: ex.alloc, HoldDays: ex.hold, StopLoss: ex.sl, TakeProfit: ex.tp, ExitOnFailedBreakout: ex.fail, CooldownDays: ex.cooldown}
				for _, fill := range []engine.FillMode{engine.NextOpen, engine.NextClose} {
					opts := engine.Options{Capital: 1e5, CommissionBps: 10, SlippageBps: 3, Fill: fill, Trigger: "RUT", Targets: targets}
					a, b := runLiveAndCached(t, plan, p, opts)
					if a.Walked != 0 {
						t.Fatalf("live mode walked %d events", a.Walked)
					}
					if ex.fail && b.Walked != 0 {
						t.Fatalf("basket %d lookback %d exits %d: walked %d events with failed-breakout exits", bi, lb, ei, b.Walked)
					}
					walked += b.Walked
					n++
					a.Events, b.Events, a.Walked, b.Walked = 0, 0, 0, 0
					if !reflect.DeepEqual(a, b) {
						t.Fatalf("basket %d lookback %d exits %d fill %d: cached differs from live: %s", bi, lb, ei, fill, diffResults(a, b))
					}
				}
			}
		}
	}
	if walked == 0 {
		t.Fatalf("%d runs walked no event: the comparison does not test the walks", n)
	}
}
