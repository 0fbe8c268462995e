package sweep

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/riskon/riskon/data"
)

// Grid is the fixed daily calendar on which the CSCV of a sweep cuts its
// trials' daily returns: Blocks consecutive blocks of BlockDays calendar days
// from Start. Every trial of a sweep uses the same grid (it is a function of
// the data and the number of trials, so shards and resumes agree), and a trial
// keeps only the sum and the sum of squares of its daily returns per block:
// 2·Blocks numbers, whatever the length of its history. A day without a
// return of the trial (outside its window) counts as a zero return, out of
// the market.
type Grid struct {
	Start     data.Date `json:"start"`
	BlockDays int       `json:"block_days"`
	Blocks    int       `json:"blocks"`
}

// pboCostBudget bounds C(S,S/2)·N·S, the work of the CSCV, so that a
// 100,000-trial sweep still finishes in about a second per core.
const pboCostBudget = 2e9

// MaxBlocks is the largest S a grid may have.
const MaxBlocks = 24

// NewGrid lays the grid over the days first..last (inclusive) for n trials:
// S = 16 blocks (the choice of Bailey et al.), reduced by 2 while
// C(S,S/2)·n·S exceeds about 2e9 (S = 12 at 100,000 trials) or a block would
// hold fewer than 2 days; the (last-first+1) mod S oldest days are dropped.
func NewGrid(first, last data.Date, n int) (Grid, error) {
	T := int(last-first) + 1
	if T < 4 {
		return Grid{}, fmt.Errorf("PBO grid: %d days (%s..%s) are too few", max(T, 0), first, last)
	}
	S := 16
	for S > 2 && (float64(binom(S, S/2))*float64(max(n, 1))*float64(S) > pboCostBudget || T/S < 2) {
		S -= 2
	}
	m := T / S
	return Grid{Start: first + data.Date(T-S*m), BlockDays: m, Blocks: S}, nil
}

// GridFor is the grid of a sweep on ds: over the days from the first bar of
// the earliest target to the last bar of the latest target, for the
// expansion's trials.
func GridFor(ds *data.Dataset, e *Expansion) (Grid, error) {
	first, last := data.Date(math.MaxInt32), data.Date(math.MinInt32)
	for _, sym := range e.Targets {
		s := ds.Get(sym)
		if s == nil || s.Len() == 0 {
			return Grid{}, fmt.Errorf("PBO grid: no bars of target %s", sym)
		}
		first, last = min(first, s.Date[0]), max(last, s.Date[s.Len()-1])
	}
	return NewGrid(first, last, e.Len())
}

// Check reports whether g is a usable grid.
func (g Grid) Check() error {
	if g.Blocks < 2 || g.Blocks%2 != 0 || g.Blocks > MaxBlocks || g.BlockDays < 1 {
		return fmt.Errorf("PBO grid %+v: want an even number of blocks in [2, %d] of at least 1 day", g, MaxBlocks)
	}
	return nil
}

// Days is the number of days the grid covers.
func (g Grid) Days() int { return g.Blocks * g.BlockDays }

// Sums returns dst (resized to 2·Blocks) with the sums of the returns in
// daily[i], dated dates[i], per block: dst[b] the sum and dst[Blocks+b] the
// sum of squares of block b. Returns dated outside the grid are ignored.
func (g Grid) Sums(dst []float64, dates []data.Date, daily []float64) []float64 {
	S := g.Blocks
	dst = append(dst[:0], make([]float64, 2*S)...)
	if S == 0 || g.BlockDays < 1 {
		return dst
	}
	// Dates increase: walk the blocks alongside instead of dividing per day,
	// summing block b in registers (the same additions in the same order).
	// A zero return (a flat day) adds +0, which changes no sum: skipped.
	b, lo, hi := -1, data.Date(0), g.Start
	end := g.Start + data.Date(g.Days())
	var sum, sq float64
	for i, x := range daily {
		if x == 0 {
			continue
		}
		d := dates[i]
		if d < g.Start || d >= end {
			continue
		}
		if d < lo || d >= hi { // another block (dates out of order are allowed)
			if b >= 0 {
				dst[b], dst[S+b] = sum, sq
			}
			b = int(d-g.Start) / g.BlockDays
			lo = g.Start + data.Date(b*g.BlockDays)
			hi = lo + data.Date(g.BlockDays)
			sum, sq = dst[b], dst[S+b]
		}
		sum += x
		sq += x * x
	}
	if b >= 0 {
		dst[b], dst[S+b] = sum, sq
	}
	return dst
}

