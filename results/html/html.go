// Package html writes riskon's reports as single self-contained HTML files:
// inline CSS and inline SVG charts (results/chart), no scripts, no external
// fonts, images or links to fetch, so a report opens anywhere with no
// network. Three reports share one layout:
//
//   - WriteRun: one run (header, evidence card, metrics, equity against
//     buy-and-hold, drawdown, the trigger and targets with the breakouts
//     marked, the event study, trades and signals);
//   - WriteCompare: several runs (config differences, metrics and evidence
//     side by side, the equity curves overlaid);
//   - WriteSweep: a parameter sweep (summary with the deflated Sharpe ratio
//     and PBO, heatmap of two parameters, distribution of the trial Sharpe
//     ratios with the deflated-Sharpe threshold, top trials).
//
// Everything is escaped by html/template. The package is pure: it renders
// what it is given and never reads files, the network or the clock, so the
// same input gives the same bytes.
package html

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riskon/riskon/internal/numfmt"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
)

//go:embed report.tmpl style.css
var files embed.FS

// templates are parsed once per call (cheap) so that the package has no
// global state to initialise or share.
func templates() (*template.Template, error) {
	css, err := files.ReadFile("style.css")
	if err != nil {
		return nil, fmt.Errorf("html: read style: %w", err)
	}
	t := template.New("report").Funcs(template.FuncMap{
		"css":   func() template.CSS { return template.CSS(css) },
		"table": func(head string, cols []string, rows []row) table { return table{Head: head, Cols: cols, Rows: rows} },
	})
	t, err = t.ParseFS(files, "report.tmpl")
	if err != nil {
		return nil, fmt.Errorf("html: parse templates: %w", err)
	}
	return t, nil
}

func execute(w io.Writer, name string, data any) error {
	t, err := templates()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return fmt.Errorf("html: render %s: %w", name, err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("html: write %s: %w", name, err)
	}
	return nil
}

// ---------------------------------------------------------------- inputs

// RunPage is what a run report shows. Only Report is required; each
// optional part that is missing leaves its chart replaced by a note saying
// why.
type RunPage struct {
	Report *results.Report
	// Benchmark is the buy-and-hold equity curve of the run's targets (it is
	// not stored with the run; recompute it from the config and the data).
	Benchmark chart.Series
	// Trigger and Targets are the close prices of the trigger and of each
	// target (any range: the chart shows the run's window).
	Trigger chart.Series
	Targets []chart.Series
	// Study is the event study of the run's signals, when available.
	Study *chart.StudyData
	// Filters are the series that gate the run's entries, each drawn on its
	// own panel with the signals it blocked.
	Filters []FilterPanel
	// Notes are caveats printed under the header, e.g. why prices are missing.
	Notes []string
}

// FilterPanel is one entry filter of a run: its series and the signal
// reason (results.SignalRow.Reason) of the signals it blocked.
type FilterPanel struct {
	Name   string       // what it tests, e.g. "BTC_DOMINANCE falling over 30 bars"
	Series chart.Series // the filter's closes
	Reason string       // e.g. "filter"
}

// ComparePage is a comparison of several runs.
type ComparePage struct {
	Runs  []*results.Report
	Notes []string
}

// SweepPage is what a sweep report shows. Every part is optional except ID
// or Name; the lead sources (results/store sweeps, strategy/sweep) fill it.
type SweepPage struct {
	ID, Name        string
	Synthetic       bool
	Version         string
	CreatedAt       string
	ConfigHash      string // of the base config
	DataFingerprint string
	Window          results.Window
	Config          json.RawMessage // the sweep config (grid and base)
	Trials          int             // trials run
	RankBy          string          // metric the top trials are ranked by
	// Heatmap is the metric over two swept parameters.
	Heatmap *chart.HeatmapData
	// Slices holds the metric against each swept parameter, one point per
	// trial (SweepPlots builds both from the trials).
	Slices []chart.SliceData
	// Sharpes holds one Sharpe ratio per trial, in SharpeUnit (for example
	// "annualised"); DSRThreshold is the deflated-Sharpe threshold in the
	// same unit: the Sharpe ratio the best of Trials would reach by luck.
	Sharpes      []float64
	SharpeUnit   string
	DSRThreshold results.Value
	// DSR is the deflated Sharpe ratio of the best trial (a probability),
	// PBO the probability of backtest overfitting (CSCV).
	DSR, PBO results.Value
	Top      []Trial
	Notes    []string
}

// Trial is one row of a sweep's top trials.
type Trial struct {
	RunID    string  // optional: a stored run of this trial
	Ref      string  // optional: SWEEP:INDEX, the trial for riskon report/compare
	Params   []Param // the swept keys and their values, in grid order
	Metrics  results.Metrics
	Evidence results.Evidence
}

// Param is a swept key and its value.
type Param struct{ Key, Value string }

// ---------------------------------------------------------------- views

type fact struct {
	Name, Value string
	Mono        bool
	Class       string
}

type figure struct {
	ID, Title, Caption string
	SVG                template.HTML
	Missing            string
}

type header struct {
	Kind, Title, Subtitle string
	Synthetic             bool
	Facts                 []fact
	ConfigLabel, Config   string
	Notes                 []string
}

type count struct {
	Value, Label string
	Low          bool
}

type evidenceView struct {
	Counts     []count
	TooFew     bool
	Warning    string
	TradesNote string
	Rows       []fact
	Verdict    string
	Note       string
	// RegimeCols and Regimes are the result split by halving cycle and
	// calendar era (regimeTable).
	RegimeCols []string
	Regimes    []row
}

type cell struct {
	Text, Class string
}

type row struct {
	Name  string
	Cells []cell
}

type table struct {
	Head string
	Cols []string
	Rows []row
}

type runView struct {
	Header      header
	Nav         []fact
	Evidence    evidenceView
	Metrics     []row
	MetricNotes []string
	AnnNote     string
	Figures     []figure
	Trades      []row
	TradeCols   []string
	TradesEmpty string
	PeriodCols  []string
	Periods     []row
	DDCols      []string
	Drawdowns   []row
	Signals     []row
	SignalCols  []string
	SignalNotes []string // entry filters' coverage
	Version     string
}

// ---------------------------------------------------------------- run

