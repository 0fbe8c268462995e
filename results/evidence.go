package results

import (
	"cmp"
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
	// The engine logs trades in entry order; count without allocating then
	// (sweeps call this for every trial), else group.
	var start, end int64
	n := 0
	for i := range trades {
		t := &trades[i] // (ranging over copies of the trades reads more)
		if i > 0 && t.EntryTime < trades[i-1].EntryTime {
			return len(episodeGroups(trades))
		}
		exit := max(t.ExitTime, t.EntryTime)
		if n > 0 && (t.EntryTime < end || t.EntryTime == start) {
			end = max(end, exit)
			continue
		}
		n++
		start, end = t.EntryTime, exit
	}
	return n
}

// signalsInWindow counts the logged signals inside [WindowStart, WindowEnd]
// (all of them when the window is not set).
func signalsInWindow(r *engine.Result) int {
	if r.WindowEnd <= r.WindowStart {
		return len(r.Signals)
	}
	// WindowStart <= t <= WindowEnd exactly when t - WindowStart, as an
	// unsigned number, is at most the window's length (below the start
	// the difference wraps above it): one comparison without a branch.
	n, span := 0, uint64(r.WindowEnd-r.WindowStart)
	for i := range r.Signals {
		n += b2i(uint64(r.Signals[i].Time-r.WindowStart) <= span)
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
	return NewEvidence(signalsInWindow(r), len(r.Trades), Episodes(r.Trades))
}

// NewEvidence returns the evidence of the given counts with every statistic
// NA, the too-few flag and warning, and the verdict of the counts alone: what
// CountEvidence returns, for callers that hold only stored counts.
func NewEvidence(signals, trades, episodes int) Evidence {
	ev := Evidence{
		Signals:    signals,
		Trades:     trades,
		Episodes:   episodes,
		EffectiveN: NA, EffectiveNTrades: NA,
		MeanTradeReturn: NA, MeanTradeReturnCI: [2]Value{NA, NA},
		MedianTradeReturn: NA, MedianTradeReturnCI: [2]Value{NA, NA},
		MeanTradeReturnCICoverage: NA, MedianTradeReturnCICoverage: NA,
		SharpeCI: [2]Value{NA, NA}, SharpeCIBlock: NA, CILevel: NA,
		RandomEntryP: NA, RandomEntryTotalP: NA, PSR: NA, MinTrackRecord: NA,
	}
	ev.TooFew = ev.Episodes < MinSamples
	if ev.TooFew {
		ev.Warning = TooFewWarning(ev.Episodes)
	}
	ev.Verdict = verdict(ev)
	return ev
}

// DefaultResamples is the number of bootstrap resamples behind each interval
// when none is set.
const DefaultResamples = 10000

// Random streams derived from the evidence seed (stats.DeriveSeed): each
// procedure draws from its own, so adding one never moves another.
const (
	StreamMeanCI      = 0 // cluster bootstrap of the mean trade return
	StreamSharpeCI    = 1 // stationary bootstrap of the Sharpe ratio
	StreamMedianCI    = 2 // reserved: the median interval no longer resamples
	StreamRandomEntry = 3 // random-entry test (run by the caller)
)

// RandomEntryOutcome is the result of a random-entry test run by the caller
// (it needs prices): K random strategies, the p-values of the mean trade
// return and of the total return, and why they are NaN if they are.
type RandomEntryOutcome struct {
	K         int
	P, TotalP float64
	Note      string
}

// EvidenceOptions set the resampling behind Assess. Zero values mean the
// defaults.
type EvidenceOptions struct {
	Seed      uint64  // seeds every resampling (stats.DeriveSeed streams)
	Resamples int     // bootstrap resamples; default DefaultResamples
	Level     float64 // confidence level of the intervals; default 0.95
	// RandomEntry, when set, fills the random-entry fields and enters the
	// verdict.
	RandomEntry *RandomEntryOutcome
}

// Assess returns CountEvidence plus the statistics of the evidence section
// of DESIGN.md (docs/EVIDENCE.md gives the formulas and how to read them):
//
//   - effective_n: stats.EffectiveN of the daily returns (DailyReturns),
//     n / (1 + 2 Σ_k (1-k/n) ρ_k) with Geyer's truncation, out of days;
//     effective_n_trades: the same of the trade returns in entry order;
//   - mean_trade_return with a studentized (bootstrap-t) interval that
//     resamples whole episodes (stats.ClusterMeanTCI: overlapping trades
//     share their fate, so they are drawn together), and
//     median_trade_return with the order-statistic interval of the median
//     with the episodes' cluster-robust variance (stats.ClusterMedianCI);
//     each with the coverage measured for this number of episodes
//     (stats.MeanTCICoverage, stats.MedianCICoverage) and, below
//     ReliableEpisodes, a note that the interval is unreliable;
//   - sharpe_ci: stats.SharpeCI of the daily returns, stationary bootstrap
//     with the automatic block length;
//   - psr: stats.PSR of the daily Sharpe ratio against 0 with the sample
//     skewness and ordinary kurtosis (gonum's excess kurtosis + 3);
//     min_track_record: stats.MinTRL for PSR 0.95, in days;
//   - random_entry_p, random_entry_total_p, random_entry_k: copied from
//     opt.RandomEntry (NA without it).
//
// Each random procedure draws from its own stream derived from opt.Seed
// (StreamMeanCI...), so adding one does not move the others. The verdict
// names the outcome in one sentence.
func Assess(r *engine.Result, opt EvidenceOptions) Evidence {
	if opt.Resamples <= 0 {
		opt.Resamples = DefaultResamples
	}
	if !(opt.Level > 0 && opt.Level < 1) {
		opt.Level = 0.95
	}
	ev := CountEvidence(r)
	ev.Seed = opt.Seed
	ev.CILevel = Value(opt.Level)
	ev.Resamples = opt.Resamples

	// The statistics of the daily returns (the Sharpe interval is most of
	// the work) and those of the trades are independent: they run side by
	// side, each from its own random stream, so the result is the same.
	type dailyStats struct {
		days                      int
		effN, psr, minTRL         Value
		sharpeLo, sharpeHi, block Value
	}
	var daily dailyStats
	dailyDone := make(chan struct{})
	go func() {
		defer close(dailyDone)
		d := DailyReturns(r)
		daily.days = len(d)
		daily.effN = Value(stats.EffectiveN(d))
		ann := float64(r.Annualization)
		if ann <= 0 {
			ann = DefaultAnnualization
		}
		lo, hi, block := stats.SharpeCI(d, ann, opt.Resamples, opt.Level, 0, stats.NewRand(stats.DeriveSeed(opt.Seed, StreamSharpeCI)))
		daily.sharpeLo, daily.sharpeHi, daily.block = Value(lo), Value(hi), Value(block)
		daily.psr, daily.minTRL = NA, NA
		if sr := stats.Sharpe(d); !math.IsNaN(sr) && len(d) >= 4 {
			skew := stat.Skew(d, nil)
			kurt := stat.ExKurtosis(d, nil) + 3
			daily.psr = Value(stats.PSR(sr, 0, len(d), skew, kurt))
			daily.minTRL = Value(stats.MinTRL(sr, 0, skew, kurt, 0.95))
		}
	}()

	groups := episodeGroups(r.Trades)
	if len(r.Trades) > 0 {
		rets := make([]float64, 0, len(r.Trades))
		byEntry := make([]float64, 0, len(r.Trades))
		sums := make([]float64, len(groups))
		counts := make([]float64, len(groups))
		for g, members := range groups {
			for _, i := range members {
				rets = append(rets, r.Trades[i].Return)
				sums[g] += r.Trades[i].Return
				counts[g]++
			}
		}
		for _, i := range entryOrder(r.Trades) {
			byEntry = append(byEntry, r.Trades[i].Return)
		}
		ev.MeanTradeReturn = Value(stats.Mean(rets))
		ev.EffectiveNTrades = Value(stats.EffectiveN(byEntry))
		ev.MedianTradeReturn = Value(stats.Median(rets))
		// Studentized cluster bootstrap of the mean: resample episodes; the
		// statistic is the mean trade return of the trades in the drawn
		// episodes, studentized by its cluster-robust standard error.
		lo, hi := stats.ClusterMeanTCI(sums, counts, opt.Resamples, opt.Level, stats.NewRand(stats.DeriveSeed(opt.Seed, StreamMeanCI)))
		ev.MeanTradeReturnCI = [2]Value{Value(lo), Value(hi)}
		// The median: the order-statistic interval with the episodes'
		// cluster-robust variance (no resampling).
		grp := make([]int, 0, len(r.Trades))
		for g, members := range groups {
			for range members {
				grp = append(grp, g)
			}
		}
		var l, u int
		lo, hi, l, u = stats.ClusterMedianCI(rets, grp, len(groups), opt.Level)
		ev.MedianTradeReturnCI = [2]Value{Value(lo), Value(hi)}
		ev.MeanTradeReturnCICoverage, ev.MedianTradeReturnCICoverage = NA, NA
		if len(groups) >= 2 {
			ev.MeanTradeReturnCICoverage = Value(stats.MeanTCICoverage(len(groups), opt.Level))
			if len(groups) == len(rets) {
				ev.MedianTradeReturnCICoverage = Value(stats.MedianCICoverage(len(rets), l, u))
			}
		}
		ev.IntervalNote = intervalNote(ev)
	}

	ev.Regimes, ev.PositiveCycles, ev.PositiveEras = Regimes(r)
	<-dailyDone
	ev.Days = daily.days
	ev.EffectiveN = daily.effN
	ev.SharpeCI = [2]Value{daily.sharpeLo, daily.sharpeHi}
	ev.SharpeCIBlock = daily.block
	ev.PSR, ev.MinTrackRecord = daily.psr, daily.minTRL
	if opt.RandomEntry != nil {
		ev.SetRandomEntry(*opt.RandomEntry)
	}
	ev.Verdict = verdict(ev)
	return ev
}

// SetRandomEntry records the outcome of a random-entry test run by the
// caller (for instance concurrently with Assess) and rewrites the verdict.
func (ev *Evidence) SetRandomEntry(o RandomEntryOutcome) {
	ev.RandomEntryK = o.K
	ev.RandomEntryP = Value(o.P)
	ev.RandomEntryTotalP = Value(o.TotalP)
	ev.RandomEntryNote = o.Note
	ev.Verdict = verdict(*ev)
}

// ReliableEpisodes is the number of episodes from which the intervals of
// the mean and median trade return cover close to their level on skewed
// returns (docs/EVIDENCE.md); below it IntervalNote says how far they fall
// short.
const ReliableEpisodes = 30

// intervalNote says, below ReliableEpisodes, that the trade-return
// intervals are unreliable and what coverage they were measured to have at
// this number of episodes.
func intervalNote(ev Evidence) string {
	if ev.Episodes >= ReliableEpisodes || ev.Episodes < 1 {
		return ""
	}
	pct := func(v Value) string {
		if !v.Valid() {
			return "unknown"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(v))
	}
	return fmt.Sprintf("interval unreliable: %s (fewer than %d); a nominal %s interval of the mean covers about %s at this n on skewed returns, of the median %s",
		plural(ev.Episodes, "episode", "episodes"), ReliableEpisodes, pct(ev.CILevel), pct(ev.MeanTradeReturnCICoverage), pct(ev.MedianTradeReturnCICoverage))
}

// entryOrder returns the trade indices sorted by entry time (stable).
func entryOrder(trades []engine.Trade) []int {
	idx := make([]int, len(trades))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(trades[a].EntryTime, trades[b].EntryTime) })
	return idx
}

