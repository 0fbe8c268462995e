package sweep

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkPBO scores the CSCV of 20,000 synthetic trials (all distinct)
// on S = 14 blocks (the grid of a 20,000-trial sweep) with one and two
// workers: ns/op is one whole PBO; go/ is the same without the vector
// kernels (as on CPUs without AVX2); reference/ is the straightforward CSCV
// it replaced (pboOrderedRef), for comparison.
//
//	go test -run '^$' -bench PBO -benchmem ./strategy/sweep/
func BenchmarkPBO(b *testing.B) {
	const N, S, m = 20000, 14, 375
	g := Grid{Start: 100, BlockDays: m, Blocks: S}
	rng := rand.New(rand.NewPCG(11, 12))
	sums := make([]float64, 0, N*2*S)
	for range N {
		skill := rng.NormFloat64() * 0.0005
		row := make([]float64, 2*S)
		for k := range S {
			row[k] = m*skill + rng.NormFloat64()*0.02*19.4 // m days of sd about 0.02
			row[S+k] = row[k]*row[k]/m + m*0.0004*(0.8+0.4*rng.Float64())
		}
		sums = append(sums, row...)
	}
	order := make([]int32, N)
	for j := range order {
		order[j] = int32(j)
	}
	for _, w := range []int{1, 2} {
		name := map[int]string{1: "workers=1", 2: "workers=2"}[w]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := PBO(g, sums, w); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("go/"+name, func(b *testing.B) {
			for b.Loop() {
				c := newCSCVSlab(sums, order, S, S/2*m)
				c.vec = false
				if cscvCount(c, w) < 0 {
					b.Fatal("negative count")
				}
			}
		})
		b.Run("reference/"+name, func(b *testing.B) {
			for b.Loop() {
				if r, _ := pboOrderedRef(g, sums, order, w); r.Trials != N {
					b.Fatal(r)
				}
			}
		})
	}
}
