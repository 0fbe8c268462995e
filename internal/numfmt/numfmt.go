// Package numfmt writes numbers for people: the one place where riskon
// decides how money, percentages, ratios, prices and counts look, so the
// CLI tables, the HTML reports and the examples in docs/ show the same
// figure the same way (machine outputs, CSV and JSON, keep raw numbers and
// do not use it).
//
// Every function accepts any float64-based type (float64, results.Value)
// and writes "n/a" for NaN and ±Inf. No function writes a negative zero
// ("-0.00", "-0.0%"): a value that rounds to zero is written as zero.
package numfmt

import (
	"math"
	"strconv"
	"strings"
)

// NA is what every function writes for an undefined value.
const NA = "n/a"

func invalid(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

// fixed writes f with prec decimals and no negative zero.
func fixed(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if s[0] == '-' && strings.Trim(s[1:], "0.") == "" {
		return s[1:]
	}
	return s
}

// Money writes an amount of account currency with thousands separators and
// two decimals: 160000 -> "160,000.00", -1234.5 -> "-1,234.50".
func Money[T ~float64](v T) string {
	f := float64(v)
	if invalid(f) {
		return NA
	}
	s := fixed(f, 2)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteByte('.')
	b.WriteString(frac)
	return b.String()
}

// Percent writes a fraction as a percentage with prec decimals:
// Percent(0.1234, 2) = "12.34%".
func Percent[T ~float64](v T, prec int) string {
	f := float64(v)
	if invalid(f) {
		return NA
	}
	return fixed(100*f, prec) + "%"
}

// SignedPercent is Percent with an explicit sign on positive values:
// SignedPercent(0.05, 1) = "+5.0%", and "0.0%" for a value that rounds to 0.
func SignedPercent[T ~float64](v T, prec int) string {
	s := Percent(v, prec)
	if s == NA || s[0] == '-' || strings.Trim(strings.TrimSuffix(s, "%"), "0.") == "" {
		return s
	}
	return "+" + s
}

// Ratio writes a dimensionless statistic (Sharpe, Sortino, profit factor,
// effective n, p-values in tables) with 4 significant digits: 1.23456 ->
// "1.235", 0.000123456 -> "0.0001235".
func Ratio[T ~float64](v T) string {
	f := float64(v)
	if invalid(f) {
		return NA
	}
	if f == 0 {
		return "0"
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

// Fixed writes v with prec decimals: Fixed(0.04567, 3) = "0.046".
func Fixed[T ~float64](v T, prec int) string {
	f := float64(v)
	if invalid(f) {
		return NA
	}
	return fixed(f, prec)
}

// Int writes v rounded to a whole number: Int(12.6) = "13".
func Int[T ~float64](v T) string { return Fixed(v, 0) }

// Price writes a market price with the precision its size needs: whole
// units from 1,000 (43210.7 -> "43211"), cents from 1 (12.345 -> "12.35"),
// 4 significant digits below 1 (0.012345 -> "0.01235").
func Price[T ~float64](v T) string {
	f := float64(v)
	switch {
	case invalid(f):
		return NA
	case math.Abs(f) >= 1000:
		return fixed(f, 0)
	case math.Abs(f) >= 1:
		return fixed(f, 2)
	}
	return Ratio(f)
}

// Compact writes a number in little room (chart axes, heatmap cells) with a
// magnitude suffix from 10,000 on: 1234567 -> "1.2M", 25000 -> "25k",
// 3e9 -> "3B", 1.5e12 -> "1.5T"; smaller values get 4 significant digits
// (0.05 -> "0.05", 1234 -> "1234").
func Compact[T ~float64](v T) string {
	f := float64(v)
	a := math.Abs(f)
	switch {
	case invalid(f):
		return NA
	case a == 0:
		return "0"
	case a >= 1e12:
		return trim1(f/1e12) + "T"
	case a >= 1e9:
		return trim1(f/1e9) + "B"
	case a >= 1e6:
		return trim1(f/1e6) + "M"
	case a >= 1e4:
		return trim1(f/1e3) + "k"
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

// trim1 writes v with one decimal, dropping a ".0".
func trim1(v float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
}
