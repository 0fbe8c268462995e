package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/store"
	"github.com/riskon/riskon/engine"
	inum "github.com/riskon/riskon/internal/num"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
	"github.com/riskon/riskon/results/html"
	runstore "github.com/riskon/riskon/results/store"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/study"
	"github.com/riskon/riskon/strategy/sweep"
)

// reportCmd is `riskon report RUN [RUN...] [--out FILE.html]`.
func (a *app) reportCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "report RUN|SWEEP [RUN...] [--out FILE.html]",
		Short: "Write a self-contained HTML report of a run, a sweep, or a comparison of runs",
		Long: `Write one self-contained HTML file (inline SVG charts and CSS, no scripts,
no network) that opens in any browser:

  one run     header (config, hash, data fingerprint, version), the evidence
              card (samples, intervals, random-entry p-value, verdict, the
              too-few warning), metrics against buy-and-hold, equity and
              drawdown charts, the trigger and targets normalised to 100 with
              the breakouts marked and the holding windows shaded, the event
              study, trades and signals;
  a sweep     the deflated Sharpe ratio and PBO, a heatmap of two parameters,
              the distribution of trial Sharpe ratios with the deflated-Sharpe
              threshold, the top trials;
  many runs   a comparison: config differences, metrics and evidence side by
              side, equity curves and drawdowns overlaid.

RUN is a run id or a unique prefix of one (see 'riskon runs'). Prices and the
buy-and-hold curve are read from the database; a run whose prices are gone
still gets a report, with a note where a chart is missing.`,
		Example: `  riskon report 20261121-193000-ab12cd
  riskon report 20261121-19 --out btc.html
  riskon report RUN_A RUN_B RUN_C --out compare.html
  riskon report RUN --out - > report.html`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.openResults(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			rs := st.runs
			var (
				render func(io.Writer) error
				name   string
			)
			if len(args) == 1 && isTrialRef(args[0]) {
				rep, _, err := a.trialReport(ctx, st, args[0])
				if err != nil {
					return err
				}
				page := a.runPageOf(ctx, st.Store, rep, nil)
				render = func(w io.Writer) error { return html.WriteRun(w, page) }
				name = "report-" + strings.ReplaceAll(rep.RunID, ":", "-") + ".html"
			} else if len(args) == 1 {
				id, err := rs.Resolve(ctx, args[0])
				switch {
				case err == nil:
					page, err := a.runPage(ctx, st.Store, rs, id, nil)
					if err != nil {
						return err
					}
					render = func(w io.Writer) error { return html.WriteRun(w, page) }
					name = "report-" + id + ".html"
				case errors.Is(err, runstore.ErrNotFound):
					sw, serr := a.sweepPage(ctx, st.sweeps, args[0], sweepQuery{})
					if serr != nil {
						if errors.Is(serr, errNoSweep) {
							return err // the run lookup's message says what to do
						}
						return serr
					}
					render = func(w io.Writer) error { return html.WriteSweep(w, *sw) }
					name = "report-" + orID(sw.ID, args[0]) + ".html"
				default:
					return err
				}
			} else {
				var reps []*results.Report
				for _, arg := range args {
					rep, err := a.loadReport(ctx, st, arg)
					if err != nil {
						return err
					}
					reps = append(reps, rep)
				}
				page := html.ComparePage{Runs: reps}
				render = func(w io.Writer) error { return html.WriteCompare(w, page) }
				name = compareName(reps)
			}
			if out == "" {
				out = filepath.Join(outputDir(), name)
			}
			if out == "-" {
				return render(a.stdout)
			}
			a.logger().Info("rendering the report", "file", out)
			if err := writeFileAtomic(out, render); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "output file (default out/report-ID.html, out/ being $RISKON_OUT when set; - for stdout)")
	return cmd
}

func orID(id, fallback string) string {
	if id != "" {
		return id
	}
	return fallback
}

// compareName is the default file name of a comparison report.
func compareName(reps []*results.Report) string {
	ids := make([]string, len(reps))
	for i, r := range reps {
		ids[i] = r.RunID
	}
	if len(ids) > 3 {
		return fmt.Sprintf("report-compare-%s-and-%d-more.html", ids[0], len(ids)-1)
	}
	return "report-compare-" + strings.Join(ids, "-") + ".html"
}

// writeRunReport writes the HTML report of the stored run runID (an id or a
// unique prefix) to path. quickstart calls it after its runs.
func (a *app) writeRunReport(ctx context.Context, runID string, path string) error {
	return a.writeRunReportWith(ctx, runID, path, nil)
}

