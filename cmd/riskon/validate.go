package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/internal/numfmt"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
	"github.com/riskon/riskon/results/html"
	runstore "github.com/riskon/riskon/results/store"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/sweep"
	"github.com/riskon/riskon/strategy/validate"
)

type validateOpts struct {
	file              string
	train, test, step string
	anchored          bool
	rankBy            string
	workers           int
	resume, replace   bool
	output            string
	htmlOut           string
	randomEntries     int
	resamples         int
	noPBO             bool
	cpcv              string
	embargo           int
}

// maxValidateRandomEntries and maxValidateResamples bound the evidence flags of validate.
const (
	maxValidateRandomEntries = 1_000_000
	maxValidateResamples     = 1_000_000
)

// validateCmd is `riskon validate`: walk-forward (or CPCV) of a sweep file.
func (a *app) validateCmd() *cobra.Command {
	var o validateOpts
	cmd := &cobra.Command{
		Use:   "validate -c SWEEP.yaml --train 5y --test 1y [--step 1y] [--anchored] [--rank-by METRIC]",
		Short: "Walk-forward validation of a sweep: pick the best trial on each training window, run it on the next test window, stitch the out-of-sample results",
		Long: `Walk-forward validation of a sweep file (see docs/VALIDATE.md). For every fold
the trials of the sweep are run on the training window, the best by --rank-by
(any sweep metric, dsr or psr; default the sweep's rank_by) is run alone on
the test window that follows, and the test windows are stitched into one
out-of-sample equity curve with its metrics and evidence (episodes,
random-entry p, PSR) beside buy-and-hold of the same targets over the same
windows. The output gives the chosen config per fold, in-sample vs
out-of-sample metrics, the degradation (OOS Sharpe / IS Sharpe), the share of
folds that beat buy-and-hold and the sweep's PBO.

Windows roll by --step (default --test); --anchored keeps every training
window starting at the first day. Spans: 5y, 18m, 26w, 90d. Folds are stored
as they finish (tables validations, validation_folds, validation_equity):
after Ctrl-C, the same command with --resume trains only the missing folds.
Results do not depend on --workers.`,
		Example: `  riskon validate -c configs/sweeps/r2k_grid.yaml --train 5y --test 1y
  riskon validate -c configs/sweeps/r2k_grid.yaml --train 5y --test 1y --anchored --rank-by dsr
  riskon validate -c configs/sweeps/r2k_grid.yaml --train 5y --test 1y --output json | jq .oos.metrics
  riskon validate -c configs/sweeps/r2k_grid.yaml --train 5y --test 1y --html validate.html
  riskon validate list
  riskon validate show r2k-grid-wf`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return a.runValidate(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "config", "c", "", "sweep file (YAML)")
	f.StringVar(&o.train, "train", "", "training window, e.g. 5y, 18m, 90d")
	f.StringVar(&o.test, "test", "", "test window, e.g. 1y")
	f.StringVar(&o.step, "step", "", "how far the windows move per fold (default --test; at least --test)")
	f.BoolVar(&o.anchored, "anchored", false, "every training window starts at the first day (expanding window)")
	f.StringVar(&o.rankBy, "rank-by", "", "metric that chooses the best trial of a training window: a sweep metric, dsr or psr (default the sweep's rank_by)")
	f.IntVarP(&o.workers, "workers", "w", 0, "parallel workers (default: the sweep file's workers, else one per CPU)")
	f.BoolVar(&o.resume, "resume", false, "continue a stored, unfinished validation: train only the missing folds")
	f.BoolVar(&o.replace, "replace", false, "delete the stored validation with the same id and run it again")
	f.StringVarP(&o.output, "output", "o", "table", "table or json")
	f.StringVar(&o.htmlOut, "html", "", "also write the HTML report to FILE")
	f.IntVar(&o.randomEntries, "random-entries", 0, fmt.Sprintf("random strategies of each random-entry test (default %d; -1 skips the test)", backtest.DefaultRandomEntries))
	f.IntVar(&o.resamples, "resamples", 0, fmt.Sprintf("bootstrap resamples of each interval (default %d)", results.DefaultResamples))
	f.BoolVar(&o.noPBO, "no-pbo", false, "skip the PBO (it runs every trial once more over the whole history)")
	f.StringVar(&o.cpcv, "cpcv", "", "combinatorial purged cross-validation instead of walk-forward: GROUPS,TEST_GROUPS, e.g. 6,2")
	f.IntVar(&o.embargo, "embargo", 0, "CPCV: days dropped from training after each test group")
	_ = cmd.MarkFlagRequired("config")
	cmd.AddCommand(a.validateListCmd(), a.validateShowCmd())
	return cmd
}

func (o validateOpts) options() (validate.Options, error) {
	var opts validate.Options
	var err error
	if o.train == "" || o.test == "" {
		return opts, errors.New("validate needs --train and --test, e.g. --train 5y --test 1y")
	}
	if opts.Train, err = validate.ParseSpan(o.train); err != nil {
		return opts, fmt.Errorf("--train: %w", err)
	}
	if opts.Test, err = validate.ParseSpan(o.test); err != nil {
		return opts, fmt.Errorf("--test: %w", err)
	}
	if o.step != "" {
		if opts.Step, err = validate.ParseSpan(o.step); err != nil {
			return opts, fmt.Errorf("--step: %w", err)
		}
	}
	if o.workers < 0 || o.workers > 4096 {
		return opts, fmt.Errorf("--workers %d: want 0 (default) to 4096", o.workers)
	}
	if o.randomEntries < -1 || o.randomEntries > maxValidateRandomEntries {
		return opts, fmt.Errorf("--random-entries %d: want -1 (skip), 0 (default) or up to %d", o.randomEntries, maxValidateRandomEntries)
	}
	if o.resamples < 0 || o.resamples > maxValidateResamples {
		return opts, fmt.Errorf("--resamples %d: want 0 (default) to %d", o.resamples, maxValidateResamples)
	}
	opts.Anchored, opts.RankBy, opts.SkipPBO = o.anchored, o.rankBy, o.noPBO
	opts.Evidence = backtest.Options{Resamples: o.resamples, RandomEntries: o.randomEntries}
	return opts, nil
}

// validationID names a validation: the sweep id, "wf" and 8 hex characters
// of SHA-256 over the sweep id and the options that change the result.
func validationID(sweepID string, p *validate.Plan) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%v\x00%s\x00%d\x00%d\x00%v", sweepID, p.Opts.Train, p.Opts.Test, p.Opts.Step, p.Opts.Anchored,
		p.RankBy, p.Opts.Evidence.RandomEntries, p.Opts.Evidence.Resamples, p.Opts.SkipPBO)
	return sweepID + "-wf-" + hex.EncodeToString(h.Sum(nil)[:4])
}

