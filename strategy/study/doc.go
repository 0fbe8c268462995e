// Package study is riskon's event study: what did each target do after the
// trigger's signals, compared with what it did after any date of the same
// window?
//
// For every signal of a run config (the config's strategy replayed by the
// engine, acted on or not) it measures the forward return of each target at
// several horizons (default 7, 30, 90, 180 and 365 calendar days):
//
//	r(s, H) = P_exit / P_entry - 1
//
// where P_entry is the entry fill the engine would make for an order placed
// at the signal's close (the open of the first target bar opening at or after
// it, or that bar's close under fill: next_close) and P_exit is the close of
// the target's bar dated entry date + H calendar days, or the first bar after
// it, as the engine's scheduled exits fill. Returns are simple and before
// costs. When the exit bar lies after the window's end the return is NaN
// (JSON null) and is counted as past_end, never as a zero.
//
// Per horizon it reports n, mean, median, hit rate (share of returns > 0), a
// bootstrap interval of the mean, the unconditional mean over every eligible
// date of the window (every trigger close inside it), the excess over it, and
// a one-sided permutation p-value: the share of K random sets of the same
// size, drawn among the eligible dates with the same minimum spacing, whose
// mean forward return is at least the signals' (Good 2005, Permutation,
// Parametric and Bootstrap Tests of Hypotheses, §3; p = (1 + #{≥}) / (K + 1),
// Phipson & Smyth 2010, "Permutation p-values should never be zero",
// Stat. Appl. Genet. Mol. Biol. 9(1)). When the studied signals may cluster
// (selections acted and all) the p-value is instead an exact rotation test
// that shifts all signals together along the eligible dates, because
// shuffling clustered signals one by one treats them as independent and
// gives p-values far too small (see rotationP).
//
// Dependence: forward returns of consecutive dates overlap by up to H days,
// so the unconditional returns are strongly dependent; their interval is a
// stationary block bootstrap (Politis & Romano 1994) with a mean block at
// least as long as the number of eligible dates a horizon spans. By default
// only signals at least the largest horizon apart are studied (non-
// overlapping), so the signals' own interval can be an ordinary bootstrap.
//
// Controls raised by the articles: the Bitcoin halving dates run as a
// competing trigger, every breakout signal is marked when it falls within N
// days after a halving, and breakout, halving-timed, random and buy-and-hold
// entries are put side by side.
//
// The package is pure: no I/O, no DuckDB, no global state; every random
// procedure is seeded (math/rand/v2 PCG via stats.NewRand).
package study
