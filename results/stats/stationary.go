package stats

import (
	"math"
	"math/rand/v2"
)

// Sharpe returns the per-period Sharpe ratio of returns with a zero
// risk-free rate: mean / s, where s is the sample standard deviation (n-1
// denominator) (Sharpe 1994, "The Sharpe Ratio", Journal of Portfolio
// Management 21(1)). Multiply by sqrt(periods per year) to annualise. It
// returns NaN when n < 2 or s = 0.
func Sharpe(x []float64) float64 {
	n := len(x)
	if n < 2 {
		return math.NaN()
	}
	m := Mean(x)
	var ss float64
	for _, v := range x {
		d := v - m
		ss += d * d
	}
	s := math.Sqrt(ss / float64(n-1))
	if s == 0 {
		return math.NaN()
	}
	return m / s
}

// flatTop is the trapezoidal flat-top lag window of Politis & Romano (1995):
// λ(t) = 1 for |t| ≤ 1/2, 2(1-|t|) for 1/2 < |t| ≤ 1, and 0 beyond.
func flatTop(t float64) float64 {
	t = math.Abs(t)
	switch {
	case t <= 0.5:
		return 1
	case t <= 1:
		return 2 * (1 - t)
	}
	return 0
}

// OptimalBlockLength returns the automatic mean block length of the
// stationary bootstrap for the series x, by Politis & White (2004),
// "Automatic block-length selection for the dependent bootstrap",
// Econometric Reviews 23(1), with the correction of Patton, Politis & White
// (2009), Econometric Reviews 28(4):
//
//	R(k)  = (1/n) Σ_{t=1}^{n-k} (x_t - x̄)(x_{t+k} - x̄),  ρ(k) = R(k)/R(0)
//	K_N   = max(5, ⌈sqrt(log10 n)⌉),  m_max = ⌈sqrt n⌉ + K_N
//	m̂     = the smallest m ≥ 0 such that |ρ(m+j)| < 2 sqrt(log10(n)/n)
//	        for j = 1..K_N (m_max if there is none); M = min(2 m̂, m_max)
//	ĝ     = Σ_{|k|≤M} λ(k/M) R(k),   Ĝ = Σ_{|k|≤M} λ(k/M) |k| R(k)
//	b_SB  = (2 Ĝ² / D̂_SB)^{1/3} n^{1/3} with D̂_SB = 2 ĝ²  (the 2009 correction)
//
// where λ is the flat-top window (Politis & Romano 1995). The result is
// clamped to [1, ⌈min(3 sqrt n, n/3)⌉]. For serially uncorrelated data Ĝ ≈ 0
// and the length falls to 1, the ordinary bootstrap. It returns NaN when
// n < 4 or x is constant; when ĝ ≤ 0 (strong negative dependence) it falls
// back to n^{1/3}, clamped the same way.
func OptimalBlockLength(x []float64) float64 {
	n := len(x)
	if n < 4 {
		return math.NaN()
	}
	nf := float64(n)
	kn := max(5, int(math.Ceil(math.Sqrt(math.Log10(nf)))))
	mmax := int(math.Ceil(math.Sqrt(nf))) + kn
	bmax := math.Ceil(math.Min(3*math.Sqrt(nf), nf/3))
	maxLag := min(mmax+kn, n-1)
	acov := autocov(x, maxLag)
	if !(acov[0] > 0) {
		return math.NaN()
	}
	thr := 2 * math.Sqrt(math.Log10(nf)/nf)
	mhat := mmax
	for m := 0; m+kn <= maxLag; m++ {
		ok := true
		for j := 1; j <= kn; j++ {
			if math.Abs(acov[m+j]/acov[0]) >= thr {
				ok = false
				break
			}
		}
		if ok {
			mhat = m
			break
		}
	}
	bw := min(2*mhat, mmax, maxLag)
	g, G := acov[0], 0.0
	for k := 1; k <= bw; k++ {
		l := flatTop(float64(k) / float64(bw))
		g += 2 * l * acov[k]
		G += 2 * l * float64(k) * acov[k]
	}
	var b float64
	if g <= 0 {
		b = math.Cbrt(nf)
	} else {
		b = math.Cbrt(G*G/(g*g)) * math.Cbrt(nf)
	}
	return math.Min(math.Max(b, 1), bmax)
}

// autocov returns the biased sample autocovariances R(0..maxLag) of x:
// R(k) = (1/n) Σ_{t=0}^{n-1-k} (x_t - x̄)(x_{t+k} - x̄).
func autocov(x []float64, maxLag int) []float64 {
	n := len(x)
	m := Mean(x)
	out := make([]float64, maxLag+1)
	for k := 0; k <= maxLag; k++ {
		var s float64
		for t := 0; t+k < n; t++ {
			s += (x[t] - m) * (x[t+k] - m)
		}
		out[k] = s / float64(n)
	}
	return out
}

// geometric draws a block length L ≥ 1 with P(L = k) = (1-p)^{k-1} p from
// an exponential variate: since -ln U ~ Exp(1), L = 1 + ⌊E · c⌋ with
// E ~ Exp(1) and c = -1/ln(1-p) (rand's ziggurat ExpFloat64 is much cheaper
// than a logarithm). c = 0 (p = 1) gives L = 1 without drawing.
func geometric(rng *rand.Rand, c float64) int {
	if c == 0 {
		return 1
	}
	l := rng.ExpFloat64() * c
	if l >= 1<<30 {
		return 1 << 30
	}
	return 1 + int(l)
}

// geomScale returns c = -1/ln(1-1/b) for a mean block length b ≥ 1 (0 for
// b = 1).
func geomScale(b float64) float64 {
	if b <= 1 {
		return 0
	}
	return -1 / math.Log1p(-1/b)
}

