package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/riskon/riskon/data"
)

// TestBarExit works the intrabar exit rule by hand: which level fires, at
// what price, and the worse outcome when a bar touches both sides.
func TestBarExit(t *testing.T) {
	for _, c := range []struct {
		name            string
		open, high, low float64
		trail, sl, tp   float64
		raw             float64
		atOpen          bool
		why             ExitReason
		hit             bool
	}{
		{"nothing set", 100, 110, 90, 0, 0, 0, 0, false, "", false},
		{"inside every level", 100, 104, 96, 95, 94, 105, 0, false, "", false},
		{"trailing touched", 100, 101, 94, 95, 0, 0, 95, false, ExitTrailingStop, true},
		{"trailing gapped through", 93, 96, 92, 95, 0, 0, 93, true, ExitTrailingStop, true},
		{"stop loss above the trail wins", 100, 101, 96, 95, 97, 0, 97, false, ExitStopLoss, true},
		{"trail above the stop loss wins", 100, 101, 96, 98, 97, 0, 98, false, ExitTrailingStop, true},
		{"take profit touched", 100, 106, 99, 0, 0, 105, 105, false, ExitTakeProfit, true},
		{"take profit gapped through", 107, 108, 106, 0, 0, 105, 107, true, ExitTakeProfit, true},
		{"both touched: the stop", 100, 106, 94, 0, 95, 105, 95, false, ExitStopLoss, true},
	} {
		raw, atOpen, why, hit := BarExit(c.open, c.high, c.low, c.trail, c.sl, c.tp)
		if raw != c.raw || atOpen != c.atOpen || why != c.why || hit != c.hit {
			t.Errorf("%s: BarExit = %v %v %q %v, want %v %v %q %v", c.name, raw, atOpen, why, hit, c.raw, c.atOpen, c.why, c.hit)
		}
	}
}

// TestHoldExitBar: the bar dated entry + H, else the first after it, never
// the entry bar, and past the end when the data stop first.
func TestHoldExitBar(t *testing.T) {
	d0 := data.Date(20000)
	s := &data.Series{Date: []data.Date{d0, d0 + 1, d0 + 4, d0 + 5, d0 + 9}}
	for _, c := range []struct{ k, hold, want int }{
		{0, 1, 1}, // the bar dated d0+1
		{0, 2, 2}, // no bar at d0+2: the first after it
		{0, 5, 3},
		{1, 0, 2},  // a zero hold still exits after the entry bar
		{3, 3, 4},  // d0+8 missing: d0+9
		{3, 10, 5}, // beyond the data: Len
		{4, 1, 5},  // last bar: Len
		{2, 1, 3},  // d0+5
	} {
		if got := HoldExitBar(s, c.k, c.hold); got != c.want {
			t.Errorf("HoldExitBar(k=%d, hold=%d) = %d, want %d", c.k, c.hold, got, c.want)
		}
	}
}

// TestHoldExitBarAgreesWithSearch: the shortcut from the bar holdDays on
// gives the first bar dated on or after entry + H (a search over all dates)
// on random calendars with gaps and repeated dates.
func TestHoldExitBarAgreesWithSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 300; trial++ {
		n := 1 + rng.IntN(60)
		s := &data.Series{Date: make([]data.Date, n)}
		d := data.Date(20000)
		for i := range s.Date {
			d += data.Date(rng.IntN(4)) // 0: a repeated date
			s.Date[i] = d
		}
		for k := 0; k < n; k++ {
			for hold := 0; hold < 12; hold++ {
				want := s.IndexOnOrAfter(s.Date[k] + data.Date(hold))
				if want <= k {
					want = k + 1
				}
				if got := HoldExitBar(s, k, hold); got != want {
					t.Fatalf("dates %v: HoldExitBar(k=%d, hold=%d) = %d, want %d", s.Date, k, hold, got, want)
				}
			}
		}
	}
}
