package strategy

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// statusParams gives every registered rule parameters it accepts, small
// enough that a short series exercises ready, armed and unarmed states.
func statusParams(rule string) BreakoutParams {
	return BreakoutParams{Rule: Rule(rule), Timeframe: Daily, Confirm: 1, Lookback: 5, MinDaysSinceHigh: 4,
		RangeDays: 4, MaxRange: 0.06, MADays: 4, Fast: 2, Slow: 5}
}

// TestEveryRuleStatusPredictsNext: for every registered trigger rule, after
// every prefix of a random series (flat stretches and ties included), the
// reported status predicts the next period close exactly: a close x fires
// (through the same trigger state as the backtest, margin 0 and 2 %) iff
// Ready, Armed and x > Level. Each prediction is checked by feeding a fresh
// state the prefix and then x.
func TestEveryRuleStatusPredictsNext(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 5))
	closes := make([]float64, 70)
	c := 100.0
	for i := range closes {
		switch {
		case i%17 < 5: // a flat stretch (equal closes: ties)
		default:
			c *= math.Exp(0.03 * rng.NormFloat64())
		}
		closes[i] = math.Round(c*100) / 100
	}
	d0 := data.DateOf(2024, 1, 1)
	for _, r := range TriggerRules() {
		for _, margin := range []float64{0, 0.02} {
			p := statusParams(r.Name)
			p.Margin = margin
			// feed returns a fresh trigger state fed the prefix.
			feed := func(prefix []float64) *triggerState {
				ts := &triggerState{}
				if err := ts.reset(p, r, data.NYSE(), len(prefix)+1); err != nil {
					t.Fatal(err)
				}
				for i, cl := range prefix {
					ts.periodClose(cl, d0+data.Date(i))
				}
				return ts
			}
			fired, armedOff, checked := 0, 0, 0
			for n := 0; n < len(closes); n++ {
				next := d0 + data.Date(n)
				ts := feed(closes[:n])
				st := ts.rule.(StatusReporter).Status(next, margin)
				// Status only reads: the state it was called on goes on as
				// a fresh one does.
				if n < len(closes) {
					a, b := ts.periodClose(closes[n], next), feed(closes[:n]).periodClose(closes[n], next)
					if a.signal() != b.signal() || (a.signal() && a.level != b.level) || a.value != b.value {
						t.Fatalf("%s: Status changed the state after %d closes", r.Name, n)
					}
				}
				if st.Ready && !(st.Level == st.Level) {
					t.Fatalf("%s: ready with a NaN level after %d closes", r.Name, n)
				}
				if st.Ready && !st.Armed {
					armedOff++
					if st.Why == "" {
						t.Errorf("%s: not armed without a reason after %d closes", r.Name, n)
					}
				}
				cands := []float64{1e-3, 1e6, closes[n], closes[n] * 1.05, closes[n] * 0.95}
				if st.Ready && st.Level > 0 {
					for _, f := range []float64{1e-6, 1e-3, 0.02} {
						cands = append(cands, st.Level*(1+f), st.Level*(1-f))
					}
				}
				for _, x := range cands {
					if st.Ready && math.Abs(x-st.Level) <= 1e-9*math.Abs(st.Level) {
						continue // the boundary itself is a matter of the last bit
					}
					pc := feed(closes[:n]).periodClose(x, next)
					want := st.Ready && st.Armed && x > st.Level
					if pc.signal() != want {
						t.Fatalf("%s margin %g after %d closes: close %.10g fired=%v, status %+v predicts %v",
							r.Name, margin, n, x, pc.signal(), st, want)
					}
					if pc.signal() {
						fired++
					}
					checked++
				}
			}
			if fired == 0 || checked < 100 {
				t.Errorf("%s margin %g: %d fires over %d checks: the test exercised nothing", r.Name, margin, fired, checked)
			}
			if r.Name != string(Donchian) && armedOff == 0 {
				t.Errorf("%s margin %g: never unarmed: the armed condition went untested", r.Name, margin)
			}
		}
	}
}

