package strategy

import (
	"fmt"

	"github.com/riskon/riskon/data"
)

// AboveMAParams are the typed parameters of the above_ma rule.
type AboveMAParams struct {
	MADays int // period closes in the simple moving average
}

// MACrossParams are the typed parameters of the ma_cross rule.
type MACrossParams struct {
	Fast, Slow int // period closes in the fast and the slow moving averages
}

// aboveMA fires when the close crosses above its simple moving average: the
// close is above the average of the last MADays closes (itself included)
// while the previous close was at or below the previous average. The level
// is the average.
type aboveMA struct {
	p        AboveMAParams
	closes   []float64
	prevDiff float64 // previous close minus its average; NaN-free: valid when hasPrev
	hasPrev  bool
}

// maCross fires when the fast average crosses above the slow one: fast >
// slow now, fast <= slow at the previous close. The level is the slow
// average and the value compared with it (margin, confirmation,
// failed-breakout exit) is the fast average.
type maCross struct {
	p        MACrossParams
	closes   []float64
	prevDiff float64
	hasPrev  bool
}

func init() {
	RegisterTriggerRule(TriggerRule{
		Name: "above_ma",
		Doc:  "close crosses above its ma_days simple moving average (above now, at or below at the previous close)",
		Keys: []string{"trigger.ma_days"},
		New: func(p BreakoutParams, capacity int) (RuleState, error) {
			if p.MADays < 1 {
				return nil, fmt.Errorf("above_ma: trigger.ma_days must be at least 1")
			}
			return &aboveMA{p: AboveMAParams{MADays: p.MADays}, closes: make([]float64, 0, capacity)}, nil
		},
	})
	RegisterTriggerRule(TriggerRule{
		Name: "ma_cross",
		Doc:  "the fast simple moving average crosses above the slow one (above now, at or below at the previous close)",
		Keys: []string{"trigger.fast", "trigger.slow"},
		New: func(p BreakoutParams, capacity int) (RuleState, error) {
			if p.Fast < 1 || p.Slow <= p.Fast {
				return nil, fmt.Errorf("ma_cross: want 1 <= trigger.fast < trigger.slow")
			}
			return &maCross{p: MACrossParams{Fast: p.Fast, Slow: p.Slow}, closes: make([]float64, 0, capacity)}, nil
		},
	})
}

// sma is the mean of the last n values of x (len(x) >= n), summed oldest
// first so that an independent computation in the same order agrees to the
// last bit.
func sma(x []float64, n int) float64 {
	s := 0.0
	for _, v := range x[len(x)-n:] {
		s += v
	}
	return s / float64(n)
}

func (t *aboveMA) Next(cl float64, _ data.Date) (level float64, broke bool) {
	t.closes = append(t.closes, cl)
	if len(t.closes) < t.p.MADays {
		return 0, false
	}
	ma := sma(t.closes, t.p.MADays)
	diff := cl - ma
	broke = t.hasPrev && diff > 0 && t.prevDiff <= 0
	t.prevDiff, t.hasPrev = diff, true
	return ma, broke
}

// Value of aboveMA is the close (the default).

func (t *maCross) Next(cl float64, _ data.Date) (level float64, broke bool) {
	t.closes = append(t.closes, cl)
	if len(t.closes) < t.p.Slow {
		return 0, false
	}
	fast, slow := sma(t.closes, t.p.Fast), sma(t.closes, t.p.Slow)
	diff := fast - slow
	broke = t.hasPrev && diff > 0 && t.prevDiff <= 0
	t.prevDiff, t.hasPrev = diff, true
	return slow, broke
}

// Value returns the fast average of the last close: what ma_cross compares
// with its level.
func (t *maCross) Value() float64 {
	if len(t.closes) < t.p.Slow {
		return 0
	}
	return sma(t.closes, t.p.Fast)
}

// Reset starts over keeping the buffer.
func (t *aboveMA) Reset(p BreakoutParams, capacity int) bool {
	if p.MADays < 1 || cap(t.closes) < capacity {
		return false
	}
	*t = aboveMA{p: AboveMAParams{MADays: p.MADays}, closes: t.closes[:0]}
	return true
}

// Reset starts over keeping the buffer.
func (t *maCross) Reset(p BreakoutParams, capacity int) bool {
	if p.Fast < 1 || p.Slow <= p.Fast || cap(t.closes) < capacity {
		return false
	}
	*t = maCross{p: MACrossParams{Fast: p.Fast, Slow: p.Slow}, closes: t.closes[:0]}
	return true
}
