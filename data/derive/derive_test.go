package derive

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

func utc(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

func series(t *testing.T, sym string, cal data.Calendar, bars ...data.Bar) *data.Series {
	t.Helper()
	s, err := data.NewSeries(sym, cal, bars)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func b(d string, o, h, l, c, v float64) data.Bar {
	return data.Bar{Date: day(d), Open: o, High: h, Low: l, Close: c, Volume: v}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

type wantBar struct {
	date                           string
	openTime, closeTime            string
	open, high, low, close, volume float64
}

func checkSeries(t *testing.T, got *data.Series, want []wantBar) {
	t.Helper()
	if got.Len() != len(want) {
		t.Fatalf("%d bars, want %d: %v", got.Len(), len(want), got.Date)
	}
	for i, w := range want {
		g := got.BarAt(i)
		if g.Date != day(w.date) || !near(g.Open, w.open) || !near(g.High, w.high) || !near(g.Low, w.low) || !near(g.Close, w.close) || !near(g.Volume, w.volume) {
			t.Errorf("bar %d: got %s %v %v %v %v %v, want %+v", i, g.Date, g.Open, g.High, g.Low, g.Close, g.Volume, w)
		}
		if w.openTime != "" && (got.OpenTime[i] != utc(w.openTime) || got.CloseTime[i] != utc(w.closeTime)) {
			t.Errorf("bar %d spans %s..%s, want %s..%s", i, time.Unix(got.OpenTime[i], 0).UTC().Format(time.RFC3339),
				time.Unix(got.CloseTime[i], 0).UTC().Format(time.RFC3339), w.openTime, w.closeTime)
		}
	}
}

func TestWeeklyNYSEAroundGoodFriday(t *testing.T) {
	s := series(t, "RUT", data.NYSE(),
		b("2024-03-25", 10, 12, 9, 11, 1),
		b("2024-03-26", 11, 13, 10, 12, 2),
		b("2024-03-27", 12, 15, 11, 14, 3),
		b("2024-03-28", 14, 14, 8, 9, 4), // Thursday: Good Friday 03-29 is a holiday
		b("2024-04-01", 9, 10, 8, 9.5, 1),
		b("2024-04-02", 9.5, 11, 9, 10, 1),
		b("2024-04-03", 10, 10, 7, 8, 1),
		// 04-04 missing from the data (a Thursday session)
		b("2024-04-05", 8, 9, 7.5, 8.5, 1),
		b("2024-04-08", 8.5, 9, 8, 8.8, 1), // week not over: dropped
		b("2024-04-10", 8.8, 9, 8, 8.9, 1),
	)
	w, info, err := Resample(s, Weekly, "RUT_W")
	if err != nil {
		t.Fatal(err)
	}
	// Week 1 closes on Thursday 03-28 at 16:00 New York (20:00Z, EDT);
	// week 2 on Friday 04-05. Opens are Monday 09:30 (13:30Z).
	checkSeries(t, w, []wantBar{
		{"2024-03-28", "2024-03-25T13:30:00Z", "2024-03-28T20:00:00Z", 10, 15, 8, 9, 10},
		{"2024-04-05", "2024-04-01T13:30:00Z", "2024-04-05T20:00:00Z", 9, 11, 7, 8.5, 4},
	})
	if !info.DroppedLast || info.DroppedFrom != day("2024-04-08") || info.Periods != 2 || w.Symbol != "RUT_W" || w.Calendar.Name() != "nyse" {
		t.Errorf("info %+v symbol %s", info, w.Symbol)
	}
}

func TestWeeklyMissingLastSession(t *testing.T) {
	// Friday 2024-04-12 has no bar (missing data, not a holiday): the week
	// is still dated Friday and closes at Friday's close, with Thursday's
	// price. The next week proves the data goes on.
	s := series(t, "X", data.NYSE(),
		b("2024-04-08", 1, 2, 1, 1.5, 0),
		b("2024-04-11", 1.5, 3, 1, 2.5, 0),
		b("2024-04-15", 2, 2, 2, 2, 0),
		b("2024-04-19", 2, 2, 2, 2.2, 0),
	)
	w, info, err := Resample(s, Weekly, "X_W")
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, w, []wantBar{
		{"2024-04-12", "2024-04-08T13:30:00Z", "2024-04-12T20:00:00Z", 1, 3, 1, 2.5, 0},
		{"2024-04-19", "2024-04-15T13:30:00Z", "2024-04-19T20:00:00Z", 2, 2, 2, 2.2, 0},
	})
	if info.DroppedLast {
		t.Error("a complete last week was dropped")
	}
}

func TestMonthly(t *testing.T) {
	var bars []data.Bar
	for d := day("2024-01-01"); d <= day("2024-02-10"); d++ {
		v := float64(d - day("2024-01-01") + 1) // 1..41
		bars = append(bars, data.Bar{Date: d, Open: v, High: v + 0.5, Low: v - 0.5, Close: v + 0.25, Volume: 2})
	}
	s := series(t, "BTC", data.Crypto24x7(), bars...)
	m, info, err := Resample(s, Monthly, "BTC_M")
	if err != nil {
		t.Fatal(err)
	}
	// January: open 1, high 31.5, low 0.5, close 31.25, volume 62; the bar
	// spans [01-01 00:00Z, 02-01 00:00Z). February is not over: dropped.
	checkSeries(t, m, []wantBar{{"2024-01-31", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", 1, 31.5, 0.5, 31.25, 62}})
	if !info.DroppedLast {
		t.Error("February should be dropped")
	}
	// NYSE March 2024 ends on Thursday 03-28 (Good Friday, then a weekend).
	r := series(t, "RUT", data.NYSE(), b("2024-03-01", 1, 1, 1, 1, 0), b("2024-03-28", 2, 2, 2, 2, 0))
	m, _, err = Resample(r, Monthly, "RUT_M")
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, m, []wantBar{{"2024-03-28", "2024-03-01T14:30:00Z", "2024-03-28T20:00:00Z", 1, 2, 1, 2, 0}})
}

func TestBasket(t *testing.T) {
	cal := data.Crypto24x7()
	a := series(t, "A", cal,
		b("2024-01-01", 10, 10, 10, 10, 5),
		b("2024-01-02", 10.5, 11.5, 9.8, 11, 5),
		b("2024-01-03", 11, 12.5, 10, 12.1, 5), // A's last bar (delisted)
	)
	bb := series(t, "B", cal,
		b("2024-01-02", 20, 21, 19, 20, 7), // B lists
		b("2024-01-03", 20, 20, 18, 19, 7),
		b("2024-01-04", 19, 22, 19, 20.9, 7),
	)
	// Join: 01-01 base 100 (A alone). 01-02: A only (B's first bar is its
	// entry price): open 100x10.5/10 = 105, high 115, low 98, close 110.
	// 01-03: A 12.1/11 = 1.1, B 19/20 = 0.95 -> mean 1.025 -> close 112.75;
	// open (11/11 + 20/20)/2 x 110 = 110; high (12.5/11 + 20/20)/2 x 110 =
	// 117.5; low (10/11 + 18/20)/2 x 110 = 99.5. 01-04: B only, 20.9/19 =
	// 1.1 -> 124.025; open 112.75; high 112.75 x 22/19; low 112.75.
	idx, info, err := Basket("ALTS", []*data.Series{a, bb}, BasketOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, idx, []wantBar{
		{"2024-01-01", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 100, 100, 100, 100, 0},
		{date: "2024-01-02", open: 105, high: 115, low: 98, close: 110},
		{date: "2024-01-03", open: 110, high: 117.5, low: 99.5, close: 112.75},
		{date: "2024-01-04", open: 112.75, high: 112.75 * 22 / 19, low: 112.75, close: 124.025},
	})
	if info.Start != day("2024-01-01") || info.MinMembers != 1 || info.MaxMembers != 2 {
		t.Errorf("info %+v", info)
	}
	if m := info.Members[1]; m.Symbol != "B" || m.First != day("2024-01-03") || m.Days != 2 {
		t.Errorf("member B %+v", m)
	}
	// All: starts 01-02 (both exist) at 100; 01-03 -> 102.5; 01-04 B only -> 112.75.
	idx, info, err = Basket("ALTS", []*data.Series{a, bb}, BasketOptions{Start: StartAll, Base: 100})
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, idx, []wantBar{
		{date: "2024-01-02", open: 100, high: 100, low: 100, close: 100},
		{date: "2024-01-03", open: 100, high: (12.5/11 + 1) / 2 * 100, low: (10/11.0 + 0.9) / 2 * 100, close: 102.5},
		{date: "2024-01-04", open: 102.5, high: 102.5 * 22 / 19, low: 102.5, close: 112.75},
	})
	if info.Start != day("2024-01-02") {
		t.Errorf("start %s", info.Start)
	}
}

func TestBasketGapsAndErrors(t *testing.T) {
	cal := data.Crypto24x7()
	a := series(t, "A", cal, b("2024-01-01", 1, 1, 1, 1, 0), b("2024-01-02", 1, 1, 1, 2, 0), b("2024-01-20", 1, 1, 1, 4, 0), b("2024-01-21", 4, 4, 4, 4, 0))
	c := series(t, "C", cal, b("2024-01-01", 1, 1, 1, 1, 0), b("2024-01-02", 1, 1, 1, 1, 0), b("2024-01-20", 1, 1, 1, 1, 0), b("2024-01-21", 1, 1, 1, 1, 0))
	// 01-20 follows an 18-day gap for both: no member counts, no bar.
	idx, _, err := Basket("X", []*data.Series{a, c}, BasketOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, idx, []wantBar{
		{date: "2024-01-01", open: 100, high: 100, low: 100, close: 100},
		{date: "2024-01-02", open: 100, high: 100, low: 100, close: 150},
		{date: "2024-01-21", open: 150, high: 150, low: 150, close: 150},
	})
	rut := series(t, "RUT", data.NYSE(), b("2024-01-02", 1, 1, 1, 1, 0))
	if _, _, err := Basket("X", []*data.Series{a, rut}, BasketOptions{}); err == nil || !strings.Contains(err.Error(), "different calendars") {
		t.Errorf("mixed calendars: %v", err)
	}
	if _, _, err := Basket("X", []*data.Series{a, a}, BasketOptions{}); err == nil {
		t.Error("a member twice")
	}
	if _, _, err := Basket("X", nil, BasketOptions{}); err == nil {
		t.Error("no members")
	}
	if _, _, err := Basket("X", []*data.Series{a}, BasketOptions{Start: "later"}); err == nil {
		t.Error("bad start")
	}
	late := series(t, "L", cal, b("2024-02-01", 1, 1, 1, 1, 0))
	if _, _, err := Basket("X", []*data.Series{a, late}, BasketOptions{Start: StartAll}); err == nil || !strings.Contains(err.Error(), "ends on") {
		t.Errorf("all with a member that ended before the start: %v", err)
	}
}

func TestRatioAndShare(t *testing.T) {
	cal := data.Crypto24x7()
	num := series(t, "ALTS", cal, b("2024-01-01", 9, 10, 8, 10, 0), b("2024-01-02", 11, 13, 10, 12, 0), b("2024-01-03", 1, 1, 1, 1, 0))
	den := series(t, "BTC", cal, b("2024-01-01", 3, 3, 2, 2, 0), b("2024-01-02", 2, 3, 2, 3, 0), b("2024-01-04", 1, 1, 1, 1, 0))
	r, err := Ratio("ALTS_BTC", num, den, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 01-01: open 9/3 = 3, close 10/2 = 5; 01-02: open 5.5, close 4.
	checkSeries(t, r, []wantBar{{date: "2024-01-01", open: 3, high: 5, low: 3, close: 5}, {date: "2024-01-02", open: 5.5, high: 5.5, low: 4, close: 4}})
	rut := series(t, "RUT", data.NYSE(), b("2024-01-02", 1, 1, 1, 1, 0))
	if _, err := Ratio("X", num, rut, 1); err == nil || !strings.Contains(err.Error(), "different calendars") {
		t.Errorf("mixed calendars: %v", err)
	}
	mcap := series(t, "BTC_MCAP", cal, b("2024-01-01", 1, 1, 1, 40, 0), b("2024-01-02", 1, 1, 1, 50, 0))
	total := series(t, "TOTAL_MCAP", cal, b("2024-01-01", 1, 1, 1, 100, 0), b("2024-01-02", 1, 1, 1, 125, 0))
	s, err := Share("BTC_DOM", mcap, total)
	if err != nil {
		t.Fatal(err)
	}
	checkSeries(t, s, []wantBar{{date: "2024-01-01", open: 40, high: 40, low: 40, close: 40}, {date: "2024-01-02", open: 40, high: 40, low: 40, close: 40}})
	if _, err := Share("X", total, mcap); err == nil || !strings.Contains(err.Error(), "exceeds the total") {
		t.Errorf("part > total: %v", err)
	}
	if _, err := Ratio("X", num, series(t, "Z", cal, b("2025-01-01", 1, 1, 1, 1, 0)), 1); err == nil {
		t.Error("no common dates")
	}
}

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]Period{"weekly": Weekly, "w": Weekly, "monthly": Monthly, "M": Monthly} {
		if p, err := ParsePeriod(in); err != nil || p != want {
			t.Errorf("%q: %v %v", in, p, err)
		}
	}
	if _, err := ParsePeriod("daily"); err == nil {
		t.Error("daily is not a resampling period")
	}
}
