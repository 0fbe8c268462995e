package chart

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// group wraps what fn draws in a tagged SVG group when the canvas supports it.
func group(c draw.Canvas, class, name, title string, fn func()) {
	if t := findTagger(c.Canvas); t != nil {
		t.begin(class, name, title)
		defer t.end()
	}
	fn()
}

// findTagger unwraps the draw.Canvas layers gonum nests (padding wraps a
// draw.Canvas in another) down to the tagger, if any.
func findTagger(cv vg.Canvas) tagger {
	for range 64 {
		switch c := cv.(type) {
		case tagger:
			return c
		case draw.Canvas:
			cv = c.Canvas
		case *draw.Canvas:
			cv = c.Canvas
		default:
			return nil
		}
	}
	return nil
}

// emptyRange is a data range that leaves the plot's range unchanged.
func emptyRange() (float64, float64, float64, float64) {
	return math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
}

// lineSeries is one named series drawn as a polyline, broken at gaps.
type lineSeries struct {
	name  string
	class string
	title string
	segs  []plotter.XYs
	style draw.LineStyle
}

// newLineSeries builds a series from x and y, skipping non-finite points
// (and non-positive y when positive is set, for log axes): each skipped run
// breaks the line.
func newLineSeries(name string, x, y []float64, style draw.LineStyle, positive bool) *lineSeries {
	ls := &lineSeries{name: name, class: "series", style: style}
	var cur plotter.XYs
	flush := func() {
		if len(cur) > 0 {
			ls.segs = append(ls.segs, cur)
			cur = nil
		}
	}
	for i := range x {
		if i >= len(y) || !finite(x[i]) || !finite(y[i]) || (positive && y[i] <= 0) {
			flush()
			continue
		}
		cur = append(cur, plotter.XY{X: x[i], Y: y[i]})
	}
	flush()
	return ls
}

func (l *lineSeries) points() int {
	n := 0
	for _, s := range l.segs {
		n += len(s)
	}
	return n
}

func (l *lineSeries) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	group(c, l.class, l.name, l.title, func() {
		for _, s := range l.segs {
			pts := make([]vg.Point, len(s))
			for i, xy := range s {
				pts[i] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
			}
			if len(pts) == 1 {
				c.DrawGlyph(draw.GlyphStyle{Color: l.style.Color, Radius: l.style.Width, Shape: draw.CircleGlyph{}}, pts[0])
				continue
			}
			c.StrokeLines(l.style, c.ClipLinesXY(pts)...)
		}
	})
}

func (l *lineSeries) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = emptyRange()
	for _, s := range l.segs {
		for _, xy := range s {
			xmin, xmax = math.Min(xmin, xy.X), math.Max(xmax, xy.X)
			ymin, ymax = math.Min(ymin, xy.Y), math.Max(ymax, xy.Y)
		}
	}
	return
}

func (l *lineSeries) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

// area fills between a series and a constant base (the drawdown's zero).
type area struct {
	name  string
	segs  []plotter.XYs
	base  float64
	color color.Color
}

func (a *area) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	group(c, "area", a.name, "", func() {
		c.SetColor(a.color)
		for _, s := range a.segs {
			if len(s) < 2 {
				continue
			}
			pts := make([]vg.Point, 0, len(s)+2)
			pts = append(pts, vg.Point{X: trX(s[0].X), Y: trY(a.base)})
			for _, xy := range s {
				pts = append(pts, vg.Point{X: trX(xy.X), Y: trY(xy.Y)})
			}
			pts = append(pts, vg.Point{X: trX(s[len(s)-1].X), Y: trY(a.base)})
			c.FillPolygon(a.color, c.ClipPolygonXY(pts))
		}
	})
}

func (a *area) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = emptyRange()
	for _, s := range a.segs {
		for _, xy := range s {
			xmin, xmax = math.Min(xmin, xy.X), math.Max(xmax, xy.X)
			ymin, ymax = math.Min(ymin, xy.Y), math.Max(ymax, xy.Y)
		}
	}
	if xmin <= xmax {
		ymin, ymax = math.Min(ymin, a.base), math.Max(ymax, a.base)
	}
	return
}

