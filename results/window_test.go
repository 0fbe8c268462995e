package results

import (
	"strings"
	"testing"
)

func TestShortWindowNote(t *testing.T) {
	if n := ShortWindowNote(90, 365); !strings.Contains(n, "90 days, shorter than a year") || !strings.Contains(n, "extrapolated") {
		t.Errorf("90 days: %q", n)
	}
	for _, d := range []int{0, 365, 5000} {
		if n := ShortWindowNote(d, 365); n != "" {
			t.Errorf("%d days: %q, want no note", d, n)
		}
	}
	if ShortWindowNote(300, 0) == "" {
		t.Error("default annualisation: no note for 300 days")
	}
}
