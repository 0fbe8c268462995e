package strategy

import "github.com/riskon/riskon/data"

// NewHighParams are the typed parameters of the new_high rule.
type NewHighParams struct {
	MinDaysSinceHigh int // calendar days the previous all-time high must be old
}

// newHigh fires when a close is above the all-time-high close and that
// previous high is at least MinDaysSinceHigh calendar days old.
type newHigh struct {
	p      NewHighParams
	ath    float64
	athDay data.Date
	hasATH bool
}

func init() {
	RegisterTriggerRule(TriggerRule{
		Name: string(NewHigh),
		Doc:  "close above the all-time-high close, that high at least min_days_since_high calendar days old",
		Keys: []string{"trigger.min_days_since_high"},
		New: func(p BreakoutParams, _ int) (RuleState, error) {
			return &newHigh{p: NewHighParams{MinDaysSinceHigh: p.MinDaysSinceHigh}}, nil
		},
	})
}

func (t *newHigh) Next(cl float64, d data.Date) (level float64, broke bool) {
	if t.hasATH && cl > t.ath {
		level = t.ath
		broke = int(d-t.athDay) >= t.p.MinDaysSinceHigh
	}
	if !t.hasATH || cl > t.ath {
		t.ath, t.athDay, t.hasATH = cl, d, true
	}
	return level, broke
}

// Reset starts over.
func (t *newHigh) Reset(p BreakoutParams, _ int) bool {
	*t = newHigh{p: NewHighParams{MinDaysSinceHigh: p.MinDaysSinceHigh}}
	return true
}