// WriteRun writes the HTML report of one run.
func WriteRun(w io.Writer, p RunPage) error {
	rep := p.Report
	if rep == nil {
		return errors.New("html: run report: no report")
	}
	v := runView{Version: rep.Version}
	v.Header = runHeader(rep, p.Notes)
	v.Evidence = evidenceCard(rep.Evidence)
	v.Metrics, v.MetricNotes, v.AnnNote = metricRows(rep)
	if rep.Metrics.RiskFree != "" {
		v.MetricNotes = append(v.MetricNotes, "Sharpe, Sortino and PSR on daily returns in "+rep.Metrics.RiskFree+" (idle cash earns it).")
	}
	for _, f := range rep.Filters {
		v.SignalNotes = append(v.SignalNotes, f.Sentence()+".")
	}

	start, okS := parseTime(rep.Window.Start)
	end, okE := parseTime(rep.Window.End)
	benchNote := ""
	if len(p.Benchmark.Times) == 0 {
		benchNote = " Buy-and-hold curve not available."
	}
	targets := strings.Join(seriesNames(p.Targets), ", ")
	if targets == "" {
		targets = "the targets"
	}
	v.Figures = append(v.Figures, render("equity", "Equity against buy-and-hold",
		fmt.Sprintf("Strategy equity against buying and holding %s for the whole window, log scale. Final equity %s against %s.%s",
			targets, money(rep.Metrics.FinalEquity), money(rep.Benchmark.FinalEquity), benchNote),
		func() (*chart.Chart, error) { return RunChart(p, Equity, chart.Options{}) }))
	v.Figures = append(v.Figures, render("drawdown", "Drawdown",
		fmt.Sprintf("How far below its previous high the strategy stood each day (filled) and buy-and-hold (line). Maximum drawdown %s (buy-and-hold %s).",
			pct(rep.Metrics.MaxDrawdown), pct(rep.Benchmark.MaxDrawdown)),
		func() (*chart.Chart, error) { return RunChart(p, Drawdown, chart.Options{Height: 240}) }))

	ann := rep.Metrics.Annualization
	if ann <= 0 {
		ann = results.DefaultAnnualization
	}
	v.Figures = append(v.Figures, render("rolling", "Rolling Sharpe ratio",
		fmt.Sprintf("Sharpe ratio of the daily returns over the trailing 365 days, annualised with %d periods (zero risk-free rate). A whole-window Sharpe can hide years of nothing: this shows when the returns came.", ann),
		func() (*chart.Chart, error) { return RunChart(p, Rolling, chart.Options{Height: 220}) }))
	v.PeriodCols, v.Periods = periodTable(rep.Equity)
	v.DDCols, v.Drawdowns = drawdownRows(worstDrawdowns(rep.Equity, 5))

	nWin := len(holdWindows(rep.Trades))
	nSig, nActed := 0, 0
	for _, s := range rep.Signals {
		if t, ok := parseTime(s.Time); ok && (!okS || t >= start) && (!okE || t <= end) {
			nSig++
			if s.Acted {
				nActed++
			}
		}
	}
	trig := p.Trigger.Name
	if trig == "" {
		trig = "the trigger"
	}
	ovCaption := fmt.Sprintf("%s and %s, each normalised to 100 at the start of the window (log scale). Triangles: the %s in the window (%d acted on, filled); shaded: the %s. This is the whole sample the result rests on.",
		trig, targets, plural(nSig, "breakout", "breakouts"), nActed, plural(nWin, "holding window", "holding windows"))
	v.Figures = append(v.Figures, render("overlay", "Breakouts on the trigger and the targets", ovCaption,
		func() (*chart.Chart, error) { return RunChart(p, Overlay, chart.Options{Height: 340}) }))
	v.Figures = append(v.Figures, render("trigger", "The trigger on its own axis",
		fmt.Sprintf("%s alone (normalised to 100 at the start of the window, log scale), with its %s and the %s: the level the breakouts clear, unflattened by the targets' scale.",
			trig, plural(nSig, "breakout", "breakouts"), plural(nWin, "holding window", "holding windows")),
		func() (*chart.Chart, error) { return RunChart(p, Trigger, chart.Options{Height: 320}) }))
	for i, f := range p.Filters {
		f := f
		blocked, acted := 0, 0
		var marks []chart.Signal
		for _, s := range rep.Signals {
			t, ok := parseTime(s.Time)
			if !ok || (okS && t < start) || (okE && t > end) {
				continue
			}
			switch {
			case s.Acted:
				acted++
				marks = append(marks, chart.Signal{Time: t, Acted: true, Label: day(s.Time) + ": passed the filter, acted on"})
			case s.Reason == f.Reason:
				blocked++
				marks = append(marks, chart.Signal{Time: t, Label: day(s.Time) + ": blocked by the filter"})
			}
		}
		v.Figures = append(v.Figures, render(fmt.Sprintf("filter-%d", i+1), "Filter: "+f.Name,
			fmt.Sprintf("%s (normalised to 100 at the start of the window, log scale). Hollow: the %s the filter blocked; filled: the %s acted on; shaded: the holding windows.",
				f.Series.Name, plural(blocked, "signal", "signals"), plural(acted, "signal", "signals")),
			func() (*chart.Chart, error) {
				ov := chart.OverlayData{Trigger: f.Series, Signals: marks, Windows: holdWindows(rep.Trades),
					Role: "filter", ActedLabel: "signal passed, acted on", OtherLabel: "signal blocked by the filter"}
				if okS && okE {
					ov.Start, ov.End = start, end
				}
				return chart.Overlay(ov, chart.Options{Height: 300})
			}))
	}
	v.Figures = append(v.Figures, render("trade-returns", "Trade returns",
		fmt.Sprintf("The return of each of the %s (after costs; an open trade at its last mark). Few bars far to the right are what a mean return of a few trades rests on.",
			plural(len(rep.Trades), "trade", "trades")),
		func() (*chart.Chart, error) { return RunChart(p, TradeReturns, chart.Options{Height: 220}) }))
	if p.Study != nil {
		st := *p.Study
		n := 0
		for _, path := range st.Paths {
			for _, x := range path {
				if !math.IsNaN(x) {
					n++
					break
				}
			}
		}
		how := st.Interval
		if how == "" {
			how = "interval of the mean"
		}
		caption := fmt.Sprintf("%s, for each of %s (faint), their mean (bold) and its %s band (%s); dashed: the mean path from any day, the drift a signal must beat.",
			orDefault(st.Label, "Forward return"), plural(n, "signal", "signals"), levelText(st.Level), how)
		if st.Episodes > 0 {
			caption = fmt.Sprintf("%s, for each of %s (faint); bold: the mean over %s and its %s band (%s); dashed: the mean path from any day, the drift a signal must beat.",
				orDefault(st.Label, "Forward return"), plural(n, "signal", "signals"), plural(st.Episodes, "independent episode", "independent episodes"), levelText(st.Level), how)
		}
		v.Figures = append(v.Figures, render("study", "Event study: forward path after the signals", caption,
			func() (*chart.Chart, error) { return RunChart(p, Study, chart.Options{Height: 300}) }))
	} else {
		v.Figures = append(v.Figures, figure{ID: "study", Title: "Event study: forward path after the signals",
			Missing: "No event study for this run."})
	}
	v.TradeCols, v.Trades, v.TradesEmpty = tradeRows(rep)
	v.SignalCols, v.Signals = signalRows(rep)
	v.Nav = []fact{{Name: "evidence", Value: "Evidence"}, {Name: "metrics", Value: "Metrics"}}
	for _, f := range v.Figures {
		v.Nav = append(v.Nav, fact{Name: f.ID, Value: navName(f.ID)})
	}
	v.Nav = append(v.Nav, fact{Name: "returns", Value: "Returns"}, fact{Name: "drawdowns", Value: "Drawdowns"}, fact{Name: "trades", Value: "Trades"}, fact{Name: "signals", Value: "Signals"})
	return execute(w, "run", v)
}

