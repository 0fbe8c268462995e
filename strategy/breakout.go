// Package strategy implements riskon's strategies on top of the engine: the
// Russell 2000 breakout family (donchian and new_high triggers on daily,
// weekly or monthly closes, with confirmation, margin and cooldown; entries on
// one target or a basket; exits by holding period, trailing stop and failed
// breakout) and buy and hold for benchmarks. New builds a strategy from its
// config section.
package strategy

import (
	"fmt"
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
}

// Breakout is the Russell 2000 breakout strategy: a trigger rule on one symbol
// that buys a target or basket.
type Breakout struct {
	p       BreakoutParams
	trig    int
	targets []int
	weights []float64
	cal     data.Calendar

	// resampling state
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

	// confirmation, cooldown, position
	confCount   int
	confLevel   float64
	acted       bool
	actedDay    data.Date
	activeLevel float64
}

// NewBreakout validates params and returns the strategy.
func NewBreakout(p BreakoutParams) (*Breakout, error) {
	if p.Rule == Donchian && p.Lookback < 1 {
		return nil, fmt.Errorf("trigger.lookback must be at least 1")
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

// Start resolves symbols and allocates every buffer the replay needs.
func (b *Breakout) Start(c *engine.Ctx) error {
	b.trig = c.Symbol(b.p.Trigger)
	if b.trig < 0 {
		return fmt.Errorf("trigger symbol %q not in data", b.p.Trigger)
	}
	b.cal = c.Calendar(b.trig)
	b.targets = b.targets[:0]
	for _, t := range b.p.Targets {
		i := c.Symbol(t)
		if i < 0 {
			return fmt.Errorf("target symbol %q not in data", t)
		}
		b.targets = append(b.targets, i)
	}
	b.weights = normWeights(b.p.Weights, len(b.targets), b.p.Allocation)
	// The number of trigger bars bounds the number of period closes.
	total := c.Capacity(b.trig)
	if cap(b.closes) < total {
		b.closes = make([]float64, 0, total)
		b.dq = make([]int, 0, total)
	}
	b.closes, b.dq, b.dqHead = b.closes[:0], b.dq[:0], 0
	b.perOpen, b.hasATH, b.acted = false, false, false
	b.confCount = 0
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

// OnBar resamples trigger closes into periods and evaluates the rule at each
// period close.
func (b *Breakout) OnBar(c *engine.Ctx, sym, idx int) {
	if sym != b.trig {
		return
	}
	v := c.History(b.trig)
	n := v.Len()
	d := v.Dates()[n-1]
	cl := v.Closes()[n-1]
	if b.p.Timeframe == Daily {
		b.periodClose(c, cl, d)
		return
	}
	key := b.key(d)
	if b.perOpen && key != b.perKey {
		// The previous period's last scheduled session was missing: it is
		// known closed only now.
		b.periodClose(c, b.perClose, b.perDate)
		b.perOpen = false
	}
	b.perKey, b.perClose, b.perDate, b.perOpen = key, cl, d, true
	if b.lastSessionOfPeriod(d) {
		b.periodClose(c, cl, d)
		b.perOpen = false
	}
}

func (b *Breakout) key(d data.Date) int {
	t := d.Time()
	if b.p.Timeframe == Weekly {
		y, w := t.ISOWeek()
		return y*100 + w
	}
	return t.Year()*12 + int(t.Month())
}

// lastSessionOfPeriod reports whether the calendar schedules no session after
// d in d's period (holidays are not known, so a missing last session is
// handled when the next period starts).
func (b *Breakout) lastSessionOfPeriod(d data.Date) bool {
	k := b.key(d)
	for nd := d + 1; ; nd++ {
		if b.cal.IsSessionDay(nd) {
			return b.key(nd) != k
		}
	}
}

// periodClose evaluates the exits and the rule at a period close cl dated d.
func (b *Breakout) periodClose(c *engine.Ctx, cl float64, d data.Date) {
	// Failed breakout: a position opened on a breakout is closed when the
	// trigger closes back below the broken level.
	if b.p.ExitOnFailedBreakout && !c.Flat() && b.activeLevel > 0 && cl < b.activeLevel {
		c.ExitAll(engine.ExitFailedBreakout)
	}
	level, broke := b.rule(cl, d)
	if b.confCount > 0 {
		// A breakout awaiting confirmation.
		if cl > b.confLevel*(1+b.p.Margin) {
			b.confCount++
		} else {
			b.confCount = 0
		}
	} else if broke && cl > level*(1+b.p.Margin) {
		b.confCount, b.confLevel = 1, level
	}
	if b.confCount == 0 || b.confCount < b.p.Confirm {
		return
	}
	level = b.confLevel
	b.confCount = 0
	if !c.InWindow() {
		return
	}
	sig := c.LogSignal(engine.Signal{Time: c.Now(), Symbol: b.p.Trigger, Level: level, Close: cl})
	switch {
	case !c.Flat():
		c.SetSignalOutcome(sig, false, "in_position")
	case b.acted && int(d-b.actedDay) < b.p.CooldownDays:
		c.SetSignalOutcome(sig, false, "cooldown")
	default:
		ex := engine.Exits{HoldDays: b.p.HoldDays, TrailingStop: b.p.TrailingStop}
		placed := 0
		for i, t := range b.targets {
			if err := c.Enter(t, b.weights[i], ex, sig); err == nil {
				placed++
			} else {
				c.Abort(fmt.Errorf("enter %s at %s: %w", c.SymbolName(t), time.Unix(c.Now(), 0).UTC().Format(time.RFC3339), err))
				return
			}
		}
		c.SetSignalOutcome(sig, placed > 0, "")
		b.acted, b.actedDay, b.activeLevel = true, d, level
	}
}

// rule appends the period close and reports whether it breaks out, and the
// level it breaks.
func (b *Breakout) rule(cl float64, d data.Date) (level float64, broke bool) {
	t := len(b.closes)
	b.closes = append(b.closes, cl)
	switch b.p.Rule {
	case Donchian:
		n := b.p.Lookback
		// drop indices that left the window [t-n, t-1]
		for b.dqHead < len(b.dq) && b.dq[b.dqHead] < t-n {
			b.dqHead++
		}
		if t >= n {
			level = b.closes[b.dq[b.dqHead]]
			broke = cl > level
		}
		for len(b.dq) > b.dqHead && b.closes[b.dq[len(b.dq)-1]] <= cl {
			b.dq = b.dq[:len(b.dq)-1]
		}
		b.dq = append(b.dq, t)
	case NewHigh:
		if b.hasATH && cl > b.ath {
			level = b.ath
			broke = int(d-b.athDay) >= b.p.MinDaysSinceHigh
		}
		if !b.hasATH || cl > b.ath {
			b.ath, b.athDay, b.hasATH = cl, d, true
		}
	}
	return level, broke
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
