package corr

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results/stats"
)

func d(s string) data.Date {
	v, err := data.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// series builds a series with the given closes on the given dates (opens,
// highs and lows equal to the close).
func series(t *testing.T, sym string, cal data.Calendar, dates []string, closes []float64) *data.Series {
	t.Helper()
	bars := make([]data.Bar, len(dates))
	for i, s := range dates {
		c := closes[i]
		bars[i] = data.Bar{Date: d(s), Open: c, High: c, Low: c, Close: c}
	}
	s, err := data.NewSeries(sym, cal, bars)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// daily builds a 24x7 series from start whose log returns are r (first
// close 100).
func daily(t *testing.T, sym string, start string, r []float64) *data.Series {
	t.Helper()
	dates := make([]string, len(r)+1)
	closes := make([]float64, len(r)+1)
	closes[0] = 100
	for i := range dates {
		dates[i] = (d(start) + data.Date(i)).String()
		if i > 0 {
			closes[i] = closes[i-1] * math.Exp(r[i-1])
		}
	}
	return series(t, sym, data.Crypto24x7(), dates, closes)
}

// pearsonHand is the textbook computing formula
// r = (nΣxy − ΣxΣy) / sqrt((nΣx² − (Σx)²)(nΣy² − (Σy)²)), a second formula
// beside gonum's two-pass one.
func pearsonHand(x, y []float64) float64 {
	var sx, sy, sxx, syy, sxy float64
	n := float64(len(x))
	for i := range x {
		sx += x[i]
		sy += y[i]
		sxx += x[i] * x[i]
		syy += y[i] * y[i]
		sxy += x[i] * y[i]
	}
	return (n*sxy - sx*sy) / math.Sqrt((n*sxx-sx*sx)*(n*syy-sy*sy))
}

func close(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestAlignDailyAcrossWeekendAndHoliday: Good Friday 2024-03-29 has no NYSE
// session. Each NYSE close (20:00Z in daylight time) is paired with the last
// crypto bar closed at or before it: Thursday 03-28 with the bar of 03-27
// (closed 03-28 00:00Z), Monday 04-01 with Sunday's, never with the bar
// of the same date, which is still open at the NYSE close.
func TestAlignDailyAcrossWeekendAndHoliday(t *testing.T) {
	rut := series(t, "RUT", data.NYSE(), []string{"2024-03-27", "2024-03-28", "2024-04-01", "2024-04-02"}, []float64{2000, 2010, 2020, 2030})
	btc := series(t, "BTC", data.Crypto24x7(),
		[]string{"2024-03-26", "2024-03-27", "2024-03-28", "2024-03-29", "2024-03-30", "2024-03-31", "2024-04-01", "2024-04-02"},
		[]float64{9, 10, 11, 12, 13, 14, 15, 16})
	cases := []struct {
		name   string
		a, b   *data.Series
		wantA  []float64
		wantB  []float64
		dates  []string
		clockA bool
	}{
		{"nyse first", rut, btc, []float64{2000, 2010, 2020, 2030}, []float64{9, 10, 14, 15}, []string{"2024-03-27", "2024-03-28", "2024-04-01", "2024-04-02"}, true},
		// The clock is the NYSE series whichever side it is on.
		{"crypto first", btc, rut, []float64{9, 10, 14, 15}, []float64{2000, 2010, 2020, 2030}, []string{"2024-03-27", "2024-03-28", "2024-04-01", "2024-04-02"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			al, err := Align(c.a, c.b, Daily)
			if err != nil {
				t.Fatal(err)
			}
			if al.Len() != len(c.dates) {
				t.Fatalf("%d samples, want %d", al.Len(), len(c.dates))
			}
			for i := range c.dates {
				if al.Dates[i].String() != c.dates[i] || al.PA[i] != c.wantA[i] || al.PB[i] != c.wantB[i] {
					t.Errorf("sample %d: %s a %v b %v; want %s %v %v", i, al.Dates[i], al.PA[i], al.PB[i], c.dates[i], c.wantA[i], c.wantB[i])
				}
			}
			if !strings.Contains(al.Clock, "RUT") || !strings.Contains(al.Clock, "as-of") {
				t.Errorf("clock %q", al.Clock)
			}
			// Every NYSE close is 20:00Z (daylight time) and its as-of crypto bar
			// closed at 00:00Z the same day: 20 hours old.
			stale, fresh := al.StaleB, al.StaleA
			if !c.clockA {
				stale, fresh = al.StaleA, al.StaleB
			}
			if stale != 20*3600 || fresh != 0 {
				t.Errorf("as-of ages %v (crypto) %v (clock), want 72000 and 0", stale, fresh)
			}
			// Returns: Thursday -> Monday spans the holiday and the weekend for both.
			r := al.LogReturns()
			if len(r.A) != 3 || r.Dates[1].String() != "2024-04-01" {
				t.Fatalf("returns %+v", r)
			}
			wantRut, wantBtc := math.Log(2020.0/2010), math.Log(14.0/10)
			if !c.clockA {
				wantRut, wantBtc = wantBtc, wantRut
			}
			if !close(r.A[1], wantRut, 1e-15) || !close(r.B[1], wantBtc, 1e-15) {
				t.Errorf("Thursday->Monday returns %v %v, want %v %v", r.A[1], r.B[1], wantRut, wantBtc)
			}
		})
	}
}

// TestAlignSameDate: the default daily clock pairs each NYSE close with the
// crypto bar of the same date (closing at midnight UTC, 4 hours after the
// 20:00Z daylight-time NYSE close): Thursday 03-28 with 03-28's bar (11),
// Monday 04-01 with 04-01's (15), so the Thursday-to-Monday crypto return
// ln(15/11) covers Good Friday, the weekend and Monday.
func TestAlignSameDate(t *testing.T) {
	rut := series(t, "RUT", data.NYSE(), []string{"2024-03-27", "2024-03-28", "2024-04-01", "2024-04-02"}, []float64{2000, 2010, 2020, 2030})
	btc := series(t, "BTC", data.Crypto24x7(),
		[]string{"2024-03-26", "2024-03-27", "2024-03-28", "2024-03-29", "2024-03-30", "2024-03-31", "2024-04-01"},
		[]float64{9, 10, 11, 12, 13, 14, 15})
	for _, swap := range []bool{false, true} {
		a, b := rut, btc
		if swap {
			a, b = btc, rut
		}
		al, err := AlignClock(a, b, Daily, ClockDate)
		if err != nil {
			t.Fatal(err)
		}
		pr, pc := al.PA, al.PB
		lead := al.LeadSeconds
		if swap {
			pr, pc, lead = al.PB, al.PA, -lead
		}
		// 04-02 has no crypto bar of its date (the data end on 04-01): skipped.
		if al.Len() != 3 || !slices.Equal(pr, []float64{2000, 2010, 2020}) || !slices.Equal(pc, []float64{10, 11, 15}) ||
			al.Dates[2].String() != "2024-04-01" || lead != 4*3600 || al.Mode != ClockDate {
			t.Errorf("swap %v: dates %v rut %v btc %v lead %v", swap, al.Dates, pr, pc, lead)
		}
		r := al.LogReturns()
		want := math.Log(15.0 / 11)
		got := r.B[1]
		if swap {
			got = r.A[1]
		}
		if len(r.A) != 2 || !close(got, want, 1e-15) {
			t.Errorf("swap %v: Thursday->Monday crypto return %v, want ln(15/11)", swap, got)
		}
	}
}

// TestAlignStaleAndGaps: a crypto hole longer than MaxStaleSeconds skips the
// NYSE samples inside it, and no return spans the skipped samples.
func TestAlignStaleAndGaps(t *testing.T) {
	var nd []string
	var nc []float64
	for x := d("2024-01-08"); x <= d("2024-01-26"); x++ {
		if x.Weekday() >= 1 && x.Weekday() <= 5 {
			nd = append(nd, x.String())
			nc = append(nc, 100+float64(len(nc)))
		}
	}
	a := series(t, "RUT", data.NYSE(), nd, nc)
	// Crypto bars until 01-10, then nothing until 01-20.
	var cd []string
	var cc []float64
	for x := d("2024-01-05"); x <= d("2024-01-26"); x++ {
		if x > d("2024-01-10") && x < d("2024-01-20") {
			continue
		}
		cd = append(cd, x.String())
		cc = append(cc, float64(x))
	}
	b := series(t, "BTC", data.Crypto24x7(), cd, cc)
	al, err := Align(a, b, Daily)
	if err != nil {
		t.Fatal(err)
	}
	// The last bar before the hole (dated 01-10) closed 01-11 00:00Z and is
	// the as-of bar of Thursday 01-11's NYSE close (21:00Z). At Friday 01-12
	// it is still the latest bar: no new crypto price, so the sample is
	// skipped rather than given a fake zero return; from Monday 01-15 it is
	// also more than 4 days old. From Monday 01-22 the as-of bar is 01-21's.
	var got []string
	for _, x := range al.Dates {
		got = append(got, x.String()[5:])
	}
	want := "01-08 01-09 01-10 01-11 01-22 01-23 01-24 01-25 01-26"
	if strings.Join(got, " ") != want {
		t.Fatalf("samples %v, want %s", got, want)
	}
	r := al.LogReturns()
	for _, x := range r.Dates {
		if x.String() == "2024-01-22" {
			t.Error("a return spans the skipped samples 01-12..01-19")
		}
	}
	if len(r.A) != len(got)-2 {
		t.Errorf("%d returns, want %d (one break)", len(r.A), len(got)-2)
	}
}

// TestAlignPeriods: weekly and monthly samples are each series' last close of
// the period; periods only one series has are dropped, and so is a final
// period in which a series' data stop before its last scheduled day.
func TestAlignPeriods(t *testing.T) {
	// NYSE: Wed 2024-01-31, Fri 02-02, Mon 02-05, Fri 02-09, Thu 02-29, Fri 03-01, Mon 04-01 (last bar).
	a := series(t, "RUT", data.NYSE(), []string{"2024-01-31", "2024-02-02", "2024-02-05", "2024-02-09", "2024-02-29", "2024-03-01", "2024-04-01"},
		[]float64{1, 2, 3, 4, 5, 6, 7})
	// Crypto: Sun 02-04, Sun 02-11, Thu 02-29, Sun 03-03, Mon 04-01 (last bar).
	b := series(t, "BTC", data.Crypto24x7(), []string{"2024-02-04", "2024-02-11", "2024-02-29", "2024-03-03", "2024-04-01"}, []float64{10, 20, 30, 40, 50})
	cases := []struct {
		freq   Freq
		dates  string
		pa, pb []float64
		rets   int
	}{
		// Weeks: 01-29..02-04 (a 2, b 10), 02-05..02-11 (a 4, b 20), 02-26..03-03 (a 6, b 40).
		// The week of 04-01 is incomplete for both (data end on its Monday): dropped.
		{Weekly, "2024-02-04 2024-02-11 2024-03-03", []float64{2, 4, 6}, []float64{10, 20, 40}, 1},
		// Months: 2024-02 (a 5, b 30) and 2024-03 (a 6, b 40); January only a
		// has; April is incomplete for both.
		{Monthly, "2024-02-29 2024-03-03", []float64{5, 6}, []float64{30, 40}, 1},
	}
	for _, c := range cases {
		t.Run(string(c.freq), func(t *testing.T) {
			al, err := Align(a, b, c.freq)
			if err != nil {
				t.Fatal(err)
			}
			var ds []string
			for _, x := range al.Dates {
				ds = append(ds, x.String())
			}
			if strings.Join(ds, " ") != c.dates {
				t.Fatalf("dates %v, want %s", ds, c.dates)
			}
			for i := range c.pa {
				if al.PA[i] != c.pa[i] || al.PB[i] != c.pb[i] {
					t.Errorf("sample %d: %v %v, want %v %v", i, al.PA[i], al.PB[i], c.pa[i], c.pb[i])
				}
			}
			if got := len(al.LogReturns().A); got != c.rets {
				t.Errorf("%d returns, want %d (only between consecutive periods)", got, c.rets)
			}
		})
	}
}

// TestPeriodComplete: a final period counts when the data reach its last
// scheduled session (Friday for NYSE weeks, the last weekday of a month),
// and not when they stop before it.
func TestPeriodComplete(t *testing.T) {
	cases := []struct {
		name  string
		cal   data.Calendar
		dates []string
		freq  Freq
		want  bool
	}{
		{"nyse week ends friday", data.NYSE(), []string{"2024-05-06", "2024-05-10"}, Weekly, true},
		{"nyse week stops thursday", data.NYSE(), []string{"2024-05-06", "2024-05-09"}, Weekly, false},
		{"nyse month ends friday 05-31", data.NYSE(), []string{"2024-05-30", "2024-05-31"}, Monthly, true},
		{"crypto week ends sunday", data.Crypto24x7(), []string{"2024-05-11", "2024-05-12"}, Weekly, true},
		{"crypto week stops saturday", data.Crypto24x7(), []string{"2024-05-10", "2024-05-11"}, Weekly, false},
		{"crypto month stops 01-06", data.Crypto24x7(), []string{"2026-01-05", "2026-01-06"}, Monthly, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := series(t, "X", c.cal, c.dates, []float64{1, 2})
			if got := periodComplete(s, s.Len()-1, c.freq); got != c.want {
				t.Errorf("complete %v, want %v", got, c.want)
			}
			if !periodComplete(s, 0, c.freq) {
				t.Error("a bar followed by another is not the end of the data")
			}
		})
	}
}

// TestAsyncNote: RUT against a crypto series whose closes are 21 hours old
// at the NYSE close gets the note that explains a lag +1 peak.
func TestAsyncNote(t *testing.T) {
	var nd []string
	var nc []float64
	for x := d("2024-01-08"); x <= d("2024-03-01"); x++ {
		if x.Weekday() >= 1 && x.Weekday() <= 5 {
			nd = append(nd, x.String())
			nc = append(nc, 100+float64(len(nc)%7))
		}
	}
	a := series(t, "RUT", data.NYSE(), nd, nc)
	r := make([]float64, 60)
	for i := range r {
		r[i] = 0.01 * float64(i%5-2)
	}
	b := daily(t, "BTC", "2024-01-05", r)
	p, err := Analyze(a, b, Options{Freq: Daily, Lags: 1, Clock: ClockAsOf})
	if err != nil {
		t.Fatal(err)
	}
	// January and February are EST: NYSE closes 21:00Z, crypto bars close 00:00Z.
	if p.AsofAgeHours != 21 || len(p.Notes) == 0 || !strings.Contains(p.Notes[0], "lag +1") || p.ClockMode != "asof" {
		t.Errorf("age %v notes %q", p.AsofAgeHours, p.Notes)
	}
	p, _ = Analyze(b, a, Options{Freq: Daily, Lags: 1, Clock: ClockAsOf})
	if p.AsofAgeHours != 21 || len(p.Notes) == 0 || !strings.Contains(p.Notes[0], "lag -1") {
		t.Errorf("swapped: age %v notes %q", p.AsofAgeHours, p.Notes)
	}
	// The default, same-date clock: the crypto bar dated D closes at D+1
	// 00:00Z, 3 hours after the NYSE close of D (21:00Z): b closes later,
	// and the few hours between show up at lag -1 (at +1 when swapped).
	p, _ = Analyze(a, b, Options{Freq: Daily, Lags: 1})
	if p.ClockMode != "date" || p.LeadHours != 3 || p.AsofAgeHours != 0 || len(p.Notes) == 0 || !strings.Contains(p.Notes[0], "lag -1") ||
		!strings.Contains(p.Clock, "same date") || !strings.Contains(p.Clock, "3.0 hours later") {
		t.Errorf("same date: mode %q lead %v age %v clock %q notes %q", p.ClockMode, p.LeadHours, p.AsofAgeHours, p.Clock, p.Notes)
	}
	p, _ = Analyze(b, a, Options{Freq: Daily, Lags: 1})
	if p.LeadHours != -3 || len(p.Notes) == 0 || !strings.Contains(p.Notes[0], "BTC's close comes on average 3.0 hours after") || !strings.Contains(p.Notes[0], "lag +1") {
		t.Errorf("same date, swapped: lead %v notes %q", p.LeadHours, p.Notes)
	}
	if _, err := Analyze(a, b, Options{Freq: Daily, Clock: "utc"}); err == nil || !strings.Contains(err.Error(), "want date or asof") {
		t.Errorf("bad clock: %v", err)
	}
	p, _ = Analyze(a, b, Options{Freq: Weekly})
	if p.AsofAgeHours != 0 || (len(p.Notes) > 0 && strings.Contains(p.Notes[0], "asynchronous")) {
		t.Errorf("weekly: age %v notes %q", p.AsofAgeHours, p.Notes)
	}
}

// TestCorrelationsKnown checks Pearson, Spearman, the Fisher interval and the
// level correlation on series built from chosen log returns.
func TestCorrelationsKnown(t *testing.T) {
	x := []float64{0.01, -0.02, 0.03, 0.00, 0.015, -0.01, 0.02, -0.005, 0.007, -0.012}
	y := []float64{0.02, -0.01, 0.01, 0.005, 0.03, -0.02, 0.00, 0.001, 0.004, -0.03}
	neg := make([]float64, len(x))
	lin := make([]float64, len(x))
	cube := make([]float64, len(x))
	for i, v := range x {
		neg[i] = -v
		lin[i] = 2*v + 0.001
		cube[i] = v * v * v * 1000
	}
	cases := []struct {
		name           string
		a, b           []float64
		pearson, spear float64
	}{
		{"hand", x, y, pearsonHand(x, y), math.NaN()},
		{"linear", x, lin, 1, 1},
		{"negated", x, neg, -1, -1},
		// A monotone, nonlinear transform: Spearman stays 1, Pearson drops below 1.
		{"cube", x, cube, pearsonHand(x, cube), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Analyze(daily(t, "A", "2024-01-01", c.a), daily(t, "B", "2024-01-01", c.b), Options{Freq: Daily, Lags: 2})
			if err != nil {
				t.Fatal(err)
			}
			if p.N != len(c.a) || !close(float64(p.Pearson), c.pearson, 1e-9) {
				t.Errorf("n %d pearson %v, want %d %v", p.N, p.Pearson, len(c.a), c.pearson)
			}
			if !math.IsNaN(c.spear) && !close(float64(p.Spearman), c.spear, 1e-12) {
				t.Errorf("spearman %v, want %v", p.Spearman, c.spear)
			}
			if r := float64(p.Pearson); math.Abs(r) < 0.999 {
				z, se := math.Atanh(r), 1/math.Sqrt(float64(p.N-3))
				lo, hi := math.Tanh(z-1.959963984540054*se), math.Tanh(z+1.959963984540054*se)
				if !close(float64(p.PearsonCI[0]), lo, 1e-9) || !close(float64(p.PearsonCI[1]), hi, 1e-9) {
					t.Errorf("Fisher interval %v, want [%v, %v]", p.PearsonCI, lo, hi)
				}
			}
			if p.Warning == "" || p.LevelN != len(c.a)+1 || p.Since != "2024-01-01" || p.Until != "2024-01-11" {
				t.Errorf("warning %q level n %d range %s..%s", p.Warning, p.LevelN, p.Since, p.Until)
			}
		})
	}
	// Spearman of the hand case by ranks worked out here: Pearson of the ranks.
	rx, ry := stats.Ranks(x), stats.Ranks(y)
	p, _ := Analyze(daily(t, "A", "2024-01-01", x), daily(t, "B", "2024-01-01", y), Options{Freq: Daily})
	if want := pearsonHand(rx, ry); !close(float64(p.Spearman), want, 1e-12) {
		t.Errorf("spearman %v, want %v", p.Spearman, want)
	}
}

// TestLevelCorrelationIsSpurious: two independent trending random walks have
// a large level correlation and a return correlation near 0.
func TestLevelCorrelationIsSpurious(t *testing.T) {
	rng := stats.NewRand(4)
	const n = 1500
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = 0.002 + 0.01*rng.NormFloat64()
		y[i] = 0.003 + 0.03*rng.NormFloat64()
	}
	p, err := Analyze(daily(t, "A", "2015-01-01", x), daily(t, "B", "2015-01-01", y), Options{Freq: Daily})
	if err != nil {
		t.Fatal(err)
	}
	if !(float64(p.LevelPearson) > 0.7) || math.Abs(float64(p.Pearson)) > 3/math.Sqrt(n) {
		t.Errorf("level r %v (want > 0.7), return r %v (want ≈ 0)", p.LevelPearson, p.Pearson)
	}
	if !strings.Contains(p.Warning, "spurious") {
		t.Errorf("warning %q", p.Warning)
	}
}

