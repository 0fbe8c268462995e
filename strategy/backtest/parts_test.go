package backtest

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// partsData is the synthetic data set of the generic part tests, with a
// second NYSE index (SPX, for relative_to and filters) and a positive
// rate-like series (RATE, for the cash rate).
func partsData(t *testing.T) *data.Dataset {
	t.Helper()
	o := data.DefaultSynthetic(11)
	o.Symbols = append(o.Symbols,
		data.SyntheticSpec{Symbol: "SPX", Calendar: data.NYSE(), Start: data.DateOf(1993, 1, 29), Price: 440, Drift: 0.08, Vol: 0.16},
		data.SyntheticSpec{Symbol: "RATE", Calendar: data.Crypto24x7(), Start: data.DateOf(1990, 1, 1), Price: 4, Drift: 0, Vol: 0.2})
	ds, err := data.Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// ruleVariants returns, for a registered trigger rule, settings of its own
// keys read from the registry and the key defaults: every integer key scaled
// by the same factor, so that any new rule gets sensible variations without
// writing them.
func ruleVariants(t *testing.T, r strategy.TriggerRule) [][]string {
	t.Helper()
	defaults := map[string]config.KeyDoc{}
	for _, d := range config.KeyDocs() {
		defaults[d.Key] = d
	}
	var out [][]string
	for _, f := range []float64{0.1, 0.4} {
		sets := []string{"trigger.rule=" + r.Name}
		for _, k := range r.Keys {
			d, ok := defaults[k]
			if !ok {
				t.Fatalf("rule %s reads %s, which is not a config key", r.Name, k)
			}
			if d.Type == "int" {
				v, err := strconv.Atoi(d.Default)
				if err != nil {
					t.Fatalf("%s default %q", k, d.Default)
				}
				sets = append(sets, fmt.Sprintf("%s=%d", k, max(1, int(math.Round(float64(v)*f)))))
			}
		}
		out = append(out, sets)
	}
	return out
}

// TestEveryRuleCachedEqualsLive is generic over the registry: for every
// registered trigger rule, with and without filters (a list with a series
// that starts late, so some signals have no filter data), on one target and
// a basket, daily and weekly, with time exits or price exits, fixed and
// vol-target sizing, relative or not, with and without a cash rate, the
// sweep path (TrialRunner: precomputed trigger signals, engine jumps)
// equals the config run alone (backtest.RunWith: live trigger) result for
// result: signals, trades, equity curve, metrics and evidence counts.
func TestEveryRuleCachedEqualsLive(t *testing.T) {
	ds := partsData(t)
	sh := NewShared(ds)
	tr := NewTrialRunner(sh)
	rules := strategy.TriggerRules()
	if len(rules) < 5 {
		t.Fatalf("%d registered rules, want at least the 5 built-ins", len(rules))
	}
	variants := [][]string{
		{"trade.targets=BTC", "trade.hold_days=30"},
		{"trade.targets=[ETH,SOL,ADA]", "trade.hold_days=0", "trade.trailing_stop=0.25", "trade.stop_loss=0.1", "trade.take_profit=0.5",
			"trade.exit_on_failed_breakout=true", "trade.sizing=vol_target", "trade.vol_target=0.5", "trade.vol_days=20"},
	}
	filters := [][]string{nil, {"trade.filters=[{symbol: DOT, rule: falling, lookback: 10}, {symbol: SPX, rule: above_ma, ma_days: 50}]"}}
	extras := [][]string{nil, {"trigger.timeframe=weekly", "trigger.relative_to=SPX", "cash.rate_symbol=RATE", "trigger.confirm=2",
		"data.end=2024-12-31"}} // alternating windows: the runner's parsed-date and benchmark memos must follow
	n, withTrades, noData := 0, 0, 0
	for _, r := range rules {
		for _, rv := range ruleVariants(t, r) {
			for _, v := range variants {
				for _, f := range filters {
					for _, x := range extras {
						sets := append(append(append(append([]string{"data.start=2016-01-01", "costs.slippage_bps=5"}, rv...), v...), f...), x...)
						cfg, err := config.Override(config.Default(), sets...)
						if err != nil {
							t.Fatalf("%v: %v", sets, err)
						}
						want, err := RunWith(context.Background(), cfg, ds, sh.Plan, Options{Resamples: 20, RandomEntries: -1})
						if err != nil {
							t.Fatalf("%v: %v", sets, err)
						}
						got, err := tr.Run(context.Background(), cfg)
						if err != nil {
							t.Fatalf("%v: %v", sets, err)
						}
						a, b := want.Result, got.Result
						// (slices compared by content: a reused runner's empty
						// slice equals a fresh run's nil one)
						if !slices.Equal(a.Signals, b.Signals) || !slices.Equal(a.Trades, b.Trades) ||
							!reflect.DeepEqual(a.Equity, b.Equity) || !reflect.DeepEqual(a.Invested, b.Invested) {
							t.Fatalf("%v: sweep path differs from the run: %d/%d signals, %d/%d trades; %s", sets,
								len(a.Signals), len(b.Signals), len(a.Trades), len(b.Trades), firstEquityDiff(a.Equity, b.Equity, a.Invested, b.Invested))
						}
						if js(t, got.Metrics) != js(t, want.Report.Metrics) || js(t, got.Benchmark) != js(t, want.Report.Benchmark) {
							t.Fatalf("%v: metrics differ", sets)
						}
						e, w := got.Evidence, want.Report.Evidence
						if e.Signals != w.Signals || e.Trades != w.Trades || e.Episodes != w.Episodes || e.TooFew != w.TooFew {
							t.Fatalf("%v: evidence counts differ", sets)
						}
						n++
						if len(a.Trades) > 0 {
							withTrades++
						}
						for _, s := range a.Signals {
							if s.Reason == strategy.ReasonFilterNoData {
								noData++
								break
							}
						}
					}
				}
			}
		}
	}
	// The comparison must not be vacuous.
	if withTrades < n/2 || noData == 0 {
		t.Errorf("%d configs: %d with trades, %d with filter_no_data signals; the comparison is too weak", n, withTrades, noData)
	}
	t.Logf("%d configs over %d rules: %d with trades, %d with filter_no_data", n, len(rules), withTrades, noData)
}

// TestSweepOverRules: one sweep-style set of trials over trigger.rule in
// {donchian, range_breakout, above_ma} runs, each trial equal to its run,
// and the rules give different results.
func TestSweepOverRules(t *testing.T) {
	ds := partsData(t)
	sh := NewShared(ds)
	tr := NewTrialRunner(sh)
	seen := map[string]bool{}
	for _, rule := range []string{"donchian", "range_breakout", "above_ma"} {
		cfg, err := config.Override(config.Default(), "trigger.rule="+rule, "trade.hold_days=30")
		if err != nil {
			t.Fatal(err)
		}
		got, err := tr.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		seen[fmt.Sprint(len(got.Result.Signals), got.Metrics.TotalReturn)] = true
	}
	if len(seen) != 3 {
		t.Errorf("three rules gave %d distinct results", len(seen))
	}
}

func firstEquityDiff(a, b, ia, ib []float64) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d vs %d equity days", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] || ia[i] != ib[i] {
			return fmt.Sprintf("day %d: equity %v vs %v, invested %v vs %v", i, a[i], b[i], ia[i], ib[i])
		}
	}
	return "signals or trades differ"
}
