package html

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
)

const dayS = 86400

func ts(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

// fakeRun builds a report with n trades over 2015-2019, its prices and the
// benchmark curve. The report's numbers are made up but consistent enough
// for rendering.
func fakeRun(n int) (*results.Report, chart.Series, chart.Series, chart.Series) {
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	const days = 1500
	btc := chart.Series{Name: "BTC"}
	rut := chart.Series{Name: "RUT"}
	bench := chart.Series{Name: "buy & hold"}
	rep := &results.Report{
		RunID: "20260101-000000-abcdef", Name: "r2k <breakout> & btc", Version: "0.1.0", CreatedAt: "2026-01-01T00:00:00Z",
		ConfigHash: "c0ffee" + strings.Repeat("0", 58), DataFingerprint: "fa11" + strings.Repeat("1", 60),
		Config: json.RawMessage(`{"name":"r2k <breakout> & btc","trigger":{"symbol":"RUT","lookback":252},"trade":{"targets":["BTC"],"hold_days":90}}`),
		Window: results.Window{Start: ts(start), End: ts(start + (days-1)*dayS)},
	}
	p, r := 300.0, 1100.0
	for i := range days {
		t := start + int64(i)*dayS
		p *= 1 + 0.002 + 0.03*math.Sin(float64(i)/17)
		r *= 1 + 0.0003 + 0.01*math.Sin(float64(i)/11)
		btc.Times, btc.Values = append(btc.Times, t), append(btc.Values, p)
		rut.Times, rut.Values = append(rut.Times, t+21*3600), append(rut.Values, r)
		bench.Times, bench.Values = append(bench.Times, t), append(bench.Values, 1e5*p/300)
		rep.Equity = append(rep.Equity, results.EquityRow{Date: time.Unix(t, 0).UTC().Format("2006-01-02"), Equity: results.Value(1e5 * (1 + 0.0004*float64(i))), Invested: 1})
	}
	for k := range n {
		i := 100 + k*100
		sig := start + int64(i)*dayS + 21*3600
		rep.Signals = append(rep.Signals, results.SignalRow{Time: ts(sig), Symbol: "RUT", Level: results.Value(rut.Values[i] * 0.99), Close: results.Value(rut.Values[i]), Acted: true})
		rep.Trades = append(rep.Trades, results.TradeRow{Symbol: "BTC", SignalTime: ts(sig), EntryTime: ts(sig + 3*3600), EntryPrice: results.Value(btc.Values[i+1]),
			ExitTime: ts(sig + 90*dayS), ExitPrice: results.Value(btc.Values[i+90]), Units: 1, Return: results.Value(btc.Values[i+90]/btc.Values[i+1] - 1), ExitReason: "hold"})
	}
	// One signal not acted on.
	rep.Signals = append(rep.Signals, results.SignalRow{Time: ts(start + 1400*dayS + 21*3600), Symbol: "RUT", Level: 1, Close: results.Value(rut.Values[1400]), Reason: "cooldown"})
	ev := results.Evidence{Signals: len(rep.Signals), Trades: n, Episodes: n, EffectiveNTrades: results.Value(n), MeanTradeReturn: 0.12,
		MeanTradeReturnCI: [2]results.Value{-0.05, 0.3}, MedianTradeReturn: 0.1, SharpeCI: [2]results.Value{-0.2, 1.4}, SharpeCIBlock: 12,
		CILevel: 0.95, RandomEntryP: results.NA, PSR: 0.8, MinTrackRecord: 900, Seed: 1}
	ev.TooFew = n < results.MinSamples
	if ev.TooFew {
		ev.Warning = results.TooFewWarning(n)
	}
	ev.Verdict = "Rests on a few episodes."
	if n == 0 {
		ev.MeanTradeReturn, ev.MeanTradeReturnCI, ev.MedianTradeReturn, ev.EffectiveNTrades = results.NA, [2]results.Value{results.NA, results.NA}, results.NA, results.NA
		ev.Verdict = "No trades from 1 signal: there is nothing to judge."
	}
	rep.Evidence = ev
	rep.Metrics = results.Metrics{TotalReturn: 0.6, CAGR: 0.12, MaxDrawdown: 0.3, Sharpe: 0.9, Sortino: 1.1, Calmar: 0.4, Volatility: 0.5,
		Exposure: 0.3, Trades: n, WinRate: 0.6, AvgTradeReturn: 0.12, MedianTradeReturn: 0.1, ProfitFactor: results.NA, BestTrade: 0.5,
		WorstTrade: -0.2, FinalEquity: 160000, Annualization: 365, Days: days,
		Notes: []results.Note{{Metric: "profit_factor", Reason: "no losing trade"}}}
	rep.Benchmark = results.Metrics{TotalReturn: 5, CAGR: 0.5, MaxDrawdown: 0.7, Sharpe: 1.1, FinalEquity: 600000, Annualization: 365}
	return rep, bench, rut, btc
}

func writeRun(t *testing.T, p RunPage) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteRun(&b, p); err != nil {
		t.Fatal(err)
	}
	keep(t, b.String())
	return b.String()
}

