package backtest

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"

	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// flagshipGrid is the contract's grid: lookback x hold_days on the flagship.
func flagshipGrid() []config.Config {
	var out []config.Config
	for _, lb := range []int{5, 10, 20, 30, 50, 75, 100, 150, 200, 250} {
		for _, h := range []int{1, 3, 7, 14, 30} {
			c := config.Default()
			c.Trigger.Lookback, c.Trade.HoldDays = lb, h
			out = append(out, c)
		}
	}
	return out
}

// TestTrialEqualsRun: every trial of the grid gives exactly the trades,
// signals, equity, metrics and evidence counts of the same config run alone
// through Run (live mode, no signal cache, no jumps).
func TestTrialEqualsRun(t *testing.T) {
	ds := synth(t)
	sh := NewShared(ds)
	tr := NewTrialRunner(sh)
	for i, cfg := range flagshipGrid() {
		want, err := RunWith(context.Background(), cfg, ds, sh.Plan, Options{Resamples: 50, RandomEntries: -1})
		if err != nil {
			t.Fatal(err)
		}
		got, err := tr.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Result.Trades, want.Result.Trades) || !reflect.DeepEqual(got.Result.Signals, want.Result.Signals) ||
			!reflect.DeepEqual(got.Result.Equity, want.Result.Equity) {
			t.Fatalf("trial %d (lookback %d hold %d): engine results differ", i, cfg.Trigger.Lookback, cfg.Trade.HoldDays)
		}
		if js(t, got.Metrics) != js(t, want.Report.Metrics) || js(t, got.Benchmark) != js(t, want.Report.Benchmark) {
			t.Fatalf("trial %d: metrics differ:\n%+v\n%+v", i, got.Metrics, want.Report.Metrics)
		}
		e, w := got.Evidence, want.Report.Evidence
		if e.Signals != w.Signals || e.Trades != w.Trades || e.Episodes != w.Episodes || e.TooFew != w.TooFew {
			t.Fatalf("trial %d: evidence counts differ: %+v vs %+v", i, e, w)
		}
		if len(want.Result.Trades) == 0 && cfg.Trigger.Lookback < 100 {
			t.Errorf("trial %d has no trades; the comparison is weak", i)
		}
	}
}

// BenchmarkTrials runs the 50-trial flagship grid on one core, reporting
// trials per second (RUT from 1987 and BTC from 2011: real data shape).
func BenchmarkTrials(b *testing.B) {
	ds := synthB(b)
	sh := NewShared(ds)
	tr := NewTrialRunner(sh)
	grid := flagshipGrid()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	events, walked := 0, 0
	for i := 0; i < b.N; i++ {
		out, err := tr.Run(ctx, grid[i%len(grid)])
		if err != nil {
			b.Fatal(err)
		}
		events += out.Result.Events
		walked += out.Result.Walked
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "trials/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/trial")
	b.ReportMetric(float64(walked)/float64(b.N), "walked/trial")
	b.ReportMetric(float64(sh.Plan.Len()), "plan-events")
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSignalCacheBounded: more distinct trigger parameters than the cache
// holds keep it at its bound, and an evicted entry recomputes to the same
// trades.
func TestSignalCacheBounded(t *testing.T) {
	ds := synth(t)
	sh := NewShared(ds)
	tr := NewTrialRunner(sh)
	var first []byte
	for lb := 1; lb <= maxCachedSignals+20; lb++ {
		cfg := config.Default()
		cfg.Trigger.Lookback, cfg.Trade.HoldDays = lb, 10
		out, err := tr.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if lb == 1 {
			first, _ = json.Marshal(out.Result.Trades)
		}
	}
	if n := len(sh.signals); n == 0 || n > maxCachedSignals || len(sh.order) != n || n == maxCachedSignals+20 {
		t.Fatalf("cache holds %d entries (order %d), want at most %d of the %d", n, len(sh.order), maxCachedSignals, maxCachedSignals+20)
	}
	cfg := config.Default()
	cfg.Trigger.Lookback, cfg.Trade.HoldDays = 1, 10 // evicted long ago
	out, err := tr.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(out.Result.Trades); string(again) != string(first) {
		t.Fatal("a recomputed (evicted) entry gives different trades")
	}
}

// TestSignalsSingleFlight: goroutines asking for the same trigger parameters
// at once get the one computation (the same pointer), and each distinct key
// its own, equal to a computation of its own.
func TestSignalsSingleFlight(t *testing.T) {
	ds := synth(t)
	sh := NewShared(ds)
	const workers = 8
	lookbacks := []int{10, 20, 30}
	got := make([][]*strategy.TriggerSignals, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, lb := range lookbacks {
				p := strategy.BreakoutParams{Trigger: "RUT", Rule: strategy.Donchian, Lookback: lb, Confirm: 1}
				s, err := sh.Signals(p)
				if err != nil {
					t.Error(err)
					return
				}
				got[w] = append(got[w], s)
			}
		}()
	}
	wg.Wait()
	for i, lb := range lookbacks {
		for w := 1; w < workers; w++ {
			if got[w][i] != got[0][i] {
				t.Fatalf("lookback %d: worker %d got another computation", lb, w)
			}
		}
		own, err := strategy.ComputeTriggerSignals(sh.Plan, strategy.BreakoutParams{Trigger: "RUT", Rule: strategy.Donchian, Lookback: lb, Confirm: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(own.K, got[0][i].K) || !reflect.DeepEqual(own.Signal, got[0][i].Signal) {
			t.Fatalf("lookback %d: cached signals differ from a fresh computation", lb)
		}
	}
	if got[0][0] == got[0][1] {
		t.Fatal("distinct lookbacks share one entry")
	}
}

// TestSignalCacheByteBound: many distinct trigger parameters whose signals
// together exceed the byte bound keep the cache within it (never evicting
// the newest entry), and the bookkeeping equals the entries' own sizes.
func TestSignalCacheByteBound(t *testing.T) {
	ds := synth(t)
	sh := NewShared(ds)
	cfg := config.Default()
	p, _, err := strategy.Params(cfg)
	if err != nil {
		t.Fatal(err)
	}
	one, err := sh.Signals(p)
	if err != nil {
		t.Fatal(err)
	}
	per := one.Bytes()
	if per <= 0 {
		t.Fatalf("signals weigh %d bytes", per)
	}
	n := maxCachedSignalBytes/per + 10
	if n > maxCachedSignals {
		t.Skipf("synthetic signals weigh %d bytes: the entry bound (%d) binds first", per, maxCachedSignals)
	}
	for lb := 2; lb <= n+1; lb++ {
		p2, _, err := strategy.Params(func() config.Config { c := cfg; c.Trigger.Lookback = lb; return c }())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sh.Signals(p2); err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, e := range sh.signals {
			sum += e.s.Bytes()
		}
		if sum != sh.bytes {
			t.Fatalf("cache books %d bytes, its entries hold %d", sh.bytes, sum)
		}
		if sh.bytes > maxCachedSignalBytes {
			t.Fatalf("cache holds %d bytes, over its bound %d", sh.bytes, maxCachedSignalBytes)
		}
		if _, ok := sh.signals[p2.TriggerKey()]; !ok {
			t.Fatal("the newest entry was evicted")
		}
	}
	if len(sh.signals) >= n {
		t.Fatalf("cache kept all %d entries: the byte bound never bound", len(sh.signals))
	}
}
