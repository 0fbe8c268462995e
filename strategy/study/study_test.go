package study

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/strategy/config"
)

func d(s string) data.Date {
	v, err := data.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// handData is a Russell-like NYSE series from Tuesday 2024-01-02 to Friday
// 2024-02-09 and a BTC-like 24x7 series from Saturday 2024-01-06 to
// 2024-02-10 whose bar dated 2024-01-06 + i has close 100 + i and open
// 99.5 + i, with the bar of Friday 2024-01-12 missing.
func handData(t *testing.T) *data.Dataset {
	t.Helper()
	var rut, btc []data.Bar
	for x := d("2024-01-02"); x <= d("2024-02-09"); x++ {
		if wd := x.Weekday(); wd != time.Saturday && wd != time.Sunday {
			rut = append(rut, data.Bar{Date: x, Open: 2000, High: 2000, Low: 2000, Close: 2000})
		}
	}
	for x := d("2024-01-06"); x <= d("2024-02-10"); x++ {
		if x == d("2024-01-12") {
			continue
		}
		i := float64(x - d("2024-01-06"))
		btc = append(btc, data.Bar{Date: x, Open: 99.5 + i, High: 100 + i, Low: 99 + i, Close: 100 + i})
	}
	r, err := data.NewSeries("RUT", data.NYSE(), rut)
	if err != nil {
		t.Fatal(err)
	}
	b, err := data.NewSeries("BTC", data.Crypto24x7(), btc)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := data.NewDataset(r, b)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// nyseClose is the NYSE close of date s (21:00Z in winter).
func nyseClose(s string) int64 {
	_, c := data.NYSE().Session(d(s))
	return c
}

func handSpec(ds *data.Dataset, fill engine.FillMode) Spec {
	ws, we, err := engine.Window(ds, engine.Options{Trigger: "RUT", Targets: []string{"BTC"}})
	if err != nil {
		panic(err)
	}
	sig := func(day string, acted bool) engine.Signal {
		return engine.Signal{Time: nyseClose(day), Symbol: "RUT", Level: 1999, Close: 2000, Acted: acted}
	}
	return Spec{Name: "hand", Trigger: "RUT", Targets: []string{"BTC"}, Fill: fill, WindowStart: ws, WindowEnd: we,
		Signals: []engine.Signal{
			sig("2024-01-03", true), // before the window (BTC starts 2024-01-06): ignored
			sig("2024-01-08", true), sig("2024-01-10", false), sig("2024-01-16", true), sig("2024-02-05", true),
		}}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// TestForwardReturns checks entries and exits against prices worked by hand.
func TestForwardReturns(t *testing.T) {
	ds := handData(t)
	btc := ds.Get("BTC")
	_, end, _ := engine.Window(ds, engine.Options{Trigger: "RUT", Targets: []string{"BTC"}})
	cases := []struct {
		name      string
		signal    string
		fill      engine.FillMode
		h         int
		wantEntry string
		want      float64
	}{
		// Monday close -> Tuesday 00:00Z open 102.5; exit close of the bar dated entry + h.
		{"monday h2", "2024-01-08", engine.NextOpen, 2, "2024-01-09", 105/102.5 - 1},
		// entry + 3 = Friday 01-12 has no bar: the first bar after (01-13, close 107).
		{"missing exit bar", "2024-01-08", engine.NextOpen, 3, "2024-01-09", 107/102.5 - 1},
		// Thursday close: Friday's bar is missing, so the fill is Saturday's open 106.5.
		{"missing entry bar", "2024-01-11", engine.NextOpen, 2, "2024-01-13", 109/106.5 - 1},
		// Friday close -> Saturday open.
		{"friday", "2024-01-19", engine.NextOpen, 7, "2024-01-20", 121/113.5 - 1},
		{"next close", "2024-01-08", engine.NextClose, 2, "2024-01-09", 105.0/103 - 1},
		// The window ends at the last Russell close (Friday 02-09 21:00Z): the
		// BTC bar dated 02-09 closes after it, so h=3 from 02-06 is past the end.
		{"past end", "2024-02-05", engine.NextOpen, 3, "2024-02-06", math.NaN()},
		{"last inside", "2024-02-05", engine.NextOpen, 2, "2024-02-06", 133/130.5 - 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Entry(btc, nyseClose(c.signal), c.fill, end)
			if got := btc.Date[f.Entry].String(); got != c.wantEntry {
				t.Errorf("entry bar %s, want %s", got, c.wantEntry)
			}
			got := f.Return(btc, c.h, end)
			if math.IsNaN(c.want) != math.IsNaN(got) || (!math.IsNaN(c.want) && !near(got, c.want)) {
				t.Errorf("return %v, want %v", got, c.want)
			}
		})
	}
	if f := Entry(btc, d("2024-03-01").Unix(), engine.NextOpen, end); f.Entry != btc.Len() || !math.IsNaN(f.Return(btc, 1, end)) {
		t.Errorf("an order after the data has entry %d, want none", f.Entry)
	}
}

// TestAnalyzeHandBuilt checks selection, counts, means, halving marks and the
// unconditional mean on the hand-built data.
func TestAnalyzeHandBuilt(t *testing.T) {
	ds := handData(t)
	spec := handSpec(ds, engine.NextOpen)
	opts := Options{Horizons: []int{5, 2}, HalvingWindow: 7, Halvings: []data.Date{d("2024-01-10")}, Permutations: 999, Bootstrap: 999, BlockBootstrap: 200, Seed: 3}
	st, err := Analyze(context.Background(), ds, spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Signals != 4 || st.Selected != 3 || st.MinSpacingDays != 5 || st.Selection != "non_overlapping" {
		t.Fatalf("signals %d selected %d spacing %d selection %s; want 4, 3 (01-10 is 2 days after 01-08), 5, non_overlapping",
			st.Signals, st.Selected, st.MinSpacingDays, st.Selection)
	}
	if len(st.Horizons) != 2 || st.Horizons[0] != 2 || st.Horizons[1] != 5 {
		t.Fatalf("horizons %v, want sorted [2 5]", st.Horizons)
	}
	// 25 Russell closes from Monday 01-08 to Friday 02-09 are inside the window.
	if st.EligibleDates != 25 {
		t.Errorf("eligible dates %d, want 25", st.EligibleDates)
	}
	// Halving marks: 01-08 is before the halving, 01-10 is 0 days after, 01-16 is 6 (≤ 7), 02-05 is 26.
	marks := []struct {
		date     string
		selected bool
		after    bool
		days     int // -1: null
	}{{"2024-01-08", true, false, -1}, {"2024-01-10", false, true, 0}, {"2024-01-16", true, true, 6}, {"2024-02-05", true, false, 26}}
	for i, m := range marks {
		r := st.Rows[i]
		days := -1
		if r.DaysAfterHalving != nil {
			days = *r.DaysAfterHalving
		}
		if r.Date != m.date || r.Selected != m.selected || r.AfterHalving != m.after || days != m.days {
			t.Errorf("row %d: %s selected %v after %v days %d; want %+v", i, r.Date, r.Selected, r.AfterHalving, days, m)
		}
	}
	// Row returns by hand: 01-08 -> entry 102.5, h2 close 105, h5 close 108.
	if r := st.Rows[0].Returns[0]; r.Target != "BTC" || float64(r.EntryPrice) != 102.5 || r.EntryTime != "2024-01-09T00:00:00Z" ||
		!near(float64(r.Returns[0]), 105/102.5-1) || !near(float64(r.Returns[1]), 108/102.5-1) {
		t.Errorf("row 0 returns %+v", r)
	}
	if r := st.Rows[3].Returns[0].Returns[1]; r.Valid() {
		t.Errorf("02-05 at 5 days runs past the window but has return %v", r)
	}
	h2, h5 := st.Results[0].Horizons[0], st.Results[0].Horizons[1]
	a, b, c := 105/102.5-1, 113/110.5-1, 133/130.5-1
	checks := []struct {
		name      string
		got, want float64
	}{
		{"h2 mean", float64(h2.Breakout.Mean), (a + b + c) / 3},
		{"h2 median", float64(h2.Breakout.Median), b},
		{"h2 hit rate", float64(h2.Breakout.HitRate), 1},
		{"h5 mean", float64(h5.Breakout.Mean), (108/102.5 - 1 + 116/110.5 - 1) / 2},
		{"h2 after-halving mean (01-16 only)", float64(h2.AfterHalving.Mean), b},
		{"h2 not-after mean", float64(h2.NotAfterHalving.Mean), (a + c) / 2},
		// The halving of 01-10 enters at the open of the bar dated 01-11 (104.5).
		{"halving h2", float64(h2.Halving.Mean), 107/104.5 - 1},
		{"halving h5", float64(h5.Halving.Mean), 110/104.5 - 1},
		{"h2 excess", float64(h2.Breakout.Excess), float64(h2.Breakout.Mean) - float64(h2.Random.Mean)},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if h2.Breakout.N != 3 || h2.Breakout.PastEnd != 0 || h5.Breakout.N != 2 || h5.Breakout.PastEnd != 1 || h5.Breakout.Independent != 2 {
		t.Errorf("counts: h2 n %d past %d; h5 n %d past %d indep %d; want 3 0 2 1 2", h2.Breakout.N, h2.Breakout.PastEnd,
			h5.Breakout.N, h5.Breakout.PastEnd, h5.Breakout.Independent)
	}
	if !h2.Breakout.TooFew || h2.Breakout.CIMethod != "bootstrap" {
		t.Errorf("three signals: too_few %v, ci method %q; want true, bootstrap", h2.Breakout.TooFew, h2.Breakout.CIMethod)
	}
	// Unconditional mean, independently: entry = open of the first BTC bar
	// dated after the Russell date, exit = close of the first bar dated on or
	// after entry + h, both inside the window (exit bar dated ≤ 02-08).
	for k, h := range []int{2, 5} {
		var sum float64
		n := 0
		for x := d("2024-01-08"); x <= d("2024-02-09"); x++ {
			if wd := x.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			e := x + 1
			if e == d("2024-01-12") {
				e++
			}
			xd := e + data.Date(h)
			if xd == d("2024-01-12") {
				xd++
			}
			if xd > d("2024-02-08") {
				continue
			}
			sum += (100+float64(xd-d("2024-01-06")))/(99.5+float64(e-d("2024-01-06"))) - 1
			n++
		}
		u := st.Results[0].Horizons[k].Random
		if u.N != n || !near(float64(u.Mean), sum/float64(n)) {
			t.Errorf("h%d unconditional n %d mean %v, want %d %v", h, u.N, u.Mean, n, sum/float64(n))
		}
		if !(u.MeanCI[0] <= u.Mean && u.Mean <= u.MeanCI[1]) || u.CIMethod != "stationary_bootstrap" || !(float64(u.Block) >= float64(h)*5/7-1) {
			t.Errorf("h%d unconditional interval %v around %v, block %v (%s)", h, u.MeanCI, u.Mean, u.Block, u.CIMethod)
		}
	}
	// Buy and hold: first open 99.5 (01-06) to the last close inside the window (02-08: 133), 33 days.
	bh := st.Results[0].BuyAndHold
	if !near(float64(bh.Return), 133/99.5-1) || bh.Days != 33 || bh.Entry != "2024-01-06T00:00:00Z" || bh.Exit != "2024-02-09T00:00:00Z" ||
		bh.Start != "2024-01-06" || bh.End != "2024-02-08" {
		t.Errorf("buy and hold %+v", bh)
	}
	if want := math.Pow(133/99.5, 2.0/33) - 1; !near(float64(h2.BuyAndHold), want) {
		t.Errorf("buy and hold per 2 days %v, want %v", h2.BuyAndHold, want)
	}
	if len(st.Halvings) != 1 || st.Halvings[0] != "2024-01-10" || len(st.HalvingRows) != 1 {
		t.Errorf("halvings %v rows %d", st.Halvings, len(st.HalvingRows))
	}
	for _, p := range []float64{float64(h2.Breakout.P), float64(h5.Breakout.P)} {
		if !(p > 0 && p <= 1) {
			t.Errorf("p-value %v outside (0, 1]", p)
		}
	}
}

// TestSelections checks the acted and all selections and the interval
// method for overlapping signals.
func TestSelections(t *testing.T) {
	ds := handData(t)
	spec := handSpec(ds, engine.NextOpen)
	cases := []struct {
		sel      Selection
		selected int
		method   string // of the 5-day breakout interval
	}{
		{Acted, 3, "bootstrap"},          // 01-08, 01-16, 02-05 (8 and 20 days apart)
		{All, 4, "stationary_bootstrap"}, // 01-08 and 01-10 overlap at 5 days
		{NonOverlapping, 3, "bootstrap"}, // the default
		{Selection(""), 3, "bootstrap"},  // "" is the default
		{Selection("nope"), 0, "error"},
	}
	for _, c := range cases {
		t.Run(string(c.sel), func(t *testing.T) {
			st, err := Analyze(context.Background(), ds, spec, Options{Horizons: []int{2, 5}, Selection: c.sel, Permutations: 99, Bootstrap: 99, BlockBootstrap: 50})
			if c.method == "error" {
				if err == nil {
					t.Fatal("unknown selection accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			h5 := st.Results[0].Horizons[1].Breakout
			if st.Selected != c.selected || h5.CIMethod != c.method {
				t.Errorf("selected %d, method %q; want %d, %q", st.Selected, h5.CIMethod, c.selected, c.method)
			}
			if c.sel == All && (h5.N != 3 || h5.Independent != 2 || !st.Overlapping) {
				t.Errorf("all at 5 days: n %d independent %d; want 3 2", h5.N, h5.Independent)
			}
		})
	}
}

// TestBadInput: errors with context, never panics.
func TestBadInput(t *testing.T) {
	ds := handData(t)
	good := handSpec(ds, engine.NextOpen)
	cases := []struct {
		name string
		spec func(Spec) Spec
		opts Options
		want string
	}{
		{"zero horizon", nil, Options{Horizons: []int{0}}, "horizon 0"},
		{"negative halving window", nil, Options{HalvingWindow: -1}, "halving window"},
		{"negative permutations", nil, Options{Permutations: -5}, "permutations"},
		{"level", nil, Options{Level: 1.5}, "confidence level"},
		{"trigger", func(s Spec) Spec { s.Trigger = "SPX"; return s }, Options{}, `trigger symbol "SPX"`},
		{"target", func(s Spec) Spec { s.Targets = []string{"ETH"}; return s }, Options{}, `target symbol "ETH"`},
		{"no targets", func(s Spec) Spec { s.Targets = nil; return s }, Options{}, "no targets"},
		{"window", func(s Spec) Spec { s.WindowEnd = s.WindowStart; return s }, Options{}, "empty window"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := good
			if c.spec != nil {
				s = c.spec(s)
			}
			_, err := Analyze(context.Background(), ds, s, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	// No signals at all: every statistic is null, nothing panics, JSON is clean.
	s := good
	s.Signals = nil
	st, err := Analyze(context.Background(), ds, s, Options{Horizons: []int{2}, Permutations: 9, Bootstrap: 9, BlockBootstrap: 9})
	if err != nil {
		t.Fatal(err)
	}
	b := st.Results[0].Horizons[0].Breakout
	if b.N != 0 || b.Mean.Valid() || b.P.Valid() || !b.TooFew {
		t.Errorf("no signals: %+v", b)
	}
	if _, err := json.Marshal(st); err != nil {
		t.Fatal(err)
	}
}

// TestRunConfigSynthetic runs a config end to end on synthetic data: a basket
// adds a basket leg, the same seed gives the same JSON, another seed other
// intervals, and the JSON never holds NaN.
func TestRunConfigSynthetic(t *testing.T) {
	ds, err := data.Synthetic(data.DefaultSynthetic(5))
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Trigger.Lookback = 100
	cfg.Trade.Targets = []string{"BTC", "ETH"}
	cfg.Trade.HoldDays = 90
	opts := Options{Horizons: []int{30, 90}, Permutations: 500, Bootstrap: 500, BlockBootstrap: 100, Seed: 11}
	var out [3][]byte
	for i := range out {
		o := opts
		if i == 2 {
			o.Seed = 12
		}
		st, err := Run(context.Background(), cfg, ds, o)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if got := strings.Join(st.Targets, ","); got != "BTC,ETH,basket" {
				t.Errorf("targets %s, want BTC,ETH,basket", got)
			}
			if !st.Synthetic || st.ConfigHash == "" || st.Selected == 0 || st.Selected > st.Signals || len(st.Halvings) != 3 {
				t.Errorf("study: synthetic %v hash %q selected %d of %d halvings %v", st.Synthetic, st.ConfigHash, st.Selected, st.Signals, st.Halvings)
			}
			// Holm across the horizons, by its definition (written here):
			// with the defined p-values of a set sorted ascending, the i-th
			// adjusted value is the running max of min(1, (m-j+1) p_(j)).
			for _, tg := range st.Results {
				for set := 0; set < 4; set++ {
					get := func(h *HorizonResult) *EventStats {
						return []*EventStats{&h.Breakout, &h.AfterHalving, &h.NotAfterHalving, &h.Halving}[set]
					}
					type pk struct {
						p float64
						k int
					}
					var ps []pk
					for k := range tg.Horizons {
						if e := get(&tg.Horizons[k]); e.P.Valid() {
							ps = append(ps, pk{float64(e.P), k})
						} else if e.PHolm.Valid() {
							t.Errorf("%s set %d horizon %d: p_holm %v without p", tg.Target, set, k, e.PHolm)
						}
					}
					sort.SliceStable(ps, func(a, b int) bool { return ps[a].p < ps[b].p })
					run := 0.0
					for j, x := range ps {
						run = math.Max(run, math.Min(1, float64(len(ps)-j)*x.p))
						if got := float64(get(&tg.Horizons[x.k]).PHolm); math.Abs(got-run) > 1e-15 || got < x.p {
							t.Errorf("%s set %d horizon %d: p %v p_holm %v, want %v", tg.Target, set, x.k, x.p, got, run)
						}
					}
				}
			}
			// The basket's return is the mean of BTC's and ETH's for each row.
			for _, r := range st.Rows {
				for k := range st.Horizons {
					want := (float64(r.Returns[0].Returns[k]) + float64(r.Returns[1].Returns[k])) / 2
					got := float64(r.Returns[2].Returns[k])
					if math.IsNaN(want) != math.IsNaN(got) || (!math.IsNaN(want) && !near(got, want)) {
						t.Fatalf("%s basket return %v, want %v", r.Date, got, want)
					}
				}
			}
		}
		if out[i], err = json.Marshal(st); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Error("same seed, different study")
	}
	if bytes.Equal(out[0], out[2]) {
		t.Error("different seeds, identical study (resamples did not change)")
	}
	if bytes.Contains(out[0], []byte("NaN")) || bytes.Contains(out[0], []byte("Inf")) {
		t.Error("JSON holds NaN or Inf")
	}
}
