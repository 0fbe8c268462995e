package html

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"

	"github.com/riskon/riskon/results"
)

// CPCVPage is what the report of a combinatorial purged cross-validation
// shows: the verdict, summary facts, the Sharpe ratio of every
// out-of-sample path against buy-and-hold, and the splits.
type CPCVPage struct {
	ID, Name, Version, CreatedAt string
	Synthetic                    bool
	Verdict                      string
	Warnings                     []string
	Facts                        [][2]string
	PathSharpes                  []results.Value
	BenchmarkSharpe              results.Value
	Splits                       []CPCVSplitRow
	JSON                         []byte
}

// CPCVSplitRow is one split of the table.
type CPCVSplitRow struct {
	TestGroups, Params           string
	ISSharpe, OOSSharpe, OOSRank results.Value
}

type cpcvBar struct {
	X, Y, W, H float64
	Class, Tip string
}

type cpcvView struct {
	P          CPCVPage
	Bars       []cpcvBar
	Labels     []cpcvBar
	BenchY     float64
	HasBench   bool
	ZeroY      float64
	Rows       [][]string
	JSONText   string
	BenchLabel string
}

const cpcvTmpl = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.P.Name}} · riskon CPCV</title><style>{{css}}
.bar-pos { fill: #1f5fbf; } .bar-neg { fill: #b3261e; } .bench { stroke: #5f6368; stroke-dasharray: 6 4; stroke-width: 2; } .axis { stroke: #999; } .lbl { font-size: 11px; fill: #5f6368; }
</style></head><body>
{{if .P.Synthetic}}<div class="synthetic">SYNTHETIC DATA: generated prices, not market history</div>{{end}}
<main>
<p class="subtitle">riskon validation report</p>
<h1>{{.P.Name}}</h1>
<p class="subtitle">combinatorial purged cross-validation · <span class="mono">{{.P.ID}}</span>{{if .P.CreatedAt}} · {{.P.CreatedAt}}{{end}}{{if .P.Version}} · riskon {{.P.Version}}{{end}}</p>
<section id="verdict"><h2>Verdict</h2>
<p class="verdict">{{.P.Verdict}}</p>
{{range .P.Warnings}}<div class="alert warn">{{.}}</div>{{end}}
<dl class="facts">{{range .P.Facts}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>{{end}}</dl>
</section>
<section id="paths"><h2>Out-of-sample paths</h2>
<figure><svg viewBox="0 0 1000 260" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Sharpe ratio of every path">
<line x1="50" x2="990" y1="{{.ZeroY}}" y2="{{.ZeroY}}" class="axis"/>
{{range .Bars}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" class="{{.Class}}"><title>{{.Tip}}</title></rect>
{{end}}{{range .Labels}}<text x="{{.X}}" y="{{.Y}}" class="lbl" text-anchor="middle">{{.Tip}}</text>
{{end}}{{if .HasBench}}<line x1="50" x2="990" y1="{{.BenchY}}" y2="{{.BenchY}}" class="bench"/><text x="990" y="{{.BenchY}}" dy="-4" class="lbl" text-anchor="end">{{.BenchLabel}}</text>{{end}}
</svg>
<figcaption>Annualised Sharpe ratio of each out-of-sample path (bars) against buy-and-hold over the same days (dashed).</figcaption></figure>
</section>
<section id="splits"><h2>Splits</h2>
<div class="scroll"><table><thead><tr><th>split</th><th class="l">test groups</th><th class="l">chosen</th><th>IS Sharpe</th><th>OOS Sharpe</th><th>OOS rank</th></tr></thead>
<tbody>{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if or (eq $i 1) (eq $i 2)}} class="l"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody></table></div>
</section>
{{if .JSONText}}<section id="json"><h2>Data</h2><details><summary>Validation JSON</summary><pre>{{.JSONText}}</pre></details></section>{{end}}
<footer>riskon · combinatorial purged cross-validation · docs/VALIDATE.md explains every figure</footer>
</main></body></html>`

// WriteCPCV writes the CPCV report as one self-contained HTML page.
func WriteCPCV(w io.Writer, p CPCVPage) error {
	if p.ID == "" {
		return errors.New("html: CPCV report: no validation id")
	}
	css, err := files.ReadFile("style.css")
	if err != nil {
		return fmt.Errorf("html: read style: %w", err)
	}
	t, err := template.New("cpcv").Funcs(template.FuncMap{"css": func() template.CSS { return template.CSS(css) }}).Parse(cpcvTmpl)
	if err != nil {
		return fmt.Errorf("html: parse CPCV template: %w", err)
	}
	v := cpcvView{P: p, JSONText: string(p.JSON)}
	lo, hi := 0.0, 0.0
	for _, s := range append(append([]results.Value{}, p.PathSharpes...), p.BenchmarkSharpe) {
		if s.Valid() {
			lo, hi = math.Min(lo, float64(s)), math.Max(hi, float64(s))
		}
	}
	if hi-lo < 1e-9 {
		hi = lo + 1
	}
	const top, bottom = 20.0, 230.0
	y := func(s float64) float64 { return top + (hi-s)/(hi-lo)*(bottom-top) }
	v.ZeroY = y(0)
	n := max(len(p.PathSharpes), 1)
	w0 := 940.0 / float64(n)
	for i, s := range p.PathSharpes {
		x := 50 + float64(i)*w0 + w0*0.15
		v.Labels = append(v.Labels, cpcvBar{X: x + w0*0.35, Y: 250, Tip: fmt.Sprintf("path %d: %s", i, num(s))})
		if !s.Valid() {
			continue
		}
		b := cpcvBar{X: x, W: w0 * 0.7, Class: "bar-pos", Tip: fmt.Sprintf("path %d: Sharpe %s", i, num(s))}
		if s >= 0 {
			b.Y, b.H = y(float64(s)), v.ZeroY-y(float64(s))
		} else {
			b.Y, b.H, b.Class = v.ZeroY, y(float64(s))-v.ZeroY, "bar-neg"
		}
		v.Bars = append(v.Bars, b)
	}
	if p.BenchmarkSharpe.Valid() {
		v.HasBench, v.BenchY = true, y(float64(p.BenchmarkSharpe))
		v.BenchLabel = "buy and hold " + num(p.BenchmarkSharpe)
	}
	for i, s := range p.Splits {
		v.Rows = append(v.Rows, []string{fmt.Sprint(i), s.TestGroups, s.Params, num(s.ISSharpe), num(s.OOSSharpe), num(s.OOSRank)})
	}
	var out bytes.Buffer
	if err := t.Execute(&out, v); err != nil {
		return fmt.Errorf("html: CPCV report: %w", err)
	}
	_, err = w.Write(out.Bytes())
	return err
}
