// Package derive computes series from stored daily series: weekly and
// monthly bars, an equal-weight basket index, the ratio of two series and a
// market-capitalisation share (BTC dominance). It is pure Go; data/store
// stores the results as symbols (source "derived:...") usable as triggers
// or targets, and `riskon data update` recomputes them.
package derive

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/quality"
)

// Period is a resampling period.
type Period int

// Periods.
const (
	Weekly  Period = iota + 1 // ISO weeks, Monday to Sunday
	Monthly                   // calendar months
)

// String returns "weekly" or "monthly".
func (p Period) String() string {
	switch p {
	case Weekly:
		return "weekly"
	case Monthly:
		return "monthly"
	}
	return fmt.Sprintf("Period(%d)", int(p))
}

// ParsePeriod parses weekly (w, week) or monthly (m, month).
func ParsePeriod(s string) (Period, error) {
	switch s {
	case "weekly", "week", "w", "W":
		return Weekly, nil
	case "monthly", "month", "m", "M":
		return Monthly, nil
	}
	return 0, fmt.Errorf("period %q: want weekly or monthly", s)
}

// periodOf returns the first and last calendar day of d's period.
func periodOf(p Period, d data.Date) (first, last data.Date) {
	return data.PeriodBounds(dataPeriod(p), d)
}

func dataPeriod(p Period) data.Period {
	if p == Weekly {
		return data.PeriodWeek
	}
	return data.PeriodMonth
}

// ResampleInfo says what Resample did.
type ResampleInfo struct {
	Periods int
	// DroppedLast is set when the last period was still open: the input ends
	// before the period's last scheduled session, so its bar would change.
	DroppedLast bool
	DroppedFrom data.Date
}

// Resample aggregates a daily series into weekly or monthly bars: open of
// the period's first bar, highest high, lowest low, close of its last bar,
// summed volume.
//
// Each bar is dated by the period's last scheduled session (NYSE holidays
// included, so the week of Good Friday ends on Thursday) and spans from the
// open of the period's first bar to the close of that session: it is known
// only when the period is over, never earlier. If that session has no bar
// (missing data), the close is still that session's close. A last period
// that is not over yet (the input ends before its last scheduled session)
// is dropped.
func Resample(s *data.Series, p Period, symbol string) (*data.Series, ResampleInfo, error) {
	var info ResampleInfo
	if s == nil || s.Len() == 0 {
		return nil, info, errors.New("resample: empty series")
	}
	if p != Weekly && p != Monthly {
		return nil, info, fmt.Errorf("resample: unknown period %d", int(p))
	}
	sched := quality.NewSchedule(s.Calendar)
	out := &data.Series{Symbol: symbol, Calendar: s.Calendar, Source: s.Source}
	n := s.Len()
	for i := 0; i < n; {
		_, last := periodOf(p, s.Date[i])
		j := i
		for j < n && s.Date[j] <= last {
			if j > i && s.Date[j] <= s.Date[j-1] {
				return nil, info, fmt.Errorf("resample %s: dates not increasing at %s", s.Symbol, s.Date[j])
			}
			j++
		}
		// The period's last scheduled session (the one calendar truth).
		end, ok := data.PeriodEnd(sched, dataPeriod(p), s.Date[i])
		if !ok {
			end = data.Date(-1 << 30)
		}
		lastBar := s.Date[j-1]
		if j == n && lastBar < end {
			info.DroppedLast, info.DroppedFrom = true, s.Date[i]
			break
		}
		if lastBar > end {
			end = lastBar // a bar on a day without a scheduled session
		}
		_, closeAt := s.Calendar.Session(end)
		b := data.Bar{Date: end, Open: s.Open[i], High: s.High[i], Low: s.Low[i], Close: s.Close[j-1]}
		for k := i; k < j; k++ {
			b.High = math.Max(b.High, s.High[k])
			b.Low = math.Min(b.Low, s.Low[k])
			b.Volume += s.Volume[k]
		}
		out.Date = append(out.Date, b.Date)
		out.OpenTime = append(out.OpenTime, s.OpenTime[i])
		out.CloseTime = append(out.CloseTime, closeAt)
		out.Open = append(out.Open, b.Open)
		out.High = append(out.High, b.High)
		out.Low = append(out.Low, b.Low)
		out.Close = append(out.Close, b.Close)
		out.Volume = append(out.Volume, b.Volume)
		info.Periods++
		i = j
	}
	return out, info, nil
}

// Start says when a basket index starts.
type Start string

