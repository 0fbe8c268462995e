package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/store"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
	"github.com/riskon/riskon/results/html"
	"github.com/riskon/riskon/strategy/config"
)

// realDataDB imports RUT and BTC from the shared real data (never copied)
// into a fresh database, or skips the test when the data is absent.
func realDataDB(t *testing.T) string {
	t.Helper()
	raw := filepath.Join("..", "..", "..", "shared", "data", "raw")
	if _, err := os.Stat(filepath.Join(raw, "MANIFEST.md")); err != nil {
		t.Skipf("real data not found at %s (a checkout with ../shared beside the repository has it): %v", raw, err)
	}
	path := filepath.Join(t.TempDir(), "riskon.duckdb")
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	catalog := filepath.Join("..", "..", "configs", "data", "shared.yaml")
	if _, err := st.ImportCatalog(ctx, catalog, store.CatalogOptions{Root: raw, Only: []string{"RUT", "BTC"}}); err != nil {
		st.Close()
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// cmdRun runs one of the report commands on a fresh app and returns stdout.
func cmdRun(t *testing.T, db string, mk func(*app) func() error) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	a := newApp(&out, &errb)
	a.dbFlag = db
	err := mk(a)()
	return out.String(), err
}

func reportArgs(args ...string) func(*app) func() error {
	return func(a *app) func() error {
		c := a.reportCmd()
		c.SetArgs(args)
		c.SetOut(a.stdout)
		c.SetErr(a.stderr)
		return func() error { return c.ExecuteContext(context.Background()) }
	}
}

func plotArgs(args ...string) func(*app) func() error {
	return func(a *app) func() error {
		c := a.plotCmd()
		c.SetArgs(args)
		c.SetOut(a.stdout)
		c.SetErr(a.stderr)
		return func() error { return c.ExecuteContext(context.Background()) }
	}
}

// svgNode is a parsed SVG element.
type svgNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []svgNode  `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n svgNode) attr(k string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == k {
			return a.Value
		}
	}
	return ""
}

func (n svgNode) walk(f func(svgNode)) {
	f(n)
	for _, c := range n.Children {
		c.walk(f)
	}
}

// svgFacts parses an SVG document: the number of <g> groups of each class,
// the points of each named series, and the texts.
func svgFacts(t *testing.T, doc []byte) (classes map[string]int, series map[string]int, texts string) {
	t.Helper()
	var root svgNode
	if err := xml.Unmarshal(doc, &root); err != nil {
		t.Fatalf("SVG does not parse as XML: %v", err)
	}
	classes, series = map[string]int{}, map[string]int{}
	var txt []string
	root.walk(func(n svgNode) {
		switch n.XMLName.Local {
		case "g":
			classes[n.attr("class")]++
			if n.attr("class") == "series" {
				n.walk(func(p svgNode) {
					if p.XMLName.Local == "path" {
						series[n.attr("data-name")] += strings.Count(p.attr("d"), "L") + 1
					}
				})
			}
		case "text":
			txt = append(txt, strings.TrimSpace(n.Text))
		}
	})
	return classes, series, strings.Join(txt, "|")
}

// TestReportRealData is the acceptance test of the reports: runs on real
// Russell 2000 and Bitcoin data, their reports opened in headless Chromium,
// the charts checked structurally.
func TestReportRealData(t *testing.T) {
	db := realDataDB(t)
	ctx := context.Background()
	var sink bytes.Buffer
	a := newApp(&sink, &sink)
	a.dbFlag = db
	cfg, err := loadEmbedded("r2k_breakout_btc.yaml")
	if err != nil {
		t.Fatal(err)
	}
	full, _, err := a.runConfig(ctx, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	none := cfg
	none.Name = "no-breakout"
	none.Trigger.Margin = 10 // a close 1000% above the level: never
	zero, _, err := a.runConfig(ctx, none, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	one := cfg
	one.Name = "one-trade"
	one.Data.Start, one.Data.End = "2016-06-01", "2016-12-31"
	single, _, err := a.runConfig(ctx, one, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if full.Evidence.Trades < 2 || full.Evidence.Signals < 10 || zero.Evidence.Trades != 0 || single.Evidence.Trades != 1 {
		t.Fatalf("fixture runs: full %d trades/%d signals, zero %d trades, single %d trades",
			full.Evidence.Trades, full.Evidence.Signals, zero.Evidence.Trades, single.Evidence.Trades)
	}
	dir := t.TempDir()
	runSections := []string{"header", "evidence", "metrics", "equity", "drawdown", "rolling", "overlay", "trigger", "trade-returns", "study", "returns", "drawdowns", "trades", "signals"}

	t.Run("run report in Chromium", func(t *testing.T) {
		path := filepath.Join(dir, "full.html")
		out, err := cmdRun(t, db, reportArgs(full.RunID[:len(full.RunID)-1], "--out", path))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(out) != "wrote "+path {
			t.Errorf("stdout %q", out)
		}
		v := checkPage(t, path, runSections)
		if len(v.Layout.Missing) > 0 {
			t.Errorf("a real run's report lacks charts: %v", v.Layout.Missing)
		}
		charts := map[string]int{}
		for _, c := range v.Layout.Charts {
			charts[c.Section]++
			if (c.Section == "overlay" || c.Section == "trigger") && c.Signals != full.Evidence.Signals {
				t.Errorf("overlay shows %d breakouts, the evidence counts %d", c.Signals, full.Evidence.Signals)
			}
		}
		for _, s := range []string{"equity", "drawdown", "rolling", "overlay", "trigger", "trade-returns", "study"} {
			if charts[s] != 1 {
				t.Errorf("section %s has %d charts, want 1", s, charts[s])
			}
		}
		if full.Evidence.TooFew != v.Layout.TooFew {
			t.Errorf("too-few warning visible %v, evidence.too_few %v", v.Layout.TooFew, full.Evidence.TooFew)
		}
		if v.Layout.Synthetic {
			t.Error("a real-data run shows the SYNTHETIC banner")
		}
		if !strings.Contains(v.Layout.Evidence, full.Evidence.Verdict) {
			t.Errorf("evidence card lacks the verdict %q", full.Evidence.Verdict)
		}
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{full.ConfigHash, full.DataFingerprint, full.RunID, `<details id="config">`, `lookback&#34;: 252`} {
			if !bytes.Contains(doc, []byte(s)) {
				t.Errorf("report lacks %q", s)
			}
		}
		if bytes.Contains(doc, []byte("No price chart")) {
			t.Error("the run's prices were not found in the database it ran on")
		}
	})

	t.Run("zero and single trade", func(t *testing.T) {
		for _, c := range []struct {
			rep  *results.Report
			says string
		}{{zero, "This run made no trades"}, {single, "This run made a single trade"}} {
			path := filepath.Join(dir, c.rep.Name+".html")
			if _, err := cmdRun(t, db, reportArgs(c.rep.RunID, "--out", path)); err != nil {
				t.Fatal(err)
			}
			v := checkPage(t, path, runSections)
			if !strings.Contains(v.Layout.Evidence, c.says) {
				t.Errorf("%s: evidence card does not say %q:\n%s", c.rep.Name, c.says, v.Layout.Evidence)
			}
			if !v.Layout.TooFew || !strings.Contains(v.Layout.Evidence, "TOO FEW SAMPLES") {
				t.Errorf("%s: no visible too-few warning", c.rep.Name)
			}
			// Equity, drawdown and the breakout chart always draw; the study
			// needs a signal in the window.
			if len(v.Layout.Charts) < 3 {
				t.Errorf("%s: %d charts", c.rep.Name, len(v.Layout.Charts))
			}
		}
	})

	t.Run("comparison in Chromium", func(t *testing.T) {
		path := filepath.Join(dir, "compare.html")
		if _, err := cmdRun(t, db, reportArgs(full.RunID, zero.RunID, single.RunID, "--out", path)); err != nil {
			t.Fatal(err)
		}
		v := checkPage(t, path, []string{"header", "runs", "config-diff", "metrics", "evidence", "compare-equity", "compare-drawdown"})
		if len(v.Layout.Charts) != 2 {
			t.Errorf("%d charts, want 2", len(v.Layout.Charts))
		}
		doc, _ := os.ReadFile(path)
		if !bytes.Contains(doc, []byte("<td>trigger.margin</td>")) || !bytes.Contains(doc, []byte("<td>data.start</td>")) {
			t.Error("config differences (trigger.margin, data.start) not listed")
		}
	})

	t.Run("default file name and stdout", func(t *testing.T) {
		wd, _ := os.Getwd()
		tmp := t.TempDir()
		if err := os.Chdir(tmp); err != nil {
			t.Fatal(err)
		}
		defer os.Chdir(wd)
		out, err := cmdRun(t, db, reportArgs(full.RunID))
		if err != nil {
			t.Fatal(err)
		}
		// The default file goes into the output folder ./out, never the
		// working directory itself.
		if want := filepath.Join("out", "report-"+full.RunID+".html"); strings.TrimSpace(out) != "wrote "+want {
			t.Errorf("stdout %q, want wrote %s", out, want)
		}
		if _, err := os.Stat(filepath.Join(tmp, "out", "report-"+full.RunID+".html")); err != nil {
			t.Error(err)
		}
		out, err = cmdRun(t, db, reportArgs(single.RunID, "--out", "-"))
		if err != nil || !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, "</html>") {
			t.Errorf("--out -: err %v, %d bytes", err, len(out))
		}
		if _, err := cmdRun(t, db, reportArgs("nope")); err == nil || !strings.Contains(err.Error(), `no run "nope"`) {
			t.Errorf("unknown run: %v", err)
		}
		entries, _ := os.ReadDir(tmp)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Errorf("temporary file left behind: %s", e.Name())
			}
		}
	})

	t.Run("writeRunReport", func(t *testing.T) {
		path := filepath.Join(dir, "quickstart.html")
		if err := a.writeRunReport(ctx, full.RunID, path); err != nil {
			t.Fatal(err)
		}
		doc, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(doc, []byte(full.RunID)) || bytes.Count(doc, []byte("<svg ")) != 7 {
			t.Errorf("quickstart report: %v, %d charts", err, bytes.Count(doc, []byte("<svg ")))
		}
		if err := a.writeRunReport(ctx, "nope", filepath.Join(dir, "x.html")); err == nil {
			t.Error("unknown run: no error")
		}
	})

	t.Run("plot", func(t *testing.T) {
		for _, kind := range []string{"equity", "drawdown", "overlay", "study"} {
			svgPath := filepath.Join(dir, kind+".svg")
			if _, err := cmdRun(t, db, plotArgs(full.RunID, "--kind", kind, "--out", svgPath)); err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			doc, err := os.ReadFile(svgPath)
			if err != nil {
				t.Fatal(err)
			}
			classes, series, texts := svgFacts(t, doc)
			if !strings.Contains(texts, full.Name) {
				t.Errorf("%s: title %q missing", kind, full.Name)
			}
			switch kind {
			case "equity":
				if series[full.Name] < 1000 || series["buy & hold BTC"] < 1000 || !strings.Contains(texts, "equity (log scale)") || !strings.Contains(texts, "2020") {
					t.Errorf("equity: series %v, texts %s", series, texts)
				}
			case "drawdown":
				if classes["area"] != 1 || !strings.Contains(texts, "drawdown from the previous high") || !strings.Contains(texts, "%") {
					t.Errorf("drawdown: classes %v, texts %s", classes, texts)
				}
			case "overlay":
				if classes["signal"] != full.Evidence.Signals {
					t.Errorf("overlay: %d signal markers, want the %d signals of the evidence", classes["signal"], full.Evidence.Signals)
				}
				if classes["hold"] < 1 || classes["hold"] > full.Evidence.Trades {
					t.Errorf("overlay: %d holding windows for %d trades", classes["hold"], full.Evidence.Trades)
				}
				if series["RUT"] < 1000 || series["BTC"] < 1000 || !strings.Contains(texts, "normalised to 100") || !strings.Contains(texts, "RUT (trigger)") {
					t.Errorf("overlay: series %v, texts %s", series, texts)
				}
			case "study":
				if classes["path"] < 10 || classes["band"] != 1 || series["mean"] < 300 || !strings.Contains(texts, "days after the signal") {
					t.Errorf("study: classes %v, series %v", classes, series)
				}
			}
			pngPath := filepath.Join(dir, kind+".png")
			if _, err := cmdRun(t, db, plotArgs(full.RunID, "--kind", kind, "--out", pngPath, "--width", "360", "--height", "200", "--dpi", "72")); err != nil {
				t.Fatalf("%s png: %v", kind, err)
			}
			f, err := os.Open(pngPath)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil || img.Bounds().Dx() != 360 || img.Bounds().Dy() != 200 {
				t.Errorf("%s png: %v", kind, err)
			}
		}
		if _, err := cmdRun(t, db, plotArgs(full.RunID, single.RunID, "--kind", "equity", "--out", filepath.Join(dir, "cmp.svg"))); err != nil {
			t.Error(err)
		}
		bad := []struct {
			args []string
			want string
		}{
			{[]string{full.RunID, "--kind", "pie", "--out", "x.png"}, `--kind "pie"`},
			{[]string{full.RunID, "--out", "x.pdf"}, "want a .png or .svg file"},
			{[]string{full.RunID, "--kind", "equity"}, "--out FILE.png|.svg is required"},
			{[]string{full.RunID, "--kind", "heatmap", "--out", "x.png"}, "needs a sweep"},
			{[]string{full.RunID, single.RunID, "--kind", "overlay", "--out", "x.png"}, "draws one run"},
			{[]string{full.RunID, "--width", "-3", "--out", "x.png"}, "--width"},
			{[]string{zero.RunID, "--kind", "study", "--out", filepath.Join(dir, "s.png")}, "no event study"},
		}
		for _, b := range bad {
			if _, err := cmdRun(t, db, plotArgs(b.args...)); err == nil || !strings.Contains(err.Error(), b.want) {
				t.Errorf("plot %v: err %v, want %q", b.args, err, b.want)
			}
		}
	})

	t.Run("synthetic run without its prices", func(t *testing.T) {
		o := data.DefaultSynthetic(7)
		o.Symbols = o.Symbols[:2]
		ds, err := data.Synthetic(o)
		if err != nil {
			t.Fatal(err)
		}
		rep, _, err := a.runConfig(ctx, cfg, ds, nil)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "synthetic.html")
		if err := a.writeRunReport(ctx, rep.RunID, path); err != nil {
			t.Fatal(err)
		}
		doc, _ := os.ReadFile(path)
		for _, s := range []string{`id="synthetic"`, "generated (synthetic) prices, not the database", "Chart not available: price series not available"} {
			if !bytes.Contains(doc, []byte(s)) {
				t.Errorf("synthetic report lacks %q", s)
			}
		}
		// equity, drawdown, rolling Sharpe from the stored equity curve and
		// the trade-return histogram from the stored trades.
		if n := bytes.Count(doc, []byte("<svg ")); n != 4 {
			t.Errorf("%d charts, want the 4 drawn from the stored run", n)
		}
		// quickstart's demo hands over its generated data: every chart draws.
		path = filepath.Join(dir, "synthetic-with-data.html")
		if err := a.writeRunReportWith(ctx, rep.RunID, path, ds); err != nil {
			t.Fatal(err)
		}
		doc, _ = os.ReadFile(path)
		if n := bytes.Count(doc, []byte("<svg ")); n != 7 || bytes.Contains(doc, []byte("No price chart")) || !bytes.Contains(doc, []byte(`id="synthetic"`)) {
			t.Errorf("synthetic report with its data: %d charts", n)
		}
		// Another data set is refused, not drawn under the run's signals.
		o.Seed = 8
		other, _ := data.Synthetic(o)
		if err := a.writeRunReportWith(ctx, rep.RunID, path, other); err != nil {
			t.Fatal(err)
		}
		doc, _ = os.ReadFile(path)
		if !bytes.Contains(doc, []byte("No price chart")) {
			t.Error("prices of another data set were drawn")
		}
	})
}

