// Package chart draws riskon's pictures with gonum.org/v1/plot: the equity
// curve against buy-and-hold, the underwater drawdown, the trigger and its
// targets normalised to 100 with the breakouts marked and the holding windows
// shaded, the event study, the sweep heatmap, the distribution of trial
// Sharpe ratios and an overlay of several equity curves.
//
// Every builder takes plain data (times in unix seconds, UTC) and returns a
// *Chart that writes SVG or PNG to an io.Writer. The package is pure: no
// files, no printing, no global state. Charts share one style: Liberation
// Sans (embedded in gonum, so PNG output needs no system fonts; SVG names it
// with Arial and sans-serif as fallbacks), dates on time axes, compact
// numbers on value axes.
//
// SVG output is meant to be read by tools as well as people: each series is
// a <g class="series" data-name="..."> group, each breakout marker a
// <g class="signal"> with a <title> naming its date, each holding window a
// <g class="hold">, each heatmap cell a <g class="cell">.
package chart

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// ErrNoData is returned (wrapped) by a builder that has nothing to draw.
var ErrNoData = errors.New("no data to draw")

// Format is an output format.
type Format string

// Output formats.
const (
	SVG Format = "svg"
	PNG Format = "png"
)

// ParseFormat returns the format named by a file name's extension (".svg",
// ".png") or by the name itself ("svg", "png").
func ParseFormat(name string) (Format, error) {
	n := strings.ToLower(name)
	if i := strings.LastIndexByte(n, '.'); i >= 0 {
		n = n[i+1:]
	}
	switch Format(n) {
	case SVG, PNG:
		return Format(n), nil
	}
	return "", fmt.Errorf("chart format of %q: want .svg or .png", name)
}

// Options size and title a chart. Zero values mean the defaults.
type Options struct {
	Title  string    // drawn above the chart; empty: no title
	Width  vg.Length // default 720pt (10in)
	Height vg.Length // default 300pt
	DPI    int       // PNG resolution; default 144
}

func (o Options) size() (vg.Length, vg.Length) {
	w, h := o.Width, o.Height
	if w <= 0 {
		w = 720
	}
	if h <= 0 {
		h = 300
	}
	return w, h
}

// Series is a named time series: Values[i] at Times[i] (unix seconds, UTC).
// NaN and infinite values are gaps.
type Series struct {
	Name   string
	Times  []int64
	Values []float64
}

func (s Series) check() error {
	if len(s.Times) != len(s.Values) {
		return fmt.Errorf("series %q: %d times but %d values", s.Name, len(s.Times), len(s.Values))
	}
	return nil
}

// Chart is a finished chart, ready to be written.
type Chart struct {
	p    *plot.Plot
	opt  Options
	side func(c draw.Canvas) // draws a side panel (the heatmap's colour bar)
	// sideWidth is the width taken from the right for side.
	sideWidth vg.Length
}

// Plot returns the underlying gonum plot, for callers that want to adjust it.
func (c *Chart) Plot() *plot.Plot { return c.p }

// Write writes the chart in format f.
func (c *Chart) Write(w io.Writer, f Format) error {
	switch f {
	case SVG:
		return c.WriteSVG(w)
	case PNG:
		return c.WritePNG(w)
	}
	return fmt.Errorf("chart: unknown format %q: want svg or png", f)
}

// WriteSVG writes the chart as an SVG document (no XML prolog, so it can be
// inlined in HTML as is).
func (c *Chart) WriteSVG(w io.Writer) error {
	W, H := c.opt.size()
	cv := newSVGCanvas(W, H)
	if err := c.draw(cv); err != nil {
		return err
	}
	if _, err := cv.WriteTo(w); err != nil {
		return fmt.Errorf("write svg: %w", err)
	}
	return nil
}

// WritePNG writes the chart as a PNG image.
func (c *Chart) WritePNG(w io.Writer) error {
	W, H := c.opt.size()
	dpi := c.opt.DPI
	if dpi <= 0 {
		dpi = 144
	}
	if dpi > 1200 {
		return fmt.Errorf("chart: dpi %d is too large (at most 1200)", dpi)
	}
	cv := vgimg.NewWith(vgimg.UseWH(W, H), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	if err := c.draw(cv); err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: cv}).WriteTo(w); err != nil {
		return fmt.Errorf("write png: %w", err)
	}
	return nil
}

