// Package quality checks daily price series: sessions missing against the
// symbol's calendar (NYSE holidays included), bars on days without a
// session, duplicate dates, stale prices, flat bars, zero volumes, OHLC
// inconsistencies, outliers by a robust z-score of log returns, a last bar
// that looks provisional, and the disagreement between two sources of the
// same instrument.
//
// It is pure Go: data/store reads the bars, cmd/riskon prints the report.
package quality

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/internal/num"
	"github.com/riskon/riskon/internal/numfmt"
)

// Options tune the checks. Zero values take the defaults.
type Options struct {
	// StaleRun is the shortest run of identical consecutive closes reported
	// as stale (default 4: three unchanged days in a row).
	StaleRun int
	// OutlierZ is the robust z-score of a log return above which it is an
	// outlier (default 10).
	OutlierZ float64
	// OutlierWindow is the number of returns on each side of a return that
	// give its local median and MAD (default 45, about three months of
	// sessions; so a calm year does not make every move of a wild year an
	// outlier).
	OutlierWindow int
	// Disagree is the relative close difference above which two sources
	// disagree on a date (default 0.05).
	Disagree float64
	// Examples is how many examples a finding lists (default 10).
	Examples int
}

func (o Options) withDefaults() Options {
	if o.StaleRun <= 1 {
		o.StaleRun = 4
	}
	if o.OutlierZ <= 0 {
		o.OutlierZ = 10
	}
	if o.OutlierWindow <= 0 {
		o.OutlierWindow = 45
	}
	if o.Disagree <= 0 {
		o.Disagree = 0.05
	}
	if o.Examples <= 0 {
		o.Examples = 10
	}
	return o
}

// Input is one series to check. Bars must be sorted by date; unlike a
// data.Series they may repeat a date (raw files are checked before import).
type Input struct {
	Symbol   string
	Calendar data.Calendar
	Source   string
	Bars     []data.Bar
	// SinglePrice marks a series with one price per day (open = high = low
	// = close). When false it is detected: every bar flat with volume 0.
	SinglePrice bool
	// Period is "" for daily bars, or "weekly" or "monthly" for resampled
	// ones (derived symbols): missing counts weeks or months without a bar.
	Period string
}

// InputFromSeries turns a stored series into an Input.
func InputFromSeries(s *data.Series) Input {
	in := Input{Symbol: s.Symbol, Calendar: s.Calendar, Source: s.Source, Bars: make([]data.Bar, s.Len())}
	for i := range in.Bars {
		in.Bars[i] = s.BarAt(i)
	}
	return in
}

// Range is a run of dates.
type Range struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days int    `json:"days"` // dates (sessions for missing ranges) in the run
}

// Count is a number of bars of one kind with the first examples.
type Count struct {
	Count    int      `json:"count"`
	Examples []string `json:"examples,omitempty"`
}

func (c *Count) add(max int, format string, args ...any) {
	c.Count++
	if len(c.Examples) < max {
		c.Examples = append(c.Examples, fmt.Sprintf(format, args...))
	}
}

// Missing lists the sessions the calendar schedules between the first and
// last bar that have no bar.
type Missing struct {
	Expected int     `json:"expected"` // sessions scheduled from first to last bar
	Count    int     `json:"count"`    // of those, without a bar
	Gaps     int     `json:"gaps"`     // runs of consecutive missing sessions
	Ranges   []Range `json:"ranges,omitempty"`
}

// Outlier is one log return far from its neighbours.
type Outlier struct {
	Date    string  `json:"date"`
	Close   float64 `json:"close"`
	Prev    float64 `json:"prev_close"`
	Return  float64 `json:"return"` // simple return close/prev - 1
	Z       float64 `json:"z"`
	Reverts bool    `json:"reverts"` // the next return is an outlier of the opposite sign: a spike, likely a bad print
}

// Outliers summarises the robust z-score check.
type Outliers struct {
	Threshold float64   `json:"threshold"`
	Window    int       `json:"window"`
	Count     int       `json:"count"`
	Spikes    int       `json:"spikes"` // outliers reverted by the next return
	List      []Outlier `json:"list,omitempty"`
	// Largest is the outlier with the largest |z|.
	Largest *Outlier `json:"largest,omitempty"`
	// Clusters are runs of outliers less than a month apart, the signature
	// of a bad stretch of data rather than one real move.
	Clusters []Range `json:"clusters,omitempty"`
}

