package stats

import "testing"

func TestDeriveSeed(t *testing.T) {
	// DeriveSeed(0, k) is the (k+1)-th output of SplitMix64 started at 0,
	// whose published first outputs are e220a8397b1dcdaf, 6e789e6aa1b965f4,
	// 06c45d188009454f (Steele, Lea & Flood 2014; Vigna's splitmix64.c).
	for k, want := range []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f} {
		if got := DeriveSeed(0, uint64(k)); got != want {
			t.Errorf("DeriveSeed(0, %d) = %x, want %x", k, got, want)
		}
	}
	// Streams of one seed differ from each other and from the seed's own.
	seen := map[uint64]bool{1: true}
	for k := range uint64(1000) {
		s := DeriveSeed(1, k)
		if seen[s] {
			t.Fatalf("stream %d repeats a seed", k)
		}
		seen[s] = true
	}
}

func TestNewPCGIsNewRandSource(t *testing.T) {
	a, b := NewRand(7), NewPCG(7)
	for range 100 {
		if x, y := a.Uint64(), b.Uint64(); x != y {
			t.Fatalf("NewRand and NewPCG differ: %x %x", x, y)
		}
	}
}
