package sweep

import "math"

// minRun is the shortest run of additions addConst tries to take at once.
const minRun = 16

// addConst returns s after k additions s += c, each rounded as Go rounds
// it (IEEE 754 binary64, round to nearest, ties to even), bit for bit the
// loop. While s stays inside one binade [2^e, 2^(e+1)) the grid of its
// values has one spacing u, s is on it, and s + c rounds to s + δ with the
// same δ (c rounded to a multiple of u) at every step unless c - δ is a
// tie (±u/2), so k steps are s + k·δ, exact in integer multiples of u
// (see Goldberg 1991, "What every computer scientist should know about
// floating-point arithmetic", ACM Computing Surveys 23(1), §1.2 and
// Theorem 11 (Sterbenz) for the exact differences). Elsewhere (s zero,
// subnormal or not finite, c not small beside s, a tie, a binade left) it
// adds day by day.
func addConst(s, c float64, k int) float64 {
	for k > 0 {
		if k >= minRun {
			if t, m := addSteps(s, c, k); m > 0 {
				s, k = t, k-m
				continue
			}
		}
		s += c
		k--
	}
	return s
}

// addSteps takes up to k of addConst's steps inside the binade of s at
// once: it returns s after m steps, m = 0 when it cannot.
func addSteps(s, c float64, k int) (float64, int) {
	neg := s < 0
	if neg {
		s, c = -s, -c
	}
	// s normal and finite, with u = 2^(e-52) normal; c small beside s (so
	// u is a multiple of c's spacing and c - δ is exact).
	bits := math.Float64bits(s)
	exp := bits >> 52
	if exp <= 52 || exp >= 0x7ff || !(math.Abs(c) < s/4) {
		return 0, 0
	}
	t := s + c
	tb := math.Float64bits(t)
	if tb>>52 != exp {
		return 0, 0
	}
	const one = int64(1) << 52 // the binade's first value, in units u
	S := int64(bits&(1<<52-1)) | one
	D := int64(tb&(1<<52-1)) | one - S
	u := math.Float64frombits((exp - 52) << 52)
	if math.Abs(c-(t-s)) == u/2 {
		return 0, 0 // a tie: the step depends on the last bit of s
	}
	// Every step's exact sum must stay on the binade's grid: at most
	// 2^53-1 units - 1/2 going up (S+m·D <= 2^53-2), at least 2^52 units
	// going down (S+m·D-1/2 >= 2^52).
	var m int64
	switch {
	case D == 0:
		if c > 0 && S > 2*one-2 || c < 0 && S < one+1 {
			return 0, 0
		}
		m = int64(k)
	case D > 0:
		m = min(int64(k), (2*one-2-S)/D)
	default:
		m = min(int64(k), (S-one-1)/(-D))
	}
	if m <= 0 {
		return 0, 0
	}
	r := math.Float64frombits(exp<<52 | uint64(S+m*D-one))
	if neg {
		r = -r
	}
	return r, int(m)
}
