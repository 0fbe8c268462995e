package corr

import (
	"fmt"
	"math"
	"sort"

	"github.com/riskon/riskon/data"
)

// Freq is the sampling frequency of a correlation.
type Freq string

// Frequencies.
const (
	Daily   Freq = "daily"
	Weekly  Freq = "weekly"
	Monthly Freq = "monthly"
)

// ParseFreq parses daily, weekly or monthly.
func ParseFreq(s string) (Freq, error) {
	switch Freq(s) {
	case Daily, Weekly, Monthly:
		return Freq(s), nil
	}
	return "", fmt.Errorf("frequency %q: want daily, weekly or monthly", s)
}

// Clock is how daily samples of series on different calendars are paired.
type Clock string

// Daily clocks.
const (
	// ClockDate pairs each session close of the weekday series with the
	// other series' bar of the same date: for the NYSE and crypto, the
	// crypto day that closes at midnight UTC, a few hours after the NYSE
	// close. Both returns then cover nearly the same hours. The default.
	ClockDate Clock = "date"
	// ClockAsOf pairs each session close with the other series' last bar
	// closed at or before it (for the NYSE and crypto, the previous UTC
	// day's): no close from the future, but the crypto return lags the
	// NYSE return by about 20 hours.
	ClockAsOf Clock = "asof"
)

// ParseClock parses date or asof ("" is date).
func ParseClock(s string) (Clock, error) {
	switch Clock(s) {
	case "", ClockDate:
		return ClockDate, nil
	case ClockAsOf:
		return ClockAsOf, nil
	}
	return "", fmt.Errorf("clock %q: want date or asof", s)
}

// MaxStaleSeconds is how old the as-of bar of the other series may be at a
// daily sampling instant (4 days: a long weekend plus a holiday). An older
// bar means that series has a hole there, and the sample is skipped rather
// than filled with a stale price.
const MaxStaleSeconds = 4 * 86400

// Aligned is two series sampled at a common clock.
type Aligned struct {
	A, B  string
	Freq  Freq
	Clock string // how the samples were taken, in words
	// Dates are the dates of the samples: the clock bar's date (daily) or
	// the period's last date (weekly, monthly).
	Dates []data.Date
	// Seq numbers the samples on the clock: consecutive clock sessions or
	// periods have consecutive numbers. A return is taken only between
	// samples with consecutive numbers.
	Seq []int
	// PA and PB are the two series' closes at each sample.
	PA, PB []float64
	// StaleA and StaleB are the mean age, in seconds, of each series' as-of
	// close at the daily sampling instants (0 for the clock series and for
	// weekly and monthly samples).
	StaleA, StaleB float64
	// Mode is the daily clock used (empty for weekly and monthly samples);
	// LeadSeconds, with ClockDate, the mean time by which B's same-date
	// close follows A's (negative: B closes first).
	Mode        Clock
	LeadSeconds float64
}

// Len returns the number of samples.
func (al *Aligned) Len() int { return len(al.Dates) }

// Align samples a and b at a common clock, never by equality of timestamps.
//
// Daily: the clock is the session closes of the series with a weekday
// calendar (a when both or neither have one). At each clock close t, each
// series contributes its last bar closed at or before t (as-of): the NYSE
// close of Monday D (21:00Z) is paired with the crypto bar of Sunday, which
// closed at D 00:00Z, because Monday's crypto bar is still open at 21:00Z.
// A sample is skipped when the as-of bar is older than MaxStaleSeconds or is
// the same bar as at the previous sample (the other series has a hole there
// or has ended: repeating its close would fake a zero return).
//
// Weekly and monthly: each series contributes the last close of every ISO
// week (Monday to Sunday, by the bar's date) or calendar month, and the
// periods both series have are paired. A series' last period counts only
// when it is complete: the series has a bar on the period's last scheduled
// day (the last weekday for weekday calendars), so a month in which the data
// stop early is not compared with a full month of the other series.
//
// Align uses the as-of daily clock (ClockAsOf); AlignClock chooses.
func Align(a, b *data.Series, freq Freq) (*Aligned, error) {
	return AlignClock(a, b, freq, ClockAsOf)
}

// AlignClock is Align with the daily clock given: ClockAsOf as described
// under Align, or ClockDate: at each session close of the weekday series
// (dated D), the other series' bar dated D, whose close may come a few
// hours later (the crypto day closes at midnight UTC, 3 or 4 hours after
// the NYSE close); a session without a bar of that date in the other series
// is skipped, and a return is taken only between consecutive sessions, so
// Friday-to-Monday returns cover the weekend for both. The clock does not
// matter for weekly and monthly samples.
func AlignClock(a, b *data.Series, freq Freq, clock Clock) (*Aligned, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("align: missing series")
	}
	if _, err := ParseFreq(string(freq)); err != nil {
		return nil, fmt.Errorf("align %s/%s: %w", a.Symbol, b.Symbol, err)
	}
	if _, err := ParseClock(string(clock)); err != nil {
		return nil, fmt.Errorf("align %s/%s: %w", a.Symbol, b.Symbol, err)
	}
	al := &Aligned{A: a.Symbol, B: b.Symbol, Freq: freq}
	if freq == Daily && clock == ClockDate {
		alignSameDate(al, a, b)
	} else if freq == Daily {
		alignDaily(al, a, b)
	} else {
		alignPeriods(al, a, b, freq)
	}
	return al, nil
}

