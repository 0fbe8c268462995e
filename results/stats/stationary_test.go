package stats

import (
	"math"
	"testing"
)

func ar1(n int, phi float64, seed uint64) []float64 {
	r := NewRand(seed)
	x := make([]float64, n)
	prev := r.NormFloat64() / math.Sqrt(1-phi*phi) // stationary start
	for i := range x {
		prev = phi*prev + r.NormFloat64()
		x[i] = prev
	}
	return x
}

func TestSharpe(t *testing.T) {
	// x = 1, 2, 3: mean 2, sample sd = sqrt(((1)+(0)+(1))/2) = 1 → Sharpe 2.
	if got := Sharpe([]float64{1, 2, 3}); !near(got, 2, 1e-15) {
		t.Errorf("Sharpe = %v, want 2", got)
	}
	if !math.IsNaN(Sharpe([]float64{1})) || !math.IsNaN(Sharpe([]float64{2, 2})) {
		t.Error("Sharpe of one point or a constant should be NaN")
	}
}

func TestGeometricBlocks(t *testing.T) {
	// Block lengths of the stationary bootstrap are Geometric(p = 1/b):
	// mean b, P(L = 1) = p.
	for _, b := range []float64{1, 4, 25} {
		r := NewRand(5)
		c := geomScale(b)
		const draws = 200000
		var sum float64
		ones := 0
		for range draws {
			l := geometric(r, c)
			sum += float64(l)
			if l == 1 {
				ones++
			}
		}
		mean := sum / draws
		// sd of L is sqrt(1-p)/p ≤ b; 5 standard errors of the mean.
		if math.Abs(mean-b) > 5*b/math.Sqrt(draws) {
			t.Errorf("b=%v: mean block %v", b, mean)
		}
		if p1 := float64(ones) / draws; math.Abs(p1-1/b) > 0.005 {
			t.Errorf("b=%v: P(L=1) = %v, want %v", b, p1, 1/b)
		}
	}
}

func TestStationaryResampleCoversIndices(t *testing.T) {
	// Each resample has exactly n indices, all in range, and consecutive
	// indices within a block follow each other circularly.
	r := NewRand(6)
	const n = 37
	c := geomScale(5)
	for range 100 {
		var idx []int
		stationaryResample(n, c, r, func(i int) { idx = append(idx, i) })
		if len(idx) != n {
			t.Fatalf("resample has %d indices, want %d", len(idx), n)
		}
		for _, i := range idx {
			if i < 0 || i >= n {
				t.Fatalf("index %d out of range", i)
			}
		}
	}
}

func TestOptimalBlockLength(t *testing.T) {
	// iid noise: Ĝ ≈ 0, so the length falls to (near) 1.
	r := NewRand(12)
	iid := make([]float64, 5000)
	for i := range iid {
		iid[i] = r.NormFloat64()
	}
	if b := OptimalBlockLength(iid); b > 3 {
		t.Errorf("iid block length %v, want ≤ 3", b)
	}
	// AR(1) with φ: R(k) = σ² φ^|k|, so g = Σ R(k) = σ²(1+φ)/(1-φ) and
	// G = Σ |k| R(k) = 2σ² φ/(1-φ)². Then G/g = 2φ/(1-φ²) and the optimal
	// stationary block is b = (G/g)^{2/3} n^{1/3}. For φ = 0.5, n = 20000:
	// G/g = 4/3, b = (4/3)^{2/3} · 20000^{1/3} = 1.2114 · 27.144 = 32.88.
	// The kernel estimate is noisy and biased downward by the truncation at
	// M; accept ±35%.
	x := ar1(20000, 0.5, 13)
	want := math.Pow(4.0/3, 2.0/3) * math.Cbrt(20000)
	if b := OptimalBlockLength(x); math.Abs(b-want)/want > 0.35 {
		t.Errorf("AR(1) block length %v, want %v ± 35%%", b, want)
	}
	// Upper clamp ⌈min(3√n, n/3)⌉: n = 30 gives ⌈min(16.4, 10)⌉ = 10.
	trend := make([]float64, 30)
	for i := range trend {
		trend[i] = float64(i)
	}
	if b := OptimalBlockLength(trend); b > 10 || b < 1 {
		t.Errorf("trend block %v outside [1, 10]", b)
	}
	if !math.IsNaN(OptimalBlockLength([]float64{1, 2, 3})) || !math.IsNaN(OptimalBlockLength([]float64{1, 1, 1, 1, 1})) {
		t.Error("short or constant series should give NaN")
	}
}