func (a *area) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(a.color, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// band fills between a low and a high line (an interval band).
type band struct {
	name string
	segs [][3][]float64 // x, lo, hi of each contiguous run
	col  color.Color
}

func newBand(name string, x, lo, hi []float64, col color.Color) *band {
	b := &band{name: name, col: col}
	var cx, cl, ch []float64
	flush := func() {
		if len(cx) > 1 {
			b.segs = append(b.segs, [3][]float64{cx, cl, ch})
		}
		cx, cl, ch = nil, nil, nil
	}
	for i := range x {
		if i >= len(lo) || i >= len(hi) || !finite(x[i]) || !finite(lo[i]) || !finite(hi[i]) {
			flush()
			continue
		}
		cx, cl, ch = append(cx, x[i]), append(cl, lo[i]), append(ch, hi[i])
	}
	flush()
	return b
}

func (b *band) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	group(c, "band", b.name, "", func() {
		for _, s := range b.segs {
			x, lo, hi := s[0], s[1], s[2]
			pts := make([]vg.Point, 0, 2*len(x))
			for i := range x {
				pts = append(pts, vg.Point{X: trX(x[i]), Y: trY(hi[i])})
			}
			for i := len(x) - 1; i >= 0; i-- {
				pts = append(pts, vg.Point{X: trX(x[i]), Y: trY(lo[i])})
			}
			c.FillPolygon(b.col, c.ClipPolygonXY(pts))
		}
	})
}

func (b *band) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = emptyRange()
	for _, s := range b.segs {
		for i := range s[0] {
			xmin, xmax = math.Min(xmin, s[0][i]), math.Max(xmax, s[0][i])
			ymin, ymax = math.Min(ymin, s[1][i]), math.Max(ymax, s[2][i])
		}
	}
	return
}

func (b *band) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.col, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// spans shades vertical windows [Start, End] over the full height.
type spans struct {
	windows []Window
	col     color.Color
}

func (s *spans) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, w := range s.windows {
		x0, x1 := trX(float64(w.Start)), trX(float64(w.End))
		if x1 < x0 {
			x0, x1 = x1, x0
		}
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 < c.Min.X || x0 > c.Max.X {
			continue
		}
		if x1-x0 < 1 {
			x1 = x0 + 1
		}
		group(c, "hold", "", w.Label, func() {
			c.FillPolygon(s.col, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
		})
	}
}

func (s *spans) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = emptyRange()
	for _, w := range s.windows {
		xmin, xmax = math.Min(xmin, float64(min(w.Start, w.End))), math.Max(xmax, float64(max(w.Start, w.End)))
	}
	return
}

func (s *spans) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.col, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// marker is one labelled point.
type marker struct {
	x, y   float64
	filled bool
	title  string
}

// markers draws triangles pointing up: filled for acted signals, hollow for
// the others.
type markers struct {
	class string
	pts   []marker
	col   color.Color
	size  vg.Length
}

func (m *markers) style(filled bool) draw.GlyphStyle {
	if filled {
		return draw.GlyphStyle{Color: m.col, Radius: m.size, Shape: draw.PyramidGlyph{}}
	}
	return draw.GlyphStyle{Color: m.col, Radius: m.size, Shape: draw.TriangleGlyph{}}
}

func (m *markers) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, pt := range m.pts {
		at := vg.Point{X: trX(pt.x), Y: trY(pt.y) - m.size*1.6}
		if !c.Contains(vg.Point{X: at.X, Y: at.Y + m.size*1.6}) {
			continue
		}
		group(c, m.class, "", pt.title, func() {
			c.DrawGlyphNoClip(m.style(pt.filled), at)
		})
	}
}

func (m *markers) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = emptyRange()
	for _, pt := range m.pts {
		xmin, xmax = math.Min(xmin, pt.x), math.Max(xmax, pt.x)
		ymin, ymax = math.Min(ymin, pt.y), math.Max(ymax, pt.y)
	}
	return
}

