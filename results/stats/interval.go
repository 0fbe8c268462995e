package stats

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// ClusterMeanTCI returns the calibrated studentized (bootstrap-t) confidence
// interval of the ratio mean θ = Σ_g s_g / Σ_g c_g of G clusters (s_g the sum
// and c_g the count of the values of cluster g; with one value per cluster θ
// is the plain mean), resampling whole clusters (Efron & Tibshirani 1993, An
// Introduction to the Bootstrap, §12.5, eq. 12.19-12.22; Davison & Hinkley
// 1997, §5.2.1; the cluster resampling of Cameron, Gelbach & Miller 2008,
// REStat 90(3)):
//
//	se(θ)   = sqrt( G/(G-1) Σ_g (s_g - θ c_g)² ) / Σ_g c_g   (cluster-robust, linearised)
//	t*_b    = (θ*_b - θ̂) / se*_b                             (B resamples of G clusters)
//	[lo,hi] = [θ̂ - t*_(1-a_hi) se(θ̂),  θ̂ - t*_(a_lo) se(θ̂)]
//
// with t*_(q) the q-quantile (QuantileSorted) of the t*_b. The plain
// bootstrap-t takes a_lo = a_hi = α/2 (α = 1-level) and is second-order
// accurate (Hall 1988, Annals of Statistics 16(3)), but on very skewed data
// it undercovers on the side of the long tail: the samples that miss the rare
// large values understate both the mean and its spread (about 92.5% at
// G = 30 on a lognormal with σ = 1, docs/EVIDENCE.md). So the tail on the
// side the sample leans to is calibrated (Loh 1987, "Calibrating confidence
// coefficients", JASA 82(397): the nominal level is altered so that the
// coverage simulated under a model of the data equals the target; here the
// model is a reference family and the altered level depends on G only):
//
//	γ̂ = m₃/m₂^{3/2},  m_k = (1/G) Σ_g e_g^k,  e_g = s_g - θ̂ c_g   (skewness of the cluster residuals)
//	r(G) = 1 - meanTCalA/sqrt(max(G, meanTCalMinG))
//	a_lo = r(G) α/2 when γ̂ >  sqrt(6/G) (long right tail: the upper bound moves up), else α/2
//	a_hi = r(G) α/2 when γ̂ < -sqrt(6/G) (long left tail: the lower bound moves down), else α/2
//
// sqrt(6/G) is the standard error of the sample skewness of normal data, so
// symmetric samples are mostly left at the plain bootstrap-t. meanTCalA was
// fitted so that the coverage of the nominal 95% interval on the reference
// family (exponential, lognormal σ = 0.5, lognormal σ = 1) is as close to 95%
// as it can be at every G from 15 to 500 (the largest deviation from 95%
// over the family, minimised jointly over G; TestMeanTCalibration
// regenerates it): 94.7-95.9% on the family at G = 30 and 100, 95.1-95.2% on normal
// data (docs/EVIDENCE.md, "A third round"). A resample whose clusters are all
// alike has se* = 0: its t* is +Inf or -Inf (0 when θ* = θ̂), which keeps the
// quantiles honest; an infinite quantile gives a NaN bound.
//
// The B resamples are split into chunks with their own random streams drawn
// from rng (one Uint64 each) and run on up to GOMAXPROCS goroutines: the
// interval depends on the seed only, not on the number of cores. It returns
// NaN, NaN when G < 2, B < 1, level is not in (0, 1), se(θ̂) = 0, or rng is
// nil.
func ClusterMeanTCI(sums, counts []float64, B int, level float64, rng *rand.Rand) (lo, hi float64) {
	if !(level > 0 && level < 1) {
		return math.NaN(), math.NaN()
	}
	theta, se, ts := clusterTBoot(sums, counts, B, rng)
	if ts == nil {
		return math.NaN(), math.NaN()
	}
	aLo, aHi := meanTTails(sums, counts, theta, level)
	return tInterval(theta, se, ts, aLo, aHi)
}

// The calibration of ClusterMeanTCI: r(G) = 1 - meanTCalA/sqrt(max(G,
// meanTCalMinG)), fitted on the reference family by TestMeanTCalibration.
const (
	meanTCalA    = 2.74
	meanTCalMinG = 15
)

// meanTTails returns the calibrated tail shares (a_lo, a_hi) of
// ClusterMeanTCI for the clusters (sums, counts) with ratio mean theta.
func meanTTails(sums, counts []float64, theta, level float64) (aLo, aHi float64) {
	G := float64(len(sums))
	var m2, m3 float64
	for g := range sums {
		e := sums[g] - theta*counts[g]
		m2 += e * e
		m3 += e * e * e
	}
	m2, m3 = m2/G, m3/G
	a := (1 - level) / 2
	aLo, aHi = a, a
	if !(m2 > 0) {
		return aLo, aHi
	}
	gamma := m3 / math.Pow(m2, 1.5)
	thr := math.Sqrt(6 / G)
	r := 1 - meanTCalA/math.Sqrt(math.Max(G, meanTCalMinG))
	switch {
	case gamma > thr:
		aLo = r * a
	case gamma < -thr:
		aHi = r * a
	}
	return aLo, aHi
}