// PBOResult is the outcome of PBO.
type PBOResult struct {
	PBO    float64
	Trials int // N
	Splits int // C(S, S/2)
}

// PBO computes the probability of backtest overfitting by combinatorially
// symmetric cross-validation (Bailey, Borwein, López de Prado & Zhu 2017,
// "The probability of backtest overfitting", Journal of Computational
// Finance 20(4)) from the trials' block sums on grid g: sums is the N×2S
// slab, trial j's Grid.Sums at sums[j*2S:(j+1)*2S], in trial index order.
//
// It gives exactly what results/stats.PBO gives with stats.Sharpe as the
// metric on the T×N matrix of the trials' daily returns on the grid (zero
// where a trial has none), up to rounding: for each of the C(S,S/2) halves J
// of the blocks (the training set; its complement the test set), the
// Sharpe ratio of every trial on a set is mean/sd (n-1) from the blocks'
// sums; n* = argmax on J (the first on ties; an undefined ratio ranks
// last); ω̄ its relative rank on the test set (mid-ranks for ties, over
// N+1); PBO is the share of splits with ln(ω̄/(1-ω̄)) ≤ 0. Memory is the slab
// (2·S·N numbers: 25 MB at 100,000 trials), never the return series.
// workers split the splits; the result does not depend on them.
func PBO(g Grid, sums []float64, workers int) (PBOResult, error) {
	if err := g.Check(); err != nil {
		return PBOResult{PBO: math.NaN()}, err
	}
	S := g.Blocks
	if len(sums)%(2*S) != 0 {
		return PBOResult{PBO: math.NaN()}, fmt.Errorf("PBO: %d sums are not a whole number of trials of %d blocks", len(sums), S)
	}
	order := make([]int32, len(sums)/(2*S))
	for j := range order {
		order[j] = int32(j)
	}
	return pboOrdered(g, sums, order, workers)
}

// pboOrdered is PBO with trial j's sums at slot order[j] of the slab.
func pboOrdered(g Grid, sums []float64, order []int32, workers int) (PBOResult, error) {
	S := g.Blocks
	N := len(order)
	out := PBOResult{PBO: math.NaN(), Trials: N}
	if N < 2 {
		return out, fmt.Errorf("PBO needs at least 2 trials, got %d", N)
	}
	n := float64(S / 2 * g.BlockDays)
	out.Splits = int(binom(S, S/2))
	over := cscvCount(newCSCVSlab(sums, order, S, n), workers)
	out.PBO = float64(over) / float64(out.Splits)
	return out, nil
}

// Bounds of the fast comparisons of Sharpe ratios (see sharpeKey).
const (
	// niceMin and niceMax bound the magnitude of every nonzero block sum
	// and sum of squares of a trial the fast comparisons apply to, so that
	// nothing they or sharpeOf compute overflows or underflows.
	niceMin, niceMax = 0x1p-200, 0x1p200
	// keyCancel: a key is used only where n·q - s² > s²·keyCancel, which
	// bounds the cancellation in the variance (s²/(n·q-s²) < 2^21).
	keyCancel = 0x1p-20
	// keyMargin is the relative margin around φ(x) within which a key does
	// not decide its comparison with x: twice the bound on a key's error
	// (sharpeKey), plus the rounding of φ(x).
	keyMargin = 0x1p-25
	// candMargin is the relative margin below the largest key within which
	// a trial may still be the in-sample best: 8 times the bound.
	candMargin = 0x1p-23
	// nanBits and negInfBits are the keys of an undecided trial and of an
	// empty side (Sharpe ratio -Inf).
	nanBits    = 0x7FF8000000000001
	negInfBits = 0xFFF0000000000000
)

// cscvSlab holds the block sums of the trials of a CSCV block-major, in
// positions: block b of the trial at position p at sum[b*N+p], sq[b*N+p].
// Trials with the same sums bit for bit (the same daily returns) have the
// same Sharpe ratio on every set of blocks: they share the position of the
// first of them (the one the in-sample best's tie rule picks), weight[p]
// trials. Positions [0, fast) hold, in trial order, the trials whose sums
// are all 0 or of magnitude in [niceMin, niceMax] (sums of squares not
// negative), to which the fast comparisons apply; positions [fast, N) the
// others (NaN, infinite, negative or extreme sums), whose Sharpe ratios are
// always computed. index[p] is the (first) trial at position p; trials is
// the number of trials.
type cscvSlab struct {
	S, N, fast int
	trials     int
	n          float64 // days per half
	sum, sq    []float64
	index      []int32
	weight     []int64
	vec        bool // use the vector kernels (vecOK)
}

