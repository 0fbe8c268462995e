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
	out := make([]float64, n)
	sum := 0.0
	for i := range out {
		out[i] = 1
		if len(w) > 0 {
			out[i] = w[i]
		}
		if !(out[i] >= 0) {
			return nil, fmt.Errorf("weight %d is %v: weights must not be negative", i, out[i])
		}
		sum += out[i]
	}
	if !(sum > 0) {
		return nil, fmt.Errorf("weights sum to %v: at least one must be positive", sum)
	}
	for i := range out {
		out[i] = out[i] / sum * total
	}
	return out, nil
}
