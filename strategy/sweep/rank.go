package sweep

import (
	"math"

	"gonum.org/v1/gonum/stat"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
)

// Statistics of a trial given the other trials of its sweep, accepted by
// rank_by beside the metrics of RankMetrics.
const (
	// RankDSR ranks by the trial's deflated Sharpe ratio against the sweep
	// (TrialDSR).
	RankDSR = "dsr"
	// RankPSR ranks by the trial's probabilistic Sharpe ratio against 0.
	RankPSR = "psr"
)

// MetricValue returns the value of the rank metric name (a RankMetrics
// name) in m and whether higher values rank first; ok is false for a name
// that is not a metric of one trial (dsr and psr need the trial's daily
// returns: TrialDSR, TrialPSR). An undefined metric is NaN.
func MetricValue(name string, m *results.Metrics) (v float64, higher, ok bool) {
	rm, ok := rankMetrics[name]
	if !ok {
		return math.NaN(), false, false
	}
	return rm.get(m), rm.higher, true
}

// IsRankBy reports whether name is accepted by rank_by: a RankMetrics name,
// dsr or psr.
func IsRankBy(name string) bool {
	_, ok := rankMetrics[name]
	return ok || name == RankDSR || name == RankPSR
}

// perPeriod is the per-period Sharpe ratio of m (its annualised ratio over
// the square root of its periods per year).
func perPeriod(m *results.Metrics) float64 {
	ann := float64(m.Annualization)
	if ann <= 0 {
		ann = results.DefaultAnnualization
	}
	return float64(m.Sharpe) / math.Sqrt(ann)
}

// TrialPSR is the probabilistic Sharpe ratio against 0 (Bailey & López de
// Prado 2012) of a trial with metrics m and daily-return moments mo:
// stats.PSR of its per-period Sharpe ratio. NaN when undefined.
func TrialPSR(m *results.Metrics, mo Moments) float64 {
	if !m.Sharpe.Valid() {
		return math.NaN()
	}
	return stats.PSR(perPeriod(m), 0, mo.N, mo.Skew, mo.Kurt)
}

// SharpeDispersion is what TrialDSR needs of every trial of a sweep: the
// number of trials (all of them, as all were tried) and the variance of the
// defined per-period Sharpe ratios (n-1).
type SharpeDispersion struct {
	Trials int
	Var    float64
}

// DispersionOf computes the SharpeDispersion of the trials with metrics ms.
func DispersionOf(ms []*results.Metrics) SharpeDispersion {
	var srs []float64
	for _, m := range ms {
		if m.Sharpe.Valid() {
			srs = append(srs, perPeriod(m))
		}
	}
	d := SharpeDispersion{Trials: len(ms)}
	if len(srs) >= 2 {
		d.Var = stat.Variance(srs, nil)
	}
	return d
}

// TrialDSR is the deflated Sharpe ratio (Bailey & López de Prado 2014, "The
// deflated Sharpe ratio", Journal of Portfolio Management 40(5), eq. 2) of
// one trial against its sweep: the PSR of its per-period Sharpe ratio
// against the Sharpe ratio expected from the best of d.Trials trials
// without skill with the trials' dispersion d.Var. It is the figure the
// sweep reports for its best trial (Stats.DSR), computed for any trial.
func TrialDSR(m *results.Metrics, mo Moments, d SharpeDispersion) float64 {
	if !m.Sharpe.Valid() {
		return math.NaN()
	}
	return stats.DSR(perPeriod(m), mo.N, mo.Skew, mo.Kurt, d.Trials, d.Var)
}

// MomentsOf returns the Moments of daily returns (their number, skewness
// and ordinary kurtosis), as a sweep keeps them per trial.
func MomentsOf(daily []float64) Moments { return moments(daily) }
