package data

import (
	"testing"
	"time"
)

func TestSessionTimes(t *testing.T) {
	nyse, crypto := NYSE(), Crypto24x7()
	lon, err := ParseCalendar("Europe/London 08:00-16:30")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		cal         Calendar
		d           Date
		open, close string
	}{
		// New York is UTC-5 in winter and UTC-4 from the second Sunday of March.
		{"nyse winter", nyse, DateOf(2024, 1, 12), "2024-01-12T14:30:00Z", "2024-01-12T21:00:00Z"},
		{"nyse friday before spring forward", nyse, DateOf(2024, 3, 8), "2024-03-08T14:30:00Z", "2024-03-08T21:00:00Z"},
		{"nyse monday after spring forward", nyse, DateOf(2024, 3, 11), "2024-03-11T13:30:00Z", "2024-03-11T20:00:00Z"},
		{"nyse friday before fall back", nyse, DateOf(2024, 11, 1), "2024-11-01T13:30:00Z", "2024-11-01T20:00:00Z"},
		{"nyse monday after fall back", nyse, DateOf(2024, 11, 4), "2024-11-04T14:30:00Z", "2024-11-04T21:00:00Z"},
		{"nyse 1987 (old DST rules: April)", nyse, DateOf(1987, 4, 3), "1987-04-03T14:30:00Z", "1987-04-03T21:00:00Z"},
		{"crypto", crypto, DateOf(2024, 3, 10), "2024-03-10T00:00:00Z", "2024-03-11T00:00:00Z"},
		{"london summer", lon, DateOf(2024, 7, 1), "2024-07-01T07:00:00Z", "2024-07-01T15:30:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, c := tc.cal.Session(tc.d)
			if got := time.Unix(o, 0).UTC().Format(time.RFC3339); got != tc.open {
				t.Errorf("open = %s, want %s", got, tc.open)
			}
			if got := time.Unix(c, 0).UTC().Format(time.RFC3339); got != tc.close {
				t.Errorf("close = %s, want %s", got, tc.close)
			}
		})
	}
}

func TestParseCalendarErrors(t *testing.T) {
	for _, s := range []string{"", "nasdaq", "Mars/Olympus 09:00-10:00", "Europe/London 9-10", "Europe/London 16:00-09:00"} {
		if _, err := ParseCalendar(s); err == nil {
			t.Errorf("ParseCalendar(%q) succeeded, want an error", s)
		}
	}
}

func TestDates(t *testing.T) {
	d := DateOf(2024, 1, 13)
	if d.Weekday() != time.Saturday || d.String() != "2024-01-13" {
		t.Errorf("2024-01-13 = %s %s", d.Weekday(), d)
	}
	if DateOf(1969, 12, 31) != -1 || DateFromUnix(-1) != -1 || DateFromUnix(0) != 0 || DateFromUnix(86399) != 0 {
		t.Error("dates around the epoch are wrong")
	}
	if p, err := ParseDate("2020-02-29"); err != nil || p != DateOf(2020, 2, 29) {
		t.Errorf("ParseDate = %v, %v", p, err)
	}
	if _, err := ParseDate("2020-13-01"); err == nil {
		t.Error("ParseDate accepted month 13")
	}
	if NYSE().IsSessionDay(DateOf(2024, 1, 13)) || !NYSE().IsSessionDay(DateOf(2024, 1, 12)) || !Crypto24x7().IsSessionDay(DateOf(2024, 1, 13)) {
		t.Error("session days wrong")
	}
}

// TestDateStringEqualsTimeFormat: String writes what time.Format writes
// with the layout 2006-01-02, for every day from before year 0 (the
// fallback) through years of fewer than four digits, leap days and the
// last day of year 9999 to after it (the fallback again), and for hand-made
// cases.
func TestDateStringEqualsTimeFormat(t *testing.T) {
	for _, c := range []struct {
		d    Date
		want string
	}{{0, "1970-01-01"}, {-1, "1969-12-31"}, {DateOf(2000, 2, 29), "2000-02-29"}, {DateOf(7, 3, 9), "0007-03-09"}} {
		if got := c.d.String(); got != c.want {
			t.Errorf("Date(%d).String() = %q, want %q", int(c.d), got, c.want)
		}
	}
	check := func(from, to Date) {
		for d := from; d <= to; d++ {
			if got, want := d.String(), d.Time().Format("2006-01-02"); got != want {
				t.Fatalf("Date(%d).String() = %q, want %q", int(d), got, want)
			}
		}
	}
	check(DateOf(-1, 12, 1), DateOf(1, 2, 1))
	check(DateOf(999, 12, 1), DateOf(1000, 1, 31))
	check(DateOf(1600, 1, 1), DateOf(2100, 12, 31))
	check(DateOf(9999, 12, 1), DateOf(10000, 1, 31))
}

func TestSyntheticDeterministicAndFingerprint(t *testing.T) {
	a, err := Synthetic(DefaultSynthetic(3))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Synthetic(DefaultSynthetic(3))
	c, _ := Synthetic(DefaultSynthetic(4))
	if !a.Synthetic {
		t.Error("synthetic data is not labelled synthetic")
	}
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("same seed gave different data")
	}
	if a.Fingerprint() == c.Fingerprint() {
		t.Error("different seeds gave the same data")
	}
	rut := a.Get("RUT")
	for i := 0; i < rut.Len(); i++ {
		bar := rut.BarAt(i)
		if !NYSE().IsSessionDay(bar.Date) {
			t.Fatalf("RUT has a bar on %s %s", bar.Date.Weekday(), bar.Date)
		}
		if bar.High < bar.Low || bar.Close > bar.High || bar.Close < bar.Low || bar.Open > bar.High || bar.Open < bar.Low || bar.Close <= 0 {
			t.Fatalf("bar %d inconsistent: %+v", i, bar)
		}
	}
	// Changing one close changes the fingerprint.
	rut.Close[100] += 1e-9
	if a.Fingerprint() == b.Fingerprint() {
		t.Error("fingerprint ignores a changed close")
	}
}

func TestTruncate(t *testing.T) {
	s, err := NewSeries("BTC", Crypto24x7(), []Bar{{Date: DateOf(2024, 1, 1), Close: 1}, {Date: DateOf(2024, 1, 2), Close: 2}, {Date: DateOf(2024, 1, 3), Close: 3}})
	if err != nil {
		t.Fatal(err)
	}
	// The bar of 01-02 closes at 01-03 00:00Z.
	if n := s.Truncate(DateOf(2024, 1, 3).Unix() - 1).Len(); n != 1 {
		t.Errorf("bars closed before 01-03 00:00Z = %d, want 1", n)
	}
	if n := s.Truncate(DateOf(2024, 1, 3).Unix()).Len(); n != 2 {
		t.Errorf("bars closed at 01-03 00:00Z = %d, want 2", n)
	}
	if _, err := NewSeries("X", Crypto24x7(), []Bar{{Date: 2}, {Date: 2}}); err == nil {
		t.Error("duplicate dates accepted")
	}
}
