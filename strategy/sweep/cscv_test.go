package sweep

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestCSCVTreeMatchesReference: the tree walk of pboOrdered gives bit for
// bit the PBOResult and the count of the straightforward CSCV it replaced
// (pboOrderedRef, every split summed from scratch), on slabs with ties
// (trials repeated, as they are or scaled by a power of 2, which keeps
// their Sharpe ratios bit for bit, and blocks rounded to a coarse grid),
// undefined Sharpe
// ratios (zero variance: -Inf), zero blocks, -0 sums and NaN, near-ties
// (copies moved by 1 to 3 ulps, where the fast comparisons cannot decide),
// constant returns (the variance cancels: no key), and sums the fast
// comparisons leave out (huge, tiny, infinite, negative sums of squares,
// squares without sums), for S up to 16 and any number of workers, in a
// shuffled slot order.
func TestCSCVTreeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, S := range []int{2, 4, 8, 14, 16} {
		for _, N := range []int{2, 3, 50, 1000} {
			if S == 16 && N == 1000 {
				N = 300 // the reference is slow
			}
			for kind := range 5 {
				m := 1 + rng.IntN(5)
				g := Grid{Start: 100, BlockDays: m, Blocks: S}
				sums := make([]float64, 0, N*2*S)
				for j := range N {
					row := make([]float64, 2*S)
					switch {
					case j > 0 && rng.IntN(6) == 0: // a tie: a copy of an earlier trial
						k := rng.IntN(j)
						copy(row, sums[k*2*S:(k+1)*2*S])
						if rng.IntN(2) == 0 { // scaled by 2^e: other sums, the same ratios bit for bit
							e := rng.IntN(5) - 2
							for b := range S {
								row[b] = math.Ldexp(row[b], e)
								row[S+b] = math.Ldexp(row[S+b], 2*e)
							}
						}
					case kind == 3 && j > 0 && rng.IntN(2) == 0: // a near-tie: moved by ulps
						k := rng.IntN(j)
						copy(row, sums[k*2*S:(k+1)*2*S])
						for range 1 + rng.IntN(3) {
							i := rng.IntN(2 * S)
							row[i] = nudge(row[i], rng.IntN(7)-3)
						}
					case kind == 4 && rng.IntN(2) == 0:
						extremeRow(rng, row, m)
					case rng.IntN(8) == 0: // never in the market: zero variance, -Inf
						if rng.IntN(2) == 0 {
							row[rng.IntN(S)] = math.Copysign(0, -1)
						}
					default:
						skill := rng.NormFloat64() * 0.01
						for b := range S {
							x := float64(m)*skill + rng.NormFloat64()*0.05
							if kind == 1 {
								x = math.Round(x*20) / 20 // coarse: many equal sums
							}
							if kind == 2 && rng.IntN(5) == 0 {
								x = 0
							}
							row[b] = x
							row[S+b] = x*x/float64(m) + float64(m)*0.0025*rng.Float64()
							if kind == 1 {
								row[S+b] = math.Round(row[S+b]*400) / 400
							}
						}
						if kind == 2 && rng.IntN(50) == 0 {
							row[rng.IntN(S)] = math.NaN()
						}
					}
					sums = append(sums, row...)
				}
				order := make([]int32, N)
				for j, p := range rng.Perm(N) {
					order[j] = int32(p)
				}
				want, wantCount := pboOrderedRef(g, sums, order, 1)
				for _, w := range []int{1, 2, 7} {
					got, err := pboOrdered(g, sums, order, w)
					if err != nil {
						t.Fatal(err)
					}
					if math.Float64bits(got.PBO) != math.Float64bits(want.PBO) || got != want {
						t.Fatalf("S=%d N=%d kind %d workers %d: %+v, reference %+v", S, N, kind, w, got, want)
					}
					for _, vec := range []bool{false, true} {
						c := newCSCVSlab(sums, order, S, float64(S/2*m))
						c.vec = vec && c.vec
						if got := cscvCount(c, w); got != wantCount {
							t.Fatalf("S=%d N=%d kind %d workers %d vector kernels %v: count %d, reference %d", S, N, kind, w, c.vec, got, wantCount)
						}
					}
				}
				if want.Splits != int(binom(S, S/2)) || wantCount < 0 || wantCount > int64(want.Splits) {
					t.Fatalf("S=%d N=%d: reference %+v count %d", S, N, want, wantCount)
				}
			}
		}
	}
}