// Stale summarises runs of identical closes.
type Stale struct {
	MinRun int     `json:"min_run"`
	Runs   int     `json:"runs"`
	Bars   int     `json:"bars"` // bars inside those runs
	List   []Range `json:"list,omitempty"`
}

// LastBar says whether the newest bar looks provisional (written before the
// session closed, to be corrected later).
type LastBar struct {
	Date        string   `json:"date"`
	Close       float64  `json:"close"`
	Volume      float64  `json:"volume"`
	Provisional bool     `json:"provisional"`
	Reasons     []string `json:"reasons,omitempty"`
}

// Comparison is the disagreement of the checked series with another source
// of the same instrument on their common dates.
type Comparison struct {
	Against   string  `json:"against"`
	Common    int     `json:"common_dates"`
	From      string  `json:"from,omitempty"`
	To        string  `json:"to,omitempty"`
	Median    float64 `json:"median"` // median |close/other - 1|
	P95       float64 `json:"p95"`
	Max       float64 `json:"max"`
	MaxDate   string  `json:"max_date,omitempty"`
	Above     int     `json:"above"` // dates disagreeing by more than Threshold
	Threshold float64 `json:"threshold"`
	// Periods are runs of disagreeing dates (gaps under 30 days joined).
	Periods []Range `json:"periods,omitempty"`
	// Lag is the day shift that agrees best: +1 means the other's value
	// dated D matches this series' close of D-1 (the other lags by a day),
	// -1 that this series' value of D matches the other's of D-1 (this one
	// lags, as the typedcypher file does). LagMedian holds the median
	// disagreement at lags -1, 0 and +1 (-1 when a shift leaves no common
	// dates).
	Lag       int        `json:"lag"`
	LagMedian [3]float64 `json:"lag_median"`
}

// Report is the quality report of one series.
type Report struct {
	Symbol      string       `json:"symbol"`
	Calendar    string       `json:"calendar"`
	Source      string       `json:"source,omitempty"`
	Bars        int          `json:"bars"`
	First       string       `json:"first,omitempty"`
	Last        string       `json:"last,omitempty"`
	SinglePrice bool         `json:"single_price"`
	Period      string       `json:"period,omitempty"` // weekly or monthly bars; missing then counts periods
	Missing     Missing      `json:"missing"`
	Extra       Count        `json:"extra"` // bars on days without a session (weekends, holidays)
	Duplicates  Count        `json:"duplicates"`
	Stale       Stale        `json:"stale"`
	Flat        Count        `json:"flat"`
	ZeroVolume  Count        `json:"zero_volume"`
	OHLC        Count        `json:"ohlc"`
	Invalid     Count        `json:"invalid"` // non-positive or non-finite prices, negative or non-finite volume (never in stored data)
	Outliers    Outliers     `json:"outliers"`
	LastBar     LastBar      `json:"last_bar"`
	Comparisons []Comparison `json:"comparisons,omitempty"`
	// Findings is one line per problem found, most important first.
	Findings []string `json:"findings"`
}

// ohlcTolerance is the relative slack of the OHLC checks (as on import).
const ohlcTolerance = 1e-9

// Check checks one series.
func Check(in Input, opts Options) *Report {
	o := opts.withDefaults()
	r := &Report{Symbol: in.Symbol, Calendar: in.Calendar.Name(), Source: in.Source, Bars: len(in.Bars), Findings: []string{}}
	bars := in.Bars
	if len(bars) == 0 {
		r.Findings = append(r.Findings, "no bars")
		return r
	}
	r.First, r.Last = bars[0].Date.String(), bars[len(bars)-1].Date.String()
	r.SinglePrice = in.SinglePrice || detectSinglePrice(bars)
	sched := NewSchedule(in.Calendar)

	r.Period = in.Period
	if in.Period == "weekly" || in.Period == "monthly" {
		checkPeriods(r, bars, sched, in.Period, o)
	} else {
		checkDates(r, bars, sched, o)
	}
	checkBars(r, bars, o)
	checkStale(r, bars, o)
	checkOutliers(r, bars, o)
	checkLast(r, bars)
	r.summarise()
	r.sanitize()
	return r
}

