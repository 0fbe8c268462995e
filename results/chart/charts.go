package chart

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func xs(t []int64) []float64 {
	out := make([]float64, len(t))
	for i, v := range t {
		out[i] = float64(v)
	}
	return out
}

// allPositive reports whether every finite value of every series is > 0 and
// at least one value is finite.
func allPositive(ss ...Series) bool {
	any := false
	for _, s := range ss {
		for _, v := range s.Values {
			if !finite(v) {
				continue
			}
			if v <= 0 {
				return false
			}
			any = true
		}
	}
	return any
}

// setLogY makes the y axis logarithmic with readable ticks.
func setLogY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
}

// padLog widens a positive y range a little so that lines do not touch the
// frame, and guards a degenerate range.
func padLog(p *plot.Plot) {
	lo, hi := p.Y.Min, p.Y.Max
	if !(lo > 0) || !finite(hi) {
		return
	}
	if hi <= lo*1.02 {
		p.Y.Min, p.Y.Max = lo/1.05, hi*1.05
		return
	}
	r := math.Pow(hi/lo, 0.04)
	p.Y.Min, p.Y.Max = lo/r, hi*r
}

func solid(col color.Color, w vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: col, Width: w}
}

func dashed(col color.Color, w vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: col, Width: w, Dashes: []vg.Length{4, 3}}
}

// Equity draws the strategy's equity curve against buy-and-hold of its
// targets on a log scale (a linear one if a value is not positive).
// benchmark may be empty.
func Equity(strategy, benchmark Series, opt Options) (*Chart, error) {
	for _, s := range []Series{strategy, benchmark} {
		if err := s.check(); err != nil {
			return nil, fmt.Errorf("equity chart: %w", err)
		}
	}
	logY := allPositive(strategy, benchmark)
	yl := "equity (log scale)"
	if !logY {
		yl = "equity"
	}
	p := newPlot(opt, "", yl)
	timeAxis(p)
	var n int
	add := func(s Series, col color.Color, w vg.Length, def string) {
		if len(s.Times) == 0 {
			return
		}
		name := s.Name
		if name == "" {
			name = def
		}
		l := newLineSeries(name, xs(s.Times), s.Values, solid(col, w), logY)
		n += l.points()
		p.Add(l)
		p.Legend.Add(name, l)
	}
	add(benchmark, colBenchmark, 1.2, "buy & hold")
	add(strategy, colStrategy, 1.6, "strategy")
	if n == 0 {
		return nil, fmt.Errorf("equity chart: %w", ErrNoData)
	}
	if logY {
		setLogY(p)
		padLog(p)
	} else {
		p.Y.Tick.Marker = linTicks{}
	}
	return &Chart{p: p, opt: opt}, nil
}

// Underwater returns the drawdown of an equity curve at each point: the
// fraction below the running maximum (0 at a new high, negative below).
// Non-finite values give NaN and leave the running maximum unchanged.
func Underwater(equity []float64) []float64 {
	out := make([]float64, len(equity))
	peak := math.Inf(-1)
	for i, v := range equity {
		if !finite(v) {
			out[i] = math.NaN()
			continue
		}
		peak = math.Max(peak, v)
		if peak <= 0 {
			out[i] = math.NaN()
			continue
		}
		out[i] = v/peak - 1
	}
	return out
}

