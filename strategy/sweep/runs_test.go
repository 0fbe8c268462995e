package sweep

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/riskon/riskon/results"
)

// TestAddConstEqualsLoop: k additions taken at once are the loop s += c
// bit for bit, on sums and addends of every sign and scale, sums next to a
// binade's ends (the runs cross them), addends that are ties on the sum's
// grid (u/2, 3u/2), smaller than half a spacing, zero, subnormal, NaN and
// infinite.
func TestAddConstEqualsLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	loop := func(s, c float64, k int) float64 {
		for range k {
			s += c
		}
		return s
	}
	pick := func() (float64, float64) {
		s := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-6))
		switch rng.IntN(6) {
		case 0: // next to a binade's end
			e := math.Pow(2, float64(rng.IntN(40)-20))
			s = e * (1 + float64(rng.IntN(5)-2)*0x1p-52)
			if rng.IntN(2) == 0 {
				s = 2*e - float64(rng.IntN(40))*e*0x1p-52
			}
		case 1:
			s = 0
		}
		u := math.Abs(s) * 0x1p-52
		var c float64
		switch rng.IntN(9) {
		case 0: // a tie on the sum's grid
			c = u * (float64(rng.IntN(6)) + 0.5)
		case 1: // below half a spacing
			c = u * rng.Float64() * 0.5
		case 2:
			c = 0
		case 3:
			c = []float64{math.NaN(), math.Inf(1), math.Inf(-1), 5e-324, math.MaxFloat64}[rng.IntN(5)]
		case 4: // a sum crossing into the next binade within the run
			c = u * float64(1+rng.IntN(1<<20))
		default:
			c = s * rng.NormFloat64() * math.Pow(10, float64(-rng.IntN(14)))
		}
		if rng.IntN(2) == 0 {
			c = -c
		}
		return s, c
	}
	fast := 0
	for i := range 200000 {
		s, c := pick()
		k := rng.IntN(3000)
		got, want := addConst(s, c, k), loop(s, c, k)
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("case %d: addConst(%v (%x), %v (%x), %d) = %v (%x), the loop %v (%x)",
				i, s, math.Float64bits(s), c, math.Float64bits(c), k, got, math.Float64bits(got), want, math.Float64bits(want))
		}
		if _, m := addSteps(s, c, k); m > 0 {
			fast++
		}
	}
	if fast < 50000 {
		t.Fatalf("only %d cases took steps at once: the test does not test the fast path", fast)
	}
}

// zeroStretches returns the maximal stretches of zero returns (+0 or -0)
// of daily at least least days long, found day by day.
func zeroStretches(daily []float64, least int) []results.Flat {
	var out []results.Flat
	for i := 0; i < len(daily); {
		if daily[i] != 0 {
			i++
			continue
		}
		j := i
		for j < len(daily) && daily[j] == 0 {
			j++
		}
		if j-i >= least {
			out = append(out, results.Flat{Lo: int32(i), Hi: int32(j)})
		}
		i = j
	}
	return out
}

// TestConstAdderEqualsLoop: a constAdder's runs are the loop s += c bit for
// bit, run after run on one chain (its cached step reused across binades
// and signs), on the sums and addends of TestAddConstEqualsLoop's kinds:
// binade ends, ties, steps below half a spacing, zero, subnormal, NaN,
// infinite, sums crossing zero and binades.
func TestConstAdderEqualsLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 43))
	fast := 0
	for i := range 20000 {
		s := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-6))
		if rng.IntN(8) == 0 {
			e := math.Pow(2, float64(rng.IntN(40)-20))
			s = e * (1 + float64(rng.IntN(5)-2)*0x1p-52)
			if rng.IntN(2) == 0 {
				s = 2*e - float64(rng.IntN(40))*e*0x1p-52
			}
		}
		u := math.Abs(s) * 0x1p-52
		var c float64
		switch rng.IntN(8) {
		case 0:
			c = u * (float64(rng.IntN(6)) + 0.5) // a tie
		case 1:
			c = u * rng.Float64() * 0.5
		case 2:
			c = 0
		case 3:
			c = []float64{math.NaN(), math.Inf(1), 5e-324, math.MaxFloat64}[rng.IntN(4)]
		case 4: // steps of many units, up to the longest taken at once and beyond
			c = u * float64(1+rng.IntN(1<<12)) * math.Pow(2, float64(rng.IntN(40)))
		default:
			c = s * rng.NormFloat64() * math.Pow(10, float64(-rng.IntN(14)))
		}
		if rng.IntN(2) == 0 {
			c = -c
		}
		a := newConstAdder(c)
		want := s
		for range 1 + rng.IntN(40) {
			k := rng.IntN(64)
			if rng.IntN(1000) == 0 {
				k = 1<<20 - 2 + rng.IntN(4) // around the longest run taken at once
			}
			before := s
			s = a.add(s, k)
			for range k {
				want += c
			}
			if math.Float64bits(s) != math.Float64bits(want) && !(math.IsNaN(s) && math.IsNaN(want)) {
				t.Fatalf("case %d: %v (%x) + %d × %v (%x) = %v (%x), the loop %v (%x)",
					i, before, math.Float64bits(before), k, c, math.Float64bits(c), s, math.Float64bits(s), want, math.Float64bits(want))
			}
			if a.key != noKey && k > 1 {
				fast++
			}
			// Other days between the runs: the chain moves on.
			if rng.IntN(3) == 0 {
				d := rng.NormFloat64() * math.Abs(s) * math.Pow(10, float64(-rng.IntN(6)))
				s += d
				want += d
			}
		}
	}
	if fast < 100000 {
		t.Fatalf("only %d runs took the cached step: the test does not test it", fast)
	}
}
