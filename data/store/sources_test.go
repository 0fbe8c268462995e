package store

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
)

func fetchedBars(from string, closes ...float64) []data.Bar {
	d := date(from)
	out := make([]data.Bar, len(closes))
	for i, c := range closes {
		out[i] = data.Bar{Date: d + data.Date(i), Open: c, High: c * 1.01, Low: c * 0.99, Close: c, Volume: 10}
	}
	return out
}

func TestImportBars(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	origin := &Origin{Kind: OriginFetch, Source: "binance", Remote: "BTCUSDT", Params: `{"since":""}`}
	bars := fetchedBars("2024-01-01", 100, 101, 102)
	// Unsorted input is sorted.
	bars[0], bars[1] = bars[1], bars[0]
	rep, err := s.ImportBars(ctx, "BTC", bars, BarsOptions{Source: "binance:BTCUSDT", Remember: origin})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 3 || rep.First != date("2024-01-01") || rep.Files[0].Order != "unsorted" {
		t.Errorf("report %+v", rep)
	}
	o, ok, err := s.OriginOf(ctx, "BTC")
	if err != nil || !ok || o.Source != "binance" || o.Remote != "BTCUSDT" || o.Calendar != "24x7" || o.Kind != OriginFetch {
		t.Errorf("origin %+v %v %v", o, ok, err)
	}
	if c := closeOn(t, s, "BTC", date("2024-01-03")); c != 102 {
		t.Errorf("close %v", c)
	}
	infos, _ := s.List(ctx)
	if len(infos) != 1 || infos[0].Sources[0] != "binance:BTCUSDT" {
		t.Errorf("list %+v", infos)
	}

	// The same bars again: nothing written, the file is byte-identical.
	before := hashDB(t, s)
	rep, err = s.ImportBars(ctx, "BTC", fetchedBars("2024-01-01", 100, 101, 102), BarsOptions{Source: "binance:BTCUSDT", Remember: origin})
	if err != nil || rep.Unchanged != 3 || rep.Inserted != 0 {
		t.Fatalf("re-import %+v %v", rep, err)
	}
	if hashDB(t, s) != before {
		t.Error("an import that changed nothing modified the database")
	}

	// A corrected last bar needs Replace, then replaces exactly that bar.
	corrected := fetchedBars("2024-01-03", 102.5, 103)
	if _, err := s.ImportBars(ctx, "BTC", corrected, BarsOptions{Source: "binance:BTCUSDT"}); err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Errorf("conflict without replace: %v", err)
	}
	rep, err = s.ImportBars(ctx, "BTC", corrected, BarsOptions{Source: "binance:BTCUSDT", Replace: true, Remember: origin})
	if err != nil || rep.Updated != 1 || rep.Inserted != 1 {
		t.Fatalf("replace %+v %v", rep, err)
	}
	if c := closeOn(t, s, "BTC", date("2024-01-03")); c != 102.5 {
		t.Errorf("corrected close %v", c)
	}
	if last, ok, err := s.LastBar(ctx, "BTC"); err != nil || !ok || last.Date != date("2024-01-04") || last.Close != 103 {
		t.Errorf("last bar %+v %v %v", last, ok, err)
	}
	if _, ok, _ := s.LastBar(ctx, "NOPE"); ok {
		t.Error("last bar of a missing symbol")
	}
}

