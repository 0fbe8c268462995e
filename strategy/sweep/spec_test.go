package sweep

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
	"github.com/riskon/riskon/strategy/config"
)

func decode(t *testing.T, yml string) (*Spec, error) {
	t.Helper()
	return Decode(strings.NewReader(yml), "s.yaml")
}

func baseConfig(t *testing.T) config.Config {
	t.Helper()
	c, err := config.Load("../../configs/r2k_breakout_btc.yaml", config.LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDecodeErrors(t *testing.T) {
	ok := "name: g\nbase: b.yaml\n"
	for _, c := range []struct{ name, yml, want string }{
		{"unknown top key", ok + "grid: [{key: trade.hold_days, values: [1]}]\ngrdi: 1\n", `s.yaml:4: unknown key "grdi" in the sweep file; did you mean grid?`},
		{"unknown grid key", ok + "grid: [{key: trade.hold_days, valuse: [1]}]\n", `unknown key "valuse" in grid[0]; did you mean values?`},
		{"unknown random key", ok + "random: {n: 3, params: [{key: trade.hold_days, type: int, min: 1, max: 3, step: 1}]}\n", `unknown key "step" in random.params[0]`},
		{"not a config key", ok + "grid: [{key: trigger.lookbak, values: [1]}]\n", `grid[0].key "trigger.lookbak" is not a run config key; did you mean trigger.lookback?`},
		{"name cannot be swept", ok + "grid: [{key: name, values: [a]}]\n", "cannot be swept"},
		{"two sources", ok + "grid: [{key: trade.hold_days, values: [1]}]\ntrials: [{set: [trade.hold_days=2]}]\n", "exactly one of grid, random and trials (found 2)"},
		{"no source", ok, "exactly one of grid, random and trials (found 0)"},
		{"missing name", "base: b.yaml\ngrid: [{key: trade.hold_days, values: [1]}]\n", "name is missing"},
		{"bad rank_by", ok + "grid: [{key: trade.hold_days, values: [1]}]\nrank_by: sharp\n", `rank_by "sharp" is not a metric`},
		{"wrong type", ok + "grid: [{key: trade.hold_days, values: [1]}]\nworkers: many\n", "s.yaml: yaml: unmarshal errors"},
		{"grid as mapping", ok + "grid: {trade.hold_days: [1]}\n", "grid must be a list"},
		{"same key twice", ok + "grid: [{key: trade.hold_days, values: [1]}, {key: TRADE.hold_days, values: [2]}]\n", "already swept by grid[0]"},
		{"bad constraint", ok + "grid: [{key: trade.hold_days, values: [1]}]\nconstraints: [trade.hold_days = 3]\n", "write == to compare"},
		{"log needs positive min", ok + "random: {n: 3, params: [{key: trade.trailing_stop, type: log, min: 0, max: 0.5}]}\n", "needs min > 0"},
		{"set without =", ok + "trials: [{set: [trade.hold_days]}]\n", "expected key=value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decode(t, c.yml)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}

func TestExpandGridOrderAndHash(t *testing.T) {
	base := baseConfig(t)
	s, err := decode(t, `name: g
base: x.yaml
grid:
  - {key: trigger.lookback, values: [5, 10]}
  - {key: trade.targets, values: [[BTC], [ETH, SOL], "BTC"]}
  - {key: trade.trailing_stop, values: [0, 0.25]}
constraints: ["len(trade.targets) == 1 or trade.trailing_stop > 0"]
`)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Expand(s, base, "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// 2 x 3 x 2 = 12 combinations; [ETH,SOL] with stop 0 is excluded (x2);
	// "BTC" equals [BTC] (x4 duplicates): 6 trials.
	if e.Candidates != 12 || e.Excluded != 2 || e.Duplicates != 4 || len(e.Trials) != 6 {
		t.Fatalf("candidates %d excluded %d duplicates %d trials %d", e.Candidates, e.Excluded, e.Duplicates, len(e.Trials))
	}
	want := []string{
		"trigger.lookback=5 trade.targets=[BTC] trade.trailing_stop=0",
		"trigger.lookback=5 trade.targets=[BTC] trade.trailing_stop=0.25",
		"trigger.lookback=5 trade.targets=[ETH,SOL] trade.trailing_stop=0.25",
		"trigger.lookback=10 trade.targets=[BTC] trade.trailing_stop=0",
		"trigger.lookback=10 trade.targets=[BTC] trade.trailing_stop=0.25",
		"trigger.lookback=10 trade.targets=[ETH,SOL] trade.trailing_stop=0.25",
	}
	for i, tr := range e.Trials {
		if tr.Index != i || tr.Params.String() != want[i] {
			t.Errorf("trial %d: %d %s, want %s", i, tr.Index, tr.Params, want[i])
		}
		// Independent: the same overrides through config.Override.
		c, err := config.Override(base, strings.Fields(want[i])...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Config(&e.Trials[i])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.Trade, got.Trade) || c.Trigger != got.Trigger {
			t.Errorf("trial %d config %+v, want %+v", i, got, c)
		}
		c.Name = ""
		if tr.Hash != config.Hash(c) {
			t.Errorf("trial %d hash %s, want %s", i, tr.Hash, config.Hash(c))
		}
		if got.Name != "g#"+string(rune('0'+i)) {
			t.Errorf("trial %d name %q", i, got.Name)
		}
	}
	// Params round-trip through JSON in order.
	b, err := json.Marshal(e.Trials[2].Params)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"trigger.lookback":5,"trade.targets":["ETH","SOL"],"trade.trailing_stop":0.25}` {
		t.Errorf("params JSON %s", b)
	}
	var back Params
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, e.Trials[2].Params) {
		t.Errorf("params round trip %#v, want %#v", back, e.Trials[2].Params)
	}
	// An invalid value names the key and the combination.
	s.Grid[2].Values = append(s.Grid[2].Values, 1.5)
	if _, err := Expand(s, base, "s.yaml"); err == nil || !strings.Contains(err.Error(), "trade.trailing_stop") || !strings.Contains(err.Error(), "s.yaml: grid combination 2") {
		t.Errorf("invalid value: err = %v", err)
	}
}

func TestExpandRandomDeterministic(t *testing.T) {
	base := baseConfig(t)
	yml := `name: r
base: x.yaml
random:
  n: 200
  seed: 42
  params:
    - {key: trigger.lookback, type: log_int, min: 5, max: 300}
    - {key: trade.hold_days, type: int, min: 1, max: 60}
    - {key: trade.trailing_stop, type: float, min: 0, max: 0.3}
    - {key: costs.commission_bps, type: log, min: 1, max: 50}
    - {key: trade.targets, type: choice, values: [[BTC], [ETH]]}
constraints: [trade.hold_days <= trigger.lookback]
`
	s, err := decode(t, yml)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Expand(s, base, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Expand(s, base, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Trials) != 200 {
		t.Fatalf("%d trials, want 200", len(a.Trials))
	}
	seen := map[string]bool{}
	for i := range a.Trials {
		x, y := a.Trials[i], b.Trials[i]
		if x.Hash != y.Hash || !reflect.DeepEqual(x.Params, y.Params) {
			t.Fatalf("trial %d differs between expansions", i)
		}
		if seen[x.Hash] {
			t.Fatalf("trial %d duplicated", i)
		}
		seen[x.Hash] = true
		c, err := a.Config(&a.Trials[i])
		if err != nil {
			t.Fatal(err)
		}
		if c.Trigger.Lookback < 5 || c.Trigger.Lookback > 300 || c.Trade.HoldDays < 1 || c.Trade.HoldDays > 60 ||
			c.Trade.HoldDays > c.Trigger.Lookback || c.Trade.TrailingStop < 0 || c.Trade.TrailingStop >= 0.3 ||
			c.Costs.CommissionBps < 1 || c.Costs.CommissionBps >= 50 {
			t.Fatalf("trial %d out of range: %s", i, x.Params)
		}
	}
	s.Random.Seed = 43
	c, err := Expand(s, base, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Trials[0].Hash == a.Trials[0].Hash {
		t.Error("another seed gives the same first trial")
	}
	// Impossible constraints are reported, not looped on.
	s.Constraints = []string{"trade.hold_days > 1000"}
	if _, err := Expand(s, base, ""); err == nil || !strings.Contains(err.Error(), "only 0 distinct trials") {
		t.Errorf("impossible constraint: %v", err)
	}
}

func TestExplicitTrials(t *testing.T) {
	base := baseConfig(t)
	s, err := decode(t, `name: x
base: b.yaml
trials:
  - set: [trigger.lookback=100, "trade.targets=[ETH, BTC]"]
  - set: [trigger.rule=new_high, trigger.min_days_since_high=90]
`)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Expand(s, base, "")
	if err != nil {
		t.Fatal(err)
	}
	c0, err0 := e.Config(&e.Trials[0])
	c1, err1 := e.Config(&e.Trials[1])
	if len(e.Trials) != 2 || err0 != nil || err1 != nil || c0.Trigger.Lookback != 100 ||
		!reflect.DeepEqual(c0.Trade.Targets, []string{"ETH", "BTC"}) ||
		c1.Trigger.Rule != "new_high" || c1.Trigger.MinDaysSinceHigh != 90 ||
		!reflect.DeepEqual(e.Symbols, []string{"RUT", "ETH", "BTC"}) || !reflect.DeepEqual(e.Targets, []string{"ETH", "BTC"}) {
		t.Fatalf("trials %+v symbols %v targets %v", e.Trials, e.Symbols, e.Targets)
	}
	if v, _ := e.Trials[0].Params.Get("trigger.lookback"); v != int64(100) {
		t.Errorf("lookback param %#v, want int64 100", v)
	}
}

func TestConstraints(t *testing.T) {
	c := baseConfig(t) // lookback 252, hold 365, targets [BTC], rule donchian, stop 0
	for _, x := range []struct {
		src  string
		want bool
	}{
		{"trade.hold_days <= trigger.lookback", false},
		{"trade.hold_days > trigger.lookback", true},
		{"trade.hold_days >= 2 * trigger.lookback - 140", true},
		{"trade.hold_days / 5 == 73", true},
		{`trigger.rule == "donchian" and not trade.exit_on_failed_breakout`, true},
		{`trigger.rule != 'donchian' || trade.trailing_stop > 0`, false},
		{"len(trade.targets) == 1 && (trigger.lookback < 100 or -trade.hold_days < -300)", true},
		{"!(costs.commission_bps == 10)", false},
		{"trade.exit_on_failed_breakout == false", true},
	} {
		k, err := Compile(x.src)
		if err != nil {
			t.Fatalf("%s: %v", x.src, err)
		}
		if got := k.Eval(&c); got != x.want {
			t.Errorf("%s = %v, want %v", x.src, got, x.want)
		}
	}
	for _, bad := range []struct{ src, want string }{
		{"trade.hold_days", "not a comparison"},
		{"trade.targets == 1", "list key cannot be compared"},
		{`trigger.rule < "x"`, "needs numbers"},
		{"trigger.rule == 3", "compares a string with a number"},
		{"1 < 2 < 3", "chained"},
		{"trade.hold_dayz > 1", "did you mean trade.hold_days?"},
		{"len(trigger.lookback) > 1", "is not a list"},
		{"(1 < 2", "missing ')'"},
		{"os.exit(1) == 0", "not a run config key"},
		{"1 < 2 ; rm", "unexpected character"},
	} {
		if _, err := Compile(bad.src); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: err = %v, want %q", bad.src, err, bad.want)
		}
	}
}

func TestShards(t *testing.T) {
	if _, err := ParseShard("4/4"); err == nil {
		t.Error("4/4 accepted")
	}
	if _, err := ParseShard("1-4"); err == nil {
		t.Error("1-4 accepted")
	}
	trials := make([]Trial, 50)
	for i := range trials {
		trials[i].Index = i
	}
	seen := make([]int, 50)
	for i := range 4 {
		sh, err := ParseShard(string(rune('0'+i)) + "/4")
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range sh.Select(trials) {
			seen[tr.Index]++
		}
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("trial %d in %d shards", i, n)
		}
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		env   map[string]string
		count int
		want  Shard
		err   string
	}{
		{map[string]string{}, 0, Shard{}, ""},
		{map[string]string{EnvSlurmTaskID: "2", EnvShardCount: "4"}, 0, Shard{2, 4}, ""},
		{map[string]string{EnvSlurmTaskID: "2", EnvSlurmTaskCount: "4"}, 4, Shard{2, 4}, ""},
		// A rerun of task 3 alone (sbatch --array=3): the array has one task
		// with min 3; the part is still 3 of the explicit 8.
		{map[string]string{EnvSlurmTaskID: "3", EnvSlurmTaskCount: "1", "SLURM_ARRAY_TASK_MIN": "3", EnvShardCount: "8"}, 0, Shard{3, 8}, ""},
		{map[string]string{EnvSlurmTaskID: "3", EnvSlurmTaskCount: "1", "SLURM_ARRAY_TASK_MIN": "3"}, 8, Shard{3, 8}, ""},
		// The array size alone is never the number of parts.
		{map[string]string{EnvSlurmTaskID: "2", EnvSlurmTaskCount: "4"}, 0, Shard{}, "SLURM_ARRAY_TASK_COUNT is not used"},
		{map[string]string{EnvSlurmTaskID: "2"}, 0, Shard{}, "--shard-count N"},
		{map[string]string{EnvSlurmTaskID: "8", EnvShardCount: "8"}, 0, Shard{}, "--array=0-7"},
		{map[string]string{EnvSlurmTaskID: "1", EnvShardCount: "0"}, 0, Shard{}, "at least 1"},
		{map[string]string{EnvJobIndex: "1", EnvShardCount: "3"}, 0, Shard{1, 3}, ""},
		{map[string]string{EnvJobIndex: "1"}, 2, Shard{1, 2}, ""},
		{map[string]string{EnvJobIndex: "1"}, 0, Shard{}, "RISKON_SHARD_COUNT"},
		{map[string]string{EnvJobIndex: "5", EnvShardCount: "3"}, 0, Shard{}, "outside"},
	} {
		got, _, err := ShardFromEnv(env(c.env), c.count)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: err = %v, want %q", c.env, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%v: %v %v, want %v", c.env, got, err, c.want)
		}
	}
}

// TestPBOMatchesStats: the block-sum CSCV equals results/stats.PBO with
// stats.Sharpe on random T x N matrices, whatever the number of workers.
func TestPBOMatchesStats(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 6 {
		N := 2 + rng.IntN(30)
		for _, S := range []int{16, 8} {
			m := 2 + rng.IntN(20)
			g := Grid{Start: data.Date(1000 + rng.IntN(100)), BlockDays: m, Blocks: S}
			perf := make([][]float64, S*m)
			sums := make([]float64, 0, N*2*S)
			dates := make([]data.Date, S*m+5)
			for k := range dates {
				dates[k] = g.Start - 3 + data.Date(k) // some days outside the grid
			}
			cols := make([][]float64, N)
			for j := range N {
				skill := rng.NormFloat64() * 0.02
				start := rng.IntN(S * m / 3) // a later start: zeros before it
				cols[j] = make([]float64, len(dates))
				for k := range dates {
					if k >= start {
						cols[j][k] = skill + rng.NormFloat64()*0.05
					}
				}
				sums = append(sums, g.Sums(nil, dates, cols[j])...)
			}
			for r := range perf {
				perf[r] = make([]float64, N)
				for j := range N {
					perf[r][j] = cols[j][r+3]
				}
			}
			want, _, err := stats.PBO(perf, S, stats.Sharpe)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []int{1, 3} {
				got, err := PBO(g, sums, w)
				if err != nil {
					t.Fatal(err)
				}
				if got.PBO != want || got.Trials != N || got.Splits != int(binom(S, S/2)) {
					t.Fatalf("case %d S=%d workers %d: PBO %+v, stats.PBO %v", trial, S, w, got, want)
				}
			}
		}
	}
	if _, err := PBO(Grid{Blocks: 4, BlockDays: 2}, make([]float64, 8), 1); err == nil {
		t.Error("PBO of one trial accepted")
	}
	if _, err := PBO(Grid{Blocks: 3, BlockDays: 2}, make([]float64, 12), 1); err == nil {
		t.Error("odd S accepted")
	}
}

func TestNewGrid(t *testing.T) {
	for _, c := range []struct {
		days, trials  int
		blocks, start int
	}{{5256, 50, 16, 8}, {5256, 100000, 12, 0}, {5256, 20000, 14, 6}, {10, 50, 4, 2}} {
		g, err := NewGrid(100, data.Date(100+c.days-1), c.trials)
		if err != nil {
			t.Fatal(err)
		}
		if g.Blocks != c.blocks || int(g.Start) != 100+c.start || g.Days() != c.days-c.start || g.BlockDays != c.days/c.blocks {
			t.Errorf("%d days, %d trials: %+v", c.days, c.trials, g)
		}
	}
	if _, err := NewGrid(100, 101, 5); err == nil {
		t.Error("2 days accepted")
	}
}

func TestSummaryRanking(t *testing.T) {
	mk := func(i int, sharpe, dd float64) *Result {
		return &Result{Index: i, Metrics: results.Metrics{Sharpe: results.Value(sharpe), MaxDrawdown: results.Value(dd), Annualization: 365}}
	}
	in := []*Result{mk(0, 1, 0.5), mk(1, math.NaN(), 0.1), mk(2, 2, 0.3), mk(3, 2, 0.2), mk(4, 0.5, math.NaN())}
	for _, c := range []struct {
		by   string
		want []int
	}{{"sharpe", []int{2, 3, 0}}, {"max_drawdown", []int{1, 3, 2}}} {
		s, err := NewSummary(c.by, Grid{}, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(in) - 1; i >= 0; i-- {
			s.Add(in[i])
		}
		st := s.Finish(FinishOptions{SkipSweepStats: true})
		var got []int
		for _, r := range st.Top {
			got = append(got, r.Index)
		}
		if !reflect.DeepEqual(got, c.want) || st.Trials != 5 {
			t.Errorf("rank by %s: top %v, want %v (trials %d)", c.by, got, c.want, st.Trials)
		}
	}
	if _, err := NewSummary("sharp", Grid{}, 1); err == nil {
		t.Error("unknown metric accepted")
	}
}

// TestConfigEqualsApplyParams: the direct field setting of Expansion.Config
// gives exactly the config of ApplyParams (the --set path) for every kind of
// key and awkward values, which fall back to ApplyParams.
func TestConfigEqualsApplyParams(t *testing.T) {
	base := baseConfig(t)
	base.Trade.Weights = []float64{1}
	for _, yml := range []string{
		`name: a
base: b.yaml
grid:
  - {key: trigger.lookback, values: [5, 300]}
  - {key: trade.targets, values: [[BTC], [ETH, SOL], "ETH, BTC", [" BTC"]]}
  - {key: trade.weights, values: [[], [1, 2], [0.5]]}
  - {key: trade.trailing_stop, values: [0, -0.0, 0.2, 0.3]}
  - {key: trigger.rule, values: [donchian, " range_breakout "]}
  - {key: trade.exit_on_failed_breakout, values: [true, false]}
  - {key: seed, values: [0, 18]}
  - {key: data.start, values: [2015-01-01, "", null]}
constraints: ["len(trade.weights) == 0 or len(trade.weights) == len(trade.targets)"]`,
		`name: r
base: b.yaml
random:
  n: 300
  params:
    - {key: costs.commission_bps, type: log, min: 0.5, max: 50}
    - {key: trade.hold_days, type: int, min: 0, max: 400}
    - {key: trade.allocation, type: float, min: 0.1, max: 1}`,
	} {
		s, err := decode(t, yml)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Expand(s, base, "")
		if err != nil {
			t.Fatal(err)
		}
		for i := range e.Trials {
			tr := &e.Trials[i]
			got, err := e.Config(tr)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ApplyParams(base, TrialName(s.Name, tr.Index), tr.Params)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) || TrialHash(got) != tr.Hash {
				t.Fatalf("trial %d (%s):\n got %+v\nwant %+v", i, tr.Params, got, want)
			}
		}
	}
}

// TestConstraintDivisionByZero: a constraint dividing by zero is an error
// naming the constraint and the divisor, never true (0/0 != x was true) or
// false; a guarded division is fine.
func TestConstraintDivisionByZero(t *testing.T) {
	t.Parallel()
	c := config.Default()
	c.Trade.TrailingStop = 0
	for _, src := range []string{
		"trigger.lookback / trade.trailing_stop > 1",
		"trade.trailing_stop / trade.trailing_stop != 2", // 0/0: NaN != 2 was true
		"not (1 / trade.trailing_stop < 0)",
		"trigger.lookback > 0 and 3 / (trade.trailing_stop * 2) > 1",
	} {
		k, err := Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		ok, err := k.Check(&c)
		if err == nil || !strings.Contains(err.Error(), "division by zero") || !strings.Contains(err.Error(), src) {
			t.Errorf("%s: %v, %v; want a division-by-zero error naming the constraint", src, ok, err)
		}
		if k.Eval(&c) {
			t.Errorf("%s: Eval true on a division by zero", src)
		}
	}
	guarded, _ := Compile("trade.trailing_stop == 0 or trigger.lookback / trade.trailing_stop > 1")
	if ok, err := guarded.Check(&c); err != nil || !ok {
		t.Errorf("guarded division: %v %v", ok, err)
	}
	// Through a sweep: the expansion fails naming the file.
	spec, err := Decode(strings.NewReader("name: z\nbase: b.yaml\ngrid:\n  - {key: trade.trailing_stop, values: [0.1, 0]}\nconstraints: [\"trigger.lookback / trade.trailing_stop > 10\"]\n"), "z.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Expand(spec, c, "z.yaml"); err == nil || !strings.Contains(err.Error(), "z.yaml") || !strings.Contains(err.Error(), "trade.trailing_stop is 0") {
		t.Fatalf("sweep with a division by zero: %v", err)
	}
}

// TestParseShardMessages: each wrong --shard is answered about what is wrong
// with that value, using its own N.
func TestParseShardMessages(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"0/0":  "N, the number of parts, must be at least 1",
		"3/-2": "N, the number of parts, must be at least 1",
		"5/3":  "0 to 2 (i counts from 0: the parts of 3 are 0/3 .. 2/3)",
		"-1/8": "0 to 7 (i counts from 0: the parts of 8 are 0/8 .. 7/8)",
		"x/2":  "want i/N",
	} {
		_, err := ParseShard(in)
		if err == nil || !strings.Contains(err.Error(), want) || (in != "-1/8" && strings.Contains(err.Error(), "of 4")) {
			t.Errorf("ParseShard(%q) = %v, want %q", in, err, want)
		}
	}
}
