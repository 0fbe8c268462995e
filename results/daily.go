package results

import (
	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// AppendDailyReturns appends to dst the returns DailyReturns computes (in
// excess of the cash rate when r.RiskFree is set) and returns the extended
// slice: the allocation-free form for the sweep runner, which reuses one
// buffer across trials.
func AppendDailyReturns(dst []float64, r *engine.Result) []float64 {
	if r.RiskFree != nil {
		eachExcessReturn(r, func(v float64) { dst = append(dst, v) })
		return dst
	}
	eachReturn(r, func(v float64) { dst = append(dst, v) })
	return dst
}

// DailyReturnDates returns the dates of the first n daily returns of r (the
// day each one ends): r.Dates from the first day when the curve starts from
// r.Capital, from the second when it starts at E_0 (see DailyReturns).
func DailyReturnDates(r *engine.Result, n int) []data.Date {
	start := 0
	if !(r.Capital > 0) {
		start = 1
	}
	if n <= 0 || start+n > len(r.Dates) {
		return r.Dates[:0:0]
	}
	return r.Dates[start : start+n]
}