// Kinds of chart a run report draws (RunChart), and a sweep report
// (SweepChart).
const (
	Equity   = "equity"
	Drawdown = "drawdown"
	Overlay  = "overlay"
	Study    = "study"
	// Trigger is the trigger alone with its breakouts; Rolling the 365-day
	// rolling Sharpe ratio; TradeReturns the histogram of trade returns.
	Trigger      = "trigger"
	Rolling      = "rolling"
	TradeReturns = "trade-returns"
	Heatmap      = "heatmap"
	Sharpes      = "sharpes"
)

// RunChart builds one chart of a run report: Equity, Drawdown, Overlay or
// Study. It is what `riskon plot` writes to a file.
func RunChart(p RunPage, kind string, opt chart.Options) (*chart.Chart, error) {
	rep := p.Report
	if rep == nil {
		return nil, errors.New("no report")
	}
	strat := equitySeries(rep)
	bench := p.Benchmark
	if bench.Name == "" {
		bench.Name = "buy & hold"
	}
	switch kind {
	case Equity:
		return chart.Equity(strat, bench, opt)
	case Drawdown:
		return chart.Drawdown(strat, bench, opt)
	case Overlay:
		if len(p.Trigger.Times) == 0 {
			return nil, errors.New("price series not available")
		}
		ov := chart.OverlayData{Trigger: p.Trigger, Targets: p.Targets, Signals: signalMarks(rep.Signals), Windows: holdWindows(rep.Trades)}
		start, okS := parseTime(rep.Window.Start)
		end, okE := parseTime(rep.Window.End)
		if okS && okE {
			ov.Start, ov.End = start, end
		}
		return chart.Overlay(ov, opt)
	case Trigger:
		if len(p.Trigger.Times) == 0 {
			return nil, errors.New("price series not available")
		}
		ov := chart.OverlayData{Trigger: p.Trigger, Signals: signalMarks(rep.Signals), Windows: holdWindows(rep.Trades)}
		start, okS := parseTime(rep.Window.Start)
		end, okE := parseTime(rep.Window.End)
		if okS && okE {
			ov.Start, ov.End = start, end
		}
		return chart.Overlay(ov, opt)
	case Rolling:
		ann := rep.Metrics.Annualization
		if ann <= 0 {
			ann = results.DefaultAnnualization
		}
		s := rollingSharpe(rep.Equity, 365, ann)
		if len(s.Times) == 0 {
			return nil, fmt.Errorf("rolling Sharpe: %w (the window is shorter than 365 days)", chart.ErrNoData)
		}
		return chart.Line(s, "Sharpe ratio (annualised)", opt)
	case TradeReturns:
		var v []float64
		for _, t := range rep.Trades {
			v = append(v, float64(t.Return))
		}
		return chart.Histogram(chart.HistogramData{Values: v, Label: "trade return", Percent: true, What: "trades"}, opt)
	case Study:
		if p.Study == nil {
			return nil, errors.New("no event study for this run")
		}
		return chart.Study(*p.Study, opt)
	}
	return nil, fmt.Errorf("unknown run chart %q: want %s, %s, %s, %s, %s, %s or %s", kind, Equity, Drawdown, Overlay, Trigger, Study, Rolling, TradeReturns)
}

// CompareChart overlays the equity curves (kind Equity) or the drawdowns
// (kind Drawdown) of several runs, each normalised to 100 at its start.
func CompareChart(runs []*results.Report, kind string, opt chart.Options) (*chart.Chart, error) {
	var curves []chart.Series
	for _, r := range runs {
		if r == nil {
			return nil, errors.New("nil report")
		}
		s := equitySeries(r)
		s.Name = r.RunID + " " + r.Name
		curves = append(curves, s)
	}
	switch kind {
	case Equity:
		return chart.Compare(curves, opt)
	case Drawdown:
		return chart.CompareDrawdown(curves, opt)
	}
	return nil, fmt.Errorf("unknown comparison chart %q: want %s or %s", kind, Equity, Drawdown)
}

// SweepChart builds one chart of a sweep report: Heatmap or Sharpes.
func SweepChart(p SweepPage, kind string, opt chart.Options) (*chart.Chart, error) {
	switch kind {
	case Heatmap:
		if p.Heatmap == nil {
			return nil, errors.New("the sweep has no heatmap (it does not vary two parameters)")
		}
		return chart.Heatmap(*p.Heatmap, opt)
	case Sharpes:
		best := math.NaN()
		for _, s := range p.Sharpes {
			if !math.IsNaN(s) && (math.IsNaN(best) || s > best) {
				best = s
			}
		}
		return chart.SharpeDist(chart.SharpeDistData{Sharpes: p.Sharpes, Threshold: float64(p.DSRThreshold), Best: best,
			Label: orDefault(p.SharpeUnit, "Sharpe ratio")}, opt)
	}
	return nil, fmt.Errorf("unknown sweep chart %q: want %s or %s", kind, Heatmap, Sharpes)
}

