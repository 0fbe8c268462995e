// Package strategy implements riskon's strategies on top of the engine: the
// Russell 2000 breakout family (donchian and new_high triggers on daily,
// weekly or monthly closes, with confirmation, margin and cooldown; entries on
// one target or a basket; exits by holding period, trailing stop and failed
// breakout) and buy and hold for benchmarks. New builds a strategy from its
// config section.
package strategy

import (
	"fmt"
	"github.com/riskon/riskon/internal/num"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/quality"
	"github.com/riskon/riskon/engine"
)

// Rule names a registered trigger rule (see TriggerRules).
type Rule string

// The original breakout rules; every registered rule is a Rule by its name.
const (
	// Donchian fires when a close is strictly above the highest of the
	// previous Lookback closes of the timeframe.
	Donchian Rule = "donchian"
	// NewHigh fires when a close is above the all-time-high close and that
	// previous high is at least MinDaysSinceHigh calendar days old.
	NewHigh Rule = "new_high"
)

// Timeframe is the period of the closes the rule sees.
type Timeframe uint8

// Timeframes. Weekly and monthly closes are resampled from daily bars: a
// period closes at the close of its last scheduled session, or, when that
// session is missing (a holiday), at the close of the first bar of the next
// period, never earlier. The rule therefore never uses a close before it is
// known.
const (
	Daily Timeframe = iota
	Weekly
	Monthly
)

// BreakoutParams configure a Breakout.
type BreakoutParams struct {
	Trigger          string
	Rule             Rule
	Lookback         int
	MinDaysSinceHigh int
	Timeframe        Timeframe
	Confirm          int     // consecutive period closes above the level (>= 1)
	Margin           float64 // fraction above the level
	CooldownDays     int     // calendar days after an acted signal during which signals are not acted on
	RangeDays        int     // range_breakout
	MaxRange         float64 // range_breakout
	MADays           int     // above_ma
	Fast, Slow       int     // ma_cross
	// RelativeTo, when set, feeds the rule the ratio Trigger/RelativeTo of
	// the two symbols' closes of the same date (dates only one has are
	// skipped), known when both bars have closed.
	RelativeTo string

	Targets              []string
	Weights              []float64 // relative weights; nil: equal
	Allocation           float64   // fraction of cash spent on an entry
	HoldDays             int
	TrailingStop         float64
	StopLoss             float64
	TakeProfit           float64
	ExitOnFailedBreakout bool

	// VolTarget > 0 sizes each target's weight by VolTarget over its
	// annualised volatility of the last VolDays closed daily returns,
	// capped at the fixed weight.
	VolTarget float64
	VolDays   int

	// Filters gate entries: a signal acts only when every filter passes.
	Filters []FilterParams

	// FilterSymbol, when set, is one more filter in front of Filters: the
	// filter series' last closed value below (FilterRising false:
	// "falling") or above (true: "rising") its value FilterLookback bars
	// earlier.
	FilterSymbol   string
	FilterRising   bool
	FilterLookback int
}

// Breakout is the Russell 2000 breakout strategy: a trigger rule on one symbol
// that buys a target or basket.
//
// It runs in one of two modes with identical decisions. Live (the default),
// it feeds each trigger close to its trigger state as the bar closes. Cached
// (UseSignals), it reads the same period closes and breakouts from a
// TriggerSignals computed beforehand by running that same trigger state over
// the trigger series in replay order, which lets the engine skip the events a
// flat book does not need; sweeps share one TriggerSignals among every trial
// with the same trigger parameters.
type Breakout struct {
	p       BreakoutParams
	rule    TriggerRule
	trig    int
	rel     int // index of RelativeTo, -1 when none
	relLast data.Date
	relFed  bool
	targets []int
	weights []float64
	sized   []float64 // per-entry weights after sizing (reused)

	filters []filterSlot
	ts      triggerState
	sig     *TriggerSignals // cached mode when non-nil
	sigPos  int             // next period close of sig not yet handled
	nextSig int             // next breakout of sig (index into sig.breaks)
	hintK   int32           // event of the last jump target NextEvent gave
	hintPos int             // index in sig of that breakout

	// cooldown and position
	acted       bool
	actedDay    data.Date
	activeLevel float64

	// daily is the rule of a live run on the trigger's daily closes alone
	// (no relative_to) when it is donchian, which OnBar then feeds
	// directly; else nil. Set by Start.
	daily *donchian
}

type filterSlot struct {
	p    FilterParams
	rule FilterRule
	sym  int
}

