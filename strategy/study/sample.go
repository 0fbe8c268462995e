package study

import (
	"math"
	"math/rand/v2"
	"sort"

	"github.com/riskon/riskon/data"
)

// maxSamplerCells bounds the counting table of a spaced sampler (k+1)(m+1)
// float64s, about 64 MB.
const maxSamplerCells = 8 << 20

// spacedSampler draws k of the m sorted dates uniformly among all k-subsets
// whose consecutive members are at least g calendar days apart.
//
// With nx(j) the first index whose date is ≥ date_j + g, the number of
// admissible k-subsets of the suffix starting at i satisfies
//
//	W_0(i) = 1,  W_k(m) = 0 (k ≥ 1),  W_k(i) = W_k(i+1) + W_{k-1}(nx(i))
//
// (either date i is skipped, or it is the first member and the rest come
// from nx(i) on). A draw picks the first member j ≥ i with probability
// W_{k-1}(nx(j)) / W_k(i) by inverting the cumulative sum W_k(i) - W_k(j+1)
// with a binary search, then continues from nx(j) with k-1. This is exact
// sequential sampling from the uniform distribution on the admissible
// subsets (the standard counting method for uniform generation of
// combinatorial structures: Nijenhuis & Wilf 1978, Combinatorial Algorithms,
// ch. 13). Each row W_k is rescaled to max 1, which does not change the
// probabilities (they are ratios within a row) and avoids overflow; a subset
// with probability below ~1e-308 may become undrawable.
//
// g ≤ 0 means no spacing: a partial Fisher-Yates shuffle draws k distinct
// indices.
type spacedSampler struct {
	m, k int
	nx   []int
	w    [][]float64
	perm []int // g ≤ 0: the index permutation reused across draws
}

// newSpacedSampler prepares draws of k of the dates (sorted ascending) at
// least g days apart. ok is false when no admissible subset exists or the
// counting table would be too large.
func newSpacedSampler(dates []data.Date, k, g int) (s *spacedSampler, ok bool) {
	m := len(dates)
	if k < 1 || k > m {
		return nil, false
	}
	s = &spacedSampler{m: m, k: k}
	if g <= 0 {
		s.perm = make([]int, m)
		for i := range s.perm {
			s.perm[i] = i
		}
		return s, true
	}
	if (k+1)*(m+1) > maxSamplerCells {
		return nil, false
	}
	s.nx = make([]int, m)
	for j := range dates {
		lim := dates[j] + data.Date(g)
		s.nx[j] = j + sort.Search(m-j, func(i int) bool { return dates[j+i] >= lim })
	}
	s.w = make([][]float64, k+1)
	s.w[0] = make([]float64, m+1)
	for i := range s.w[0] {
		s.w[0][i] = 1
	}
	for kk := 1; kk <= k; kk++ {
		row := make([]float64, m+1)
		prev := s.w[kk-1]
		for i := m - 1; i >= 0; i-- {
			row[i] = row[i+1] + prev[s.nx[i]]
		}
		if !(row[0] > 0) {
			return nil, false
		}
		inv := 1 / row[0]
		for i := range row {
			row[i] *= inv
		}
		s.w[kk] = row
	}
	return s, true
}

// draw fills out[:k] with the indices of one uniform admissible subset, in
// increasing order when g > 0 (any order otherwise).
func (s *spacedSampler) draw(rng *rand.Rand, out []int) {
	if s.perm != nil {
		for i := 0; i < s.k; i++ {
			j := i + rng.IntN(s.m-i)
			s.perm[i], s.perm[j] = s.perm[j], s.perm[i]
			out[i] = s.perm[i]
		}
		return
	}
	i := 0
	for kk := s.k; kk >= 1; kk-- {
		row := s.w[kk]
		u := rng.Float64() * row[i]
		target := row[i] - u // find the smallest j ≥ i with row[j+1] < target
		j := i + sort.Search(s.m-i, func(x int) bool { return row[i+x+1] < target })
		if j >= s.m { // rounding at the very end of the row
			j = s.m - 1
		}
		// Skip dates with no admissible continuation (zero-probability first members).
		for j < s.m-1 && s.w[kk-1][s.nx[j]] == 0 {
			j++
		}
		out[s.k-kk] = j
		i = s.nx[j]
		if i > s.m {
			i = s.m
		}
	}
}

