package quality

import (
	"time"

	"github.com/riskon/riskon/data"
)

// Holiday is a day a calendar schedules no session although it is a weekday.
type Holiday struct {
	Date data.Date
	Name string
}

// specialClosures are the unscheduled full-day NYSE closures since 1985.
var specialClosures = []struct {
	y    int
	m    time.Month
	d    int
	name string
}{
	{1985, time.September, 27, "Hurricane Gloria"},
	{1994, time.April, 27, "National Day of Mourning for Richard Nixon"},
	{2001, time.September, 11, "September 11 attacks"},
	{2001, time.September, 12, "September 11 attacks"},
	{2001, time.September, 13, "September 11 attacks"},
	{2001, time.September, 14, "September 11 attacks"},
	{2004, time.June, 11, "National Day of Mourning for Ronald Reagan"},
	{2007, time.January, 2, "National Day of Mourning for Gerald Ford"},
	{2012, time.October, 29, "Hurricane Sandy"},
	{2012, time.October, 30, "Hurricane Sandy"},
	{2018, time.December, 5, "National Day of Mourning for George H. W. Bush"},
	{2025, time.January, 9, "National Day of Mourning for Jimmy Carter"},
}

// Easter returns Easter Sunday of year y in the Gregorian calendar (the
// anonymous Gregorian computus of Meeus, Jones and Butcher).
func Easter(y int) data.Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return data.DateOf(y, time.Month(month), day)
}

// nthWeekday returns the n-th (1-based) weekday wd of a month; n = -1 is the
// last one.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) data.Date {
	if n < 0 {
		last := data.DateOf(y, m+1, 1) - 1
		return last - data.Date((int(last.Weekday())-int(wd)+7)%7)
	}
	first := data.DateOf(y, m, 1)
	return first + data.Date((int(wd)-int(first.Weekday())+7)%7) + data.Date(7*(n-1))
}

// observed moves a fixed-date holiday off the weekend: Saturday to the
// Friday before, Sunday to the Monday after (NYSE Rule 7.2).
func observed(d data.Date) data.Date {
	switch d.Weekday() {
	case time.Saturday:
		return d - 1
	case time.Sunday:
		return d + 1
	}
	return d
}

// NYSEHolidays returns the full-day NYSE closures on weekdays of year y, in
// date order: the regular holidays with their observance rules and the
// special closures since 1985. Early (13:00) closes are sessions and are not
// listed.
//
// Rules: New Year's Day (Sunday -> Monday; a Saturday New Year's Day is not
// observed on the Friday before, the NYSE rule for year ends), Martin Luther
// King Jr. Day (third Monday of January, since 1998), Washington's Birthday
// (third Monday of February, since 1971), Good Friday (Easter - 2), Memorial
// Day (last Monday of May, since 1971), Juneteenth (June 19, since 2022),
// Independence Day (July 4), Labor Day (first Monday of September),
// Thanksgiving (fourth Thursday of November), Christmas (December 25); the
// fixed-date ones move Saturday -> Friday and Sunday -> Monday. Presidential
// election days closed the exchange until 1980.
func NYSEHolidays(y int) []Holiday {
	var out []Holiday
	add := func(d data.Date, name string) {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return
		}
		if y2, _, _ := d.Time().Date(); y2 != y {
			return
		}
		for _, h := range out {
			if h.Date == d {
				return
			}
		}
		out = append(out, Holiday{Date: d, Name: name})
	}
	if nyd := data.DateOf(y, time.January, 1); nyd.Weekday() != time.Saturday {
		add(observed(nyd), "New Year's Day")
	}
	if y >= 1998 {
		add(nthWeekday(y, time.January, time.Monday, 3), "Martin Luther King Jr. Day")
	}
	if y >= 1971 {
		add(nthWeekday(y, time.February, time.Monday, 3), "Washington's Birthday")
	} else {
		add(observed(data.DateOf(y, time.February, 22)), "Washington's Birthday")
	}
	if y != 1898 && y != 1906 && y != 1907 {
		add(Easter(y)-2, "Good Friday")
	}
	if y >= 1971 {
		add(nthWeekday(y, time.May, time.Monday, -1), "Memorial Day")
	} else {
		add(observed(data.DateOf(y, time.May, 30)), "Memorial Day")
	}
	if y >= 2022 {
		add(observed(data.DateOf(y, time.June, 19)), "Juneteenth")
	}
	add(observed(data.DateOf(y, time.July, 4)), "Independence Day")
	add(nthWeekday(y, time.September, time.Monday, 1), "Labor Day")
	if y <= 1968 || (y <= 1980 && y%4 == 0) {
		add(nthWeekday(y, time.November, time.Monday, 1)+1, "Election Day")
	}
	add(nthWeekday(y, time.November, time.Thursday, 4), "Thanksgiving Day")
	add(observed(data.DateOf(y, time.December, 25)), "Christmas Day")
	for _, s := range specialClosures {
		if s.y == y {
			add(data.DateOf(s.y, s.m, s.d), s.name)
		}
	}
	sortHolidays(out)
	return out
}

func sortHolidays(h []Holiday) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].Date < h[j-1].Date; j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

// NYSEHoliday reports whether the NYSE is closed all day on the weekday d,
// and why.
func NYSEHoliday(d data.Date) (name string, closed bool) {
	y, _, _ := d.Time().Date()
	for _, h := range NYSEHolidays(y) {
		if h.Date == d {
			return h.Name, true
		}
	}
	return "", false
}

// Schedule says which dates a calendar schedules sessions on. For the nyse
// calendar it knows the NYSE holidays (data.Calendar alone knows only
// weekdays); 24x7 schedules every day; other weekday calendars every Monday
// to Friday.
type Schedule struct {
	cal   data.Calendar
	nyse  bool
	cache map[int]map[data.Date]string
}

// NewSchedule returns the schedule of cal.
func NewSchedule(cal data.Calendar) *Schedule {
	return &Schedule{cal: cal, nyse: cal.Name() == data.CalendarNYSE, cache: map[int]map[data.Date]string{}}
}

// Calendar returns the schedule's calendar.
func (s *Schedule) Calendar() data.Calendar { return s.cal }

// Holiday returns the name of the holiday on d, if the schedule has one.
func (s *Schedule) Holiday(d data.Date) (string, bool) {
	if !s.nyse {
		return "", false
	}
	y, _, _ := d.Time().Date()
	m, ok := s.cache[y]
	if !ok {
		m = map[data.Date]string{}
		for _, h := range NYSEHolidays(y) {
			m[h.Date] = h.Name
		}
		s.cache[y] = m
	}
	name, ok := m[d]
	return name, ok
}

// IsSession reports whether the schedule has a session on d.
func (s *Schedule) IsSession(d data.Date) bool {
	if !s.cal.IsSessionDay(d) {
		return false
	}
	_, hol := s.Holiday(d)
	return !hol
}

// Sessions lists the session dates in [from, to].
func (s *Schedule) Sessions(from, to data.Date) []data.Date {
	var out []data.Date
	for d := from; d <= to; d++ {
		if s.IsSession(d) {
			out = append(out, d)
		}
	}
	return out
}