// dailyClock returns the clock series (the one with a weekday calendar; a
// when both or neither have one) and the other.
func dailyClock(a, b *data.Series) (clock, other *data.Series, clockIsA bool) {
	if !a.Calendar.Weekdays() && b.Calendar.Weekdays() {
		return b, a, false
	}
	return a, b, true
}

// alignSameDate pairs each clock session with the other series' bar of the
// same date (ClockDate).
func alignSameDate(al *Aligned, a, b *data.Series) {
	clock, other, clockIsA := dailyClock(a, b)
	al.Mode = ClockDate
	var lead float64
	j := 0
	for i := 0; i < clock.Len(); i++ {
		d := clock.Date[i]
		for j < other.Len() && other.Date[j] < d {
			j++
		}
		if j >= other.Len() || other.Date[j] != d {
			continue
		}
		lead += float64(other.CloseTime[j] - clock.CloseTime[i])
		pa, pb := clock.Close[i], other.Close[j]
		if !clockIsA {
			pa, pb = pb, pa
		}
		al.Dates = append(al.Dates, d)
		al.Seq = append(al.Seq, i)
		al.PA = append(al.PA, pa)
		al.PB = append(al.PB, pb)
	}
	var h float64 // hours by which the other series closes after the clock
	if n := len(al.Dates); n > 0 {
		h = lead / float64(n) / 3600
		al.LeadSeconds = lead / float64(n)
		if !clockIsA {
			al.LeadSeconds = -al.LeadSeconds
		}
	}
	when := "closing at the same time on average"
	if math.Abs(h) >= 0.05 {
		rel := "later"
		if h < 0 {
			rel = "earlier"
		}
		when = fmt.Sprintf("closing %.1f hours %s on average", math.Abs(h), rel)
	}
	al.Clock = fmt.Sprintf("daily, same date (--clock date): at each session close of %s (%s), %s's bar of the same date, %s",
		clock.Symbol, calName(clock.Calendar), other.Symbol, when)
}

func alignDaily(al *Aligned, a, b *data.Series) {
	clock, other, clockIsA := dailyClock(a, b)
	al.Mode = ClockAsOf
	al.Clock = fmt.Sprintf("daily, as-of (--clock asof): at each session close of %s (%s), %s's last bar closed at or before that instant",
		clock.Symbol, calName(clock.Calendar), other.Symbol)
	lastJ := -1
	var age float64
	for i := 0; i < clock.Len(); i++ {
		t := clock.CloseTime[i]
		j := sort.Search(other.Len(), func(k int) bool { return other.CloseTime[k] > t }) - 1
		if j < 0 || j == lastJ || t-other.CloseTime[j] > MaxStaleSeconds {
			// No bar yet, no new bar since the previous sample (a hole in
			// the other series, or its data has ended), or a stale one.
			continue
		}
		lastJ = j
		age += float64(t - other.CloseTime[j])
		pa, pb := clock.Close[i], other.Close[j]
		if !clockIsA {
			pa, pb = pb, pa
		}
		al.Dates = append(al.Dates, clock.Date[i])
		al.Seq = append(al.Seq, i)
		al.PA = append(al.PA, pa)
		al.PB = append(al.PB, pb)
	}
	if n := len(al.Dates); n > 0 {
		if clockIsA {
			al.StaleB = age / float64(n)
		} else {
			al.StaleA = age / float64(n)
		}
	}
}

func calName(c data.Calendar) string {
	if c.Name() == "" {
		return "no calendar"
	}
	return c.Name()
}

// periodKey numbers the ISO week (by its Monday) or the month of d so that
// consecutive periods have consecutive numbers.
func periodKey(d data.Date, freq Freq) int {
	if freq == Weekly {
		// 1970-01-01 was a Thursday: shift so that weeks start on Monday.
		return int(math.Floor(float64(d+3) / 7))
	}
	y, m, _ := d.Time().Date()
	return y*12 + int(m) - 1
}

// periodLast returns, per period, the index of the last bar of s in it.
func periodLast(s *data.Series, freq Freq) (keys []int, idx []int) {
	for i := 0; i < s.Len(); i++ {
		k := periodKey(s.Date[i], freq)
		if n := len(keys); n > 0 && keys[n-1] == k {
			idx[n-1] = i
			continue
		}
		keys = append(keys, k)
		idx = append(idx, i)
	}
	return keys, idx
}

// periodComplete reports whether the bar at index last, the last of its
// period in s, closes that period: a later bar exists, or the calendar
// schedules no session after it within the period.
func periodComplete(s *data.Series, last int, freq Freq) bool {
	if last+1 < s.Len() {
		return true
	}
	d := s.Date[last]
	k := periodKey(d, freq)
	for x := d + 1; periodKey(x, freq) == k; x++ {
		if s.Calendar.IsZero() || s.Calendar.IsSessionDay(x) {
			return false
		}
	}
	return true
}