// statusOf runs TriggerStatusOf on RUT weekday closes from Monday
// 2024-01-08 with flat BTC beside them.
func statusOf(t *testing.T, closes []float64, p BreakoutParams) TriggerStatus {
	t.Helper()
	rut := rutDays(t, data.DateOf(2024, 1, 8), closes)
	ds, err := data.NewDataset(rut, btcFor(t, rut))
	if err != nil {
		t.Fatal(err)
	}
	p.Trigger, p.Targets, p.Allocation = "RUT", []string{"BTC"}, 1
	last := rut.Date[rut.Len()-1]
	st, err := TriggerStatusOf(engine.NewPlan(ds), p, last+1)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func value(st RuleStatus, name string) float64 {
	for _, v := range st.Values {
		if v.Name == name {
			return v.Value
		}
	}
	return math.NaN()
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestTriggerStatusHandWorked: level, its date, the last signal and the
// armed state of each rule on series worked by hand (weekdays from Mon
// 2024-01-08: index 4 is Fri 01-12, 5 Mon 01-15, 7 Wed 01-17, 9 Fri 01-19).
func TestTriggerStatusHandWorked(t *testing.T) {
	t.Run("donchian", func(t *testing.T) {
		// lookback 3: breakouts at i=3 (104 > 103) and i=6 (108 > 107);
		// the last 3 closes 107,108,105 give level 108 of i=6 (01-16); with
		// 1 % margin 109.08.
		st := statusOf(t, []float64{100, 103, 101, 104, 102, 107, 108, 105}, BreakoutParams{Rule: Donchian, Lookback: 3, Margin: 0.01})
		if !st.Rule.Ready || !st.Rule.Armed || !near(st.Rule.Level, 109.08) || st.LevelDate != data.DateOf(2024, 1, 16) {
			t.Errorf("level %+v date %s, want 109.08 of 2024-01-16", st.Rule, st.LevelDate)
		}
		// Signals with 1 % margin: i=3 104 > 103x1.01=104.03? no. i=5 107 >
		// 104x1.01=105.04 yes. i=6 108 > 107x1.01=108.07? no.
		if st.Signals != 1 || st.LastSignal.Date != data.DateOf(2024, 1, 15) || st.LastSignal.Level != 104 || st.LastSignal.Close != 107 {
			t.Errorf("last signal %+v of %d, want 2024-01-15 level 104 close 107 of 1", st.LastSignal, st.Signals)
		}
		if st.LastDate != data.DateOf(2024, 1, 17) || st.LastClose != 105 || st.Periods != 8 {
			t.Errorf("last close %s %g of %d periods", st.LastDate, st.LastClose, st.Periods)
		}
	})
	t.Run("new_high", func(t *testing.T) {
		// ATH 110 at i=2 (Wed 01-10); next date 01-18 (last 01-17 + 1):
		// 8 days old, min 10 -> not armed, armed from 01-20.
		st := statusOf(t, []float64{100, 105, 110, 104, 103, 102, 101, 100}, BreakoutParams{Rule: NewHigh, MinDaysSinceHigh: 10})
		if !st.Rule.Ready || st.Rule.Armed || st.Rule.Level != 110 || st.LevelDate != data.DateOf(2024, 1, 10) ||
			value(st.Rule, "high_age_days") != 8 {
			t.Errorf("status %+v date %s, want level 110 of 2024-01-10, 8 days old, unarmed", st.Rule, st.LevelDate)
		}
		// New highs at i=1 and 2 are 1 day after the previous: no signals.
		if st.Signals != 0 || st.LastSignal.Index != -1 {
			t.Errorf("signals %d, last %+v", st.Signals, st.LastSignal)
		}
	})
	t.Run("range_breakout", func(t *testing.T) {
		// lookback 2, range 3, max 10 %: last closes 100,104,103 -> band
		// 100..104 (4 %) armed, level max(104,103) = 104 of i=6 (01-16).
		st := statusOf(t, []float64{100, 130, 100, 101, 100, 100, 104, 103}, BreakoutParams{Rule: "range_breakout", Lookback: 2, RangeDays: 3, MaxRange: 0.1})
		if !st.Rule.Armed || st.Rule.Level != 104 || st.LevelDate != data.DateOf(2024, 1, 16) ||
			value(st.Rule, "band_low") != 100 || value(st.Rule, "band_high") != 104 {
			t.Errorf("status %+v date %s", st.Rule, st.LevelDate)
		}
		// i=6 104 > max(100,100), range 101,100,100 (1 %) -> signal.
		if st.Signals != 1 || st.LastSignal.Date != data.DateOf(2024, 1, 16) || st.LastSignal.Level != 100 {
			t.Errorf("last signal %+v of %d", st.LastSignal, st.Signals)
		}
	})
	t.Run("above_ma", func(t *testing.T) {
		// MA(3) of 12,9,9 = 10, last 9 <= 10 armed; the next close x
		// crosses when x > (9+9+x)/3 <=> x > 9.
		st := statusOf(t, []float64{10, 10, 10, 12, 9, 9}, BreakoutParams{Rule: "above_ma", MADays: 3})
		if !st.Rule.Armed || !near(st.Rule.Level, 9) || !near(value(st.Rule, "ma"), 10) {
			t.Errorf("status %+v", st.Rule)
		}
		// i=3 12 > MA 10.67 after 10 == 10 -> one signal, Thu 01-11.
		if st.Signals != 1 || st.LastSignal.Date != data.DateOf(2024, 1, 11) {
			t.Errorf("last signal %+v of %d", st.LastSignal, st.Signals)
		}
	})
	t.Run("ma_cross", func(t *testing.T) {
		// fast 2, slow 3 over 10,10,10,12,8,8: fast 8 <= slow 9.33, armed;
		// next x: (8+x)/2 > (8+8+x)/3 <=> 24+3x > 32+2x <=> x > 8.
		st := statusOf(t, []float64{10, 10, 10, 12, 8, 8}, BreakoutParams{Rule: "ma_cross", Fast: 2, Slow: 3})
		if !st.Rule.Armed || !near(st.Rule.Level, 8) || !near(value(st.Rule, "fast_ma"), 8) || !near(value(st.Rule, "slow_ma"), 28.0/3) {
			t.Errorf("status %+v", st.Rule)
		}
		// i=2 first averages 10 == 10; i=3 fast 11 > slow 10.67 -> signal
		// Thu 01-11; i=4 10 == 10; i=5 8 < 9.33.
		if st.Signals != 1 || st.LastSignal.Date != data.DateOf(2024, 1, 11) {
			t.Errorf("last signal %+v of %d", st.LastSignal, st.Signals)
		}
	})
	t.Run("confirmation pending", func(t *testing.T) {
		// donchian 2, confirm 2: i=2 103 > 101 starts, i=3 102 > 101
		// confirms (level 101, Thu 01-11). i=5 105 > max(102,100) starts
		// a new one at level 102, awaiting its second close.
		st := statusOf(t, []float64{100, 101, 103, 102, 100, 105}, BreakoutParams{Rule: Donchian, Lookback: 2, Confirm: 2})
		if st.Confirming != 1 || st.ConfirmLevel != 102 || st.LastSignal.Date != data.DateOf(2024, 1, 11) || st.LastSignal.Level != 101 {
			t.Errorf("confirming %d at %g, last %+v", st.Confirming, st.ConfirmLevel, st.LastSignal)
		}
	})
}

// TestFilterStatusAgreesWithBacktest: for every registered filter rule (and
// two filters together, one of them with a series that ends early), the
// verdict of FilterStatusAt at each signal's instant is the outcome the
// backtest logged for that signal: blocks -> "filter", else no data ->
// "filter_no_data", else acted.
func TestFilterStatusAgreesWithBacktest(t *testing.T) {
	ds, err := data.Synthetic(data.DefaultSynthetic(21))
	if err != nil {
		t.Fatal(err)
	}
	cut := *ds.Get("ADA").Slice(0, 900)
	cut.Symbol = "ADA_CUT"
	ds, err = data.NewDataset(append(ds.Series, &cut)...)
	if err != nil {
		t.Fatal(err)
	}
	plan := engine.NewPlan(ds)
	eth := slices.Clone(ds.Get("ETH").Close)
	slices.Sort(eth)
	mid := eth[len(eth)/2] // a level both above and below pass sometimes
	params := map[string]FilterParams{
		"falling": {Symbol: "ETH", Rule: "falling", Lookback: 10}, "rising": {Symbol: "ETH", Rule: "rising", Lookback: 10},
		"below": {Symbol: "ETH", Rule: "below", Level: mid}, "above": {Symbol: "ETH", Rule: "above", Level: mid},
		"above_ma": {Symbol: "ETH", Rule: "above_ma", MADays: 50}, "below_ma": {Symbol: "ETH", Rule: "below_ma", MADays: 50},
	}
	var sets [][]FilterParams
	for _, r := range FilterRules() {
		f, ok := params[r.Name]
		if !ok {
			t.Fatalf("filter rule %q has no parameters in this test", r.Name)
		}
		sets = append(sets, []FilterParams{f})
	}
	sets = append(sets, []FilterParams{{Symbol: "ADA_CUT", Rule: "rising", Lookback: 5}, params["below_ma"]})
	for _, fs := range sets {
		p := BreakoutParams{Trigger: "RUT", Rule: Donchian, Lookback: 20, Confirm: 1, Targets: []string{"BTC"}, Allocation: 1, HoldDays: 3, Filters: fs}
		s, err := NewBreakout(p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := engine.Run(context.Background(), plan, s, engine.Options{Capital: 1000, Trigger: "RUT", Targets: []string{"BTC"}})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, sig := range res.Signals {
			if sig.Reason == "in_position" || sig.Reason == "cooldown" {
				continue
			}
			blocks, noData := false, false
			for _, f := range fs {
				st, err := FilterStatusAt(f, ds.Get(f.Symbol), sig.Time)
				if err != nil {
					t.Fatal(err)
				}
				blocks = blocks || st.State == FilterBlocks
				noData = noData || st.State == FilterNoData
			}
			want := ""
			switch {
			case blocks:
				want = ReasonFilter
			case noData:
				want = ReasonFilterNoData
			}
			if sig.Reason != want {
				t.Fatalf("%v: signal at %s logged %q, status says %q", fs, data.DateFromUnix(sig.Time), sig.Reason, want)
			}
			seen[want]++
		}
		if seen[""] == 0 || seen[ReasonFilter] == 0 || seen[ReasonFilterNoData] == 0 {
			t.Errorf("%v: outcomes %v: every verdict should occur", fs, seen)
		}
	}
}
