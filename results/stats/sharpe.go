package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// EulerGamma is the Euler-Mascheroni constant γ.
const EulerGamma = 0.57721566490153286060651209008240243104215933593992

// sharpeVarFactor is 1 - γ3·SR + (γ4-1)/4·SR², the non-normal variance factor
// of the Sharpe ratio estimator (Mertens 2002; Bailey & López de Prado 2012,
// ), with γ4 the ordinary (non-excess) kurtosis.
func sharpeVarFactor(sr, skew, kurt float64) float64 {
	return 1 - skew*sr + (kurt-1)/4*sr*sr
}

// PSR returns the probabilistic Sharpe ratio of Bailey & López de Prado
// (2012), "The Sharpe ratio efficient frontier", Journal of Risk 15(2):
// the probability that the true Sharpe ratio exceeds the
// benchmark srBenchmark given an observed Sharpe ratio sr estimated on n
// returns with skewness skew (γ3) and ORDINARY kurtosis kurt (γ4, 3 for a
// normal distribution; add 3 to gonum's stat.ExKurtosis):
//
//	PSR = Φ( (SR - SR*) sqrt(n-1) / sqrt(1 - γ3 SR + (γ4-1)/4 SR²) )
//
// sr and srBenchmark are per period (not annualised): divide an annual
// Sharpe ratio by sqrt(periods per year). Φ is the standard normal CDF. It
// returns NaN when n < 2, an input is NaN, or the variance factor is not
// positive.
func PSR(sr, srBenchmark float64, n int, skew, kurtosis float64) float64 {
	if n < 2 {
		return math.NaN()
	}
	v := sharpeVarFactor(sr, skew, kurtosis)
	if !(v > 0) || math.IsNaN(sr) || math.IsNaN(srBenchmark) {
		return math.NaN()
	}
	z := (sr - srBenchmark) * math.Sqrt(float64(n-1)) / math.Sqrt(v)
	return distuv.UnitNormal.CDF(z)
}

// MinTRL returns the minimum track record length of Bailey & López de Prado
// (2012), "The Sharpe ratio efficient frontier", Journal of Risk 15(2):
// the number of observations needed for PSR(srBenchmark) to
// reach prob given a per-period Sharpe ratio sr, skewness skew and ORDINARY
// kurtosis kurt:
//
//	MinTRL = 1 + (1 - γ3 SR + (γ4-1)/4 SR²) (Z_prob / (SR - SR*))²
//
// with Z_prob the standard normal prob-quantile. The result is in periods
// of the returns (days for a daily curve), not rounded. It returns +Inf when
// sr ≤ srBenchmark (no track record is long enough) and NaN when prob is not
// in (0, 1), an input is NaN, or the variance factor is not positive.
func MinTRL(sr, srBenchmark, skew, kurt, prob float64) float64 {
	if !(prob > 0 && prob < 1) || math.IsNaN(sr) || math.IsNaN(srBenchmark) {
		return math.NaN()
	}
	v := sharpeVarFactor(sr, skew, kurt)
	if !(v > 0) {
		return math.NaN()
	}
	if sr <= srBenchmark {
		return math.Inf(1)
	}
	z := distuv.UnitNormal.Quantile(prob) / (sr - srBenchmark)
	return 1 + v*z*z
}

// ExpectedMaxSharpe returns the expected maximum of nTrials independent
// Sharpe ratio estimates with mean 0 and variance varSR, by the extreme
// value approximation of Bailey & López de Prado (2014), "The deflated
// Sharpe ratio: correcting for selection bias, backtest overfitting and
// non-normality", Journal of Portfolio Management 40(5) (after
// Bailey, Borwein, López de Prado & Zhu 2014, the False Strategy theorem):
//
//	E[max SR] ≈ sqrt(V) ((1-γ) Φ⁻¹(1 - 1/N) + γ Φ⁻¹(1 - 1/(N e)))
//
// with γ the Euler-Mascheroni constant and e Euler's number. varSR is in the
// units of the Sharpe ratios (per period for DSR). The approximation is for
// large N; with one trial there is no selection and the result is 0. It
// returns NaN when nTrials < 1 or varSR is negative or NaN.
func ExpectedMaxSharpe(nTrials int, varSR float64) float64 {
	if nTrials < 1 || !(varSR >= 0) {
		return math.NaN()
	}
	if nTrials == 1 {
		return 0
	}
	N := float64(nTrials)
	q := distuv.UnitNormal.Quantile
	return math.Sqrt(varSR) * ((1-EulerGamma)*q(1-1/N) + EulerGamma*q(1-1/(N*math.E)))
}

// DSR returns the deflated Sharpe ratio of Bailey & López de Prado (2014),
// "The deflated Sharpe ratio", Journal of Portfolio Management 40(5): the PSR of the selected strategy against the Sharpe ratio expected
// from the best of nTrials unskilled trials,
//
//	DSR = PSR(SR₀),  SR₀ = ExpectedMaxSharpe(nTrials, varTrialsSR)
//
// sr is the selected trial's per-period Sharpe ratio on n returns with
// skewness skew and ORDINARY kurtosis kurt; varTrialsSR is the variance of
// the per-period Sharpe ratios across all trials (divide the variance of
// annualised ones by the periods per year). It returns NaN as PSR and
// ExpectedMaxSharpe do.
func DSR(sr float64, n int, skew, kurt float64, nTrials int, varTrialsSR float64) float64 {
	sr0 := ExpectedMaxSharpe(nTrials, varTrialsSR)
	if math.IsNaN(sr0) {
		return math.NaN()
	}
	return PSR(sr, sr0, n, skew, kurt)
}