// newCSCVSlab lays out the trials of sums (trial j's 2S numbers at slot
// order[j]) for cscvCount, for halves of n days.
func newCSCVSlab(sums []float64, order []int32, S int, n float64) *cscvSlab {
	row := func(j int) []float64 { return sums[int(order[j])*2*S : int(order[j]+1)*2*S] }
	// Merge the trials with the same sums into the first of them.
	first := make([]int32, len(order)) // the first trial with trial j's sums
	seen := make(map[uint64]int32, len(order))
	for j := range order {
		v := row(j)
		h := uint64(14695981039346656037)
		for _, x := range v {
			h = (h ^ math.Float64bits(x)) * 1099511628211
		}
		first[j] = int32(j)
		for ; ; h++ { // open addressing over the hashes
			k, ok := seen[h]
			if !ok {
				seen[h] = int32(j)
				break
			}
			if sameBits(row(int(k)), v) {
				first[j] = k
				break
			}
		}
	}
	nice := func(v []float64) bool {
		for b := range S {
			a, q := math.Abs(v[b]), v[S+b]
			if !(a == 0 || a >= niceMin && a <= niceMax) || !(q == 0 || q >= niceMin && q <= niceMax) {
				return false
			}
		}
		return true
	}
	fastOK := n >= 2 && n <= 0x1p31 // sharpeOf divides by n-1; keys bound n
	c := &cscvSlab{S: S, trials: len(order), n: n, vec: vecOK()}
	pos := make([]int32, len(order)) // position of the first trials
	for pass := range 2 {            // the fast positions, then the others
		for j := range order {
			if first[j] == int32(j) && (fastOK && nice(row(j))) == (pass == 0) {
				pos[j] = int32(len(c.index))
				c.index = append(c.index, int32(j))
			}
		}
		if pass == 0 {
			c.fast = len(c.index)
		}
	}
	N := len(c.index)
	c.N, c.weight = N, make([]int64, N)
	for j := range order {
		c.weight[pos[first[j]]]++
	}
	c.sum, c.sq = make([]float64, S*N), make([]float64, S*N)
	for p, j := range c.index {
		v := row(int(j))
		for b := range S {
			c.sum[b*N+p] = v[b]
			c.sq[b*N+p] = v[S+b]
		}
	}
	return c
}

// sameBits reports whether a and b hold the same numbers bit for bit.
func sameBits(a, b []float64) bool {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// cscvCount returns the number of the C(S,S/2) splits of the trials of c
// whose logit is at most 0.
//
// Each pair of complementary halves is scored once, as the half A of S/2
// blocks without the newest block (its complement B holds block S-1). The
// pairs are the leaves of a tree walked depth first: at depth b, blocks
// 0..b-1 are assigned, and a node's children put block b into A or into B
// while both can still be completed. A node keeps the running sums of both
// sides over its blocks, made by adding block b to its parent's side (the
// other side is the parent's, shared): every side of every leaf is the sum of
// its blocks in increasing order starting from +0, the same additions in
// the same order as summing each half from scratch, so the Sharpe ratios are
// bit for bit those of the direct computation. Once a side's remaining
// blocks are forced (one side of a leaf gets one block, the other the rest),
// the leaf adds them in registers: at S = 14, 2,638 additions of N-vectors
// through memory and 5,511 in the leaves' registers instead of 1,716·14 =
// 24,024 through memory. A leaf compares Sharpe ratios through sharpeKey and
// computes them (sharpeOf) only where a comparison is too close to call;
// its rank counts weigh every position by the trials it stands for. With
// N positions (distinct trials), a worker holds 2·N numbers per depth (at
// most S-2 depths), 2·N keys and 2·N candidates: 19 MB at 100,000 (S = 12).
// The tree is cut into subtrees, handed to the workers; the count is a sum
// of integers, so it does not depend on them.
func cscvCount(c *cscvSlab, workers int) int64 {
	S, N := c.S, c.N
	tasks := cscvTasks(S, max(workers, 1))
	workers = min(max(workers, 1), len(tasks))
	zero := make([]float64, N)
	var next, over atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &cscvWalk{
				cscvSlab: c, half: S / 2, cn: c.n / (c.n - 1),
				lvS: make([][]float64, S), lvQ: make([][]float64, S),
				kA: make([]float64, N), kB: make([]float64, N),
				candA: make([]int32, 0, N), candB: make([]int32, 0, N),
			}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(tasks) {
					break
				}
				w.task(tasks[i], zero)
			}
			over.Add(w.count)
		}()
	}
	wg.Wait()
	return over.Load()
}

