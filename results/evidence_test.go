package results

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results/stats"
)

func tr(entry, exit int64) engine.Trade {
	return engine.Trade{EntryTime: entry, ExitTime: exit}
}

func TestEpisodes(t *testing.T) {
	cases := []struct {
		name   string
		trades []engine.Trade
		want   int
	}{
		{"none", nil, 0},
		{"one", []engine.Trade{tr(0, 10)}, 1},
		{"basket of one signal", []engine.Trade{tr(100, 200), tr(100, 200), tr(100, 180)}, 1},
		{"touching is separate", []engine.Trade{tr(0, 10), tr(10, 20)}, 2},
		{"overlap", []engine.Trade{tr(0, 10), tr(5, 20)}, 1},
		{"chain merges transitively", []engine.Trade{tr(0, 10), tr(5, 15), tr(14, 30)}, 1},
		{"nested then separate", []engine.Trade{tr(0, 100), tr(10, 20), tr(150, 160)}, 2},
		{"unsorted input", []engine.Trade{tr(20, 30), tr(0, 10), tr(25, 26)}, 2},
		{"zero-length basket", []engine.Trade{tr(50, 50), tr(50, 50)}, 1},
		{"exit before entry read as entry", []engine.Trade{tr(50, 40), tr(60, 70)}, 2},
		{"open trade held to the end", []engine.Trade{tr(0, 10), {EntryTime: 20, ExitTime: 99, ExitReason: engine.ExitOpen}, tr(30, 40)}, 2},
	}
	for _, c := range cases {
		if got := Episodes(c.trades); got != c.want {
			t.Errorf("%s: Episodes = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestCountEvidence(t *testing.T) {
	r := &engine.Result{
		WindowStart: 1000, WindowEnd: 2000,
		Signals: []engine.Signal{{Time: 900}, {Time: 1000, Acted: true}, {Time: 1500}, {Time: 2000, Acted: true}, {Time: 2100}},
		// Two trades of one basket plus one alone: 3 trades, 2 episodes.
		Trades: []engine.Trade{tr(1100, 1200), tr(1100, 1200), tr(2001, 2050)},
	}
	ev := CountEvidence(r)
	if ev.Signals != 3 || ev.Trades != 3 || ev.Episodes != 2 || !ev.TooFew {
		t.Errorf("counts %+v, want 3 signals in the window, 3 trades, 2 episodes, too few", ev)
	}
	if want := "rests on 2 independent samples: fewer than 10, too few to tell from chance"; ev.Warning != want {
		t.Errorf("warning %q, want %q", ev.Warning, want)
	}
	if !strings.Contains(ev.Verdict, "too few to tell from chance") {
		t.Errorf("verdict %q", ev.Verdict)
	}
	if got := TooFewWarning(1); got != "rests on 1 independent sample: fewer than 10, too few to tell from chance" {
		t.Errorf("singular warning %q", got)
	}
	// No window: every signal counts.
	if ev := CountEvidence(&engine.Result{Signals: make([]engine.Signal, 4)}); ev.Signals != 4 || ev.Trades != 0 || !strings.HasPrefix(ev.Verdict, "No trades from 4 signals") {
		t.Errorf("no window: %+v", ev)
	}
	// Ten separate episodes: enough, no warning.
	var many []engine.Trade
	for i := range int64(10) {
		many = append(many, tr(i*100, i*100+50))
	}
	ev = CountEvidence(&engine.Result{Trades: many})
	if ev.Episodes != 10 || ev.TooFew || ev.Warning != "" {
		t.Errorf("ten episodes: %+v", ev)
	}
	b, _ := json.Marshal(ev)
	if s := string(b); strings.Contains(s, "NaN") || !strings.Contains(s, `"mean_trade_return_ci":[null,null]`) {
		t.Errorf("JSON: %s", s)
	}
}

// curve builds a daily curve from capital 100 following the returns.
func curve(rets []float64) *engine.Result {
	r := &engine.Result{Capital: 100, Annualization: 365}
	e := 100.0
	for i, x := range rets {
		e *= 1 + x
		r.Dates = append(r.Dates, data.DateOf(2020, 1, 1)+data.Date(i))
		r.Equity = append(r.Equity, e)
		r.Invested = append(r.Invested, 1)
	}
	return r
}

func TestAssess(t *testing.T) {
	rng := stats.NewRand(5)
	rets := make([]float64, 400)
	for i := range rets {
		rets[i] = 0.002 + 0.02*rng.NormFloat64()
	}
	r := curve(rets)
	// Twelve one-trade episodes with returns 1%..12%: mean 6.5%.
	for i := range 12 {
		tt := tr(int64(i)*1000, int64(i)*1000+500)
		tt.Return = float64(i+1) / 100
		tt.Cost = 100
		r.Trades = append(r.Trades, tt)
	}
	ev := Assess(r, EvidenceOptions{Seed: 9, Resamples: 1000})
	if ev.Episodes != 12 || ev.TooFew {
		t.Fatalf("counts %+v", ev)
	}
	approx(t, "mean_trade_return", ev.MeanTradeReturn, 0.065, 1e-15)     // (1+...+12)/12 %
	approx(t, "median_trade_return", ev.MedianTradeReturn, 0.065, 1e-15) // (6+7)/2 %
	lo, hi := ev.MeanTradeReturnCI[0], ev.MeanTradeReturnCI[1]
	if !(lo > 0 && lo < 0.065 && hi > 0.065 && hi < 0.12) {
		t.Errorf("mean CI [%v, %v]", lo, hi)
	}
	// Same seed, same numbers.
	if ev2 := Assess(r, EvidenceOptions{Seed: 9, Resamples: 1000}); ev2.MeanTradeReturnCI != ev.MeanTradeReturnCI || ev2.SharpeCI != ev.SharpeCI {
		t.Error("Assess is not deterministic for a seed")
	}
	// PSR and MinTRL agree with the stats package on the daily returns.
	daily := DailyReturns(r)
	for i := range daily {
		if math.Abs(daily[i]-rets[i]) > 1e-12 {
			t.Fatalf("daily return %d = %v, want %v", i, daily[i], rets[i])
		}
	}
	if !ev.PSR.Valid() || ev.PSR <= 0 || ev.PSR >= 1 || !ev.MinTrackRecord.Valid() {
		t.Errorf("psr %v, min track record %v", ev.PSR, ev.MinTrackRecord)
	}
	if !(ev.SharpeCI[0] < ev.SharpeCI[1]) || !ev.SharpeCIBlock.Valid() || ev.Seed != 9 || ev.CILevel != 0.95 {
		t.Errorf("sharpe CI %v block %v seed %d level %v", ev.SharpeCI, ev.SharpeCIBlock, ev.Seed, ev.CILevel)
	}
	if ev.RandomEntryP.Valid() {
		t.Error("random_entry_p is the caller's")
	}

	// Cluster bootstrap: doubling every trade into a basket of two identical
	// trades (same entry, same return) adds trades but no information. The
	// episodes and their mean returns are unchanged, so with the same seed
	// the interval is identical; an iid bootstrap of 24 trades would have
	// been narrower.
	r2 := *r
	r2.Trades = nil
	for _, tt := range r.Trades {
		r2.Trades = append(r2.Trades, tt, tt)
	}
	ev2 := Assess(&r2, EvidenceOptions{Seed: 9, Resamples: 1000})
	if ev2.Trades != 24 || ev2.Episodes != 12 || ev2.MeanTradeReturnCI != ev.MeanTradeReturnCI {
		t.Errorf("basket: trades %d episodes %d CI %v, want 24, 12, %v", ev2.Trades, ev2.Episodes, ev2.MeanTradeReturnCI, ev.MeanTradeReturnCI)
	}
	if !strings.Contains(ev.Verdict, "12 independent episodes") {
		t.Errorf("verdict %q", ev.Verdict)
	}
	b, err := json.Marshal(ev)
	if err != nil || strings.Contains(string(b), "NaN") {
		t.Errorf("JSON %s, %v", b, err)
	}
}

func TestAssessEmpty(t *testing.T) {
	ev := Assess(&engine.Result{}, EvidenceOptions{})
	if ev.Trades != 0 || ev.MeanTradeReturn.Valid() || ev.SharpeCI[0].Valid() || ev.PSR.Valid() {
		t.Errorf("empty result: %+v", ev)
	}
	if _, err := json.Marshal(ev); err != nil {
		t.Fatal(err)
	}
}
