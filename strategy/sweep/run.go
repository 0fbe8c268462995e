package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
)

// Evidence is what a sweep keeps of a trial's evidence: the sample counts
// (names as in results.Evidence) and the seed of its random procedures.
type Evidence struct {
	Signals  int    `json:"signals"`
	Trades   int    `json:"trades"`
	Episodes int    `json:"episodes"`
	TooFew   bool   `json:"too_few"`
	Seed     uint64 `json:"seed"`
}

// Moments describe a trial's daily returns (results.DailyReturns) for the
// deflated Sharpe ratio: their number, skewness (gonum stat.Skew) and
// ORDINARY kurtosis (stat.ExKurtosis + 3). Skew and Kurt are NaN with fewer
// than 4 returns.
type Moments struct {
	N          int
	Skew, Kurt float64
}

// Result is what a sweep keeps of one trial.
type Result struct {
	Index     int
	Hash      string
	Params    Params
	Metrics   results.Metrics
	Benchmark results.Metrics
	Evidence  Evidence
	Moments   Moments
	// Sums are the trial's daily returns summed per block of the sweep's
	// Grid (Grid.Sums): what the PBO needs of them, 2·Blocks numbers.
	Sums []float64
}

// Options configure Run.
type Options struct {
	// Workers is the number of parallel workers, each with its own
	// backtest.TrialRunner; <= 0 means runtime.NumCPU().
	Workers int
	// Grid is the sweep's PBO grid (GridFor); a zero grid keeps no sums.
	Grid Grid
	// Observe, when set, is called by the worker that ran a trial with the
	// full outcome, before the result is compacted (its engine result is
	// valid only during the call). It runs concurrently from every worker.
	Observe func(t *Trial, cfg config.Config, o *backtest.TrialOutcome)
}

// Run backtests trials (the whole expansion e, or a part of it: a shard, the
// trials a resume still needs) in parallel on the shared data set and hands
// each result to sink, from one goroutine (the caller's), in completion order
// with its index: a sink that needs an order sorts by Result.Index, so the
// results do not depend on the number of workers. When ctx is cancelled Run
// stops starting trials, drops the ones in flight, hands over every result
// already finished, and returns the context's error; finished results are
// never lost. A trial error or a sink error stops the sweep the same way.
// It returns the number of results handed to sink.
func Run(ctx context.Context, sh *backtest.Shared, e *Expansion, trials []Trial, opts Options, sink func(*Result) error) (int, error) {
	return RunEach(ctx, sh, e, len(trials), func(f func(Trial) bool) error {
		for _, t := range trials {
			if !f(t) {
				break
			}
		}
		return nil
	}, opts, sink)
}