// TestCSCVTasks: the subtrees of the walk cover every split exactly once
// (their leaves add up to C(S-1, S/2) = C(S,S/2)/2), whatever the workers.
func TestCSCVTasks(t *testing.T) {
	for _, S := range []int{2, 4, 8, 12, 14, 16, 24} {
		for _, w := range []int{1, 2, 7, 64} {
			var leaves int64
			for _, task := range cscvTasks(S, w) {
				leaves += task.leaves
			}
			if leaves != binom(S, S/2)/2 {
				t.Errorf("S=%d workers %d: %d leaves, want %d", S, w, leaves, binom(S, S/2)/2)
			}
		}
	}
}

// nudge moves x by k ulps (0 stays 0: a sum is 0 or at least niceMin).
func nudge(x float64, k int) float64 {
	if x == 0 {
		return x
	}
	for ; k > 0; k-- {
		x = math.Nextafter(x, math.Inf(1))
	}
	for ; k < 0; k++ {
		x = math.Nextafter(x, math.Inf(-1))
	}
	return x
}

// extremeRow fills row (S sums, then S sums of squares, of blocks of m
// days) with one of the cases the fast comparisons must leave to sharpeOf:
// constant returns (the variance cancels to about 0), sums beyond niceMin
// or niceMax, infinite sums, negative sums of squares, or squares without
// sums.
func extremeRow(rng *rand.Rand, row []float64, m int) {
	S := len(row) / 2
	c := rng.NormFloat64() * 0.01
	for b := range S {
		x := rng.NormFloat64() * 0.05
		row[b], row[S+b] = x, x*x/float64(m)+float64(m)*0.0025*rng.Float64()
	}
	b := rng.IntN(S)
	switch rng.IntN(7) {
	case 0: // constant returns c every day: variance 0 up to rounding
		for b := range S {
			row[b], row[S+b] = float64(m)*c, float64(m)*c*c
		}
	case 1: // nearly constant: the variance cancels to a few ulps
		for b := range S {
			row[b], row[S+b] = float64(m)*c, nudge(float64(m)*c*c, rng.IntN(5)-1)
		}
	case 2:
		row[b] *= 0x1p210
		row[S+b] *= 0x1p420
	case 3:
		row[b] *= 0x1p-210
		row[S+b] *= 0x1p-420
	case 4:
		row[b] = math.Inf(2*rng.IntN(2) - 1)
	case 5:
		row[S+b] = -row[S+b]
	case 6:
		row[b] = 0
	}
}

// phi is φ(r) = sign(r)·r²·n/(n-1) in exact arithmetic (big.Float, then
// rounded).
func phi(r, n float64) float64 {
	x := new(big.Float).SetPrec(200).SetFloat64(r)
	x.Mul(x, new(big.Float).SetFloat64(math.Abs(r)))
	x.Mul(x, new(big.Float).SetFloat64(n))
	x.Quo(x, new(big.Float).SetPrec(200).SetFloat64(n-1))
	f, _ := x.Float64()
	return f
}

// keyCase draws the sums s, q of a side of n days as a fast position can
// hold them: nonzero sums of magnitude in [2^-252, 2^205], variance from
// about the mean's square down to where the key gives up (cancellation), or
// an empty side.
func keyCase(rng *rand.Rand) (s, q, n float64) {
	n = float64(2 + rng.IntN(5000))
	scale := math.Ldexp(1, rng.IntN(300)-150)
	s = rng.NormFloat64() * scale
	v := math.Ldexp(rng.Float64()+0.01, -rng.IntN(40)) // variance / mean²
	switch rng.IntN(10) {
	case 0:
		return 0, 0, n
	case 1:
		return 0, scale * scale * rng.Float64(), n
	case 2:
		return s, 0, n
	}
	q = s * s / n * (1 + v*n)
	return s, q, n
}

// TestSharpeKeyBound: wherever sharpeKey gives a number, it is within
// 2^-26 (relative) of φ(sharpeOf), computed exactly, with the sign of the
// ratio; where it gives -Inf, sharpeOf gives -Inf. Over a million sides of
// every magnitude a fast position allows and variances down to 2^-40 of the
// mean's square (where the key must give up: NaN), and n from 2 to 5,001.
func TestSharpeKeyBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var keyed, undecided int
	for range 1_000_000 {
		s, q, n := keyCase(rng)
		z, r := sharpeKey(s, q, n), sharpeOf(s, q, n)
		switch {
		case math.IsNaN(z):
			undecided++
		case math.IsInf(z, -1):
			if !math.IsInf(r, -1) {
				t.Fatalf("sharpeKey(%g, %g, %g) = -Inf, sharpeOf = %g", s, q, n, r)
			}
		default:
			keyed++
			f := phi(r, n)
			if math.IsInf(r, 0) || math.Abs(z-f) > 0x1p-26*math.Abs(f) || math.Signbit(z) != math.Signbit(r) && z != 0 {
				t.Fatalf("sharpeKey(%g, %g, %g) = %g, φ(sharpeOf) = %g (ratio %g)", s, q, n, z, f, r)
			}
		}
	}
	if keyed < 500_000 || undecided == 0 {
		t.Fatalf("%d keyed, %d undecided: the cases miss a regime", keyed, undecided)
	}
}

