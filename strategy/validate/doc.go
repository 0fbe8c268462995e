// Package validate tests a sweep out of sample. Walk-forward analysis
// (rolling or anchored training windows, each followed by a test window)
// picks the best trial of the sweep on every training window by a rank
// metric (any sweep metric, the deflated or the probabilistic Sharpe ratio)
// and runs it alone on the next test window; the test windows' results are
// stitched into one out-of-sample equity curve with its metrics and
// evidence, beside buy-and-hold of the same targets over the same windows.
// Combinatorial purged cross-validation (López de Prado 2018, Advances in
// Financial Machine Learning, ch. 12) repeats the selection over every
// choice of test groups and gives the distribution of out-of-sample
// Sharpe ratios. The probability of backtest overfitting comes from the
// sweep's CSCV (strategy/sweep).
//
// The package is pure: it never prints and never touches storage; the
// caller (cmd/riskon validate) stores folds as they finish and skips the
// folds already stored when resuming. Results do not depend on the number
// of workers. docs/VALIDATE.md describes the method.
package validate
