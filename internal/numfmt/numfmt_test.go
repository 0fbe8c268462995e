package numfmt

import (
	"math"
	"testing"
)

type value float64 // a named float type, as results.Value

func TestMoney(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   float64
		want string
	}{
		{160000, "160,000.00"},
		{1234567.891, "1,234,567.89"},
		{999.995, "1,000.00"}, // rounding carries into a new group
		{100, "100.00"},
		{0, "0.00"},
		{-1234.5, "-1,234.50"},
		{-0.001, "0.00"}, // no negative zero
		{math.Copysign(0, -1), "0.00"},
		{-999999.5, "-999,999.50"},
		{math.NaN(), "n/a"},
		{math.Inf(1), "n/a"},
	} {
		if got := Money(c.in); got != c.want {
			t.Errorf("Money(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Money(value(2500)); got != "2,500.00" {
		t.Errorf("Money(value) = %q", got)
	}
}

func TestPercent(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   float64
		prec int
		want string
	}{
		{0.1234, 2, "12.34%"},
		{0.1234, 1, "12.3%"},
		{-0.5, 0, "-50%"},
		{-0.0004, 1, "0.0%"},
		{0, 2, "0.00%"},
		{2.5, 1, "250.0%"},
		{math.NaN(), 2, "n/a"},
	} {
		if got := Percent(c.in, c.prec); got != c.want {
			t.Errorf("Percent(%v, %d) = %q, want %q", c.in, c.prec, got, c.want)
		}
	}
	for _, c := range []struct {
		in   float64
		want string
	}{{0.05, "+5.0%"}, {-0.05, "-5.0%"}, {0.0001, "0.0%"}, {-0.0001, "0.0%"}, {math.Inf(-1), "n/a"}} {
		if got := SignedPercent(c.in, 1); got != c.want {
			t.Errorf("SignedPercent(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRatioFixedIntPrice(t *testing.T) {
	t.Parallel()
	check := func(name, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	check("Ratio(1.23456)", Ratio(1.23456), "1.235")
	check("Ratio(-0.000123456)", Ratio(-0.000123456), "-0.0001235")
	check("Ratio(12345.6)", Ratio(12345.6), "1.235e+04")
	check("Ratio(-0)", Ratio(math.Copysign(0, -1)), "0")
	check("Ratio(NaN)", Ratio(math.NaN()), "n/a")
	check("Fixed(0.04567, 3)", Fixed(0.04567, 3), "0.046")
	check("Fixed(-0.0001, 2)", Fixed(-0.0001, 2), "0.00")
	check("Int(12.6)", Int(12.6), "13")
	check("Int(-0.4)", Int(-0.4), "0")
	check("Price(43210.7)", Price(43210.7), "43211")
	check("Price(-1500)", Price(-1500.0), "-1500")
	check("Price(12.345)", Price(12.345), "12.35")
	check("Price(0.012345)", Price(0.012345), "0.01235")
	check("Price(Inf)", Price(math.Inf(1)), "n/a")
}

func TestCompact(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   float64
		want string
	}{
		{1234567, "1.2M"}, {25000, "25k"}, {-25000, "-25k"}, {3e9, "3B"}, {1.5e12, "1.5T"},
		{0.05, "0.05"}, {1234, "1234"}, {0, "0"}, {math.NaN(), "n/a"},
	} {
		if got := Compact(c.in); got != c.want {
			t.Errorf("Compact(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
