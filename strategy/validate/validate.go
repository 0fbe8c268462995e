package validate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/sweep"
)

// MaxTrainingRuns bounds folds × trials, the backtests of a walk-forward.
const MaxTrainingRuns = 5_000_000

// Options configure a walk-forward validation.
type Options struct {
	// Train and Test are the window lengths; Step (default Test) moves the
	// windows; Anchored keeps every training window starting at the first
	// day.
	Train, Test, Step Span
	Anchored          bool
	// RankBy chooses the best trial of each training window: a sweep rank
	// metric, dsr or psr (default: the sweep file's rank_by).
	RankBy string
	// Workers run trials in parallel (<= 0: one per CPU). Results do not
	// depend on it.
	Workers int
	// Evidence sets the evidence of each test window and of the stitched
	// curve (bootstrap resamples, random-entry strategies, level).
	Evidence backtest.Options
	// SkipPBO leaves the PBO out (it runs every trial once more over the
	// whole history).
	SkipPBO bool
}

// Plan is a prepared validation: the sweep's trials, the folds and the
// days they cover, all checked before any backtest runs.
type Plan struct {
	Exp   *sweep.Expansion
	Folds []Fold
	// First and Last are the days the folds are laid over: from the first
	// day every target has bars (or the base config's data.start) to the
	// last day of the trigger and every target (or data.end).
	First, Last data.Date
	RankBy      string
	Opts        Options
}

// Prepare checks the options against the data and lays the folds.
func Prepare(ds *data.Dataset, exp *sweep.Expansion, opts Options) (*Plan, error) {
	if exp == nil || len(exp.Trials) == 0 {
		return nil, errors.New("validate: the sweep has no trials")
	}
	rankBy := opts.RankBy
	if rankBy == "" {
		rankBy = sweep.DefaultRankBy
	}
	if !sweep.IsRankBy(rankBy) {
		return nil, fmt.Errorf("--rank-by %q is not a metric; use dsr, psr or one of %v", rankBy, sweep.RankMetrics())
	}
	first, last, err := dataRange(ds, exp)
	if err != nil {
		return nil, err
	}
	step := opts.Step
	if step.IsZero() {
		step = opts.Test
	}
	if !opts.Test.IsZero() && int(step.After(first)-first) < int(opts.Test.After(first)-first) {
		return nil, fmt.Errorf("--step %s is shorter than --test %s: the test windows would overlap and could not be stitched into one out-of-sample curve", step, opts.Test)
	}
	folds, err := WalkForward(first, last, opts.Train, opts.Test, step, opts.Anchored)
	if err != nil {
		return nil, err
	}
	if n := len(folds) * len(exp.Trials); n > MaxTrainingRuns {
		return nil, fmt.Errorf("%d folds × %d trials = %d backtests: at most %d; use fewer trials or a longer --step", len(folds), len(exp.Trials), n, MaxTrainingRuns)
	}
	opts.Step = step
	return &Plan{Exp: exp, Folds: folds, First: first, Last: last, RankBy: rankBy, Opts: opts}, nil
}

// dataRange is the span of days every trial can trade: after the first bar
// of every target and the base config's data.start, up to the last bar of
// the trigger(s) and every target and data.end.
func dataRange(ds *data.Dataset, exp *sweep.Expansion) (data.Date, data.Date, error) {
	first, last := data.Date(math.MinInt32), data.Date(math.MaxInt32)
	for _, sym := range exp.Symbols {
		s := ds.Get(sym)
		if s == nil || s.Len() == 0 {
			return 0, 0, fmt.Errorf("validate: no bars of %s in the data", sym)
		}
		last = min(last, s.Date[s.Len()-1])
	}
	for _, sym := range exp.Targets {
		s := ds.Get(sym)
		first = max(first, s.Date[0])
	}
	if exp.Base.Data.Start != "" {
		d, err := data.ParseDate(exp.Base.Data.Start)
		if err != nil {
			return 0, 0, fmt.Errorf("validate: data.start: %w", err)
		}
		first = max(first, d)
	}
	if exp.Base.Data.End != "" {
		d, err := data.ParseDate(exp.Base.Data.End)
		if err != nil {
			return 0, 0, fmt.Errorf("validate: data.end: %w", err)
		}
		last = min(last, d)
	}
	if last < first {
		return 0, 0, fmt.Errorf("validate: no days where every target has data (%s..%s)", first, last)
	}
	return first, last, nil
}

