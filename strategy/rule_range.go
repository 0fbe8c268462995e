package strategy

import (
	"fmt"

	"github.com/riskon/riskon/data"
)

// RangeBreakoutParams are the typed parameters of the range_breakout rule.
type RangeBreakoutParams struct {
	Lookback  int     // previous period closes the close must exceed
	RangeDays int     // previous period closes that must stay inside the band
	MaxRange  float64 // the band: highest/lowest of those closes <= 1 + MaxRange
}

// rangeBreakout fires when a close is strictly above the highest of the
// previous Lookback closes and the previous RangeDays closes stayed inside a
// band whose high/low ratio is at most 1 + MaxRange: a new high after a long
// sideways market. Monotonic deques keep the three window extremes.
type rangeBreakout struct {
	p      RangeBreakoutParams
	closes []float64
	hi     deque // max over the lookback window
	rhi    deque // max over the range window
	rlo    deque // min over the range window
}

func init() {
	RegisterTriggerRule(TriggerRule{
		Name: "range_breakout",
		Doc:  "close strictly above the highest of the previous lookback closes after the previous range_days closes stayed within highest/lowest <= 1 + max_range",
		Keys: []string{"trigger.lookback", "trigger.range_days", "trigger.max_range"},
		New: func(p BreakoutParams, capacity int) (RuleState, error) {
			if p.Lookback < 1 || p.RangeDays < 1 || !(p.MaxRange >= 0) {
				return nil, fmt.Errorf("range_breakout: trigger.lookback and trigger.range_days must be at least 1, trigger.max_range >= 0")
			}
			r := &rangeBreakout{p: RangeBreakoutParams{Lookback: p.Lookback, RangeDays: p.RangeDays, MaxRange: p.MaxRange},
				closes: make([]float64, 0, capacity)}
			r.hi.init(capacity, false)
			r.rhi.init(capacity, false)
			r.rlo.init(capacity, true)
			return r, nil
		},
	})
}

func (t *rangeBreakout) Next(cl float64, _ data.Date) (level float64, broke bool) {
	i := len(t.closes)
	t.closes = append(t.closes, cl)
	if i >= t.p.Lookback && i >= t.p.RangeDays {
		level = t.closes[t.hi.front(i-t.p.Lookback)]
		hi, lo := t.closes[t.rhi.front(i-t.p.RangeDays)], t.closes[t.rlo.front(i-t.p.RangeDays)]
		broke = cl > level && lo > 0 && hi <= lo*(1+t.p.MaxRange)
	}
	t.hi.push(t.closes, i)
	t.rhi.push(t.closes, i)
	t.rlo.push(t.closes, i)
	return level, broke
}

// deque is a monotonic deque of indices into a slice of closes: the front is
// the index of the window's maximum (or minimum when min).
type deque struct {
	ix   []int
	head int
	min  bool
}

func (q *deque) init(capacity int, min bool) {
	*q = deque{ix: make([]int, 0, capacity), min: min}
}

// front drops indices before from and returns the extreme's index; the
// window must not be empty.
func (q *deque) front(from int) int {
	for q.head < len(q.ix) && q.ix[q.head] < from {
		q.head++
	}
	return q.ix[q.head]
}

func (q *deque) push(closes []float64, i int) {
	cl := closes[i]
	for len(q.ix) > q.head {
		last := closes[q.ix[len(q.ix)-1]]
		if (!q.min && last <= cl) || (q.min && last >= cl) {
			q.ix = q.ix[:len(q.ix)-1]
			continue
		}
		break
	}
	q.ix = append(q.ix, i)
}

// Reset starts over keeping the buffers.
func (t *rangeBreakout) Reset(p BreakoutParams, capacity int) bool {
	if p.Lookback < 1 || p.RangeDays < 1 || !(p.MaxRange >= 0) || cap(t.closes) < capacity {
		return false
	}
	t.p = RangeBreakoutParams{Lookback: p.Lookback, RangeDays: p.RangeDays, MaxRange: p.MaxRange}
	t.closes = t.closes[:0]
	for _, q := range []*deque{&t.hi, &t.rhi, &t.rlo} {
		q.ix, q.head = q.ix[:0], 0
	}
	return true
}