// cscvTask is a subtree of the CSCV tree: the node at depth Depth whose
// blocks 0..Depth-1 in A are the set bits of A.
type cscvTask struct {
	A      uint32
	Depth  int
	leaves int64
}

// cscvTasks cuts the tree of cscvCount into subtrees at the smallest depth
// that gives at least 8 per worker (or where a subtree is a path), largest
// first.
func cscvTasks(S, workers int) []cscvTask {
	half := S / 2
	var tasks []cscvTask
	for d := 0; d <= S-2; d++ {
		tasks = tasks[:0]
		var walk func(b, cntA int, a uint32)
		walk = func(b, cntA int, a uint32) {
			needA, free := half-cntA, S-1-b
			if b == d || needA <= 1 || needA == free {
				tasks = append(tasks, cscvTask{A: a, Depth: b, leaves: binom(free, needA)})
				return
			}
			walk(b+1, cntA+1, a|1<<b)
			walk(b+1, cntA, a)
		}
		walk(0, 0, 0)
		if len(tasks) >= 8*workers {
			break
		}
	}
	slices.SortStableFunc(tasks, func(x, y cscvTask) int { return cmp.Compare(y.leaves, x.leaves) })
	return tasks
}

// cscvWalk is a worker of cscvCount: per depth b a pair of buffers for the
// side that block b joins, and the keys and in-sample candidates of a leaf.
type cscvWalk struct {
	*cscvSlab
	half         int
	cn           float64 // n/(n-1)
	lvS, lvQ     [][]float64
	kA, kB       []float64
	candA, candB []int32
	count        int64
}

// level returns the buffers of depth b.
func (w *cscvWalk) level(b int) ([]float64, []float64) {
	if w.lvS[b] == nil {
		w.lvS[b], w.lvQ[b] = make([]float64, w.N), make([]float64, w.N)
	}
	return w.lvS[b], w.lvQ[b]
}

// block returns the sums and sums of squares of block b.
func (w *cscvWalk) block(b int) ([]float64, []float64) {
	return w.sum[b*w.N : (b+1)*w.N], w.sq[b*w.N : (b+1)*w.N]
}

// addBlock sets ds, dq to ps+xs, pq+xq.
func (w *cscvWalk) addBlock(ds, dq, ps, pq, xs, xq []float64) {
	ds, dq, pq, xs, xq = ds[:len(ps)], dq[:len(ps)], pq[:len(ps)], xs[:len(ps)], xq[:len(ps)]
	j := 0
	if w.vec && len(ps) >= 4 {
		j = addVec(&ds[0], &dq[0], &ps[0], &pq[0], &xs[0], &xq[0], len(ps))
	}
	for ; j < len(ps); j++ {
		ds[j] = ps[j] + xs[j]
		dq[j] = pq[j] + xq[j]
	}
}

// task walks the subtree t, starting both sides from zero (+0 numbers) and
// adding the blocks of its path in increasing order.
func (w *cscvWalk) task(t cscvTask, zero []float64) {
	aS, aQ, bS, bQ := zero, zero, zero, zero
	cntA := 0
	for b := range t.Depth {
		ds, dq := w.level(b)
		xs, xq := w.block(b)
		if t.A&(1<<b) != 0 {
			w.addBlock(ds, dq, aS, aQ, xs, xq)
			aS, aQ = ds, dq
			cntA++
		} else {
			w.addBlock(ds, dq, bS, bQ, xs, xq)
			bS, bQ = ds, dq
		}
	}
	w.walk(t.Depth, cntA, aS, aQ, bS, bQ)
}