// NewBreakout validates params and returns the strategy.
func NewBreakout(p BreakoutParams) (*Breakout, error) {
	rule, err := p.checkTrigger()
	if err != nil {
		return nil, err
	}
	b := &Breakout{}
	if err := b.init(p, rule); err != nil {
		return nil, err
	}
	return b, nil
}

// Reuse makes b the strategy of p in cached mode over sig (see UseSignals),
// keeping b's buffers: a sweep worker runs every trial on one Breakout, with
// no allocation. The trigger parameters are those sig was computed for
// (ComputeTriggerSignals validated them); the rest of p is validated as by
// NewBreakout.
func (b *Breakout) Reuse(p BreakoutParams, sig *TriggerSignals) error {
	if sig.key != p.TriggerKey() {
		return fmt.Errorf("trigger signals for %+v used with %+v", sig.key, p.TriggerKey())
	}
	rule, err := triggerRule(p.Rule)
	if err != nil {
		return err
	}
	if err := b.init(p, rule); err != nil {
		return err
	}
	b.sig = sig
	return nil
}

// init validates the trade side of p and sets b to p's strategy in live
// mode, keeping b's buffers.
func (b *Breakout) init(p BreakoutParams, rule TriggerRule) error {
	if p.Confirm < 1 {
		p.Confirm = 1
	}
	if len(p.Targets) == 0 {
		return fmt.Errorf("trade.targets is empty")
	}
	if p.Weights != nil && len(p.Weights) != len(p.Targets) {
		return fmt.Errorf("trade.weights has %d values for %d targets", len(p.Weights), len(p.Targets))
	}
	if !(p.Allocation > 0 && p.Allocation <= 1) {
		return fmt.Errorf("trade.allocation must be in (0, 1]")
	}
	if p.VolTarget > 0 && p.VolDays < 2 {
		return fmt.Errorf("trade.vol_days must be at least 2 for sizing vol_target")
	}
	b.p, b.rule, b.sig, b.daily = p, rule, nil, nil
	b.acted, b.actedDay, b.activeLevel, b.relFed, b.relLast = false, 0, 0, false, 0
	if p.FilterSymbol != "" {
		r := "falling"
		if p.FilterRising {
			r = "rising"
		}
		b.p.Filters = append([]FilterParams{{Symbol: p.FilterSymbol, Rule: r, Lookback: p.FilterLookback}}, p.Filters...)
	}
	b.filters = b.filters[:0]
	for _, f := range b.p.Filters {
		fr, err := filterRule(f.Rule)
		if err != nil {
			return err
		}
		if (f.Rule == "falling" || f.Rule == "rising") && f.Lookback < 1 {
			return fmt.Errorf("filter %s %s: lookback must be at least 1", f.Symbol, f.Rule)
		}
		if (f.Rule == "above_ma" || f.Rule == "below_ma") && f.MADays < 1 {
			return fmt.Errorf("filter %s %s: ma_days must be at least 1", f.Symbol, f.Rule)
		}
		b.filters = append(b.filters, filterSlot{p: f, rule: fr})
	}
	return nil
}

func (p BreakoutParams) checkTrigger() (TriggerRule, error) {
	r, err := triggerRule(p.Rule)
	if err != nil {
		return r, err
	}
	// Build once to validate the parameters.
	if _, err := r.New(p, 0); err != nil {
		return r, err
	}
	return r, nil
}

// Params returns the strategy's parameters.
func (b *Breakout) Params() BreakoutParams { return b.p }

// UseSignals switches the strategy to cached mode. sig must have been
// computed for the same trigger parameters on the plan the strategy runs on.
func (b *Breakout) UseSignals(sig *TriggerSignals) error {
	if sig.key != b.p.TriggerKey() {
		return fmt.Errorf("trigger signals for %+v used with %+v", sig.key, b.p.TriggerKey())
	}
	b.sig, b.daily = sig, nil
	return nil
}

