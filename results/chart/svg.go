package chart

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// svgCanvas is a vg.Canvas that writes SVG. It follows gonum's vgsvg (same
// coordinate flip and path data) with three differences that make the output
// fit for embedding in an HTML page and for structural tests:
//
//   - text names a font stack ("Liberation Sans", then the metric-compatible
//     Arial, Helvetica, sans-serif) instead of embedding fonts, so the file
//     stays small and any viewer renders it with a local font;
//   - plotters of this package wrap what they draw in <g class="..."
//     data-name="..."> groups with a <title> (a hover tooltip in browsers),
//     through the tagger interface;
//   - it never panics on odd input (transparent colours, unknown path
//     components): it skips what it cannot draw.
type svgCanvas struct {
	w, h  vg.Length
	buf   bytes.Buffer
	stack []svgContext
	open  int // groups opened by tagger.begin and not yet closed
}

type svgContext struct {
	color     color.Color
	lineWidth vg.Length
	dashes    []vg.Length
	dashOffs  vg.Length
	gEnds     int
}

// tagger is implemented by canvases that can label what is drawn next. The
// PNG canvas does not implement it; plotters then draw untagged.
type tagger interface {
	begin(class, name, title string)
	end()
}

// svgFontStack is the font-family of every text element.
const svgFontStack = `'Liberation Sans', Arial, Helvetica, sans-serif`

func newSVGCanvas(w, h vg.Length) *svgCanvas {
	c := &svgCanvas{w: w, h: h, stack: []svgContext{{}}}
	vg.Initialize(c)
	return c
}

func (c *svgCanvas) ctx() *svgContext { return &c.stack[len(c.stack)-1] }

// Size implements vg.CanvasSizer.
func (c *svgCanvas) Size() (vg.Length, vg.Length) { return c.w, c.h }

func (c *svgCanvas) SetLineWidth(w vg.Length) { c.ctx().lineWidth = w }

func (c *svgCanvas) SetLineDash(d []vg.Length, offs vg.Length) {
	c.ctx().dashes = append([]vg.Length(nil), d...)
	c.ctx().dashOffs = offs
}

func (c *svgCanvas) SetColor(col color.Color) {
	if col == nil {
		col = color.Black
	}
	c.ctx().color = col
}

func (c *svgCanvas) Rotate(rad float64) {
	fmt.Fprintf(&c.buf, "<g transform=\"rotate(%s)\">\n", f(rad*180/math.Pi))
	c.ctx().gEnds++
}

func (c *svgCanvas) Translate(pt vg.Point) {
	fmt.Fprintf(&c.buf, "<g transform=\"translate(%s,%s)\">\n", f(pt.X.Points()), f(pt.Y.Points()))
	c.ctx().gEnds++
}

func (c *svgCanvas) Scale(x, y float64) {
	fmt.Fprintf(&c.buf, "<g transform=\"scale(%s,%s)\">\n", f(x), f(y))
	c.ctx().gEnds++
}

func (c *svgCanvas) Push() {
	top := *c.ctx()
	top.gEnds = 0
	c.stack = append(c.stack, top)
}

func (c *svgCanvas) Pop() {
	if len(c.stack) <= 1 {
		return
	}
	for range c.ctx().gEnds {
		c.buf.WriteString("</g>\n")
	}
	c.stack = c.stack[:len(c.stack)-1]
}

func (c *svgCanvas) begin(class, name, title string) {
	fmt.Fprintf(&c.buf, "<g class=\"%s\"", html.EscapeString(class))
	if name != "" {
		fmt.Fprintf(&c.buf, " data-name=\"%s\"", html.EscapeString(name))
	}
	c.buf.WriteString(">")
	if title != "" {
		fmt.Fprintf(&c.buf, "<title>%s</title>", html.EscapeString(title))
	}
	c.buf.WriteString("\n")
	c.open++
}

func (c *svgCanvas) end() {
	if c.open == 0 {
		return
	}
	c.open--
	c.buf.WriteString("</g>\n")
}

func (c *svgCanvas) Stroke(p vg.Path) {
	cx := c.ctx()
	if cx.lineWidth.Points() <= 0 {
		return
	}
	d := pathData(p)
	if d == "" {
		return
	}
	col, op := colorAttrs(cx.color)
	fmt.Fprintf(&c.buf, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"", d, col, f(cx.lineWidth.Points()))
	if op < 1 {
		fmt.Fprintf(&c.buf, " stroke-opacity=\"%s\"", f(op))
	}
	if len(cx.dashes) > 0 {
		parts := make([]string, len(cx.dashes))
		for i, l := range cx.dashes {
			parts[i] = f(l.Points())
		}
		fmt.Fprintf(&c.buf, " stroke-dasharray=\"%s\"", strings.Join(parts, ","))
		if cx.dashOffs != 0 {
			fmt.Fprintf(&c.buf, " stroke-dashoffset=\"%s\"", f(cx.dashOffs.Points()))
		}
	}
	c.buf.WriteString("/>\n")
}

func (c *svgCanvas) Fill(p vg.Path) {
	d := pathData(p)
	if d == "" {
		return
	}
	col, op := colorAttrs(c.ctx().color)
	fmt.Fprintf(&c.buf, "<path d=\"%s\" fill=\"%s\"", d, col)
	if op < 1 {
		fmt.Fprintf(&c.buf, " fill-opacity=\"%s\"", f(op))
	}
	c.buf.WriteString("/>\n")
}

