package sweep

import (
	"math"
	"sync"
	"sync/atomic"
)

// pboOrderedRef is the straightforward CSCV that pboOrdered replaced, kept
// as the reference of its tests: every mask of S/2 blocks without the newest
// is scored from scratch, its sides summed block by block from +0 in
// increasing block order.
func pboOrderedRef(g Grid, sums []float64, order []int32, workers int) (PBOResult, int64) {
	S := g.Blocks
	N := len(order)
	out := PBOResult{PBO: math.NaN(), Trials: N}
	sum := make([]float64, S*N)
	sq := make([]float64, S*N)
	for j, slot := range order {
		v := sums[int(slot)*2*S : int(slot+1)*2*S]
		for b := range S {
			sum[b*N+j] = v[b]
			sq[b*N+j] = v[S+b]
		}
	}
	half := S / 2
	var masks []uint32
	full := uint32(1)<<S - 1
	for v := uint32(1)<<half - 1; v <= full; {
		if v&(1<<(S-1)) == 0 {
			masks = append(masks, v)
		}
		c := v & -v
		r := v + c
		v = (((r ^ v) >> 2) / c) | r
	}
	out.Splits = 2 * len(masks)
	n := float64(half * g.BlockDays)
	workers = min(max(workers, 1), len(masks))
	var next, over atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sA, qA := make([]float64, N), make([]float64, N)
			sB, qB := make([]float64, N), make([]float64, N)
			scA, scB := make([]float64, N), make([]float64, N)
			count := int64(0)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(masks) {
					break
				}
				mask := masks[i]
				clear(sA)
				clear(qA)
				clear(sB)
				clear(qB)
				for b := range S {
					bs, bq := sum[b*N:(b+1)*N], sq[b*N:(b+1)*N]
					ds, dq := sB, qB
					if mask&(1<<b) != 0 {
						ds, dq = sA, qA
					}
					for j := range N {
						ds[j] += bs[j]
						dq[j] += bq[j]
					}
				}
				for j := range N {
					scA[j] = sharpeOf(sA[j], qA[j], n)
					scB[j] = sharpeOf(sB[j], qB[j], n)
				}
				if logitRef(scA, scB) <= 0 {
					count++
				}
				if logitRef(scB, scA) <= 0 {
					count++
				}
			}
			over.Add(count)
		}()
	}
	wg.Wait()
	out.PBO = float64(over.Load()) / float64(out.Splits)
	return out, over.Load()
}

// logitRef is the logit of the reference: ln(ω/(1-ω)) for the relative
// out-of-sample rank ω of the in-sample best trial (first on ties).
func logitRef(is, oos []float64) float64 {
	best := 0
	for j := 1; j < len(is); j++ {
		if is[j] > is[best] {
			best = j
		}
	}
	var less, equal int
	x := oos[best]
	for _, v := range oos {
		switch {
		case v < x:
			less++
		case v == x:
			equal++
		}
	}
	rank := float64(less) + float64(equal+1)/2
	w := rank / float64(len(is)+1)
	return math.Log(w / (1 - w))
}
