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
	"errors"
	"fmt"
	"html/template"
	"io"

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
