// Package format recognises the column layouts of daily price CSV files:
// which column holds the date, open, high, low, close and volume, how the date
// is written, and whether the file carries a single price per day instead of
// OHLC bars.
//
// It is pure Go and reads no database: data/store reads the files with
// DuckDB's CSV reader and uses a Layout from this package to pick and convert
// the columns.
//
// Choices that affect prices:
//
//   - Files with both a raw Close and an "Adj Close" (classic Yahoo downloads,
//     yfinance with auto_adjust=False) use the raw Close, so open, high, low
//     and close are on the same scale. yfinance files written with
//     auto_adjust=True have no Adj Close column: all their prices are adjusted
//     for dividends and splits, and the layout says so in its notes.
//   - Single-price files (CoinGecko Date,value; FRED date,SERIES; the
//     typedcypher multi-currency file) become bars with open = high = low =
//     close = the price and volume 0.
//   - The typedcypher file's value for date D is the price at 00:00 UTC of D,
//     that is, the close of D-1. The layout records LagDays = 1 and a note; the
//     dates are not shifted on import.
package format

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// TimeKind says how the date column is written.
type TimeKind int

// Time kinds. TimeAuto is only meaningful in a Mapping: detect from the data.
const (
	TimeAuto        TimeKind = iota // detect from the sample rows
	TimeDate                        // 2021-11-08
	TimeDateTime                    // 2021-11-08 00:00:00, 2021-11-08T00:00:00Z: the date part is the bar's date
	TimeCompactDate                 // 20211108 (Stooq .txt)
	TimeUnixSeconds                 // 1636329600
	TimeUnixMillis                  // 1636329600000 (Binance klines)
	TimeUnixMicros                  // 1636329600000000 (Binance klines since 2025)
)

var timeKindNames = map[TimeKind]string{
	TimeAuto:        "auto",
	TimeDate:        "date",
	TimeDateTime:    "datetime",
	TimeCompactDate: "yyyymmdd",
	TimeUnixSeconds: "unix",
	TimeUnixMillis:  "unix_ms",
	TimeUnixMicros:  "unix_us",
}

// String returns the kind's name as accepted by ParseTimeKind.
func (k TimeKind) String() string {
	if s, ok := timeKindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("TimeKind(%d)", int(k))
}

// ParseTimeKind parses auto, date, datetime, yyyymmdd, unix (or unix_s),
// unix_ms or unix_us.
func ParseTimeKind(s string) (TimeKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return TimeAuto, nil
	case "date", "iso", "iso_date":
		return TimeDate, nil
	case "datetime", "iso_datetime":
		return TimeDateTime, nil
	case "yyyymmdd", "compact":
		return TimeCompactDate, nil
	case "unix", "unix_s", "seconds":
		return TimeUnixSeconds, nil
	case "unix_ms", "ms", "millis":
		return TimeUnixMillis, nil
	case "unix_us", "us", "micros":
		return TimeUnixMicros, nil
	}
	return TimeAuto, fmt.Errorf("time kind %q: want auto, date, datetime, yyyymmdd, unix, unix_ms or unix_us", s)
}

// Layout says how to read one CSV file.
type Layout struct {
	// Format is the recognised format's name (see Names).
	Format string
	// Header is the file's header line as split, or nil for headerless files.
	Header []string
	// NumColumns is the number of columns of every row.
	NumColumns int
	// SkipLines is the number of lines before the first data row: 1 for a
	// header line, 0 for headerless files, 3 for yfinance multi-index headers.
	SkipLines int
	// Delimiter separates fields; 0 means ','.
	Delimiter rune
	// Column indexes (0-based); -1 when the file has no such column. When
	// SinglePrice is set, Close is the price column and Open, High and Low are
	// -1.
	Date, Open, High, Low, Close, Volume int
	// Time says how the Date column is written.
	Time TimeKind
	// SinglePrice marks files with one price per day: bars get
	// open = high = low = close = the price, and volume 0 when absent.
	SinglePrice bool
	// LagDays is how many days the file's value lags its date: 1 means the
	// value dated D is the close of D-1. Dates are not shifted on import;
	// this is reported so the user can see it.
	LagDays int
	// Notes are facts about the layout a user should see in an import report.
	Notes []string
}

// Delim returns the delimiter, ',' when unset.
func (l Layout) Delim() rune {
	if l.Delimiter == 0 {
		return ','
	}
	return l.Delimiter
}

