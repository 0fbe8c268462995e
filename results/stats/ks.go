package stats

import (
	"math"
	"slices"
)

// KSUniform tests whether x is a sample from the uniform distribution on
// [0, 1] (for instance p-values under a true null) with the one-sample
// Kolmogorov-Smirnov statistic (Kolmogorov 1933; Smirnov 1948):
//
//	D = max_i max(i/n - x_(i), x_(i) - (i-1)/n)   (order statistics x_(1..n))
//
// and its asymptotic p-value with Stephens' small-sample correction
// (Stephens 1970, JRSS B 32(1); Press et al., Numerical Recipes, 3rd ed.,
// §14.3.3): p = Q_KS((sqrt n + 0.12 + 0.11/sqrt n) D), where
// Q_KS(λ) = 2 Σ_{j≥1} (-1)^{j-1} exp(-2 j² λ²). gonum's
// stat.KolmogorovSmirnov gives the two-sample distance only, no p-value.
// Values outside [0, 1] are allowed (they push D up). It returns NaN, NaN for
// an empty sample or one holding NaN.
func KSUniform(x []float64) (d, p float64) {
	n := len(x)
	if n == 0 || slices.ContainsFunc(x, math.IsNaN) {
		return math.NaN(), math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	nf := float64(n)
	for i, v := range s {
		u := math.Min(math.Max(v, 0), 1) // the uniform CDF
		d = math.Max(d, math.Max(float64(i+1)/nf-u, u-float64(i)/nf))
	}
	sq := math.Sqrt(nf)
	return d, KolmogorovQ((sq + 0.12 + 0.11/sq) * d)
}

// KolmogorovQ returns the survival function of the Kolmogorov distribution,
// Q_KS(λ) = P(K > λ) = 2 Σ_{j≥1} (-1)^{j-1} exp(-2 j² λ²) (Kolmogorov 1933;
// Press et al., Numerical Recipes, 3rd ed., §6.14.12). For λ < 1.18 the
// alternating series converges slowly, so the equivalent Jacobi theta form
// 1 - (sqrt(2π)/λ) Σ_{j≥1} exp(-(2j-1)² π² / (8 λ²)) is used there. It
// returns 1 for λ ≤ 0 and NaN for NaN.
func KolmogorovQ(lambda float64) float64 {
	switch {
	case math.IsNaN(lambda):
		return math.NaN()
	case lambda <= 0:
		return 1
	case lambda < 1.18:
		y := -math.Pi * math.Pi / (8 * lambda * lambda)
		var s float64
		for j := 1; j <= 8; j++ {
			k := float64(2*j - 1)
			s += math.Exp(k * k * y)
		}
		return math.Min(1, math.Max(0, 1-math.Sqrt(2*math.Pi)/lambda*s))
	}
	var s float64
	for j := 1; j <= 100; j++ {
		jf := float64(j)
		t := math.Exp(-2 * jf * jf * lambda * lambda)
		if j%2 == 1 {
			s += t
		} else {
			s -= t
		}
		if t < 1e-17 {
			break
		}
	}
	return math.Min(1, math.Max(0, 2*s))
}