func (m *markers) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	out := make([]plot.GlyphBox, 0, len(m.pts))
	r := m.size
	for _, pt := range m.pts {
		out = append(out, plot.GlyphBox{X: p.X.Norm(pt.x), Y: p.Y.Norm(pt.y),
			Rectangle: vg.Rectangle{Min: vg.Point{X: -r, Y: -3 * r}, Max: vg.Point{X: r, Y: r}}})
	}
	return out
}

// thumb is a legend entry for markers.
type thumb struct {
	g draw.GlyphStyle
}

func (t thumb) Thumbnail(c *draw.Canvas) { c.DrawGlyph(t.g, c.Center()) }

// vline is a vertical line at x, named in its SVG group.
type vline struct {
	class, name string
	x           float64
	style       draw.LineStyle
}

func (v *vline) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.x)
	if x < c.Min.X || x > c.Max.X {
		return
	}
	group(c, v.class, v.name, v.name, func() {
		c.StrokeLine2(v.style, x, c.Min.Y, x, c.Max.Y)
	})
}

func (v *vline) DataRange() (xmin, xmax, ymin, ymax float64) {
	_, _, ymin, ymax = emptyRange()
	return v.x, v.x, ymin, ymax
}

func (v *vline) Thumbnail(c *draw.Canvas) {
	x := c.Center().X
	c.StrokeLine2(v.style, x, c.Min.Y, x, c.Max.Y)
}

// hline is a horizontal reference line at Y across the data area.
type hline struct {
	y     float64
	style draw.LineStyle
}

func (h *hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(h.y)
	if y < c.Min.Y || y > c.Max.Y {
		return
	}
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

// bars are histogram bins.
type bars struct {
	edges  []float64 // len(counts)+1
	counts []float64
	col    color.Color
	edge   color.Color
}

func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	group(c, "bars", "histogram", "", func() {
		for i, n := range b.counts {
			if n <= 0 {
				continue
			}
			x0, x1 := trX(b.edges[i]), trX(b.edges[i+1])
			y0, y1 := trY(0), trY(n)
			r := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
			c.FillPolygon(b.col, r)
			c.StrokeLines(draw.LineStyle{Color: b.edge, Width: 0.5}, append(r, r[0]))
		}
	})
}

func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	if len(b.edges) == 0 {
		return emptyRange()
	}
	ymax = 0
	for _, n := range b.counts {
		ymax = math.Max(ymax, n)
	}
	return b.edges[0], b.edges[len(b.edges)-1], 0, ymax
}

func (b *bars) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.col, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// cells are heatmap cells on an integer grid: cell (i, j) spans
// [i-0.5, i+0.5] x [j-0.5, j+0.5].
type cells struct {
	z      [][]float64 // z[j][i]
	colour func(v float64) color.Color
	titles func(i, j int) string
	labels bool
}

func (h *cells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := text.Style{Font: font.From(sans, 8), Handler: p.TextHandler, XAlign: draw.XCenter, YAlign: draw.YCenter}
	for j, row := range h.z {
		for i, v := range row {
			x0, x1 := trX(float64(i)-0.5), trX(float64(i)+0.5)
			y0, y1 := trY(float64(j)-0.5), trY(float64(j)+0.5)
			col := h.colour(v)
			group(c, "cell", "", h.titles(i, j), func() {
				c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
				if h.labels && finite(v) {
					sty.Color = textOn(col)
					c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, fmtCell(v))
				}
			})
		}
	}
}

func (h *cells) DataRange() (xmin, xmax, ymin, ymax float64) {
	nx := 0
	for _, r := range h.z {
		nx = max(nx, len(r))
	}
	return -0.5, float64(nx) - 0.5, -0.5, float64(len(h.z)) - 0.5
}

// textOn returns black or white, whichever reads better on bg.
func textOn(bg color.Color) color.Color {
	n := color.NRGBAModel.Convert(bg).(color.NRGBA)
	l := 0.299*float64(n.R) + 0.587*float64(n.G) + 0.114*float64(n.B)
	if l < 140 {
		return color.White
	}
	return colText
}