// clamp keeps a number encodable as JSON: infinities become the largest
// finite value of their sign, NaN becomes 0. Stored data never needs it;
// extreme inputs (a price of 1e300 after 1e-300) do.
func clamp(v *float64) {
	switch {
	case math.IsNaN(*v):
		*v = 0
	case math.IsInf(*v, 0):
		*v = math.Copysign(math.MaxFloat64, *v)
	}
}

func (r *Report) sanitize() {
	clamp(&r.LastBar.Close)
	clamp(&r.LastBar.Volume)
	fix := func(o *Outlier) {
		clamp(&o.Close)
		clamp(&o.Prev)
		clamp(&o.Return)
		clamp(&o.Z)
	}
	for i := range r.Outliers.List {
		fix(&r.Outliers.List[i])
	}
	if r.Outliers.Largest != nil {
		fix(r.Outliers.Largest)
	}
	for i := range r.Comparisons {
		c := &r.Comparisons[i]
		clamp(&c.Median)
		clamp(&c.P95)
		clamp(&c.Max)
		for k := range c.LagMedian {
			clamp(&c.LagMedian[k])
		}
	}
}

func detectSinglePrice(bars []data.Bar) bool {
	for _, b := range bars {
		if !(b.Open == b.High && b.High == b.Low && b.Low == b.Close && b.Volume == 0) {
			return false
		}
	}
	return true
}

func checkDates(r *Report, bars []data.Bar, sched *Schedule, o Options) {
	have := make(map[data.Date]bool, len(bars))
	for i, b := range bars {
		if i > 0 && b.Date == bars[i-1].Date {
			r.Duplicates.add(o.Examples, "%s", b.Date)
		}
		have[b.Date] = true
		if !sched.IsSession(b.Date) {
			why := b.Date.Weekday().String()
			if name, ok := sched.Holiday(b.Date); ok {
				why = name
			}
			r.Extra.add(o.Examples, "%s (%s)", b.Date, why)
		}
	}
	first, last := bars[0].Date, bars[len(bars)-1].Date
	var run *Range
	flush := func() {
		if run != nil {
			r.Missing.Gaps++
			if len(r.Missing.Ranges) < o.Examples {
				r.Missing.Ranges = append(r.Missing.Ranges, *run)
			}
			run = nil
		}
	}
	for d := first; d <= last; d++ {
		if !sched.IsSession(d) {
			continue
		}
		r.Missing.Expected++
		if have[d] {
			flush()
			continue
		}
		r.Missing.Count++
		if run == nil {
			run = &Range{From: d.String()}
		}
		run.To = d.String()
		run.Days++
	}
	flush()
}

// periodStart returns the first day of d's week (Monday) or month.
func periodStart(period string, d data.Date) data.Date {
	if period == "weekly" {
		return d - data.Date((int(d.Weekday())+6)%7)
	}
	y, m, _ := d.Time().Date()
	return data.DateOf(y, m, 1)
}

// checkPeriods is checkDates for weekly or monthly bars: every period with
// a scheduled session between the first and last bar should have one bar,
// dated on a session day.
func checkPeriods(r *Report, bars []data.Bar, sched *Schedule, period string, o Options) {
	have := map[data.Date]int{}
	for i, b := range bars {
		if i > 0 && b.Date == bars[i-1].Date {
			r.Duplicates.add(o.Examples, "%s", b.Date)
		}
		have[periodStart(period, b.Date)]++
		if !sched.IsSession(b.Date) {
			why := b.Date.Weekday().String()
			if name, ok := sched.Holiday(b.Date); ok {
				why = name
			}
			r.Extra.add(o.Examples, "%s (%s)", b.Date, why)
		}
	}
	var run *Range
	flush := func() {
		if run != nil {
			r.Missing.Gaps++
			if len(r.Missing.Ranges) < o.Examples {
				r.Missing.Ranges = append(r.Missing.Ranges, *run)
			}
			run = nil
		}
	}
	last := bars[len(bars)-1].Date
	for p := periodStart(period, bars[0].Date); p <= last; {
		next := p + 7
		if period == "monthly" {
			y, m, _ := p.Time().Date()
			next = data.DateOf(y, m+1, 1)
		}
		if len(sched.Sessions(p, next-1)) > 0 {
			r.Missing.Expected++
			if have[p] > 0 {
				flush()
			} else {
				r.Missing.Count++
				if run == nil {
					run = &Range{From: p.String()}
				}
				run.To = (next - 1).String()
				run.Days++
			}
		}
		p = next
	}
	flush()
}

