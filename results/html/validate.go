package html

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
)

// ValidationPage is what the validation report shows: a walk-forward's
// verdict, summary facts, the fold timeline and table, and the stitched
// out-of-sample equity beside buy-and-hold over the same test windows.
type ValidationPage struct {
	ID, Name, Method, Version, CreatedAt string
	Synthetic                            bool
	Verdict                              string
	Warnings                             []string
	// Facts are label/value pairs for the summary list.
	Facts [][2]string
	Folds []ValidationFold
	// OOS and Benchmark are the stitched daily equity curves.
	OOS, Benchmark chart.Series
	// JSON is the validation's whole JSON, shown folded.
	JSON []byte
}

// ValidationFold is one row of the fold table and one line of the timeline.
type ValidationFold struct {
	Index                                    int
	TrainStart, TrainEnd, TestStart, TestEnd string // YYYY-MM-DD
	Params                                   string
	ISSharpe, DSR, OOSSharpe                 results.Value
	OOSReturn, BenchReturn, Degradation      results.Value
	Trades, Episodes                         int
	RandomEntryP                             results.Value
	Beats                                    bool
}

type timelineBar struct {
	X, W, Y    float64
	Class, Tip string
}

type validationView struct {
	P        ValidationPage
	Rows     [][]string
	Classes  [][]string
	Bars     []timelineBar
	Labels   []timelineBar
	Ticks    []timelineBar
	Height   float64
	Equity   template.HTML
	EqMiss   string
	JSONText string
}