func navName(id string) string {
	if strings.HasPrefix(id, "filter-") {
		return "Filter " + strings.TrimPrefix(id, "filter-")
	}
	switch id {
	case "overlay":
		return "Breakouts"
	case "study":
		return "Event study"
	}
	return strings.ToUpper(id[:1]) + id[1:]
}

func runHeader(rep *results.Report, notes []string) header {
	h := header{Kind: "riskon run report", Title: orDefault(rep.Name, "run"), Synthetic: rep.Synthetic, Notes: notes}
	h.Subtitle = fmt.Sprintf("run %s · window %s to %s", rep.RunID, day(rep.Window.Start), day(rep.Window.End))
	h.Facts = []fact{
		{Name: "run id", Value: rep.RunID, Mono: true},
		{Name: "window", Value: fmt.Sprintf("%s to %s (%d days)", day(rep.Window.Start), day(rep.Window.End), rep.Metrics.Days)},
		{Name: "config hash", Value: rep.ConfigHash, Mono: true},
		{Name: "data fingerprint", Value: rep.DataFingerprint, Mono: true},
		{Name: "riskon version", Value: rep.Version},
		{Name: "created", Value: rep.CreatedAt},
	}
	if rep.Synthetic {
		h.Facts = append(h.Facts, fact{Name: "data", Value: "SYNTHETIC: generated prices, not market history", Class: "neg"})
	}
	h.ConfigLabel = "Config (resolved, as hashed)"
	h.Config = prettyJSON(rep.Config)
	return h
}

// regimeTable lays out the evidence's regimes (results.Regimes): one row
// per halving cycle and calendar era with its trades, episodes, mean trade
// return and the strategy's return over it.
func regimeTable(e results.Evidence) ([]string, []row) {
	if len(e.Regimes) == 0 {
		return nil, nil
	}
	cols := []string{"kind", "from", "to", "trades", "episodes", "mean trade return", "return over the regime"}
	rows := make([]row, 0, len(e.Regimes))
	for _, g := range e.Regimes {
		kind := "halving cycle"
		if g.Kind == results.RegimeEra {
			kind = "calendar era"
		}
		mean := cell{Text: "n/a", Class: "na"}
		if g.MeanTradeReturn.Valid() {
			mean = cell{Text: pct(g.MeanTradeReturn), Class: sign(g.MeanTradeReturn)}
		}
		rows = append(rows, row{Name: g.Name, Cells: []cell{{Text: kind}, {Text: g.Start}, {Text: g.End},
			{Text: strconv.Itoa(g.Trades)}, {Text: strconv.Itoa(g.Episodes)}, mean, {Text: pct(g.Return), Class: sign(g.Return)}}})
	}
	return cols, rows
}

func evidenceCard(e results.Evidence) evidenceView {
	v := evidenceView{TooFew: e.TooFew, Warning: e.Warning, Verdict: e.Verdict}
	v.RegimeCols, v.Regimes = regimeTable(e)
	v.Counts = []count{
		{Value: strconv.Itoa(e.Signals), Label: "signals in the window"},
		{Value: strconv.Itoa(e.Trades), Label: "trades"},
		{Value: strconv.Itoa(e.Episodes), Label: "independent episodes", Low: e.TooFew},
		{Value: num(e.EffectiveNTrades), Label: "effective n of the trade returns"},
	}
	if v.TooFew && v.Warning == "" {
		v.Warning = results.TooFewWarning(e.Episodes)
	}
	switch e.Trades {
	case 0:
		v.TradesNote = fmt.Sprintf("This run made no trades (%s): there is no return to judge, and no interval can be computed.", plural(e.Signals, "signal", "signals"))
	case 1:
		v.TradesNote = "This run made a single trade: one sample is an anecdote, not evidence. Its return says nothing about the next breakout."
	}
	level := levelText(float64(e.CILevel))
	ci := func(v [2]results.Value, f func(results.Value) string) string {
		if !v[0].Valid() || !v[1].Valid() {
			return "n/a"
		}
		return "[" + f(v[0]) + ", " + f(v[1]) + "]"
	}
	boot := "studentized bootstrap over whole episodes"
	if e.Resamples > 0 {
		boot = fmt.Sprintf("studentized bootstrap, %d resamples of whole episodes", e.Resamples)
	}
	if e.IntervalNote != "" {
		boot += "; " + e.IntervalNote
	}
	random := pValue(e.RandomEntryP)
	if e.RandomEntryP.Valid() {
		random = fmt.Sprintf("%s for the mean trade return, %s for the total return", pValue(e.RandomEntryP), pValue(e.RandomEntryTotalP))
		if e.RandomEntryK > 0 {
			random += fmt.Sprintf(" (against %d random strategies with the same entries count, exits and costs)", e.RandomEntryK)
		}
	} else if e.RandomEntryNote != "" {
		random = "n/a: " + e.RandomEntryNote
	}
	daily := num(e.EffectiveN)
	if e.Days > 0 && e.EffectiveN.Valid() {
		daily += fmt.Sprintf(" of %d daily returns", e.Days)
	}
	v.Rows = []fact{
		{Name: "mean trade return", Value: pct(e.MeanTradeReturn), Class: sign(e.MeanTradeReturn)},
		{Name: level + " interval of the mean trade return", Value: ci(e.MeanTradeReturnCI, pct) + " (" + boot + ")"},
		{Name: "median trade return", Value: pct(e.MedianTradeReturn), Class: sign(e.MedianTradeReturn)},
		{Name: level + " interval of the median trade return", Value: ci(e.MedianTradeReturnCI, pct) + " (order statistics)"},
		{Name: level + " interval of the Sharpe ratio", Value: ci(e.SharpeCI, num) + " (stationary block bootstrap, mean block " + num(e.SharpeCIBlock) + " days)"},
		{Name: "random-entry p-value", Value: random},
		{Name: "probabilistic Sharpe ratio (vs 0)", Value: num(e.PSR)},
		{Name: "minimum track record for PSR 0.95", Value: days(e.MinTrackRecord)},
		{Name: "effective n of the daily returns", Value: daily},
		{Name: "seed of the resampling", Value: strconv.FormatUint(e.Seed, 10)},
	}
	for i := range v.Rows {
		if strings.HasPrefix(v.Rows[i].Value, "n/a") {
			v.Rows[i].Class = "na"
		}
	}
	v.Note = fmt.Sprintf("A result resting on fewer than %d independent episodes is flagged as too few to tell from chance. Episodes are non-overlapping holding windows: trades that overlap share their fate and count once.", results.MinSamples)
	return v
}

