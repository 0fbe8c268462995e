package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestRandomSweepReportInBrowser is the acceptance test of the sweep
// report: a stored 3-parameter random sweep, reported by the CLI and opened
// in headless Chromium, shows every swept parameter (one slice panel each,
// one dot per trial), and the heatmap's axes are in numeric order, cut into
// ranges because a random sweep draws many distinct values.
func TestRandomSweepReportInBrowser(t *testing.T) {
	chromiumPath(t)
	dir := t.TempDir()
	db, _ := sweepDB(t, dir)
	base, err := filepath.Abs(filepath.Join("..", "..", "configs", "r2k_breakout_btc.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 150
	spec := write(t, dir, "rand.yaml", `name: rand3
base: `+base+`
random:
  n: `+strconv.Itoa(n)+`
  seed: 3
  params:
    - {key: trigger.lookback,    type: log_int, min: 5,  max: 400}
    - {key: trade.hold_days,     type: int,     min: 1,  max: 120}
    - {key: trade.trailing_stop, type: float,   min: 0,  max: 0.4}
rank_by: sharpe
`)
	s := runSweepJSON(t, db, "-c", spec)
	path := filepath.Join(dir, "sweep.html")
	if _, err := cmdRun(t, db, reportArgs(s.SweepID, "--out", path)); err != nil {
		t.Fatal(err)
	}
	keys := []string{"trigger.lookback", "trade.hold_days", "trade.trailing_stop"}
	v := checkPage(t, path, []string{"header", "summary", "heatmap", "slice-1", "slice-2", "slice-3", "sharpes", "top"})
	perSection := map[string]int{}
	for _, c := range v.Layout.Charts {
		perSection[c.Section]++
	}
	for _, sec := range []string{"heatmap", "slice-1", "slice-2", "slice-3", "sharpes"} {
		if perSection[sec] != 1 {
			t.Errorf("section %s has %d charts, want 1", sec, perSection[sec])
		}
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(doc)
	// Each slice panel: its key in the heading and one dot per trial with a
	// defined Sharpe ratio (every trial of this sweep trades).
	for i, k := range keys {
		sec := section(t, page, "slice-"+strconv.Itoa(i+1))
		if !strings.Contains(sec, "Metric by "+k) {
			t.Errorf("slice-%d is not about %s", i+1, k)
		}
		dots := regexp.MustCompile(`<g class="trial"><title>`+regexp.QuoteMeta(k)+`=`).FindAllString(sec, -1)
		if len(dots) != n {
			t.Errorf("slice of %s: %d dots, want %d", k, len(dots), n)
		}
	}
	// The heatmap: cells titled "x=LABEL, y=LABEL: ...". Labels along each
	// axis are ranges "lo–hi" (or single values) in increasing order.
	hm := section(t, page, "heatmap")
	cells := regexp.MustCompile(`trigger\.lookback=([^,]+), trade\.hold_days=([^:]+):`).FindAllStringSubmatch(hm, -1)
	if len(cells) == 0 {
		t.Fatal("no heatmap cells")
	}
	var xs, ys []string
	for _, c := range cells {
		if !slices.Contains(xs, c[1]) {
			xs = append(xs, c[1])
		}
		if !slices.Contains(ys, c[2]) {
			ys = append(ys, c[2])
		}
	}
	for _, axis := range [][]string{xs, ys} {
		if len(axis) < 5 || len(axis) > 12 {
			t.Errorf("axis %v: want 5..12 ranges", axis)
		}
		lows := make([]float64, len(axis))
		for i, l := range axis {
			lo, _, _ := strings.Cut(l, "–")
			if lows[i], err = strconv.ParseFloat(lo, 64); err != nil {
				t.Fatalf("label %q: %v", l, err)
			}
		}
		if !slices.IsSorted(lows) {
			t.Errorf("axis not in numeric order: %v", axis)
		}
	}
	if !strings.Contains(hm, "over every value of trade.trailing_stop") {
		t.Error("the heatmap does not say the third key is averaged over")
	}
	// Every top trial names the argument of riskon report for its own report.
	top := section(t, page, "top")
	if got := strings.Count(top, ">"+s.SweepID+":"); got != len(s.Top) || !strings.Contains(top, "riskon report") {
		t.Errorf("%d top trials name their report, want %d", got, len(s.Top))
	}
}

// section returns the HTML of the <section id="ID">.
func section(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `<section id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %s", id)
	}
	j := strings.Index(page[i:], "</section>")
	if j < 0 {
		t.Fatalf("section %s not closed", id)
	}
	return page[i : i+j]
}