// TestLagSignConvention: b is a delayed by 2 samples (b_t = a_{t-2}), so a
// leads b and the cross-correlation peaks at lag +2 with r = 1.
func TestLagSignConvention(t *testing.T) {
	rng := stats.NewRand(9)
	const n = 400
	x := make([]float64, n)
	for i := range x {
		x[i] = 0.01 * rng.NormFloat64()
	}
	y := make([]float64, n)
	for i := range y {
		if i >= 2 {
			y[i] = x[i-2]
		} else {
			y[i] = 0.01 * rng.NormFloat64()
		}
	}
	for _, c := range []struct {
		name     string
		a, b     []float64
		wantPeak int
	}{{"a leads b", x, y, 2}, {"b leads a", y, x, -2}} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Analyze(daily(t, "A", "2020-01-01", c.a), daily(t, "B", "2020-01-01", c.b), Options{Freq: Daily, Lags: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Lags) != 11 || p.Lags[0].Lag != -5 || p.Lags[10].Lag != 5 {
				t.Fatalf("lags %+v", p.Lags)
			}
			band := float64(p.LagBand)
			if !close(band, 1.959963984540054/math.Sqrt(n), 1e-12) {
				t.Errorf("band %v, want 1.96/sqrt(%d)", band, n)
			}
			for _, l := range p.Lags {
				r := float64(l.R)
				if l.Lag == c.wantPeak {
					if !close(r, 1, 1e-12) || l.N != n-2 {
						t.Errorf("lag %d: r %v n %d, want 1 and %d", l.Lag, r, l.N, n-2)
					}
				} else if math.Abs(r) > 2*band {
					t.Errorf("lag %d: r %v outside twice the band %v", l.Lag, r, band)
				}
			}
		})
	}
	// Direct: lag k pairs x_t with y_{t+k}.
	lags := CrossCorrelation([]float64{1, 2, 3, 4, 5}, []float64{0, 0, 1, 2, 4}, 1)
	if lags[2].N != 4 || lags[0].N != 4 {
		t.Errorf("pairs per lag %+v", lags)
	}
	if want := pearsonHand([]float64{1, 2, 3, 4}, []float64{0, 1, 2, 4}); !close(float64(lags[2].R), want, 1e-12) {
		t.Errorf("lag +1 r %v, want %v", lags[2].R, want)
	}
}

