package strategy_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// MACrossETH is the whole-strategy example of docs/STRATEGY.md: when the
// 50-session simple moving average of the Russell 2000 crosses above its
// 200-session average, buy Ether with all cash and hold it 180 days. It
// implements engine.Strategy directly: Start resolves symbols once, OnBar
// sees each closed bar and allocates nothing.
type MACrossETH struct {
	Fast, Slow, HoldDays int

	rut, eth int
	prev     float64 // fast - slow at the previous close
	hasPrev  bool
}

// Start resolves the symbols.
func (s *MACrossETH) Start(c *engine.Ctx) error {
	s.rut, s.eth = c.Symbol("RUT"), c.Symbol("ETH")
	if s.rut < 0 || s.eth < 0 {
		return fmt.Errorf("need RUT and ETH in the data")
	}
	s.hasPrev = false
	return nil
}

// Listens: only the Russell's bars matter (the engine still fills, stops
// and marks ETH on its own).
func (s *MACrossETH) Listens(sym int) bool { return sym == s.rut }

// OnBar runs at each Russell close.
func (s *MACrossETH) OnBar(c *engine.Ctx, sym, idx int) {
	closes := c.History(s.rut).Closes() // closed bars only
	if len(closes) < s.Slow {
		return
	}
	diff := mean(closes[len(closes)-s.Fast:]) - mean(closes[len(closes)-s.Slow:])
	crossed := s.hasPrev && diff > 0 && s.prev <= 0
	s.prev, s.hasPrev = diff, true
	if !crossed || !c.InWindow() {
		return
	}
	sig := c.LogSignal(engine.Signal{Time: c.Now(), Symbol: "RUT", Close: closes[len(closes)-1]})
	if !c.Flat() {
		c.SetSignalOutcome(sig, false, "in_position")
		return
	}
	if err := c.Enter(s.eth, 1, engine.Exits{HoldDays: s.HoldDays}, sig); err != nil {
		c.Abort(err)
		return
	}
	c.SetSignalOutcome(sig, true, "")
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// TestWholeStrategyEqualsPart: the hand-written whole strategy and the
// registered ma_cross part, built from a config (as configs/r2k_ma_cross_eth.yaml
// does, without its stop loss), make the same trades.
func TestWholeStrategyEqualsPart(t *testing.T) {
	ds, err := data.Synthetic(data.DefaultSynthetic(4))
	if err != nil {
		t.Fatal(err)
	}
	plan := engine.NewPlan(ds)
	cfg, err := config.Override(config.Default(), "trigger.rule=ma_cross", "trigger.fast=50", "trigger.slow=200",
		"trade.targets=ETH", "trade.hold_days=180")
	if err != nil {
		t.Fatal(err)
	}
	part, opts, err := strategy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := engine.Run(context.Background(), plan, part, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := engine.Run(context.Background(), plan, &MACrossETH{Fast: 50, Slow: 200, HoldDays: 180}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Trades) < 3 {
		t.Fatalf("only %d trades: the comparison is weak", len(a.Trades))
	}
	if fmt.Sprint(a.Trades) != fmt.Sprint(b.Trades) {
		t.Errorf("the part made %d trades, the whole strategy %d:\n%v\n%v", len(a.Trades), len(b.Trades), a.Trades, b.Trades)
	}
}
