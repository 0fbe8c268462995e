package sweep

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results"
)

// TestMomentsEqualGonum: the one-pass moments give bit for bit gonum's
// stat.Skew and stat.ExKurtosis + 3 (the definitions Moments documents) on
// return series like a sweep's: mostly flat days (exact zeros), fat tails,
// short series, and a constant series (zero deviation: NaN).
func TestMomentsEqualGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	bits := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
	}
	for trial := range 300 {
		n := rng.IntN(6000)
		daily := make([]float64, n)
		for i := range daily {
			switch {
			case rng.IntN(3) > 0: // flat
			case trial%4 == 1:
				daily[i] = rng.NormFloat64() * 0.02 / (0.05 + rng.Float64()) // fat tails
			default:
				daily[i] = rng.NormFloat64() * 0.03
			}
		}
		if trial%10 == 7 {
			for i := range daily {
				daily[i] = 0.001
			}
		}
		m := moments(daily)
		if m.N != n {
			t.Fatalf("trial %d: N %d, want %d", trial, m.N, n)
		}
		wantS, wantK := math.NaN(), math.NaN()
		if n >= 4 {
			wantS, wantK = stat.Skew(daily, nil), stat.ExKurtosis(daily, nil)+3
		}
		if !bits(m.Skew, wantS) || !bits(m.Kurt, wantK) {
			t.Fatalf("trial %d (n %d): skew %v kurt %v, want %v %v", trial, n, m.Skew, m.Kurt, wantS, wantK)
		}
	}
}

// TestMomentsSumsEqualSeparate: the fused pass gives bit for bit gonum's
// moments and Grid.Sums (the per-day block walk, zero returns skipped) on
// returns dated by consecutive days, with grids starting before, inside and
// after the returns, blocks of 1 to 40 days, flat stretches, NaN and
// infinite returns, zero stretches of up to 600 days (added as runs); and on
// dates with a gap (the unfused path). The
// metrics' sum of squared deviations summed in the same pass
// (momentsSquares) is results.SumSquares bit for bit, around the metrics'
// own mean (the sequential sum over n) and around an unrelated one.
func TestMomentsSumsEqualSeparate(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	bits := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
	}
	for trial := range 400 {
		n := rng.IntN(3000)
		daily := make([]float64, n)
		dates := make([]data.Date, n)
		d0 := data.Date(15000 + rng.IntN(100))
		for i := range daily {
			dates[i] = d0 + data.Date(i)
			if rng.IntN(2) == 0 {
				daily[i] = rng.NormFloat64() * 0.02
			}
		}
		if trial%3 == 2 {
			// Long flat stretches (a trial out of the market, -0 among
			// them), which the passes add as runs, between busy ones.
			for i := 0; i < n; {
				k := min(n-i, 1+rng.IntN(600))
				if rng.IntN(2) == 0 {
					clear(daily[i : i+k])
					if rng.IntN(4) == 0 {
						daily[i+rng.IntN(k)] = math.Copysign(0, -1)
					}
				}
				i += k
			}
		}
		switch trial % 25 {
		case 3:
			daily[rng.IntN(max(n, 1))%max(n, 1)] = math.NaN()
		case 4:
			if n > 0 {
				daily[rng.IntN(n)] = math.Inf(1)
			}
		case 5:
			if n > 1 { // a gap: not consecutive
				for i := n / 2; i < n; i++ {
					dates[i] += 3
				}
			}
		}
		if n == 0 {
			daily, dates = nil, nil
		}
		S := 2 * (1 + rng.IntN(MaxBlocks/2))
		g := Grid{Start: d0 + data.Date(rng.IntN(400)-200), BlockDays: 1 + rng.IntN(40), Blocks: S}
		m, sums := momentsSums(daily, dates, g, make([]float64, 0, 2*S))
		meanM := rng.NormFloat64() * 0.01
		if trial%2 == 0 && n > 0 {
			var sum float64
			for _, v := range daily {
				sum += v
			}
			meanM = sum / float64(n)
		}
		// Every stretch of zeros, or some of them, or none: the same sums.
		flats := zeroStretches(daily, 1+rng.IntN(2*minRun))
		if trial%2 == 1 {
			flats = slices.DeleteFunc(flats, func(results.Flat) bool { return rng.IntN(2) == 0 })
		}
		m2, sums2, ssM := momentsSquares(daily, dates, g, make([]float64, 0, 2*S), meanM, flats)
		if want := results.SumSquares(daily, meanM); !bits(ssM, want) || m2 != m && !(m2.N == m.N && bits(m2.Skew, m.Skew) && bits(m2.Kurt, m.Kurt)) {
			t.Fatalf("trial %d (n %d): squares %v, want %v; moments %+v, want %+v", trial, n, ssM, want, m2, m)
		}
		for i := range sums {
			if !bits(sums2[i], sums[i]) {
				t.Fatalf("trial %d: sum %d = %v with the squares, %v without", trial, i, sums2[i], sums[i])
			}
		}
		wantS, wantK := math.NaN(), math.NaN()
		if n >= 4 {
			wantS, wantK = stat.Skew(daily, nil), stat.ExKurtosis(daily, nil)+3
		}
		if m.N != n || !bits(m.Skew, wantS) || !bits(m.Kurt, wantK) {
			t.Fatalf("trial %d (n %d): %+v, want skew %v kurt %v", trial, n, m, wantS, wantK)
		}
		want := g.Sums(nil, dates, daily)
		if len(sums) != len(want) {
			t.Fatalf("trial %d: %d sums, want %d", trial, len(sums), len(want))
		}
		for i := range want {
			if !bits(sums[i], want[i]) {
				t.Fatalf("trial %d (n %d, grid %+v): sum %d = %v, want %v", trial, n, g, i, sums[i], want[i])
			}
		}
	}
}