func (a *app) runValidate(ctx context.Context, o validateOpts) error {
	if err := checkOutput(o.output, "table", "json"); err != nil {
		return err
	}
	if o.resume && o.replace {
		return errors.New("--resume and --replace contradict each other: --resume keeps the stored folds, --replace deletes them")
	}
	if o.cpcv != "" {
		return a.runCPCV(ctx, o)
	}
	if o.embargo != 0 {
		return errors.New("--embargo applies to --cpcv only")
	}
	opts, err := o.options()
	if err != nil {
		return err
	}
	file, err := sweep.Load(o.file, config.LoadOptions{})
	if err != nil {
		return err
	}
	exp, err := sweep.Expand(&file.Spec, file.Base, file.Path)
	if err != nil {
		return err
	}
	if opts.RankBy == "" {
		opts.RankBy = file.Spec.RankBy
	}
	opts.Workers = o.workers
	if opts.Workers == 0 {
		opts.Workers = file.Spec.Workers
	}
	if opts.Workers == 0 {
		opts.Workers = runtime.NumCPU()
	}
	a.useConfigDB(file.Base.Data.DB)
	st, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	ds, err := st.Load(ctx, exp.Symbols)
	if err != nil {
		return err
	}
	plan, err := validate.Prepare(ds, exp, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", o.file, err)
	}
	vs, err := runstore.NewValidations(ctx, st.DB())
	if err != nil {
		return err
	}
	sweepID := sweep.ID(file.Spec.Name, exp.Trials, ds.Fingerprint())
	id := validationID(sweepID, plan)
	optJSON, _ := json.Marshal(map[string]any{"train": plan.Opts.Train, "test": plan.Opts.Test, "step": plan.Opts.Step,
		"anchored": plan.Opts.Anchored, "rank_by": plan.RankBy, "random_entries": o.randomEntries, "resamples": o.resamples, "pbo": !o.noPBO})
	specJSON, _ := json.Marshal(file.Spec)
	rec := runstore.ValidationRecord{ID: id, Name: file.Spec.Name, CreatedAt: time.Now().UTC(), Version: version, Method: "walk-forward",
		Options: optJSON, Spec: specJSON, BaseConfig: config.Canonical(file.Base), DataFingerprint: ds.Fingerprint(),
		Synthetic: ds.Synthetic, Trials: len(exp.Trials), Folds: len(plan.Folds)}
	if plan.Opts.Anchored {
		rec.Method = "walk-forward (anchored)"
	}
	done := map[int]*validate.FoldResult{}
	switch stored, err := vs.Get(ctx, id); {
	case err == nil && o.replace:
		if err := vs.Delete(ctx, id); err != nil {
			return err
		}
		if err := vs.Create(ctx, rec); err != nil {
			return err
		}
	case err == nil && stored.Complete:
		// The same sweep, data and options: the result is the stored one.
		fmt.Fprintf(a.stderr, "validation %s is already stored: showing it (pass --replace to run it again)\n", id)
		return a.showStoredValidation(stored, o.output, o.htmlOut)
	case err == nil && !o.resume:
		return fmt.Errorf("validation %s is stored unfinished: pass --resume to train only the missing folds, or --replace to start again", id)
	case err == nil:
		raw, err := vs.Folds(ctx, id)
		if err != nil {
			return err
		}
		for i, b := range raw {
			var f validate.FoldResult
			if err := json.Unmarshal(b, &f); err != nil {
				return fmt.Errorf("stored fold %d of validation %s: %w", i, id, err)
			}
			if i < 0 || i >= len(plan.Folds) || f.TestStart != plan.Folds[i].TestStart.String() {
				return fmt.Errorf("stored fold %d of validation %s does not match the folds of this run; rerun with --replace", i, id)
			}
			done[i] = &f
		}
		if len(done) > 0 {
			fmt.Fprintf(a.stderr, "resuming validation %s: %d of %d folds stored\n", id, len(done), len(plan.Folds))
		}
	case errors.Is(err, runstore.ErrNotFound):
		if err := vs.Create(ctx, rec); err != nil {
			return err
		}
	default:
		return err
	}
	a.logger().Info("validate", "id", id, "folds", len(plan.Folds), "trials", len(exp.Trials), "workers", opts.Workers)
	keep := context.WithoutCancel(ctx)
	stored := len(done)
	res, err := plan.Run(ctx, backtest.NewShared(ds), done, func(f *validate.FoldResult) error {
		if err := vs.AddFold(keep, id, foldRecord(f)); err != nil {
			return err
		}
		stored++
		fmt.Fprintf(a.stderr, "fold %d/%d: %s..%s chose trial %d (%s), OOS Sharpe %s\n", f.Index+1, len(plan.Folds), f.TestStart, f.TestEnd,
			f.Chosen, f.Params, num2(f.OOS.Sharpe))
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("validation %s interrupted: %d of %d folds stored; run the same command with --resume to finish", id, stored, len(plan.Folds))
		}
		return err
	}
	out := validation{ID: id, SweepID: sweepID, Name: file.Spec.Name, CreatedAt: rec.CreatedAt.Format(time.RFC3339), Version: version,
		Synthetic: ds.Synthetic, DataFingerprint: ds.Fingerprint(), Result: res}
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode validation: %w", err)
	}
	curve := make([]runstore.EquityPoint, len(res.OOS.Equity))
	for i, e := range res.OOS.Equity {
		curve[i] = runstore.EquityPoint{Date: e.Date, Equity: float64(e.Equity), Benchmark: float64(res.Benchmark.Equity[i].Equity)}
	}
	if err := vs.Finish(keep, id, b, curve); err != nil {
		return err
	}
	if o.htmlOut != "" {
		if err := writeFileAtomic(o.htmlOut, func(w io.Writer) error { return html.WriteValidation(w, validationPage(&out, b)) }); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "wrote %s\n", o.htmlOut)
	}
	return a.printValidation(&out, o.output)
}

