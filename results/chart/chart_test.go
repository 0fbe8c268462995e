package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// node is a parsed SVG element.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// walk visits n and its descendants.
func (n node) walk(f func(node)) {
	f(n)
	for _, c := range n.Children {
		c.walk(f)
	}
}

func (n node) find(pred func(node) bool) []node {
	var out []node
	n.walk(func(x node) {
		if pred(x) {
			out = append(out, x)
		}
	})
	return out
}

func hasClass(class string) func(node) bool {
	return func(n node) bool { return n.XMLName.Local == "g" && n.attr("class") == class }
}

// texts returns the content of every <text> element.
func (n node) texts() []string {
	var out []string
	n.walk(func(x node) {
		if x.XMLName.Local == "text" {
			out = append(out, strings.TrimSpace(x.Text))
		}
	})
	return out
}

func (n node) title() string {
	for _, c := range n.Children {
		if c.XMLName.Local == "title" {
			return c.Text
		}
	}
	return ""
}

// parseSVG renders c as SVG and parses it as XML.
func parseSVG(t *testing.T, c *Chart) node {
	t.Helper()
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	var root node
	if err := xml.Unmarshal(b.Bytes(), &root); err != nil {
		t.Fatalf("SVG is not well-formed XML: %v\n%s", err, b.String()[:min(b.Len(), 500)])
	}
	if root.XMLName.Local != "svg" || root.attr("viewBox") == "" {
		t.Fatalf("root element %q without a viewBox", root.XMLName.Local)
	}
	save(t, c)
	return root
}

var saved atomic.Int64

// save writes PNG and SVG copies to $RISKON_CHART_DIR when set, to look at.
func save(t *testing.T, c *Chart) {
	dir := os.Getenv("RISKON_CHART_DIR")
	if dir == "" {
		return
	}
	name := fmt.Sprintf("%s_%d", strings.ReplaceAll(t.Name(), "/", "_"), saved.Add(1))
	for _, f := range []Format{SVG, PNG} {
		var b bytes.Buffer
		if err := c.Write(&b, f); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"."+string(f)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func day(y int, m time.Month, d int) int64 { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() }

// walkSeries makes a deterministic zig-zag growing series of n daily points.
func walkSeries(name string, start int64, n int, p0, growth float64) Series {
	s := Series{Name: name}
	v := p0
	for i := range n {
		s.Times = append(s.Times, start+int64(i)*86400)
		s.Values = append(s.Values, v)
		v *= 1 + growth + 0.02*math.Sin(float64(i)/9)
	}
	return s
}

func TestOverlayStructure(t *testing.T) {
	start := day(2014, 1, 1)
	trig := walkSeries("RUT", day(2010, 1, 1), 5000, 600, 0.0003)
	btc := walkSeries("BTC", start, 3000, 800, 0.001)
	eth := walkSeries("ETH", start, 3000, 10, 0.0012)
	end := btc.Times[len(btc.Times)-1]
	sigs := []Signal{
		{Time: day(2012, 5, 1), Close: 700, Acted: true, Label: "before the window"},
		{Time: day(2015, 3, 2) + 21*3600, Close: math.NaN(), Acted: true, Label: "2015-03-02"},
		{Time: day(2016, 7, 8) + 21*3600, Close: 1200, Acted: false, Label: "2016-07-08 <in position>"},
		{Time: day(2019, 11, 20) + 21*3600, Close: 1500, Acted: true, Label: "2019-11-20"},
		{Time: end + 86400*10, Close: 1500, Acted: true, Label: "after the window"},
	}
	wins := []Window{{Start: day(2015, 3, 3), End: day(2016, 3, 3), Label: "BTC +50%"}, {Start: day(2019, 11, 21), End: day(2020, 11, 21), Label: "BTC"}}
	c, err := Overlay(OverlayData{Trigger: trig, Targets: []Series{btc, eth}, Start: start, End: end, Signals: sigs, Windows: wins},
		Options{Title: "RUT breakouts & BTC"})
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, c)
	signals := root.find(hasClass("signal"))
	if len(signals) != 3 {
		t.Fatalf("%d signal markers, want 3 (the signals inside the window)", len(signals))
	}
	for _, s := range signals {
		if len(s.find(func(n node) bool { return n.XMLName.Local == "path" })) == 0 {
			t.Errorf("signal %q draws no path", s.title())
		}
	}
	if got := signals[1].title(); got != "2016-07-08 <in position>" {
		t.Errorf("marker title %q: the label must survive escaping", got)
	}
	if h := root.find(hasClass("hold")); len(h) != 2 {
		t.Errorf("%d holding windows, want 2", len(h))
	}
	names := map[string]int{}
	for _, g := range root.find(hasClass("series")) {
		names[g.attr("data-name")] = len(g.find(func(n node) bool { return n.XMLName.Local == "path" }))
	}
	for _, want := range []string{"RUT", "BTC", "ETH"} {
		if names[want] == 0 {
			t.Errorf("series %s missing or empty (series: %v)", want, names)
		}
	}
	txt := strings.Join(root.texts(), "|")
	for _, want := range []string{"RUT breakouts & BTC", "normalised to 100", "2016", "2020", "RUT (trigger)", "holding window", "breakout, acted on (2)", "not acted on (1)"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text %q missing from the SVG: %s", want, txt)
		}
	}
}

