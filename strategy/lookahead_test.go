package strategy

import (
	"context"
	"fmt"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// peeker tries to read BTC's bar of the same date at every Russell close.
type peeker struct {
	rut, btc int
	checked  int
	failures []string
	panics   int
}

func (p *peeker) Start(c *engine.Ctx) error {
	p.rut, p.btc = c.Symbol("RUT"), c.Symbol("BTC")
	return nil
}

func (p *peeker) OnBar(c *engine.Ctx, sym, idx int) {
	if sym != p.rut {
		return
	}
	v := c.History(p.btc)
	n := v.Len()
	if n == 0 {
		return
	}
	p.checked++
	// Every visible BTC bar has closed at or before now.
	if ct := v.CloseTimes()[n-1]; ct > c.Now() {
		p.failures = append(p.failures, fmt.Sprintf("saw a BTC bar closing at %d after now %d", ct, c.Now()))
	}
	// The BTC bar of the same date closes at the next 00:00Z, after the
	// Russell close (20:00Z or 21:00Z): it must not be visible.
	rutDate := c.History(p.rut).Dates()[c.History(p.rut).Len()-1]
	if v.Dates()[n-1] >= rutDate {
		p.failures = append(p.failures, fmt.Sprintf("at the Russell close of %s BTC's bar of %s is visible", rutDate, v.Dates()[n-1]))
	}
	// Reaching past the view by re-slicing panics.
	func() {
		defer func() {
			if recover() != nil {
				p.panics++
			}
		}()
		_ = v.Closes()[: n+1 : n+1]
	}()
}

func TestStrategyCannotSeeUnclosedBar(t *testing.T) {
	ds, err := data.Synthetic(data.DefaultSynthetic(7))
	if err != nil {
		t.Fatal(err)
	}
	p := &peeker{}
	if _, err := engine.Run(context.Background(), engine.NewPlan(ds), p, engine.Options{Capital: 1, Trigger: "RUT", Targets: []string{"BTC"}}); err != nil {
		t.Fatal(err)
	}
	if p.checked < 1000 {
		t.Fatalf("checked only %d Russell closes", p.checked)
	}
	for _, f := range p.failures[:min(5, len(p.failures))] {
		t.Error(f)
	}
	if p.panics != p.checked {
		t.Errorf("re-slicing past the view panicked %d times of %d attempts; the future must be unreachable", p.panics, p.checked)
	}
}

// prefixParams are strategies that exercise every exit and the resampling.
var prefixParams = []BreakoutParams{
	{Trigger: "RUT", Rule: Donchian, Lookback: 20, Confirm: 1, Targets: []string{"BTC"}, Allocation: 1, HoldDays: 30, TrailingStop: 0.15},
	{Trigger: "RUT", Rule: Donchian, Lookback: 10, Timeframe: Weekly, Confirm: 2, Margin: 0.001, CooldownDays: 20, Targets: []string{"BTC"}, Allocation: 0.8, HoldDays: 90, ExitOnFailedBreakout: true},
	{Trigger: "RUT", Rule: NewHigh, MinDaysSinceHigh: 30, Timeframe: Monthly, Confirm: 1, Targets: []string{"BTC"}, Allocation: 1, HoldDays: 365},
	// The newer parts: vol-target sizing (from closed bars only), stop
	// loss and take profit, filters, the moving-average rules.
	{Trigger: "RUT", Rule: "range_breakout", Lookback: 20, RangeDays: 60, MaxRange: 0.15, Confirm: 1, Targets: []string{"BTC"}, Allocation: 1,
		HoldDays: 60, StopLoss: 0.1, TakeProfit: 0.4, VolTarget: 0.3, VolDays: 30},
	{Trigger: "RUT", Rule: "above_ma", MADays: 50, Confirm: 1, Targets: []string{"BTC"}, Allocation: 1, HoldDays: 20, VolTarget: 0.5, VolDays: 10,
		Filters: []FilterParams{{Symbol: "BTC", Rule: "above_ma", MADays: 20}}},
	{Trigger: "RUT", Rule: "ma_cross", Fast: 5, Slow: 20, Timeframe: Weekly, Confirm: 1, Targets: []string{"BTC"}, Allocation: 1, HoldDays: 90,
		TrailingStop: 0.2, StopLoss: 0.15, Filters: []FilterParams{{Symbol: "BTC", Rule: "rising", Lookback: 5}}},
}

// checkPrefixInvariance runs strat on ds and on ds truncated at each cut and
// requires identical signals, orders and fills before the cut.
func checkPrefixInvariance(t *testing.T, ds *data.Dataset, cuts []int64, fill engine.FillMode) {
	t.Helper()
	for pi, p := range prefixParams {
		opts := engine.Options{Capital: 100000, CommissionBps: 10, SlippageBps: 5, Fill: fill, Trigger: "RUT", Targets: p.Targets}
		full := runParams(t, ds, p, opts)
		if len(full.Signals) == 0 || len(full.Trades) == 0 {
			t.Fatalf("params %d: full run has %d signals and %d trades; the test needs some", pi, len(full.Signals), len(full.Trades))
		}
		compared := 0
		for _, cut := range cuts {
			part := runParams(t, ds.Truncate(cut), p, opts)
			end := part.WindowEnd
			var a, b []string
			for _, s := range full.Signals {
				if s.Time <= end {
					a = append(a, fmt.Sprintf("%+v", s))
				}
			}
			for _, s := range part.Signals {
				b = append(b, fmt.Sprintf("%+v", s))
			}
			for _, o := range full.Orders {
				if o.Placed <= end {
					a = append(a, orderKey(o, end))
				}
			}
			for _, o := range part.Orders {
				b = append(b, orderKey(o, end))
			}
			if d := firstDiff(a, b); d != "" {
				t.Fatalf("params %d, fill %d, cut %s: decisions differ: %s", pi, fill, data.DateFromUnix(cut), d)
			}
			compared += len(a)
		}
		if compared == 0 {
			t.Fatalf("params %d: nothing compared", pi)
		}
	}
}

// orderKey describes an order as known at end: fills after end are unknown.
func orderKey(o engine.Order, end int64) string {
	if !o.Filled || o.FillTime >= end {
		return fmt.Sprintf("%d %s %s placed %d unfilled", o.ID, o.Symbol, o.Kind, o.Placed)
	}
	return fmt.Sprintf("%d %s %s placed %d filled %d at %.10g units %.10g %s", o.ID, o.Symbol, o.Kind, o.Placed, o.FillTime, o.FillPrice, o.Units, o.Reason)
}

func runParams(t *testing.T, ds *data.Dataset, p BreakoutParams, opts engine.Options) *engine.Result {
	t.Helper()
	s, err := NewBreakout(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(context.Background(), engine.NewPlan(ds), s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// cutsBetween returns n cut instants spread over [a, b], at odd times of day
// so that cuts fall between and on bar closes of both calendars.
func cutsBetween(a, b data.Date, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		d := a + data.Date(int(b-a)*(i+1)/(n+1))
		out[i] = d.Unix() + int64(i%4)*6*3600 + int64(i%3)*3600
	}
	return out
}

func TestPrefixInvarianceSynthetic(t *testing.T) {
	ds, err := data.Synthetic(data.DefaultSynthetic(11))
	if err != nil {
		t.Fatal(err)
	}
	for _, fill := range []engine.FillMode{engine.NextOpen, engine.NextClose} {
		checkPrefixInvariance(t, ds, cutsBetween(data.DateOf(2012, 1, 1), data.DateOf(2025, 12, 1), 20), fill)
	}
}

func TestPrefixInvarianceRealData(t *testing.T) {
	ds := loadRealForTest(t)
	checkPrefixInvariance(t, ds, cutsBetween(data.DateOf(2012, 1, 1), data.DateOf(2025, 9, 1), 24), engine.NextOpen)
}

// firstDiff describes the first difference between two decision lists.
func firstDiff(a, b []string) string {
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			return fmt.Sprintf("item %d only in the truncated run: %s", i, b[i])
		case i >= len(b):
			return fmt.Sprintf("item %d only in the full run: %s", i, a[i])
		case a[i] != b[i]:
			return fmt.Sprintf("item %d:\n full: %s\n cut:  %s", i, a[i], b[i])
		}
	}
	return ""
}
