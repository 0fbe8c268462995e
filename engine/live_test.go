package engine

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/riskon/riskon/data"
)

// randomTrader places random orders at the bars of the symbols it listens
// to: entries with random weights and exits (holding period, trailing
// stop, stop loss, take profit, or none), market exits, exits of everything,
// signals, and an abort at a chosen event. Its draws depend only on its
// seed and the sequence of its OnBar calls, so two replays that call it
// alike give it the same orders.
type randomTrader struct {
	seed    uint64
	listen  []bool // by symbol index; nil: every symbol
	abortAt int    // event index at which OnBar aborts the run (-1: never)
	rng     *rand.Rand
	refused int // orders refused (outside the window, already held, ...)
}

var errRandomAbort = errors.New("random trader aborts")

func (s *randomTrader) Start(c *Ctx) error {
	s.rng, s.refused = rand.New(rand.NewPCG(s.seed, 7)), 0
	return nil
}

func (s *randomTrader) Listens(sym int) bool { return s.listen == nil || s.listen[sym] }

func (s *randomTrader) OnBar(c *Ctx, sym, idx int) {
	if c.EventIndex() == s.abortAt {
		c.Abort(errRandomAbort)
		return
	}
	n := len(c.pos)
	switch s.rng.IntN(12) {
	case 0, 1:
		ex := Exits{}
		if s.rng.IntN(2) == 0 {
			ex.HoldDays = 1 + s.rng.IntN(30)
		}
		switch s.rng.IntN(4) {
		case 0:
			ex.TrailingStop = 0.1
		case 1:
			ex.StopLoss, ex.TakeProfit = 0.05, 0.15
		}
		sig := c.LogSignal(Signal{Time: c.Now(), Symbol: c.SymbolName(sym), Close: c.History(sym).Closes()[idx]})
		if err := c.Enter(s.rng.IntN(n), 0.2+0.8*s.rng.Float64(), ex, sig); err != nil {
			s.refused++
		}
	case 2:
		if err := c.Exit(s.rng.IntN(n), ExitSignal); err != nil {
			s.refused++
		}
	case 3:
		if s.rng.IntN(4) == 0 {
			c.ExitAll(ExitSignal)
		}
	}
}

// TestLiveLoopEqualsPerEvent: the live loop (Ctx.live, the plain events
// of a run without jumps, walks or a cash rate) gives the same result as
// replaying every event in Run's own loop, bit for bit: signals, orders,
// trades, the equity curve and the count of events, on three symbols of
// two calendars, random orders with every kind of exit (so that stops,
// books of one and of several positions, and fills at opens and closes
// all occur), every symbol or a subset listened to, both fill modes, with
// and without a window start and end, and an abort in the middle.
func TestLiveLoopEqualsPerEvent(t *testing.T) {
	def := data.DefaultSynthetic(3)
	rut, btc, eth := def.Symbols[0], def.Symbols[1], def.Symbols[2]
	end := data.DateOf(2019, 1, 1)
	rut.Start, btc.Start, eth.Start = data.DateOf(2014, 1, 2), data.DateOf(2015, 3, 1), data.DateOf(2016, 6, 1)
	ds, err := data.Synthetic(data.SyntheticOptions{Seed: 3, End: end, Symbols: []data.SyntheticSpec{rut, btc, eth}})
	if err != nil {
		t.Fatal(err)
	}
	plan := NewPlan(ds)
	rutIdx := ds.Index("RUT")
	listens := [][]bool{nil, {true, false, false}, {false, true, false}}
	listens[1][rutIdx], listens[1][(rutIdx+1)%3] = true, false
	cases, trades, stops, withOne := 0, 0, 0, 0
	for seed := uint64(1); seed <= 12; seed++ {
		for _, fill := range []FillMode{NextOpen, NextClose} {
			for li, listen := range listens {
				opts := Options{Capital: 1e5, CommissionBps: 10, SlippageBps: 5, Fill: fill, Trigger: "RUT", Targets: []string{"BTC"}}
				if seed%3 == 0 {
					opts.Start, opts.HasStart = data.DateOf(2016, 2, 1), true
					opts.End, opts.HasEnd = data.DateOf(2018, 6, 30), true
				}
				abortAt := -1
				if seed%4 == 1 && li == 0 {
					abortAt = plan.Len() * 3 / 4
				}
				var want [2]*Result
				var errs [2]error
				var refused [2]int
				for mode := 0; mode < 2; mode++ {
					r := Runner{perEvent: mode == 1}
					st := &randomTrader{seed: seed, listen: listen, abortAt: abortAt}
					res, err := r.Run(context.Background(), plan, st, opts)
					errs[mode], refused[mode] = err, st.refused
					want[mode] = res
				}
				cases++
				if !errors.Is(errs[0], errs[1]) || (errs[0] == nil) != (errs[1] == nil) {
					t.Fatalf("seed %d fill %d listen %d: live loop error %v, per event %v", seed, fill, li, errs[0], errs[1])
				}
				if errs[0] != nil {
					if !errors.Is(errs[0], errRandomAbort) {
						t.Fatalf("seed %d: unexpected error %v", seed, errs[0])
					}
					continue
				}
				if refused[0] != refused[1] {
					t.Fatalf("seed %d fill %d listen %d: %d orders refused in the live loop, %d per event", seed, fill, li, refused[0], refused[1])
				}
				if !reflect.DeepEqual(want[0], want[1]) {
					a, b := want[0], want[1]
					t.Fatalf("seed %d fill %d listen %d: results differ: events %d/%d, trades %d/%d, orders %d/%d, signals %d/%d, equity equal %v",
						seed, fill, li, a.Events, b.Events, len(a.Trades), len(b.Trades), len(a.Orders), len(b.Orders),
						len(a.Signals), len(b.Signals), reflect.DeepEqual(a.Equity, b.Equity))
				}
				checkCarried(t, want[0])
				checkCarried(t, want[1])
				trades += len(want[0].Trades)
				for _, o := range want[0].Orders {
					if o.Kind == OrderStop && o.Filled {
						stops++
					}
				}
				for _, tr := range want[0].Trades {
					if tr.ExitReason == ExitHold {
						withOne++
					}
				}
			}
		}
	}
	// The random orders must have exercised what the live loop special-cases.
	t.Logf("%d runs: %d trades, %d stop fills, %d hold exits", cases, trades, stops, withOne)
	if trades < 200 || stops < 10 || withOne < 10 {
		t.Fatalf("too little exercised over %d runs: %d trades, %d stop fills, %d hold exits", cases, trades, stops, withOne)
	}
}
