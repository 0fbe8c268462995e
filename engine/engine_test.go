package engine

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
)

// script enters (or exits) at given bar indexes of symbol 0's events.
type script struct {
	enterAt map[int][]int // bar index of the clock symbol -> symbols to enter
	exitAt  map[int][]int
	weight  float64
	exits   Exits
	reason  ExitReason // of the exits (ExitSignal when empty)
	errs    []error
}

func (s *script) Start(c *Ctx) error { return nil }

func (s *script) OnBar(c *Ctx, sym, idx int) {
	if sym != 0 {
		return
	}
	reason := s.reason
	if reason == "" {
		reason = ExitSignal
	}
	for _, t := range s.exitAt[idx] {
		if err := c.Exit(t, reason); err != nil {
			s.errs = append(s.errs, err)
		}
	}
	for _, t := range s.enterAt[idx] {
		if err := c.Enter(t, s.weight, s.exits, -1); err != nil {
			s.errs = append(s.errs, err)
		}
	}
}

// ohlc builds crypto bars from 2024-01-01 with the given open, high, low, close.
func ohlc(t *testing.T, sym string, rows [][4]float64) *data.Series {
	t.Helper()
	var bars []data.Bar
	for i, r := range rows {
		bars = append(bars, data.Bar{Date: data.DateOf(2024, 1, 1) + data.Date(i), Open: r[0], High: r[1], Low: r[2], Close: r[3]})
	}
	s, err := data.NewSeries(sym, data.Crypto24x7(), bars)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func run(t *testing.T, st Strategy, opts Options, series ...*data.Series) *Result {
	t.Helper()
	ds, err := data.NewDataset(series...)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Capital == 0 {
		opts.Capital = 1000
	}
	if opts.Trigger == "" {
		opts.Trigger = ds.Series[0].Symbol
		opts.Targets = ds.Symbols()
	}
	res, err := Run(context.Background(), NewPlan(ds), st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestExits(t *testing.T) {
	// Entry at the open of bar 1 (100). Trailing stop 10%: after bar 1's close
	// of 110 the stop is 99.
	cases := []struct {
		name       string
		bar2       [4]float64
		slipBps    float64
		wantPrice  float64
		wantReason ExitReason
		wantTime   string
	}{
		{"touched intrabar fills at the stop", [4]float64{105, 106, 98, 104}, 0, 99, ExitTrailingStop, "2024-01-04T00:00:00Z"},
		{"touched with slippage", [4]float64{105, 106, 98, 104}, 100, 99 * 0.99, ExitTrailingStop, "2024-01-04T00:00:00Z"},
		{"gap below the stop fills at the open", [4]float64{95, 96, 90, 94}, 0, 95, ExitTrailingStop, "2024-01-03T00:00:00Z"},
		{"not touched: held to the end, marked at the last close", [4]float64{105, 106, 100, 104}, 0, 107, ExitOpen, "2024-01-05T00:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			btc := ohlc(t, "BTC", [][4]float64{{90, 91, 89, 90}, {100, 111, 100, 110}, tc.bar2, {104, 108, 101, 107}})
			st := &script{enterAt: map[int][]int{0: {0}}, weight: 1, exits: Exits{TrailingStop: 0.10}}
			res := run(t, st, Options{SlippageBps: tc.slipBps}, btc)
			if len(res.Trades) != 1 {
				t.Fatalf("trades = %+v", res.Trades)
			}
			tr := res.Trades[0]
			if math.Abs(tr.ExitPrice-tc.wantPrice) > 1e-9 || tr.ExitReason != tc.wantReason || timeString(tr.ExitTime) != tc.wantTime {
				t.Errorf("exit = %.6f %s at %s, want %.6f %s at %s", tr.ExitPrice, tr.ExitReason, timeString(tr.ExitTime), tc.wantPrice, tc.wantReason, tc.wantTime)
			}
			if tc.wantReason == ExitOpen && tr.Commission != 0 {
				t.Errorf("open trade paid commission %v", tr.Commission)
			}
		})
	}
}

func timeString(t int64) string {
	d := data.DateFromUnix(t)
	secs := t - d.Unix()
	return d.String() + "T" + two(secs/3600) + ":" + two(secs%3600/60) + ":" + two(secs%60) + "Z"
}

func two(n int64) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

func TestNextCloseAndHold(t *testing.T) {
	// Order at bar 0's close (2024-01-02 00:00Z); next close fills at bar 1's
	// close 20. Hold 2 days from entry date 01-02: exit at the close of the
	// bar dated 01-04 (bar 3), 40.
	btc := ohlc(t, "BTC", [][4]float64{{10, 10, 10, 10}, {15, 20, 15, 20}, {30, 30, 30, 30}, {35, 40, 35, 40}, {50, 50, 50, 50}})
	st := &script{enterAt: map[int][]int{0: {0}}, weight: 0.5, exits: Exits{HoldDays: 2}}
	res := run(t, st, Options{Fill: NextClose, CommissionBps: 100}, btc)
	tr := res.Trades[0]
	// units = 500 / (20 x 1.01); proceeds = units x 40 x 0.99
	units := 500 / (20 * 1.01)
	if tr.EntryPrice != 20 || math.Abs(tr.Units-units) > 1e-12 || tr.ExitPrice != 40 || tr.ExitReason != ExitHold {
		t.Fatalf("trade = %+v", tr)
	}
	if got, want := res.Equity[len(res.Equity)-1], 500+units*40*0.99; math.Abs(got-want) > 1e-9 {
		t.Errorf("final equity = %v, want %v", got, want)
	}
}

func TestExitBeforeFillCancels(t *testing.T) {
	// Enter and exit in the same instant: the entry never fills.
	btc := ohlc(t, "BTC", [][4]float64{{10, 10, 10, 10}, {15, 20, 15, 20}, {30, 30, 30, 30}})
	res := run(t, cancelAfterEnter{}, Options{}, btc)
	if len(res.Trades) != 0 {
		t.Fatalf("trades = %+v, want none", res.Trades)
	}
	if res.Equity[len(res.Equity)-1] != 1000 {
		t.Errorf("equity = %v, want 1000 untouched", res.Equity[len(res.Equity)-1])
	}
}

type cancelAfterEnter struct{}

func (cancelAfterEnter) Start(*Ctx) error { return nil }
func (cancelAfterEnter) OnBar(c *Ctx, sym, idx int) {
	if idx == 0 {
		_ = c.Enter(0, 1, Exits{}, -1)
		_ = c.Exit(0, ExitSignal)
	}
}

func TestBasketSizing(t *testing.T) {
	// Two targets at 60% allocation, equal weight: each buy spends 300 of 1000.
	a := ohlc(t, "AAA", [][4]float64{{10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 12}})
	b := ohlc(t, "BBB", [][4]float64{{4, 4, 4, 4}, {5, 5, 5, 5}, {5, 5, 5, 4}})
	st := &script{enterAt: map[int][]int{0: {0, 1}}, weight: 0.3}
	res := run(t, st, Options{}, a, b)
	if len(res.Trades) != 2 || math.Abs(res.Trades[0].Cost-300) > 1e-9 || math.Abs(res.Trades[1].Cost-300) > 1e-9 {
		t.Fatalf("trades = %+v", res.Trades)
	}
	// End: cash 400 + AAA 30 units x 12 + BBB 60 units x 4 = 400 + 360 + 240.
	if got := res.Equity[len(res.Equity)-1]; math.Abs(got-1000) > 1e-9 {
		t.Errorf("final equity = %v, want 1000", got)
	}
	if got := res.Invested[len(res.Invested)-1]; math.Abs(got-0.6) > 1e-12 {
		t.Errorf("invested = %v, want 0.6", got)
	}
}

func TestWindowAndRefusals(t *testing.T) {
	btc := ohlc(t, "BTC", [][4]float64{{10, 10, 10, 10}, {10, 10, 10, 10}})
	ds, _ := data.NewDataset(btc)
	_, err := Run(context.Background(), NewPlan(ds), &script{}, Options{Capital: 1, Trigger: "BTC", Targets: []string{"BTC"},
		Start: data.DateOf(2025, 1, 1), HasStart: true})
	if err == nil || !strings.Contains(err.Error(), "empty window") {
		t.Errorf("err = %v, want an empty window error", err)
	}
	_, err = Run(context.Background(), NewPlan(ds), &script{}, Options{Capital: 1, Trigger: "BTC", Targets: []string{"ETH"}})
	if err == nil || !strings.Contains(err.Error(), `"ETH"`) {
		t.Errorf("err = %v, want a missing-symbol error naming ETH", err)
	}
	// Orders before the window are refused: the window starts with ETH's
	// first bar, 2024-01-03 00:00Z; BTC's first bar closes 2024-01-02 00:00Z.
	btc = ohlc(t, "BTC", [][4]float64{{10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 10}})
	eth := ohlc(t, "ETH", [][4]float64{{10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 10}}).Slice(2, 3)
	st := &script{enterAt: map[int][]int{0: {0}}, weight: 1}
	res := run(t, st, Options{Trigger: "BTC", Targets: []string{"ETH"}}, btc, eth)
	if len(st.errs) != 1 || !errors.Is(st.errs[0], ErrOutsideWindow) || len(res.Trades) != 0 {
		t.Errorf("errs = %v, trades = %d; want ErrOutsideWindow and none", st.errs, len(res.Trades))
	}
}

func TestReplayOrderAcrossCalendars(t *testing.T) {
	rut, _ := data.NewSeries("RUT", data.NYSE(), []data.Bar{{Date: data.DateOf(2024, 1, 12), Close: 1}, {Date: data.DateOf(2024, 1, 16), Close: 1}})
	btc, _ := data.NewSeries("BTC", data.Crypto24x7(), []data.Bar{{Date: data.DateOf(2024, 1, 12), Close: 1}, {Date: data.DateOf(2024, 1, 13), Close: 1}})
	ds, _ := data.NewDataset(rut, btc)
	p := NewPlan(ds)
	var got []string
	for k := 0; k < p.Len(); k++ {
		s, i, tm := p.Event(k)
		got = append(got, ds.Series[s].Symbol+" "+ds.Series[s].Date[i].String()+" "+timeString(tm))
	}
	want := []string{"RUT 2024-01-12 2024-01-12T21:00:00Z", "BTC 2024-01-12 2024-01-13T00:00:00Z", "BTC 2024-01-13 2024-01-14T00:00:00Z", "RUT 2024-01-16 2024-01-16T21:00:00Z"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("replay order\n got %v\nwant %v", got, want)
	}
}

// TestNoOrderLogSameRun: without the order log (Options.NoOrderLog) a run
// places and fills the same orders: its trades (exit reasons included, a
// strategy's own reason too), signals and equity curve are those of the run
// with the log, and Orders stays empty.
func TestNoOrderLogSameRun(t *testing.T) {
	o := data.DefaultSynthetic(3)
	o.Symbols = o.Symbols[:4]
	ds, err := data.Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	plan := NewPlan(ds)
	enter, exit := map[int][]int{}, map[int][]int{}
	for i := 0; i < ds.Series[0].Len(); i++ {
		if i%7 == 0 {
			enter[i] = []int{1, 2, 3}[:1+i%3]
		}
		if i%11 == 3 {
			exit[i] = []int{2, 1}
		}
	}
	for _, ex := range []Exits{{}, {HoldDays: 5}, {HoldDays: 20, TrailingStop: 0.05}, {StopLoss: 0.03, TakeProfit: 0.04}, {HoldDays: 3, TrailingStop: 0.1, StopLoss: 0.02, TakeProfit: 0.1}} {
		for _, fill := range []FillMode{NextOpen, NextClose} {
			var res [2]*Result
			for i, noLog := range []bool{false, true} {
				st := &script{enterAt: enter, exitAt: exit, weight: 0.3, exits: ex, reason: "custom"}
				opts := Options{Capital: 1000, CommissionBps: 10, SlippageBps: 5, Fill: fill, Trigger: ds.Series[0].Symbol, Targets: ds.Symbols(), NoOrderLog: noLog}
				if res[i], err = Run(context.Background(), plan, st, opts); err != nil {
					t.Fatal(err)
				}
			}
			with, without := res[0], res[1]
			if len(without.Orders) != 0 || len(with.Orders) == 0 {
				t.Fatalf("%+v: %d orders without the log, %d with it", ex, len(without.Orders), len(with.Orders))
			}
			reasons := map[ExitReason]int{}
			for _, tr := range without.Trades {
				reasons[tr.ExitReason]++
			}
			if ex == (Exits{}) && reasons["custom"] == 0 {
				t.Fatalf("no trade exited for the strategy's own reason: %v", reasons)
			}
			with.Orders = nil
			if !reflect.DeepEqual(with, without) {
				t.Fatalf("%+v, fill %d: the run without the order log differs (%d vs %d trades, exit reasons %v)", ex, fill, len(with.Trades), len(without.Trades), reasons)
			}
		}
	}
}

// TestLogSignalKeepsEveryField: LogSignal, which copies a signal field by
// field, keeps every field of it (each set to a value other than its zero,
// found by reflection, so a field added to Signal later is checked too).
func TestLogSignalKeepsEveryField(t *testing.T) {
	var want Signal
	v := reflect.ValueOf(&want).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int64:
			f.SetInt(int64(7 + i))
		case reflect.Float64:
			f.SetFloat(1.5 + float64(i))
		case reflect.String:
			f.SetString("x" + string(rune('a'+i)))
		case reflect.Bool:
			f.SetBool(true)
		default:
			t.Fatalf("Signal field %s of kind %s: extend this test", v.Type().Field(i).Name, f.Kind())
		}
	}
	c := &Ctx{res: &Result{Signals: []Signal{{Time: 1}}}}
	if i := c.LogSignal(want); i != 1 || !reflect.DeepEqual(c.res.Signals[1], want) {
		t.Fatalf("LogSignal = %d, kept %+v, want index 1 and %+v", i, c.res.Signals[len(c.res.Signals)-1], want)
	}
	// Into the room an earlier run left (a Runner reuses its Result):
	// every field of the old signal there is overwritten.
	old := []Signal{{Time: 1}, {Time: -1, Symbol: "old", Level: -2, Close: -3, Acted: false, Reason: "stale"}}
	c = &Ctx{res: &Result{Signals: old[:1]}}
	if i := c.LogSignal(want); i != 1 || !reflect.DeepEqual(c.res.Signals[1], want) || &c.res.Signals[1] != &old[1] {
		t.Fatalf("LogSignal over an old slot = %d, kept %+v, want index 1 in place and %+v", i, c.res.Signals[1], want)
	}
}

