package stats

import (
	"math"
	"math/rand/v2"
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

func TestBlockSamplerLengths(t *testing.T) {
	// Block lengths of the stationary bootstrap are Geometric(p = 1/b):
	// P(L = k) = (1-p)^{k-1} p, mean b. 400,000 draws per b; the standard
	// deviation of L is sqrt(1-p)/p < b, so the mean is within 5 standard
	// errors 5b/sqrt(draws), and the frequency of L = 1 and L = 2 within
	// 0.005 of p and (1-p)p.
	for _, b := range []float64{1, 1.3, 4, 25, 300} {
		s := newBlockSampler(100000, b)
		src := newStream(5)
		const draws = 400000
		var sum float64
		ones, twos := 0, 0
		for range draws {
			l := s.length(uint32(src.Uint64()))
			sum += float64(l)
			switch l {
			case 1:
				ones++
			case 2:
				twos++
			}
		}
		p := 1 / b
		if mean := sum / draws; math.Abs(mean-b) > 5*b/math.Sqrt(draws) {
			t.Errorf("b=%v: mean block %v", b, mean)
		}
		if f := float64(ones) / draws; math.Abs(f-p) > 0.005 {
			t.Errorf("b=%v: P(L=1) = %v, want %v", b, f, p)
		}
		if f := float64(twos) / draws; math.Abs(f-(1-p)*p) > 0.005 {
			t.Errorf("b=%v: P(L=2) = %v, want %v", b, f, (1-p)*p)
		}
	}
}

func TestBlockSamplerTableMatchesDefinition(t *testing.T) {
	// The bucket table is a shortcut: L(u) must equal 1 + #{k : u < t_k}
	// counted directly, for the bucket edges and for random u.
	for _, b := range []float64{1, 1.05, 2.5, 40} {
		s := newBlockSampler(3000, b)
		direct := func(u uint32) int {
			c := 0
			for _, th := range s.thr {
				if uint64(u) < th {
					c++
				}
			}
			return c + 1
		}
		r := NewRand(8)
		us := []uint32{0, 1, math.MaxUint32, 1 << 31}
		for j := range 1 << lutBits {
			e := uint32(j) << (32 - lutBits)
			us = append(us, e, e-1, e+1)
		}
		for range 20000 {
			us = append(us, r.Uint32())
		}
		for _, u := range us {
			if got, want := s.length(u), direct(u); got != want {
				t.Fatalf("b=%v u=%d: length %d, want %d", b, u, got, want)
			}
		}
	}
	// Lengths never exceed n.
	s := newBlockSampler(5, 1e9)
	if l := s.length(0); l > 5 {
		t.Errorf("length %d beyond n = 5", l)
	}
}

func TestBlockSamplerStartUniform(t *testing.T) {
	// n = 7 (not a power of two, so the multiply-shift needs its rejection
	// step to be exact). Block starts (b = 3) and iid indices (b = 1, two
	// per word): 700,000 draws, each index expected 100,000 times with sd
	// sqrt(700000·(1/7)(6/7)) = 292.8; accept 5 sd. The resample lengths
	// always sum to n.
	for _, b := range []float64{3, 1} {
		s := newBlockSampler(7, b)
		src := newStream(9)
		var counts [7]int
		draws := 0
		for draws < 700000 {
			s.resample(&src)
			sum := 0
			for j, i := range s.starts {
				if draws == 700000 {
					break
				}
				counts[i]++
				draws++
				if s.iid {
					sum++
				} else {
					sum += int(s.lens[j])
				}
			}
			if draws < 700000 && sum != 7 {
				t.Fatalf("b=%v: resample lengths sum to %d, want 7", b, sum)
			}
		}
		for i, c := range counts {
			if math.Abs(float64(c)-100000) > 5*292.8 {
				t.Errorf("b=%v: index %d drawn %d times, want 100000 ± 1464", b, i, c)
			}
		}
	}
	one := newBlockSampler(1, 1)
	src := newStream(1)
	for range 100 {
		if one.resample(&src); len(one.starts) != 1 || one.starts[0] != 0 {
			t.Fatalf("n = 1: resample %v", one.starts)
		}
	}
}

func TestPCGMatchesStdlib(t *testing.T) {
	// The inlined generator is math/rand/v2's PCG: same words for the same
	// seeds.
	for _, seed := range []uint64{0, 1, 42, 1 << 63} {
		ours := newStream(seed)
		std := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
		for k := range 1000 {
			if a, b := ours.Uint64(), std.Uint64(); a != b {
				t.Fatalf("seed %d word %d: %x, want %x", seed, k, a, b)
			}
		}
	}
}

func TestStationaryResampleCoversIndices(t *testing.T) {
	// Resampling the index series 0..n-1: each resample has exactly n
	// values, all indices in range, and with a long mean block most
	// neighbours follow each other circularly (i+1 mod n).
	const n = 37
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i)
	}
	follow, pairs := 0, 0
	stat := func(s []float64) float64 {
		if len(s) != n {
			t.Fatalf("resample has %d values, want %d", len(s), n)
		}
		for k, v := range s {
			if v < 0 || v >= n || v != math.Trunc(v) {
				t.Fatalf("value %v is not an index", v)
			}
			if k > 0 {
				pairs++
				if int(s[k-1]+1)%n == int(v) {
					follow++
				}
			}
		}
		return 0
	}
	StationaryBootstrapCI(x, stat, 200, 0.9, 10, NewRand(6))
	// A new block starts with probability 1/10 at each step, and lands on
	// the follower by chance 1/37 of the time: P(follow) ≈ 0.9 + 0.1/37.
	if f := float64(follow) / float64(pairs); math.Abs(f-(0.9+0.1/37)) > 0.02 {
		t.Errorf("share of circular neighbours %v, want about 0.903", f)
	}
}

