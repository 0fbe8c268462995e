// Package corr measures how two price series move together: Pearson and
// Spearman correlation of log returns with a Fisher-z interval, the
// correlation of price levels beside it (with the warning that it is
// spurious for trending series), a rolling correlation, lead-lag
// cross-correlations, and the "normalised to 100" table of monthly closes
// that market commentary quotes.
//
// Series on different calendars (the Russell 2000 on NYSE weekdays, crypto
// every day) are sampled at a common clock (AlignClock): daily, each NYSE
// close with the crypto bar of the same date (ClockDate, the default) or
// with the last crypto bar closed by then (ClockAsOf); never by joining
// equal timestamps.
//
// The package is pure: no I/O, no DuckDB, no global state.
package corr

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
)

// LevelWarning accompanies every correlation of price levels.
const LevelWarning = "level_pearson is the correlation of price levels: for trending series it is spurious " +
	"(two independent random walks routinely show |r| > 0.5: Yule 1926; Granger & Newbold 1974, " +
	"\"Spurious regressions in econometrics\", J. Econometrics 2(2)); read pearson, the correlation of returns"

// DefaultWindow is the default rolling window in samples: 90 days, 52
// weeks or 12 months.
func DefaultWindow(f Freq) int {
	switch f {
	case Weekly:
		return 52
	case Monthly:
		return 12
	}
	return 90
}

// Options configure Analyze.
type Options struct {
	Freq     Freq
	Since    data.Date
	HasSince bool
	Until    data.Date
	HasUntil bool
	// Window is the rolling window in samples of Freq (0: no rolling series).
	Window int
	// Lags is K: cross-correlations at lags -K..K (0: lag 0 only).
	Lags int
	// Level is the confidence level of the Fisher interval and the lag band
	// (0 means 0.95).
	Level float64
	// Clock pairs daily samples (AlignClock); "" is ClockDate.
	Clock Clock
}

// Pair is the analysis of one pair of series. Field names are the public
// JSON contract of `riskon corr` (DESIGN.md): extend, never rename.
type Pair struct {
	A    string `json:"a"`
	B    string `json:"b"`
	Freq string `json:"freq"`
	// Since and Until are the dates of the first and last samples used.
	Since string `json:"since"`
	Until string `json:"until"`
	// N is the number of return pairs behind pearson and spearman.
	N         int              `json:"n"`
	Pearson   results.Value    `json:"pearson"`
	PearsonCI [2]results.Value `json:"pearson_ci"`
	Spearman  results.Value    `json:"spearman"`
	// LevelPearson is the Pearson correlation of the price levels at the
	// same samples (LevelN of them): spurious for trending series.
	LevelPearson results.Value `json:"level_pearson"`
	LevelN       int           `json:"level_n"`
	// Lags are the cross-correlations r(k) = corr(a_t, b_{t+k}): a positive
	// lag means a leads b by k samples.
	Lags []Lag `json:"lags"`
	// LagBand is the approximate 95% band ±z/√N of a cross-correlation
	// between independent white-noise series.
	LagBand results.Value `json:"lag_band"`
	// Window and Rolling are the rolling correlation of returns over the
	// last Window samples, dated by the last sample.
	Window  int            `json:"window"`
	Rolling []RollingPoint `json:"rolling"`
	// Normalised is the monthly closes of both series in the range, the
	// first month = 100.
	Normalised []NormRow `json:"normalised"`
	CILevel    float64   `json:"ci_level"`
	Clock      string    `json:"clock"`
	// ClockMode is the daily clock used, "date" or "asof" (empty for weekly
	// and monthly samples); LeadHours, with "date", the mean time in hours
	// by which b's same-date close follows a's (negative: b closes first).
	ClockMode string  `json:"clock_mode,omitempty"`
	LeadHours float64 `json:"lead_hours,omitempty"`
	// AsofAgeHours is the mean age, in hours, of the as-of close of the
	// series that is not the clock at the daily sampling instants (0 for
	// weekly and monthly samples).
	AsofAgeHours float64  `json:"asof_age_hours"`
	Warning      string   `json:"warning"`
	Notes        []string `json:"notes"`
}