// TestKeyDecisions: every decision the leaf takes from keys is the one the
// exact Sharpe ratios take: a key below (above) bounds(x) has a ratio
// below (above) x, and a key below cutBelow of another key has a ratio
// below that trial's. Pairs of sides are drawn near-tied (the second moved
// by a few ulps, or scaled by 1 ± 2^-k) and far apart, and x is a ratio, 0,
// ±Inf, or extreme.
func TestKeyDecisions(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var decided, open int
	for range 1_000_000 {
		s, q, n := keyCase(rng)
		w := &cscvWalk{cscvSlab: &cscvSlab{n: n}, cn: n / (n - 1)}
		s2, q2 := s, q
		switch rng.IntN(4) {
		case 0:
			s2, q2 = nudge(s, rng.IntN(9)-4), nudge(q, rng.IntN(9)-4)
		case 1:
			f := 1 + math.Ldexp(rng.NormFloat64(), -rng.IntN(40))
			s2 = s * f
		case 2:
			s2, q2, _ = keyCase(rng)
		case 3:
			q2 = nudge(q, rng.IntN(3)-1)
		}
		z, r := sharpeKey(s, q, n), sharpeOf(s, q, n)
		z2, x := sharpeKey(s2, q2, n), sharpeOf(s2, q2, n)
		switch rng.IntN(20) {
		case 0:
			x = 0
		case 1:
			x = math.Inf(2*rng.IntN(2) - 1)
		case 2:
			x = math.Ldexp(rng.NormFloat64(), 290+rng.IntN(40)*(2*rng.IntN(2)-1))
		}
		lo, hi := w.bounds(x)
		switch {
		case z < lo:
			decided++
			if !(r < x) {
				t.Fatalf("key %g < %g (x = %g) but ratio %g (s %g q %g n %g)", z, lo, x, r, s, q, n)
			}
		case z > hi:
			decided++
			if !(r > x) {
				t.Fatalf("key %g > %g (x = %g) but ratio %g (s %g q %g n %g)", z, hi, x, r, s, q, n)
			}
		default:
			open++
		}
		if !math.IsNaN(z2) && z < cutBelow(z2) && !(r < sharpeOf(s2, q2, n)) {
			t.Fatalf("key %g below the cut %g of %g, but ratio %g not below %g", z, cutBelow(z2), z2, r, sharpeOf(s2, q2, n))
		}
	}
	if decided < 300_000 || open == 0 {
		t.Fatalf("%d decided, %d open: the cases miss a regime", decided, open)
	}
}