func TestSharpeCIParallelMatchesSequential(t *testing.T) {
	// The chunks carry their own streams: running them on goroutines gives
	// bit-identical results to running them one after another.
	x := ar1(3000, 0.2, 41)
	for i := range x {
		x[i] = 0.0008 + 0.02*x[i]
	}
	for _, B := range []int{1, 7, 1001} {
		lo1, hi1, b1 := sharpeCI(x, 365, B, 0.95, 0, NewRand(3), true)
		lo2, hi2, b2 := sharpeCI(x, 365, B, 0.95, 0, NewRand(3), false)
		if lo1 != lo2 || hi1 != hi2 || b1 != b2 {
			t.Errorf("B=%d: parallel [%v %v] b=%v, sequential [%v %v] b=%v", B, lo1, hi1, b1, lo2, hi2, b2)
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
	// (1+φ)/(1-φ) = 4 times the iid one. The stationary bootstrap with mean
	// block b weighs the lag-k autocovariance by q^k, q = 1 - 1/b, so it
	// recovers 1 + 2qφ/(1-qφ) of it: for b ≈ 15, 3.55 times, an interval
	// 1.88 times as wide as the iid one in expectation (the mean dominates
	// the Sharpe ratio's error at a daily Sharpe of 0.04). With sampling
	// noise of both intervals (2,000 resamples each), require 1.4.
	loB, hiB, _ := SharpeCI(x, 365, 2000, 0.95, 0, NewRand(1))
	loI, hiI, _ := SharpeCI(x, 365, 2000, 0.95, 1, NewRand(1))
	if (hiB - loB) < 1.4*(hiI-loI) {
		t.Errorf("block CI width %v not wider than 1.4 × iid width %v", hiB-loB, hiI-loI)
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

// TestSharpeCICoverageHeavyTailsAndDependence checks the label of the
// Sharpe interval where users meet it: daily returns with heavy tails
// (Student t, 4 degrees of freedom, scaled to sd 1) and with serial
// dependence (AR(1), φ = 0.3), mean 0.05 sd, n = 1000, the automatic block
// length; 400 seeded repetitions of 300 resamples (Monte Carlo standard
// error about 0.011): accept [0.90, 0.985]. Measured with 1,000
// repetitions and B = 999: 94.3% (t4), 92.6% (AR(1)), 93.8% (normal),
// 92.1% (normal, n = 250).
func TestSharpeCICoverageHeavyTailsAndDependence(t *testing.T) {
	const reps, n, B, mu = 400, 1000, 300, 0.05
	truth := mu * math.Sqrt(365)
	for _, c := range []struct {
		name string
		phi  float64
		df   int
	}{{"t4", 0, 4}, {"AR(1) 0.3", 0.3, 0}} {
		rng := NewRand(uint64(900 + c.df))
		x := make([]float64, n)
		covered := 0
		for range reps {
			prev := 0.0
			for i := range x {
				z := rng.NormFloat64()
				if c.df > 0 {
					var s float64
					for range c.df {
						v := rng.NormFloat64()
						s += v * v
					}
					z = z / math.Sqrt(s/float64(c.df)) / math.Sqrt(float64(c.df)/float64(c.df-2))
				}
				e := c.phi*prev + math.Sqrt(1-c.phi*c.phi)*z
				prev = e
				x[i] = mu + e
			}
			if lo, hi, _ := SharpeCI(x, 365, B, 0.95, 0, rng); lo <= truth && truth <= hi {
				covered++
			}
		}
		cov := float64(covered) / reps
		t.Logf("%s: SharpeCI coverage %.3f", c.name, cov)
		if cov < 0.90 || cov > 0.985 {
			t.Errorf("%s: SharpeCI coverage %.3f outside [0.90, 0.985]", c.name, cov)
		}
	}
}