func checkBars(r *Report, bars []data.Bar, o Options) {
	withVolume := 0
	for _, b := range bars {
		if b.Volume > 0 {
			withVolume++
		}
	}
	for _, b := range bars {
		if !validBar(b) {
			r.Invalid.add(o.Examples, "%s", b.Date)
			continue
		}
		if b.Volume == 0 && withVolume > 0 {
			r.ZeroVolume.add(o.Examples, "%s", b.Date)
		}
		if r.SinglePrice {
			continue
		}
		tol := ohlcTolerance * b.High
		switch {
		case b.High < b.Low-tol:
			r.OHLC.add(o.Examples, "%s high %g < low %g", b.Date, b.High, b.Low)
		case b.Open < b.Low-tol || b.Open > b.High+tol || b.Close < b.Low-tol || b.Close > b.High+tol:
			r.OHLC.add(o.Examples, "%s open %g / close %g outside [low %g, high %g]", b.Date, b.Open, b.Close, b.Low, b.High)
		}
		if b.Open == b.High && b.High == b.Low && b.Low == b.Close {
			r.Flat.add(o.Examples, "%s = %g", b.Date, b.Close)
		}
	}
}

func checkStale(r *Report, bars []data.Bar, o Options) {
	r.Stale.MinRun = o.StaleRun
	i := 0
	for i < len(bars) {
		j := i + 1
		for j < len(bars) && bars[j].Close == bars[i].Close {
			j++
		}
		if n := j - i; n >= o.StaleRun {
			r.Stale.Runs++
			r.Stale.Bars += n
			if len(r.Stale.List) < o.Examples {
				r.Stale.List = append(r.Stale.List, Range{From: bars[i].Date.String(), To: bars[j-1].Date.String(), Days: n})
			}
		}
		i = j
	}
}

// validBar reports whether a bar has positive finite prices and a finite
// non-negative volume.
func validBar(b data.Bar) bool {
	for _, v := range []float64{b.Open, b.High, b.Low, b.Close} {
		if !(v > 0) || math.IsInf(v, 0) {
			return false
		}
	}
	return b.Volume >= 0 && !math.IsInf(b.Volume, 0)
}

// robustZ returns the robust z-scores of x: (x - median) / (1.4826 MAD) over
// a centred window of w values on each side. A window whose MAD is 0 (flat
// stretches) gives z = 0 unless x differs from the median, then +-Inf.
func robustZ(x []float64, w int) []float64 {
	z := make([]float64, len(x))
	buf := make([]float64, 0, 2*w+1)
	dev := make([]float64, 0, 2*w+1)
	for i := range x {
		lo, hi := i-w, i+w+1
		if lo < 0 {
			hi -= lo
			lo = 0
		}
		if hi > len(x) {
			lo -= hi - len(x)
			hi = len(x)
			if lo < 0 {
				lo = 0
			}
		}
		buf = append(buf[:0], x[lo:hi]...)
		med := median(buf)
		dev = dev[:0]
		for _, v := range x[lo:hi] {
			dev = append(dev, math.Abs(v-med))
		}
		mad := 1.4826 * median(dev)
		switch {
		case mad > 0:
			z[i] = (x[i] - med) / mad
		case x[i] > med:
			z[i] = math.Inf(1)
		case x[i] < med:
			z[i] = math.Inf(-1)
		}
	}
	return z
}

// median sorts v in place and returns its median (NaN when empty).
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	return num.QuantileSorted(v, 0.5)
}