// validation is the JSON of a validation: its identity and the result.
type validation struct {
	ID              string `json:"validation_id"`
	SweepID         string `json:"sweep_id"`
	Name            string `json:"name"`
	CreatedAt       string `json:"created_at"`
	Version         string `json:"version"`
	Synthetic       bool   `json:"synthetic"`
	DataFingerprint string `json:"data_fingerprint"`
	*validate.Result
}

func foldRecord(f *validate.FoldResult) runstore.FoldRecord {
	detail, _ := json.Marshal(f)
	params, _ := json.Marshal(f.Params)
	return runstore.FoldRecord{Fold: f.Index, TrainStart: f.TrainStart, TrainEnd: f.TrainEnd, TestStart: f.TestStart, TestEnd: f.TestEnd,
		Chosen: f.Chosen, TrialHash: f.TrialHash, Params: params, ISSharpe: float64(f.IS.Sharpe), OOSSharpe: float64(f.OOS.Sharpe),
		OOSTotalReturn: float64(f.OOS.TotalReturn), BenchTotalReturn: float64(f.OOSBenchmark.TotalReturn),
		Degradation: float64(f.Degradation), BeatsBenchmark: f.BeatsBenchmark, Detail: detail}
}

func num2(v results.Value) string { return numfmt.Fixed(v, 2) }