// Start resolves symbols and allocates every buffer the replay needs.
func (b *Breakout) Start(c *engine.Ctx) error {
	b.trig = c.Symbol(b.p.Trigger)
	if b.trig < 0 {
		return fmt.Errorf("trigger symbol %q not in data", b.p.Trigger)
	}
	b.rel = -1
	if b.p.RelativeTo != "" {
		if b.rel = c.Symbol(b.p.RelativeTo); b.rel < 0 {
			return fmt.Errorf("trigger.relative_to symbol %q not in data", b.p.RelativeTo)
		}
	}
	b.relFed = false
	b.targets = b.targets[:0]
	for _, t := range b.p.Targets {
		i := c.Symbol(t)
		if i < 0 {
			return fmt.Errorf("target symbol %q not in data", t)
		}
		b.targets = append(b.targets, i)
	}
	b.weights = num.AppendWeights(b.weights[:0], b.p.Weights, len(b.targets), b.p.Allocation)
	if cap(b.sized) < len(b.targets) {
		b.sized = make([]float64, len(b.targets))
	}
	b.sized = b.sized[:len(b.targets)]
	for i := range b.filters {
		f := &b.filters[i]
		if f.sym = c.Symbol(f.p.Symbol); f.sym < 0 {
			return fmt.Errorf("filter symbol %q not in data", f.p.Symbol)
		}
	}
	b.acted = false
	b.sigPos, b.nextSig, b.hintK, b.hintPos = 0, 0, -1, 0
	b.daily = nil
	if b.sig == nil {
		// The number of trigger bars bounds the number of period closes.
		if err := b.ts.reset(b.p, b.rule, c.Calendar(b.trig), c.Capacity(b.trig)); err != nil {
			return err
		}
		if b.rel < 0 && b.p.Timeframe == Daily {
			b.daily = b.ts.dc
		}
	}
	return nil
}

// Listens reports that only trigger bars matter to the strategy (the engine
// replays the targets' bars for fills, stops and marks on its own).
func (b *Breakout) Listens(sym int) bool { return sym == b.trig || sym == b.rel }

// Skips reports whether the engine may jump while the book is flat: only in
// cached mode.
func (b *Breakout) Skips() bool { return b.sig != nil }

// SkipsHeld reports whether NextEvent also holds while positions are open
// (engine.HeldSkipper): in cached mode, unless a failed breakout can exit,
// an open position's decisions wait for the next breakout too (to log it as
// in_position); the exits by holding period and stops are the engine's.
func (b *Breakout) SkipsHeld() bool { return b.sig != nil && !b.p.ExitOnFailedBreakout }

// NextEvent lets the engine jump, while the book is flat, to the next
// breakout: in cached mode nothing else can change a flat book's decisions
// (nor, see SkipsHeld, an open one's without failed-breakout exits). While
// holding, it logs the breakouts up to engine.Ctx.HeldUntil as in_position
// itself (periodClose's outcome for them) and answers the first breakout
// after them.
func (b *Breakout) NextEvent(c *engine.Ctx, k int) int {
	if b.sig == nil {
		return k
	}
	// Before the window a breakout is no signal (periodClose ignores it)
	// and a flat book has nothing else to do: the search starts at the
	// window.
	bk, k32 := b.sig.breakK, int32(max(k, c.WindowEvent()))
	j := b.nextSig
	// Usually the next breakout or one a few further; far ones by binary
	// search (after a long hold, thousands of breakouts of a short lookback
	// lie behind).
	for steps := 0; j < len(bk) && bk[j] < k32; steps++ {
		if steps == 8 {
			lo := j
			j = lo + sort.Search(len(bk)-lo, func(i int) bool { return bk[lo+i] >= k32 })
			break
		}
		j++
	}
	if j < len(bk) && !b.p.ExitOnFailedBreakout && !c.Flat() {
		// Holding: the breakouts up to the instant until which the book
		// cannot change (engine.Ctx.HeldUntil) find it in position, and
		// their period closes do nothing else (no failed-breakout exit):
		// they are logged here as periodClose would log them, and the
		// engine walks their events without OnBar.
		s, bt := b.sig, b.sig.breakT
		for lim := c.HeldUntil(); j < len(bk) && bt[j] <= lim; j++ {
			i := s.breaks[j]
			c.LogSignal(engine.Signal{Time: bt[j], Symbol: b.p.Trigger, Level: s.Level[i], Close: s.Close[i], Reason: reasonInPosition})
		}
	}
	b.nextSig = j
	if j == len(bk) {
		return c.PlanLen()
	}
	// OnBar at that event starts its search for the event's period closes
	// from the breakout's own index (hintK: the event it belongs to).
	b.hintK, b.hintPos = bk[j], int(b.sig.breaks[j])
	return int(bk[j])
}

