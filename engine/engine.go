// Package engine is riskon's event-driven simulator: it replays every bar of
// every symbol in order of close time across calendars, hands each closed bar
// to a Strategy, and fills the strategy's orders with costs, keeping a
// portfolio, a daily UTC equity curve, a trade log, an order log and a signal
// log.
//
// The time model (see docs/ARCHITECTURE.md): a bar is the span
// [open_time, close_time) and is known only at close_time. A market order
// placed at time t fills at the open of the first bar of its symbol whose
// open_time >= t (next open), or at that bar's close (next close). A
// scheduled exit fills at the close of the first bar dated on or after its
// target date. A stop fills at the stop price when a bar's low touches it, or
// at the open when the bar gaps below it.
//
// The package is pure Go: it never imports a database driver.
package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/riskon/riskon/data"
)

// FillMode says at which price of the next bar market orders fill.
type FillMode uint8

// Fill modes.
const (
	NextOpen  FillMode = iota // the open of the first bar opening at or after the order (default)
	NextClose                 // the close of that bar
)

// ParseFillMode parses "next_open" or "next_close".
func ParseFillMode(s string) (FillMode, error) {
	switch s {
	case "", "next_open":
		return NextOpen, nil
	case "next_close":
		return NextClose, nil
	}
	return 0, fmt.Errorf("fill %q: want next_open or next_close", s)
}

// Options configure one run.
type Options struct {
	Capital       float64
	CommissionBps float64 // per side, on the fill's notional, paid from cash
	SlippageBps   float64 // per side: buys fill at price x (1+s), sells at price x (1-s)
	Fill          FillMode
	// Trigger and Targets bound the window: it starts at the later of Start
	// and the first bar of every target, and ends at the earlier of End and
	// the last bar of the trigger and of every target.
	Trigger string
	Targets []string
	// CashRate, when set, names a series of an annual rate in percent
	// (e.g. the federal funds rate) that uninvested cash earns, read as an
	// effective annual rate: at the end of each UTC day of the window, cash
	// grows by the factor (1 + rate/100)^(1/365), rate the series' last
	// close known before that day ended (0 before its first bar). The daily
	// rate is recorded in Result.RiskFree. Jumps (Skipper) are off then:
	// every rate bar must be seen.
	CashRate string
	Start    data.Date
	HasStart bool
	End      data.Date
	HasEnd   bool
	// NoOrderLog leaves Result.Orders empty: the orders are placed and
	// filled (with the same ids, so in the same order) as with the log,
	// only not recorded. Sweep trials, which never read the log, set it.
	NoOrderLog bool
}

// Strategy receives every closed bar in close-time order.
type Strategy interface {
	// Start is called once before the replay; resolve symbols and allocate
	// buffers here, so that OnBar allocates nothing.
	Start(c *Ctx) error
	// OnBar is called at the close of bar idx of symbol sym. History views
	// of every symbol end at the bars closed at or before this instant.
	OnBar(c *Ctx, sym, idx int)
}

// WindowStarter is implemented by strategies that act at the first instant of
// the window (buy and hold).
type WindowStarter interface {
	OnWindowStart(c *Ctx)
}

// Listener is implemented by strategies that need OnBar only for some
// symbols; the engine still replays every bar (fills, stops, marks).
type Listener interface {
	Listens(sym int) bool
}

// Skipper is implemented by strategies that know, while the book is flat and
// no order is pending, the next event they need to see. The engine then jumps
// to that event: nothing can happen to a flat book in between, the equity
// curve carries the cash forward, and history views stay exact. NextEvent
// returns an event index >= k (Plan.Len() for none); returning k disables the
// jump. Its answer nk for k must stand for every event from k to nk: the
// engine asks again at nk, or, while holding (HeldSkipper), earlier when a
// fill changed the book (its Ctx.HeldUntil then moves).
type Skipper interface {
	// Skips reports, once at the start of a run, whether NextEvent may jump.
	Skips() bool
	NextEvent(c *Ctx, k int) int
}

// HeldSkipper is implemented by Skippers whose NextEvent holds whatever the
// book: the strategy needs no OnBar before that event even while positions
// are open or orders pending. The engine then walks the events in between
// doing only what the replay would do to a book without stops: it marks the
// held positions and samples the equity. It walks only while no held
// position has a stop or take profit, and stops at the first event at which
// a pending order can fill, which it replays (fills, stops, marks) without
// OnBar when it comes before NextEvent's answer, in full otherwise.
// NextEvent, asked while holding, may do itself what OnBar would do at the
// events up to Ctx.HeldUntil (they meet a book that cannot change but for
// marks).
type HeldSkipper interface {
	// SkipsHeld reports, once at the start of a run, whether NextEvent
	// may be called while holding.
	SkipsHeld() bool
}

// Errors returned by order methods.
var (
	ErrOutsideWindow = errors.New("order outside the backtest window")
	ErrInPosition    = errors.New("symbol already held or an entry is pending")
	ErrNotHeld       = errors.New("symbol not held")
	ErrBadOrder      = errors.New("bad order")
)

// Plan is the merged replay order of a data set: every bar of every series
// sorted by close time, ties broken by symbol order (the data set's sorted
// symbols). It is computed once and shared read-only by every trial.
type Plan struct {
	DS *data.Dataset
	// ev[k] is event k, its close time, symbol and bar index together:
	// the replay loops read an event in one place.
	ev []planEvent
	// seen[k*len(DS.Series)+s] is the number of bars of symbol s replayed
	// before event k: what a jump to k sets the history views to.
	seen []int32
	// barEvent[barOff[s]+i] is the event of bar i of symbol s: a walk over
	// one symbol's bars (Ctx.walk) finds their events without visiting the
	// other symbols'.
	barEvent []int32
	barOff   []int
	// barDay[barOff[s]+i] is the UTC day that bar i of symbol s closes in
	// (its close time less an instant): the day of the curve its close
	// marks.
	barDay []data.Date
}

// planEvent is one bar event of a plan: bar idx of symbol sym, which closes
// at time. Unsigned: the compiler loads them zero-extended in one
// instruction at an indexed address (a sign-extending load takes three).
type planEvent struct {
	time     int64
	sym, idx uint32
}

// NewPlan computes the replay order of ds.
func NewPlan(ds *data.Dataset) *Plan {
	n := 0
	for _, s := range ds.Series {
		n += s.Len()
	}
	p := &Plan{DS: ds, ev: make([]planEvent, 0, n), seen: make([]int32, 0, n*len(ds.Series))}
	p.barOff = make([]int, len(ds.Series))
	for si := 1; si < len(ds.Series); si++ {
		p.barOff[si] = p.barOff[si-1] + ds.Series[si-1].Len()
	}
	p.barEvent = make([]int32, n)
	p.barDay = make([]data.Date, n)
	for si, s := range ds.Series {
		for i, t := range s.CloseTime {
			p.barDay[p.barOff[si]+i] = data.DateFromUnix(t - 1)
		}
	}
	// k-way merge: series are individually sorted by close time.
	pos := make([]int, len(ds.Series))
	for {
		best := -1
		var bt int64
		for si, s := range ds.Series {
			if pos[si] >= s.Len() {
				continue
			}
			t := s.CloseTime[pos[si]]
			if best < 0 || t < bt {
				best, bt = si, t
			}
		}
		if best < 0 {
			break
		}
		for _, c := range pos {
			p.seen = append(p.seen, int32(c))
		}
		p.barEvent[p.barOff[best]+pos[best]] = int32(len(p.ev))
		p.ev = append(p.ev, planEvent{time: bt, sym: uint32(best), idx: uint32(pos[best])})
		pos[best]++
	}
	return p
}