// FoldResult is the outcome of one fold: the trial chosen on the training
// window and what it did there (in sample) and on the test window alone
// (out of sample), beside buy-and-hold of its targets over the same windows.
type FoldResult struct {
	Index      int    `json:"index"`
	TrainStart string `json:"train_start"`
	TrainEnd   string `json:"train_end"`
	TestStart  string `json:"test_start"`
	TestEnd    string `json:"test_end"`
	// Trials is the number of trials ranked on the training window.
	Trials int `json:"trials"`
	// Chosen is the index of the chosen trial in the sweep; Params its
	// swept values; TrialHash its identity (sweep.TrialHash).
	Chosen    int          `json:"chosen"`
	TrialHash string       `json:"trial_hash"`
	Params    sweep.Params `json:"params"`
	// Score is the chosen trial's rank metric on the training window; DSR
	// and PSR its deflated Sharpe ratio against the fold's trials and its
	// probabilistic Sharpe ratio against 0, on the training window.
	Score results.Value `json:"score"`
	DSR   results.Value `json:"dsr"`
	PSR   results.Value `json:"psr"`
	// IS and ISBenchmark are the metrics on the training window; OOS,
	// OOSBenchmark and OOSEvidence on the test window.
	IS           results.Metrics  `json:"is"`
	ISBenchmark  results.Metrics  `json:"is_benchmark"`
	OOS          results.Metrics  `json:"oos"`
	OOSBenchmark results.Metrics  `json:"oos_benchmark"`
	OOSEvidence  results.Evidence `json:"oos_evidence"`
	// Degradation is the OOS Sharpe ratio over the IS Sharpe ratio (null
	// when the IS Sharpe ratio is not positive).
	Degradation results.Value `json:"degradation"`
	// BeatsBenchmark: the OOS total return exceeds buy-and-hold's.
	BeatsBenchmark bool `json:"beats_benchmark"`
	// Config is the chosen trial's run config on the test window.
	Config json.RawMessage `json:"config"`
}

// Curve is a stitched out-of-sample curve: its metrics, evidence and daily
// equity.
type Curve struct {
	Metrics  results.Metrics     `json:"metrics"`
	Evidence *results.Evidence   `json:"evidence,omitempty"`
	Equity   []results.EquityRow `json:"equity,omitempty"`
}

// Result is the outcome of a validation.
type Result struct {
	Method   string `json:"method"`
	RankBy   string `json:"rank_by"`
	Train    string `json:"train"`
	Test     string `json:"test"`
	Step     string `json:"step"`
	Anchored bool   `json:"anchored"`
	Start    string `json:"start"`
	End      string `json:"end"`
	// Trials is the number of trials of the sweep.
	Trials int          `json:"trials"`
	Folds  []FoldResult `json:"folds"`
	// OOS is the stitched out-of-sample curve of the chosen trials; the
	// benchmark buy-and-hold of the same targets over the same windows.
	OOS       Curve `json:"oos"`
	Benchmark Curve `json:"benchmark"`
	// MeanISSharpe is the mean in-sample Sharpe ratio of the chosen trials;
	// Degradation the stitched OOS Sharpe ratio over it.
	MeanISSharpe results.Value `json:"mean_is_sharpe"`
	Degradation  results.Value `json:"degradation"`
	// BeatsBenchmark is the share of folds whose chosen trial beat
	// buy-and-hold out of sample (total return), of Folds.
	BeatsBenchmark      results.Value `json:"beats_benchmark"`
	BeatsBenchmarkFolds int           `json:"beats_benchmark_folds"`
	// PBO is the probability of backtest overfitting of the sweep (CSCV over
	// the whole history); SweepDSR the deflated Sharpe ratio of its best
	// trial by Sharpe ratio.
	PBO       results.Value   `json:"pbo"`
	PBODetail sweep.PBODetail `json:"pbo_detail"`
	SweepDSR  results.Value   `json:"sweep_dsr"`
	Warnings  []string        `json:"warnings"`
	Verdict   string          `json:"verdict"`
}

// trialRec is what the training keeps of one trial on one window.
type trialRec struct {
	metrics, bench results.Metrics
	mo             sweep.Moments
	key            float64 // rank value, higher first, NaN last
}

