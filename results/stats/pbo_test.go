package stats

import (
	"math"
	"testing"
)

func TestPBOHandS2(t *testing.T) {
	// T = 4 rows, N = 2 trials, S = 2 blocks of 2 rows (A = rows 0-1,
	// B = rows 2-3), metric = mean.
	//   trial 0: A mean 1, B mean -1;  trial 1: A mean 0, B mean 0.
	// Train A: IS best = trial 0 (1 > 0); OOS on B: trial 0 = -1 < 0 → rank 1,
	//   ω = 1/3, λ = ln(1/2).
	// Train B: IS best = trial 1 (0 > -1); OOS on A: trial 1 = 0 < 1 → rank 1,
	//   λ = ln(1/2). Both ≤ 0 → PBO = 1.
	perf := [][]float64{{1, 0}, {1, 0}, {-1, 0}, {-1, 0}}
	pbo, logits, err := PBO(perf, 2, Mean)
	if err != nil {
		t.Fatal(err)
	}
	if pbo != 1 || len(logits) != 2 || !near(logits[0], math.Log(0.5), 1e-15) || !near(logits[1], math.Log(0.5), 1e-15) {
		t.Errorf("PBO = %v, logits %v; want 1, [ln ½, ln ½]", pbo, logits)
	}
}

func TestPBOHandS4(t *testing.T) {
	// T = 4, S = 4 blocks of one row, N = 3 trials, metric = mean (ranking by
	// the sum of the two rows is the same). Per row:
	//   A: 1, 1, 1, 1     B: 3, -1, 0, 0     C: 0, 0, 2, -1
	// Training sets in bitmask order, IS sums → best (first on ties), OOS
	// sums → mid-rank r of the best, ω = r/4, λ = ln(ω/(1-ω)):
	//   {0,1}: A2 B2 C0 → A;  OOS {2,3}: A2 B0 C1 → r=3,   λ = ln 3
	//   {0,2}: A2 B3 C2 → B;  OOS {1,3}: A2 B-1 C-1 → r=1.5, λ = ln(3/5)
	//   {1,2}: A2 B-1 C2 → A; OOS {0,3}: A2 B3 C-1 → r=2,   λ = 0
	//   {0,3}: A2 B3 C-1 → B; OOS {1,2}: A2 B-1 C2 → r=1,   λ = ln(1/3)
	//   {1,3}: A2 B-1 C-1 → A; OOS {0,2}: A2 B3 C2 → r=1.5, λ = ln(3/5)
	//   {2,3}: A2 B0 C1 → A;  OOS {0,1}: A2 B2 C0 → r=2.5, λ = ln(5/3)
	// λ ≤ 0 in 4 of 6 splits → PBO = 2/3.
	perf := [][]float64{{1, 3, 0}, {1, -1, 0}, {1, 0, 2}, {1, 0, -1}}
	pbo, logits, err := PBO(perf, 4, Mean)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{math.Log(3), math.Log(0.6), 0, math.Log(1.0 / 3), math.Log(0.6), math.Log(5.0 / 3)}
	if !near(pbo, 2.0/3, 1e-15) {
		t.Errorf("PBO = %v, want 2/3", pbo)
	}
	for i := range want {
		if i >= len(logits) || !near(logits[i], want[i], 1e-12) {
			t.Fatalf("logits = %v, want %v", logits, want)
		}
	}
}

func noiseMatrix(T, N int, r interface{ NormFloat64() float64 }) [][]float64 {
	m := make([][]float64, T)
	for t := range m {
		m[t] = make([]float64, N)
		for j := range m[t] {
			m[t][j] = r.NormFloat64()
		}
	}
	return m
}