func metricRows(rep *results.Report) ([]row, []string, string) {
	m, b := rep.Metrics, rep.Benchmark
	type def struct {
		name string
		f    func(results.Metrics) results.Value
		fmt  func(results.Value) string
		col  bool
	}
	defs := []def{
		{"total return", func(x results.Metrics) results.Value { return x.TotalReturn }, pct, true},
		{"CAGR", func(x results.Metrics) results.Value { return x.CAGR }, pct, true},
		{"volatility (annualised)", func(x results.Metrics) results.Value { return x.Volatility }, pct, false},
		{"Sharpe", func(x results.Metrics) results.Value { return x.Sharpe }, num, true},
		{"Sortino", func(x results.Metrics) results.Value { return x.Sortino }, num, true},
		{"Calmar", func(x results.Metrics) results.Value { return x.Calmar }, num, true},
		{"max drawdown", func(x results.Metrics) results.Value { return x.MaxDrawdown }, pct, false},
		{"max drawdown days", func(x results.Metrics) results.Value { return results.Value(x.MaxDrawdownDays) }, intText, false},
		{"exposure", func(x results.Metrics) results.Value { return x.Exposure }, pct, false},
		{"trades", func(x results.Metrics) results.Value { return results.Value(x.Trades) }, intText, false},
		{"win rate", func(x results.Metrics) results.Value { return x.WinRate }, pct, false},
		{"average trade", func(x results.Metrics) results.Value { return x.AvgTradeReturn }, pct, true},
		{"median trade", func(x results.Metrics) results.Value { return x.MedianTradeReturn }, pct, true},
		{"profit factor", func(x results.Metrics) results.Value { return x.ProfitFactor }, num, false},
		{"best trade", func(x results.Metrics) results.Value { return x.BestTrade }, pct, true},
		{"worst trade", func(x results.Metrics) results.Value { return x.WorstTrade }, pct, true},
		{"final equity", func(x results.Metrics) results.Value { return x.FinalEquity }, money, false},
	}
	var rows []row
	for _, d := range defs {
		r := row{Name: d.name}
		for _, x := range []results.Metrics{m, b} {
			val := d.f(x)
			c := cell{Text: d.fmt(val)}
			if d.col {
				c.Class = sign(val)
			}
			if c.Text == "n/a" {
				c.Class = "na"
			}
			r.Cells = append(r.Cells, c)
		}
		rows = append(rows, r)
	}
	var notes []string
	for _, n := range m.Notes {
		notes = append(notes, n.Metric+" is n/a: "+n.Reason)
	}
	ann := m.Annualization
	if ann <= 0 {
		ann = results.DefaultAnnualization
	}
	annNote := fmt.Sprintf("Annualised with %d periods per year (calendar days of the daily equity curve).", ann)
	if n := results.ShortWindowNote(m.Days, ann); n != "" {
		annNote += " Warning: " + n + "."
	}
	return rows, notes, annNote
}

func tradeRows(rep *results.Report) ([]string, []row, string) {
	cols := []string{"symbol", "signal", "entry bar", "entry price", "exit bar", "exit price", "days held", "return", "P&L", "exit reason"}
	var rows []row
	for i, t := range rep.Trades {
		reason := t.ExitReason
		if reason == "open" {
			reason = "open (marked at the last close)"
		}
		held, pnl, pnlClass := "", "", ""
		if t.HoldDays != nil {
			held = strconv.Itoa(*t.HoldDays)
		}
		if t.PnL != nil {
			pnl, pnlClass = money(*t.PnL), sign(*t.PnL)
		}
		rows = append(rows, row{Name: strconv.Itoa(i + 1), Cells: []cell{
			{Text: t.Symbol, Class: "l"}, {Text: day(t.SignalTime)}, {Text: barDay(t.EntryDate, t.EntryTime)}, {Text: price(t.EntryPrice)},
			{Text: barDay(t.ExitDate, t.ExitTime)}, {Text: price(t.ExitPrice)}, {Text: held}, {Text: pct(t.Return), Class: sign(t.Return)},
			{Text: pnl, Class: pnlClass}, {Text: reason, Class: "l"},
		}})
	}
	empty := ""
	if len(rows) == 0 {
		empty = "No trades: no signal led to a position in the window."
	}
	return cols, rows, empty
}

// barDay is a trade's bar date, or the UTC date of its fill instant for
// runs stored before bar dates were recorded.
func barDay(date, instant string) string {
	if date != "" {
		return date
	}
	return day(instant)
}

func signalRows(rep *results.Report) ([]string, []row) {
	cols := []string{"time (UTC)", "symbol", "level broken", "close", "acted", "why not"}
	var rows []row
	for i, s := range rep.Signals {
		acted := "yes"
		if !s.Acted {
			acted = "no"
		}
		rows = append(rows, row{Name: strconv.Itoa(i + 1), Cells: []cell{
			{Text: strings.Replace(strings.TrimSuffix(s.Time, "Z"), "T", " ", 1)}, {Text: s.Symbol, Class: "l"}, {Text: price(s.Level)},
			{Text: price(s.Close)}, {Text: acted}, {Text: s.Reason, Class: "l"},
		}})
	}
	return cols, rows
}

// equitySeries is the run's daily equity curve as a chart series.
func equitySeries(rep *results.Report) chart.Series {
	s := chart.Series{Name: orDefault(rep.Name, "strategy")}
	for _, e := range rep.Equity {
		t, ok := parseTime(e.Date)
		if !ok {
			continue
		}
		s.Times = append(s.Times, t)
		s.Values = append(s.Values, float64(e.Equity))
	}
	return s
}