// OnBar handles the period closes that a trigger bar completes.
//
// Its body is the live daily donchian path (the flagship: see dailyClose),
// kept small so that a trigger bar costs little more than the rule's step;
// every other mode is onBar.
func (b *Breakout) OnBar(c *engine.Ctx, sym, idx int) {
	dc := b.daily
	if dc == nil || sym != b.trig {
		b.onBar(c, sym, idx)
		return
	}
	// Live on daily closes with donchian: each close is a period close
	// (triggerState.onBar's first case), run through the rule and
	// confirm: triggerState.periodClose with donchian's Next inlined (a
	// call only when a block completes, or for confirm).
	v := c.History(sym)
	n := v.Len()
	if n == 0 {
		return
	}
	cl := v.Closes()[n-1]
	lk, above, full := dc.advance(cl)
	if full {
		dc.complete()
	}
	if above || b.ts.confCount != 0 || b.p.ExitOnFailedBreakout {
		b.dailyClose(c, cl, v.Dates()[n-1], lk, above)
	}
	// Else the usual close: no breakout, none awaiting confirmation
	// (confirm would only keep confCount at 0) and nothing to exit on.
}

// dailyClose is the rest of triggerState.periodClose for the daily close
// cl dated d on the live donchian path, whose key was above the level's
// key lk: donchian.level's answer, then confirm and periodClose.
func (b *Breakout) dailyClose(c *engine.Ctx, cl float64, d data.Date, lk int64, above bool) {
	level := keyValue(lk) // the level matters to confirm only when broke
	broke := above && cl > level
	if pc := b.ts.confirm(cl, cl, d, level, broke); pc.signal() || b.p.ExitOnFailedBreakout {
		b.periodClose(c, pc)
	}
}

// onBar is OnBar in every mode but the live daily donchian path.
func (b *Breakout) onBar(c *engine.Ctx, sym, idx int) {
	if sym != b.trig && sym != b.rel {
		return
	}
	if b.sig != nil {
		k := int32(c.EventIndex())
		s := b.sig
		if b.sigPos < len(s.K) && s.K[b.sigPos] < k {
			// Usually one step; after an engine jump to a breakout, back
			// from the breakout's index to the event's first period close;
			// else binary search.
			b.sigPos++
			if b.sigPos < len(s.K) && s.K[b.sigPos] < k {
				if k == b.hintK && b.hintPos >= b.sigPos {
					b.sigPos = b.hintPos
					for b.sigPos > 0 && s.K[b.sigPos-1] >= k {
						b.sigPos--
					}
				} else {
					lo := b.sigPos
					b.sigPos = lo + sort.Search(len(s.K)-lo, func(i int) bool { return s.K[lo+i] >= k })
				}
			}
		}
		for b.sigPos < len(s.K) && s.K[b.sigPos] == k {
			// A period close without a breakout (level NaN) does nothing
			// in periodClose unless a failed breakout can exit: no call.
			if sg := s.Signal[b.sigPos]; sg || b.p.ExitOnFailedBreakout {
				pc := period{close: s.Close[b.sigPos], value: s.Value[b.sigPos], date: s.Date[b.sigPos], level: math.NaN()}
				if sg {
					pc.level = s.Level[b.sigPos]
				}
				b.periodClose(c, pc)
			}
			b.sigPos++
		}
		return
	}
	v := c.History(b.trig)
	n := v.Len()
	if n == 0 {
		return
	}
	d, cl := v.Dates()[n-1], v.Closes()[n-1]
	if b.rel >= 0 {
		r := c.History(b.rel)
		m := r.Len()
		var ok bool
		if cl, ok = relClose(d, cl, r.Dates(), r.Closes(), m, b.relFed, b.relLast); !ok {
			return
		}
		b.relFed, b.relLast = true, d
	}
	if b.ts.p.Timeframe == Daily {
		// Every daily close is a period close (triggerState.onBar's
		// first case, without the slice); periodClose has nothing to do
		// unless it is a breakout or a failed breakout can exit.
		if pc := b.ts.periodClose(cl, d); pc.signal() || b.p.ExitOnFailedBreakout {
			b.periodClose(c, pc)
		}
		return
	}
	var out [2]period
	for _, pc := range b.ts.onBar(d, cl, out[:0]) {
		b.periodClose(c, pc)
	}
}

// relClose returns the ratio of the trigger close cl dated d to the close of
// the relative symbol of the same date, when that bar has closed (it is the
// last of the m closed bars) and date d was not fed yet.
func relClose(d data.Date, cl float64, rd []data.Date, rc []float64, m int, fed bool, last data.Date) (float64, bool) {
	if m == 0 || rd[m-1] != d || (fed && d <= last) || !(rc[m-1] > 0) {
		return 0, false
	}
	return cl / rc[m-1], true
}

