package strategy

import (
	"math/rand/v2"
	"testing"
)

// TestDonchianBruteForce: the deque's level and breakout equal the naive
// maximum of the previous lookback closes, on random closes with many ties
// (closes rounded to a coarse grid) and lookbacks from 1 to 40.
func TestDonchianBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var reused RuleState
	resets := 0
	for trial := 0; trial < 200; trial++ {
		lb := 1 + rng.IntN(40)
		n := 1 + rng.IntN(400)
		rs, err := triggerRule(Donchian)
		if err != nil {
			t.Fatal(err)
		}
		// A state used before and reset must behave as a new one.
		if reused == nil || !reused.(Resetter).Reset(BreakoutParams{Lookback: lb}, n) {
			// Half of the states are made too small (capacity 2): the ring
			// must grow.
			capacity := 400
			if trial%2 == 0 {
				capacity = 2
			}
			if reused, err = rs.New(BreakoutParams{Lookback: lb}, capacity); err != nil {
				t.Fatal(err)
			}
		} else {
			resets++
		}
		st := reused
		closes := make([]float64, n)
		x := 100.0
		for i := range closes {
			x += float64(rng.IntN(7) - 3)
			closes[i] = x
			level, broke := st.Next(x, 0)
			wantLevel, wantBroke := 0.0, false
			if i >= lb {
				wantLevel = closes[i-lb]
				for _, c := range closes[i-lb : i] {
					wantLevel = max(wantLevel, c)
				}
				wantBroke = x > wantLevel
			}
			if level != wantLevel || broke != wantBroke {
				t.Fatalf("lookback %d close %d: got %v/%v, want %v/%v", lb, i, level, broke, wantLevel, wantBroke)
			}
		}
	}
	if resets < 50 {
		t.Fatalf("only %d of 200 trials reused a state", resets)
	}
}