// Drawdown draws the underwater curve of the strategy (filled) and of
// buy-and-hold (a line): how far below its previous high each stood.
func Drawdown(strategy, benchmark Series, opt Options) (*Chart, error) {
	for _, s := range []Series{strategy, benchmark} {
		if err := s.check(); err != nil {
			return nil, fmt.Errorf("drawdown chart: %w", err)
		}
	}
	p := newPlot(opt, "", "drawdown from the previous high")
	timeAxis(p)
	p.Y.Tick.Marker = linTicks{percent: true}
	p.Legend.Top, p.Legend.Left = false, true
	p.Legend.YOffs = 4
	n := 0
	if len(benchmark.Times) > 0 {
		name := benchmark.Name
		if name == "" {
			name = "buy & hold"
		}
		l := newLineSeries(name, xs(benchmark.Times), Underwater(benchmark.Values), solid(colBenchmark, 1), false)
		n += l.points()
		p.Add(l)
		p.Legend.Add(name, l)
	}
	if len(strategy.Times) > 0 {
		name := strategy.Name
		if name == "" {
			name = "strategy"
		}
		dd := Underwater(strategy.Values)
		l := newLineSeries(name, xs(strategy.Times), dd, solid(colSignal, 1), false)
		a := &area{name: name, segs: l.segs, color: colDrawdown}
		n += l.points()
		p.Add(a, l)
		p.Legend.Add(name, a)
	}
	if n == 0 {
		return nil, fmt.Errorf("drawdown chart: %w", ErrNoData)
	}
	// Head room above zero, and room below the deepest drawdown for the
	// legend.
	p.Y.Min = math.Min(p.Y.Min, -0.01) * 1.25
	p.Y.Max = -0.02 * p.Y.Min
	p.Add(&hline{y: 0, style: solid(colBenchmark, 0.5)})
	return &Chart{p: p, opt: opt}, nil
}

// Signal is a breakout to mark on the trigger line.
type Signal struct {
	Time  int64   // unix seconds
	Close float64 // the trigger's close that broke out (raw price); NaN: read it off the series
	Acted bool    // orders were placed (filled marker) or not (hollow)
	Label string  // tooltip
}

// Window is a holding window to shade.
type Window struct {
	Start, End int64 // unix seconds
	Label      string
}

// OverlayData is the picture the breakout articles draw: the trigger and the
// targets, each normalised to 100 at the start, breakouts marked on the
// trigger, holding windows shaded.
type OverlayData struct {
	Trigger Series
	Targets []Series
	// Start and End bound what is shown (unix seconds; 0: the data's range).
	// Each series is normalised to 100 at its first value at or after Start.
	Start, End int64
	Signals    []Signal
	Windows    []Window
	// Legend words, when the chart is not the trigger's (an entry filter's
	// series): the series' role ("trigger") and what a filled and a hollow
	// marker mean ("breakout, acted on", "breakout, not acted on").
	Role, ActedLabel, OtherLabel string
}

// normalise returns s clipped to [start, end] and scaled to 100 at its first
// positive finite value, with that base.
func normalise(s Series, start, end int64) (Series, float64) {
	out := Series{Name: s.Name}
	base := math.NaN()
	for i, t := range s.Times {
		if (start != 0 && t < start) || (end != 0 && t > end) {
			continue
		}
		v := s.Values[i]
		if math.IsNaN(base) && finite(v) && v > 0 {
			base = v
		}
		out.Times = append(out.Times, t)
		out.Values = append(out.Values, v)
	}
	if math.IsNaN(base) {
		return out, base
	}
	for i := range out.Values {
		out.Values[i] = out.Values[i] / base * 100
	}
	return out, base
}

// valueAt returns the last finite value of s at or before t.
func valueAt(s Series, t int64) float64 {
	i, _ := slices.BinarySearch(s.Times, t+1)
	for i--; i >= 0; i-- {
		if finite(s.Values[i]) {
			return s.Values[i]
		}
	}
	return math.NaN()
}

