// Package results turns an engine.Result into what researchers read: metrics,
// the buy-and-hold benchmark, evidence counts and the JSON/table report whose
// names are a public contract: extend them, never rename (docs/ARCHITECTURE.md).
package results

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Value is a metric that may be undefined (no trades, zero volatility...). It
// marshals NaN and ±Inf as JSON null, so JSON output never holds NaN or Inf.
type Value float64

// NA is the undefined value.
var NA = Value(math.NaN())

// Valid reports whether v is a finite number.
func (v Value) Valid() bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// MarshalJSON writes the number, or null when it is not finite.
func (v Value) MarshalJSON() ([]byte, error) {
	return v.appendJSON(nil), nil
}

// appendJSON appends what MarshalJSON writes.
func (v Value) appendJSON(b []byte) []byte {
	if !v.Valid() {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, float64(v), 'g', -1, 64)
}

// UnmarshalJSON reads a number or null (as NaN).
func (v *Value) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = NA
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*v = Value(f)
	return nil
}

// Metrics are the performance figures of one equity curve and its trades.
// MaxDrawdown is a positive fraction.
type Metrics struct {
	TotalReturn       Value `json:"total_return"`
	CAGR              Value `json:"cagr"`
	MaxDrawdown       Value `json:"max_drawdown"`
	MaxDrawdownDays   int   `json:"max_drawdown_days"`
	Sharpe            Value `json:"sharpe"`
	Sortino           Value `json:"sortino"`
	Calmar            Value `json:"calmar"`
	Volatility        Value `json:"volatility"`
	Exposure          Value `json:"exposure"`
	Trades            int   `json:"trades"`
	WinRate           Value `json:"win_rate"`
	AvgTradeReturn    Value `json:"avg_trade_return"`
	MedianTradeReturn Value `json:"median_trade_return"`
	ProfitFactor      Value `json:"profit_factor"`
	BestTrade         Value `json:"best_trade"`
	WorstTrade        Value `json:"worst_trade"`
	FinalEquity       Value `json:"final_equity"`
	Annualization     int   `json:"annualization"`
	// RiskFree is "excess of SYMBOL" when Sharpe, Sortino and PSR are
	// computed on returns in excess of the cash rate series SYMBOL
	// (cash.rate_symbol); absent: risk-free rate 0.
	RiskFree string `json:"risk_free,omitempty"`
	Days     int    `json:"days"`
	Notes    []Note `json:"notes,omitempty"` // why a metric is n/a
}

// Note explains an undefined metric.
type Note struct {
	Metric string `json:"metric"`
	Reason string `json:"reason"`
}

