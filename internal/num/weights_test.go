package num

import (
	"math"
	"strings"
	"testing"
)

func TestWeights(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		w     []float64
		n     int
		total float64
		want  []float64
	}{
		{[]float64{2, 1}, 2, 0.9, []float64{0.6, 0.3}},
		{nil, 4, 1, []float64{0.25, 0.25, 0.25, 0.25}},
		{[]float64{}, 2, 0.5, []float64{0.25, 0.25}},
		{[]float64{0, 3, 1}, 3, 1, []float64{0, 0.75, 0.25}},
	} {
		got, err := Weights(c.w, c.n, c.total)
		if err != nil {
			t.Fatalf("Weights(%v): %v", c.w, err)
		}
		for i := range c.want {
			if math.Abs(got[i]-c.want[i]) > 1e-15 {
				t.Errorf("Weights(%v, %d, %v) = %v, want %v", c.w, c.n, c.total, got, c.want)
				break
			}
		}
	}
	w := []float64{2, 1}
	if _, err := Weights(w, 2, 1); err != nil || w[0] != 2 || w[1] != 1 {
		t.Errorf("Weights changed its input: %v (%v)", w, err)
	}
	for _, c := range []struct {
		w    []float64
		n    int
		want string
	}{
		{[]float64{1, 2, 3}, 2, "3 weights for 2 targets"},
		{[]float64{1, -1}, 2, "weight 1 is -1"},
		{[]float64{math.NaN(), 1}, 2, "weight 0 is NaN"},
		{[]float64{0, 0}, 2, "weights sum to 0"},
		{nil, 0, "weights sum to 0"},
	} {
		if _, err := Weights(c.w, c.n, 1); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Weights(%v, %d): err %v, want %q", c.w, c.n, err, c.want)
		}
	}
}

// TestAppendWeights: the unchecked, appending form gives the same weights as
// Weights, appends after what dst holds, and allocates nothing with room.
func TestAppendWeights(t *testing.T) {
	got := AppendWeights([]float64{7}, []float64{2, 1}, 2, 0.9)
	if len(got) != 3 || got[0] != 7 || math.Abs(got[1]-0.6) > 1e-15 || math.Abs(got[2]-0.3) > 1e-15 {
		t.Fatalf("AppendWeights = %v, want [7 0.6 0.3]", got)
	}
	want, err := Weights([]float64{3, 1, 1}, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if eq := AppendWeights(nil, []float64{3, 1, 1}, 3, 1); len(eq) != 3 || eq[0] != want[0] || eq[1] != want[1] || eq[2] != want[2] {
		t.Fatalf("AppendWeights %v, Weights %v", eq, want)
	}
	buf := make([]float64, 0, 4)
	if n := testing.AllocsPerRun(100, func() { buf = AppendWeights(buf[:0], nil, 4, 1) }); n != 0 {
		t.Fatalf("AppendWeights allocates %v times with room", n)
	}
}
