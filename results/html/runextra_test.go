package html

import (
	"math"
	"strings"
	"testing"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
)

func eqRows(dates []string, vals []float64) []results.EquityRow {
	out := make([]results.EquityRow, len(dates))
	for i := range dates {
		out[i] = results.EquityRow{Date: dates[i], Equity: results.Value(vals[i])}
	}
	return out
}

// TestPeriodTable: months and years by hand. 100 -> 110 by the end of
// 2020-01 (+10%), 99 by the end of 2020-02 (-10%), 121 by the end of
// 2021-01 (+22.2%): 2020 = 99/100 - 1 = -1%, 2021 = 121/99 - 1.
func TestPeriodTable(t *testing.T) {
	eq := eqRows([]string{"2020-01-01", "2020-01-31", "2020-02-15", "2020-02-29", "2021-01-10"},
		[]float64{100, 110, 105, 99, 121})
	cols, rows := periodTable(eq)
	if len(cols) != 13 || len(rows) != 2 || rows[0].Name != "2020" || rows[1].Name != "2021" {
		t.Fatalf("cols %v rows %+v", cols, rows)
	}
	want := map[[2]int]string{{0, 0}: "10.0%", {0, 1}: "-10.0%", {0, 12}: "-1.0%", {1, 0}: "22.2%", {1, 12}: "22.2%"}
	for k, w := range want {
		if got := rows[k[0]].Cells[k[1]].Text; got != w {
			t.Errorf("row %d col %d = %q, want %q", k[0], k[1], got, w)
		}
	}
	if rows[0].Cells[2].Text != "" {
		t.Errorf("March 2020 has no data but shows %q", rows[0].Cells[2].Text)
	}
}

// TestWorstDrawdowns: two episodes by hand, the deeper first; the second is
// still under water at the end.
func TestWorstDrawdowns(t *testing.T) {
	eq := eqRows([]string{"2020-01-01", "2020-01-02", "2020-01-03", "2020-01-05", "2020-01-06", "2020-01-10", "2020-01-20"},
		[]float64{100, 90, 95, 101, 70, 80, 75})
	eps := worstDrawdowns(eq, 5)
	if len(eps) != 2 {
		t.Fatalf("%d episodes: %+v", len(eps), eps)
	}
	a, b := eps[0], eps[1]
	if a.Peak != "2020-01-05" || a.Trough != "2020-01-06" || a.Recovery != "" || math.Abs(a.Depth-(1-70.0/101)) > 1e-12 || a.Days != 15 || a.ToTrough != 1 {
		t.Errorf("deepest %+v", a)
	}
	if b.Peak != "2020-01-01" || b.Trough != "2020-01-02" || b.Recovery != "2020-01-05" || math.Abs(b.Depth-0.1) > 1e-12 || b.Days != 4 || b.ToTrough != 1 {
		t.Errorf("second %+v", b)
	}
}

// TestRollingSharpe: a window of 3 returns computed by hand.
func TestRollingSharpe(t *testing.T) {
	eq := eqRows([]string{"2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04", "2020-01-05"},
		[]float64{100, 110, 99, 108.9, 108.9})
	s := rollingSharpe(eq, 3, 365)
	if len(s.Values) != 2 {
		t.Fatalf("%d values", len(s.Values))
	}
	// returns 0.1, -0.1, 0.1: mean 1/30, sample sd sqrt(((2/15)^2*2 + (4/30)^2... computed directly
	check := func(r []float64, got float64) {
		m := (r[0] + r[1] + r[2]) / 3
		v := ((r[0]-m)*(r[0]-m) + (r[1]-m)*(r[1]-m) + (r[2]-m)*(r[2]-m)) / 2
		if want := m / math.Sqrt(v) * math.Sqrt(365); math.Abs(got-want) > 1e-9 {
			t.Errorf("rolling Sharpe %v, want %v", got, want)
		}
	}
	check([]float64{0.1, -0.1, 0.1}, s.Values[0])
	check([]float64{-0.1, 0.1, 0}, s.Values[1])
}

// TestFilterPanel: an entry filter gets its own panel with one filled marker
// per acted signal and one hollow marker per signal it blocked; signals
// stopped for other reasons (cooldown) are not drawn on it.
func TestFilterPanel(t *testing.T) {
	rep, bench, rut, btc := fakeRun(12)
	// Block three of the acted signals by the filter.
	for i := 0; i < 3; i++ {
		rep.Signals[i].Acted, rep.Signals[i].Reason = false, "filter"
	}
	acted := 0
	for _, s := range rep.Signals {
		if s.Acted {
			acted++
		}
	}
	dom := btc
	dom.Name = "BTC_DOMINANCE"
	doc := writeRun(t, RunPage{Report: rep, Benchmark: bench, Trigger: rut, Targets: []chart.Series{btc},
		Filters: []FilterPanel{{Name: "BTC_DOMINANCE falling over 30 bars", Series: dom, Reason: "filter"}}})
	i := strings.Index(doc, `<section id="filter-1"`)
	if i < 0 {
		t.Fatal("no filter panel")
	}
	sec := doc[i : i+strings.Index(doc[i:], "</section>")]
	if n := strings.Count(sec, `<g class="signal">`); n != acted+3 {
		t.Errorf("%d markers on the filter panel, want %d acted + 3 blocked", n, acted)
	}
	for _, want := range []string{"Filter: BTC_DOMINANCE falling over 30 bars", "blocked by the filter (3)", "the 3 signals the filter blocked", "BTC_DOMINANCE (filter)"} {
		if !strings.Contains(sec, want) {
			t.Errorf("filter panel lacks %q", want)
		}
	}
}
