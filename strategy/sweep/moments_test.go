package sweep

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat"
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
