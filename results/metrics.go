package results

import (
	"math"
	"slices"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results/stats"
)

// DefaultAnnualization is the number of periods per year used when a
// result does not say (calendar days, for a crypto book traded every day).
const DefaultAnnualization = 365

// Reasons recorded in Note when a metric is undefined.
const (
	ReasonNoCurve         = "no equity curve"
	ReasonNoCapital       = "no starting capital"
	ReasonFewReturns      = "fewer than 2 daily returns"
	ReasonZeroVolatility  = "zero volatility"
	ReasonNoLosingDays    = "no losing days"
	ReasonNoDrawdown      = "no drawdown"
	ReasonNoTrades        = "no trades"
	ReasonNoLosingTrades  = "no losing trades"
	ReasonEquityExhausted = "equity not positive"
)

// DailyReturns returns the simple daily returns of the equity curve,
// r_t = E_t / E_{t-1} - 1, where E_{-1} is r.Capital when it is positive
// (so the first day's move from the starting capital counts) and the curve
// starts at E_0 otherwise. A day whose previous equity is not positive has
// no defined return and ends the series there. With a cash rate
// (r.RiskFree) the returns are in excess of the day's rate, r_t - rf_t
// (an excess below 1e-12 in magnitude, rounding of the engine's own
// interest, is 0): Sharpe, Sortino, PSR and every statistic on the daily
// returns are then excess-return statistics.
func DailyReturns(r *engine.Result) []float64 {
	out := make([]float64, 0, len(r.Equity))
	if r.RiskFree != nil {
		eachExcessReturn(r, func(v float64) { out = append(out, v) })
		return out
	}
	eachReturn(r, func(v float64) { out = append(out, v) })
	return out
}

// eachReturn calls f with each daily return, in order, without allocating
// (the raw returns: callers use eachExcessReturn when r.RiskFree is set; it
// stays small enough to be inlined in the sweep's hot path). With a cash rate (r.RiskFree) the returns are in
// excess of the day's rate, r_t - rf_t: Sharpe, Sortino, PSR and every
// statistic on DailyReturns are then excess-return statistics; an excess
// below 1e-12 in magnitude (rounding of the engine's own interest) is 0.
func eachReturn(r *engine.Result, f func(float64)) {
	eq := r.Equity
	prev, start := r.Capital, 0
	if !(prev > 0) {
		if len(eq) == 0 {
			return
		}
		prev, start = eq[0], 1
	}
	for _, e := range eq[start:] {
		if !(prev > 0) {
			break
		}
		f(e/prev - 1)
		prev = e
	}
}

// eachExcessReturn is eachReturn with a cash rate: r_t - rf_t.
func eachExcessReturn(r *engine.Result, f func(float64)) {
	eq, rf := r.Equity, r.RiskFree
	if len(rf) != len(eq) {
		rf = make([]float64, len(eq))
	}
	prev, start := r.Capital, 0
	if !(prev > 0) {
		if len(eq) == 0 {
			return
		}
		prev, start = eq[0], 1
	}
	for i, e := range eq[start:] {
		if !(prev > 0) {
			break
		}
		v := e/prev - 1 - rf[start+i]
		if math.Abs(v) < 1e-12 {
			v = 0
		}
		f(v)
		prev = e
	}
}

// curveScan is what the scan of the equity curve gathers: the exposure
// count, the daily returns (their count, sum and squared losses, and the
// returns themselves) and the drawdown.
type curveScan struct {
	n          int     // daily returns
	sum, dsum  float64 // Σ r_t and Σ min(r_t, 0)²
	rets       []float64
	invested   int // days with Invested > 0 (over the first nInv days)
	nInv       int
	maxDD      float64
	longest    int64
	underwater bool
	flats      []Flat // stretches of zero returns (scanFused's, when given room)
}

// Flat is a stretch rets[Lo:Hi] of a curve's daily returns that are all +0:
// days of an unchanged equity.
type Flat struct{ Lo, Hi int32 }

// MinFlat is the shortest stretch of zero returns the metrics' scan hands
// to a SquaresFunc (shorter ones cost a sweep's passes less day by day than
// as runs: counted with cachegrind on the flagship grid, 2 to 16 tried).
const MinFlat = 8

