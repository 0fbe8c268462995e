package num

import "fmt"

// Weights returns n weights proportional to w (equal weights when w is
// empty) that sum to total: Weights([]float64{2, 1}, 2, 0.9) = [0.6, 0.3].
// It refuses a w of another length than n, a negative or NaN weight, and
// weights that sum to zero or less; the error names the weight (index from
// 0) so the caller can name the target.
func Weights(w []float64, n int, total float64) ([]float64, error) {
	if len(w) > 0 && len(w) != n {
		return nil, fmt.Errorf("%d weights for %d targets", len(w), n)
	}
	sum := 0.0
	for i := 0; i < n; i++ {
		v := 1.0
		if len(w) > 0 {
			v = w[i]
		}
		if !(v >= 0) {
			return nil, fmt.Errorf("weight %d is %v: weights must not be negative", i, v)
		}
		sum += v
	}
	if !(sum > 0) {
		return nil, fmt.Errorf("weights sum to %v: at least one must be positive", sum)
	}
	return AppendWeights(make([]float64, 0, n), w, n, total), nil
}

// AppendWeights appends to dst the n weights proportional to w (equal when
// w is empty) scaled to sum to total, without checking them (callers that
// take user input use Weights first) and without allocating when dst has
// room: the strategy's entry path calls it per signal.
func AppendWeights(dst, w []float64, n int, total float64) []float64 {
	start := len(dst)
	sum := 0.0
	for i := 0; i < n; i++ {
		v := 1.0
		if len(w) > 0 {
			v = w[i]
		}
		dst = append(dst, v)
		sum += v
	}
	for i := start; i < len(dst); i++ {
		dst[i] = dst[i] / sum * total
	}
	return dst
}
