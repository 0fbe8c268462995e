package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/store"
	"github.com/riskon/riskon/internal/procmem"
	"github.com/riskon/riskon/results"
	runstore "github.com/riskon/riskon/results/store"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/sweep"
)

// sweepHooks let tests slow a sweep down and watch its commits; the command
// itself uses none.
type sweepHooks struct {
	// inTrial runs in the worker after each trial's backtest, before its
	// result is handed over (it slows the workers themselves).
	inTrial func()
	// afterTrial runs in the sink after each trial is stored and counted,
	// with the number of rows committed so far.
	afterTrial func(committed int)
}

type sweepOpts struct {
	file       string
	workers    int
	resume     bool
	replace    bool
	shard      string
	shardCount int
	out        string
	top        int
	output     string
}

// sweepCmd is `riskon sweep`: run a sweep file, and its subcommands merge
// and list.
func (a *app) sweepCmd() *cobra.Command { return a.newSweepCmd(sweepHooks{}) }

func (a *app) newSweepCmd(h sweepHooks) *cobra.Command {
	var o sweepOpts
	cmd := &cobra.Command{
		Use:   "sweep -c SWEEP.yaml [--workers N] [--resume] [--shard i/N] [--out DIR]",
		Short: "Run a parameter sweep in parallel, store every trial, rank them with the deflated Sharpe ratio and PBO",
		Long: `Run every trial of a sweep file (a base run config and a grid, a random sample
or an explicit list of trials; see docs/SWEEP.md) in parallel on data loaded
once, store each trial in the database (tables sweeps and sweep_trials) as it
finishes, and print the best trials by rank_by with their sample counts, the
deflated Sharpe ratio of the best trial given every trial, and the
probability of backtest overfitting (CSCV).

Ctrl-C stops cleanly: every finished trial is kept, and the same command with
--resume runs only the missing ones. Results do not depend on --workers.

--shard i/N (i from 0), or a Slurm array (SLURM_ARRAY_TASK_ID) or a
Kubernetes indexed Job (JOB_COMPLETION_INDEX), each with --shard-count N or
RISKON_SHARD_COUNT, runs one part of the trials. With --out DIR the part is
written as Parquet into DIR (committed chunks in DIR/SWEEP.part-I-of-N.partial/
while it runs, so --resume continues it; the data database is opened
read-only and closed once loaded, so many shards can share it); join the
parts with 'riskon sweep merge DIR...'. See docs/DISTRIBUTED.md.`,
		Example: `  riskon sweep -c configs/sweeps/r2k_grid.yaml
  riskon sweep -c configs/sweeps/r2k_grid.yaml --output json | jq '.top[0].params'
  riskon sweep -c big.yaml --resume
  riskon sweep -c big.yaml --shard 2/8 --out parts/ && riskon sweep merge parts/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runSweep(cmd.Context(), o, h)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "config", "c", "", "sweep file (YAML)")
	f.IntVarP(&o.workers, "workers", "w", 0, "parallel workers (default: the sweep file's workers, else one per CPU)")
	f.BoolVar(&o.resume, "resume", false, "continue a stored sweep: run only the trials not stored yet")
	f.BoolVar(&o.replace, "replace", false, "delete the stored sweep with the same id and run it again")
	f.StringVar(&o.shard, "shard", "", "run part i of N (i from 0), e.g. 0/4; default from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")
	f.IntVar(&o.shardCount, "shard-count", 0, "number of parts for SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (default $RISKON_SHARD_COUNT; never the array's size)")
	f.StringVar(&o.out, "out", "", "write the trials as Parquet parts into DIR (for shards; merge with 'riskon sweep merge')")
	f.IntVar(&o.top, "top", 10, "show the best N trials")
	f.StringVarP(&o.output, "output", "o", "table", "table or json")
	_ = cmd.MarkFlagRequired("config")
	cmd.AddCommand(a.sweepMergeCmd(), a.sweepListCmd(), a.sweepPromoteCmd())
	return cmd
}

// logger is the app's logger, or a silent one when the command runs without
// the root command (tests).
func (a *app) logger() *slog.Logger {
	if a.log != nil {
		return a.log
	}
	return slog.New(slog.DiscardHandler)
}

// sweepResult is the JSON output of sweep and sweep merge. Names extend the
// contract of docs/SWEEP.md: sweep_id, trials, elapsed_s, top [{params, metrics,
// evidence}], dsr, pbo.
type sweepResult struct {
	SweepID string `json:"sweep_id"`
	Name    string `json:"name"`
	// Trials is the number of trials the statistics rest on: the whole
	// sweep, or the trials of this shard.
	Trials      int    `json:"trials"`
	SweepTrials int    `json:"sweep_trials"`
	Ran         int    `json:"ran"`
	Resumed     int    `json:"resumed"`
	Shard       string `json:"shard"`
	Workers     int    `json:"workers"`
	// ElapsedS is the wall time of running the trials (not loading data
	// or computing the statistics).
	ElapsedS        float64               `json:"elapsed_s"`
	TrialsPerSecond results.Value         `json:"trials_per_second"`
	Synthetic       bool                  `json:"synthetic"`
	DataFingerprint string                `json:"data_fingerprint"`
	RankBy          string                `json:"rank_by"`
	Excluded        int                   `json:"excluded"`
	Duplicates      int                   `json:"duplicates"`
	Top             []topTrial            `json:"top"`
	DSR             results.Value         `json:"dsr"`
	DSRDetail       sweep.DSRDetail       `json:"dsr_detail"`
	PBO             results.Value         `json:"pbo"`
	PBODetail       sweep.PBODetail       `json:"pbo_detail"`
	Warnings        []string              `json:"warnings"`
	Files           []string              `json:"files,omitempty"`
	Merge           *runstore.MergeReport `json:"merge,omitempty"`
	keys            []string              // swept keys, for the table
}

// topTrial is one of the best trials. ID addresses it in compare and show:
// SWEEP_ID:INDEX.
type topTrial struct {
	Rank      int             `json:"rank"`
	Index     int             `json:"index"`
	ID        string          `json:"id"`
	TrialHash string          `json:"trial_hash"`
	Params    sweep.Params    `json:"params"`
	Metrics   results.Metrics `json:"metrics"`
	Benchmark results.Metrics `json:"benchmark"`
	Evidence  sweep.Evidence  `json:"evidence"`
	// DSR is the trial's deflated Sharpe ratio against every trial of the
	// sweep; PSR its probabilistic Sharpe ratio against 0.
	DSR results.Value `json:"dsr"`
	PSR results.Value `json:"psr"`
}

// valueAt is v[i], or NA past its end.
func valueAt(v []results.Value, i int) results.Value {
	if i < len(v) {
		return v[i]
	}
	return results.NA
}

func (a *app) runSweep(ctx context.Context, o sweepOpts, h sweepHooks) error {
	if err := checkOutput(o.output, "table", "json"); err != nil {
		return err
	}
	if o.resume && o.replace {
		return sweep.ErrResumeReplace
	}
	if o.top < 1 {
		return fmt.Errorf("--top %d: want 1 or more", o.top)
	}
	if o.workers < 0 || o.workers > sweep.MaxWorkers {
		return fmt.Errorf("--workers %d: want 0 (one per CPU) up to %d", o.workers, sweep.MaxWorkers)
	}
	file, err := sweep.Load(o.file, config.LoadOptions{})
	if err != nil {
		return err
	}
	spec := &file.Spec
	// The trials are checked once and regenerated as they run: neither the
	// sweep nor a shard holds them all (32 bytes per trial are kept).
	exp, err := sweep.Scan(ctx, spec, file.Base, file.Path)
	if err != nil {
		return err
	}
	// The scan's candidates are garbage now: hand their memory back before
	// DuckDB loads the data (the two would otherwise add up at the peak).
	debug.FreeOSMemory()
	shard, err := a.sweepShard(o)
	if err != nil {
		return err
	}
	workers := o.workers
	if workers == 0 {
		workers = spec.Workers
	}
	if workers == 0 {
		workers = runtime.NumCPU()
	}
	a.useConfigDB(file.Base.Data.DB)
	outMode := o.out != ""
	// A whole sweep without --out keeps its trials in its own part (Parquet
	// files beside the main database) while it runs, and imports them into the main
	// database in one short transaction at the end: the main database stays
	// free for readers (runs, show, compare, report) throughout, a killed
	// sweep resumes from its part, and the import is all or nothing.
	autoPart := !outMode && shard.Whole()
	if autoPart {
		o.out = runstore.AutoPartDir(a.dbPath())
		outMode = true
	}

	// Data, loaded once for every trial.
	dataStore, err := a.openStore(ctx, outMode)
	if err != nil {
		return err
	}
	defer dataStore.Close()
	ds, err := dataStore.Load(ctx, exp.Symbols)
	if err != nil {
		return err
	}
	fp := ds.Fingerprint()
	id := exp.ID(fp)
	grid, err := sweep.GridFor(ds, exp)
	if err != nil {
		return err
	}
	replaceMain := false
	if autoPart {
		msw, err := runstore.NewSweeps(ctx, dataStore.DB())
		if err != nil {
			return err
		}
		switch rec, err := msw.Get(ctx, id); {
		case err == nil && o.replace:
			replaceMain = true
		case err == nil:
			// Complete already (a whole sweep is imported only when
			// complete): report it, as a build tool reports a target that
			// is up to date.
			res, err := a.sweepStats(ctx, msw, rec, o.top, workers)
			if err != nil {
				return err
			}
			if o.resume {
				fmt.Fprintf(a.stderr, "sweep %s is complete in %s: nothing to resume\n", id, a.dbPath())
			} else {
				fmt.Fprintf(a.stderr, "sweep %s is already stored complete in %s: showing it (--replace runs it again)\n", id, a.dbPath())
			}
			return a.printSweep(res, o.output)
		case !errors.Is(err, runstore.ErrNotFound):
			return err
		}
	}

	// Results: the same database, or Parquet part files under --out.
	var (
		sw   sweepTarget
		part *runstore.Part
		dbSw *runstore.Sweeps
	)
	if outMode {
		// The data is in memory: close its database (the main one is then
		// free for readers again) and hand DuckDB's memory back; the trials
		// go to Parquet files written from Go.
		if err := dataStore.Close(); err != nil {
			return err
		}
		a.releaseAfterLoad()
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return fmt.Errorf("--out %s: %w", o.out, err)
		}
		part = runstore.NewPart(o.out, id, shard.Index, max(shard.Count, 1))
		sw = part
	} else {
		if dbSw, err = runstore.NewSweeps(ctx, dataStore.DB()); err != nil {
			return err
		}
		sw = dbSw
	}
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("encode sweep file %s: %w", o.file, err)
	}
	rec := runstore.SweepRecord{SweepID: id, Name: spec.Name, CreatedAt: time.Now().UTC(), Version: version,
		Spec: specJSON, BaseConfig: config.Canonical(file.Base), BaseHash: config.Hash(file.Base), DataFingerprint: fp,
		Synthetic: ds.Synthetic, Trials: exp.Len(), RankBy: spec.RankBy,
		PBOStart: grid.Start.Time(), PBOBlockDays: grid.BlockDays, PBOBlocks: grid.Blocks}
	// What is stored decides how the run starts (sweep.Decide: resume,
	// replace, a complete shard shown, a changed sweep file refused).
	var stored *sweep.Stored
	switch srec, err := sw.Get(ctx, id); {
	case err == nil:
		done, err := sw.Done(ctx, id)
		if err != nil {
			return err
		}
		stored = &sweep.Stored{Trials: srec.Trials, Grid: gridOf(srec), Done: done}
	case !errors.Is(err, runstore.ErrNotFound):
		return err
	}
	startMode, err := exp.Decide(id, shard, grid, stored, o.resume, o.replace)
	if err != nil {
		return err
	}
	switch startMode {
	case sweep.StartReplace:
		if err := sw.Delete(ctx, id); err != nil {
			return err
		}
		fallthrough
	case sweep.StartNew:
		if err := sw.Create(ctx, rec); err != nil {
			return err
		}
	case sweep.StartComplete:
		// This part is complete already: show it and write its files
		// again, as --resume would.
		fmt.Fprintf(a.stderr, "sweep %s shard %s is already complete in %s: showing it (--replace runs it again)\n", id, shard, o.out)
		o.resume = true
	}

	// What is done already (a resume), checked against the expansion.
	done, err := sw.Done(ctx, id)
	if err != nil {
		return err
	}
	doneInShard, err := exp.CheckDone(id, shard, done)
	if err != nil {
		return err
	}
	summary, err := sweep.NewSummary(spec.RankBy, grid, o.top)
	if err != nil {
		return err
	}
	resumed := 0
	if err := sw.Trials(ctx, id, func(row *runstore.TrialRow) error {
		if !shard.Has(row.Index) {
			return nil
		}
		r, err := fromRow(row)
		if err != nil {
			return err
		}
		summary.Add(r)
		resumed++
		return nil
	}); err != nil {
		return err
	}
	// The trials to run are generated as the workers take them: the shard's
	// trials not stored yet, in index order.
	inShard := exp.ShardLen(shard)
	todoN := inShard - doneInShard
	todo := func(f func(sweep.Trial) bool) error {
		return exp.Each(ctx, shard, func(t sweep.Trial) bool {
			if _, ok := done[t.Index]; ok {
				return true
			}
			return f(t)
		})
	}
	summary.Grow(todoN)
	if !shard.Whole() {
		fmt.Fprintf(a.stderr, "shard %s: %d of %d trials\n", shard, inShard, exp.Len())
	}
	if resumed > 0 {
		fmt.Fprintf(a.stderr, "resuming sweep %s: %d trials stored, %d to run\n", id, resumed, todoN)
	}
	a.logger().Info("sweep", "id", id, "trials", exp.Len(), "todo", todoN, "workers", workers, "pbo_grid", grid)

	// Run, streaming every finished trial to one writer.
	var w trialSink
	if part != nil {
		w, err = part.NewWriter(ctx, id, runstore.PartWriterOptions{})
	} else {
		w, err = dbSw.NewWriter(ctx, id, runstore.WriterOptions{})
	}
	if err != nil {
		return err
	}
	bar := a.progress(todoN)
	keep := context.WithoutCancel(ctx) // finished trials are written even after Ctrl-C
	start := time.Now()
	ran, runErr := sweep.RunEach(ctx, backtest.NewShared(ds), exp, todoN, todo, sweep.Options{Workers: workers, Grid: grid, Observe: observe(h)},
		func(r *sweep.Result) error {
			row, err := toRow(r)
			if err != nil {
				return err
			}
			if err := w.Add(keep, row); err != nil {
				return err
			}
			summary.Add(r)
			if bar != nil {
				_ = bar.Add(1)
			}
			if h.afterTrial != nil {
				h.afterTrial(w.Written())
			}
			return nil
		})
	elapsed := time.Since(start)
	closeErr := w.Close(ctx)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(a.stderr)
	}
	if runErr != nil {
		if ctx.Err() != nil && closeErr == nil {
			where := ""
			if autoPart {
				where = " in " + o.out
			}
			return fmt.Errorf("sweep %s interrupted: %d of %d trials stored%s (%d this run); run the same command with --resume to finish",
				id, resumed+ran, inShard, where, ran)
		}
		return runErr
	}
	if closeErr != nil {
		return closeErr
	}
	// The memory of the run goes back to the system before the statistics
	// and the import.
	debug.FreeOSMemory()

	res := &sweepResult{SweepID: id, Name: spec.Name, SweepTrials: exp.Len(), Ran: ran, Resumed: resumed,
		Shard: shard.String(), Workers: workers, ElapsedS: elapsed.Seconds(), TrialsPerSecond: results.NA,
		Synthetic: ds.Synthetic, DataFingerprint: fp, Excluded: exp.Excluded, Duplicates: exp.Duplicates}
	if ran > 0 && elapsed > 0 {
		res.TrialsPerSecond = results.Value(float64(ran) / elapsed.Seconds())
	}
	if part != nil {
		files, err := part.Finish(ctx)
		if err != nil {
			return err
		}
		res.Files = files
	}
	st := summary.Finish(sweep.FinishOptions{Workers: workers, SkipSweepStats: !shard.Whole()})
	// Hand the memory of the PBO back to the system before the import.
	debug.FreeOSMemory()
	if autoPart {
		if err := a.importAutoPart(keep, id, res.Files, replaceMain); err != nil {
			return err
		}
		res.Files = nil
	}
	if !shard.Whole() {
		st.Warnings = append(st.Warnings, fmt.Sprintf("shard %s only: the deflated Sharpe ratio and PBO need every trial; run 'riskon sweep merge %s' when all parts are done",
			shard, o.out))
	}
	a.fillSweepResult(res, &st, exp.First().Params)
	return a.printSweep(res, o.output)
}

// partGCPercent is the Go GC percent of a sweep part run (unless GOGC or
// GOMEMLIMIT is set): the heap of a run is mostly short-lived per-trial
// buffers over a live set of about 25 MB (the trigger-signal cache, the
// signals in flight), and at the default of 100 the heap doubles between
// collections; 50 keeps one shard of a 100,000-trial sweep about 20 MB lower
// for a few percent more CPU.
const partGCPercent = 50

// releaseAfterLoad hands back what loading the data needed and a part no
// longer does once the data database is closed: the Go heap of the load,
// and the executable's code pages DuckDB ran (procmem.DropCodePages). It
// then makes the Go heap of the run tighter (partGCPercent).
func (a *app) releaseAfterLoad() {
	debug.FreeOSMemory()
	if n, err := procmem.DropCodePages(); err != nil {
		a.logger().Debug("release code pages", "err", err)
	} else {
		a.logger().Debug("release code pages", "mappings", n)
	}
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(partGCPercent)
	}
}

// sweepTarget is where a sweep's trials are stored: the database
// (runstore.Sweeps) or the Parquet files of a part (runstore.Part).
type sweepTarget interface {
	Get(ctx context.Context, id string) (*runstore.SweepRecord, error)
	Create(ctx context.Context, rec runstore.SweepRecord) error
	Delete(ctx context.Context, id string) error
	Done(ctx context.Context, id string) (map[int]string, error)
	Trials(ctx context.Context, id string, f func(*runstore.TrialRow) error) error
}

// trialSink is the writer of a sweepTarget.
type trialSink interface {
	Add(ctx context.Context, r *runstore.TrialRow) error
	Written() int
	Close(ctx context.Context) error
}

// observe turns the test hook into a sweep.Options.Observe.
func observe(h sweepHooks) func(*sweep.Trial, config.Config, *backtest.TrialOutcome) {
	if h.inTrial == nil {
		return nil
	}
	return func(*sweep.Trial, config.Config, *backtest.TrialOutcome) { h.inTrial() }
}

// sweepShard resolves --shard, or the scheduler's environment.
func (a *app) sweepShard(o sweepOpts) (sweep.Shard, error) {
	if o.shard != "" {
		return sweep.ParseShard(o.shard)
	}
	sh, src, err := sweep.ShardFromEnv(os.Getenv, o.shardCount)
	if err != nil {
		return sweep.Shard{}, err
	}
	if src != "" {
		fmt.Fprintf(a.stderr, "shard %s from %s\n", sh, src)
	} else if o.shardCount != 0 {
		return sweep.Shard{}, fmt.Errorf("--shard-count %d needs %s (a Slurm array), %s (a Kubernetes indexed Job) or --shard i/N", o.shardCount, sweep.EnvSlurmTaskID, sweep.EnvJobIndex)
	}
	return sh, nil
}

// progress returns a progress bar on stderr when it is a terminal, else nil.
func (a *app) progress(total int) *progressbar.ProgressBar {
	f, ok := a.stderr.(*os.File)
	if !ok || total == 0 {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription("sweep"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("trials"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
	)
}

// gridOf is the PBO grid a stored sweep was run with.
func gridOf(rec *runstore.SweepRecord) sweep.Grid {
	return sweep.Grid{Start: data.DateFromTime(rec.PBOStart), BlockDays: rec.PBOBlockDays, Blocks: rec.PBOBlocks}
}

func toRow(r *sweep.Result) (*runstore.TrialRow, error) {
	params, err := json.Marshal(r.Params)
	if err != nil {
		return nil, fmt.Errorf("trial %d: encode params: %w", r.Index, err)
	}
	return &runstore.TrialRow{Index: r.Index, Hash: r.Hash, Params: params, Metrics: r.Metrics, Benchmark: r.Benchmark,
		Signals: r.Evidence.Signals, Trades: r.Evidence.Trades, Episodes: r.Evidence.Episodes, TooFew: r.Evidence.TooFew,
		Seed: r.Evidence.Seed, RetDays: r.Moments.N, RetSkew: r.Moments.Skew, RetKurt: r.Moments.Kurt,
		PBOSums: r.Sums}, nil
}

func fromRow(row *runstore.TrialRow) (*sweep.Result, error) {
	var p sweep.Params
	if err := json.Unmarshal(row.Params, &p); err != nil {
		return nil, fmt.Errorf("stored trial %d: params: %w", row.Index, err)
	}
	return &sweep.Result{Index: row.Index, Hash: row.Hash, Params: p, Metrics: row.Metrics, Benchmark: row.Benchmark,
		Evidence: sweep.Evidence{Signals: row.Signals, Trades: row.Trades, Episodes: row.Episodes, TooFew: row.TooFew, Seed: row.Seed},
		Moments:  sweep.Moments{N: row.RetDays, Skew: row.RetSkew, Kurt: row.RetKurt},
		Sums:     row.PBOSums}, nil
}

func (a *app) fillSweepResult(res *sweepResult, st *sweep.Stats, keysFrom sweep.Params) {
	res.Trials, res.RankBy = st.Trials, st.RankBy
	res.DSR, res.DSRDetail, res.PBO, res.PBODetail, res.Warnings = st.DSR, st.DSRDetail, st.PBO, st.PBODetail, st.Warnings
	res.Top = []topTrial{}
	for i, r := range st.Top {
		res.Top = append(res.Top, topTrial{Rank: i + 1, Index: r.Index, ID: fmt.Sprintf("%s:%d", res.SweepID, r.Index),
			TrialHash: r.Hash, Params: r.Params, Metrics: r.Metrics, Benchmark: r.Benchmark, Evidence: r.Evidence,
			DSR: valueAt(st.TopDSR, i), PSR: valueAt(st.TopPSR, i)})
	}
	for _, p := range keysFrom {
		res.keys = append(res.keys, p.Key)
	}
	for _, r := range st.Top { // explicit trials may set other keys
		for _, p := range r.Params {
			if !slices.Contains(res.keys, p.Key) {
				res.keys = append(res.keys, p.Key)
			}
		}
	}
}

func (a *app) printSweep(res *sweepResult, output string) error {
	if output == "json" {
		return writeJSON(a.stdout, res)
	}
	w := a.stdout
	if res.Synthetic {
		fmt.Fprintln(w, "*** SYNTHETIC DATA: generated prices, not market history ***")
	}
	fmt.Fprintf(w, "sweep %s  %s\n", res.SweepID, res.Name)
	scope := fmt.Sprintf("%d trials", res.Trials)
	if res.Shard != "all" {
		scope = fmt.Sprintf("shard %s: %d of %d trials", res.Shard, res.Trials, res.SweepTrials)
	}
	if res.Merge == nil {
		speed := ""
		if res.TrialsPerSecond.Valid() {
			speed = fmt.Sprintf(", %.0f trials/s", float64(res.TrialsPerSecond))
		}
		fmt.Fprintf(w, "%s (%d run now, %d already stored) in %.2f s%s on %d workers\n", scope, res.Ran, res.Resumed, res.ElapsedS, speed, res.Workers)
	} else {
		note := ""
		if m := res.Merge; len(m.Missing) > 0 {
			note = fmt.Sprintf(" — INCOMPLETE: %d of %d trials missing, the statistics cover the %d present", len(m.Missing), m.Total, m.Stored)
		}
		fmt.Fprintf(w, "%s merged from %d parts%s\n", scope, len(res.Merge.Parts), note)
	}
	if res.Excluded+res.Duplicates > 0 {
		fmt.Fprintf(w, "(%d combinations refused by the constraints, %d duplicates of earlier trials)\n", res.Excluded, res.Duplicates)
	}
	fmt.Fprintf(w, "data %s   ranked by %s\n\n", short(res.DataFingerprint), res.RankBy)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"RANK", "TRIAL"}
	head = append(head, res.keys...)
	metricCols := []string{"sharpe", "total_return", "cagr", "max_drawdown"}
	if !slices.Contains(metricCols, res.RankBy) && res.RankBy != sweep.RankDSR && res.RankBy != sweep.RankPSR {
		metricCols = append([]string{res.RankBy}, metricCols...)
	}
	for _, m := range metricCols {
		head = append(head, strings.ToUpper(strings.ReplaceAll(m, "_", " ")))
	}
	head = append(head, "DSR")
	if res.RankBy == sweep.RankPSR {
		head = append(head, "PSR")
	}
	head = append(head, "TRADES", "EPISODES", "NOTE")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, t := range res.Top {
		cells := []string{strconv.Itoa(t.Rank), strconv.Itoa(t.Index)}
		for _, k := range res.keys {
			v, ok := t.Params.Get(k)
			if !ok {
				cells = append(cells, "(base)")
				continue
			}
			cells = append(cells, sweep.FormatValue(v))
		}
		for _, m := range metricCols {
			cells = append(cells, metricText(t.Metrics, m))
		}
		cells = append(cells, num(t.DSR))
		if res.RankBy == sweep.RankPSR {
			cells = append(cells, num(t.PSR))
		}
		note := ""
		if t.Evidence.TooFew {
			note = "few samples"
		}
		cells = append(cells, strconv.Itoa(t.Evidence.Trades), strconv.Itoa(t.Evidence.Episodes), note)
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	_ = tw.Flush()
	if len(res.Top) > 0 {
		fmt.Fprintf(w, "\nbest: %s (compare it with a run: riskon compare %s RUN_ID)\n", res.Top[0].ID, res.Top[0].ID)
	}
	d := res.DSRDetail
	if res.DSR.Valid() {
		fmt.Fprintf(w, "deflated Sharpe ratio of the best: %.3f (its Sharpe %s against %s expected from the best of %d trials without skill; %d days)\n",
			float64(res.DSR), num(d.Sharpe), num(d.ExpectedMaxSharpe), d.Trials, d.Days)
	} else {
		fmt.Fprintf(w, "deflated Sharpe ratio of the best: n/a (%s)\n", d.Note)
	}
	p := res.PBODetail
	if res.PBO.Valid() {
		fmt.Fprintf(w, "probability of backtest overfitting: %.3f (CSCV of the trials' daily returns from %s, %d blocks of %d days, %d splits, metric Sharpe)\n",
			float64(res.PBO), p.Start, p.Blocks, p.BlockDays, p.Splits)
	} else {
		fmt.Fprintf(w, "probability of backtest overfitting: n/a (%s)\n", p.Note)
	}
	for _, warn := range res.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", warn)
	}
	if m := res.Merge; m != nil {
		printMerge(w, m)
	}
	for _, f := range res.Files {
		fmt.Fprintf(w, "wrote %s\n", f)
	}
	if res.Synthetic {
		fmt.Fprintln(w, "*** SYNTHETIC DATA ***")
	}
	return nil
}

// metricText formats a metric by its JSON name.
func metricText(m results.Metrics, name string) string {
	switch name {
	case "sharpe":
		return num(m.Sharpe)
	case "sortino":
		return num(m.Sortino)
	case "calmar":
		return num(m.Calmar)
	case "profit_factor":
		return num(m.ProfitFactor)
	case "total_return":
		return pct(m.TotalReturn)
	case "cagr":
		return pct(m.CAGR)
	case "max_drawdown":
		return pct(m.MaxDrawdown)
	case "volatility":
		return pct(m.Volatility)
	case "exposure":
		return pct(m.Exposure)
	case "win_rate":
		return pct(m.WinRate)
	case "avg_trade_return":
		return pct(m.AvgTradeReturn)
	case "median_trade_return":
		return pct(m.MedianTradeReturn)
	case "best_trade":
		return pct(m.BestTrade)
	case "worst_trade":
		return pct(m.WorstTrade)
	case "final_equity":
		return money(m.FinalEquity)
	case "trades":
		return strconv.Itoa(m.Trades)
	case "max_drawdown_days":
		return strconv.Itoa(m.MaxDrawdownDays)
	}
	return "?"
}

func printMerge(w io.Writer, m *runstore.MergeReport) {
	fmt.Fprintf(w, "\nmerge: %d part files, %d of %d trials stored (%d added)\n", len(m.Parts), m.Stored, m.Total, m.Added)
	if len(m.MissingShards) > 0 {
		parts := make([]string, len(m.MissingShards))
		for i, s := range m.MissingShards {
			parts[i] = fmt.Sprintf("%d/%d", s, m.ShardCount)
		}
		fmt.Fprintf(w, "MISSING shards: %s (no part files)\n", strings.Join(parts, ", "))
	}
	if len(m.Missing) > 0 {
		fmt.Fprintf(w, "MISSING trials: %d (%s)\n", len(m.Missing), indexList(m.Missing, 20))
	}
	if m.Duplicates > 0 {
		fmt.Fprintf(w, "duplicates: %d extra copies of trials, kept once\n", m.Duplicates)
	}
	if len(m.Conflicts) > 0 {
		fmt.Fprintf(w, "CONFLICTS: %d trials have different results in different parts (%s)\n", len(m.Conflicts), indexList(m.Conflicts, 20))
	}
}

func indexList(xs []int, max int) string {
	parts := make([]string, 0, min(len(xs), max)+1)
	for i, x := range xs {
		if i == max {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, strconv.Itoa(x))
	}
	return strings.Join(parts, ", ")
}

// sweepMergeCmd is `riskon sweep merge DIR...`.
func (a *app) sweepMergeCmd() *cobra.Command {
	var (
		only         string
		top          int
		output       string
		allowMissing bool
		workers      int
	)
	cmd := &cobra.Command{
		Use:   "merge DIR_OR_FILE...",
		Short: "Join the Parquet parts of a sharded sweep into the database and compute the sweep-level statistics",
		Long: `Load the parts written by 'riskon sweep --shard i/N --out DIR' (the files
*.sweep.parquet and *.trials.parquet in each DIR, or the files given) into
the database, each trial once, report missing shards, missing trials and
duplicates, and print the best trials with the deflated Sharpe ratio and PBO
over every trial. Missing trials or conflicting copies make it exit non-zero
(--allow-missing accepts missing trials). Merging again adds only what is new.`,
		Example: `  riskon sweep merge parts/
  riskon sweep merge node1/out node2/out --output json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			ctx := cmd.Context()
			var files []string
			for _, p := range args {
				fi, err := os.Stat(p)
				if err != nil {
					return fmt.Errorf("merge: %w", err)
				}
				if !fi.IsDir() {
					files = append(files, p)
					continue
				}
				got, err := filepath.Glob(filepath.Join(p, "*.parquet"))
				if err != nil {
					return fmt.Errorf("merge %s: %w", p, err)
				}
				files = append(files, got...)
			}
			st, err := a.openStore(ctx, false)
			if err != nil {
				return err
			}
			defer st.Close()
			sw, err := runstore.NewSweeps(ctx, st.DB())
			if err != nil {
				return err
			}
			mrep, err := sw.ImportParts(ctx, files, only)
			if err != nil {
				return err
			}
			rec, err := sw.Get(ctx, mrep.SweepID)
			if err != nil {
				return err
			}
			if workers <= 0 {
				workers = runtime.NumCPU()
			}
			res, err := a.sweepStats(ctx, sw, rec, top, workers)
			if err != nil {
				return err
			}
			res.Merge = mrep
			if err := a.printSweep(res, output); err != nil {
				return err
			}
			switch {
			case len(mrep.Conflicts) > 0:
				return fmt.Errorf("merge %s: %d trials differ between parts (%s): the parts were not computed on the same data or version",
					mrep.SweepID, len(mrep.Conflicts), indexList(mrep.Conflicts, 10))
			case len(mrep.Missing) > 0 && !allowMissing:
				msg := fmt.Sprintf("merge %s: %d of %d trials missing", mrep.SweepID, len(mrep.Missing), mrep.Total)
				if len(mrep.MissingShards) > 0 {
					parts := make([]string, len(mrep.MissingShards))
					for i, s := range mrep.MissingShards {
						parts[i] = fmt.Sprintf("%d/%d", s, mrep.ShardCount)
					}
					what := "shards " + strings.Join(parts, ", ") + " have"
					if len(parts) == 1 {
						what = "shard " + parts[0] + " has"
					}
					msg += fmt.Sprintf(" (%s no part files; run with --shard and merge again)", what)
				}
				return errors.New(msg + "; --allow-missing accepts an incomplete sweep")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&only, "sweep", "", "merge only this sweep id (or prefix) when the parts hold several")
	cmd.Flags().IntVar(&top, "top", 10, "show the best N trials")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	cmd.Flags().BoolVar(&allowMissing, "allow-missing", false, "exit 0 even when trials are missing")
	cmd.Flags().IntVarP(&workers, "workers", "w", 0, "workers for the PBO (default one per CPU)")
	return cmd
}

// sweepStats reads every stored trial of a sweep and computes its
// statistics.
func (a *app) sweepStats(ctx context.Context, sw *runstore.Sweeps, rec *runstore.SweepRecord, top, workers int) (*sweepResult, error) {
	if top < 1 {
		return nil, fmt.Errorf("--top %d: want 1 or more", top)
	}
	summary, err := sweep.NewSummary(rec.RankBy, gridOf(rec), top)
	if err != nil {
		return nil, fmt.Errorf("sweep %s: %w", rec.SweepID, err)
	}
	var first sweep.Params
	if err := sw.Trials(ctx, rec.SweepID, func(row *runstore.TrialRow) error {
		r, err := fromRow(row)
		if err != nil {
			return err
		}
		if first == nil {
			first = r.Params
		}
		summary.Add(r)
		return nil
	}); err != nil {
		return nil, err
	}
	st := summary.Finish(sweep.FinishOptions{Workers: workers})
	res := &sweepResult{SweepID: rec.SweepID, Name: rec.Name, SweepTrials: rec.Trials, Shard: "all", Workers: workers,
		TrialsPerSecond: results.NA, Synthetic: rec.Synthetic, DataFingerprint: rec.DataFingerprint}
	a.fillSweepResult(res, &st, first)
	return res, nil
}

// sweepListCmd is `riskon sweep list`.
func (a *app) sweepListCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored sweeps, newest first, with how many trials are done",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := a.openStore(ctx, true)
			if errors.Is(err, os.ErrNotExist) {
				fmt.Fprintf(a.stdout, "no stored sweeps yet: no database at %s\n", a.dbPath())
				return nil
			}
			if err != nil {
				return err
			}
			defer st.Close()
			sw, err := runstore.NewSweeps(ctx, st.DB())
			if err != nil {
				return err
			}
			list, err := sw.List(ctx)
			if err != nil {
				return err
			}
			list = append(list, a.interruptedSweeps(ctx, list)...)
			if output == "json" {
				if list == nil {
					list = []runstore.SweepSummary{}
				}
				return writeJSON(a.stdout, struct {
					Sweeps []runstore.SweepSummary `json:"sweeps"`
				}{list})
			}
			if len(list) == 0 {
				fmt.Fprintln(a.stdout, "no stored sweeps yet; run one with 'riskon sweep -c FILE'")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SWEEP ID\tNAME\tCREATED (UTC)\tDONE\tNOTE")
			for _, s := range list {
				note := ""
				switch {
				case s.Interrupted != "":
					note = "interrupted, trials in " + s.Interrupted + ": run the same sweep with --resume"
				case s.Done < s.Trials:
					note = "incomplete: --resume"
				}
				if s.Synthetic {
					note = strings.TrimPrefix(note+", synthetic data", ", ")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\n", s.SweepID, s.Name, s.CreatedAt.Format("2006-01-02 15:04:05"), s.Done, s.Trials, note)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

// interruptedSweeps lists the whole sweeps that were stopped before their
// final import: their finished trials sit in a part database in
// <db>.sweeps/ (see runSweep), not yet in the main database. Sweeps already
// in known are left out.
func (a *app) interruptedSweeps(ctx context.Context, known []runstore.SweepSummary) []runstore.SweepSummary {
	dir := runstore.AutoPartDir(a.dbPath())
	parts := runstore.AutoParts(a.dbPath())
	ids := slices.Sorted(maps.Keys(parts))
	var out []runstore.SweepSummary
	for _, id := range ids {
		p := parts[id]
		if slices.ContainsFunc(known, func(s runstore.SweepSummary) bool { return s.SweepID == id }) {
			continue
		}
		s := runstore.SweepSummary{SweepID: id, Interrupted: dir}
		if rec, err := p.Get(ctx, id); err == nil {
			s.Name, s.CreatedAt, s.Trials, s.Synthetic = rec.Name, rec.CreatedAt, rec.Trials, rec.Synthetic
			if n, err := p.Committed(); err == nil {
				s.Done = n
			}
		}
		out = append(out, s)
	}
	return out
}

// sweepImportMemory is DuckDB's memory_limit for the final import of a
// whole sweep's part into the main database (RISKON_MEMORY_LIMIT overrides
// it), below DuckDB's default of 512 MB per database: the import runs after
// the run's memory is released, and its window over every trial needs more
// than the default of a short command.
const sweepImportMemory = "256MB"

func sweepMemoryLimit(phase string) string {
	if v := strings.TrimSpace(os.Getenv("RISKON_MEMORY_LIMIT")); v != "" {
		return v
	}
	return phase
}

// autoPartWait is how long a sweep's final import waits for readers of the
// main database.
const autoPartWait = 2 * time.Minute

// importAutoPart imports a finished whole sweep's part files into the main
// database in one transaction, then removes the part.
func (a *app) importAutoPart(ctx context.Context, id string, files []string, replace bool) error {
	opts := store.Options{Wait: a.wait, MemoryLimit: sweepMemoryLimit(sweepImportMemory)}
	if opts.Wait == 0 {
		opts.Wait = autoPartWait
	}
	st, err := a.openStoreWith(ctx, opts)
	if err != nil {
		return fmt.Errorf("sweep %s finished but its trials stay in %s: %w; run the same command with --resume to import them", id, runstore.AutoPartDir(a.dbPath()), err)
	}
	defer st.Close()
	sw, err := runstore.NewSweeps(ctx, st.DB())
	if err != nil {
		return err
	}
	if replace {
		if err := sw.Delete(ctx, id); err != nil {
			return err
		}
	}
	mrep, err := sw.ImportParts(ctx, files, id)
	if err != nil {
		return fmt.Errorf("sweep %s: import into %s: %w", id, a.dbPath(), err)
	}
	if len(mrep.Missing) > 0 || len(mrep.Conflicts) > 0 {
		return fmt.Errorf("sweep %s: the part in %s is incomplete (%d missing, %d conflicting trials); run with --resume", id, runstore.AutoPartDir(a.dbPath()), len(mrep.Missing), len(mrep.Conflicts))
	}
	for f, err := range runstore.RemoveAutoPart(a.dbPath(), id) {
		a.logger().Warn("remove sweep part", "file", f, "err", err)
	}
	return nil
}
