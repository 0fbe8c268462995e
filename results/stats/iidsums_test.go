package stats

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// iidSumsRef is iidSumsOf as first written (kept verbatim as the
// reference the faster loop is tested against): the words, rejections
// and the order of every addition are the stored results'.
func iidSumsRef(src *pcg, d []float64, cnt int) (s1, s2 float64) {
	p := *src
	n := uint64(len(d))
	ni := cnt
	var u1, u2 float64
	k := 0
	if n < 1<<16 {
		n4 := n * n * n * n
		for k < ni {
			x := p.Uint64()
			i1, x := bits.Mul64(x, n)
			i2, x := bits.Mul64(x, n)
			i3, x := bits.Mul64(x, n)
			i4, x := bits.Mul64(x, n)
			if x < n4 && x < -n4%n4 {
				continue
			}
			if k+4 <= ni {
				a, b, c, e := d[i1], d[i2], d[i3], d[i4]
				s1 += a + b
				s2 += a*a + b*b
				u1 += c + e
				u2 += c*c + e*e
			} else {
				last := [4]uint64{i1, i2, i3, i4}
				for _, i := range last[:ni-k] {
					s1 += d[i]
					s2 += d[i] * d[i]
				}
			}
			k += 4
		}
	} else {
		n2 := n * n
		for k < ni {
			x := p.Uint64()
			i1, x := bits.Mul64(x, n)
			i2, x := bits.Mul64(x, n)
			if x < n2 && x < -n2%n2 {
				continue
			}
			s1 += d[i1]
			s2 += d[i1] * d[i1]
			if k+1 < ni {
				u1 += d[i2]
				u2 += d[i2] * d[i2]
			}
			k += 2
		}
	}
	*src = p
	return s1 + u1, s2 + u2
}

// TestIIDSumsMatchReference: iidSumsOf gives the reference's sums bit for
// bit and leaves the generator in the same state, for sizes on both sides
// of 2^16 (four and two indices a word), sizes whose n^4 or n^2 makes
// rejections frequent (n = 40,000: n^4/2^64 ≈ 14%; n = 3·2^30: n^2/2^64 =
// 56%) or impossible (n a power of two), and counts of every remainder
// modulo four, including zero and counts above n (an empty series: zero
// draws only).
func TestIIDSumsMatchReference(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 64, 1000, 40000, 65535, 65536, 70001} {
		d := benchData(n, uint64(n))
		for _, cnt := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, n, n + 1, n + 2, n + 3, 3*n + 5} {
			if n == 0 && cnt > 0 {
				continue // nothing to draw from
			}
			for seed := range uint64(3) {
				a, b := newStream(seed), newStream(seed)
				s1, s2 := iidSumsOf(&a, d, cnt)
				r1, r2 := iidSumsRef(&b, d, cnt)
				if s1 != r1 || s2 != r2 || a != b {
					t.Fatalf("n=%d cnt=%d seed=%d: sums (%v, %v) state %v, reference (%v, %v) state %v", n, cnt, seed, s1, s2, a, r1, r2, b)
				}
			}
		}
	}
}

// iidIndicesRef is blockSampler.iidIndices as first written: the
// reference of the indices every iid resample draws.
func iidIndicesRef(n int, p *pcg) []uint32 {
	nn := uint64(n)
	st := make([]uint32, n+4)
	k := 0
	if nn < 1<<16 {
		n4 := nn * nn * nn * nn
		for k < n {
			x := p.Uint64()
			i1, x := bits.Mul64(x, nn)
			i2, x := bits.Mul64(x, nn)
			i3, x := bits.Mul64(x, nn)
			i4, x := bits.Mul64(x, nn)
			if x < n4 && x < -n4%n4 {
				continue
			}
			st[k], st[k+1], st[k+2], st[k+3] = uint32(i1), uint32(i2), uint32(i3), uint32(i4)
			k += 4
		}
	} else {
		n2 := nn * nn
		for k < n {
			x := p.Uint64()
			i1, x := bits.Mul64(x, nn)
			i2, x := bits.Mul64(x, nn)
			if x < n2 && x < -n2%n2 {
				continue
			}
			st[k], st[k+1] = uint32(i1), uint32(i2)
			k += 2
		}
	}
	return st[:n]
}

// TestIIDIndicesMatchReference: the indices of consecutive iid resamples
// and the generator's state after each equal the reference's, on both
// sides of 2^16 and where rejections are frequent (n = 40,000).
func TestIIDIndicesMatchReference(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 8, 600, 40000, 65535, 65536, 70001} {
		smp := newBlockSampler(n, 1)
		a, b := newStream(uint64(n)), newStream(uint64(n))
		for r := range 3 {
			got := smp.iidIndices(&a)
			want := iidIndicesRef(n, &b)
			if a != b {
				t.Fatalf("n=%d resample %d: state %v, reference %v", n, r, a, b)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("n=%d resample %d: index %d = %d, reference %d", n, r, i, got[i], want[i])
				}
			}
		}
	}
}