// Basket starts.
const (
	// StartJoin starts the index at the first bar of its earliest member;
	// every other member joins from the day after its own first bar (its
	// first close is its entry price), so the basket grows as coins list.
	StartJoin Start = "join"
	// StartAll starts the index on the first date every member has a bar;
	// earlier history is left out.
	StartAll Start = "all"
)

// BasketOptions configure Basket.
type BasketOptions struct {
	Start Start   // StartJoin (default) or StartAll
	Base  float64 // index value on the first date (default 100)
	// MaxGapDays: a member's return over a gap longer than this (missing
	// bars) is left out of that day's average (default 7).
	MaxGapDays int
}

// BasketInfo says what Basket did.
type BasketInfo struct {
	Start   data.Date
	Members []MemberInfo
	// MinMembers and MaxMembers are the fewest and most members averaged on
	// one day after the start.
	MinMembers, MaxMembers int
}

// MemberInfo is one member's span in the basket.
type MemberInfo struct {
	Symbol      string
	First, Last data.Date // dates of its first and last contributing return
	Days        int       // days it contributed a return
}

// Basket computes an equal-weight index of members, rebalanced daily: on
// each date the index moves by the average of the members' returns from
// their previous close,
//
//	close_t = close_{t-1} x mean_m(c_m,t / c_m,prev)
//	open_t  = close_{t-1} x mean_m(o_m,t / c_m,prev), and likewise high, low
//
// over the members with a bar on t and a previous bar at most MaxGapDays
// before. The index's high and low are the averages of the members' highs
// and lows: an upper bound of the basket's true high and a lower bound of
// its true low (the members' extremes need not coincide). Volume is 0.
// Members that stop trading (delisted) leave the average; their weight goes
// to the others. Members must share one calendar.
func Basket(symbol string, members []*data.Series, opts BasketOptions) (*data.Series, BasketInfo, error) {
	var info BasketInfo
	if len(members) == 0 {
		return nil, info, errors.New("basket: no members")
	}
	if opts.Start == "" {
		opts.Start = StartJoin
	}
	if opts.Start != StartJoin && opts.Start != StartAll {
		return nil, info, fmt.Errorf("basket: start %q: want join or all", opts.Start)
	}
	if opts.Base == 0 {
		opts.Base = 100
	}
	if !(opts.Base > 0) || math.IsInf(opts.Base, 0) {
		return nil, info, fmt.Errorf("basket: base %g must be positive", opts.Base)
	}
	if opts.MaxGapDays <= 0 {
		opts.MaxGapDays = 7
	}
	cal := members[0].Calendar
	seen := map[string]bool{}
	for _, m := range members {
		if m == nil || m.Len() == 0 {
			return nil, info, errors.New("basket: a member has no bars")
		}
		if m.Calendar.Name() != cal.Name() {
			return nil, info, fmt.Errorf("basket: members %s (%s) and %s (%s) have different calendars", members[0].Symbol, cal.Name(), m.Symbol, m.Calendar.Name())
		}
		if seen[m.Symbol] {
			return nil, info, fmt.Errorf("basket: member %s listed twice", m.Symbol)
		}
		seen[m.Symbol] = true
		info.Members = append(info.Members, MemberInfo{Symbol: m.Symbol})
	}
	// Every date of any member, in order.
	dateSet := map[data.Date]bool{}
	start := members[0].Date[0]
	for _, m := range members {
		for _, d := range m.Date {
			dateSet[d] = true
		}
		if opts.Start == StartAll && m.Date[0] > start {
			start = m.Date[0]
		}
		if opts.Start == StartJoin && m.Date[0] < start {
			start = m.Date[0]
		}
	}
	dates := make([]data.Date, 0, len(dateSet))
	for d := range dateSet {
		if d >= start {
			dates = append(dates, d)
		}
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i] < dates[j] })
	if opts.Start == StartAll {
		for _, m := range members {
			if m.Date[m.Len()-1] < start {
				return nil, info, fmt.Errorf("basket: member %s ends on %s, before every member has started (%s); use start join", m.Symbol, m.Date[m.Len()-1], start)
			}
		}
	}
	info.Start = start
	pos := make([]int, len(members)) // index of each member's next bar
	bars := []data.Bar{{Date: start, Open: opts.Base, High: opts.Base, Low: opts.Base, Close: opts.Base}}
	level := opts.Base
	for _, d := range dates {
		var so, sh, sl, sc float64
		k := 0
		for mi, m := range members {
			for pos[mi] < m.Len() && m.Date[pos[mi]] < d {
				pos[mi]++
			}
			i := pos[mi]
			if i >= m.Len() || m.Date[i] != d || i == 0 {
				continue
			}
			prevDate := m.Date[i-1]
			if prevDate < start || int(d-prevDate) > opts.MaxGapDays {
				continue
			}
			pc := m.Close[i-1]
			so += m.Open[i] / pc
			sh += m.High[i] / pc
			sl += m.Low[i] / pc
			sc += m.Close[i] / pc
			k++
			mf := &info.Members[mi]
			if mf.Days == 0 {
				mf.First = d
			}
			mf.Last = d
			mf.Days++
		}
		if d == start {
			continue // the base bar
		}
		if k == 0 {
			continue
		}
		if info.MinMembers == 0 || k < info.MinMembers {
			info.MinMembers = k
		}
		if k > info.MaxMembers {
			info.MaxMembers = k
		}
		f := float64(k)
		b := data.Bar{Date: d, Open: level * so / f, High: level * sh / f, Low: level * sl / f, Close: level * sc / f}
		level = b.Close
		bars = append(bars, b)
	}
	ser, err := data.NewSeries(symbol, cal, bars)
	if err != nil {
		return nil, info, fmt.Errorf("basket %s: %w", symbol, err)
	}
	return ser, info, nil
}

