package backtest

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy/config"
)

// edgeData builds RUT on weekdays and BTC every day over [start, start+days)
// from two functions of the day number.
func edgeData(t *testing.T, days int, rut, btc func(i int) float64) *data.Dataset {
	t.Helper()
	start := data.DateOf(2021, 1, 4)
	var rb, bb []data.Bar
	for i := 0; i < days; i++ {
		d := start + data.Date(i)
		if data.NYSE().IsSessionDay(d) {
			c := rut(i)
			rb = append(rb, data.Bar{Date: d, Open: c, High: c, Low: c, Close: c})
		}
		o, c := btc(i), btc(i+1)
		hi, lo := max(o, c), min(o, c)
		bb = append(bb, data.Bar{Date: d, Open: o, High: hi, Low: lo, Close: c})
	}
	r, err := data.NewSeries("RUT", data.NYSE(), rb)
	if err != nil {
		t.Fatal(err)
	}
	b, err := data.NewSeries("BTC", data.Crypto24x7(), bb)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := data.NewDataset(r, b)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestNumericalEdgeCases: every metric is a number or null with a reason,
// JSON never holds NaN or Inf, and the evidence says why it is thin.
func TestNumericalEdgeCases(t *testing.T) {
	flat := func(int) float64 { return 100 }
	rising := func(i int) float64 { return 100 + float64(i) }
	cases := []struct {
		name     string
		days     int
		rut, btc func(int) float64
		hold     int
		lookback int
		trades   int      // expected number of trades
		na       []string // metrics that must be null with a reason
		verdict  string   // substring of the verdict
		free     bool     // no commission
	}{
		{"zero trades", 60, flat, rising, 10, 5, 0, []string{"win_rate", "profit_factor", "avg_trade_return"}, "No trades", false},
		{"one trade", 60, func(i int) float64 {
			if i >= 20 {
				return 120
			}
			return 100
		}, rising, 0, 5, 1, []string{"profit_factor"}, "too few", false},
		{"all losing trades", 120, rising, func(i int) float64 { return 1000 * (1 - 0.004*float64(i)) }, 2, 1, -1, nil, "", false},
		{"price falls 99.99%", 60, func(i int) float64 {
			if i >= 10 {
				return 120
			}
			return 100
		}, func(i int) float64 {
			if i >= 15 {
				return 0.01
			}
			return 100
		}, 0, 5, 1, nil, "too few", false},
		{"constant prices, no costs", 60, rising, flat, 0, 5, 1, []string{"sharpe", "sortino", "calmar"}, "too few", true},
		{"constant prices with commission", 60, rising, flat, 0, 5, 1, nil, "too few", false},
		{"window of one day", 1, flat, flat, 1, 5, 0, []string{"sharpe", "volatility"}, "No trades", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ds := edgeData(t, tc.days, tc.rut, tc.btc)
			cfg := config.Default()
			cfg.Trigger.Lookback, cfg.Trade.HoldDays = tc.lookback, tc.hold
			cfg.Costs.CommissionBps = 10
			if tc.free {
				cfg.Costs.CommissionBps = 0
			}
			o, err := Run(context.Background(), cfg, ds, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(o.Report)
			if err != nil {
				t.Fatalf("report does not encode: %v", err)
			}
			if bytes.Contains(b, []byte("NaN")) || bytes.Contains(b, []byte("Inf")) {
				t.Fatal("JSON holds NaN or Inf")
			}
			m := o.Report.Metrics
			if tc.trades >= 0 && m.Trades != tc.trades {
				t.Fatalf("trades = %d, want %d", m.Trades, tc.trades)
			}
			if tc.trades < 0 {
				if m.Trades < 5 || float64(m.WinRate) != 0 || float64(m.ProfitFactor) != 0 {
					t.Fatalf("want several trades, all losing (win rate 0, profit factor 0): %d trades, win rate %v, profit factor %v",
						m.Trades, m.WinRate, m.ProfitFactor)
				}
			}
			checkNA(t, m, tc.na)
			ev := o.Report.Evidence
			if ev.Verdict == "" || !strings.Contains(strings.ToLower(ev.Verdict), strings.ToLower(tc.verdict)) {
				t.Errorf("verdict %q does not say %q", ev.Verdict, tc.verdict)
			}
			if ev.Episodes < results.MinSamples && (!ev.TooFew || ev.Warning == "") {
				t.Errorf("%d episodes but no too-few warning", ev.Episodes)
			}
		})
	}
}

// checkNA requires each named metric to be null in JSON and explained by a
// note, and every null metric to be explained.
func checkNA(t *testing.T, m results.Metrics, want []string) {
	t.Helper()
	var asMap map[string]any
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &asMap)
	noted := map[string]bool{}
	for _, n := range m.Notes {
		if n.Reason == "" {
			t.Errorf("note for %s has no reason", n.Metric)
		}
		noted[n.Metric] = true
	}
	for _, k := range want {
		if v, ok := asMap[k]; !ok || v != nil {
			t.Errorf("%s = %v, want null", k, v)
		}
	}
	rv := reflect.ValueOf(m)
	for i := 0; i < rv.NumField(); i++ {
		tag := strings.Split(rv.Type().Field(i).Tag.Get("json"), ",")[0]
		if v, ok := rv.Field(i).Interface().(results.Value); ok && !v.Valid() && !noted[tag] {
			t.Errorf("%s is n/a without a reason", tag)
		}
	}
}