// writeRunReportWith is writeRunReport drawing prices from ds instead of the
// database when ds is not nil: quickstart's synthetic demo, whose generated
// prices are never stored, passes its data set so that its report has every
// chart. ds is used only if it is the data the run used (same fingerprint).
func (a *app) writeRunReportWith(ctx context.Context, runID string, path string, ds *data.Dataset) error {
	st, err := a.openResults(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	page, err := a.runPage(ctx, st.Store, st.runs, runID, ds)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, func(w io.Writer) error { return html.WriteRun(w, page) })
}

// outputDir is the folder riskon writes reports and exports into when no
// path is given: $RISKON_OUT, else ./out (git-ignored in the repository).
func outputDir() string {
	if d := os.Getenv("RISKON_OUT"); d != "" {
		return d
	}
	return "out"
}

// writeFileAtomic writes path through a temporary file in the same folder
// renamed into place, so a failed render never leaves half a report.
func writeFileAtomic(path string, render func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := render(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// runPage gathers what the report of a stored run draws: the report, the
// trigger and target prices and the buy-and-hold curve (recomputed from the
// stored config on the database's data), and the event study. They are drawn
// only when the database still holds exactly the data the run used (same
// data fingerprint). What cannot be had becomes a note on the page; only a
// missing run is an error. A non-nil ds replaces the database's prices.
func (a *app) runPage(ctx context.Context, st *store.Store, rs *runstore.Store, runID string, ds *data.Dataset) (html.RunPage, error) {
	rep, err := rs.Get(ctx, runID)
	if err != nil {
		return html.RunPage{}, err
	}
	return a.runPageOf(ctx, st, rep, ds), nil
}

// runPageOf is runPage for a report already in hand (a stored run, or a
// sweep trial recomputed by trialReport).
func (a *app) runPageOf(ctx context.Context, st *store.Store, rep *results.Report, ds *data.Dataset) html.RunPage {
	var err error
	page := html.RunPage{Report: rep}
	cfg, err := config.FromCanonical(rep.Config)
	if err != nil {
		page.Notes = append(page.Notes, fmt.Sprintf("The stored config cannot be decoded (%v): no prices, buy-and-hold curve or event study.", err))
		return page
	}
	if ds != nil {
		ds = subset(ds, cfg)
	} else {
		ds, err = st.Load(ctx, strategy.Symbols(cfg))
	}
	if err != nil {
		why := "the database does not hold the run's prices"
		if rep.Synthetic {
			why = "the run used generated (synthetic) prices that were not stored"
		}
		page.Notes = append(page.Notes, fmt.Sprintf("No price chart, buy-and-hold curve or event study: %s (%v).", why, err))
		return page
	}
	if fp := ds.Fingerprint(); fp != rep.DataFingerprint {
		why := "the database's prices differ from the data this run used"
		if rep.Synthetic {
			why = "the run used generated (synthetic) prices, not the database's"
		}
		page.Notes = append(page.Notes, fmt.Sprintf("No price chart, buy-and-hold curve or event study: %s (data fingerprint %s, the run's %s). Drawing other prices under this run's signals and trades would mislead.",
			why, short(fp), short(rep.DataFingerprint)))
		return page
	}
	if s := ds.Get(cfg.Trigger.Symbol); s != nil {
		page.Trigger = closes(s)
	}
	for _, t := range cfg.Trade.Targets {
		if s := ds.Get(t); s != nil {
			page.Targets = append(page.Targets, closes(s))
		}
	}
	for _, f := range config.FiltersOf(cfg.Trade) {
		if s := ds.Get(f.Symbol); s != nil {
			page.Filters = append(page.Filters, html.FilterPanel{Name: filterName(f), Series: closes(s), Reason: "filter"})
		}
	}
	bench, err := benchmarkCurve(ctx, cfg, ds)
	if err != nil {
		page.Notes = append(page.Notes, fmt.Sprintf("No buy-and-hold curve: %v.", err))
	} else {
		page.Benchmark = bench
	}
	study, err := a.loadStudy(ctx, rep, cfg, ds)
	if err != nil {
		page.Notes = append(page.Notes, fmt.Sprintf("No event study: %v.", err))
	} else {
		page.Study = study
	}
	return page
}

// filterName describes an entry filter for its chart panel.
func filterName(f config.Filter) string {
	switch f.Rule {
	case "above", "below":
		return fmt.Sprintf("%s %s %g", f.Symbol, f.Rule, f.Level)
	case "above_ma", "below_ma":
		return fmt.Sprintf("%s %s of %d bars", f.Symbol, f.Rule, f.MADays)
	}
	return fmt.Sprintf("%s %s over %d bars", f.Symbol, f.Rule, f.Lookback)
}

// closes is a series' daily closes, each at its bar's date (00:00 UTC).
func closes(s *data.Series) chart.Series {
	out := chart.Series{Name: s.Symbol, Times: make([]int64, s.Len()), Values: make([]float64, s.Len())}
	for i, d := range s.Date {
		out.Times[i] = d.Unix()
		out.Values[i] = s.Close[i]
	}
	return out
}

// benchmarkCurve replays buy-and-hold of cfg's targets through the engine,
// exactly as the run's benchmark metrics were computed (strategy/backtest).
func benchmarkCurve(ctx context.Context, cfg config.Config, ds *data.Dataset) (chart.Series, error) {
	opts, err := strategy.EngineOptions(cfg)
	if err != nil {
		return chart.Series{}, err
	}
	res, err := engine.Run(ctx, engine.NewPlan(ds), strategy.Benchmark(cfg), opts)
	if err != nil {
		return chart.Series{}, fmt.Errorf("replay buy-and-hold: %w", err)
	}
	out := chart.Series{Name: "buy & hold " + strings.Join(cfg.Trade.Targets, "+")}
	for i, d := range res.Dates {
		out.Times = append(out.Times, d.Unix())
		out.Values = append(out.Values, res.Equity[i])
	}
	return out, nil
}

// loadStudy returns the event study of a run's signals as a daily forward
// path: for each signal in the window, the target basket's return from the
// entry fill the engine would make (strategy/study.Entry: next open, or next
// close under fill: next_close) to each close over the holding horizon
// (study's Forward.Return, so day h is the bar a hold of h days exits at),
// bounded by the window's end; the mean path, a pointwise Student-t interval,
// and the same path from every day of the window as the baseline.
//
// strategy/study reports the same returns at a few horizons with their
// statistics; when it grows a daily path, feed it here instead.
func (a *app) loadStudy(ctx context.Context, rep *results.Report, cfg config.Config, ds *data.Dataset) (*chart.StudyData, error) {
	h := cfg.Trade.HoldDays
	if h <= 0 {
		h = 365
	}
	h = min(h, 730)
	fill, err := engine.ParseFillMode(cfg.Fill)
	if err != nil {
		return nil, err
	}
	var targets []*data.Series
	for _, t := range cfg.Trade.Targets {
		s := ds.Get(t)
		if s == nil || s.Len() == 0 {
			return nil, fmt.Errorf("target %s has no prices", t)
		}
		targets = append(targets, s)
	}
	if len(targets) == 0 {
		return nil, errors.New("the run has no targets")
	}
	w, err := inum.Weights(cfg.Trade.Weights, len(targets), 1)
	if err != nil {
		return nil, fmt.Errorf("trade.weights: %w", err)
	}
	start, end := windowBounds(rep)
	days := make([]float64, h+1)
	for k := range days {
		days[k] = float64(k)
	}
	// path returns the basket's forward returns after an order placed at t0,
	// or nil when a target has no entry fill in the window.
	path := func(t0 int64) []float64 {
		p := make([]float64, h+1)
		for i, s := range targets {
			f := study.Entry(s, t0, fill, end)
			if f.Entry >= s.Len() {
				return nil
			}
			for k := range p {
				p[k] += w[i] * f.Return(s, k, end) // NaN past the window stays NaN
			}
		}
		return p
	}
	var paths [][]float64
	var times []int64
	for _, sig := range rep.Signals {
		t, ok := parseRFC3339(sig.Time)
		if !ok || t < start || t > end {
			continue
		}
		if p := path(t); p != nil {
			paths = append(paths, p)
			times = append(times, t)
		}
	}
	if len(paths) == 0 {
		return nil, errors.New("no signal in the window to study")
	}
	// The band over independent episodes, not over overlapping signals.
	out := chart.SummarizeEpisodes(days, paths, times, h, 0.95)
	out.Label = strings.Join(cfg.Trade.Targets, "+") + " return after the entry fill"
	// Baseline: the same path after an order at the open of every day of the
	// window (the first target's bars).
	first := targets[0]
	base := make([]float64, h+1)
	cnt := make([]float64, h+1)
	for i := first.IndexOnOrAfter(data.DateFromUnix(start)); i < first.Len() && first.OpenTime[i] <= end; i++ {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		for k, v := range path(first.OpenTime[i]) {
			if !math.IsNaN(v) {
				base[k] += v
				cnt[k]++
			}
		}
	}
	for k := range base {
		if cnt[k] > 0 {
			base[k] /= cnt[k]
		} else {
			base[k] = math.NaN()
		}
	}
	out.Baseline = base
	return &out, nil
}

// windowBounds returns the run's window in unix seconds (the whole time
// line when a bound is missing).
func windowBounds(rep *results.Report) (int64, int64) {
	start, ok := parseRFC3339(rep.Window.Start)
	if !ok {
		start = math.MinInt64
	}
	end, ok := parseRFC3339(rep.Window.End)
	if !ok {
		end = math.MaxInt64
	}
	return start, end
}

// errNoSweep: the id names no stored sweep.
var errNoSweep = errors.New("no such sweep")

// sweepQuery picks what a sweep's heatmap shows; empty fields mean the
// sweep's own choice (its first two grid keys and its rank_by metric).
type sweepQuery struct {
	X, Y, Metric string
}

// sweepPage returns the report data of the stored sweep id (or id prefix):
// the sweep-level statistics (DSR, PBO) recomputed from the stored trials,
// the distribution of the trials' Sharpe ratios with the Sharpe ratio the
// best of them would reach by luck, a heatmap of q.Metric over q.X and q.Y
// (default: the first two swept keys and the sweep's rank_by metric; trials
// sharing a cell are averaged), and the top trials.
func (a *app) sweepPage(ctx context.Context, sw *runstore.Sweeps, id string, q sweepQuery) (*html.SweepPage, error) {
	full, err := sw.Resolve(ctx, id)
	if errors.Is(err, runstore.ErrNotFound) {
		return nil, fmt.Errorf("sweep %q: %w", id, errNoSweep)
	}
	if err != nil {
		return nil, err
	}
	rec, err := sw.Get(ctx, full)
	if err != nil {
		return nil, err
	}
	res, err := a.sweepStats(ctx, sw, rec, 10, runtime.NumCPU())
	if err != nil {
		return nil, err
	}
	metric := q.Metric
	if metric == "" {
		metric = rec.RankBy
	}
	var sharpes []float64
	var points []html.SweepPoint
	var keys []string
	err = sw.Trials(ctx, full, func(row *runstore.TrialRow) error {
		if row.Metrics.Sharpe.Valid() {
			sharpes = append(sharpes, float64(row.Metrics.Sharpe))
		}
		var p sweep.Params
		if err := json.Unmarshal(row.Params, &p); err != nil {
			return fmt.Errorf("sweep %s trial %d params: %w", full, row.Index, err)
		}
		pt := html.SweepPoint{Metric: math.NaN(), Params: make([]html.Param, 0, len(p))}
		for _, kv := range p {
			if !slices.Contains(keys, kv.Key) {
				keys = append(keys, kv.Key)
			}
			pt.Params = append(pt.Params, html.Param{Key: kv.Key, Value: sweep.FormatValue(kv.Value)})
		}
		if v, ok := metricByName(row.Metrics, metric); ok {
			pt.Metric = v
		}
		points = append(points, pt)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range []string{q.X, q.Y} {
		if k != "" && !slices.Contains(keys, k) {
			return nil, fmt.Errorf("sweep %s does not vary %q; its swept keys are %s", full, k, strings.Join(keys, ", "))
		}
	}
	page := &html.SweepPage{ID: rec.SweepID, Name: rec.Name, Synthetic: rec.Synthetic, Version: rec.Version,
		CreatedAt: rec.CreatedAt.UTC().Format(time.RFC3339), ConfigHash: rec.BaseHash, DataFingerprint: rec.DataFingerprint,
		Config: rec.Spec, Trials: res.Trials, RankBy: rec.RankBy, Sharpes: sharpes, SharpeUnit: "annualised",
		DSRThreshold: res.DSRDetail.ExpectedMaxSharpe, DSR: res.DSR, PBO: res.PBO, Notes: res.Warnings}
	page.Heatmap, page.Slices = html.SweepPlots(keys, points, metric, q.X, q.Y)
	for _, t := range res.Top {
		ht := html.Trial{Metrics: t.Metrics, Evidence: results.NewEvidence(t.Evidence.Signals, t.Evidence.Trades, t.Evidence.Episodes),
			Ref: fmt.Sprintf("%s:%d", rec.SweepID, t.Index)}
		for _, kv := range t.Params {
			ht.Params = append(ht.Params, html.Param{Key: kv.Key, Value: sweep.FormatValue(kv.Value)})
		}
		page.Top = append(page.Top, ht)
	}
	return page, nil
}

// metricByName reads a metric by its JSON name; false when it is undefined
// or unknown.
func metricByName(m results.Metrics, name string) (float64, bool) {
	b, err := json.Marshal(m)
	if err != nil {
		return 0, false
	}
	var all map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		return 0, false
	}
	v, ok := all[name].(float64)
	return v, ok
}

// parseRFC3339 reads a report time as unix seconds.
func parseRFC3339(s string) (int64, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, false
	}
	return t.Unix(), true
}
