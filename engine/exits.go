package engine

import (
	"sort"

	"github.com/riskon/riskon/data"
)

// The exit rules below are the one definition of when and at what price a
// position leaves the market; the engine applies them bar by bar, and the
// random-entry model of strategy/backtest applies the same functions to its
// simulated round trips, so the two can never disagree.

// HoldExitBar is the index of the bar of s whose close ends a hold of
// holdDays calendar days entered at bar k: the bar dated entry date +
// holdDays, or the first bar after it, and never the entry bar itself. The
// result may be s.Len() (no such bar in the data).
func HoldExitBar(s *data.Series, k, holdDays int) int {
	target := s.Date[k] + data.Date(holdDays)
	var j int
	// The first bar dated on or after target. Bars of distinct dates are a
	// day apart or more, so it is usually the bar holdDays on (a market
	// open every day), else before it; the full search (IndexOnOrAfter)
	// covers the rest.
	if hi := k + holdDays; hi >= 0 && hi < len(s.Date) && s.Date[hi] >= target {
		if hi == 0 || s.Date[hi-1] < target {
			j = hi
		} else {
			j = sort.Search(hi, func(i int) bool { return s.Date[i] >= target })
		}
	} else {
		j = s.IndexOnOrAfter(target)
	}
	if j <= k {
		j = k + 1
	}
	return j
}

// BarExit applies the intrabar exits to one bar with the given open, high
// and low. trailStop and stopLoss are the live stop levels and takeProfit
// the take-profit level (0: off). The higher of the two stops applies; a
// bar that opens through a level fills at its open (atOpen), one that only
// touches it fills at the level. A bar that touches both a stop and the
// take profit exits at the stop: the path inside the bar is unknown, so the
// worse is assumed.
func BarExit(open, high, low, trailStop, stopLoss, takeProfit float64) (raw float64, atOpen bool, why ExitReason, hit bool) {
	stop := 0.0
	if trailStop > 0 {
		stop, why = trailStop, ExitTrailingStop
	}
	if stopLoss > stop {
		stop, why = stopLoss, ExitStopLoss
	}
	switch {
	case stop > 0 && open <= stop:
		return open, true, why, true
	case stop > 0 && low <= stop:
		return stop, false, why, true
	case takeProfit > 0 && open >= takeProfit:
		return open, true, ExitTakeProfit, true
	case takeProfit > 0 && high >= takeProfit:
		return takeProfit, false, ExitTakeProfit, true
	}
	return 0, false, "", false
}

// BuyFill is the price paid per unit by a buy filled at raw with slippage
// slip (a fraction): raw·(1+slip). Commission is charged on top of it.
func BuyFill(raw, slip float64) float64 { return raw * (1 + slip) }

// SellFill is the price received per unit by a sell filled at raw with
// slippage slip: raw·(1-slip). Commission is charged on it.
func SellFill(raw, slip float64) float64 { return raw * (1 - slip) }
