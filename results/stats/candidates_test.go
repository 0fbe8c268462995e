package stats

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// hallG is Hall's (1992) skewness-removing transformation of the
// studentized mean T = (x̄ - μ)/se ("On the removal of skewness by
// transformation", JRSS B 54(1), §2): g(T) = T + a T² + a² T³/3 + b with
// a = γ̂/(3√n), b = γ̂/(6√n), γ̂ the sample skewness; g is monotone and
// g⁻¹(y) = ((1 + 3a(y - b))^{1/3} - 1)/a.
func hallG(t, g, n float64) float64 {
	a := g / (3 * math.Sqrt(n))
	return t + a*t*t + a*a*t*t*t/3 + g/(6*math.Sqrt(n))
}

func hallGInv(y, g, n float64) float64 {
	a, b := g/(3*math.Sqrt(n)), g/(6*math.Sqrt(n))
	if math.Abs(a) < 1e-12 {
		return y - b
	}
	return (math.Cbrt(1+3*a*(y-b)) - 1) / a
}

// meanSESkew returns the mean, the standard error sqrt(n/(n-1) m2 / n)
// (m2 the second central moment; the se of ClusterMeanTCI for single-value
// clusters) and the skewness m3/m2^1.5.
func meanSESkew(x []float64) (m, se, g float64) {
	n := float64(len(x))
	for _, v := range x {
		m += v
	}
	m /= n
	var m2, m3 float64
	for _, v := range x {
		d := v - m
		m2 += d * d
		m3 += d * d * d
	}
	m2, m3 = m2/n, m3/n
	se = math.Sqrt(n / (n - 1) * m2 / n)
	if m2 > 0 {
		g = m3 / math.Pow(m2, 1.5)
	}
	return m, se, g
}

// TestMeanIntervalCandidates re-measures the comparison of docs/EVIDENCE.md
// ("Other methods, measured") on fewer samples: on the same samples and the
// same resamples, the coverage of the nominal 95% interval of the mean by
// the plain equal-tailed bootstrap-t (ClusterMeanTCI before its calibration), the symmetric
// bootstrap-t (Hall 1988, JRSS B 50(1)), BCa with the jackknife
// acceleration (Efron 1987, JASA 82(397); Efron & Tibshirani 1993, eq.
// 14.10, 14.14, 14.15: for the mean â = Σd³ / (6 (Σd²)^{3/2})) and Hall's
// (1992) transformation with normal and with bootstrap quantiles. The
// plain equal-tailed bootstrap-t (the base of ClusterMeanTCI) must be within 1.5 points
// of the best (1,000 samples: standard error about 0.8 points) on the
// lognormal σ = 1 at n = 30, and BCa, which the literature ranks below it
// on skewed means, must not beat it.
func TestMeanIntervalCandidates(t *testing.T) {
	const reps, B, n = 1000, 999, 30
	names := []string{"bootstrap-t", "symmetric", "BCa", "Hall normal", "Hall bootstrap"}
	rng := NewRand(4242)
	x := make([]float64, n)
	xs := make([]float64, n)
	ts, abs, ths, hs := make([]float64, B), make([]float64, B), make([]float64, B), make([]float64, B)
	cov := make([]int, len(names))
	const a = 0.025
	za := distuv.UnitNormal.Quantile(1 - a)
	mu := math.Exp(0.5)
	for range reps {
		for i := range x {
			x[i] = math.Exp(rng.NormFloat64())
		}
		m, se, g := meanSESkew(x)
		for b := range B {
			for i := range xs {
				xs[i] = x[rng.IntN(n)]
			}
			mb, seb, gb := meanSESkew(xs)
			tb := math.Inf(1)
			switch {
			case seb > 0:
				tb = (mb - m) / seb
			case mb < m:
				tb = math.Inf(-1)
			case mb == m:
				tb = 0
			}
			ts[b], abs[b], ths[b], hs[b] = tb, math.Abs(tb), mb, hallG(tb, gb, n)
			if math.IsNaN(hs[b]) {
				hs[b] = tb
			}
		}
		for _, s := range [][]float64{ts, abs, ths, hs} {
			slices.Sort(s)
		}
		in := func(lo, hi float64) bool { return lo <= mu && mu <= hi }
		var s2, s3 float64
		for _, v := range x {
			d := v - m
			s2 += d * d
			s3 += d * d * d
		}
		acc := s3 / (6 * math.Pow(s2, 1.5))
		below := 0
		for _, v := range ths {
			if v < m {
				below++
			}
		}
		z0 := distuv.UnitNormal.Quantile((float64(below) + 0.5) / float64(B+1))
		bca := func(z float64) float64 {
			return distuv.UnitNormal.CDF(z0 + (z0+z)/(1-acc*(z0+z)))
		}
		w := QuantileSorted(abs, 1-2*a)
		hit := []bool{
			in(m-QuantileSorted(ts, 1-a)*se, m-QuantileSorted(ts, a)*se),
			in(m-w*se, m+w*se),
			in(QuantileSorted(ths, bca(-za)), QuantileSorted(ths, bca(za))),
			in(m-hallGInv(za, g, n)*se, m-hallGInv(-za, g, n)*se),
			in(m-hallGInv(QuantileSorted(hs, 1-a), g, n)*se, m-hallGInv(QuantileSorted(hs, a), g, n)*se),
		}
		for k, h := range hit {
			if h {
				cov[k]++
			}
		}
	}
	best := 0.0
	c := make([]float64, len(cov))
	for k := range cov {
		c[k] = float64(cov[k]) / reps
		best = max(best, c[k])
		t.Logf("%-15s %.3f", names[k], c[k])
	}
	if c[0] < best-0.015 {
		t.Errorf("bootstrap-t %.3f, best candidate %.3f", c[0], best)
	}
	if c[2] > c[0] {
		t.Errorf("BCa %.3f above bootstrap-t %.3f", c[2], c[0])
	}
}
