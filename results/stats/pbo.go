package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// MaxPBOBlocks is the largest number of blocks PBO accepts: C(24, 12) =
// 2,704,156 combinations is already slow.
const MaxPBOBlocks = 24

// PBO returns the probability of backtest overfitting estimated by
// combinatorially symmetric cross-validation (CSCV) of Bailey, Borwein,
// López de Prado & Zhu (2017), "The probability of backtest overfitting",
// Journal of Computational Finance 20(4):
//
//  1. perf is a T×N matrix: row t holds the period-t returns of the N trials
//     (strategy configurations). Its rows are cut into S consecutive blocks
//     of ⌊T/S⌋ rows; the first T mod S (oldest) rows are dropped.
//  2. For each of the C(S, S/2) sets J of S/2 blocks (training set; its
//     complement J̄ is the test set), the blocks of each set are joined in
//     time order and metric scores every trial on J (R) and on J̄ (R̄).
//  3. n* = argmax_n R_n is the in-sample best trial (the first on ties);
//     ω̄ = rank(R̄_{n*}) / (N+1), its relative rank out of sample (rank 1 =
//     worst, mid-ranks for ties), and the logit is λ = ln(ω̄ / (1-ω̄)).
//  4. PBO = #{λ ≤ 0} / C(S, S/2): the share of splits in which the in-sample
//     best trial does no better than the out-of-sample median.
//
// The logits are returned in increasing order of the training set as a
// bitmask (bit i = block i, oldest first). A metric value of NaN ranks below
// every number. S = 0 means 16, the paper's choice. metric receives a scratch
// slice it must not keep. Each set's metric is computed once per trial and
// reused when the set is the test set, so the cost is C(S,S/2)·N metric
// calls on T/2 rows.
//
// Under pure noise with an even N, the out-of-sample rank of the in-sample
// winner is uniform on 1..N and PBO has expectation exactly 1/2 (with odd N,
// the median rank gives λ = 0 and the expectation is (N+1)/(2N)).
//
// It returns an error when perf is empty or ragged, N < 2, S is odd, below
// 2 or above MaxPBOBlocks, T < S, or metric is nil.
func PBO(perf [][]float64, S int, metric func([]float64) float64) (pbo float64, logits []float64, err error) {
	nan := math.NaN()
	if S == 0 {
		S = 16
	}
	switch {
	case metric == nil:
		return nan, nil, errors.New("stats: PBO needs a metric")
	case len(perf) == 0:
		return nan, nil, errors.New("stats: PBO of an empty matrix")
	case S < 2 || S%2 != 0 || S > MaxPBOBlocks:
		return nan, nil, fmt.Errorf("stats: PBO needs an even number of blocks in [2, %d], got %d", MaxPBOBlocks, S)
	}
	T, N := len(perf), len(perf[0])
	if N < 2 {
		return nan, nil, fmt.Errorf("stats: PBO needs at least 2 trials, got %d", N)
	}
	for t, row := range perf {
		if len(row) != N {
			return nan, nil, fmt.Errorf("stats: PBO matrix is ragged: row %d has %d trials, row 0 has %d", t, len(row), N)
		}
	}
	if T < S {
		return nan, nil, fmt.Errorf("stats: PBO needs at least S=%d rows, got %d", S, T)
	}
	m := T / S     // rows per block
	off := T - S*m // oldest rows dropped
	half := S / 2
	// Trials as contiguous columns: cols[j*S*m + t].
	L := S * m
	cols := make([]float64, N*L)
	for t := 0; t < L; t++ {
		row := perf[off+t]
		for j, v := range row {
			cols[j*L+t] = v
		}
	}
	// Every set of S/2 blocks, as bitmasks in increasing order (Gosper's hack).
	var masks []uint32
	full := uint32(1)<<S - 1
	for v := uint32(1)<<half - 1; v <= full; {
		masks = append(masks, v)
		c := v & -v
		r := v + c
		v = (((r ^ v) >> 2) / c) | r // next larger mask with the same popcount
	}
	C := len(masks)
	scratch := make([]float64, half*m)
	score := make([]float64, C*N)
	for c, mask := range masks {
		for j := 0; j < N; j++ {
			col := cols[j*L : (j+1)*L]
			k := 0
			for b := 0; b < S; b++ {
				if mask&(1<<b) != 0 {
					k += copy(scratch[k:], col[b*m:(b+1)*m])
				}
			}
			v := metric(scratch)
			if math.IsNaN(v) {
				v = math.Inf(-1)
			}
			score[c*N+j] = v
		}
	}
	logits = make([]float64, C)
	over := 0
	for c, mask := range masks {
		ct, ok := slices.BinarySearch(masks, full&^mask)
		if !ok {
			return nan, nil, errors.New("stats: PBO internal error: complement set not found")
		}
		is, oos := score[c*N:(c+1)*N], score[ct*N:(ct+1)*N]
		best := 0
		for j := 1; j < N; j++ {
			if is[j] > is[best] {
				best = j
			}
		}
		var less, equal int
		for _, v := range oos {
			switch {
			case v < oos[best]:
				less++
			case v == oos[best]:
				equal++
			}
		}
		rank := float64(less) + float64(equal+1)/2
		w := rank / float64(N+1)
		lam := math.Log(w / (1 - w))
		logits[c] = lam
		if lam <= 0 {
			over++
		}
	}
	return float64(over) / float64(C), logits, nil
}