// walk scores the subtree of the node at depth b with cntA blocks in A and
// the running sums aS, aQ of A and bS, bQ of B.
func (w *cscvWalk) walk(b, cntA int, aS, aQ, bS, bQ []float64) {
	S := w.S
	needA, free := w.half-cntA, S-1-b
	if needA == free { // blocks b..S-2 to A, S-1 to B
		w.leaf(side{aS, aQ, b, S - 1}, side{bS, bQ, S - 1, S})
		return
	}
	xs, xq := w.block(b)
	if needA == 1 {
		w.leaf(side{aS, aQ, b, b + 1}, side{bS, bQ, b + 1, S}) // block b to A completes it
		ds, dq := w.level(b)                                   // block b to B
		w.addBlock(ds, dq, bS, bQ, xs, xq)
		w.walk(b+1, cntA, aS, aQ, ds, dq)
		return
	}
	ds, dq := w.level(b)
	w.addBlock(ds, dq, aS, aQ, xs, xq)
	w.walk(b+1, cntA+1, ds, dq, bS, bQ)
	w.addBlock(ds, dq, bS, bQ, xs, xq)
	w.walk(b+1, cntA, aS, aQ, ds, dq)
}

// side is a side of a leaf: the running sums s, q plus blocks b0..b1-1,
// added in increasing order.
type side struct {
	s, q   []float64
	b0, b1 int
}

// sums returns the sum and the sum of squares of side d of the trial at
// position p: the same additions in the same order as the leaf's.
func (w *cscvWalk) sums(d *side, p int) (s, q float64) {
	s, q = d.s[p], d.q[p]
	for b := d.b0; b < d.b1; b++ {
		s += w.sum[b*w.N+p]
		q += w.sq[b*w.N+p]
	}
	return s, q
}

// sharpe is the Sharpe ratio on side d of the trial at position p.
func (w *cscvWalk) sharpe(d *side, p int) float64 {
	s, q := w.sums(d, p)
	return sharpeOf(s, q, w.n)
}

// sharpeKey is the key of the Sharpe ratio of n values with sum s and sum
// of squares q, as sharpeOf computes it, for a trial at a fast position:
// an increasing function of it, up to rounding, or -Inf where the ratio is
// -Inf, or NaN where it cannot tell.
//
// With mean s/n and variance (q - s²/n)/(n-1), the Sharpe ratio is
// ρ = s·√((n-1)/n)/√(n·q - s²), so φ(ρ) = sign(ρ)·ρ²·n/(n-1) =
// s·|s|/(n·q - s²): one division instead of sharpeOf's three and a square
// root. Where n·q - s² > s²·2^-20 (the variance loses at most 2^21 ulps to
// cancellation), the key Z and the ratio R = sharpeOf(s, q, n) satisfy
// |Z - φ(R)| ≤ 2^-26·|φ(R)| (each is within about 2^-31 of the exact φ(ρ),
// resp. ρ; TestSharpeKeyBound checks the bound), and every
// intermediate is a normal number, as every nonzero sum at a fast position
// is at least 2^-252 (a sum of multiples of 2^-252) and at most 2^205. Where
// q = 0, sharpeOf's variance is q - s·(s/n) ≤ 0: R = -Inf exactly.
func sharpeKey(s, q, n float64) float64 {
	ss := s * s
	d := float64(n*q) - ss // rounded before the subtraction (no FMA), as in cscv_amd64.s
	z := math.Float64bits(s * math.Abs(s) / d)
	if !(d > ss*keyCancel) {
		z = nanBits
	}
	if q <= 0 { // q is 0 or above niceMin
		z = negInfBits
	}
	return math.Float64frombits(z)
}

// cutBelow is the key below which a trial is not the in-sample best of a
// side whose largest key m is that of trial t: m - |m|·candMargin, below
// φ(R_t) - 2^-26·|φ(R_t)| (m is within 2^-26 of φ(R_t)), so a key below it
// has φ(R) < φ(R_t): R < R_t. -Inf for m = -Inf.
func cutBelow(m float64) float64 { return m - math.Abs(m)*candMargin }