// periodClose applies the exits and acts on a confirmed breakout.
func (b *Breakout) periodClose(c *engine.Ctx, pc period) {
	// Failed breakout: a position opened on a breakout is closed when the
	// trigger closes back below the broken level.
	if b.p.ExitOnFailedBreakout && !c.Flat() && b.activeLevel > 0 && pc.value < b.activeLevel {
		c.ExitAll(engine.ExitFailedBreakout)
	}
	if !pc.signal() || !c.InWindow() {
		return
	}
	sig := c.LogSignal(engine.Signal{Time: c.Now(), Symbol: b.p.Trigger, Level: pc.level, Close: pc.close})
	switch {
	case !c.Flat():
		c.SetSignalOutcome(sig, false, reasonInPosition)
	case b.acted && int(pc.date-b.actedDay) < b.p.CooldownDays:
		c.SetSignalOutcome(sig, false, "cooldown")
	case len(b.filters) > 0 && b.filterOutcome(c) != "":
		c.SetSignalOutcome(sig, false, b.filterOutcome(c))
	case !b.size(c):
		c.SetSignalOutcome(sig, false, ReasonSizingNoData)
	default:
		ex := engine.Exits{HoldDays: b.p.HoldDays, TrailingStop: b.p.TrailingStop, StopLoss: b.p.StopLoss, TakeProfit: b.p.TakeProfit}
		for i, t := range b.targets {
			if err := c.Enter(t, b.sized[i], ex, sig); err != nil {
				c.Abort(fmt.Errorf("enter %s at %s: %w", c.SymbolName(t), time.Unix(c.Now(), 0).UTC().Format(time.RFC3339), err))
				return
			}
		}
		c.SetSignalOutcome(sig, true, "")
		b.acted, b.actedDay, b.activeLevel = true, pc.date, pc.level
	}
}

// reasonInPosition is the reason of a signal not acted on because the book
// holds a position or a pending entry.
const reasonInPosition = "in_position"

// Reasons of signals not acted on because of filters or sizing.
const (
	// ReasonFilter: a filter with data at the signal blocked it.
	ReasonFilter = "filter"
	// ReasonFilterNoData: a filter had no data at the signal (before its
	// series starts, too few bars, or its last bar more than a week old),
	// so it could not judge; the signal is not acted on and is not counted
	// as blocked.
	ReasonFilterNoData = "filter_no_data"
	// ReasonSizingNoData: vol_target sizing had fewer than vol_days + 1
	// closed bars of a target.
	ReasonSizingNoData = "sizing_no_data"
)

// filterStaleAfter is how old the filter's last closed bar may be at a
// signal: a series that ended (or has a hole) cannot vouch for today.
const filterStaleAfter = 7 * 86400

// filterOutcome runs every filter on its series' closed bars: "" when all
// pass, ReasonFilter when one with data blocks, else ReasonFilterNoData when
// one has no data.
func (b *Breakout) filterOutcome(c *engine.Ctx) string {
	noData := false
	for i := range b.filters {
		f := &b.filters[i]
		v := c.History(f.sym)
		n := v.Len()
		if n == 0 || c.Now()-v.CloseTimes()[n-1] > filterStaleAfter {
			noData = true
			continue
		}
		pass, enough := f.rule.Check(f.p, v.Closes())
		switch {
		case !enough:
			noData = true
		case !pass:
			return ReasonFilter
		}
	}
	if noData {
		return ReasonFilterNoData
	}
	return ""
}

// size sets b.sized, the weight of each target for an entry now: the fixed
// weights, or under vol_target each scaled by VolTarget over the target's
// annualised volatility of its last VolDays closed daily log returns, capped
// at the fixed weight. It reports false when a target has too few bars.
func (b *Breakout) size(c *engine.Ctx) bool {
	copy(b.sized, b.weights)
	if b.p.VolTarget <= 0 {
		return true
	}
	for i, t := range b.targets {
		vol, ok := realisedVol(c.History(t).Closes(), b.p.VolDays, annualDays(c.Calendar(t)))
		if !ok {
			return false
		}
		if vol > 0 {
			b.sized[i] = b.weights[i] * min(1, b.p.VolTarget/vol)
		}
	}
	return true
}

// annualDays is the number of sessions in a year of cal: 365 for markets
// open every day, 252 for weekday markets.
func annualDays(cal data.Calendar) float64 {
	if cal.Weekdays() {
		return 252
	}
	return 365
}

