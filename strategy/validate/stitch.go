package validate

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results/stats"
	"github.com/riskon/riskon/strategy/backtest"
)

// Stitch joins engine results of consecutive, non-overlapping windows into
// one result that starts with capital: each part's equity curve is scaled
// so that it starts where the previous part ended (its daily returns are
// kept exactly), and its trades' money amounts are scaled alike (their
// returns are kept). Signals, trades and orders are concatenated in order.
func Stitch(parts []*engine.Result, capital float64) *engine.Result {
	out := &engine.Result{Capital: capital, Annualization: 365}
	eq := capital
	for k, p := range parts {
		if p == nil {
			continue
		}
		if k == 0 || out.WindowStart == 0 {
			out.WindowStart = p.WindowStart
		}
		out.WindowEnd = p.WindowEnd
		if p.Annualization > 0 {
			out.Annualization = p.Annualization
		}
		scale := 1.0
		if p.Capital > 0 {
			scale = eq / p.Capital
		}
		off := len(out.Signals)
		out.Signals = append(out.Signals, p.Signals...)
		for _, t := range p.Trades {
			if t.Signal >= 0 {
				t.Signal += off
			}
			t.Units *= scale
			t.Cost *= scale
			t.Proceeds *= scale
			t.Commission *= scale
			out.Trades = append(out.Trades, t)
		}
		for _, o := range p.Orders {
			o.Units *= scale
			out.Orders = append(out.Orders, o)
		}
		out.Dates = append(out.Dates, p.Dates...)
		out.Invested = append(out.Invested, p.Invested...)
		for _, e := range p.Equity {
			out.Equity = append(out.Equity, e*scale)
		}
		if n := len(out.Equity); n > 0 {
			eq = out.Equity[n-1]
		}
		out.Events += p.Events
	}
	return out
}

// CombinedRandomEntry combines the random-entry tests of the test windows
// (one per fold; nil or no-trade tests are left out) into one test of the
// stitched strategy: a stratified permutation test (Good 2005, Permutation,
// Parametric and Bootstrap Tests of Hypotheses, 3rd ed., §3.5), whose null
// draws the entries of every window independently from that window's
// random strategies. The k-th random stitched strategy pairs the
// π_f(k)-th random strategy of every window f, π_f a permutation seeded by
// seed and f (so that windows whose tests drew from the same seed are not
// paired draw for draw); its mean trade return is the trade-weighted mean
// of the windows' means and its total return the product of their growth.
// The p-values are (1 + #{random ≥ observed}) / (K + 1) as in
// backtest.RandomEntry; K is the smallest K of the windows. It returns NaN
// p-values and a note when some window's test could not run.
func CombinedRandomEntry(tests []*backtest.RandomEntryTest, tradesPer []int, seed uint64) (k int, p, totalP float64, note string) {
	p, totalP = math.NaN(), math.NaN()
	var use []int
	for f, t := range tests {
		if t == nil || t.Entries == 0 {
			continue
		}
		if t.Note != "" || len(t.Means) == 0 {
			return 0, p, totalP, fmt.Sprintf("the random-entry test of fold %d could not run: %s", f, t.Note)
		}
		use = append(use, f)
		if k == 0 || len(t.Means) < k {
			k = len(t.Means)
		}
	}
	if len(use) == 0 {
		return 0, p, totalP, "no trades"
	}
	var obsSum, obsGrowth, n float64 = 0, 1, 0
	for _, f := range use {
		w := float64(tradesPer[f])
		obsSum += tests[f].ObservedMean * w
		n += w
		obsGrowth *= 1 + tests[f].ObservedTotal
	}
	obsMean, obsTotal := obsSum/n, obsGrowth-1
	means := make([]float64, k)
	totals := make([]float64, k)
	for i := range totals {
		totals[i] = 1
	}
	for _, f := range use {
		t := tests[f]
		w := float64(tradesPer[f])
		perm := make([]int, len(t.Means))
		for i := range perm {
			perm[i] = i
		}
		if f > 0 {
			rng := rand.New(stats.NewPCG(stats.DeriveSeed(seed, uint64(f))))
			rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		}
		for i := range k {
			means[i] += t.Means[perm[i]] * w / n
			totals[i] *= 1 + t.Totals[perm[i]]
		}
	}
	for i := range totals {
		totals[i]--
	}
	return k, pValue(means, obsMean), pValue(totals, obsTotal), ""
}

// pValue is (1 + #{x ≥ obs}) / (len(x) + 1) with ties up to rounding (and
// NaN draws) counting as at least as large, as backtest.RandomEntry counts.
func pValue(x []float64, obs float64) float64 {
	tol := 1e-12 * (1 + math.Abs(obs))
	c := 0
	for _, v := range x {
		if math.IsNaN(v) || v >= obs-tol {
			c++
		}
	}
	return float64(1+c) / float64(len(x)+1)
}