// scanCurve walks the equity curve, appending the daily returns
// (DailyReturns' values: eachReturn or eachExcessReturn) to dst[:0] while
// summing them, then counts the exposure and, when withDD, follows the
// drawdown from base. Every accumulator sees the same operations in the same
// order as the definitions' separate passes, so the figures are
// bit-identical to them; the returns kept let the second pass of the
// variance (sumSquares) and the sweep's statistics read them instead of
// dividing again.
func scanCurve(r *engine.Result, base float64, withDD bool, dst []float64, flats []Flat) (cs curveScan) {
	eq := r.Equity
	if withDD && r.RiskFree == nil && len(eq) > 0 && len(r.Invested) == len(eq) && len(r.Dates) == len(eq) {
		return scanFused(r, base, dst, flats)
	}
	inv := r.Invested[:min(len(r.Invested), len(eq))]
	cs.nInv = len(inv)
	for _, v := range inv {
		if v > 0 {
			cs.invested++
		}
	}
	cs.rets = scanReturns(r, dst[:0], &cs.sum, &cs.dsum)
	cs.n = len(cs.rets)
	if withDD {
		cs.maxDD, cs.longest, cs.underwater = drawdown(r, base)
	}
	return cs
}

// scanFused is scanCurve in one walk over the days for the usual curve (no
// cash rate, dated, an invested fraction per day, a drawdown to follow):
// the same operations in the same order as scanReturns, the exposure count
// and drawdownDays, with the days of an unchanged equity (a flat book, a
// market closed) passed in a tight loop: their return is exactly +0, which
// leaves the sums as they are, and they keep the drawdown where it is (at a
// peak, the peak's day moves to theirs). The stretches of at least MinFlat
// such days are appended to flats[:0] while it has room (cs.flats).
func scanFused(r *engine.Result, base float64, dst []float64, flats []Flat) (cs curveScan) {
	flats = flats[:0]
	eq, inv, days := r.Equity, r.Invested, r.Dates
	n := len(eq)
	inv, days = inv[:n], days[:n]
	cs.nInv = n
	// Room for the trades' returns after the days' (tradeMetrics' scratch).
	rets := slices.Grow(dst[:0], n+len(r.Trades))[:n]
	w := 0
	prev, start := r.Capital, 0
	if !(prev > 0) {
		prev, start = eq[0], 1
	}
	alive := true
	var s, ds float64
	dd := drawdownState{peak: base, peakDay: int64(days[0])}
	if r.Capital > 0 {
		dd.peakDay--
	}
	invested := 0
	// The stretches the engine filled forward (Result.Carried) repeat the
	// day before them: passed without reading them. ci is the first that
	// does not end before day i.
	carried, ci := r.Carried, 0
	for i := 0; i < n; {
		e := eq[i]
		if i > 0 && alive && e == prev && prev > 0 && prev <= math.MaxFloat64 {
			// prev is eq[i-1] here, positive and finite: a stretch of the
			// same equity.
			j := i
			for ci < len(carried) && int(carried[ci].To) <= i {
				ci++
			}
			if ci < len(carried) && int(carried[ci].From) <= i && int(carried[ci].To) <= n {
				// Days i to To-1 repeat day i-1 (equity e, its invested
				// fraction too): returns +0, invested as day i-1.
				j = int(carried[ci].To)
				clear(rets[w : w+j-i])
				invested += (j - i) * positive(inv[i-1])
			}
			if j < n && eq[j] == e {
				// The stretch goes on (past a carried one, or from i).
				var k int
				j, k = flatRun(eq, inv, rets[w+j-i:], j, e)
				invested += k
			}
			if j-i >= MinFlat && len(flats) < cap(flats) {
				flats = append(flats, Flat{int32(w), int32(w + j - i)})
			}
			w += j - i
			if !dd.under {
				dd.peakDay = int64(days[j-1])
			}
			i = j
			continue
		}
		if alive && i >= start && prev > 0 && prev <= math.MaxFloat64 && e > 0 && e <= math.MaxFloat64 {
			// Days of a moving equity, positive and finite (so is prev),
			// in a loop of their own (moving).
			var k int
			i, w, k, prev, s, ds = moving(eq[:n], inv, days, rets, i, w, prev, s, ds, &dd)
			invested += k
			continue
		}
		if inv[i] > 0 {
			invested++
		}
		if alive && i >= start {
			if !(prev > 0) {
				alive = false
			} else {
				v := e/prev - 1
				rets[w] = v
				w++
				s += v
				ds += negSquareNum(v)
				prev = e
			}
		}
		if e >= dd.peak {
			if dd.under {
				dd.longest = max(dd.longest, int64(days[i])-dd.peakDay)
				dd.under = false
				dd.maxDD = max(dd.maxDD, 1-dd.trough/dd.peak)
			}
			dd.peak, dd.peakDay = e, int64(days[i])
		} else if !dd.under {
			dd.under, dd.trough = true, e
		} else if e < dd.trough || e != e {
			dd.trough = e // the builtin min, without its signed-zero work
		}
		i++
	}
	if dd.under {
		dd.longest = max(dd.longest, int64(days[n-1])-dd.peakDay)
		dd.maxDD = max(dd.maxDD, 1-dd.trough/dd.peak)
	}
	cs.maxDD, cs.longest = dd.maxDD, dd.longest
	rets = rets[:w]
	if s != s {
		// A NaN return (it makes the sum NaN) is no loss: sum the squared
		// losses again, skipping NaNs.
		ds = 0
		for _, v := range rets {
			ds += negSquare(v)
		}
	}
	cs.rets, cs.n, cs.sum, cs.dsum, cs.flats = rets, w, s, ds, flats
	cs.invested, cs.underwater = invested, dd.under
	return cs
}

