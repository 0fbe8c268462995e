package today

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/datatest"
	"github.com/riskon/riskon/strategy/config"
)

func series(t *testing.T, sym string, cal data.Calendar, dates []data.Date, closes []float64) *data.Series {
	t.Helper()
	bars := make([]data.Bar, len(dates))
	for i, d := range dates {
		c := closes[i]
		bars[i] = data.Bar{Date: d, Open: c, High: c * 1.001, Low: c * 0.999, Close: c, Volume: 1}
	}
	s, err := data.NewSeries(sym, cal, bars)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func days(from data.Date, n int) []data.Date {
	out := make([]data.Date, n)
	for i := range out {
		out[i] = from + data.Date(i)
	}
	return out
}

// handWorked is the synthetic case worked by hand. RUT on the ten NYSE
// sessions Mon 2024-02-26 .. Fri 03-08 (no holiday) closes 100, 101, 100.5,
// 100.8, 102, 101, 101.5, 101.8, 103, 102.5; donchian lookback 3 breaks out
// on Fri 03-01 (102 > 101) and Thu 03-07 (103 > max(101, 101.5, 101.8) =
// 101.8). BTC trades every day 02-20 .. 03-05 (it ends before the second
// signal) at open = close = 100 + days since 02-20. DOM falls 100 -> 91 to
// 02-29 then rises 92, 93, ... to 99 on 03-08; FLT ends 02-27.
func handWorked(t *testing.T) (config.Config, *data.Dataset) {
	t.Helper()
	d0 := data.DateOf(2024, 2, 26)
	var rd []data.Date
	for _, off := range []int{0, 1, 2, 3, 4, 7, 8, 9, 10, 11} {
		rd = append(rd, d0+data.Date(off))
	}
	rut := series(t, "RUT", data.NYSE(), rd, []float64{100, 101, 100.5, 100.8, 102, 101, 101.5, 101.8, 103, 102.5})
	b0 := data.DateOf(2024, 2, 20)
	bd := days(b0, 15) // 02-20 .. 03-05
	bc := make([]float64, len(bd))
	for i := range bc {
		bc[i] = 100 + float64(i)
	}
	btc := series(t, "BTC", data.Crypto24x7(), bd, bc)
	dd := days(b0, 18) // 02-20 .. 03-08
	dc := make([]float64, len(dd))
	for i := range dc {
		if i <= 9 { // to 02-29
			dc[i] = 100 - float64(i)
		} else {
			dc[i] = 91 + float64(i-9)
		}
	}
	dom := series(t, "DOM", data.Crypto24x7(), dd, dc)
	flt := series(t, "FLT", data.Crypto24x7(), days(b0, 8), []float64{1, 1, 1, 1, 1, 1, 1, 1})
	ds, err := data.NewDataset(rut, btc, dom, flt)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Name = "hand"
	cfg.Trigger.Lookback = 3
	cfg.Trade.HoldDays = 5
	cfg.Trade.TrailingStop = 0.1
	cfg.Trade.Filter = config.Filter{}
	cfg.Trade.Filters = []config.Filter{{Symbol: "DOM", Rule: "falling", Lookback: 2}, {Symbol: "FLT", Rule: "above", Level: 0}}
	cfg.Costs = config.Costs{}
	if err := config.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg, ds
}

// TestHandWorkedTriggerNewerThanTarget: the state is as of RUT's last bar
// (03-08), not BTC's (03-05): the second signal (03-07) is visible and
// marked after the targets; the position of the first is open.
func TestHandWorkedTriggerNewerThanTarget(t *testing.T) {
	cfg, ds := handWorked(t)
	r, err := Compute(context.Background(), cfg, ds)
	if err != nil {
		t.Fatal(err)
	}
	tr := r.Trigger
	if r.AsOf != "2024-03-08" || tr.LastPeriod != "2024-03-08" || tr.LastClose != 102.5 || tr.Periods != 10 {
		t.Errorf("as of %s, last period %s close %g of %d", r.AsOf, tr.LastPeriod, tr.LastClose, tr.Periods)
	}
	// Level: max(101.8, 103, 102.5) = 103 of 03-07; distance 103/102.5 - 1.
	if tr.Level == nil || *tr.Level != 103 || tr.LevelDate != "2024-03-07" || !tr.Armed || tr.NextDate != "2024-03-11" {
		t.Errorf("level %v of %s armed %v next %s", tr.Level, tr.LevelDate, tr.Armed, tr.NextDate)
	}
	if tr.DistancePct == nil || math.Abs(*tr.DistancePct-100*(103/102.5-1)) > 1e-12 {
		t.Errorf("distance %v, want %g", tr.DistancePct, 100*(103/102.5-1))
	}
	s := tr.LastSignal
	if s == nil || s.Date != "2024-03-07" || s.Close != 103 || s.Level != 101.8 || s.AgeDays != 1 || s.AgeBars != 1 || !s.AfterTargets || tr.Signals != 2 {
		t.Fatalf("last signal %+v of %d", s, tr.Signals)
	}
	// Inputs: BTC 3 days behind, DOM 0 (same date, though its 03-08 bar is
	// not closed at RUT's close), FLT 10.
	behind := map[string]int{}
	for _, in := range r.Inputs {
		behind[in.Symbol+" "+in.Role] = in.DaysBehind
	}
	if behind["RUT trigger"] != 0 || behind["BTC target"] != 3 || behind["DOM filter"] != 0 || behind["FLT filter"] != 10 {
		t.Errorf("inputs %+v", r.Inputs)
	}
	// Filters as of Fri 03-08 21:00Z: DOM's bars closed through 03-07 (98)
	// vs 03-05 (96): rising, so falling blocks. FLT's last bar 02-27 is
	// stale: no data.
	if len(r.Filters) != 2 {
		t.Fatalf("filters %+v", r.Filters)
	}
	if f := r.Filters[0]; f.State != "blocks" || *f.LastClose != 98 || *f.Reference != 96 || f.First != "2024-02-20" || f.Last != "2024-03-08" {
		t.Errorf("DOM filter %+v", f)
	}
	if f := r.Filters[1]; f.State != "no_data" || !strings.Contains(f.Why, "7 days") {
		t.Errorf("FLT filter %+v", f)
	}
	// Position: the 03-01 signal (DOM falling then: 02-29 91 < 02-27 93;
	// FLT's 02-27 bar was 3 days old) bought BTC at the open of Sat 03-02,
	// 111; hold 5 days -> exit at the close of 03-07, after BTC's data:
	// still open at 03-05, close 114, 2 days left; trailing stop 10 % under
	// the highest close 114.
	p := r.Position
	if !p.Open || p.ReplayedThrough != "2024-03-05" || len(p.Legs) != 1 {
		t.Fatalf("position %+v", p)
	}
	l := p.Legs[0]
	if l.Symbol != "BTC" || l.EntryDate != "2024-03-02" || l.EntryPrice != 111 || l.SignalDate != "2024-03-01" ||
		l.LastDate != "2024-03-05" || l.LastClose != 114 || l.HoldExit != "2024-03-07" || *l.DaysLeft != 2 ||
		math.Abs(*l.TrailingStop-114*0.9) > 1e-9 || math.Abs(l.ReturnPct-100*(114.0/111-1)) > 1e-9 ||
		l.StopLoss != nil || l.TakeProfit != nil || l.FailedBreakoutLevel != nil {
		t.Errorf("leg %+v", l)
	}
	// The hold exit 03-07 is before RUT's last bar: noted.
	if len(r.Notes) != 3 || !strings.Contains(r.Notes[0], "BTC ends 2024-03-07, before the trigger's last bar") ||
		!strings.Contains(r.Notes[1], "in_position") || !strings.Contains(r.Notes[2], "FLT (filter)") {
		t.Errorf("notes %q", r.Notes)
	}
	if p.CooldownUntil != "" {
		t.Errorf("cooldown %q without cooldown_days", p.CooldownUntil)
	}

	// Hold 3 days: the exit (close of 03-05) is BTC's last bar: closed.
	// Hold 4: exit 03-06 after BTC's data but before RUT's last bar: still
	// open in the replay, with a note. Cooldown 10 days from the acted
	// signal of 03-01: signals acted on again from 03-11.
	cfg.Trade.HoldDays = 3
	if r, err = Compute(context.Background(), cfg, ds); err != nil {
		t.Fatal(err)
	}
	if r.Position.Open {
		t.Errorf("hold 3: position %+v", r.Position)
	}
	cfg.Trade.HoldDays = 4
	cfg.Trigger.CooldownDays = 10
	if r, err = Compute(context.Background(), cfg, ds); err != nil {
		t.Fatal(err)
	}
	if !r.Position.Open || r.Position.Legs[0].HoldExit != "2024-03-06" || r.Position.CooldownUntil != "2024-03-11" ||
		!strings.Contains(strings.Join(r.Notes, "|"), "ends 2024-03-06, before the trigger's last bar") {
		t.Errorf("hold 4, cooldown 10: position %+v notes %q", r.Position, r.Notes)
	}
}

// TestDataEndBoundsTheTrigger: data.end cuts the trigger too.
func TestDataEndBoundsTheTrigger(t *testing.T) {
	cfg, ds := handWorked(t)
	cfg.Data.End = "2024-03-04"
	r, err := Compute(context.Background(), cfg, ds)
	if err != nil {
		t.Fatal(err)
	}
	// RUT through Mon 03-04: 100 .. 102, 101; level max(100.8, 102, 101).
	if r.AsOf != "2024-03-04" || *r.Trigger.Level != 102 || r.Trigger.LastSignal.Date != "2024-03-01" || r.Trigger.LastSignal.AfterTargets {
		t.Errorf("as of %s level %v last %+v", r.AsOf, *r.Trigger.Level, r.Trigger.LastSignal)
	}
}

// TestWeeklyPeriodInProgress: with data.end Wed 2024-03-06 the week of
// 03-04 is in progress; the one weekly close is Fri 03-01's 102, the level
// of lookback 1, and the week so far (101.8 on 03-06) is 102/101.8 - 1
// below it.
func TestWeeklyPeriodInProgress(t *testing.T) {
	cfg, ds := handWorked(t)
	cfg.Data.End = "2024-03-06"
	cfg.Trigger.Timeframe = "weekly"
	cfg.Trigger.Lookback = 1
	r, err := Compute(context.Background(), cfg, ds)
	if err != nil {
		t.Fatal(err)
	}
	tr := r.Trigger
	if !tr.PeriodInProgress || tr.Periods != 1 || tr.LastPeriod != "2024-03-01" || tr.LastBar != "2024-03-06" || tr.LastBarClose != 101.8 ||
		*tr.Level != 102 || *tr.DistancePct != 0 || math.Abs(*tr.DistanceFromLastBarPct-100*(102/101.8-1)) > 1e-12 || tr.LastSignal != nil {
		t.Errorf("trigger %+v", tr)
	}
}

// TestJSONContract: the keys scripts read, nulls for figures that do not
// exist (a level before enough history, no signal yet).
func TestJSONContract(t *testing.T) {
	cfg, ds := handWorked(t)
	cfg.Trigger.Lookback = 50 // more than the 10 closes: not ready
	r, err := Compute(context.Background(), cfg, ds)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(r); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"name", "config_hash", "as_of", "inputs", "trigger", "filters", "position", "notes"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing from %s", k, buf.String())
		}
	}
	tr := m["trigger"].(map[string]any)
	for _, k := range []string{"level", "distance_pct", "last_signal"} {
		if v, ok := tr[k]; !ok || v != nil {
			t.Errorf("trigger.%s = %v (present %v), want null", k, v, ok)
		}
	}
	if tr["ready"] != false || tr["rule"] != "donchian" || tr["last_bar"] != "2024-03-08" {
		t.Errorf("trigger %v", tr)
	}
	pos := m["position"].(map[string]any)
	if pos["open"] != false || pos["replayed_through"] != "2024-03-05" {
		t.Errorf("position %v", pos)
	}
	in := m["inputs"].([]any)[1].(map[string]any)
	if in["symbol"] != "BTC" || in["days_behind_trigger"] != 3.0 || in["last"] != "2024-03-05" {
		t.Errorf("input %v", in)
	}
}

