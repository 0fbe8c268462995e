package stats

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// Reference values marked "mpmath" were computed independently of this code
// with Python's mpmath at 30 digits, from the paper formulas:
//
//	Phi = lambda x: (1 + erf(x/sqrt(2)))/2;  Q = lambda p: sqrt(2)*erfinv(2p-1)
//	psr = Phi((sr-b)*sqrt(n-1)/sqrt(1-g3*sr+(g4-1)/4*sr**2))
//	emax = sqrt(V)*((1-euler)*Q(1-1/N) + euler*Q(1-1/(N*e)))
//	mintrl = 1 + (1-g3*sr+(g4-1)/4*sr**2)*(Q(p)/(sr-b))**2

func TestDSRPaperExample(t *testing.T) {
	// Bailey & López de Prado (2014), "The deflated Sharpe ratio", numerical
	// example: N = 100 trials, variance of the trials' annualised Sharpe
	// ratios 1/2, T = 1250 daily returns (five years of 250 days), selected
	// annualised SR 2.5, skewness -3, kurtosis 10. The paper reports
	// SR₀ ≈ 0.1132 (per day) and DSR ≈ 0.9004; its digits stop at 4, so check
	// those to 5e-5 and the mpmath values to 1e-9.
	const days = 250.0
	sr0 := ExpectedMaxSharpe(100, 0.5/days)
	if !near(sr0, 0.1132, 5e-5) || !near(sr0, 0.113172001865132, 1e-9) {
		t.Errorf("SR0 = %.12f, want 0.1132 (paper), 0.113172001865 (mpmath)", sr0)
	}
	dsr := DSR(2.5/math.Sqrt(days), 1250, -3, 10, 100, 0.5/days)
	if !near(dsr, 0.9004, 5e-5) || !near(dsr, 0.900396834449391, 1e-9) {
		t.Errorf("DSR = %.12f, want 0.9004 (paper), 0.900396834449 (mpmath)", dsr)
	}
	// Same figures with the per-day Sharpe written out: 2.5/sqrt(250) =
	// 0.158113883008419 (mpmath).
	if got := PSR(0.158113883008419, sr0, 1250, -3, 10); !near(got, dsr, 1e-12) {
		t.Errorf("PSR(SR0) = %v, want DSR %v", got, dsr)
	}
}

func TestExpectedMaxSharpe(t *testing.T) {
	// mpmath: N = 10, V = 1 → 1.57459830134575; N = 1000, V = 0.25 →
	// 1.62756075682636.
	if got := ExpectedMaxSharpe(10, 1); !near(got, 1.57459830134575, 1e-9) {
		t.Errorf("E[max] N=10 = %v", got)
	}
	if got := ExpectedMaxSharpe(1000, 0.25); !near(got, 1.62756075682636, 1e-9) {
		t.Errorf("E[max] N=1000 = %v", got)
	}
	// Monte Carlo cross-check: the mean of the maximum of 100 standard
	// normals is 2.5076 (tabulated); the approximation is within 1.5%.
	r := NewRand(8)
	var s float64
	const reps = 20000
	for range reps {
		m := math.Inf(-1)
		for range 100 {
			m = math.Max(m, r.NormFloat64())
		}
		s += m
	}
	if mc, f := s/reps, ExpectedMaxSharpe(100, 1); math.Abs(f-mc)/mc > 0.015 {
		t.Errorf("E[max of 100 N(0,1)]: formula %v, simulation %v", f, mc)
	}
	if ExpectedMaxSharpe(1, 3) != 0 {
		t.Error("one trial: no selection, want 0")
	}
	if !math.IsNaN(ExpectedMaxSharpe(0, 1)) || !math.IsNaN(ExpectedMaxSharpe(5, -1)) || !math.IsNaN(ExpectedMaxSharpe(5, math.NaN())) {
		t.Error("bad input should give NaN")
	}
}

