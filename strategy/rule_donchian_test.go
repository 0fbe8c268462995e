package strategy

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDonchianBruteForce: the block maxima's level and breakout equal the naive
// maximum of the previous lookback closes, on random closes with many ties
// (closes rounded to a coarse grid) and lookbacks from 1 to 40, and so do
// the status's level and the index of its latest occurrence.
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
			// The status after close i: the highest of the last lb closes
			// and the index of its latest occurrence.
			st := st.(*donchian).Status(0, 0)
			if i+1 < lb {
				if st.Ready {
					t.Fatalf("lookback %d close %d: status ready before %d closes", lb, i, lb)
				}
				continue
			}
			hi, at := closes[i+1-lb], i+1-lb
			for j := i + 1 - lb; j <= i; j++ {
				if closes[j] >= hi {
					hi, at = closes[j], j
				}
			}
			if !st.Ready || st.Level != hi || st.LevelIndex != at {
				t.Fatalf("lookback %d close %d: status level %v at %d (ready %v), want %v at %d", lb, i, st.Level, st.LevelIndex, st.Ready, hi, at)
			}
		}
	}
	if resets < 50 {
		t.Fatalf("only %d of 200 trials reused a state", resets)
	}
}

// TestDonchianAdvanceEqualsNaive: advance (the live daily path's fused level
// and push) breaks out exactly when the naive maximum of the previous
// lookback closes says so, with that maximum as its level, on random closes
// with ties, zeros of both signs and negatives (where the order keys and the
// numbers disagree: -0 is below +0 as a key, equal as a number), on new
// states, states that grow and states reused after Reset.
func TestDonchianAdvanceEqualsNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	grid := []float64{-2, -1, math.Copysign(0, -1), 0, 1, 2}
	signedZeros, resets := 0, 0
	var dc *donchian
	for trial := 0; trial < 300; trial++ {
		lb := 1 + rng.IntN(12)
		n := 1 + rng.IntN(200)
		capacity := n
		if trial%2 == 0 {
			capacity = 2 // the buffers must grow
		}
		// Every other trial reuses the previous state (Reset must start
		// the blocks over as New does).
		if dc == nil || trial%4 < 2 || !dc.Reset(BreakoutParams{Lookback: lb}, capacity) {
			rs, err := triggerRule(Donchian)
			if err != nil {
				t.Fatal(err)
			}
			st, err := rs.New(BreakoutParams{Lookback: lb}, capacity)
			if err != nil {
				t.Fatal(err)
			}
			dc = st.(*donchian)
		} else {
			resets++
		}
		closes := make([]float64, n)
		for i := range closes {
			x := grid[rng.IntN(len(grid))]
			closes[i] = x
			lk, above, full := dc.advance(x)
			level := keyValue(lk)
			broke := above && x > level
			if full {
				dc.complete()
			}
			if i < lb {
				if broke {
					t.Fatalf("lookback %d close %d: broke before %d closes", lb, i, lb)
				}
				continue
			}
			want := closes[i-lb]
			for _, c := range closes[i-lb : i] {
				want = max(want, c)
			}
			if broke != (x > want) {
				t.Fatalf("lookback %d close %d (%v): broke %v, want %v (level %v)", lb, i, x, broke, x > want, want)
			}
			if broke && level != want {
				t.Fatalf("lookback %d close %d: level %v, want %v", lb, i, level, want)
			}
			if above && !broke {
				signedZeros++ // +0 against a level of -0
			}
		}
	}
	if resets < 30 {
		t.Fatalf("only %d of 300 trials reused a state", resets)
	}
	if signedZeros == 0 {
		t.Fatal("no close above the level's key without breaking it: the signed zeros were not exercised")
	}
}
