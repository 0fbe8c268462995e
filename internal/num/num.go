// Package num holds the small numeric helpers that several layers need
// (data quality checks, statistics, reports) and that no layer owns: each
// exists here once so that every caller computes it the same way.
package num

import "math"

// QuantileSorted returns the p-quantile of sorted (ascending, no NaN) data by
// linear interpolation between order statistics: with h = (n-1)p,
//
//	Q(p) = x_(⌊h⌋) + (h-⌊h⌋)(x_(⌊h⌋+1) - x_(⌊h⌋))   (0-based order statistics).
//
// This is definition 7 of Hyndman & Fan (1996), "Sample quantiles in
// statistical packages", The American Statistician 50(4):361-365, the default
// of R's quantile() and NumPy's percentile(). (gonum's stat.Quantile offers
// definitions 1 and 4 only, hence this function.) It returns NaN for empty
// data or p outside [0, 1].
func QuantileSorted(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	h := float64(n-1) * p
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	f := h - float64(lo)
	if f == 0 {
		return sorted[lo]
	}
	return sorted[lo] + f*(sorted[lo+1]-sorted[lo])
}
