package results

import (
	"context"
	"math"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

type idle struct{}

func (idle) Start(*engine.Ctx) error           { return nil }
func (idle) OnBar(*engine.Ctx, int, int)       {}
func (b *holdAll) Start(*engine.Ctx) error     { return nil }
func (b *holdAll) OnBar(*engine.Ctx, int, int) {}

// holdAll buys the target with all cash at the window start.
type holdAll struct{}

func (b *holdAll) OnWindowStart(c *engine.Ctx) { _ = c.Enter(c.Symbol("BTC"), 1, engine.Exits{}, -1) }

func cashData(t *testing.T, rate float64, btc func(i int) float64) *data.Dataset {
	t.Helper()
	var rb, bb []data.Bar
	for d := data.DateOf(2024, 12, 1); d <= data.DateOf(2025, 12, 31); d++ {
		rb = append(rb, data.Bar{Date: d, Open: rate, High: rate, Low: rate, Close: rate})
	}
	for i, d := 0, data.DateOf(2025, 1, 1); d <= data.DateOf(2025, 12, 31); i, d = i+1, d+1 {
		c := btc(i)
		bb = append(bb, data.Bar{Date: d, Open: c, High: c, Low: c, Close: c})
	}
	r, err := data.NewSeries("RATE", data.Crypto24x7(), rb)
	if err != nil {
		t.Fatal(err)
	}
	b, err := data.NewSeries("BTC", data.Crypto24x7(), bb)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := data.NewDataset(b, r)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestCashRateNoTrades: with a constant 5% rate and no trades, equity grows
// 5% over the year of 365 days (1000 -> 1050) and the excess-return Sharpe
// ratio is 0; every output is told the statistics are on excess returns.
func TestCashRateNoTrades(t *testing.T) {
	ds := cashData(t, 5, func(int) float64 { return 100 })
	res, err := engine.Run(context.Background(), engine.NewPlan(ds), idle{}, engine.Options{Capital: 1000, Trigger: "BTC", Targets: []string{"BTC"}, CashRate: "RATE"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Equity) != 365 {
		t.Fatalf("%d days, want 365", len(res.Equity))
	}
	if got := res.Equity[len(res.Equity)-1]; math.Abs(got-1050) > 1e-9 {
		t.Errorf("final equity %v, want 1050", got)
	}
	// Half way: 1000 x 1.05^(182/365).
	if got, want := res.Equity[181], 1000*math.Pow(1.05, 182.0/365); math.Abs(got-want) > 1e-9 {
		t.Errorf("equity after 182 days %v, want %v", got, want)
	}
	m := ComputeMetrics(res)
	if m.Sharpe != 0 || m.RiskFree != "excess of RATE" {
		t.Errorf("Sharpe %v (%q), want 0 on excess returns", m.Sharpe, m.RiskFree)
	}
	if math.Abs(float64(m.TotalReturn)-0.05) > 1e-12 {
		t.Errorf("total return %v, want 0.05", m.TotalReturn)
	}
	// Without a rate symbol: no interest, Sharpe undefined (zero volatility).
	res, err = engine.Run(context.Background(), engine.NewPlan(ds), idle{}, engine.Options{Capital: 1000, Trigger: "BTC", Targets: []string{"BTC"}})
	if err != nil {
		t.Fatal(err)
	}
	if m := ComputeMetrics(res); res.Equity[364] != 1000 || m.RiskFree != "" || m.Sharpe.Valid() {
		t.Errorf("no rate: equity %v, risk free %q, Sharpe %v", res.Equity[364], m.RiskFree, m.Sharpe)
	}
}

// TestCashRateExcessReturns: fully invested, the cash earns nothing and the
// excess daily return is the asset's daily return minus the day's rate:
// Sharpe from an independent computation over the closes.
func TestCashRateExcessReturns(t *testing.T) {
	btc := func(i int) float64 { return 100 * math.Exp(0.002*float64(i)+0.01*math.Sin(float64(i))) }
	ds := cashData(t, 4, btc)
	res, err := engine.Run(context.Background(), engine.NewPlan(ds), &holdAll{}, engine.Options{Capital: 1000, Trigger: "BTC", Targets: []string{"BTC"}, CashRate: "RATE"})
	if err != nil {
		t.Fatal(err)
	}
	rf := math.Pow(1.04, 1.0/365) - 1
	var xs []float64
	for i := 1; i < 365; i++ {
		xs = append(xs, btc(i)/btc(i-1)-1-rf)
	}
	// Day 0: bought at the open of bar 0 at its close price; no move.
	xs = append([]float64{-rf}, xs...)
	mean, sd := 0.0, 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	sd = math.Sqrt(sd / float64(len(xs)-1))
	want := mean / sd * math.Sqrt(365)
	if got := float64(ComputeMetrics(res).Sharpe); math.Abs(got-want) > 1e-9 {
		t.Errorf("excess Sharpe %v, want %v", got, want)
	}
}
