package sweep

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCSCVTreeMatchesReference: the tree walk of pboOrdered gives bit for
// bit the PBOResult and the count of the straightforward CSCV it replaced
// (pboOrderedRef, every split summed from scratch), on slabs with ties
// (trials repeated and blocks rounded to a coarse grid), undefined Sharpe
// ratios (zero variance: -Inf), zero blocks, -0 sums and NaN, for S up to 16
// and any number of workers, in a shuffled slot order.
func TestCSCVTreeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, S := range []int{2, 4, 8, 14, 16} {
		for _, N := range []int{2, 3, 50, 1000} {
			if S == 16 && N == 1000 {
				N = 300 // the reference is slow
			}
			for kind := range 3 {
				m := 1 + rng.IntN(5)
				g := Grid{Start: 100, BlockDays: m, Blocks: S}
				sums := make([]float64, 0, N*2*S)
				for j := range N {
					row := make([]float64, 2*S)
					switch {
					case j > 0 && rng.IntN(6) == 0: // a tie: a copy of an earlier trial
						k := rng.IntN(j)
						copy(row, sums[k*2*S:(k+1)*2*S])
					case rng.IntN(8) == 0: // never in the market: zero variance, -Inf
						if rng.IntN(2) == 0 {
							row[rng.IntN(S)] = math.Copysign(0, -1)
						}
					default:
						skill := rng.NormFloat64() * 0.01
						for b := range S {
							x := float64(m)*skill + rng.NormFloat64()*0.05
							if kind == 1 {
								x = math.Round(x*20) / 20 // coarse: many equal sums
							}
							if kind == 2 && rng.IntN(5) == 0 {
								x = 0
							}
							row[b] = x
							row[S+b] = x*x/float64(m) + float64(m)*0.0025*rng.Float64()
							if kind == 1 {
								row[S+b] = math.Round(row[S+b]*400) / 400
							}
						}
						if kind == 2 && rng.IntN(50) == 0 {
							row[rng.IntN(S)] = math.NaN()
						}
					}
					sums = append(sums, row...)
				}
				order := make([]int32, N)
				for j, p := range rng.Perm(N) {
					order[j] = int32(p)
				}
				want, wantCount := pboOrderedRef(g, sums, order, 1)
				for _, w := range []int{1, 2, 7} {
					got, err := pboOrdered(g, sums, order, w)
					if err != nil {
						t.Fatal(err)
					}
					if math.Float64bits(got.PBO) != math.Float64bits(want.PBO) || got != want {
						t.Fatalf("S=%d N=%d kind %d workers %d: %+v, reference %+v", S, N, kind, w, got, want)
					}
					sum, sq := transposeForTest(sums, order, S)
					if c := cscvCount(sum, sq, S, N, float64(S/2*m), w); c != wantCount {
						t.Fatalf("S=%d N=%d kind %d workers %d: count %d, reference %d", S, N, kind, w, c, wantCount)
					}
				}
				if want.Splits != int(binom(S, S/2)) || wantCount < 0 || wantCount > int64(want.Splits) {
					t.Fatalf("S=%d N=%d: reference %+v count %d", S, N, want, wantCount)
				}
			}
		}
	}
}

// transposeForTest lays the slab out block-major, as pboOrdered does.
func transposeForTest(sums []float64, order []int32, S int) (sum, sq []float64) {
	N := len(order)
	sum, sq = make([]float64, S*N), make([]float64, S*N)
	for j, slot := range order {
		for b := range S {
			sum[b*N+j] = sums[int(slot)*2*S+b]
			sq[b*N+j] = sums[int(slot)*2*S+S+b]
		}
	}
	return sum, sq
}

// TestCSCVTasks: the subtrees of the walk cover every split exactly once
// (their leaves add up to C(S-1, S/2) = C(S,S/2)/2), whatever the workers.
func TestCSCVTasks(t *testing.T) {
	for _, S := range []int{2, 4, 8, 12, 14, 16, 24} {
		for _, w := range []int{1, 2, 7, 64} {
			var leaves int64
			for _, task := range cscvTasks(S, w) {
				leaves += task.leaves
			}
			if leaves != binom(S, S/2)/2 {
				t.Errorf("S=%d workers %d: %d leaves, want %d", S, w, leaves, binom(S, S/2)/2)
			}
		}
	}
}