// signalMarks converts the report's signals to chart markers.
func signalMarks(ss []results.SignalRow) []chart.Signal {
	var out []chart.Signal
	for _, s := range ss {
		t, ok := parseTime(s.Time)
		if !ok {
			continue
		}
		label := fmt.Sprintf("%s: %s closed at %s above %s", day(s.Time), s.Symbol, price(s.Close), price(s.Level))
		if s.Acted {
			label += " (acted on)"
		} else if s.Reason != "" {
			label += " (not acted on: " + s.Reason + ")"
		} else {
			label += " (not acted on)"
		}
		out = append(out, chart.Signal{Time: t, Close: float64(s.Close), Acted: s.Acted, Label: label})
	}
	return out
}

// holdWindows merges the trades' holding windows where they overlap (a
// basket bought on one signal is one window) and labels each with its
// trades.
func holdWindows(trades []results.TradeRow) []chart.Window {
	type span struct {
		a, b  int64
		parts []string
	}
	var spans []span
	for _, t := range trades {
		a, ok1 := parseTime(t.EntryTime)
		b, ok2 := parseTime(t.ExitTime)
		if !ok1 {
			continue
		}
		if !ok2 || b < a {
			b = a
		}
		part := fmt.Sprintf("%s %s", t.Symbol, pct(t.Return))
		if n := len(spans); n > 0 && a <= spans[n-1].b {
			spans[n-1].b = max(spans[n-1].b, b)
			spans[n-1].parts = append(spans[n-1].parts, part)
			continue
		}
		spans = append(spans, span{a: a, b: b, parts: []string{part}})
	}
	out := make([]chart.Window, len(spans))
	for i, s := range spans {
		parts := s.parts
		more := ""
		if len(parts) > 6 {
			more = fmt.Sprintf(" and %d more", len(parts)-6)
			parts = parts[:6]
		}
		out[i] = chart.Window{Start: s.a, End: s.b, Label: fmt.Sprintf("held %s to %s: %s%s", chart.Day(s.a), chart.Day(s.b), strings.Join(parts, ", "), more)}
	}
	return out
}

// render builds a chart and renders it as inline SVG, or explains why not.
func render(id, title, caption string, build func() (*chart.Chart, error)) figure {
	f := figure{ID: id, Title: title, Caption: caption}
	c, err := build()
	if err != nil {
		f.Caption = ""
		if errors.Is(err, chart.ErrNoData) {
			f.Missing = "Nothing to draw: " + err.Error() + "."
		} else {
			f.Missing = "Chart not available: " + err.Error() + "."
		}
		return f
	}
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		f.Caption = ""
		f.Missing = "Chart not available: " + err.Error() + "."
		return f
	}
	// The SVG is built by results/chart, which escapes every text it writes.
	f.SVG = template.HTML(b.String())
	return f
}

// ---------------------------------------------------------------- compare

type compareView struct {
	Header    header
	Runs      []header
	RunCols   []string
	Diffs     []row
	SameNote  string
	Metrics   []row
	Evidence  []row
	Verdicts  []row
	Figures   []figure
	DataNote  string
	Synthetic bool
	Version   string
}

// WriteCompare writes a comparison report of several runs: config
// differences first, then metrics and evidence side by side, then the
// equity curves overlaid.
func WriteCompare(w io.Writer, p ComparePage) error {
	if len(p.Runs) == 0 {
		return errors.New("html: comparison report: no runs")
	}
	for i, r := range p.Runs {
		if r == nil {
			return fmt.Errorf("html: comparison report: run %d is nil", i+1)
		}
	}
	v := compareView{Version: p.Runs[0].Version}
	var names []string
	fps := map[string]bool{}
	for _, r := range p.Runs {
		names = append(names, orDefault(r.Name, r.RunID))
		v.RunCols = append(v.RunCols, r.RunID)
		v.Synthetic = v.Synthetic || r.Synthetic
		fps[r.DataFingerprint] = true
	}
	v.Header = header{Kind: "riskon comparison report", Title: "Comparison of " + plural(len(p.Runs), "run", "runs"),
		Subtitle: strings.Join(names, " · "), Synthetic: v.Synthetic, Notes: p.Notes}
	if len(fps) > 1 {
		v.DataNote = "These runs used different data (their data fingerprints differ): differences in results may come from the data, not the configs."
	}
	for _, r := range p.Runs {
		h := runHeader(r, nil)
		h.Title = orDefault(r.Name, r.RunID)
		v.Runs = append(v.Runs, h)
	}
	v.Diffs = configDiffs(p.Runs)
	if len(v.Diffs) == 0 {
		v.SameNote = "The configs are identical."
	}
	metric := func(name string, f func(results.Metrics) results.Value, fm func(results.Value) string, colour bool) row {
		r := row{Name: name}
		for _, rep := range p.Runs {
			val := f(rep.Metrics)
			c := cell{Text: fm(val)}
			if colour {
				c.Class = sign(val)
			}
			r.Cells = append(r.Cells, c)
		}
		return r
	}
	v.Metrics = []row{
		metric("total return", func(x results.Metrics) results.Value { return x.TotalReturn }, pct, true),
		metric("CAGR", func(x results.Metrics) results.Value { return x.CAGR }, pct, true),
		metric("Sharpe", func(x results.Metrics) results.Value { return x.Sharpe }, num, true),
		metric("Sortino", func(x results.Metrics) results.Value { return x.Sortino }, num, true),
		metric("max drawdown", func(x results.Metrics) results.Value { return x.MaxDrawdown }, pct, false),
		metric("volatility", func(x results.Metrics) results.Value { return x.Volatility }, pct, false),
		metric("exposure", func(x results.Metrics) results.Value { return x.Exposure }, pct, false),
		metric("win rate", func(x results.Metrics) results.Value { return x.WinRate }, pct, false),
		metric("final equity", func(x results.Metrics) results.Value { return x.FinalEquity }, money, false),
	}
	bh := row{Name: "buy & hold total return"}
	for _, rep := range p.Runs {
		bh.Cells = append(bh.Cells, cell{Text: pct(rep.Benchmark.TotalReturn), Class: sign(rep.Benchmark.TotalReturn)})
	}
	v.Metrics = append(v.Metrics, bh)
	ev := func(name string, f func(results.Evidence) cell) row {
		r := row{Name: name}
		for _, rep := range p.Runs {
			r.Cells = append(r.Cells, f(rep.Evidence))
		}
		return r
	}
	v.Evidence = []row{
		ev("signals", func(e results.Evidence) cell { return cell{Text: strconv.Itoa(e.Signals)} }),
		ev("trades", func(e results.Evidence) cell { return cell{Text: strconv.Itoa(e.Trades)} }),
		ev("independent episodes", func(e results.Evidence) cell {
			c := cell{Text: strconv.Itoa(e.Episodes)}
			if e.TooFew {
				c.Text += " (TOO FEW)"
				c.Class = "neg"
			}
			return c
		}),
		ev("mean trade return", func(e results.Evidence) cell {
			return cell{Text: pct(e.MeanTradeReturn), Class: sign(e.MeanTradeReturn)}
		}),
		ev("its interval", func(e results.Evidence) cell {
			if !e.MeanTradeReturnCI[0].Valid() {
				return cell{Text: "n/a", Class: "na"}
			}
			return cell{Text: "[" + pct(e.MeanTradeReturnCI[0]) + ", " + pct(e.MeanTradeReturnCI[1]) + "]"}
		}),
		ev("Sharpe interval", func(e results.Evidence) cell {
			if !e.SharpeCI[0].Valid() {
				return cell{Text: "n/a", Class: "na"}
			}
			return cell{Text: "[" + num(e.SharpeCI[0]) + ", " + num(e.SharpeCI[1]) + "]"}
		}),
		ev("random-entry p", func(e results.Evidence) cell { return cell{Text: pValue(e.RandomEntryP)} }),
		ev("PSR", func(e results.Evidence) cell { return cell{Text: num(e.PSR)} }),
	}
	for _, r := range p.Runs {
		v.Verdicts = append(v.Verdicts, row{Name: orDefault(r.Name, r.RunID), Cells: []cell{{Text: r.Evidence.Verdict}}})
	}
	v.Figures = append(v.Figures, render("compare-equity", "Equity curves",
		"Each run's equity normalised to 100 at its first day (log scale). Runs over different windows start at different dates.",
		func() (*chart.Chart, error) { return CompareChart(p.Runs, Equity, chart.Options{Height: 320}) }))
	v.Figures = append(v.Figures, render("compare-drawdown", "Drawdowns",
		"How far below its previous high each run stood.",
		func() (*chart.Chart, error) { return CompareChart(p.Runs, Drawdown, chart.Options{Height: 240}) }))
	return execute(w, "compare", v)
}

