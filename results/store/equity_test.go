package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riskon/riskon/internal/migrate"
	"github.com/riskon/riskon/results"
)

// storedLayout reads how a run's report is stored: whether its JSON holds
// an "equity" key, and equity_at and equity_days.
func storedLayout(t *testing.T, db *sql.DB, id string) (hasEquity bool, at, days sql.NullInt64) {
	t.Helper()
	var report string
	if err := db.QueryRow(`SELECT report::VARCHAR, equity_at, equity_days FROM runs WHERE run_id = $1`, id).Scan(&report, &at, &days); err != nil {
		t.Fatal(err)
	}
	return strings.Contains(report, `"equity":[`), at, days
}

// TestEquityStoredOnce: the equity curve is stored in run_equity only, and
// GetJSON and Get give back the report byte for byte, undefined values
// (NULL in run_equity) as null and a negative zero as -0.
func TestEquityStoredOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newStore(t)
	rep := sampleReport("20261121-193000-ab12cd", "2026-11-21T19:30:00Z", 400)
	rep.Equity[3].Equity = results.NA
	rep.Equity[4].Invested = results.Value(math.Inf(1))
	rep.Equity[5].Invested = results.Value(math.Copysign(0, -1))
	rep.Equity[6].Equity = 5e-324
	rep.SetSelection(results.Selection{SweepID: "sw", Trial: 1, Trials: 2, RankBy: "sharpe", Rank: 1, DSR: 0.5, PBO: results.NA})
	rep.Filters = []results.FilterCoverage{{Symbol: "X", Rule: "above_ma"}}
	want := mustJSON(t, rep)
	if err := s.Save(ctx, rep); err != nil {
		t.Fatal(err)
	}
	has, at, days := storedLayout(t, db, rep.RunID)
	if has || !at.Valid || days.Int64 != 400 {
		t.Fatalf("report holds the curve %v, equity_at %v, equity_days %v; want the curve apart, 400 days", has, at, days)
	}
	// The offset is where the curve was: right after the signals.
	if i := bytes.Index(want, []byte(`,"equity":[`)); int64(i) != at.Int64 {
		t.Errorf("equity_at = %d, the curve starts at byte %d of the report", at.Int64, i)
	}
	// Read from the database file as compressed by a checkpoint.
	if _, err := db.Exec(`CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
	raw, err := s.GetJSON(ctx, rep.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, want) {
		t.Errorf("GetJSON differs:\n%s\nwant\n%s", raw, want)
	}
	got, err := s.Get(ctx, rep.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if b := mustJSON(t, got); !bytes.Equal(b, want) {
		t.Errorf("Get differs:\n%s\nwant\n%s", b, want)
	}
	if v := got.Equity[5].Invested; v != 0 || !math.Signbit(float64(v)) {
		t.Errorf("negative zero read back as %v", v)
	}
	if got.Equity[3].Equity.Valid() || got.Equity[4].Invested.Valid() {
		t.Errorf("undefined values read back as %v, %v", got.Equity[3].Equity, got.Equity[4].Invested)
	}

	// One missing row of the curve is a damaged database, not a short curve.
	if _, err := db.Exec(`DELETE FROM run_equity WHERE run_id = $1 AND "date" = DATE '2017-08-20'`, rep.RunID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetJSON(ctx, rep.RunID); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("GetJSON with a row missing: %v, want a damaged database", err)
	}
	if _, err := s.Get(ctx, rep.RunID); err == nil {
		t.Error("Get with a row missing: no error")
	}
}

// TestEquityKeptInReport: a curve the rows of run_equity would not give back
// exactly (dates not YYYY-MM-DD, or not increasing) stays in the report
// JSON, as every run did before schema version 2; a run without a curve
// needs nothing apart.
func TestEquityKeptInReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := newStore(t)
	rfc := sampleReport("20261121-193000-000001", "2026-11-21T19:30:00Z", 3)
	rfc.Equity[1].Date = "2017-08-18T00:00:00Z"
	unsorted := sampleReport("20261121-193000-000002", "2026-11-21T19:30:00Z", 3)
	unsorted.Equity[0], unsorted.Equity[1] = unsorted.Equity[1], unsorted.Equity[0]
	twice := sampleReport("20261121-193000-000003", "2026-11-21T19:30:00Z", 3)
	twice.Equity[1].Date = twice.Equity[0].Date
	none := sampleReport("20261121-193000-000004", "2026-11-21T19:30:00Z", 0)
	for _, rep := range []*results.Report{rfc, unsorted, twice, none} {
		want := mustJSON(t, rep)
		if err := s.Save(ctx, rep); err != nil {
			t.Fatal(err)
		}
		has, at, days := storedLayout(t, db, rep.RunID)
		if has != (len(rep.Equity) > 0) || at.Valid || days.Valid {
			t.Errorf("%s: report holds the curve %v, equity_at %v, equity_days %v; want the curve in the report", rep.RunID, has, at, days)
		}
		raw, err := s.GetJSON(ctx, rep.RunID)
		if err != nil || !bytes.Equal(raw, want) {
			t.Errorf("%s: GetJSON differs (%v):\n%s\nwant\n%s", rep.RunID, err, raw, want)
		}
	}
}

// TestVersion1Database: runs stored by schema version 1 (the curve inside
// the report) read back unchanged from a read-only database that was never
// migrated, and after the migration beside runs stored apart.
func TestVersion1Database(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "riskon.duckdb")
	old := sampleReport("20240101-000000-aaaaaa", "2024-01-01T00:00:00Z", 50)
	oldJSON := mustJSON(t, old)
	{
		db, err := sql.Open("duckdb", path+dsnOpts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := migrate.Up(ctx, db, migrate.Component{Name: component, What: "run store", Steps: runsMigrations[:1]}); err != nil {
			t.Fatal(err)
		}
		// The run as version 1 wrote it: the whole report as JSON, the
		// curve in run_equity as well.
		if _, err := db.Exec(`INSERT INTO runs (run_id, name, created_at, version, config_hash, data_fingerprint, synthetic, report)
			VALUES ($1, 'old', TIMESTAMPTZ '2024-01-01 00:00:00+00', '0.1.0', 'h', 'f', false, $2)`, old.RunID, string(oldJSON)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO run_equity SELECT $1, DATE '2017-08-17' + i::INTEGER, 1, 0 FROM range(50) t(i)`, old.RunID); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}

	ro, err := sql.Open("duckdb", path+dsnOpts+"&access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(ctx, ro)
	if err != nil {
		t.Fatalf("read-only version 1 database: %v", err)
	}
	if raw, err := s.GetJSON(ctx, old.RunID); err != nil || !bytes.Equal(raw, oldJSON) {
		t.Errorf("version 1 run read-only: %v\n%s", err, raw)
	}
	if got, err := s.Get(ctx, old.RunID); err != nil || !bytes.Equal(mustJSON(t, got), oldJSON) {
		t.Errorf("version 1 run, Get read-only: %v", err)
	}
	if list, err := s.List(ctx, ListOptions{}); err != nil || len(list) != 1 {
		t.Errorf("List read-only: %v %v", list, err)
	}
	if err := s.Save(ctx, sampleReport("20240102-000000-bbbbbb", "2024-01-02T00:00:00Z", 5)); err == nil {
		t.Error("Save into a read-only version 1 database: no error")
	}
	ro.Close()

	rw := openDB(t, path)
	s2, err := New(ctx, rw)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := migrate.Version(ctx, rw, component); err != nil || v != len(runsMigrations) {
		t.Fatalf("version after opening read-write: %d %v", v, err)
	}
	newer := sampleReport("20240102-000000-bbbbbb", "2024-01-02T00:00:00Z", 20)
	if err := s2.Save(ctx, newer); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id   string
		want []byte
	}{{old.RunID, oldJSON}, {newer.RunID, mustJSON(t, newer)}} {
		raw, err := s2.GetJSON(ctx, c.id)
		if err != nil || !bytes.Equal(raw, c.want) {
			t.Errorf("%s after migrating: %v\n%s\nwant\n%s", c.id, err, raw, c.want)
		}
		var back results.Report
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Error(err)
		}
	}
	if has, at, _ := storedLayout(t, rw, old.RunID); !has || at.Valid {
		t.Errorf("the version 1 run was rewritten by the migration: curve in report %v, equity_at %v", has, at)
	}
}

