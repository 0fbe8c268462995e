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
// holds each candidate's index and close side by side, so that the pops
// read one array.
type donchian struct {
	p      DonchianParams
	n      int // closes seen
	dq     []int
	dqv    []float64 // dqv[j] is the close of index dq[j]
	dqHead int
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
			return &donchian{p: DonchianParams{Lookback: p.Lookback}, dq: make([]int, 0, capacity), dqv: make([]float64, 0, capacity)}, nil
		},
	})
}

func (t *donchian) Next(cl float64, _ data.Date) (level float64, broke bool) {
	i := t.n
	t.n++
	n := t.p.Lookback
	for t.dqHead < len(t.dq) && t.dq[t.dqHead] < i-n {
		t.dqHead++
	}
	if i >= n {
		level = t.dqv[t.dqHead]
		broke = cl > level
	}
	m := len(t.dqv)
	for m > t.dqHead && t.dqv[m-1] <= cl {
		m--
	}
	t.dq = append(t.dq[:m], i)
	t.dqv = append(t.dqv[:m], cl)
	return level, broke
}

// Reset starts over keeping the buffers.
func (t *donchian) Reset(p BreakoutParams, capacity int) bool {
	if p.Lookback < 1 || cap(t.dq) < capacity || cap(t.dqv) < capacity {
		return false
	}
	*t = donchian{p: DonchianParams{Lookback: p.Lookback}, dq: t.dq[:0], dqv: t.dqv[:0]}
	return true
}
