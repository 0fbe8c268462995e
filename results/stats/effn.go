package stats

import "math"

// Autocorrelation returns the sample autocorrelations ρ(0..maxLag) of x,
// ρ(k) = R(k)/R(0) with the biased autocovariance
// R(k) = (1/n) Σ_{t=1}^{n-k} (x_t - x̄)(x_{t+k} - x̄) (Box, Jenkins & Reinsel,
// Time Series Analysis, §2.1.6). maxLag is clamped to [0, n-1]. It returns
// nil when n < 2 or x is constant.
func Autocorrelation(x []float64, maxLag int) []float64 {
	n := len(x)
	if n < 2 {
		return nil
	}
	maxLag = min(max(maxLag, 0), n-1)
	r := autocov(x, maxLag)
	if !(r[0] > 0) {
		return nil
	}
	c0 := r[0]
	for k := range r {
		r[k] /= c0
	}
	return r
}

// EffectiveN returns the effective sample size of an autocorrelated series,
// the number of independent observations carrying the same information about
// the mean:
//
//	n_eff = n / (1 + 2 Σ_{k=1}^{K} (1 - k/n) ρ_k)
//
// (the variance inflation of the sample mean of a stationary series: Bartlett
// 1946; Box, Jenkins & Reinsel, Time Series Analysis, eq. 2.1.13), with ρ_k
// the sample autocorrelations (Autocorrelation).
//
// Truncation rule: Geyer's (1992) initial positive sequence ("Practical
// Markov chain Monte Carlo", Statistical Science 7(4)). With ρ_0 = 1 and
// Γ_m = ρ_{2m} + ρ_{2m+1}, let M be the first m with Γ_m ≤ 0 (pair sums of a
// stationary series' autocorrelations are positive, so the first non-positive
// one marks where noise dominates); then K = 2M - 1, the last lag of the
// positive pairs (K = 0, no correction, when Γ_0 ≤ 0; K ≤ n-1 always).
//
// The result is clamped to [1, n]: negatively correlated series would give
// more than n, and a sum close to -1/2 would explode. It returns NaN when
// n < 2 or x is constant (no variance, no information about dependence).
func EffectiveN(x []float64) float64 {
	n := len(x)
	if n < 2 {
		return math.NaN()
	}
	m := Mean(x)
	// ρ(k), computed lazily: the Geyer sequence usually stops after a few
	// lags, so the cost is O(n·K), not O(n²).
	rho := func(k int) float64 {
		var s float64
		for t := 0; t+k < n; t++ {
			s += (x[t] - m) * (x[t+k] - m)
		}
		return s
	}
	c0 := rho(0)
	if !(c0 > 0) {
		return math.NaN()
	}
	nf := float64(n)
	tau := 1.0
	for k := 1; k < n; k += 2 {
		// Pair Γ = ρ(k-1) + ρ(k); ρ(k-1) was added with the previous pair.
		prev := 1.0
		if k > 1 {
			prev = rho(k-1) / c0
		}
		cur := rho(k) / c0
		if prev+cur <= 0 {
			break
		}
		if k > 1 {
			tau += 2 * (1 - float64(k-1)/nf) * prev
		}
		tau += 2 * (1 - float64(k)/nf) * cur
	}
	if !(tau > 0) {
		return nf
	}
	return math.Min(math.Max(nf/tau, 1), nf)
}
