package chart

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SliceData is a metric against one swept parameter, one point per trial:
// the slice plot of Optuna (optuna.visualization.plot_slice). A numeric
// parameter has its values in X; a categorical one has the category index
// in X and the names in Labels (X[i] indexes Labels).
type SliceData struct {
	Name   string    // the parameter key, e.g. trigger.lookback
	X, Y   []float64 // one point per trial; Y is the metric (NaN: skipped)
	Labels []string  // categorical parameter: the category names
	Log    bool      // numeric parameter spanning decades: log x axis
	Metric string
}

// maxSlicePoints bounds the points drawn: beyond it a deterministic stride
// sample is drawn, and the mean line still uses every trial.
const maxSlicePoints = 3000

// Slice draws SliceData: every trial as a faint dot, and the mean metric
// per distinct value (or per bin of a continuous parameter) as a line, so
// that a trend or a lone lucky spike is visible at a glance. Points are
// grouped as <g class="trial">, the mean as <g class="series"
// data-name="mean">.
func Slice(d SliceData, opt Options) (*Chart, error) {
	if len(d.X) != len(d.Y) {
		return nil, fmt.Errorf("slice %s: %d x values but %d y values", d.Name, len(d.X), len(d.Y))
	}
	var idx []int
	for i := range d.X {
		if finite(d.X[i]) && finite(d.Y[i]) && (!d.Log || d.X[i] > 0) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("slice %s: %w", d.Name, ErrNoData)
	}
	metric := d.Metric
	if metric == "" {
		metric = "metric"
	}
	p := newPlot(opt, d.Name, metric)
	p.Y.Tick.Marker = linTicks{}
	switch {
	case d.Labels != nil:
		p.X.Tick.Marker = nominal(d.Labels)
		p.X.Min, p.X.Max = -0.5, float64(len(d.Labels))-0.5
	case d.Log:
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	default:
		p.X.Tick.Marker = linTicks{}
	}
	stride := max(1, (len(idx)+maxSlicePoints-1)/maxSlicePoints)
	dots := &dots{col: color.NRGBA{R: 0x21, G: 0x66, B: 0xac, A: 0x60}, r: 2.2}
	for k := 0; k < len(idx); k += stride {
		i := idx[k]
		x := d.X[i]
		title := d.Name + "=" + strconv.FormatFloat(x, 'g', 6, 64)
		if d.Labels != nil && int(x) >= 0 && int(x) < len(d.Labels) {
			title = d.Name + "=" + d.Labels[int(x)]
		}
		dots.pts = append(dots.pts, dot{x: x, y: d.Y[i], title: title + ": " + metric + " " + fmtCell(d.Y[i])})
	}
	p.Add(dots)
	legend := fmt.Sprintf("%d trials", len(idx))
	if stride > 1 {
		legend = fmt.Sprintf("%d of %d trials (every %dth)", len(dots.pts), len(idx), stride)
	}
	p.Legend.Add(legend, thumb{g: draw.GlyphStyle{Color: dots.col, Radius: dots.r, Shape: draw.CircleGlyph{}}})
	mx, my := sliceMeans(d, idx)
	if len(mx) > 1 {
		l := newLineSeries("mean", mx, my, solid(colSignal, 1.6), false)
		p.Add(l)
		p.Legend.Add("mean "+metric, l)
	}
	p.Add(&hline{y: 0, style: solid(colBenchmark, 0.6)})
	return &Chart{p: p, opt: opt}, nil
}

// sliceMeans is the mean of Y per distinct X when there are few distinct
// values (at most 30), else per one of 20 bins holding equal numbers of
// trials (x at the bin's mean).
func sliceMeans(d SliceData, idx []int) (mx, my []float64) {
	sorted := append([]int(nil), idx...)
	sort.SliceStable(sorted, func(a, b int) bool { return d.X[sorted[a]] < d.X[sorted[b]] })
	distinct := 1
	for k := 1; k < len(sorted); k++ {
		if d.X[sorted[k]] != d.X[sorted[k-1]] {
			distinct++
		}
	}
	if distinct <= 30 {
		for k := 0; k < len(sorted); {
			j, sx, sy := k, 0.0, 0.0
			for ; j < len(sorted) && d.X[sorted[j]] == d.X[sorted[k]]; j++ {
				sy += d.Y[sorted[j]]
			}
			sx = d.X[sorted[k]]
			mx, my = append(mx, sx), append(my, sy/float64(j-k))
			k = j
		}
		return mx, my
	}
	const bins = 20
	for b := range bins {
		lo, hi := b*len(sorted)/bins, (b+1)*len(sorted)/bins
		if hi <= lo {
			continue
		}
		sx, sy := 0.0, 0.0
		for _, i := range sorted[lo:hi] {
			sx += d.X[i]
			sy += d.Y[i]
		}
		n := float64(hi - lo)
		mx, my = append(mx, sx/n), append(my, sy/n)
	}
	return mx, my
}

// dots is a scatter of small circles, one <g class="trial"> each.
type dots struct {
	pts []dot
	col color.Color
	r   vg.Length
}

type dot struct {
	x, y  float64
	title string
}

func (s *dots) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.GlyphStyle{Color: s.col, Radius: s.r, Shape: draw.CircleGlyph{}}
	for _, pt := range s.pts {
		at := vg.Point{X: trX(pt.x), Y: trY(pt.y)}
		if !c.Contains(at) {
			continue
		}
		group(c, "trial", "", pt.title, func() { c.DrawGlyphNoClip(sty, at) })
	}
}

func (s *dots) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = emptyRange()
	for _, pt := range s.pts {
		xmin, xmax = math.Min(xmin, pt.x), math.Max(xmax, pt.x)
		ymin, ymax = math.Min(ymin, pt.y), math.Max(ymax, pt.y)
	}
	return
}
