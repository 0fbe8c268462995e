package chart

import (
	"math"
	"strings"
	"testing"
)

// TestSummarizeEpisodes: signals on days 0, 1, 2, 10 and 11 with a 5-day
// spacing make two episodes (days 0 and 10); the mean and band are over
// their two paths only, worked by hand: at day 1 the paths are 0.1 and
// 0.3, mean 0.2, s = 0.1414, se = 0.1, t(0.975, 1 df) = 12.7062, so the
// band is 0.2 ± 1.27062. Every path stays drawn.
func TestSummarizeEpisodes(t *testing.T) {
	days := []float64{0, 1}
	paths := [][]float64{{0, 0.1}, {0, 5}, {0, 5}, {0, 0.3}, {0, 5}}
	times := []int64{0, 86400, 2 * 86400, 10 * 86400, 11 * 86400}
	d := SummarizeEpisodes(days, paths, times, 5, 0.95)
	if d.Episodes != 2 || len(d.Paths) != 5 || !strings.Contains(d.Interval, "2 non-overlapping episodes") {
		t.Fatalf("episodes %d paths %d interval %q", d.Episodes, len(d.Paths), d.Interval)
	}
	if math.Abs(d.Mean[1]-0.2) > 1e-12 || math.Abs(d.Lo[1]-(0.2-1.2706205)) > 1e-6 || math.Abs(d.Hi[1]-(0.2+1.2706205)) > 1e-6 {
		t.Errorf("day 1: mean %v band [%v, %v], want 0.2 ± 1.2706205", d.Mean[1], d.Lo[1], d.Hi[1])
	}
	// Over all five (overlapping) signals the mean would be 3.08.
	if all := SummarizePaths(days, paths, 0.95); math.Abs(all.Mean[1]-3.08) > 1e-12 {
		t.Errorf("all signals: mean %v, want 3.08", all.Mean[1])
	}
}
