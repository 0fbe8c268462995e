package stats

import (
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// elLogRatio returns -2 log R for the empirical likelihood of mean 0 of the
// points z (Owen 1988, Biometrika 75(2), eq. 2.3-2.5; Owen 2001, Empirical
// Likelihood, §3.14): R = Π n w_i with w_i = 1/(n (1 + λ z_i)), λ the root of
// Σ z_i/(1 + λ z_i) = 0, so -2 log R = 2 Σ log(1 + λ z_i). +Inf when 0 is
// outside the convex hull of z. Safeguarded Newton on the decreasing
// function of λ.
func elLogRatio(z []float64) float64 {
	zmin, zmax := math.Inf(1), math.Inf(-1)
	for _, v := range z {
		zmin, zmax = math.Min(zmin, v), math.Max(zmax, v)
	}
	if zmin == 0 && zmax == 0 {
		return 0
	}
	if !(zmin < 0 && zmax > 0) {
		return math.Inf(1)
	}
	// 1 + λ z_i > 0 for all i: λ in (-1/zmax, -1/zmin).
	lo, hi := -1/zmax, -1/zmin
	lam := 0.0
	for it := 0; it < 200; it++ {
		var f, df float64
		for _, v := range z {
			d := 1 + lam*v
			f += v / d
			df -= v * v / (d * d)
		}
		if f > 0 {
			lo = lam
		} else {
			hi = lam
		}
		next := lam - f/df
		if !(next > lo && next < hi) {
			next = 0.5 * (lo + hi)
		}
		if math.Abs(next-lam) <= 1e-13*(1+math.Abs(lam)) {
			lam = next
			break
		}
		lam = next
	}
	var w float64
	for _, v := range z {
		w += math.Log1p(lam * v)
	}
	return 2 * w
}

// candMoments returns the mean, the central moments m2, m3, m4 (divisor n).
func candMoments(x []float64) (m, m2, m3, m4 float64) {
	n := float64(len(x))
	for _, v := range x {
		m += v
	}
	m /= n
	for _, v := range x {
		d := v - m
		d2 := d * d
		m2 += d2
		m3 += d2 * d
		m4 += d2 * d2
	}
	return m, m2 / n, m3 / n, m4 / n
}

var candNames = []string{
	"bootstrap-t (plain)",
	"EL, chi2",
	"EL, Bartlett-corrected (estimated)",
	"AEL a=max(1,log(n)/2)",
	"AEL a=b/2 (Liu-Chen)",
	"EL, bootstrap-calibrated",
	"AEL, bootstrap-calibrated",
	"Tibshirani VS bootstrap",
	"Tibshirani VS, linear s(θ)",
	"Johnson t, bootstrap-calibrated",
}

// candCoverage: reps samples of n draws, the same resamples for every method.
func candCoverage(dist string, n, reps, B int, seed uint64) []float64 {
	const chunkReps = 25
	nch := (reps + chunkReps - 1) / chunkReps
	hits := make([][]int, nch)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for c := range nch {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			hits[c] = candChunk(dist, n, min(chunkReps, reps-c*chunkReps), B, DeriveSeed(seed, uint64(c)))
		}()
	}
	wg.Wait()
	out := make([]float64, len(candNames))
	for _, h := range hits {
		for k, v := range h {
			out[k] += float64(v)
		}
	}
	for k := range out {
		out[k] /= float64(reps)
	}
	return out
}