// TestDayOf: dayOf accepts exactly the dates time.DateOnly writes.
func TestDayOf(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"2024-02-29", "1800-01-03", "0000-01-01", "9999-12-31", "2023-12-31"} {
		d, ok := dayOf(s)
		if !ok || d.Format(time.DateOnly) != s || d.Location() != time.UTC || d.Hour() != 0 {
			t.Errorf("dayOf(%q) = %v, %v", s, d, ok)
		}
	}
	for _, s := range []string{"2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "2024-04-31", "2024-1-01",
		"24-01-01", "2024/01/01", "2024-01-01T00:00:00Z", "+024-01-01", "2024-01-0a", ""} {
		if d, ok := dayOf(s); ok {
			t.Errorf("dayOf(%q) = %v, want refused", s, d)
		}
	}
}

// TestExportTradesReportColumns: the trade columns that live only in the
// report JSON (bar dates, days held, P&L) are exported for every trade in
// order, empty for a trade whose report row lacks them.
func TestExportTradesReportColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t)
	rep := sampleReport("20261121-193000-ab12cd", "2026-11-21T19:30:00Z", 10)
	pnl, hold := results.Value(-1917.8125), 365
	rep.Trades[0].EntryDate, rep.Trades[0].ExitDate = "2020-11-25", "2021-11-24"
	rep.Trades[0].PnL, rep.Trades[0].HoldDays = &pnl, &hold
	// Trade 1 has none of them (as a run stored before they existed).
	for i := range 3 { // more trades than one, in order
		tr := rep.Trades[0]
		tr.EntryDate = "2022-01-0" + string(rune('1'+i))
		rep.Trades = append(rep.Trades, tr)
	}
	if err := s.Save(ctx, rep); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := s.Export(ctx, rep.RunID, dir, FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, filepath.Join(dir, "check.duckdb"))
	rows, err := db.Query(`SELECT seq, COALESCE(strftime(entry_date, '%Y-%m-%d'), ''), COALESCE(strftime(exit_date, '%Y-%m-%d'), ''),
		COALESCE(hold_days, -1), COALESCE(pnl, 0) FROM read_csv_auto(` + sqlString(files[1]) + `) ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := []string{
		"0 2020-11-25 2021-11-24 365 -1917.8125",
		"1   -1 0",
		"2 2022-01-01 2021-11-24 365 -1917.8125",
		"3 2022-01-02 2021-11-24 365 -1917.8125",
		"4 2022-01-03 2021-11-24 365 -1917.8125",
	}
	var got []string
	for rows.Next() {
		var seq, hold int
		var entry, exit string
		var pnl float64
		if err := rows.Scan(&seq, &entry, &exit, &hold, &pnl); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.TrimSpace(strings.Join([]string{
			fmt.Sprint(seq), entry, exit, fmt.Sprint(hold), fmt.Sprint(pnl)}, " ")))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("exported trades:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
