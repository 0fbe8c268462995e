package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// release010DDL is the whole schema a database got from riskon 0.1.0 (the
// release before one migration runner and frozen sweep migrations), written
// out literally: its schema_migrations had no NOT NULL or key, and the
// sweep columns were then generated from results.Metrics. Do not edit: it
// is the past.
var release010DDL = []string{
	`CREATE TABLE schema_migrations (component VARCHAR, version INTEGER)`,
	`CREATE TABLE runs (
		run_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL, version VARCHAR NOT NULL,
		config_hash VARCHAR NOT NULL, data_fingerprint VARCHAR NOT NULL, window_start TIMESTAMPTZ, window_end TIMESTAMPTZ,
		synthetic BOOLEAN NOT NULL, metrics JSON, benchmark JSON, evidence JSON, config JSON, report JSON NOT NULL)`,
	`CREATE TABLE run_trades (run_id VARCHAR NOT NULL, seq INTEGER NOT NULL, symbol VARCHAR, signal_time TIMESTAMPTZ,
		entry_time TIMESTAMPTZ, entry_price DOUBLE, exit_time TIMESTAMPTZ, exit_price DOUBLE, units DOUBLE, "return" DOUBLE, exit_reason VARCHAR)`,
	`CREATE TABLE run_signals (run_id VARCHAR NOT NULL, seq INTEGER NOT NULL, "time" TIMESTAMPTZ, symbol VARCHAR, level DOUBLE,
		close DOUBLE, acted BOOLEAN, reason VARCHAR)`,
	`CREATE TABLE run_equity (run_id VARCHAR NOT NULL, "date" DATE, equity DOUBLE, invested DOUBLE)`,
	`CREATE TABLE sweeps (sweep_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL, version VARCHAR NOT NULL,
		spec JSON NOT NULL, base_config JSON NOT NULL, base_hash VARCHAR NOT NULL, data_fingerprint VARCHAR NOT NULL,
		synthetic BOOLEAN NOT NULL, trials INTEGER NOT NULL, rank_by VARCHAR NOT NULL, pbo_start DATE NOT NULL,
		pbo_block_days INTEGER NOT NULL, pbo_blocks INTEGER NOT NULL)`,
	`CREATE TABLE sweep_trials (
"sweep_id" VARCHAR NOT NULL,
"trial_index" INTEGER NOT NULL,
"trial_hash" VARCHAR NOT NULL,
"params" JSON NOT NULL,
"total_return" DOUBLE,
"cagr" DOUBLE,
"max_drawdown" DOUBLE,
"max_drawdown_days" INTEGER,
"sharpe" DOUBLE,
"sortino" DOUBLE,
"calmar" DOUBLE,
"volatility" DOUBLE,
"exposure" DOUBLE,
"trades" INTEGER,
"win_rate" DOUBLE,
"avg_trade_return" DOUBLE,
"median_trade_return" DOUBLE,
"profit_factor" DOUBLE,
"best_trade" DOUBLE,
"worst_trade" DOUBLE,
"final_equity" DOUBLE,
"annualization" INTEGER,
"days" INTEGER,
"bench_total_return" DOUBLE,
"bench_cagr" DOUBLE,
"bench_max_drawdown" DOUBLE,
"bench_max_drawdown_days" INTEGER,
"bench_sharpe" DOUBLE,
"bench_sortino" DOUBLE,
"bench_calmar" DOUBLE,
"bench_volatility" DOUBLE,
"bench_exposure" DOUBLE,
"bench_trades" INTEGER,
"bench_win_rate" DOUBLE,
"bench_avg_trade_return" DOUBLE,
"bench_median_trade_return" DOUBLE,
"bench_profit_factor" DOUBLE,
"bench_best_trade" DOUBLE,
"bench_worst_trade" DOUBLE,
"bench_final_equity" DOUBLE,
"bench_annualization" INTEGER,
"bench_days" INTEGER,
"signals" INTEGER,
"evidence_trades" INTEGER,
"episodes" INTEGER,
"too_few" BOOLEAN,
"seed" UBIGINT,
"ret_days" INTEGER,
"ret_skew" DOUBLE,
"ret_kurt" DOUBLE,
"pbo_sums" BLOB,
PRIMARY KEY (sweep_id, trial_index))`,
	`INSERT INTO schema_migrations VALUES ('runs', 1), ('sweeps', 1)`,
	// A sweep stored by 0.1.0, with one trial.
	`INSERT INTO sweeps VALUES ('old-sweep-0123456789ab', 'old', '2026-11-01 00:00:00+00', '0.1.0', '{}', '{}',
		'aaaa', 'dddd', false, 2, 'sharpe', '2011-08-26', 328, 16)`,
	`INSERT INTO sweep_trials (sweep_id, trial_index, trial_hash, params, sharpe, trades, max_drawdown_days, annualization, days,
		bench_max_drawdown_days, bench_trades, bench_annualization, bench_days, signals, evidence_trades, episodes, too_few, seed,
		ret_days, ret_skew, ret_kurt, pbo_sums) VALUES
		('old-sweep-0123456789ab', 0, 'h0', '{"trade.hold_days":1}', 0.5, 3, 10, 365, 1000, 20, 1, 365, 1000, 4, 3, 2, true, 7,
		1000, 0, 3, ''::BLOB)`,
}