func candChunk(dist string, n, reps, B int, seed uint64) []int {
	rng := NewRand(seed)
	hit := make([]int, len(candNames))
	x, xs := make([]float64, n), make([]float64, n)
	z := make([]float64, n+1)
	ts, js, ws, was := make([]float64, B), make([]float64, B), make([]float64, B), make([]float64, B)
	ths, ses := make([]float64, B), make([]float64, B)
	const a = 0.025
	chi := distuv.ChiSquared{K: 1}.Quantile(0.95)
	nf := float64(n)
	f := nf / (nf - 1)
	for range reps {
		var mu float64
		for i := range x {
			x[i], mu, _ = skewed(dist, rng)
		}
		m, m2, m3, m4 := candMoments(x)
		se := math.Sqrt(f * m2 / nf)
		s2 := f * m2
		bart := m4/(2*m2*m2) - m3*m3/(3*m2*m2*m2)
		an := math.Max(1, math.Log(nf)/2)
		// EL at the truth.
		ael := func(x []float64, mu, an float64) float64 {
			var zb float64
			for i, v := range x {
				z[i] = v - mu
				zb += z[i]
			}
			z[len(x)] = -an * zb / float64(len(x))
			return elLogRatio(z[:len(x)+1])
		}
		for i, v := range x {
			z[i] = v - mu
		}
		wEL := elLogRatio(z[:n])
		wAEL := ael(x, mu, an)
		wAELb := ael(x, mu, math.Max(bart/2, 0))
		for b := range B {
			for i := range xs {
				xs[i] = x[rng.IntN(n)]
			}
			mb, m2b, m3b, _ := candMoments(xs)
			seb := math.Sqrt(f * m2b / nf)
			d := mb - m
			switch {
			case seb > 0:
				ts[b] = d / seb
			case d > 0:
				ts[b] = math.Inf(1)
			case d < 0:
				ts[b] = math.Inf(-1)
			default:
				ts[b] = 0
			}
			ths[b], ses[b] = mb, seb
			// Johnson (1978) modified t at μ = x̄ on the resample.
			if seb > 0 {
				s2b := f * m2b
				js[b] = (d + m3b/(6*s2b*nf) + m3b/(3*s2b*s2b)*d*d) / seb
			} else {
				js[b] = ts[b]
			}
			for i, v := range xs {
				z[i] = v - m
			}
			ws[b] = elLogRatio(z[:n])
			was[b] = ael(xs, m, an)
		}
		for _, s := range [][]float64{ts, js, ws, was} {
			slices.Sort(s)
		}
		in := func(lo, hi float64) bool { return lo <= mu && mu <= hi }
		ok := []bool{
			in(m-QuantileSorted(ts, 1-a)*se, m-QuantileSorted(ts, a)*se),
			wEL <= chi,
			wEL <= chi*(1+bart/nf),
			wAEL <= chi,
			wAELb <= chi,
			wEL <= QuantileSorted(ws, 0.95),
			wAEL <= QuantileSorted(was, 0.95),
			tibshiraniVS(m, mu, ths, ses),
			tibshiraniLinear(m, mu, ths, ses),
			johnsonIn(m, mu, se, s2, m3, nf, QuantileSorted(js, a), QuantileSorted(js, 1-a)),
		}
		for k, h := range ok {
			if h {
				hit[k]++
			}
		}
	}
	return hit
}

// johnsonIn: Johnson's (1978, JASA 73(363)) modified t,
// T1(μ) = (x̄ - μ + m3/(6 s² n) + m3/(3 s⁴) (x̄ - μ)²)/se, calibrated by the
// bootstrap quantiles [qa, qb] of T1 on resamples (Chen 1995, JASA 90(430)
// uses its bootstrap version): μ is covered when qa ≤ T1(μ) ≤ qb.
func johnsonIn(m, mu, se, s2, m3, n, qa, qb float64) bool {
	d := m - mu
	t1 := (d + m3/(6*s2*n) + m3/(3*s2*s2)*d*d) / se
	return qa <= t1 && t1 <= qb
}

