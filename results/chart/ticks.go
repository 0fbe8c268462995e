package chart

import (
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"

	"github.com/riskon/riskon/internal/numfmt"
)

// dateTicks marks a time axis in unix seconds (UTC) on calendar boundaries:
// every N years, quarters, months or days depending on the span, labelled
// through plot.TimeTicks with a format that fits the step ("2016",
// "Jan 2016", "2016-01-02").
type dateTicks struct{}

func (dateTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return nil
	}
	t0, t1 := time.Unix(int64(min), 0).UTC(), time.Unix(int64(max), 0).UTC()
	days := (max - min) / 86400
	type step struct {
		years, months, days int
		format              string
		minor               *step
	}
	quarter := &step{months: 3}
	month := &step{months: 1}
	var major step
	switch {
	case days > 60*365:
		major = step{years: 10, format: "2006", minor: &step{years: 1}}
	case days > 30*365:
		major = step{years: 5, format: "2006", minor: &step{years: 1}}
	case days > 12*365:
		major = step{years: 2, format: "2006", minor: &step{years: 1}}
	case days > 3*365:
		major = step{years: 1, format: "2006", minor: quarter}
	case days > 1.5*365:
		major = step{months: 6, format: "Jan 2006", minor: quarter}
	case days > 240:
		major = step{months: 3, format: "Jan 2006", minor: month}
	case days > 60:
		major = step{months: 1, format: "Jan 2006"}
	case days > 14:
		major = step{days: 7, format: "2006-01-02", minor: &step{days: 1}}
	default:
		major = step{days: 1, format: "2006-01-02"}
	}
	// align returns the first boundary of s at or after t.
	align := func(s step, t time.Time) time.Time {
		switch {
		case s.years > 0:
			y := t.Year()
			b := time.Date(y-((y%s.years)+s.years)%s.years, 1, 1, 0, 0, 0, 0, time.UTC)
			for b.Before(t) {
				b = b.AddDate(s.years, 0, 0)
			}
			return b
		case s.months > 0:
			m := int(t.Month()) - 1
			b := time.Date(t.Year(), time.Month(m-m%s.months+1), 1, 0, 0, 0, 0, time.UTC)
			for b.Before(t) {
				b = b.AddDate(0, s.months, 0)
			}
			return b
		default:
			b := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			for b.Before(t) {
				b = b.AddDate(0, 0, s.days)
			}
			return b
		}
	}
	marks := func(s step, label bool) []plot.Tick {
		var out []plot.Tick
		for b := align(s, t0); !b.After(t1) && len(out) < 400; b = b.AddDate(s.years, s.months, s.days) {
			tk := plot.Tick{Value: float64(b.Unix())}
			if label {
				tk.Label = "x" // replaced by plot.TimeTicks
			}
			out = append(out, tk)
		}
		return out
	}
	ticks := marks(major, true)
	if major.minor != nil {
		majors := map[float64]bool{}
		for _, t := range ticks {
			majors[t.Value] = true
		}
		for _, t := range marks(*major.minor, false) {
			if !majors[t.Value] {
				ticks = append(ticks, t)
			}
		}
	}
	return plot.TimeTicks{Ticker: plot.ConstantTicks(ticks), Format: major.format}.Ticks(min, max)
}

// logTicks marks a log axis at 1, 2 and 5 times powers of ten (only powers
// of ten over many decades), falling back to linear ticks within one decade.
// Unlike plot.LogTicks it never panics: a non-positive range gets no ticks.
//
// With growth set, values are 1 + a return and are labelled as the return
// (2 -> +100%, 0.5 -> -50%).
type logTicks struct{ percent, growth bool }

func (l logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) || math.IsInf(max, 0) {
		return nil
	}
	if max/min < 10 {
		var out []plot.Tick
		for _, t := range (plot.DefaultTicks{}).Ticks(min, max) {
			if t.Label != "" {
				t.Label = l.label(t.Value)
			}
			out = append(out, t)
		}
		return out
	}
	decades := math.Log10(max / min)
	mult := []float64{1, 2, 5}
	if decades > 4 {
		mult = []float64{1}
	}
	var out []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		p := math.Pow(10, e)
		for i := 1; i <= 9; i++ {
			v := float64(i) * p
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			tk := plot.Tick{Value: v}
			for _, m := range mult {
				if float64(i) == m {
					tk.Label = l.label(v)
				}
			}
			if tk.Label == "" && decades > 8 {
				continue // too dense for minor ticks
			}
			out = append(out, tk)
		}
	}
	return out
}

func (l logTicks) label(v float64) string {
	if l.growth {
		s := fmtPercent(v - 1)
		if v > 1 {
			s = "+" + s
		}
		return s
	}
	if l.percent {
		return fmtPercent(v)
	}
	return fmtCompact(v)
}

// linTicks mark a linear axis at "nice" steps (1, 2, 2.5 or 5 times a
// power of ten) aiming at about six labels, with compact labels (1.5k, 2M,
// or 40% when percent is set) and four minor ticks between labels.
type linTicks struct{ percent bool }

func (l linTicks) Ticks(min, max float64) []plot.Tick {
	if math.IsNaN(min) || math.IsNaN(max) || math.IsInf(min, 0) || math.IsInf(max, 0) || !(max > min) {
		return nil
	}
	raw := (max - min) / 6
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * p
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	minor := step / 5
	if step/p == 2.5 {
		minor = step / 5
	}
	var out []plot.Tick
	first := math.Ceil(min/minor-1e-9) * minor
	for i := 0; i < 200; i++ {
		v := first + float64(i)*minor
		if v > max+minor*1e-9 {
			break
		}
		if math.Abs(v) < minor*1e-9 {
			v = 0
		}
		t := plot.Tick{Value: v}
		if r := v / step; math.Abs(r-math.Round(r)) < 1e-6 {
			if l.percent {
				t.Label = fmtPercent(v)
			} else {
				t.Label = fmtCompact(v)
			}
		}
		out = append(out, t)
	}
	return out
}

// fmtCompact writes an axis or cell label: 1234567 as 1.2M, 25000 as 25k.
func fmtCompact(v float64) string { return numfmt.Compact(v) }

// fmtPercent writes a fraction as a percentage: 0.25 -> 25%.
func fmtPercent(v float64) string {
	p := v * 100
	if math.Abs(p) >= 1e4 {
		return fmtCompact(p) + "%"
	}
	return strconv.FormatFloat(math.Round(p*100)/100, 'f', -1, 64) + "%"
}
