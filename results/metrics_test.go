package results

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"gonum.org/v1/gonum/stat"
)

func days(start data.Date, n int) []data.Date {
	d := make([]data.Date, n)
	for i := range d {
		d[i] = start + data.Date(i)
	}
	return d
}

func approx(t *testing.T, name string, got Value, want, tol float64) {
	t.Helper()
	if !got.Valid() || math.Abs(float64(got)-want) > tol {
		t.Errorf("%s = %v, want %v", name, float64(got), want)
	}
}

func hasNote(m Metrics, metric, reason string) bool {
	for _, n := range m.Notes {
		if n.Metric == metric && n.Reason == reason {
			return true
		}
	}
	return false
}

func TestComputeMetricsHandWorked(t *testing.T) {
	d0 := data.DateOf(2024, 1, 1)
	r := &engine.Result{
		Capital:       100,
		Dates:         days(d0, 4),
		Equity:        []float64{110, 99, 99, 121},
		Invested:      []float64{1, 1, 0, 1},
		Annualization: 365,
		Trades: []engine.Trade{
			{Cost: 1000, Return: 0.10},                               // P&L +100
			{Cost: 500, Return: -0.20},                               // P&L -100
			{Cost: 2000, Return: 0.05},                               // P&L +100
			{Cost: 1000, Return: -0.05, ExitReason: engine.ExitOpen}, // P&L -50
		},
	}
	m := ComputeMetrics(r)
	// Daily returns from capital 100: 110/100-1 = 0.1, 99/110-1 = -0.1,
	// 0, 121/99-1 = 2/9.
	rets := []float64{0.1, -0.1, 0, 2.0 / 9}
	// Mean = (0.1 - 0.1 + 0 + 2/9)/4 = 1/18 = 0.0555...
	// Deviations 0.0444, -0.1556, -0.0556, 0.1667; squares sum 0.0570370;
	// /3 = 0.0190123; s = 0.1378853.
	mean, sd := 1.0/18, math.Sqrt(0.05703703703703704/3)
	gm, gs := stat.MeanStdDev(rets, nil) // independent cross-check
	if math.Abs(gm-mean) > 1e-15 || math.Abs(gs-sd) > 1e-12 {
		t.Fatalf("hand mean/sd %v/%v disagree with gonum %v/%v", mean, sd, gm, gs)
	}
	approx(t, "total_return", m.TotalReturn, 0.21, 1e-12)           // 121/100 - 1
	approx(t, "cagr", m.CAGR, math.Pow(1.21, 365.0/4)-1, 1e-6)      // years = 4/365
	approx(t, "volatility", m.Volatility, sd*math.Sqrt(365), 1e-12) // 0.1378853·19.105
	approx(t, "sharpe", m.Sharpe, mean/sd*math.Sqrt(365), 1e-12)    // 0.40291·19.105 = 7.698
	// Downside deviation over all 4 days: sqrt(0.1²/4) = 0.05;
	// Sortino = (1/18)/0.05·sqrt(365) = 1.1111·19.105 = 21.228.
	approx(t, "sortino", m.Sortino, (1.0/18)/0.05*math.Sqrt(365), 1e-12)
	// Peak 110 on day 0, trough 99: 1 - 99/110 = 0.1; back above 110 on day
	// 3: 3 days.
	approx(t, "max_drawdown", m.MaxDrawdown, 0.1, 1e-12)
	if m.MaxDrawdownDays != 3 {
		t.Errorf("max_drawdown_days = %d, want 3", m.MaxDrawdownDays)
	}
	approx(t, "calmar", m.Calmar, (math.Pow(1.21, 365.0/4)-1)/0.1, 1e-3)
	approx(t, "exposure", m.Exposure, 0.75, 0) // 3 of 4 days invested
	if m.Trades != 4 {
		t.Errorf("trades = %d, want 4 (closed + open)", m.Trades)
	}
	approx(t, "win_rate", m.WinRate, 0.5, 0)                        // 2 of 4
	approx(t, "avg_trade_return", m.AvgTradeReturn, -0.025, 1e-15)  // (0.1-0.2+0.05-0.05)/4
	approx(t, "median_trade_return", m.MedianTradeReturn, 0, 1e-15) // (-0.05+0.05)/2
	approx(t, "profit_factor", m.ProfitFactor, 200.0/150, 1e-12)    // (100+100)/(100+50)
	approx(t, "best_trade", m.BestTrade, 0.1, 0)
	approx(t, "worst_trade", m.WorstTrade, -0.2, 0)
	approx(t, "final_equity", m.FinalEquity, 121, 0)
	if m.Annualization != 365 || m.Days != 4 || len(m.Notes) != 0 {
		t.Errorf("annualization %d, days %d, notes %v", m.Annualization, m.Days, m.Notes)
	}
}

