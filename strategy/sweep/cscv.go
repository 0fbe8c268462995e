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
	// Transpose to block-major: sum[b*N+j], sq[b*N+j].
	sum := make([]float64, S*N)
	sq := make([]float64, S*N)
	for j, slot := range order {
		v := sums[int(slot)*2*S : int(slot+1)*2*S]
		for b := range S {
			sum[b*N+j] = v[b]
			sq[b*N+j] = v[S+b]
		}
	}
	out.Splits = int(binom(S, S/2))
	over := cscvCount(sum, sq, S, N, float64(S/2*g.BlockDays), workers)
	out.PBO = float64(over) / float64(out.Splits)
	return out, nil
}

// cscvCount returns the number of the C(S,S/2) splits whose logit is at most
// 0, from the block-major sums sum[b*N+j] and sums of squares sq[b*N+j] of N
// trials on S blocks of n/(S/2) days.
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
// the leaf adds them in registers as it computes the Sharpe ratios: at S = 14,
// 2,638 additions of N-vectors through memory and 5,511 in the leaves'
// registers instead of 1,716·14 = 24,024 through memory. A worker holds 2·N
// numbers per depth (at most S-2 depths) and 2·N Sharpe ratios: 18 MB at
// 100,000 trials (S = 12). The tree is cut into subtrees, handed to the
// workers; the count is a sum of integers, so it does not depend on them.
func cscvCount(sum, sq []float64, S, N int, n float64, workers int) int64 {
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
				S: S, half: S / 2, N: N, n: n, sum: sum, sq: sq,
				lvS: make([][]float64, S), lvQ: make([][]float64, S),
				scA: make([]float64, N), scB: make([]float64, N),
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
// side that block b joins, and the Sharpe ratios of a leaf.
type cscvWalk struct {
	S, half, N int
	n          float64
	sum, sq    []float64
	lvS, lvQ   [][]float64
	scA, scB   []float64
	count      int64
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
func addBlock(ds, dq, ps, pq, xs, xq []float64) {
	ds, dq, pq, xs, xq = ds[:len(ps)], dq[:len(ps)], pq[:len(ps)], xs[:len(ps)], xq[:len(ps)]
	for j := range ps {
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
			addBlock(ds, dq, aS, aQ, xs, xq)
			aS, aQ = ds, dq
			cntA++
		} else {
			addBlock(ds, dq, bS, bQ, xs, xq)
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
		w.leaf(aS, aQ, b, S-1, bS, bQ, S-1, S)
		return
	}
	xs, xq := w.block(b)
	if needA == 1 {
		w.leaf(aS, aQ, b, b+1, bS, bQ, b+1, S) // block b to A completes it
		ds, dq := w.level(b)                   // block b to B
		addBlock(ds, dq, bS, bQ, xs, xq)
		w.walk(b+1, cntA, aS, aQ, ds, dq)
		return
	}
	ds, dq := w.level(b)
	addBlock(ds, dq, aS, aQ, xs, xq)
	w.walk(b+1, cntA+1, ds, dq, bS, bQ)
	addBlock(ds, dq, bS, bQ, xs, xq)
	w.walk(b+1, cntA, aS, aQ, ds, dq)
}

// leaf scores the split whose side A is aS, aQ plus blocks a0..a1-1 and side
// B is bS, bQ plus blocks b0..b1-1 (added in increasing order, in registers):
// the Sharpe ratios of both sides with the in-sample best trial of each (the
// first on ties), then the out-of-sample rank of each best on the other side,
// counting the logits at most 0.
func (w *cscvWalk) leaf(aS, aQ []float64, a0, a1 int, bS, bQ []float64, b0, b1 int) {
	N, n := w.N, w.n
	scA, scB := w.scA[:N], w.scB[:N]
	aS, aQ, bS, bQ = aS[:N], aQ[:N], bS[:N], bQ[:N]
	var mA, mB float64
	bestA, bestB := 0, 0
	if a1-a0 == 1 && b1-b0 == 1 {
		xa, qa := w.block(a0)
		xb, qb := w.block(b0)
		xa, qa, xb, qb = xa[:N], qa[:N], xb[:N], qb[:N]
		mA = sharpeOf(aS[0]+xa[0], aQ[0]+qa[0], n)
		mB = sharpeOf(bS[0]+xb[0], bQ[0]+qb[0], n)
		scA[0], scB[0] = mA, mB
		for j := 1; j < N; j++ {
			a := sharpeOf(aS[j]+xa[j], aQ[j]+qa[j], n)
			c := sharpeOf(bS[j]+xb[j], bQ[j]+qb[j], n)
			scA[j], scB[j] = a, c
			if a > mA {
				mA, bestA = a, j
			}
			if c > mB {
				mB, bestB = c, j
			}
		}
	} else {
		sum, sq := w.sum[:w.S*N], w.sq[:w.S*N]
		for j := range N {
			s, q := aS[j], aQ[j]
			for k := a0*N + j; k < a1*N; k += N {
				s += sum[k]
				q += sq[k]
			}
			a := sharpeOf(s, q, n)
			s, q = bS[j], bQ[j]
			for k := b0*N + j; k < b1*N; k += N {
				s += sum[k]
				q += sq[k]
			}
			c := sharpeOf(s, q, n)
			scA[j], scB[j] = a, c
			if j == 0 {
				mA, mB = a, c
				continue
			}
			if a > mA {
				mA, bestA = a, j
			}
			if c > mB {
				mB, bestB = c, j
			}
		}
	}
	// Training A, testing B: the rank of scB[bestA] among scB; and back.
	x, y := scB[bestA], scA[bestB]
	var ltB, leB, ltA, leA int
	for j := range N {
		ltB += b2i(scB[j] < x)
		leB += b2i(scB[j] <= x)
		ltA += b2i(scA[j] < y)
		leA += b2i(scA[j] <= y)
	}
	if logit(ltB, leB-ltB, N) <= 0 {
		w.count++
	}
	if logit(ltA, leA-ltA, N) <= 0 {
		w.count++
	}
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
