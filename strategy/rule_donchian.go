package strategy

import (
	"fmt"

	"github.com/riskon/riskon/data"
)

// DonchianParams are the typed parameters of the donchian rule.
type DonchianParams struct {
	Lookback int // previous period closes the close must exceed
}

// donchian fires when a close is strictly above the highest of the previous
// Lookback closes (a monotonic deque: O(1) amortised per close). The deque
// is a ring of a power-of-two size holding each candidate's index and close
// side by side: it never holds more than Lookback+1 candidates, so it stays
// small (in cache) whatever the length of the series.
type donchian struct {
	p          DonchianParams
	n          int // closes seen
	head, tail int // candidates are ring positions [head, tail)
	idx        []int
	val        []float64 // val[j] is the close of index idx[j]
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
			size := ringSize(p.Lookback, capacity)
			return &donchian{p: DonchianParams{Lookback: p.Lookback}, idx: make([]int, size), val: make([]float64, size)}, nil
		},
	})
}

// ringSize is the power of two the deque of lookback needs over capacity
// closes: at most lookback+1 candidates, never more than the closes.
func ringSize(lookback, capacity int) int {
	need := min(lookback, capacity) + 1
	size := 1
	for size < need {
		size *= 2
	}
	return size
}

func (t *donchian) Next(cl float64, _ data.Date) (level float64, broke bool) {
	i := t.n
	t.n++
	n := t.p.Lookback
	mask := len(t.idx) - 1
	for t.head < t.tail && t.idx[t.head&mask] < i-n {
		t.head++
	}
	if i >= n {
		level = t.val[t.head&mask]
		broke = cl > level
	}
	for t.tail > t.head && t.val[(t.tail-1)&mask] <= cl {
		t.tail--
	}
	if t.tail-t.head == len(t.idx) {
		t.grow()
		mask = len(t.idx) - 1
	}
	t.idx[t.tail&mask], t.val[t.tail&mask] = i, cl
	t.tail++
	return level, broke
}

// grow doubles the ring (more closes than the capacity New was given).
func (t *donchian) grow() {
	size := 2 * len(t.idx)
	idx, val := make([]int, size), make([]float64, size)
	mask := len(t.idx) - 1
	for j := t.head; j < t.tail; j++ {
		idx[j-t.head], val[j-t.head] = t.idx[j&mask], t.val[j&mask]
	}
	t.tail -= t.head
	t.head = 0
	t.idx, t.val = idx, val
}

// Reset starts over keeping the buffers.
func (t *donchian) Reset(p BreakoutParams, capacity int) bool {
	if p.Lookback < 1 || len(t.idx) < ringSize(p.Lookback, capacity) {
		return false
	}
	*t = donchian{p: DonchianParams{Lookback: p.Lookback}, idx: t.idx, val: t.val}
	return true
}