// tibshiraniVS: Tibshirani (1988, Biometrika 75(3)) variance-stabilised
// bootstrap: the se of θ* as a function of θ* (binned running means of the
// resamples' se against their θ*), g(u) = ∫ du/s(u), and the basic bootstrap
// interval on the g scale: μ is covered when
// q_a ≤ g(θ̂) - g(μ) ≤ q_(1-a) with q the quantiles of g(θ*) - g(θ̂).
func tibshiraniVS(m, mu float64, th, se []float64) bool {
	B := len(th)
	idx := make([]int, B)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case th[a] < th[b]:
			return -1
		case th[a] > th[b]:
			return 1
		}
		return 0
	})
	const K = 20
	us, ss := make([]float64, 0, K), make([]float64, 0, K)
	for k := range K {
		lo, hi := k*B/K, (k+1)*B/K
		var u, s float64
		for _, i := range idx[lo:hi] {
			u += th[i]
			s += se[i]
		}
		c := float64(hi - lo)
		us, ss = append(us, u/c), append(ss, s/c)
	}
	sOf := func(u float64) float64 {
		if u <= us[0] {
			return ss[0]
		}
		for k := 1; k < K; k++ {
			if u <= us[k] {
				w := (u - us[k-1]) / (us[k] - us[k-1])
				return ss[k-1] + w*(ss[k]-ss[k-1])
			}
		}
		return ss[K-1]
	}
	// g(u) - g(m) = ∫_m^u 1/s: cumulative trapezoid on a grid of 400 steps
	// over [min(θ*, μ), max(θ*, μ)], interpolated linearly.
	const steps = 400
	glo, ghi := math.Min(th[idx[0]], mu), math.Max(th[idx[B-1]], mu)
	glo, ghi = math.Min(glo, m), math.Max(ghi, m)
	h := (ghi - glo) / steps
	cum := make([]float64, steps+1)
	inv := func(u float64) float64 {
		s := sOf(u)
		if !(s > 0) {
			s = 1e-300
		}
		return 1 / s
	}
	prev := inv(glo)
	for i := 1; i <= steps; i++ {
		cur := inv(glo + float64(i)*h)
		cum[i] = cum[i-1] + 0.5*h*(prev+cur)
		prev = cur
	}
	at := func(u float64) float64 {
		if h == 0 {
			return 0
		}
		p := (u - glo) / h
		i := min(max(int(p), 0), steps-1)
		w := p - float64(i)
		return cum[i] + w*(cum[i+1]-cum[i])
	}
	gm := at(m)
	g := func(u float64) float64 { return at(u) - gm }
	gs := make([]float64, B)
	for i, u := range th {
		gs[i] = g(u)
	}
	slices.Sort(gs)
	d := -g(mu) // g(θ̂) - g(μ) with g(θ̂) = 0
	return QuantileSorted(gs, 0.025) <= d && d <= QuantileSorted(gs, 0.975)
}

// tibshiraniLinear is tibshiraniVS with s(θ) = a + bθ fitted by least
// squares to the resamples' (θ*, se*) (b > 0 on skewed-right data), so
// g(u) = log((a + bu)/(a + bθ̂))/b extrapolates beyond the resamples.
func tibshiraniLinear(m, mu float64, th, se []float64) bool {
	B := float64(len(th))
	var mt, ms float64
	for i := range th {
		mt += th[i]
		ms += se[i]
	}
	mt, ms = mt/B, ms/B
	var sxy, sxx float64
	for i := range th {
		sxy += (th[i] - mt) * (se[i] - ms)
		sxx += (th[i] - mt) * (th[i] - mt)
	}
	b := sxy / sxx
	a := ms - b*mt
	g := func(u float64) float64 {
		if math.Abs(b) < 1e-12 {
			return (u - m) / ms
		}
		r := (a + b*u) / (a + b*m)
		if !(r > 0) {
			return math.Copysign(math.Inf(1), b*(u-m))
		}
		return math.Log(r) / b
	}
	gs := make([]float64, len(th))
	for i, u := range th {
		gs[i] = g(u)
	}
	slices.Sort(gs)
	d := -g(mu)
	return QuantileSorted(gs, 0.025) <= d && d <= QuantileSorted(gs, 0.975)
}