func TestImportBarsValidation(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.ImportBars(ctx, "OK", fetchedBars("2024-01-01", 1, 2), BarsOptions{Source: "x"}); err != nil {
		t.Fatal(err)
	}
	before := hashDB(t, s)
	dup := fetchedBars("2024-01-01", 1, 2)
	dup[1].Date = dup[0].Date
	for name, c := range map[string]struct {
		bars []data.Bar
		opts BarsOptions
		want string
	}{
		"zero close":    {fetchedBars("2024-01-01", 1, 0), BarsOptions{Source: "x"}, "non-positive close"},
		"nan":           {fetchedBars("2024-01-01", 1, math.NaN()), BarsOptions{Source: "x"}, "not a finite number"},
		"negative vol":  {[]data.Bar{{Date: date("2024-01-01"), Open: 1, High: 1, Low: 1, Close: 1, Volume: -1}}, BarsOptions{Source: "x"}, "negative volume"},
		"duplicate":     {dup, BarsOptions{Source: "x"}, "appears again"},
		"no bars":       {nil, BarsOptions{Source: "x"}, "no bars"},
		"no source":     {fetchedBars("2024-01-01", 1), BarsOptions{}, "empty source"},
		"bad calendar":  {fetchedBars("2024-01-01", 1), BarsOptions{Source: "x", Calendar: "moon"}, "unknown calendar"},
		"date range":    {[]data.Bar{{Date: data.DateOf(1500, 1, 1), Open: 1, High: 1, Low: 1, Close: 1}}, BarsOptions{Source: "x"}, "outside 1800-2199"},
		"strict jump":   {fetchedBars("2024-01-01", 1, 3), BarsOptions{Source: "x", Strict: true}, "jump"},
		"bad origin":    {fetchedBars("2024-01-01", 1), BarsOptions{Source: "x", Remember: &Origin{Kind: "magic", Source: "s", Remote: "r"}}, "kind"},
		"calendar diff": {fetchedBars("2024-01-01", 1, 2), BarsOptions{Source: "x", Calendar: "nyse"}, "stored with calendar 24x7"},
	} {
		sym := "NEW"
		if name == "calendar diff" {
			sym = "OK"
		}
		_, err := s.ImportBars(ctx, sym, c.bars, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	if hashDB(t, s) != before {
		t.Error("a refused import modified the database")
	}
	// Warnings without Strict are reported, not refused.
	rep, err := s.ImportBars(ctx, "J", fetchedBars("2024-01-01", 1, 3), BarsOptions{Source: "x"})
	if err != nil || rep.WarningCount("jump") != 1 {
		t.Errorf("jump warning: %+v %v", rep, err)
	}
}

func TestStoreDerived(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	cal := data.NYSE()
	mk := func(closes ...float64) *data.Series {
		ser := &data.Series{Symbol: "RUT_W", Calendar: cal}
		for i, c := range closes {
			d := date("2024-01-05") + data.Date(7*i) // Fridays
			o, _ := cal.Session(d - 4)               // Monday's open
			_, cl := cal.Session(d)
			ser.Date = append(ser.Date, d)
			ser.OpenTime = append(ser.OpenTime, o)
			ser.CloseTime = append(ser.CloseTime, cl)
			ser.Open = append(ser.Open, c)
			ser.High = append(ser.High, c+1)
			ser.Low = append(ser.Low, c-1)
			ser.Close = append(ser.Close, c)
			ser.Volume = append(ser.Volume, 0)
		}
		return ser
	}
	opts := DerivedOptions{Origin: Origin{Source: "derived:weekly", Remote: "RUT", Params: `{"period":"weekly"}`}}
	rep, err := s.StoreDerived(ctx, mk(10, 11, 12), opts)
	if err != nil || rep.Inserted != 3 {
		t.Fatalf("%+v %v", rep, err)
	}
	ds, err := s.Load(ctx, []string{"RUT_W"})
	if err != nil {
		t.Fatal(err)
	}
	w := ds.Get("RUT_W")
	// The span is kept: Monday 09:30 New York to Friday 16:00 (EST).
	if w.OpenTime[0] != 1704119400 || w.CloseTime[0] != 1704488400 {
		t.Errorf("span %d..%d, want 2024-01-01T14:30Z..2024-01-05T21:00Z", w.OpenTime[0], w.CloseTime[0])
	}
	if o, ok, _ := s.OriginOf(ctx, "RUT_W"); !ok || o.Kind != OriginDerived || o.Remote != "RUT" {
		t.Errorf("origin %+v", o)
	}
	before := hashDB(t, s)
	if rep, err := s.StoreDerived(ctx, mk(10, 11, 12), opts); err != nil || rep.Unchanged != 3 {
		t.Fatalf("again %+v %v", rep, err)
	}
	if hashDB(t, s) != before {
		t.Error("storing the same derived series modified the database")
	}
	// Recomputed with a changed last bar and one bar fewer.
	rep, err = s.StoreDerived(ctx, mk(10, 11.5), opts)
	if err != nil || rep.Updated != 1 || rep.Deleted != 1 || rep.Unchanged != 1 {
		t.Fatalf("recompute %+v %v", rep, err)
	}
	infos, _ := s.List(ctx)
	if len(infos) != 1 || infos[0].Bars != 2 || infos[0].Last != date("2024-01-12") {
		t.Errorf("symbols row not refreshed: %+v", infos)
	}
	// Never over an imported symbol.
	if _, err := s.ImportBars(ctx, "BTC", fetchedBars("2024-01-01", 1), BarsOptions{Source: "x"}); err != nil {
		t.Fatal(err)
	}
	b := mk(5)
	b.Symbol = "BTC"
	if _, err := s.StoreDerived(ctx, b, opts); err == nil || !strings.Contains(err.Error(), "already stored") {
		t.Errorf("overwrote an imported symbol: %v", err)
	}
	bad := mk(5)
	bad.Close[0] = -1
	bad.Symbol = "NEG"
	if _, err := s.StoreDerived(ctx, bad, opts); err == nil || !strings.Contains(err.Error(), "non-positive close") {
		t.Errorf("negative close: %v", err)
	}
	if _, err := s.StoreDerived(ctx, mk(5), DerivedOptions{Origin: Origin{Source: "weekly", Remote: "RUT"}}); err == nil {
		t.Error("a derived source must start with derived:")
	}
}

func TestReadFileKeepsDuplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := OpenMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := writeFile(t, t.TempDir(), "d.csv", "date,open,high,low,close,volume\n2024-01-02,1,2,1,2,5\n2024-01-01,1,1,1,1,0\n2024-01-02,1,3,1,3,5\n")
	fb, err := s.ReadFile(ctx, p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fb.Bars) != 3 || fb.Bars[0].Date != date("2024-01-01") || fb.Bars[1].Close != 2 || fb.Bars[2].Close != 3 || fb.Order != "unsorted" {
		t.Errorf("%+v", fb)
	}
	// Import still refuses the duplicate.
	if _, err := s.Import(ctx, []string{p}, ImportOptions{Symbol: "D"}); err == nil || !strings.Contains(err.Error(), "appears again") {
		t.Errorf("import: %v", err)
	}
	if _, err := s.ReadFile(ctx, filepath.Join(t.TempDir(), "missing.csv"), ReadOptions{}); err == nil {
		t.Error("missing file")
	}
}

// TestSourcesMigration opens a database written before the sources table
// existed (bars schema version 1): read-only it has no origins, read-write
// it is migrated to version 2 with its bars intact.
func TestSourcesMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.duckdb")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportBars(ctx, "X", fetchedBars("2024-01-01", 1, 2), BarsOptions{Source: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE sources`, `DELETE FROM schema_migrations WHERE component = 'bars' AND version = 2`} {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	r, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := r.Origins(ctx); err != nil || o != nil {
		t.Errorf("origins of a v1 database: %v %v", o, err)
	}
	r.Close()
	s, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.DB().QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations WHERE component = 'bars'`).Scan(&v); err != nil || v != 2 {
		t.Errorf("version %d %v", v, err)
	}
	if c := closeOn(t, s, "X", date("2024-01-02")); c != 2 {
		t.Errorf("close %v", c)
	}
	if err := s.ForgetOrigin(ctx, "X"); err != nil {
		t.Error(err)
	}
	if _, err := s.ImportBars(ctx, "X", nil, BarsOptions{Source: "x"}); errors.Is(err, nil) {
		t.Error("no bars accepted")
	}
}