// Lag is one cross-correlation.
type Lag struct {
	Lag int           `json:"lag"`
	R   results.Value `json:"r"`
	N   int           `json:"n"` // pairs behind r
}

// RollingPoint is the correlation of the window ending at Date.
type RollingPoint struct {
	Date string        `json:"date"`
	R    results.Value `json:"r"`
}

// NormRow is one month of the normalised table.
type NormRow struct {
	Month string        `json:"month"` // YYYY-MM
	A     results.Value `json:"a"`
	B     results.Value `json:"b"`
}

// Analyze correlates a with b under opts (see Pair). It fails when the two
// series have no return pair in the range.
func Analyze(a, b *data.Series, opts Options) (*Pair, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("corr: missing series")
	}
	freq, err := ParseFreq(string(opts.Freq))
	if err != nil {
		return nil, fmt.Errorf("corr %s/%s: %w", a.Symbol, b.Symbol, err)
	}
	if opts.Window < 0 || opts.Lags < 0 {
		return nil, fmt.Errorf("corr %s/%s: window %d and lags %d must not be negative", a.Symbol, b.Symbol, opts.Window, opts.Lags)
	}
	if opts.HasSince && opts.HasUntil && opts.Until < opts.Since {
		return nil, fmt.Errorf("corr %s/%s: until %s is before since %s", a.Symbol, b.Symbol, opts.Until, opts.Since)
	}
	level := opts.Level
	if level == 0 {
		level = 0.95
	}
	if !(level > 0 && level < 1) {
		return nil, fmt.Errorf("corr %s/%s: confidence level %v: want (0, 1)", a.Symbol, b.Symbol, level)
	}
	clock, err := ParseClock(string(opts.Clock))
	if err != nil {
		return nil, fmt.Errorf("corr %s/%s: %w", a.Symbol, b.Symbol, err)
	}
	al, err := AlignClock(a, b, freq, clock)
	if err != nil {
		return nil, err
	}
	al = al.Between(opts.Since, opts.HasSince, opts.Until, opts.HasUntil)
	r := al.LogReturns()
	if len(r.A) == 0 {
		return nil, fmt.Errorf("corr %s/%s: no %s return pair in range %s (the series overlap on %d samples)",
			a.Symbol, b.Symbol, freq, rangeText(opts), al.Len())
	}
	p := &Pair{A: a.Symbol, B: b.Symbol, Freq: string(freq), Since: al.Dates[0].String(), Until: al.Dates[al.Len()-1].String(),
		N: len(r.A), CILevel: level, Clock: al.Clock, ClockMode: string(al.Mode), Warning: LevelWarning, Window: opts.Window}
	p.LeadHours = math.Round(al.LeadSeconds/360) / 10
	p.Pearson = results.Value(stats.Pearson(r.A, r.B))
	lo, hi := stats.FisherCI(float64(p.Pearson), p.N, level)
	p.PearsonCI = [2]results.Value{results.Value(lo), results.Value(hi)}
	p.Spearman = results.Value(stats.Spearman(r.A, r.B))
	p.LevelPearson = results.Value(stats.Pearson(al.PA, al.PB))
	p.LevelN = al.Len()
	p.Lags = CrossCorrelation(r.A, r.B, opts.Lags)
	z := distuv.UnitNormal.Quantile((1 + level) / 2)
	p.LagBand = results.Value(z / math.Sqrt(float64(p.N)))
	p.Rolling = Rolling(r, opts.Window)
	if p.Rolling == nil {
		p.Rolling = []RollingPoint{}
	}
	p.Normalised, err = Normalised(a, b, opts)
	if err != nil {
		return nil, err
	}
	p.Notes = []string{}
	if age := max(al.StaleA, al.StaleB); age > 3600 {
		p.AsofAgeHours = math.Round(age/360) / 10
		stale, lag := b.Symbol, "+1"
		if al.StaleA > al.StaleB {
			stale, lag = a.Symbol, "-1"
		}
		p.Notes = append(p.Notes, fmt.Sprintf("asynchronous closes: at each sample %s's latest close is on average %.1f hours old, "+
			"so moves of both within those hours land in the next sample of %s and show up at lag %s, not lag 0; "+
			"a peak at lag %s is this timing, not one market leading the other (weekly and monthly returns are barely affected)",
			stale, p.AsofAgeHours, stale, lag, lag))
	}
	if lead := p.LeadHours; math.Abs(lead) >= 1 {
		// r(k) = corr(a_t, b_t+k): when b closes later, moves after a's
		// close reach b_t and a_t+1, lag -1; the other way round, lag +1.
		late, lag := b.Symbol, "-1"
		if lead < 0 {
			late, lag = a.Symbol, "+1"
		}
		p.Notes = append(p.Notes, fmt.Sprintf("same-date closes: %s's close comes on average %.1f hours after the other's, "+
			"so moves in those hours reach %s at this sample and the other series at the next: they show up at lag %s, "+
			"a small effect for %.1f hours of 24 (--clock asof pairs only closes already known instead)",
			late, math.Abs(lead), late, lag, math.Abs(lead)))
	}
	if p.N < 30 {
		p.Notes = append(p.Notes, fmt.Sprintf("only %d return pairs: the interval is wide and the lag band crude", p.N))
	}
	return p, nil
}