func pct1(v results.Value) string { return numfmt.SignedPercent(v, 1) }

func dd(v results.Value) string { return numfmt.Percent(v, 1) }

func (a *app) printValidation(v *validation, output string) error {
	if output == "json" {
		return writeJSON(a.stdout, v)
	}
	w := a.stdout
	if v.Synthetic {
		fmt.Fprintln(w, "SYNTHETIC DATA: generated prices, not market history")
	}
	r := v.Result
	fmt.Fprintf(w, "validation %s  (%s of sweep %s, %d trials)\n", v.ID, r.Method, v.SweepID, r.Trials)
	fmt.Fprintf(w, "train %s, test %s, step %s, rank by %s; data %s..%s\n\n", r.Train, r.Test, r.Step, r.RankBy, r.Start, r.End)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "fold\ttest window\tchosen\tIS Sharpe\tIS DSR\tOOS Sharpe\tOOS return\tbuy&hold\tOOS/IS\ttrades\tepisodes\t")
	for _, f := range r.Folds {
		fmt.Fprintf(tw, "%d\t%s..%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t\n", f.Index, f.TestStart, f.TestEnd, f.Params, num2(f.IS.Sharpe),
			num2(f.DSR), num2(f.OOS.Sharpe), pct1(f.OOS.TotalReturn), pct1(f.OOSBenchmark.TotalReturn), num2(f.Degradation),
			f.OOS.Trades, f.OOSEvidence.Episodes)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	m, b := r.OOS.Metrics, r.Benchmark.Metrics
	fmt.Fprintf(w, "\nstitched out of sample: Sharpe %s (buy-and-hold %s), total return %s (%s), CAGR %s (%s), max drawdown %s (%s)\n",
		num2(m.Sharpe), num2(b.Sharpe), pct1(m.TotalReturn), pct1(b.TotalReturn), pct1(m.CAGR), pct1(b.CAGR), dd(m.MaxDrawdown), dd(b.MaxDrawdown))
	if ev := r.OOS.Evidence; ev != nil {
		fmt.Fprintf(w, "evidence: %d trades in %d episodes; random-entry p %s (K = %d); PSR %s; Sharpe CI [%s, %s]\n", ev.Trades, ev.Episodes,
			results.FormatP(ev.RandomEntryP), ev.RandomEntryK, num2(ev.PSR), num2(ev.SharpeCI[0]), num2(ev.SharpeCI[1]))
		if ev.RandomEntryNote != "" {
			fmt.Fprintf(w, "random-entry test: %s\n", ev.RandomEntryNote)
		}
	}
	fmt.Fprintf(w, "degradation (OOS Sharpe / mean IS Sharpe %s): %s; beat buy-and-hold in %d of %d folds; PBO %s; sweep DSR %s\n",
		num2(r.MeanISSharpe), num2(r.Degradation), r.BeatsBenchmarkFolds, len(r.Folds), num2(r.PBO), num2(r.SweepDSR))
	for _, s := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
	fmt.Fprintf(w, "\n%s\n", r.Verdict)
	return nil
}

