package sweep

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
)

// referenceExpand is an independent, eager reimplementation of the
// expansion rules of docs/SWEEP.md: candidates in order (grid: last key
// fastest; random: PCG(seed, "SWEEP") draws), constraints, validation
// through config.Override, duplicates by config.Hash; every trial kept.
func referenceExpand(t *testing.T, s *Spec, base config.Config) []Trial {
	t.Helper()
	var cons []*Constraint
	for _, src := range s.Constraints {
		c, err := Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		cons = append(cons, c)
	}
	seen := map[string]bool{}
	var out []Trial
	try := func(params Params) bool {
		cfg, err := config.Override(base, params.Sets()...)
		if err != nil {
			t.Fatalf("reference: %s: %v", params, err)
		}
		for _, c := range cons {
			if !c.Eval(&cfg) {
				return false
			}
		}
		cfg.Name = ""
		h := config.Hash(cfg)
		if seen[h] {
			return false
		}
		seen[h] = true
		out = append(out, Trial{Index: len(out), Params: params, Hash: h})
		return true
	}
	norm := func(v any) any {
		n, err := normalizeValue(v)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	switch {
	case len(s.Grid) > 0:
		var rec func(i int, acc Params)
		rec = func(i int, acc Params) {
			if i == len(s.Grid) {
				try(slices.Clone(acc))
				return
			}
			for _, v := range s.Grid[i].Values {
				rec(i+1, append(acc, Param{Key: s.Grid[i].Key, Value: norm(v)}))
			}
		}
		rec(0, nil)
	case s.Random != nil:
		rng := rand.New(rand.NewPCG(s.Random.Seed, 0x5357454550))
		for len(out) < s.Random.N {
			var params Params
			for _, p := range s.Random.Params {
				var choices []any
				for _, v := range p.Values {
					choices = append(choices, norm(v))
				}
				params = append(params, Param{Key: p.Key, Value: sample(rng, p, choices)})
			}
			try(params)
		}
	}
	return out
}

const lazyGrid = `name: g
base: x.yaml
grid:
  - {key: trigger.lookback, values: [5, 10, 20, 50]}
  - {key: trade.targets, values: [[BTC], [ETH, SOL], "BTC"]}
  - {key: trade.hold_days, values: [1, 7, 30]}
  - {key: trade.trailing_stop, values: [0, 0.25]}
constraints: ["len(trade.targets) == 1 or trade.trailing_stop > 0", "trade.hold_days <= trigger.lookback"]
`

const lazyRandom = `name: r
base: x.yaml
random:
  n: 300
  seed: 9
  params:
    - {key: trigger.lookback, type: log_int, min: 5, max: 60}
    - {key: trade.hold_days, type: int, min: 1, max: 20}
    - {key: trade.targets, type: choice, values: [[BTC], [ETH]]}
constraints: [trade.hold_days <= trigger.lookback]
`

// TestScanEqualsReference: the lazy expansion regenerates exactly the trials
// of an eager reimplementation, for the whole sweep and for every shard of
// 1..8 (each shard holds only its own trials, and together they are the
// sweep once), and its id equals ID over the reference trials.
func TestScanEqualsReference(t *testing.T) {
	base := baseConfig(t)
	for _, yml := range []string{lazyGrid, lazyRandom} {
		s, err := decode(t, yml)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceExpand(t, s, base)
		e, err := Scan(context.Background(), s, base, "s.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if e.Trials != nil {
			t.Fatal("Scan materialised the trials")
		}
		if e.Len() != len(want) {
			t.Fatalf("%s: %d trials, reference %d", s.Name, e.Len(), len(want))
		}
		if s.Name == "g" && (e.Excluded == 0 || e.Duplicates == 0) {
			t.Fatalf("grid: excluded %d duplicates %d: the test needs both", e.Excluded, e.Duplicates)
		}
		if got, ref := e.ID("fp"), ID(s.Name, want, "fp"); got != ref {
			t.Errorf("%s: id %s, reference %s", s.Name, got, ref)
		}
		for count := 1; count <= 8; count++ {
			seen := make([]int, len(want))
			for k := range count {
				sh := Shard{Index: k, Count: count}
				n := 0
				if err := e.Each(context.Background(), sh, func(tr Trial) bool {
					w := want[tr.Index]
					if tr.Hash != w.Hash || !reflect.DeepEqual(tr.Params, w.Params) {
						t.Fatalf("%s shard %s trial %d: %s %s, reference %s %s", s.Name, sh, tr.Index, tr.Params, tr.Hash[:8], w.Params, w.Hash[:8])
					}
					if !sh.Has(tr.Index) {
						t.Fatalf("shard %s got trial %d", sh, tr.Index)
					}
					seen[tr.Index]++
					n++
					return true
				}); err != nil {
					t.Fatal(err)
				}
				if n != e.ShardLen(sh) {
					t.Fatalf("%s shard %s: %d trials, ShardLen %d", s.Name, sh, n, e.ShardLen(sh))
				}
			}
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("%s: %d shards: trial %d seen %d times", s.Name, count, i, c)
				}
			}
		}
		// Expand (every trial in memory) gives the same trials.
		full, err := Expand(s, base, "s.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(full.Trials, want) {
			t.Fatalf("%s: Expand differs from the reference", s.Name)
		}
	}
}

