// Package stats is riskon's statistics library for evidence and sweeps:
// bootstrap confidence intervals (ordinary and stationary block bootstrap),
// automatic block length, effective sample size, the probabilistic and
// deflated Sharpe ratios, the minimum track record length, the probability
// of backtest overfitting by combinatorially symmetric cross-validation,
// correlation intervals and a one-sample Kolmogorov-Smirnov test.
//
// The package is pure: no global state, no I/O, no DuckDB. Every random
// procedure takes an explicit *rand.Rand (math/rand/v2); use NewRand for a
// seeded PCG source so that the same seed gives the same numbers.
//
// Bad input never panics: functions return NaN (or an error, for PBO) when
// the sample is too small or an argument is out of range, and each doc
// comment says when.
package stats

import "math/rand/v2"

// NewRand returns a *rand.Rand driven by a PCG generator seeded with seed.
// The second PCG word is derived from the seed with a fixed odd constant
// (the 64-bit golden ratio), so one number identifies the whole stream.
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