// Overlay draws OverlayData on a log scale. Every signal inside [Start, End]
// gets one marker (<g class="signal"> in SVG), every window one shaded
// span (<g class="hold">).
func Overlay(d OverlayData, opt Options) (*Chart, error) {
	if err := d.Trigger.check(); err != nil {
		return nil, fmt.Errorf("overlay chart: %w", err)
	}
	for _, s := range d.Targets {
		if err := s.check(); err != nil {
			return nil, fmt.Errorf("overlay chart: %w", err)
		}
	}
	p := newPlot(opt, "", "normalised to 100 at the start (log scale)")
	timeAxis(p)
	n := 0
	if len(d.Windows) > 0 {
		sp := &spans{windows: d.Windows, col: colHold}
		p.Add(sp)
		p.Legend.Add("holding window", sp)
	}
	for i, s := range d.Targets {
		ns, _ := normalise(s, d.Start, d.End)
		l := newLineSeries(s.Name, xs(ns.Times), ns.Values, solid(seriesColor(i), 1.1), true)
		n += l.points()
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	trig, base := normalise(d.Trigger, d.Start, d.End)
	tl := newLineSeries(d.Trigger.Name, xs(trig.Times), trig.Values, solid(colTrigger, 1.4), true)
	n += tl.points()
	p.Add(tl)
	p.Legend.Add(d.Trigger.Name+" ("+orWord(d.Role, "trigger")+")", tl)
	if n == 0 {
		return nil, fmt.Errorf("overlay chart: %w", ErrNoData)
	}
	if len(d.Signals) > 0 && finite(base) {
		m := &markers{class: "signal", col: colSignal, size: 3.5}
		for _, s := range d.Signals {
			if (d.Start != 0 && s.Time < d.Start) || (d.End != 0 && s.Time > d.End) {
				continue
			}
			v := s.Close
			if !finite(v) || v <= 0 {
				v = valueAt(d.Trigger, s.Time)
			}
			if !finite(v) || v <= 0 {
				continue
			}
			m.pts = append(m.pts, marker{x: float64(s.Time), y: v / base * 100, filled: s.Acted, title: s.Label})
		}
		if len(m.pts) > 0 {
			p.Add(m)
			acted, other := 0, 0
			for _, pt := range m.pts {
				if pt.filled {
					acted++
				} else {
					other++
				}
			}
			if acted > 0 {
				p.Legend.Add(fmt.Sprintf("%s (%d)", orWord(d.ActedLabel, "breakout, acted on"), acted), thumb{m.style(true)})
			}
			if other > 0 {
				p.Legend.Add(fmt.Sprintf("%s (%d)", orWord(d.OtherLabel, "breakout, not acted on"), other), thumb{m.style(false)})
			}
		}
	}
	setLogY(p)
	padLog(p)
	if d.Start != 0 && d.End > d.Start {
		p.X.Min, p.X.Max = float64(d.Start), float64(d.End)
	}
	return &Chart{p: p, opt: opt}, nil
}

// StudyData is an event study: the forward path of a target after each
// signal, their mean and an interval band, on a common horizon in days.
type StudyData struct {
	Label string    // what the paths measure, e.g. "BTC forward return"
	Days  []float64 // x: days after the signal
	Mean  []float64 // mean forward return (a fraction) at each day
	// Lo and Hi bound the interval band (NaN where undefined); Level is its
	// confidence level (0.95) and Interval names the method.
	Lo, Hi   []float64
	Level    float64
	Interval string
	// Paths are each signal's forward returns on Days (NaN: no data yet).
	Paths [][]float64
	// Episodes, when not 0, is the number of non-overlapping episodes the
	// mean and band are taken over (SummarizeEpisodes); 0: over every path.
	Episodes int
	// Baseline, optional, is the mean forward path from every day (the
	// unconditional drift the signals must beat).
	Baseline []float64
}

// SummarizePaths returns the mean of paths at each day and a pointwise
// Student-t interval of that mean at level (0.95 when out of (0, 1)); days
// with fewer than two paths get no interval. The interval treats signals as
// independent: overlapping holding windows are not, so it is too narrow
// when they overlap.
func SummarizePaths(days []float64, paths [][]float64, level float64) StudyData {
	if !(level > 0 && level < 1) {
		level = 0.95
	}
	d := StudyData{Days: days, Paths: paths, Level: level, Interval: "pointwise Student-t interval of the mean, signals taken as independent"}
	d.Mean = make([]float64, len(days))
	d.Lo = make([]float64, len(days))
	d.Hi = make([]float64, len(days))
	for k := range days {
		var vals []float64
		for _, p := range paths {
			if k < len(p) && finite(p[k]) {
				vals = append(vals, p[k])
			}
		}
		d.Mean[k], d.Lo[k], d.Hi[k] = math.NaN(), math.NaN(), math.NaN()
		n := float64(len(vals))
		if n == 0 {
			continue
		}
		var s float64
		for _, v := range vals {
			s += v
		}
		m := s / n
		d.Mean[k] = m
		if n < 2 {
			continue
		}
		var ss float64
		for _, v := range vals {
			ss += (v - m) * (v - m)
		}
		se := math.Sqrt(ss/(n-1)) / math.Sqrt(n)
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(1 - (1-level)/2)
		d.Lo[k], d.Hi[k] = m-t*se, m+t*se
	}
	return d
}

// SummarizeEpisodes is SummarizePaths with the mean and its band taken
// over independent episodes rather than over every signal: signals come in
// runs (a breakout fires on many consecutive days), and their forward paths
// overlap almost entirely, so a band over all of them counts one move many
// times and is far too narrow. The episodes are the signals at least
// spacingDays apart, taken greedily from the first (the non_overlapping
// selection of the event study): their forward windows of spacingDays do
// not overlap. times are the signals' instants (Unix seconds, ascending,
// one per path). Paths keeps every signal's path, drawn faint; Mean, Lo and
// Hi are over the Episodes selected paths.
func SummarizeEpisodes(days []float64, paths [][]float64, times []int64, spacingDays int, level float64) StudyData {
	var sel [][]float64
	last := int64(0)
	for i, p := range paths {
		if i < len(times) && (len(sel) == 0 || times[i]-last >= int64(spacingDays)*86400) {
			sel = append(sel, p)
			last = times[i]
		}
	}
	d := SummarizePaths(days, sel, level)
	d.Paths = paths
	d.Episodes = len(sel)
	d.Interval = fmt.Sprintf("pointwise Student-t interval over %d non-overlapping episodes: the first signal of each run, signals at least %d days apart", len(sel), spacingDays)
	return d
}

// Study draws the event study: each signal's path faint, the mean path with
// its interval band, the unconditional baseline dashed, and zero. When the
// paths span more than a factor of four (crypto after a breakout), the y
// axis shows 1 + return on a log scale, labelled in returns, so that the
// mean is not flattened by a few huge paths; the band's lower edge is then
// cut at the lowest path.
func Study(d StudyData, opt Options) (*Chart, error) {
	for _, a := range [][]float64{d.Mean, d.Lo, d.Hi, d.Baseline} {
		if a != nil && len(a) != len(d.Days) {
			return nil, fmt.Errorf("study chart: %d days but a line of %d values", len(d.Days), len(a))
		}
	}
	// Log mode when every path stays above -100% and they spread widely.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, line := range append(append([][]float64{}, d.Paths...), d.Mean) {
		for _, v := range line {
			if finite(v) {
				lo, hi = math.Min(lo, 1+v), math.Max(hi, 1+v)
			}
		}
	}
	logY := lo > 0 && hi/lo > 4
	y := func(v []float64) []float64 {
		if !logY || v == nil {
			return v
		}
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = 1 + x
		}
		return out
	}
	label := d.Label
	if label == "" {
		label = "forward return"
	}
	if logY {
		label += " (log scale)"
	}
	p := newPlot(opt, "days after the signal", label)
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{growth: true}
	} else {
		p.Y.Tick.Marker = linTicks{percent: true}
	}
	p.X.Tick.Marker = linTicks{}
	n := 0
	// Faint paths, thinned to about 200 points each.
	step := max(1, len(d.Days)/200)
	var faint []*lineSeries
	for i, path := range d.Paths {
		var x, yv []float64
		for k := 0; k < len(d.Days) && k < len(path); k += step {
			x, yv = append(x, d.Days[k]), append(yv, path[k])
		}
		if last := min(len(d.Days), len(path)) - 1; last >= 0 && last%step != 0 {
			x, yv = append(x, d.Days[last]), append(yv, path[last])
		}
		l := newLineSeries("signal "+strconv.Itoa(i+1), x, y(yv), solid(colFaint, 0.7), logY)
		l.class = "path"
		if l.points() > 0 {
			faint = append(faint, l)
		}
	}
	for _, l := range faint {
		p.Add(l)
	}
	if len(faint) > 0 {
		p.Legend.Add(fmt.Sprintf("each signal (%d)", len(faint)), faint[0])
	}
	if len(d.Lo) > 0 && len(d.Hi) > 0 {
		bl, bh := y(d.Lo), y(d.Hi)
		if logY {
			bl = slices.Clone(bl)
			for i, v := range bl {
				if finite(v) && v < lo {
					bl[i] = lo
				}
			}
		}
		b := newBand("interval", d.Days, bl, bh, colBand)
		if len(b.segs) > 0 {
			p.Add(b)
			lvl := ""
			if d.Level > 0 {
				lvl = fmt.Sprintf("%g%% ", math.Round(d.Level*1000)/10)
			}
			p.Legend.Add(lvl+"interval of the mean", b)
		}
	}
	if len(d.Baseline) == len(d.Days) && len(d.Baseline) > 0 {
		l := newLineSeries("all days", d.Days, y(d.Baseline), dashed(colBenchmark, 1.2), logY)
		if l.points() > 0 {
			p.Add(l)
			p.Legend.Add("mean from any day", l)
		}
	}
	if len(d.Mean) > 0 {
		l := newLineSeries("mean", d.Days, y(d.Mean), solid(colStrategy, 2), logY)
		n += l.points()
		p.Add(l)
		p.Legend.Add("mean after signals", l)
	}
	if n == 0 {
		return nil, fmt.Errorf("study chart: %w", ErrNoData)
	}
	zero := 0.0
	if logY {
		zero = 1
		padLog(p)
	}
	p.Add(&hline{y: zero, style: solid(colBenchmark, 0.6)})
	return &Chart{p: p, opt: opt}, nil
}