// TestBlockResampleMatchesReference: the blocks of stationary resamples
// (mean block length 1.3 and 20) and blockSums over them are those of the
// draws as first written: a start from the high half of a word (Lemire's
// method, rejecting low parts below 2^32 mod n with fresh words), the
// length from the low half, until n values are covered.
func TestBlockResampleMatchesReference(t *testing.T) {
	for _, n := range []int{5, 333, 4000} {
		x := benchData(n, 8)
		ps := make([]float64, 2*(n+1))
		for i, v := range x {
			ps[2*i+2], ps[2*i+3] = ps[2*i]+v, ps[2*i+1]+v*v
		}
		for _, b := range []float64{1.3, 20} {
			smp := newBlockSampler(n, b)
			a, ref, sums := newStream(9), newStream(9), newStream(9)
			for r := range 5 {
				smp.resample(&a)
				var starts, lens []uint32
				nn := uint32(n)
				for filled := uint32(0); filled < nn; {
					w := ref.Uint64()
					m := (w >> 32) * uint64(nn)
					if uint32(m) < nn {
						for th := -nn % nn; uint32(m) < th; {
							m = (ref.Uint64() >> 32) * uint64(nn)
						}
					}
					l := min(uint32(smp.length(uint32(w))), nn-filled)
					filled += l
					starts, lens = append(starts, uint32(m>>32)), append(lens, l)
				}
				if a != ref || !slices.Equal(smp.starts, starts) || !slices.Equal(smp.lens, lens) {
					t.Fatalf("n=%d b=%v resample %d: blocks differ from the reference", n, b, r)
				}
				var w1, w2 float64
				for j, st := range starts {
					i, e := int(st), int(st)+int(lens[j])
					if e <= n {
						w1 += ps[2*e] - ps[2*i]
						w2 += ps[2*e+1] - ps[2*i+1]
					} else {
						e -= n
						w1 += ps[2*n] - ps[2*i] + ps[2*e]
						w2 += ps[2*n+1] - ps[2*i+1] + ps[2*e+1]
					}
				}
				s1, s2 := smp.blockSums(&sums, ps)
				if s1 != w1 || s2 != w2 || sums != ref {
					t.Fatalf("n=%d b=%v resample %d: blockSums (%v, %v), over the blocks (%v, %v)", n, b, r, s1, s2, w1, w2)
				}
			}
		}
	}
}

// TestClusterSumsMatchIndices: the fused draw-and-add of a cluster
// resample gives the sums of adding, in order, the moments of the clusters
// at the indices iidIndices draws (the reference of before), bit for bit,
// and leaves the generator where they leave it; on both sides of 2^16
// clusters, where rejections are frequent (40,000), and for every
// remainder of the count modulo four.
func TestClusterSumsMatchIndices(t *testing.T) {
	for _, G := range []int{1, 2, 3, 4, 5, 6, 7, 600, 40000, 65536, 70001} {
		x := benchData(G, uint64(G))
		ms := make([]mom, G)
		for g, v := range x {
			c := float64(1 + g%3)
			ms[g] = mom{v, c, v * v, v * c, c * c}
		}
		a, b := newStream(uint64(G)+1), newStream(uint64(G)+1)
		for r := range 3 {
			S, C, SS, SC, CC := clusterSums(&a, ms)
			var w [5]float64
			for _, i := range iidIndicesRef(G, &b) {
				m := ms[i]
				w[0] += m.s
				w[1] += m.c
				w[2] += m.ss
				w[3] += m.sc
				w[4] += m.cc
			}
			if [5]float64{S, C, SS, SC, CC} != w || a != b {
				t.Fatalf("G=%d resample %d: sums %v state %v, reference %v state %v", G, r, [5]float64{S, C, SS, SC, CC}, a, w, b)
			}
		}
	}
}

// binomialCDFRef is the distribution function of the flat split as first
// written: every term computed and summed.
func binomialCDFRef(n int, p float64) []float64 {
	cdf := make([]float64, n+1)
	nf := float64(n)
	lp, lq := math.Log(p), math.Log1p(-p)
	ln, _ := math.Lgamma(nf + 1)
	var c float64
	for k := 0; k <= n; k++ {
		kf := float64(k)
		lk, _ := math.Lgamma(kf + 1)
		lnk, _ := math.Lgamma(nf - kf + 1)
		c += math.Exp(ln - lk - lnk + kf*lp + (nf-kf)*lq)
		cdf[k] = c
	}
	return cdf
}