func TestComputeMetricsTable(t *testing.T) {
	d0 := data.DateOf(2023, 6, 1)
	cases := []struct {
		name  string
		r     engine.Result
		check func(t *testing.T, m Metrics)
	}{
		{
			// Peak 100 on day 0 (equal to capital), 90 and 95 after: drawdown
			// 1 - 90/100 = 0.1, not recovered: lasts to the last day, 2 days.
			name: "unrecovered drawdown",
			r:    engine.Result{Capital: 100, Dates: days(d0, 3), Equity: []float64{100, 90, 95}, Invested: []float64{1, 1, 1}},
			check: func(t *testing.T, m Metrics) {
				approx(t, "max_drawdown", m.MaxDrawdown, 0.1, 1e-12)
				if m.MaxDrawdownDays != 2 {
					t.Errorf("days = %d, want 2", m.MaxDrawdownDays)
				}
				if m.Annualization != DefaultAnnualization {
					t.Errorf("annualization %d, want default %d", m.Annualization, DefaultAnnualization)
				}
			},
		},
		{
			// Drawdown from the starting capital itself: capital 100 stands on
			// the day before the first point; 95, 98, 101 → recovery on day 2,
			// 3 days after the capital day. Max DD = 0.05.
			name: "drawdown from capital",
			r:    engine.Result{Capital: 100, Dates: days(d0, 3), Equity: []float64{95, 98, 101}, Invested: []float64{1, 1, 1}, Annualization: 365},
			check: func(t *testing.T, m Metrics) {
				approx(t, "max_drawdown", m.MaxDrawdown, 0.05, 1e-12)
				if m.MaxDrawdownDays != 3 {
					t.Errorf("days = %d, want 3", m.MaxDrawdownDays)
				}
			},
		},
		{
			// Gaps in the dates count as calendar days: peak day 0, recovery
			// on the point dated day 10 → 10 days.
			name: "dated gap",
			r: engine.Result{Capital: 100, Dates: []data.Date{d0, d0 + 1, d0 + 10}, Equity: []float64{110, 99, 121},
				Invested: []float64{1, 1, 1}, Annualization: 365},
			check: func(t *testing.T, m Metrics) {
				if m.MaxDrawdownDays != 10 {
					t.Errorf("days = %d, want 10", m.MaxDrawdownDays)
				}
			},
		},
		{
			// Never invested: flat curve, no trades.
			name: "flat",
			r:    engine.Result{Capital: 100, Dates: days(d0, 3), Equity: []float64{100, 100, 100}, Invested: []float64{0, 0, 0}, Annualization: 365},
			check: func(t *testing.T, m Metrics) {
				approx(t, "total_return", m.TotalReturn, 0, 0)
				approx(t, "cagr", m.CAGR, 0, 0)
				approx(t, "volatility", m.Volatility, 0, 0)
				approx(t, "max_drawdown", m.MaxDrawdown, 0, 0)
				approx(t, "exposure", m.Exposure, 0, 0)
				for _, n := range []Note{
					{"sharpe", ReasonZeroVolatility}, {"sortino", ReasonNoLosingDays},
					{"calmar", ReasonNoDrawdown}, {"win_rate", ReasonNoTrades},
					{"profit_factor", ReasonNoTrades}, {"best_trade", ReasonNoTrades},
				} {
					if !hasNote(m, n.Metric, n.Reason) {
						t.Errorf("missing note %v in %v", n, m.Notes)
					}
				}
				if m.Sharpe.Valid() || m.Sortino.Valid() || m.Calmar.Valid() || m.WinRate.Valid() {
					t.Error("undefined metrics should be NA")
				}
			},
		},
		{
			// Only winning trades: profit factor undefined.
			name: "no losing trades",
			r: engine.Result{Capital: 100, Dates: days(d0, 2), Equity: []float64{101, 103}, Invested: []float64{1, 0}, Annualization: 365,
				Trades: []engine.Trade{{Cost: 100, Return: 0.03}}},
			check: func(t *testing.T, m Metrics) {
				if m.ProfitFactor.Valid() || !hasNote(m, "profit_factor", ReasonNoLosingTrades) {
					t.Errorf("profit factor %v, notes %v", m.ProfitFactor, m.Notes)
				}
				approx(t, "win_rate", m.WinRate, 1, 0)
			},
		},
		{
			// Only losing trades: profit factor 0 (no gains, losses > 0).
			name: "only losses",
			r: engine.Result{Capital: 100, Dates: days(d0, 2), Equity: []float64{99, 97}, Invested: []float64{1, 0}, Annualization: 365,
				Trades: []engine.Trade{{Cost: 100, Return: -0.03}}},
			check: func(t *testing.T, m Metrics) {
				approx(t, "profit_factor", m.ProfitFactor, 0, 0)
			},
		},
		{
			// No capital: the curve's first point is the base; returns
			// 120/100-1 = 0.2 and 90/120-1 = -0.25 (two of them, years 2/365).
			name: "no capital",
			r:    engine.Result{Dates: days(d0, 3), Equity: []float64{100, 120, 90}, Invested: []float64{1, 1, 1}, Annualization: 365},
			check: func(t *testing.T, m Metrics) {
				approx(t, "total_return", m.TotalReturn, -0.1, 1e-12)
				approx(t, "max_drawdown", m.MaxDrawdown, 0.25, 1e-12)
				approx(t, "cagr", m.CAGR, math.Pow(0.9, 365.0/2)-1, 1e-12)
				mean, sd := stat.MeanStdDev([]float64{0.2, -0.25}, nil)
				approx(t, "sharpe", m.Sharpe, mean/sd*math.Sqrt(365), 1e-12)
			},
		},
		{
			name: "empty curve",
			r:    engine.Result{Capital: 100},
			check: func(t *testing.T, m Metrics) {
				if m.TotalReturn.Valid() || m.FinalEquity.Valid() || !hasNote(m, "sharpe", ReasonNoCurve) {
					t.Errorf("empty curve: %+v", m)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := ComputeMetrics(&c.r)
			c.check(t, m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if s := string(b); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
				t.Errorf("JSON holds NaN/Inf: %s", s)
			}
		})
	}
}