const validationTmpl = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.P.Name}} · riskon validation</title><style>{{css}}
.tl-train { fill: #c9ccd3; } .tl-win { fill: #1e7b34; } .tl-lose { fill: #b3261e; } .tl-text { font-size: 11px; fill: #5f6368; }
</style></head><body>
{{if .P.Synthetic}}<div class="synthetic">SYNTHETIC DATA: generated prices, not market history</div>{{end}}
<main>
<p class="subtitle">riskon validation report</p>
<h1>{{.P.Name}}</h1>
<p class="subtitle">{{.P.Method}} · validation <span class="mono">{{.P.ID}}</span>{{if .P.CreatedAt}} · {{.P.CreatedAt}}{{end}}{{if .P.Version}} · riskon {{.P.Version}}{{end}}</p>
<section id="verdict"><h2>Verdict</h2>
<p class="verdict">{{.P.Verdict}}</p>
{{range .P.Warnings}}<div class="alert warn">{{.}}</div>{{end}}
<dl class="facts">{{range .P.Facts}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>{{end}}</dl>
</section>
<section id="timeline"><h2>Fold timeline</h2>
<figure><svg viewBox="0 0 1000 {{.Height}}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="fold timeline">
{{range .Bars}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="14" class="{{.Class}}"><title>{{.Tip}}</title></rect>
{{end}}{{range .Labels}}<text x="{{.X}}" y="{{.Y}}" class="tl-text">{{.Tip}}</text>
{{end}}{{range .Ticks}}<text x="{{.X}}" y="{{.Y}}" class="tl-text" text-anchor="middle">{{.Tip}}</text>
{{end}}</svg>
<figcaption>Grey: training window; green: test window where the chosen config beat buy-and-hold (total return); red: where it did not.</figcaption></figure>
</section>
<section id="equity"><h2>Stitched out-of-sample equity</h2>
{{if .Equity}}<figure>{{.Equity}}<figcaption>The chosen config of each fold run alone on its test window, chained; buy-and-hold of the same targets over the same windows.</figcaption></figure>{{else}}<p class="missing">{{.EqMiss}}</p>{{end}}
</section>
<section id="folds"><h2>Folds</h2>
<div class="scroll"><table><thead><tr><th>fold</th><th class="l">train</th><th class="l">test</th><th class="l">chosen</th><th>IS Sharpe</th><th>IS DSR</th><th>OOS Sharpe</th><th>OOS return</th><th>buy &amp; hold</th><th>OOS/IS</th><th>trades</th><th>episodes</th><th>random-entry p</th></tr></thead>
<tbody>{{range $i, $r := .Rows}}<tr>{{range $j, $c := $r}}<td class="{{index (index $.Classes $i) $j}}">{{$c}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
</section>
{{if .JSONText}}<section id="json"><h2>Data</h2><details><summary>Validation JSON</summary><pre>{{.JSONText}}</pre></details></section>{{end}}
<footer>riskon · out-of-sample validation · docs/VALIDATE.md explains every figure</footer>
</main></body></html>`

// WriteValidation writes the validation report as one self-contained HTML
// page.
func WriteValidation(w io.Writer, p ValidationPage) error {
	if p.ID == "" {
		return errors.New("html: validation report: no validation id")
	}
	css, err := files.ReadFile("style.css")
	if err != nil {
		return fmt.Errorf("html: read style: %w", err)
	}
	t, err := template.New("validation").Funcs(template.FuncMap{"css": func() template.CSS { return template.CSS(css) }}).Parse(validationTmpl)
	if err != nil {
		return fmt.Errorf("html: parse validation template: %w", err)
	}
	v := validationView{P: p, JSONText: string(p.JSON)}
	v.timeline()
	for _, f := range p.Folds {
		v.Rows = append(v.Rows, []string{fmt.Sprint(f.Index), f.TrainStart + " to " + f.TrainEnd, f.TestStart + " to " + f.TestEnd, f.Params,
			num(f.ISSharpe), num(f.DSR), num(f.OOSSharpe), pct(f.OOSReturn), pct(f.BenchReturn), num(f.Degradation),
			fmt.Sprint(f.Trades), fmt.Sprint(f.Episodes), pValue(f.RandomEntryP)})
		beat := "neg"
		if f.Beats {
			beat = "pos"
		}
		v.Classes = append(v.Classes, []string{"", "l", "l", "l mono", sign(f.ISSharpe), "", sign(f.OOSSharpe), beat, sign(f.BenchReturn), "", "", "", ""})
	}
	c, err := chart.Equity(p.OOS, p.Benchmark, chart.Options{Title: "Out of sample, stitched"})
	if err != nil {
		v.EqMiss = "Chart not available: " + err.Error() + "."
	} else {
		var b bytes.Buffer
		if err := c.WriteSVG(&b); err != nil {
			v.EqMiss = "Chart not available: " + err.Error() + "."
		} else {
			// results/chart escapes every text it writes.
			v.Equity = template.HTML(b.String())
		}
	}
	var out bytes.Buffer
	if err := t.Execute(&out, v); err != nil {
		return fmt.Errorf("html: validation report: %w", err)
	}
	_, err = w.Write(out.Bytes())
	return err
}

// timeline lays one row per fold: the training window grey, the test window
// green or red, on a shared time axis.
func (v *validationView) timeline() {
	lo, hi := int64(0), int64(0)
	for i, f := range v.P.Folds {
		a, ok1 := parseTime(f.TrainStart)
		b, ok2 := parseTime(f.TestEnd)
		if !ok1 || !ok2 {
			continue
		}
		if i == 0 || a < lo {
			lo = a
		}
		if b > hi {
			hi = b
		}
	}
	const left, width, rowH = 60.0, 920.0, 20.0
	v.Height = float64(len(v.P.Folds))*rowH + 34
	if hi <= lo {
		return
	}
	x := func(t int64) float64 { return left + width*float64(t-lo)/float64(hi-lo) }
	for i, f := range v.P.Folds {
		y := 6 + float64(i)*rowH
		a, _ := parseTime(f.TrainStart)
		b, _ := parseTime(f.TrainEnd)
		c, _ := parseTime(f.TestStart)
		d, _ := parseTime(f.TestEnd)
		v.Bars = append(v.Bars, timelineBar{X: x(a), W: max(x(b+86400)-x(a), 1), Y: y, Class: "tl-train",
			Tip: fmt.Sprintf("fold %d training %s to %s", f.Index, f.TrainStart, f.TrainEnd)})
		cls := "tl-lose"
		if f.Beats {
			cls = "tl-win"
		}
		v.Bars = append(v.Bars, timelineBar{X: x(c), W: max(x(d+86400)-x(c), 1), Y: y, Class: cls,
			Tip: fmt.Sprintf("fold %d test %s to %s: %s, OOS return %s vs buy-and-hold %s", f.Index, f.TestStart, f.TestEnd, f.Params, pct(f.OOSReturn), pct(f.BenchReturn))})
		v.Labels = append(v.Labels, timelineBar{X: 4, Y: y + 11, Tip: fmt.Sprintf("fold %d", f.Index)})
	}
	y0, _ := parseTime(v.P.Folds[0].TrainStart)
	first := chart.Day(y0)[:4]
	var year int
	fmt.Sscan(first, &year)
	for ; ; year++ {
		t, ok := parseTime(fmt.Sprintf("%04d-01-01", year))
		if !ok || t > hi {
			break
		}
		if t >= lo {
			v.Ticks = append(v.Ticks, timelineBar{X: x(t), Y: v.Height - 6, Tip: fmt.Sprint(year)})
		}
	}
}
