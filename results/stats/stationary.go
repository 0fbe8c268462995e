package stats

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// Sharpe returns the per-period Sharpe ratio of returns with a zero
// risk-free rate: mean / s, where s is the sample standard deviation (n-1
// denominator) (Sharpe 1994, "The Sharpe Ratio", Journal of Portfolio
// Management 21(1)). Multiply by sqrt(periods per year) to annualise. It
// returns NaN when n < 2 or s = 0.
func Sharpe(x []float64) float64 {
	n := len(x)
	if n < 2 {
		return math.NaN()
	}
	m := Mean(x)
	var ss float64
	for _, v := range x {
		d := v - m
		ss += d * d
	}
	s := math.Sqrt(ss / float64(n-1))
	if s == 0 {
		return math.NaN()
	}
	return m / s
}

// flatTop is the trapezoidal flat-top lag window of Politis & Romano (1995):
// λ(t) = 1 for |t| ≤ 1/2, 2(1-|t|) for 1/2 < |t| ≤ 1, and 0 beyond.
func flatTop(t float64) float64 {
	t = math.Abs(t)
	switch {
	case t <= 0.5:
		return 1
	case t <= 1:
		return 2 * (1 - t)
	}
	return 0
}

// OptimalBlockLength returns the automatic mean block length of the
// stationary bootstrap for the series x, by Politis & White (2004),
// "Automatic block-length selection for the dependent bootstrap",
// Econometric Reviews 23(1), with the correction of Patton, Politis & White
// (2009), Econometric Reviews 28(4):
//
//	R(k)  = (1/n) Σ_{t=1}^{n-k} (x_t - x̄)(x_{t+k} - x̄),  ρ(k) = R(k)/R(0)
//	K_N   = max(5, ⌈sqrt(log10 n)⌉),  m_max = ⌈sqrt n⌉ + K_N
//	m̂     = the smallest m ≥ 0 such that |ρ(m+j)| < 2 sqrt(log10(n)/n)
//	        for j = 1..K_N (m_max if there is none); M = min(2 m̂, m_max)
//	ĝ     = Σ_{|k|≤M} λ(k/M) R(k),   Ĝ = Σ_{|k|≤M} λ(k/M) |k| R(k)
//	b_SB  = (2 Ĝ² / D̂_SB)^{1/3} n^{1/3} with D̂_SB = 2 ĝ²  (the 2009 correction)
//
// where λ is the flat-top window (Politis & Romano 1995). The result is
// clamped to [1, ⌈min(3 sqrt n, n/3)⌉]. For serially uncorrelated data Ĝ ≈ 0
// and the length falls to 1, the ordinary bootstrap. It returns NaN when
// n < 4 or x is constant; when ĝ ≤ 0 (strong negative dependence) it falls
// back to n^{1/3}, clamped the same way.
func OptimalBlockLength(x []float64) float64 {
	n := len(x)
	if n < 4 {
		return math.NaN()
	}
	nf := float64(n)
	kn := max(5, int(math.Ceil(math.Sqrt(math.Log10(nf)))))
	mmax := int(math.Ceil(math.Sqrt(nf))) + kn
	bmax := math.Ceil(math.Min(3*math.Sqrt(nf), nf/3))
	maxLag := min(mmax+kn, n-1)
	// The autocovariances are computed as far as the rule reads them (a
	// few lags beyond m̂ and up to 2 m̂), not up to maxLag: for the
	// daily returns of centuries that is a few passes over the series
	// instead of hundreds. Each R(k) is the same sum in the same order.
	acov := lagCov{x: x, m: Mean(x)}
	r0 := acov.at(0)
	if !(r0 > 0) {
		return math.NaN()
	}
	thr := 2 * math.Sqrt(math.Log10(nf)/nf)
	mhat := mmax
	for m := 0; m+kn <= maxLag; m++ {
		ok := true
		for j := 1; j <= kn; j++ {
			if math.Abs(acov.at(m+j)/r0) >= thr {
				ok = false
				break
			}
		}
		if ok {
			mhat = m
			break
		}
	}
	bw := min(2*mhat, mmax, maxLag)
	g, G := r0, 0.0
	for k := 1; k <= bw; k++ {
		l := flatTop(float64(k) / float64(bw))
		g += 2 * l * acov.at(k)
		G += 2 * l * float64(k) * acov.at(k)
	}
	var b float64
	if g <= 0 {
		b = math.Cbrt(nf)
	} else {
		b = math.Cbrt(G*G/(g*g)) * math.Cbrt(nf)
	}
	return math.Min(math.Max(b, 1), bmax)
}

