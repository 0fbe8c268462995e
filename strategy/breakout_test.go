package strategy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// rutDays builds NYSE bars on consecutive weekdays from start with the closes.
func rutDays(t *testing.T, start data.Date, closes []float64, skip ...data.Date) *data.Series {
	t.Helper()
	var bars []data.Bar
	d := start
	for _, c := range closes {
		for !data.NYSE().IsSessionDay(d) || contains(skip, d) {
			d++
		}
		bars = append(bars, bar(d, c, c))
		d++
	}
	return mustSeries(t, "RUT", data.NYSE(), bars)
}

func contains(ds []data.Date, d data.Date) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

// btcFor covers the RUT range with flat BTC bars (price 100).
func btcFor(t *testing.T, rut *data.Series) *data.Series {
	var bars []data.Bar
	for d := rut.Date[0] - 1; d <= rut.Date[rut.Len()-1]+3; d++ {
		bars = append(bars, bar(d, 100, 100))
	}
	return mustSeries(t, "BTC", data.Crypto24x7(), bars)
}

func runBreakout(t *testing.T, rut *data.Series, p BreakoutParams) *engine.Result {
	t.Helper()
	p.Trigger, p.Targets = "RUT", []string{"BTC"}
	if p.Allocation == 0 {
		p.Allocation = 1
	}
	if p.Confirm == 0 {
		p.Confirm = 1
	}
	ds, err := data.NewDataset(rut, btcFor(t, rut))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewBreakout(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(context.Background(), engine.NewPlan(ds), s, engine.Options{Capital: 1000, Trigger: "RUT", Targets: []string{"BTC"}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func describe(res *engine.Result) string {
	var out []string
	for _, s := range res.Signals {
		r := "acted"
		if !s.Acted {
			r = s.Reason
		}
		out = append(out, fmt.Sprintf("%s L%g C%g %s", data.DateFromUnix(s.Time), s.Level, s.Close, r))
	}
	return strings.Join(out, "; ")
}

func TestBreakoutRules(t *testing.T) {
	mon := data.DateOf(2024, 1, 8) // a Monday
	cases := []struct {
		name   string
		closes []float64
		p      BreakoutParams
		want   string
	}{
		{"donchian strict: equal close is no breakout", []float64{100, 100, 100}, BreakoutParams{Rule: Donchian, Lookback: 1}, ""},
		{"margin met", []float64{100, 100, 102}, BreakoutParams{Rule: Donchian, Lookback: 2, Margin: 0.015}, "2024-01-10 L100 C102 acted"},
		{"margin not met", []float64{100, 100, 102}, BreakoutParams{Rule: Donchian, Lookback: 2, Margin: 0.03}, ""},
		{"confirm 2: second close above the first break's level", []float64{100, 100, 101, 100.5}, BreakoutParams{Rule: Donchian, Lookback: 2, Confirm: 2}, "2024-01-11 L100 C100.5 acted"},
		{"confirm 2 fails when the next close falls back", []float64{100, 100, 101, 99, 99}, BreakoutParams{Rule: Donchian, Lookback: 2, Confirm: 2}, ""},
		// Highs: Monday 100, Wednesday 101 (2 days later), Friday 102 (2 days later).
		{"new_high: high 2 days old, minimum 3", []float64{100, 90, 101, 95, 102}, BreakoutParams{Rule: NewHigh, MinDaysSinceHigh: 3}, ""},
		{"new_high: high 2 days old, minimum 2", []float64{100, 90, 101, 95, 102}, BreakoutParams{Rule: NewHigh, MinDaysSinceHigh: 2},
			"2024-01-10 L100 C101 acted; 2024-01-12 L101 C102 in_position"},
		// Rising every day, hold 1 day, cooldown 5 days: Monday acts; Tue and Wed
		// are in position (the exit fills at Thu 00:00Z, after Wed's close); Thu
		// and Fri are within 5 days of Monday; the next Monday acts again.
		{"in position and cooldown", []float64{100, 101, 102, 103, 104, 105, 106}, BreakoutParams{Rule: Donchian, Lookback: 1, HoldDays: 1, CooldownDays: 5},
			"2024-01-09 L100 C101 acted; 2024-01-10 L101 C102 in_position; 2024-01-11 L102 C103 in_position; 2024-01-12 L103 C104 cooldown; 2024-01-15 L104 C105 acted; 2024-01-16 L105 C106 in_position"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runBreakout(t, rutDays(t, mon, tc.closes), tc.p)
			if got := describe(res); got != tc.want {
				t.Errorf("signals:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestFailedBreakoutExit(t *testing.T) {
	// Breakout Tuesday (101 > 100), buy Wednesday 00:00Z; Wednesday closes at
	// 99.5, below the broken level 100: sell at Thursday's open.
	rut := rutDays(t, data.DateOf(2024, 1, 8), []float64{100, 101, 99.5, 99, 98})
	res := runBreakout(t, rut, BreakoutParams{Rule: Donchian, Lookback: 1, HoldDays: 30, ExitOnFailedBreakout: true})
	if len(res.Trades) != 1 {
		t.Fatalf("trades = %+v", res.Trades)
	}
	tr := res.Trades[0]
	if tr.ExitReason != engine.ExitFailedBreakout || data.DateFromUnix(tr.ExitTime) != data.DateOf(2024, 1, 11) {
		t.Errorf("exit = %s at %s, want failed_breakout at 2024-01-11 00:00Z", tr.ExitReason, data.DateFromUnix(tr.ExitTime))
	}
}

func TestWeeklyResampleAroundHoliday(t *testing.T) {
	// Weeks of 2024-03-18, 03-25 (Good Friday 03-29: no session) and 04-01.
	// Weekly lookback 1. Week 1 closes Friday 03-22 at 100. Week 2's last
	// scheduled session is Thursday 03-28 (the NYSE holiday calendar is
	// published years ahead: no look-ahead), so the week closes at
	// Thursday's close, 20:00Z, as the derived weekly series dates it
	// (data.PeriodEnd, TestPeriodEndAgreesWithDerive).
	closes := []float64{100, 100, 100, 100, 100, 101, 102, 103, 105, 104, 104, 104, 104, 104}
	rut := rutDays(t, data.DateOf(2024, 3, 18), closes, data.DateOf(2024, 3, 29))
	res := runBreakout(t, rut, BreakoutParams{Rule: Donchian, Lookback: 1, Timeframe: Weekly, HoldDays: 1})
	if len(res.Signals) != 1 {
		t.Fatalf("signals = %s", describe(res))
	}
	s := res.Signals[0]
	if got := timeString(s.Time); got != "2024-03-28T20:00:00Z" || s.Level != 100 || s.Close != 105 {
		t.Errorf("signal = %s level %v close %v, want 2024-03-28T20:00:00Z level 100 close 105", got, s.Level, s.Close)
	}
	// A week without a holiday closes on Friday itself.
	rut = rutDays(t, data.DateOf(2024, 3, 4), closes)
	res = runBreakout(t, rut, BreakoutParams{Rule: Donchian, Lookback: 1, Timeframe: Weekly, HoldDays: 1})
	if len(res.Signals) != 1 || timeString(res.Signals[0].Time) != "2024-03-15T20:00:00Z" || res.Signals[0].Close != 104 {
		t.Errorf("signals = %s, want one at Friday 2024-03-15 20:00Z close 104", describe(res))
	}
	// A week whose last session has no bar (missing data, not a holiday)
	// is known closed only at the next period's first bar: 2024-03-15 is
	// missing, so week 2 (last bar Thursday 03-14, 105) closes at Monday
	// 03-18's close.
	rut = rutDays(t, data.DateOf(2024, 3, 4), closes, data.DateOf(2024, 3, 15))
	res = runBreakout(t, rut, BreakoutParams{Rule: Donchian, Lookback: 1, Timeframe: Weekly, HoldDays: 1})
	if len(res.Signals) != 1 || timeString(res.Signals[0].Time) != "2024-03-18T20:00:00Z" || res.Signals[0].Close != 105 {
		t.Errorf("signals = %s, want one at Monday 2024-03-18 20:00Z close 105", describe(res))
	}
}

func timeString(t int64) string {
	return data.DateFromUnix(t).Time().Add(timeOfDay(t)).Format("2006-01-02T15:04:05Z")
}

func TestFilterGatesEntries(t *testing.T) {
	// Rising Russell closes signal every day (lookback 1, hold 1 day). Filter
	// "falling over 1 bar" compares the last DOM bar closed at the Russell
	// close (the bar of the previous UTC day) with the one before it.
	rut := rutDays(t, data.DateOf(2024, 1, 8), []float64{100, 101, 102, 103, 104, 105})
	dom := []data.Bar{}
	vals := []float64{101, 100, 99, 98, 99, 100, 101, 102}
	for i, v := range vals {
		dom = append(dom, bar(data.DateOf(2024, 1, 6)+data.Date(i), v, v))
	}
	ds, err := data.NewDataset(rut, btcFor(t, rut), mustSeries(t, "DOM", data.Crypto24x7(), dom))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewBreakout(BreakoutParams{Trigger: "RUT", Rule: Donchian, Lookback: 1, Confirm: 1, Targets: []string{"BTC"}, Allocation: 1, HoldDays: 1,
		FilterSymbol: "DOM", FilterLookback: 1})
	res, err := engine.Run(context.Background(), engine.NewPlan(ds), s, engine.Options{Capital: 1000, Trigger: "RUT", Targets: []string{"BTC"}})
	if err != nil {
		t.Fatal(err)
	}
	// DOM bars: 01-06 101, 01-07 100, 01-08 99, 01-09 98, 01-10 99, 01-11 100,
	// 01-12 101, 01-13 102; the bar of date D closes at D+1 00:00Z.
	// Tue 01-09 21:00Z: last closed DOM bar 01-08 (99) < 01-07 (100): falling,
	//   act; entry Wed 01-10 00:00Z, exit at the close of the bar dated 01-11
	//   (Fri 00:00Z).
	// Wed 01-10 and Thu 01-11: in position.
	// Fri 01-12: DOM 01-11 (100) > 01-10 (99): rising, filtered.
	// Mon 01-15: DOM 01-13 (102) > 01-12 (101): rising, filtered.
	want := "2024-01-09 L100 C101 acted; 2024-01-10 L101 C102 in_position; 2024-01-11 L102 C103 in_position; 2024-01-12 L103 C104 filter; 2024-01-15 L104 C105 filter"
	if got := describe(res); got != want {
		t.Errorf("signals:\n got %q\nwant %q", got, want)
	}
}

func TestFilterStale(t *testing.T) {
	// The filter series ends 2024-01-02: by the signal of 2024-01-16 its last
	// bar is 13 days old, so the filter has no data to judge: the signal is
	// not acted on and is logged filter_no_data, not as a block.
	rut := rutDays(t, data.DateOf(2024, 1, 15), []float64{100, 101})
	dom := []data.Bar{bar(data.DateOf(2024, 1, 1), 2, 2), bar(data.DateOf(2024, 1, 2), 1, 1)}
	ds, _ := data.NewDataset(rut, btcFor(t, rut), mustSeries(t, "DOM", data.Crypto24x7(), dom))
	s, _ := NewBreakout(BreakoutParams{Trigger: "RUT", Rule: Donchian, Lookback: 1, Confirm: 1, Targets: []string{"BTC"}, Allocation: 1, HoldDays: 1,
		FilterSymbol: "DOM", FilterLookback: 1})
	res, err := engine.Run(context.Background(), engine.NewPlan(ds), s, engine.Options{Capital: 1000, Trigger: "RUT", Targets: []string{"BTC"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(res); got != "2024-01-16 L100 C101 filter_no_data" {
		t.Errorf("signals = %q, want the stale filter to be filter_no_data", got)
	}
}