func checkOutliers(r *Report, bars []data.Bar, o Options) {
	r.Outliers.Threshold, r.Outliers.Window = o.OutlierZ, o.OutlierWindow
	// Log returns between consecutive bars with distinct dates.
	var rets []float64
	var idx []int // bar index of each return's close
	for i := 1; i < len(bars); i++ {
		if bars[i].Date == bars[i-1].Date || !validBar(bars[i]) || !validBar(bars[i-1]) {
			continue
		}
		rets = append(rets, math.Log(bars[i].Close/bars[i-1].Close))
		idx = append(idx, i)
	}
	if len(rets) < 10 {
		return
	}
	z := robustZ(rets, o.OutlierWindow)
	var lastOut data.Date
	var cluster *Range
	closeCluster := func() {
		if cluster != nil && cluster.Days > 1 && len(r.Outliers.Clusters) < o.Examples {
			r.Outliers.Clusters = append(r.Outliers.Clusters, *cluster)
		}
		cluster = nil
	}
	for k := range rets {
		if math.Abs(z[k]) < o.OutlierZ {
			continue
		}
		if math.IsInf(z[k], 0) && math.Abs(rets[k]) < 1e-6 {
			continue // a tick in a flat stretch
		}
		b, p := bars[idx[k]], bars[idx[k]-1]
		rev := k+1 < len(rets) && math.Abs(z[k+1]) >= o.OutlierZ && (rets[k+1] > 0) != (rets[k] > 0)
		r.Outliers.Count++
		if rev {
			r.Outliers.Spikes++
		}
		zz := z[k]
		if math.IsInf(zz, 0) {
			zz = math.Copysign(math.MaxFloat64, zz)
		}
		out := Outlier{Date: b.Date.String(), Close: b.Close, Prev: p.Close, Return: b.Close/p.Close - 1, Z: round(zz, 1), Reverts: rev}
		if len(r.Outliers.List) < o.Examples {
			r.Outliers.List = append(r.Outliers.List, out)
		}
		if r.Outliers.Largest == nil || math.Abs(out.Z) > math.Abs(r.Outliers.Largest.Z) {
			r.Outliers.Largest = &out
		}
		if cluster != nil && b.Date-lastOut <= 31 {
			cluster.To = b.Date.String()
			cluster.Days++
		} else {
			closeCluster()
			cluster = &Range{From: b.Date.String(), To: b.Date.String(), Days: 1}
		}
		lastOut = b.Date
	}
	closeCluster()
}

func round(v float64, digits int) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) > 1e15 {
		return v
	}
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// decimals returns the number of decimals of v's shortest representation,
// as float64 or, when v is exactly a float32 (yfinance writes float32
// prices), as float32.
func decimals(v float64) int {
	count := func(s string) int {
		for i := 0; i < len(s); i++ {
			if s[i] == '.' {
				return len(s) - i - 1
			}
		}
		return 0
	}
	n := count(strconv.FormatFloat(v, 'f', -1, 64))
	if f := float32(v); float64(f) == v {
		if m := count(strconv.FormatFloat(float64(f), 'f', -1, 32)); m < n {
			n = m
		}
	}
	return n
}

// checkLast looks for the signs of a provisional last bar: no volume after
// bars that had some, a volume far below the recent median (a partial day),
// or a close with more decimals than the series uses.
func checkLast(r *Report, bars []data.Bar) {
	n := len(bars)
	last := bars[n-1]
	r.LastBar = LastBar{Date: last.Date.String()}
	if !validBar(last) {
		r.LastBar.Reasons = append(r.LastBar.Reasons, "invalid prices or volume")
		r.LastBar.Provisional = true
		return
	}
	r.LastBar.Close, r.LastBar.Volume = last.Close, last.Volume
	prev := bars[max(0, n-31) : n-1]
	if len(prev) < 10 {
		return
	}
	var vols []float64
	withVol := 0
	for _, b := range prev {
		if b.Volume > 0 {
			withVol++
		}
		vols = append(vols, b.Volume)
	}
	med := median(vols)
	switch {
	case last.Volume == 0 && withVol >= len(prev)*9/10:
		r.LastBar.Reasons = append(r.LastBar.Reasons, fmt.Sprintf("volume 0 while %d of the %d bars before had volume", withVol, len(prev)))
	case med > 0 && last.Volume > 0 && last.Volume < 0.25*med:
		r.LastBar.Reasons = append(r.LastBar.Reasons, fmt.Sprintf("volume %.4g is %.0f%% of the median of the %d bars before (a partial day?)", last.Volume, 100*last.Volume/med, len(prev)))
	}
	if !r.SinglePrice {
		var ds []float64
		for _, b := range prev {
			ds = append(ds, float64(decimals(b.Close)))
		}
		sort.Float64s(ds)
		usual := int(num.QuantileSorted(ds, 0.9))
		if d := decimals(last.Close); d > usual && d-usual >= 2 {
			r.LastBar.Reasons = append(r.LastBar.Reasons, fmt.Sprintf("close %s has %d decimals where the series uses %d", strconv.FormatFloat(last.Close, 'f', -1, 64), d, usual))
		}
	}
	r.LastBar.Provisional = len(r.LastBar.Reasons) > 0
}