// configDiffs lists the config keys whose values differ between runs.
func configDiffs(runs []*results.Report) []row {
	flat := make([]map[string]string, len(runs))
	keys := map[string]bool{}
	var order []string
	for i, r := range runs {
		flat[i] = map[string]string{}
		var v any
		if len(r.Config) > 0 && json.Unmarshal(r.Config, &v) == nil {
			flatten("", v, flat[i])
		}
		for k := range flat[i] {
			if !keys[k] {
				keys[k] = true
				order = append(order, k)
			}
		}
	}
	slices.Sort(order)
	var rows []row
	for _, k := range order {
		same := true
		for i := 1; i < len(flat); i++ {
			if flat[i][k] != flat[0][k] {
				same = false
			}
		}
		if same {
			continue
		}
		r := row{Name: k}
		for i := range flat {
			val, ok := flat[i][k]
			if !ok {
				val = "(absent)"
			}
			r.Cells = append(r.Cells, cell{Text: val})
		}
		rows = append(rows, r)
	}
	return rows
}

func flatten(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, val, out)
		}
	default:
		b, err := json.Marshal(x)
		if err != nil {
			b = []byte(fmt.Sprint(x))
		}
		out[prefix] = string(b)
	}
}

// ---------------------------------------------------------------- sweep

type sweepView struct {
	Header   header
	Summary  []fact
	Alert    string
	Figures  []figure
	TopCols  []string
	Top      []row
	TopEmpty string
	Version  string
}