// TestFlagshipRealData: the flagship config on the real RUT and BTC files,
// as of RUT's last bar (after BTC's), checked against a plain loop over
// RUT's closes: the highest of the last 252 closes, the last close above
// the highest of its previous 252.
func TestFlagshipRealData(t *testing.T) {
	ds, err := datatest.RealRUTBTC()
	if err != nil {
		t.Skipf("real data absent (../shared): %v", err)
	}
	cfg, err := config.Load("../../configs/r2k_breakout_btc.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compute(context.Background(), cfg, ds)
	if err != nil {
		t.Fatal(err)
	}
	rut, btc := ds.Get("RUT"), ds.Get("BTC")
	n := rut.Len()
	cl := rut.Close
	if r.AsOf != rut.Date[n-1].String() {
		t.Fatalf("as of %s, RUT ends %s", r.AsOf, rut.Date[n-1])
	}
	hi, hiAt := math.Inf(-1), -1
	for i := n - 252; i < n; i++ {
		if cl[i] >= hi { // the latest of equal highs, as the deque keeps
			hi, hiAt = cl[i], i
		}
	}
	if *r.Trigger.Level != hi || r.Trigger.LevelDate != rut.Date[hiAt].String() {
		t.Errorf("level %g of %s, loop %g of %s", *r.Trigger.Level, r.Trigger.LevelDate, hi, rut.Date[hiAt])
	}
	if d := 100 * (hi/cl[n-1] - 1); math.Abs(*r.Trigger.DistancePct-d) > 1e-9 {
		t.Errorf("distance %g, loop %g", *r.Trigger.DistancePct, d)
	}
	last, count := -1, 0
	for i := 252; i < n; i++ {
		m := math.Inf(-1)
		for _, v := range cl[i-252 : i] {
			m = math.Max(m, v)
		}
		if cl[i] > m {
			last, count = i, count+1
		}
	}
	s := r.Trigger.LastSignal
	if last < 0 || s == nil || s.Date != rut.Date[last].String() || s.Close != cl[last] || r.Trigger.Signals != count || s.AgeBars != n-1-last {
		t.Fatalf("last signal %+v of %d, loop %s of %d", s, r.Trigger.Signals, rut.Date[last], count)
	}
	btcEnd := btc.Date[btc.Len()-1]
	if want := rut.Date[last] > btcEnd; s.AfterTargets != want {
		t.Errorf("after targets %v, want %v (BTC ends %s)", s.AfterTargets, want, btcEnd)
	}
	if r.Position.ReplayedThrough != min(btcEnd, rut.Date[n-1]).String() {
		t.Errorf("replayed through %s, BTC ends %s", r.Position.ReplayedThrough, btcEnd)
	}
	t.Logf("as of %s: level %g (%s), distance %+.2f%%, last signal %s (after targets %v), position open %v",
		r.AsOf, hi, rut.Date[hiAt], *r.Trigger.DistancePct, s.Date, s.AfterTargets, r.Position.Open)
}

// TestNewHighRealData: the new_high config on the real RUT: the all-time
// high, its date (the first close at that level), its age and the last
// signal (a close above the previous all-time high at least 365 days old)
// from a plain loop.
func TestNewHighRealData(t *testing.T) {
	ds, err := datatest.RealRUTBTC()
	if err != nil {
		t.Skipf("real data absent (../shared): %v", err)
	}
	cfg, err := config.Load("../../configs/r2k_new_high_btc.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compute(context.Background(), cfg, ds)
	if err != nil {
		t.Fatal(err)
	}
	rut := ds.Get("RUT")
	ath, athDay := rut.Close[0], rut.Date[0]
	var last data.Date
	count := 0
	for i := 1; i < rut.Len(); i++ {
		if rut.Close[i] > ath {
			if int(rut.Date[i]-athDay) >= 365 {
				last, count = rut.Date[i], count+1
			}
			ath, athDay = rut.Close[i], rut.Date[i]
		}
	}
	tr := r.Trigger
	next := rut.Date[rut.Len()-1] + 1
	for !data.NYSE().IsSessionDay(next) {
		next++
	}
	armed := int(next-athDay) >= 365
	if *tr.Level != ath || tr.LevelDate != athDay.String() || tr.Armed != armed || tr.NextDate != next.String() {
		t.Errorf("level %g of %s armed %v next %s; loop %g of %s armed %v next %s", *tr.Level, tr.LevelDate, tr.Armed, tr.NextDate, ath, athDay, armed, next)
	}
	if tr.LastSignal == nil || tr.LastSignal.Date != last.String() || tr.Signals != count {
		t.Errorf("last signal %+v of %d; loop %s of %d", tr.LastSignal, tr.Signals, last, count)
	}
	for _, v := range tr.Values {
		if v.Name == "high_age_days" && v.Value != float64(next-athDay) {
			t.Errorf("high age %g, loop %d", v.Value, next-athDay)
		}
	}
}

// TestRelativeTo: with relative_to the rule runs on the ratio RUT/SPY of
// same-date closes. SPY is 100 on every session but Tue 03-05 (missing), so
// the ratios are RUT/100 without 03-05: 1, 1.01, 1.005, 1.008, 1.02, 1.01,
// 1.018, 1.03, 1.025. Donchian 3 breaks out on 03-01 (1.02 > 1.01) and
// 03-07 (1.03 > 1.02); the level is max(1.018, 1.03, 1.025) = 1.03.
func TestRelativeTo(t *testing.T) {
	cfg, ds := handWorked(t)
	rut := ds.Get("RUT")
	var sd []data.Date
	var sc []float64
	for _, d := range rut.Date {
		if d != data.DateOf(2024, 3, 5) {
			sd, sc = append(sd, d), append(sc, 100)
		}
	}
	ds, err := data.NewDataset(append(ds.Series, series(t, "SPY", data.NYSE(), sd, sc))...)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Trigger.RelativeTo = "SPY"
	r, err := Compute(context.Background(), cfg, ds)
	if err != nil {
		t.Fatal(err)
	}
	tr := r.Trigger
	if tr.Periods != 9 || tr.LastClose != 1.025 || *tr.Level != 1.03 || tr.LevelDate != "2024-03-07" ||
		math.Abs(*tr.DistancePct-100*(1.03/1.025-1)) > 1e-12 || tr.Signals != 2 || tr.LastSignal.Date != "2024-03-07" || tr.LastSignal.AgeBars != 1 {
		t.Errorf("trigger %+v last %+v", tr, tr.LastSignal)
	}
	if in := r.Inputs[len(r.Inputs)-1]; in.Symbol != "FLT" {
		t.Errorf("inputs %+v", r.Inputs)
	}
	found := false
	for _, in := range r.Inputs {
		found = found || (in.Symbol == "SPY" && in.Role == "relative_to" && in.DaysBehind == 0)
	}
	if !found {
		t.Errorf("SPY missing from inputs %+v", r.Inputs)
	}
}
