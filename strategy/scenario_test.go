package strategy

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

func utc(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

func mustSeries(t *testing.T, sym string, cal data.Calendar, bars []data.Bar) *data.Series {
	t.Helper()
	s, err := data.NewSeries(sym, cal, bars)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// flat makes a bar with open, close and a range around them.
func bar(d data.Date, open, close float64) data.Bar {
	return data.Bar{Date: d, Open: open, High: math.Max(open, close) * 1.001, Low: math.Min(open, close) * 0.999, Close: close, Volume: 1}
}

// TestFridayBreakoutBuysSaturdayOpen is the hand-built scenario of the
// foundation issue. Russell closes Mon..Fri 2024-01-08..12 are 100, 101,
// 100.5, 100.8, 102; with lookback 3 only Friday breaks out (102 > max(101,
// 100.5, 100.8) = 101) at 16:00 New York = 21:00Z (EST). BTC trades every day;
// the first BTC bar opening at or after Friday 21:00Z is Saturday 2024-01-13
// 00:00Z, open 40,000.
//
// Costs: commission 10 bps, slippage 20 bps, capital 100,000, allocation 1.
//
//	buy price  = 40,000 x 1.002                 = 40,080
//	units      = 100,000 / (40,080 x 1.001)     = 2.492517462577343
//	cash after = 100,000 - units x 40,080 x 1.001 = 0
//
// Hold 3 days: exit at the close of the BTC bar dated 2024-01-13 + 3 =
// 2024-01-16 (close time 2024-01-17 00:00Z), close 42,000.
//
//	sell price = 42,000 x 0.998                 = 41,916
//	proceeds   = units x 41,916 x 0.999         = 104,371.8856
//	return     = proceeds / 100,000 - 1         = 0.043718856
//
// Equity at the end of 2024-01-13 (BTC close 40,500) = units x 40,500 =
// 100,946.96; at the end of 2024-01-17 = cash = 104,371.89.
func TestFridayBreakoutBuysSaturdayOpen(t *testing.T) {
	nyse, crypto := data.NYSE(), data.Crypto24x7()
	rut := mustSeries(t, "RUT", nyse, []data.Bar{
		bar(data.DateOf(2024, 1, 8), 100, 100),
		bar(data.DateOf(2024, 1, 9), 100, 101),
		bar(data.DateOf(2024, 1, 10), 101, 100.5),
		bar(data.DateOf(2024, 1, 11), 100.5, 100.8),
		bar(data.DateOf(2024, 1, 12), 100.8, 102),
		bar(data.DateOf(2024, 1, 16), 102, 101.5), // Monday 15th: MLK day, no bar
		bar(data.DateOf(2024, 1, 17), 101.5, 101),
		bar(data.DateOf(2024, 1, 18), 101, 101.2),
	})
	btcCloses := map[data.Date][2]float64{ // open, close
		data.DateOf(2024, 1, 13): {40000, 40500},
		data.DateOf(2024, 1, 14): {40500, 41000},
		data.DateOf(2024, 1, 15): {41000, 41500},
		data.DateOf(2024, 1, 16): {41500, 42000},
	}
	var btcBars []data.Bar
	for d := data.DateOf(2024, 1, 8); d <= data.DateOf(2024, 1, 19); d++ {
		oc, ok := btcCloses[d]
		if !ok {
			oc = [2]float64{39000, 39000}
			if d > data.DateOf(2024, 1, 16) {
				oc = [2]float64{42000, 43000}
			}
		}
		btcBars = append(btcBars, bar(d, oc[0], oc[1]))
	}
	btc := mustSeries(t, "BTC", crypto, btcBars)
	ds, err := data.NewDataset(rut, btc)
	if err != nil {
		t.Fatal(err)
	}
	strat, err := NewBreakout(BreakoutParams{Trigger: "RUT", Rule: Donchian, Lookback: 3, Confirm: 1,
		Targets: []string{"BTC"}, Allocation: 1, HoldDays: 3})
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(context.Background(), engine.NewPlan(ds), strat, engine.Options{
		Capital: 100000, CommissionBps: 10, SlippageBps: 20, Trigger: "RUT", Targets: []string{"BTC"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Signals) != 1 {
		t.Fatalf("signals = %d, want 1 (Friday): %+v", len(res.Signals), res.Signals)
	}
	sig := res.Signals[0]
	if sig.Time != utc("2024-01-12T21:00:00Z") || sig.Level != 101 || sig.Close != 102 || !sig.Acted {
		t.Errorf("signal = %+v, want Friday 21:00Z, level 101, close 102, acted", sig)
	}
	if len(res.Trades) != 1 {
		t.Fatalf("trades = %d, want 1", len(res.Trades))
	}
	tr := res.Trades[0]
	const units = 2.492517462577343
	checks := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"entry time", float64(tr.EntryTime), float64(utc("2024-01-13T00:00:00Z")), 0},
		{"entry price", tr.EntryPrice, 40080, 1e-9},
		{"units", tr.Units, units, 1e-12},
		{"cost", tr.Cost, 100000, 0.005},
		{"exit time", float64(tr.ExitTime), float64(utc("2024-01-17T00:00:00Z")), 0},
		{"exit price", tr.ExitPrice, 41916, 1e-9},
		{"proceeds", tr.Proceeds, 104371.89, 0.005},
		{"return", tr.Return, 0.0437188560, 1e-9},
		{"commission", tr.Commission, 204.38, 0.005},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %.10f, want %.10f", c.name, c.got, c.want)
		}
	}
	if tr.ExitReason != engine.ExitHold {
		t.Errorf("exit reason = %q, want hold", tr.ExitReason)
	}
	eq := func(d data.Date) float64 {
		for i, x := range res.Dates {
			if x == d {
				return res.Equity[i]
			}
		}
		t.Fatalf("no equity for %s", d)
		return 0
	}
	if got := eq(data.DateOf(2024, 1, 12)); math.Abs(got-100000) > 0.005 {
		t.Errorf("equity 2024-01-12 = %.2f, want 100000.00 (flat before the fill)", got)
	}
	if got := eq(data.DateOf(2024, 1, 13)); math.Abs(got-100946.96) > 0.005 {
		t.Errorf("equity 2024-01-13 = %.4f, want 100946.96", got)
	}
	if got := eq(data.DateOf(2024, 1, 18)); math.Abs(got-104371.89) > 0.005 {
		t.Errorf("equity 2024-01-18 = %.4f, want 104371.89 (all cash)", got)
	}
	// The window: BTC's first open to the earliest last close (RUT 2024-01-18 16:00 EST).
	if res.WindowStart != utc("2024-01-08T00:00:00Z") || res.WindowEnd != utc("2024-01-18T21:00:00Z") {
		t.Errorf("window = %d..%d", res.WindowStart, res.WindowEnd)
	}
}

// TestDSTWeekCloseAndFill checks the close times of breakouts in the weeks New
// York changes its clocks (2024-03-10 spring forward, 2024-11-03 fall back)
// and the fill each gets, for both fill modes.
func TestDSTWeekCloseAndFill(t *testing.T) {
	cases := []struct {
		name      string
		days      []data.Date // RUT dates; the last one breaks out
		fill      engine.FillMode
		wantSig   string
		wantEntry string
		wantPrice float64 // raw BTC price the entry fills at
	}{
		{"monday after spring forward, next open", []data.Date{data.DateOf(2024, 3, 6), data.DateOf(2024, 3, 7), data.DateOf(2024, 3, 8), data.DateOf(2024, 3, 11)},
			engine.NextOpen, "2024-03-11T20:00:00Z", "2024-03-12T00:00:00Z", 1012},
		{"friday before spring forward", []data.Date{data.DateOf(2024, 3, 5), data.DateOf(2024, 3, 6), data.DateOf(2024, 3, 7), data.DateOf(2024, 3, 8)},
			engine.NextOpen, "2024-03-08T21:00:00Z", "2024-03-09T00:00:00Z", 1009},
		{"friday before fall back", []data.Date{data.DateOf(2024, 10, 29), data.DateOf(2024, 10, 30), data.DateOf(2024, 10, 31), data.DateOf(2024, 11, 1)},
			engine.NextOpen, "2024-11-01T20:00:00Z", "2024-11-02T00:00:00Z", 1002},
		{"monday after fall back, next close", []data.Date{data.DateOf(2024, 10, 30), data.DateOf(2024, 10, 31), data.DateOf(2024, 11, 1), data.DateOf(2024, 11, 4)},
			engine.NextClose, "2024-11-04T21:00:00Z", "2024-11-06T00:00:00Z", 1005.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rb []data.Bar
			for i, d := range tc.days {
				c := 100.0
				if i == len(tc.days)-1 {
					c = 110
				}
				rb = append(rb, bar(d, 100, c))
			}
			// two later sessions keep the window open past the fill
			for d, added := tc.days[len(tc.days)-1]+1, 0; added < 2; d++ {
				if data.NYSE().IsSessionDay(d) {
					rb = append(rb, bar(d, 100, 100))
					added++
				}
			}
			rut := mustSeries(t, "RUT", data.NYSE(), rb)
			// BTC: open on day d = 1000 + day of month; close = open + 0.5.
			var bb []data.Bar
			for d := tc.days[0] - 3; d <= tc.days[len(tc.days)-1]+5; d++ {
				o := 1000 + float64(d.Time().Day())
				bb = append(bb, bar(d, o, o+0.5))
			}
			btc := mustSeries(t, "BTC", data.Crypto24x7(), bb)
			ds, _ := data.NewDataset(rut, btc)
			strat, _ := NewBreakout(BreakoutParams{Trigger: "RUT", Rule: Donchian, Lookback: 3, Confirm: 1,
				Targets: []string{"BTC"}, Allocation: 1, HoldDays: 1})
			res, err := engine.Run(context.Background(), engine.NewPlan(ds), strat, engine.Options{
				Capital: 1000, Fill: tc.fill, Trigger: "RUT", Targets: []string{"BTC"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Signals) != 1 || res.Signals[0].Time != utc(tc.wantSig) {
				t.Fatalf("signals = %+v, want one at %s", res.Signals, tc.wantSig)
			}
			if len(res.Trades) != 1 || res.Trades[0].EntryTime != utc(tc.wantEntry) || res.Trades[0].EntryPrice != tc.wantPrice {
				t.Fatalf("trades = %+v, want entry at %s price %v", res.Trades, tc.wantEntry, tc.wantPrice)
			}
		})
	}
}

func timeOfDay(t int64) time.Duration {
	return time.Duration(t-data.DateFromUnix(t).Unix()) * time.Second
}