func TestSharpeCIMatchesGenericBootstrap(t *testing.T) {
	// SharpeCI accumulates the resampled moments on the fly; the generic
	// StationaryBootstrapCI materialises each resample and calls Sharpe.
	// Both consume the generator in the same order (start, then length, per
	// block), so with the same seed they see the same resamples and must
	// agree to rounding.
	x := ar1(800, 0.3, 21)
	for i := range x {
		x[i] = 0.001 + 0.01*x[i]
	}
	ann := math.Sqrt(365)
	for _, block := range []float64{0, 1, 7.5} {
		lo1, hi1, b1 := SharpeCI(x, 365, 300, 0.9, block, NewRand(99))
		lo2, hi2, b2 := StationaryBootstrapCI(x, func(s []float64) float64 { return Sharpe(s) * ann }, 300, 0.9, block, NewRand(99))
		if b1 != b2 || !near(lo1, lo2, 1e-9) || !near(hi1, hi2, 1e-9) {
			t.Errorf("block %v: SharpeCI [%v %v] b=%v, generic [%v %v] b=%v", block, lo1, hi1, b1, lo2, hi2, b2)
		}
	}
}

func TestSharpeCIDeterminismAndWidth(t *testing.T) {
	x := ar1(2000, 0.6, 31)
	for i := range x {
		x[i] = 0.0005 + 0.01*x[i]
	}
	lo1, hi1, b := SharpeCI(x, 365, 400, 0.95, 0, NewRand(1))
	lo2, hi2, _ := SharpeCI(x, 365, 400, 0.95, 0, NewRand(1))
	if lo1 != lo2 || hi1 != hi2 {
		t.Error("same seed, different SharpeCI")
	}
	lo3, hi3, _ := SharpeCI(x, 365, 400, 0.95, 0, NewRand(2))
	if lo1 == lo3 && hi1 == hi3 {
		t.Error("different seeds, identical SharpeCI")
	}
	if b < 3 {
		t.Errorf("automatic block length %v for AR(1) φ=0.6, want > 3", b)
	}
	// Positive autocorrelation makes the Sharpe ratio less certain than the
	// iid bootstrap believes: the long-run variance of an AR(1) mean is
	// (1+φ)/(1-φ) = 4 times the iid one, so the honest interval is about
	// twice as wide. Require at least 1.5 times.
	loI, hiI, _ := SharpeCI(x, 365, 400, 0.95, 1, NewRand(1))
	if (hi1 - lo1) < 1.5*(hiI-loI) {
		t.Errorf("block CI width %v not wider than 1.5 × iid width %v", hi1-lo1, hiI-loI)
	}
	if lo, hi, b := SharpeCI([]float64{0.01, 0.01, 0.01, 0.01}, 365, 10, 0.9, 0, NewRand(1)); !math.IsNaN(lo) || !math.IsNaN(hi) || !math.IsNaN(b) {
		t.Error("constant series should give NaN")
	}
	if lo, _, _ := SharpeCI(x, 0, 10, 0.9, 0, NewRand(1)); !math.IsNaN(lo) {
		t.Error("annualization 0 should give NaN")
	}
}

// TestSharpeCICoverage: iid normal daily returns with mean 0.001 and sd
// 0.01 (true annual Sharpe 0.1·sqrt(365) = 1.9105), n = 500, 400 seeded
// repetitions of 300 resamples with block length 1. The percentile
// interval of the Sharpe ratio is close to nominal for normal data at this n
// (the estimator's skew is small: SE ≈ sqrt((1+SR²/2)/n), Lo 2002); with 400
// repetitions the Monte Carlo standard error is 0.011, so accept
// [0.91, 0.985].
func TestSharpeCICoverage(t *testing.T) {
	reps := 400
	const n, B = 500, 300
	truth := 0.1 * math.Sqrt(365)
	data := NewRand(77)
	boot := NewRand(78)
	x := make([]float64, n)
	covered := 0
	for range reps {
		for i := range x {
			x[i] = 0.001 + 0.01*data.NormFloat64()
		}
		lo, hi, _ := SharpeCI(x, 365, B, 0.95, 1, boot)
		if lo <= truth && truth <= hi {
			covered++
		}
	}
	cov := float64(covered) / float64(reps)
	t.Logf("SharpeCI coverage %.4f", cov)
	if cov < 0.91 || cov > 0.985 {
		t.Errorf("SharpeCI coverage %.4f outside [0.91, 0.985]", cov)
	}
}