// TestEventStudyPaths checks the interim event study on a hand-made series:
// a target that doubles in price over ten days after the signal.
func TestEventStudyPaths(t *testing.T) {
	cal := data.Crypto24x7()
	var bars []data.Bar
	d0 := data.DateOf(2020, 1, 1)
	for i := range 40 {
		p := 100.0
		if i >= 10 {
			p = 100 + 10*float64(min(i-10, 10)) // rises from day 10 to day 20, then flat at 200
		}
		bars = append(bars, data.Bar{Date: d0 + data.Date(i), Open: p, High: p, Low: p, Close: p})
	}
	btc, err := data.NewSeries("BTC", cal, bars)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := data.NewDataset(btc)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Trade.HoldDays = 10
	sig := (d0 + 9).Unix() + 21*3600 // day 9, 21:00: the next open is day 10's
	rep := &results.Report{
		Window:  results.Window{Start: results.RFC3339(d0.Unix()), End: results.RFC3339((d0 + 39).Unix())},
		Signals: []results.SignalRow{{Time: results.RFC3339(sig), Symbol: "RUT", Acted: true}, {Time: results.RFC3339((d0 + 45).Unix())}},
	}
	var sink bytes.Buffer
	st, err := newApp(&sink, &sink).loadStudy(context.Background(), rep, cfg, ds)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Paths) != 1 || len(st.Days) != 11 {
		t.Fatalf("%d paths over %d days, want 1 over 11 (the second signal is outside the window)", len(st.Paths), len(st.Days))
	}
	// Day 10 opens at 100 and closes at 100; day 10+k closes at 100+10k.
	for k, want := range []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1} {
		if math.Abs(st.Paths[0][k]-want) > 1e-12 || math.Abs(st.Mean[k]-want) > 1e-12 {
			t.Errorf("day %d: path %v mean %v, want %v", k, st.Paths[0][k], st.Mean[k], want)
		}
	}
	if !math.IsNaN(st.Lo[5]) {
		t.Error("an interval from one signal")
	}
	// The baseline from day 35 runs past the data: NaN there, so the last
	// days average fewer starts but stay finite.
	if math.IsNaN(st.Baseline[10]) || st.Baseline[0] != 0 {
		t.Errorf("baseline %v", st.Baseline)
	}
	if _, err := newApp(&sink, &sink).loadStudy(context.Background(), &results.Report{Window: rep.Window}, cfg, ds); err == nil {
		t.Error("no signals: no error")
	}
}