// keep saves a copy to $RISKON_REPORT_DIR when set, to look at.
func keep(t *testing.T, doc string) {
	if d := os.Getenv("RISKON_REPORT_DIR"); d != "" {
		_ = os.WriteFile(filepath.Join(d, strings.ReplaceAll(t.Name(), "/", "_")+".html"), []byte(doc), 0o644)
	}
}

// selfContained fails if the document could fetch anything or run code.
func selfContained(t *testing.T, doc string) {
	t.Helper()
	for _, bad := range []string{"<script", "<link", "<iframe", "<img", "@import", "url(", "src="} {
		if strings.Contains(strings.ToLower(doc), bad) {
			t.Errorf("report contains %q: it must be self-contained", bad)
		}
	}
	// The only URL allowed is the SVG namespace, which is never fetched.
	for _, m := range regexp.MustCompile(`https?://[^\s"'<>]+`).FindAllString(doc, -1) {
		if m != "http://www.w3.org/2000/svg" {
			t.Errorf("report references %s", m)
		}
	}
	if !strings.Contains(doc, `Content-Security-Policy" content="default-src 'none'`) {
		t.Error("no CSP forbidding every fetch")
	}
}

func sections(doc string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`data-section="([^"]+)"`).FindAllStringSubmatch(doc, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestRunReport(t *testing.T) {
	rep, bench, rut, btc := fakeRun(12)
	st := chart.SummarizePaths([]float64{0, 1, 2}, [][]float64{{0, 0.1, 0.2}, {0, -0.1, 0.05}}, 0.95)
	st.Label = "BTC forward return"
	doc := writeRun(t, RunPage{Report: rep, Benchmark: bench, Trigger: rut, Targets: []chart.Series{btc}, Study: &st, Notes: []string{"a <note>"}})
	selfContained(t, doc)
	want := "header evidence metrics equity drawdown rolling overlay trigger trade-returns study returns drawdowns trades signals"
	if got := strings.Join(sections(doc), " "); got != want {
		t.Errorf("sections %q, want %q", got, want)
	}
	if n := strings.Count(doc, "<svg "); n != 7 {
		t.Errorf("%d inline charts, want 7", n)
	}
	// 13 breakouts, drawn on the overlay and on the trigger's own panel.
	if n := strings.Count(doc, `<g class="signal">`); n != 2*13 {
		t.Errorf("%d signal markers, want 2 x 13", n)
	}
	if strings.Contains(doc, "<breakout>") || !strings.Contains(doc, "r2k &lt;breakout&gt; &amp; btc") || !strings.Contains(doc, "a &lt;note&gt;") {
		t.Error("names and notes are not escaped")
	}
	for _, s := range []string{"<details id=\"config\">", "c0ffee", "fa11", "0.1.0", "12 acted on", "profit_factor is n/a: no losing trade",
		"n/a (not computed for this run)", "[-5.00%, 30.00%]", "Rests on a few episodes.", "cooldown"} {
		if !strings.Contains(doc, s) {
			t.Errorf("report lacks %q", s)
		}
	}
	if strings.Contains(doc, "TOO FEW SAMPLES") || strings.Contains(doc, "SYNTHETIC DATA") {
		t.Error("12 episodes flagged as too few, or a real run flagged synthetic")
	}
	var again bytes.Buffer
	if err := WriteRun(&again, RunPage{Report: rep, Benchmark: bench, Trigger: rut, Targets: []chart.Series{btc}, Study: &st, Notes: []string{"a <note>"}}); err != nil {
		t.Fatal(err)
	}
	if again.String() != doc {
		t.Error("the same input gave a different document")
	}
}

func TestRunReportFewTrades(t *testing.T) {
	for _, n := range []int{0, 1} {
		rep, _, _, _ := fakeRun(n)
		rep.Synthetic = true
		// No prices and no benchmark: those charts explain their absence.
		doc := writeRun(t, RunPage{Report: rep})
		selfContained(t, doc)
		if !strings.Contains(doc, `id="too-few"`) || !strings.Contains(doc, "TOO FEW SAMPLES: rests on "+map[int]string{0: "0 independent samples", 1: "1 independent sample"}[n]) {
			t.Errorf("%d trades: no prominent too-few warning", n)
		}
		note := map[int]string{0: "This run made no trades", 1: "This run made a single trade"}[n]
		if !strings.Contains(doc, note) {
			t.Errorf("%d trades: evidence card lacks %q", n, note)
		}
		if !strings.Contains(doc, `id="synthetic"`) || !strings.Contains(doc, "<title>[SYNTHETIC]") {
			t.Error("no SYNTHETIC banner")
		}
		if n == 0 && !strings.Contains(doc, "No trades: no signal led to a position") {
			t.Error("empty trades table not explained")
		}
		if !strings.Contains(doc, "Chart not available: price series not available") || !strings.Contains(doc, "No event study for this run.") {
			t.Error("missing charts not explained")
		}
		// equity, drawdown and rolling Sharpe from the stored curve; the
		// trade-return histogram when there is a trade.
		if c, want := strings.Count(doc, "<svg "), 3+n; c != want {
			t.Errorf("%d charts, want %d (equity, drawdown, rolling Sharpe from the stored curve, trade returns)", c, want)
		}
	}
	if err := WriteRun(&bytes.Buffer{}, RunPage{}); err == nil {
		t.Error("nil report: no error")
	}
}

func TestCompareReport(t *testing.T) {
	a, _, _, _ := fakeRun(12)
	b, _, _, _ := fakeRun(3)
	b.RunID = "20260101-000001-123456"
	b.Config = json.RawMessage(`{"name":"r2k <breakout> & btc","trigger":{"symbol":"RUT","lookback":100},"trade":{"targets":["BTC"],"hold_days":90}}`)
	b.DataFingerprint = "different"
	var buf bytes.Buffer
	if err := WriteCompare(&buf, ComparePage{Runs: []*results.Report{a, b}}); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	keep(t, doc)
	selfContained(t, doc)
	if got := strings.Join(sections(doc), " "); got != "header runs config-diff metrics evidence compare-equity compare-drawdown" {
		t.Errorf("sections %q", got)
	}
	if !strings.Contains(doc, "<td>trigger.lookback</td><td>252</td><td>100</td>") {
		t.Error("config difference not shown")
	}
	if strings.Contains(doc, "<td>trade.hold_days</td>") {
		t.Error("an equal key listed as a difference")
	}
	if !strings.Contains(doc, "3 (TOO FEW)") || !strings.Contains(doc, "used different data") {
		t.Error("too-few flag or data warning missing")
	}
	if n := strings.Count(doc, `<g class="series"`); n != 4 {
		t.Errorf("%d series in the charts, want 2 runs x 2 charts", n)
	}
	if err := WriteCompare(&buf, ComparePage{}); err == nil {
		t.Error("no runs: no error")
	}
}

func TestSweepReport(t *testing.T) {
	var sh []float64
	for i := range 50 {
		sh = append(sh, math.Sin(float64(i))*0.8)
	}
	hm := &chart.HeatmapData{XName: "trigger.lookback", YName: "trade.hold_days", XLabels: []string{"20", "50", "100"}, YLabels: []string{"7", "30"},
		Z: [][]float64{{0.1, 0.5, math.NaN()}, {-0.2, 0.8, 0.3}}, Metric: "sharpe"}
	p := SweepPage{ID: "sw-1", Name: "r2k grid", Trials: 50, Heatmap: hm, Sharpes: sh, SharpeUnit: "annualised Sharpe ratio",
		DSRThreshold: 1.1, DSR: 0.4, PBO: 0.6, RankBy: "sharpe", Synthetic: true, Version: "0.1.0",
		Config: json.RawMessage(`{"grid":[{"key":"trigger.lookback","values":[20,50,100]}]}`),
		Top: []Trial{{Params: []Param{{"trigger.lookback", "50"}, {"trade.hold_days", "30"}}, Metrics: results.Metrics{Sharpe: 0.8, TotalReturn: 1.2, MaxDrawdown: 0.4},
			Evidence: results.Evidence{Trades: 4, Episodes: 4, TooFew: true}}}}
	var buf bytes.Buffer
	if err := WriteSweep(&buf, p); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	keep(t, doc)
	selfContained(t, doc)
	if got := strings.Join(sections(doc), " "); got != "header summary heatmap sharpes top" {
		t.Errorf("sections %q", got)
	}
	if strings.Count(doc, `<g class="cell">`) != 6 || strings.Count(doc, `<g class="threshold"`) != 1 {
		t.Error("heatmap cells or DSR threshold missing")
	}
	for _, s := range []string{"not significant (DSR 0.4 &lt; 0.95)", "<th>trigger.\u200blookback</th><th>trade.\u200bhold_days</th>", "TOO FEW SAMPLES", `id="synthetic"`} {
		if !strings.Contains(doc, s) {
			t.Errorf("sweep report lacks %q", s)
		}
	}
	// Without a heatmap or trials, the report still renders and says so.
	buf.Reset()
	if err := WriteSweep(&buf, SweepPage{ID: "empty"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"No heatmap", "Nothing to draw", "No trials to list."} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("empty sweep report lacks %q", s)
		}
	}
	if err := WriteSweep(&buf, SweepPage{}); err == nil {
		t.Error("sweep without id: no error")
	}
}

