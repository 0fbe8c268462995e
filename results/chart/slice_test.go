package chart

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestSlice: one dot per finite trial, a mean line through the per-value
// means (hand-computed), categories on the axis, and the stride sample
// beyond maxSlicePoints.
func TestSlice(t *testing.T) {
	d := SliceData{Name: "trade.hold_days", Metric: "sharpe",
		X: []float64{7, 30, 7, 30, 90, math.NaN(), 90},
		Y: []float64{1, 2, 3, 4, 5, 6, math.NaN()}}
	c, err := Slice(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, c)
	if n := len(root.find(hasClass("trial"))); n != 5 {
		t.Errorf("%d dots, want 5 (two points are not finite)", n)
	}
	mx, my := sliceMeans(d, []int{0, 1, 2, 3, 4})
	if len(mx) != 3 || mx[0] != 7 || my[0] != 2 || mx[1] != 30 || my[1] != 3 || mx[2] != 90 || my[2] != 5 {
		t.Errorf("means %v %v, want (7,2) (30,3) (90,5)", mx, my)
	}
	if len(root.find(func(n node) bool { return n.attr("data-name") == "mean" })) != 1 {
		t.Error("no mean line")
	}
	txt := strings.Join(root.texts(), "|")
	for _, want := range []string{"trade.hold_days", "sharpe", "5 trials"} {
		if !strings.Contains(txt, want) {
			t.Errorf("slice lacks %q: %s", want, txt)
		}
	}

	cat := SliceData{Name: "trade.targets", Labels: []string{"[BTC]", "[ETH]"}, X: []float64{0, 1, 1}, Y: []float64{1, 2, 3}}
	c, err = Slice(cat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if txt := strings.Join(parseSVG(t, c).texts(), "|"); !strings.Contains(txt, "[ETH]") {
		t.Errorf("category labels missing: %s", txt)
	}

	var big SliceData
	for i := range 10000 {
		big.X = append(big.X, float64(i%500))
		big.Y = append(big.Y, math.Sin(float64(i)))
	}
	c, err = Slice(big, Options{})
	if err != nil {
		t.Fatal(err)
	}
	root = parseSVG(t, c)
	if n := len(root.find(hasClass("trial"))); n > maxSlicePoints || n < maxSlicePoints/2 {
		t.Errorf("%d dots drawn of 10000, want at most %d", n, maxSlicePoints)
	}
	if txt := strings.Join(root.texts(), "|"); !strings.Contains(txt, "of 10000 trials") {
		t.Errorf("the sample is not said: %s", txt)
	}

	if _, err := Slice(SliceData{X: []float64{math.NaN()}, Y: []float64{1}}, Options{}); !errors.Is(err, ErrNoData) {
		t.Errorf("no finite point: %v", err)
	}
	if _, err := Slice(SliceData{X: []float64{1}, Y: nil}, Options{}); err == nil {
		t.Error("mismatched lengths: no error")
	}
}