// TestELElementary: -2 log R for z = (-1, 2) in closed form: λ solves
// -1/(1-λ) + 2/(1+2λ) = 0 → λ = 1/4, W = 2 (log(3/4) + log(3/2)). For
// z = (-1, 1, 2) the EL weights w_i = 1/(n(1+λz_i)) must sum to 1 and have
// mean Σ w_i z_i = 0 (Owen 2001, §3.14), and W must equal -2 Σ log(n w_i)
// with λ found here by plain bisection on Σ z/(1+λz) = 0. Outside the hull
// W = +Inf.
func TestELElementary(t *testing.T) {
	got := elLogRatio([]float64{-1, 2})
	want := 2 * (math.Log(0.75) + math.Log(1.5))
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("W %v, want %v", got, want)
	}
	z := []float64{-1, 1, 2}
	lo, hi := -1/2.0+1e-15, 1-1e-15
	for range 200 {
		mid := 0.5 * (lo + hi)
		var f float64
		for _, v := range z {
			f += v / (1 + mid*v)
		}
		if f > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	lam := 0.5 * (lo + hi)
	var sw, swz, w2 float64
	for _, v := range z {
		w := 1 / (3 * (1 + lam*v))
		sw += w
		swz += w * v
		w2 -= 2 * math.Log(3*w)
	}
	if math.Abs(sw-1) > 1e-9 || math.Abs(swz) > 1e-9 {
		t.Errorf("weights sum %v, mean %v", sw, swz)
	}
	if got := elLogRatio(z); math.Abs(got-w2) > 1e-9 {
		t.Errorf("W %v, bisection %v", got, w2)
	}
	if !math.IsInf(elLogRatio([]float64{1, 2}), 1) {
		t.Error("outside the hull: want +Inf")
	}
}

// TestMeanIntervalCandidatesEL measures the second round of candidates for
// the interval of the mean (docs/EVIDENCE.md, "Other methods, measured"):
// empirical likelihood with the χ² calibration (Owen 1988), with the
// estimated Bartlett correction (DiCiccio, Hall & Romano 1991, Annals of
// Statistics 19(2): threshold χ²_{1,0.95}(1 + b/n), b = m4/(2m2²) -
// m3²/(3m2³)), adjusted EL (Chen, Variyath & Abraham 2008, JCGS 17(2),
// pseudo-point -a_n z̄, a_n = max(1, log(n)/2)) and with a_n = b/2 (Liu &
// Chen 2010, Annals of Statistics 38(3)), EL and AEL calibrated by the
// bootstrap distribution of W at x̄ (Owen 1988, §3), Tibshirani's (1988)
// variance-stabilised bootstrap, and Johnson's (1978) modified t calibrated
// by the bootstrap (Chen 1995) — on the same samples and the same resamples
// as the plain bootstrap-t (ClusterMeanTCI before its calibration). By default 1,000 samples of the σ = 1
// lognormal at n = 30 (the failing case): the bootstrap-t must be within
// 1.5 points of the best, and χ²-calibrated EL below it (3.5 points below
// on the 4,000 samples of the table: EL's interval bends towards the long
// tail, but only as far as the sample's own tail reaches). With
// RISKON_CAND=<reps> it runs the six cases of the table with that many
// samples (the table's command: RISKON_CAND=4000).
func TestMeanIntervalCandidatesEL(t *testing.T) {
	type cs struct {
		dist string
		n    int
	}
	cases := []cs{{"lognormal σ=1", 30}}
	reps := 1000
	if v := os.Getenv("RISKON_CAND"); v != "" {
		r, err := strconv.Atoi(v)
		if err != nil || r < 1 {
			t.Fatalf("RISKON_CAND=%q: want a number of samples", v)
		}
		reps = r
		cases = []cs{{"lognormal σ=1", 30}, {"lognormal σ=1", 100}, {"exponential", 30}, {"exponential", 100}, {"lognormal σ=0.5", 30}, {"lognormal σ=0.5", 100}}
	}
	for _, c := range cases {
		cov := candCoverage(c.dist, c.n, reps, 999, uint64(9100+c.n))
		best := 0.0
		for k, v := range cov {
			t.Logf("%s n=%d %-36s %.3f", c.dist, c.n, candNames[k], v)
			best = max(best, v)
		}
		if c.dist == "lognormal σ=1" && c.n == 30 {
			if cov[0] < best-0.015 {
				t.Errorf("bootstrap-t %.3f, best candidate %.3f", cov[0], best)
			}
			if cov[1] >= cov[0] {
				t.Errorf("χ² EL %.3f not below bootstrap-t %.3f", cov[1], cov[0])
			}
		}
	}
}