// TestSweepReportInBrowser renders a sweep report from constructed data (the
// sweep store is not wired yet) in headless Chromium.
func TestSweepReportInBrowser(t *testing.T) {
	chromiumPath(t)
	var sh []float64
	for i := range 200 {
		sh = append(sh, 0.9*math.Sin(float64(i)*0.7)+0.1)
	}
	xl, yl := []string{"20", "50", "100", "150", "200", "250"}, []string{"7", "30", "90", "365"}
	z := make([][]float64, len(yl))
	for j := range z {
		for i := range xl {
			z[j] = append(z[j], math.Sin(float64(i+3*j))*0.8)
		}
	}
	page := html.SweepPage{ID: "sw-20260101", Name: "r2k-grid", Trials: len(sh), Sharpes: sh, SharpeUnit: "annualised Sharpe ratio",
		DSRThreshold: 1.2, DSR: 0.3, PBO: 0.55, RankBy: "sharpe", Version: version,
		Heatmap: &chart.HeatmapData{XName: "trigger.lookback", YName: "trade.hold_days", XLabels: xl, YLabels: yl, Z: z, Metric: "sharpe"},
		Config:  json.RawMessage(`{"grid":[{"key":"trigger.lookback"},{"key":"trade.hold_days"}]}`),
		Top: []html.Trial{{Params: []html.Param{{Key: "trigger.lookback", Value: "100"}, {Key: "trade.hold_days", Value: "90"}},
			Metrics: results.Metrics{Sharpe: 1, TotalReturn: 2}, Evidence: results.Evidence{Trades: 5, Episodes: 5, TooFew: true}}}}
	path := filepath.Join(t.TempDir(), "sweep.html")
	if err := writeFileAtomic(path, func(w io.Writer) error { return html.WriteSweep(w, page) }); err != nil {
		t.Fatal(err)
	}
	v := checkPage(t, path, []string{"header", "summary", "heatmap", "sharpes", "top"})
	if len(v.Layout.Charts) != 2 {
		t.Errorf("%d charts, want 2", len(v.Layout.Charts))
	}
	doc, _ := os.ReadFile(path)
	if n := len(regexp.MustCompile(`<g class="cell">`).FindAll(doc, -1)); n != len(xl)*len(yl) {
		t.Errorf("%d heatmap cells, want %d", n, len(xl)*len(yl))
	}
	if !bytes.Contains(doc, []byte(`data-name="DSR threshold 1.20"`)) {
		t.Error("deflated-Sharpe threshold not marked")
	}
}