// tInterval returns [θ̂ - t*_(1-aHi) se, θ̂ - t*_(aLo) se] from the sorted
// t*: aLo is the share of t* below the quantile that sets the upper bound,
// aHi the share above the one that sets the lower bound. An infinite bound
// is NaN.
func tInterval(theta, se float64, ts []float64, aLo, aHi float64) (lo, hi float64) {
	tlo, thi := QuantileSorted(ts, aLo), QuantileSorted(ts, 1-aHi)
	lo, hi = theta-thi*se, theta-tlo*se
	if math.IsInf(lo, 0) {
		lo = math.NaN()
	}
	if math.IsInf(hi, 0) {
		hi = math.NaN()
	}
	return lo, hi
}

// clusterTBoot returns θ̂, se(θ̂) and the sorted studentized statistics t*_b
// of B cluster resamples (ClusterMeanTCI); ts is nil when G < 2, B < 1,
// se(θ̂) = 0 or rng is nil.
func clusterTBoot(sums, counts []float64, B int, rng *rand.Rand) (theta, se float64, ts []float64) {
	G := len(sums)
	if G < 2 || len(counts) != G || B < 1 || rng == nil {
		return math.NaN(), math.NaN(), nil
	}
	theta, se = clusterMeanSE(sums, counts)
	if !(se > 0) || math.IsNaN(theta) {
		return math.NaN(), math.NaN(), nil
	}
	// Per cluster: s, c, s², s·c, c², gathered for the one-pass moments of
	// a resample.
	ms := make([]mom, G)
	for g := range ms {
		s, c := sums[g], counts[g]
		ms[g] = mom{s, c, s * s, s * c, c * c}
	}
	ts = make([]float64, B)
	f := float64(G) / float64(G-1)
	runChunks(splitChunks(B, rng), newBlockSampler(G, 1), true, func(ch chunk, _ *blockSampler) {
		src := ch.src
		for b := ch.lo; b < ch.hi; b++ {
			S, C, SS, SC, CC := clusterSums(&src, ms)
			th := S / C
			// Σ (s - θ c)² = Σs² - 2θ Σsc + θ² Σc², ≥ 0 up to rounding.
			v := math.Max(SS-2*th*SC+th*th*CC, 0)
			sd := math.Sqrt(f*v) / C
			d := th - theta
			switch {
			case sd > 1e-12*math.Abs(d) && sd > 0:
				ts[b] = d / sd
			case d > 0:
				ts[b] = math.Inf(1)
			case d < 0:
				ts[b] = math.Inf(-1)
			default:
				ts[b] = 0
			}
		}
	})
	slices.Sort(ts)
	return theta, se, ts
}

// mom is what a cluster adds to the moments of a resample: its sum s, its
// count c, s², s·c and c².
type mom struct{ s, c, ss, sc, cc float64 }

// addTo returns the sums with the cluster's moments added (one addition
// each, in the order of the fields).
func (m *mom) addTo(S, C, SS, SC, CC float64) (float64, float64, float64, float64, float64) {
	return S + m.s, C + m.c, SS + m.ss, SC + m.sc, CC + m.cc
}

