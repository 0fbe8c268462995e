// Package backtest runs one config end to end on a loaded data set: it builds
// the strategy and its buy-and-hold benchmark, replays both through the
// engine, and assembles the report with metrics and evidence. Run is the
// path of run, quickstart and replay (the trigger fed bar by bar);
// TrialRunner is the fast path of sweeps (one shared plan, cached trigger
// signals, metrics without a full report), tested equal to Run. The
// random-entry test lives here too. It never touches storage.
package backtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// Outcome is what a backtest produced: the engine results of the strategy and
// of its benchmark, the random-entry test behind the evidence (nil when it
// was skipped or failed), and the report built from them.
type Outcome struct {
	Result      *engine.Result
	Benchmark   *engine.Result
	RandomEntry *RandomEntryTest
	Report      *results.Report
}

// Options set the evidence of a backtest. Zero values mean the defaults.
type Options struct {
	// Resamples is the number of bootstrap resamples of each interval
	// (default results.DefaultResamples, 10,000).
	Resamples int
	// RandomEntries is the number K of random strategies of the random-entry
	// test (default DefaultRandomEntries, 10,000); negative skips the test.
	RandomEntries int
	// Level is the confidence level of the intervals (default 0.95).
	Level float64
	// Replayed, when set, is called with the report rows of the strategy's
	// replay (its trades, signals and equity curve: the slices the report
	// will hold, not to be modified) as soon as they are built, before the
	// benchmark and the evidence are computed, so that a caller can store
	// them meanwhile (riskon run). It is called on a goroutine of its own,
	// which RunWith waits for, and should return at once.
	Replayed func(trades []results.TradeRow, signals []results.SignalRow, equity []results.EquityRow)
}

// Run backtests cfg on ds with the default evidence options. plan may be nil
// (it is computed) or a plan of ds shared between runs. The report's run id,
// version and creation time are left for the caller: everything else is a
// function of cfg and ds only.
func Run(ctx context.Context, cfg config.Config, ds *data.Dataset, plan *engine.Plan) (*Outcome, error) {
	return RunWith(ctx, cfg, ds, plan, Options{})
}

// RunWith is Run with evidence options.
func RunWith(ctx context.Context, cfg config.Config, ds *data.Dataset, plan *engine.Plan, opt Options) (*Outcome, error) {
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
	// The report rows of the replay (handed to opt.Replayed), the
	// metrics, the benchmark and the data's fingerprint do not depend on
	// the evidence (each is deterministic): they are made beside it.
	var (
		trades          []results.TradeRow
		signals         []results.SignalRow
		equity          []results.EquityRow
		metrics, benchM results.Metrics
		bench           *engine.Result
		benchErr        error
		fp              string
	)
	benchDone := make(chan struct{})
	go func() {
		defer close(benchDone)
		trades, signals, equity = results.TradeRows(res.Trades), results.SignalRows(res.Signals), results.EquityRows(res)
		if opt.Replayed != nil {
			opt.Replayed(trades, signals, equity)
		}
		metrics = results.ComputeMetrics(res)
		bench, benchErr = engine.Run(ctx, plan, strategy.Benchmark(cfg), opts)
		if benchErr == nil {
			benchM = results.ComputeMetrics(bench)
		}
		fp = ds.Fingerprint()
	}()
	ev, re, err := Evidence(res, ds, cfg, opt)
	<-benchDone
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", cfg.Name, err)
	}
	if benchErr != nil {
		return nil, fmt.Errorf("run %s: benchmark: %w", cfg.Name, benchErr)
	}
	// The canonical form: keys the chosen parts do not read are left out,
	// so a stored config reads back (config.FromJSON) to the same hash.
	canon := json.RawMessage(config.Canonical(cfg))
	rep := &results.Report{
		Name:            cfg.Name,
		Synthetic:       ds.Synthetic,
		ConfigHash:      config.Hash(cfg),
		DataFingerprint: fp,
		Config:          canon,
		Window:          results.Window{Start: results.RFC3339(res.WindowStart), End: results.RFC3339(res.WindowEnd)},
		Metrics:         metrics,
		Benchmark:       benchM,
		Evidence:        ev,
		Trades:          trades,
		Signals:         signals,
		Equity:          equity,
		Filters:         FilterCoverage(cfg, ds, res),
	}
	return &Outcome{Result: res, Benchmark: bench, RandomEntry: re, Report: rep}, nil
}