// HeatmapData is a metric over a grid of two parameters: Z[j][i] is the
// metric at XLabels[i] and YLabels[j] (NaN: no trial).
type HeatmapData struct {
	XName, YName     string
	XLabels, YLabels []string
	Z                [][]float64
	Metric           string
}

// Heatmap draws HeatmapData with a colour bar: a diverging scale centred on
// zero when the metric takes both signs, a sequential one otherwise. Small
// grids print each cell's value.
func Heatmap(d HeatmapData, opt Options) (*Chart, error) {
	ny, nx := len(d.YLabels), len(d.XLabels)
	if nx == 0 || ny == 0 {
		return nil, fmt.Errorf("heatmap: %w", ErrNoData)
	}
	if len(d.Z) != ny {
		return nil, fmt.Errorf("heatmap: %d y labels but %d rows", ny, len(d.Z))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for j, row := range d.Z {
		if len(row) != nx {
			return nil, fmt.Errorf("heatmap: row %d has %d values, want %d", j, len(row), nx)
		}
		for _, v := range row {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi {
		return nil, fmt.Errorf("heatmap: %w (every cell is empty)", ErrNoData)
	}
	scale := newColourScale(lo, hi)
	p := newPlot(opt, d.XName, d.YName)
	metric := d.Metric
	if metric == "" {
		metric = "metric"
	}
	h := &cells{z: d.Z, colour: scale.colour, labels: nx <= 16 && ny <= 24,
		titles: func(i, j int) string {
			v := d.Z[j][i]
			vs := "no trial"
			if finite(v) {
				vs = fmtCell(v)
			}
			return fmt.Sprintf("%s=%s, %s=%s: %s %s", d.XName, d.XLabels[i], d.YName, d.YLabels[j], metric, vs)
		}}
	p.Add(h)
	p.X.Tick.Marker = nominal(d.XLabels)
	p.Y.Tick.Marker = nominal(d.YLabels)
	p.X.Min, p.X.Max = -0.5, float64(nx)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(ny)-0.5
	p.X.Padding, p.Y.Padding = 0, 0
	c := &Chart{p: p, opt: opt, sideWidth: 70}
	c.side = func(dc draw.Canvas) { scale.draw(dc, metric, p.TextHandler) }
	return c, nil
}

// nominal ticks label integer positions 0..n-1, thinned to at most 20 labels.
func nominal(labels []string) plot.ConstantTicks {
	step := max(1, (len(labels)+19)/20)
	var out plot.ConstantTicks
	for i, l := range labels {
		t := plot.Tick{Value: float64(i)}
		if i%step == 0 {
			t.Label = l
		}
		out = append(out, t)
	}
	return out
}

// colourScale maps a value to a colour.
type colourScale struct {
	lo, hi    float64
	diverging bool
}

func newColourScale(lo, hi float64) colourScale {
	s := colourScale{lo: lo, hi: hi, diverging: lo < 0 && hi > 0}
	if s.diverging {
		m := math.Max(-lo, hi)
		s.lo, s.hi = -m, m
	}
	if s.hi == s.lo {
		s.lo, s.hi = s.lo-1, s.hi+1
	}
	return s
}

var (
	cNeg  = color.NRGBA{R: 0xb2, G: 0x18, B: 0x2b, A: 0xff}
	cMid  = color.NRGBA{R: 0xf7, G: 0xf7, B: 0xf7, A: 0xff}
	cPos  = color.NRGBA{R: 0x21, G: 0x66, B: 0xac, A: 0xff}
	cLow  = color.NRGBA{R: 0xde, G: 0xeb, B: 0xf7, A: 0xff}
	cNone = color.NRGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
)

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	t = math.Max(0, math.Min(1, t))
	l := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return color.NRGBA{R: l(a.R, b.R), G: l(a.G, b.G), B: l(a.B, b.B), A: 0xff}
}

func (s colourScale) colour(v float64) color.Color {
	if !finite(v) {
		return cNone
	}
	t := (v - s.lo) / (s.hi - s.lo)
	if s.diverging {
		if t < 0.5 {
			return mix(cNeg, cMid, t*2)
		}
		return mix(cMid, cPos, (t-0.5)*2)
	}
	return mix(cLow, cPos, t)
}

// draw draws the colour bar in dc with its labels.
func (s colourScale) draw(dc draw.Canvas, metric string, h text.Handler) {
	sty := text.Style{Color: colText, Font: font.From(sans, 9), Handler: h}
	const steps = 64
	x0 := dc.Min.X + 10
	x1 := x0 + 12
	top, bottom := dc.Max.Y-30, dc.Min.Y+40
	if top <= bottom {
		return
	}
	group(dc, "colorbar", metric, "", func() {
		for i := range steps {
			ya := bottom + (top-bottom)*vg.Length(i)/steps
			yb := bottom + (top-bottom)*vg.Length(i+1)/steps
			v := s.lo + (s.hi-s.lo)*(float64(i)+0.5)/steps
			dc.FillPolygon(s.colour(v), []vg.Point{{X: x0, Y: ya}, {X: x1, Y: ya}, {X: x1, Y: yb}, {X: x0, Y: yb}})
		}
		for _, v := range []float64{s.lo, (s.lo + s.hi) / 2, s.hi} {
			y := bottom + (top-bottom)*vg.Length((v-s.lo)/(s.hi-s.lo))
			dc.FillText(sty, vg.Point{X: x1 + 3, Y: y - sty.Height("0")/3}, fmtCell(v))
		}
		dc.FillText(sty, vg.Point{X: x0, Y: top + 10}, metric)
		dc.FillText(sty, vg.Point{X: x0, Y: bottom - 20}, "grey: none")
	})
}

// fmtCell formats a heatmap value.
func fmtCell(v float64) string {
	if math.Abs(v) >= 100 {
		return fmtCompact(v)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// SharpeDistData is the distribution of the Sharpe ratios of a sweep's
// trials, with the deflated-Sharpe threshold: the Sharpe ratio the best of
// that many trials would reach by luck alone.
type SharpeDistData struct {
	Sharpes   []float64 // one per trial; NaN ignored
	Threshold float64   // DSR threshold in the same units; NaN: none
	Best      float64   // the selected trial's Sharpe; NaN: none
	Label     string    // x axis label, e.g. "annualised Sharpe ratio"
}

// sortedFinite returns the finite values of xs, sorted (a new slice).
func sortedFinite(xs []float64) []float64 {
	var v []float64
	for _, x := range xs {
		if finite(x) {
			v = append(v, x)
		}
	}
	slices.Sort(v)
	return v
}

// SharpeDist draws the histogram of trial Sharpe ratios with the threshold
// and the best trial marked.
func SharpeDist(d SharpeDistData, opt Options) (*Chart, error) {
	v := sortedFinite(d.Sharpes)
	if len(v) == 0 {
		return nil, fmt.Errorf("sharpe distribution: %w", ErrNoData)
	}
	lo, hi := v[0], v[len(v)-1]
	if finite(d.Threshold) {
		lo, hi = math.Min(lo, d.Threshold), math.Max(hi, d.Threshold)
	}
	nb := int(math.Ceil(math.Sqrt(float64(len(v)))))
	nb = max(8, min(nb, 60))
	if hi-lo < 1e-9 {
		lo, hi = lo-0.5, hi+0.5
	}
	w := (hi - lo) / float64(nb)
	b := &bars{col: color.NRGBA{R: 0x9e, G: 0xb9, B: 0xd9, A: 0xff}, edge: colStrategy}
	for i := 0; i <= nb; i++ {
		b.edges = append(b.edges, lo+w*float64(i))
	}
	b.counts = make([]float64, nb)
	for _, x := range v {
		i := min(int((x-lo)/w), nb-1)
		b.counts[max(i, 0)]++
	}
	label := d.Label
	if label == "" {
		label = "Sharpe ratio"
	}
	p := newPlot(opt, label, "trials")
	p.Y.Tick.Marker = linTicks{}
	p.X.Tick.Marker = linTicks{}
	p.Add(b)
	p.Legend.Add(fmt.Sprintf("%d trials", len(v)), b)
	if finite(d.Threshold) {
		l := &vline{class: "threshold", name: "DSR threshold " + strconv.FormatFloat(d.Threshold, 'f', 2, 64), x: d.Threshold,
			style: dashed(colSignal, 1.5)}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s: the best of %d trials by luck alone", l.name, len(v)), l)
	}
	if finite(d.Best) {
		l := &vline{class: "best", name: "best trial " + strconv.FormatFloat(d.Best, 'f', 2, 64), x: d.Best, style: solid(colStrategy, 1.5)}
		p.Add(l)
		p.Legend.Add(l.name, l)
	}
	pad := (hi - lo) * 0.04
	p.X.Min, p.X.Max = math.Min(p.X.Min, lo-pad), math.Max(p.X.Max, hi+pad)
	top := 0.0
	for _, n := range b.counts {
		top = math.Max(top, n)
	}
	p.Y.Max = top * 1.35 // head room for the legend
	p.Y.Min = 0
	return &Chart{p: p, opt: opt}, nil
}

// Compare overlays several equity curves, each normalised to 100 at its
// first value, on a log scale (linear if a value is not positive).
func Compare(curves []Series, opt Options) (*Chart, error) {
	if len(curves) == 0 {
		return nil, fmt.Errorf("comparison chart: %w", ErrNoData)
	}
	norm := make([]Series, len(curves))
	for i, c := range curves {
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("comparison chart: %w", err)
		}
		norm[i], _ = normalise(c, 0, 0)
	}
	logY := allPositive(norm...)
	yl := "growth of 100 (log scale)"
	if !logY {
		yl = "growth of 100"
	}
	p := newPlot(opt, "", yl)
	timeAxis(p)
	n := 0
	for i, s := range norm {
		l := newLineSeries(s.Name, xs(s.Times), s.Values, solid(seriesColor(i), 1.4), logY)
		n += l.points()
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	if n == 0 {
		return nil, fmt.Errorf("comparison chart: %w", ErrNoData)
	}
	if logY {
		setLogY(p)
		padLog(p)
	} else {
		p.Y.Tick.Marker = linTicks{}
	}
	return &Chart{p: p, opt: opt}, nil
}

// CompareDrawdown overlays the underwater curves of several equity curves.
func CompareDrawdown(curves []Series, opt Options) (*Chart, error) {
	p := newPlot(opt, "", "drawdown from the previous high")
	timeAxis(p)
	p.Y.Tick.Marker = linTicks{percent: true}
	p.Legend.Top = false
	p.Legend.YOffs = 4
	n := 0
	for i, c := range curves {
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("drawdown comparison: %w", err)
		}
		l := newLineSeries(c.Name, xs(c.Times), Underwater(c.Values), solid(seriesColor(i), 1.1), false)
		n += l.points()
		p.Add(l)
		p.Legend.Add(c.Name, l)
	}
	if n == 0 {
		return nil, fmt.Errorf("drawdown comparison: %w", ErrNoData)
	}
	p.Y.Min = math.Min(p.Y.Min, -0.01) * (1 + 0.08*float64(len(curves)))
	p.Y.Max = -0.02 * p.Y.Min
	p.Add(&hline{y: 0, style: solid(colBenchmark, 0.5)})
	return &Chart{p: p, opt: opt}, nil
}

// Day formats a unix second as a UTC date, for labels.
func Day(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02") }

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