// leaf scores the split with sides A and B: the in-sample best trial of
// each (the largest Sharpe ratio, the first on ties), then the out-of-sample
// rank of each best on the other side, counting the logits at most 0.
//
// One pass computes the keys of both sides and the candidates for the best
// (the trials whose key is within candMargin of the largest so far, or
// undecided); the best is the first largest exact Sharpe ratio among them.
// A second pass counts the keys below and above the margin around φ of the
// best's out-of-sample ratio x, computing the exact ratio of the trials in
// between.
func (w *cscvWalk) leaf(A, B side) {
	fast := w.fast
	cutA, cutB := w.keys(&A, &B)
	bestA := w.best(&A, w.kA, w.candA, cutA)
	bestB := w.best(&B, w.kB, w.candB, cutB)
	// Training A, testing B: the rank of B's ratio of bestA among B's;
	// and back.
	x, y := w.kB[bestA], w.kA[bestB]
	if bestA < fast {
		x = w.sharpe(&B, bestA)
	}
	if bestB < fast {
		y = w.sharpe(&A, bestB)
	}
	T := w.trials
	ltB, gtB := w.rank(&B, w.kB, x)
	ltA, gtA := w.rank(&A, w.kA, y)
	if logit(ltB, T-ltB-gtB, T) <= 0 {
		w.count++
	}
	if logit(ltA, T-ltA-gtA, T) <= 0 {
		w.count++
	}
}

// keys sets w.kA and w.kB to the keys of both sides at the fast positions
// and the exact Sharpe ratios at the others, and w.candA and w.candB to the
// fast positions that may be the best of their side (in increasing order,
// a superset of those above the returned cuts, with the undecided).
func (w *cscvWalk) keys(A, B *side) (cutA, cutB float64) {
	w.candA, cutA = w.sideKeys(A, w.kA[:w.fast], w.candA[:0])
	w.candB, cutB = w.sideKeys(B, w.kB[:w.fast], w.candB[:0])
	for p := w.fast; p < w.N; p++ {
		w.kA[p], w.kB[p] = w.sharpe(A, p), w.sharpe(B, p)
	}
	return cutA, cutB
}

// sideKeys sets k[p] to the key of side d at every fast position p and
// returns cand with the positions whose key is above the cut of the largest
// key so far (every position above the returned final cut is among them,
// and every undecided one), and the final cut. A key at the cut is below
// the best's ratio too (cutBelow has room to spare), and -Inf keys are never
// candidates: where every key is -Inf, so is every ratio.
func (w *cscvWalk) sideKeys(d *side, k []float64, cand []int32) ([]int32, float64) {
	n := w.n
	m, cut := math.Inf(-1), math.Inf(-1)
	note := func(p int, z float64) {
		cand = append(cand, int32(p))
		if z > m {
			m, cut = z, cutBelow(z)
		}
	}
	if w.vec && d.b1 > d.b0 {
		N := w.N
		xs, xq := w.sum[d.b0*N:], w.sq[d.b0*N:]
		for p := 0; p < len(k); p++ {
			if len(k)-p >= 4 { // four at a time up to a possible candidate
				p += keysVec(&k[p], &d.s[p], &d.q[p], &xs[p], &xq[p], len(k)-p, N, d.b1-d.b0, n, cut)
				if p >= len(k) {
					break
				}
			}
			s, q := w.sums(d, p)
			z := sharpeKey(s, q, n)
			k[p] = z
			if !(z <= cut) {
				note(p, z)
			}
		}
		return cand, cut
	}
	if d.b1-d.b0 == 1 {
		s0, q0 := d.s[:len(k)], d.q[:len(k)]
		xs, xq := w.block(d.b0)
		xs, xq = xs[:len(k)], xq[:len(k)]
		for p := range k {
			z := sharpeKey(s0[p]+xs[p], q0[p]+xq[p], n)
			k[p] = z
			if !(z <= cut) {
				note(p, z)
			}
		}
		return cand, cut
	}
	for p := range k {
		s, q := w.sums(d, p)
		z := sharpeKey(s, q, n)
		k[p] = z
		if !(z <= cut) {
			note(p, z)
		}
	}
	return cand, cut
}

