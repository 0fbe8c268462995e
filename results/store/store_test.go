package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/riskon/riskon/results"
)

const dsnOpts = "?autoinstall_known_extensions=false&autoload_known_extensions=false"

func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", path+dsnOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newStore(t testing.TB) (*Store, *sql.DB) {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "riskon.duckdb"))
	s, err := New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}

// sampleReport builds a report with nEquity daily equity points, two trades
// (the second still open, with an undefined return) and three signals.
func sampleReport(id, created string, nEquity int) *results.Report {
	rep := &results.Report{
		RunID: id, Name: "r2k-breakout-btc", Version: "0.1.0", CreatedAt: created,
		ConfigHash:      strings.Repeat("ab", 32),
		DataFingerprint: strings.Repeat("cd", 32),
		Config:          json.RawMessage(`{"name":"r2k-breakout-btc","capital":100000,"trade":{"targets":["BTC"]}}`),
		Window:          results.Window{Start: "2017-08-17T00:00:00Z", End: "2026-01-06T00:00:00Z"},
		Metrics: results.Metrics{TotalReturn: 1.25, CAGR: 0.1, MaxDrawdown: 0.55, Sharpe: 0.8, Sortino: results.NA,
			Calmar: 0.2, Volatility: 0.6, Exposure: 0.4, Trades: 2, WinRate: 0.5, ProfitFactor: results.NA,
			FinalEquity: 225000, Annualization: 365, Days: nEquity,
			Notes: []results.Note{{Metric: "profit_factor", Reason: "no losing trade"}}},
		Benchmark: results.Metrics{TotalReturn: 3.5, Annualization: 365},
		Evidence:  results.Evidence{Signals: 3, Trades: 2, Episodes: 2, TooFew: true, Warning: "rests on 2 episodes", Verdict: "Too few samples <&> to conclude."},
		Trades: []results.TradeRow{
			{Symbol: "BTC", SignalTime: "2020-11-24T21:00:00Z", EntryTime: "2020-11-25T00:00:00Z", EntryPrice: 19160.01,
				ExitTime: "2021-11-25T00:00:00Z", ExitPrice: 57138.29, Units: 5.2, Return: 1.98, ExitReason: "hold"},
			{Symbol: "BTC", SignalTime: "2024-07-16T20:00:00Z", EntryTime: "2024-07-17T00:00:00Z", EntryPrice: 64000,
				ExitTime: "2026-01-06T00:00:00Z", ExitPrice: 93000, Units: 1.5, Return: results.NA, ExitReason: "open"},
		},
		Signals: []results.SignalRow{
			{Time: "2020-11-24T21:00:00Z", Symbol: "RUT", Level: 1740.5, Close: 1790.1, Acted: true},
			{Time: "2020-11-25T21:00:00Z", Symbol: "RUT", Level: 1790.1, Close: 1801, Acted: false, Reason: "in position"},
			{Time: "2024-07-16T20:00:00Z", Symbol: "RUT", Level: 2150, Close: 2263.7, Acted: true},
		},
	}
	day := time.Date(2017, 8, 17, 0, 0, 0, 0, time.UTC)
	for i := range nEquity {
		rep.Equity = append(rep.Equity, results.EquityRow{
			Date:     day.AddDate(0, 0, i).Format(time.DateOnly),
			Equity:   results.Value(100000 * (1 + 0.001*float64(i))),
			Invested: results.Value(float64(i%2) * 0.5),
		})
	}
	return rep
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func count(t testing.TB, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestSaveGetRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newStore(t)
	rep := sampleReport("20261121-193000-ab12cd", "2026-11-21T19:30:00Z", 100)
	want := mustJSON(t, rep)
	if err := s.Save(ctx, rep); err != nil {
		t.Fatal(err)
	}
	raw, err := s.GetJSON(ctx, rep.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, want) {
		t.Errorf("stored JSON differs:\n%s\nwant\n%s", raw, want)
	}
	got, err := s.Get(ctx, rep.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if b := mustJSON(t, got); !bytes.Equal(b, want) {
		t.Errorf("Get round trip differs:\n%s\nwant\n%s", b, want)
	}

	// The SQL tables hold the rows, undefined values as NULL.
	if n := count(t, db, `SELECT count(*) FROM run_trades WHERE run_id = $1`, rep.RunID); n != 2 {
		t.Errorf("trades rows = %d, want 2", n)
	}
	if n := count(t, db, `SELECT count(*) FROM run_signals WHERE run_id = $1 AND reason IS NOT NULL`, rep.RunID); n != 1 {
		t.Errorf("signals with a reason = %d, want 1", n)
	}
	if n := count(t, db, `SELECT count(*) FROM run_equity WHERE run_id = $1`, rep.RunID); n != 100 {
		t.Errorf("equity rows = %d, want 100", n)
	}
	var ret sql.NullFloat64
	var entry time.Time
	var reason string
	if err := db.QueryRow(`SELECT "return", entry_time, exit_reason FROM run_trades WHERE run_id = $1 AND seq = 1`, rep.RunID).
		Scan(&ret, &entry, &reason); err != nil {
		t.Fatal(err)
	}
	if ret.Valid || !entry.Equal(time.Date(2024, 7, 17, 0, 0, 0, 0, time.UTC)) || reason != "open" {
		t.Errorf("open trade row: return %v entry %v reason %q", ret, entry, reason)
	}
	// Sum of equity: 100000 * sum(1 + 0.001 i), i < 100 = 100000 * (100 + 4.95).
	var sum float64
	var first, last time.Time
	if err := db.QueryRow(`SELECT sum(equity), min("date"), max("date") FROM run_equity WHERE run_id = $1`, rep.RunID).Scan(&sum, &first, &last); err != nil {
		t.Fatal(err)
	}
	if math.Abs(sum-10495000) > 1e-6 || first.Format(time.DateOnly) != "2017-08-17" || last.Format(time.DateOnly) != "2017-11-24" {
		t.Errorf("equity sum %v first %v last %v", sum, first, last)
	}
	// The JSON columns are queryable.
	var sharpe float64
	var hash string
	if err := db.QueryRow(`SELECT CAST(metrics->>'$.sharpe' AS DOUBLE), config_hash FROM runs WHERE run_id = $1`, rep.RunID).Scan(&sharpe, &hash); err != nil {
		t.Fatal(err)
	}
	if sharpe != 0.8 || hash != rep.ConfigHash {
		t.Errorf("sharpe %v hash %s", sharpe, hash)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	// Saved out of time order; one synthetic, one with another name.
	reps := []*results.Report{
		sampleReport("20240102-000000-bbbbbb", "2024-01-02T00:00:00Z", 3),
		sampleReport("20240101-000000-aaaaaa", "2024-01-01T00:00:00Z", 3),
		sampleReport("20240103-000000-cccccc", "2024-01-03T00:00:00+02:00", 3), // 2024-01-02T22:00Z
		sampleReport("20240104-000000-dddddd", "2024-01-04T00:00:00Z", 3),
	}
	reps[1].Synthetic = true
	reps[3].Name = "r2k-new-high-btc"
	reps[3].Metrics.Sharpe = results.NA
	reps[3].Evidence = results.Evidence{Signals: 20, Trades: 12, Episodes: 11}
	for _, r := range reps {
		if err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(rs []RunSummary) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.RunID)
		}
		return out
	}
	all, err := s.List(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"20240104-000000-dddddd", "20240103-000000-cccccc", "20240102-000000-bbbbbb", "20240101-000000-aaaaaa"}
	// cccccc was created 2024-01-02T22:00Z, after bbbbbb (2024-01-02T00:00Z).
	if !slices.Equal(ids(all), want) {
		t.Errorf("List = %v, want %v", ids(all), want)
	}
	two, err := s.List(ctx, ListOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(two), want[:2]) {
		t.Errorf("Limit 2 = %v", ids(two))
	}
	named, err := s.List(ctx, ListOptions{Name: "r2k-breakout-btc"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(named), want[1:]) {
		t.Errorf("Name filter = %v", ids(named))
	}
	glob, err := s.List(ctx, ListOptions{Name: "r2k-new-*"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(glob), want[:1]) {
		t.Errorf("Name glob = %v", ids(glob))
	}

	d := all[0]
	if d.Name != "r2k-new-high-btc" || d.Sharpe.Valid() || d.TotalReturn != 1.25 || d.MaxDrawdown != 0.55 ||
		d.Trades != 12 || d.Episodes != 11 || d.TooFew || d.Synthetic || d.ConfigHash != strings.Repeat("ab", 32) ||
		!d.CreatedAt.Equal(time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("summary %+v", d)
	}
	if a := all[3]; !a.Synthetic || !a.TooFew || a.Trades != 2 || a.Episodes != 2 || a.Sharpe != 0.8 {
		t.Errorf("summary %+v", a)
	}
	if c := all[1]; c.CreatedAt.Location() != time.UTC || !c.CreatedAt.Equal(time.Date(2024, 1, 2, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("created_at %v, want 2024-01-02 22:00 UTC", c.CreatedAt)
	}
	// JSON of a summary: undefined metrics are null.
	if b := string(mustJSON(t, d)); !strings.Contains(b, `"sharpe":null`) || !strings.Contains(b, `"run_id":"20240104-000000-dddddd"`) {
		t.Errorf("summary JSON %s", b)
	}
}

func TestPrefixLookup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	for _, id := range []string{"20240101-000000-aaaaaa", "20240101-000000-aabbbb", "20240102-120000-cccccc"} {
		if err := s.Save(ctx, sampleReport(id, "2024-01-01T00:00:00Z", 1)); err != nil {
			t.Fatal(err)
		}
	}
	for prefix, want := range map[string]string{
		"20240102":               "20240102-120000-cccccc",
		"20240101-000000-aab":    "20240101-000000-aabbbb",
		"20240101-000000-aaaaaa": "20240101-000000-aaaaaa",
		" 20240102 ":             "20240102-120000-cccccc",
	} {
		rep, err := s.Get(ctx, prefix)
		if err != nil {
			t.Errorf("Get(%q): %v", prefix, err)
			continue
		}
		if rep.RunID != want {
			t.Errorf("Get(%q) = %s, want %s", prefix, rep.RunID, want)
		}
	}

	_, err := s.Get(ctx, "20240101-000000-aa")
	if !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("ambiguous prefix: err %v", err)
	}
	for _, sub := range []string{"20240101-000000-aaaaaa", "20240101-000000-aabbbb", "give more characters"} {
		if !strings.Contains(err.Error(), sub) {
			t.Errorf("ambiguous error %q lacks %q", err, sub)
		}
	}

	_, err = s.Get(ctx, "2023")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "riskon runs") {
		t.Errorf("unknown id: err %v", err)
	}
	// LIKE wildcards are plain characters.
	if _, err := s.Get(ctx, "2024%"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(2024%%): %v", err)
	}
	if _, err := s.Get(ctx, ""); err == nil {
		t.Error("empty id: no error")
	}
}

func TestFailedSaveLeavesNoRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newStore(t)
	first := sampleReport("20240101-000000-aaaaaa", "2024-01-01T00:00:00Z", 50)
	if err := s.Save(ctx, first); err != nil {
		t.Fatal(err)
	}
	counts := func() [4]int {
		return [4]int{
			count(t, db, `SELECT count(*) FROM runs`),
			count(t, db, `SELECT count(*) FROM run_trades`),
			count(t, db, `SELECT count(*) FROM run_signals`),
			count(t, db, `SELECT count(*) FROM run_equity`),
		}
	}
	before := counts()
	if before != [4]int{1, 2, 3, 50} {
		t.Fatalf("counts after first save %v", before)
	}

	// A duplicate run id fails at the first insert.
	dup := sampleReport(first.RunID, "2024-02-01T00:00:00Z", 70)
	dup.Name = "other"
	err := s.Save(ctx, dup)
	if err == nil || !strings.Contains(err.Error(), "already stored") {
		t.Fatalf("duplicate save: err %v", err)
	}
	if got := counts(); got != before {
		t.Errorf("counts after failed save %v, want %v", got, before)
	}
	got, err := s.GetJSON(ctx, first.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, mustJSON(t, first)) {
		t.Error("failed save changed the stored run")
	}

	// A failure after the run row and the trades are written (equity
	// appended into a column that refuses NULL): everything rolls back.
	if _, err := db.Exec(`DROP TABLE run_equity`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE run_equity (run_id VARCHAR NOT NULL, "date" DATE, equity DOUBLE NOT NULL, invested DOUBLE)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO run_equity SELECT $1, DATE '2017-08-17' + i::INTEGER, 1, 0 FROM range(50) t(i)`, first.RunID); err != nil {
		t.Fatal(err)
	}
	bad := sampleReport("20240105-000000-eeeeee", "2024-01-05T00:00:00Z", 10)
	bad.Equity[7].Equity = results.NA // stored as NULL: refused
	if err := s.Save(ctx, bad); err == nil {
		t.Fatal("save with a NULL equity into a NOT NULL column: no error")
	}
	if got := counts(); got != before {
		t.Errorf("counts after failed save %v, want %v", got, before)
	}
	if _, err := s.Get(ctx, bad.RunID); !errors.Is(err, ErrNotFound) {
		t.Errorf("half-saved run is visible: %v", err)
	}

	// Bad input is refused before anything is written.
	bad2 := sampleReport("20240106-000000-ffffff", "not a time", 1)
	if err := s.Save(ctx, bad2); err == nil || !strings.Contains(err.Error(), "created_at") {
		t.Errorf("bad created_at: %v", err)
	}
	bad3 := sampleReport("20240106-000000-ffffff", "2024-01-06T00:00:00Z", 1)
	bad3.Trades[0].EntryTime = "yesterday"
	if err := s.Save(ctx, bad3); err == nil || !strings.Contains(err.Error(), "trades[0].entry_time") {
		t.Errorf("bad trade time: %v", err)
	}
	if err := s.Save(ctx, nil); err == nil {
		t.Error("nil report: no error")
	}
	if got := counts(); got != before {
		t.Errorf("counts after refused saves %v, want %v", got, before)
	}
}

func TestIdenticalContentIdenticalRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newStore(t)
	a := sampleReport("20240101-000000-aaaaaa", "2024-01-01T00:00:00Z", 500)
	b := sampleReport("20240101-000001-bbbbbb", "2024-01-01T00:00:00Z", 500)
	for _, r := range []*results.Report{a, b} {
		if err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []struct{ table, order string }{
		{"run_trades", "seq"}, {"run_signals", "seq"}, {"run_equity", `"date"`},
	} {
		n := count(t, db, fmt.Sprintf(`SELECT count(*) FROM %s WHERE run_id = $1`, q.table), a.RunID)
		if m := count(t, db, fmt.Sprintf(`SELECT count(*) FROM %s WHERE run_id = $1`, q.table), b.RunID); n == 0 || n != m {
			t.Errorf("%s: %d vs %d rows", q.table, n, m)
		}
		// Symmetric difference of the rows without run_id is empty.
		diff := count(t, db, fmt.Sprintf(`SELECT count(*) FROM (
			(SELECT * EXCLUDE (run_id) FROM %[1]s WHERE run_id = $1 EXCEPT ALL SELECT * EXCLUDE (run_id) FROM %[1]s WHERE run_id = $2)
			UNION ALL
			(SELECT * EXCLUDE (run_id) FROM %[1]s WHERE run_id = $2 EXCEPT ALL SELECT * EXCLUDE (run_id) FROM %[1]s WHERE run_id = $1))`, q.table),
			a.RunID, b.RunID)
		if diff != 0 {
			t.Errorf("%s: %d rows differ", q.table, diff)
		}
	}
	diff := count(t, db, `SELECT count(*) FROM runs x JOIN runs y ON x.run_id = $1 AND y.run_id = $2
		WHERE x.metrics::VARCHAR <> y.metrics::VARCHAR OR x.evidence::VARCHAR <> y.evidence::VARCHAR
		OR x.config::VARCHAR <> y.config::VARCHAR OR x.config_hash <> y.config_hash`, a.RunID, b.RunID)
	if diff != 0 {
		t.Error("runs rows differ beyond run_id")
	}
}

func TestNewIsIdempotentAndSharesMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "riskon.duckdb")
	db := openDB(t, path)
	// Another component (the bar store) already uses schema_migrations.
	if _, err := db.Exec(`CREATE TABLE schema_migrations (component VARCHAR, version INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES ('bars', 3)`); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := New(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM schema_migrations WHERE component = 'runs' AND version = 1`); n != 1 {
		t.Errorf("runs migration recorded %d times", n)
	}
	if n := count(t, db, `SELECT count(*) FROM schema_migrations WHERE component = 'bars' AND version = 3`); n != 1 {
		t.Errorf("bars row changed")
	}
	// A newer schema is refused with a clear message.
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES ('runs', 99)`); err != nil {
		t.Fatal(err)
	}
	if _, err := New(ctx, db); err == nil || !strings.Contains(err.Error(), "upgrade riskon") {
		t.Errorf("newer schema: %v", err)
	}
}

func TestReadOnlyWithoutRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "riskon.duckdb")
	rw, err := sql.Open("duckdb", path+dsnOpts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Exec(`CREATE TABLE bars (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	rw.Close()

	ro, err := sql.Open("duckdb", path+dsnOpts+"&access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	s, err := New(ctx, ro)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.List(ctx, ListOptions{})
	if err != nil || len(runs) != 0 {
		t.Errorf("List on an empty read-only store: %v %v", runs, err)
	}
	if _, err := s.Get(ctx, "2024"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get: %v", err)
	}

	// Once runs exist, a read-only store reads them. (The driver opens the
	// file in sql.Open: close the read-only handle first.)
	ro.Close()
	rw, err = sql.Open("duckdb", path+dsnOpts)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := New(ctx, rw)
	if err != nil {
		t.Fatal(err)
	}
	rep := sampleReport("20240101-000000-aaaaaa", "2024-01-01T00:00:00Z", 5)
	if err := s2.Save(ctx, rep); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	ro2, err := sql.Open("duckdb", path+dsnOpts+"&access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer ro2.Close()
	s3, err := New(ctx, ro2)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s3.Get(ctx, "2024"); err != nil || got.RunID != rep.RunID {
		t.Errorf("read-only Get: %v %v", got, err)
	}
}

func TestNewRunID(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 20, 30, 0, 0, time.FixedZone("CET", 3600))
	re := regexp.MustCompile(`^20261121-193000-[0-9a-f]{6}$`)
	id := NewRunID(now, "hash", bytes.NewReader([]byte("12345678")))
	if !re.MatchString(id) {
		t.Errorf("id %q does not match %s", id, re)
	}
	if again := NewRunID(now, "hash", bytes.NewReader([]byte("12345678"))); again != id {
		t.Errorf("same inputs, different ids: %s %s", id, again)
	}
	if other := NewRunID(now, "hash", bytes.NewReader([]byte("87654321"))); other == id {
		t.Error("different random bytes, same id")
	}
	if other := NewRunID(now, "hash2", bytes.NewReader([]byte("12345678"))); other == id {
		t.Error("different config hash, same id")
	}
	if noRand := NewRunID(now, "hash", nil); !re.MatchString(noRand) {
		t.Errorf("id without rnd %q", noRand)
	}
	if short := NewRunID(now, "hash", bytes.NewReader([]byte("12"))); !re.MatchString(short) {
		t.Errorf("id with short rnd %q", short)
	}
}

// insertEquityPrepared is the alternative to the appender that Save could
// use: one prepared INSERT per row inside the transaction. It exists here
// only to compare speeds (BenchmarkEquityInsert).
func insertEquityPrepared(ctx context.Context, db *sql.DB, rep *results.Report) error {
	days, _, err := equityRows(rep.Equity)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO run_equity (run_id, "date", equity, invested) VALUES ($1, $2, $3, $4)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	row := make([]driver.Value, 4)
	for i, e := range rep.Equity {
		r := equityRow(row, rep.RunID, days[i], e)
		if _, err := stmt.ExecContext(ctx, r[0], r[1], r[2], r[3]); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// BenchmarkEquityInsert compares writing 5,000 equity rows in a transaction
// with the appender (a whole Save, so it includes the run row, trades and
// signals) against prepared statements (the equity rows alone).
func BenchmarkEquityInsert(b *testing.B) {
	ctx := context.Background()
	rep := sampleReport("", "2024-01-01T00:00:00Z", 5000)
	b.Run("appender_save", func(b *testing.B) {
		s, _ := newStore(b)
		i := 0
		for b.Loop() {
			rep.RunID = fmt.Sprintf("run-%d", i)
			i++
			if err := s.Save(ctx, rep); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("prepared_equity_only", func(b *testing.B) {
		_, db := newStore(b)
		i := 0
		for b.Loop() {
			rep.RunID = fmt.Sprintf("run-%d", i)
			i++
			if err := insertEquityPrepared(ctx, db, rep); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestPendingRunInvisibleUntilCommit: rows written by Begin are not seen by
// other connections until Commit, after which the run reads back as Save
// stores it; a Rollback, or a Commit with a report that is not the run
// whose rows were written, leaves nothing.
func TestPendingRunInvisibleUntilCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newStore(t)
	counts := func() [4]int {
		return [4]int{
			count(t, db, `SELECT count(*) FROM runs`),
			count(t, db, `SELECT count(*) FROM run_trades`),
			count(t, db, `SELECT count(*) FROM run_signals`),
			count(t, db, `SELECT count(*) FROM run_equity`),
		}
	}
	rep := sampleReport("20240101-000000-aaaaaa", "2024-01-01T00:00:00Z", 40)
	p, err := s.Begin(ctx, rep.RunID, rep.Trades, rep.Signals, rep.Equity)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(); got != [4]int{} {
		t.Fatalf("rows visible before commit: %v", got)
	}
	enc, err := results.MarshalReport(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(ctx, rep, enc); err != nil {
		t.Fatal(err)
	}
	if got := counts(); got != [4]int{1, 2, 3, 40} {
		t.Fatalf("counts after commit %v", got)
	}
	got, err := s.GetJSON(ctx, rep.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, mustJSON(t, rep)) {
		t.Error("committed run does not read back as its report")
	}
	if err := p.Commit(ctx, rep, enc); err == nil {
		t.Error("second commit: no error")
	}

	// Rolled back: nothing.
	other := sampleReport("20240102-000000-bbbbbb", "2024-01-02T00:00:00Z", 10)
	p, err = s.Begin(ctx, other.RunID, other.Trades, other.Signals, other.Equity)
	if err != nil {
		t.Fatal(err)
	}
	p.Rollback()
	p.Rollback() // a second one does nothing
	if got := counts(); got != [4]int{1, 2, 3, 40} {
		t.Errorf("counts after rollback %v", got)
	}
	// A report that is not the pending run's: refused, rolled back.
	for _, wrong := range []*results.Report{
		sampleReport("20240103-000000-cccccc", "2024-01-03T00:00:00Z", 10), // another id
		sampleReport(other.RunID, "2024-01-02T00:00:00Z", 11),              // another curve
	} {
		p, err = s.Begin(ctx, other.RunID, other.Trades, other.Signals, other.Equity)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := results.MarshalReport(wrong)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Commit(ctx, wrong, enc); err == nil || !strings.Contains(err.Error(), "not the run") {
			t.Errorf("commit of another report: %v", err)
		}
		if got := counts(); got != [4]int{1, 2, 3, 40} {
			t.Errorf("counts after a refused commit %v", got)
		}
	}
}