// realisedVol is the annualised sample standard deviation of the last n
// daily log returns of closes (n+1 closes needed).
func realisedVol(closes []float64, n int, perYear float64) (float64, bool) {
	m := len(closes)
	if m < n+1 || n < 2 {
		return 0, false
	}
	var sum, sum2 float64
	for j := m - n; j < m; j++ {
		if !(closes[j-1] > 0) || !(closes[j] > 0) {
			return 0, false
		}
		r := math.Log(closes[j] / closes[j-1])
		sum += r
		sum2 += r * r
	}
	mean := sum / float64(n)
	v := (sum2 - float64(n)*mean*mean) / float64(n-1)
	if v < 0 {
		v = 0
	}
	return math.Sqrt(v * perYear), true
}

// period is one close of the trigger's timeframe.
//
// It has four fields so that the compiler keeps it in registers (a fifth
// made the live replay a third slower): a confirmed breakout is a level
// that is not NaN.
type period struct {
	close float64
	value float64   // what the rule compares with the level (the close, or e.g. the fast average)
	date  data.Date // date of the period's last daily bar
	level float64   // the level broken when a confirmed breakout, else NaN
}

// signal reports whether the period close is a confirmed breakout.
func (p period) signal() bool { return p.level == p.level }

// triggerState is the causal state machine of the trigger side: resampling
// daily closes into periods, the breakout rule, margin and confirmation. It
// sees one daily close at a time, in order, and nothing else.
type triggerState struct {
	p        BreakoutParams
	sched    *quality.Schedule // holiday-aware sessions of the trigger's calendar
	rule     RuleState
	ruleName string
	valuer   valuer    // rule's compared value when not the close, else nil
	dc       *donchian // rule when it is donchian (called without the interface), else nil

	// resampling
	perOpen  bool
	perDone  bool // the period perKey has closed
	perKey   int
	perClose float64
	perDate  data.Date

	// confirmation
	confCount int
	confLevel float64
}

// valuer is implemented by rules that compare something other than the
// close with their level (ma_cross: the fast average).
type valuer interface{ Value() float64 }

// Resetter is implemented by rule states that can start over with new
// parameters keeping their buffers, so that a strategy run again (a
// benchmark, a study) allocates nothing in Start. Reset reports false when
// it cannot (the caller then calls New).
type Resetter interface {
	Reset(p BreakoutParams, capacity int) bool
}

func (t *triggerState) reset(p BreakoutParams, rule TriggerRule, cal data.Calendar, capacity int) error {
	var rs RuleState
	if r, ok := t.rule.(Resetter); ok && t.ruleName == rule.Name && r.Reset(p, capacity) {
		rs = t.rule
	} else {
		var err error
		if rs, err = rule.New(p, capacity); err != nil {
			return err
		}
	}
	sched := t.sched
	if sched == nil || sched.Calendar() != cal {
		sched = quality.NewSchedule(cal)
	}
	*t = triggerState{p: p, sched: sched, rule: rs, ruleName: rule.Name}
	if v, ok := rs.(valuer); ok {
		t.valuer = v
	}
	t.dc, _ = rs.(*donchian)
	return nil
}

// onBar takes the daily close cl dated d and appends to out the period
// closes it completes (none, one, or two when a holiday left the previous
// period unfinished).
func (t *triggerState) onBar(d data.Date, cl float64, out []period) []period {
	if t.p.Timeframe == Daily {
		return append(out, t.periodClose(cl, d))
	}
	key := t.key(d)
	if t.perDone && key == t.perKey {
		// A bar after the period's last scheduled session, inside the
		// period (a bar on a holiday): the period closed already and its
		// signal is out; the bar is not a period close of its own.
		return out
	}
	if t.perOpen && key != t.perKey {
		// The previous period's last scheduled session was missing: it is
		// known closed only now.
		out = append(out, t.periodClose(t.perClose, t.perDate))
		t.perOpen = false
	}
	t.perKey, t.perClose, t.perDate, t.perOpen, t.perDone = key, cl, d, true, false
	if t.lastSessionOfPeriod(d) {
		out = append(out, t.periodClose(cl, d))
		t.perOpen, t.perDone = false, true
	}
	return out
}

func (t *triggerState) key(d data.Date) int {
	if t.p.Timeframe == Weekly {
		return data.PeriodKey(data.PeriodWeek, d)
	}
	return data.PeriodKey(data.PeriodMonth, d)
}

