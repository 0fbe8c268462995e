package results

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// TestRegimes, worked by hand: daily equity from 2019-12-30 to 2020-05-12
// (capital 100): 110 on the first day, 121 from 2020-01-01, 133.1 from the
// 2020-05-11 halving. Trades: +10% entered 2019-12-30, -30% on 2020-02-01,
// +20% on 2020-05-11.
//
//	halving cycle 2016-07-09 .. 2020-05-10: trades +10%, -30%, mean -10%;
//	  return 121/100 - 1 = 21%, 133 days (12-30 .. 05-10)
//	cycle 2020-05-11 .. 2024-04-19: +20%; return 133.1/121 - 1 = 10%, 2 days
//	era 2015-2019: +10%; return 10%, 2 days
//	era 2020-2024: -30%, +20%, mean -5%; return 133.1/110 - 1 = 21%, 133 days
//
// so positive in 1 of 2 halving cycles and 1 of 2 eras.
func TestRegimes(t *testing.T) {
	d0 := data.DateOf(2019, time.December, 30)
	r := &engine.Result{Capital: 100}
	for d := d0; d <= data.DateOf(2020, time.May, 12); d++ {
		e := 110.0
		switch {
		case d >= data.DateOf(2020, time.May, 11):
			e = 133.1
		case d >= data.DateOf(2020, time.January, 1):
			e = 121
		}
		r.Dates = append(r.Dates, d)
		r.Equity = append(r.Equity, e)
	}
	trade := func(d data.Date, ret float64) engine.Trade {
		u := d.Time().Unix()
		return engine.Trade{EntryDate: d, EntryTime: u, ExitTime: u + 86400, Return: ret}
	}
	r.Trades = []engine.Trade{trade(d0, 0.1), trade(data.DateOf(2020, time.February, 1), -0.3), trade(data.DateOf(2020, time.May, 11), 0.2)}
	rows, cycles, eras := Regimes(r)
	want := []Regime{
		{Kind: RegimeHalvingCycle, Name: "2016-07-09 .. 2020-05-10", Start: "2019-12-30", End: "2020-05-10", Days: 133, Trades: 2, Episodes: 2, MeanTradeReturn: -0.1, Return: 0.21},
		{Kind: RegimeHalvingCycle, Name: "2020-05-11 .. 2024-04-19", Start: "2020-05-11", End: "2020-05-12", Days: 2, Trades: 1, Episodes: 1, MeanTradeReturn: 0.2, Positive: true, Return: 0.1},
		{Kind: RegimeEra, Name: "2015-2019", Start: "2019-12-30", End: "2019-12-31", Days: 2, Trades: 1, Episodes: 1, MeanTradeReturn: 0.1, Positive: true, Return: 0.1},
		{Kind: RegimeEra, Name: "2020-2024", Start: "2020-01-01", End: "2020-05-12", Days: 133, Trades: 2, Episodes: 2, MeanTradeReturn: -0.05, Return: 0.21},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d regimes %+v, want %d", len(rows), rows, len(want))
	}
	for i, w := range want {
		g := rows[i]
		if g.Kind != w.Kind || g.Name != w.Name || g.Start != w.Start || g.End != w.End || g.Days != w.Days || g.Trades != w.Trades ||
			g.Episodes != w.Episodes || g.Positive != w.Positive || math.Abs(float64(g.MeanTradeReturn-w.MeanTradeReturn)) > 1e-12 ||
			math.Abs(float64(g.Return-w.Return)) > 1e-12 {
			t.Errorf("regime %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if cycles != (RegimeCount{1, 2}) || eras != (RegimeCount{1, 2}) {
		t.Errorf("counts %+v %+v, want 1 of 2 each", cycles, eras)
	}
	ev := Assess(r, EvidenceOptions{Resamples: 100})
	if !strings.HasSuffix(ev.Verdict, " The mean trade return is positive in 1 of 2 halving cycles and 1 of 2 calendar eras with trades.") || len(ev.Regimes) != 4 {
		t.Errorf("verdict %q, %d regimes", ev.Verdict, len(ev.Regimes))
	}
	// Before the first halving, and eras from a year not divisible by 5.
	rows, _, _ = Regimes(&engine.Result{Capital: 1, Dates: []data.Date{data.DateOf(2011, time.August, 18)}, Equity: []float64{1}})
	if len(rows) != 2 || rows[0].Name != "before the 2012-11-28 halving" || rows[1].Name != "2010-2014" || rows[0].MeanTradeReturn.Valid() {
		t.Errorf("2011: %+v", rows)
	}
	if rows, _, _ := Regimes(&engine.Result{}); rows != nil {
		t.Error("no equity curve: want no regimes")
	}
}

// TestRegimesLongCurveEveryDay: on a 120-year daily curve (dozens of eras)
// each regime's days, first and last day and compounded return are those
// of scanning every day of the curve for the regime's dates, bit for bit:
// the days are found by binary search, in the same order.
func TestRegimesLongCurveEveryDay(t *testing.T) {
	start := data.DateOf(1905, time.March, 1)
	n := 120 * 365
	r := &engine.Result{Capital: 1000, Dates: make([]data.Date, n), Equity: make([]float64, n)}
	eq := 1000.0
	for i := range n {
		r.Dates[i] = start + data.Date(i)
		eq *= 1 + 0.01*math.Sin(float64(i)*0.37)
		r.Equity[i] = eq
	}
	rows, _, _ := Regimes(r)
	bounds := regimeBounds(r.Dates[0], r.Dates[n-1])
	if len(rows) != len(bounds) || len(rows) < 30 {
		t.Fatalf("%d regimes for %d bounds", len(rows), len(bounds))
	}
	for k, b := range bounds {
		growth, days, first, last := 1.0, 0, -1, -1
		for i, d := range r.Dates {
			if d >= b.from && d < b.to {
				prev := r.Capital
				if i > 0 {
					prev = r.Equity[i-1]
				}
				growth *= r.Equity[i] / prev
				days++
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		row := rows[k]
		if row.Name != b.name || row.Days != days || row.Return != Value(growth-1) ||
			row.Start != r.Dates[first].String() || row.End != r.Dates[last].String() {
			t.Errorf("%s: %d days %s..%s return %v; every day scanned: %d days %s..%s return %v", b.name,
				row.Days, row.Start, row.End, row.Return, days, r.Dates[first], r.Dates[last], growth-1)
		}
	}
}
