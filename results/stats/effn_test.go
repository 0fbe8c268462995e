package stats

import (
	"math"
	"testing"
)

func TestEffectiveNHandWorked(t *testing.T) {
	// x = 1, 1, -1, -1, 1, 1, -1, -1: n = 8, mean 0, R(0) = 8/8 = 1.
	// Lag-1 products: 1,-1,1,-1,1,-1,1 → sum 1 → ρ1 = 1/8 = 0.125.
	// Lag-2 products: six times -1 → ρ2 = -6/8 = -0.75.
	// Lag-3 products: -1,1,-1,1,-1 → sum -1 → ρ3 = -0.125.
	// Geyer pairs: Γ0 = ρ0+ρ1 = 1.125 > 0; Γ1 = ρ2+ρ3 = -0.875 ≤ 0 → stop,
	// K = 2·1-1 = 1. τ = 1 + 2(1-1/8)(0.125) = 1.21875, n_eff = 8/1.21875.
	x := []float64{1, 1, -1, -1, 1, 1, -1, -1}
	rho := Autocorrelation(x, 3)
	for k, want := range []float64{1, 0.125, -0.75, -0.125} {
		if !near(rho[k], want, 1e-15) {
			t.Errorf("ρ%d = %v, want %v", k, rho[k], want)
		}
	}
	if got, want := EffectiveN(x), 8/1.21875; !near(got, want, 1e-12) {
		t.Errorf("EffectiveN = %v, want %v", got, want)
	}
}

func TestEffectiveNSimulated(t *testing.T) {
	// AR(1) with φ: Σ_{k≠0} ρ_k = 2φ/(1-φ), so τ = (1+φ)/(1-φ); φ = 0.5
	// gives τ = 3 and n_eff ≈ n/3. With n = 50000 the estimate is within a
	// few percent; accept ±10%.
	const n = 50000
	if got, want := EffectiveN(ar1(n, 0.5, 3)), n/3.0; math.Abs(got-want)/want > 0.10 {
		t.Errorf("AR(1) φ=0.5: n_eff = %v, want %v ± 10%%", got, want)
	}
	// iid: τ ≈ 1 (the Geyer sum keeps only a few noisy lags).
	if got := EffectiveN(ar1(n, 0, 4)); math.Abs(got-n)/n > 0.10 {
		t.Errorf("iid: n_eff = %v, want %v ± 10%%", got, float64(n))
	}
	// Negatively correlated: the formula exceeds n; clamped to n.
	alt := make([]float64, 100)
	for i := range alt {
		alt[i] = float64(1 - 2*(i%2))
	}
	if got := EffectiveN(alt); got != 100 {
		t.Errorf("alternating: n_eff = %v, want 100 (clamped)", got)
	}
	// A slow trend-like series: many positive lags, n_eff tiny but ≥ 1.
	if got := EffectiveN(ar1(200, 0.999, 5)); got < 1 || got > 20 {
		t.Errorf("near unit root: n_eff = %v, want in [1, 20]", got)
	}
}

func TestEffectiveNBadInput(t *testing.T) {
	if !math.IsNaN(EffectiveN(nil)) || !math.IsNaN(EffectiveN([]float64{1})) || !math.IsNaN(EffectiveN([]float64{2, 2, 2})) {
		t.Error("empty, single or constant series should give NaN")
	}
	if Autocorrelation([]float64{1}, 3) != nil {
		t.Error("Autocorrelation of one point should be nil")
	}
	if r := Autocorrelation([]float64{1, 2}, 10); len(r) != 2 {
		t.Errorf("maxLag not clamped: %v", r)
	}
}