// TestPBONoise: when every trial is pure noise the in-sample winner's
// out-of-sample rank is uniform on 1..N, so with an even N the probability
// of λ ≤ 0 is exactly 1/2. The splits of one matrix are strongly dependent,
// so one matrix's PBO is noisy; average over M = 40 independent seeded
// matrices (N = 10, T = 400, S = 8: 70 splits each) and compare with 1/2
// using the spread across matrices: |mean - 1/2| < 4 s/√M (a 4-sigma
// bound, false alarm rate ~1e-4), and, as a loose absolute guard,
// |mean - 1/2| < 0.1.
func TestPBONoise(t *testing.T) {
	r := NewRand(31)
	const M = 40
	vals := make([]float64, M)
	for i := range vals {
		pbo, _, err := PBO(noiseMatrix(400, 10, r), 8, Mean)
		if err != nil {
			t.Fatal(err)
		}
		vals[i] = pbo
	}
	mean := Mean(vals)
	var ss float64
	for _, v := range vals {
		ss += (v - mean) * (v - mean)
	}
	s := math.Sqrt(ss / (M - 1))
	t.Logf("noise PBO: mean %.4f, sd across matrices %.4f", mean, s)
	if math.Abs(mean-0.5) > 4*s/math.Sqrt(M) || math.Abs(mean-0.5) > 0.1 {
		t.Errorf("noise PBO mean %.4f (sd %.4f), want 1/2", mean, s)
	}
	// One matrix with the paper's S = 16 (12,870 splits) stays in range.
	pbo, logits, err := PBO(noiseMatrix(320, 6, r), 0, Mean)
	if err != nil || len(logits) != 12870 || pbo <= 0.05 || pbo >= 0.95 {
		t.Errorf("S=16 noise: PBO %v, %d logits, err %v", pbo, len(logits), err)
	}
}

// TestPBODominant: one trial has a real edge (mean 0.3 sd 1 per period, the
// others mean 0). On 400-row halves its mean is 0.3 ± 0.05 while the best of
// 9 noise means is about 1.5·0.05 = 0.075, so it wins in and out of sample
// in essentially every split: PBO ≈ 0.
func TestPBODominant(t *testing.T) {
	r := NewRand(32)
	perf := noiseMatrix(800, 10, r)
	for _, row := range perf {
		row[4] += 0.3
	}
	pbo, _, err := PBO(perf, 8, Mean)
	if err != nil {
		t.Fatal(err)
	}
	if pbo > 0.02 {
		t.Errorf("dominant trial: PBO = %v, want ≈ 0", pbo)
	}
}

func TestPBOErrors(t *testing.T) {
	good := noiseMatrix(20, 3, NewRand(1))
	cases := []struct {
		name   string
		perf   [][]float64
		S      int
		metric func([]float64) float64
	}{
		{"nil metric", good, 4, nil},
		{"empty", nil, 4, Mean},
		{"odd S", good, 5, Mean},
		{"S too big", good, 26, Mean},
		{"S negative", good, -2, Mean},
		{"one trial", [][]float64{{1}, {2}, {3}, {4}}, 2, Mean},
		{"ragged", [][]float64{{1, 2}, {3}}, 2, Mean},
		{"too few rows", good[:3], 4, Mean},
	}
	for _, c := range cases {
		if pbo, _, err := PBO(c.perf, c.S, c.metric); err == nil || !math.IsNaN(pbo) {
			t.Errorf("%s: want error and NaN, got %v, %v", c.name, pbo, err)
		}
	}
	// Leftover rows are dropped from the start: 21 rows with S = 4 use rows
	// 1..20, so prepending a wild row changes nothing.
	wild := append([][]float64{{1e9, -1e9, 0}}, good...)
	p1, _, _ := PBO(good, 4, Mean)
	p2, _, _ := PBO(wild, 4, Mean)
	if p1 != p2 {
		t.Errorf("dropped row changed PBO: %v vs %v", p1, p2)
	}
	// NaN metric values rank last and never panic.
	pbo, _, err := PBO(good, 4, func([]float64) float64 { return math.NaN() })
	if err != nil || math.IsNaN(pbo) {
		t.Errorf("NaN metric: %v, %v", pbo, err)
	}
}