// Ratio divides num by den on their common dates, times scale (1 if 0):
// open = scale x num.open / den.open and close = scale x num.close /
// den.close. A ratio's true intraday high and low are unknown, so high and
// low only bracket open and close. Volume is 0. Both series must share one
// calendar.
func Ratio(symbol string, num, den *data.Series, scale float64) (*data.Series, error) {
	if num == nil || den == nil || num.Len() == 0 || den.Len() == 0 {
		return nil, errors.New("ratio: empty input")
	}
	if num.Calendar.Name() != den.Calendar.Name() {
		return nil, fmt.Errorf("ratio: %s (%s) and %s (%s) have different calendars; a ratio needs bars that close at the same time",
			num.Symbol, num.Calendar.Name(), den.Symbol, den.Calendar.Name())
	}
	if scale == 0 {
		scale = 1
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		return nil, fmt.Errorf("ratio: scale %g must be positive", scale)
	}
	var bars []data.Bar
	j := 0
	for i, d := range num.Date {
		for j < den.Len() && den.Date[j] < d {
			j++
		}
		if j >= den.Len() {
			break
		}
		if den.Date[j] != d {
			continue
		}
		o := scale * num.Open[i] / den.Open[j]
		c := scale * num.Close[i] / den.Close[j]
		bars = append(bars, data.Bar{Date: d, Open: o, High: math.Max(o, c), Low: math.Min(o, c), Close: c})
	}
	if len(bars) == 0 {
		return nil, fmt.Errorf("ratio: %s and %s have no dates in common", num.Symbol, den.Symbol)
	}
	ser, err := data.NewSeries(symbol, num.Calendar, bars)
	if err != nil {
		return nil, fmt.Errorf("ratio %s: %w", symbol, err)
	}
	return ser, nil
}

// Share is part / total x 100 on common dates, from closes only, as a
// single value per day (open = high = low = close, volume 0): BTC dominance
// from BTC's market capitalisation and the total crypto market
// capitalisation. Shares above 100% are an error (the inputs do not match).
func Share(symbol string, part, total *data.Series) (*data.Series, error) {
	if part == nil || total == nil || part.Len() == 0 || total.Len() == 0 {
		return nil, errors.New("share: empty input")
	}
	if part.Calendar.Name() != total.Calendar.Name() {
		return nil, fmt.Errorf("share: %s (%s) and %s (%s) have different calendars", part.Symbol, part.Calendar.Name(), total.Symbol, total.Calendar.Name())
	}
	var bars []data.Bar
	j := 0
	for i, d := range part.Date {
		for j < total.Len() && total.Date[j] < d {
			j++
		}
		if j >= total.Len() {
			break
		}
		if total.Date[j] != d {
			continue
		}
		v := 100 * part.Close[i] / total.Close[j]
		if v > 100*(1+1e-9) {
			return nil, fmt.Errorf("share: %s is %.4g%% of %s on %s: the part exceeds the total", part.Symbol, v, total.Symbol, d)
		}
		bars = append(bars, data.Bar{Date: d, Open: v, High: v, Low: v, Close: v})
	}
	if len(bars) == 0 {
		return nil, fmt.Errorf("share: %s and %s have no dates in common", part.Symbol, total.Symbol)
	}
	ser, err := data.NewSeries(symbol, part.Calendar, bars)
	if err != nil {
		return nil, fmt.Errorf("share %s: %w", symbol, err)
	}
	return ser, nil
}