// autocov returns the biased sample autocovariances R(0..maxLag) of x:
// R(k) = (1/n) Σ_{t=0}^{n-1-k} (x_t - x̄)(x_{t+k} - x̄).
func autocov(x []float64, maxLag int) []float64 {
	return appendAutocov(make([]float64, 0, maxLag+1), x, Mean(x), maxLag+1)
}

// lagBlock is the number of lags appendAutocov sums in one pass over the
// series.
const lagBlock = 4

// appendAutocov appends R(k) of autocov, with m the mean of x, for k from
// len(out) up to (not including) upTo, at most len(x). Each R(k) is summed
// over t in increasing order, as one loop per lag would, but lagBlock lags
// share a pass: their sums are independent chains the processor adds side
// by side (TestAutocovBlocksMatchLoop).
func appendAutocov(out, x []float64, m float64, upTo int) []float64 {
	n := len(x)
	upTo = min(upTo, n)
	nf := float64(n)
	k := len(out)
	for ; k+lagBlock <= upTo; k += lagBlock {
		var s0, s1, s2, s3 float64
		end := n - k - (lagBlock - 1) // every lag of the block has t < end
		for t := 0; t < end; t++ {
			a := x[t] - m
			w := x[t+k : t+k+lagBlock : t+k+lagBlock]
			s0 += a * (w[0] - m)
			s1 += a * (w[1] - m)
			s2 += a * (w[2] - m)
			s3 += a * (w[3] - m)
		}
		// The tails: lag k+j runs to t = n-1-k-j.
		end = max(end, 0)
		for t := end; t < n-k; t++ {
			s0 += (x[t] - m) * (x[t+k] - m)
		}
		for t := end; t < n-k-1; t++ {
			s1 += (x[t] - m) * (x[t+k+1] - m)
		}
		for t := end; t < n-k-2; t++ {
			s2 += (x[t] - m) * (x[t+k+2] - m)
		}
		out = append(out, s0/nf, s1/nf, s2/nf, s3/nf)
	}
	for ; k < upTo; k++ {
		var s float64
		for t := 0; t+k < n; t++ {
			s += (x[t] - m) * (x[t+k] - m)
		}
		out = append(out, s/nf)
	}
	return out
}

// lagCov gives the autocovariances of x (mean m) on demand, lagBlock lags
// at a time.
type lagCov struct {
	x []float64
	m float64
	r []float64 // R(0..len(r)-1)
}

// at returns R(k), 0 ≤ k < len(x).
func (c *lagCov) at(k int) float64 {
	if k >= len(c.r) {
		c.r = appendAutocov(c.r, c.x, c.m, k+lagBlock)
	}
	return c.r[k]
}

// pcg is math/rand/v2's PCG generator (128-bit LCG with the DXSM output
// function, O'Neill 2014, "PCG: a family of simple fast space-efficient
// statistically good algorithms for random number generation", HMC-CS-2014-0905)
// with its state in a value, so that the bootstrap's hot loops keep it in
// registers instead of calling through *rand.PCG. pcg{hi: s1, lo: s2}
// produces exactly the sequence of rand.NewPCG(s1, s2)
// (TestPCGMatchesStdlib).
type pcg struct{ hi, lo uint64 }

// newStream returns the generator of NewRand(seed).
func newStream(seed uint64) pcg { return pcg{hi: seed, lo: seed ^ 0x9e3779b97f4a7c15} }

// Uint64 advances the state (state = state·mul + inc mod 2^128) and returns
// the DXSM output, as (*rand.PCG).Uint64 does.
func (p *pcg) Uint64() (x uint64) {
	*p, x = p.next()
	return x
}

// next returns the advanced generator and the output of Uint64, by value:
// a loop that writes p, x = p.next() keeps the state in registers, where
// calls through &p keep it in memory.
func (p pcg) next() (pcg, uint64) {
	const (
		mulHi    = 2549297995355413924
		mulLo    = 4865540595714422341
		incHi    = 6364136223846793005
		incLo    = 1442695040888963407
		cheapMul = 0xda942042e4dd58b5
	)
	hi, lo := bits.Mul64(p.lo, mulLo)
	hi += p.hi*mulLo + p.lo*mulHi
	lo, c := bits.Add64(lo, incLo, 0)
	hi, _ = bits.Add64(hi, incHi, c)
	p.lo, p.hi = lo, hi
	hi ^= hi >> 32
	hi *= cheapMul
	hi ^= hi >> 48
	hi *= lo | 1
	return p, hi
}

