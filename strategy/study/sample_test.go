package study

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results/stats"
)

// admissible enumerates every k-subset of dates (indices, increasing) whose
// consecutive members are at least g apart, by brute force.
func admissible(dates []data.Date, k, g int) [][]int {
	var out [][]int
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) == k {
			out = append(out, append([]int(nil), cur...))
			return
		}
		for j := start; j < len(dates); j++ {
			if len(cur) > 0 && int(dates[j]-dates[cur[len(cur)-1]]) < g {
				continue
			}
			rec(j+1, append(cur, j))
		}
	}
	rec(0, nil)
	return out
}

// TestSpacedSamplerUniform draws many subsets and compares their frequencies
// with the uniform distribution over the brute-force enumeration by a
// chi-square test (rejecting only at the 0.1% level).
func TestSpacedSamplerUniform(t *testing.T) {
	dates := []data.Date{0, 1, 2, 4, 5, 8, 9, 11, 12, 15}
	cases := []struct{ k, g int }{{3, 3}, {2, 5}, {1, 4}, {4, 3}, {3, 0}}
	for _, c := range cases {
		t.Run(fmt.Sprintf("k%d_g%d", c.k, c.g), func(t *testing.T) {
			all := admissible(dates, c.k, max(c.g, 1))
			s, ok := newSpacedSampler(dates, c.k, c.g)
			if !ok || len(all) == 0 {
				t.Fatalf("sampler ok %v, %d admissible subsets", ok, len(all))
			}
			index := map[string]int{}
			for i, a := range all {
				index[fmt.Sprint(a)] = i
			}
			counts := make([]float64, len(all))
			rng := stats.NewRand(7)
			out := make([]int, c.k)
			const draws = 60000
			for b := 0; b < draws; b++ {
				s.draw(rng, out)
				if c.g == 0 { // Fisher-Yates order: sort
					for i := 1; i < len(out); i++ {
						for j := i; j > 0 && out[j] < out[j-1]; j-- {
							out[j], out[j-1] = out[j-1], out[j]
						}
					}
				}
				i, ok := index[fmt.Sprint(out)]
				if !ok {
					t.Fatalf("drew %v: not admissible", out)
				}
				counts[i]++
			}
			exp := float64(draws) / float64(len(all))
			var chi2 float64
			for _, o := range counts {
				chi2 += (o - exp) * (o - exp) / exp
			}
			if df := float64(len(all) - 1); df > 0 {
				crit := distuv.ChiSquared{K: df}.Quantile(0.999)
				if chi2 > crit {
					t.Errorf("%d subsets: chi2 %.1f > %.1f (0.999 quantile, df %v)", len(all), chi2, crit, df)
				}
			}
		})
	}
	if _, ok := newSpacedSampler(dates, 5, 5); ok {
		t.Error("5 dates 5 days apart fit in 15 days?")
	}
}

// TestPermutationPExact compares the permutation p-value with the exact one
// enumerated by hand: pool {0, 1, 2, 3, 4}, n = 2, observed mean 3 (sum 6):
// of the 10 pairs only {2,4} = 6 and {3,4} = 7 reach 6, so p = 2/10 (the
// Monte Carlo estimate has standard error sqrt(p(1-p)/K)).
func TestPermutationPExact(t *testing.T) {
	pool := []float64{0, 1, 2, 3, 4}
	dates := []data.Date{0, 1, 2, 3, 4}
	cases := []struct {
		name string
		obs  float64
		n, g int
		want float64
	}{
		{"pairs sum >= 6", 3, 2, 0, 0.2},
		{"single >= 4", 4, 1, 0, 0.2},
		{"single >= 0", 0, 1, 0, 1},
		// 2 days apart: pairs {0,2},{0,3},{0,4},{1,3},{1,4},{2,4}; sum ≥ 5: {1,4},{2,4} -> 2/6.
		{"spaced pairs sum >= 5", 2.5, 2, 2, 2.0 / 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const K = 40000
			p := permutationP(c.obs, c.n, pool, dates, c.g, K, stats.NewRand(1))
			se := math.Sqrt(c.want * (1 - c.want) / K)
			if math.Abs(p-c.want) > 5*se+2.0/K {
				t.Errorf("p = %v, want %v ± %v", p, c.want, 5*se)
			}
		})
	}
	if p := permutationP(math.NaN(), 2, pool, dates, 0, 10, stats.NewRand(1)); !math.IsNaN(p) {
		t.Errorf("NaN observation gives p %v", p)
	}
	if p := permutationP(1, 6, pool, dates, 0, 10, stats.NewRand(1)); !math.IsNaN(p) {
		t.Errorf("more signals than dates gives p %v", p)
	}
}

// TestPermutationPNullAndPlanted: under a true null (iid returns; signals on
// fixed dates), p-values are uniform (Kolmogorov-Smirnov does not reject at
// 0.001); with a planted edge, p < 0.01.
func TestPermutationPNullAndPlanted(t *testing.T) {
	const m, n, K, reps = 600, 12, 199, 500
	dates := make([]data.Date, m)
	for i := range dates {
		dates[i] = data.Date(i)
	}
	for _, g := range []int{0, 40} {
		t.Run(fmt.Sprintf("spacing%d", g), func(t *testing.T) {
			rng := stats.NewRand(uint64(100 + g))
			pool := make([]float64, m)
			ps := make([]float64, reps)
			for r := range ps {
				for i := range pool {
					pool[i] = rng.NormFloat64()
				}
				var sum float64
				for i := 0; i < n; i++ {
					sum += pool[i*(m/n)] // fixed dates 50 days apart
				}
				ps[r] = permutationP(sum/n, n, pool, dates, g, K, rng)
			}
			if _, p := stats.KSUniform(ps); p < 0.001 {
				t.Errorf("null p-values not uniform: KS p = %v", p)
			}
			// Planted edge: +1.5 standard deviations on the signal dates.
			var sum float64
			for i := 0; i < n; i++ {
				pool[i*(m/n)] += 1.5
				sum += pool[i*(m/n)]
			}
			if p := permutationP(sum/n, n, pool, dates, g, 2000, rng); p >= 0.01 {
				t.Errorf("planted edge: p = %v, want < 0.01", p)
			}
		})
	}
}

