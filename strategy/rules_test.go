package strategy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/derive"
	"github.com/riskon/riskon/data/quality"
	"github.com/riskon/riskon/engine"
)

func signalDates(res *engine.Result) string {
	var out []string
	for _, s := range res.Signals {
		out = append(out, fmt.Sprintf("%s L%.4g C%.4g", data.DateFromUnix(s.Time), s.Level, s.Close))
	}
	return strings.Join(out, "; ")
}

// TestNewRulesHandWorked checks range_breakout, above_ma and ma_cross on
// series worked by hand (bars on consecutive weekdays from Monday
// 2024-01-08: index 3 is Thu 01-11, 4 Fri 01-12, 5 Mon 01-15, 8 Thu 01-18),
// including flat ranges, equal closes and the first bars of the history.
func TestNewRulesHandWorked(t *testing.T) {
	mon := data.DateOf(2024, 1, 8)
	cases := []struct {
		name   string
		closes []float64
		p      BreakoutParams
		want   string
	}{
		// i=4: 105 > max(100,100); the previous 3 closes are flat (ratio 1)
		// -> signal. i=5: 120 > 105, range 100,100,105 (1.05) -> signal.
		// i=6: 121 > 120 but range 100,105,120 is 1.2 > 1.1 -> none.
		{"range_breakout after a flat range", []float64{100, 100, 100, 100, 105, 120, 121},
			BreakoutParams{Rule: "range_breakout", Lookback: 2, RangeDays: 3, MaxRange: 0.1, HoldDays: 1},
			"2024-01-12 L100 C105; 2024-01-15 L105 C120"},
		// Rising from the first bar: no signal until both windows are
		// full (i >= 3).
		{"range_breakout waits for full windows", []float64{100, 101, 102, 103},
			BreakoutParams{Rule: "range_breakout", Lookback: 1, RangeDays: 3, MaxRange: 0.5},
			"2024-01-11 L102 C103"},
		// MA(3): i=4 12 > 10.67 after 10 == 10 -> cross; i=7 11 == MA 11
		// (not above); i=8 14 > 11.33 after diff 0 -> cross.
		{"above_ma with flat and equal closes", []float64{10, 10, 10, 10, 12, 13, 9, 11, 14},
			BreakoutParams{Rule: "above_ma", MADays: 3, HoldDays: 1},
			"2024-01-12 L10.67 C12; 2024-01-18 L11.33 C14"},
		// fast MA(2) over slow MA(3): i=3 9.5 < 9.67, i=4 10.5 > 10.33.
		{"ma_cross", []float64{10, 10, 10, 9, 12, 12, 11},
			BreakoutParams{Rule: "ma_cross", Fast: 2, Slow: 3, HoldDays: 1},
			"2024-01-12 L10.33 C12"},
		// A flat series never crosses.
		{"ma_cross on a flat series", []float64{5, 5, 5, 5, 5, 5},
			BreakoutParams{Rule: "ma_cross", Fast: 2, Slow: 3}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runBreakout(t, rutDays(t, mon, tc.closes), tc.p)
			if got := signalDates(res); got != tc.want {
				t.Errorf("signals\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestRelativeToSkipsGaps: the ratio exists only on dates both series have.
// RUT 100,100,100,110,110 over SPY 100 on Mon..Fri with SPY missing
// Thursday: ratios 1,1,1,-,1.1, so donchian 2 breaks on Friday, not
// Thursday; without the gap on Thursday.
func TestRelativeToSkipsGaps(t *testing.T) {
	mon := data.DateOf(2024, 1, 8)
	rut := rutDays(t, mon, []float64{100, 100, 100, 110, 110})
	for _, tc := range []struct {
		skip []data.Date
		want string
	}{
		{[]data.Date{mon + 3}, "2024-01-12 L1 C1.1"},
		{nil, "2024-01-11 L1 C1.1"},
	} {
		var bars []data.Bar
		for d := mon; d <= mon+4; d++ {
			if !contains(tc.skip, d) {
				bars = append(bars, bar(d, 100, 100))
			}
		}
		spy := mustSeries(t, "SPY", data.NYSE(), bars)
		ds, err := data.NewDataset(rut, btcFor(t, rut), spy)
		if err != nil {
			t.Fatal(err)
		}
		p := BreakoutParams{Trigger: "RUT", RelativeTo: "SPY", Rule: Donchian, Lookback: 2, Confirm: 1, Targets: []string{"BTC"}, Allocation: 1, HoldDays: 1}
		plan := engine.NewPlan(ds)
		for _, cached := range []bool{false, true} {
			s, err := NewBreakout(p)
			if err != nil {
				t.Fatal(err)
			}
			if cached {
				sig, err := ComputeTriggerSignals(plan, p)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.UseSignals(sig); err != nil {
					t.Fatal(err)
				}
			}
			res, err := engine.Run(context.Background(), plan, s, engine.Options{Capital: 1000, Trigger: "RUT", Targets: []string{"BTC"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := signalDates(res); got != tc.want {
				t.Errorf("skip %v cached %v: signals %q, want %q", tc.skip, cached, got, tc.want)
			}
		}
	}
}

// TestPeriodEndAgreesWithDerive is the one calendar truth: on NYSE sessions
// from 2000 to 2026 (holidays omitted, as in real data), every weekly and
// monthly close the trigger sees has the date and the close time of the
// derived weekly/monthly bar (data/derive, the RUT_W and RUT_M series),
// including the holiday weeks (Good Friday, Thanksgiving, Christmas, New
// Year) where they disagreed before.
func TestPeriodEndAgreesWithDerive(t *testing.T) {
	sched := quality.NewSchedule(data.NYSE())
	var bars []data.Bar
	for d := data.DateOf(2000, 1, 3); d <= data.DateOf(2026, 1, 30); d++ {
		if sched.IsSession(d) {
			c := 100 + float64(len(bars)%37)
			bars = append(bars, bar(d, c, c))
		}
	}
	rut := mustSeries(t, "RUT", data.NYSE(), bars)
	ds, err := data.NewDataset(rut)
	if err != nil {
		t.Fatal(err)
	}
	plan := engine.NewPlan(ds)
	for _, tc := range []struct {
		tf Timeframe
		p  derive.Period
	}{{Weekly, derive.Weekly}, {Monthly, derive.Monthly}} {
		sig, err := ComputeTriggerSignals(plan, BreakoutParams{Trigger: "RUT", Rule: Donchian, Lookback: 1, Timeframe: tc.tf})
		if err != nil {
			t.Fatal(err)
		}
		der, _, err := derive.Resample(rut, tc.p, "RUT_X")
		if err != nil {
			t.Fatal(err)
		}
		if len(sig.Date) != der.Len() {
			t.Fatalf("%v: %d trigger period closes, %d derived bars", tc.p, len(sig.Date), der.Len())
		}
		holidayWeeks := 0
		for i := range sig.Date {
			_, _, known := plan.Event(int(sig.K[i]))
			if sig.Date[i] != der.Date[i] || known != der.CloseTime[i] || sig.Close[i] != der.Close[i] {
				t.Fatalf("%v period %d: trigger %s known %d close %v, derived %s closes %d close %v",
					tc.p, i, sig.Date[i], known, sig.Close[i], der.Date[i], der.CloseTime[i], der.Close[i])
			}
			if tc.tf == Weekly && sig.Date[i].Weekday() != 5 {
				holidayWeeks++
			}
		}
		if tc.tf == Weekly && holidayWeeks < 40 {
			t.Errorf("only %d weeks end before Friday: the holiday weeks are not exercised", holidayWeeks)
		}
	}
}