// permutationP returns the one-sided permutation p-value of an observed mean
// of n values against the means of K random n-subsets of pool (with dates
// poolDates, sorted) spaced at least g days apart:
//
//	p = (1 + #{b : mean*_b ≥ observed}) / (K + 1)
//
// (Phipson & Smyth 2010). Means are compared as sums with a relative
// tolerance of 1e-12, so ties count against the signal. It returns NaN when
// n < 1, K < 1, observed is NaN, or no admissible subset exists.
func permutationP(observed float64, n int, pool []float64, poolDates []data.Date, g, K int, rng *rand.Rand) float64 {
	if n < 1 || K < 1 || math.IsNaN(observed) {
		return math.NaN()
	}
	s, ok := newSpacedSampler(poolDates, n, g)
	if !ok {
		return math.NaN()
	}
	obs := observed * float64(n)
	tol := 1e-12 * math.Max(1, math.Abs(obs))
	idx := make([]int, n)
	count := 0
	for b := 0; b < K; b++ {
		s.draw(rng, idx)
		var sum float64
		for _, i := range idx {
			sum += pool[i]
		}
		if sum >= obs-tol {
			count++
		}
	}
	return float64(1+count) / float64(K+1)
}

// independent counts the events (dates sorted ascending) that are at least
// h days after the previous counted one (greedy from the first): the number
// of non-overlapping h-day windows among them.
func independent(dates []data.Date, h int) int {
	n := 0
	var last data.Date
	for i, d := range dates {
		if i == 0 || int(d-last) >= h {
			n++
			last = d
		}
	}
	return n
}

// overlapping reports whether two consecutive events (dates sorted) are
// fewer than h days apart, so that their h-day returns share days.
func overlapping(dates []data.Date, h int) bool {
	for i := 1; i < len(dates); i++ {
		if int(dates[i]-dates[i-1]) < h {
			return true
		}
	}
	return false
}

// deriveSeed mixes a base seed with stream coordinates by SplitMix64
// (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
// generators", OOPSLA), so that every (target, horizon, set) has its own
// reproducible stream, independent of the order of computation.
func deriveSeed(seed uint64, parts ...uint64) uint64 {
	z := seed
	for _, p := range parts {
		z += 0x9e3779b97f4a7c15 + p*0xbf58476d1ce4e5b9
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
	}
	return z
}

// rotationP returns the exact one-sided p-value of the circular-shift
// (rotation) test: the events sit at positions pos of the pool (in date
// order); every offset s = 0..m-1 moves all of them together to
// (pos_i + s) mod m, which keeps their spacing and clustering, and
//
//	p = #{s : Σ_i pool[(pos_i + s) mod m] ≥ observed sum} / m
//
// (s = 0 is the observed arrangement up to the events' own returns). This
// is the randomisation test for clustered events in a dependent series
// (the "toroidal shift" of Harris 1992; Fortin & Jacquez 2000, "Randomization
// tests and spatially auto-correlated data", Bull. Ecol. Soc. Am. 81(3)):
// shuffling clustered events one by one would treat them as independent and
// make p far too small. observed is the mean of the n = len(pos) events.
// It returns NaN when pos is empty, the pool is empty, or observed is NaN.
func rotationP(observed float64, pos []int, pool []float64) float64 {
	m, n := len(pool), len(pos)
	if n == 0 || m == 0 || math.IsNaN(observed) {
		return math.NaN()
	}
	obs := observed * float64(n)
	tol := 1e-12 * math.Max(1, math.Abs(obs))
	count := 0
	for s := 0; s < m; s++ {
		var sum float64
		for _, p := range pos {
			j := p + s
			if j >= m {
				j -= m
			}
			sum += pool[j]
		}
		if sum >= obs-tol {
			count++
		}
	}
	return float64(count) / float64(m)
}

// positions maps event dates to indices of the first pool date on or after
// each (clamped to the last date).
func positions(dates, poolDates []data.Date) []int {
	out := make([]int, len(dates))
	for i, d := range dates {
		j := sort.Search(len(poolDates), func(k int) bool { return poolDates[k] >= d })
		out[i] = min(j, len(poolDates)-1)
	}
	return out
}