// validationPage turns a validation into the HTML report's page.
func validationPage(v *validation, js []byte) html.ValidationPage {
	r := v.Result
	p := html.ValidationPage{ID: v.ID, Name: v.Name, Method: r.Method, Version: v.Version, CreatedAt: v.CreatedAt, Synthetic: v.Synthetic,
		Verdict: r.Verdict, Warnings: r.Warnings, JSON: js}
	p.Facts = [][2]string{
		{"sweep", fmt.Sprintf("%s (%d trials)", v.SweepID, r.Trials)},
		{"windows", fmt.Sprintf("train %s, test %s, step %s, rank by %s", r.Train, r.Test, r.Step, r.RankBy)},
		{"OOS Sharpe", fmt.Sprintf("%s (buy-and-hold %s)", num2(r.OOS.Metrics.Sharpe), num2(r.Benchmark.Metrics.Sharpe))},
		{"OOS total return", fmt.Sprintf("%s (buy-and-hold %s)", pct1(r.OOS.Metrics.TotalReturn), pct1(r.Benchmark.Metrics.TotalReturn))},
		{"degradation", fmt.Sprintf("%s (OOS Sharpe / mean IS Sharpe %s)", num2(r.Degradation), num2(r.MeanISSharpe))},
		{"folds beating buy-and-hold", fmt.Sprintf("%d of %d", r.BeatsBenchmarkFolds, len(r.Folds))},
		{"PBO", num2(r.PBO)},
		{"data fingerprint", v.DataFingerprint},
	}
	if ev := r.OOS.Evidence; ev != nil {
		p.Facts = append(p.Facts, [2]string{"OOS evidence", fmt.Sprintf("%d trades, %d episodes, random-entry p %s, PSR %s",
			ev.Trades, ev.Episodes, results.FormatP(ev.RandomEntryP), num2(ev.PSR))})
	}
	for _, f := range r.Folds {
		p.Folds = append(p.Folds, html.ValidationFold{Index: f.Index, TrainStart: f.TrainStart, TrainEnd: f.TrainEnd, TestStart: f.TestStart,
			TestEnd: f.TestEnd, Params: f.Params.String(), ISSharpe: f.IS.Sharpe, DSR: f.DSR, OOSSharpe: f.OOS.Sharpe,
			OOSReturn: f.OOS.TotalReturn, BenchReturn: f.OOSBenchmark.TotalReturn, Degradation: f.Degradation, Trades: f.OOS.Trades,
			Episodes: f.OOSEvidence.Episodes, RandomEntryP: f.OOSEvidence.RandomEntryP, Beats: f.BeatsBenchmark})
	}
	p.OOS = equitySeriesOf("out of sample", r.OOS.Equity)
	p.Benchmark = equitySeriesOf("buy and hold", r.Benchmark.Equity)
	return p
}

