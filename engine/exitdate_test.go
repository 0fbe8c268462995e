package engine

import "testing"

// TestExitDate: a trade's ExitDate is the date of the bar the exit filled
// in, not the UTC date of the fill instant. Daily crypto bars dated D span
// [D 00:00Z, D+1 00:00Z): an exit at the close of the bar dated D happens at
// D+1 00:00Z and is dated D; an exit at the open of that bar is dated D too.
func TestExitDate(t *testing.T) {
	bars := func(bar2 [4]float64) [][4]float64 {
		return [][4]float64{{90, 91, 89, 90}, {100, 111, 100, 110}, bar2, {104, 108, 101, 107}}
	}
	cases := []struct {
		name     string
		bars     [][4]float64
		st       *script
		opts     Options
		instant  string
		date     string
		wantHeld int
	}{
		// Entry at the open of the bar dated 01-02 (the ohlc helper starts at 01-01).
		{"stop touched intrabar: the close of the 01-03 bar", bars([4]float64{105, 106, 98, 104}),
			&script{enterAt: map[int][]int{0: {0}}, weight: 1, exits: Exits{TrailingStop: 0.10}}, Options{}, "2024-01-04T00:00:00Z", "2024-01-03", 1},
		{"stop gapped at the open of the 01-03 bar", bars([4]float64{95, 96, 90, 94}),
			&script{enterAt: map[int][]int{0: {0}}, weight: 1, exits: Exits{TrailingStop: 0.10}}, Options{}, "2024-01-03T00:00:00Z", "2024-01-03", 1},
		{"still open: marked at the close of the last bar, 01-04", bars([4]float64{105, 106, 100, 104}),
			&script{enterAt: map[int][]int{0: {0}}, weight: 1, exits: Exits{TrailingStop: 0.10}}, Options{}, "2024-01-05T00:00:00Z", "2024-01-04", 2},
		// Next-close entry in the bar dated 01-02; hold 2 days: the close of the 01-04 bar.
		{"hold 2 days at the close", [][4]float64{{10, 10, 10, 10}, {15, 20, 15, 20}, {30, 30, 30, 30}, {35, 40, 35, 40}, {50, 50, 50, 50}},
			&script{enterAt: map[int][]int{0: {0}}, weight: 0.5, exits: Exits{HoldDays: 2}}, Options{Fill: NextClose}, "2024-01-05T00:00:00Z", "2024-01-04", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, tc.st, tc.opts, ohlc(t, "BTC", tc.bars))
			if len(res.Trades) != 1 {
				t.Fatalf("trades = %+v", res.Trades)
			}
			tr := res.Trades[0]
			if timeString(tr.ExitTime) != tc.instant || tr.ExitDate.String() != tc.date {
				t.Errorf("exit at %s dated %s, want %s dated %s", timeString(tr.ExitTime), tr.ExitDate, tc.instant, tc.date)
			}
			if got := int(tr.ExitDate - tr.EntryDate); got != tc.wantHeld || tr.EntryDate.String() != "2024-01-02" {
				t.Errorf("entry %s, held %d days, want 2024-01-02 and %d", tr.EntryDate, got, tc.wantHeld)
			}
		})
	}
}
