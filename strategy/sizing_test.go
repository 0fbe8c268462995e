package strategy

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// TestVolTargetRealisedVol: on a target with constant volatility (80% a
// year, daily log returns N(0, 0.8/sqrt(365)), seeded), vol-target sizing at
// 20% makes the strategy's daily returns, on the days it is invested, about
// 20% annualised: within 20% of the target. Fixed sizing gives about 80%.
func TestVolTargetRealisedVol(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const sigma = 0.8
	start := data.DateOf(2015, 1, 1)
	n := 3000
	var tb, rb []data.Bar
	price := 100.0
	for i := 0; i < n; i++ {
		d := start + data.Date(i)
		open := price
		price *= math.Exp(sigma / math.Sqrt(365) * rng.NormFloat64())
		tb = append(tb, data.Bar{Date: d, Open: open, High: math.Max(open, price), Low: math.Min(open, price), Close: price})
	}
	// A trigger that rises every session: donchian 1 signals at every close,
	// so the strategy is re-entered the day after each 30-day hold.
	for i, d := 0, start; d < start+data.Date(n); d++ {
		if data.NYSE().IsSessionDay(d) {
			i++
			rb = append(rb, data.Bar{Date: d, Open: float64(i), High: float64(i), Low: float64(i), Close: float64(i)})
		}
	}
	x, _ := data.NewSeries("X", data.Crypto24x7(), tb)
	rut, _ := data.NewSeries("RUT", data.NYSE(), rb)
	ds, err := data.NewDataset(rut, x)
	if err != nil {
		t.Fatal(err)
	}
	realised := func(p BreakoutParams) float64 {
		s, err := NewBreakout(p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := engine.Run(context.Background(), engine.NewPlan(ds), s, engine.Options{Capital: 1e6, Trigger: "RUT", Targets: []string{"X"}})
		if err != nil {
			t.Fatal(err)
		}
		var rs []float64
		for i := 1; i < len(res.Equity); i++ {
			if res.Invested[i-1] > 0 && res.Invested[i] > 0 {
				rs = append(rs, res.Equity[i]/res.Equity[i-1]-1)
			}
		}
		if len(rs) < 1000 {
			t.Fatalf("only %d invested days", len(rs))
		}
		mean, ss := 0.0, 0.0
		for _, r := range rs {
			mean += r
		}
		mean /= float64(len(rs))
		for _, r := range rs {
			ss += (r - mean) * (r - mean)
		}
		return math.Sqrt(ss/float64(len(rs)-1)) * math.Sqrt(365)
	}
	base := BreakoutParams{Trigger: "RUT", Rule: Donchian, Lookback: 1, Confirm: 1, Targets: []string{"X"}, Allocation: 1, HoldDays: 30}
	vt := base
	vt.VolTarget, vt.VolDays = 0.2, 60
	if got := realised(vt); math.Abs(got-0.2) > 0.2*0.2 {
		t.Errorf("vol target 20%%: realised %.4f, want within 20%% of 0.2", got)
	} else {
		t.Logf("vol target 20%%: realised %.4f", got)
	}
	if got := realised(base); math.Abs(got-sigma) > 0.2*sigma {
		t.Errorf("fixed sizing: realised %.4f, want about %.2f", got, sigma)
	}
	// Capped at the allocation: a target above the asset's volatility
	// cannot lever up.
	vt.VolTarget = 2
	if got := realised(vt); math.Abs(got-sigma) > 0.2*sigma {
		t.Errorf("vol target 200%% (capped): realised %.4f, want about %.2f", got, sigma)
	}
}

// TestRealisedVol against a hand computation: closes 100, 110, 99, 108.9
// have log returns ln 1.1, ln 0.9, ln 1.1.
func TestRealisedVol(t *testing.T) {
	cl := []float64{100, 110, 99, 108.9}
	r := []float64{math.Log(1.1), math.Log(0.9), math.Log(1.1)}
	m := (r[0] + r[1] + r[2]) / 3
	v := ((r[0]-m)*(r[0]-m) + (r[1]-m)*(r[1]-m) + (r[2]-m)*(r[2]-m)) / 2
	got, ok := realisedVol(cl, 3, 365)
	if !ok || math.Abs(got-math.Sqrt(v*365)) > 1e-12 {
		t.Errorf("realisedVol = %v %v, want %v", got, ok, math.Sqrt(v*365))
	}
	if _, ok := realisedVol(cl, 4, 365); ok {
		t.Error("4 returns from 4 closes accepted")
	}
}
