package html

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/riskon/riskon/internal/numfmt"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
)

// parseTime reads an RFC 3339 time or a YYYY-MM-DD date as unix seconds.
func parseTime(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Unix(), true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Unix(), true
	}
	return 0, false
}

func day(s string) string {
	if i := strings.IndexByte(s, 'T'); i > 0 {
		return s[:i]
	}
	if s == "" {
		return "?"
	}
	return s
}

func pct(v results.Value) string { return numfmt.Percent(v, 2) }

func num(v results.Value) string { return numfmt.Ratio(v) }

func pValue(v results.Value) string {
	if !v.Valid() {
		return "n/a (not computed for this run)"
	}
	return numfmt.Fixed(v, 3)
}

func days(v results.Value) string {
	if !v.Valid() {
		return "n/a"
	}
	return numfmt.Int(math.Ceil(float64(v))) + " days"
}

func intText(v results.Value) string { return numfmt.Int(v) }

func money(v results.Value) string { return numfmt.Money(v) }

func price(v results.Value) string { return numfmt.Price(v) }

func sign(v results.Value) string {
	switch {
	case !v.Valid():
		return "na"
	case v > 0:
		return "pos"
	case v < 0:
		return "neg"
	}
	return ""
}

func levelText(l float64) string {
	if !(l > 0 && l < 1) {
		return "95%"
	}
	return strconv.FormatFloat(math.Round(l*1000)/10, 'f', -1, 64) + "%"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func seriesNames(ss []chart.Series) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}