func TestRolling(t *testing.T) {
	r := Returns{
		Dates: []data.Date{d("2024-01-01"), d("2024-01-02"), d("2024-01-03"), d("2024-01-04"), d("2024-01-05")},
		A:     []float64{1, 2, 3, 4, 2},
		B:     []float64{2, 1, 4, 3, 5},
	}
	got := Rolling(r, 3)
	want := []float64{pearsonHand(r.A[0:3], r.B[0:3]), pearsonHand(r.A[1:4], r.B[1:4]), pearsonHand(r.A[2:5], r.B[2:5])}
	if len(got) != 3 || got[0].Date != "2024-01-03" || got[2].Date != "2024-01-05" {
		t.Fatalf("rolling %+v", got)
	}
	for i := range want {
		if !close(float64(got[i].R), want[i], 1e-12) {
			t.Errorf("window %d: r %v, want %v", i, got[i].R, want[i])
		}
	}
	if Rolling(r, 6) != nil || Rolling(r, 1) != nil {
		t.Error("rolling with too few pairs or a window < 2 is not nil")
	}
}

// TestNormalised reproduces the articles' table by hand: monthly closes
// divided by January's, times 100.
func TestNormalised(t *testing.T) {
	a := series(t, "RUT", data.NYSE(), []string{"2020-12-31", "2021-01-29", "2021-02-26", "2021-03-31"}, []float64{1975, 2000, 2100, 2140})
	b := series(t, "BTC", data.Crypto24x7(), []string{"2020-12-31", "2021-01-31", "2021-02-28", "2021-03-31"}, []float64{29000, 33000, 45000, 58410})
	rows, err := Normalised(a, b, Options{Since: d("2021-01-01"), HasSince: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []NormRow{{"2021-01", 100, 100}, {"2021-02", 105, 45000.0 / 330}, {"2021-03", 107, 177}}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i := range want {
		if rows[i].Month != want[i].Month || !close(float64(rows[i].A), float64(want[i].A), 1e-9) || !close(float64(rows[i].B), float64(want[i].B), 1e-9) {
			t.Errorf("row %d %+v, want %+v", i, rows[i], want[i])
		}
	}
}

func TestBasket(t *testing.T) {
	s1 := series(t, "X", data.Crypto24x7(), []string{"2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"}, []float64{100, 110, 120, 99})
	s2 := series(t, "Y", data.Crypto24x7(), []string{"2024-01-01", "2024-01-02", "2024-01-04"}, []float64{50, 50, 55})
	b, err := Basket("XY", []*data.Series{s1, s2})
	if err != nil {
		t.Fatal(err)
	}
	// 01-03 is missing from Y: common dates 01-01, 01-02, 01-04.
	// 01-02: (0.10 + 0)/2 = 0.05 -> 105; 01-04: (99/110 - 1 + 0.10)/2 = 0 -> 105.
	want := []float64{100, 105, 105}
	if b.Len() != 3 || b.Date[2] != d("2024-01-04") {
		t.Fatalf("basket dates %v", b.Date)
	}
	for i, w := range want {
		if !close(b.Close[i], w, 1e-12) {
			t.Errorf("basket close %d = %v, want %v", i, b.Close[i], w)
		}
	}
	n := series(t, "RUT", data.NYSE(), []string{"2024-01-02"}, []float64{1})
	if _, err := Basket("bad", []*data.Series{s1, n}); err == nil || !strings.Contains(err.Error(), "one calendar") {
		t.Errorf("mixed calendars: %v", err)
	}
	if _, err := Basket("none", nil); err == nil {
		t.Error("empty basket accepted")
	}
}

func TestAnalyzeErrors(t *testing.T) {
	a := daily(t, "A", "2024-01-01", []float64{0.01, 0.02, -0.01})
	b := daily(t, "B", "2025-01-01", []float64{0.01, 0.02, -0.01})
	cases := []struct {
		name string
		a, b *data.Series
		opts Options
		want string
	}{
		{"freq", a, a, Options{Freq: "hourly"}, "frequency"},
		{"range", a, a, Options{Freq: Daily, Since: d("2024-02-01"), HasSince: true, Until: d("2024-01-01"), HasUntil: true}, "before since"},
		{"no overlap", a, b, Options{Freq: Daily}, "no daily return pair"},
		{"negative lags", a, a, Options{Freq: Daily, Lags: -1}, "must not be negative"},
		{"nil", nil, a, Options{Freq: Daily}, "missing series"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Analyze(c.a, c.b, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	// Too few pairs for a correlation: nulls, not NaN, in JSON.
	p, err := Analyze(a, a, Options{Freq: Daily, Since: d("2024-01-03"), HasSince: true})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(p)
	if err != nil || strings.Contains(string(js), "NaN") || !strings.Contains(string(js), `"pearson":null`) {
		t.Errorf("one pair: %s (%v)", js, err)
	}
}

// TestAsyncPeakAtLagPlusOne: a common shock during US hours of day D moves
// the Russell close of D and the crypto bar dated D, which closes at D+1
// 00:00Z, after the NYSE close. Sampled as-of at NYSE closes, the shock
// reaches the crypto series one sample later: the cross-correlation peaks
// at lag +1 although neither market leads.
func TestAsyncPeakAtLagPlusOne(t *testing.T) {
	rng := stats.NewRand(21)
	start, end := d("2019-01-07"), d("2022-12-30")
	shock := map[data.Date]float64{}
	for x := start - 3; x <= end+1; x++ {
		shock[x] = 0.01 * rng.NormFloat64()
	}
	var nd, cd []string
	var nc, cc []float64
	pa, pb := 1000.0, 100.0
	for x := start - 3; x <= end; x++ {
		pb *= math.Exp(shock[x] + 0.005*rng.NormFloat64())
		cd = append(cd, x.String())
		cc = append(cc, pb)
		if wd := x.Weekday(); x >= start && wd >= 1 && wd <= 5 {
			pa *= math.Exp(shock[x] + 0.005*rng.NormFloat64())
			nd = append(nd, x.String())
			nc = append(nc, pa)
		}
	}
	rut, btc := series(t, "RUT", data.NYSE(), nd, nc), series(t, "BTC", data.Crypto24x7(), cd, cc)
	p, err := Analyze(rut, btc, Options{Freq: Daily, Lags: 3, Clock: ClockAsOf})
	if err != nil {
		t.Fatal(err)
	}
	peak := func(p *Pair) Lag {
		best := p.Lags[0]
		for _, l := range p.Lags {
			if l.R > best.R {
				best = l
			}
		}
		return best
	}
	if best := peak(p); best.Lag != 1 || float64(best.R) < 0.5 || math.Abs(float64(p.Pearson)) > 0.1 {
		t.Errorf("as-of: peak at lag %d (r %v), lag-0 r %v; want the peak at +1 and lag 0 near 0", best.Lag, best.R, p.Pearson)
	}
	// The same-date clock (the default) pairs the RUT close of D with the
	// crypto bar dated D, which holds the same shock: the peak is at lag 0.
	// By hand, for weekday-to-weekday returns both carry the shock of D
	// (variance 1e-4) plus independent noise (2.5e-5 each), so r = 1e-4 /
	// 1.25e-4 = 0.8; Friday-to-Monday crypto returns also carry the two
	// weekend shocks and noises (variance 3.75e-4), so over all pairs r =
	// 1e-4 / sqrt(1.25e-4 · (4 · 1.25e-4 + 3.75e-4) / 5) = 0.68.
	p, err = Analyze(rut, btc, Options{Freq: Daily, Lags: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("same date: lag-0 r %.3f", float64(p.Pearson))
	if best := peak(p); best.Lag != 0 || float64(p.Pearson) < 0.6 || float64(p.Pearson) > 0.85 || p.ClockMode != "date" {
		t.Errorf("same date: peak at lag %d (r %v), lag-0 r %v; want the peak at 0 with r near 0.74", best.Lag, best.R, p.Pearson)
	}
}
