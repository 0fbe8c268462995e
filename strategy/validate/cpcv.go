package validate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/sweep"
)

// CPCV limits, checked before any work.
const (
	MaxCPCVGroups = 24
	// MaxCPCVSplits bounds C(groups, test groups).
	MaxCPCVSplits = 100_000
	// MaxCPCVCells bounds trials × days of daily returns held in memory
	// (8 bytes each: 400 MB).
	MaxCPCVCells = 50_000_000
	// MaxEmbargoDays bounds --embargo.
	MaxEmbargoDays = 3650
)

// CPCVOptions configure combinatorial purged cross-validation.
type CPCVOptions struct {
	// Groups N and TestGroups k: the days are cut into N contiguous groups
	// and every choice of k of them is a test set (C(N, k) splits).
	Groups, TestGroups int
	// EmbargoDays are dropped from training after each test group.
	EmbargoDays int
	// RankBy chooses the best trial on each training set: sharpe, psr, dsr
	// or total_return (computed from the trials' daily returns).
	RankBy  string
	Workers int
}

// CPCVSplit is one split: its test groups, the trial chosen on the
// training days and its Sharpe ratios in and out of sample (annualised).
type CPCVSplit struct {
	TestGroups []int         `json:"test_groups"`
	Chosen     int           `json:"chosen"`
	Params     sweep.Params  `json:"params"`
	ISSharpe   results.Value `json:"is_sharpe"`
	OOSSharpe  results.Value `json:"oos_sharpe"`
	// OOSRank is the chosen trial's relative rank out of sample among all
	// trials (0 worst, 1 best; mid-ranks for ties).
	OOSRank results.Value `json:"oos_rank"`
}

// CPCVResult is the outcome of CPCV.
type CPCVResult struct {
	Method      string `json:"method"`
	RankBy      string `json:"rank_by"`
	Start       string `json:"start"`
	End         string `json:"end"`
	Trials      int    `json:"trials"`
	Groups      int    `json:"groups"`
	TestGroups  int    `json:"test_groups"`
	GroupDays   int    `json:"group_days"`
	EmbargoDays int    `json:"embargo_days"`
	// PurgeDays are dropped from training before each test group: the
	// longest holding period of the sweep's trials (a position opened in
	// training carries into the test group).
	PurgeDays int         `json:"purge_days"`
	Splits    []CPCVSplit `json:"splits"`
	// Paths are the C(N-1, k-1) out-of-sample paths (López de Prado 2018,
	// §12.4): each covers every group once, each group from a split that
	// tested it. PathSharpes are their annualised Sharpe ratios, and
	// BenchmarkSharpe buy-and-hold's over the same days.
	Paths           int             `json:"paths"`
	PathSharpes     []results.Value `json:"path_sharpes"`
	MeanPathSharpe  results.Value   `json:"mean_path_sharpe"`
	SDPathSharpe    results.Value   `json:"sd_path_sharpe"`
	BenchmarkSharpe results.Value   `json:"benchmark_sharpe"`
	// PathsBeatingBenchmark counts paths whose Sharpe ratio exceeds
	// buy-and-hold's.
	PathsBeatingBenchmark int `json:"paths_beating_benchmark"`
	// MeanISSharpe is the mean in-sample Sharpe ratio of the chosen trials
	// and Degradation MeanPathSharpe over it.
	MeanISSharpe results.Value `json:"mean_is_sharpe"`
	Degradation  results.Value `json:"degradation"`
	// PBO is the share of splits whose chosen trial ranks at or below the
	// median out of sample (Bailey et al. 2017, with CPCV's splits).
	PBO      results.Value `json:"pbo"`
	Warnings []string      `json:"warnings"`
	Verdict  string        `json:"verdict"`
}

