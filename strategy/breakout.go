// Package strategy implements riskon's strategies on top of the engine: the
// Russell 2000 breakout family (donchian and new_high triggers on daily,
// weekly or monthly closes, with confirmation, margin and cooldown; entries on
// one target or a basket; exits by holding period, trailing stop and failed
// breakout) and buy and hold for benchmarks. New builds a strategy from its
// config section.
package strategy

import (
	"fmt"
	"sort"
	"time"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// Rule names the breakout rule.
type Rule uint8

// Breakout rules.
const (
	// Donchian fires when a close is strictly above the highest of the
	// previous Lookback closes of the timeframe.
	Donchian Rule = iota
	// NewHigh fires when a close is above the all-time-high close and that
	// previous high is at least MinDaysSinceHigh calendar days old.
	NewHigh
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

	Targets              []string
	Weights              []float64 // relative weights; nil: equal
	Allocation           float64   // fraction of cash spent on an entry
	HoldDays             int
	TrailingStop         float64
	ExitOnFailedBreakout bool

	// FilterSymbol, when set, gates entries: a signal acts only if the
	// filter series' last closed value is below (FilterRising false:
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
	trig    int
	targets []int
	weights []float64

	filter  int // index of the filter symbol, -1 when none
	ts      triggerState
	sig     *TriggerSignals // cached mode when non-nil
	sigPos  int             // next period close of sig not yet handled
	nextSig int             // next breakout of sig (index into sig.breaks)

	// cooldown and position
	acted       bool
	actedDay    data.Date
	activeLevel float64
}

// NewBreakout validates params and returns the strategy.
func NewBreakout(p BreakoutParams) (*Breakout, error) {
	if err := p.checkTrigger(); err != nil {
		return nil, err
	}
	if p.Confirm < 1 {
		p.Confirm = 1
	}
	if len(p.Targets) == 0 {
		return nil, fmt.Errorf("trade.targets is empty")
	}
	if p.Weights != nil && len(p.Weights) != len(p.Targets) {
		return nil, fmt.Errorf("trade.weights has %d values for %d targets", len(p.Weights), len(p.Targets))
	}
	if !(p.Allocation > 0 && p.Allocation <= 1) {
		return nil, fmt.Errorf("trade.allocation must be in (0, 1]")
	}
	return &Breakout{p: p}, nil
}

func (p BreakoutParams) checkTrigger() error {
	if p.Rule == Donchian && p.Lookback < 1 {
		return fmt.Errorf("trigger.lookback must be at least 1")
	}
	return nil
}

// UseSignals switches the strategy to cached mode. sig must have been
// computed for the same trigger parameters on the plan the strategy runs on.
func (b *Breakout) UseSignals(sig *TriggerSignals) error {
	if sig.key != b.p.TriggerKey() {
		return fmt.Errorf("trigger signals for %q used with %q", sig.key, b.p.TriggerKey())
	}
	b.sig = sig
	return nil
}

// Start resolves symbols and allocates every buffer the replay needs.
func (b *Breakout) Start(c *engine.Ctx) error {
	b.trig = c.Symbol(b.p.Trigger)
	if b.trig < 0 {
		return fmt.Errorf("trigger symbol %q not in data", b.p.Trigger)
	}
	b.targets = b.targets[:0]
	for _, t := range b.p.Targets {
		i := c.Symbol(t)
		if i < 0 {
			return fmt.Errorf("target symbol %q not in data", t)
		}
		b.targets = append(b.targets, i)
	}
	b.weights = normWeights(b.p.Weights, len(b.targets), b.p.Allocation)
	b.filter = -1
	if b.p.FilterSymbol != "" {
		if b.filter = c.Symbol(b.p.FilterSymbol); b.filter < 0 {
			return fmt.Errorf("filter symbol %q not in data", b.p.FilterSymbol)
		}
		if b.p.FilterLookback < 1 {
			return fmt.Errorf("trade.filter.lookback must be at least 1")
		}
	}
	b.acted = false
	b.sigPos, b.nextSig = 0, 0
	if b.sig == nil {
		// The number of trigger bars bounds the number of period closes.
		b.ts.reset(b.p, c.Calendar(b.trig), c.Capacity(b.trig))
	}
	return nil
}

func normWeights(w []float64, n int, alloc float64) []float64 {
	out := make([]float64, n)
	sum := 0.0
	for i := 0; i < n; i++ {
		v := 1.0
		if w != nil {
			v = w[i]
		}
		out[i] = v
		sum += v
	}
	for i := range out {
		out[i] = out[i] / sum * alloc
	}
	return out
}

// Listens reports that only trigger bars matter to the strategy (the engine
// replays the targets' bars for fills, stops and marks on its own).
func (b *Breakout) Listens(sym int) bool { return sym == b.trig }

// Skips reports whether the engine may jump while the book is flat: only in
// cached mode.
func (b *Breakout) Skips() bool { return b.sig != nil }

// NextEvent lets the engine jump, while the book is flat, to the next
// breakout: in cached mode nothing else can change a flat book's decisions.
func (b *Breakout) NextEvent(c *engine.Ctx, k int) int {
	if b.sig == nil {
		return k
	}
	br := b.sig.breaks
	for b.nextSig < len(br) && int(b.sig.K[br[b.nextSig]]) < k {
		b.nextSig++
	}
	if b.nextSig == len(br) {
		return c.PlanLen()
	}
	return int(b.sig.K[br[b.nextSig]])
}

// OnBar handles the period closes that a trigger bar completes.
func (b *Breakout) OnBar(c *engine.Ctx, sym, idx int) {
	if sym != b.trig {
		return
	}
	if b.sig != nil {
		k := int32(c.EventIndex())
		s := b.sig
		if b.sigPos < len(s.K) && s.K[b.sigPos] < k {
			// Usually one step; after an engine jump, binary search.
			b.sigPos++
			if b.sigPos < len(s.K) && s.K[b.sigPos] < k {
				lo := b.sigPos
				b.sigPos = lo + sort.Search(len(s.K)-lo, func(i int) bool { return s.K[lo+i] >= k })
			}
		}
		for b.sigPos < len(s.K) && s.K[b.sigPos] == k {
			b.periodClose(c, period{close: s.Close[b.sigPos], date: s.Date[b.sigPos], level: s.Level[b.sigPos], signal: s.Signal[b.sigPos]})
			b.sigPos++
		}
		return
	}
	v := c.History(b.trig)
	n := v.Len()
	var out [2]period
	for _, pc := range b.ts.onBar(v.Dates()[n-1], v.Closes()[n-1], out[:0]) {
		b.periodClose(c, pc)
	}
}

// periodClose applies the exits and acts on a confirmed breakout.
func (b *Breakout) periodClose(c *engine.Ctx, pc period) {
	// Failed breakout: a position opened on a breakout is closed when the
	// trigger closes back below the broken level.
	if b.p.ExitOnFailedBreakout && !c.Flat() && b.activeLevel > 0 && pc.close < b.activeLevel {
		c.ExitAll(engine.ExitFailedBreakout)
	}
	if !pc.signal || !c.InWindow() {
		return
	}
	sig := c.LogSignal(engine.Signal{Time: c.Now(), Symbol: b.p.Trigger, Level: pc.level, Close: pc.close})
	switch {
	case !c.Flat():
		c.SetSignalOutcome(sig, false, "in_position")
	case b.acted && int(pc.date-b.actedDay) < b.p.CooldownDays:
		c.SetSignalOutcome(sig, false, "cooldown")
	case b.filter >= 0 && !b.filterPasses(c):
		c.SetSignalOutcome(sig, false, "filter")
	default:
		ex := engine.Exits{HoldDays: b.p.HoldDays, TrailingStop: b.p.TrailingStop}
		for i, t := range b.targets {
			if err := c.Enter(t, b.weights[i], ex, sig); err != nil {
				c.Abort(fmt.Errorf("enter %s at %s: %w", c.SymbolName(t), time.Unix(c.Now(), 0).UTC().Format(time.RFC3339), err))
				return
			}
		}
		c.SetSignalOutcome(sig, true, "")
		b.acted, b.actedDay, b.activeLevel = true, pc.date, pc.level
	}
}

// filterStaleAfter is how old the filter's last closed bar may be at a
// signal: a series that ended (or has a hole) cannot vouch for today.
const filterStaleAfter = 7 * 86400

// filterPasses compares the filter series' last closed value with its value
// FilterLookback bars earlier; too little history, or a last bar more than a
// week old, fails the filter.
func (b *Breakout) filterPasses(c *engine.Ctx) bool {
	v := c.History(b.filter)
	n := v.Len()
	if n <= b.p.FilterLookback || c.Now()-v.CloseTimes()[n-1] > filterStaleAfter {
		return false
	}
	last, then := v.Closes()[n-1], v.Closes()[n-1-b.p.FilterLookback]
	if b.p.FilterRising {
		return last > then
	}
	return last < then
}

// period is one close of the trigger's timeframe.
type period struct {
	close  float64
	date   data.Date // date of the period's last daily bar
	level  float64   // the level broken, when signal
	signal bool      // a confirmed breakout
}

// triggerState is the causal state machine of the trigger side: resampling
// daily closes into periods, the breakout rule, margin and confirmation. It
// sees one daily close at a time, in order, and nothing else.
type triggerState struct {
	p   BreakoutParams
	cal data.Calendar

	// resampling
	perOpen  bool
	perKey   int
	perClose float64
	perDate  data.Date

	// rule state over period closes
	closes []float64
	dq     []int // monotonic deque of indices into closes (donchian)
	dqHead int
	ath    float64
	athDay data.Date
	hasATH bool

	// confirmation
	confCount int
	confLevel float64
}

func (t *triggerState) reset(p BreakoutParams, cal data.Calendar, capacity int) {
	closes, dq := t.closes, t.dq
	*t = triggerState{p: p, cal: cal}
	if cap(closes) < capacity {
		closes = make([]float64, 0, capacity)
		dq = make([]int, 0, capacity)
	}
	t.closes, t.dq = closes[:0], dq[:0]
}

// onBar takes the daily close cl dated d and appends to out the period
// closes it completes (none, one, or two when a holiday left the previous
// period unfinished).
func (t *triggerState) onBar(d data.Date, cl float64, out []period) []period {
	if t.p.Timeframe == Daily {
		return append(out, t.periodClose(cl, d))
	}
	key := t.key(d)
	if t.perOpen && key != t.perKey {
		// The previous period's last scheduled session was missing: it is
		// known closed only now.
		out = append(out, t.periodClose(t.perClose, t.perDate))
		t.perOpen = false
	}
	t.perKey, t.perClose, t.perDate, t.perOpen = key, cl, d, true
	if t.lastSessionOfPeriod(d) {
		out = append(out, t.periodClose(cl, d))
		t.perOpen = false
	}
	return out
}

func (t *triggerState) key(d data.Date) int {
	tm := d.Time()
	if t.p.Timeframe == Weekly {
		y, w := tm.ISOWeek()
		return y*100 + w
	}
	return tm.Year()*12 + int(tm.Month())
}

// lastSessionOfPeriod reports whether the calendar schedules no session after
// d in d's period (holidays are not known, so a missing last session is
// handled when the next period starts).
func (t *triggerState) lastSessionOfPeriod(d data.Date) bool {
	k := t.key(d)
	for nd := d + 1; ; nd++ {
		if t.cal.IsSessionDay(nd) {
			return t.key(nd) != k
		}
	}
}

// periodClose runs the rule, margin and confirmation on a period close.
func (t *triggerState) periodClose(cl float64, d data.Date) period {
	pc := period{close: cl, date: d}
	level, broke := t.rule(cl, d)
	if t.confCount > 0 {
		// A breakout awaiting confirmation.
		if cl > t.confLevel*(1+t.p.Margin) {
			t.confCount++
		} else {
			t.confCount = 0
		}
	} else if broke && cl > level*(1+t.p.Margin) {
		t.confCount, t.confLevel = 1, level
	}
	if t.confCount > 0 && t.confCount >= t.p.Confirm {
		pc.signal, pc.level = true, t.confLevel
		t.confCount = 0
	}
	return pc
}

// rule appends the period close and reports whether it breaks out, and the
// level it breaks.
func (t *triggerState) rule(cl float64, d data.Date) (level float64, broke bool) {
	i := len(t.closes)
	t.closes = append(t.closes, cl)
	switch t.p.Rule {
	case Donchian:
		n := t.p.Lookback
		// drop indices that left the window [i-n, i-1]
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
	case NewHigh:
		if t.hasATH && cl > t.ath {
			level = t.ath
			broke = int(d-t.athDay) >= t.p.MinDaysSinceHigh
		}
		if !t.hasATH || cl > t.ath {
			t.ath, t.athDay, t.hasATH = cl, d, true
		}
	}
	return level, broke
}

// TriggerSignals are the period closes of a trigger in replay order, with the
// confirmed breakouts, computed once per trigger parameters and plan by
// running the live trigger state over the trigger's bars in order. Read-only
// once built: share it between trials.
type TriggerSignals struct {
	key    string
	K      []int32 // event index in the plan at which each period close is known
	Close  []float64
	Date   []data.Date
	Level  []float64
	Signal []bool
	breaks []int // indexes of the confirmed breakouts
}

// TriggerKey identifies the parameters the trigger side depends on: configs
// with the same key share their TriggerSignals.
func (p BreakoutParams) TriggerKey() string {
	return fmt.Sprintf("%s|%d|%d|%d|%d|%d|%g", p.Trigger, p.Rule, p.Lookback, p.MinDaysSinceHigh, p.Timeframe, max(p.Confirm, 1), p.Margin)
}

// ComputeTriggerSignals runs the trigger state of p over the trigger's bars
// of plan in replay order.
func ComputeTriggerSignals(plan *engine.Plan, p BreakoutParams) (*TriggerSignals, error) {
	if err := p.checkTrigger(); err != nil {
		return nil, err
	}
	if p.Confirm < 1 {
		p.Confirm = 1
	}
	trig := plan.DS.Index(p.Trigger)
	if trig < 0 {
		return nil, fmt.Errorf("trigger symbol %q not in data", p.Trigger)
	}
	ser := plan.DS.Series[trig]
	var ts triggerState
	ts.reset(p, ser.Calendar, ser.Len())
	out := &TriggerSignals{key: p.TriggerKey()}
	var buf [2]period
	for k := 0; k < plan.Len(); k++ {
		s, i, _ := plan.Event(k)
		if s != trig {
			continue
		}
		for _, pc := range ts.onBar(ser.Date[i], ser.Close[i], buf[:0]) {
			if pc.signal {
				out.breaks = append(out.breaks, len(out.K))
			}
			out.K = append(out.K, int32(k))
			out.Close = append(out.Close, pc.close)
			out.Date = append(out.Date, pc.date)
			out.Level = append(out.Level, pc.level)
			out.Signal = append(out.Signal, pc.signal)
		}
	}
	return out, nil
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
	w := normWeights(b.Weights, len(b.syms), 1)
	for i, s := range b.syms {
		if err := c.Enter(s, w[i], engine.Exits{}, -1); err != nil {
			c.Abort(fmt.Errorf("buy and hold %s: %w", c.SymbolName(s), err))
			return
		}
	}
}

// OnBar does nothing: buy and hold never trades again.
func (b *BuyAndHold) OnBar(c *engine.Ctx, sym, idx int) {}