// drawdownState is scanFused's drawdown so far: the running peak and its
// day, whether the equity is under it and the lowest equity since, the
// deepest drawdown and the longest stretch under water that ended.
type drawdownState struct {
	peak, trough, maxDD float64
	peakDay, longest    int64
	under               bool
}

// moving is scanFused's loop over the days of a moving equity from day i,
// e = eq[i] and prev both positive and finite: the same operations as its
// general case, without the cases that cannot occur (a return that ends the
// series, a NaN equity). It writes the returns from rets[w] on, adds them
// to s and their squared losses to ds, follows the drawdown in dd, and
// returns at the first day of the same equity as the day before (a flat
// stretch) or not positive and finite, or the end (len(eq)): that day, w
// after the returns written, the count of days invested, and prev, s and ds
// after them.
func moving(eq, inv []float64, days []data.Date, rets []float64, i, w int, prev, s, ds float64, dd *drawdownState) (_, _, invested int, _, _, _ float64) {
	st := *dd // (the compiler spills more with six locals: measured)
	e := eq[i]
	for {
		invested += positive(inv[i])
		v := e/prev - 1
		rets[w] = v
		w++
		s += v
		ds += negSquareNum(v)
		prev = e
		if e >= st.peak {
			if st.under {
				st.longest = max(st.longest, int64(days[i])-st.peakDay)
				st.under = false
				st.maxDD = max(st.maxDD, 1-st.trough/st.peak)
			}
			st.peak, st.peakDay = e, int64(days[i])
		} else if !st.under {
			st.under, st.trough = true, e
		} else if e < st.trough {
			st.trough = e
		}
		if i++; i >= len(eq) {
			break
		}
		if e = eq[i]; e == prev || !(e > 0 && e <= math.MaxFloat64) {
			break
		}
	}
	*dd = st
	return i, w, invested, prev, s, ds
}