// TestBinomialCDFEqualsFullSum: binomialCDF, which skips the terms that
// cannot change the sum, writes the sum over every term bit for bit, for
// short series (nothing to skip), long ones (most of the n terms skipped
// on both sides of the mode) and shares of flat days from 1/4 to almost 1.
func TestBinomialCDFEqualsFullSum(t *testing.T) {
	for _, n := range []int{1, 4, 10, 100, 1000, 20000, 146091} {
		for _, p := range []float64{0.25, 0.5, 0.767, 0.9, 0.999, float64(n-1) / float64(n)} {
			if !(p > 0 && p < 1) {
				continue
			}
			want := binomialCDFRef(n, p)
			got := make([]float64, n+1)
			for i := range got {
				got[i] = math.NaN() // every entry must be written
			}
			binomialCDF(got, n, p)
			for k := range want {
				if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
					t.Fatalf("n=%d p=%v: cdf[%d] = %v, want %v", n, p, k, got[k], want[k])
				}
			}
		}
	}
}

// flatModeRef is the mode of newFlatSplit as first written: the first of
// the longest runs of equal values of a sorted copy.
func flatModeRef(x []float64) (mode float64, best int) {
	sorted := slices.Clone(x)
	slices.Sort(sorted)
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		if j-i > best {
			mode, best = sorted[i], j-i
		}
		i = j
	}
	return mode, best
}

// TestFlatModeEqualsSorted: flatMode returns the value and count of the
// sort as first written (the same value up to == , which is all a flat
// split compares it by), on series where one value holds from none to
// almost all of the days, two values tie, the repeated value comes as 0
// and -0, and short series. (No NaNs: the sort as first written never
// ends on one.)
func TestFlatModeEqualsSorted(t *testing.T) {
	rng := newStream(7)
	u := func() float64 { return float64(rng.Uint64()>>11) * 0x1p-53 }
	for trial := range 3000 {
		n := 1 + int(rng.Uint64()%400)
		if trial%100 == 0 {
			n = 20000
		}
		share, share2 := u(), u()*0.5
		x := make([]float64, n)
		for i := range x {
			switch r := u(); {
			case r < share:
				x[i] = 0
				if trial%3 == 0 && u() < 0.5 {
					x[i] = math.Copysign(0, -1)
				}
			case r < share+share2 && trial%2 == 0:
				x[i] = 0.5 // a second repeated value, sometimes tying
			default:
				x[i] = float64(rng.Uint64()%1000) - 500 // repeats too
			}
		}
		mode, best := flatMode(x)
		rm, rb := flatModeRef(x)
		if best != rb || mode != rm {
			t.Fatalf("trial %d (n=%d): flatMode = %v × %d, sorted: %v × %d", trial, n, mode, best, rm, rb)
		}
	}
	// an exact tie between two values more frequent than a fifth: the
	// smaller, as the sort finds it first
	x := append(slices.Repeat([]float64{3}, 40), slices.Repeat([]float64{-2}, 40)...)
	x = append(x, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11)
	if mode, best := flatMode(x); mode != -2 || best != 40 {
		t.Errorf("tie: flatMode = %v × %d, want -2 × 40", mode, best)
	}
}

// TestFlatModeNaN: NaN days (each unequal to every value, itself included)
// count as runs of one; they neither hang the sorted pass nor win it, and
// the Sharpe interval of returns with NaN days comes back (it used to loop
// forever in the sorted pass with a set block length of 1).
func TestFlatModeNaN(t *testing.T) {
	nan := math.NaN()
	for _, x := range [][]float64{
		{nan, nan, nan},
		{nan, 1, nan, 1, 2},
		append(slices.Repeat([]float64{nan}, 30), 0, 0, 0, 1, 2, 3),
	} {
		mode, best := flatMode(x)
		want, wantBest := 0.0, 0
		counts := map[float64]int{}
		for _, v := range x {
			if v == v {
				counts[v]++
			}
		}
		for v, c := range counts {
			if c > wantBest || (c == wantBest && v < want) {
				want, wantBest = v, c
			}
		}
		if wantBest == 0 {
			wantBest = 1 // only NaN days: a run of one
		}
		if best != wantBest || (wantBest > 1 && mode != want) {
			t.Errorf("flatMode(%v) = %v × %d, want %v × %d", x, mode, best, want, wantBest)
		}
	}
	x := make([]float64, 200)
	for i := range x {
		x[i] = float64(i%7) * 0.001
		if i%13 == 0 {
			x[i] = nan
		}
	}
	lo, hi, _ := SharpeCI(x, 365, 200, 0.95, 1, rand.New(rand.NewPCG(1, 2)))
	if lo == lo || hi == hi {
		t.Errorf("SharpeCI with NaN days = [%v, %v], want NaN bounds (a NaN day makes every resample's Sharpe NaN or the interval undefined)", lo, hi)
	}
}
