package html

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
)

// ComparePage is a comparison of several runs.
type ComparePage struct {
	Runs  []*results.Report
	Notes []string
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
