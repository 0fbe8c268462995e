package html

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
)

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
