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
	p      DonchianParams
	blocks int     // complete blocks seen (the closes seen are blocks x Lookback + q)
	q      int     // closes of the current block so far, in blk[:q]
	blk    []int64 // the current block's closes (order keys); at most Lookback long
	// suf[j] is the highest close of the previous block from its position j
	// on; before the first block completes, the highest key (no close is
	// above it: see advance).
	suf []int64
	pre int64 // the highest close of the current block so far (math.MinInt64 while it has none)
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
			return &donchian{p: DonchianParams{Lookback: p.Lookback}, blk: make([]int64, size), suf: noBlock(make([]int64, size)), pre: math.MinInt64}, nil
		},
	})
}

// noBlock sets suf to what it holds before the first block completes: the
// highest key, which no close's key is above.
func noBlock(suf []int64) []int64 {
	for j := range suf {
		suf[j] = math.MaxInt64
	}
	return suf
}

// blockSize is what the block buffers of lookback need over capacity closes:
// a block of lookback closes, or, when fewer closes come (a block is never
// complete then, and its suffix maxima never needed), one more than come, so
// that the buffers are never found full (see step).
func blockSize(lookback, capacity int) int {
	return max(min(lookback, capacity+1), 1)
}

func (t *donchian) Next(cl float64, _ data.Date) (level float64, broke bool) {
	level, broke = t.level(cl)
	if t.push(cl) {
		t.complete()
	}
	return level, broke
}

// level is the rule's answer for the close cl against the previous
// Lookback closes, changing nothing.
func (t *donchian) level(cl float64) (level float64, broke bool) {
	if t.blocks > 0 {
		// The previous Lookback closes: the previous block from position
		// q on, and the current block's q closes (pre is the lowest key
		// while q is 0).
		level = keyValue(max(t.suf[t.q], t.pre))
		broke = cl > level
	}
	return level, broke
}

// advance is level and push in one step, on the order keys: it returns
// the key lk of the level (the highest of the previous Lookback closes:
// keyValue(lk)), whether the close cl's key is above it once a block is
// complete, adds cl to the current block and reports, as push, whether that
// filled the buffers. Small enough for the compiler to inline: the live
// daily path of Breakout.OnBar calls it for every close.
//
// The keys order as the numbers do except that -0 is below +0: cl broke
// the level (level's broke) when above and cl > keyValue(lk).
func (t *donchian) advance(cl float64) (lk int64, above, full bool) {
	key, q := floatKey(cl), t.q
	lk = max(t.suf[q], t.pre)
	above = key > lk // never before a block is complete (noBlock)
	t.pre = max(t.pre, key)
	t.blk[q] = key
	t.q = q + 1
	return lk, above, q+1 == len(t.blk)
}

// push adds the close cl to the current block and reports whether that
// filled the buffers, after which complete must run before the next close.
func (t *donchian) push(cl float64) (full bool) {
	key, q := floatKey(cl), t.q
	t.pre = max(t.pre, key)
	t.blk[q] = key
	t.q = q + 1
	return q+1 == len(t.blk)
}

// complete runs after the close that filled the buffers: when they hold a
// whole block, it completes the block (its suffix maxima serve the next
// Lookback closes), else (more closes came than the capacity New was given)
// it grows them.
func (t *donchian) complete() {
	n := t.p.Lookback
	if t.q < n {
		t.grow()
		return
	}
	blk, suf := t.blk[:n], t.suf[:n]
	m := blk[n-1]
	suf[n-1] = m
	// Two positions a step (the loop's own work halved).
	j := n - 2
	for ; j >= 1; j -= 2 {
		m = max(m, blk[j])
		suf[j] = m
		m = max(m, blk[j-1])
		suf[j-1] = m
	}
	if j == 0 {
		suf[0] = max(m, blk[0])
	}
	t.q, t.pre = 0, math.MinInt64
	t.blocks++
}

// grow doubles the block buffers, up to the lookback.
func (t *donchian) grow() {
	size := min(2*len(t.blk), t.p.Lookback)
	blk := make([]int64, size)
	copy(blk, t.blk)
	t.blk, t.suf = blk, noBlock(make([]int64, size))
}

// Reset starts over keeping the buffers.
func (t *donchian) Reset(p BreakoutParams, capacity int) bool {
	size := blockSize(p.Lookback, capacity)
	if p.Lookback < 1 || cap(t.blk) < size || cap(t.suf) < size {
		return false
	}
	*t = donchian{p: DonchianParams{Lookback: p.Lookback}, blk: t.blk[:size], suf: noBlock(t.suf[:size]), pre: math.MinInt64}
	return true
}