// Run validates: for every fold it runs every trial on the training
// window, chooses the best by p.RankBy, runs it alone on the test window
// (backtest.RunWith) and hands the fold to sink (in fold order, from the
// caller's goroutine). Folds in done (by index, from an earlier
// interrupted run) are not trained again: their chosen trial is run on its
// test window again (deterministic) for the stitched curve. Then it
// stitches the test windows and computes the summary. Cancelling ctx
// stops within one backtest; folds handed to sink are kept.
func (p *Plan) Run(ctx context.Context, sh *backtest.Shared, done map[int]*FoldResult, sink func(*FoldResult) error) (*Result, error) {
	workers := p.Opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	out := &Result{Method: "walk-forward", RankBy: p.RankBy, Train: p.Opts.Train.String(), Test: p.Opts.Test.String(),
		Step: p.Opts.Step.String(), Anchored: p.Opts.Anchored, Start: p.First.String(), End: p.Last.String(),
		Trials: len(p.Exp.Trials), Warnings: []string{}}
	if out.Anchored {
		out.Method = "walk-forward (anchored)"
	}
	runners := make([]*backtest.TrialRunner, workers)
	for i := range runners {
		runners[i] = backtest.NewTrialRunner(sh)
	}
	outcomes := make([]*backtest.Outcome, len(p.Folds))
	for fi, f := range p.Folds {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("validate interrupted after %d of %d folds: %w", fi, len(p.Folds), err)
		}
		if fr, ok := done[f.Index]; ok && fr != nil {
			cfg, err := p.testConfig(fr.Chosen, f)
			if err != nil {
				return nil, err
			}
			o, err := backtest.RunWith(ctx, cfg, sh.DS, sh.Plan, p.Opts.Evidence)
			if err != nil {
				return nil, fmt.Errorf("fold %d: test window: %w", f.Index, err)
			}
			outcomes[fi] = o
			out.Folds = append(out.Folds, *fr)
			continue
		}
		recs, err := p.train(ctx, runners, f)
		if err != nil {
			return nil, err
		}
		fr, o, err := p.test(ctx, sh, f, recs)
		if err != nil {
			return nil, err
		}
		outcomes[fi] = o
		if sink != nil {
			if err := sink(fr); err != nil {
				return nil, fmt.Errorf("validate: keep fold %d: %w", f.Index, err)
			}
		}
		out.Folds = append(out.Folds, *fr)
	}
	if err := p.summarise(ctx, sh, out, outcomes); err != nil {
		return nil, err
	}
	return out, nil
}

// windowConfig is the config of trial i (position in Exp.Trials) on the
// days start..end.
func (p *Plan) windowConfig(i int, start, end data.Date) (config.Config, error) {
	t := &p.Exp.Trials[i]
	cfg, err := p.Exp.Config(t)
	if err != nil {
		return cfg, err
	}
	cfg.Data.Start, cfg.Data.End = start.String(), end.String()
	return cfg, nil
}

func (p *Plan) testConfig(trialIndex int, f Fold) (config.Config, error) {
	for i := range p.Exp.Trials {
		if p.Exp.Trials[i].Index == trialIndex {
			return p.windowConfig(i, f.TestStart, f.TestEnd)
		}
	}
	return config.Config{}, fmt.Errorf("fold %d: trial %d is not in the sweep", f.Index, trialIndex)
}

// train runs every trial on f's training window in parallel; recs[i] is
// trial i's (position in Exp.Trials), whatever the scheduling.
func (p *Plan) train(ctx context.Context, runners []*backtest.TrialRunner, f Fold) ([]trialRec, error) {
	n := len(p.Exp.Trials)
	recs := make([]trialRec, n)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, tr := range runners[:min(len(runners), n)] {
		wg.Go(func() {
			for i := range jobs {
				if runCtx.Err() != nil {
					continue
				}
				if err := p.trainOne(runCtx, tr, f, i, &recs[i]); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
				}
			}
		})
	}
	for i := range n {
		if runCtx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil && ctx.Err() == nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("validate interrupted in fold %d: %w", f.Index, err)
	}
	p.rank(recs)
	return recs, nil
}

