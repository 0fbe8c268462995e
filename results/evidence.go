package results

import (
	"fmt"
	"math"
	"slices"

	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/results/stats"
	"gonum.org/v1/gonum/stat"
)

// episodeGroups returns, for trades sorted by entry time, the index lists of
// the independent holding windows (see Episodes).
func episodeGroups(trades []engine.Trade) [][]int {
	idx := make([]int, len(trades))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ta, tb := trades[a].EntryTime, trades[b].EntryTime
		switch {
		case ta < tb:
			return -1
		case ta > tb:
			return 1
		}
		return 0
	})
	var groups [][]int
	var start, end int64
	for _, i := range idx {
		t := trades[i]
		exit := max(t.ExitTime, t.EntryTime)
		if len(groups) > 0 && (t.EntryTime < end || t.EntryTime == start) {
			groups[len(groups)-1] = append(groups[len(groups)-1], i)
			end = max(end, exit)
			continue
		}
		groups = append(groups, []int{i})
		start, end = t.EntryTime, exit
	}
	return groups
}

// Episodes returns the number of independent, non-overlapping holding
// windows among the trades: trades whose [EntryTime, ExitTime] intervals
// overlap are merged (transitively) into one episode, so a basket bought on
// one signal, or a position re-entered while another is still held, counts
// once. Two trades that only touch (one exits at the instant the other
// enters) are separate episodes; trades entered at the same instant are one
// episode even if they last no time. An exit time before the entry time is
// read as the entry time.
func Episodes(trades []engine.Trade) int {
	return len(episodeGroups(trades))
}

