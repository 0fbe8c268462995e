package quality

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/riskon/riskon/data"
)

func day(s string) data.Date {
	d, err := data.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestEaster(t *testing.T) {
	for _, c := range []struct {
		y    int
		want string
	}{
		{1818, "1818-03-22"}, {1943, "1943-04-25"}, {1987, "1987-04-19"}, {2000, "2000-04-23"},
		{2019, "2019-04-21"}, {2024, "2024-03-31"}, {2025, "2025-04-20"}, {2026, "2026-04-05"},
		{2038, "2038-04-25"}, {2285, "2285-03-22"},
	} {
		if got := Easter(c.y); got != day(c.want) {
			t.Errorf("Easter(%d) = %s, want %s", c.y, got, c.want)
		}
	}
}

// TestNYSEHolidays checks whole years against the exchange's published
// schedules, picked for their observance corner cases.
func TestNYSEHolidays(t *testing.T) {
	for _, c := range []struct {
		y    int
		want []string
	}{
		// Juneteenth on a Sunday -> Monday; Christmas on a Sunday -> Monday;
		// New Year's Day 2022 on a Saturday: no Friday closure (2021-12-31 traded).
		{2022, []string{"2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20", "2022-07-04", "2022-09-05", "2022-11-24", "2022-12-26"}},
		// July 4 on a Sunday -> Monday 5; Christmas on a Saturday -> Friday 24; no Juneteenth before 2022.
		{2021, []string{"2021-01-01", "2021-01-18", "2021-02-15", "2021-04-02", "2021-05-31", "2021-07-05", "2021-09-06", "2021-11-25", "2021-12-24"}},
		// July 4 on a Saturday -> Friday 3.
		{2026, []string{"2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"}},
		// Special closures: 9/11.
		{2001, []string{"2001-01-01", "2001-01-15", "2001-02-19", "2001-04-13", "2001-05-28", "2001-07-04", "2001-09-03", "2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14", "2001-11-22", "2001-12-25"}},
		// Carter's day of mourning.
		{2025, []string{"2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25"}},
		// No MLK day before 1998; New Year's Day on a Sunday -> Monday 2.
		{1995, []string{"1995-01-02", "1995-02-20", "1995-04-14", "1995-05-29", "1995-07-04", "1995-09-04", "1995-11-23", "1995-12-25"}},
		// Sandy and Ford.
		{2012, []string{"2012-01-02", "2012-01-16", "2012-02-20", "2012-04-06", "2012-05-28", "2012-07-04", "2012-09-03", "2012-10-29", "2012-10-30", "2012-11-22", "2012-12-25"}},
		{2007, []string{"2007-01-01", "2007-01-02", "2007-01-15", "2007-02-19", "2007-04-06", "2007-05-28", "2007-07-04", "2007-09-03", "2007-11-22", "2007-12-25"}},
	} {
		var got []string
		for _, h := range NYSEHolidays(c.y) {
			got = append(got, h.Date.String())
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%d:\n got %v\nwant %v", c.y, got, c.want)
		}
	}
	for _, c := range []struct{ d, name string }{
		{"2004-06-11", "Reagan"}, {"2018-12-05", "Bush"}, {"1994-04-27", "Nixon"}, {"2025-01-09", "Carter"},
	} {
		if name, ok := NYSEHoliday(day(c.d)); !ok || !strings.Contains(name, c.name) {
			t.Errorf("%s: %q %v", c.d, name, ok)
		}
	}
	if _, ok := NYSEHoliday(day("2021-12-31")); ok {
		t.Error("2021-12-31 was a session (New Year's Day 2022 fell on a Saturday)")
	}
}

func TestSessionsPerYear(t *testing.T) {
	s := NewSchedule(data.NYSE())
	for y, want := range map[int]int{2022: 251, 2023: 250, 2024: 252, 2025: 250} {
		if got := len(s.Sessions(data.DateOf(y, time.January, 1), data.DateOf(y, time.December, 31))); got != want {
			t.Errorf("%d: %d NYSE sessions, want %d", y, got, want)
		}
	}
	c := NewSchedule(data.Crypto24x7())
	if got := len(c.Sessions(day("2024-01-01"), day("2024-12-31"))); got != 366 {
		t.Errorf("24x7 sessions in 2024: %d", got)
	}
	if !c.IsSession(day("2024-12-25")) {
		t.Error("crypto trades on Christmas")
	}
}

func TestRobustZ(t *testing.T) {
	// Hand computed: median (0 + 0.01)/2 = 0.005; absolute deviations
	// 0.005 0.015 0.015 0.025 0.005 0.495 -> MAD 0.015; scale 1.4826 x 0.015
	// = 0.022239; z(0.5) = 0.495 / 0.022239 = 22.2582.
	z := robustZ([]float64{0.01, -0.01, 0.02, -0.02, 0, 0.5}, 10)
	if math.Abs(z[5]-22.2582) > 1e-3 || math.Abs(z[0]-0.224831) > 1e-5 {
		t.Errorf("z = %v", z)
	}
}

func bar(d string, o, h, l, c, v float64) data.Bar {
	return data.Bar{Date: day(d), Open: o, High: h, Low: l, Close: c, Volume: v}
}

func TestCheckNYSEDates(t *testing.T) {
	in := Input{Symbol: "X", Calendar: data.NYSE(), Bars: []data.Bar{
		bar("2024-03-25", 10, 11, 9, 10.5, 100),
		bar("2024-03-26", 10, 11, 9, 10.25, 100),
		// 03-27 missing
		bar("2024-03-28", 10, 11, 9, 10.75, 100),
		bar("2024-03-29", 10, 11, 9, 10.5, 100), // Good Friday: no session
		bar("2024-03-30", 10, 11, 9, 10.5, 100), // Saturday
		bar("2024-04-01", 10, 11, 9, 10.25, 100),
		bar("2024-04-01", 10, 11, 9, 10.25, 100), // duplicate
		bar("2024-04-02", 10, 11, 9, 10.5, 100),
	}}
	r := Check(in, Options{})
	if r.Missing.Expected != 6 || r.Missing.Count != 1 || r.Missing.Gaps != 1 || r.Missing.Ranges[0].From != "2024-03-27" {
		t.Errorf("missing %+v", r.Missing)
	}
	if r.Extra.Count != 2 || r.Extra.Examples[0] != "2024-03-29 (Good Friday)" || r.Extra.Examples[1] != "2024-03-30 (Saturday)" {
		t.Errorf("extra %+v", r.Extra)
	}
	if r.Duplicates.Count != 1 || r.Duplicates.Examples[0] != "2024-04-01" {
		t.Errorf("duplicates %+v", r.Duplicates)
	}
	if len(r.Findings) == 0 || !strings.Contains(strings.Join(r.Findings, "\n"), "1 of 6 sessions missing") {
		t.Errorf("findings %q", r.Findings)
	}
}

func TestCheckBars(t *testing.T) {
	var bars []data.Bar
	d := day("2024-01-01")
	add := func(o, h, l, c, v float64) {
		bars = append(bars, data.Bar{Date: d, Open: o, High: h, Low: l, Close: c, Volume: v})
		d++
	}
	for i := 0; i < 30; i++ {
		c := 100 + float64(i%3)*0.25 // 100, 100.25, 100.5: two decimals
		add(c, c+1, c-1, c, 1000)
	}
	add(100, 100, 100, 100, 1000) // flat; close 100 after 100.5
	add(100, 100, 100, 100, 1000) // flat
	add(100, 101, 99, 100, 0)     // zero volume
	add(100, 101, 99, 100, 1000)
	add(100, 99, 101, 100, 1000) // high < low; fifth close of 100 in a row
	add(100, 101, 99, 102, 1000) // close above high
	for i := 0; i < 12; i++ {
		add(100, 101, 99, 100.25+float64(i%2)*0.25, 1000)
	}
	add(100, 101, 99, 100.123456, 0) // provisional-looking last bar
	r := Check(Input{Symbol: "X", Calendar: data.Crypto24x7(), Bars: bars}, Options{})
	if r.Flat.Count != 2 || r.OHLC.Count != 2 || r.ZeroVolume.Count != 2 {
		t.Errorf("flat %d ohlc %d zero volume %d", r.Flat.Count, r.OHLC.Count, r.ZeroVolume.Count)
	}
	// 2024-01-30 closes at 100.5; then five closes of 100 (01-31..02-04).
	if r.Stale.Runs != 1 || r.Stale.Bars != 5 || r.Stale.List[0].From != "2024-01-31" || r.Stale.List[0].To != "2024-02-04" {
		t.Errorf("stale %+v", r.Stale)
	}
	if !r.LastBar.Provisional || len(r.LastBar.Reasons) != 2 {
		t.Errorf("last bar %+v", r.LastBar)
	}
	if r.Missing.Count != 0 || r.Extra.Count != 0 || r.SinglePrice {
		t.Errorf("missing %d extra %d single %v", r.Missing.Count, r.Extra.Count, r.SinglePrice)
	}
}

func TestSinglePriceSeries(t *testing.T) {
	var bars []data.Bar
	for i := 0; i < 20; i++ {
		v := 40 + float64(i)/10
		bars = append(bars, data.Bar{Date: day("2021-11-01") + data.Date(i), Open: v, High: v, Low: v, Close: v})
	}
	r := Check(Input{Symbol: "BTC_DOMINANCE", Calendar: data.Crypto24x7(), Bars: bars}, Options{})
	if !r.SinglePrice || r.Flat.Count != 0 || r.ZeroVolume.Count != 0 || r.LastBar.Provisional {
		t.Errorf("single %v flat %d zero %d last %+v", r.SinglePrice, r.Flat.Count, r.ZeroVolume.Count, r.LastBar)
	}
}

func TestOutliersAndSpikes(t *testing.T) {
	var bars []data.Bar
	c := 100.0
	for i := 0; i < 60; i++ {
		if i%2 == 0 {
			c *= 1.01
		} else {
			c /= 1.01
		}
		if i == 30 {
			c *= 3 // a bad print ...
		}
		if i == 31 {
			c /= 3 // ... reverted the next day
		}
		bars = append(bars, data.Bar{Date: day("2024-01-01") + data.Date(i), Open: c, High: c, Low: c, Close: c, Volume: 1})
	}
	r := Check(Input{Symbol: "X", Calendar: data.Crypto24x7(), Bars: bars}, Options{})
	if r.Outliers.Count != 2 || r.Outliers.Spikes != 1 || r.Outliers.List[0].Date != "2024-01-31" || !r.Outliers.List[0].Reverts {
		t.Errorf("outliers %+v", r.Outliers)
	}
	if len(r.Outliers.Clusters) != 1 || r.Outliers.Clusters[0].Days != 2 {
		t.Errorf("clusters %+v", r.Outliers.Clusters)
	}
}

func TestCompare(t *testing.T) {
	var a, b []data.Bar
	// 20 common dates: b differs from a by 0 on 10 dates, 1% on 8, 10% on 2
	// (2024-01-11 and 2024-01-12).
	for i := 0; i < 20; i++ {
		d := day("2024-01-01") + data.Date(i)
		ca := 100.0
		cb := ca
		switch {
		case i >= 10 && i < 18:
			cb = ca / 1.01
		case i >= 18:
			cb = ca / 1.10
		}
		a = append(a, data.Bar{Date: d, Close: ca})
		b = append(b, data.Bar{Date: d, Close: cb})
	}
	b = append(b, data.Bar{Date: day("2024-02-01"), Close: 1}) // not common
	r := &Report{}
	Compare(r, Input{Symbol: "A", Bars: a}, Input{Symbol: "B", Source: "file.csv", Bars: b}, Options{})
	c := r.Comparisons[0]
	// |a/b - 1|: sorted 0 x10, 0.01 x8, 0.1 x2. Median (0 + 0.01)/2; p95
	// at position 0.95 x 19 = 18.05 -> 0.1.
	if c.Common != 20 || math.Abs(c.Median-0.005) > 1e-12 || math.Abs(c.P95-0.1) > 1e-12 || math.Abs(c.Max-0.1) > 1e-12 {
		t.Errorf("comparison %+v", c)
	}
	if c.Above != 2 || len(c.Periods) != 1 || c.Periods[0].From != "2024-01-19" || c.Periods[0].Days != 2 || c.Against != "B (file.csv)" {
		t.Errorf("periods %+v against %q", c.Periods, c.Against)
	}
	// A one-day lag: other(D) = this(D-1).
	var x, y []data.Bar
	v := 100.0
	for i := 0; i < 50; i++ {
		v *= 1 + 0.03*math.Sin(float64(i))
		x = append(x, data.Bar{Date: day("2024-01-01") + data.Date(i), Close: v})
		y = append(y, data.Bar{Date: day("2024-01-02") + data.Date(i), Close: v})
	}
	r = &Report{}
	Compare(r, Input{Symbol: "X", Bars: x}, Input{Symbol: "Y", Bars: y}, Options{})
	if c := r.Comparisons[0]; c.Lag != 1 || c.LagMedian[2] != 0 {
		t.Errorf("lag %d medians %v", c.Lag, c.LagMedian)
	}
	if !strings.Contains(r.Findings[0], "the other series lags by one day") {
		t.Errorf("finding %q", r.Findings[0])
	}
}

func TestDecimals(t *testing.T) {
	for v, want := range map[float64]int{2660.2900390625: 2, 2620.988525390625: 4, 100: 0, 0.1: 1, 87225.27: 2} {
		if got := decimals(v); got != want {
			t.Errorf("decimals(%v) = %d, want %d", v, got, want)
		}
	}
}

func TestEmptyInput(t *testing.T) {
	r := Check(Input{Symbol: "X", Calendar: data.NYSE()}, Options{})
	if r.Bars != 0 || len(r.Findings) != 1 {
		t.Errorf("%+v", r)
	}
}

func TestCheckWeeklyAndMonthly(t *testing.T) {
	// Weekly NYSE bars: the week of Good Friday 2024 ends on Thursday 03-28;
	// the week of 04-08 is missing.
	in := Input{Symbol: "RUT_W", Calendar: data.NYSE(), Period: "weekly", Bars: []data.Bar{
		bar("2024-03-22", 1, 1, 1, 1, 0),
		bar("2024-03-28", 1, 1, 1, 1, 0),
		bar("2024-04-05", 1, 1, 1, 1, 0),
		bar("2024-04-19", 1, 1, 1, 1, 0),
	}}
	r := Check(in, Options{})
	if r.Missing.Expected != 5 || r.Missing.Count != 1 || r.Missing.Ranges[0] != (Range{From: "2024-04-08", To: "2024-04-14", Days: 1}) || r.Extra.Count != 0 {
		t.Errorf("weekly: missing %+v extra %+v", r.Missing, r.Extra)
	}
	if !strings.Contains(strings.Join(r.Findings, "\n"), "1 of 5 weeks missing in 1 gap") {
		t.Errorf("findings %q", r.Findings)
	}
	m := Check(Input{Symbol: "BTC_M", Calendar: data.Crypto24x7(), Period: "monthly", Bars: []data.Bar{
		bar("2024-01-31", 1, 1, 1, 1, 0), bar("2024-04-30", 1, 1, 1, 1, 0),
	}}, Options{})
	if m.Missing.Expected != 4 || m.Missing.Count != 2 || m.Missing.Ranges[0].From != "2024-02-01" || m.Missing.Ranges[0].To != "2024-03-31" {
		t.Errorf("monthly: %+v", m.Missing)
	}
}