// WriteSweep writes the report of a parameter sweep.
func WriteSweep(w io.Writer, p SweepPage) error {
	if p.ID == "" && p.Name == "" {
		return errors.New("html: sweep report: no sweep id or name")
	}
	v := sweepView{Version: p.Version}
	v.Header = header{Kind: "riskon sweep report", Title: orDefault(p.Name, p.ID), Synthetic: p.Synthetic, Notes: p.Notes,
		Subtitle: fmt.Sprintf("sweep %s · %s", p.ID, plural(p.Trials, "trial", "trials"))}
	v.Header.Facts = []fact{{Name: "sweep id", Value: p.ID, Mono: true}}
	if p.Window.Start != "" {
		v.Header.Facts = append(v.Header.Facts, fact{Name: "window", Value: day(p.Window.Start) + " to " + day(p.Window.End)})
	}
	if p.ConfigHash != "" {
		v.Header.Facts = append(v.Header.Facts, fact{Name: "base config hash", Value: p.ConfigHash, Mono: true})
	}
	if p.DataFingerprint != "" {
		v.Header.Facts = append(v.Header.Facts, fact{Name: "data fingerprint", Value: p.DataFingerprint, Mono: true})
	}
	if p.Version != "" {
		v.Header.Facts = append(v.Header.Facts, fact{Name: "riskon version", Value: p.Version})
	}
	if p.CreatedAt != "" {
		v.Header.Facts = append(v.Header.Facts, fact{Name: "created", Value: p.CreatedAt})
	}
	if p.Synthetic {
		v.Header.Facts = append(v.Header.Facts, fact{Name: "data", Value: "SYNTHETIC: generated prices, not market history", Class: "neg"})
	}
	v.Header.ConfigLabel = "Sweep config"
	v.Header.Config = prettyJSON(p.Config)

	unit := orDefault(p.SharpeUnit, "Sharpe ratio")
	v.Summary = []fact{
		{Name: "trials", Value: strconv.Itoa(p.Trials)},
		{Name: "deflated Sharpe ratio of the best trial", Value: num(p.DSR)},
		{Name: "deflated-Sharpe threshold (" + unit + ")", Value: num(p.DSRThreshold)},
		{Name: "probability of backtest overfitting (PBO)", Value: num(p.PBO)},
	}
	if p.RankBy != "" {
		v.Summary = append(v.Summary, fact{Name: "top trials ranked by", Value: p.RankBy})
	}
	switch {
	case p.DSR.Valid() && p.DSR < 0.95:
		v.Alert = fmt.Sprintf("After deflating for %s, the best trial's Sharpe ratio is not significant (DSR %s < 0.95): picking the best of many trials found luck, not an edge.",
			plural(p.Trials, "trial", "trials"), num(p.DSR))
	case p.PBO.Valid() && p.PBO > 0.5:
		v.Alert = fmt.Sprintf("PBO %s: the best in-sample configuration more often than not ranks below the median out of sample.", num(p.PBO))
	}
	if p.Heatmap != nil {
		hm := *p.Heatmap
		var others []string
		for _, sl := range p.Slices {
			if sl.Name != hm.XName && sl.Name != hm.YName {
				others = append(others, sl.Name)
			}
		}
		cap := fmt.Sprintf("Mean %s of the trials in each cell of %s and %s (grey: no trial)", orDefault(hm.Metric, "metric"), hm.XName, hm.YName)
		if len(others) > 0 {
			cap += ", over every value of " + strings.Join(others, ", ") + " (see the panels below)"
		}
		if strings.Contains(strings.Join(hm.XLabels, "")+strings.Join(hm.YLabels, ""), "–") {
			cap += ". Axes with many values are cut into ranges holding equal numbers of trials"
		}
		cap += ". A lone bright cell among dull neighbours is more likely luck than a robust edge."
		v.Figures = append(v.Figures, render("heatmap", "Heatmap of two parameters", cap,
			func() (*chart.Chart, error) { return SweepChart(p, Heatmap, chart.Options{Height: 340}) }))
	} else {
		v.Figures = append(v.Figures, figure{ID: "heatmap", Title: "Heatmap of two parameters", Missing: "No heatmap: the sweep does not vary two parameters."})
	}
	for i, sl := range p.Slices {
		sl := sl
		v.Figures = append(v.Figures, render(fmt.Sprintf("slice-%d", i+1), "Metric by "+sl.Name,
			fmt.Sprintf("%s of every trial against %s (dots), and its mean per value or per range of values (line): a robust parameter region is a plateau, not a lone spike.",
				orDefault(sl.Metric, "The metric"), sl.Name),
			func() (*chart.Chart, error) { return chart.Slice(sl, chart.Options{Height: 240}) }))
	}
	v.Figures = append(v.Figures, render("sharpes", "Distribution of the trial Sharpe ratios",
		fmt.Sprintf("%s of every trial. Dashed: the deflated-Sharpe threshold, the Sharpe ratio the best of %s is expected to reach with no edge at all; the best trial must clear it.",
			unit, plural(p.Trials, "trial", "trials")),
		func() (*chart.Chart, error) { return SweepChart(p, Sharpes, chart.Options{Height: 280}) }))
	var keys []string
	for _, t := range p.Top {
		for _, pr := range t.Params {
			if !contains(keys, pr.Key) {
				keys = append(keys, pr.Key)
			}
		}
	}
	// Long keys may wrap after their dots (a zero-width space), not inside words.
	var heads []string
	for _, k := range keys {
		heads = append(heads, strings.ReplaceAll(k, ".", ".\u200b"))
	}
	v.TopCols = append(heads, "Sharpe", "total return", "max drawdown", "trades", "episodes", "evidence", "its report: riskon report")
	for i, t := range p.Top {
		r := row{Name: strconv.Itoa(i + 1)}
		for _, k := range keys {
			val := ""
			for _, pr := range t.Params {
				if pr.Key == k {
					val = short(pr.Value)
				}
			}
			r.Cells = append(r.Cells, cell{Text: val})
		}
		evid := cell{Text: "enough"}
		if t.Evidence.TooFew || t.Evidence.Episodes < results.MinSamples {
			evid = cell{Text: "TOO FEW SAMPLES", Class: "neg"}
		}
		r.Cells = append(r.Cells, cell{Text: num(t.Metrics.Sharpe), Class: sign(t.Metrics.Sharpe)},
			cell{Text: pct(t.Metrics.TotalReturn), Class: sign(t.Metrics.TotalReturn)}, cell{Text: pct(t.Metrics.MaxDrawdown)},
			cell{Text: strconv.Itoa(t.Evidence.Trades)}, cell{Text: strconv.Itoa(t.Evidence.Episodes)}, evid, cell{Text: trialReport(t), Class: "l mono"})
		v.Top = append(v.Top, r)
	}
	if len(v.Top) == 0 {
		v.TopEmpty = "No trials to list."
	}
	return execute(w, "sweep", v)
}

// trialReport is the argument of riskon report that writes a top trial's
// own report: its run id, or SWEEP:INDEX.
func trialReport(t Trial) string {
	switch {
	case t.RunID != "":
		return t.RunID
	case t.Ref != "":
		return t.Ref
	}
	return ""
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------- formatting

// parseTime reads an RFC 3339 time or a YYYY-MM-DD date as unix seconds.
func parseTime(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Unix(), true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Unix(), true
	}
	return 0, false
}

func day(s string) string {
	if i := strings.IndexByte(s, 'T'); i > 0 {
		return s[:i]
	}
	if s == "" {
		return "?"
	}
	return s
}

func pct(v results.Value) string { return numfmt.Percent(v, 2) }

func num(v results.Value) string { return numfmt.Ratio(v) }

func pValue(v results.Value) string {
	if !v.Valid() {
		return "n/a (not computed for this run)"
	}
	return numfmt.Fixed(v, 3)
}

func days(v results.Value) string {
	if !v.Valid() {
		return "n/a"
	}
	return numfmt.Int(math.Ceil(float64(v))) + " days"
}

func intText(v results.Value) string { return numfmt.Int(v) }

func money(v results.Value) string { return numfmt.Money(v) }

func price(v results.Value) string { return numfmt.Price(v) }

func sign(v results.Value) string {
	switch {
	case !v.Valid():
		return "na"
	case v > 0:
		return "pos"
	case v < 0:
		return "neg"
	}
	return ""
}

func levelText(l float64) string {
	if !(l > 0 && l < 1) {
		return "95%"
	}
	return strconv.FormatFloat(math.Round(l*1000)/10, 'f', -1, 64) + "%"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func seriesNames(ss []chart.Series) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}