// CPCV runs combinatorial purged cross-validation (López de Prado 2018,
// Advances in Financial Machine Learning, ch. 12) of a sweep: every trial
// is run once over the whole range; its daily returns (zero outside its
// window) are cut into N groups of whole days; for each of the C(N, k)
// choices of k test groups, the best trial by opts.RankBy on the training
// days (the other groups, without the purge days before and the embargo
// days after each test group) is chosen and its returns on the test groups
// are kept; the test groups are then assembled into C(N-1, k-1) paths.
// Results do not depend on opts.Workers.
func CPCV(ctx context.Context, sh *backtest.Shared, exp *sweep.Expansion, opts CPCVOptions) (*CPCVResult, error) {
	if exp == nil || len(exp.Trials) < 2 {
		return nil, errors.New("CPCV needs a sweep of at least 2 trials")
	}
	N, k := opts.Groups, opts.TestGroups
	if N < 2 || N > MaxCPCVGroups {
		return nil, fmt.Errorf("--cpcv %d,%d: want 2 to %d groups", N, k, MaxCPCVGroups)
	}
	if k < 1 || k >= N {
		return nil, fmt.Errorf("--cpcv %d,%d: want 1 to %d test groups", N, k, N-1)
	}
	if c := binomial(N, k); c > MaxCPCVSplits {
		return nil, fmt.Errorf("--cpcv %d,%d gives %d splits: at most %d", N, k, c, MaxCPCVSplits)
	}
	if opts.EmbargoDays < 0 || opts.EmbargoDays > MaxEmbargoDays {
		return nil, fmt.Errorf("--embargo %d: want 0 to %d days", opts.EmbargoDays, MaxEmbargoDays)
	}
	rankBy := opts.RankBy
	if rankBy == "" {
		rankBy = sweep.DefaultRankBy
	}
	switch rankBy {
	case "sharpe", "total_return", sweep.RankDSR, sweep.RankPSR:
	default:
		return nil, fmt.Errorf("--rank-by %q: CPCV ranks by sharpe, dsr, psr or total_return (computed from daily returns)", rankBy)
	}
	first, last, err := dataRange(sh.DS, exp)
	if err != nil {
		return nil, err
	}
	T := int(last-first) + 1
	groupDays := T / N
	if groupDays < MinWindowDays {
		return nil, fmt.Errorf("--cpcv %d,%d: %d days make groups of %d days, fewer than %d: use fewer groups", N, k, T, groupDays, MinWindowDays)
	}
	if cells := len(exp.Trials) * T; cells > MaxCPCVCells {
		return nil, fmt.Errorf("CPCV of %d trials over %d days holds %d daily returns: at most %d; use fewer trials", len(exp.Trials), T, cells, MaxCPCVCells)
	}
	start := first + data.Date(T-N*groupDays) // drop the oldest T mod N days
	days := N * groupDays

	// Every trial once over the range, its daily returns on the grid.
	e := *exp
	e.Base.Data.Start, e.Base.Data.End = first.String(), last.String()
	pos := make(map[int]int, len(e.Trials))
	purge := 0
	for i, t := range e.Trials {
		pos[t.Index] = i
		cfg, err := e.Config(&e.Trials[i])
		if err != nil {
			return nil, err
		}
		purge = max(purge, cfg.Trade.HoldDays)
	}
	R := make([]float64, len(e.Trials)*days)
	// Observe runs on the workers; each writes its own trial's row.
	_, err = sweep.Run(ctx, sh, &e, e.Trials, sweep.Options{Workers: opts.Workers, Observe: func(t *sweep.Trial, _ config.Config, o *backtest.TrialOutcome) {
		row := R[pos[t.Index]*days : (pos[t.Index]+1)*days]
		fillDaily(row, start, o.Result)
	}}, func(*sweep.Result) error { return nil })
	if err != nil {
		return nil, fmt.Errorf("CPCV: %w", err)
	}
	bench, err := benchmarkDaily(ctx, sh, e.Base, start, days)
	if err != nil {
		return nil, err
	}

	out := &CPCVResult{Method: "combinatorial purged cross-validation", RankBy: rankBy, Start: start.String(),
		End: (start + data.Date(days-1)).String(), Trials: len(e.Trials), Groups: N, TestGroups: k, GroupDays: groupDays,
		EmbargoDays: opts.EmbargoDays, PurgeDays: purge, Warnings: []string{}}
	combos := combinations(N, k)
	// paths: for group g, the splits testing it in order; path j takes
	// group g from the j-th of them.
	nPaths := binomial(N-1, k-1)
	oos := make([][]float64, nPaths) // path -> daily returns
	for p := range oos {
		oos[p] = make([]float64, days)
	}
	seen := make([]int, N)
	train := make([]bool, days)
	var isSum float64
	var isN, below int
	for _, test := range combos {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("CPCV interrupted: %w", err)
		}
		markTraining(train, test, groupDays, purge, opts.EmbargoDays)
		scores := make([]float64, len(e.Trials))
		isSR := make([]float64, len(e.Trials))
		var moms []sweep.Moments
		var ms []*results.Metrics
		for j := range e.Trials {
			row := R[j*days : (j+1)*days]
			x := selectDays(row, train)
			m := results.Metrics{Sharpe: results.Value(annSharpe(x)), Annualization: 365}
			isSR[j] = float64(m.Sharpe)
			ms = append(ms, &m)
			moms = append(moms, sweep.MomentsOf(x))
			switch rankBy {
			case "total_return":
				g := 1.0
				for _, r := range x {
					g *= 1 + r
				}
				scores[j] = g - 1
			case sweep.RankPSR:
				scores[j] = sweep.TrialPSR(&m, moms[j])
			default:
				scores[j] = isSR[j]
			}
		}
		if rankBy == sweep.RankDSR {
			d := sweep.DispersionOf(ms)
			for j := range scores {
				scores[j] = sweep.TrialDSR(ms[j], moms[j], d)
			}
		}
		b := argmax(scores)
		testMask := make([]bool, days)
		for _, g := range test {
			for d := g * groupDays; d < (g+1)*groupDays; d++ {
				testMask[d] = true
			}
		}
		oosSR := make([]float64, len(e.Trials))
		for j := range e.Trials {
			oosSR[j] = annSharpe(selectDays(R[j*days:(j+1)*days], testMask))
		}
		rank := relRank(oosSR, b)
		if rank <= 0.5 {
			below++
		}
		if !math.IsNaN(isSR[b]) {
			isSum += isSR[b]
			isN++
		}
		out.Splits = append(out.Splits, CPCVSplit{TestGroups: slices.Clone(test), Chosen: e.Trials[b].Index, Params: e.Trials[b].Params,
			ISSharpe: results.Value(isSR[b]), OOSSharpe: results.Value(oosSR[b]), OOSRank: results.Value(rank)})
		for _, g := range test {
			p := seen[g]
			seen[g]++
			copy(oos[p][g*groupDays:(g+1)*groupDays], R[b*days+g*groupDays:b*days+(g+1)*groupDays])
		}
	}
	out.Paths = nPaths
	bsr := annSharpe(bench)
	out.BenchmarkSharpe = results.Value(bsr)
	var srs []float64
	for _, p := range oos {
		sr := annSharpe(p)
		out.PathSharpes = append(out.PathSharpes, results.Value(sr))
		if !math.IsNaN(sr) {
			srs = append(srs, sr)
			if !math.IsNaN(bsr) && sr > bsr {
				out.PathsBeatingBenchmark++
			}
		}
	}
	out.MeanPathSharpe, out.SDPathSharpe = results.NA, results.NA
	if len(srs) > 0 {
		out.MeanPathSharpe = results.Value(stats.Mean(srs))
	}
	if len(srs) > 1 {
		var v float64
		for _, s := range srs {
			v += (s - float64(out.MeanPathSharpe)) * (s - float64(out.MeanPathSharpe))
		}
		out.SDPathSharpe = results.Value(math.Sqrt(v / float64(len(srs)-1)))
	}
	out.MeanISSharpe = results.NA
	if isN > 0 {
		out.MeanISSharpe = results.Value(isSum / float64(isN))
	}
	out.Degradation = ratio(out.MeanPathSharpe, out.MeanISSharpe)
	out.PBO = results.Value(float64(below) / float64(len(combos)))
	if out.PBO > 0.5 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("in %.0f%% of the splits the in-sample best trial ranks at or below the median out of sample", 100*float64(out.PBO)))
	}
	if nPaths < 5 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("only %d paths: the spread of the out-of-sample Sharpe ratio is coarse; use more groups", nPaths))
	}
	out.Verdict = fmt.Sprintf("Across %d out-of-sample paths (%d splits of %d groups, %d tested each), choosing the best of %d trials by %s on the purged training days: mean Sharpe %s (sd %s; buy-and-hold %s), %d of %d paths beat buy-and-hold; PBO %s.",
		nPaths, len(combos), N, k, len(e.Trials), rankBy, f2(out.MeanPathSharpe), f2(out.SDPathSharpe), f2(out.BenchmarkSharpe),
		out.PathsBeatingBenchmark, nPaths, f2(out.PBO))
	return out, nil
}