// signalsInWindow counts the logged signals inside [WindowStart, WindowEnd]
// (all of them when the window is not set).
func signalsInWindow(r *engine.Result) int {
	if r.WindowEnd <= r.WindowStart {
		return len(r.Signals)
	}
	n := 0
	for _, s := range r.Signals {
		if s.Time >= r.WindowStart && s.Time <= r.WindowEnd {
			n++
		}
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// TooFewWarning is the warning printed beside a result resting on fewer than
// MinSamples independent episodes.
func TooFewWarning(episodes int) string {
	return fmt.Sprintf("rests on %s: fewer than %d, too few to tell from chance",
		plural(episodes, "independent sample", "independent samples"), MinSamples)
}

// CountEvidence counts the samples a result rests on: the signals logged
// inside the window (acted on or not), the trades (closed and open), and the
// independent episodes (Episodes). TooFew is set, with a Warning, when there
// are fewer than MinSamples episodes. The Verdict is a plain sentence from
// the counts alone; Assess refines it with the statistics. The statistical
// fields are NA.
func CountEvidence(r *engine.Result) Evidence {
	ev := Evidence{
		Signals:         signalsInWindow(r),
		Trades:          len(r.Trades),
		Episodes:        Episodes(r.Trades),
		EffectiveN:      NA,
		MeanTradeReturn: NA, MeanTradeReturnCI: [2]Value{NA, NA}, MedianTradeReturn: NA,
		SharpeCI: [2]Value{NA, NA}, SharpeCIBlock: NA, CILevel: NA,
		RandomEntryP: NA, PSR: NA, MinTrackRecord: NA,
	}
	ev.TooFew = ev.Episodes < MinSamples
	if ev.TooFew {
		ev.Warning = TooFewWarning(ev.Episodes)
	}
	switch {
	case ev.Trades == 0:
		ev.Verdict = fmt.Sprintf("No trades from %s: there is nothing to judge.", plural(ev.Signals, "signal", "signals"))
	case ev.TooFew:
		ev.Verdict = fmt.Sprintf("Rests on %s, fewer than %d: too few to tell from chance, whatever the returns.",
			plural(ev.Episodes, "independent episode", "independent episodes"), MinSamples)
	default:
		ev.Verdict = fmt.Sprintf("Rests on %s from %s; read the intervals before trusting it.",
			plural(ev.Episodes, "independent episode", "independent episodes"), plural(ev.Signals, "signal", "signals"))
	}
	return ev
}

// EvidenceOptions set the resampling behind Assess. Zero values mean the
// defaults.
type EvidenceOptions struct {
	Seed      uint64  // seeds every resampling (stats.NewRand)
	Resamples int     // bootstrap resamples; default 2000
	Level     float64 // confidence level of the intervals; default 0.95
}

// Assess returns CountEvidence plus the statistics of the evidence section
// of DESIGN.md:
//
//   - effective_n: stats.EffectiveN of the trade returns in entry order;
//   - mean_trade_return with a percentile bootstrap interval that resamples
//     whole episodes (a cluster bootstrap: overlapping trades share their
//     fate, so they are drawn together) and median_trade_return;
//   - sharpe_ci: stats.SharpeCI of the daily returns, stationary bootstrap
//     with the automatic block length;
//   - psr: stats.PSR of the daily Sharpe ratio against 0 with the sample
//     skewness and ordinary kurtosis (gonum's excess kurtosis + 3);
//     min_track_record: stats.MinTRL for PSR 0.95, in days.
//
// random_entry_p needs prices and stays NA for the caller to fill. The
// intervals use independent streams derived from opt.Seed, so adding one
// does not move the other. The verdict names the outcome in one sentence.
func Assess(r *engine.Result, opt EvidenceOptions) Evidence {
	if opt.Resamples <= 0 {
		opt.Resamples = 2000
	}
	if !(opt.Level > 0 && opt.Level < 1) {
		opt.Level = 0.95
	}
	ev := CountEvidence(r)
	ev.Seed = opt.Seed
	ev.CILevel = Value(opt.Level)

	groups := episodeGroups(r.Trades)
	if len(r.Trades) > 0 {
		rets := make([]float64, 0, len(r.Trades))
		sums := make([]float64, len(groups))
		counts := make([]float64, len(groups))
		ids := make([]float64, len(groups))
		for g, members := range groups {
			ids[g] = float64(g)
			for _, i := range members {
				rets = append(rets, r.Trades[i].Return)
				sums[g] += r.Trades[i].Return
				counts[g]++
			}
		}
		ev.MeanTradeReturn = Value(stats.Mean(rets))
		ev.EffectiveN = Value(stats.EffectiveN(rets))
		ev.MedianTradeReturn = Value(stats.Median(rets))
		// Cluster bootstrap: resample episode ids; the statistic is the mean
		// trade return of the trades in the drawn episodes.
		pooled := func(drawn []float64) float64 {
			var s, c float64
			for _, g := range drawn {
				s += sums[int(g)]
				c += counts[int(g)]
			}
			return s / c
		}
		lo, hi := stats.BootstrapCI(ids, pooled, opt.Resamples, opt.Level, stats.NewRand(opt.Seed))
		ev.MeanTradeReturnCI = [2]Value{Value(lo), Value(hi)}
	}

	daily := DailyReturns(r)
	ann := float64(r.Annualization)
	if ann <= 0 {
		ann = DefaultAnnualization
	}
	lo, hi, block := stats.SharpeCI(daily, ann, opt.Resamples, opt.Level, 0, stats.NewRand(opt.Seed+1))
	ev.SharpeCI = [2]Value{Value(lo), Value(hi)}
	ev.SharpeCIBlock = Value(block)
	if sr := stats.Sharpe(daily); !math.IsNaN(sr) && len(daily) >= 4 {
		skew := stat.Skew(daily, nil)
		kurt := stat.ExKurtosis(daily, nil) + 3
		ev.PSR = Value(stats.PSR(sr, 0, len(daily), skew, kurt))
		ev.MinTrackRecord = Value(stats.MinTRL(sr, 0, skew, kurt, 0.95))
	}
	ev.Verdict = verdict(ev)
	return ev
}

// verdict is the one plain sentence of an assessed result.
func verdict(ev Evidence) string {
	if ev.Trades == 0 || ev.TooFew {
		return ev.Verdict
	}
	n := plural(ev.Episodes, "independent episode", "independent episodes")
	lo, hi := ev.MeanTradeReturnCI[0], ev.MeanTradeReturnCI[1]
	pct := int(math.Round(float64(ev.CILevel) * 100))
	switch {
	case lo.Valid() && lo > 0 && ev.PSR.Valid() && ev.PSR >= 0.95:
		return fmt.Sprintf("Rests on %s; the mean trade return's %d%% interval is above zero and the Sharpe ratio is positive with probability %.2f.", n, pct, float64(ev.PSR))
	case hi.Valid() && hi < 0:
		return fmt.Sprintf("Rests on %s; the mean trade return's %d%% interval is below zero: the strategy loses.", n, pct)
	default:
		return fmt.Sprintf("Rests on %s; the mean trade return's %d%% interval includes zero, so the result is not distinguishable from chance.", n, pct)
	}
}
