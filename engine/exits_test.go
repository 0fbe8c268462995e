package engine

import (
	"fmt"
	"math"
	"testing"
)

// TestStopLossTakeProfit: entry at the open of bar 1 (100); stop loss 5%
// (95) and take profit 8% (108), live from the entry bar, with the trailing
// stop's fill semantics: a touch fills at the level at the bar's close
// time, a gap through fills at the open at the open time; a bar touching
// both exits at the stop (the worse, the path inside the bar unknown); the
// higher of the trailing stop and the stop loss applies.
func TestStopLossTakeProfit(t *testing.T) {
	bar1 := [4]float64{100, 104, 99, 103} // no level touched
	cases := []struct {
		name       string
		bar2       [4]float64
		exits      Exits
		wantPrice  float64
		wantReason ExitReason
		wantTime   string
	}{
		{"stop loss touched", [4]float64{100, 101, 94, 100}, Exits{StopLoss: 0.05, TakeProfit: 0.08}, 95, ExitStopLoss, "2024-01-04T00:00:00Z"},
		{"gap below the stop loss fills at the open", [4]float64{93, 94, 90, 92}, Exits{StopLoss: 0.05, TakeProfit: 0.08}, 93, ExitStopLoss, "2024-01-03T00:00:00Z"},
		{"take profit touched", [4]float64{104, 109, 103, 105}, Exits{StopLoss: 0.05, TakeProfit: 0.08}, 108, ExitTakeProfit, "2024-01-04T00:00:00Z"},
		{"gap above the take profit fills at the open", [4]float64{110, 112, 109, 111}, Exits{StopLoss: 0.05, TakeProfit: 0.08}, 110, ExitTakeProfit, "2024-01-03T00:00:00Z"},
		{"both touched: the stop", [4]float64{100, 109, 94, 100}, Exits{StopLoss: 0.05, TakeProfit: 0.08}, 95, ExitStopLoss, "2024-01-04T00:00:00Z"},
		// trailing 10% from the close 103 is 92.7 < 95: the stop loss rules.
		{"stop loss above the trailing stop", [4]float64{100, 101, 94, 100}, Exits{StopLoss: 0.05, TrailingStop: 0.10}, 95, ExitStopLoss, "2024-01-04T00:00:00Z"},
		// trailing 2% from 103 is 100.94 > 95: the trailing stop rules.
		{"trailing stop above the stop loss", [4]float64{102, 103, 100, 101}, Exits{StopLoss: 0.05, TrailingStop: 0.02}, 103 * 0.98, ExitTrailingStop, "2024-01-04T00:00:00Z"},
		{"nothing touched: open at the end", [4]float64{101, 104, 96, 103}, Exits{StopLoss: 0.05, TakeProfit: 0.08}, 107, ExitOpen, "2024-01-05T00:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			btc := ohlc(t, "BTC", [][4]float64{{90, 91, 89, 90}, bar1, tc.bar2, {104, 107, 101, 107}})
			st := &script{enterAt: map[int][]int{0: {0}}, weight: 1, exits: tc.exits}
			res := run(t, st, Options{}, btc)
			if len(res.Trades) != 1 {
				t.Fatalf("trades = %+v", res.Trades)
			}
			tr := res.Trades[0]
			if math.Abs(tr.ExitPrice-tc.wantPrice) > 1e-9 || tr.ExitReason != tc.wantReason || timeString(tr.ExitTime) != tc.wantTime {
				t.Errorf("exit = %.6f %s at %s, want %.6f %s at %s", tr.ExitPrice, tr.ExitReason, timeString(tr.ExitTime), tc.wantPrice, tc.wantReason, tc.wantTime)
			}
			// The order log: the stop and the take-profit limit are orders
			// from the entry on; the one that exits is filled with the
			// reason, the other cancelled.
			filled := ""
			for _, o := range res.Orders {
				if o.Kind != OrderStop && o.Kind != OrderLimit {
					continue
				}
				if o.Filled {
					filled += fmt.Sprintf("%s %s %.6f;", o.Kind, o.Reason, o.FillPrice)
				} else if o.Reason != "" && o.Reason != "cancelled" {
					t.Errorf("unfilled %s order with reason %q", o.Kind, o.Reason)
				}
			}
			want := ""
			switch tc.wantReason {
			case ExitStopLoss, ExitTrailingStop:
				want = fmt.Sprintf("stop %s %.6f;", tc.wantReason, tc.wantPrice)
			case ExitTakeProfit:
				want = fmt.Sprintf("limit %s %.6f;", tc.wantReason, tc.wantPrice)
			}
			if filled != want {
				t.Errorf("filled stop/limit orders %q, want %q", filled, want)
			}
		})
	}
	// A stop loss of 1 or more is refused.
	st := &script{enterAt: map[int][]int{0: {0}}, weight: 1, exits: Exits{StopLoss: 1}}
	run(t, st, Options{}, ohlc(t, "BTC", [][4]float64{{90, 91, 89, 90}, bar1}))
	if len(st.errs) != 1 || st.errs[0] != ErrBadOrder {
		t.Errorf("stop loss 1: errors %v, want ErrBadOrder", st.errs)
	}
}
