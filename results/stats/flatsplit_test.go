package stats

import (
	"math"
	"math/big"
	"testing"
)

// flatSeries returns n daily returns, each 0 (out of the market) with
// probability flat, else normal with mean mu and sd sd.
func flatSeries(n int, flat, mu, sd float64, seed uint64) []float64 {
	r := NewRand(seed)
	x := make([]float64, n)
	for i := range x {
		if r.Float64() >= flat {
			x[i] = mu + sd*r.NormFloat64()
		}
	}
	return x
}

// TestFlatSplitBinomialTable: the table of the number of draws that land
// on the repeated value is the Binomial(n, F/n) distribution function,
// computed here exactly in rational arithmetic (n = 40, F = 28).
func TestFlatSplitBinomialTable(t *testing.T) {
	x := make([]float64, 40)
	for i := 28; i < 40; i++ {
		x[i] = float64(i)
	}
	fs := newFlatSplit(x, x)
	if fs == nil || len(fs.rest) != 12 || len(fs.cdf) != 41 {
		t.Fatalf("split %+v", fs)
	}
	// P(K = k) = C(40, k) 7^k 3^(40-k) / 10^40.
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(40), nil)
	sum := new(big.Int)
	for k := 0; k < 40; k++ {
		term := new(big.Int).Binomial(40, int64(k))
		term.Mul(term, new(big.Int).Exp(big.NewInt(7), big.NewInt(int64(k)), nil))
		term.Mul(term, new(big.Int).Exp(big.NewInt(3), big.NewInt(int64(40-k)), nil))
		sum.Add(sum, term)
		want, _ := new(big.Rat).SetFrac(sum, den).Float64()
		if math.Abs(fs.cdf[k]-want) > 1e-12 {
			t.Errorf("P(K ≤ %d) = %v, exact %v", k, fs.cdf[k], want)
		}
	}
	if newFlatSplit([]float64{1, 2, 3, 4, 5, 6, 7, 8}, make([]float64, 8)) != nil {
		t.Error("no repeated value: want no split")
	}
}

// TestSharpeCIFlatDays: on a series that is out of the market 70% of the
// days the split sampler draws the law of the plain iid bootstrap: (1) the
// resampled sums have the exact mean 0 and variance n·mean(d²) of n iid
// draws (50,000 resamples, within 4 standard errors); (2) the interval
// equals the generic iid bootstrap's (StationaryBootstrapCI with block
// length 1, other random stream) within Monte Carlo error (B = 20,000
// each: 4% of the width); (3) chunks on goroutines give the sequential
// result; (4) coverage of the true Sharpe ratio over 400 seeded series of
// 500 days (Monte Carlo standard error 0.011) lies in [0.91, 0.985].
func TestSharpeCIFlatDays(t *testing.T) {
	x := flatSeries(2000, 0.7, 0.002, 0.02, 5)
	m := Mean(x)
	dd := make([]float64, len(x))
	var m2 float64
	for i, v := range x {
		dd[i] = v - m
		m2 += dd[i] * dd[i]
	}
	m2 /= float64(len(x))
	fs := newFlatSplit(x, dd)
	if fs == nil {
		t.Fatal("no split")
	}
	src := newStream(4)
	const R = 50000
	var a, b float64
	for range R {
		s1, _ := fs.sums(&src)
		a += s1
		b += s1 * s1
	}
	mean, v := a/R, b/R-(a/R)*(a/R)
	wantV := float64(len(x)) * m2
	if se := math.Sqrt(wantV / R); math.Abs(mean) > 4*se {
		t.Errorf("mean of resampled sums %v, want 0 ± %v", mean, 4*se)
	}
	// Var of the sample variance of R draws: about 2v²/R for near-normal sums.
	if math.Abs(v-wantV) > 4*wantV*math.Sqrt(2.0/R) {
		t.Errorf("variance of resampled sums %v, want %v", v, wantV)
	}
	lo1, hi1, _ := SharpeCI(x, 365, 20000, 0.95, 1, NewRand(1))
	ann := math.Sqrt(365)
	lo2, hi2, _ := StationaryBootstrapCI(x, func(s []float64) float64 { return Sharpe(s) * ann }, 20000, 0.95, 1, NewRand(2))
	t.Logf("split [%.4f, %.4f], generic [%.4f, %.4f]", lo1, hi1, lo2, hi2)
	if w := hi2 - lo2; math.Abs(lo1-lo2) > 0.04*w || math.Abs(hi1-hi2) > 0.04*w {
		t.Errorf("split [%v, %v], generic iid bootstrap [%v, %v]", lo1, hi1, lo2, hi2)
	}
	for _, B := range []int{1, 7, 1001} {
		l1, h1, _ := sharpeCI(x, 365, B, 0.95, 1, NewRand(3), true)
		l2, h2, _ := sharpeCI(x, 365, B, 0.95, 1, NewRand(3), false)
		if l1 != l2 || h1 != h2 {
			t.Errorf("B=%d: parallel [%v %v], sequential [%v %v]", B, l1, h1, l2, h2)
		}
	}
	// Coverage: 30% of days N(0.002, 0.02): mean 0.0006, variance
	// 0.3(0.02² + 0.002²) - 0.0006².
	mu := 0.3 * 0.002
	truth := mu / math.Sqrt(0.3*(0.02*0.02+0.002*0.002)-mu*mu) * ann
	boot := NewRand(78)
	covered := 0
	const reps = 400
	for r := range reps {
		y := flatSeries(500, 0.7, 0.002, 0.02, uint64(1000+r))
		if lo, hi, _ := SharpeCI(y, 365, 300, 0.95, 1, boot); lo <= truth && truth <= hi {
			covered++
		}
	}
	c := float64(covered) / reps
	t.Logf("coverage %.4f", c)
	if c < 0.91 || c > 0.985 {
		t.Errorf("coverage %.4f outside [0.91, 0.985]", c)
	}
}