func TestPSR(t *testing.T) {
	cases := []struct {
		sr, b      float64
		n          int
		skew, kurt float64
		want       float64 // mpmath
	}{
		{0.1, 0.05, 252, -1, 6, 0.773682475567946},
		{0.08, 0, 500, -0.5, 4, 0.959796642705165},
	}
	for _, c := range cases {
		if got := PSR(c.sr, c.b, c.n, c.skew, c.kurt); !near(got, c.want, 1e-9) {
			t.Errorf("PSR(%v, %v, %d, %v, %v) = %.15f, want %.15f", c.sr, c.b, c.n, c.skew, c.kurt, got, c.want)
		}
	}
	// Second formulation: for normal returns (skew 0, kurtosis 3) the factor
	// is 1 + SR²/2, the iid-normal variance of the Sharpe ratio of Lo (2002),
	// "The statistics of Sharpe ratios", FAJ 58(4): PSR = Φ(Δ/SE) with
	// SE = sqrt((1 + SR²/2)/(n-1)).
	sr, n := 0.12, 300
	se := math.Sqrt((1 + sr*sr/2) / float64(n-1))
	if got, want := PSR(sr, 0, n, 0, 3), distuv.UnitNormal.CDF(sr/se); !near(got, want, 1e-14) {
		t.Errorf("normal PSR %v, Lo formula %v", got, want)
	}
	// Symmetry: SR equal to the benchmark gives 1/2.
	if got := PSR(0.2, 0.2, 100, -2, 9); got != 0.5 {
		t.Errorf("PSR at the benchmark = %v, want 0.5", got)
	}
	// Fatter tails and negative skew lower the PSR of a positive excess.
	if PSR(0.1, 0, 300, -1, 8) >= PSR(0.1, 0, 300, 0, 3) {
		t.Error("negative skew / fat tails should lower the PSR")
	}
	for _, bad := range []float64{
		PSR(0.1, 0, 1, 0, 3),
		PSR(math.NaN(), 0, 100, 0, 3),
		PSR(2, 0, 100, 5, 1), // factor 1 - 10 + 0 < 0
	} {
		if !math.IsNaN(bad) {
			t.Errorf("bad PSR input gave %v, want NaN", bad)
		}
	}
}

func TestMinTRL(t *testing.T) {
	// mpmath values.
	if got := MinTRL(0.1, 0.05, -1, 6, 0.95); !near(got, 1204.96683707246, 1e-7) {
		t.Errorf("MinTRL = %.10f, want 1204.96683707246", got)
	}
	if got := MinTRL(0.08, 0, -0.5, 4, 0.99); !near(got, 884.491765869621, 1e-7) {
		t.Errorf("MinTRL = %.10f, want 884.491765869621", got)
	}
	// Inverse of PSR: MinTRL is the n at which PSR reaches prob, so
	// PSR(⌈MinTRL⌉) ≥ prob > PSR(⌊MinTRL⌋).
	for _, c := range []struct{ sr, b, skew, kurt, p float64 }{
		{0.1, 0.05, -1, 6, 0.95}, {0.08, 0, -0.5, 4, 0.99}, {0.05, 0, 0, 3, 0.9},
	} {
		m := MinTRL(c.sr, c.b, c.skew, c.kurt, c.p)
		up, down := int(math.Ceil(m)), int(math.Floor(m))
		if PSR(c.sr, c.b, up, c.skew, c.kurt) < c.p || PSR(c.sr, c.b, down, c.skew, c.kurt) >= c.p {
			t.Errorf("MinTRL %v is not where PSR crosses %v", m, c.p)
		}
	}
	if !math.IsInf(MinTRL(0.05, 0.1, 0, 3, 0.95), 1) || !math.IsInf(MinTRL(0.1, 0.1, 0, 3, 0.95), 1) {
		t.Error("SR ≤ benchmark: want +Inf")
	}
	if !math.IsNaN(MinTRL(0.1, 0, 0, 3, 1)) || !math.IsNaN(MinTRL(0.1, 0, 0, 3, 0)) || !math.IsNaN(MinTRL(math.NaN(), 0, 0, 3, 0.9)) {
		t.Error("bad MinTRL input: want NaN")
	}
}
