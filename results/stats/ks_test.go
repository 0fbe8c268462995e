package stats

import (
	"math"
	"testing"
)

func TestKolmogorovQ(t *testing.T) {
	// mpmath sums of 2 Σ (-1)^{j-1} exp(-2 j² λ²); λ = 0.5 and 1.0 use the
	// theta-function branch, 1.36 the direct series.
	for _, c := range []struct{ l, want float64 }{
		{0.5, 0.963945243664875},
		{1.0, 0.269999671677355},
		{1.36, 0.0494858767553779},
	} {
		if got := KolmogorovQ(c.l); !near(got, c.want, 1e-12) {
			t.Errorf("Q(%v) = %.15f, want %.15f", c.l, got, c.want)
		}
	}
	// The two branches agree at the switch point.
	a := KolmogorovQ(1.18)
	b := KolmogorovQ(math.Nextafter(1.18, 0))
	if !near(a, b, 1e-12) {
		t.Errorf("branches disagree at 1.18: %v vs %v", a, b)
	}
	if KolmogorovQ(0) != 1 || !math.IsNaN(KolmogorovQ(math.NaN())) {
		t.Error("Q(0) should be 1 and Q(NaN) NaN")
	}
}

func TestKSUniform(t *testing.T) {
	// x = 0.1, 0.5, 0.9 (n = 3): D+ = max(1/3-.1, 2/3-.5, 1-.9) = 0.2333...;
	// D- = max(.1-0, .5-1/3, .9-2/3) = 0.2333... → D = 7/30.
	d, p := KSUniform([]float64{0.9, 0.1, 0.5})
	if !near(d, 7.0/30, 1e-15) {
		t.Errorf("D = %v, want 7/30", d)
	}
	sq := math.Sqrt(3)
	if want := KolmogorovQ((sq + 0.12 + 0.11/sq) * 7 / 30); p != want {
		t.Errorf("p = %v, want %v", p, want)
	}
	r := NewRand(14)
	u := make([]float64, 1000)
	for i := range u {
		u[i] = r.Float64()
	}
	if _, p := KSUniform(u); p < 0.001 {
		t.Errorf("uniform sample rejected: p = %v", p)
	}
	for i := range u {
		u[i] *= u[i] // squares of uniforms are not uniform
	}
	if _, p := KSUniform(u); p > 1e-6 {
		t.Errorf("squared uniforms accepted: p = %v", p)
	}
	// Size: under the null, p < 0.05 about 5% of the time; 400 samples of
	// 200 → expect 20 rejections, accept ≤ 40.
	rej := 0
	for range 400 {
		for i := range u[:200] {
			u[i] = r.Float64()
		}
		if _, p := KSUniform(u[:200]); p < 0.05 {
			rej++
		}
	}
	if rej > 40 {
		t.Errorf("%d of 400 uniform samples rejected at 5%%", rej)
	}
	if d, p := KSUniform(nil); !math.IsNaN(d) || !math.IsNaN(p) {
		t.Error("empty sample: want NaN")
	}
}