// flatRun returns the end of the stretch of days from i whose equity is e
// (a number), and how many of them have an invested fraction above 0, and
// writes their returns, +0, from rets[0] on (rets has room for every day
// from i).
func flatRun(eq, inv, rets []float64, i int, e float64) (end, invested int) {
	eq, inv = eq[i:], inv[i:len(eq)]
	rets = rets[:len(eq)]
	j := 0
	// Four days a step while the stretch lasts (one branch for four), then
	// day by day; the stores of the zero returns ride along (no call to
	// clear per stretch).
	// e is positive: eq[j] == e exactly when their bits are equal, and
	// v > 0 exactly when v's bits less one are below +Inf's (a positive
	// number or +Inf; not a zero, a negative or a NaN).
	eb := math.Float64bits(e)
	for ; j+4 <= len(eq); j += 4 {
		q, v := (*[4]float64)(eq[j:j+4]), (*[4]float64)(inv[j:j+4])
		if (math.Float64bits(q[0])^eb)|(math.Float64bits(q[1])^eb)|(math.Float64bits(q[2])^eb)|(math.Float64bits(q[3])^eb) != 0 {
			break
		}
		invested += positive(v[0]) + positive(v[1]) + positive(v[2]) + positive(v[3])
		r := (*[4]float64)(rets[j : j+4])
		r[0], r[1], r[2], r[3] = 0, 0, 0, 0
	}
	for ; j < len(eq) && eq[j] == e; j++ {
		invested += b2i(inv[j] > 0)
		rets[j] = 0
	}
	return i + j, invested
}

// positive is 1 when v > 0, else 0, from v's bits (no branch, no
// floating-point compare).
func positive(v float64) int {
	return b2i(math.Float64bits(v)-1 < 0x7ff0000000000000)
}

// b2i is 1 for true, 0 for false (compiled without a branch).
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// scanReturns appends the daily returns to rets, adding each to *sum and
// its square when negative to *dsum, in order.
func scanReturns(r *engine.Result, rets []float64, sum, dsum *float64) []float64 {
	eq := r.Equity
	// Returns: the first one is from Capital when positive, else from eq[0].
	prev, start := r.Capital, 0
	if !(prev > 0) {
		if len(eq) == 0 {
			return rets
		}
		prev, start = eq[0], 1
	}
	first := len(rets)
	rets = slices.Grow(rets, len(eq)-start)
	s, ds := *sum, *dsum
	rf := r.RiskFree
	if rf == nil {
		out := rets[first : first+len(eq)-start]
		w := 0
		for i := start; i < len(eq); {
			if !(prev > 0) {
				break
			}
			if eq[i] == prev && prev <= math.MaxFloat64 {
				// A flat stretch of a positive, finite equity: each
				// e/prev - 1 is exactly +0, which leaves both sums as they
				// are.
				j := i + 1
				for j < len(eq) && eq[j] == prev {
					j++
				}
				clear(out[w : w+j-i])
				w += j - i
				i = j
				continue
			}
			e := eq[i]
			v := e/prev - 1
			out[w] = v
			w++
			s += v
			ds += negSquareNum(v)
			prev = e
			i++
		}
		rets = rets[:first+w]
	} else {
		if len(rf) != len(eq) {
			rf = nil // treated as 0, as eachExcessReturn does
		}
		for i, e := range eq[start:] {
			if !(prev > 0) {
				break
			}
			v := e/prev - 1
			if rf != nil {
				v = e/prev - 1 - rf[start+i]
			}
			if math.Abs(v) < 1e-12 {
				v = 0
			}
			rets = append(rets, v)
			s += v
			ds += negSquareNum(v)
			prev = e
		}
	}
	if s != s {
		// A NaN return (it makes the sum NaN) is no loss: sum the squared
		// losses again, skipping NaNs.
		ds = *dsum
		for _, v := range rets[first:] {
			ds += negSquare(v)
		}
	}
	*sum, *dsum = s, ds
	return rets
}

// negSquare is min(v, 0)² without a branch on the sign (which is a coin
// toss in a position): the sign bit selects v or +0; +0 and (-0)² = +0
// leave a sum unchanged. A NaN gives +0 (it is not a loss).
func negSquare(v float64) float64 {
	if v != v {
		return 0
	}
	return negSquareNum(v)
}

// negSquareNum is negSquare for a number that is not NaN (a NaN with its
// sign bit set stays NaN).
func negSquareNum(v float64) float64 {
	bits := math.Float64bits(v)
	w := math.Float64frombits(bits & uint64(int64(bits)>>63))
	return w * w
}

// drawdown follows the running peak of the equity curve from base: the
// deepest drawdown, the longest stretch in days from a peak to the first day
// back at or above it (or to the last day), and whether the curve ends under
// water. Day t of the curve is Dates[t] when the dates are there, else t;
// the starting capital stands on the day before the first point (or on the
// first point without a capital).
func drawdown(r *engine.Result, base float64) (maxDD float64, longest int64, underwater bool) {
	eq := r.Equity
	if len(eq) == 0 {
		return 0, 0, false
	}
	if len(r.Dates) == len(eq) {
		return drawdownDays(eq, r.Dates, r.Capital > 0, base)
	}
	return drawdownDays(eq, nil, r.Capital > 0, base)
}