func equitySeriesOf(name string, rows []results.EquityRow) chart.Series {
	s := chart.Series{Name: name, Times: make([]int64, len(rows)), Values: make([]float64, len(rows))}
	for i, e := range rows {
		d, _ := data.ParseDate(e.Date)
		s.Times[i], s.Values[i] = d.Unix(), float64(e.Equity)
	}
	return s
}

// validateListCmd is `riskon validate list`.
func (a *app) validateListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List stored validations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer st.Close()
			vs, err := runstore.NewValidations(cmd.Context(), st.DB())
			if err != nil {
				return err
			}
			list, err := vs.List(cmd.Context())
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Fprintln(a.stdout, "no validations stored; run `riskon validate -c SWEEP.yaml --train 5y --test 1y`")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "VALIDATION\tCREATED\tMETHOD\tTRIALS\tFOLDS")
			for _, r := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", r.ID, r.CreatedAt.Format("2006-01-02 15:04"), r.Method, r.Trials, r.Folds)
			}
			return tw.Flush()
		},
	}
}

// validateShowCmd is `riskon validate show ID`.
func (a *app) validateShowCmd() *cobra.Command {
	var output, htmlOut string
	cmd := &cobra.Command{
		Use:   "show VALIDATION [--output table|json] [--html FILE]",
		Short: "Show a stored validation (a unique prefix of its id works)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer st.Close()
			vs, err := runstore.NewValidations(cmd.Context(), st.DB())
			if err != nil {
				return err
			}
			id, err := vs.Resolve(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			rec, err := vs.Get(cmd.Context(), id)
			if err != nil {
				return err
			}
			if !rec.Complete {
				return fmt.Errorf("validation %s is unfinished: run it again with --resume", id)
			}
			return a.showStoredValidation(rec, output, htmlOut)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	cmd.Flags().StringVar(&htmlOut, "html", "", "write the HTML report to FILE")
	return cmd
}

// parseCPCV reads --cpcv GROUPS,TEST_GROUPS.
func parseCPCV(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, ",")
	n, err1 := strconv.Atoi(strings.TrimSpace(a))
	k, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("--cpcv %q: write GROUPS,TEST_GROUPS, e.g. 6,2", s)
	}
	return n, k, nil
}