func alignPeriods(al *Aligned, a, b *data.Series, freq Freq) {
	unit := "ISO week (Monday to Sunday)"
	if freq == Monthly {
		unit = "calendar month"
	}
	al.Clock = fmt.Sprintf("%s: the last close of each %s of %s and of %s, by bar date", freq, unit, a.Symbol, b.Symbol)
	ka, ia := periodLast(a, freq)
	kb, ib := periodLast(b, freq)
	if n := len(ka); n > 0 && !periodComplete(a, ia[n-1], freq) {
		ka, ia = ka[:n-1], ia[:n-1]
	}
	if n := len(kb); n > 0 && !periodComplete(b, ib[n-1], freq) {
		kb, ib = kb[:n-1], ib[:n-1]
	}
	for i, j := 0, 0; i < len(ka) && j < len(kb); {
		switch {
		case ka[i] < kb[j]:
			i++
		case ka[i] > kb[j]:
			j++
		default:
			da, db := a.Date[ia[i]], b.Date[ib[j]]
			al.Dates = append(al.Dates, max(da, db))
			al.Seq = append(al.Seq, ka[i])
			al.PA = append(al.PA, a.Close[ia[i]])
			al.PB = append(al.PB, b.Close[ib[j]])
			i++
			j++
		}
	}
}

// Between returns the samples dated in [since, until] (either bound may be
// absent).
func (al *Aligned) Between(since data.Date, hasSince bool, until data.Date, hasUntil bool) *Aligned {
	lo, hi := 0, al.Len()
	if hasSince {
		lo = sort.Search(al.Len(), func(i int) bool { return al.Dates[i] >= since })
	}
	if hasUntil {
		hi = sort.Search(al.Len(), func(i int) bool { return al.Dates[i] > until })
	}
	if hi < lo {
		hi = lo
	}
	out := *al
	out.Dates, out.Seq, out.PA, out.PB = al.Dates[lo:hi:hi], al.Seq[lo:hi:hi], al.PA[lo:hi:hi], al.PB[lo:hi:hi]
	return &out
}

// Returns are the log returns of two aligned series between consecutive
// samples: x_t = ln(P_t / P_{t-1}). Dates[i] is the date of the sample a
// return ends at.
type Returns struct {
	Dates []data.Date
	A, B  []float64
}

// LogReturns returns the log returns of both series between samples with
// consecutive clock numbers; a pair is dropped when either price is not
// positive.
func (al *Aligned) LogReturns() Returns {
	var r Returns
	for i := 1; i < al.Len(); i++ {
		if al.Seq[i] != al.Seq[i-1]+1 {
			continue
		}
		if !(al.PA[i] > 0 && al.PA[i-1] > 0 && al.PB[i] > 0 && al.PB[i-1] > 0) {
			continue
		}
		r.Dates = append(r.Dates, al.Dates[i])
		r.A = append(r.A, math.Log(al.PA[i]/al.PA[i-1]))
		r.B = append(r.B, math.Log(al.PB[i]/al.PB[i-1]))
	}
	return r
}

// Basket builds an equal-weight index of several series of one calendar,
// rebalanced at every bar: on the dates all constituents have, its return is
// the mean of their simple close-to-close returns,
//
//	I_k = I_{k-1} · (1 + (1/m) Σ_i (C_i,k / C_i,k-1 - 1)),  I_0 = 100,
//
// and its open, high, low and close are I_k. Daily rebalancing makes the
// index independent of its start date, so a correlation over any window
// does not depend on when the basket was formed.
func Basket(name string, series []*data.Series) (*data.Series, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("basket %s: no series", name)
	}
	cal := series[0].Calendar
	for _, s := range series[1:] {
		if s.Calendar.Name() != cal.Name() {
			return nil, fmt.Errorf("basket %s: %s has calendar %s, %s has %s; a basket needs one calendar",
				name, series[0].Symbol, cal.Name(), s.Symbol, s.Calendar.Name())
		}
	}
	out := &data.Series{Symbol: name, Calendar: cal}
	pos := make([]int, len(series))
	prev := make([]float64, len(series))
	level := 100.0
	first := true
	for _, d := range series[0].Date {
		all := true
		for k, s := range series {
			j := s.IndexOnOrAfter(d)
			if j >= s.Len() || s.Date[j] != d || !(s.Close[j] > 0) {
				all = false
				break
			}
			pos[k] = j
		}
		if !all {
			continue
		}
		if !first {
			var r float64
			for k, s := range series {
				r += s.Close[pos[k]]/prev[k] - 1
			}
			level *= 1 + r/float64(len(series))
		}
		first = false
		for k, s := range series {
			prev[k] = s.Close[pos[k]]
		}
		out.Append(data.Bar{Date: d, Open: level, High: level, Low: level, Close: level})
	}
	if out.Len() == 0 {
		return nil, fmt.Errorf("basket %s: its series share no date", name)
	}
	return out, nil
}

func monthLabel(d data.Date) string { return d.Time().Format("2006-01") }
