package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/store"
)

// studyExec runs one command built by mk in-process against the database db
// and returns its stdout.
func studyExec(t *testing.T, db string, mk func(*app) *cobra.Command, args ...string) (string, error) {
	t.Helper()
	o, _, err := execCmd(t, db, mk, args...)
	return o, err
}

// studySynthDB writes the whole seeded synthetic data set (RUT, BTC, ETH and
// eight altcoins) into a new database and returns its path.
func studySynthDB(t *testing.T) string {
	t.Helper()
	ds, err := data.Synthetic(data.DefaultSynthetic(3))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "riskon.duckdb")
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ds.Series {
		if err := st.InsertSeries(ctx, s, "synthetic"); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// studyRealDB imports the given symbols of the shared catalog from the real
// data beside the repository into a new database, or skips the test when
// that data is absent.
func studyRealDB(t *testing.T, only ...string) string {
	t.Helper()
	raw := filepath.Join("..", "..", "..", "shared", "data", "raw")
	if _, err := os.Stat(filepath.Join(raw, "MANIFEST.md")); err != nil {
		t.Skipf("real data not found at %s (needs ../shared beside the repository): %v", raw, err)
	}
	path := filepath.Join(t.TempDir(), "riskon.duckdb")
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportCatalog(ctx, filepath.Join("..", "..", "configs", "data", "shared.yaml"), store.CatalogOptions{Root: raw, Only: only}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func studyWriteConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "study.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// studyJSON is the part of `riskon study --output json` the tests read.
type studyJSON struct {
	Name           string   `json:"name"`
	Synthetic      bool     `json:"synthetic"`
	Targets        []string `json:"targets"`
	Horizons       []int    `json:"horizons"`
	Selection      string   `json:"selection"`
	MinSpacingDays int      `json:"min_spacing_days"`
	Signals        int      `json:"signals"`
	Selected       int      `json:"selected"`
	Permutations   int      `json:"permutations"`
	HalvingWindow  int      `json:"halving_window"`
	Seed           uint64   `json:"seed"`
	Overlapping    bool     `json:"overlapping"`
	Notes          []string `json:"notes"`
	Window         struct {
		Start     string `json:"start"`
		End       string `json:"end"`
		StartTime string `json:"start_time"`
		EndTime   string `json:"end_time"`
	} `json:"window"`
	Results []struct {
		Target   string `json:"target"`
		Horizons []struct {
			Days     int `json:"days"`
			Breakout struct {
				N           int      `json:"n"`
				PastEnd     int      `json:"past_end"`
				Independent int      `json:"independent"`
				Mean        *float64 `json:"mean"`
				P           *float64 `json:"p_value"`
			} `json:"breakout"`
			Random struct {
				N    int      `json:"n"`
				Mean *float64 `json:"mean"`
			} `json:"random"`
		} `json:"horizons"`
	} `json:"results"`
	Rows []struct {
		Date             string `json:"date"`
		Time             string `json:"time"`
		Selected         bool   `json:"selected"`
		AfterHalving     bool   `json:"after_halving"`
		DaysAfterHalving *int   `json:"days_after_halving"`
		Returns          []struct {
			Target  string     `json:"target"`
			Returns []*float64 `json:"returns"`
		} `json:"returns"`
	} `json:"signal_rows"`
}

const studyTestConfig = `name: study-synth
seed: 42
trigger: {symbol: RUT, rule: donchian, lookback: 100}
trade: {targets: [BTC, ETH], hold_days: 90}
`

// TestStudyCommandSynthetic runs `riskon study` on synthetic data: JSON
// shape, defaults, the config's seed, --seed, determinism and the table.
func TestStudyCommandSynthetic(t *testing.T) {
	db := studySynthDB(t)
	cfg := studyWriteConfig(t, studyTestConfig)
	run := func(args ...string) studyJSON {
		t.Helper()
		out, err := studyExec(t, db, (*app).studyCmd, append([]string{"-c", cfg, "--output", "json", "--permutations", "300", "--bootstrap", "300"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, "NaN") {
			t.Fatal("JSON holds NaN")
		}
		var s studyJSON
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return s
	}
	s := run()
	if s.Name != "study-synth" || !s.Synthetic || s.Seed != 42 || s.Permutations != 300 || s.HalvingWindow != 365 ||
		s.Selection != "non_overlapping" || s.MinSpacingDays != 365 {
		t.Errorf("study header %+v", s)
	}
	if strings.Join(s.Targets, ",") != "BTC,ETH,basket" || len(s.Results) != 3 {
		t.Errorf("targets %v, %d results", s.Targets, len(s.Results))
	}
	if len(s.Horizons) != 5 || s.Horizons[0] != 7 || s.Horizons[4] != 365 {
		t.Errorf("default horizons %v", s.Horizons)
	}
	if s.Selected == 0 || s.Selected > s.Signals || len(s.Rows) != s.Signals {
		t.Errorf("selected %d of %d signals, %d rows", s.Selected, s.Signals, len(s.Rows))
	}
	for _, h := range s.Results[0].Horizons {
		b := h.Breakout
		if b.N+b.PastEnd != s.Selected || b.Independent != b.N || h.Random.N == 0 {
			t.Errorf("%dd: n %d + past end %d != %d selected, independent %d, random n %d", h.Days, b.N, b.PastEnd, s.Selected, b.Independent, h.Random.N)
		}
	}
	if again := run(); !studySame(t, s, again) {
		t.Error("same seed, different output")
	}
	if s7 := run("--seed", "7", "--horizons", "30,90", "--select", "all", "--halving-window", "200"); s7.Seed != 7 || len(s7.Horizons) != 2 ||
		s7.Selected != s7.Signals || s7.HalvingWindow != 200 || !s7.Overlapping {
		t.Errorf("--seed 7 --horizons 30,90 --select all: seed %d horizons %v selected %d of %d", s7.Seed, s7.Horizons, s7.Selected, s7.Signals)
	}

	out, err := studyExec(t, db, (*app).studyCmd, "-c", cfg, "--permutations", "200", "--bootstrap", "200", "--horizons", "30,365")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SYNTHETIC", "event study study-synth", "side by side", "Holm p (", "after halving", "per-signal forward returns: basket",
		"halving  ", "notes:", "non-overlapping", "stationary block bootstrap"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func studySame(t *testing.T, a, b studyJSON) bool {
	t.Helper()
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestStudyBadFlags: every bad input is one clear error.
func TestStudyBadFlags(t *testing.T) {
	db := studySynthDB(t)
	cfg := studyWriteConfig(t, studyTestConfig)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"output", []string{"-c", cfg, "--output", "xml"}, "--output"},
		{"horizon", []string{"-c", cfg, "--horizons", "0,30"}, "at least 1 day"},
		{"halving window", []string{"-c", cfg, "--halving-window", "0"}, "--halving-window"},
		{"permutations", []string{"-c", cfg, "--permutations", "0"}, "--permutations"},
		{"select", []string{"-c", cfg, "--select", "some"}, "--select"},
		{"no config", []string{}, "config"},
		{"bad key", []string{"-c", cfg, "--set", "trigger.lookbak=5"}, "lookbak"},
		{"missing symbol", []string{"-c", cfg, "--set", "trade.targets=[BTC,XYZ]"}, "XYZ"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := studyExec(t, db, (*app).studyCmd, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestStudyRealNewHighBTC runs the articles' signal (a Russell 2000 close
// above an all-time high at least a year old) on the real data and checks
// its forward returns and the unconditional mean against SQL written here.
func TestStudyRealNewHighBTC(t *testing.T) {
	db := studyRealDB(t, "RUT", "BTC")
	out, err := studyExec(t, db, (*app).studyCmd, "-c", filepath.Join("..", "..", "configs", "r2k_new_high_btc.yaml"),
		"--permutations", "2000", "--bootstrap", "2000", "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var s studyJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Synthetic || s.Selected < 3 {
		t.Fatalf("synthetic %v, %d signals studied", s.Synthetic, s.Selected)
	}
	// The halving mark, by hand: the days from the latest halving on or before the signal.
	halvings := []string{"2012-11-28", "2016-07-09", "2020-05-11", "2024-04-20"}
	years := map[string]bool{}
	for _, r := range s.Rows {
		sd, _ := time.Parse("2006-01-02", r.Date)
		want := -1
		for _, h := range halvings {
			hd, _ := time.Parse("2006-01-02", h)
			if !sd.Before(hd) {
				want = int(sd.Sub(hd).Hours() / 24)
			}
		}
		got := -1
		if r.DaysAfterHalving != nil {
			got = *r.DaysAfterHalving
		}
		if got != want || r.AfterHalving != (want >= 0 && want <= 365) {
			t.Errorf("%s: days after halving %d (after %v), want %d", r.Date, got, r.AfterHalving, want)
		}
		if r.AfterHalving {
			years[r.Date[:4]] = true
		}
	}
	// The 2016 and 2020 breakouts came within a year after a halving: the confound the articles name.
	if !years["2016"] || !years["2020"] {
		t.Errorf("breakouts after a halving in %v, want 2016 and 2020 among them", years)
	}

	st, err := store.Open(context.Background(), db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sqlDB := st.DB()
	we, _ := time.Parse(time.RFC3339, s.Window.EndTime)
	ws, _ := time.Parse(time.RFC3339, s.Window.StartTime)
	// Forward returns of each signal: entry at the open of the first BTC bar
	// opening at or after the signal, exit at the close of the first bar dated
	// at least entry + h, inside the window.
	const fwd = `SELECT e.open, x.close, x.close_time FROM
		(SELECT date, open FROM bars WHERE symbol = 'BTC' AND open_time >= ? ORDER BY open_time LIMIT 1) e
		LEFT JOIN LATERAL (SELECT close, close_time FROM bars WHERE symbol = 'BTC' AND date >= e.date + CAST(? AS INTEGER) ORDER BY date LIMIT 1) x ON true`
	for _, r := range s.Rows {
		tt, _ := time.Parse(time.RFC3339, r.Time)
		for k, h := range s.Horizons {
			var open float64
			var cl *float64
			var ct *int64
			if err := sqlDB.QueryRow(fwd, tt.Unix(), h).Scan(&open, &cl, &ct); err != nil {
				t.Fatalf("%s %dd: %v", r.Date, h, err)
			}
			got := r.Returns[0].Returns[k]
			if cl == nil || *ct > we.Unix() {
				if got != nil {
					t.Errorf("%s %dd: return %v, but the exit is past the window", r.Date, h, *got)
				}
				continue
			}
			if want := *cl/open - 1; got == nil || math.Abs(*got-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("%s %dd: return %v, SQL %v", r.Date, h, got, want)
			}
		}
	}
	// The unconditional mean at each horizon over every Russell close in the window.
	const uncond = `WITH r AS (SELECT close_time AS t FROM bars WHERE symbol = 'RUT' AND close_time >= ? AND close_time <= ?),
		b AS (SELECT * FROM bars WHERE symbol = 'BTC'),
		e AS (SELECT r.t, b.date AS ed, b.open AS eo FROM r ASOF JOIN b ON r.t <= b.open_time),
		x AS (SELECT e.*, e.ed + CAST(? AS INTEGER) AS xd FROM e),
		y AS (SELECT x.eo, b.close, b.close_time FROM x ASOF JOIN b ON x.xd <= b.date)
		SELECT count(*), avg(close / eo - 1) FROM y WHERE close_time <= ?`
	for k, h := range s.Horizons {
		var n int
		var mean float64
		if err := sqlDB.QueryRow(uncond, ws.Unix(), we.Unix(), h, we.Unix()).Scan(&n, &mean); err != nil {
			t.Fatal(err)
		}
		u := s.Results[0].Horizons[k].Random
		if u.N != n || u.Mean == nil || math.Abs(*u.Mean-mean) > 1e-9*math.Max(1, math.Abs(mean)) {
			t.Errorf("%dd unconditional: n %d mean %v; SQL n %d mean %v", h, u.N, u.Mean, n, mean)
		}
	}
}
