package sweep

import (
	"fmt"
	"math"
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
	// Every set of S/2 blocks without the newest block: its complement is
	// the other half, so each pair of sets is scored once.
	half := S / 2
	var masks []uint32
	full := uint32(1)<<S - 1
	for v := uint32(1)<<half - 1; v <= full; {
		if v&(1<<(S-1)) == 0 {
			masks = append(masks, v)
		}
		c := v & -v
		r := v + c
		v = (((r ^ v) >> 2) / c) | r
	}
	out.Splits = 2 * len(masks)
	n := float64(half * g.BlockDays)
	workers = min(max(workers, 1), len(masks))
	var next, over atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sA, qA := make([]float64, N), make([]float64, N)
			sB, qB := make([]float64, N), make([]float64, N)
			scA, scB := make([]float64, N), make([]float64, N)
			count := int64(0)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(masks) {
					break
				}
				mask := masks[i]
				clear(sA)
				clear(qA)
				clear(sB)
				clear(qB)
				for b := range S {
					bs, bq := sum[b*N:(b+1)*N], sq[b*N:(b+1)*N]
					ds, dq := sB, qB
					if mask&(1<<b) != 0 {
						ds, dq = sA, qA
					}
					for j := range N {
						ds[j] += bs[j]
						dq[j] += bq[j]
					}
				}
				for j := range N {
					scA[j] = sharpeOf(sA[j], qA[j], n)
					scB[j] = sharpeOf(sB[j], qB[j], n)
				}
				if logit(scA, scB) <= 0 {
					count++
				}
				if logit(scB, scA) <= 0 {
					count++
				}
			}
			over.Add(count)
		}()
	}
	wg.Wait()
	out.PBO = float64(over.Load()) / float64(out.Splits)
	return out, nil
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
// in-sample best trial (first on ties); ranks are 1 = worst, mid-ranks for
// ties, ω = rank/(N+1).
func logit(is, oos []float64) float64 {
	best := 0
	for j := 1; j < len(is); j++ {
		if is[j] > is[best] {
			best = j
		}
	}
	var less, equal int
	x := oos[best]
	for _, v := range oos {
		switch {
		case v < x:
			less++
		case v == x:
			equal++
		}
	}
	rank := float64(less) + float64(equal+1)/2
	w := rank / float64(len(is)+1)
	return math.Log(w / (1 - w))
}

func binom(n, k int) int64 {
	r := int64(1)
	for i := 1; i <= k; i++ {
		r = r * int64(n-k+i) / int64(i)
	}
	return r
}