// fillDaily writes r's daily returns (results.DailyReturns' definition:
// equity over the previous day's, the first over the capital) into row,
// the day d at row[d-start]; days outside the grid are ignored, days
// without a return stay 0 (out of the market).
func fillDaily(row []float64, start data.Date, r *engine.Result) {
	clear(row)
	prev := r.Capital
	for i, e := range r.Equity {
		if prev > 0 {
			if d := int(r.Dates[i] - start); d >= 0 && d < len(row) {
				row[d] = e/prev - 1
			}
		}
		prev = e
	}
}

// benchmarkDaily is buy-and-hold of base's targets over the grid.
func benchmarkDaily(ctx context.Context, sh *backtest.Shared, base config.Config, start data.Date, days int) ([]float64, error) {
	base.Data.Start, base.Data.End = start.String(), (start + data.Date(days-1)).String()
	o, err := backtest.RunWith(ctx, base, sh.DS, sh.Plan, backtest.Options{RandomEntries: -1, Resamples: 1})
	if err != nil {
		return nil, fmt.Errorf("CPCV benchmark: %w", err)
	}
	row := make([]float64, days)
	fillDaily(row, start, o.Benchmark)
	return row, nil
}

// markTraining sets train[d] for the days of the groups not in test,
// without purge days before and embargo days after each test group.
func markTraining(train []bool, test []int, groupDays, purge, embargo int) {
	for d := range train {
		train[d] = true
	}
	for _, g := range test {
		lo, hi := g*groupDays, (g+1)*groupDays
		for d := max(lo-purge, 0); d < min(hi+embargo, len(train)); d++ {
			train[d] = false
		}
	}
}

