package stats

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Pearson returns the Pearson product-moment correlation of x and y,
// r = Σ(x-x̄)(y-ȳ) / sqrt(Σ(x-x̄)² Σ(y-ȳ)²) (Pearson 1896), computed by
// gonum's stat.Correlation. It returns NaN when the lengths differ, n < 2,
// or either series is constant.
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) || len(x) < 2 {
		return math.NaN()
	}
	r := stat.Correlation(x, y, nil)
	if math.IsInf(r, 0) {
		return math.NaN()
	}
	return r
}

// Ranks returns the ranks 1..n of x, with tied values given the mean of the
// ranks they span (mid-ranks), as Spearman's coefficient requires. NaN
// values rank last, in order of appearance.
func Ranks(x []float64) []float64 {
	n := len(x)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	key := func(i int) float64 {
		if math.IsNaN(x[i]) {
			return math.Inf(1)
		}
		return x[i]
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ka, kb := key(a), key(b)
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	r := make([]float64, n)
	for i := 0; i < n; {
		j := i + 1
		for j < n && key(idx[j]) == key(idx[i]) && !math.IsNaN(x[idx[i]]) {
			j++
		}
		mid := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			r[idx[k]] = mid
		}
		i = j
	}
	return r
}

// Spearman returns Spearman's rank correlation of x and y (Spearman 1904):
// the Pearson correlation of their mid-ranks (Ranks), which stays exact with
// ties. It returns NaN as Pearson does.
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) || len(x) < 2 {
		return math.NaN()
	}
	return Pearson(Ranks(x), Ranks(y))
}

// FisherCI returns the confidence interval of a correlation coefficient r
// estimated on n pairs by Fisher's z-transformation (Fisher 1915,
// Biometrika 10(4); Fisher 1921, Metron 1): z = atanh r is approximately
// normal with standard error 1/sqrt(n-3), so
//
//	[lo, hi] = [tanh(z - z_c/sqrt(n-3)), tanh(z + z_c/sqrt(n-3))]
//
// with z_c the standard normal (1+level)/2 quantile. The interval assumes
// independent pairs from a bivariate normal distribution; for autocorrelated
// returns pass an effective n (EffectiveN). It returns NaN, NaN when n ≤ 3,
// r is outside [-1, 1] or NaN, or level is not in (0, 1).
func FisherCI(r float64, n int, level float64) (lo, hi float64) {
	if n <= 3 || !(r >= -1 && r <= 1) || !(level > 0 && level < 1) {
		return math.NaN(), math.NaN()
	}
	z := math.Atanh(r)
	h := distuv.UnitNormal.Quantile((1+level)/2) / math.Sqrt(float64(n-3))
	return math.Tanh(z - h), math.Tanh(z + h)
}
