//go:build amd64

package sweep

import "golang.org/x/sys/cpu"

// vecOK reports whether the AVX2 kernels of the CSCV (cscv_amd64.s) run on
// this CPU.
func vecOK() bool { return cpu.X86.HasAVX2 }

// keysVec computes sharpeKey four trials at a time (see cscv_amd64.s).
//
//go:noescape
func keysVec(k, s0, q0, xs, xq *float64, cnt, stride, nb int, n, cut float64) int

// rankVec adds up the weights of the keys below lo and above hi four at a
// time (see cscv_amd64.s).
//
//go:noescape
func rankVec(k *float64, wt *int64, cnt int, lo, hi, eq float64) (lt, gt int64, stop int)

// addVec adds two pairs of vectors four numbers at a time (see
// cscv_amd64.s).
//
//go:noescape
func addVec(ds, dq, ps, pq, xs, xq *float64, cnt int) int