// draw renders the plot (and side panel) onto cv. gonum panics on a few
// degenerate inputs the builders try to rule out; any that remains is
// returned as an error rather than crashing the caller.
func (c *Chart) draw(cv vg.CanvasSizer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("chart %q: draw: %v", c.opt.Title, r)
		}
	}()
	dc := draw.New(cv)
	if c.p.BackgroundColor != nil {
		dc.SetColor(c.p.BackgroundColor)
		dc.Fill(dc.Rectangle.Path())
	}
	// The y label is drawn here, centred on the canvas: gonum centres it on
	// the arithmetic middle of the data range, which on a log axis sits near
	// the top and squeezes the plot.
	if lbl := c.p.Y.Label.Text; lbl != "" {
		sty := c.p.Y.Label.TextStyle
		sty.Rotation = math.Pi / 2
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
		strip := sty.Height(lbl) + 4
		title := vg.Length(0)
		if c.p.Title.Text != "" {
			title = c.p.Title.TextStyle.Height(c.p.Title.Text) + c.p.Title.Padding
		}
		mid := (dc.Min.Y + dc.Max.Y - title) / 2
		dc.FillText(sty, vg.Point{X: dc.Min.X + strip/2, Y: mid}, lbl)
		c.p.Y.Label.Text = ""
		defer func() { c.p.Y.Label.Text = lbl }()
		dc = draw.Crop(dc, strip, 0, 0, 0)
	}
	if c.side != nil && c.sideWidth > 0 {
		main := draw.Crop(dc, 0, -c.sideWidth, 0, 0)
		c.p.Draw(main)
		side := draw.Crop(dc, dc.Size().X-c.sideWidth, 0, 0, 0)
		c.side(side)
		return nil
	}
	c.p.Draw(dc)
	return nil
}

// Palette and style shared by every chart.
var (
	colStrategy  = color.NRGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0xff} // blue
	colBenchmark = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff} // grey
	colTrigger   = color.NRGBA{R: 0xd9, G: 0x5f, B: 0x02, A: 0xff} // orange
	colSignal    = color.NRGBA{R: 0xc0, G: 0x1c, B: 0x28, A: 0xff} // red
	colHold      = color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0x30} // translucent green
	colBand      = color.NRGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0x40}
	colFaint     = color.NRGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0x22}
	colGrid      = color.NRGBA{R: 0xe4, G: 0xe4, B: 0xe4, A: 0xff}
	colDrawdown  = color.NRGBA{R: 0xc0, G: 0x1c, B: 0x28, A: 0x60}
	colText      = color.NRGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xff}
	// seriesColors colour targets and compared runs, in order.
	seriesColors = []color.Color{
		color.NRGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0xff},
		color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
		color.NRGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
		color.NRGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
		color.NRGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff},
		color.NRGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
		color.NRGBA{R: 0xbc, G: 0xbd, B: 0x22, A: 0xff},
		color.NRGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
		color.NRGBA{R: 0x1a, G: 0x1a, B: 0x6e, A: 0xff},
		color.NRGBA{R: 0x6e, G: 0x1a, B: 0x1a, A: 0xff},
	}
)

func seriesColor(i int) color.Color { return seriesColors[i%len(seriesColors)] }

var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: 700}
)

// newPlot returns a plot in the house style: title, axis labels, light grid
// and a legend in the top left corner.
func newPlot(opt Options, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = opt.Title
	p.Title.TextStyle.Font = font.From(sansBold, 12)
	p.Title.TextStyle.Color = colText
	p.Title.Padding = 6
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, 10)
		ax.Label.TextStyle.Color = colText
		ax.Tick.Label.Font = font.From(sans, 9)
		ax.Tick.Label.Color = colText
		ax.Padding = 2
		ax.LineStyle.Color = colBenchmark
		ax.Tick.LineStyle.Color = colBenchmark
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.TextStyle.Font = font.From(sans, 9)
	p.Legend.TextStyle.Color = colText
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = 6
	p.Legend.YOffs = -4
	p.Legend.ThumbnailWidth = 18
	p.Legend.Padding = 2
	g := plotter.NewGrid()
	g.Vertical = draw.LineStyle{Color: colGrid, Width: 0.5}
	g.Horizontal = draw.LineStyle{Color: colGrid, Width: 0.5}
	p.Add(g)
	return p
}

// timeAxis sets the x axis to dates.
func timeAxis(p *plot.Plot) {
	p.X.Tick.Marker = dateTicks{}
}

// finite reports whether x is a usable number.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