// resolveBlock returns the mean block length to use: blockLen when it is
// positive (clamped to [1, n]), else OptimalBlockLength(x).
func resolveBlock(x []float64, blockLen float64) float64 {
	n := float64(len(x))
	if blockLen > 0 {
		return math.Min(math.Max(blockLen, 1), n)
	}
	return OptimalBlockLength(x)
}

// stationaryResample calls visit(i) for the n indices of one stationary
// bootstrap resample (Politis & Romano 1994): blocks start at a uniform
// random index and have Geometric(1/blockLen) lengths, wrapping circularly
// at the end of the series.
func stationaryResample(n int, c float64, rng *rand.Rand, visit func(i int)) {
	for filled := 0; filled < n; {
		i := rng.IntN(n)
		l := min(geometric(rng, c), n-filled)
		filled += l
		for ; l > 0; l-- {
			visit(i)
			i++
			if i == n {
				i = 0
			}
		}
	}
}

// StationaryBootstrapCI returns the percentile confidence interval of a
// statistic of a dependent series by the stationary bootstrap of Politis &
// Romano (1994), "The stationary bootstrap", JASA 89(428): each resample
// concatenates blocks x_I, x_{I+1}, ..., x_{I+L-1} (indices mod n) with I
// uniform on {0..n-1} and L ~ Geometric(p = 1/blockLen), until n values are
// drawn; the interval is the α/2 and 1-α/2 quantiles of the B resampled
// statistics (α = 1 - level). blockLen ≤ 0 selects the mean block length
// with OptimalBlockLength; blockLen = 1 is the ordinary iid bootstrap. The
// block length used is returned.
//
// As in BootstrapCI, the resample buffer is scratch reused across resamples
// and NaN statistics are dropped. It returns NaN, NaN, NaN when n < 4 with an
// automatic length (n < 2 with a set one), B < 1, level is not in (0, 1),
// stat or rng is nil, or the automatic length is undefined (constant x).
func StationaryBootstrapCI(x []float64, stat func([]float64) float64, B int, level float64, blockLen float64, rng *rand.Rand) (lo, hi, usedBlock float64) {
	nan := math.NaN()
	n := len(x)
	if n < 2 || B < 1 || !(level > 0 && level < 1) || stat == nil || rng == nil {
		return nan, nan, nan
	}
	usedBlock = resolveBlock(x, blockLen)
	if math.IsNaN(usedBlock) {
		return nan, nan, nan
	}
	c := geomScale(usedBlock)
	buf := make([]float64, n+B)
	scratch, vals := buf[:n:n], buf[n:]
	for b := range vals {
		k := 0
		stationaryResample(n, c, rng, func(i int) { scratch[k] = x[i]; k++ })
		vals[b] = stat(scratch)
	}
	lo, hi = percentileInterval(vals, level)
	return lo, hi, usedBlock
}

// SharpeCI returns the percentile confidence interval of the annualised
// Sharpe ratio sqrt(annualization) · mean/s of a series of period returns by
// the stationary bootstrap (Politis & Romano 1994; see
// StationaryBootstrapCI), which keeps the serial dependence of daily strategy
// returns (positions held for many days) that an iid bootstrap would
// destroy, so the interval is not too narrow (Ledoit & Wolf 2008, "Robust
// performance hypothesis testing with the Sharpe ratio", Journal of
// Empirical Finance 15(5), use the same device). blockLen ≤ 0 selects the
// mean block length automatically (OptimalBlockLength: Politis & White 2004
// with the Patton, Politis & White 2009 correction); the length used is
// returned.
//
// The resampled mean and variance are accumulated on the fly, so a call
// allocates O(n + B) once and nothing per resample. A resample with zero
// variance has Sharpe 0 when its mean is 0 and ±Inf otherwise. It returns
// NaN, NaN, NaN when n < 4 (n < 2 with a set block length), B < 1, level is
// not in (0, 1), annualization ≤ 0, rng is nil, or x is constant.
func SharpeCI(returns []float64, annualization float64, B int, level float64, blockLen float64, rng *rand.Rand) (lo, hi, usedBlock float64) {
	nan := math.NaN()
	n := len(returns)
	if n < 2 || B < 1 || !(level > 0 && level < 1) || !(annualization > 0) || rng == nil {
		return nan, nan, nan
	}
	usedBlock = resolveBlock(returns, blockLen)
	if math.IsNaN(usedBlock) {
		return nan, nan, nan
	}
	c := geomScale(usedBlock)
	m0 := Mean(returns)
	buf := make([]float64, n+B)
	d, vals := buf[:n:n], buf[n:]
	for i, v := range returns {
		d[i] = v - m0 // shifted by the sample mean for a stable variance
	}
	nf := float64(n)
	scale := math.Sqrt(annualization)
	for b := range vals {
		var s1, s2 float64
		for filled := 0; filled < n; {
			i := rng.IntN(n)
			l := min(geometric(rng, c), n-filled)
			filled += l
			for l > 0 {
				end := min(n, i+l)
				for _, v := range d[i:end] {
					s1 += v
					s2 += v * v
				}
				l -= end - i
				i = 0
			}
		}
		mean := m0 + s1/nf
		v := (s2 - s1*s1/nf) / (nf - 1)
		switch {
		case v > 1e-12*s2/nf: // above rounding noise of a constant resample
			vals[b] = mean / math.Sqrt(v) * scale
		case mean == 0:
			vals[b] = 0
		default:
			vals[b] = math.Inf(int(math.Copysign(1, mean)))
		}
	}
	lo, hi = percentileInterval(vals, level)
	return lo, hi, usedBlock
}
