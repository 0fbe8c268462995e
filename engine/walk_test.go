package engine

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/riskon/riskon/data"
)

// skipTrader acts only at chosen events (each event with probability 1 in
// every): it enters one or two symbols (market orders, with a holding
// period or none, sometimes stops, under which the engine does not walk), exits
// one or all, and logs a signal recording what the history views show
// then. As a Skipper and HeldSkipper it tells the engine the next chosen
// event; with skip false it is the same trader replayed event by event
// (its OnBar does nothing at the other events), the reference.
type skipTrader struct {
	seed   uint64
	every  int
	skip   bool
	act    []bool // by event
	rng    *rand.Rand
	nsym   int
	closes int // closes read from the views (each logged too)
}

func (s *skipTrader) Start(c *Ctx) error {
	s.rng, s.nsym = rand.New(rand.NewPCG(s.seed, 11)), len(c.pos)
	if s.act == nil {
		r := rand.New(rand.NewPCG(s.seed, 13))
		s.act = make([]bool, c.PlanLen())
		for k := range s.act {
			s.act[k] = r.IntN(s.every) == 0
		}
	}
	return nil
}

func (s *skipTrader) Skips() bool     { return s.skip }
func (s *skipTrader) SkipsHeld() bool { return s.skip }

func (s *skipTrader) NextEvent(c *Ctx, k int) int {
	for k < len(s.act) && !s.act[k] {
		k++
	}
	return k
}

func (s *skipTrader) OnBar(c *Ctx, sym, idx int) {
	if !s.act[c.EventIndex()] {
		return
	}
	// What every view shows now (the walks and jumps must have set them
	// as the replay of every event does).
	for x := 0; x < s.nsym; x++ {
		v := c.History(x)
		cl := 0.0
		if n := v.Len(); n > 0 {
			cl = v.Closes()[n-1]
			s.closes++
		}
		c.LogSignal(Signal{Time: c.Now(), Symbol: c.SymbolName(x), Level: float64(v.Len()), Close: cl})
	}
	switch s.rng.IntN(5) {
	case 0, 1, 2:
		ex := Exits{}
		if s.rng.IntN(3) != 0 {
			ex.HoldDays = 1 + s.rng.IntN(20)
		}
		if s.rng.IntN(6) == 0 {
			// A stop: no walk while it is held.
			ex.TrailingStop, ex.StopLoss = 0.1, 0.05
		}
		for n := 1 + s.rng.IntN(2); n > 0; n-- {
			_ = c.Enter(s.rng.IntN(s.nsym), 0.3+0.7*s.rng.Float64(), ex, -1)
		}
	case 3:
		_ = c.Exit(s.rng.IntN(s.nsym), ExitSignal)
	case 4:
		c.ExitAll(ExitSignal)
	}
}

// TestWalkEqualsPerEvent: a run whose strategy skips (engine.Skipper and
// HeldSkipper: the engine jumps over a flat book's events and walks a held
// book's, visiting only the held symbol's bars for a book of one) gives
// the same signals (with what the history views showed), orders, trades
// and equity curve as the same strategy replayed event by event, bit for
// bit: three symbols of two calendars, random data windows, books of one
// and several positions, holding periods, market exits, both fill modes.
func TestWalkEqualsPerEvent(t *testing.T) {
	def := data.DefaultSynthetic(5)
	rut, btc, eth := def.Symbols[0], def.Symbols[1], def.Symbols[2]
	rut.Start, btc.Start, eth.Start = data.DateOf(2014, 1, 2), data.DateOf(2015, 3, 1), data.DateOf(2016, 6, 1)
	ds, err := data.Synthetic(data.SyntheticOptions{Seed: 5, End: data.DateOf(2019, 1, 1), Symbols: []data.SyntheticSpec{rut, btc, eth}})
	if err != nil {
		t.Fatal(err)
	}
	plan := NewPlan(ds)
	runs, trades, walked, several, stopped := 0, 0, 0, 0, 0
	for seed := uint64(1); seed <= 16; seed++ {
		for _, fill := range []FillMode{NextOpen, NextClose} {
			opts := Options{Capital: 1e5, CommissionBps: 10, SlippageBps: 5, Fill: fill, Trigger: "RUT", Targets: []string{"BTC", "ETH"}}
			if seed%3 == 0 {
				opts.Start, opts.HasStart = data.DateOf(2016, 2, 1), true
				opts.End, opts.HasEnd = data.DateOf(2018, 6, 30), true
			}
			every := []int{3, 10, 40}[seed%3]
			var res [2]*Result
			var closes [2]int
			for mode := range 2 {
				r := Runner{perEvent: mode == 1}
				st := &skipTrader{seed: seed, every: every, skip: mode == 0}
				got, err := r.Run(context.Background(), plan, st, opts)
				if err != nil {
					t.Fatal(err)
				}
				res[mode], closes[mode] = got, st.closes
			}
			runs++
			a, b := res[0], res[1]
			for _, r := range res {
				checkCarried(t, r)
			}
			if a.Walked == 0 {
				t.Fatalf("seed %d fill %d: nothing walked", seed, fill)
			}
			walked += a.Walked
			// The counts of events differ (jumped events are not replayed);
			// everything else is the same.
			a.Events, a.Walked, b.Events, b.Walked = 0, 0, 0, 0
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("seed %d fill %d: results differ: trades %d/%d, orders %d/%d, signals %d/%d, signals equal %v, equity equal %v, invested equal %v",
					seed, fill, len(a.Trades), len(b.Trades), len(a.Orders), len(b.Orders), len(a.Signals), len(b.Signals),
					reflect.DeepEqual(a.Signals, b.Signals), reflect.DeepEqual(a.Equity, b.Equity), reflect.DeepEqual(a.Invested, b.Invested))
			}
			if closes[0] != closes[1] {
				t.Fatalf("seed %d: %d closes read skipping, %d per event", seed, closes[0], closes[1])
			}
			trades += len(a.Trades)
			for _, tr := range a.Trades {
				if tr.ExitReason == ExitTrailingStop || tr.ExitReason == ExitStopLoss {
					stopped++
				}
			}
			for i := 1; i < len(a.Trades); i++ {
				if a.Trades[i].EntryTime < a.Trades[i-1].ExitTime && a.Trades[i].Symbol != a.Trades[i-1].Symbol {
					several++
				}
			}
		}
	}
	t.Logf("%d runs: %d trades, %d events walked, %d trades overlapping another, %d stopped", runs, trades, walked, several, stopped)
	if trades < 300 || several < 20 || stopped < 20 {
		t.Fatalf("too little exercised: %d trades, %d overlapping, %d stopped", trades, several, stopped)
	}
}

