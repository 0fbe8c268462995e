package backtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// Shared is what every trial of a sweep shares, read-only: the data set, its
// replay plan, the trigger signals per trigger parameters and the benchmark
// metrics per target basket (each computed once). It is safe for concurrent
// use.
type Shared struct {
	DS   *data.Dataset
	Plan *engine.Plan

	mu      sync.Mutex
	bench   map[benchKey]*benchEntry
	signals map[strategy.TriggerParams]*sigEntry
	order   []strategy.TriggerParams // signal keys, oldest first, for eviction
	bytes   int                      // memory held by the computed entries
}

// sigEntry is one trigger-signal computation: the first caller computes it
// outside the lock and closes done; callers of the same key wait on done
// (single flight), callers of other keys are not held up.
type sigEntry struct {
	done  chan struct{}
	s     *strategy.TriggerSignals
	err   error
	bytes int // s.Bytes() once computed; 0 while in flight
}

// benchEntry is one benchmark computation, single flight as sigEntry.
type benchEntry struct {
	done chan struct{}
	m    results.Metrics
	err  error
}

// The trigger-signal cache is bounded in entries and in bytes: a random
// sweep over thousands of distinct trigger parameters would otherwise keep
// every one (about 300 KB each for daily closes of the Russell 2000 since
// 1987). The sweep runner hands out trials sorted by their trigger
// parameters, so trials sharing signals run together and a small cache
// suffices; evicting costs only a recomputation (~0.1 ms), and results
// cannot change, signals being a pure function of the parameters and the
// data. The byte bound is what keeps a sweep's memory flat in the number of
// distinct trigger parameters.
const (
	maxCachedSignals     = 128
	maxCachedSignalBytes = 8 << 20
)

// NewShared prepares ds for many trials.
func NewShared(ds *data.Dataset) *Shared {
	return &Shared{DS: ds, Plan: engine.NewPlan(ds), bench: map[benchKey]*benchEntry{}, signals: map[strategy.TriggerParams]*sigEntry{}}
}

// Signals returns the trigger signals of p, computing them once per trigger
// parameters.
func (sh *Shared) Signals(p strategy.BreakoutParams) (*strategy.TriggerSignals, error) {
	return sh.signalsOf(p.TriggerKey(), p)
}

func (sh *Shared) signalsOf(key strategy.TriggerParams, p strategy.BreakoutParams) (*strategy.TriggerSignals, error) {
	sh.mu.Lock()
	e, ok := sh.signals[key]
	if !ok {
		e = &sigEntry{done: make(chan struct{})}
		if len(sh.order) >= maxCachedSignals {
			sh.bytes -= sh.signals[sh.order[0]].bytes
			delete(sh.signals, sh.order[0])
			sh.order = append(sh.order[:0], sh.order[1:]...)
		}
		sh.signals[key] = e
		sh.order = append(sh.order, key)
	}
	sh.mu.Unlock()
	if ok {
		<-e.done
		return e.s, e.err
	}
	e.s, e.err = strategy.ComputeTriggerSignals(sh.Plan, p)
	if e.err == nil {
		sh.mu.Lock()
		if sh.signals[key] == e {
			e.bytes = e.s.Bytes()
			sh.bytes += e.bytes
			sh.evictLocked(e)
		}
		sh.mu.Unlock()
	}
	if e.err != nil {
		// Not kept: a later call tries again.
		sh.mu.Lock()
		if sh.signals[key] == e {
			delete(sh.signals, key)
			for i, k := range sh.order {
				if k == key {
					sh.order = append(sh.order[:i], sh.order[i+1:]...)
					break
				}
			}
		}
		sh.mu.Unlock()
	}
	close(e.done)
	return e.s, e.err
}

// evictLocked drops the oldest computed entries other than keep while the
// cache holds more than maxCachedSignalBytes (entries in flight weigh
// nothing yet and stay). sh.mu must be held.
func (sh *Shared) evictLocked(keep *sigEntry) {
	for i := 0; sh.bytes > maxCachedSignalBytes && i < len(sh.order); {
		e := sh.signals[sh.order[i]]
		if e == keep || e.bytes == 0 {
			i++
			continue
		}
		sh.bytes -= e.bytes
		delete(sh.signals, sh.order[i])
		sh.order = append(sh.order[:i], sh.order[i+1:]...)
	}
}

// TrialOutcome is what a sweep keeps of one trial: metrics, the benchmark's
// metrics, the evidence counts, and the engine result. The outcome and its
// Result are the TrialRunner's own: valid only until its next Run.
type TrialOutcome struct {
	Metrics   results.Metrics
	Benchmark results.Metrics
	// Evidence holds the sample counts of results.CountEvidence (Signals,
	// Trades, Episodes, TooFew); its statistics are NA and its Warning and
	// Verdict empty (results.NewEvidence builds them from the counts).
	Evidence results.Evidence
	// Result is the engine's result without its order log (Orders is
	// empty: engine.Options.NoOrderLog).
	Result *engine.Result
	// Returns are the daily returns of the result (results.DailyReturns),
	// kept by the metrics' scan.
	Returns []float64
}

