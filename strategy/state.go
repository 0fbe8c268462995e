package strategy

import (
	"fmt"
	"math"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// RuleStatus is a trigger rule's state after the period closes fed so far,
// stated as what the next period close must do to fire: the next close cl
// makes the rule (with the margin Status was given) fire iff Ready, Armed
// and cl > Level. It is read from the rule's own causal state (the same
// state Next uses), so it cannot drift from the backtest's decisions
// (TestEveryRuleStatusPredictsNext checks it over every registered rule).
type RuleStatus struct {
	// Ready is false while the rule has too few closes to judge the next
	// one (Level is then NaN).
	Ready bool
	// Level is the close the next period close must exceed. For price
	// rules it is the rule's level (raised by the margin); for the moving
	// average rules it is the close at which the cross would happen, solved
	// from the averages of the closes already fed.
	Level float64
	// LevelIndex is the index (0-based, in feeding order) of the period
	// close that set Level, -1 when none (the MA rules).
	LevelIndex int
	// Armed reports whether the rule's other condition holds for the next
	// close (new_high: the previous high old enough; range_breakout: the
	// range held; MA rules: now at or below the average); Why says why not.
	Armed bool
	Why   string
	// Values are the rule's own figures (highest close, band, averages).
	Values []RuleValue
}

// RuleValue is one named figure of a rule's state; Date is set for values
// that carry one (the date of an all-time high).
type RuleValue struct {
	Name  string
	Value float64
	Date  data.Date
	// HasDate tells whether Date is meaningful.
	HasDate bool
}

// StatusReporter is implemented by trigger rule states that can report
// their state; every registered rule does. next is the date of the next
// period close (new_high compares the age of its high with it), margin the
// trigger's margin (the fraction the compared value must clear the level
// by).
type StatusReporter interface {
	Status(next data.Date, margin float64) RuleStatus
}

func notReady(vals ...RuleValue) RuleStatus {
	return RuleStatus{Level: math.NaN(), LevelIndex: -1, Values: vals}
}

// withMargin is the close a price rule's close must exceed: above level and
// above level x (1 + margin).
func withMargin(level, margin float64) float64 {
	return max(level, level*(1+margin))
}

// dequeFront returns the front of a monotonic deque for the window starting
// at from without dropping anything (the state is only read).
func dequeFront(ix []int, head, from int) int {
	for head < len(ix) && ix[head] < from {
		head++
	}
	return ix[head]
}

// Status of donchian: the highest of the last Lookback closes and the index
// of its latest occurrence, read from the rule's blocks without changing
// them.
func (t *donchian) Status(_ data.Date, margin float64) RuleStatus {
	lb := t.p.Lookback
	n := t.blocks*lb + t.q
	if t.blocks == 0 {
		return notReady()
	}
	q := t.q
	k := t.suf[q]
	if q > 0 {
		k = max(k, t.pre)
	}
	hi := keyValue(k)
	// The latest close equal to hi: in the current block, else the last
	// position of the previous block whose suffix maximum is still hi.
	i := -1
	for j := q - 1; j >= 0 && i < 0; j-- {
		if t.blk[j] == k {
			i = n - q + j
		}
	}
	for j := lb - 1; j >= q && i < 0; j-- {
		if t.suf[j] == k {
			i = n - q - lb + j
		}
	}
	return RuleStatus{Ready: true, Armed: true, Level: withMargin(hi, margin), LevelIndex: i,
		Values: []RuleValue{{Name: "highest_close", Value: hi}}}
}

// Status of new_high: the all-time-high close, armed when it is at least
// MinDaysSinceHigh calendar days old at next.
func (t *newHigh) Status(next data.Date, margin float64) RuleStatus {
	if !t.hasATH {
		return notReady()
	}
	age := int(next - t.athDay)
	st := RuleStatus{Ready: true, Level: withMargin(t.ath, margin), LevelIndex: -1,
		Armed: age >= t.p.MinDaysSinceHigh,
		Values: []RuleValue{
			{Name: "all_time_high", Value: t.ath, Date: t.athDay, HasDate: true},
			{Name: "high_age_days", Value: float64(age)},
			{Name: "min_days_since_high", Value: float64(t.p.MinDaysSinceHigh)},
			{Name: "armed_from", Date: t.athDay + data.Date(t.p.MinDaysSinceHigh), HasDate: true},
		}}
	if !st.Armed {
		st.Why = fmt.Sprintf("the high of %s is %d days old at %s, under min_days_since_high %d (armed from %s)",
			t.athDay, age, next, t.p.MinDaysSinceHigh, t.athDay+data.Date(t.p.MinDaysSinceHigh))
	}
	return st
}

// Status of range_breakout: the highest of the last Lookback closes, and
// the band of the last RangeDays closes.
func (t *rangeBreakout) Status(_ data.Date, margin float64) RuleStatus {
	n := len(t.closes)
	if n < t.p.Lookback || n < t.p.RangeDays {
		return notReady()
	}
	i := dequeFront(t.hi.ix, t.hi.head, n-t.p.Lookback)
	hi := t.closes[i]
	bh := t.closes[dequeFront(t.rhi.ix, t.rhi.head, n-t.p.RangeDays)]
	bl := t.closes[dequeFront(t.rlo.ix, t.rlo.head, n-t.p.RangeDays)]
	st := RuleStatus{Ready: true, Level: withMargin(hi, margin), LevelIndex: i,
		Armed: bl > 0 && bh <= bl*(1+t.p.MaxRange),
		Values: []RuleValue{
			{Name: "highest_close", Value: hi},
			{Name: "band_high", Value: bh},
			{Name: "band_low", Value: bl},
			{Name: "band_range", Value: bh/bl - 1},
			{Name: "max_range", Value: t.p.MaxRange},
		}}
	if !st.Armed {
		st.Why = fmt.Sprintf("the last %d closes range %.4g%% (high %.6g / low %.6g), over max_range %.4g%%",
			t.p.RangeDays, 100*(bh/bl-1), bh, bl, 100*t.p.MaxRange)
	}
	return st
}

// sumLast is the sum of the last n values of x, oldest first.
func sumLast(x []float64, n int) float64 {
	s := 0.0
	for _, v := range x[len(x)-n:] {
		s += v
	}
	return s
}

// crossLevel solves (sf + x)/f > k (ss + x)/s for x, where sf and ss are
// the sums of the previous f-1 and s-1 closes (the averages including the
// next close x): x > (k ss/s - sf/f) / (1/f - k/s). ok is false when the
// coefficient of x is not positive (no close can satisfy it by rising).
func crossLevel(sf float64, f int, ss float64, s int, k float64) (float64, bool) {
	c := 1/float64(f) - k/float64(s)
	if !(c > 0) {
		return math.NaN(), false
	}
	return (k*ss/float64(s) - sf/float64(f)) / c, true
}

// Status of above_ma: the close that would end above its own MADays
// average (that average includes it) and the margin, armed when the last
// close was at or below its average.
func (t *aboveMA) Status(_ data.Date, margin float64) RuleStatus {
	n := t.p.MADays
	if !t.hasPrev {
		return notReady()
	}
	ma := sma(t.closes, n)
	vals := []RuleValue{{Name: "ma", Value: ma}, {Name: "last_minus_ma", Value: t.prevDiff}}
	if n == 1 {
		st := notReady(vals...)
		st.Ready, st.Why = true, "ma_days 1: a close always equals its average"
		return st
	}
	// One close x over the sum s of the previous n-1: x > (s+x)/n and
	// x > (1+margin)(s+x)/n; crossLevel with f = 1.
	return crossStatus(0, 1, sumLast(t.closes, n-1), n, margin, t.prevDiff, vals,
		"the margin is too large for a close to clear its own average",
		"the last close is already above its average: the rule fires on a cross from at or below")
}

// crossStatus is the status of a rule that fires when a fast average (of f
// closes, sf the sum of its f-1 older ones) crosses above a slow one (of s
// closes, ss likewise): the level is the close that clears both the plain
// cross and the margin (crossLevel), armed when prevDiff, the previous fast
// minus slow, is at or below zero. whyMargin and whyArmed say why it is not
// armed.
func crossStatus(sf float64, f int, ss float64, s int, margin, prevDiff float64, vals []RuleValue, whyMargin, whyArmed string) RuleStatus {
	lvl, ok := crossLevel(sf, f, ss, s, 1)
	if l2, ok2 := crossLevel(sf, f, ss, s, 1+margin); ok && ok2 {
		lvl = max(lvl, l2)
	} else {
		ok = false
	}
	st := RuleStatus{Ready: true, Level: lvl, LevelIndex: -1, Armed: ok && prevDiff <= 0, Values: vals}
	switch {
	case !ok:
		st.Why = whyMargin
	case !st.Armed:
		st.Why = whyArmed
	}
	return st
}

// Status of ma_cross: the close at which the fast average (including it)
// would end above the slow one (and the margin), armed when the fast
// average is now at or below the slow one.
func (t *maCross) Status(_ data.Date, margin float64) RuleStatus {
	if !t.hasPrev {
		return notReady()
	}
	f, s := t.p.Fast, t.p.Slow
	fast, slow := sma(t.closes, f), sma(t.closes, s)
	vals := []RuleValue{{Name: "fast_ma", Value: fast}, {Name: "slow_ma", Value: slow}}
	return crossStatus(sumLast(t.closes, f-1), f, sumLast(t.closes, s-1), s, margin, t.prevDiff, vals,
		"the margin is too large for one close to lift the fast average over the slow one",
		"the fast average is already above the slow one: the rule fires on a cross from at or below")
}

// TriggerStatus is the state of a trigger at the end of its data: the rule
// fed with every period close of the trigger (up to the trigger's own last
// bar, whatever the targets' data), the pending confirmation, and the last
// confirmed breakout.
type TriggerStatus struct {
	Rule RuleStatus
	// Periods is the number of period closes fed; LastDate, LastClose and
	// LastValue describe the last one (LastValue is what the rule compares:
	// the close, or the fast average of ma_cross). With relative_to the
	// closes are the ratio trigger/relative.
	Periods   int
	LastDate  data.Date
	LastClose float64
	LastValue float64
	// LevelDate is the date of the period close that set Rule.Level (the
	// all-time high's date for new_high); zero when none.
	LevelDate    data.Date
	HasLevelDate bool
	// Confirming counts the period closes above ConfirmLevel of a breakout
	// awaiting confirmation (0: none); Confirm is the count needed.
	Confirming   int
	ConfirmLevel float64
	Confirm      int
	// LastSignal is the last confirmed breakout (Index < 0 when none):
	// its period-close index, date, close and level.
	LastSignal TriggerSignal
	// Signals is the number of confirmed breakouts over the whole series.
	Signals int
}

// TriggerSignal is one confirmed breakout of a trigger.
type TriggerSignal struct {
	Index int
	Date  data.Date
	Close float64
	Level float64
}

// TriggerStatusOf runs the trigger side of p over every trigger bar of plan
// (ComputeTriggerSignals: the period closes and breakouts sweeps and cached
// runs use), feeds those period closes through the same trigger state the
// live strategy uses, and reports its state for a next period close dated
// next. It fails if the rule does not report a status or if the two paths
// disagree on a breakout (an internal error).
func TriggerStatusOf(plan *engine.Plan, p BreakoutParams, next data.Date) (TriggerStatus, error) {
	sig, err := ComputeTriggerSignals(plan, p)
	if err != nil {
		return TriggerStatus{}, err
	}
	rule, err := p.checkTrigger()
	if err != nil {
		return TriggerStatus{}, err
	}
	if p.Confirm < 1 {
		p.Confirm = 1
	}
	ser := plan.DS.Series[plan.DS.Index(p.Trigger)]
	var ts triggerState
	if err := ts.reset(p, rule, ser.Calendar, len(sig.Close)); err != nil {
		return TriggerStatus{}, err
	}
	rep, ok := ts.rule.(StatusReporter)
	if !ok {
		return TriggerStatus{}, fmt.Errorf("trigger rule %q does not report its status", p.Rule)
	}
	out := TriggerStatus{Periods: len(sig.Close), Confirm: p.Confirm, LastSignal: TriggerSignal{Index: -1}}
	for i, cl := range sig.Close {
		pc := ts.periodClose(cl, sig.Date[i])
		if pc.signal() != sig.Signal[i] || pc.value != sig.Value[i] {
			return out, fmt.Errorf("internal: trigger state disagrees with the trigger signals at %s", sig.Date[i])
		}
		if pc.signal() {
			out.Signals++
			out.LastSignal = TriggerSignal{Index: i, Date: pc.date, Close: pc.close, Level: pc.level}
		}
	}
	if n := len(sig.Close); n > 0 {
		out.LastDate, out.LastClose, out.LastValue = sig.Date[n-1], sig.Close[n-1], sig.Value[n-1]
	}
	out.Rule = rep.Status(next, p.Margin)
	if out.Rule.LevelIndex >= 0 {
		out.LevelDate, out.HasLevelDate = sig.Date[out.Rule.LevelIndex], true
	}
	for _, v := range out.Rule.Values {
		if v.Name == "all_time_high" && v.HasDate {
			out.LevelDate, out.HasLevelDate = v.Date, true
		}
	}
	out.Confirming, out.ConfirmLevel = ts.confCount, ts.confLevel
	return out, nil
}

// Filter states reported by FilterStatusAt.
const (
	FilterPasses = "passes"
	FilterBlocks = "blocks"
	FilterNoData = "no_data"
)

// FilterStatus is an entry filter's verdict on a signal at one instant.
type FilterStatus struct {
	// State is FilterPasses, FilterBlocks or FilterNoData (the signal
	// would then be logged as filter_no_data and not acted on).
	State string
	// Bars is the number of the series' bars closed at the instant; Last
	// the date of the last of them (valid when Bars > 0).
	Bars int
	Last data.Date
	// Why explains FilterNoData.
	Why string
}

// FilterStatusAt judges filter f as the backtest would for a signal at
// unix second at: on the bars of s closed by then, with the same rule
// check, no data when the series has no such bar, too few, or its last is
// more than a week old.
func FilterStatusAt(f FilterParams, s *data.Series, at int64) (FilterStatus, error) {
	r, err := filterRule(f.Rule)
	if err != nil {
		return FilterStatus{}, err
	}
	n := 0
	if s != nil {
		for n < s.Len() && s.CloseTime[n] <= at {
			n++
		}
	}
	out := FilterStatus{Bars: n, State: FilterNoData}
	if n == 0 {
		out.Why = "no bar of the series closed by then"
		return out, nil
	}
	out.Last = s.Date[n-1]
	if at-s.CloseTime[n-1] > filterStaleAfter {
		out.Why = fmt.Sprintf("its last bar (%s) is more than 7 days old", out.Last)
		return out, nil
	}
	pass, enough := r.Check(f, s.Close[:n:n])
	switch {
	case !enough:
		out.Why = fmt.Sprintf("%d bars are too few for the rule", n)
	case pass:
		out.State = FilterPasses
	default:
		out.State = FilterBlocks
	}
	return out, nil
}