// TestVectorKernels: the vector kernels give, lane for lane, what the Go
// loops give: the same keys bit for bit (sharpeKey of sums added in the
// same order, over 1 to 4 blocks) and the first group with a candidate; the
// same weighted counts of keys below and above the bounds and the first
// group with an undecided key; the same block sums. Keys include -Inf
// (empty sides), NaN (cancelled variances), ±0 and values at the bounds.
func TestVectorKernels(t *testing.T) {
	if !vecOK() {
		t.Skip("no vector kernels on this CPU")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for round := range 300 {
		cnt := 4 + rng.IntN(200)
		nb := 1 + rng.IntN(4)
		stride := cnt + rng.IntN(5)
		n := float64(2 + rng.IntN(1000))
		s0, q0 := make([]float64, cnt), make([]float64, cnt)
		xs, xq := make([]float64, stride*nb), make([]float64, stride*nb)
		empty := rng.IntN(3) * 4 // a run of empty lanes first (keys -Inf)
		for i := range cnt {
			kind := rng.IntN(12)
			if i < empty {
				kind = 0
			}
			for b := -1; b < nb; b++ {
				x := rng.NormFloat64()
				q := x*x + rng.Float64()
				switch kind {
				case 0:
					x, q = 0, 0 // empty: key -Inf
				case 1:
					q = x * x / n // constant: the variance cancels
				case 2:
					x = 0 // key 0
				}
				if b < 0 {
					s0[i], q0[i] = x, q
				} else {
					xs[b*stride+i], xq[b*stride+i] = x, q
				}
			}
		}
		cut := []float64{math.Inf(-1), 0, rng.NormFloat64() * 0.01, math.Inf(1)}[rng.IntN(4)]
		k := make([]float64, cnt)
		stop := keysVec(&k[0], &s0[0], &q0[0], &xs[0], &xq[0], cnt, stride, nb, n, cut)
		want := cnt &^ 3
		for i := range cnt &^ 3 {
			s, q := s0[i], q0[i]
			for b := range nb {
				s += xs[b*stride+i]
				q += xq[b*stride+i]
			}
			z := sharpeKey(s, q, n)
			if i < min(stop+4, cnt&^3) && math.Float64bits(k[i]) != math.Float64bits(z) {
				t.Fatalf("round %d lane %d: vector key %g, sharpeKey %g", round, i, k[i], z)
			}
			if !(z <= cut) && want == cnt&^3 {
				want = i &^ 3
			}
		}
		if stop != want {
			t.Fatalf("round %d: keys stop at %d, want %d", round, stop, want)
		}

		keys := make([]float64, cnt)
		wt := make([]int64, cnt)
		for i := range keys {
			keys[i] = []float64{math.Inf(-1), math.NaN(), 0, math.Copysign(0, -1), -1, 1, rng.NormFloat64()}[rng.IntN(7)]
			wt[i] = 1 + rng.Int64N(5)
		}
		lo := rng.NormFloat64()
		hi := lo + []float64{0, 1e-9, 0.5}[rng.IntN(3)]
		if rng.IntN(4) == 0 {
			v := []float64{math.Inf(-1), 0}[rng.IntN(2)] // x = -Inf or ±0
			lo, hi = v, v
		}
		eq := math.NaN()
		if lo == hi {
			eq = lo
		}
		lt, gt, rstop := rankVec(&keys[0], &wt[0], cnt, lo, hi, eq)
		var wl, wg int64
		wstop := cnt &^ 3
		for g := 0; g < cnt&^3; g += 4 {
			var gl, gg int64
			open := false
			for _, z := range keys[g : g+4] {
				open = open || !(z < lo) && !(z > hi) && z != eq
			}
			if open {
				wstop = g
				break
			}
			for i, z := range keys[g : g+4] {
				gl += wt[g+i] * int64(b2i(z < lo))
				gg += wt[g+i] * int64(b2i(z > hi))
			}
			wl, wg = wl+gl, wg+gg
		}
		if lt != wl || gt != wg || rstop != wstop {
			t.Fatalf("round %d: rank (%d, %d) stop %d, want (%d, %d) stop %d", round, lt, gt, rstop, wl, wg, wstop)
		}

		ds, dq := make([]float64, cnt), make([]float64, cnt)
		if got := addVec(&ds[0], &dq[0], &s0[0], &q0[0], &xs[0], &xq[0], cnt); got != cnt&^3 {
			t.Fatalf("round %d: add did %d, want %d", round, got, cnt&^3)
		}
		for i := range cnt &^ 3 {
			if math.Float64bits(ds[i]) != math.Float64bits(s0[i]+xs[i]) || math.Float64bits(dq[i]) != math.Float64bits(q0[i]+xq[i]) {
				t.Fatalf("round %d lane %d: sums differ", round, i)
			}
		}
	}
}

// TestCSCVAllUndefined: where every trial's Sharpe ratio on a side is -Inf
// (never in the market: key -Inf; constant returns: no key, ratio -Inf or a
// number from the rounding of a zero variance), the in-sample best is the
// first trial, as in the reference, whatever the mix and order.
func TestCSCVAllUndefined(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for round := range 400 {
		S := []int{2, 4, 8}[rng.IntN(3)]
		N := 2 + rng.IntN(6)
		m := 2 + rng.IntN(4)
		g := Grid{Start: 1, BlockDays: m, Blocks: S}
		sums := make([]float64, 0, N*2*S)
		for range N {
			row := make([]float64, 2*S)
			if rng.IntN(3) > 0 { // constant returns c in some blocks
				c := math.Ldexp(1+rng.Float64(), -rng.IntN(8))
				for b := range S {
					if rng.IntN(2) == 0 {
						row[b], row[S+b] = float64(m)*c, float64(m)*c*c
					}
				}
			}
			sums = append(sums, row...)
		}
		order := make([]int32, N)
		for j, p := range rng.Perm(N) {
			order[j] = int32(p)
		}
		want, wantCount := pboOrderedRef(g, sums, order, 1)
		for _, vec := range []bool{false, true} {
			c := newCSCVSlab(sums, order, S, float64(S/2*m))
			c.vec = vec && c.vec
			if got := cscvCount(c, 1); got != wantCount {
				t.Fatalf("round %d S=%d N=%d vector kernels %v: count %d, reference %d (PBO %v)", round, S, N, c.vec, got, wantCount, want.PBO)
			}
		}
	}
}
