package sweep

import (
	"math"
	"math/bits"
)

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
// After an attempt that fails it adds minRun/2 days one by one before the
// next (the reasons mostly last a while: a sum near zero, a tie).
func addConst(s, c float64, k int) float64 {
	for k >= minRun {
		if t, m := addSteps(s, c, k); m > 0 {
			s, k = t, k-m
			continue
		}
		for range minRun / 2 {
			s += c
		}
		k -= minRun / 2
	}
	for ; k > 0; k-- {
		s += c
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

// constAdder is addConst for one addend c added to one chain of sums again
// and again (a sweep's zero returns, stretch after stretch): the step of a
// binade, δ in units of its spacing u, depends on the binade and c alone,
// so it is found once per binade the sum is in rather than once per run.
// Inside the binade of s (sign and exponent e, u = 2^(e-52)), s = S·u with
// an integer S in [2^52, 2^53); when neither S nor S + k·δ (nor so any
// step between) is at the binade's ends (S in [2^52+1, 2^53-2]), every
// exact sum s + j·δ·u + c lies more than u/2 inside the binade, where the
// grid's spacing is u, and rounds to s + (j+1)·δ·u unless c/u - δ is a tie
// (±1/2): k steps are S + k·δ (the argument of addSteps, Goldberg 1991).
// Anything else takes addConst.
type constAdder struct {
	c    float64
	key  uint64 // sign and exponent bits of the binade d is for (noKey: none)
	d    int64  // the step, in units of the binade's spacing: |d| < 2^50
	kmax uint64 // runs shorter than this take steps at once (|k·d| < 2^62)
	seen uint64 // the binade last looked at
}

// noKey is a constAdder's key of no binade (keys are 12 bits).
const noKey = 1 << 12

// newConstAdder returns the adder of c.
func newConstAdder(c float64) constAdder {
	return constAdder{c: c, key: noKey, seen: noKey}
}

// add returns s after k additions s += c, bit for bit the loop.
func (a *constAdder) add(s float64, k int) float64 {
	if t, ok := a.fast(s, k); ok {
		return t
	}
	return a.slow(s, k)
}

// fast is add in the usual case, a sum in the binade of the last run, small
// enough to inline; ok is false when it cannot (then add).
func (a *constAdder) fast(s float64, k int) (_ float64, ok bool) {
	bits := math.Float64bits(s)
	// The fraction bits F = S - 2^52 before and after, both in
	// [1, 2^52-2] (unsigned: below 1 wraps above); k < kmax, so k·d
	// fits.
	f := bits & (1<<52 - 1)
	t := f + uint64(k)*uint64(a.d)
	if bits>>52 == a.key && f-1 < 1<<52-2 && t-1 < 1<<52-2 && uint64(k) < a.kmax {
		return math.Float64frombits(bits - f + t), true
	}
	return s, false
}

// slow is add after a change of binade, or where steps cannot be taken at
// once.
func (a *constAdder) slow(s float64, k int) float64 {
	if key := math.Float64bits(s) >> 52; key != a.seen {
		a.seen = key
		a.binade(key)
		if t, ok := a.fast(s, k); ok {
			return t
		}
	}
	return addConst(s, a.c, k)
}

// binade finds the step of c on the binade key (sign and exponent bits):
// a.key is key when steps can be taken at once there, else noKey.
func (a *constAdder) binade(key uint64) {
	a.key, a.d, a.kmax = noKey, 0, 0
	exp := key & 0x7ff
	c := a.c
	if key>>11 != 0 {
		c = -c // -|s| + c = -(|s| - c)
	}
	// u normal, s finite, |c| below a quarter of the binade's first
	// value.
	if exp <= 52 || exp >= 0x7ff || !(math.Abs(c) < math.Float64frombits((exp-2)<<52)) {
		return
	}
	// c/u = c·2^(52-e) (e = exp-1023), a multiplication by a power of two
	// (normal: exp is in (52, 2047)), exact unless it underflows, and
	// rounded as the division would be then.
	q := c * math.Float64frombits((2098-exp)<<52)
	d := math.Round(q)
	if math.Abs(q-d) == 0.5 {
		return // a tie: the step depends on the last bit of s
	}
	// |d| < 2^L: k < 2^(62-L) keeps |k·d| below 2^62.
	a.key, a.d, a.kmax = key, int64(d), 1<<(62-bits.Len64(uint64(math.Abs(d))))
}