// FormatP writes a p-value with its relation for a sentence ("= 0.31"):
// two decimals, three below 0.1 (so nothing under 0.05 prints as 0.05), and
// "< 0.001" below 0.001.
func FormatP(p Value) string {
	switch {
	case !p.Valid():
		return "n/a"
	case p < 0.001:
		return "< 0.001"
	case p < 0.1:
		return fmt.Sprintf("= %.3f", float64(p))
	}
	return fmt.Sprintf("= %.2f", float64(p))
}

// verdict is the plain verdict of a result: how many independent samples it
// rests on, then what the random-entry test (p < 0.05 counts as beating
// random entries) and the mean trade return's interval say, then in how
// many halving cycles and calendar eras the mean trade return is positive.
func verdict(ev Evidence) string {
	s := verdictCore(ev)
	if r := regimeSentence(ev.PositiveCycles, ev.PositiveEras); r != "" && ev.Trades > 0 {
		s += " " + r
	}
	return s
}

// verdictCore is the verdict without the regime clause.
func verdictCore(ev Evidence) string {
	if ev.Trades == 0 {
		return fmt.Sprintf("No trades from %s: there is nothing to judge.", plural(ev.Signals, "signal", "signals"))
	}
	n := plural(ev.Episodes, "independent sample", "independent samples")
	p := ""
	if ev.RandomEntryP.Valid() {
		p = " (random-entry p " + FormatP(ev.RandomEntryP) + ")"
	}
	if ev.TooFew {
		return fmt.Sprintf("%s: too few to tell from chance%s.", n, p)
	}
	lo, hi := ev.MeanTradeReturnCI[0], ev.MeanTradeReturnCI[1]
	pct := int(math.Round(float64(ev.CILevel) * 100))
	if pct <= 0 {
		pct = 95
	}
	if ev.RandomEntryP.Valid() {
		beats := ev.RandomEntryP < 0.05
		switch {
		case beats && lo.Valid() && lo > 0:
			return fmt.Sprintf("%s: the mean trade return beats random entries%s and its %d%% interval is above zero.", n, p, pct)
		case beats && hi.Valid() && hi < 0:
			return fmt.Sprintf("%s: the mean trade return beats random entries%s but its %d%% interval is below zero: it loses less than chance, it still loses.", n, p, pct)
		case beats:
			return fmt.Sprintf("%s: the mean trade return beats random entries%s, but its %d%% interval includes zero: suggestive, not conclusive.", n, p, pct)
		case hi.Valid() && hi < 0:
			return fmt.Sprintf("%s: the strategy loses (the mean trade return's %d%% interval is below zero) and does no better than random entries%s.", n, pct, p)
		}
		return fmt.Sprintf("%s: not distinguishable from random entries%s.", n, p)
	}
	switch {
	case lo.Valid() && lo > 0 && ev.PSR.Valid() && ev.PSR >= 0.95:
		return fmt.Sprintf("%s: the mean trade return's %d%% interval is above zero and the Sharpe ratio is positive with probability %.2f (no random-entry test).", n, pct, float64(ev.PSR))
	case hi.Valid() && hi < 0:
		return fmt.Sprintf("%s: the mean trade return's %d%% interval is below zero: the strategy loses.", n, pct)
	}
	return fmt.Sprintf("%s: the mean trade return's %d%% interval includes zero, so the result is not distinguishable from chance.", n, pct)
}
