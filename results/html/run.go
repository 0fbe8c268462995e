package html

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
)

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