// ColumnName returns the header name of column i, or "column N" (1-based).
func (l Layout) ColumnName(i int) string {
	if i >= 0 && i < len(l.Header) && strings.TrimSpace(l.Header[i]) != "" {
		return strings.TrimSpace(l.Header[i])
	}
	return fmt.Sprintf("column %d", i+1)
}

// Describe summarises the layout in one line, for reports.
func (l Layout) Describe() string {
	col := func(i int) string {
		if i < 0 {
			return "-"
		}
		return l.ColumnName(i)
	}
	if l.SinglePrice {
		return fmt.Sprintf("%s: date=%s (%s), price=%s, volume=%s", l.Format, col(l.Date), l.Time, col(l.Close), col(l.Volume))
	}
	return fmt.Sprintf("%s: date=%s (%s), open=%s, high=%s, low=%s, close=%s, volume=%s",
		l.Format, col(l.Date), l.Time, col(l.Open), col(l.High), col(l.Low), col(l.Close), col(l.Volume))
}

// validate checks that the column indexes fit the row width.
func (l Layout) validate() error {
	if l.NumColumns <= 0 {
		return fmt.Errorf("layout %s: no columns", l.Format)
	}
	check := func(what string, i int, required bool) error {
		if i < 0 {
			if required {
				return fmt.Errorf("layout %s: no %s column", l.Format, what)
			}
			return nil
		}
		if i >= l.NumColumns {
			return fmt.Errorf("layout %s: %s column %d is beyond the %d columns of the file", l.Format, what, i+1, l.NumColumns)
		}
		return nil
	}
	if err := check("date", l.Date, true); err != nil {
		return err
	}
	if err := check("close", l.Close, true); err != nil {
		return err
	}
	for _, c := range []struct {
		n string
		i int
	}{{"open", l.Open}, {"high", l.High}, {"low", l.Low}, {"volume", l.Volume}} {
		if err := check(c.n, c.i, false); err != nil {
			return err
		}
	}
	if !l.SinglePrice && (l.Open < 0 || l.High < 0 || l.Low < 0) {
		return fmt.Errorf("layout %s: open, high and low columns are needed unless the file has a single price", l.Format)
	}
	if l.Time == TimeAuto {
		return fmt.Errorf("layout %s: time kind not resolved", l.Format)
	}
	return nil
}

// norm reduces a header name to lower-case letters and digits, so that
// "Adj Close", "adj_close" and "<ADJ CLOSE>" compare equal.
func norm(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func normAll(h []string) []string {
	out := make([]string, len(h))
	for i, s := range h {
		out[i] = norm(s)
	}
	return out
}

// trimHeader drops trailing empty header fields ("a,b,c," exports).
func trimHeader(h []string) []string {
	for len(h) > 0 && strings.TrimSpace(h[len(h)-1]) == "" {
		h = h[:len(h)-1]
	}
	return h
}

func index(n []string, names ...string) int {
	for _, want := range names {
		for i, s := range n {
			if s == want {
				return i
			}
		}
	}
	return -1
}

var (
	reDate     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	reDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[ T]`)
	reCompact  = regexp.MustCompile(`^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$`)
	reDigits   = regexp.MustCompile(`^-?\d+(\.0*)?$`)
)

// kindOf guesses how one date value is written.
func kindOf(v string) TimeKind {
	v = strings.TrimSpace(v)
	switch {
	case reDate.MatchString(v):
		return TimeDate
	case reDateTime.MatchString(v):
		return TimeDateTime
	case reCompact.MatchString(v):
		return TimeCompactDate
	case reDigits.MatchString(v):
		digits := strings.TrimPrefix(v, "-")
		if i := strings.IndexByte(digits, '.'); i >= 0 {
			digits = digits[:i]
		}
		switch n := len(digits); {
		case n >= 9 && n <= 11:
			return TimeUnixSeconds
		case n >= 12 && n <= 14:
			return TimeUnixMillis
		case n >= 15 && n <= 17:
			return TimeUnixMicros
		}
	}
	return TimeAuto
}

// sampleKind detects the time kind of column col from the sample rows. It
// returns TimeAuto when the sample has no usable value, and an error when the
// values are not a date format riskon reads.
func sampleKind(col int, sample [][]string) (TimeKind, error) {
	for _, row := range sample {
		if col >= len(row) || strings.TrimSpace(row[col]) == "" {
			continue
		}
		if k := kindOf(row[col]); k != TimeAuto {
			return k, nil
		}
		return TimeAuto, fmt.Errorf("date value %q is not YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, YYYYMMDD or unix seconds/milliseconds", row[col])
	}
	return TimeAuto, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}
