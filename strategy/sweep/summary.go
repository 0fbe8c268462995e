package sweep

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
)

type rankMetric struct {
	get    func(*results.Metrics) float64
	higher bool // higher is better
}

var rankMetrics = map[string]rankMetric{
	"total_return":        {func(m *results.Metrics) float64 { return float64(m.TotalReturn) }, true},
	"cagr":                {func(m *results.Metrics) float64 { return float64(m.CAGR) }, true},
	"sharpe":              {func(m *results.Metrics) float64 { return float64(m.Sharpe) }, true},
	"sortino":             {func(m *results.Metrics) float64 { return float64(m.Sortino) }, true},
	"calmar":              {func(m *results.Metrics) float64 { return float64(m.Calmar) }, true},
	"exposure":            {func(m *results.Metrics) float64 { return float64(m.Exposure) }, true},
	"win_rate":            {func(m *results.Metrics) float64 { return float64(m.WinRate) }, true},
	"avg_trade_return":    {func(m *results.Metrics) float64 { return float64(m.AvgTradeReturn) }, true},
	"median_trade_return": {func(m *results.Metrics) float64 { return float64(m.MedianTradeReturn) }, true},
	"profit_factor":       {func(m *results.Metrics) float64 { return float64(m.ProfitFactor) }, true},
	"best_trade":          {func(m *results.Metrics) float64 { return float64(m.BestTrade) }, true},
	"worst_trade":         {func(m *results.Metrics) float64 { return float64(m.WorstTrade) }, true},
	"final_equity":        {func(m *results.Metrics) float64 { return float64(m.FinalEquity) }, true},
	"trades":              {func(m *results.Metrics) float64 { return float64(m.Trades) }, true},
	"max_drawdown":        {func(m *results.Metrics) float64 { return float64(m.MaxDrawdown) }, false},
	"max_drawdown_days":   {func(m *results.Metrics) float64 { return float64(m.MaxDrawdownDays) }, false},
	"volatility":          {func(m *results.Metrics) float64 { return float64(m.Volatility) }, false},
}