// RunEach is Run over the n trials that each produces in order (typically
// Expansion.Each of a shard, skipping the trials a resume has): the trials
// are generated as the workers take them, so memory does not grow with n.
// each is called from one goroutine and must stop when f returns false.
func RunEach(ctx context.Context, sh *backtest.Shared, e *Expansion, n int, each func(f func(Trial) bool) error, opts Options, sink func(*Result) error) (int, error) {
	if sh == nil || e == nil {
		return 0, errors.New("sweep: nil shared data set or expansion")
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if workers > MaxWorkers {
		return 0, fmt.Errorf("sweep: %d workers, above the limit of %d; use --workers %d or fewer (one per core is fastest)", workers, MaxWorkers, MaxWorkers)
	}
	workers = min(workers, max(n, 1))
	if opts.Grid != (Grid{}) {
		if err := opts.Grid.Check(); err != nil {
			return 0, err
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Trials go to the workers and results come back in batches (a chunk of
	// consecutive trials of a sorted window, the results of one chunk): one
	// channel operation, and at most one wake-up of a sleeping goroutine,
	// per chunk rather than per trial.
	jobs := make(chan []Trial, workers)
	type msg struct {
		rs  []Result // finished results
		err error
	}
	// A deep buffer lets the workers go on while the sink commits a batch
	// (a DuckDB commit waits for the disk): up to 2048 results of full
	// chunks.
	out := make(chan msg, 2048/maxChunk)
	eachErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		// Trials go out in windows sorted by their trigger params, so that
		// trials sharing trigger signals run one after another and find them
		// in the cache of backtest.Shared (a random sweep draws the trigger
		// params of consecutive trials independently). The order of running
		// never changes a result: each is handed over with its index.
		// The keys are written into one arena per window (no allocation
		// per trial).
		type keyed struct {
			from, to int // the key: arena[from:to]
			t        Trial
		}
		window := make([]keyed, 0, runWindow)
		var arena []byte
		send := func() bool {
			slices.SortStableFunc(window, func(a, b keyed) int { return bytes.Compare(arena[a.from:a.to], arena[b.from:b.to]) })
			// The chunks share one array per window (the workers read
			// them while the next window fills).
			sorted := make([]Trial, len(window))
			for i := range window {
				sorted[i] = window[i].t
			}
			size := chunkSize(len(sorted), workers)
			for len(sorted) > 0 {
				c := sorted[:min(size, len(sorted)):min(size, len(sorted))]
				sorted = sorted[len(c):]
				select {
				case jobs <- c:
				case <-runCtx.Done():
					return false
				}
			}
			clear(window)
			window, arena = window[:0], arena[:0]
			return true
		}
		err := each(func(t Trial) bool {
			from := len(arena)
			arena = appendTriggerKey(arena, t.Params)
			window = append(window, keyed{from, len(arena), t})
			if len(window) < runWindow {
				return runCtx.Err() == nil
			}
			return send()
		})
		if err == nil && len(window) > 0 {
			send()
		}
		if err != nil && runCtx.Err() == nil {
			eachErr <- err
			cancel()
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{tr: backtest.NewTrialRunner(sh), exp: e, grid: opts.Grid, observe: opts.Observe}
			w.tr.Squares = w.squares
			for chunk := range jobs {
				rs := make([]Result, 0, len(chunk))
				var err error
				since := time.Now()
				for i := range chunk {
					if len(rs) > 0 && time.Since(since) > flushAfter {
						// Slow trials: hand over what is done (the rest
						// of the chunk goes on in the same array).
						out <- msg{rs: rs}
						rs, since = rs[len(rs):], time.Now()
					}
					if runCtx.Err() != nil {
						break // the rest of the chunk is dropped
					}
					w.t = chunk[i] // the worker's own copy: &chunk[i] would keep the chunk's array alive
					t := &w.t
					rs = rs[:len(rs)+1]
					if err = w.run(runCtx, t, &rs[len(rs)-1]); err != nil {
						rs = rs[:len(rs)-1]
						if runCtx.Err() != nil {
							err = nil // cancelled mid-trial: the trial is unfinished
						} else {
							err = fmt.Errorf("trial %d (%s): %w", t.Index, t.Params, err)
						}
						break
					}
				}
				if len(rs) > 0 || err != nil {
					out <- msg{rs: rs, err: err}
				}
				if err != nil || runCtx.Err() != nil {
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	done := 0
	var trialErr, sinkErr error
	for m := range out {
		for i := range m.rs {
			if sinkErr != nil {
				break // the sink refused a result: drop the rest
			}
			// Results finished after a trial error or a cancellation are
			// still handed over: a resume will not have to redo them.
			r := &m.rs[i]
			if err := sink(r); err != nil {
				sinkErr = fmt.Errorf("sweep: keep trial %d: %w", r.Index, err)
				cancel()
				break
			}
			done++
		}
		if m.err != nil && trialErr == nil {
			trialErr = m.err
			cancel()
		}
	}
	var genErr error
	select {
	case genErr = <-eachErr:
	default:
	}
	switch {
	case sinkErr != nil:
		return done, sinkErr
	case trialErr != nil:
		return done, trialErr
	case ctx.Err() != nil:
		return done, fmt.Errorf("sweep interrupted after %d of %d trials: %w", done, n, ctx.Err())
	case genErr != nil:
		return done, fmt.Errorf("sweep: generate trials: %w", genErr)
	}
	return done, nil
}

// runWindow is the number of trials RunEach sorts by trigger params before
// handing them to the workers.
const runWindow = 4096

// maxChunk is the largest number of trials a worker takes at once.
const maxChunk = 16

// flushAfter is how long a worker keeps finished results of a chunk before
// handing them over (slow trials: the sink sees them as they finish).
const flushAfter = 50 * time.Millisecond

// chunkSize is the number of consecutive trials of a window of n a worker
// takes at once: up to maxChunk, small enough that each of the workers gets
// about four chunks of a short window (the last chunks finish together).
func chunkSize(n, workers int) int {
	return min(max(n/(4*workers), 1), maxChunk)
}

// appendTriggerKey appends a trial's trigger.* values (in the file's key
// order), each followed by a 0 byte, to b: a cheap proxy for the trigger
// signals the trial needs.
func appendTriggerKey(b []byte, p Params) []byte {
	for _, kv := range p {
		if !strings.HasPrefix(kv.Key, "trigger.") {
			continue
		}
		switch v := kv.Value.(type) {
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case float64:
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		case string:
			b = append(b, v...)
		default:
			b = append(b, setValue(v)...)
		}
		b = append(b, 0)
	}
	return b
}

// worker runs trials on its own TrialRunner and compacts each outcome
// before the runner's next Run invalidates it.
type worker struct {
	tr      *backtest.TrialRunner
	exp     *Expansion
	grid    Grid
	observe func(*Trial, config.Config, *backtest.TrialOutcome)
	t       Trial         // the trial being run
	cfg     config.Config // its config

	// What squares computed of the trial's returns: their moments and
	// block sums (written into dst), valid when fused is set.
	fused bool
	mom   Moments
	dst   []float64

	// Block sums are handed out of slabs of resultSlab trials, one
	// allocation for many (a result kept by a sink keeps its slab alive: a
	// summary keeps its top few); the results themselves are the chunk's
	// (one array per chunk).
	sums []float64
}

// resultSlab is the number of trials whose block sums a worker allocates at
// once.
const resultSlab = 64

// newSums returns, with a grid, room for a trial's 2·Blocks block sums
// (length 0, capacity 2·Blocks).
func (w *worker) newSums() []float64 {
	n := 2 * w.grid.Blocks
	if n == 0 {
		return nil
	}
	if len(w.sums) < n {
		w.sums = make([]float64, n*resultSlab)
	}
	s := w.sums[:0:n]
	w.sums = w.sums[n:]
	return s
}

// run runs trial t and writes its result into r.
func (w *worker) run(ctx context.Context, t *Trial, r *Result) error {
	if err := w.exp.ConfigTo(&w.cfg, t); err != nil {
		return err
	}
	cfg := w.cfg
	w.fused, w.dst = false, w.newSums()
	o, err := w.tr.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if w.observe != nil {
		w.observe(t, cfg, o)
	}
	*r = Result{
		Index:     t.Index,
		Hash:      t.Hash,
		Params:    t.Params,
		Metrics:   o.Metrics,
		Benchmark: o.Benchmark,
		Evidence: Evidence{Signals: o.Evidence.Signals, Trades: o.Evidence.Trades, Episodes: o.Evidence.Episodes,
			TooFew: o.Evidence.TooFew, Seed: cfg.Seed},
	}
	// The trial's notes are its own (ComputeMetricsReturns makes them); the
	// benchmark's are shared by the trials of a runner and read-only: both
	// are clipped, so that an append never writes into another's.
	r.Metrics.Notes = slices.Clip(r.Metrics.Notes)
	r.Benchmark.Notes = slices.Clip(r.Benchmark.Notes)
	if w.fused {
		r.Moments, r.Sums = w.mom, w.dst
	} else {
		// No returns: the metrics took no second pass.
		daily := o.Returns
		r.Moments, r.Sums = momentsSums(daily, results.DailyReturnDates(o.Result, len(daily)), w.grid, w.dst)
	}
	return nil
}

// squares is the trial runner's results.SquaresFunc: the metrics' sum of
// squared deviations from mean, taken in the pass that sums the moments'
// and the block sums (momentsSquares), whose results it keeps.
func (w *worker) squares(res *engine.Result, daily []float64, flats []results.Flat, mean float64) float64 {
	var ss float64
	w.mom, w.dst, ss = momentsSquares(daily, results.DailyReturnDates(res, len(daily)), w.grid, w.dst, mean, flats)
	w.fused = true
	return ss
}

// moments gives exactly stat.Skew(daily, nil) and stat.ExKurtosis(daily,
// nil) + 3 (see momentsSums).
func moments(daily []float64) Moments {
	m, _ := momentsSums(daily, nil, Grid{}, nil)
	return m
}

// momentsSums returns the Moments of daily and, for a non-zero grid, dst
// holding grid.Sums(dst, dates, daily), in two passes over the returns: the
// mean's (gonum's vectorised sum) aside, one pass for the sums of the
// variance and the block sums, one for the skewness and kurtosis.
//
// The moments are exactly stat.Skew(daily, nil) and stat.ExKurtosis(daily,
// nil) + 3: both start from the same mean and standard deviation
// (stat.MeanStdDev, the corrected two-pass algorithm (1.7) of Chan, Golub &
// LeVeque 1983, "Algorithms for computing the sample variance", The American
// Statistician 37(3)) and the same standardised values z, whose cubes and
// fourth powers one pass sums, with gonum's expressions and bias corrections
// (Doane & Seward 2011, Journal of Statistics Education 19(2), for the
// skewness; the sample excess kurtosis of gonum's ExKurtosis). The variance
// sums ride along with the block sums (the same additions in the same order
// as Grid.Sums: a zero return, which Grid.Sums skips, adds +0 to a sum that
// is never -0, which changes nothing) when the returns are dated by
// consecutive days, as a trial's are; other dates take Grid.Sums.
func momentsSums(daily []float64, dates []data.Date, grid Grid, dst []float64) (Moments, []float64) {
	m, dst, _ := momentsSquares(daily, dates, grid, dst, 0, nil)
	return m, dst
}

// momentsSquares is momentsSums that also returns the metrics' sum of
// squared deviations from their mean meanM, results.SumSquares(daily,
// meanM) bit for bit: a third independent chain of additions in the pass of
// the variance's sums. runs are stretches of daily, ascending and apart,
// whose returns are all zero (+0 or -0), some of them or none: their days
// are added as runs of a constant (constAdder), the same additions bit for
// bit; the other days one by one.
func momentsSquares(daily []float64, dates []data.Date, grid Grid, dst []float64, meanM float64, runs []results.Flat) (Moments, []float64, float64) {
	m := Moments{N: len(daily), Skew: math.NaN(), Kurt: math.NaN()}
	n := len(daily)
	var lo, hi []int // the returns of block b: daily[lo[b]:hi[b]]
	var bounds [2 * MaxBlocks]int
	fused := false
	if grid != (Grid{}) {
		S := grid.Blocks
		dst = append(dst[:0], make([]float64, 2*S)...)
		if n >= 4 && len(dates) == n && S <= MaxBlocks && grid.BlockDays >= 1 && int(dates[n-1]-dates[0]) == n-1 {
			// Consecutive days: return i is dated dates[0]+i.
			fused = true
			lo, hi = bounds[:S], bounds[S:2*S]
			for b := range S {
				from := int(grid.Start-dates[0]) + b*grid.BlockDays
				lo[b], hi[b] = min(max(from, 0), n), min(max(from+grid.BlockDays, 0), n)
			}
		} else {
			dst = grid.Sums(dst, dates, daily)
		}
	}
	if n < 4 {
		return m, dst, results.SumSquares(daily, meanM)
	}
	mean := stat.Mean(daily, nil)
	if !fused {
		lo, hi = nil, nil // no block sums here (none, or Grid.Sums')
	}
	ss, comp, ssM := varianceSums(daily, runs, mean, meanM, lo, hi, dst)
	nf := float64(n)
	std := math.Sqrt((ss - comp*comp/nf) / (nf - 1))
	var s, e float64
	z0 := (0 - mean) / std
	z03 := z0 * z0 * z0
	sZ, eZ := newConstAdder(z03), newConstAdder(z03*z0)
	at := 0
	for _, run := range runs {
		for _, v := range daily[at:run.Lo] {
			z := (v - mean) / std
			z3 := z * z * z
			s += z3
			e += z3 * z
		}
		k := int(run.Hi - run.Lo)
		if t, ok := sZ.fast(s, k); ok {
			s = t
		} else {
			s = sZ.slow(s, k)
		}
		if t, ok := eZ.fast(e, k); ok {
			e = t
		} else {
			e = eZ.slow(e, k)
		}
		at = int(run.Hi)
	}
	for _, v := range daily[at:] {
		z := (v - mean) / std
		z3 := z * z * z
		s += z3
		e += z3 * z
	}
	m.Skew = s * ((nf / (nf - 1)) * (1 / (nf - 2)))
	mul, offset := ((nf+1)/(nf-1))*(nf/(nf-2))*(1/(nf-3)), 3*((nf-1)/(nf-2))*((nf-1)/(nf-3))
	m.Kurt = e*mul - offset + 3
	return m, dst, ssM
}

// varianceSums returns momentsSquares' sums of squared deviations from
// mean and meanM and of deviations from mean (the correction of Chan, Golub
// & LeVeque) of daily, each one chain of additions in day order, and writes
// the block sums Σ v and Σ v² of the days daily[lo[b]:hi[b]] into dst[b]
// and dst[S+b] (S = len(lo); the blocks follow one another, hi[b] =
// lo[b+1]). runs are stretches of zero returns, ascending and apart: their
// days add their constant deviations as runs (constAdder) and nothing to
// the block sums (+0 to a sum that is never -0); the other days are added
// one by one, into the block sums too (a day outside every block into a
// sum thrown away).
func varianceSums(daily []float64, runs []results.Flat, mean, meanM float64, lo, hi []int, dst []float64) (ss, comp, ssM float64) {
	n, S := len(daily), len(lo)
	d0, dm0 := 0-mean, 0-meanM
	ssZ, compZ, ssMZ := newConstAdder(d0*d0), newConstAdder(d0), newConstAdder(dm0*dm0)
	// The days before block 0 are block -1, those after the last block S;
	// next is where the current block ends.
	blk, next := -1, math.MaxInt
	if S > 0 {
		next = lo[0]
	}
	var su, q float64 // the current block's sums
	at, r := 0, 0
	for at < n {
		for at >= next {
			// The current block ends: keep its sums, move to the next.
			if blk >= 0 {
				dst[blk], dst[S+blk] = su, q
			}
			su, q = 0, 0
			if blk++; blk < S {
				next = hi[blk]
			} else {
				next = math.MaxInt
			}
		}
		end := n
		if r < len(runs) {
			end = int(runs[r].Lo)
		}
		if end > at {
			// Days one by one, up to the next run or block's end.
			end = min(end, next)
			for _, v := range daily[at:end] {
				d := v - mean
				ss += d * d
				comp += d
				dm := v - meanM
				ssM += dm * dm
				su += v
				q += v * v
			}
			at = end
			continue
		}
		// A run of zeros from at.
		k := int(runs[r].Hi) - at
		if t, ok := ssZ.fast(ss, k); ok {
			ss = t
		} else {
			ss = ssZ.slow(ss, k)
		}
		if t, ok := compZ.fast(comp, k); ok {
			comp = t
		} else {
			comp = compZ.slow(comp, k)
		}
		if t, ok := ssMZ.fast(ssM, k); ok {
			ssM = t
		} else {
			ssM = ssMZ.slow(ssM, k)
		}
		at = int(runs[r].Hi)
		r++
	}
	for blk < S {
		// The blocks left (the last with days, and empty ones after it).
		if blk >= 0 {
			dst[blk], dst[S+blk] = su, q
		}
		su, q = 0, 0
		blk++
	}
	return ss, comp, ssM
}