// lutBits is the number of leading bits of a 32-bit uniform that index the
// lookup table of the geometric block length.
const lutBits = 12

// blockSampler draws the blocks of stationary bootstrap resamples of a
// series of length n with mean block length b.
//
// For b > 1 it uses one 64-bit random word per block: the high 32 bits give
// the start I, uniform on {0..n-1} (Lemire's multiply-shift with
// rejection, exactly uniform: Lemire 2019, "Fast random integer generation
// in an interval", ACM TOMACS 29(1)); the low 32 bits u give the length
// L ~ Geometric(p = 1/b) by inversion against a table: with q = 1 - p and
// t_k = round(q^k · 2^32),
//
//	L = 1 + #{k ≥ 1 : u < t_k},   so P(L > k) = t_k / 2^32 = q^k (to 2^-33).
//
// Lengths are capped at n (a block never needs more). A table indexed by the
// top lutBits bits of u gives L directly for most buckets, and where to
// start counting for the few that hold a threshold, so a draw costs one
// lookup and rarely a comparison or two, whatever b is.
//
// For b = 1 (the ordinary iid bootstrap, every block of length 1) it draws
// four indices from each 64-bit word by the batched method of
// Brackett-Rozinsky & Lemire (2024), "Batched ranged random integer
// generation", Software: Practice and Experience: with x the word,
// (i_j, x) = the high and low halves of x·n for j = 1..4; the tuple is
// uniform on {0..n-1}⁴ once words whose final x < (2^64 mod n⁴) are
// rejected (see iidIndices).
type blockSampler struct {
	n   uint32
	iid bool
	thr []uint64 // thr[k-1] = t_k, decreasing; L > k iff u < thr[k-1]
	// lut[j] for the bucket of u with top bits j: L itself when it is the
	// same for every u of the bucket, else -(1 + #{k : top < t_k}) with top
	// the bucket's largest u, where the scan starts.
	lut []int32
	// buffers of one resample's blocks (starts, lengths), reused
	starts, lens []uint32
}

// newBlockSampler returns the sampler for n ≥ 1 values (n < 2^32) and mean
// block length b ≥ 1.
func newBlockSampler(n int, b float64) *blockSampler {
	s := &blockSampler{n: uint32(n), iid: !(b > 1), lut: make([]int32, 1<<lutBits)}
	if !s.iid {
		lq := math.Log1p(-1 / b)
		for k := 1; k < n; k++ {
			t := math.Round(math.Exp(float64(k)*lq) * (1 << 32))
			if t < 1 {
				break
			}
			s.thr = append(s.thr, uint64(t))
		}
	}
	// count(u) = #{k : u < t_k}: the thresholds decrease, so it is the
	// first k with t_k ≤ u.
	count := func(u uint64) int {
		return sort.Search(len(s.thr), func(k int) bool { return s.thr[k] <= u })
	}
	for j := range s.lut {
		bottom := uint64(j) << (32 - lutBits)
		top := bottom + 1<<(32-lutBits) - 1
		if cb, ct := count(bottom), count(top); cb == ct {
			s.lut[j] = int32(ct + 1) // every u of the bucket has L = ct + 1
		} else {
			s.lut[j] = int32(-ct - 1) // scan from the count at the top
		}
	}
	return s
}

// iidIndices draws the n indices of an iid resample, uniform on {0..n-1},
// by the batched method: four indices per 64-bit word when n^4 < 2^64 (n <
// 65536, the daily returns of 179 years), else two. A word is rejected
// when its final x < 2^64 mod n^k (computed once; it is below n^k).
func (s *blockSampler) iidIndices(src *pcg) []uint32 {
	p := *src // a local copy: the state stays in registers
	n := uint64(s.n)
	if cap(s.starts) < int(s.n)+4 {
		s.starts = make([]uint32, 0, s.n+4) // kept: one buffer per sampler
	}
	st := s.starts[:s.n+4]
	if n < 1<<16 {
		n4 := n * n * n * n
		thr := -n4 % n4 // n ≥ 1
		for k := 0; k < int(s.n); k += 4 {
			var x, i1, i2, i3, i4 uint64
			for { // rejected with probability < n^4/2^64
				p, x = p.next()
				i1, x = bits.Mul64(x, n)
				i2, x = bits.Mul64(x, n)
				i3, x = bits.Mul64(x, n)
				i4, x = bits.Mul64(x, n)
				if x >= thr {
					break
				}
			}
			w := st[k : k+4 : k+4]
			w[0], w[1], w[2], w[3] = uint32(i1), uint32(i2), uint32(i3), uint32(i4)
		}
	} else {
		n2 := n * n
		thr := -n2 % n2
		for k := 0; k < int(s.n); k += 2 {
			var x, i1, i2 uint64
			for {
				p, x = p.next()
				i1, x = bits.Mul64(x, n)
				i2, x = bits.Mul64(x, n)
				if x >= thr {
					break
				}
			}
			st[k], st[k+1] = uint32(i1), uint32(i2)
		}
	}
	*src = p
	return st[:s.n]
}

