// Package stats is riskon's statistics library for evidence and sweeps:
// bootstrap confidence intervals (ordinary and stationary block bootstrap),
// automatic block length, effective sample size, the probabilistic and
// deflated Sharpe ratios, the minimum track record length, the probability
// of backtest overfitting by combinatorially symmetric cross-validation,
// correlation intervals and a one-sample Kolmogorov-Smirnov test.
//
// The package is pure: no global state, no I/O, no DuckDB. Every random
// procedure takes an explicit *rand.Rand (math/rand/v2); use NewRand for a
// seeded PCG source so that the same seed gives the same numbers, and
// DeriveSeed to give each procedure of one run its own stream. The
// stationary bootstrap splits its resamples into chunks with streams drawn
// from the caller's generator and may run them on several goroutines; the
// numbers depend on the seed only.
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
	return rand.New(NewPCG(seed))
}

// NewPCG returns the PCG source behind NewRand(seed), for hot loops that
// call its Uint64 directly rather than through a *rand.Rand.
func NewPCG(seed uint64) *rand.PCG {
	return rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
}

// DeriveSeed returns the seed of an independent random stream number stream
// derived from seed, so that one recorded seed drives several procedures
// without their streams overlapping or moving when another is added. It
// mixes seed + (stream+1)·φ with the SplitMix64 finaliser (Steele, Lea &
// Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA),
// with φ = 0x9e3779b97f4a7c15 (the 64-bit golden ratio).
func DeriveSeed(seed, stream uint64) uint64 {
	z := seed + (stream+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