func (p *Plan) trainOne(ctx context.Context, tr *backtest.TrialRunner, f Fold, i int, rec *trialRec) error {
	cfg, err := p.windowConfig(i, f.TrainStart, f.TrainEnd)
	if err != nil {
		return err
	}
	o, err := tr.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("fold %d, trial %d (%s): %w", f.Index, p.Exp.Trials[i].Index, p.Exp.Trials[i].Params, err)
	}
	rec.metrics = o.Metrics
	rec.metrics.Notes = slices.Clone(rec.metrics.Notes)
	rec.bench = o.Benchmark
	rec.bench.Notes = slices.Clone(rec.bench.Notes)
	rec.mo = sweep.MomentsOf(results.DailyReturns(o.Result))
	return nil
}

// rank sets every record's key: the rank metric with higher first, NaN
// for an undefined value.
func (p *Plan) rank(recs []trialRec) {
	switch p.RankBy {
	case sweep.RankDSR:
		ms := make([]*results.Metrics, len(recs))
		for i := range recs {
			ms[i] = &recs[i].metrics
		}
		d := sweep.DispersionOf(ms)
		for i := range recs {
			recs[i].key = sweep.TrialDSR(&recs[i].metrics, recs[i].mo, d)
		}
	case sweep.RankPSR:
		for i := range recs {
			recs[i].key = sweep.TrialPSR(&recs[i].metrics, recs[i].mo)
		}
	default:
		for i := range recs {
			v, higher, _ := sweep.MetricValue(p.RankBy, &recs[i].metrics)
			if !higher {
				v = -v
			}
			if math.IsInf(v, 0) {
				v = math.NaN()
			}
			recs[i].key = v
		}
	}
}

// best is the position of the best record: highest key, NaN last, ties to
// the lower position (the lower trial index).
func best(recs []trialRec) int {
	b := 0
	for i := 1; i < len(recs); i++ {
		ki, kb := recs[i].key, recs[b].key
		if !math.IsNaN(ki) && (math.IsNaN(kb) || ki > kb) {
			b = i
		}
	}
	return b
}

// test chooses the best trial of recs and runs it alone on f's test window.
func (p *Plan) test(ctx context.Context, sh *backtest.Shared, f Fold, recs []trialRec) (*FoldResult, *backtest.Outcome, error) {
	b := best(recs)
	t := &p.Exp.Trials[b]
	ms := make([]*results.Metrics, len(recs))
	for i := range recs {
		ms[i] = &recs[i].metrics
	}
	disp := sweep.DispersionOf(ms)
	cfg, err := p.windowConfig(b, f.TestStart, f.TestEnd)
	if err != nil {
		return nil, nil, err
	}
	o, err := backtest.RunWith(ctx, cfg, sh.DS, sh.Plan, p.Opts.Evidence)
	if err != nil {
		return nil, nil, fmt.Errorf("fold %d: test window: %w", f.Index, err)
	}
	rec := &recs[b]
	fr := &FoldResult{
		Index: f.Index, TrainStart: f.TrainStart.String(), TrainEnd: f.TrainEnd.String(),
		TestStart: f.TestStart.String(), TestEnd: f.TestEnd.String(),
		Trials: len(recs), Chosen: t.Index, TrialHash: t.Hash, Params: t.Params,
		Score:        results.Value(rec.key),
		DSR:          results.Value(sweep.TrialDSR(&rec.metrics, rec.mo, disp)),
		PSR:          results.Value(sweep.TrialPSR(&rec.metrics, rec.mo)),
		IS:           rec.metrics,
		ISBenchmark:  rec.bench,
		OOS:          o.Report.Metrics,
		OOSBenchmark: o.Report.Benchmark,
		OOSEvidence:  o.Report.Evidence,
		Degradation:  ratio(o.Report.Metrics.Sharpe, rec.metrics.Sharpe),
		Config:       o.Report.Config,
	}
	if v, _, ok := sweep.MetricValue(p.RankBy, &rec.metrics); ok {
		fr.Score = results.Value(v) // as reported, not sign-flipped
	}
	fr.BeatsBenchmark = beats(o.Report.Metrics, o.Report.Benchmark)
	return fr, o, nil
}

// ratio is a/b when both are defined and b > 0, else NA.
func ratio(a, b results.Value) results.Value {
	if !a.Valid() || !b.Valid() || !(b > 0) {
		return results.NA
	}
	return a / b
}

// beats reports whether m's total return exceeds the benchmark's.
func beats(m, bench results.Metrics) bool {
	return m.TotalReturn.Valid() && bench.TotalReturn.Valid() && m.TotalReturn > bench.TotalReturn
}