// Len returns the number of bar events.
func (p *Plan) Len() int { return len(p.ev) }

// Event returns event k: the symbol index, bar index and close time.
func (p *Plan) Event(k int) (sym, idx int, t int64) {
	e := &p.ev[k]
	return int(e.sym), int(e.idx), e.time
}

type pending struct {
	id       int
	sym      int
	kind     OrderKind
	placed   int64
	bar      int     // bar index of the fill
	fillTime int64   // when the fill happens (open or close time of bar)
	atClose  bool    // fill at the bar's close
	budget   float64 // buys: cash to spend, commission included
	signal   int
	sigTime  int64
	hold     int
	trail    float64
	sl, tp   float64 // stop-loss and take-profit fractions
	order    int     // index in Result.Orders (-1 without an order log)
	reason   int     // a sell's exit reason: Ctx.reasonOf
}

type position struct {
	units    float64
	trade    int // index in Result.Trades of the open trade, -1 when flat
	last     float64
	trail    float64
	slLevel  float64 // stop-loss price, 0: off
	tpLevel  float64 // take-profit price, 0: off
	peak     float64
	stop     float64
	entry    int64 // fill time of the entry
	stopOrd  int   // index in Result.Orders of the live stop, -1 when none (or no order log)
	tpOrd    int   // index in Result.Orders of the live take-profit limit, -1 when none (or no order log)
	pending  bool  // an entry order is pending
	exitWait bool  // a market exit is pending
}

// Ctx is the strategy's view of the simulation at the current instant: the
// clock, history views that end at the last closed bar, the portfolio and the
// order methods. It is valid only during a callback.
type Ctx struct {
	plan     *Plan
	series   []*data.Series // plan.DS.Series, one load away in the hot loop
	opts     Options
	comm     float64
	slip     float64
	now      int64
	inWindow bool
	seen     []int // bars of each symbol closed at or before now
	cash     float64
	pos      []position
	held     []int // symbols with a position or a pending entry
	pend     []pending
	res      *Result
	err      error
	day0     data.Date
	k        int   // index of the current event in the plan
	first    int   // index of the first event of the window (plan.Len(): none)
	due      int64 // earliest fill time of the pending orders (MaxInt64: none)
	dirty    bool  // a fill or mark changed the book since the last sample
	listen   []bool
	cls      []uint8   // per symbol, what Ctx.live does at its events (see liveClass)
	rateSym  int       // index of the cash rate series, -1 when none
	accrued  data.Date // next day whose interest is not yet credited
	// cur is the day of the curve being written (-1: none yet); the days
	// before it are final, prevE and prevI the values of the last of them
	// (the capital and 0 before the first).
	cur          int
	prevE, prevI float64
	// orders is the number of orders placed (the next order's id: its
	// index in Result.Orders when there is a log); logOrders is
	// !opts.NoOrderLog.
	orders    int
	logOrders bool
	// reasons are the exit reasons of this run's sells that are not one of
	// exitReasons (pending orders hold a reason's index: no pointers).
	reasons []ExitReason
	// fillAt is the earliest instant of an event at which a pending order
	// can fill (MaxInt64: none): a close fill's time, the instant after an
	// open fill's (a bar's close at t comes before the next bar's open at
	// t, see fillDue). Like due, it may be earlier than that while orders
	// that left are still counted (until recomputeDue).
	fillAt int64
	// stops is the number of held positions with a stop or take profit
	// (noStops).
	stops int
}

// exitReasons are the reasons a pending sell refers to by index (0: none);
// other reasons are kept in Ctx.reasons, after these.
var exitReasons = [...]ExitReason{"", ExitHold, ExitTrailingStop, ExitStopLoss, ExitTakeProfit, ExitFailedBreakout, ExitSignal, ExitOpen}

// reasonHold is the index of ExitHold in exitReasons: the reason of every
// scheduled exit, known without a search.
const reasonHold = 1

// reasonIndex returns the index of reason r for a pending order.
func (c *Ctx) reasonIndex(r ExitReason) int {
	for i := range exitReasons { // by index: a range over the array would copy it
		if exitReasons[i] == r {
			return i
		}
	}
	for i, x := range c.reasons {
		if x == r {
			return len(exitReasons) + i
		}
	}
	c.reasons = append(c.reasons, r)
	return len(exitReasons) + len(c.reasons) - 1
}

// reasonOf returns the reason of index i (reasonIndex).
func (c *Ctx) reasonOf(i int) ExitReason {
	if i < len(exitReasons) {
		return exitReasons[i]
	}
	return c.reasons[i-len(exitReasons)]
}

// newOrder returns the id of a new order in symbol s and its index in the
// order log, where it records it (-1 without a log).
func (c *Ctx) newOrder(s *data.Series, kind OrderKind, placed int64, reason ExitReason) (id, index int) {
	id = c.orders
	c.orders++
	if !c.logOrders {
		return id, -1
	}
	c.res.Orders = append(c.res.Orders, Order{ID: id, Symbol: s.Symbol, Kind: kind, Placed: placed, Reason: reason})
	return id, id
}

// EventIndex returns the index in the plan of the bar event being processed.
func (c *Ctx) EventIndex() int { return c.k }

// WindowEvent returns the index in the plan of the first event inside the
// backtest window (PlanLen() when none): a Skipper has nothing to act on
// before it.
func (c *Ctx) WindowEvent() int { return c.first }

// HeldUntil returns, while the book holds positions or a pending entry,
// the last instant up to which nothing but marks can change it without the
// strategy: no pending order can fill at an event before it ends, no held
// position has a stop or take profit, and the window has not ended. It
// returns math.MinInt64 when a held position has a stop or take profit,
// and for a flat book. A HeldSkipper's NextEvent, while holding, may do
// for its events up to that instant what its OnBar would do to a book
// that does not change there (log a signal not acted on, say): the engine
// walks them without calling OnBar.
func (c *Ctx) HeldUntil() int64 {
	if len(c.held) == 0 || !c.noStops() {
		return math.MinInt64
	}
	return min(c.res.WindowEnd, c.fillAt-1)
}

// PlanLen returns the number of events in the plan being replayed.
func (c *Ctx) PlanLen() int { return c.plan.Len() }

// Now returns the current instant, unix seconds UTC.
func (c *Ctx) Now() int64 { return c.now }

// InWindow reports whether the current instant is inside the backtest window.
// Before it, bars only warm up indicators and orders are refused.
func (c *Ctx) InWindow() bool { return c.inWindow }

// Symbol returns the index of a symbol in the data set, or -1.
func (c *Ctx) Symbol(name string) int { return c.plan.DS.Index(name) }

// SymbolName returns the name of symbol sym; use History for its bars.
func (c *Ctx) SymbolName(sym int) string { return c.series[sym].Symbol }

// Calendar returns the calendar of symbol sym.
func (c *Ctx) Calendar(sym int) data.Calendar { return c.series[sym].Calendar }

// History returns the bars of sym that have closed at or before Now.
func (c *Ctx) History(sym int) View {
	return View{s: c.series[sym], n: c.seen[sym]}
}

// Cash returns the cash balance.
func (c *Ctx) Cash() float64 { return c.cash }

// Units returns the units held of sym.
func (c *Ctx) Units(sym int) float64 { return c.pos[sym].units }

// Flat reports whether no position is held and no entry is pending.
func (c *Ctx) Flat() bool { return len(c.held) == 0 }

// Equity returns cash plus positions marked at their last known price.
func (c *Ctx) Equity() float64 {
	e, _ := c.book()
	return e
}

