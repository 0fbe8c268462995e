package stats

import (
	"github.com/riskon/riskon/internal/num"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// Mean returns the arithmetic mean (1/n) Σ x_i, or NaN when x is empty.
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// Median returns the sample median of x (the middle order statistic, or the
// mean of the two middle ones when n is even), or NaN when x is empty. x is
// not modified; see MedianInPlace for the allocation-free version.
func Median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return MedianInPlace(slices.Clone(x))
}

// MedianInPlace is Median but reorders x in place and allocates nothing. It
// is the statistic to hand to BootstrapCI, whose resample buffer is scratch.
// It selects the middle order statistics (quickselect, Hoare 1961,
// "Algorithm 65: FIND", CACM 4(7), with a median-of-three pivot) instead of
// sorting: the same value as the median of the sorted x, the order
// statistics of numbers being unique. With a NaN or a negative zero in x
// (whose place the sort decides) it sorts, as before.
func MedianInPlace(x []float64) float64 {
	n := len(x)
	if n == 0 {
		return math.NaN()
	}
	for _, v := range x {
		if v != v || math.Float64bits(v) == 1<<63 {
			slices.Sort(x)
			if n%2 == 1 {
				return x[n/2]
			}
			return (x[n/2-1] + x[n/2]) / 2
		}
	}
	k := n / 2
	hi := selectKth(x, k)
	if n%2 == 1 {
		return hi
	}
	// x[:k] holds the k smallest: the largest of them is the other middle.
	lo := x[0]
	for _, v := range x[1:k] {
		if v > lo {
			lo = v
		}
	}
	return (lo + hi) / 2
}

// selectKth reorders x (numbers, no NaN) so that x[k] is its k-th smallest
// (0-based), x[:k] no larger and x[k+1:] no smaller, and returns x[k]. A
// range still unresolved after 2·log2(n)+8 partitions is sorted, bounding
// the work at O(n log n) for any input.
func selectKth(x []float64, k int) float64 {
	lo, hi := 0, len(x)-1
	for budget := 2*bits.Len(uint(len(x))) + 8; hi > lo; budget-- {
		if budget == 0 {
			slices.Sort(x[lo : hi+1])
			break
		}
		mid := lo + (hi-lo)/2
		if x[mid] < x[lo] {
			x[mid], x[lo] = x[lo], x[mid]
		}
		if x[hi] < x[lo] {
			x[hi], x[lo] = x[lo], x[hi]
		}
		if x[hi] < x[mid] {
			x[hi], x[mid] = x[mid], x[hi]
		}
		p := x[mid]
		i, j := lo, hi
		for i <= j {
			for x[i] < p {
				i++
			}
			for x[j] > p {
				j--
			}
			if i <= j {
				x[i], x[j] = x[j], x[i]
				i++
				j--
			}
		}
		// x[lo:j+1] <= p, x[j+1:i] == p, x[i:hi+1] >= p.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return x[k]
		}
	}
	return x[k]
}

// QuantileSorted returns the p-quantile of sorted (ascending, no NaN) data by
// linear interpolation between order statistics: with h = (n-1)p,
// Q(p) = x_(⌊h⌋) + (h-⌊h⌋)(x_(⌊h⌋+1) - x_(⌊h⌋)) (0-based order statistics).
// This is definition 7 of Hyndman & Fan (1996), "Sample quantiles in
// statistical packages", The American Statistician 50(4), the default of R
// and NumPy. It returns NaN for empty data or p outside [0, 1].
func QuantileSorted(sorted []float64, p float64) float64 { return num.QuantileSorted(sorted, p) }

// percentileInterval sorts vals (dropping NaN) and returns the equal-tailed
// percentile interval [Q(α/2), Q(1-α/2)] with α = 1 - level. When more than
// half of the values are NaN it returns NaN, NaN.
func percentileInterval(vals []float64, level float64) (lo, hi float64) {
	k := 0
	for _, v := range vals {
		if !math.IsNaN(v) {
			vals[k] = v
			k++
		}
	}
	if k == 0 || 2*k < len(vals) {
		return math.NaN(), math.NaN()
	}
	vals = vals[:k]
	slices.Sort(vals)
	a := (1 - level) / 2
	return QuantileSorted(vals, a), QuantileSorted(vals, 1-a)
}

// BootstrapCI returns the percentile bootstrap confidence interval of a
// statistic (Efron 1979, "Bootstrap methods: another look at the jackknife",
// Annals of Statistics 7(1); Efron & Tibshirani 1993, An Introduction to the
// Bootstrap, ch. 13): draw B resamples x*_b of size n from x with
// replacement, compute θ*_b = stat(x*_b), and return the α/2 and 1-α/2
// quantiles (QuantileSorted) of the θ*_b, with α = 1 - level. The resample
// indices come from a PCG seeded by one Uint64 of rng (see blockSampler).
//
// The resample buffer is allocated once and reused, so stat receives a
// scratch slice it may reorder (MedianInPlace sorts it) but must not keep.
// Resamples whose statistic is NaN are dropped; if more than half are NaN
// the result is NaN. It returns NaN, NaN when len(x) < 2, B < 1, level is
// not in (0, 1), or stat or rng is nil.
//
// The percentile interval is first-order accurate; on skewed data and small
// n it undercovers (Efron & Tibshirani 1993, §14), which is why evidence
// reports always print the sample size beside it.
func BootstrapCI(x []float64, stat func([]float64) float64, B int, level float64, rng *rand.Rand) (lo, hi float64) {
	n := len(x)
	if n < 2 || B < 1 || !(level > 0 && level < 1) || stat == nil || rng == nil {
		return math.NaN(), math.NaN()
	}
	buf := make([]float64, n+B)
	scratch, vals := buf[:n:n], buf[n:]
	// One word of rng seeds a PCG whose words give four indices each
	// (blockSampler.iidIndices: exactly uniform, without the cost of an
	// interface call per index).
	src := newStream(rng.Uint64())
	smp := newBlockSampler(n, 1)
	for b := range vals {
		for k, i := range smp.iidIndices(&src) {
			scratch[k] = x[i]
		}
		vals[b] = stat(scratch)
	}
	return percentileInterval(vals, level)
}
