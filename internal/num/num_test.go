package num

import (
	"math"
	"testing"
)

// TestQuantileSortedWorked checks definition 7 against hand-worked values.
// Data 1, 2, 4, 7, 11 (n = 5): h = 4p.
//   - p = 0.25: h = 1     -> x_1 = 2
//   - p = 0.5:  h = 2     -> x_2 = 4
//   - p = 0.9:  h = 3.6   -> 7 + 0.6·(11-7) = 9.4
//   - p = 0.1:  h = 0.4   -> 1 + 0.4·(2-1) = 1.4
//   - p = 0, 1: the minimum and the maximum.
//
// R: quantile(c(1,2,4,7,11), c(.1,.25,.5,.9), type = 7) gives 1.4 2 4 9.4.
func TestQuantileSortedWorked(t *testing.T) {
	t.Parallel()
	x := []float64{1, 2, 4, 7, 11}
	for _, c := range []struct{ p, want float64 }{
		{0, 1}, {0.1, 1.4}, {0.25, 2}, {0.5, 4}, {0.9, 9.4}, {1, 11},
	} {
		if got := QuantileSorted(x, c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("QuantileSorted(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	// Even n: the median is the mean of the two middle values (h = 1.5).
	if got := QuantileSorted([]float64{1, 3, 5, 9}, 0.5); got != 4 {
		t.Errorf("median of 1,3,5,9 = %v, want 4", got)
	}
	if got := QuantileSorted([]float64{7}, 0.3); got != 7 {
		t.Errorf("single value: %v, want 7", got)
	}
	for _, p := range []float64{-0.1, 1.1, math.NaN()} {
		if !math.IsNaN(QuantileSorted(x, p)) {
			t.Errorf("p = %v: want NaN", p)
		}
	}
	if !math.IsNaN(QuantileSorted(nil, 0.5)) {
		t.Error("empty data: want NaN")
	}
}