// RankMetrics lists the metrics rank_by accepts (their JSON names), sorted.
// max_drawdown, max_drawdown_days and volatility rank lower first; every
// other metric higher first. An undefined metric ranks last.
func RankMetrics() []string {
	out := make([]string, 0, len(rankMetrics))
	for k := range rankMetrics {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// rec is what the summary keeps of every trial for the DSR.
type rec struct {
	index int32
	slot  int32   // the trial's block sums at sums[slot*2S:]
	sr    float64 // per-period (daily) Sharpe ratio; NaN when undefined
}

// Summary accumulates trial results for the sweep-level statistics. Add may
// be called in any order; the statistics depend only on the set of results.
// It keeps 16 bytes and the 2·S block sums of the PBO grid per trial (272
// bytes at S = 16, 208 at S = 12: 21 MB for 100,000 trials) plus TopN full
// results.
type Summary struct {
	rankBy string
	metric rankMetric
	topN   int
	grid   Grid
	recs   []rec
	sums   []float64
	top    []*Result
	// all keeps every result when ranking by dsr, whose value depends on
	// every trial: the top is chosen in Finish.
	all []*Result
}

// NewSummary ranks by rankBy (a RankMetrics name), keeps the topN best
// results (at least 1), and computes the PBO on grid (a zero grid: no PBO).
//
// rank_by psr ranks by TrialPSR; rank_by dsr by TrialDSR against every
// trial added, which Finish computes: the summary then keeps every result
// (about 1 KB per trial) instead of the topN.
func NewSummary(rankBy string, grid Grid, topN int) (*Summary, error) {
	m, ok := rankMetrics[rankBy]
	if !ok && rankBy != RankDSR && rankBy != RankPSR {
		return nil, fmt.Errorf("rank_by %q is not a metric; use dsr, psr or one of %v", rankBy, RankMetrics())
	}
	if grid != (Grid{}) {
		if err := grid.Check(); err != nil {
			return nil, err
		}
	}
	return &Summary{rankBy: rankBy, metric: m, topN: max(topN, 1), grid: grid}, nil
}

// Grow makes room for n more results, so a sweep of known size allocates
// its per-trial memory once.
func (s *Summary) Grow(n int) {
	s.recs = slices.Grow(s.recs, n)
	s.sums = slices.Grow(s.sums, n*2*s.grid.Blocks)
}

// Len is the number of results added.
func (s *Summary) Len() int { return len(s.recs) }

// key is the rank value of r, with undefined values last whatever the
// direction.
func (s *Summary) key(r *Result) float64 {
	if s.rankBy == RankPSR {
		v := TrialPSR(&r.Metrics, r.Moments)
		if math.IsNaN(v) {
			return math.Inf(-1)
		}
		return v
	}
	v := s.metric.get(&r.Metrics)
	if math.IsNaN(v) {
		return math.Inf(-1)
	}
	if !s.metric.higher {
		return -v
	}
	return v
}

// better reports whether a ranks before b: by metric, then by lower index.
func (s *Summary) better(a, b *Result) bool {
	ka, kb := s.key(a), s.key(b)
	if ka != kb {
		return ka > kb
	}
	return a.Index < b.Index
}

// Add records a result. The summary keeps r only if it is among the best.
func (s *Summary) Add(r *Result) {
	ann := float64(r.Metrics.Annualization)
	if ann <= 0 {
		ann = results.DefaultAnnualization
	}
	slot := int32(-1)
	if S := s.grid.Blocks; S > 0 && len(r.Sums) == 2*S {
		slot = int32(len(s.sums) / (2 * S))
		s.sums = append(s.sums, r.Sums...)
	}
	s.recs = append(s.recs, rec{index: int32(r.Index), slot: slot, sr: float64(r.Metrics.Sharpe) / math.Sqrt(ann)})
	if s.rankBy == RankDSR {
		s.all = append(s.all, r)
		return
	}
	if len(s.top) == s.topN && !s.better(r, s.top[len(s.top)-1]) {
		return
	}
	i := sort.Search(len(s.top), func(i int) bool { return s.better(r, s.top[i]) })
	s.top = slices.Insert(s.top, i, r)
	if len(s.top) > s.topN {
		s.top[len(s.top)-1] = nil
		s.top = s.top[:s.topN]
	}
}

// Stats are the sweep-level statistics.
type Stats struct {
	// Trials is the number of distinct trials the statistics rest on.
	Trials int    `json:"trials"`
	RankBy string `json:"rank_by"`
	// Top are the best trials by RankBy, best first (ties: lower index).
	Top []*Result `json:"-"`
	// TopDSR and TopPSR are the deflated Sharpe ratio of each of Top
	// against every trial (TrialDSR) and its probabilistic Sharpe ratio
	// against 0 (TrialPSR).
	TopDSR []results.Value `json:"-"`
	TopPSR []results.Value `json:"-"`
	// DSR is the deflated Sharpe ratio of the best trial given every trial
	// (Bailey & López de Prado 2014); see DSRDetail.
	DSR       results.Value `json:"dsr"`
	DSRDetail DSRDetail     `json:"dsr_detail"`
	// PBO is the probability of backtest overfitting by CSCV; see PBODetail.
	PBO       results.Value `json:"pbo"`
	PBODetail PBODetail     `json:"pbo_detail"`
	// Warnings are plain sentences for every output.
	Warnings []string `json:"warnings"`
}

// DSRDetail shows how the DSR was computed. Sharpe ratios are annualised
// here (the computation uses per-period ones).
type DSRDetail struct {
	// Sharpe is the best trial's Sharpe ratio; ExpectedMaxSharpe the
	// Sharpe ratio expected from the best of Trials unskilled trials with
	// the trials' dispersion SharpeStd.
	Sharpe            results.Value `json:"sharpe"`
	ExpectedMaxSharpe results.Value `json:"expected_max_sharpe"`
	SharpeStd         results.Value `json:"sharpe_std"`
	// Trials is the number of trials (every one, as every one was tried);
	// Defined the trials with a defined Sharpe ratio (the variance uses
	// those).
	Trials  int `json:"trials"`
	Defined int `json:"defined"`
	// Days, Skew and Kurtosis (ordinary) describe the best trial's daily
	// returns.
	Days     int           `json:"days"`
	Skew     results.Value `json:"skew"`
	Kurtosis results.Value `json:"kurtosis"`
	Note     string        `json:"note,omitempty"`
}

// PBODetail shows how the PBO was computed: CSCV of the trials' daily
// returns on the grid (Days days from Start in Blocks blocks), Sharpe ratio
// as the metric.
type PBODetail struct {
	Method    string `json:"method"`
	Metric    string `json:"metric"`
	Returns   string `json:"returns"`
	Start     string `json:"start"`
	Days      int    `json:"days"`
	Blocks    int    `json:"blocks"`
	BlockDays int    `json:"block_days"`
	Splits    int    `json:"splits"`
	Note      string `json:"note,omitempty"`
}

// FinishOptions configure Finish.
type FinishOptions struct {
	// Workers parallelise the CSCV (default 1).
	Workers int
	// SkipSweepStats leaves DSR and PBO undefined (for one shard of a sweep,
	// whose sweep-level statistics only the merge can compute).
	SkipSweepStats bool
}

// DSRThreshold is the deflated Sharpe ratio below which a sweep warns that
// its best trial is not distinguishable from luck.
const DSRThreshold = 0.95

// Finish computes the statistics over every result added.
func (s *Summary) Finish(opts FinishOptions) Stats {
	slices.SortFunc(s.recs, func(a, b rec) int { return int(a.index) - int(b.index) })
	s.recs = slices.CompactFunc(s.recs, func(a, b rec) bool { return a.index == b.index })
	disp := s.dispersion()
	if s.rankBy == RankDSR {
		s.topByDSR(disp)
	}
	st := Stats{Trials: len(s.recs), RankBy: s.rankBy, Top: slices.Clone(s.top), DSR: results.NA, PBO: results.NA,
		Warnings: []string{}}
	for _, r := range st.Top {
		st.TopDSR = append(st.TopDSR, results.Value(TrialDSR(&r.Metrics, r.Moments, disp)))
		st.TopPSR = append(st.TopPSR, results.Value(TrialPSR(&r.Metrics, r.Moments)))
	}
	st.DSRDetail = DSRDetail{Sharpe: results.NA, ExpectedMaxSharpe: results.NA, SharpeStd: results.NA, Skew: results.NA, Kurtosis: results.NA}
	st.PBODetail = PBODetail{Method: "CSCV (Bailey, Borwein, López de Prado & Zhu 2017)", Metric: "sharpe", Returns: "daily",
		Days: s.grid.Days(), Blocks: s.grid.Blocks, BlockDays: s.grid.BlockDays}
	if s.grid != (Grid{}) {
		st.PBODetail.Start = s.grid.Start.String()
	}
	if len(st.Top) == 0 {
		return st
	}
	best := st.Top[0]
	if best.Evidence.TooFew {
		st.Warnings = append(st.Warnings, fmt.Sprintf("the best trial rests on %d independent episodes, fewer than %d: too few to tell from chance",
			best.Evidence.Episodes, results.MinSamples))
	}
	if opts.SkipSweepStats {
		st.DSRDetail.Note = "one shard of a sweep: run `riskon sweep merge` for the sweep-level statistics"
		st.PBODetail.Note = st.DSRDetail.Note
		return st
	}
	s.dsr(&st, best)
	s.pbo(&st, opts)
	return st
}

// dispersion is the SharpeDispersion of every trial added (after Finish
// removed repeated indices).
func (s *Summary) dispersion() SharpeDispersion {
	var srs []float64
	for _, r := range s.recs {
		if !math.IsNaN(r.sr) && !math.IsInf(r.sr, 0) {
			srs = append(srs, r.sr)
		}
	}
	d := SharpeDispersion{Trials: len(s.recs)}
	if len(srs) >= 2 {
		d.Var = stat.Variance(srs, nil)
	}
	return d
}

// topByDSR chooses the topN of every result by TrialDSR against d, ties
// and undefined values as key and better order them.
func (s *Summary) topByDSR(d SharpeDispersion) {
	slices.SortFunc(s.all, func(a, b *Result) int { return a.Index - b.Index })
	s.all = slices.CompactFunc(s.all, func(a, b *Result) bool { return a.Index == b.Index })
	type kv struct {
		r *Result
		k float64
	}
	ks := make([]kv, len(s.all))
	for i, r := range s.all {
		v := TrialDSR(&r.Metrics, r.Moments, d)
		if math.IsNaN(v) {
			v = math.Inf(-1)
		}
		ks[i] = kv{r, v}
	}
	slices.SortStableFunc(ks, func(a, b kv) int {
		switch {
		case a.k > b.k:
			return -1
		case a.k < b.k:
			return 1
		}
		return a.r.Index - b.r.Index
	})
	s.top = s.top[:0]
	for _, x := range ks[:min(len(ks), s.topN)] {
		s.top = append(s.top, x.r)
	}
}

func (s *Summary) dsr(st *Stats, best *Result) {
	d := &st.DSRDetail
	ann := float64(best.Metrics.Annualization)
	if ann <= 0 {
		ann = results.DefaultAnnualization
	}
	var srs []float64
	for _, r := range s.recs {
		if !math.IsNaN(r.sr) && !math.IsInf(r.sr, 0) {
			srs = append(srs, r.sr)
		}
	}
	d.Trials, d.Defined = len(s.recs), len(srs)
	d.Days = best.Moments.N
	d.Skew, d.Kurtosis = results.Value(best.Moments.Skew), results.Value(best.Moments.Kurt)
	varSR := 0.0
	if len(srs) >= 2 {
		varSR = stat.Variance(srs, nil)
	}
	d.SharpeStd = results.Value(math.Sqrt(varSR * ann))
	sr0 := stats.ExpectedMaxSharpe(d.Trials, varSR)
	d.ExpectedMaxSharpe = results.Value(sr0 * math.Sqrt(ann))
	d.Sharpe = best.Metrics.Sharpe
	if !best.Metrics.Sharpe.Valid() {
		d.Note = "the best trial has no Sharpe ratio (no volatility: no trades?)"
		return
	}
	sr := float64(best.Metrics.Sharpe) / math.Sqrt(ann)
	st.DSR = results.Value(stats.DSR(sr, best.Moments.N, best.Moments.Skew, best.Moments.Kurt, d.Trials, varSR))
	switch {
	case !st.DSR.Valid():
		d.Note = "undefined: fewer than 4 daily returns or a degenerate distribution"
	case float64(st.DSR) < DSRThreshold:
		st.Warnings = append(st.Warnings, fmt.Sprintf(
			"the best trial's deflated Sharpe ratio is %.3f, below %.2f: its Sharpe ratio %.2f is not clearly above the %.2f expected from the best of %d trials without skill",
			float64(st.DSR), DSRThreshold, float64(d.Sharpe), float64(d.ExpectedMaxSharpe), d.Trials))
	}
}

func (s *Summary) pbo(st *Stats, opts FinishOptions) {
	d := &st.PBODetail
	S := s.grid.Blocks
	if S == 0 {
		d.Note = "no PBO grid"
		return
	}
	order := make([]int32, len(s.recs)) // slots in trial index order
	for i, r := range s.recs {
		if r.slot < 0 {
			d.Note = fmt.Sprintf("trial %d has no block sums for the PBO", r.index)
			return
		}
		order[i] = r.slot
	}
	res, err := pboOrdered(s.grid, s.sums, order, opts.Workers)
	d.Splits = res.Splits
	if err != nil {
		d.Note = err.Error()
		return
	}
	st.PBO = results.Value(res.PBO)
	if res.PBO > 0.5 {
		st.Warnings = append(st.Warnings, fmt.Sprintf(
			"probability of backtest overfitting %.2f: in most splits the in-sample best trial does no better than the median trial out of sample",
			res.PBO))
	}
}