// randomEntryUnmodelled names the parts of cfg the random-entry test does
// not reproduce in its random strategies yet, or "".
func randomEntryUnmodelled(cfg config.Config) string {
	var parts []string
	if cfg.Trade.StopLoss > 0 {
		parts = append(parts, "trade.stop_loss")
	}
	if cfg.Trade.TakeProfit > 0 {
		parts = append(parts, "trade.take_profit")
	}
	if cfg.Trade.Sizing == "vol_target" {
		parts = append(parts, "vol_target sizing")
	}
	if cfg.Cash.RateSymbol != "" {
		parts = append(parts, "cash.rate_symbol")
	}
	if len(parts) == 0 {
		return ""
	}
	return "the random strategies do not model " + strings.Join(parts, ", ") + " yet"
}

// FilterCoverage reports, for each entry filter of cfg, the dates its
// series covers in ds and the signals of res it blocked or could not judge.
func FilterCoverage(cfg config.Config, ds *data.Dataset, res *engine.Result) []results.FilterCoverage {
	fs := config.FiltersOf(cfg.Trade)
	if len(fs) == 0 {
		return nil
	}
	blocked, noData := 0, 0
	for _, s := range res.Signals {
		switch s.Reason {
		case strategy.ReasonFilter:
			blocked++
		case strategy.ReasonFilterNoData:
			noData++
		}
	}
	out := make([]results.FilterCoverage, 0, len(fs))
	for _, f := range fs {
		c := results.FilterCoverage{Symbol: f.Symbol, Rule: f.Rule, Blocked: blocked, NoData: noData}
		if s := ds.Get(f.Symbol); s != nil && s.Len() > 0 {
			c.First, c.Last = s.Date[0].String(), s.Date[s.Len()-1].String()
		}
		out = append(out, c)
	}
	return out
}

// Evidence computes the evidence block of res, the engine result of cfg on
// ds: results.Assess with opt's resamples and level, seeded by cfg.Seed,
// plus the random-entry test (RandomEntry, seeded by the stream
// results.StreamRandomEntry of cfg.Seed) unless opt.RandomEntries < 0. The
// test's outcome is returned too (nil when skipped).
func Evidence(res *engine.Result, ds *data.Dataset, cfg config.Config, opt Options) (results.Evidence, *RandomEntryTest, error) {
	eo := results.EvidenceOptions{Seed: cfg.Seed, Resamples: opt.Resamples, Level: opt.Level}
	if opt.RandomEntries < 0 {
		return results.Assess(res, eo), nil, nil
	}
	if why := randomEntryUnmodelled(cfg); why != "" {
		// The random strategies would exit or size differently from the
		// strategy: no test rather than a wrong one.
		ev := results.Assess(res, eo)
		ev.SetRandomEntry(results.RandomEntryOutcome{P: math.NaN(), TotalP: math.NaN(), Note: why})
		return ev, nil, nil
	}
	spec, err := RandomEntrySpecOf(cfg)
	if err != nil {
		return results.Evidence{}, nil, fmt.Errorf("evidence: %w", err)
	}
	// The random-entry test and the bootstrap statistics are independent:
	// run them side by side (each is deterministic for its seed).
	var re *RandomEntryTest
	var reErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		re, reErr = RandomEntry(ds, res, spec, RandomEntryOptions{K: opt.RandomEntries,
			Seed: stats.DeriveSeed(cfg.Seed, results.StreamRandomEntry)})
	}()
	ev := results.Assess(res, eo)
	<-done
	if reErr != nil {
		return results.Evidence{}, nil, fmt.Errorf("evidence: %w", reErr)
	}
	ev.SetRandomEntry(results.RandomEntryOutcome{K: re.K, P: re.P, TotalP: re.TotalP, Note: re.Note})
	return ev, re, nil
}
