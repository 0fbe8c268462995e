package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/configs"
	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/sweep"
)

// benchResult is the output of riskon bench.
type benchResult struct {
	Machine   benchMachine `json:"machine"`
	Data      benchData    `json:"data"`
	SingleRun benchRun     `json:"single_run"`
	Sweep     benchSweep   `json:"sweep"`
	// RandomSweep is a random sweep of --random-trials trials run through
	// the sweep runner with its summary (nothing stored): peak memory.
	RandomSweep benchRandom `json:"random_sweep"`
	// BigRun is one run over 400 years of generated data; Evidence the
	// evidence of a run of about 600 trades.
	BigRun   benchBig      `json:"big_run"`
	Evidence benchEvidence `json:"evidence"`
	// PeakRSSMB is the peak resident memory of the process (VmHWM, the
	// getrusage maxrss of Linux), in MiB.
	PeakRSSMB results.Value `json:"peak_rss_mb"`
}

type benchMachine struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Go         string `json:"go"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
}

type benchData struct {
	Source      string         `json:"source"` // database PATH or synthetic
	Synthetic   bool           `json:"synthetic"`
	Fingerprint string         `json:"fingerprint"`
	Bars        map[string]int `json:"bars"`
}

type benchRun struct {
	Config string `json:"config"`
	// Events is the number of bar events one run replays (the trial path
	// jumps over flat stretches); Walked of them are walked while holding
	// (marks and equity samples only, engine.HeldSkipper); PlanEvents is
	// the number of events in the plan.
	Events          int     `json:"events"`
	Walked          int     `json:"walked"`
	PlanEvents      int     `json:"plan_events"`
	Runs            int     `json:"runs"`
	Seconds         float64 `json:"seconds"`
	EventsPerSecond float64 `json:"events_per_second"`
	// FullBacktestMS is one backtest.Run with its report and bootstrap
	// evidence (what `riskon run` does before storing).
	FullBacktestMS float64 `json:"full_backtest_ms"`
}

type benchSweep struct {
	Grid            string        `json:"grid"`
	Trials          int           `json:"trials"`
	Workers         int           `json:"workers"`
	Seconds         float64       `json:"seconds"`
	TrialsPerSecond float64       `json:"trials_per_second"`
	OneWorker       results.Value `json:"one_worker_trials_per_second"`
	Scaling         results.Value `json:"scaling"` // trials/s with Workers over trials/s with 1
	// StatsSeconds is the DSR and PBO after the trials (not in Seconds).
	// The grid repeats its Distinct trials, and the PBO scores trials with
	// identical block sums once: the random sweep's StatsSeconds is the
	// figure for distinct trials.
	StatsSeconds float64 `json:"stats_seconds"`
	Distinct     int     `json:"distinct_trials"`
	PBOBlocks    int     `json:"pbo_blocks"`
	// AllocsPerTrial are the heap allocations of the whole sweep (runner,
	// workers, summary) per trial, with --workers.
	AllocsPerTrial float64 `json:"allocs_per_trial"`
}

type benchRandom struct {
	Spec            string  `json:"spec"`
	Trials          int     `json:"trials"`
	Seconds         float64 `json:"seconds"`
	TrialsPerSecond float64 `json:"trials_per_second"`
	// PeakRSSMB is the process's peak resident memory during the sweep
	// (the peak is reset before it on Linux); PeakHeapMB the peak Go heap
	// in use, sampled every 50 ms.
	PeakRSSMB  results.Value `json:"peak_rss_mb"`
	PeakHeapMB float64       `json:"peak_heap_mb"`
	// StatsSeconds is the DSR and PBO of the sweep's results (part of
	// Seconds): unlike the repeated grid's, its trials are distinct, so it
	// is what a sweep of that many trials pays (the PBO scores trials with
	// identical block sums once).
	StatsSeconds float64 `json:"stats_seconds"`
}

type benchBig struct {
	What    string  `json:"what"`
	Bars    int     `json:"bars"`
	Trades  int     `json:"trades"`
	Seconds float64 `json:"seconds"`
	// GenerateSeconds is the data generation alone, part of Seconds.
	GenerateSeconds float64 `json:"generate_seconds"`
	// EvidenceSeconds is the evidence of the same result timed again
	// alone (Seconds includes it once).
	EvidenceSeconds float64 `json:"evidence_seconds"`
}

type benchEvidence struct {
	What   string  `json:"what"`
	Trades int     `json:"trades"`
	MS     float64 `json:"ms"`
}

// benchCmd is `riskon bench`.
func (a *app) benchCmd() *cobra.Command {
	var (
		useDB   bool
		bars    int
		trials  int
		random  int
		workers int
		output  string
	)
	cmd := &cobra.Command{
		Use:   "bench [--data] [--bars N] [--trials N] [--workers N]",
		Short: "Measure bar events per second, sweep trials per second and peak memory on this machine",
		Long: `A reproducible benchmark: the flagship config (RUT Donchian 252 -> BTC for a
year) replayed repeatedly for bar events per second, then the flagship grid
(lookback {5..250} x hold_days {1..30}, 50 trials) repeated to --trials trials
through the parallel sweep runner (results kept in memory, statistics
computed, nothing written), with --workers and with 1 worker, then the peak
resident memory and the machine. --data runs on RUT and BTC from the
database; otherwise on seeded synthetic data (labelled) with --bars daily
trigger bars and BTC over the last 38% of that span, the shape of the real
data (about 9,700 RUT bars from 1987, 5,300 BTC days from 2011).`,
		Example: `  riskon bench
  riskon bench --data --trials 20000 --workers 2
  riskon bench --bars 10000 --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			if trials < 1 || trials > sweep.MaxTrials || bars < 300 || bars > maxBenchBars || workers < 0 || workers > sweep.MaxWorkers ||
				random < 0 || random > sweep.MaxTrials {
				return fmt.Errorf("bench: want 1 <= --trials <= %d, 0 <= --random-trials <= %d, 300 <= --bars <= %d, 0 <= --workers <= %d (got %d, %d, %d, %d)",
					sweep.MaxTrials, sweep.MaxTrials, maxBenchBars, sweep.MaxWorkers, trials, random, bars, workers)
			}
			if workers == 0 {
				workers = runtime.NumCPU()
			}
			res, err := a.bench(cmd.Context(), useDB, bars, trials, random, workers)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(a.stdout, res)
			}
			printBench(a, res)
			return nil
		},
	}
	cmd.Flags().BoolVar(&useDB, "data", false, "use RUT and BTC from the database (default: synthetic data)")
	cmd.Flags().IntVar(&bars, "bars", 10000, "synthetic data: daily trigger bars")
	cmd.Flags().IntVar(&trials, "trials", 10000, "sweep trials (the 50-trial flagship grid, repeated)")
	cmd.Flags().IntVar(&random, "random-trials", 20000, "trials of the random sweep measured for peak memory (0: skip)")
	cmd.Flags().IntVarP(&workers, "workers", "w", 0, "sweep workers (default one per CPU)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func benchNoEnv(string) (string, bool) { return "", false }

// maxBenchBars bounds --bars: 400 years of daily bars.
const maxBenchBars = 150000

func (a *app) bench(ctx context.Context, useDB bool, bars, trials, random, workers int) (*benchResult, error) {
	b, err := configs.FS.ReadFile("r2k_breakout_btc.yaml")
	if err != nil {
		return nil, fmt.Errorf("bench: embedded config: %w", err)
	}
	base, err := config.Decode(bytes.NewReader(b), "configs/r2k_breakout_btc.yaml", config.LoadOptions{Env: benchNoEnv})
	if err != nil {
		return nil, err
	}
	res := &benchResult{Machine: machine(), PeakRSSMB: results.NA}

	var ds *data.Dataset
	if useDB {
		st, err := a.openStore(ctx, true)
		if err != nil {
			return nil, err
		}
		ds, err = st.Load(ctx, []string{base.Trigger.Symbol, "BTC"})
		st.Close()
		if err != nil {
			return nil, err
		}
		res.Data.Source = "database " + a.dbPath()
	} else {
		ds, err = benchSynthetic(bars)
		if err != nil {
			return nil, err
		}
		res.Data.Source = fmt.Sprintf("synthetic (seed 1, %d trigger bars)", bars)
	}
	res.Data.Synthetic, res.Data.Fingerprint = ds.Synthetic, ds.Fingerprint()
	res.Data.Bars = map[string]int{}
	for _, s := range ds.Series {
		res.Data.Bars[s.Symbol] = s.Len()
	}
	sh := backtest.NewShared(ds)

	// Single run: the hot path, repeated for about a second.
	res.SingleRun.Config = "r2k_breakout_btc.yaml (donchian 252, hold 365 days)"
	tr := backtest.NewTrialRunner(sh)
	start := time.Now()
	events := 0
	for res.SingleRun.Runs < 3 || time.Since(start) < time.Second {
		o, err := tr.Run(ctx, base)
		if err != nil {
			return nil, err
		}
		events += o.Result.Events
		res.SingleRun.Events, res.SingleRun.Walked = o.Result.Events, o.Result.Walked
		res.SingleRun.Runs++
	}
	res.SingleRun.PlanEvents = sh.Plan.Len()
	res.SingleRun.Seconds = time.Since(start).Seconds()
	res.SingleRun.EventsPerSecond = float64(events) / res.SingleRun.Seconds
	start = time.Now()
	if _, err := backtest.Run(ctx, base, ds, sh.Plan); err != nil {
		return nil, err
	}
	res.SingleRun.FullBacktestMS = float64(time.Since(start).Microseconds()) / 1000

	// Sweep: the flagship grid repeated to the number of trials.
	spec := &sweep.Spec{Name: "r2k-grid", RankBy: sweep.DefaultRankBy, Grid: []sweep.GridParam{
		{Key: "trigger.lookback", Values: []any{5, 10, 20, 30, 50, 75, 100, 150, 200, 250}},
		{Key: "trade.hold_days", Values: []any{1, 3, 7, 14, 30}},
	}}
	exp, err := sweep.Expand(spec, base, "flagship grid")
	if err != nil {
		return nil, err
	}
	all := make([]sweep.Trial, trials)
	for i := range all {
		all[i] = exp.Trials[i%len(exp.Trials)]
		all[i].Index = i
	}
	grid, err := sweep.GridFor(ds, &sweep.Expansion{Targets: exp.Targets, Trials: all}) // sized for all trials
	if err != nil {
		return nil, err
	}
	res.Sweep = benchSweep{Grid: "configs/sweeps/r2k_grid.yaml: lookback {5..250} x hold_days {1..30}, 50 trials, repeated",
		Trials: trials, Distinct: len(exp.Trials), Workers: workers, PBOBlocks: grid.Blocks, OneWorker: results.NA, Scaling: results.NA}
	// The sink keeps what riskon sweep keeps in memory: the summary.
	run := func(w int) (float64, *sweep.Summary, error) {
		sum, err := sweep.NewSummary(sweep.DefaultRankBy, grid, 10)
		if err != nil {
			return 0, nil, err
		}
		start := time.Now()
		if _, err := sweep.Run(ctx, sh, exp, all, sweep.Options{Workers: w, Grid: grid}, func(r *sweep.Result) error {
			sum.Add(r)
			return nil
		}); err != nil {
			return 0, nil, err
		}
		return time.Since(start).Seconds(), sum, nil
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	secs, sum, err := run(workers)
	if err != nil {
		return nil, err
	}
	runtime.ReadMemStats(&ms1)
	res.Sweep.AllocsPerTrial = float64(ms1.Mallocs-ms0.Mallocs) / float64(trials)
	res.Sweep.Seconds, res.Sweep.TrialsPerSecond = secs, float64(trials)/secs
	start = time.Now()
	sum.Finish(sweep.FinishOptions{Workers: workers})
	res.Sweep.StatsSeconds = time.Since(start).Seconds()
	sum = nil
	if workers > 1 {
		secs1, _, err := run(1)
		if err != nil {
			return nil, err
		}
		one := float64(trials) / secs1
		res.Sweep.OneWorker = results.Value(one)
		res.Sweep.Scaling = results.Value(res.Sweep.TrialsPerSecond / one)
	}
	if kb, ok := peakRSSKB(); ok {
		res.PeakRSSMB = results.Value(float64(kb) / 1024)
	}
	if random > 0 {
		if res.RandomSweep, err = benchRandomSweep(ctx, sh, base, random, workers); err != nil {
			return nil, err
		}
	}
	if res.Evidence, err = benchEvidenceOf(ctx); err != nil {
		return nil, err
	}
	if res.BigRun, err = benchBigRun(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

// benchRandomSweep runs a random sweep like docs/SWEEP.md's random100k.yaml
// (log_int lookback 5..400, hold_days 1..120, trailing_stop 0..0.4,
// cooldown {0, 7, 30}) through Scan and RunEach with a summary, and
// measures the peak memory of that phase.
func benchRandomSweep(ctx context.Context, sh *backtest.Shared, base config.Config, n, workers int) (benchRandom, error) {
	f := func(x float64) *float64 { return &x }
	spec := &sweep.Spec{Name: "random", RankBy: sweep.DefaultRankBy, Random: &sweep.Random{N: n, Seed: 7, Params: []sweep.RandomParam{
		{Key: "trigger.lookback", Type: sweep.DistLogInt, Min: f(5), Max: f(400)},
		{Key: "trade.hold_days", Type: sweep.DistInt, Min: f(1), Max: f(120)},
		{Key: "trade.trailing_stop", Type: sweep.DistFloat, Min: f(0), Max: f(0.4)},
		{Key: "trigger.cooldown_days", Type: sweep.DistChoice, Values: []any{0, 7, 30}},
	}}}
	out := benchRandom{Spec: "lookback log_int 5..400, hold_days 1..120, trailing_stop 0..0.4, cooldown {0,7,30}", Trials: n, PeakRSSMB: results.NA}
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peakHeap.Load() {
				peakHeap.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	exp, err := sweep.Scan(ctx, spec, base, "bench random sweep")
	if err != nil {
		close(stop)
		return out, err
	}
	grid, err := sweep.GridFor(sh.DS, exp)
	if err != nil {
		close(stop)
		return out, err
	}
	sum, err := sweep.NewSummary(sweep.DefaultRankBy, grid, 10)
	if err != nil {
		close(stop)
		return out, err
	}
	sum.Grow(exp.Len())
	_, err = sweep.RunEach(ctx, backtest.NewShared(sh.DS), exp, exp.Len(), func(f func(sweep.Trial) bool) error {
		return exp.Each(ctx, sweep.Shard{}, f)
	}, sweep.Options{Workers: workers, Grid: grid}, func(r *sweep.Result) error {
		sum.Add(r)
		return nil
	})
	if err == nil {
		fin := time.Now()
		sum.Finish(sweep.FinishOptions{Workers: workers})
		out.StatsSeconds = time.Since(fin).Seconds()
	}
	out.Seconds = time.Since(start).Seconds()
	close(stop)
	<-sampled
	if err != nil {
		return out, err
	}
	out.TrialsPerSecond = float64(n) / out.Seconds
	out.PeakHeapMB = float64(peakHeap.Load()) / (1 << 20)
	if kb, ok := peakRSSKB(); ok && resetPeakRSS {
		out.PeakRSSMB = results.Value(float64(kb) / 1024)
	}
	return out, nil
}

// bigRunConfig is the peer harness's rule (docs/SWEEP.md, Performance):
// RUT Donchian 20 -> BTC for 5 days, 10 bps commission.
func bigRunConfig() (config.Config, error) {
	return config.Decode(strings.NewReader(`name: big
trigger: {symbol: RUT, rule: donchian, lookback: 20}
trade: {targets: [BTC], hold_days: 5}
costs: {commission_bps: 10}
`), "bench config", config.LoadOptions{Env: benchNoEnv})
}

// benchYears generates RUT (NYSE) and BTC (24x7) over the given years up to
// 2199-12-31 (as the peer generator does for 400 years).
func benchYears(years int) (*data.Dataset, error) {
	def := data.DefaultSynthetic(1)
	rut, btc := def.Symbols[0], def.Symbols[1]
	end := data.DateOf(2199, 12, 31)
	rut.Start = end - data.Date(years*36524/100)
	btc.Start = rut.Start
	return data.Synthetic(data.SyntheticOptions{Seed: 1, End: end, Symbols: []data.SyntheticSpec{rut, btc}})
}

// benchBigRun is one run over 400 years of generated data, in process:
// generation, plan, the run and its benchmark, evidence and report (what
// riskon run does before storing).
func benchBigRun(ctx context.Context) (benchBig, error) {
	out := benchBig{What: "RUT donchian 20 -> BTC hold 5 days over 400 generated years, in process (generate, run, evidence, report)"}
	cfg, err := bigRunConfig()
	if err != nil {
		return out, err
	}
	start := time.Now()
	ds, err := benchYears(400)
	if err != nil {
		return out, err
	}
	out.GenerateSeconds = time.Since(start).Seconds()
	for _, s := range ds.Series {
		out.Bars += s.Len()
	}
	o, err := backtest.Run(ctx, cfg, ds, nil)
	if err != nil {
		return out, err
	}
	out.Seconds = time.Since(start).Seconds()
	out.Trades = len(o.Result.Trades)
	t := time.Now()
	if _, _, err := backtest.Evidence(o.Result, ds, cfg, backtest.Options{}); err != nil {
		return out, err
	}
	out.EvidenceSeconds = time.Since(t).Seconds()
	return out, nil
}

// benchEvidenceOf times the evidence (bootstrap intervals and the
// random-entry test) of the big-run rule over 40 generated years.
func benchEvidenceOf(ctx context.Context) (benchEvidence, error) {
	out := benchEvidence{What: "evidence of RUT donchian 20 -> BTC hold 5 days over 40 generated years"}
	cfg, err := bigRunConfig()
	if err != nil {
		return out, err
	}
	ds, err := benchYears(40)
	if err != nil {
		return out, err
	}
	sh := backtest.NewShared(ds)
	o, err := backtest.NewTrialRunner(sh).Run(ctx, cfg)
	if err != nil {
		return out, err
	}
	out.Trades = len(o.Result.Trades)
	best := math.Inf(1)
	for range 3 {
		t := time.Now()
		if _, _, err := backtest.Evidence(o.Result, ds, cfg, backtest.Options{}); err != nil {
			return out, err
		}
		best = min(best, time.Since(t).Seconds())
	}
	out.MS = best * 1000
	return out, nil
}

// benchSynthetic generates RUT (NYSE) with about bars daily bars and BTC
// (24x7) over the last 38% of that span.
func benchSynthetic(bars int) (*data.Dataset, error) {
	def := data.DefaultSynthetic(1)
	end := def.End
	span := data.Date(bars*365/252 + 10)
	rut, btc := def.Symbols[0], def.Symbols[1]
	rut.Start = end - span
	btc.Start = end - span*38/100
	return data.Synthetic(data.SyntheticOptions{Seed: 1, End: end, Symbols: []data.SyntheticSpec{rut, btc}})
}

func machine() benchMachine {
	m := benchMachine{CPU: "unknown", Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version(),
		OS: runtime.GOOS, Arch: runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// peakRSSKB reads the peak resident set size (VmHWM, which Linux also
// reports as getrusage's ru_maxrss) in KiB.
func peakRSSKB() (int, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n, err == nil
		}
	}
	return 0, false
}

func printBench(a *app, r *benchResult) {
	w := a.stdout
	if r.Data.Synthetic {
		fmt.Fprintln(w, "*** SYNTHETIC DATA: generated prices, not market history ***")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	m := r.Machine
	fmt.Fprintf(tw, "machine\t%s, %d cores (GOMAXPROCS %d), %s %s/%s\n", m.CPU, m.Cores, m.GOMAXPROCS, m.Go, m.OS, m.Arch)
	var bars []string
	for _, sym := range []string{"RUT", "BTC"} {
		if n, ok := r.Data.Bars[sym]; ok {
			bars = append(bars, fmt.Sprintf("%s %d bars", sym, n))
		}
	}
	fmt.Fprintf(tw, "data\t%s: %s (fingerprint %s)\n", r.Data.Source, strings.Join(bars, ", "), short(r.Data.Fingerprint))
	s := r.SingleRun
	fmt.Fprintf(tw, "single run\t%.0f bar events/s (%d of the plan's %d events per run, %d of them walked: marks only; %d runs in %.2f s); full backtest with evidence %.1f ms\n",
		s.EventsPerSecond, s.Events, s.PlanEvents, s.Walked, s.Runs, s.Seconds, s.FullBacktestMS)
	sw := r.Sweep
	fmt.Fprintf(tw, "sweep\t%.0f trials/s with %d workers (%d trials in %.2f s; then DSR and PBO (S=%d) %.2f s, on the grid's %d distinct trials)\n",
		sw.TrialsPerSecond, sw.Workers, sw.Trials, sw.Seconds, sw.PBOBlocks, sw.StatsSeconds, min(sw.Trials, sw.Distinct))
	if sw.OneWorker.Valid() {
		fmt.Fprintf(tw, "scaling\t%.0f trials/s with 1 worker: x%.2f with %d\n", float64(sw.OneWorker), float64(sw.Scaling), sw.Workers)
	}
	fmt.Fprintf(tw, "allocations\t%.1f per trial (whole sweep with %d workers)\n", sw.AllocsPerTrial, sw.Workers)
	if r.PeakRSSMB.Valid() {
		fmt.Fprintf(tw, "peak memory\t%.0f MiB resident\n", float64(r.PeakRSSMB))
	} else {
		fmt.Fprintf(tw, "peak memory\tn/a (no /proc/self/status)\n")
	}
	if rs := r.RandomSweep; rs.Trials > 0 {
		rss := "n/a"
		if rs.PeakRSSMB.Valid() {
			rss = fmt.Sprintf("%.0f MiB", float64(rs.PeakRSSMB))
		}
		fmt.Fprintf(tw, "random sweep\t%d trials in %.2f s (%.0f trials/s; DSR and PBO %.2f s of it), peak resident %s, peak Go heap %.0f MiB (nothing stored)\n",
			rs.Trials, rs.Seconds, rs.TrialsPerSecond, rs.StatsSeconds, rss, rs.PeakHeapMB)
	}
	e := r.Evidence
	fmt.Fprintf(tw, "evidence\t%.0f ms for a run of %d trades\n", e.MS, e.Trades)
	bg := r.BigRun
	fmt.Fprintf(tw, "400-year run\t%.2f s for %d bars and %d trades (generation %.2f s, evidence %.2f s), in process, nothing stored\n",
		bg.Seconds, bg.Bars, bg.Trades, bg.GenerateSeconds, bg.EvidenceSeconds)
	_ = tw.Flush()
	fmt.Fprintf(w, "grid: %s\n", sw.Grid)
}
