package stats

import (
	"math"
	"testing"
)

func TestPearsonSpearman(t *testing.T) {
	// x = 1,2,3; y = 1,2,4. x̄ = 2, ȳ = 7/3; dx = -1,0,1; dy = -4/3,-1/3,5/3.
	// Σdxdy = 4/3 + 5/3 = 3; Σdx² = 2; Σdy² = 42/9. r = 3/sqrt(2·42/9).
	x, y := []float64{1, 2, 3}, []float64{1, 2, 4}
	if got, want := Pearson(x, y), 3/math.Sqrt(2*42.0/9); !near(got, want, 1e-14) {
		t.Errorf("Pearson = %v, want %v", got, want)
	}
	// A monotone but non-linear relation has Spearman 1.
	if got := Spearman([]float64{1, 2, 3, 4}, []float64{1, 8, 27, 64}); !near(got, 1, 1e-14) {
		t.Errorf("Spearman = %v, want 1", got)
	}
	// Ties get mid-ranks: 10, 20, 20, 30 → 1, 2.5, 2.5, 4.
	for i, want := range []float64{1, 2.5, 2.5, 4} {
		if r := Ranks([]float64{10, 20, 20, 30}); r[i] != want {
			t.Errorf("Ranks = %v", r)
		}
	}
	// Spearman with ties: ranks x = 1,2.5,2.5,4 and y = 1,2,3,4.
	// dx = -1.5,0,0,1.5; dy = -1.5,-.5,.5,1.5 (means 2.5). Σdxdy = 4.5;
	// Σdx² = 4.5; Σdy² = 5 → ρ = 4.5/sqrt(22.5).
	if got, want := Spearman([]float64{10, 20, 20, 30}, []float64{1, 2, 3, 4}), 4.5/math.Sqrt(22.5); !near(got, want, 1e-14) {
		t.Errorf("Spearman ties = %v, want %v", got, want)
	}
	if !math.IsNaN(Pearson([]float64{1, 2}, []float64{1})) || !math.IsNaN(Pearson([]float64{1, 1, 1}, []float64{1, 2, 3})) {
		t.Error("bad Pearson input: want NaN")
	}
}

func TestFisherCI(t *testing.T) {
	// mpmath: r = 0.5, n = 100, 95%: tanh(atanh(.5) ∓ 1.959964/sqrt(97)).
	lo, hi := FisherCI(0.5, 100, 0.95)
	if !near(lo, 0.336643304409092, 1e-9) || !near(hi, 0.634139840748544, 1e-9) {
		t.Errorf("FisherCI = [%v, %v]", lo, hi)
	}
	// r = 0 gives a symmetric interval.
	lo, hi = FisherCI(0, 50, 0.9)
	if !near(lo, -hi, 1e-15) || hi <= 0 {
		t.Errorf("FisherCI(0) = [%v, %v]", lo, hi)
	}
	for _, c := range []struct {
		r     float64
		n     int
		level float64
	}{{0.5, 3, 0.95}, {1.2, 50, 0.95}, {math.NaN(), 50, 0.95}, {0.5, 50, 1}} {
		if lo, hi := FisherCI(c.r, c.n, c.level); !math.IsNaN(lo) || !math.IsNaN(hi) {
			t.Errorf("FisherCI(%v, %d, %v) = [%v %v], want NaN", c.r, c.n, c.level, lo, hi)
		}
	}
	// Coverage sanity: correlated normal pairs with ρ = 0.6, n = 60, 1,000
	// seeded repetitions; Fisher's interval is close to exact for bivariate
	// normal data: accept [0.93, 0.97] (Monte Carlo SE 0.007).
	r := NewRand(10)
	const rho, n, reps = 0.6, 60, 1000
	x, y := make([]float64, n), make([]float64, n)
	covered := 0
	for range reps {
		for i := range x {
			a, b := r.NormFloat64(), r.NormFloat64()
			x[i], y[i] = a, rho*a+math.Sqrt(1-rho*rho)*b
		}
		if lo, hi := FisherCI(Pearson(x, y), n, 0.95); lo <= rho && rho <= hi {
			covered++
		}
	}
	if cov := float64(covered) / reps; cov < 0.93 || cov > 0.97 {
		t.Errorf("Fisher coverage %v", cov)
	}
}