// drawdownDays is drawdown over eq dated by days (nil: by index).
func drawdownDays(eq []float64, days []data.Date, fromCapital bool, base float64) (maxDD float64, longest int64, underwater bool) {
	day := func(i int) int64 {
		if days != nil {
			return int64(days[i])
		}
		return int64(i)
	}
	peak, trough := base, 0.0
	peakDay := day(0)
	if fromCapital {
		peakDay--
	}
	for i := 0; i < len(eq); i++ {
		e := eq[i]
		if e >= peak {
			if underwater {
				longest = max(longest, day(i)-peakDay)
				underwater = false
				maxDD = max(maxDD, 1-trough/peak)
			}
			// Days of the same equity after it keep the peak and move
			// its day.
			for i+1 < len(eq) && math.Float64bits(eq[i+1]) == math.Float64bits(e) {
				i++
			}
			peak, peakDay = e, day(i)
			continue
		}
		// Under water: 1 - e/peak is monotone in e in floating point too
		// (a correctly rounded division and subtraction never reverse an
		// order), so the deepest day of the stretch is the lowest equity
		// and one division per stretch gives the same maximum as one per
		// day. A NaN equity makes the trough, and the drawdown, NaN.
		if !underwater {
			underwater, trough = true, e
		}
		// The rest of the stretch: the lowest equity (the builtin min
		// without its signed-zero work; a NaN stays).
		rest := eq[i+1:]
		j := 0
		for ; j < len(rest); j++ {
			x := rest[j]
			if x >= peak {
				break
			}
			if x < trough || x != x {
				trough = x
			}
		}
		i += j
	}
	if underwater {
		longest = max(longest, day(len(eq)-1)-peakDay)
		maxDD = max(maxDD, 1-trough/peak)
	}
	return maxDD, longest, underwater
}

// SumSquares is the second pass of the two-pass variance of the daily
// returns: Σ_t (r_t - mean)², summed in order (ComputeMetricsWith).
func SumSquares(rets []float64, mean float64) float64 {
	var ss float64
	for _, v := range rets {
		d := v - mean
		ss += d * d
	}
	return ss
}

// ComputeMetrics computes the performance figures of a run from its daily
// equity curve and trades. Definitions (A = annualization, 365 by default;
// r_t the DailyReturns, n of them; E the equity, E_base the starting capital
// or, without one, the first point of the curve):
//
//   - TotalReturn = E_last / E_base - 1; CAGR = (E_last/E_base)^{1/years} - 1
//     with years = n / A (days of returns over the annualization).
//   - Volatility = s · sqrt(A), s the sample standard deviation (n-1) of r_t.
//   - Sharpe = mean(r) / s · sqrt(A), risk-free rate 0 (Sharpe 1994), or
//     with a cash rate (cash.rate_symbol) on excess returns r_t - rf_t;
//     RiskFree says which (every output prints it).
//   - Sortino = mean(r) / DD · sqrt(A) with the downside deviation
//     DD = sqrt((1/n) Σ_t min(r_t, 0)²) taken over ALL days, gains counting
//     as zero shortfall: the target-semideviation of Sortino & Price (1994),
//     "Performance measurement in a downside risk framework", Journal of
//     Investing 3(3), with a target of 0. Averaging over losing days only
//     would overstate the downside risk of a strategy that rarely loses.
//   - MaxDrawdown = max_t (1 - E_t / max_{u≤t} E_u), a positive fraction, the
//     running peak starting at E_base; MaxDrawdownDays is the longest span in
//     days from a peak to the first day the equity is back at or above it,
//     or to the last day if it never is.
//   - Calmar = CAGR / MaxDrawdown (Young 1991).
//   - Exposure = share of days with Invested > 0.
//   - Trades counts closed and open trades; WinRate is the share with
//     Return > 0; AvgTradeReturn, MedianTradeReturn, BestTrade and WorstTrade
//     are over Trade.Return (open trades marked at the last close).
//   - ProfitFactor = Σ gains / |Σ losses| of the trades' money P&L,
//     Cost · Return (= Proceeds - Cost), so a large trade weighs more.
//
// Every undefined metric is NA with a Note giving the reason, so the JSON
// output never holds NaN or Inf. Days is the number of points on the curve.
func ComputeMetrics(r *engine.Result) Metrics {
	m, _ := ComputeMetricsReturns(r, nil)
	return m
}