// Compare measures the disagreement of in's closes with other's on their
// common dates and records it in r.
func Compare(r *Report, in, other Input, opts Options) {
	o := opts.withDefaults()
	c := Comparison{Against: other.Symbol, Threshold: o.Disagree}
	if other.Source != "" && other.Source != other.Symbol {
		c.Against = other.Symbol + " (" + other.Source + ")"
	}
	a := lastByDate(in.Bars)
	b := lastByDate(other.Bars)
	dates := make([]data.Date, 0, len(a))
	for d := range a {
		if _, ok := b[d]; ok {
			dates = append(dates, d)
		}
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i] < dates[j] })
	c.Common = len(dates)
	if len(dates) == 0 {
		r.Comparisons = append(r.Comparisons, c)
		r.Findings = append(r.Findings, fmt.Sprintf("no dates in common with %s", c.Against))
		return
	}
	c.From, c.To = dates[0].String(), dates[len(dates)-1].String()
	diffs := make([]float64, len(dates))
	var run *Range
	var lastBad data.Date
	for i, d := range dates {
		x := math.Abs(a[d]/b[d] - 1)
		diffs[i] = x
		if x > c.Max {
			c.Max, c.MaxDate = x, d.String()
		}
		if x > o.Disagree {
			c.Above++
			if run != nil && d-lastBad <= 30 {
				run.To = d.String()
				run.Days++
			} else {
				if run != nil && len(c.Periods) < o.Examples {
					c.Periods = append(c.Periods, *run)
				}
				run = &Range{From: d.String(), To: d.String(), Days: 1}
			}
			lastBad = d
		}
	}
	if run != nil && len(c.Periods) < o.Examples {
		c.Periods = append(c.Periods, *run)
	}
	sorted := append([]float64(nil), diffs...)
	sort.Float64s(sorted)
	c.Median, c.P95 = num.QuantileSorted(sorted, 0.5), num.QuantileSorted(sorted, 0.95)
	// Lags: compare this series' close of D-k with the other's value of D.
	best := math.Inf(1)
	for k := -1; k <= 1; k++ {
		var ds []float64
		for _, d := range dates {
			if v, ok := a[d-data.Date(k)]; ok {
				ds = append(ds, math.Abs(v/b[d]-1))
			}
		}
		if len(ds) == 0 {
			c.LagMedian[k+1] = -1
			continue
		}
		m := median(ds)
		c.LagMedian[k+1] = m
		if m < best {
			best, c.Lag = m, k
		}
	}
	r.Comparisons = append(r.Comparisons, c)
	r.Findings = append(r.Findings, comparisonFinding(c))
	r.sanitize()
}

func lastByDate(bars []data.Bar) map[data.Date]float64 {
	m := make(map[data.Date]float64, len(bars))
	for _, b := range bars {
		if b.Close > 0 && !math.IsInf(b.Close, 0) {
			m[b.Date] = b.Close
		}
	}
	return m
}

// pct writes a fraction as a percentage with the decimals its size needs.
func pct(x float64) string {
	switch {
	case x != 0 && math.Abs(x) < 0.0001:
		return numfmt.Percent(x, 4)
	case math.Abs(x) < 0.01:
		return numfmt.Percent(x, 3)
	}
	return numfmt.Percent(x, 1)
}