// lastSessionOfPeriod reports whether the schedule (NYSE holidays included)
// has no session after d in d's period (data.PeriodEnd, shared with the
// derived weekly and monthly series); a period whose last session has no bar
// is closed when the next period starts.
func (t *triggerState) lastSessionOfPeriod(d data.Date) bool {
	p := data.PeriodWeek
	if t.p.Timeframe == Monthly {
		p = data.PeriodMonth
	}
	return data.IsLastSessionOfPeriod(t.sched, p, d)
}

// periodClose runs the rule, margin and confirmation on a period close.
func (t *triggerState) periodClose(cl float64, d data.Date) period {
	var level float64
	var broke bool
	if t.dc != nil {
		level, broke = t.dc.Next(cl, d) // a direct call: cheaper than the interface's
	} else {
		level, broke = t.rule.Next(cl, d)
	}
	val := cl
	if t.valuer != nil {
		val = t.valuer.Value()
	}
	return t.confirm(cl, val, d, level, broke)
}

// confirm applies the margin and the confirmation to the rule's answer
// (level, broke) for the period close cl dated d, val being what the rule
// compares with the level.
func (t *triggerState) confirm(cl, val float64, d data.Date, level float64, broke bool) period {
	pc := period{close: cl, value: val, date: d, level: math.NaN()}
	if t.confCount > 0 {
		// A breakout awaiting confirmation: the close must stay above
		// its level.
		level, broke = t.confLevel, true
	}
	if broke && val > level*(1+t.p.Margin) {
		t.confCount++
		t.confLevel = level
	} else {
		t.confCount = 0
	}
	if t.confCount > 0 && t.confCount >= t.p.Confirm {
		pc.level = t.confLevel
		t.confCount = 0
	}
	return pc
}

// TriggerSignals are the period closes of a trigger in replay order, with the
// confirmed breakouts, computed once per trigger parameters and plan by
// running the live trigger state over the trigger's bars in order. Read-only
// once built: share it between trials.
type TriggerSignals struct {
	key    TriggerParams
	K      []int32 // event index in the plan at which each period close is known
	Close  []float64
	Value  []float64 // what the rule compared with the level (the close for price rules)
	Date   []data.Date
	Level  []float64
	Signal []bool
	breaks []int32 // indexes of the confirmed breakouts
	breakK []int32 // their events: K[breaks[i]]
	breakT []int64 // the instants of those events
}

// TriggerParams are the parameters the trigger side depends on, as a
// comparable value: configs with equal TriggerParams share their
// TriggerSignals. Parameters the rule does not read are zero, so that they
// never split the cache.
type TriggerParams struct {
	Trigger, RelativeTo string
	Rule                Rule
	Timeframe           Timeframe
	Lookback            int
	MinDaysSinceHigh    int
	RangeDays           int
	MaxRange            float64
	MADays, Fast, Slow  int
	Confirm             int
	Margin              float64
}

// TriggerKey returns the trigger parameters of p (the cache identity of its
// TriggerSignals).
func (p BreakoutParams) TriggerKey() TriggerParams {
	k := TriggerParams{Trigger: p.Trigger, RelativeTo: p.RelativeTo, Rule: p.Rule, Timeframe: p.Timeframe,
		Lookback: p.Lookback, MinDaysSinceHigh: p.MinDaysSinceHigh, RangeDays: p.RangeDays, MaxRange: p.MaxRange,
		MADays: p.MADays, Fast: p.Fast, Slow: p.Slow, Confirm: max(p.Confirm, 1), Margin: p.Margin}
	r, err := triggerRule(p.Rule)
	if err != nil {
		return k
	}
	uses := func(key string) bool { return slices.Contains(r.Keys, key) }
	if !uses("trigger.lookback") {
		k.Lookback = 0
	}
	if !uses("trigger.min_days_since_high") {
		k.MinDaysSinceHigh = 0
	}
	if !uses("trigger.range_days") {
		k.RangeDays = 0
	}
	if !uses("trigger.max_range") {
		k.MaxRange = 0
	}
	if !uses("trigger.ma_days") {
		k.MADays = 0
	}
	if !uses("trigger.fast") {
		k.Fast = 0
	}
	if !uses("trigger.slow") {
		k.Slow = 0
	}
	return k
}