func selectDays(row []float64, mask []bool) []float64 {
	out := make([]float64, 0, len(row))
	for d, m := range mask {
		if m {
			out = append(out, row[d])
		}
	}
	return out
}

// annSharpe is the annualised (365) Sharpe ratio, mean over the n-1
// standard deviation; NaN when undefined.
func annSharpe(x []float64) float64 {
	n := float64(len(x))
	if n < 2 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	m := s / n
	var q float64
	for _, v := range x {
		q += (v - m) * (v - m)
	}
	sd := math.Sqrt(q / (n - 1))
	if !(sd > 0) {
		return math.NaN()
	}
	return m / sd * math.Sqrt(365)
}

func argmax(x []float64) int {
	b := 0
	for i := 1; i < len(x); i++ {
		if !math.IsNaN(x[i]) && (math.IsNaN(x[b]) || x[i] > x[b]) {
			b = i
		}
	}
	return b
}

// relRank is the relative rank of x[b] among x in [0, 1] ((rank-1)/(n-1)
// with mid-ranks for ties; NaN ranks lowest).
func relRank(x []float64, b int) float64 {
	v := x[b]
	if math.IsNaN(v) {
		return 0
	}
	var less, equal int
	for _, y := range x {
		switch {
		case math.IsNaN(y) || y < v:
			less++
		case y == v:
			equal++
		}
	}
	rank := float64(less) + float64(equal-1)/2
	return rank / float64(len(x)-1)
}

func binomial(n, k int) int {
	r := 1
	for i := 1; i <= k; i++ {
		r = r * (n - k + i) / i
	}
	return r
}

// combinations lists the k-subsets of 0..n-1 in lexicographic order.
func combinations(n, k int) [][]int {
	var out [][]int
	c := make([]int, k)
	for i := range c {
		c[i] = i
	}
	for {
		out = append(out, slices.Clone(c))
		i := k - 1
		for i >= 0 && c[i] == n-k+i {
			i--
		}
		if i < 0 {
			return out
		}
		c[i]++
		for j := i + 1; j < k; j++ {
			c[j] = c[j-1] + 1
		}
	}
}