// TestPlanBarEvent: the event of each bar (Plan.barEvent) is the event
// whose symbol and bar index are that bar's, and its day (Plan.barDay) the
// UTC day in which it closes or at whose end, for every bar of every
// symbol.
func TestPlanBarEvent(t *testing.T) {
	ds, err := data.Synthetic(data.DefaultSynthetic(4))
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlan(ds)
	n := 0
	for s, ser := range ds.Series {
		for i := 0; i < ser.Len(); i++ {
			k := int(p.barEvent[p.barOff[s]+i])
			if ks, ki, kt := p.Event(k); ks != s || ki != i || kt != ser.CloseTime[i] {
				t.Fatalf("%s bar %d: event %d is symbol %d bar %d", ser.Symbol, i, k, ks, ki)
			}
			if d := p.barDay[p.barOff[s]+i]; d.Unix() >= ser.CloseTime[i] || (d+1).Unix() < ser.CloseTime[i] {
				t.Fatalf("%s bar %d closing at %d: day %s", ser.Symbol, i, ser.CloseTime[i], d)
			}
			n++
		}
	}
	if n != p.Len() || len(p.barEvent) != n {
		t.Fatalf("%d bars, %d events, %d bar events", n, p.Len(), len(p.barEvent))
	}
}

// TestReasonHold: the index a scheduled exit's pending sell keeps is that
// of ExitHold.
func TestReasonHold(t *testing.T) {
	var c Ctx
	if got := c.reasonIndex(ExitHold); got != reasonHold || c.reasonOf(reasonHold) != ExitHold {
		t.Fatalf("reasonIndex(ExitHold) = %d, reasonOf(%d) = %q; want %d and %q", got, reasonHold, c.reasonOf(reasonHold), reasonHold, ExitHold)
	}
}