// iidSums draws the indices of an iid resample exactly as iidIndices does
// (the same words, the same rejections) and returns Σ d_i and Σ d_i² over
// them, without storing the indices (d, 8 bytes a day, stays in the L1
// cache for the daily returns of decades).
func (s *blockSampler) iidSums(src *pcg, d []float64) (s1, s2 float64) {
	return iidSumsOf(src, d[:s.n], int(s.n))
}

// iidSumsOf draws cnt indices uniform on {0..len(d)-1} as iidIndices does
// (four per 64-bit word when len(d) < 2^16, else two) and returns Σ d_i and
// Σ d_i² over them.
//
// The order of the additions is fixed (the stored intervals depend on it):
// the first two indices of a word add to s1, s2, the last two to u1, u2,
// and the indices of the last word that are still needed (fewer than a
// word gives) add to s1, s2 one by one. The rejection threshold 2^64 mod
// n^k is computed once (x < n^k is implied by it: it is below n^k), and the
// last word is drawn outside the loop, so that the loop keeps the
// generator, the sums and the indices in registers
// (TestIIDSumsMatchReference checks the sums and the state against the
// loop as first written).
func iidSumsOf(src *pcg, d []float64, cnt int) (s1, s2 float64) {
	p := *src
	n := uint64(len(d))
	var u1, u2 float64
	if n < 1<<16 {
		n4 := n * n * n * n
		var thr uint64 // 2^64 mod n^4 (0 for an empty d: nothing is drawn)
		if n4 > 0 {
			thr = -n4 % n4
		}
		k := 0
		for ; k+4 <= cnt; k += 4 {
			var a, b, c, e float64
			for { // a word is rejected with probability < n^4/2^64
				var x, i uint64
				p, x = p.next()
				i, x = bits.Mul64(x, n)
				a = d[i]
				i, x = bits.Mul64(x, n)
				b = d[i]
				i, x = bits.Mul64(x, n)
				c = d[i]
				i, x = bits.Mul64(x, n)
				e = d[i]
				if x >= thr {
					break
				}
			}
			s1 += a + b
			s2 += a*a + b*b
			u1 += c + e
			u2 += c*c + e*e
		}
		if k < cnt {
			var last [4]uint64
			for {
				var x uint64
				p, x = p.next()
				last[0], x = bits.Mul64(x, n)
				last[1], x = bits.Mul64(x, n)
				last[2], x = bits.Mul64(x, n)
				last[3], x = bits.Mul64(x, n)
				if x >= thr {
					break
				}
			}
			for _, i := range last[:cnt-k] {
				s1 += d[i]
				s2 += d[i] * d[i]
			}
		}
	} else {
		n2 := n * n
		thr := -n2 % n2
		k := 0
		for ; k+2 <= cnt; k += 2 {
			var a, b float64
			for {
				var x, i uint64
				p, x = p.next()
				i, x = bits.Mul64(x, n)
				a = d[i]
				i, x = bits.Mul64(x, n)
				b = d[i]
				if x >= thr {
					break
				}
			}
			s1 += a
			s2 += a * a
			u1 += b
			u2 += b * b
		}
		if k < cnt {
			for {
				var x uint64
				p, x = p.next()
				i1, x := bits.Mul64(x, n)
				_, x = bits.Mul64(x, n)
				if x >= thr {
					s1 += d[i1]
					s2 += d[i1] * d[i1]
					break
				}
			}
		}
	}
	*src = p
	return s1 + u1, s2 + u2
}

// clone returns a sampler sharing the tables with its own buffers.
func (s *blockSampler) clone() *blockSampler {
	c := *s
	c.starts, c.lens = nil, nil
	return &c
}

