package strategy

import (
	"fmt"
	"math"

	"github.com/riskon/riskon/data"
)

// DonchianParams are the typed parameters of the donchian rule.
type DonchianParams struct {
	Lookback int // previous period closes the close must exceed
}

// donchian fires when a close is strictly above the highest of the previous
// Lookback closes. The closes are cut into blocks of Lookback (van Herk 1992,
// "A fast algorithm for local minimum and maximum filters on rectangular and
// octagonal kernels", Pattern Recognition Letters 13(7); Gil & Werman 1993):
// the previous Lookback closes are a suffix of the previous block and a
// prefix of the current one, so the level is the larger of the previous
// block's suffix maximum (computed once when that block completed) and the
// running maximum of the current block. That is O(1) per close without a
// data-dependent branch, and the level is the same number the definition
// gives: the maximum of the same closes, which are finite (the store and
// the generator give no others). The closes are kept as order keys (their
// bits as integers, ordered as the numbers are: see floatKey), so that each
// maximum is an integer comparison.
type donchian struct {
	p   DonchianParams
	n   int     // closes seen
	q   int     // closes of the current block so far, in blk[:q]
	blk []int64 // the current block's closes (order keys)
	suf []int64 // suf[j]: the highest close of the previous block from its position j on
	pre int64   // the highest close of the current block so far (math.MinInt64 while it has none)
}

// floatKey maps a number to an integer of the same order (for every
// number but NaN, -0 below +0): the bits of a positive number already
// compare as the numbers; a negative number's bits other than the sign are
// flipped. It is its own inverse.
func floatKey(x float64) int64 {
	b := int64(math.Float64bits(x))
	return b ^ (b >> 63 & math.MaxInt64)
}

// keyValue is the number of an order key.
func keyValue(k int64) float64 {
	return math.Float64frombits(uint64(k ^ (k >> 63 & math.MaxInt64)))
}

func init() {
	RegisterTriggerRule(TriggerRule{
		Name: string(Donchian),
		Doc:  "close strictly above the highest of the previous lookback closes of the timeframe",
		Keys: []string{"trigger.lookback"},
		New: func(p BreakoutParams, capacity int) (RuleState, error) {
			if p.Lookback < 1 {
				return nil, fmt.Errorf("trigger.lookback must be at least 1")
			}
			size := blockSize(p.Lookback, capacity)
			return &donchian{p: DonchianParams{Lookback: p.Lookback}, blk: make([]int64, size), suf: make([]int64, size), pre: math.MinInt64}, nil
		},
	})
}

// blockSize is what the block buffers of lookback need over capacity closes:
// a block of lookback closes, or fewer when fewer closes come (a block is
// never complete then, and its suffix maxima never needed).
func blockSize(lookback, capacity int) int {
	return max(min(lookback, capacity), 1)
}

func (t *donchian) Next(cl float64, _ data.Date) (level float64, broke bool) {
	q := t.q
	if t.n >= t.p.Lookback {
		// The previous Lookback closes: the previous block from position
		// q on, and the current block's q closes (pre is the lowest key
		// while q is 0).
		level = keyValue(max(t.suf[q], t.pre))
		broke = cl > level
	}
	t.n++
	key := floatKey(cl)
	t.pre = max(t.pre, key)
	if q < len(t.blk) && q+1 < t.p.Lookback {
		// The usual close: inside the block and not its last (the
		// compiler inlines this much).
		t.blk[q] = key
		t.q = q + 1
		return level, broke
	}
	t.put(q, key)
	return level, broke
}

// put stores the close key at position q of the current block, growing the
// buffers first when they are full, and completes the block when q is its
// last position.
func (t *donchian) put(q int, key int64) {
	n := t.p.Lookback
	if q == len(t.blk) {
		t.grow()
	}
	t.blk[q] = key
	t.q = q + 1
	if t.q == n {
		// The block is complete: its suffix maxima serve the next n closes.
		blk, suf := t.blk[:n], t.suf[:n]
		m := blk[n-1]
		suf[n-1] = m
		for j := n - 2; j >= 0; j-- {
			m = max(m, blk[j])
			suf[j] = m
		}
		t.q, t.pre = 0, math.MinInt64
	}
}

// grow doubles the block buffers, up to the lookback (more closes came than
// the capacity New was given).
func (t *donchian) grow() {
	size := min(2*len(t.blk), t.p.Lookback)
	blk := make([]int64, size)
	copy(blk, t.blk)
	t.blk, t.suf = blk, make([]int64, size)
}

// Reset starts over keeping the buffers.
func (t *donchian) Reset(p BreakoutParams, capacity int) bool {
	size := blockSize(p.Lookback, capacity)
	if p.Lookback < 1 || len(t.blk) < size {
		return false
	}
	*t = donchian{p: DonchianParams{Lookback: p.Lookback}, blk: t.blk, suf: t.suf, pre: math.MinInt64}
	return true
}