// Evidence says how many samples a result rests on and what they support.
// Names are a public contract; docs/EVIDENCE.md explains every field.
type Evidence struct {
	Signals  int `json:"signals"`
	Trades   int `json:"trades"`
	Episodes int `json:"episodes"`
	// TooFew is true when the result rests on fewer than MinSamples episodes.
	TooFew  bool   `json:"too_few"`
	Warning string `json:"warning,omitempty"`
	// Verdict is one plain sentence: the number of independent samples and
	// what the random-entry test and the intervals say.
	Verdict string `json:"verdict"`

	// The fields below are filled by Assess (CountEvidence leaves them NA).

	// EffectiveN is the effective sample size of the daily strategy returns
	// (stats.EffectiveN: n over the variance inflation of the autocorrelated
	// mean), out of Days daily returns.
	EffectiveN Value `json:"effective_n"`
	Days       int   `json:"days"`
	// EffectiveNTrades is stats.EffectiveN of the trade returns in entry
	// order.
	EffectiveNTrades Value `json:"effective_n_trades"`
	// MeanTradeReturn and MedianTradeReturn are over all trades; the mean's
	// interval is a studentized bootstrap that resamples whole episodes, the
	// median's the order-statistic interval with the episodes'
	// cluster-robust variance. Their coverage fields give the coverage of
	// the nominal CILevel interval measured for this number of episodes (by
	// simulation on skewed returns for the mean, exactly for the median when
	// every episode is one trade; null otherwise); IntervalNote says when
	// they are unreliable (fewer than ReliableEpisodes episodes).
	MeanTradeReturn             Value    `json:"mean_trade_return"`
	MeanTradeReturnCI           [2]Value `json:"mean_trade_return_ci"`
	MeanTradeReturnCICoverage   Value    `json:"mean_trade_return_ci_coverage"`
	MedianTradeReturn           Value    `json:"median_trade_return"`
	MedianTradeReturnCI         [2]Value `json:"median_trade_return_ci"`
	MedianTradeReturnCICoverage Value    `json:"median_trade_return_ci_coverage"`
	IntervalNote                string   `json:"interval_note,omitempty"`
	// SharpeCI is the stationary-bootstrap interval of the annualised Sharpe
	// ratio of the daily returns; SharpeCIBlock the mean block length used.
	SharpeCI      [2]Value `json:"sharpe_ci"`
	SharpeCIBlock Value    `json:"sharpe_ci_block"`
	// CILevel is the confidence level of the intervals (0.95 by default) and
	// Resamples the bootstrap resamples behind each.
	CILevel   Value `json:"ci_level"`
	Resamples int   `json:"resamples"`
	// RandomEntryP and RandomEntryTotalP are the p-values of the mean trade
	// return and of the total return against RandomEntryK random strategies
	// with the same number of entries, exit rule and costs (the permutation
	// test); they need prices, so the caller runs the test
	// (backtest.RandomEntry). RandomEntryNote says why they are null when
	// the test could not run.
	RandomEntryP      Value  `json:"random_entry_p"`
	RandomEntryTotalP Value  `json:"random_entry_total_p"`
	RandomEntryK      int    `json:"random_entry_k"`
	RandomEntryNote   string `json:"random_entry_note,omitempty"`
	// PSR is the probability that the true daily Sharpe ratio exceeds 0
	// (Bailey & López de Prado 2012); MinTrackRecord the days of returns
	// needed for PSR to reach 0.95 at the observed Sharpe ratio.
	PSR            Value `json:"psr"`
	MinTrackRecord Value `json:"min_track_record"`
	// Seed seeds every random procedure behind these numbers (each draws
	// from its own stream, stats.DeriveSeed(Seed, i)).
	Seed uint64 `json:"seed"`
	// Regimes splits the result by Bitcoin halving cycle and by calendar
	// era (Regimes); PositiveCycles and PositiveEras count the regimes
	// with trades whose mean trade return is positive, which the verdict
	// states ("positive in k of m").
	Regimes        []Regime    `json:"regimes,omitempty"`
	PositiveCycles RegimeCount `json:"positive_halving_cycles"`
	PositiveEras   RegimeCount `json:"positive_eras"`
}

// MinSamples is the number of independent samples below which every output
// flags a result as resting on too few samples.
const MinSamples = 10

// Window is the backtest window in RFC 3339 UTC.
type Window struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// TradeRow is a trade as reported. Times are RFC 3339 UTC; prices are fill
// prices after slippage.
//
// Times are the UTC instants of the fills; EntryDate and ExitDate are the
// dates of the target's bars the fills happened in (a daily crypto bar dated
// D closes at D+1 00:00Z: an exit at that close is dated D). HoldDays is
// ExitDate minus EntryDate in calendar days, PnL the trade's profit in the
// account currency after costs (exit proceeds minus entry cost). Reports
// stored before these fields existed read them as empty.
type TradeRow struct {
	Symbol     string `json:"symbol"`
	SignalTime string `json:"signal_time"`
	EntryTime  string `json:"entry_time"`
	EntryDate  string `json:"entry_date,omitempty"`
	EntryPrice Value  `json:"entry_price"`
	ExitTime   string `json:"exit_time"`
	ExitDate   string `json:"exit_date,omitempty"`
	ExitPrice  Value  `json:"exit_price"`
	Units      Value  `json:"units"`
	Return     Value  `json:"return"`
	PnL        *Value `json:"pnl,omitempty"`
	HoldDays   *int   `json:"hold_days,omitempty"`
	ExitReason string `json:"exit_reason"`
}

// SignalRow is a signal as reported.
type SignalRow struct {
	Time   string `json:"time"`
	Symbol string `json:"symbol"`
	Level  Value  `json:"level"`
	Close  Value  `json:"close"`
	Acted  bool   `json:"acted"`
	Reason string `json:"reason,omitempty"`
}

// EquityRow is one point of the daily equity curve.
type EquityRow struct {
	Date     string `json:"date"`
	Equity   Value  `json:"equity"`
	Invested Value  `json:"invested"`
}