func (c *svgCanvas) FillString(fnt font.Face, pt vg.Point, s string) {
	size := fnt.Font.Size.Points()
	if size <= 0 {
		return
	}
	col, op := colorAttrs(c.ctx().color)
	weight := "normal"
	if fnt.Font.Weight >= 600 {
		weight = "bold"
	}
	fmt.Fprintf(&c.buf, "<text x=\"%s\" y=\"%s\" transform=\"scale(1,-1)\" font-family=\"%s\" font-size=\"%s\" font-weight=\"%s\" fill=\"%s\"",
		f(pt.X.Points()), f(-pt.Y.Points()), svgFontStack, f(size), weight, col)
	if op < 1 {
		fmt.Fprintf(&c.buf, " fill-opacity=\"%s\"", f(op))
	}
	fmt.Fprintf(&c.buf, ">%s</text>\n", html.EscapeString(s))
}

func (c *svgCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return
	}
	sz := rect.Size()
	fmt.Fprintf(&c.buf, "<image x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" transform=\"scale(1,-1)\" href=\"data:image/png;base64,%s\"/>\n",
		f(rect.Min.X.Points()), f(-rect.Min.Y.Points()-sz.Y.Points()), f(sz.X.Points()), f(sz.Y.Points()), base64.StdEncoding.EncodeToString(b.Bytes()))
}

// WriteTo writes the SVG document.
func (c *svgCanvas) WriteTo(w io.Writer) (int64, error) {
	var out bytes.Buffer
	W, H := c.w.Points(), c.h.Points()
	fmt.Fprintf(&out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"riskon-chart\" width=\"%spt\" height=\"%spt\" viewBox=\"0 0 %s %s\" role=\"img\">\n",
		f(W), f(H), f(W), f(H))
	fmt.Fprintf(&out, "<g transform=\"scale(1,-1) translate(0,-%s)\">\n", f(H))
	out.Write(c.buf.Bytes())
	n := 1 + c.open
	for _, cx := range c.stack {
		n += cx.gEnds
	}
	for range n {
		out.WriteString("</g>\n")
	}
	out.WriteString("</svg>\n")
	m, err := w.Write(out.Bytes())
	return int64(m), err
}

// f formats a coordinate compactly; non-finite numbers become 0 so that the
// document stays valid.
func f(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "0"
	}
	s := fmt.Sprintf("%.2f", x)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// colorAttrs returns the #RRGGBB colour and the opacity of col.
func colorAttrs(col color.Color) (string, float64) {
	if col == nil {
		col = color.Black
	}
	n := color.NRGBAModel.Convert(col).(color.NRGBA)
	return fmt.Sprintf("#%02x%02x%02x", n.R, n.G, n.B), float64(n.A) / 255
}

// pathData converts a vg.Path to SVG path data (see gonum's vgsvg).
func pathData(p vg.Path) string {
	var b strings.Builder
	var x, y float64
	for _, comp := range p {
		switch comp.Type {
		case vg.MoveComp:
			x, y = comp.Pos.X.Points(), comp.Pos.Y.Points()
			fmt.Fprintf(&b, "M%s,%s", f(x), f(y))
		case vg.LineComp:
			x, y = comp.Pos.X.Points(), comp.Pos.Y.Points()
			fmt.Fprintf(&b, "L%s,%s", f(x), f(y))
		case vg.ArcComp:
			r := comp.Radius.Points()
			s, co := math.Sincos(comp.Start)
			x0, y0 := comp.Pos.X.Points()+r*co, comp.Pos.Y.Points()+r*s
			if x0 != x || y0 != y {
				fmt.Fprintf(&b, "L%s,%s", f(x0), f(y0))
			}
			if math.Abs(comp.Angle) >= 2*math.Pi {
				// A full circle: two half arcs (SVG arcs cannot end where they start).
				sweep := 1
				if comp.Angle < 0 {
					sweep = 0
				}
				sh, ch := math.Sincos(comp.Start + math.Copysign(math.Pi, comp.Angle))
				fmt.Fprintf(&b, "A%s,%s 0 0 %d %s,%s", f(r), f(r), sweep, f(comp.Pos.X.Points()+r*ch), f(comp.Pos.Y.Points()+r*sh))
				fmt.Fprintf(&b, "A%s,%s 0 0 %d %s,%s", f(r), f(r), sweep, f(x0), f(y0))
				x, y = x0, y0
				continue
			}
			se, ce := math.Sincos(comp.Start + comp.Angle)
			x, y = comp.Pos.X.Points()+r*ce, comp.Pos.Y.Points()+r*se
			large, sweep := 0, 1
			if math.Abs(comp.Angle) >= math.Pi {
				large = 1
			}
			if comp.Angle < 0 {
				sweep = 0
			}
			fmt.Fprintf(&b, "A%s,%s 0 %d %d %s,%s", f(r), f(r), large, sweep, f(x), f(y))
		case vg.CurveComp:
			switch len(comp.Control) {
			case 1:
				fmt.Fprintf(&b, "Q%s,%s,%s,%s", f(comp.Control[0].X.Points()), f(comp.Control[0].Y.Points()),
					f(comp.Pos.X.Points()), f(comp.Pos.Y.Points()))
			case 2:
				fmt.Fprintf(&b, "C%s,%s,%s,%s,%s,%s", f(comp.Control[0].X.Points()), f(comp.Control[0].Y.Points()),
					f(comp.Control[1].X.Points()), f(comp.Control[1].Y.Points()), f(comp.Pos.X.Points()), f(comp.Pos.Y.Points()))
			default:
				continue
			}
			x, y = comp.Pos.X.Points(), comp.Pos.Y.Points()
		case vg.CloseComp:
			b.WriteString("Z")
		}
	}
	return b.String()
}