// TestRunReportRegimes: the evidence card lays out the regimes of the
// evidence as a small table, signs classed.
func TestRunReportRegimes(t *testing.T) {
	rep, bench, rut, btc := fakeRun(12)
	rep.Evidence.Regimes = []results.Regime{
		{Kind: results.RegimeHalvingCycle, Name: "2016-07-09 .. 2020-05-10", Start: "2016-07-09", End: "2020-05-10", Days: 1402, Trades: 3, Episodes: 3, MeanTradeReturn: 0.5, Positive: true, Return: 2.1},
		{Kind: results.RegimeEra, Name: "2020-2024", Start: "2020-01-01", End: "2024-12-31", Days: 1827, Trades: 0, MeanTradeReturn: results.NA, Return: -0.1},
	}
	doc := writeRun(t, RunPage{Report: rep, Benchmark: bench, Trigger: rut, Targets: []chart.Series{btc}})
	for _, s := range []string{`id="regimes"`, "By halving cycle and calendar era", "<td>2016-07-09 .. 2020-05-10</td><td>halving cycle</td>",
		`<td class="pos">50.00%</td>`, "<td>2020-2024</td><td>calendar era</td>", `<td class="na">n/a</td>`, `<td class="neg">-10.00%</td>`} {
		if !strings.Contains(doc, s) {
			t.Errorf("report lacks %q", s)
		}
	}
	rep.Evidence.Regimes = nil
	if doc := writeRun(t, RunPage{Report: rep, Benchmark: bench, Trigger: rut, Targets: []chart.Series{btc}}); strings.Contains(doc, `id="regimes"`) {
		t.Error("a regimes table without regimes")
	}
}