// Report is the whole output of a run: what `riskon run --output json`
// prints and what the run store keeps.
type Report struct {
	RunID           string          `json:"run_id"`
	Name            string          `json:"name"`
	Version         string          `json:"version"`
	CreatedAt       string          `json:"created_at"`
	Synthetic       bool            `json:"synthetic"`
	ConfigHash      string          `json:"config_hash"`
	DataFingerprint string          `json:"data_fingerprint"`
	Config          json.RawMessage `json:"config"`
	Window          Window          `json:"window"`
	Metrics         Metrics         `json:"metrics"`
	Benchmark       Metrics         `json:"benchmark"`
	Evidence        Evidence        `json:"evidence"`
	Trades          []TradeRow      `json:"trades"`
	Signals         []SignalRow     `json:"signals"`
	Equity          []EquityRow     `json:"equity,omitempty"`
	// Selection says how the run was chosen when it was picked from a sweep
	// (a trial shown as SWEEP_ID:INDEX, or promoted with riskon sweep
	// promote); nil for a config run on its own.
	Selection *Selection `json:"selection,omitempty"`
	// Filters says, for each entry filter, which dates its series covers
	// and how many signals it blocked or could not judge.
	Filters []FilterCoverage `json:"filters,omitempty"`
}

// Selection is how a run was chosen from a sweep: its trial, its rank among
// the sweep's trials by the sweep's rank metric, the deflated Sharpe ratio of
// this trial against every trial of the sweep (Bailey & López de Prado 2014)
// and the sweep's probability of backtest overfitting (CSCV). Sentence is
// the plain sentence SetSelection adds to the verdict.
type Selection struct {
	SweepID  string `json:"sweep_id"`
	Trial    int    `json:"trial"`
	Trials   int    `json:"trials"`
	RankBy   string `json:"rank_by"`
	Rank     int    `json:"rank"`
	DSR      Value  `json:"dsr"`
	PBO      Value  `json:"pbo"`
	Sentence string `json:"sentence"`
}

// SetSelection records how the run was chosen and appends the selection
// sentence to the verdict, so that every output (table, JSON, HTML) that
// shows the verdict names it: "Selected as the best of N trials by METRIC
// in sweep S; deflated Sharpe D; PBO P."
func (r *Report) SetSelection(s Selection) {
	what := fmt.Sprintf("the best of %d trials", s.Trials)
	if s.Rank != 1 {
		what = fmt.Sprintf("rank %d of %d trials", s.Rank, s.Trials)
	}
	s.Sentence = fmt.Sprintf("Selected as %s by %s in sweep %s (trial %d); deflated Sharpe %s; PBO %s: read its p-values as those of a chosen config, not of one tried alone.",
		what, s.RankBy, s.SweepID, s.Trial, fmtValue(s.DSR), fmtValue(s.PBO))
	r.Selection = &s
	if r.Evidence.Verdict != "" && !strings.HasSuffix(r.Evidence.Verdict, " ") {
		r.Evidence.Verdict += " "
	}
	r.Evidence.Verdict += s.Sentence
}

func fmtValue(v Value) string {
	if !v.Valid() {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", float64(v))
}

// FilterCoverage is what one entry filter covered. A signal outside the
// coverage (before the first bar, after the last, or with too little
// history for the rule) is logged with reason filter_no_data, never counted
// as blocked (reason filter).
type FilterCoverage struct {
	Symbol string `json:"symbol"`
	Rule   string `json:"rule"`
	First  string `json:"first"` // first bar date of the filter series, YYYY-MM-DD
	Last   string `json:"last"`  // last bar date
	// Blocked and NoData count the run's signals with reason filter and
	// filter_no_data (all filters of the run together).
	Blocked int `json:"signals_blocked"`
	NoData  int `json:"signals_no_data"`
}

// Sentence describes the coverage for people, in one line.
func (f FilterCoverage) Sentence() string {
	return "filter " + f.Symbol + " " + f.Rule + " covers " + f.First + " .. " + f.Last + ": " +
		strconv.Itoa(f.Blocked) + " signals blocked (filter), " + strconv.Itoa(f.NoData) +
		" outside its coverage (filter_no_data, not acted on, not counted as blocked)"
}
