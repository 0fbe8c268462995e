package html

import (
	"math"
	"strconv"
	"testing"
)

func pt(metric float64, kv ...string) SweepPoint {
	p := SweepPoint{Metric: metric}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Params = append(p.Params, Param{Key: kv[i], Value: kv[i+1]})
	}
	return p
}

// TestSweepPlotsSortsAndAverages: axes in numeric order (not the order
// trials came in, not string order), cell means computed by hand, every
// swept key gets a slice.
func TestSweepPlotsSortsAndAverages(t *testing.T) {
	pts := []SweepPoint{
		pt(1, "a", "15", "b", "7", "c", "x"),
		pt(3, "a", "15", "b", "7", "c", "y"),
		pt(2, "a", "295", "b", "30", "c", "x"),
		pt(4, "a", "2", "b", "7", "c", "y"),
		pt(math.NaN(), "a", "2", "b", "30", "c", "x"),
	}
	hm, sl := SweepPlots([]string{"a", "b", "c"}, pts, "sharpe", "", "")
	if hm == nil || len(sl) != 3 {
		t.Fatalf("heatmap %v, %d slices", hm, len(sl))
	}
	if got := hm.XLabels; len(got) != 3 || got[0] != "2" || got[1] != "15" || got[2] != "295" {
		t.Errorf("x labels %v, want [2 15 295]", got)
	}
	if got := hm.YLabels; len(got) != 2 || got[0] != "7" || got[1] != "30" {
		t.Errorf("y labels %v, want [7 30]", got)
	}
	// (a=15, b=7): mean of 1 and 3; (a=2, b=30): only a NaN metric -> empty.
	if hm.Z[0][1] != 2 || hm.Z[0][0] != 4 || hm.Z[1][2] != 2 || !math.IsNaN(hm.Z[1][0]) || !math.IsNaN(hm.Z[1][1]) {
		t.Errorf("cells %v", hm.Z)
	}
	if sl[2].Name != "c" || len(sl[2].Labels) != 2 || sl[2].Labels[0] != "x" || len(sl[2].X) != 5 {
		t.Errorf("categorical slice %+v", sl[2])
	}
	if sl[0].Labels != nil || sl[0].X[2] != 295 {
		t.Errorf("numeric slice %+v", sl[0])
	}
}

// TestSweepPlotsBinsRandomSweeps: 100 distinct values cut into 10 sorted,
// disjoint ranges of 10 trials each; a log-uniform key gets a log axis, a
// uniform one does not.
func TestSweepPlotsBinsRandomSweeps(t *testing.T) {
	var pts []SweepPoint
	for i := range 100 {
		u := float64((i*37)%100) / 99 // a permutation of 0..1
		lin := strconv.Itoa(1 + int(u*999))
		lg := strconv.FormatFloat(math.Exp(math.Log(5)+u*(math.Log(400)-math.Log(5))), 'f', 3, 64)
		pts = append(pts, pt(float64(i), "lin", lin, "log", lg))
	}
	hm, sl := SweepPlots([]string{"lin", "log"}, pts, "sharpe", "", "")
	if len(hm.XLabels) != 10 || len(hm.YLabels) != 10 {
		t.Fatalf("%d x %d bins, want 10 x 10: %v", len(hm.XLabels), len(hm.YLabels), hm.XLabels)
	}
	prev := math.Inf(-1)
	for _, l := range hm.XLabels {
		var lo, hi float64
		if _, err := fmtSscan(l, &lo, &hi); err != nil {
			t.Fatalf("label %q: %v", l, err)
		}
		if !(lo > prev) || hi < lo {
			t.Errorf("labels not sorted or overlapping: %v", hm.XLabels)
		}
		prev = hi
	}
	n := 0
	for j := range hm.Z {
		for i := range hm.Z[j] {
			if !math.IsNaN(hm.Z[j][i]) {
				n++
			}
		}
	}
	if n == 0 {
		t.Error("every cell empty")
	}
	if sl[0].Log || !sl[1].Log {
		t.Errorf("log axes: lin %v, log %v; want false, true", sl[0].Log, sl[1].Log)
	}
}

// fmtSscan reads a "lo–hi" range label.
func fmtSscan(label string, lo, hi *float64) (int, error) {
	a, b, ok := cutRange(label)
	if !ok {
		a, b = label, label
	}
	var err error
	if *lo, err = strconv.ParseFloat(a, 64); err != nil {
		return 0, err
	}
	if *hi, err = strconv.ParseFloat(b, 64); err != nil {
		return 1, err
	}
	return 2, nil
}

func cutRange(s string) (string, string, bool) {
	for i, r := range s {
		if r == '–' {
			return s[:i], s[i+len("–"):], true
		}
	}
	return "", "", false
}
