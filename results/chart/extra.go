package chart

import (
	"fmt"
	"image/color"
	"math"
)

// Line draws one series over time with a zero line, e.g. a rolling Sharpe
// ratio. yLabel names the value axis; the series is <g class="series"
// data-name=NAME>.
func Line(s Series, yLabel string, opt Options) (*Chart, error) {
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("line chart: %w", err)
	}
	p := newPlot(opt, "", yLabel)
	timeAxis(p)
	p.Y.Tick.Marker = linTicks{}
	l := newLineSeries(s.Name, xs(s.Times), s.Values, solid(colStrategy, 1.2), false)
	if l.points() == 0 {
		return nil, fmt.Errorf("line chart %s: %w", s.Name, ErrNoData)
	}
	p.Add(l)
	p.Legend.Add(s.Name, l)
	p.Add(&hline{y: 0, style: solid(colBenchmark, 0.6)})
	return &Chart{p: p, opt: opt}, nil
}

// HistogramData is a distribution to draw as a histogram: one value per
// observation (NaN ignored).
type HistogramData struct {
	Values  []float64
	Label   string // x axis label
	Percent bool   // values are fractions, labelled as percentages
	What    string // what one observation is, for the legend ("trades")
}

// Histogram draws HistogramData with about sqrt(n) bins (between 5 and 40)
// and a line at zero.
func Histogram(d HistogramData, opt Options) (*Chart, error) {
	v := sortedFinite(d.Values)
	if len(v) == 0 {
		return nil, fmt.Errorf("histogram: %w", ErrNoData)
	}
	lo, hi := v[0], v[len(v)-1]
	if hi-lo < 1e-12 {
		lo, hi = lo-0.5*math.Max(math.Abs(lo), 1e-3), hi+0.5*math.Max(math.Abs(hi), 1e-3)
	}
	nb := max(5, min(40, int(math.Ceil(math.Sqrt(float64(len(v)))))))
	w := (hi - lo) / float64(nb)
	b := &bars{col: color.NRGBA{R: 0x9e, G: 0xb9, B: 0xd9, A: 0xff}, edge: colStrategy}
	for i := 0; i <= nb; i++ {
		b.edges = append(b.edges, lo+w*float64(i))
	}
	b.counts = make([]float64, nb)
	for _, x := range v {
		b.counts[max(0, min(int((x-lo)/w), nb-1))]++
	}
	what := d.What
	if what == "" {
		what = "observations"
	}
	p := newPlot(opt, d.Label, what)
	p.Y.Tick.Marker = linTicks{}
	p.X.Tick.Marker = linTicks{percent: d.Percent}
	p.Add(b)
	p.Legend.Add(fmt.Sprintf("%d %s", len(v), what), b)
	if lo < 0 && hi > 0 {
		p.Add(&vline{class: "zero", name: "zero", x: 0, style: solid(colBenchmark, 0.8)})
	}
	pad := (hi - lo) * 0.04
	p.X.Min, p.X.Max = lo-pad, hi+pad
	return &Chart{p: p, opt: opt}, nil
}
