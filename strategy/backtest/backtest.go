// Package backtest runs one config end to end on a loaded data set: it builds
// the strategy and its buy-and-hold benchmark, replays both through the
// engine, and assembles the report with metrics and evidence. It is the one
// engine path shared by run, quickstart and sweeps; it never touches storage.
package backtest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// Outcome is what a backtest produced: the engine results of the strategy and
// of its benchmark, and the report built from them.
type Outcome struct {
	Result    *engine.Result
	Benchmark *engine.Result
	Report    *results.Report
}

// Run backtests cfg on ds. plan may be nil (it is computed) or a plan of ds
// shared between runs. The report's run id, version and creation time are
// left for the caller: everything else is a function of cfg and ds only.
func Run(ctx context.Context, cfg config.Config, ds *data.Dataset, plan *engine.Plan) (*Outcome, error) {
	if plan == nil {
		plan = engine.NewPlan(ds)
	}
	strat, opts, err := strategy.New(cfg)
	if err != nil {
		return nil, err
	}
	res, err := engine.Run(ctx, plan, strat, opts)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", cfg.Name, err)
	}
	bench, err := engine.Run(ctx, plan, strategy.Benchmark(cfg), opts)
	if err != nil {
		return nil, fmt.Errorf("run %s: benchmark: %w", cfg.Name, err)
	}
	canon, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("run %s: encode config: %w", cfg.Name, err)
	}
	rep := &results.Report{
		Name:            cfg.Name,
		Synthetic:       ds.Synthetic,
		ConfigHash:      config.Hash(cfg),
		DataFingerprint: ds.Fingerprint(),
		Config:          canon,
		Window:          results.Window{Start: results.RFC3339(res.WindowStart), End: results.RFC3339(res.WindowEnd)},
		Metrics:         results.ComputeMetrics(res),
		Benchmark:       results.ComputeMetrics(bench),
		Evidence:        results.Assess(res, results.EvidenceOptions{Seed: cfg.Seed}),
		Trades:          results.TradeRows(res.Trades),
		Signals:         results.SignalRows(res.Signals),
		Equity:          results.EquityRows(res),
	}
	return &Outcome{Result: res, Benchmark: bench, Report: rep}, nil
}