func TestEquityAndDrawdown(t *testing.T) {
	s := walkSeries("strategy", day(2015, 1, 1), 1500, 100000, 0.0008)
	b := walkSeries("buy & hold", day(2015, 1, 1), 1500, 100000, 0.001)
	c, err := Equity(s, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, c)
	txt := strings.Join(root.texts(), "|")
	for _, want := range []string{"equity (log scale)", "2016", "strategy", "buy & hold", "100k"} {
		if !strings.Contains(txt, want) {
			t.Errorf("equity chart lacks %q: %s", want, txt)
		}
	}
	if n := len(root.find(hasClass("series"))); n != 2 {
		t.Errorf("%d series, want 2", n)
	}
	var pb bytes.Buffer
	if err := c.WritePNG(&pb); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&pb)
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != 720*144/72 {
		t.Errorf("PNG width %d, want %d (720pt at 144 dpi)", w, 720*144/72)
	}

	d, err := Drawdown(s, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root = parseSVG(t, d)
	if len(root.find(hasClass("area"))) != 1 {
		t.Error("drawdown area missing")
	}
	if !strings.Contains(strings.Join(root.texts(), "|"), "%") {
		t.Error("drawdown axis is not in percent")
	}
}

func TestUnderwater(t *testing.T) {
	got := Underwater([]float64{100, 110, 99, math.NaN(), 121, 60.5})
	want := []float64{0, 0, -0.1, math.NaN(), 0, -0.5}
	for i := range want {
		if math.IsNaN(want[i]) != math.IsNaN(got[i]) || (!math.IsNaN(want[i]) && math.Abs(got[i]-want[i]) > 1e-12) {
			t.Errorf("underwater[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestDegenerateInputs: odd data gives an error or a chart, never a panic.
func TestDegenerateInputs(t *testing.T) {
	flat := Series{Name: "flat", Times: []int64{day(2020, 1, 1), day(2020, 1, 2), day(2020, 1, 3)}, Values: []float64{1e5, 1e5, 1e5}}
	one := Series{Name: "one", Times: []int64{day(2020, 1, 1)}, Values: []float64{1e5}}
	nan := Series{Name: "nan", Times: []int64{day(2020, 1, 1), day(2020, 1, 2)}, Values: []float64{math.NaN(), math.Inf(1)}}
	neg := Series{Name: "neg", Times: []int64{day(2020, 1, 1), day(2020, 6, 2)}, Values: []float64{100, -5}}
	bad := Series{Name: "bad", Times: []int64{1, 2}, Values: []float64{1}}

	ok := func(name string, c *Chart, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		for _, f := range []Format{SVG, PNG} {
			if err := c.Write(io.Discard, f); err != nil {
				t.Errorf("%s %s: %v", name, f, err)
			}
		}
	}
	noData := func(name string, _ *Chart, err error) {
		t.Helper()
		if !errors.Is(err, ErrNoData) {
			t.Errorf("%s: err %v, want ErrNoData", name, err)
		}
	}
	c, err := Equity(flat, Series{}, Options{})
	ok("flat equity", c, err)
	c, err = Equity(one, one, Options{})
	ok("one point", c, err)
	c, err = Equity(neg, Series{}, Options{})
	ok("negative equity (linear axis)", c, err)
	c, err = Drawdown(flat, Series{}, Options{})
	ok("flat drawdown", c, err)
	c, err = Equity(nan, Series{}, Options{})
	noData("all NaN", c, err)
	c, err = Equity(Series{}, Series{}, Options{})
	noData("empty", c, err)
	if _, err := Equity(bad, Series{}, Options{}); err == nil || errors.Is(err, ErrNoData) {
		t.Errorf("mismatched lengths: %v", err)
	}
	c, err = Overlay(OverlayData{Trigger: flat, Signals: []Signal{{Time: day(2020, 1, 2), Close: -1}}}, Options{})
	ok("overlay flat, bad signal close", c, err)
	c, err = Overlay(OverlayData{Trigger: nan}, Options{})
	noData("overlay NaN", c, err)
	c, err = Compare([]Series{flat, one}, Options{})
	ok("compare", c, err)
	c, err = Compare(nil, Options{})
	noData("compare nothing", c, err)
	c, err = Study(SummarizePaths([]float64{0, 1, 2}, [][]float64{{0, 0.1, 0.2}}, 0.95), Options{})
	ok("study with one path", c, err)
	c, err = Study(StudyData{Days: []float64{0, 1}}, Options{})
	noData("study without paths", c, err)
	if _, err := Study(StudyData{Days: []float64{0, 1}, Mean: []float64{0}}, Options{}); err == nil {
		t.Error("study with a short mean: no error")
	}
	c, err = SharpeDist(SharpeDistData{Sharpes: []float64{0.5}, Threshold: math.NaN(), Best: math.NaN()}, Options{})
	ok("one trial", c, err)
	c, err = SharpeDist(SharpeDistData{Sharpes: []float64{math.NaN()}}, Options{})
	noData("no finite trial", c, err)
	c, err = Heatmap(HeatmapData{XLabels: []string{"a"}, YLabels: []string{"b"}, Z: [][]float64{{math.NaN()}}}, Options{})
	noData("heatmap of NaN", c, err)
	c, err = Heatmap(HeatmapData{XLabels: []string{"a"}, YLabels: []string{"b"}, Z: [][]float64{{2}}}, Options{})
	ok("one cell", c, err)
	if _, err := Heatmap(HeatmapData{XLabels: []string{"a", "b"}, YLabels: []string{"c"}, Z: [][]float64{{1}}}, Options{}); err == nil {
		t.Error("ragged heatmap: no error")
	}
	if err := c.Write(io.Discard, "gif"); err == nil {
		t.Error("unknown format: no error")
	}
	if err := (&Chart{p: c.p, opt: Options{DPI: 100000}}).WritePNG(io.Discard); err == nil {
		t.Error("absurd dpi: no error")
	}
}

func TestStudy(t *testing.T) {
	days := []float64{0, 1, 2, 3}
	paths := [][]float64{{0, 0.1, 0.2, 0.3}, {0, -0.1, 0, math.NaN()}, {0, 0.3, 0.1, 0.5}}
	d := SummarizePaths(days, paths, 0.95)
	if math.Abs(d.Mean[1]-0.1) > 1e-12 || math.Abs(d.Mean[3]-0.4) > 1e-12 {
		t.Errorf("means %v", d.Mean)
	}
	// Day 3 has two paths (0.3, 0.5): sd 0.1414, se 0.1, t(1) 12.706.
	if math.Abs(d.Hi[3]-(0.4+12.7062047*0.1)) > 1e-4 {
		t.Errorf("upper bound at day 3 = %v, want %v", d.Hi[3], 0.4+12.7062047*0.1)
	}
	if !math.IsNaN(d.Lo[0]) && d.Lo[0] != 0 {
		t.Errorf("day 0 has no spread, interval %v", d.Lo[0])
	}
	d.Label = "BTC forward return"
	d.Baseline = []float64{0, 0.01, 0.02, 0.03}
	c, err := Study(d, Options{Title: "event study"})
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, c)
	if n := len(root.find(hasClass("path"))); n != 3 {
		t.Errorf("%d faint paths, want 3", n)
	}
	if len(root.find(hasClass("band"))) != 1 {
		t.Error("no interval band")
	}
	txt := strings.Join(root.texts(), "|")
	for _, want := range []string{"days after the signal", "BTC forward return", "each signal (3)", "95% interval of the mean", "mean from any day"} {
		if !strings.Contains(txt, want) {
			t.Errorf("study chart lacks %q: %s", want, txt)
		}
	}
}

// TestStudyLogScale: paths spreading over more than a factor of four are
// drawn as 1 + return on a log axis labelled in returns.
func TestStudyLogScale(t *testing.T) {
	days := []float64{0, 1, 2}
	d := SummarizePaths(days, [][]float64{{0, 1, 9}, {0, -0.2, -0.5}, {0, 0.5, 3}}, 0.95)
	c, err := Study(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, c)
	txt := strings.Join(root.texts(), "|")
	for _, want := range []string{"(log scale)", "+100%", "0%", "-50%"} {
		if !strings.Contains(txt, want) {
			t.Errorf("log study lacks %q: %s", want, txt)
		}
	}
	// The band's lower edge (below -100% here) is cut, not dropped.
	if len(root.find(hasClass("band"))) != 1 {
		t.Error("band missing")
	}
}

func TestHeatmapAndSharpeDist(t *testing.T) {
	xl := []string{"5", "10", "20", "50", "100"}
	yl := []string{"1", "7", "30"}
	z := make([][]float64, len(yl))
	for j := range z {
		for i := range xl {
			z[j] = append(z[j], float64(i-j)/3)
		}
	}
	z[1][2] = math.NaN()
	c, err := Heatmap(HeatmapData{XName: "trigger.lookback", YName: "trade.hold_days", XLabels: xl, YLabels: yl, Z: z, Metric: "sharpe"}, Options{Title: "sweep"})
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, c)
	cellsG := root.find(hasClass("cell"))
	if len(cellsG) != 15 {
		t.Fatalf("%d cells, want 15", len(cellsG))
	}
	if got := cellsG[1*5+2].title(); got != "trigger.lookback=20, trade.hold_days=7: sharpe no trial" {
		t.Errorf("cell title %q", got)
	}
	txt := strings.Join(root.texts(), "|")
	for _, want := range []string{"trigger.lookback", "trade.hold_days", "100", "sharpe", "1.33"} {
		if !strings.Contains(txt, want) {
			t.Errorf("heatmap lacks %q: %s", want, txt)
		}
	}
	if len(root.find(hasClass("colorbar"))) != 1 {
		t.Error("no colour bar")
	}

	var sh []float64
	for i := range 500 {
		sh = append(sh, math.Sin(float64(i)*1.7)*0.6)
	}
	c, err = SharpeDist(SharpeDistData{Sharpes: sh, Threshold: 0.92, Best: 0.6, Label: "annualised Sharpe ratio"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root = parseSVG(t, c)
	th := root.find(hasClass("threshold"))
	if len(th) != 1 || th[0].attr("data-name") != "DSR threshold 0.92" {
		t.Errorf("threshold line: %v", th)
	}
	if len(root.find(hasClass("best"))) != 1 || len(root.find(hasClass("bars"))) != 1 {
		t.Error("best trial or histogram missing")
	}
	if !strings.Contains(strings.Join(root.texts(), "|"), "500 trials") {
		t.Error("trial count missing from the legend")
	}
}

func TestCompare(t *testing.T) {
	a := walkSeries("run A", day(2015, 1, 1), 800, 100000, 0.001)
	b := walkSeries("run B", day(2016, 1, 1), 600, 50000, 0.0005)
	c, err := Compare([]Series{a, b}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, c)
	var names []string
	for _, g := range root.find(hasClass("series")) {
		names = append(names, g.attr("data-name"))
	}
	if strings.Join(names, ",") != "run A,run B" {
		t.Errorf("series %v", names)
	}
	if !strings.Contains(strings.Join(root.texts(), "|"), "growth of 100") {
		t.Error("axis label missing")
	}
}

func TestDateTicks(t *testing.T) {
	cases := []struct {
		from, to int64
		want     []string
	}{
		{day(2014, 3, 1), day(2026, 1, 1), []string{"2016", "2018", "2024"}},
		{day(2019, 5, 1), day(2023, 6, 1), []string{"2020", "2021", "2023"}},
		{day(2020, 2, 1), day(2020, 11, 1), []string{"Apr 2020", "Jul 2020", "Oct 2020"}},
		{day(2020, 2, 1), day(2020, 2, 10), []string{"2020-02-01", "2020-02-05"}},
	}
	for _, c := range cases {
		var labels []string
		for _, tk := range (dateTicks{}).Ticks(float64(c.from), float64(c.to)) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
			if tk.Value < float64(c.from) || tk.Value > float64(c.to) {
				t.Errorf("tick %v outside [%d, %d]", tk.Value, c.from, c.to)
			}
		}
		got := strings.Join(labels, ",")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s..%s: labels %s lack %s", Day(c.from), Day(c.to), got, w)
			}
		}
	}
	if len((dateTicks{}).Ticks(5, 5)) != 0 || len((logTicks{}).Ticks(-1, 10)) != 0 || len((logTicks{}).Ticks(0, 0)) != 0 {
		t.Error("degenerate ranges should give no ticks")
	}
	var labels []string
	for _, tk := range (logTicks{}).Ticks(80, 2.5e6) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, ","); got != "100,1000,10k,100k,1M" {
		t.Errorf("log labels %s", got)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"a/b.SVG": SVG, "x.png": PNG, "svg": SVG} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("x.pdf"); err == nil {
		t.Error("pdf accepted")
	}
}