// TestScanMemoryFlat: scanning a 200,000-combination grid keeps about the
// 32-byte hash per trial (a materialised expansion kept several hundred
// bytes each), and a shard of it holds only what its callback keeps.
func TestScanMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("scans 200,000 combinations")
	}
	base := baseConfig(t)
	vals := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	s, err := decode(t, fmt.Sprintf(`name: big
base: x.yaml
grid:
  - {key: trigger.lookback, values: %s}
  - {key: trade.hold_days, values: %s}
  - {key: trade.trailing_stop, values: %s}
`, vals(20, func(i int) string { return fmt.Sprint(5 + 5*i) }), vals(100, func(i int) string { return fmt.Sprint(1 + i) }),
		vals(100, func(i int) string { return fmt.Sprintf("%g", float64(i)/250) })))
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	e, err := Scan(context.Background(), s, base, "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if e.Len() != 200_000 {
		t.Fatalf("%d trials", e.Len())
	}
	held := heap() - min(before, heap())
	if per := float64(held) / 200_000; per > 48 {
		t.Errorf("the scanned sweep holds %.0f bytes per trial, want about 32", per)
	}
	n := 0
	if err := e.Each(context.Background(), Shard{Index: 3, Count: 8}, func(tr Trial) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if n != 25_000 {
		t.Errorf("shard 3/8: %d trials, want 25,000", n)
	}
	runtime.KeepAlive(e)
}

// TestLimitsBeforeWork: a grid above MaxTrials, a random n above MaxTrials
// or above its parameter space, and too many workers are refused at once
// with one line naming the limit; a cancelled scan stops.
func TestLimitsBeforeWork(t *testing.T) {
	base := baseConfig(t)
	big := make([]string, 1001)
	for i := range big {
		big[i] = fmt.Sprint(i + 1)
	}
	list := "[" + strings.Join(big, ", ") + "]"
	for _, c := range []struct{ yml, want string }{
		{fmt.Sprintf("name: g\nbase: x.yaml\ngrid:\n  - {key: trigger.lookback, values: %s}\n  - {key: trade.hold_days, values: %s}\n", list, list),
			"more than 1000000 combinations"},
		{"name: r\nbase: x.yaml\nrandom:\n  n: 1000001\n  params:\n    - {key: trade.trailing_stop, type: float, min: 0, max: 0.4}\n",
			"above the limit of 1000000"},
		{"name: r\nbase: x.yaml\nrandom:\n  n: 361\n  params:\n    - {key: trigger.lookback, type: int, min: 5, max: 34}\n    - {key: trade.targets, type: choice, values: [[BTC], [ETH], [BTC], [ETH, BTC]]}\n    - {key: trade.hold_days, type: log_int, min: 1, max: 4}\n",
			"allow only 360 distinct combinations"},
	} {
		s, err := decode(t, c.yml)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = Scan(context.Background(), s, base, "s.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("err = %v, want one line with %q", err, c.want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("refused after %v: the limit must be checked before the work", d)
		}
	}
	// n equal to the space is accepted (and drawn): 30 x 3 x 4 = 360.
	s, err := decode(t, "name: r\nbase: x.yaml\nrandom:\n  n: 40\n  params:\n    - {key: trigger.lookback, type: int, min: 5, max: 34}\n    - {key: trade.targets, type: choice, values: [[BTC], [ETH], [BTC], [ETH, BTC]]}\n    - {key: trade.hold_days, type: log_int, min: 1, max: 4}\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Scan(context.Background(), s, base, "s.yaml"); err != nil {
		t.Errorf("n within the space: %v", err)
	}
	if _, err := decode(t, "name: w\nbase: x.yaml\nworkers: 100000\ngrid:\n  - {key: trade.hold_days, values: [1]}\n"); err == nil || !strings.Contains(err.Error(), "up to 256") {
		t.Errorf("workers 100000 in the file: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g, err := decode(t, lazyGrid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Scan(ctx, g, base, "s.yaml"); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("cancelled scan: %v", err)
	}
	ds, _ := testData(t)
	e, err := Expand(g, base, "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), backtest.NewShared(ds), e, e.Trials, Options{Workers: 100000}, func(*Result) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), "limit of 256") {
		t.Errorf("100000 workers: %v", err)
	}
}

// TestShardsIdentical: running every shard of the flagship grid through
// RunEach on regenerated trials gives, trial by trial, the results of the
// whole sweep run at once (byte for byte), whatever the shard count and
// workers.
func TestShardsIdentical(t *testing.T) {
	ds, _ := testData(t)
	f, _ := flagship(t)
	e, err := Scan(context.Background(), &f.Spec, f.Base, f.Path)
	if err != nil {
		t.Fatal(err)
	}
	sh := backtest.NewShared(ds)
	grid, err := GridFor(ds, e)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Expand(&f.Spec, f.Base, f.Path)
	if err != nil {
		t.Fatal(err)
	}
	ref := runAll(t, sh, full, full.Trials, Options{Workers: 1, Grid: grid})
	for _, c := range []struct{ shards, workers int }{{1, 2}, {2, 1}, {3, 8}, {8, 2}} {
		got := make([]*Result, e.Len())
		for k := range c.shards {
			part := Shard{Index: k, Count: c.shards}
			n, err := RunEach(context.Background(), sh, e, e.ShardLen(part), func(f func(Trial) bool) error {
				return e.Each(context.Background(), part, f)
			}, Options{Workers: c.workers, Grid: grid}, func(r *Result) error {
				if got[r.Index] != nil {
					return fmt.Errorf("trial %d twice", r.Index)
				}
				got[r.Index] = r
				return nil
			})
			if err != nil || n != e.ShardLen(part) {
				t.Fatalf("shard %s: %d results, %v", part, n, err)
			}
		}
		for i := range ref {
			if got[i] == nil || !sameResult(got[i], ref[i]) {
				t.Fatalf("%d shards, %d workers: trial %d differs from the whole sweep", c.shards, c.workers, i)
			}
		}
	}
}
