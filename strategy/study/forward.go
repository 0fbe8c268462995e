package study

import (
	"math"
	"sort"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// EntryIndex returns the index of the bar of s that fills a market order
// placed at unix second t: the first bar whose open time is at or after t
// (the engine's next-open rule; under next_close the order fills at that
// bar's close). It returns s.Len() when there is no such bar.
func EntryIndex(s *data.Series, t int64) int {
	return sort.Search(s.Len(), func(i int) bool { return s.OpenTime[i] >= t })
}

// Forward is one forward return measured from an entry fill.
type Forward struct {
	Entry      int     // index of the entry bar in the target series (Len() when none)
	EntryTime  int64   // fill time: the entry bar's open (next_open) or close (next_close)
	EntryPrice float64 // the fill price, before costs (NaN when there is no entry bar)
}

// Entry returns the entry fill of an order placed at t on s under fill,
// bounded by end (unix seconds): a fill after end does not happen and gives
// Entry = s.Len() and a NaN price.
func Entry(s *data.Series, t int64, fill engine.FillMode, end int64) Forward {
	j := EntryIndex(s, t)
	f := Forward{Entry: s.Len(), EntryPrice: math.NaN()}
	if j >= s.Len() {
		return f
	}
	ft, p := s.OpenTime[j], s.Open[j]
	if fill == engine.NextClose {
		ft, p = s.CloseTime[j], s.Close[j]
	}
	if ft > end {
		return f
	}
	f.Entry, f.EntryTime, f.EntryPrice = j, ft, p
	return f
}

// Return is the forward return at a horizon of h calendar days from the entry
// f on s:
//
//	r = Close[k] / EntryPrice - 1,   k = the first bar dated ≥ Date[Entry] + h
//
// the bar at whose close the engine fills a scheduled exit after a hold of h
// days. It returns NaN when there is no entry, no such bar, or the exit bar
// closes after end (the horizon runs past the data or the window).
func (f Forward) Return(s *data.Series, h int, end int64) float64 {
	if f.Entry >= s.Len() || !(f.EntryPrice > 0) {
		return math.NaN()
	}
	k := s.IndexOnOrAfter(s.Date[f.Entry] + data.Date(h))
	if k >= s.Len() || s.CloseTime[k] > end {
		return math.NaN()
	}
	return s.Close[k]/f.EntryPrice - 1
}

// BuyAndHold is the buy-and-hold of a target over the window: bought at the
// first fill at or after the window's start, marked at the last close at or
// before its end.
type BuyAndHold struct {
	Entry     int64     // fill time
	Exit      int64     // close time of the last bar
	EntryDate data.Date // date of the entry bar
	ExitDate  data.Date // date of the last bar
	Return    float64   // Close[last] / fill price - 1 (NaN when undefined)
	Days      int       // calendar days from the entry bar's date to the last bar's date
}

// buyAndHold computes the buy-and-hold of s over [start, end].
func buyAndHold(s *data.Series, start, end int64, fill engine.FillMode) BuyAndHold {
	f := Entry(s, start, fill, end)
	out := BuyAndHold{Return: math.NaN()}
	last := sort.Search(s.Len(), func(i int) bool { return s.CloseTime[i] > end }) - 1
	if f.Entry >= s.Len() || last < f.Entry || !(f.EntryPrice > 0) {
		return out
	}
	out.Entry, out.Exit = f.EntryTime, s.CloseTime[last]
	out.EntryDate, out.ExitDate = s.Date[f.Entry], s.Date[last]
	out.Return = s.Close[last]/f.EntryPrice - 1
	out.Days = int(s.Date[last] - s.Date[f.Entry])
	return out
}

// PerHorizon converts a buy-and-hold return over d calendar days into the
// compounded return per h days, (1 + R)^(h/d) - 1: what holding the target
// through the whole window earned per horizon, on average (geometric). It
// returns NaN when d ≤ 0 or R ≤ -1.
func PerHorizon(r float64, d, h int) float64 {
	if d <= 0 || !(r > -1) {
		return math.NaN()
	}
	return math.Pow(1+r, float64(h)/float64(d)) - 1
}