// length maps 32 uniform bits to a geometric block length.
func (s *blockSampler) length(u uint32) int {
	v := s.lut[u>>(32-lutBits)]
	if v > 0 {
		return int(v)
	}
	c := int(-v - 1)
	for c < len(s.thr) && uint64(u) < s.thr[c] {
		c++
	}
	return c + 1
}

// resample draws the blocks of one resample of n values into s.starts and
// s.lens (the last block cut short so the lengths sum to n; for an iid
// sampler every length is 1 and s.lens is unused).
func (s *blockSampler) resample(src *pcg) {
	if s.iid {
		s.starts = s.iidIndices(src)
		return
	}
	p := *src // local copy: the state stays in registers
	n := s.n
	starts := s.starts[:0]
	lens := s.lens[:0]
	for filled := uint32(0); filled < n; {
		var x uint64
		p, x = p.next()
		m := (x >> 32) * uint64(n)
		if uint32(m) < n {
			for t := -n % n; uint32(m) < t; {
				var y uint64
				p, y = p.next()
				m = (y >> 32) * uint64(n)
			}
		}
		l := uint32(s.length(uint32(x)))
		l = min(l, n-filled)
		filled += l
		starts = append(starts, uint32(m>>32))
		lens = append(lens, l)
	}
	s.starts, s.lens = starts, lens
	*src = p
}

// blockSums draws one resample's blocks exactly as resample does (the same
// words in the same order) and returns the sums of d and d² over it from the
// interleaved prefix sums ps (see sharpeCI), without storing the blocks.
func (s *blockSampler) blockSums(src *pcg, ps []float64) (s1, s2 float64) {
	p := *src
	n := s.n
	ni := int(n)
	t1, t2 := ps[2*ni], ps[2*ni+1]
	for rem := n; rem > 0; {
		var x uint64
		p, x = p.next()
		m := (x >> 32) * uint64(n)
		if uint32(m) < n {
			for t := -n % n; uint32(m) < t; {
				var y uint64
				p, y = p.next()
				m = (y >> 32) * uint64(n)
			}
		}
		l := uint32(s.length(uint32(x)))
		l = min(l, rem)
		rem -= l
		i := int(m >> 32)
		if e := i + int(l); e <= ni {
			s1 += ps[2*e] - ps[2*i]
			s2 += ps[2*e+1] - ps[2*i+1]
		} else {
			e -= ni
			s1 += t1 - ps[2*i] + ps[2*e]
			s2 += t2 - ps[2*i+1] + ps[2*e+1]
		}
	}
	*src = p
	return s1, s2
}

// bootChunks is the fixed number of random streams the B resamples of a
// stationary bootstrap are split into. Chunk c holds resamples
// [c·B/k, (c+1)·B/k) (k = min(bootChunks, B)) and draws from its own PCG
// seeded by the c-th Uint64 of the caller's generator, so the resamples are
// a function of the caller's seed only: they do not depend on how many
// goroutines run the chunks or in which order.
const bootChunks = 8

type chunk struct {
	src    pcg
	lo, hi int
}

func splitChunks(B int, rng *rand.Rand) []chunk {
	k := min(bootChunks, B)
	out := make([]chunk, k)
	for c := range out {
		out[c] = chunk{src: newStream(rng.Uint64()), lo: c * B / k, hi: (c + 1) * B / k}
	}
	return out
}

