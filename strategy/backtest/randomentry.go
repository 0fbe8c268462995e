package backtest

import (
	"errors"
	"fmt"
	"github.com/riskon/riskon/internal/num"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results/stats"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// DefaultRandomEntries is the number K of random strategies of the
// random-entry test when none is set.
const DefaultRandomEntries = 10000

// RandomEntrySpec is what the random strategies of a random-entry test share
// with the strategy under test: targets and weights, exit rule, costs and
// fill mode.
type RandomEntrySpec struct {
	Targets []string
	// Weights are the fractions of cash put in each target at an entry (the
	// config's weights normalised to sum to the allocation).
	Weights        []float64
	HoldDays       int     // 0: no time exit
	TrailingStop   float64 // 0: off
	FailedBreakout bool    // the strategy exits when its breakout fails
	CommissionBps  float64
	SlippageBps    float64
	Fill           engine.FillMode
}

// RandomEntrySpecOf returns the random-entry spec of a run config.
func RandomEntrySpecOf(cfg config.Config) (RandomEntrySpec, error) {
	opts, err := strategy.EngineOptions(cfg)
	if err != nil {
		return RandomEntrySpec{}, err
	}
	n := len(cfg.Trade.Targets)
	if n == 0 {
		return RandomEntrySpec{}, errors.New("trade.targets is empty")
	}
	if len(cfg.Trade.Weights) > 0 && len(cfg.Trade.Weights) != n {
		return RandomEntrySpec{}, fmt.Errorf("trade.weights has %d values for %d targets", len(cfg.Trade.Weights), n)
	}
	w, err := num.Weights(cfg.Trade.Weights, n, cfg.Trade.Allocation)
	if err != nil {
		return RandomEntrySpec{}, fmt.Errorf("trade.weights: %w", err)
	}
	return RandomEntrySpec{
		Targets: cfg.Trade.Targets, Weights: w,
		HoldDays: cfg.Trade.HoldDays, TrailingStop: cfg.Trade.TrailingStop, FailedBreakout: cfg.Trade.ExitOnFailedBreakout,
		CommissionBps: opts.CommissionBps, SlippageBps: opts.SlippageBps, Fill: opts.Fill,
	}, nil
}

// RandomEntryOptions set the random-entry test. Zero values mean the
// defaults.
type RandomEntryOptions struct {
	K    int    // random strategies; default DefaultRandomEntries
	Seed uint64 // seeds the draws (stats.NewRand)
}

// RandomEntryTest is the outcome of a random-entry test.
type RandomEntryTest struct {
	K        int // random strategies drawn
	Entries  int // entries per random strategy: the entries of the strategy under test
	Eligible int // eligible entry dates
	// ObservedMean and ObservedTotal are the strategy's mean trade return and
	// total return (compounded over its entries, as the engine does).
	ObservedMean, ObservedTotal float64
	// P and TotalP are the one-sided p-values of the mean trade return and of
	// the total return: (1 + #{random ≥ observed}) / (K + 1).
	P, TotalP float64
	// EntryRate is the strategy's entry rate λ on the eligible dates it held
	// nothing (see drawer), which weights the random entry sets.
	EntryRate float64
	// Means and Totals are the K random strategies' statistics.
	Means, Totals []float64
	// OpenAtEnd is the number of the strategy's trades still open at the
	// end of the window (marked at the last close).
	OpenAtEnd int
	// Note says why the p-values are NaN (no trades, too few eligible dates,
	// non-overlapping entries that cannot be placed); empty otherwise.
	Note string
}

// RandomEntry runs the random-entry (permutation) test of the strategy whose
// engine result is res: it compares the strategy's mean trade return and
// total return with those of K random strategies that enter as often, exit by
// the same rule and pay the same costs, their entries drawn at random from
// the eligible dates of the same window without overlapping holds: a Monte
// Carlo permutation test of the entry dates (Good 2005, Permutation,
// Parametric and Bootstrap Tests of Hypotheses, 3rd ed.), with the one-sided
// p-value (1 + #{T_k ≥ T_obs}) / (K + 1), which counts the observed strategy
// among the random ones and is never zero (Davison & Hinkley 1997, Bootstrap
// Methods and their Application, ch. 4; North, Curtis & Sham 2002, "A note
// on the calculation of empirical P values from Monte Carlo procedures",
// AJHG 71(2); Phipson & Smyth 2010, "Permutation P-values should never be
// zero", SAGMB 9(1)). T is the mean trade return (P) and the total return
// (TotalP).
//
// A random strategy is computed from the target price arrays, without an
// engine replay, with the engine's semantics (engine/engine.go; checked
// against engine.Run in TestRandomTradesMatchEngine):
//
//   - an entry at date D buys every target at the same date D (its bar dated
//     D or the first after), at that bar's open (fill next_open) or close
//     (next_close), with the spec's weights of the current cash;
//   - hold_days H: the position closes at the close of the bar dated D + H
//     (or the first after); trailing stop f: the stop trails the highest
//     close since entry by f, a bar whose low touches it fills at the stop,
//     a bar that opens below it at the open, live from the entry bar when the
//     entry filled at that bar's open; on one bar the stop comes before the
//     scheduled close;
//   - a failed breakout has no analogue for a random entry: the i-th random
//     entry of a strategy is paired with the i-th entry of the strategy
//     under test, and if that one was closed by a failed breakout after d
//     days, the random one is closed by a market order filled at the bar
//     dated D + d (or the first after), unless its own stop or hold closed
//     it first;
//   - costs: a buy fills at x(1+s), a sell at x(1-s), commission c on each
//     fill, so a trade returns x_exit(1-s)(1-c) / (x_entry(1+s)(1+c)) - 1; a
//     position still open at the window's end is marked at the last close
//     without exit costs, as the engine does.
//
// Eligible dates are the dates of the first target's bars in the window at
// which every target has a bar, up to the last one: the end of the data
// treats the strategy and the random strategies alike. A random entry whose
// holding period runs past the window's end is still open there and is
// marked at the last close, exactly as the engine marks the strategy's own
// open trade; under the null (signals at random dates) the strategy's entry
// set is then one more draw from the law of the random ones, whatever the
// drift (TestRandomEntryNullUniform, "open final trade"). Excluding the
// last H days, as riskon did before, compared a cut trade on the strategy's
// side with full holds on the random side and biased p upwards in a rising
// market (downwards in a falling one). A random strategy makes m entries (m =
// the entries of the strategy under test, one per signal acted on) whose
// holding windows (entry bar to exit bar, over all targets) do not overlap,
// as the strategy under test never holds two positions at once. The sets of
// entries are drawn exactly (see drawer) from the law of a strategy that
// flips a coin with probability λ on every eligible date on which it holds
// nothing and enters on heads, given that it makes m entries; λ is the
// strategy's own entry rate, m over the eligible dates on which it held
// nothing (EntryRate). With a fixed holding period every non-overlapping set
// is equally likely; with stops the coin model keeps the random strategies
// from favouring short (stopped-out) trades. The total return compounds the
// entries: Π (1 + Σ_targets w_t r_t) - 1.
//
// Ties (up to rounding, 1e-12 relative) count as at least as good. When the
// test cannot run, the p-values are NaN and Note says why; an error is
// returned only for unusable input (a target missing from ds, a spec that
// does not match).
func RandomEntry(ds *data.Dataset, res *engine.Result, spec RandomEntrySpec, opt RandomEntryOptions) (*RandomEntryTest, error) {
	if opt.K <= 0 {
		opt.K = DefaultRandomEntries
	}
	m, err := newRandomModel(ds, res, spec)
	if err != nil {
		return nil, fmt.Errorf("random-entry test: %w", err)
	}
	out := &RandomEntryTest{K: opt.K, Eligible: len(m.slots), P: math.NaN(), TotalP: math.NaN(),
		ObservedMean: math.NaN(), ObservedTotal: math.NaN()}
	groups := m.observed(res.Trades)
	out.Entries = len(groups)
	for _, tr := range res.Trades {
		if tr.ExitReason == engine.ExitOpen {
			out.OpenAtEnd++
		}
	}
	if len(groups) == 0 {
		out.Note = "no trades"
		return out, nil
	}
	var sum float64
	total := 1.0
	for _, g := range groups {
		sum += g.sum
		total *= 1 + g.weighted
	}
	out.ObservedMean = sum / float64(len(res.Trades))
	out.ObservedTotal = total - 1
	if math.IsNaN(out.ObservedMean) || math.IsInf(out.ObservedMean, 0) || math.IsNaN(out.ObservedTotal) || math.IsInf(out.ObservedTotal, 0) {
		out.Note = "the strategy's returns are not finite"
		return out, nil
	}
	timers := make([]int, len(groups))
	for i, g := range groups {
		timers[i] = g.timer
	}
	out.EntryRate = m.entryRate(groups)
	d, note := m.newDrawer(timers, out.EntryRate)
	if d == nil {
		out.Note = note
		return out, nil
	}
	out.Means = make([]float64, opt.K)
	out.Totals = make([]float64, opt.K)
	nTrades := float64(len(groups) * len(m.tg))
	// The K strategies are drawn in reChunks chunks, each from its own
	// stream stats.DeriveSeed(opt.Seed, chunk), on up to GOMAXPROCS
	// goroutines: the draws depend on the seed only, never on scheduling.
	k := min(reChunks, opt.K)
	workers := min(k, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range workers {
		dw := d.clone()
		wg.Go(func() {
			// The worker's chunks are drawn in lockstep, row by row, so
			// that each row of the table comes from memory once per worker
			// rather than once per chunk; every chunk still uses the words
			// of its own stream in its own order.
			var lanes []drawLane
			for c := w; c < k; c += workers {
				lo, hi := c*opt.K/k, (c+1)*opt.K/k
				lanes = append(lanes, drawLane{src: stats.NewPCG(stats.DeriveSeed(opt.Seed, uint64(c))),
					sums: out.Means[lo:hi], totals: out.Totals[lo:hi], s0: make([]int32, hi-lo)})
			}
			dw.drawLanes(lanes, nil)
		})
	}
	wg.Wait()
	for i := range out.Means {
		out.Means[i] /= nTrades
		out.Totals[i]--
	}
	out.P = pValue(out.Means, out.ObservedMean)
	out.TotalP = pValue(out.Totals, out.ObservedTotal)
	return out, nil
}

// pValue returns (1 + #{x ≥ obs}) / (len(x) + 1), ties up to rounding
// counting as at least as large, and a NaN value of x (a random strategy
// through a bad price) too, so that it never makes the strategy look better.
func pValue(x []float64, obs float64) float64 {
	tol := 1e-12 * (1 + math.Abs(obs))
	c := 0
	for _, v := range x {
		if !(v < obs-tol) {
			c++
		}
	}
	return float64(1+c) / float64(len(x)+1)
}

// reTarget is one target of the model.
type reTarget struct {
	s    *data.Series
	w    float64
	last int // the last bar closed inside the window
}

// reTrade is one simulated round trip of one target.
type reTrade struct {
	entryBar  int
	exitBar   int
	exitTime  int64
	exitPrice float64 // fill price after slippage (the last close for open trades)
	reason    engine.ExitReason
	ret       float64
}

// reSlot is an eligible entry date with its trades under the rule exits.
// It holds no pointers (its entries and rules are found by index in the
// model's arrays), so the garbage collector does not scan the slots of a
// long grid.
type reSlot struct {
	grid     int     // index in the first target's bars
	at       int     // its entries and rules: m.entries and m.rules from at, one per target
	end      int     // grid index of the last bar of the holding window
	sum      float64 // Σ_t r_t
	weighted float64 // Σ_t w_t r_t
}

// randomModel holds what every random strategy of one test shares.
type randomModel struct {
	spec       RandomEntrySpec
	comm, slip float64
	ws, we     int64
	tg         []reTarget
	grid       *data.Series
	slots      []reSlot
	// the entries (per target: the entry bar) and the trades under the
	// rule exits of every slot, len(tg) from its at (one allocation each
	// for the whole grid, not two per slot)
	entries []int
	rules   []reTrade
}

// entryOf returns the entry bars of slot sl, one per target.
func (m *randomModel) entryOf(sl *reSlot) []int {
	nt := len(m.tg)
	return m.entries[sl.at : sl.at+nt : sl.at+nt]
}

// ruleOf returns the trades of slot sl under the rule exits, one per target.
func (m *randomModel) ruleOf(sl *reSlot) []reTrade {
	nt := len(m.tg)
	return m.rules[sl.at : sl.at+nt : sl.at+nt]
}

func newRandomModel(ds *data.Dataset, res *engine.Result, spec RandomEntrySpec) (*randomModel, error) {
	if len(spec.Targets) == 0 {
		return nil, errors.New("no targets")
	}
	if len(spec.Weights) != len(spec.Targets) {
		return nil, fmt.Errorf("%d weights for %d targets", len(spec.Weights), len(spec.Targets))
	}
	if spec.HoldDays < 0 || spec.TrailingStop < 0 || spec.TrailingStop >= 1 || spec.CommissionBps < 0 || spec.SlippageBps < 0 {
		return nil, errors.New("bad exit rule or costs")
	}
	m := &randomModel{spec: spec, comm: spec.CommissionBps / 1e4, slip: spec.SlippageBps / 1e4,
		ws: res.WindowStart, we: res.WindowEnd}
	for i, name := range spec.Targets {
		s := ds.Get(name)
		if s == nil {
			return nil, fmt.Errorf("target %q is not in the data set", name)
		}
		last := sort.Search(s.Len(), func(j int) bool { return s.CloseTime[j] > m.we }) - 1
		m.tg = append(m.tg, reTarget{s: s, w: spec.Weights[i], last: last})
	}
	m.grid = m.tg[0].s
	first := sort.Search(m.grid.Len(), func(j int) bool { return m.grid.OpenTime[j] >= m.ws })
	if n := m.tg[0].last - first + 1; n > 0 {
		m.slots = make([]reSlot, 0, n)
		m.entries = make([]int, 0, n*len(m.tg))
		m.rules = make([]reTrade, 0, n*len(m.tg))
	}
	for g := first; g <= m.tg[0].last; g++ {
		if sl, ok := m.slot(g); ok {
			m.slots = append(m.slots, sl)
			m.entries = m.entries[:len(m.entries)+len(m.tg)]
			m.rules = m.rules[:len(m.rules)+len(m.tg)]
		}
	}
	return m, nil
}

// holdBar returns the bar of target t where a hold from entry bar k closes,
// or -1 when there is no hold or it falls after the window.
func (m *randomModel) holdBar(t, k int) int {
	if m.spec.HoldDays <= 0 {
		return -1
	}
	tg := &m.tg[t]
	h := engine.HoldExitBar(tg.s, k, m.spec.HoldDays)
	if h > tg.last {
		return -1
	}
	return h
}

// slot returns the eligible entry at grid bar g, if it is eligible.
func (m *randomModel) slot(g int) (reSlot, bool) {
	d := m.grid.Date[g]
	// The slot's entries and rules extend m.entries and m.rules, which
	// keep them only when the slot is eligible (newRandomModel appends it).
	nt := len(m.tg)
	m.entries, m.rules = slices.Grow(m.entries, nt), slices.Grow(m.rules, nt)
	sl := reSlot{grid: g, at: len(m.entries)}
	entry, rule := m.entries[sl.at:sl.at+nt:sl.at+nt], m.rules[sl.at:sl.at+nt:sl.at+nt]
	for t := range m.tg {
		tg := &m.tg[t]
		k := tg.s.IndexOnOrAfter(d)
		if k > tg.last || tg.s.OpenTime[k] < m.ws {
			return sl, false
		}
		entry[t] = k
		rule[t] = m.trade(t, k, -1)
	}
	sl.end, sl.sum, sl.weighted = m.span(g, rule)
	return sl, true
}

// span returns the grid index of the last bar of the holding window of the
// trades entered at grid bar g, and their plain and weighted return sums.
func (m *randomModel) span(g int, trades []reTrade) (end int, sum, weighted float64) {
	end = g
	for t, tr := range trades {
		e := m.grid.IndexOnOrAfter(m.tg[t].s.Date[tr.exitBar])
		if e > m.tg[0].last {
			e = m.tg[0].last
		}
		end = max(end, e)
		sum += tr.ret
		weighted += m.tg[t].w * tr.ret
	}
	return end, sum, weighted
}

// trade simulates the round trip of target t entered at bar k, with a
// failed-breakout market exit filled at bar timer (-1: none).
func (m *randomModel) trade(t, k, timer int) reTrade {
	tg := &m.tg[t]
	s := tg.s
	atClose := m.spec.Fill == engine.NextClose
	p0 := s.Open[k]
	stopFrom := k // the stop is live from the entry bar after an open fill
	if atClose {
		p0 = s.Close[k]
		stopFrom = k + 1
	}
	buy := engine.BuyFill(p0, m.slip)
	basis := buy * (1 + m.comm)
	done := func(bar int, t int64, raw float64, why engine.ExitReason) reTrade {
		px := engine.SellFill(raw, m.slip)
		return reTrade{entryBar: k, exitBar: bar, exitTime: t, exitPrice: px, reason: why, ret: px*(1-m.comm)/basis - 1}
	}
	h := m.holdBar(t, k)
	f := m.spec.TrailingStop
	peak, stop := p0, p0*(1-f)
	for j := k; j <= tg.last; j++ {
		if j == timer && !atClose {
			return done(j, s.OpenTime[j], s.Open[j], engine.ExitFailedBreakout)
		}
		if f > 0 && j >= stopFrom {
			if raw, atOpen, why, hit := engine.BarExit(s.Open[j], s.High[j], s.Low[j], stop, 0, 0); hit {
				if atOpen {
					return done(j, s.OpenTime[j], raw, why)
				}
				return done(j, s.CloseTime[j], raw, why)
			}
		}
		if j == h {
			return done(j, s.CloseTime[j], s.Close[j], engine.ExitHold)
		}
		if j == timer {
			return done(j, s.CloseTime[j], s.Close[j], engine.ExitFailedBreakout)
		}
		if f > 0 {
			if c := s.Close[j]; c > peak {
				peak, stop = c, c*(1-f)
			}
			continue
		}
		// No stop: jump to the next scheduled event.
		next := tg.last + 1
		if h > j {
			next = h
		}
		if timer > j && timer < next {
			next = timer
		}
		j = next - 1
	}
	// Still open at the end: marked at the last close, no exit costs.
	l := tg.last
	return reTrade{entryBar: k, exitBar: l, exitTime: s.CloseTime[l], exitPrice: s.Close[l], reason: engine.ExitOpen,
		ret: s.Close[l]/basis - 1}
}

// timerBar returns the bar of target t at which a market exit placed d days
// after the entry at bar k fills, or -1 when it falls after the window.
func (m *randomModel) timerBar(t, k, d int) int {
	if d < 0 {
		return -1
	}
	tg := &m.tg[t]
	x := tg.s.IndexOnOrAfter(tg.s.Date[k] + data.Date(d))
	if x <= k {
		x = k + 1
	}
	if x > tg.last {
		return -1
	}
	return x
}

// observedGroup is one entry of the strategy under test: its trades' return
// sum, weighted return sum, and failed-breakout duration in days (-1: none).
type observedGroup struct {
	sum, weighted float64
	timer         int
	entry, end    int // grid indices of the entry bar and the last bar held
}

// observed groups the trades of the strategy under test into entries (one
// per signal; trades without a signal by entry time), in entry order.
func (m *randomModel) observed(trades []engine.Trade) []observedGroup {
	type key struct {
		signal int
		entry  int64
	}
	idx := map[key]int{}
	var out []observedGroup
	var first []int64
	for _, tr := range trades {
		k := key{signal: tr.Signal}
		if tr.Signal < 0 {
			k.entry = tr.EntryTime
		}
		g, ok := idx[k]
		if !ok {
			g = len(out)
			idx[k] = g
			out = append(out, observedGroup{timer: -1, entry: m.grid.IndexOnOrAfter(tr.EntryDate)})
			first = append(first, tr.EntryTime)
		}
		out[g].end = max(out[g].end, out[g].entry, m.heldUntil(tr))
		out[g].sum += tr.Return
		out[g].weighted += m.weight(tr.Symbol) * tr.Return
		if m.spec.FailedBreakout && tr.ExitReason == engine.ExitFailedBreakout {
			out[g].timer = m.duration(tr)
		}
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return first[order[a]] < first[order[b]] })
	sorted := make([]observedGroup, len(out))
	for i, g := range order {
		sorted[i] = out[g]
	}
	return sorted
}

// heldUntil returns the grid index of the bar in which trade tr's exit
// filled (the first of the trade's symbol closing at or after its exit
// time; an exit at an open counts in the bar before, a day that only
// matters for the entry rate).
func (m *randomModel) heldUntil(tr engine.Trade) int {
	for _, t := range m.tg {
		if t.s.Symbol != tr.Symbol {
			continue
		}
		j := sort.Search(t.s.Len(), func(i int) bool { return t.s.CloseTime[i] >= tr.ExitTime })
		j = min(j, t.last)
		if j < 0 {
			return 0
		}
		return min(m.grid.IndexOnOrAfter(t.s.Date[j]), m.tg[0].last)
	}
	return 0
}

func (m *randomModel) weight(sym string) float64 {
	for _, t := range m.tg {
		if t.s.Symbol == sym {
			return t.w
		}
	}
	return 0
}

// duration returns the days from a trade's entry bar to the bar its exit
// filled in.
func (m *randomModel) duration(tr engine.Trade) int {
	for _, t := range m.tg {
		if t.s.Symbol != tr.Symbol {
			continue
		}
		s := t.s
		times := s.OpenTime
		if m.spec.Fill == engine.NextClose {
			times = s.CloseTime
		}
		j := sort.Search(len(times), func(i int) bool { return times[i] >= tr.ExitTime })
		if j >= s.Len() {
			return -1
		}
		return int(s.Date[j] - tr.EntryDate)
	}
	return -1
}

// reChunks is the fixed number of random streams the K strategies of a
// random-entry test are split into.
const reChunks = 8

// near is the number of slots after the current one that the sampler scans
// without branches before it searches.
const near = 16

// maxCells bounds the table of the sampler (entries × eligible dates
// float64 values, 64 MB).
const maxCells = 1 << 23

// drawer draws random strategies: sets of m entries among the S eligible
// dates whose holding windows do not overlap, each set with probability
// proportional to ρ^B, B the number of eligible dates its holding windows
// block and ρ = 1/(1-λ). That is the law, given m, of a strategy that flips a
// coin with probability λ at every eligible date on which it holds nothing
// and enters on heads: such a strategy makes a given set of entries with
// probability λ^m (1-λ)^(S-m-B). λ = 0 gives every non-overlapping set the
// same probability. With exits that do not depend on prices (a holding
// period) B is the same for every set and λ does not matter; with a stop, a
// losing trade ends early and blocks less, and without the tilt a uniform
// draw would favour sets of short, losing trades over what a strategy
// entering at random dates does.
//
// With slots s = 0..S-1 in time order, next_j(s) the first slot after the
// holding window of an entry at s made with j entries left (its
// failed-breakout timer may shorten the window), b_j(s) = next_j(s) - s - 1
// the slots it blocks, and N(j, s) the total weight of the ways to place the
// last j entries at slots ≥ s:
//
//	N(0, s) = 1,  N(j, S) = 0 (j ≥ 1),  N(j, s) = N(j, s+1) + ρ^b_j(s) N(j-1, next_j(s)).
//
// A set is drawn entry by entry: with j entries left and the first free slot
// s0, the next entry is at s with probability
// ρ^b_j(s) N(j-1, next_j(s)) / N(j, s0) = (N(j, s) - N(j, s+1)) / N(j, s0),
// that is, at the largest s with N(j, s) > u N(j, s0) for u uniform on
// [0, 1) (a search, as N(j, ·) falls with s). Rows are kept as values
// divided by their first one, or as logarithms when ρ^S could overflow;
// values that underflow belong to sets too rare to matter (relative weight
// below 1e-300).
type drawer struct {
	m      *randomModel
	timers []int       // timer of the k-th entry in time order (-1: none)
	rows   [][]float64 // rows[j][s]: N(j, s) / N(j, 0), or log N(j, s) when logs
	logs   bool
	next   [][]int32 // next[j][s]: next_j(s) (shared between equal timers)
	tr     []reTrade
	// per slot: Σ_t r_t and Σ_t w_t r_t of its rule trades, side by side
	// so that a draw reads one cache line
	slotRet [][2]float64
	// the last strategy drawn by draw: its slots, Σ of its trade returns, Π
	// of 1 + its weighted entry returns
	picked     []int
	sum, total float64
}

// clone returns a drawer sharing d's tables with buffers of its own.
func (d *drawer) clone() *drawer {
	c := *d
	c.tr = make([]reTrade, len(d.tr))
	c.picked = nil
	return &c
}

// newDrawer builds the table for entries with the given timers (in time
// order) and entry rate λ in [0, 1), or returns a note saying why the
// entries cannot be placed.
func (m *randomModel) newDrawer(timers []int, rate float64) (*drawer, string) {
	return m.buildDrawer(timers, rate, false)
}

// buildDrawer is newDrawer, with logarithms forced when forceLogs is set
// (for tests of that path).
func (m *randomModel) buildDrawer(timers []int, rate float64, forceLogs bool) (*drawer, string) {
	n, S := len(timers), len(m.slots)
	if (n+1)*(S+1) > maxCells {
		return nil, fmt.Sprintf("%d entries × %d eligible dates is too large a table for the random-entry test", n, S)
	}
	d := &drawer{m: m, timers: timers, rows: make([][]float64, n+1), next: make([][]int32, n+1), tr: make([]reTrade, len(m.tg)),
		slotRet: make([][2]float64, S)}
	for s := range m.slots {
		d.slotRet[s] = [2]float64{m.slots[s].sum, m.slots[s].weighted}
	}
	grids := m.slotGrids()
	byTimer := map[int][]int32{}
	for j := 1; j <= n; j++ {
		tau := timers[n-j]
		nx, ok := byTimer[tau]
		if !ok {
			nx = make([]int32, S)
			for s := range m.slots {
				sl := &m.slots[s]
				end := sl.end
				if tau >= 0 {
					end, _, _ = m.span(sl.grid, d.timed(sl, tau))
				}
				nx[s] = int32(sort.SearchInts(grids, end+1))
			}
			byTimer[tau] = nx
		}
		d.next[j] = nx
	}
	cells := make([]float64, (n+1)*(S+1))
	for j := range d.rows {
		d.rows[j] = cells[j*(S+1) : (j+1)*(S+1)]
	}
	rate = min(max(rate, 0), 0.999)
	logRho := -math.Log1p(-rate)
	bmax := 0
	for j := 1; j <= n; j++ {
		for s, x := range d.next[j] {
			bmax = max(bmax, int(x)-s-1)
		}
	}
	// A term is ρ^b ≤ ρ^bmax times a value ≤ 1 of the previous row, and a
	// row sums at most S of them: stay below e^650 in plain values, else
	// work with logarithms.
	d.logs = forceLogs || float64(bmax)*logRho+math.Log(float64(S+1)) > 650
	if d.logs {
		for s := range d.rows[0] {
			d.rows[0][s] = 0
		}
		for j := 1; j <= n; j++ {
			row, prev, nx := d.rows[j], d.rows[j-1], d.next[j]
			row[S] = math.Inf(-1)
			for s := S - 1; s >= 0; s-- {
				row[s] = logAddExp(row[s+1], float64(int(nx[s])-s-1)*logRho+prev[nx[s]])
			}
			if math.IsInf(row[0], -1) {
				return nil, fmt.Sprintf("%d non-overlapping entries do not fit among %d eligible dates", n, S)
			}
		}
		return d, ""
	}
	pw := make([]float64, bmax+1) // pw[b] = ρ^b
	for b := range pw {
		pw[b] = math.Exp(float64(b) * logRho)
	}
	for s := range d.rows[0] {
		d.rows[0][s] = 1
	}
	for j := 1; j <= n; j++ {
		row, prev, nx := d.rows[j], d.rows[j-1], d.next[j]
		row[S] = 0
		for s := S - 1; s >= 0; s-- {
			row[s] = row[s+1] + pw[int(nx[s])-s-1]*prev[nx[s]]
		}
		if !(row[0] > 0) {
			return nil, fmt.Sprintf("%d non-overlapping entries do not fit among %d eligible dates", n, S)
		}
		inv := 1 / row[0]
		for s := range row {
			row[s] *= inv
		}
	}
	return d, ""
}

// logAddExp returns log(e^a + e^b).
func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(a, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// slotGrids returns the grid index of every slot (ascending).
func (m *randomModel) slotGrids() []int {
	g := make([]int, len(m.slots))
	for s := range m.slots {
		g[s] = m.slots[s].grid
	}
	return g
}

// entryRate returns the maximum-likelihood entry rate of the strategy under
// test in the coin-flip model of drawer: its m entries over the eligible
// dates on which it held nothing, m / (S - B), B the eligible dates its
// holding windows block (an entry at date g held to the bar e blocks the
// eligible dates g+1..e).
func (m *randomModel) entryRate(groups []observedGroup) float64 {
	S := len(m.slots)
	if S == 0 || len(groups) == 0 {
		return 0
	}
	grids := m.slotGrids()
	blocked := 0
	for _, g := range groups {
		blocked += max(0, sort.SearchInts(grids, g.end+1)-sort.SearchInts(grids, g.entry+1))
	}
	free := S - blocked
	if free <= len(groups) {
		return 0.999
	}
	return float64(len(groups)) / float64(free)
}

// timed returns the trades of slot sl with a failed-breakout exit tau days
// after entry (those that the timer closes first), in d.tr.
func (d *drawer) timed(sl *reSlot, tau int) []reTrade {
	m := d.m
	entry, rule := m.entryOf(sl), m.ruleOf(sl)
	for t := range m.tg {
		d.tr[t] = rule[t]
		if x := m.timerBar(t, entry[t], tau); x >= 0 && timerFirst(x, rule[t], m.spec.Fill) {
			d.tr[t] = m.trade(t, entry[t], x)
		}
	}
	return d.tr
}

// draw draws one random strategy into d.picked, d.sum and d.total.
func (d *drawer) draw(src *rand.PCG) {
	sums, totals, s0 := []float64{0}, []float64{0}, []int32{0}
	d.picked = d.picked[:0]
	d.drawBatch(src, sums, totals, s0, &d.picked)
	d.sum, d.total = sums[0], totals[0]
}

// drawBatch draws len(sums) random strategies in lockstep, entry by entry,
// so that each row of the table is read once per batch while it sits in the
// cache: strategy i gets sums[i] (Σ of its trade returns) and totals[i]
// (Π of 1 + its weighted entry returns); s0 is scratch. The words of src are
// used in the order (entry, strategy). picks, when not nil, receives the
// slots of strategy 0.
func (d *drawer) drawBatch(src *rand.PCG, sums, totals []float64, s0 []int32, picks *[]int) {
	d.drawLanes([]drawLane{{src: src, sums: sums, totals: totals, s0: s0}}, picks)
}

// drawLane is one batch of random strategies drawn from one stream (see
// drawBatch).
type drawLane struct {
	src          *rand.PCG
	sums, totals []float64
	s0           []int32
}

// drawLanes draws the batches of several lanes in lockstep, entry by entry:
// each lane uses the words of its own stream in the order (entry, strategy)
// exactly as drawBatch of that lane alone would, so the strategies drawn do
// not depend on how lanes are grouped; grouping them reads every row of the
// table once per group. picks, when not nil, receives the slots of strategy
// 0 of the first lane.
func (d *drawer) drawLanes(lanes []drawLane, picks *[]int) {
	m := d.m
	n := len(d.timers)
	for _, ln := range lanes {
		for i := range ln.sums {
			ln.sums[i], ln.totals[i], ln.s0[i] = 0, 1, 0
		}
	}
	for j := n; j >= 1; j-- {
		row, nx := d.rows[j], d.next[j]
		tau := d.timers[n-j]
		for li, ln := range lanes {
			src, sums, totals, s0 := ln.src, ln.sums, ln.totals, ln.s0
			for i := range sums {
				from := int(s0[i])
				u := float64(src.Uint64()>>11) * 0x1p-53 // uniform on [0, 1), as rand.Float64
				var r float64
				if d.logs {
					r = math.Log(u) + row[from]
				} else {
					r = u * row[from]
				}
				// The largest s in [from, S) with row[s] > r (row[from] > r,
				// row[S] = 0 or -Inf; the row falls with s). The next entry is
				// usually near: count the next `near` slots above r (the row
				// falls, so they are a prefix; independent loads, no
				// dependent chain as in a bisection), and only when the answer
				// lies beyond them a galloping search, then a bisection,
				// keeping row[lo] > r ≥ row[hi].
				lo := from
				hi := len(row) - 1
				if from+near <= hi && !d.logs {
					// r and the row are finite and ≥ 0 here: w > r exactly when
					// r - w is negative, its sign bit.
					w := (*[near]float64)(row[from : from+near])
					c := uint64(0)
					for k := range w {
						c += math.Float64bits(r-w[k]) >> 63
					}
					lo = from + int(c) - 1
					// lo ≤ from+near-1; the answer is lo unless row[lo+1] > r
				} else if from+near <= hi {
					for size := near; size > 1; {
						half := size >> 1
						if row[lo+half] > r {
							lo += half
						}
						size -= half
					}
				}
				if row[lo+1] > r {
					lo++
					for off := 1; lo+off < hi; off <<= 1 {
						if c := lo + off; row[c] > r {
							lo = c
						} else {
							hi = c
							break
						}
					}
					for size := hi - lo; size > 1; {
						half := size >> 1
						if row[lo+half] > r {
							lo += half
						}
						size -= half
					}
				}
				if picks != nil && i == 0 && li == 0 {
					*picks = append(*picks, lo)
				}
				sr := &d.slotRet[lo]
				sum, weighted := sr[0], sr[1]
				if tau >= 0 {
					sl := &m.slots[lo]
					_, sum, weighted = m.span(sl.grid, d.timed(sl, tau))
				}
				sums[i] += sum
				totals[i] *= 1 + weighted
				s0[i] = nx[lo]
			}
		}
	}
}

// timerFirst reports whether a market exit filled at bar x comes before the
// rule exit of tr: at the open (next_open) it precedes everything on its
// bar; at the close (next_close) it follows a stop or scheduled close of the
// same bar.
func timerFirst(x int, tr reTrade, fill engine.FillMode) bool {
	if tr.reason == engine.ExitOpen {
		return true
	}
	if fill == engine.NextClose {
		return x < tr.exitBar
	}
	return x <= tr.exitBar
}