func rangeText(o Options) string {
	s, u := "start", "end"
	if o.HasSince {
		s = o.Since.String()
	}
	if o.HasUntil {
		u = o.Until.String()
	}
	return s + ".." + u
}

// CrossCorrelation returns r(k) for k = -K..K, the Pearson correlation of
// the pairs (x_t, y_{t+k}) over every t where both exist (n - |k| pairs,
// each lag with its own means, as R's ccf does with pairwise complete
// overlap): a positive k means x leads y by k samples. Under independent
// white noise r(k) is approximately N(0, 1/n) (Bartlett 1946; Box, Jenkins &
// Reinsel, Time Series Analysis, §11.1.3), hence the band ±1.96/√n.
func CrossCorrelation(x, y []float64, maxLag int) []Lag {
	n := min(len(x), len(y))
	out := make([]Lag, 0, 2*maxLag+1)
	for k := -maxLag; k <= maxLag; k++ {
		var xs, ys []float64
		if k >= 0 {
			if k < n {
				xs, ys = x[:n-k], y[k:n]
			}
		} else if -k < n {
			xs, ys = x[-k:n], y[:n+k]
		}
		out = append(out, Lag{Lag: k, R: results.Value(stats.Pearson(xs, ys)), N: len(xs)})
	}
	return out
}

// Rolling returns the Pearson correlation of the returns over each window
// of w consecutive return pairs, dated by its last one (nil when w < 2 or
// there are fewer than w pairs).
func Rolling(r Returns, w int) []RollingPoint {
	if w < 2 || len(r.A) < w {
		return nil
	}
	out := make([]RollingPoint, 0, len(r.A)-w+1)
	for i := w; i <= len(r.A); i++ {
		out = append(out, RollingPoint{Date: r.Dates[i-1].String(), R: results.Value(stats.Pearson(r.A[i-w:i], r.B[i-w:i]))})
	}
	return out
}

// Normalised returns the monthly closes (the last close of each calendar
// month both series have) in the range of opts, each divided by its first
// month's and multiplied by 100, the table market commentary quotes ("in
// March 2021, Russell at 107%, Bitcoin at 177%").
func Normalised(a, b *data.Series, opts Options) ([]NormRow, error) {
	al, err := Align(a, b, Monthly)
	if err != nil {
		return nil, err
	}
	al = al.Between(opts.Since, opts.HasSince, opts.Until, opts.HasUntil)
	out := make([]NormRow, 0, al.Len())
	for i := 0; i < al.Len(); i++ {
		out = append(out, NormRow{Month: monthLabel(al.Dates[i]),
			A: results.Value(100 * al.PA[i] / al.PA[0]), B: results.Value(100 * al.PB[i] / al.PB[0])})
	}
	return out, nil
}