// runChunks calls fn for every chunk, on up to GOMAXPROCS goroutines when
// parallel is set (each chunk writes only its own resamples), with a sampler
// of its own per goroutine. The goroutines take the next chunk not yet
// taken, so one that gets less of the processor (other work runs beside
// the bootstrap) takes fewer chunks; which goroutine runs a chunk does not
// change its resamples.
func runChunks(chunks []chunk, smp *blockSampler, parallel bool, fn func(c chunk, smp *blockSampler)) {
	w := 1
	if parallel {
		w = min(len(chunks), runtime.GOMAXPROCS(0))
	}
	if w <= 1 {
		for _, c := range chunks {
			fn(c, smp)
		}
		return
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range w {
		own := smp.clone()
		wg.Go(func() {
			for c := int(next.Add(1)) - 1; c < len(chunks); c = int(next.Add(1)) - 1 {
				fn(chunks[c], own)
			}
		})
	}
	wg.Wait()
}

// resolveBlock returns the mean block length to use: blockLen when it is
// positive (clamped to [1, n]), else OptimalBlockLength(x).
func resolveBlock(x []float64, blockLen float64) float64 {
	n := float64(len(x))
	if blockLen > 0 {
		return math.Min(math.Max(blockLen, 1), n)
	}
	return OptimalBlockLength(x)
}

// StationaryBootstrapCI returns the percentile confidence interval of a
// statistic of a dependent series by the stationary bootstrap of Politis &
// Romano (1994), "The stationary bootstrap", JASA 89(428): each resample
// concatenates blocks x_I, x_{I+1}, ..., x_{I+L-1} (indices mod n) with I
// uniform on {0..n-1} and L ~ Geometric(p = 1/blockLen), until n values are
// drawn (the last block cut short); the interval is the α/2 and 1-α/2
// quantiles of the B resampled statistics (α = 1 - level). blockLen ≤ 0
// selects the mean block length with OptimalBlockLength; blockLen = 1 is the
// ordinary iid bootstrap. The block length used is returned.
//
// The resamples are drawn in bootChunks streams seeded from rng (see
// blockSampler for the draws); SharpeCI draws exactly the same resamples for
// the same rng state. stat is called sequentially with a scratch buffer it
// may reorder but must not keep; NaN statistics are dropped. It returns NaN,
// NaN, NaN when n < 4 with an automatic length (n < 2 with a set one),
// B < 1, level is not in (0, 1), stat or rng is nil, or the automatic
// length is undefined (constant x).
func StationaryBootstrapCI(x []float64, stat func([]float64) float64, B int, level float64, blockLen float64, rng *rand.Rand) (lo, hi, usedBlock float64) {
	nan := math.NaN()
	n := len(x)
	if n < 2 || n > math.MaxUint32 || B < 1 || !(level > 0 && level < 1) || stat == nil || rng == nil {
		return nan, nan, nan
	}
	usedBlock = resolveBlock(x, blockLen)
	if math.IsNaN(usedBlock) {
		return nan, nan, nan
	}
	smp := newBlockSampler(n, usedBlock)
	buf := make([]float64, n+B)
	scratch, vals := buf[:n:n], buf[n:]
	runChunks(splitChunks(B, rng), smp, false, func(c chunk, smp *blockSampler) {
		for b := c.lo; b < c.hi; b++ {
			smp.resample(&c.src)
			if smp.iid {
				for k, i := range smp.starts {
					scratch[k] = x[i]
				}
			} else {
				k := 0
				for j, st := range smp.starts {
					i := int(st)
					for l := smp.lens[j]; l > 0; l-- {
						scratch[k] = x[i]
						k++
						if i++; i == n {
							i = 0
						}
					}
				}
			}
			vals[b] = stat(scratch)
		}
	})
	lo, hi = percentileInterval(vals, level)
	return lo, hi, usedBlock
}

// SharpeCI returns the percentile confidence interval of the annualised
// Sharpe ratio sqrt(annualization) · mean/s of a series of period returns by
// the stationary bootstrap (Politis & Romano 1994; see
// StationaryBootstrapCI), which keeps the serial dependence of daily strategy
// returns (positions held for many days) that an iid bootstrap would
// destroy, so the interval is not too narrow (Ledoit & Wolf 2008, "Robust
// performance hypothesis testing with the Sharpe ratio", Journal of
// Empirical Finance 15(5), use the same device). blockLen ≤ 0 selects the
// mean block length automatically (OptimalBlockLength: Politis & White 2004
// with the Patton, Politis & White 2009 correction); the length used is
// returned.
//
// A resample's Sharpe ratio needs only S1 = Σ d and S2 = Σ d² over its
// values (d = x - x̄, shifted for a stable variance): mean = x̄ + S1/n,
// s² = (S2 - S1²/n)/(n-1). Each block's contribution is a difference of the
// prefix sums P1(k) = Σ_{t<k} d_t and P2(k) = Σ_{t<k} d_t² (a block that
// wraps adds P(n) - P(I) + P(I+L-n)), so a resample costs O(number of
// blocks), not O(n). The resamples are exactly those of
// StationaryBootstrapCI for the same rng state; their chunks run on up to
// GOMAXPROCS goroutines with the same result as a sequential run.
//
// A resample with zero variance has Sharpe 0 when its mean is 0 and ±Inf
// otherwise. It returns NaN, NaN, NaN when n < 4 (n < 2 with a set block
// length), B < 1, level is not in (0, 1), annualization ≤ 0, rng is nil, or
// x is constant.
func SharpeCI(returns []float64, annualization float64, B int, level float64, blockLen float64, rng *rand.Rand) (lo, hi, usedBlock float64) {
	return sharpeCI(returns, annualization, B, level, blockLen, rng, true)
}

func sharpeCI(returns []float64, annualization float64, B int, level float64, blockLen float64, rng *rand.Rand, parallel bool) (lo, hi, usedBlock float64) {
	nan := math.NaN()
	n := len(returns)
	if n < 2 || n > math.MaxUint32 || B < 1 || !(level > 0 && level < 1) || !(annualization > 0) || rng == nil {
		return nan, nan, nan
	}
	usedBlock = resolveBlock(returns, blockLen)
	if math.IsNaN(usedBlock) {
		return nan, nan, nan
	}
	smp := newBlockSampler(n, usedBlock)
	m0 := Mean(returns)
	// ps[2k], ps[2k+1] = P1(k), P2(k), interleaved so that a block reads two
	// adjacent pairs; dd[i] = d_i for the iid case.
	ps := make([]float64, 2*(n+1))
	dd := make([]float64, n)
	var c1, c2 float64
	for i, v := range returns {
		d := v - m0
		c1 += d
		c2 += d * d
		ps[2*i+2], ps[2*i+3] = c1, c2
		dd[i] = d
	}
	vals := make([]float64, B)
	nf := float64(n)
	scale := math.Sqrt(annualization)
	var fs *flatSplit
	if smp.iid {
		fs = newFlatSplit(returns, dd)
	}
	runChunks(splitChunks(B, rng), smp, parallel, func(c chunk, smp *blockSampler) {
		for b := c.lo; b < c.hi; b++ {
			var s1, s2 float64
			if fs != nil {
				s1, s2 = fs.sums(&c.src)
			} else if smp.iid {
				s1, s2 = smp.iidSums(&c.src, dd)
			} else {
				s1, s2 = smp.blockSums(&c.src, ps)
			}
			mean := m0 + s1/nf
			v := (s2 - s1*s1/nf) / (nf - 1)
			switch {
			case v > 1e-12*s2/nf: // above rounding noise of a constant resample
				vals[b] = mean / math.Sqrt(v) * scale
			case mean == 0:
				vals[b] = 0
			default:
				vals[b] = math.Inf(int(math.Copysign(1, mean)))
			}
		}
	})
	lo, hi = percentileInterval(vals, level)
	return lo, hi, usedBlock
}

// flatSplit draws iid resamples of a series in which one value (the
// return of the days out of the market, usually 0) repeats F times out of
// n: each of the n draws of a resample lands on that value with probability
// F/n, and otherwise on one of the other n-F days uniformly, so the number
// K of draws on the repeated value is Binomial(n, F/n) and the sums of a
// resample are K·v + K·v² for it plus n-K uniform draws among the others:
// exactly the law of n uniform draws among all n days (the multinomial
// splits into a binomial and a multinomial of the rest), at the cost of
// n-K draws. K is drawn by inversion of its distribution function
// (Devroye 1986, Non-Uniform Random Variate Generation, §III.2.1 and
// §X.4): one word, a search in the table of the CDF.
type flatSplit struct {
	v    float64   // the repeated value (demeaned)
	rest []float64 // the other days' values (demeaned)
	cdf  []float64 // cdf[k] = P(K ≤ k), k = 0..n
}

// minFlatShare is the share of days the repeated value must hold for the
// split sampler to be used (below it the gain does not pay for the table).
const minFlatShare = 0.25

// newFlatSplit returns the split sampler of the demeaned series dd whose
// raw values are x, or nil when no value repeats on at least minFlatShare
// of the days (or every day holds it).
func newFlatSplit(x, dd []float64) *flatSplit {
	n := len(x)
	mode, best := flatMode(x)
	if float64(best) < minFlatShare*float64(n) || best == n {
		return nil
	}
	fs := &flatSplit{rest: make([]float64, 0, n-best), cdf: make([]float64, n+1)}
	for i, v := range x {
		if v == mode {
			fs.v = dd[i]
		} else {
			fs.rest = append(fs.rest, dd[i])
		}
	}
	binomialCDF(fs.cdf, n, float64(best)/float64(n))
	fs.cdf[n] = math.Inf(1) // every u < 1 stops by n
	return fs
}

// flatMode returns the most frequent value of x (by ==) and its count:
// the first of the longest runs of equal values in sorted order, when that
// value is more frequent than a fifth of x, found without sorting by the
// frequent-items pass of Misra & Gries (1982), "Finding repeated elements",
// Science of Computer Programming 2(2): with four counters every value
// more frequent than n/5 is among the candidates, whose frequencies a
// second pass counts. When the most frequent candidate is not unique, or
// is not more frequent than n/5 (then no value holds the quarter of the
// days a flat split needs, and which is returned does not matter), or x is
// short, it sorts a copy as first written (TestFlatModeEqualsSorted).
func flatMode(x []float64) (mode float64, best int) {
	n := len(x)
	if n >= 16 {
		var cand [4]float64
		var cnt [4]int
	next:
		for _, v := range x {
			for c := range cand {
				if cnt[c] > 0 && v == cand[c] {
					cnt[c]++
					continue next
				}
			}
			for c := range cand {
				if cnt[c] == 0 {
					cand[c], cnt[c] = v, 1
					continue next
				}
			}
			for c := range cnt {
				cnt[c]--
			}
		}
		var exact [4]int
		for _, v := range x {
			for c := range cand {
				if cnt[c] > 0 && v == cand[c] {
					exact[c]++
				}
			}
		}
		top, ties := -1, 0
		for c := range cand {
			switch {
			case cnt[c] == 0:
			case top < 0 || exact[c] > exact[top]:
				top, ties = c, 0
			case exact[c] == exact[top]:
				ties++
			}
		}
		if top >= 0 && ties == 0 && 5*exact[top] > n {
			return cand[top], exact[top]
		}
	}
	sorted := slices.Clone(x)
	slices.Sort(sorted)
	for i := 0; i < n; {
		j := i + 1 // a NaN is a run of its own (NaN != NaN)
		for j < n && sorted[j] == sorted[i] {
			j++
		}
		if j-i > best {
			mode, best = sorted[i], j-i
		}
		i = j
	}
	return mode, best
}

// binomialCDF writes cdf[k] = P(K ≤ k), k = 0..n, for K ~ Binomial(n, p)
// (0 < p < 1): P(K = k) = C(n, k) p^k (1-p)^(n-k) in logs (exact to
// rounding), summed upwards. Only the terms that can change the sum are
// computed (about 80 standard deviations around the mode, not n terms):
// below the mode the log-probability rises with k, and the terms whose log
// is below -760 (found by bisection; the logs are exact to far less than
// the margin to -745.13, below which Exp is exactly 0) leave the sum at 0;
// above the mode it falls, and once a term's log is below -50 while the
// sum is at least 1/4, no later term (below e^-49.9) changes the sum
// (half its ulp is at least 2^-55). The entries are those of the sum over
// every term, bit for bit (TestBinomialCDFEqualsFullSum).
func binomialCDF(cdf []float64, n int, p float64) {
	nf := float64(n)
	lp, lq := math.Log(p), math.Log1p(-p)
	ln, _ := math.Lgamma(nf + 1)
	logTerm := func(k int) float64 {
		kf := float64(k)
		lk, _ := math.Lgamma(kf + 1)
		lnk, _ := math.Lgamma(nf - kf + 1)
		return ln - lk - lnk + kf*lp + (nf-kf)*lq
	}
	mode := min(int(math.Floor((nf+1)*p)), n)
	// k0: the largest k ≤ mode whose log-term is below -760, or -1.
	k0 := -1
	if logTerm(0) < -760 {
		lo, hi := 0, mode // logTerm(lo) < -760; find the last such k in [lo, hi]
		for lo < hi {
			mid := lo + (hi-lo+1)/2
			if logTerm(mid) < -760 {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		k0 = lo
	}
	for k := 0; k <= k0; k++ {
		cdf[k] = 0
	}
	var c float64
	for k := k0 + 1; k <= n; k++ {
		x := logTerm(k)
		if k > mode && x < -50 && c >= 0.25 {
			for ; k <= n; k++ {
				cdf[k] = c
			}
			return
		}
		c += math.Exp(x)
		cdf[k] = c
	}
}

// sums draws one resample and returns Σ d and Σ d² over it.
func (fs *flatSplit) sums(src *pcg) (s1, s2 float64) {
	u := float64(src.Uint64()>>11) * 0x1p-53
	// K = the smallest k with u < P(K ≤ k).
	k, _ := slices.BinarySearchFunc(fs.cdf, u, func(c, u float64) int {
		if c <= u {
			return -1
		}
		return 1
	})
	n := len(fs.cdf) - 1
	s1, s2 = iidSumsOf(src, fs.rest, n-k)
	kf := float64(k)
	return s1 + kf*fs.v, s2 + kf*fs.v*fs.v
}
