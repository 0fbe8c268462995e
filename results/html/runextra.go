package html

import (
	"math"
	"strconv"
	"time"

	"github.com/riskon/riskon/internal/numfmt"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
)

// periodTable is the monthly and yearly returns of the daily equity curve:
// one row per year, a column per month and the year's return. A period's
// return is its last equity over the last equity of the period before (the
// first point of the curve for the first period) minus one, so months
// compound to the year. Periods the curve does not reach are blank.
func periodTable(eq []results.EquityRow) (cols []string, rows []row) {
	type point struct {
		y, m int
		v    float64
	}
	var pts []point
	for _, e := range eq {
		t, err := time.Parse("2006-01-02", e.Date)
		if err != nil || !e.Equity.Valid() {
			continue
		}
		pts = append(pts, point{t.Year(), int(t.Month()), float64(e.Equity)})
	}
	if len(pts) < 2 {
		return nil, nil
	}
	cols = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "year"}
	base := pts[0].v
	yearBase := base
	var cur *row
	flushYear := func(last float64) {
		if cur != nil {
			r := last/yearBase - 1
			cur.Cells[12] = cell{Text: pctText(r), Class: signOf(r)}
			rows = append(rows, *cur)
		}
		yearBase = last
	}
	for i := 0; i < len(pts); i++ {
		p := pts[i]
		if cur == nil || cur.Name != strconv.Itoa(p.y) {
			if cur != nil {
				flushYear(base)
			}
			cur = &row{Name: strconv.Itoa(p.y), Cells: make([]cell, 13)}
		}
		// the last point of this month
		j := i
		for j+1 < len(pts) && pts[j+1].y == p.y && pts[j+1].m == p.m {
			j++
		}
		r := pts[j].v/base - 1
		cur.Cells[p.m-1] = cell{Text: pctText(r), Class: signOf(r)}
		base = pts[j].v
		i = j
	}
	flushYear(base)
	return cols, rows
}

func pctText(r float64) string { return numfmt.Percent(r, 1) }

func signOf(r float64) string {
	switch {
	case math.Abs(r) < 0.0005:
		return ""
	case r > 0:
		return "pos"
	case r < 0:
		return "neg"
	}
	return ""
}

// drawdownEpisode is one fall from a high and the climb back to it.
type drawdownEpisode struct {
	Peak, Trough, Recovery string  // dates; Recovery "" when not recovered
	Depth                  float64 // fraction below the peak at the trough
	Days, ToTrough         int     // peak to recovery (or to the end), peak to trough
}

// worstDrawdowns returns the k deepest drawdown episodes of the daily equity
// curve, deepest first. An episode starts at a high (the last point at the
// running maximum), reaches its trough, and ends on the first day equity is
// back at or above that high; one still under water at the end has no
// recovery and lasts to the last day.
func worstDrawdowns(eq []results.EquityRow, k int) []drawdownEpisode {
	var eps []drawdownEpisode
	peakV, peakI := math.Inf(-1), -1
	var cur *drawdownEpisode
	var troughV float64
	day := func(i int) time.Time { t, _ := time.Parse("2006-01-02", eq[i].Date); return t }
	days := func(a, b int) int { return int(day(b).Sub(day(a)).Hours() / 24) }
	for i, e := range eq {
		if !e.Equity.Valid() {
			continue
		}
		v := float64(e.Equity)
		if v >= peakV {
			if cur != nil {
				cur.Recovery, cur.Days = eq[i].Date, days(peakI, i)
				eps = append(eps, *cur)
				cur = nil
			}
			peakV, peakI = v, i
			continue
		}
		if cur == nil {
			cur = &drawdownEpisode{Peak: eq[peakI].Date}
			troughV = v
			cur.Trough, cur.Depth, cur.ToTrough = e.Date, 1-v/peakV, days(peakI, i)
		}
		if v < troughV {
			troughV = v
			cur.Trough, cur.Depth, cur.ToTrough = e.Date, 1-v/peakV, days(peakI, i)
		}
	}
	if cur != nil {
		cur.Days = days(peakI, len(eq)-1)
		eps = append(eps, *cur)
	}
	// deepest first, ties by date (stable)
	for i := 1; i < len(eps); i++ {
		for j := i; j > 0 && eps[j].Depth > eps[j-1].Depth; j-- {
			eps[j], eps[j-1] = eps[j-1], eps[j]
		}
	}
	if len(eps) > k {
		eps = eps[:k]
	}
	return eps
}

func drawdownRows(eps []drawdownEpisode) (cols []string, rows []row) {
	cols = []string{"depth", "peak", "trough", "recovered", "days to trough", "days under water"}
	for i, e := range eps {
		rec, length := e.Recovery, strconv.Itoa(e.Days)
		if rec == "" {
			rec, length = "not yet", strconv.Itoa(e.Days)+"+"
		}
		rows = append(rows, row{Name: strconv.Itoa(i + 1), Cells: []cell{
			{Text: "-" + pctText(e.Depth), Class: "neg"}, {Text: e.Peak}, {Text: e.Trough}, {Text: rec},
			{Text: strconv.Itoa(e.ToTrough)}, {Text: length}}})
	}
	return cols, rows
}

// rollingSharpe is the Sharpe ratio of the daily returns over a trailing
// window of n days, annualised by sqrt(ann) (the i.i.d. scaling of Lo 2002,
// "The Statistics of Sharpe Ratios", eq. 8; zero risk-free rate). The first
// value is at day n; a window with no variation gives NaN.
func rollingSharpe(eq []results.EquityRow, n, ann int) chart.Series {
	s := chart.Series{Name: strconv.Itoa(n) + "-day rolling Sharpe"}
	if len(eq) <= n || n < 2 {
		return s
	}
	ret := make([]float64, len(eq))
	for i := 1; i < len(eq); i++ {
		ret[i] = float64(eq[i].Equity)/float64(eq[i-1].Equity) - 1
	}
	var sum, sum2 float64
	for i := 1; i < len(eq); i++ {
		sum += ret[i]
		sum2 += ret[i] * ret[i]
		if i > n {
			sum -= ret[i-n]
			sum2 -= ret[i-n] * ret[i-n]
		}
		if i < n {
			continue
		}
		mean := sum / float64(n)
		v := (sum2 - float64(n)*mean*mean) / float64(n-1)
		sh := math.NaN()
		if v > 1e-18 {
			sh = mean / math.Sqrt(v) * math.Sqrt(float64(ann))
		}
		t, err := time.Parse("2006-01-02", eq[i].Date)
		if err != nil {
			continue
		}
		s.Times = append(s.Times, t.Unix())
		s.Values = append(s.Values, sh)
	}
	return s
}