// LogSignal records a signal and returns its index for Enter.
func (c *Ctx) LogSignal(s Signal) int {
	// Copied field by field into place (see newPending): every field of
	// Signal (TestLogSignalKeepsEveryField).
	sg := c.res.Signals
	if n := len(sg); n < cap(sg) {
		sg = sg[:n+1] // a slot of an earlier run: every field is written below
	} else {
		sg = append(sg, Signal{})
	}
	c.res.Signals = sg
	i := len(sg) - 1
	p := &sg[i]
	p.Time, p.Symbol, p.Level, p.Close, p.Acted, p.Reason = s.Time, s.Symbol, s.Level, s.Close, s.Acted, s.Reason
	return i
}

// SetSignalOutcome updates whether signal i was acted on.
func (c *Ctx) SetSignalOutcome(i int, acted bool, reason string) {
	c.res.Signals[i].Acted = acted
	c.res.Signals[i].Reason = reason
}

// Abort stops the run; Run returns err.
func (c *Ctx) Abort(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Exits are the exit rules attached to an entry.
type Exits struct {
	HoldDays     int     // close at the close of the bar dated entry date + HoldDays (0: no time exit)
	TrailingStop float64 // fraction below the highest close since entry (0: off)
	StopLoss     float64 // fraction below the entry fill (0: off)
	TakeProfit   float64 // fraction above the entry fill (0: off)
}

// Enter places a market buy of sym spending weight x current cash (commission
// included). signal is the index of the signal that caused it (-1 if none).
func (c *Ctx) Enter(sym int, weight float64, ex Exits, signal int) error {
	if !c.inWindow {
		return ErrOutsideWindow
	}
	if sym < 0 || sym >= len(c.pos) || !(weight > 0) || weight > 1 || ex.HoldDays < 0 || ex.TrailingStop < 0 || ex.TrailingStop >= 1 ||
		!(ex.StopLoss >= 0 && ex.StopLoss < 1) || !(ex.TakeProfit >= 0) {
		return ErrBadOrder
	}
	p := &c.pos[sym]
	if p.units != 0 || p.pending {
		return ErrInPosition
	}
	s := c.series[sym]
	// The fill bar: the first bar not yet closed whose open is at or after now.
	j := c.seen[sym]
	for j < s.Len() && s.OpenTime[j] < c.now {
		j++
	}
	o := c.newPending()
	o.sym, o.kind, o.placed, o.bar, o.budget = sym, OrderMarketBuy, c.now, j, c.cash*weight
	o.signal, o.hold, o.trail, o.sl, o.tp, o.sigTime = signal, ex.HoldDays, ex.TrailingStop, ex.StopLoss, ex.TakeProfit, c.now
	c.schedule(o, s, c.opts.Fill == NextClose, 0)
	p.pending = true
	c.held = append(c.held, sym)
	return nil
}

// Exit places a market sell of the whole position in sym, filled by the fill
// mode, with the given reason.
func (c *Ctx) Exit(sym int, reason ExitReason) error {
	if sym < 0 || sym >= len(c.pos) {
		return ErrBadOrder
	}
	p := &c.pos[sym]
	if p.units == 0 && !p.pending {
		return ErrNotHeld
	}
	if p.exitWait {
		return nil
	}
	if p.pending {
		// The entry has not filled yet: cancel it rather than trade twice.
		c.cancelEntry(sym)
		return nil
	}
	s := c.series[sym]
	j := c.seen[sym]
	for j < s.Len() && s.OpenTime[j] < c.now {
		j++
	}
	o := c.newPending()
	o.sym, o.kind, o.placed, o.bar = sym, OrderMarketSell, c.now, j
	c.schedule(o, s, c.opts.Fill == NextClose, c.reasonIndex(reason))
	p.exitWait = true
	return nil
}

// ExitAll exits every position and cancels every pending entry.
func (c *Ctx) ExitAll(reason ExitReason) {
	for i := len(c.held) - 1; i >= 0; i-- { // backwards: a cancelled entry leaves held
		_ = c.Exit(c.held[i], reason)
	}
}

// Capacity is an upper bound on the number of bars of sym the replay will
// show, for preallocating buffers in Start. It carries no price information.
func (c *Ctx) Capacity(sym int) int { return c.series[sym].Len() }

// newPending returns a new zero pending order at the end of the pending
// orders, for its caller to fill in field by field and schedule: built in
// place, not copied from a composite literal (the copy of a struct just
// written field by field reads it in wider loads, which wait for the stores
// to reach the cache instead of being forwarded).
func (c *Ctx) newPending() *pending {
	c.pend = append(c.pend, pending{})
	return &c.pend[len(c.pend)-1]
}

// schedule places order o (the last of c.pend, from newPending) in symbol
// s, filled at the close of its bar when atClose; a sell's reason is kept
// as its index ri (reasonIndex: pending orders hold no pointers, so that
// moving them costs a plain copy) and in the order log.
func (c *Ctx) schedule(o *pending, s *data.Series, atClose bool, ri int) {
	o.atClose = atClose
	if o.bar < s.Len() {
		if atClose {
			o.fillTime = s.CloseTime[o.bar]
		} else {
			o.fillTime = s.OpenTime[o.bar]
		}
	} else {
		o.fillTime = math.MaxInt64 // no such bar in the data: never fills
	}
	o.id, o.order = c.newOrder(s, o.kind, o.placed, c.reasonOf(ri))
	o.reason = ri
	if o.fillTime < c.due {
		c.due = o.fillTime
	}
	if at := o.fillAt(); at < c.fillAt {
		c.fillAt = at
	}
}

// fillAt is the earliest instant of an event at which o can fill: its fill
// time for a close fill, the instant after it for an open fill, which an
// event at its fill time (a close) comes before (fillDue).
func (o *pending) fillAt() int64 {
	if o.atClose || o.fillTime == math.MaxInt64 {
		return o.fillTime
	}
	return o.fillTime + 1
}

// recomputeDue resets the earliest pending fill time after orders left.
func (c *Ctx) recomputeDue() {
	c.due, c.fillAt = math.MaxInt64, math.MaxInt64
	for k := range c.pend {
		o := &c.pend[k]
		if o.fillTime < c.due {
			c.due = o.fillTime
		}
		if at := o.fillAt(); at < c.fillAt {
			c.fillAt = at
		}
	}
}

// View is the history of one symbol up to the last closed bar. Its slices
// have their capacity cut at the view's length, so the future cannot be
// reached by re-slicing: v.Closes()[:v.Len()+1] panics.
type View struct {
	s *data.Series
	n int
}

// Len returns the number of closed bars.
func (v View) Len() int { return v.n }

// Closes returns the closes of the closed bars.
func (v View) Closes() []float64 { return v.s.Close[:v.n:v.n] }

// Opens returns the opens of the closed bars.
func (v View) Opens() []float64 { return v.s.Open[:v.n:v.n] }

// Highs returns the highs of the closed bars.
func (v View) Highs() []float64 { return v.s.High[:v.n:v.n] }

// Lows returns the lows of the closed bars.
func (v View) Lows() []float64 { return v.s.Low[:v.n:v.n] }

// Dates returns the dates of the closed bars.
func (v View) Dates() []data.Date { return v.s.Date[:v.n:v.n] }

// CloseTimes returns the close times of the closed bars.
func (v View) CloseTimes() []int64 { return v.s.CloseTime[:v.n:v.n] }

// Window computes the backtest window of ds under opts: [start, end] in unix
// seconds. It fails with a message naming the cause when a symbol is missing
// or the window is empty.
func Window(ds *data.Dataset, opts Options) (start, end int64, err error) {
	if ds.Index(opts.Trigger) < 0 {
		return 0, 0, fmt.Errorf("trigger symbol %q is not in the data set (have %v)", opts.Trigger, ds.Symbols())
	}
	if len(opts.Targets) == 0 {
		return 0, 0, fmt.Errorf("no targets")
	}
	start = math.MinInt64
	end = math.MaxInt64
	if opts.HasStart {
		start = opts.Start.Unix()
	}
	if opts.HasEnd {
		end = (opts.End + 1).Unix()
	}
	// The trigger, then every target (no slice built: Window runs per trial).
	for i := 0; i <= len(opts.Targets); i++ {
		name := opts.Trigger
		if i > 0 {
			name = opts.Targets[i-1]
		}
		s := ds.Get(name)
		if s == nil {
			return 0, 0, fmt.Errorf("target symbol %q is not in the data set (have %v)", name, ds.Symbols())
		}
		if s.Len() == 0 {
			return 0, 0, fmt.Errorf("symbol %q has no bars", name)
		}
		if i > 0 && s.OpenTime[0] > start {
			start = s.OpenTime[0]
		}
		if last := s.CloseTime[s.Len()-1]; last < end {
			end = last
		}
	}
	if end <= start {
		bound := append([]string{opts.Trigger}, opts.Targets...)
		return start, end, fmt.Errorf("empty window: the data of %v overlaps nowhere inside data.start/data.end (start %s, end %s)",
			bound, fmtTime(start), fmtTime(end))
	}
	return start, end, nil
}

func fmtTime(t int64) string {
	if t == math.MinInt64 || t == math.MaxInt64 {
		return "unbounded"
	}
	return data.DateFromUnix(t).String()
}

// Runner replays plans. It keeps its buffers between runs, so a sweep reuses
// one Runner per worker: the Result of Runner.Run is valid only until the
// next Run on the same Runner. A Runner is not safe for concurrent use.
type Runner struct {
	c   Ctx
	res *Result
	// perEvent replays every event in Run's own loop, without Ctx.live:
	// the reference the tests compare the live loop with.
	perEvent bool
	// the window whose dates res.Dates holds
	datesDay0 data.Date
	datesN    int
	datesPtr  *data.Date
}

func (r *Runner) result(days int) *Result {
	if r.res == nil {
		r.res = &Result{}
	}
	if cap(r.res.Equity) < days {
		r.res.Dates = make([]data.Date, days)
		r.res.Equity = make([]float64, days)
		r.res.Invested = make([]float64, days)
	}
	return r.res
}

// Run replays plan through strat under opts and returns a Result of its own.
func Run(ctx context.Context, plan *Plan, strat Strategy, opts Options) (*Result, error) {
	var r Runner
	return r.Run(ctx, plan, strat, opts)
}

// Run replays plan through strat under opts. The Result reuses the Runner's
// buffers: it is valid until the next Run on r.
func (r *Runner) Run(ctx context.Context, plan *Plan, strat Strategy, opts Options) (*Result, error) {
	if !(opts.Capital > 0) {
		return nil, fmt.Errorf("capital must be positive, got %v", opts.Capital)
	}
	if opts.CommissionBps < 0 || opts.SlippageBps < 0 {
		return nil, fmt.Errorf("costs must not be negative")
	}
	ws, we, err := Window(plan.DS, opts)
	if err != nil {
		return nil, err
	}
	ns := len(plan.DS.Series)
	c := &r.c
	*c = Ctx{plan: plan, series: plan.DS.Series, opts: opts, seen: resizeInts(c.seen, ns), pos: c.pos[:0], held: c.held[:0], pend: c.pend[:0], listen: c.listen, cls: c.cls,
		logOrders: !opts.NoOrderLog, reasons: c.reasons[:0]}
	for i := 0; i < ns; i++ {
		c.pos = append(c.pos, position{trade: -1, stopOrd: -1, tpOrd: -1})
	}
	c.comm = opts.CommissionBps / 1e4
	c.slip = opts.SlippageBps / 1e4
	c.cash = opts.Capital
	day0 := data.DateFromUnix(ws)
	day1 := data.DateFromUnix(we - 1)
	nd := int(day1-day0) + 1
	res := r.result(nd)
	rf := res.RiskFree
	*res = Result{WindowStart: ws, WindowEnd: we, Capital: opts.Capital, Annualization: 365,
		Dates: res.Dates[:nd], Equity: res.Equity[:nd], Invested: res.Invested[:nd],
		Signals: res.Signals[:0], Trades: res.Trades[:0], Orders: res.Orders[:0], Carried: res.Carried[:0]}
	// Equity and Invested are written day by day as the replay goes (see
	// Ctx.settle): no pass over them here. The dates are the same as the
	// previous run's when its window was.
	if !(r.datesDay0 == day0 && r.datesN == nd && r.datesPtr == &res.Dates[0]) {
		for i := range res.Dates {
			res.Dates[i] = day0 + data.Date(i)
		}
		r.datesDay0, r.datesN, r.datesPtr = day0, nd, &res.Dates[0]
	}
	c.res = res
	c.first = sort.Search(plan.Len(), func(k int) bool { return plan.ev[k].time >= ws })
	c.cur, c.prevE, c.prevI = -1, opts.Capital, 0
	c.day0 = day0
	c.rateSym, c.accrued = -1, day0
	if opts.CashRate != "" {
		if c.rateSym = plan.DS.Index(opts.CashRate); c.rateSym < 0 {
			return nil, fmt.Errorf("cash rate symbol %q is not in the data set (have %v)", opts.CashRate, plan.DS.Symbols())
		}
		if cap(rf) < nd {
			rf = make([]float64, nd)
		}
		res.RiskFree = rf[:nd]
		res.CashRate = opts.CashRate
		clear(res.RiskFree)
	}
	if err := strat.Start(c); err != nil {
		return nil, fmt.Errorf("strategy start: %w", err)
	}
	c.due, c.fillAt = math.MaxInt64, math.MaxInt64
	c.listen = c.listen[:0]
	lis, isLis := strat.(Listener)
	for i := 0; i < ns; i++ {
		c.listen = append(c.listen, !isLis || lis.Listens(i))
	}
	ws2, isWS := strat.(WindowStarter)
	skipper, canSkip := strat.(Skipper)
	canSkip = canSkip && skipper.Skips() && c.rateSym < 0
	hs, skipHeld := strat.(HeldSkipper)
	skipHeld = canSkip && skipHeld && hs.SkipsHeld()
	started := false
	n := plan.Len()
	next := 0  // NextEvent's last answer, which stands for the events before it
	check := 0 // the event count at which the context is checked next
	// The first fill instant (Ctx.fillAt) when NextEvent was last asked
	// while holding: after a fill moved it, a held book's HeldUntil moved
	// too, and NextEvent is asked again.
	askedAt := int64(math.MinInt64)
	// Locals: the compiler would reload these fields after every call.
	pev, listen, rate := plan.ev, c.listen, c.rateSym >= 0
	// Live mode (no jumps, no walks, no cash rate): the events that need
	// only the plain step go through Ctx.live.
	live := !canSkip && !rate && !r.perEvent
	for k := 0; k < n; k++ {
		if canSkip && len(c.held) == 0 && len(c.pend) == 0 {
			if k >= next {
				next = skipper.NextEvent(c, k)
			}
			if next > k {
				if next >= n {
					break
				}
				c.jump(next)
				k = next
			}
		} else if skipHeld && c.noStops() {
			if k >= next || c.fillAt != askedAt {
				next, askedAt = skipper.NextEvent(c, k), c.fillAt
			}
			if next > k {
				if k = c.walk(k, min(next, n), we); k >= n {
					break
				}
				if k < next && pev[k].time <= we {
					// The walk stopped at an event at which an order can
					// fill, before the strategy's next event: replayed
					// here, without OnBar (the strategy needs none
					// before next), as the walk's next step.
					c.walkFill(k)
					continue
				}
			}
		} else if live {
			// The plain events up to the next context check, in a loop of
			// their own (see Ctx.live); this body does the others.
			lim := ws - 1
			if started {
				lim = we
			}
			if k = c.live(k, min(n, k+check-res.Events), lim, strat); c.err != nil {
				return nil, c.err
			}
			if k >= n {
				break
			}
		}
		pe := &pev[k]
		t := pe.time
		if t > we {
			break
		}
		if res.Events >= check {
			check = res.Events + 4096
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c.k = k
		if !started && t >= ws {
			started = true
			c.now = ws
			c.inWindow = true
			if isWS {
				ws2.OnWindowStart(c)
			}
		}
		s, i := int(pe.sym), int(pe.idx)
		if rate && t >= ws {
			c.accrue(data.DateFromUnix(t - 1))
		}
		c.now = t
		c.inWindow = t >= ws
		if p := &c.pos[s]; c.fillAt > t && p.trail == 0 && p.slLevel == 0 && p.tpLevel == 0 {
			// step without a fill at t (an open fill due at t waits for
			// a later event) or a stop to check (a symbol not held has
			// none): close the bar, mark a position in its symbol.
			c.seen[s] = i + 1
			if p.units != 0 {
				c.dirty = true
				p.last = c.series[s].Close[i]
			}
		} else {
			c.step(s, i, t)
		}
		if listen[s] {
			strat.OnBar(c, s, i)
		}
		if c.err != nil {
			return nil, c.err
		}
		if c.inWindow && c.dirty {
			c.sample(t)
		}
		res.Events++
	}
	if c.rateSym >= 0 {
		c.accrue(day1 + 1)
	}
	c.finish(we)
	return res, nil
}

// accrue credits the interest of every window day before upTo not yet
// credited: cash grows by the day's rate (the rate series' last close seen,
// in percent a year, over 365 days) and the day's equity sample is taken
// after the credit. It allocates nothing.
func (c *Ctx) accrue(upTo data.Date) {
	last := c.day0 + data.Date(len(c.res.Equity))
	if upTo > last {
		upTo = last
	}
	for ; c.accrued < upTo; c.accrued++ {
		d := int(c.accrued - c.day0)
		rate := 0.0
		if n := c.seen[c.rateSym]; n > 0 {
			if r := c.series[c.rateSym].Close[n-1]; r > -100 {
				rate = math.Pow(1+r/100, 1.0/365) - 1
			}
		}
		c.res.RiskFree[d] = rate
		c.cash += c.cash * rate
		c.mark(d)
	}
}

func resizeInts(b []int, n int) []int {
	if cap(b) < n {
		return make([]int, n)
	}
	b = b[:n]
	for i := range b {
		b[i] = 0
	}
	return b
}

// jump moves the history views to event k without replaying the events in
// between (the book is flat and nothing is pending): each symbol's count of
// bars replayed before k comes from the plan.
func (c *Ctx) jump(k int) {
	seen := c.seen
	at := k * len(seen)
	src := c.plan.seen[at : at+len(seen)]
	seen = seen[:len(src)] // as long: one bounds check for both
	for s, n := range src {
		seen[s] = int(n)
	}
}

// seenAt sets the history views to the bars replayed before event k (k up
// to the number of events: then every bar), as replaying the events before
// k one by one would have set them.
func (c *Ctx) seenAt(k int) {
	if k < len(c.plan.ev) {
		c.jump(k)
		return
	}
	for s, ser := range c.series {
		c.seen[s] = ser.Len()
	}
}

// noStops reports whether no held position has a stop or take profit.
func (c *Ctx) noStops() bool { return c.stops == 0 }

// hasStops reports whether position p has a stop or take profit (fixed from
// its entry's fill to its exit: what Ctx.stops counts).
func (p *position) hasStops() bool { return p.trail > 0 || p.slLevel > 0 || p.tpLevel > 0 }

// walk replays events k up to end (exclusive) of a run whose strategy needs
// no OnBar before end and whose held positions have no stops (HeldSkipper),
// as step and the sampling would, for those events: the bar is closed, a
// held position is marked at its close and the equity sampled. It stops at
// the first event after the window's end we or at which a pending order
// can fill (Ctx.fillAt: step would fill there; an event at an open fill's
// instant, the close of the bar before, is walked), and returns the first
// event it did not walk.
func (c *Ctx) walk(k, end int, we int64) int {
	// The walk ends after we or at the first event at which an order can
	// fill (fillAt): t > lim.
	lim := min(we, c.fillAt-1)
	k0 := k
	var sampled bool
	if h := c.held; len(h) != 1 {
		k, sampled = c.walkMany(k, end, lim)
	} else if c.pos[h[0]].units != 0 {
		k, sampled = c.walkOne(h[0], k, end, lim)
	} else {
		// Only an entry pending (no position to mark): the events up to
		// the walk's end change nothing but the history views, set once
		// from the plan.
		k0 := k
		for k < end && c.plan.ev[k].time <= lim {
			k++
		}
		if k > k0 {
			c.seenAt(k)
		}
	}
	if sampled {
		c.dirty = false
	}
	c.res.Events += k - k0
	c.res.Walked += k - k0
	return k
}

// walkFill replays event k of a walk's book, at which a pending order can
// fill (the walk stopped there), as Run's loop does but without OnBar,
// which a HeldSkipper needs at no event before its next one: the fills and
// stops of step, then the equity sample.
func (c *Ctx) walkFill(k int) {
	pe := &c.plan.ev[k]
	t := pe.time
	c.k, c.now = k, t
	c.step(int(pe.sym), int(pe.idx), t)
	if c.dirty {
		c.sample(t)
	}
	c.res.Events++
}

// walkOne is the walk of a book of one position, in symbol h (the usual
// book), over events k to end at or before lim: the equity of a day is the
// cash plus that position at its last close, as mark computes it. Only the
// position's bars are visited (Plan.barEvent, barDay): the other symbols'
// events change nothing here. It returns the first event not walked and
// whether a bar of h was.
func (c *Ctx) walkOne(h, k, end int, lim int64) (int, bool) {
	p := c.plan
	ser := c.series[h]
	off := p.barOff[h]
	// The bars of h from the first not yet closed (the first at or after
	// event k) to the last before event end.
	i0, iEnd := c.seen[h], ser.Len()
	if end < len(p.ev) {
		iEnd = int(p.seen[end*len(c.seen)+h])
	}
	ctime, closes, bday := ser.CloseTime[:iEnd], ser.Close[:iEnd], p.barDay[off:off+iEnd]
	eq := c.res.Equity
	inv := c.res.Invested[:len(eq)]
	cash, units, day0, cur := c.cash, c.pos[h].units, c.day0, c.cur
	// opened: cur was opened here in open's usual case, so the last final
	// day is cur-1 (written back once, after the loop).
	opened := false
	i := i0
	for ; i < iEnd; i++ {
		if ctime[i] > lim {
			break
		}
		d := int(bday[i] - day0)
		if uint(d) >= uint(len(eq)) {
			continue
		}
		if d > cur {
			if d == cur+1 && cur >= 0 && eq[cur] == eq[cur] {
				cur, opened = d, true
			} else {
				if opened {
					c.prevE, c.prevI, opened = eq[cur-1], inv[cur-1], false
				}
				c.cur = cur
				c.open(d)
				cur = c.cur
			}
		}
		// put(d, cash+x, x) with the one position (x > 0: a long
		// position at a positive price, so cash+x and x are what book
		// sums).
		x := units * closes[i]
		e := cash + x
		if !(e > 0) {
			eq[d], inv[d] = e, 0
			continue
		}
		eq[d], inv[d] = e, x/e
		if d != cur {
			continue
		}
		// The bars after i, each on the day after the last written (a
		// market open every day), in a loop of their own: the day
		// before each was just written with a positive equity (no NaN),
		// so each opens in open's usual case.
		j := i + 1
		for ; j < iEnd && ctime[j] <= lim; j++ {
			d := int(bday[j] - day0)
			if d != cur+1 || d >= len(eq) {
				break
			}
			x := units * closes[j]
			e := cash + x
			if !(e > 0) {
				break
			}
			eq[d], inv[d] = e, x/e
			cur = d
		}
		if j > i+1 {
			opened = true
		}
		i = j - 1
	}
	if opened {
		c.prevE, c.prevI = eq[cur-1], inv[cur-1]
	}
	c.cur = cur
	if i == i0 {
		// No bar of h: the other symbols' events up to the walk's end.
		k0 := k
		for k < end && p.ev[k].time <= lim {
			k++
		}
		if k > k0 {
			c.seenAt(k)
		}
		return k, false
	}
	c.pos[h].last = closes[i-1]
	// The first event not walked: after the last bar of h walked, the
	// other symbols' events up to the walk's end.
	k = int(p.barEvent[off+i-1]) + 1
	for k < end && p.ev[k].time <= lim {
		k++
	}
	// The history views are set once, from the plan (nothing in the walk
	// reads them): no store per event.
	c.seenAt(k)
	return k, true
}

// walkMany is the walk of any other book (several positions, or an entry
// pending): every event from k to end at or before lim closes its bar and
// marks a position in its symbol. It returns the first event not walked
// and whether a position was marked.
func (c *Ctx) walkMany(k, end int, lim int64) (int, bool) {
	p := c.plan
	// Locals: the compiler would reload every field after each store.
	pev := p.ev[:end]
	seen, pos, series := c.seen, c.pos, c.series
	eq, day0 := c.res.Equity, c.day0
	sampled := false
	for ; k < end; k++ {
		pe := &pev[k]
		t := pe.time
		if t > lim {
			break
		}
		s, i := pe.sym, int(pe.idx)
		seen[s] = i + 1
		ps := &pos[s]
		if ps.units == 0 {
			continue
		}
		ps.last = series[s].Close[i]
		// c.sample(t), inlined: nothing but this mark changed the book.
		sampled = true
		d := int(data.DateFromUnix(t-1) - day0)
		if d < 0 || d >= len(eq) {
			continue
		}
		c.mark(d)
	}
	return k, sampled
}

// What Ctx.live does at an event of a symbol: the symbol's class, set at
// the start of a segment of events.
const (
	liveListen uint8 = 1 << iota // OnBar is called
	liveHeld                     // a position in the symbol is marked
	liveStop                     // the position has a stop or take profit, checked by step
	// liveOne alone: the one position of a book of one, not listened,
	// inside the window; its mark and the day's equity are written in
	// place (Ctx.markOne).
	liveOne
)

// live replays events k up to end (exclusive) of a run without jumps, walks
// or a cash rate exactly as Run's loop does, in a loop of its own, for as
// long as no fill is due at or before an event's instant and the instant is
// at or before lim (the window's end once the window has started, the
// instant before the window's start until then, so that whether the instant
// is inside the window does not change). It closes the bar, checks the stops
// of a position in its symbol and marks it (step), calls OnBar for a
// listened symbol and samples the equity, and returns the first event it
// did not replay (with c.err set, the event whose OnBar failed). A segment
// ends early after a stop filled or OnBar placed or cancelled an entry.
//
// Only fills change which symbols are held and their stops, and fills
// happen only in step: OnBar's orders (Enter, Exit) merely schedule, and a
// cancelled entry held no units. So the class of each symbol (listened,
// held, with stops) is fixed for a segment and computed once, and the
// usual events (a symbol neither listened to nor held, the trigger's bar,
// the one position of a book of one) take a short path each.
func (c *Ctx) live(k, end int, lim int64, strat Strategy) int {
	if c.dirty {
		return k // a change to sample first: Run's loop does that
	}
	// Locals: the compiler would reload every field after each store.
	pev := c.plan.ev[:end]
	seen, pos, series, in := c.seen, c.pos, c.series, c.inWindow
	cls := c.cls[:0]
	for s := range pos {
		x := uint8(0)
		if c.listen[s] {
			x |= liveListen
		}
		if ps := &pos[s]; ps.units != 0 {
			x |= liveHeld
		}
		if ps := &pos[s]; ps.trail != 0 || ps.slLevel != 0 || ps.tpLevel != 0 {
			x |= liveStop
		}
		cls = append(cls, x)
	}
	c.cls = cls
	seen = seen[:len(cls)] // as long (a symbol each): one bounds check for both
	nheld := len(c.held)
	var one *position // the one position of a book of one (liveOne)
	var closes []float64
	if h := c.held; in && nheld == 1 && cls[h[0]] == liveHeld {
		cls[h[0]] = liveOne
		one, closes = &pos[h[0]], series[h[0]].Close
	}
	k0 := k
	if !in {
		// Before the window no position is held and every order is
		// refused (Enter, Exit), so OnBar changes neither the fills due
		// nor the held list: the trigger's bars call OnBar, the others
		// only close. The segment's end (an instant after stop) does not
		// change: the events up to it are found once.
		stop := min(lim, c.due-1)
		run := pev[:k+sort.Search(end-k, func(j int) bool { return pev[k+j].time > stop })]
		for ; k < len(run); k++ {
			pe := &run[k]
			s, i := int(pe.sym), int(pe.idx)
			x := cls[s]
			if x&^liveListen != 0 {
				break // a position before the window: Run's loop
			}
			seen[s] = i + 1
			if x != 0 {
				c.k, c.now = k, pe.time
				strat.OnBar(c, s, i)
				if c.err != nil {
					break
				}
			}
		}
	} else {
		// The segment's end is read from the fills due at each event
		// (OnBar may place or cancel orders): t > stop.
	loop:
		for ; k < end; k++ {
			pe := &pev[k]
			t := pe.time
			if t > lim || t >= c.due {
				break
			}
			s, i := int(pe.sym), int(pe.idx)
			x := cls[s]
			switch x {
			case 0:
				seen[s] = i + 1
				continue
			case liveListen:
				// The usual trigger bar: OnBar changes no mark, so nothing
				// is left to sample after it.
				seen[s] = i + 1
				c.k, c.now = k, t
				strat.OnBar(c, s, i)
				if c.err != nil {
					break loop
				}
				if len(c.held) != nheld {
					k++
					break loop
				}
				continue
			case liveOne:
				seen[s] = i + 1
				last := closes[i]
				one.last = last
				x := one.units * last
				// markOne(t, x) in its usual case, in place: t-1 falls on
				// day d = cur+1, the day after the one written last
				// (data.DateFromUnix(t-1) - day0 == d without a division:
				// t-1 is within the 86,400 seconds from d's start).
				eq, inv := c.res.Equity, c.res.Invested
				inv = inv[:len(eq)]
				if cur := c.cur; cur >= 0 && cur+1 < len(eq) && uint64(t-1-(c.day0+data.Date(cur+1)).Unix()) < 86400 && eq[cur] == eq[cur] {
					d := cur + 1
					c.prevE, c.prevI, c.cur = eq[cur], inv[cur], d
					e, v := c.cash, 0.0
					e += x
					v += x
					eq[d] = e
					if e > 0 {
						inv[d] = v / e
					} else {
						inv[d] = 0
					}
					continue
				}
				c.markOne(t, x)
				continue
			}
			if x&liveStop != 0 {
				// The position's stops against the bar (no order is due
				// before stop: a stop that fills is the one fill) and its
				// mark, as Run's loop does.
				c.step(s, i, t)
			} else {
				seen[s] = i + 1
				if x&liveHeld != 0 {
					c.pos[s].last = c.series[s].Close[i]
					c.dirty = true
				}
			}
			if x&liveListen != 0 {
				c.k, c.now = k, t
				strat.OnBar(c, s, i)
				if c.err != nil {
					break
				}
			}
			if len(c.held) != nheld {
				// A stop filled, or OnBar placed or cancelled an entry:
				// the classes change.
				if c.dirty {
					c.sample(t)
				}
				k++
				break
			}
			if c.dirty {
				c.sample(t)
			}
		}
	}
	if k > k0 {
		c.k, c.now = k-1, pev[k-1].time
	}
	c.res.Events += k - k0
	return k
}

// markOne is sample for a book of one position worth x (its units at its
// last mark): the equity of the day is the cash plus x, summed as book sums.
func (c *Ctx) markOne(t int64, x float64) {
	eq := c.res.Equity
	d := int(data.DateFromUnix(t-1) - c.day0)
	if d < 0 || d >= len(eq) {
		return
	}
	if cur := c.cur; d == cur+1 && cur >= 0 && eq[cur] == eq[cur] {
		// open(d) in its usual case, the day after the one written
		// last, in place.
		c.prevE, c.prevI, c.cur = eq[cur], c.res.Invested[cur], d
	} else {
		c.open(d)
	}
	e, v := c.cash, 0.0
	e += x
	v += x
	c.put(d, e, v)
}

// step processes the close of bar i of symbol s at time t: fills due at or
// before t, the stop of a position in s, closes of s's bar, then the mark.
func (c *Ctx) step(s, i int, t int64) {
	ser := c.series[s]
	// 1. Fills due strictly before this instant (opens, earlier closes):
	// none unless the earliest is (due may be early, never late).
	if c.due < t {
		c.fillDue(t, false)
	}
	p := &c.pos[s]
	// 2. Stop of a position in s, intrabar.
	// BarExit: the higher of the trailing stop and the stop loss applies;
	// a bar touching both a stop and the take profit exits at the stop.
	if p.units != 0 && (p.trail > 0 || p.slLevel > 0 || p.tpLevel > 0) && ser.OpenTime[i] >= p.entry {
		trail := 0.0
		if p.trail > 0 {
			trail = p.stop
		}
		if raw, atOpen, why, hit := BarExit(ser.Open[i], ser.High[i], ser.Low[i], trail, p.slLevel, p.tpLevel); hit {
			if atOpen {
				c.sellOn(s, raw, ser.OpenTime[i], ser.Date[i], why)
			} else {
				c.sellOn(s, raw, t, ser.Date[i], why)
			}
		}
	}
	// 3. Fills at this close (next-close orders and scheduled exits). An
	// open at this very instant belongs to the next bar and waits.
	if c.due <= t {
		c.fillDue(t, true)
	}
	c.seen[s] = i + 1
	// 4. Mark.
	if p.units != 0 {
		c.dirty = true
		cl := ser.Close[i]
		p.last = cl
		if p.trail > 0 && cl > p.peak {
			p.peak = cl
			p.stop = cl * (1 - p.trail)
		}
	}
}

// fillDue fills pending orders due before the instant t, and with closes
// also the close fills at t, earliest first (order id breaks ties). A bar's
// close at t comes before the next bar's open at t.
func (c *Ctx) fillDue(t int64, closes bool) {
	for {
		best := -1
		if len(c.pend) == 1 {
			// One order (the usual book): no search.
			if o := &c.pend[0]; o.fillTime < t || (closes && o.atClose && o.fillTime == t) {
				best = 0
			}
		} else {
			for k := range c.pend {
				o := &c.pend[k]
				if !(o.fillTime < t || (closes && o.atClose && o.fillTime == t)) {
					continue
				}
				if best < 0 || o.fillTime < c.pend[best].fillTime || (o.fillTime == c.pend[best].fillTime && o.id < c.pend[best].id) {
					best = k
				}
			}
		}
		if best < 0 {
			c.recomputeDue()
			return
		}
		o := c.pend[best]
		if best == len(c.pend)-1 {
			c.pend = c.pend[:best] // the last (the usual one): nothing to move
		} else {
			c.pend = append(c.pend[:best], c.pend[best+1:]...)
		}
		ser := c.series[o.sym]
		raw := ser.Open[o.bar]
		if o.atClose {
			raw = ser.Close[o.bar]
		}
		switch o.kind {
		case OrderMarketBuy:
			c.buy(&o, raw, ser)
		case OrderMarketSell, OrderCloseAt:
			if units := c.pos[o.sym].units; units != 0 {
				if o.order >= 0 {
					ord := &c.res.Orders[o.order]
					ord.Filled, ord.FillTime, ord.FillPrice, ord.Units = true, o.fillTime, raw*(1-c.slip), units
				}
				c.sellOn(o.sym, raw, o.fillTime, ser.Date[o.bar], c.reasonOf(o.reason))
			} else if c.pos[o.sym].pending {
				// an exit before the entry filled cancels the entry
				c.cancelEntry(o.sym)
			}
			c.pos[o.sym].exitWait = false
		}
	}
}

func (c *Ctx) buy(o *pending, raw float64, ser *data.Series) {
	c.dirty = true
	p := &c.pos[o.sym]
	p.pending = false
	price := BuyFill(raw, c.slip)
	units := o.budget / (price * (1 + c.comm))
	cost := units * price * (1 + c.comm)
	c.cash -= cost
	p.units = units
	p.last = raw
	p.entry = o.fillTime
	p.trail = o.trail
	p.slLevel, p.tpLevel = 0, 0
	if o.sl > 0 {
		p.slLevel = raw * (1 - o.sl)
	}
	if o.tp > 0 {
		p.tpLevel = raw * (1 + o.tp)
	}
	p.stopOrd, p.tpOrd = -1, -1
	if p.hasStops() {
		c.stops++
	}
	if o.trail > 0 {
		p.peak = raw
		p.stop = raw * (1 - o.trail)
	}
	if o.trail > 0 || o.sl > 0 {
		// The stop (trailing, stop loss or both: the higher applies) is an
		// order from the entry on; it fills in sell.
		_, p.stopOrd = c.newOrder(ser, OrderStop, o.fillTime, "")
	}
	if o.tp > 0 {
		_, p.tpOrd = c.newOrder(ser, OrderLimit, o.fillTime, "")
	}
	// The trade written in place, field by field (see newPending).
	c.res.Trades = append(c.res.Trades, Trade{})
	p.trade = len(c.res.Trades) - 1
	tr := &c.res.Trades[p.trade]
	tr.Symbol, tr.Signal, tr.SignalTime = ser.Symbol, o.signal, o.sigTime
	tr.EntryTime, tr.EntryDate, tr.EntryPrice, tr.Units, tr.Cost = o.fillTime, ser.Date[o.bar], price, units, cost
	tr.Commission = units * price * c.comm
	if o.order >= 0 {
		ord := &c.res.Orders[o.order]
		ord.Filled, ord.FillTime, ord.FillPrice, ord.Units = true, o.fillTime, price, units
	}
	if o.hold > 0 {
		j := HoldExitBar(ser, o.bar, o.hold)
		x := c.newPending()
		x.sym, x.kind, x.placed, x.bar = o.sym, OrderCloseAt, o.fillTime, j
		c.schedule(x, ser, true, reasonHold)
	}
}

// sellOn is sell in the bar dated date, recorded as the trade's ExitDate.
func (c *Ctx) sellOn(sym int, raw float64, t int64, date data.Date, reason ExitReason) {
	tr := c.pos[sym].trade
	c.sell(sym, raw, t, reason)
	c.res.Trades[tr].ExitDate = date
}

// sell closes the whole position in sym at raw price (slippage applied here).
func (c *Ctx) sell(sym int, raw float64, t int64, reason ExitReason) {
	c.dirty = true
	p := &c.pos[sym]
	price := SellFill(raw, c.slip)
	proceeds := p.units * price * (1 - c.comm)
	c.cash += proceeds
	tr := &c.res.Trades[p.trade]
	tr.ExitTime, tr.ExitPrice, tr.Proceeds, tr.ExitReason = t, price, proceeds, reason
	tr.Commission += p.units * price * c.comm
	tr.Return = proceeds/tr.Cost - 1
	if p.stopOrd >= 0 || p.tpOrd >= 0 { // never without an order log
		for _, k := range [2]int{p.stopOrd, p.tpOrd} {
			if k < 0 {
				continue
			}
			so := &c.res.Orders[k]
			if (so.Kind == OrderStop && (reason == ExitTrailingStop || reason == ExitStopLoss)) || (so.Kind == OrderLimit && reason == ExitTakeProfit) {
				so.Filled, so.FillTime, so.FillPrice, so.Units, so.Reason = true, t, price, p.units, reason
			} else {
				so.Reason = "cancelled"
			}
		}
	}
	if p.hasStops() {
		c.stops--
	}
	*p = position{trade: -1, stopOrd: -1, tpOrd: -1}
	c.unhold(sym)
	// Cancel the other pending sells of sym (the scheduled exit, a market exit).
	if len(c.pend) == 0 {
		return // the usual case: the scheduled exit just filled
	}
	for k := 0; k < len(c.pend); {
		if c.pend[k].sym == sym && c.pend[k].kind != OrderMarketBuy {
			if o := c.pend[k].order; o >= 0 {
				c.res.Orders[o].Reason = "cancelled"
			}
			c.pend = append(c.pend[:k], c.pend[k+1:]...)
			continue
		}
		k++
	}
}

func (c *Ctx) cancelEntry(sym int) {
	for k := 0; k < len(c.pend); {
		if c.pend[k].sym == sym {
			if o := c.pend[k].order; o >= 0 {
				c.res.Orders[o].Reason = "cancelled"
			}
			c.pend = append(c.pend[:k], c.pend[k+1:]...)
			continue
		}
		k++
	}
	if c.pos[sym].hasStops() {
		c.stops--
	}
	c.pos[sym] = position{trade: -1, stopOrd: -1, tpOrd: -1}
	c.unhold(sym)
}

func (c *Ctx) unhold(sym int) {
	if n := len(c.held) - 1; n >= 0 && c.held[n] == sym {
		c.held = c.held[:n] // the last (the one of a book of one): nothing to move
		return
	}
	for k, s := range c.held {
		if s == sym {
			c.held = append(c.held[:k], c.held[k+1:]...)
			return
		}
	}
}

// sample records the equity at the end of the UTC day containing t-1 (the
// last mark at or before the next 00:00Z wins). It runs only after a fill or
// a mark changed the book; days without a change are filled forward by
// finish. A book of one position (the usual book) is marked without a pass
// over it (markOne: the same sums).
func (c *Ctx) sample(t int64) {
	c.dirty = false
	if h := c.held; len(h) == 1 && c.pos[h[0]].units != 0 {
		p := &c.pos[h[0]]
		c.markOne(t, p.units*p.last)
		return
	}
	if d := int(data.DateFromUnix(t-1) - c.day0); d >= 0 && d < len(c.res.Equity) {
		c.mark(d)
	}
}

// mark writes day d's equity (cash plus the held positions at their last
// marks) and the invested fraction, making d the day being written.
func (c *Ctx) mark(d int) {
	c.open(d)
	e, v := c.book()
	c.put(d, e, v)
}

// book returns the equity (cash plus the held positions at their last
// marks) and the value of the positions.
func (c *Ctx) book() (e, v float64) {
	e = c.cash
	for _, s := range c.held {
		x := c.pos[s].units * c.pos[s].last
		e += x
		v += x
	}
	return e, v
}

// put writes day d's equity e and invested fraction v/e (0 when e is not
// positive).
func (c *Ctx) put(d int, e, v float64) {
	c.res.Equity[d] = e
	if e > 0 {
		c.res.Invested[d] = v / e
	} else {
		c.res.Invested[d] = 0
	}
}

// open makes day d (at or after the current day) the day being written:
// the days before it become final (settle). The usual case, the day after
// a written one, needs no days filled forward and is done in place.
func (c *Ctx) open(d int) {
	if cur, eq := c.cur, c.res.Equity; d == cur+1 && cur >= 0 && eq[cur] == eq[cur] {
		c.prevE, c.prevI, c.cur = eq[cur], c.res.Invested[cur], d
	} else if d > cur {
		c.settle(d)
	}
}

// settle makes final every day before upto: the current day keeps what was
// written last (a NaN equity takes the previous day's values), and the days
// after it without a sample carry the last final values forward, as a
// forward fill of the curve after the replay would.
func (c *Ctx) settle(upto int) {
	eq, inv := c.res.Equity, c.res.Invested
	if c.cur >= 0 {
		if math.IsNaN(eq[c.cur]) {
			eq[c.cur], inv[c.cur] = c.prevE, c.prevI
		}
		c.prevE, c.prevI = eq[c.cur], inv[c.cur]
	}
	if from := c.cur + 1; from < upto {
		fillCurve(eq[from:upto], inv[from:upto], c.prevE, c.prevI)
		// Days after the curve's first repeat the day before them (the
		// first day of the curve repeats the capital, no day).
		if from = max(from, 1); from < upto {
			c.res.Carried = append(c.res.Carried, DayRange{int32(from), int32(upto)})
		}
	}
	c.cur = upto
}

// fillCurve sets every element of eq to e and of inv (as long) to v, four
// of each a step: one loop for both (the stretches are short, a few weeks
// between trades, where a call to clear or a second loop costs as much as
// the stores).
func fillCurve(eq, inv []float64, e, v float64) {
	inv = inv[:len(eq)]
	i := 0
	for ; i+4 <= len(eq); i += 4 {
		d, w := (*[4]float64)(eq[i:i+4]), (*[4]float64)(inv[i:i+4])
		d[0], d[1], d[2], d[3] = e, e, e, e
		w[0], w[1], w[2], w[3] = v, v, v, v
	}
	for ; i < len(eq); i++ {
		eq[i], inv[i] = e, v
	}
}

// finish marks open positions at their last close (exit reason open, no exit
// commission) and fills the equity curve forward over days without events.
func (c *Ctx) finish(end int64) {
	for _, s := range c.held {
		p := &c.pos[s]
		if p.units == 0 {
			continue
		}
		tr := &c.res.Trades[p.trade]
		ser := c.series[s]
		n := c.seen[s]
		tr.ExitTime = end
		if n > 0 {
			tr.ExitTime, tr.ExitDate = ser.CloseTime[n-1], ser.Date[n-1]
		}
		tr.ExitPrice = p.last
		tr.Proceeds = p.units * p.last
		tr.Return = tr.Proceeds/tr.Cost - 1
		tr.ExitReason = ExitOpen
	}
	c.settle(len(c.res.Equity))
}
