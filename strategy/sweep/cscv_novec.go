//go:build !amd64

package sweep

// vecOK reports whether vector kernels of the CSCV run: only on amd64.
func vecOK() bool { return false }

// keysVec, rankVec and addVec do nothing where there are no vector
// kernels (vecOK is false, so the CSCV does not call them).
func keysVec(k, s0, q0, xs, xq *float64, cnt, stride, nb int, n, cut float64) int { return 0 }

func rankVec(k *float64, wt *int64, cnt int, lo, hi, eq float64) (lt, gt int64, stop int) {
	return 0, 0, 0
}

func addVec(ds, dq, ps, pq, xs, xq *float64, cnt int) int { return 0 }