// ComputeMetricsReturns is ComputeMetrics that also returns the daily
// returns (DailyReturns' values), written over dst: the allocation-free form
// for sweeps, which reuse one buffer across trials and compute their own
// statistics of the returns from it.
func ComputeMetricsReturns(r *engine.Result, dst []float64) (Metrics, []float64) {
	return ComputeMetricsWith(r, dst, nil, nil)
}

// SquaresFunc takes the second pass of the variance over the daily returns
// rets of r (ComputeMetricsWith): it returns exactly SumSquares(rets, mean).
// flats are stretches of rets, ascending and apart, whose returns are all +0,
// each of at least MinFlat days: some of them (those the scan found, as many
// as its buffer holds), not necessarily all.
type SquaresFunc func(r *engine.Result, rets []float64, flats []Flat, mean float64) float64

// ComputeMetricsWith is ComputeMetricsReturns with the variance's second
// pass taken by squares (nil: SumSquares), so that a caller computing its
// own statistics of the returns (a sweep: moments and block sums) sums them
// in the same pass. squares is called once, when there are returns, with
// the returns this function returns and the stretches of zero returns the
// scan found (at most cap(flats), written over flats).
func ComputeMetricsWith(r *engine.Result, dst []float64, flats []Flat, squares SquaresFunc) (Metrics, []float64) {
	m := Metrics{
		TotalReturn: NA, CAGR: NA, MaxDrawdown: NA, Sharpe: NA, Sortino: NA,
		Calmar: NA, Volatility: NA, Exposure: NA, WinRate: NA,
		AvgTradeReturn: NA, MedianTradeReturn: NA, ProfitFactor: NA,
		BestTrade: NA, WorstTrade: NA, FinalEquity: NA,
		Annualization: r.Annualization,
		Days:          len(r.Equity),
	}
	if m.Annualization <= 0 {
		m.Annualization = DefaultAnnualization
	}
	note := func(metric, reason string) {
		if m.Notes == nil {
			m.Notes = make([]Note, 0, 4) // one allocation for the usual few notes
		}
		m.Notes = append(m.Notes, Note{Metric: metric, Reason: reason})
	}
	if r.RiskFree != nil {
		m.RiskFree = "excess of " + r.CashRate
	}
	rets := curveMetrics(r, &m, note, dst[:0], flats, squares)
	// The buffer's room after the returns is the trades' scratch.
	tradeMetrics(r.Trades, &m, note, rets[len(rets):cap(rets)])
	return m, rets
}