func TestIndependentAndOverlap(t *testing.T) {
	cases := []struct {
		dates []data.Date
		h     int
		indep int
		ov    bool
	}{
		{nil, 30, 0, false},
		{[]data.Date{0}, 30, 1, false},
		{[]data.Date{0, 10, 20, 30, 40}, 30, 2, true},
		{[]data.Date{0, 30, 60}, 30, 3, false},
		{[]data.Date{0, 29, 31}, 30, 2, true},
	}
	for _, c := range cases {
		if got := independent(c.dates, c.h); got != c.indep {
			t.Errorf("independent(%v, %d) = %d, want %d", c.dates, c.h, got, c.indep)
		}
		if got := overlapping(c.dates, c.h); got != c.ov {
			t.Errorf("overlapping(%v, %d) = %v, want %v", c.dates, c.h, got, c.ov)
		}
	}
}

func TestPerHorizon(t *testing.T) {
	cases := []struct {
		r    float64
		d, h int
		want float64
	}{
		{3, 730, 365, 1},    // x4 over two years = x2 a year
		{0.21, 20, 10, 0.1}, // 1.1^2 = 1.21
		{-1, 10, 5, math.NaN()},
		{0.5, 0, 5, math.NaN()},
	}
	for _, c := range cases {
		got := PerHorizon(c.r, c.d, c.h)
		if math.IsNaN(c.want) != math.IsNaN(got) || (!math.IsNaN(c.want) && math.Abs(got-c.want) > 1e-12) {
			t.Errorf("PerHorizon(%v, %d, %d) = %v, want %v", c.r, c.d, c.h, got, c.want)
		}
	}
}

// TestRotationPExact works the rotation test by hand on pool 1..5.
func TestRotationPExact(t *testing.T) {
	pool := []float64{1, 2, 3, 4, 5}
	cases := []struct {
		pos  []int
		obs  float64
		want float64
	}{
		// Shifts of {0,1}: sums 3, 5, 7, 9, 6: all ≥ 3.
		{[]int{0, 1}, 1.5, 1},
		// Shifts of {3,4}: sums 9, 6, 3, 5, 7: only the observed ≥ 9.
		{[]int{3, 4}, 4.5, 0.2},
		// Shifts of {1,3}: sums 6, 8, 5, 7, 4: ≥ 6 are 6, 8, 7.
		{[]int{1, 3}, 3, 0.6},
	}
	for _, c := range cases {
		if got := rotationP(c.obs, c.pos, pool); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("rotationP(%v, %v) = %v, want %v", c.obs, c.pos, got, c.want)
		}
	}
	if !math.IsNaN(rotationP(1, nil, pool)) || !math.IsNaN(rotationP(math.NaN(), []int{1}, pool)) {
		t.Error("empty or NaN input gives a number")
	}
	if got := positions([]data.Date{0, 5, 6, 99}, []data.Date{1, 5, 8}); fmt.Sprint(got) != "[0 1 2 2]" {
		t.Errorf("positions %v", got)
	}
}

// TestRotationKeepsClusteredNullHonest: returns are overlapping 30-day sums
// of iid noise (strongly dependent, like forward returns) and the "signals"
// are a cluster of 20 consecutive dates at a random place, with no effect.
// The rotation p-values are uniform; shuffling the 20 dates one by one
// rejects far too often, which is why acted/all selections use rotation.
func TestRotationKeepsClusteredNullHonest(t *testing.T) {
	const m, h, n, reps = 800, 30, 20, 400
	rng := stats.NewRand(5)
	dates := make([]data.Date, m)
	for i := range dates {
		dates[i] = data.Date(i)
	}
	noise := make([]float64, m+h)
	pool := make([]float64, m)
	rot := make([]float64, reps)
	shuffleSmall := 0
	for r := 0; r < reps; r++ {
		for i := range noise {
			noise[i] = rng.NormFloat64()
		}
		for i := range pool {
			var s float64
			for _, v := range noise[i : i+h] {
				s += v
			}
			pool[i] = s
		}
		start := rng.IntN(m - n)
		pos := make([]int, n)
		var sum float64
		for i := range pos {
			pos[i] = start + i
			sum += pool[start+i]
		}
		rot[r] = rotationP(sum/n, pos, pool)
		if permutationP(sum/n, n, pool, dates, 0, 199, rng) < 0.05 {
			shuffleSmall++
		}
	}
	if _, p := stats.KSUniform(rot); p < 0.001 {
		t.Errorf("rotation p-values not uniform under the clustered null: KS p = %v", p)
	}
	if frac := float64(shuffleSmall) / reps; frac < 0.15 {
		t.Errorf("the plain shuffle rejected %.2f of true nulls at 5%%; expected far more than 5%% (anti-conservative)", frac)
	}
}
