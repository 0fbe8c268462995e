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
// Lookback closes (a monotonic deque: O(1) amortised per close).
type donchian struct {
	p      DonchianParams
	closes []float64
	dq     []int
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
			return &donchian{p: DonchianParams{Lookback: p.Lookback}, closes: make([]float64, 0, capacity), dq: make([]int, 0, capacity)}, nil
		},
	})
}

func (t *donchian) Next(cl float64, _ data.Date) (level float64, broke bool) {
	i := len(t.closes)
	t.closes = append(t.closes, cl)
	n := t.p.Lookback
	for t.dqHead < len(t.dq) && t.dq[t.dqHead] < i-n {
		t.dqHead++
	}
	if i >= n {
		level = t.closes[t.dq[t.dqHead]]
		broke = cl > level
	}
	for len(t.dq) > t.dqHead && t.closes[t.dq[len(t.dq)-1]] <= cl {
		t.dq = t.dq[:len(t.dq)-1]
	}
	t.dq = append(t.dq, i)
	return level, broke
}

// Reset starts over keeping the buffers.
func (t *donchian) Reset(p BreakoutParams, capacity int) bool {
	if p.Lookback < 1 || cap(t.closes) < capacity {
		return false
	}
	*t = donchian{p: DonchianParams{Lookback: p.Lookback}, closes: t.closes[:0], dq: t.dq[:0]}
	return true
}
