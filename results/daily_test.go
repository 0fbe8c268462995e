package results

import (
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// TestAppendDailyReturns: the append form gives DailyReturns' values, raw
// and in excess of a cash rate, worked by hand on a 4-day curve, and the
// dates of those returns.
func TestAppendDailyReturns(t *testing.T) {
	t.Parallel()
	days := []data.Date{data.DateOf(2025, 1, 1), data.DateOf(2025, 1, 2), data.DateOf(2025, 1, 3), data.DateOf(2025, 1, 4)}
	eq := []float64{110, 99, 99, 148.5}
	near := func(a, b []float64) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if d := a[i] - b[i]; d > 1e-12 || d < -1e-12 {
				return false
			}
		}
		return true
	}
	// From capital 100: +10%, -10%, 0, +50%.
	r := &engine.Result{Capital: 100, Equity: eq, Dates: days}
	got := AppendDailyReturns([]float64{7}, r)
	if want := []float64{7, 0.1, -0.1, 0, 0.5}; !near(got, want) {
		t.Errorf("raw: %v, want %v", got, want)
	}
	if d := DailyReturnDates(r, 4); len(d) != 4 || d[0] != days[0] {
		t.Errorf("dates %v, want all 4 from the first", d)
	}
	// With a daily cash rate of 0.001 the excess returns are 0.001 lower.
	r.RiskFree = []float64{0.001, 0.001, 0.001, 0.001}
	got = AppendDailyReturns(nil, r)
	if want := []float64{0.099, -0.101, -0.001, 0.499}; !near(got, want) || !near(got, DailyReturns(r)) {
		t.Errorf("excess: %v, want %v (DailyReturns %v)", got, want, DailyReturns(r))
	}
	// No capital: the curve starts at E_0, so the first return ends on day 2.
	r = &engine.Result{Equity: eq, Dates: days}
	got = AppendDailyReturns(nil, r)
	if want := []float64{-0.1, 0, 0.5}; !near(got, want) {
		t.Errorf("no capital: %v, want %v", got, want)
	}
	if d := DailyReturnDates(r, len(got)); len(d) != 3 || d[0] != days[1] {
		t.Errorf("no capital: dates %v, want from day 2", d)
	}
}