// best returns the position of the best trial of side d (the largest
// Sharpe ratio, the first trial on ties) from its keys k (exact ratios at
// the positions from w.fast) and the candidates cand with the final cut.
func (w *cscvWalk) best(d *side, k []float64, cand []int32, cut float64) int {
	bp, br := -1, 0.0
	for _, p := range cand {
		z := k[p]
		if z < cut {
			continue
		}
		r := math.Inf(-1)
		if z != r {
			r = w.sharpe(d, int(p))
		}
		if bp < 0 || r > br { // positions below fast are in trial order
			bp, br = int(p), r
		}
	}
	if w.fast > 0 && (bp < 0 || math.IsInf(br, -1)) {
		// No candidate has a ratio above -Inf: then no key was a number
		// (a number is a candidate, and its ratio too), and the ratio of
		// every fast position is -Inf: the first of them is the best.
		bp, br = 0, w.sharpe(d, 0)
	}
	for p := w.fast; p < w.N; p++ {
		if r := k[p]; bp < 0 || r > br || r == br && w.index[p] < w.index[bp] {
			bp, br = p, r
		}
	}
	return bp
}

// bounds returns the keys below which (above which) a fast position's
// Sharpe ratio is below (above) x: φ(x) less (plus) keyMargin·|φ(x)|;
// ±Inf for an x too large or too small to square.
func (w *cscvWalk) bounds(x float64) (lo, hi float64) {
	a := math.Abs(x)
	switch {
	case math.IsInf(x, 0):
		return x, x // every key of a ratio other than ±Inf is decided
	case x == 0:
		return 0, 0 // the sign of a nonzero key is the ratio's
	case a >= 0x1p-300 && a <= 0x1p300:
		f := x * a * w.cn
		m := math.Abs(f) * keyMargin
		return f - m, f + m
	}
	return math.Inf(-1), math.Inf(1)
}

// rank counts the trials whose Sharpe ratio on side d is below x (lt) and
// above it (gt) from their keys k (exact ratios from position w.fast). A
// key equal to both bounds (x is ±0 or -Inf) is that of a ratio equal to x.
func (w *cscvWalk) rank(d *side, k []float64, x float64) (lt, gt int) {
	lo, hi := w.bounds(x)
	eq := math.NaN()
	if lo == hi {
		eq = lo
	}
	fk, wt := k[:w.fast], w.weight[:w.fast]
	var l, g int64
	step := func(p int) {
		z := fk[p]
		dl, dg := b2i(z < lo), b2i(z > hi)
		if dl|dg == 0 && z != eq {
			dl, dg = w.resolve(d, p, z, x)
		}
		l += wt[p] * int64(dl)
		g += wt[p] * int64(dg)
	}
	if w.vec {
		for p := 0; p < len(fk); p++ {
			if len(fk)-p >= 4 { // four at a time up to an undecided key
				dl, dg, stop := rankVec(&fk[p], &wt[p], len(fk)-p, lo, hi, eq)
				l += dl
				g += dg
				if p += stop; p >= len(fk) {
					break
				}
			}
			step(p)
		}
	} else {
		for p := range fk {
			step(p)
		}
	}
	for p := w.fast; p < w.N; p++ {
		l += w.weight[p] * int64(b2i(k[p] < x))
		g += w.weight[p] * int64(b2i(k[p] > x))
	}
	return int(l), int(g)
}

// resolve compares the exact Sharpe ratio on side d of the trial at fast
// position p, whose key z does not decide, with x: (1, 0) below, (0, 1)
// above, (0, 0) equal.
func (w *cscvWalk) resolve(d *side, p int, z, x float64) (lt, gt int) {
	r := math.Inf(-1)
	if z != r {
		r = w.sharpe(d, p)
	}
	return b2i(r < x), b2i(r > x)
}

func b2i(c bool) int {
	if c {
		return 1
	}
	return 0
}

// sharpeOf is the Sharpe ratio (mean over the n-1 standard deviation) of n
// values with sum s and sum of squares q; an undefined ratio is -Inf, so it
// ranks below every number.
func sharpeOf(s, q, n float64) float64 {
	mean := s / n
	v := (q - s*mean) / (n - 1)
	if !(v > 0) {
		return math.Inf(-1)
	}
	return mean / math.Sqrt(v)
}

// logit returns ln(ω/(1-ω)) for the relative out-of-sample rank ω of the
// in-sample best trial among N, less of them below it and equal others
// equal to it (itself included); ranks are 1 = worst, mid-ranks for ties,
// ω = rank/(N+1).
func logit(less, equal, N int) float64 {
	rank := float64(less) + float64(equal+1)/2
	w := rank / float64(N+1)
	return math.Log(w / (1 - w))
}

func binom(n, k int) int64 {
	r := int64(1)
	for i := 1; i <= k; i++ {
		r = r * int64(n-k+i) / int64(i)
	}
	return r
}
