package results

import (
	"fmt"
	"slices"
	"time"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// Halvings returns the Bitcoin halving dates (UTC): blocks 210,000,
// 420,000, 630,000 and 840,000.
func Halvings() []data.Date {
	return []data.Date{
		data.DateOf(2012, time.November, 28),
		data.DateOf(2016, time.July, 9),
		data.DateOf(2020, time.May, 11),
		data.DateOf(2024, time.April, 20),
	}
}

// EraYears is the length of a calendar era: eras are the five-year blocks
// that start in years divisible by five (2010-2014, 2015-2019, ...).
const EraYears = 5

// Regime kinds.
const (
	RegimeHalvingCycle = "halving_cycle"
	RegimeEra          = "era"
)

// Regime is a result restricted to one market regime: a Bitcoin halving
// cycle or a calendar era. Trades and episodes belong to the regime in
// which they were entered (an episode by its first entry); Return compounds
// the strategy's daily returns dated inside it.
type Regime struct {
	Kind  string `json:"kind"` // halving_cycle or era
	Name  string `json:"name"`
	Start string `json:"start"` // first day of the regime inside the equity curve
	End   string `json:"end"`   // last day
	Days  int    `json:"days"`  // daily returns inside it
	// Trades and Episodes entered in the regime.
	Trades   int `json:"trades"`
	Episodes int `json:"episodes"`
	// MeanTradeReturn is the mean return of the trades entered in the
	// regime (null without trades); Positive is MeanTradeReturn > 0.
	MeanTradeReturn Value `json:"mean_trade_return"`
	Positive        bool  `json:"positive"`
	// Return is the strategy's return over the regime's days.
	Return Value `json:"return"`
}

// RegimeCount says in how many regimes of a kind the mean trade return was
// positive, out of the regimes with trades.
type RegimeCount struct {
	Positive int `json:"positive"`
	Of       int `json:"of"`
}

// regimeBound is one regime: [from, to) in dates.
type regimeBound struct {
	kind, name string
	from, to   data.Date
}

// regimeBounds returns the halving cycles and calendar eras that cover the
// dates first..last.
func regimeBounds(first, last data.Date) []regimeBound {
	var out []regimeBound
	hv := Halvings()
	const far = data.Date(1 << 30)
	prev := data.Date(-far)
	for i := 0; i <= len(hv); i++ {
		next := far
		if i < len(hv) {
			next = hv[i]
		}
		var name string
		switch {
		case i == 0:
			name = "before the " + hv[0].String() + " halving"
		case i == len(hv):
			name = "from the " + hv[i-1].String() + " halving"
		default:
			name = hv[i-1].String() + " .. " + (hv[i] - 1).String()
		}
		if next > first && prev <= last {
			out = append(out, regimeBound{RegimeHalvingCycle, name, prev, next})
		}
		prev = next
	}
	y0 := first.Time().Year()
	y0 -= ((y0 % EraYears) + EraYears) % EraYears
	for y := y0; y <= last.Time().Year(); y += EraYears {
		out = append(out, regimeBound{RegimeEra, fmt.Sprintf("%d-%d", y, y+EraYears-1),
			data.DateOf(y, time.January, 1), data.DateOf(y+EraYears, time.January, 1)})
	}
	return out
}

// Regimes splits a result by Bitcoin halving cycle (the periods between the
// halvings of Halvings) and by calendar era (EraYears-year blocks), over the
// days of its equity curve, and counts per kind the regimes with trades in
// which the mean trade return was positive. It returns nil without an
// equity curve.
func Regimes(r *engine.Result) (rows []Regime, cycles, eras RegimeCount) {
	if len(r.Dates) == 0 || len(r.Dates) != len(r.Equity) {
		return nil, cycles, eras
	}
	groups := episodeGroups(r.Trades)
	firstOf := make([]data.Date, len(groups))
	for g, members := range groups {
		firstOf[g] = r.Trades[members[0]].EntryDate
		for _, i := range members {
			firstOf[g] = min(firstOf[g], r.Trades[i].EntryDate)
		}
	}
	sorted := slices.IsSorted(r.Dates)
	for _, b := range regimeBounds(r.Dates[0], r.Dates[len(r.Dates)-1]) {
		row := Regime{Kind: b.kind, Name: b.name, MeanTradeReturn: NA, Return: NA}
		var sum float64
		for _, t := range r.Trades {
			if t.EntryDate >= b.from && t.EntryDate < b.to {
				row.Trades++
				sum += t.Return
			}
		}
		for _, d := range firstOf {
			if d >= b.from && d < b.to {
				row.Episodes++
			}
		}
		if row.Trades > 0 {
			row.MeanTradeReturn = Value(sum / float64(row.Trades))
			row.Positive = sum > 0
		}
		// The daily returns dated inside the regime: equity of day i over
		// day i-1 (the first day over the starting capital).
		growth, first, last := 1.0, -1, -1
		// The days of the regime: a range of the curve's ascending dates
		// (found by binary search: a long curve has many regimes), or
		// every day checked when the dates are not in order.
		lo, hi := 0, len(r.Dates)
		if sorted {
			lo, _ = slices.BinarySearch(r.Dates, b.from)
			hi, _ = slices.BinarySearch(r.Dates, b.to)
			hi = max(hi, lo)
		}
		for i := lo; i < hi; i++ {
			d := r.Dates[i]
			if d < b.from || d >= b.to {
				continue
			}
			prev := r.Capital
			if i > 0 {
				prev = r.Equity[i-1]
			}
			if !(prev > 0) {
				continue
			}
			if first < 0 {
				first = i
			}
			last = i
			growth *= r.Equity[i] / prev
			row.Days++
		}
		if first < 0 {
			continue
		}
		row.Start, row.End = r.Dates[first].String(), r.Dates[last].String()
		row.Return = Value(growth - 1)
		rows = append(rows, row)
		c := &cycles
		if b.kind == RegimeEra {
			c = &eras
		}
		if row.Trades > 0 {
			c.Of++
			if row.Positive {
				c.Positive++
			}
		}
	}
	return rows, cycles, eras
}

// regimeSentence is the verdict's regime clause, e.g. "The mean trade
// return is positive in 2 of 3 halving cycles and 3 of 3 calendar eras with
// trades." (empty when no regime had trades).
func regimeSentence(cycles, eras RegimeCount) string {
	if cycles.Of == 0 && eras.Of == 0 {
		return ""
	}
	return fmt.Sprintf("The mean trade return is positive in %d of %s and %d of %s with trades.",
		cycles.Positive, plural(cycles.Of, "halving cycle", "halving cycles"), eras.Positive, plural(eras.Of, "calendar era", "calendar eras"))
}
