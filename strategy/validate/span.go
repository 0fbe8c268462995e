package validate

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riskon/riskon/data"
)

// Span is a calendar length: years, months or days ("5y", "18m", "90d",
// "2w").
type Span struct {
	N    int
	Unit byte // 'y', 'm' or 'd' (weeks are stored as 7·N days)
}

// MaxSpanYears bounds every span a user can type.
const MaxSpanYears = 100

// ParseSpan reads a span: a positive integer and a unit y, m, w or d, at
// most MaxSpanYears years.
func ParseSpan(s string) (Span, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	if len(t) < 2 {
		return Span{}, fmt.Errorf("%q is not a span: write a number and a unit, e.g. 5y, 18m, 90d", s)
	}
	unit := t[len(t)-1]
	n, err := strconv.Atoi(t[:len(t)-1])
	if err != nil || n <= 0 {
		return Span{}, fmt.Errorf("%q is not a span: write a positive number and a unit y, m, w or d, e.g. 5y", s)
	}
	var days int
	switch unit {
	case 'y':
		days = n * 365
	case 'm':
		days = n * 30
	case 'w':
		n, unit, days = n*7, 'd', n*7
	case 'd':
		days = n
	default:
		return Span{}, fmt.Errorf("%q: unknown unit %q; use y, m, w or d", s, string(unit))
	}
	if days > MaxSpanYears*366 {
		return Span{}, fmt.Errorf("%q is longer than %d years", s, MaxSpanYears)
	}
	return Span{N: n, Unit: unit}, nil
}

// String writes the span as ParseSpan reads it.
func (s Span) String() string {
	if s.N == 0 {
		return ""
	}
	return strconv.Itoa(s.N) + string(s.Unit)
}

// IsZero reports whether the span is unset.
func (s Span) IsZero() bool { return s.N == 0 }

// After returns the date s after d (calendar arithmetic: 2019-02-28 + 1y =
// 2020-02-28; a month past the 31st normalises as time.AddDate does).
func (s Span) After(d data.Date) data.Date {
	t := d.Time()
	switch s.Unit {
	case 'y':
		t = t.AddDate(s.N, 0, 0)
	case 'm':
		t = t.AddDate(0, s.N, 0)
	default:
		t = t.Add(time.Duration(s.N) * 24 * time.Hour)
	}
	return data.DateFromTime(t)
}

// MarshalText writes the span as text.
func (s Span) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a span written by MarshalText.
func (s *Span) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = Span{}
		return nil
	}
	v, err := ParseSpan(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