func comparisonFinding(c Comparison) string {
	s := fmt.Sprintf("against %s on %d common dates %s..%s: median disagreement %s, p95 %s, max %s on %s",
		c.Against, c.Common, c.From, c.To, pct(c.Median), pct(c.P95), pct(c.Max), c.MaxDate)
	if c.Above > 0 {
		s += fmt.Sprintf("; %s differ by more than %s", plural(c.Above, "date"), pct(c.Threshold))
		if len(c.Periods) > 0 {
			p := c.Periods[0]
			for _, q := range c.Periods {
				if q.Days > p.Days {
					p = q
				}
			}
			s += fmt.Sprintf(", most in %s..%s (%d dates)", p.From, p.To, p.Days)
		}
	}
	switch c.Lag {
	case 1:
		s += fmt.Sprintf("; the other series lags by one day: its value of D matches this one's of D-1 (median %s against %s same-day)", pct(c.LagMedian[2]), pct(c.LagMedian[1]))
	case -1:
		s += fmt.Sprintf("; this series lags by one day: its value of D matches the other's of D-1 (median %s against %s same-day)", pct(c.LagMedian[0]), pct(c.LagMedian[1]))
	}
	return s
}

// summarise writes the one-line findings.
func (r *Report) summarise() {
	f := &r.Findings
	if r.LastBar.Provisional {
		*f = append(*f, fmt.Sprintf("last bar %s looks provisional: %s", r.LastBar.Date, joinReasons(r.LastBar.Reasons)))
	}
	if r.Invalid.Count > 0 {
		*f = append(*f, fmt.Sprintf("%s with non-positive or non-finite values, first %s", plural(r.Invalid.Count, "bar"), r.Invalid.Examples[0]))
	}
	if r.Duplicates.Count > 0 {
		*f = append(*f, fmt.Sprintf("%s, first %s", plural(r.Duplicates.Count, "duplicate date"), r.Duplicates.Examples[0]))
	}
	if m := r.Missing; m.Count > 0 {
		unit := "sessions"
		if r.Period == "weekly" {
			unit = "weeks"
		} else if r.Period == "monthly" {
			unit = "months"
		}
		s := fmt.Sprintf("%d of %d %s missing in %s", m.Count, m.Expected, unit, plural(m.Gaps, "gap"))
		if len(m.Ranges) > 0 {
			longest := m.Ranges[0]
			for _, x := range m.Ranges {
				if x.Days > longest.Days {
					longest = x
				}
			}
			s += fmt.Sprintf(", first %s..%s, longest listed %s..%s (%d)", m.Ranges[0].From, m.Ranges[0].To, longest.From, longest.To, longest.Days)
		}
		*f = append(*f, s)
	}
	if r.Extra.Count > 0 {
		*f = append(*f, fmt.Sprintf("%s on days without a session, first %s", plural(r.Extra.Count, "bar"), r.Extra.Examples[0]))
	}
	if o := r.Outliers; o.Count > 0 {
		s := fmt.Sprintf("%s (|robust z| >= %g), %d reverted by the next bar", plural(o.Count, "outlier return"), o.Threshold, o.Spikes)
		if len(o.Clusters) > 0 {
			big := o.Clusters[0]
			for _, c := range o.Clusters {
				if c.Days > big.Days {
					big = c
				}
			}
			s += fmt.Sprintf("; largest cluster %s..%s (%d outliers)", big.From, big.To, big.Days)
		}
		if l := o.Largest; l != nil {
			s += fmt.Sprintf("; largest %s %g -> %g (%+.1f%%, z %.1f)", l.Date, l.Prev, l.Close, 100*l.Return, l.Z)
		}
		*f = append(*f, s)
	}
	if r.OHLC.Count > 0 {
		*f = append(*f, fmt.Sprintf("%s with OHLC inconsistent, first %s", plural(r.OHLC.Count, "bar"), r.OHLC.Examples[0]))
	}
	if r.Flat.Count > 0 {
		*f = append(*f, fmt.Sprintf("%s (open = high = low = close), first %s", plural(r.Flat.Count, "flat bar"), r.Flat.Examples[0]))
	}
	if s := r.Stale; s.Runs > 0 {
		*f = append(*f, fmt.Sprintf("%s of >= %d identical closes (%d bars), first %s..%s", plural(s.Runs, "run"), s.MinRun, s.Bars, s.List[0].From, s.List[0].To))
	}
	if r.ZeroVolume.Count > 0 {
		*f = append(*f, fmt.Sprintf("%s with volume 0, first %s", plural(r.ZeroVolume.Count, "bar"), r.ZeroVolume.Examples[0]))
	}
}

func joinReasons(rs []string) string {
	s := ""
	for i, x := range rs {
		if i > 0 {
			s += "; "
		}
		s += x
	}
	return s
}

// plural formats n with a singular noun, adding "s" unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
