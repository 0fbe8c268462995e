package stats

import (
	"fmt"
	"math"
	"testing"
)

// autocovLoop is the autocovariance as first written, one loop per lag:
// the reference appendAutocov's shared passes must equal bit for bit.
func autocovLoop(x []float64, maxLag int) []float64 {
	n := len(x)
	m := Mean(x)
	out := make([]float64, maxLag+1)
	for k := 0; k <= maxLag; k++ {
		var s float64
		for t := 0; t+k < n; t++ {
			s += (x[t] - m) * (x[t+k] - m)
		}
		out[k] = s / float64(n)
	}
	return out
}

// TestAutocovBlocksMatchLoop: the autocovariances summed lagBlock lags per
// pass equal the loop per lag bit for bit, for every lag up to n-1 (the
// blocks' tails, where the longer lags run out of pairs, included), and
// so do those extended on demand from any number already computed.
func TestAutocovBlocksMatchLoop(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 50, 1001} {
		x := ar1(n, 0.3, uint64(n))
		want := autocovLoop(x, n-1)
		got := autocov(x, n-1)
		for k := range want {
			if got[k] != want[k] {
				t.Fatalf("n=%d: R(%d) = %v, loop %v", n, k, got[k], want[k])
			}
		}
		for from := 0; from < min(n, 12); from++ {
			out := appendAutocov(append([]float64(nil), want[:from]...), x, Mean(x), n)
			for k := range want {
				if out[k] != want[k] {
					t.Fatalf("n=%d, extended from %d: R(%d) = %v, loop %v", n, from, k, out[k], want[k])
				}
			}
		}
	}
}

// optimalBlockLengthRef is OptimalBlockLength as first written: every
// autocovariance up to the largest lag the rule may read, computed before
// the rule runs.
func optimalBlockLengthRef(x []float64) float64 {
	n := len(x)
	if n < 4 {
		return math.NaN()
	}
	nf := float64(n)
	kn := max(5, int(math.Ceil(math.Sqrt(math.Log10(nf)))))
	mmax := int(math.Ceil(math.Sqrt(nf))) + kn
	bmax := math.Ceil(math.Min(3*math.Sqrt(nf), nf/3))
	maxLag := min(mmax+kn, n-1)
	acov := autocovLoop(x, maxLag)
	if !(acov[0] > 0) {
		return math.NaN()
	}
	thr := 2 * math.Sqrt(math.Log10(nf)/nf)
	mhat := mmax
	for m := 0; m+kn <= maxLag; m++ {
		ok := true
		for j := 1; j <= kn; j++ {
			if math.Abs(acov[m+j]/acov[0]) >= thr {
				ok = false
				break
			}
		}
		if ok {
			mhat = m
			break
		}
	}
	bw := min(2*mhat, mmax, maxLag)
	g, G := acov[0], 0.0
	for k := 1; k <= bw; k++ {
		l := flatTop(float64(k) / float64(bw))
		g += 2 * l * acov[k]
		G += 2 * l * float64(k) * acov[k]
	}
	var b float64
	if g <= 0 {
		b = math.Cbrt(nf)
	} else {
		b = math.Cbrt(G*G/(g*g)) * math.Cbrt(nf)
	}
	return math.Min(math.Max(b, 1), bmax)
}

// TestOptimalBlockLengthLazyMatchesAllLags: computing the autocovariances
// only as far as the rule reads them gives the block length of computing
// them all first, bit for bit: on iid noise (m̂ = 0), AR(1) series from
// weak to strong dependence (m̂ up to the cap), a trend, flat-heavy
// strategy returns, short series and constant ones (NaN either way).
func TestOptimalBlockLengthLazyMatchesAllLags(t *testing.T) {
	series := map[string][]float64{
		"short4":   {1, 2, 3, 5},
		"constant": {2, 2, 2, 2, 2, 2},
		"flat":     flatSeries(3000, 0.77, 0.0005, 0.03, 9),
	}
	for _, phi := range []float64{0, 0.2, 0.5, 0.9, 0.99, -0.6} {
		for _, n := range []int{30, 500, 20000} {
			series[fmt.Sprintf("ar1 phi=%v n=%d", phi, n)] = ar1(n, phi, uint64(n)+uint64(100*phi+100))
		}
	}
	trend := make([]float64, 400)
	for i := range trend {
		trend[i] = float64(i) + math.Sin(float64(i))
	}
	series["trend"] = trend
	for name, x := range series {
		got, want := OptimalBlockLength(x), optimalBlockLengthRef(x)
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("%s (n=%d): block length %v, all lags first %v", name, len(x), got, want)
		}
	}
}