// clusterSums draws one iid resample of the clusters ms, the indices exactly
// as blockSampler.iidIndices draws them (the same words and rejections),
// and returns the sums of the drawn clusters' moments, added in the order
// drawn. Drawing and adding in one loop lets the processor run the draws
// beside the additions, whose chains of dependent sums set the pace
// (TestClusterSumsMatchIndices).
func clusterSums(src *pcg, ms []mom) (S, C, SS, SC, CC float64) {
	p := *src
	n := uint64(len(ms))
	if n < 1<<16 {
		n4 := n * n * n * n
		var thr uint64 // 2^64 mod n^4 (nothing is drawn from no clusters)
		if n4 > 0 {
			thr = -n4 % n4
		}
		for k := 0; k < len(ms); k += 4 {
			var x, i1, i2, i3, i4 uint64
			for {
				p, x = p.next()
				i1, x = bits.Mul64(x, n)
				i2, x = bits.Mul64(x, n)
				i3, x = bits.Mul64(x, n)
				i4, x = bits.Mul64(x, n)
				if x >= thr {
					break
				}
			}
			switch len(ms) - k {
			default:
				S, C, SS, SC, CC = ms[i1].addTo(S, C, SS, SC, CC)
				S, C, SS, SC, CC = ms[i2].addTo(S, C, SS, SC, CC)
				S, C, SS, SC, CC = ms[i3].addTo(S, C, SS, SC, CC)
				S, C, SS, SC, CC = ms[i4].addTo(S, C, SS, SC, CC)
			case 3:
				S, C, SS, SC, CC = ms[i1].addTo(S, C, SS, SC, CC)
				S, C, SS, SC, CC = ms[i2].addTo(S, C, SS, SC, CC)
				S, C, SS, SC, CC = ms[i3].addTo(S, C, SS, SC, CC)
			case 2:
				S, C, SS, SC, CC = ms[i1].addTo(S, C, SS, SC, CC)
				S, C, SS, SC, CC = ms[i2].addTo(S, C, SS, SC, CC)
			case 1:
				S, C, SS, SC, CC = ms[i1].addTo(S, C, SS, SC, CC)
			}
		}
	} else {
		n2 := n * n
		thr := -n2 % n2
		for k := 0; k < len(ms); k += 2 {
			var x, i1, i2 uint64
			for {
				p, x = p.next()
				i1, x = bits.Mul64(x, n)
				i2, x = bits.Mul64(x, n)
				if x >= thr {
					break
				}
			}
			S, C, SS, SC, CC = ms[i1].addTo(S, C, SS, SC, CC)
			if k+1 < len(ms) {
				S, C, SS, SC, CC = ms[i2].addTo(S, C, SS, SC, CC)
			}
		}
	}
	*src = p
	return S, C, SS, SC, CC
}

// clusterMeanSE returns θ = Σs/Σc and its cluster-robust standard error
// sqrt(G/(G-1) Σ (s_g - θ c_g)²) / Σc.
func clusterMeanSE(sums, counts []float64) (theta, se float64) {
	var S, C float64
	for g := range sums {
		S += sums[g]
		C += counts[g]
	}
	theta = S / C
	var v float64
	for g := range sums {
		d := sums[g] - theta*counts[g]
		v += d * d
	}
	G := float64(len(sums))
	return theta, math.Sqrt(G/(G-1)*v) / C
}

// ClusterMedianCI returns a distribution-free confidence interval of the
// median of values x grouped in clusters (grp[i] the cluster of x[i], 0 ≤
// grp[i] < G), by inverting a confidence interval of the distribution
// function at the median (Woodruff 1952, "Confidence intervals for
// medians and other position measures", JASA 47(260); with the
// cluster-robust variance of Francisco & Fuller 1991, "Quantile estimation
// with a complex survey design", Annals of Statistics 19(1)):
//
//	a_g = #{i in g : x_i < m̂} + ½ #{i in g : x_i = m̂},  c_g = #{i in g}
//	V   = G/(G-1) Σ_g (a_g - ½ c_g)² / N²
//	p±  = ½ ± z_(1-α/2) sqrt(V)
//	[lo, hi] = [x_(⌈N p-⌉), x_(⌊N p+⌋+1)]   (1-based order statistics, clamped to 1..N)
//
// With one value per cluster (G = N) it is the exact order-statistic
// interval of the median (Conover 1999, Practical Nonparametric Statistics,
// §3.2; Table A3), [x_(l), x_(N+1-l)] with l the largest rank such that
// P(Bin(N, ½) ≤ l-1) ≤ α/2, whose coverage for continuous independent data
// is P(l ≤ Bin(N, ½) ≤ N-l) ≥ level whatever the distribution
// (MedianCICoverage); the normal form above is its large-N approximation
// with the variance widened for clusters. No resampling: it costs one sort. It
// returns NaN, NaN when N < 2 or level is not in (0, 1); the ranks l and u
// are returned for MedianCICoverage.
func ClusterMedianCI(x []float64, grp []int, G int, level float64) (lo, hi float64, l, u int) {
	N := len(x)
	if N < 2 || len(grp) != N || G < 1 || !(level > 0 && level < 1) {
		return math.NaN(), math.NaN(), 0, 0
	}
	xs := slices.Clone(x)
	slices.Sort(xs)
	m := MedianInPlace(slices.Clone(xs))
	dev := make([]float64, G)
	for i, v := range x {
		switch {
		case v < m:
			dev[grp[i]] += 0.5
		case v > m:
			dev[grp[i]] -= 0.5
		}
	}
	var v float64
	for _, d := range dev {
		v += d * d
	}
	if G > 1 {
		v *= float64(G) / float64(G-1)
	}
	v /= float64(N) * float64(N)
	if G == N {
		// One value per cluster: the exact ranks.
		l = medianRank(N, level)
		u = N + 1 - l
		return xs[l-1], xs[u-1], l, u
	}
	z := distuv.UnitNormal.Quantile(1 - (1-level)/2)
	pl, pu := 0.5-z*math.Sqrt(v), 0.5+z*math.Sqrt(v)
	l = min(max(int(math.Ceil(float64(N)*pl-1e-9)), 1), N)
	u = min(max(int(math.Floor(float64(N)*pu+1e-9))+1, 1), N)
	return xs[l-1], xs[u-1], l, u
}