// runCPCV is validate --cpcv: combinatorial purged cross-validation of the
// sweep, stored whole (it runs every trial once, so there is nothing to
// resume).
func (a *app) runCPCV(ctx context.Context, o validateOpts) error {
	switch {
	case o.train != "" || o.test != "" || o.step != "" || o.anchored:
		return errors.New("--cpcv replaces the walk-forward windows: drop --train, --test, --step and --anchored")
	case o.resume:
		return errors.New("--resume applies to walk-forward; a CPCV runs every trial once and is stored whole")
	case o.workers < 0 || o.workers > 4096:
		return fmt.Errorf("--workers %d: want 0 (default) to 4096", o.workers)
	}
	n, k, err := parseCPCV(o.cpcv)
	if err != nil {
		return err
	}
	file, err := sweep.Load(o.file, config.LoadOptions{})
	if err != nil {
		return err
	}
	exp, err := sweep.Expand(&file.Spec, file.Base, file.Path)
	if err != nil {
		return err
	}
	opts := validate.CPCVOptions{Groups: n, TestGroups: k, EmbargoDays: o.embargo, RankBy: o.rankBy, Workers: o.workers}
	if opts.RankBy == "" {
		opts.RankBy = file.Spec.RankBy
	}
	if opts.Workers == 0 {
		opts.Workers = file.Spec.Workers
	}
	if opts.Workers == 0 {
		opts.Workers = runtime.NumCPU()
	}
	a.useConfigDB(file.Base.Data.DB)
	st, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	ds, err := st.Load(ctx, exp.Symbols)
	if err != nil {
		return err
	}
	res, err := validate.CPCV(ctx, backtest.NewShared(ds), exp, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", o.file, err)
	}
	sweepID := sweep.ID(file.Spec.Name, exp.Trials, ds.Fingerprint())
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%d\x00%d\x00%s", sweepID, n, k, o.embargo, res.RankBy)))
	id := sweepID + "-cpcv-" + hex.EncodeToString(h[:4])
	now := time.Now().UTC()
	out := cpcvOutput{ID: id, SweepID: sweepID, Name: file.Spec.Name, CreatedAt: now.Format(time.RFC3339), Version: version,
		Synthetic: ds.Synthetic, DataFingerprint: ds.Fingerprint(), CPCVResult: res}
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode CPCV: %w", err)
	}
	vs, err := runstore.NewValidations(ctx, st.DB())
	if err != nil {
		return err
	}
	if stored, err := vs.Get(ctx, id); err == nil {
		if !o.replace {
			fmt.Fprintf(a.stderr, "validation %s is already stored: showing it (pass --replace to run it again)\n", id)
			return a.showStoredValidation(stored, o.output, o.htmlOut)
		}
		if err := vs.Delete(ctx, id); err != nil {
			return err
		}
	} else if !errors.Is(err, runstore.ErrNotFound) {
		return err
	}
	optJSON, _ := json.Marshal(map[string]any{"cpcv": []int{n, k}, "embargo": o.embargo, "rank_by": res.RankBy})
	specJSON, _ := json.Marshal(file.Spec)
	keep := context.WithoutCancel(ctx)
	if err := vs.Create(keep, runstore.ValidationRecord{ID: id, Name: file.Spec.Name, CreatedAt: now, Version: version, Method: "cpcv",
		Options: optJSON, Spec: specJSON, BaseConfig: config.Canonical(file.Base), DataFingerprint: ds.Fingerprint(), Synthetic: ds.Synthetic,
		Trials: len(exp.Trials), Folds: len(res.Splits)}); err != nil {
		return err
	}
	if err := vs.Finish(keep, id, b, nil); err != nil {
		return err
	}
	if o.htmlOut != "" {
		if err := writeFileAtomic(o.htmlOut, func(w io.Writer) error { return html.WriteCPCV(w, cpcvPage(&out, b)) }); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "wrote %s\n", o.htmlOut)
	}
	return a.printCPCV(&out, o.output)
}

// cpcvOutput is the JSON of a CPCV validation.
type cpcvOutput struct {
	ID              string `json:"validation_id"`
	SweepID         string `json:"sweep_id"`
	Name            string `json:"name"`
	CreatedAt       string `json:"created_at"`
	Version         string `json:"version"`
	Synthetic       bool   `json:"synthetic"`
	DataFingerprint string `json:"data_fingerprint"`
	*validate.CPCVResult
}