// ComputeTriggerSignals runs the trigger state of p over the trigger's bars
// of plan in replay order (and, with RelativeTo, the relative symbol's bars:
// a ratio close is known at the later of the two closes).
func ComputeTriggerSignals(plan *engine.Plan, p BreakoutParams) (*TriggerSignals, error) {
	rule, err := p.checkTrigger()
	if err != nil {
		return nil, err
	}
	if p.Confirm < 1 {
		p.Confirm = 1
	}
	trig := plan.DS.Index(p.Trigger)
	if trig < 0 {
		return nil, fmt.Errorf("trigger symbol %q not in data", p.Trigger)
	}
	rel := -1
	if p.RelativeTo != "" {
		if rel = plan.DS.Index(p.RelativeTo); rel < 0 {
			return nil, fmt.Errorf("trigger.relative_to symbol %q not in data", p.RelativeTo)
		}
	}
	ser := plan.DS.Series[trig]
	var ts triggerState
	if err := ts.reset(p, rule, ser.Calendar, ser.Len()); err != nil {
		return nil, err
	}
	out := &TriggerSignals{key: p.TriggerKey()}
	var buf [2]period
	nTrig, nRel := 0, 0
	var relLast data.Date
	relFed := false
	for k := 0; k < plan.Len(); k++ {
		s, i, t := plan.Event(k)
		switch s {
		case trig:
			nTrig = i + 1
		case rel:
			nRel = i + 1
		default:
			continue
		}
		if nTrig == 0 {
			continue
		}
		d, cl := ser.Date[nTrig-1], ser.Close[nTrig-1]
		if rel >= 0 {
			r := plan.DS.Series[rel]
			var ok bool
			if cl, ok = relClose(d, cl, r.Date, r.Close, nRel, relFed, relLast); !ok {
				continue
			}
			relFed, relLast = true, d
		} else if s != trig {
			continue
		}
		for _, pc := range ts.onBar(d, cl, buf[:0]) {
			level := 0.0
			if pc.signal() {
				out.breaks = append(out.breaks, int32(len(out.K)))
				out.breakK = append(out.breakK, int32(k))
				out.breakT = append(out.breakT, t)
				level = pc.level
			}
			out.K = append(out.K, int32(k))
			out.Close = append(out.Close, pc.close)
			out.Value = append(out.Value, pc.value)
			out.Date = append(out.Date, pc.date)
			out.Level = append(out.Level, level)
			out.Signal = append(out.Signal, pc.signal())
		}
	}
	// Exact-size copies: a cache of many signal sets would otherwise hold up
	// to twice their length in append's spare capacity.
	out.K, out.Close, out.Value = slices.Clone(out.K), slices.Clone(out.Close), slices.Clone(out.Value)
	out.Date, out.Level, out.Signal = slices.Clone(out.Date), slices.Clone(out.Level), slices.Clone(out.Signal)
	out.breaks, out.breakK, out.breakT = slices.Clone(out.breaks), slices.Clone(out.breakK), slices.Clone(out.breakT)
	return out, nil
}

// Bytes is the memory the signals hold (their slices' capacity).
func (s *TriggerSignals) Bytes() int {
	const header = 256                                                             // the struct and its key, roughly
	return header + cap(s.K)*4 + cap(s.Close)*8 + cap(s.Value)*8 + cap(s.Date)*4 + // data.Date is an int32
		cap(s.Level)*8 + cap(s.Signal) + cap(s.breaks)*4 + cap(s.breakK)*4 + cap(s.breakT)*8
}

// BuyAndHold buys the targets at the first instant of the window and holds
// them to the end: the benchmark of every run.
type BuyAndHold struct {
	Targets []string
	Weights []float64
	syms    []int
}

// Start resolves the targets.
func (b *BuyAndHold) Start(c *engine.Ctx) error {
	b.syms = b.syms[:0]
	for _, t := range b.Targets {
		i := c.Symbol(t)
		if i < 0 {
			return fmt.Errorf("target symbol %q not in data", t)
		}
		b.syms = append(b.syms, i)
	}
	return nil
}

// OnWindowStart buys every target.
func (b *BuyAndHold) OnWindowStart(c *engine.Ctx) {
	w := num.AppendWeights(nil, b.Weights, len(b.syms), 1)
	for i, s := range b.syms {
		if err := c.Enter(s, w[i], engine.Exits{}, -1); err != nil {
			c.Abort(fmt.Errorf("buy and hold %s: %w", c.SymbolName(s), err))
			return
		}
	}
}

// OnBar does nothing: buy and hold never trades again.
func (b *BuyAndHold) OnBar(c *engine.Ctx, sym, idx int) {}