// medianRank returns the lower rank l of the exact order-statistic interval
// [x_(l), x_(N+1-l)] of the median of N independent values: the largest l
// with P(Bin(N, ½) ≤ l-1) ≤ (1-level)/2, or 1 when even P(Bin = 0) is
// larger (then the coverage, 1 - 2^(1-N), falls short of the level).
func medianRank(N int, level float64) int {
	b := distuv.Binomial{N: float64(N), P: 0.5}
	a := (1 - level) / 2
	l := 1
	for j := 0; j < N/2; j++ {
		if b.CDF(float64(j)) > a+1e-12 {
			break
		}
		l = j + 1
	}
	return min(l, (N+1)/2)
}

// MedianCICoverage returns the exact coverage of the order-statistic
// interval [x_(l), x_(u)] of the median of N independent draws from a
// continuous distribution: P(l ≤ K ≤ u-1) with K ~ Binomial(N, ½) (the
// number of draws below the true median), the same for every distribution
// (Conover 1999, §3.2).
func MedianCICoverage(N, l, u int) float64 {
	if N < 1 || l < 1 || u > N || l >= u {
		return math.NaN()
	}
	b := distuv.Binomial{N: float64(N), P: 0.5}
	var p float64
	for k := l; k <= u-1; k++ {
		p += b.Prob(float64(k))
	}
	return p
}

// meanTCoverage is the coverage of the nominal 95% ClusterMeanTCI interval
// (calibrated) of the mean of n independent draws (one per cluster),
// measured by simulation: 4,000 seeded samples per n (seed 1000+n), B = 999,
// from a lognormal (e^Z, Z standard normal: skewness 6.2) and an exponential
// distribution (skewness 2). Generated by
// RISKON_MEANT_TABLE=4000 go test ./results/stats -run TestMeanTCICoverageTable -v
// (which prints these rows and checks them). Standard error about 0.4 points.
var meanTCoverage = []struct {
	n                int
	lognormal, expon float64
}{
	{4, 0.908, 0.935}, {5, 0.892, 0.922}, {6, 0.896, 0.925}, {7, 0.901, 0.940},
	{8, 0.908, 0.943}, {9, 0.914, 0.947}, {10, 0.922, 0.945}, {12, 0.937, 0.953},
	{15, 0.940, 0.957}, {20, 0.948, 0.964}, {25, 0.944, 0.957}, {30, 0.940, 0.964},
	{40, 0.952, 0.957}, {50, 0.946, 0.956}, {70, 0.946, 0.956}, {100, 0.944, 0.956},
}

// MeanTCICoverage returns the coverage measured for the ClusterMeanTCI
// interval of the mean of n clusters on skewed data: the lower of the
// lognormal and exponential coverages of meanTCoverage, interpolated
// linearly in n (the value at 100 beyond it). It is measured at level 0.95
// only: it returns NaN for another level, and for n < 4, where most
// intervals have an infinite bound.
func MeanTCICoverage(n int, level float64) float64 {
	if n < meanTCoverage[0].n || math.Abs(level-0.95) > 1e-9 {
		return math.NaN()
	}
	low := func(i int) float64 { return math.Min(meanTCoverage[i].lognormal, meanTCoverage[i].expon) }
	for i := 1; i < len(meanTCoverage); i++ {
		a, b := meanTCoverage[i-1], meanTCoverage[i]
		if n <= b.n {
			f := float64(n-a.n) / float64(b.n-a.n)
			return low(i-1) + f*(low(i)-low(i-1))
		}
	}
	return low(len(meanTCoverage) - 1)
}

// Holm returns Holm's (1979) step-down adjusted p-values of a family of
// tests ("A simple sequentially rejective multiple test procedure",
// Scandinavian Journal of Statistics 6(2)): with the m defined p-values
// sorted ascending p_(1) ≤ … ≤ p_(m),
//
//	p̃_(i) = min(1, max_{j ≤ i} (m - j + 1) p_(j)),
//
// so rejecting p̃ ≤ α controls the family-wise error rate at α under any
// dependence between the tests. NaN p-values (tests that could not run) stay
// NaN and do not count in m. p is not modified.
func Holm(p []float64) []float64 {
	out := make([]float64, len(p))
	idx := make([]int, 0, len(p))
	for i, v := range p {
		out[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	m := len(idx)
	run := 0.0
	for j, i := range idx {
		run = math.Max(run, math.Min(1, float64(m-j)*p[i]))
		out[i] = run
	}
	return out
}