// TrialRunner runs trials one after another, reusing its buffers. Use one per
// worker goroutine; it is not safe for concurrent use.
type TrialRunner struct {
	sh   *Shared
	r    engine.Runner
	bd   strategy.Builder
	out  TrialOutcome
	ev   results.Evidence // evidence with every statistic NA, no counts
	rets []float64        // the daily returns' buffer
	// flats: room for the stretches of zero returns the metrics' scan hands
	// to Squares (all of them: grown to the longest curve's most).
	flats []results.Flat

	// Squares, when set, takes the metrics' second pass over the daily
	// returns (results.ComputeMetricsWith): a sweep sums its own
	// statistics of the returns in the same pass.
	Squares results.SquaresFunc

	// The last trial's trigger signals and benchmark: consecutive trials
	// mostly share them, found then without a lock.
	sigKey   strategy.TriggerParams
	sig      *strategy.TriggerSignals
	benchIn  benchInputs
	benchM   results.Metrics
	hasBench bool
}

// NewTrialRunner returns a runner over sh.
func NewTrialRunner(sh *Shared) *TrialRunner {
	ev := results.NewEvidence(0, 0, 0)
	ev.Warning, ev.Verdict = "", ""
	return &TrialRunner{sh: sh, ev: ev}
}

// Run backtests cfg. Its trades, metrics and evidence counts are exactly those
// of Run (the full backtest) for the same config and data: the same engine,
// with the trigger signals shared between trials of the same trigger
// parameters and the flat stretches skipped, without the bootstrap
// statistics and the report rows. The outcome is valid until the next Run.
func (t *TrialRunner) Run(ctx context.Context, cfg config.Config) (*TrialOutcome, error) {
	p, opts, err := t.bd.Params(cfg)
	if err != nil {
		return nil, err
	}
	key := p.TriggerKey()
	if t.sig == nil || key != t.sigKey {
		sig, err := t.sh.signalsOf(key, p)
		if err != nil {
			return nil, err
		}
		t.sig, t.sigKey = sig, key
	}
	strat, err := t.bd.Cached(p, t.sig)
	if err != nil {
		return nil, err
	}
	opts.NoOrderLog = true // a trial's order log is never read
	res, err := t.r.Run(ctx, t.sh.Plan, strat, opts)
	if err != nil {
		return nil, fmt.Errorf("trial %s: %w", cfg.Name, err)
	}
	out := &t.out
	if most := len(res.Equity)/(results.MinFlat+1) + 1; cap(t.flats) < most {
		// Room for every stretch of zero returns (each of at least
		// MinFlat days, one day apart at least).
		t.flats = make([]results.Flat, 0, most)
	}
	m, rets := results.ComputeMetricsWith(res, t.rets, t.flats, t.Squares)
	t.rets = rets
	*out = TrialOutcome{Metrics: m, Evidence: t.ev, Result: res, Returns: rets}
	out.Evidence.Signals, out.Evidence.Trades, out.Evidence.Episodes = results.SampleCounts(res)
	out.Evidence.TooFew = out.Evidence.Episodes < results.MinSamples
	in := benchInputs{targets: cfg.Trade.Targets, weights: cfg.Trade.Weights, trigger: cfg.Trigger.Symbol, fill: cfg.Fill,
		start: cfg.Data.Start, end: cfg.Data.End, cash: cfg.Cash.RateSymbol,
		comm: cfg.Costs.CommissionBps, slip: cfg.Costs.SlippageBps, capital: cfg.Capital}
	if !t.hasBench || !in.equal(&t.benchIn) {
		m, err := t.sh.benchmark(ctx, cfg, opts)
		if err != nil {
			return nil, err
		}
		in.targets, in.weights = slices.Clone(in.targets), slices.Clone(in.weights)
		t.benchIn, t.benchM, t.hasBench = in, m, true
	}
	out.Benchmark = t.benchM
	return out, nil
}

// benchInputs is what the buy-and-hold benchmark of a trial depends on.
type benchInputs struct {
	targets                         []string
	weights                         []float64
	trigger, fill, start, end, cash string
	comm, slip, capital             float64
}

func (a *benchInputs) equal(b *benchInputs) bool {
	return a.trigger == b.trigger && a.fill == b.fill && a.start == b.start && a.end == b.end && a.cash == b.cash &&
		a.comm == b.comm && a.slip == b.slip && a.capital == b.capital &&
		slices.Equal(a.targets, b.targets) && slices.Equal(a.weights, b.weights)
}

// benchKey is benchInputs as a map key.
type benchKey struct {
	targets, weights, trigger, fill, start, end, cash string
	comm, slip, capital                               float64
}

// benchmark returns the buy-and-hold metrics of cfg's targets in cfg's
// window and costs, computing them once per distinct combination (outside
// the lock; callers of the same combination wait for the first).
func (sh *Shared) benchmark(ctx context.Context, cfg config.Config, opts engine.Options) (results.Metrics, error) {
	key := benchKey{targets: strings.Join(cfg.Trade.Targets, "\x00"), weights: fmt.Sprint(cfg.Trade.Weights), trigger: cfg.Trigger.Symbol,
		fill: cfg.Fill, start: cfg.Data.Start, end: cfg.Data.End, comm: cfg.Costs.CommissionBps, slip: cfg.Costs.SlippageBps,
		capital: cfg.Capital, cash: cfg.Cash.RateSymbol}
	sh.mu.Lock()
	e, ok := sh.bench[key]
	if !ok {
		e = &benchEntry{done: make(chan struct{})}
		sh.bench[key] = e
	}
	sh.mu.Unlock()
	if ok {
		<-e.done
		return e.m, e.err
	}
	res, err := engine.Run(ctx, sh.Plan, strategy.Benchmark(cfg), opts)
	if err != nil {
		e.err = fmt.Errorf("benchmark: %w", err)
		sh.mu.Lock()
		delete(sh.bench, key) // not kept: a later call tries again
		sh.mu.Unlock()
	} else {
		e.m = results.ComputeMetrics(res)
	}
	close(e.done)
	return e.m, e.err
}
