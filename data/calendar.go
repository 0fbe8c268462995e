package data

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // embed the tz database so a bare machine converts New York times correctly
)

// Date is a trading date as a count of days since 1970-01-01. It carries no
// time of day and no zone: the calendar of its series says when the session of
// that date opens and closes.
type Date int32

// DateOf returns the Date for a calendar day.
func DateOf(y int, m time.Month, d int) Date {
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// DateFromTime returns the UTC calendar day of t.
func DateFromTime(t time.Time) Date {
	return DateOf(t.UTC().Date())
}

// DateFromUnix returns the UTC calendar day containing the unix second s.
func DateFromUnix(s int64) Date {
	d := s / 86400
	if s < 0 && s%86400 != 0 {
		d--
	}
	return Date(d)
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateFromTime(t), nil
}

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Unix returns the unix second of midnight UTC of the date.
func (d Date) Unix() int64 { return int64(d) * 86400 }

// Weekday returns the day of the week of the date.
func (d Date) Weekday() time.Weekday { return time.Weekday((int64(d)%7 + 7 + 4) % 7) }

// String formats the date as YYYY-MM-DD (as time.Format does with the
// layout 2006-01-02; the digits written directly for years 0 to 9999,
// without parsing the layout: a long run formats a date per day of its
// equity curve).
func (d Date) String() string {
	t := d.Time()
	y, m, day := t.Date()
	if y < 0 || y > 9999 {
		return t.Format("2006-01-02")
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '-', byte('0' + day/10), byte('0' + day%10)}
	return string(b[:])
}

// Calendar says when the daily session of a symbol opens and closes. It is
// either 24x7 (sessions are UTC days, every day) or a local session in a time
// zone on weekdays (NYSE: 09:30-16:00 America/New_York).
type Calendar struct {
	name     string
	loc      *time.Location
	open     time.Duration // session open, offset from local midnight
	close    time.Duration // session close, offset from local midnight
	weekdays bool          // sessions only Monday to Friday
}

// Calendar names understood by ParseCalendar.
const (
	CalendarNYSE   = "nyse"
	CalendarCrypto = "24x7"
)

// NYSE is the New York Stock Exchange regular session, 09:30-16:00
// America/New_York, weekdays, daylight saving included.
func NYSE() Calendar {
	c, _ := ParseCalendar(CalendarNYSE)
	return c
}

// Crypto24x7 is a market that trades every day: the session of date D is
// [D 00:00Z, D+1 00:00Z).
func Crypto24x7() Calendar {
	c, _ := ParseCalendar(CalendarCrypto)
	return c
}

// ParseCalendar parses a calendar name: "nyse", "24x7", or a custom weekday
// session "ZONE HH:MM-HH:MM" such as "Europe/London 08:00-16:30".
func ParseCalendar(name string) (Calendar, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case CalendarNYSE:
		loc, err := time.LoadLocation("America/New_York")
		if err != nil {
			return Calendar{}, fmt.Errorf("calendar nyse: %w", err)
		}
		return Calendar{name: CalendarNYSE, loc: loc, open: 9*time.Hour + 30*time.Minute, close: 16 * time.Hour, weekdays: true}, nil
	case CalendarCrypto, "crypto", "24/7":
		return Calendar{name: CalendarCrypto, loc: time.UTC, open: 0, close: 24 * time.Hour}, nil
	}
	zone, span, ok := strings.Cut(strings.TrimSpace(name), " ")
	if !ok {
		return Calendar{}, fmt.Errorf("calendar %q: want nyse, 24x7 or \"ZONE HH:MM-HH:MM\"", name)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return Calendar{}, fmt.Errorf("calendar %q: unknown time zone %q", name, zone)
	}
	a, b, ok := strings.Cut(strings.TrimSpace(span), "-")
	if !ok {
		return Calendar{}, fmt.Errorf("calendar %q: session must be HH:MM-HH:MM", name)
	}
	open, err1 := parseClock(a)
	closeAt, err2 := parseClock(b)
	if err1 != nil || err2 != nil || closeAt <= open {
		return Calendar{}, fmt.Errorf("calendar %q: session must be HH:MM-HH:MM with close after open", name)
	}
	return Calendar{name: strings.TrimSpace(name), loc: loc, open: open, close: closeAt, weekdays: true}, nil
}

func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Name returns the calendar's name as stored with a symbol.
func (c Calendar) Name() string { return c.name }

// IsZero reports whether c is the zero Calendar.
func (c Calendar) IsZero() bool { return c.loc == nil }

// Weekdays reports whether sessions happen only Monday to Friday.
func (c Calendar) Weekdays() bool { return c.weekdays }

// Session returns the open and close of the session of date d as unix seconds
// (UTC). Local session times are converted with the tz database, so the NYSE
// close is 20:00Z in summer and 21:00Z in winter.
func (c Calendar) Session(d Date) (open, close int64) {
	if c.loc == time.UTC || c.loc == nil {
		base := d.Unix()
		return base + int64(c.open/time.Second), base + int64(c.close/time.Second)
	}
	y, m, day := d.Time().Date()
	o := time.Date(y, m, day, int(c.open/time.Hour), int(c.open%time.Hour/time.Minute), 0, 0, c.loc)
	cl := time.Date(y, m, day, int(c.close/time.Hour), int(c.close%time.Hour/time.Minute), 0, 0, c.loc)
	return o.Unix(), cl.Unix()
}

// IsSessionDay reports whether the calendar schedules a session on d. Holidays
// are not modelled: a weekday calendar schedules every Monday to Friday.
func (c Calendar) IsSessionDay(d Date) bool {
	if !c.weekdays {
		return true
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// MaxGapDays is the longest run of calendar days between two consecutive bars
// that the calendar explains without missing data (a long weekend plus a
// holiday for weekday calendars).
func (c Calendar) MaxGapDays() int {
	if c.weekdays {
		return 4
	}
	return 1
}