// columns lists a database's tables and columns with their types, in order.
func columns(t *testing.T, db *sql.DB) string {
	t.Helper()
	rs, err := db.Query(`SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns()
		WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name, column_index`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var b strings.Builder
	for rs.Next() {
		var tbl, col, typ string
		var null bool
		if err := rs.Scan(&tbl, &col, &typ, &null); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s.%s %s null=%v\n", tbl, col, typ, null)
	}
	return b.String()
}

// TestUpgradeFromRelease010: a database made by the previous release's
// schema opens, upgrades to exactly the schema a new database gets, keeps
// its sweep and takes a new one.
func TestUpgradeFromRelease010(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	old := openDB(t, filepath.Join(dir, "old.duckdb"))
	for _, q := range release010DDL {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	sw, err := NewSweeps(ctx, old)
	if err != nil {
		t.Fatalf("open the 0.1.0 database: %v", err)
	}
	if _, err := New(ctx, old); err != nil {
		t.Fatalf("open the 0.1.0 database's runs: %v", err)
	}
	fresh := openDB(t, filepath.Join(dir, "fresh.duckdb"))
	if _, err := NewSweeps(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if _, err := New(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	// Same tables and columns apart from schema_migrations' constraints.
	strip := func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.HasPrefix(l, "schema_migrations.") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if a, b := strip(columns(t, old)), strip(columns(t, fresh)); a != b {
		t.Fatalf("the upgraded schema differs from a new database's:\nupgraded:\n%s\nnew:\n%s", a, b)
	}
	// The old sweep is still there, and a new sweep is stored beside it.
	oldRows := readAll(t, sw, "old-sweep-0123456789ab")
	if len(oldRows) != 1 || oldRows[0].Metrics.Trades != 3 || float64(oldRows[0].Metrics.Sharpe) != 0.5 || oldRows[0].Signals != 4 {
		t.Fatalf("the 0.1.0 sweep read back as %d rows %+v", len(oldRows), oldRows)
	}
	rec := sweepRecord("new-sweep-0123456789ab", 3)
	if err := sw.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	w, err := sw.NewWriter(ctx, rec.SweepID, WriterOptions{BatchRows: 2, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := w.Add(ctx, trialRow(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, sw, rec.SweepID)
	if len(rows) != 3 || !sameRow(rows[2], wantRoundTrip(trialRow(2))) {
		t.Fatalf("new sweep in the upgraded database: %d rows", len(rows))
	}
}

// TestSweepSchemaCoversMetrics: every column the sweep store writes (one
// per results.Metrics field, plain and bench_) exists in the schema the
// frozen migrations build, with its type. Adding a metric without a
// migration that adds its columns fails here, not in a user's database.
func TestSweepSchemaCoversMetrics(t *testing.T) {
	t.Parallel()
	db := openDB(t, filepath.Join(t.TempDir(), "riskon.duckdb"))
	if _, err := NewSweeps(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	have := columns(t, db)
	for _, c := range trialColumns {
		if !strings.Contains(have, fmt.Sprintf("sweep_trials.%s %s ", c[0], c[1])) {
			t.Errorf("sweep_trials has no column %s %s: append a migration to sweepsMigrations that adds it (ALTER TABLE sweep_trials ADD COLUMN ...); never edit a released one", c[0], c[1])
		}
	}
}