func (a *app) printCPCV(v *cpcvOutput, output string) error {
	if output == "json" {
		return writeJSON(a.stdout, v)
	}
	w := a.stdout
	if v.Synthetic {
		fmt.Fprintln(w, "SYNTHETIC DATA: generated prices, not market history")
	}
	r := v.CPCVResult
	fmt.Fprintf(w, "validation %s  (%s of sweep %s, %d trials)\n", v.ID, r.Method, v.SweepID, r.Trials)
	fmt.Fprintf(w, "%d groups of %d days (%s..%s), %d tested per split: %d splits, %d paths; purge %d days, embargo %d days; rank by %s\n\n",
		r.Groups, r.GroupDays, r.Start, r.End, r.TestGroups, len(r.Splits), r.Paths, r.PurgeDays, r.EmbargoDays, r.RankBy)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "split\ttest groups\tchosen\tIS Sharpe\tOOS Sharpe\tOOS rank\t")
	for i, s := range r.Splits {
		g := make([]string, len(s.TestGroups))
		for j, x := range s.TestGroups {
			g[j] = strconv.Itoa(x)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t\n", i, strings.Join(g, ","), s.Params, num2(s.ISSharpe), num2(s.OOSSharpe), num2(s.OOSRank))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ps := make([]string, len(r.PathSharpes))
	for i, s := range r.PathSharpes {
		ps[i] = num2(s)
	}
	fmt.Fprintf(w, "\npath Sharpe ratios: %s\n", strings.Join(ps, " "))
	fmt.Fprintf(w, "mean %s, sd %s (buy-and-hold %s); %d of %d paths beat buy-and-hold; degradation %s (mean IS Sharpe %s); PBO %s\n",
		num2(r.MeanPathSharpe), num2(r.SDPathSharpe), num2(r.BenchmarkSharpe), r.PathsBeatingBenchmark, r.Paths, num2(r.Degradation),
		num2(r.MeanISSharpe), num2(r.PBO))
	for _, s := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
	fmt.Fprintf(w, "\n%s\n", r.Verdict)
	return nil
}

// showStoredValidation prints a stored, complete validation (walk-forward
// or CPCV) and writes its HTML report when htmlOut is set.
func (a *app) showStoredValidation(rec *runstore.ValidationRecord, output, htmlOut string) error {
	if rec.Method == "cpcv" {
		c := cpcvOutput{CPCVResult: &validate.CPCVResult{}}
		if err := json.Unmarshal(rec.Result, &c); err != nil {
			return fmt.Errorf("stored validation %s: %w", rec.ID, err)
		}
		if htmlOut != "" {
			if err := writeFileAtomic(htmlOut, func(w io.Writer) error { return html.WriteCPCV(w, cpcvPage(&c, rec.Result)) }); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "wrote %s\n", htmlOut)
		}
		return a.printCPCV(&c, output)
	}
	v := validation{Result: &validate.Result{}}
	if err := json.Unmarshal(rec.Result, &v); err != nil {
		return fmt.Errorf("stored validation %s: %w", rec.ID, err)
	}
	if htmlOut != "" {
		if err := writeFileAtomic(htmlOut, func(w io.Writer) error { return html.WriteValidation(w, validationPage(&v, rec.Result)) }); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "wrote %s\n", htmlOut)
	}
	return a.printValidation(&v, output)
}

// cpcvPage turns a CPCV into the HTML report's page.
func cpcvPage(v *cpcvOutput, js []byte) html.CPCVPage {
	r := v.CPCVResult
	p := html.CPCVPage{ID: v.ID, Name: v.Name, Version: v.Version, CreatedAt: v.CreatedAt, Synthetic: v.Synthetic, Verdict: r.Verdict,
		Warnings: r.Warnings, PathSharpes: r.PathSharpes, BenchmarkSharpe: r.BenchmarkSharpe, JSON: js}
	p.Facts = [][2]string{
		{"sweep", fmt.Sprintf("%s (%d trials)", v.SweepID, r.Trials)},
		{"groups", fmt.Sprintf("%d groups of %d days (%s..%s), %d tested per split: %d splits, %d paths", r.Groups, r.GroupDays, r.Start, r.End,
			r.TestGroups, len(r.Splits), r.Paths)},
		{"purge, embargo", fmt.Sprintf("%d days before, %d days after each test group", r.PurgeDays, r.EmbargoDays)},
		{"rank by", r.RankBy},
		{"path Sharpe", fmt.Sprintf("mean %s, sd %s (buy-and-hold %s); %d of %d paths beat buy-and-hold", num2(r.MeanPathSharpe), num2(r.SDPathSharpe),
			num2(r.BenchmarkSharpe), r.PathsBeatingBenchmark, r.Paths)},
		{"degradation", fmt.Sprintf("%s (mean IS Sharpe %s)", num2(r.Degradation), num2(r.MeanISSharpe))},
		{"PBO", num2(r.PBO)},
		{"data fingerprint", v.DataFingerprint},
	}
	for _, s := range r.Splits {
		g := make([]string, len(s.TestGroups))
		for j, x := range s.TestGroups {
			g[j] = strconv.Itoa(x)
		}
		p.Splits = append(p.Splits, html.CPCVSplitRow{TestGroups: strings.Join(g, ","), Params: s.Params.String(), ISSharpe: s.ISSharpe,
			OOSSharpe: s.OOSSharpe, OOSRank: s.OOSRank})
	}
	return p
}