func curveMetrics(r *engine.Result, m *Metrics, note func(metric, reason string), dst []float64, flats []Flat, squares SquaresFunc) []float64 {
	eq := r.Equity
	if len(eq) == 0 {
		for _, k := range []string{"total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar", "exposure", "final_equity"} {
			note(k, ReasonNoCurve)
		}
		return dst
	}
	A := float64(m.Annualization)
	last := eq[len(eq)-1]
	m.FinalEquity = Value(last)

	base := r.Capital
	if !(base > 0) {
		base = eq[0]
	}
	// One scan for exposure, drawdown and the returns' sums; a second pass
	// over the returns for the sum of squared deviations (two-pass variance,
	// as always).
	cs := scanCurve(r, base, base > 0, dst, flats)
	if cs.nInv > 0 {
		m.Exposure = Value(float64(cs.invested) / float64(cs.nInv))
	} else {
		note("exposure", "no invested series")
	}
	nrets := cs.n
	mean, sd, down := math.NaN(), math.NaN(), math.NaN()
	if nrets > 0 {
		mean = cs.sum / float64(nrets)
		sd = 0
		var ss float64
		if squares != nil {
			ss = squares(r, cs.rets, cs.flats, mean)
		} else {
			ss = SumSquares(cs.rets, mean)
		}
		if nrets > 1 {
			sd = math.Sqrt(ss / float64(nrets-1))
		}
		down = math.Sqrt(cs.dsum / float64(nrets))
	}
	switch {
	case !(base > 0):
		for _, k := range []string{"total_return", "cagr", "max_drawdown", "calmar"} {
			note(k, ReasonNoCapital)
		}
	default:
		tr := last/base - 1
		m.TotalReturn = Value(tr)
		years := float64(nrets) / A
		switch {
		case years <= 0:
			note("cagr", ReasonFewReturns)
		case last < 0:
			note("cagr", ReasonEquityExhausted)
		default:
			m.CAGR = Value(math.Pow(last/base, 1/years) - 1)
		}
		m.MaxDrawdown = Value(cs.maxDD)
		m.MaxDrawdownDays = int(cs.longest)
		switch {
		case m.MaxDrawdown == 0:
			note("calmar", ReasonNoDrawdown)
		case m.CAGR.Valid():
			m.Calmar = Value(float64(m.CAGR) / float64(m.MaxDrawdown))
		default:
			note("calmar", "cagr undefined")
		}
	}

	if nrets < 2 {
		for _, k := range []string{"volatility", "sharpe", "sortino"} {
			note(k, ReasonFewReturns)
		}
		return cs.rets
	}
	m.Volatility = Value(sd * math.Sqrt(A))
	if sd > 0 {
		m.Sharpe = Value(mean / sd * math.Sqrt(A))
	} else if r.RiskFree != nil && mean == 0 {
		m.Sharpe = 0 // returns exactly the cash rate: no excess, Sharpe 0
	} else {
		note("sharpe", ReasonZeroVolatility)
	}
	dd := down
	if dd > 0 {
		m.Sortino = Value(mean / dd * math.Sqrt(A))
	} else {
		note("sortino", ReasonNoLosingDays)
	}
	return cs.rets
}

// tradeMetrics computes the trade metrics, with the trades' returns in
// scratch when it has room for them.
func tradeMetrics(trades []engine.Trade, m *Metrics, note func(metric, reason string), scratch []float64) {
	m.Trades = len(trades)
	if len(trades) == 0 {
		for _, k := range []string{"win_rate", "avg_trade_return", "median_trade_return", "profit_factor", "best_trade", "worst_trade"} {
			note(k, ReasonNoTrades)
		}
		return
	}
	// The returns go into scratch (a sweep's trial: the room after its
	// daily returns), else for up to 128 trades on the stack.
	var buf [128]float64
	var rets []float64
	switch {
	case len(trades) <= len(scratch):
		rets = scratch[:len(trades)]
	case len(trades) <= len(buf):
		rets = buf[:len(trades)]
	default:
		rets = make([]float64, len(trades))
	}
	wins := 0
	var sum, gains, losses float64 // sum: stats.Mean's, in the same order
	best, worst := math.Inf(-1), math.Inf(1)
	for i := range trades {
		t := &trades[i] // (ranging over copies of the trades reads more)
		rets[i] = t.Return
		sum += t.Return
		if t.Return > 0 {
			wins++
		}
		best, worst = max(best, t.Return), min(worst, t.Return)
		pnl := t.Cost * t.Return
		if pnl > 0 {
			gains += pnl
		} else {
			losses -= pnl
		}
	}
	n := float64(len(trades))
	m.WinRate = Value(float64(wins) / n)
	m.AvgTradeReturn = Value(sum / n) // stats.Mean(rets)
	m.MedianTradeReturn = Value(stats.MedianInPlace(rets))
	m.BestTrade, m.WorstTrade = Value(best), Value(worst)
	if losses > 0 {
		m.ProfitFactor = Value(gains / losses)
	} else {
		note("profit_factor", ReasonNoLosingTrades)
	}
}

// SampleCounts returns the counts CountEvidence reports (the signals inside
// the window, the trades, the independent episodes) without its text and
// statistics: it allocates nothing, for sweeps that count every trial.
func SampleCounts(r *engine.Result) (signals, trades, episodes int) {
	return signalsInWindow(r), len(r.Trades), Episodes(r.Trades)
}
