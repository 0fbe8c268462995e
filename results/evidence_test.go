package results

import (
	"encoding/json"
	"math"
	"math/rand/v2"
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
	// A random-entry outcome set later rewrites the verdict.
	ev.SetRandomEntry(RandomEntryOutcome{K: 999, P: 0.31, TotalP: 0.5})
	if ev.RandomEntryK != 999 || ev.Verdict != "2 independent samples: too few to tell from chance (random-entry p = 0.31)." {
		t.Errorf("after SetRandomEntry: k %d verdict %q", ev.RandomEntryK, ev.Verdict)
	}
	// NewEvidence is CountEvidence from stored counts.
	if a, b := NewEvidence(3, 3, 2), CountEvidence(r); a.Verdict != b.Verdict || a.Warning != b.Warning || a.Signals != 3 || a.EffectiveNTrades.Valid() ||
		a.MedianTradeReturnCI[1].Valid() || a.RandomEntryTotalP.Valid() {
		t.Errorf("NewEvidence %+v, CountEvidence %+v", a, b)
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
	// Median interval of 12 independent values: order statistics 3 and 10
	// (P(Bin(12, ½) ≤ 2) = 79/4096 = 0.019 ≤ 0.025 < P(≤ 3) = 0.073), so
	// [3%, 10%], covering 1 - 2·0.019 = 0.961 exactly.
	if ev.MedianTradeReturnCI != [2]Value{0.03, 0.1} {
		t.Errorf("median CI %v, want [0.03, 0.1]", ev.MedianTradeReturnCI)
	}
	approx(t, "median coverage", ev.MedianTradeReturnCICoverage, 1-2*79.0/4096, 1e-12)
	// 12 episodes: below 30, the note says so with the measured coverage.
	if !strings.HasPrefix(ev.IntervalNote, "interval unreliable: 12 episodes") || !ev.MeanTradeReturnCICoverage.Valid() || ev.MeanTradeReturnCICoverage > 0.95 {
		t.Errorf("note %q, mean coverage %v", ev.IntervalNote, ev.MeanTradeReturnCICoverage)
	}
	// Same seed, same numbers; a different seed, different resamples.
	if ev2 := Assess(r, EvidenceOptions{Seed: 9, Resamples: 1000}); ev2.MeanTradeReturnCI != ev.MeanTradeReturnCI || ev2.SharpeCI != ev.SharpeCI ||
		ev2.MedianTradeReturnCI != ev.MedianTradeReturnCI {
		t.Error("Assess is not deterministic for a seed")
	}
	if ev3 := Assess(r, EvidenceOptions{Seed: 10, Resamples: 1000}); ev3.MeanTradeReturnCI == ev.MeanTradeReturnCI || ev3.SharpeCI == ev.SharpeCI {
		t.Errorf("seeds 9 and 10 gave the same intervals: %v %v", ev3.MeanTradeReturnCI, ev3.SharpeCI)
	}
	// effective_n is that of the daily returns (400 iid days: close to 400),
	// effective_n_trades that of the 12 trade returns in entry order
	// (1%..12%: a trend, strongly autocorrelated, so far fewer than 12).
	if ev.Days != 400 || ev.EffectiveN != Value(stats.EffectiveN(rets)) || ev.EffectiveN < 300 {
		t.Errorf("days %d, effective n %v, want 400 and stats.EffectiveN of the daily returns", ev.Days, ev.EffectiveN)
	}
	tradeRets := make([]float64, 12)
	for i := range tradeRets {
		tradeRets[i] = float64(i+1) / 100
	}
	if ev.EffectiveNTrades != Value(stats.EffectiveN(tradeRets)) || ev.EffectiveNTrades >= 12 {
		t.Errorf("effective n of trades %v", ev.EffectiveNTrades)
	}
	if ev.Resamples != 1000 {
		t.Errorf("resamples %d, want 1000", ev.Resamples)
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
	if ev.RandomEntryP.Valid() || ev.RandomEntryTotalP.Valid() || ev.RandomEntryK != 0 {
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
	if !strings.HasPrefix(ev.Verdict, "12 independent samples: ") || !strings.Contains(ev.Verdict, "no random-entry test") {
		t.Errorf("verdict %q", ev.Verdict)
	}
	// With the caller's random-entry test, its p-values and K are recorded
	// and the verdict reads them.
	ev = Assess(r, EvidenceOptions{Seed: 9, Resamples: 200, RandomEntry: &RandomEntryOutcome{K: 99, P: 0.31, TotalP: 0.2}})
	if ev.RandomEntryK != 99 || ev.RandomEntryP != 0.31 || ev.RandomEntryTotalP != 0.2 {
		t.Errorf("random entry fields %v %v %v", ev.RandomEntryK, ev.RandomEntryP, ev.RandomEntryTotalP)
	}
	if want := "12 independent samples: not distinguishable from random entries (random-entry p = 0.31)."; ev.Verdict != want {
		t.Errorf("verdict %q, want %q", ev.Verdict, want)
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

func TestVerdict(t *testing.T) {
	base := func(episodes int, lo, hi, p float64) Evidence {
		return Evidence{Signals: episodes, Trades: episodes, Episodes: episodes, TooFew: episodes < MinSamples,
			MeanTradeReturnCI: [2]Value{Value(lo), Value(hi)}, CILevel: 0.95, RandomEntryP: Value(p), PSR: NA}
	}
	nan := math.NaN()
	cases := []struct {
		name string
		ev   Evidence
		want string
	}{
		{"no trades", Evidence{Signals: 4}, "No trades from 4 signals: there is nothing to judge."},
		{"the brief's example", base(3, -0.1, 0.3, 0.31), "3 independent samples: too few to tell from chance (random-entry p = 0.31)."},
		{"one sample, no test", base(1, nan, nan, nan), "1 independent sample: too few to tell from chance."},
		{"too few even with a tiny p", base(2, 0.1, 0.5, 0.0004), "2 independent samples: too few to tell from chance (random-entry p < 0.001)."},
		{"beats chance, interval above zero", base(40, 0.01, 0.05, 0.004),
			"40 independent samples: the mean trade return beats random entries (random-entry p = 0.004) and its 95% interval is above zero."},
		{"beats chance, interval includes zero", base(40, -0.01, 0.05, 0.03),
			"40 independent samples: the mean trade return beats random entries (random-entry p = 0.030), but its 95% interval includes zero: suggestive, not conclusive."},
		{"beats chance but loses", base(40, -0.05, -0.01, 0.01),
			"40 independent samples: the mean trade return beats random entries (random-entry p = 0.010) but its 95% interval is below zero: it loses less than chance, it still loses."},
		{"loses like chance", base(40, -0.05, -0.01, 0.6),
			"40 independent samples: the strategy loses (the mean trade return's 95% interval is below zero) and does no better than random entries (random-entry p = 0.60)."},
		{"chance", base(40, -0.02, 0.04, 0.5), "40 independent samples: not distinguishable from random entries (random-entry p = 0.50)."},
		{"no test, interval includes zero", base(40, -0.02, 0.04, nan),
			"40 independent samples: the mean trade return's 95% interval includes zero, so the result is not distinguishable from chance."},
		{"no test, loses", base(40, -0.05, -0.01, nan), "40 independent samples: the mean trade return's 95% interval is below zero: the strategy loses."},
	}
	for _, c := range cases {
		if got := verdict(c.ev); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestFormatP(t *testing.T) {
	for _, c := range []struct {
		p    Value
		want string
	}{{0.31, "= 0.31"}, {0.049, "= 0.049"}, {0.1, "= 0.10"}, {0.0099, "= 0.010"}, {0.004, "= 0.004"}, {0.001, "= 0.001"}, {1.0 / 10001, "< 0.001"}, {NA, "n/a"}} {
		if got := FormatP(c.p); got != c.want {
			t.Errorf("FormatP(%v) = %q, want %q", c.p, got, c.want)
		}
	}
}

// TestEpisodesFastPathAgrees: the allocation-free count equals the grouping
// on sorted trades, and unsorted trades still count right.
func TestEpisodesFastPathAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for rep := 0; rep < 500; rep++ {
		var tr []engine.Trade
		var at int64
		for i := rng.IntN(12); i > 0; i-- {
			at += int64(rng.IntN(5)) * 86400
			tr = append(tr, engine.Trade{EntryTime: at, ExitTime: at + int64(rng.IntN(6))*86400})
		}
		if got, want := Episodes(tr), len(episodeGroups(tr)); got != want {
			t.Fatalf("sorted trades %v: %d episodes, grouping says %d", tr, got, want)
		}
		rng.Shuffle(len(tr), func(i, j int) { tr[i], tr[j] = tr[j], tr[i] })
		if got, want := Episodes(tr), len(episodeGroups(tr)); got != want {
			t.Fatalf("shuffled trades: %d episodes, grouping says %d", got, want)
		}
	}
}
