package backtest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// Shared is what every trial of a sweep shares, read-only: the data set, its
// replay plan, and the benchmark metrics per target basket (computed once).
// It is safe for concurrent use.
type Shared struct {
	DS   *data.Dataset
	Plan *engine.Plan

	mu      sync.Mutex
	bench   map[benchKey]results.Metrics
	signals map[strategy.TriggerParams]*strategy.TriggerSignals
	order   []strategy.TriggerParams // signal keys, oldest first, for eviction
}

// maxCachedSignals bounds the trigger-signal cache: a random sweep over
// thousands of distinct trigger parameters would otherwise keep every one
// (about 250 KB each on the Russell 2000 since 1987). Evicting costs only a
// recomputation (~0.1 ms); results cannot change, signals being a pure
// function of the parameters and the data.
const maxCachedSignals = 128

// NewShared prepares ds for many trials.
func NewShared(ds *data.Dataset) *Shared {
	return &Shared{DS: ds, Plan: engine.NewPlan(ds), bench: map[benchKey]results.Metrics{}, signals: map[strategy.TriggerParams]*strategy.TriggerSignals{}}
}

// Signals returns the trigger signals of p, computing them once per trigger
// parameters.
func (sh *Shared) Signals(p strategy.BreakoutParams) (*strategy.TriggerSignals, error) {
	key := p.TriggerKey()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s, ok := sh.signals[key]; ok {
		return s, nil
	}
	s, err := strategy.ComputeTriggerSignals(sh.Plan, p)
	if err != nil {
		return nil, err
	}
	if len(sh.order) >= maxCachedSignals {
		delete(sh.signals, sh.order[0])
		sh.order = append(sh.order[:0], sh.order[1:]...)
	}
	sh.signals[key] = s
	sh.order = append(sh.order, key)
	return s, nil
}

// TrialOutcome is what a sweep keeps of one trial: metrics, the benchmark's
// metrics, the evidence counts, and the engine result (valid only until the
// next Run on the same TrialRunner).
type TrialOutcome struct {
	Metrics   results.Metrics
	Benchmark results.Metrics
	Evidence  results.Evidence
	Result    *engine.Result
}

// TrialRunner runs trials one after another, reusing its buffers. Use one per
// worker goroutine; it is not safe for concurrent use.
type TrialRunner struct {
	sh *Shared
	r  engine.Runner
}

// NewTrialRunner returns a runner over sh.
func NewTrialRunner(sh *Shared) *TrialRunner { return &TrialRunner{sh: sh} }

// Run backtests cfg. Its trades, metrics and evidence counts are exactly those
// of Run (the full backtest) for the same config and data: the same engine,
// with the trigger signals shared between trials of the same trigger
// parameters and the flat stretches skipped, without the bootstrap
// statistics and the report rows.
func (t *TrialRunner) Run(ctx context.Context, cfg config.Config) (*TrialOutcome, error) {
	strat, opts, err := strategy.New(cfg)
	if err != nil {
		return nil, err
	}
	sig, err := t.sh.Signals(strat.Params())
	if err != nil {
		return nil, err
	}
	if err := strat.UseSignals(sig); err != nil {
		return nil, err
	}
	res, err := t.r.Run(ctx, t.sh.Plan, strat, opts)
	if err != nil {
		return nil, fmt.Errorf("trial %s: %w", cfg.Name, err)
	}
	out := &TrialOutcome{Metrics: results.ComputeMetrics(res), Evidence: results.CountEvidence(res), Result: res}
	out.Benchmark, err = t.sh.benchmark(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// benchKey is what the buy-and-hold benchmark of a trial depends on.
type benchKey struct {
	targets, weights, trigger, fill, start, end, cash string
	comm, slip, capital                               float64
}

// benchmark returns the buy-and-hold metrics of cfg's targets in cfg's
// window and costs, computing them once per distinct combination.
func (sh *Shared) benchmark(ctx context.Context, cfg config.Config, opts engine.Options) (results.Metrics, error) {
	key := benchKey{targets: strings.Join(cfg.Trade.Targets, "\x00"), weights: fmt.Sprint(cfg.Trade.Weights), trigger: cfg.Trigger.Symbol,
		fill: cfg.Fill, start: cfg.Data.Start, end: cfg.Data.End, comm: cfg.Costs.CommissionBps, slip: cfg.Costs.SlippageBps,
		capital: cfg.Capital, cash: cfg.Cash.RateSymbol}
	sh.mu.Lock()
	m, ok := sh.bench[key]
	sh.mu.Unlock()
	if ok {
		return m, nil
	}
	res, err := engine.Run(ctx, sh.Plan, strategy.Benchmark(cfg), opts)
	if err != nil {
		return results.Metrics{}, fmt.Errorf("benchmark: %w", err)
	}
	m = results.ComputeMetrics(res)
	sh.mu.Lock()
	sh.bench[key] = m
	sh.mu.Unlock()
	return m, nil
}