// checkCarried fails unless every day of the stretches r lists as carried
// forward repeats the day before it, equity and invested fraction bit for
// bit, the stretches ascending and apart, inside the curve and after its
// first day.
func checkCarried(t *testing.T, r *Result) {
	t.Helper()
	at := int32(1)
	for _, s := range r.Carried {
		if s.From < at || s.To <= s.From || int(s.To) > len(r.Equity) {
			t.Fatalf("carried stretch %v after day %d of %d", s, at, len(r.Equity))
		}
		for d := s.From; d < s.To; d++ {
			if math.Float64bits(r.Equity[d]) != math.Float64bits(r.Equity[d-1]) || math.Float64bits(r.Invested[d]) != math.Float64bits(r.Invested[d-1]) {
				t.Fatalf("day %d of carried stretch %v: equity %v, %v the day before", d, s, r.Equity[d], r.Equity[d-1])
			}
		}
		at = s.To
	}
}

// heldRecorder enters symbol 0 at bar 0's close with the given exits and
// records HeldUntil at each of its bars.
type heldRecorder struct {
	exits Exits
	got   []int64
}

func (h *heldRecorder) Start(*Ctx) error { return nil }

func (h *heldRecorder) OnBar(c *Ctx, sym, idx int) {
	if idx == 0 {
		_ = c.Enter(0, 0.5, h.exits, -1)
	}
	h.got = append(h.got, c.HeldUntil())
}

// TestHeldUntil: with daily crypto bars (bar i dated 2024-01-01 + i opens at
// that date's 00:00Z and closes a day later), an entry at bar 0's close
// (01-02 00:00Z) fills at bar 1's open, the same instant, so the book may
// change at the first event after it: HeldUntil is that instant while the
// entry is pending. Held with a holding period of 2 days from the entry
// date 01-02, the exit fills at the close of the bar dated 01-04 (01-05
// 00:00Z), so HeldUntil is the instant before it, then a flat book's
// MinInt64; under a stop always MinInt64; the window's end when it comes
// first.
func TestHeldUntil(t *testing.T) {
	day := func(d int) int64 { return (data.DateOf(2024, 1, 1) + data.Date(d)).Unix() }
	rows := [][4]float64{{10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 10}}
	none := int64(math.MinInt64)
	for _, tc := range []struct {
		name  string
		exits Exits
		end   int // window end: the date of the last bar (0: none)
		want  []int64
	}{
		// Bars 0..5 close at 01-02..01-07 00:00Z. At bar 0 the entry is
		// pending (fill at 01-02 00:00Z); it fills at bar 1's close event,
		// and the exit at bar 3's, before its OnBar.
		{"hold", Exits{HoldDays: 2}, 0, []int64{day(1), day(4) - 1, day(4) - 1, none, none, none}},
		{"no exit", Exits{}, 0, []int64{day(1), day(6), day(6), day(6), day(6), day(6)}},
		{"stop", Exits{HoldDays: 2, TrailingStop: 0.5}, 0, []int64{day(1), none, none, none, none, none}},
		{"window", Exits{HoldDays: 2}, 2, []int64{day(1), day(3), day(3)}},
	} {
		h := &heldRecorder{exits: tc.exits}
		opts := Options{}
		if tc.end > 0 {
			opts.End, opts.HasEnd = data.DateOf(2024, 1, 1)+data.Date(tc.end), true
		}
		run(t, h, opts, ohlc(t, "BTC", rows))
		if !reflect.DeepEqual(h.got, tc.want) {
			t.Errorf("%s: HeldUntil %v, want %v", tc.name, h.got, tc.want)
		}
	}
}
