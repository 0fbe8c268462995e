package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/riskon/riskon/results"
)

func newSweeps(t testing.TB, path string) (*Sweeps, *Store) {
	t.Helper()
	db := openDB(t, path)
	sw, err := NewSweeps(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := New(context.Background(), db) // both components share the file
	if err != nil {
		t.Fatal(err)
	}
	return sw, rs
}

func sweepRecord(id string, trials int) SweepRecord {
	return SweepRecord{SweepID: id, Name: "r2k-grid", CreatedAt: time.Date(2026, 11, 21, 19, 30, 0, 0, time.UTC),
		Version: "0.1.0", Spec: json.RawMessage(`{"name":"r2k-grid","grid":[{"key":"trade.hold_days","values":[1,3]}]}`),
		BaseConfig: json.RawMessage(`{"name":"r2k-breakout-btc","capital":100000}`), BaseHash: strings.Repeat("a", 64),
		DataFingerprint: strings.Repeat("d", 64), Trials: trials, RankBy: "sharpe",
		PBOStart: time.Date(2011, 8, 26, 0, 0, 0, 0, time.UTC), PBOBlockDays: 328, PBOBlocks: 16}
}

// trialRow builds a distinct row for index i, with undefined metrics and
// awkward floats.
func trialRow(i int) *TrialRow {
	r := &TrialRow{
		Index: i, Hash: fmt.Sprintf("%064x", i+1),
		Params: json.RawMessage(fmt.Sprintf(`{"trigger.lookback":%d,"trade.targets":["BTC","ETH"],"trade.trailing_stop":0.1}`, 5+i)),
		Metrics: results.Metrics{TotalReturn: results.Value(0.1 * float64(i)), CAGR: 0.05, MaxDrawdown: 0.3, MaxDrawdownDays: 40 + i,
			Sharpe: results.Value(1 / 3.0), Sortino: results.NA, Calmar: results.Value(math.Inf(1)), Volatility: 0.5, Exposure: 0.25,
			Trades: i, WinRate: results.NA, AvgTradeReturn: 0.01, MedianTradeReturn: results.Value(math.Copysign(0, -1)), ProfitFactor: 2, BestTrade: 0.2,
			WorstTrade: -0.1, FinalEquity: 123456.789, Annualization: 365, Days: 5000},
		Benchmark: results.Metrics{TotalReturn: 8, Sharpe: 1.1, Annualization: 365, Days: 5000, CAGR: results.NA},
		Signals:   3 * i, Trades: i, Episodes: i / 2, TooFew: i < 20, Seed: math.MaxUint64 - uint64(i),
		RetDays: 5000, RetSkew: -0.25, RetKurt: math.NaN(),
		PBOSums: []float64{0.01, -0.02, math.SmallestNonzeroFloat64, 0, float64(i), 1e-300},
	}
	// NaN/Inf metrics are stored as NULL and read back as NaN.
	return r
}

func wantRoundTrip(r *TrialRow) *TrialRow {
	c := *r
	c.Metrics.Calmar = results.NA
	return &c
}

func sameRow(a, b *TrialRow) bool {
	eq := func(x, y results.Metrics) bool {
		vx, vy := reflect.ValueOf(x), reflect.ValueOf(y)
		for i := range vx.NumField() {
			fx, fy := vx.Field(i).Interface(), vy.Field(i).Interface()
			if v, ok := fx.(results.Value); ok {
				w := fy.(results.Value)
				// Signbit: a negative zero must come back negative.
				if !(v == w && math.Signbit(float64(v)) == math.Signbit(float64(w)) || !v.Valid() && !w.Valid()) {
					return false
				}
				continue
			}
			if !reflect.DeepEqual(fx, fy) {
				return false
			}
		}
		return true
	}
	f := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	return a.Index == b.Index && a.Hash == b.Hash && string(a.Params) == string(b.Params) && eq(a.Metrics, b.Metrics) &&
		eq(a.Benchmark, b.Benchmark) && a.Signals == b.Signals && a.Trades == b.Trades && a.Episodes == b.Episodes &&
		a.TooFew == b.TooFew && a.Seed == b.Seed && a.RetDays == b.RetDays && f(a.RetSkew, b.RetSkew) && f(a.RetKurt, b.RetKurt) &&
		reflect.DeepEqual(a.PBOSums, b.PBOSums)
}

func readAll(t testing.TB, sw *Sweeps, id string) []*TrialRow {
	t.Helper()
	var out []*TrialRow
	if err := sw.Trials(context.Background(), id, func(r *TrialRow) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSweepStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "riskon.duckdb")
	sw, _ := newSweeps(t, path)
	rec := sweepRecord("r2k-grid-0123456789ab", 30)
	if err := sw.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := sw.Create(ctx, rec); !errors.Is(err, ErrSweepExists) {
		t.Fatalf("second create: %v, want ErrSweepExists", err)
	}
	got, err := sw.Get(ctx, rec.SweepID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, rec) {
		t.Errorf("sweep record\n%+v\nwant\n%+v", *got, rec)
	}
	if id, err := sw.Resolve(ctx, "r2k-grid-01"); err != nil || id != rec.SweepID {
		t.Errorf("resolve prefix: %q %v", id, err)
	}
	if _, err := sw.Resolve(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("resolve unknown: %v", err)
	}

	w, err := sw.NewWriter(ctx, rec.SweepID, WriterOptions{BatchRows: 7, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// Write in a scrambled order: rows come back in index order.
	order := []int{3, 0, 9, 1, 2, 8, 4, 7, 6, 5, 19, 10, 11, 12, 13, 14, 15, 16, 17, 18}
	for k, i := range order {
		if err := w.Add(ctx, trialRow(i)); err != nil {
			t.Fatal(err)
		}
		// Batches of 7 are committed as they fill: another connection sees them.
		if done, err := sw.Done(ctx, rec.SweepID); err != nil || len(done) != (k+1)/7*7 {
			t.Fatalf("after %d rows: %d committed (%v), want %d", k+1, len(done), err, (k+1)/7*7)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, sw, rec.SweepID)
	if len(rows) != 20 {
		t.Fatalf("%d rows, want 20", len(rows))
	}
	for i, r := range rows {
		if !sameRow(r, wantRoundTrip(trialRow(i))) {
			t.Fatalf("row %d:\n%+v\nwant\n%+v", i, r, trialRow(i))
		}
	}
	one, err := sw.Trial(ctx, rec.SweepID, 9)
	if err != nil || !sameRow(one, wantRoundTrip(trialRow(9))) {
		t.Fatalf("Trial 9: %+v %v", one, err)
	}
	if _, err := sw.Trial(ctx, rec.SweepID, 25); !errors.Is(err, ErrNotFound) {
		t.Errorf("Trial 25: %v", err)
	}
	// Each trial exactly once: writing a stored index again fails and
	// commits nothing of its batch.
	w, err = sw.NewWriter(ctx, rec.SweepID, WriterOptions{BatchRows: 3})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Add(ctx, trialRow(20))
	_ = w.Add(ctx, trialRow(21))
	if err := w.Add(ctx, trialRow(4)); err == nil || !strings.Contains(err.Error(), "exactly once") {
		t.Fatalf("duplicate trial: %v", err)
	}
	_ = w.Close(ctx)
	if done, _ := sw.Done(ctx, rec.SweepID); len(done) != 20 || done[4] != trialRow(4).Hash {
		t.Fatalf("after a failed batch: %d stored", len(done))
	}
	// Time-based commits: with a zero-length interval every row commits.
	w, err = sw.NewWriter(ctx, rec.SweepID, WriterOptions{BatchRows: 1000, Interval: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(ctx, trialRow(22)); err != nil {
		t.Fatal(err)
	}
	if done, _ := sw.Done(ctx, rec.SweepID); len(done) != 21 {
		t.Fatalf("interval commit: %d stored, want 21", len(done))
	}
	_ = w.Close(ctx)
	list, err := sw.List(ctx)
	if err != nil || len(list) != 1 || list[0].Done != 21 || list[0].Trials != 30 {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := sw.Delete(ctx, rec.SweepID); err != nil {
		t.Fatal(err)
	}
	if _, err := sw.Get(ctx, rec.SweepID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	// A writer closed with a cancelled context still commits.
	if err := sw.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	w, err = sw.NewWriter(ctx, rec.SweepID, WriterOptions{BatchRows: 100, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	_ = w.Add(cctx, trialRow(1))
	cancel()
	if err := w.Close(cctx); err != nil {
		t.Fatal(err)
	}
	if done, _ := sw.Done(ctx, rec.SweepID); len(done) != 1 {
		t.Fatalf("close after cancel: %d stored, want 1", len(done))
	}
}

// TestSweepPartsMerge exports three of four shards and a duplicate part,
// merges them into another database, and checks the report and the rows.
func TestSweepPartsMerge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "parts")
	rec := sweepRecord("r2k-grid-aaaaaaaaaaaa", 23)
	for shard := range 4 {
		if shard == 2 {
			continue // a missing shard
		}
		var rows []*TrialRow
		for i := shard; i < rec.Trials; i += 4 {
			rows = append(rows, trialRow(i))
		}
		files := writePart(t, out, rec, shard, 4, 2, rows)
		if len(files) != 2 || filepath.Base(files[0]) != fmt.Sprintf("r2k-grid-aaaaaaaaaaaa.part-%d-of-4.trials.parquet", shard) {
			t.Fatalf("files %v", files)
		}
	}
	sw, _ := newSweeps(t, filepath.Join(dir, "merged.duckdb"))
	files, _ := filepath.Glob(filepath.Join(out, "*.parquet"))
	rep, err := sw.ImportParts(ctx, files, "")
	if err != nil {
		t.Fatal(err)
	}
	var wantMissing []int
	for i := 2; i < 23; i += 4 {
		wantMissing = append(wantMissing, i)
	}
	if rep.SweepID != rec.SweepID || rep.ShardCount != 4 || !reflect.DeepEqual(rep.MissingShards, []int{2}) ||
		rep.Total != 23 || rep.Stored != 23-len(wantMissing) || rep.Added != rep.Stored ||
		!reflect.DeepEqual(rep.Missing, wantMissing) || rep.Duplicates != 0 || len(rep.Conflicts) != 0 || len(rep.Parts) != 3 {
		t.Fatalf("merge report %+v", rep)
	}
	got, err := sw.Get(ctx, rec.SweepID)
	if err != nil || !reflect.DeepEqual(*got, rec) {
		t.Fatalf("merged sweep record %+v %v", got, err)
	}
	for _, r := range readAll(t, sw, rec.SweepID) {
		if r.Index%4 == 2 || !sameRow(r, wantRoundTrip(trialRow(r.Index))) {
			t.Fatalf("merged row %d differs: %+v", r.Index, r)
		}
	}
	// Merging again adds nothing; a second copy of shard 0 under another
	// name is a duplicate, and a shard with a different result a conflict.
	var rows2, rows3 []*TrialRow
	for i := 2; i < rec.Trials; i += 4 {
		r := trialRow(i)
		if i == 6 {
			r.Metrics.Sharpe = 9 // differs from the trial 6 below
		}
		rows2, rows3 = append(rows2, r), append(rows3, trialRow(i))
	}
	out2, out3 := filepath.Join(dir, "parts2"), filepath.Join(dir, "parts3")
	writePart(t, out2, rec, 2, 4, 100, rows2)
	writePart(t, out3, rec, 2, 4, 100, rows3)
	more, _ := filepath.Glob(filepath.Join(out2, "*.parquet"))
	more3, _ := filepath.Glob(filepath.Join(out3, "*.parquet"))
	rep, err = sw.ImportParts(ctx, append(append(files, more...), more3...), "r2k-grid")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stored != 23 || rep.Added != len(wantMissing) || len(rep.Missing) != 0 || len(rep.MissingShards) != 0 ||
		rep.Duplicates != len(wantMissing) || !reflect.DeepEqual(rep.Conflicts, []int{6}) {
		t.Fatalf("second merge %+v", rep)
	}
	// Parts of another sweep in the same directory need --sweep.
	other := sweepRecord("other-bbbbbbbbbbbb", 1)
	writePart(t, out, other, 0, 1, 100, nil)
	files, _ = filepath.Glob(filepath.Join(out, "*.parquet"))
	if _, err := sw.ImportParts(ctx, files, ""); err == nil || !strings.Contains(err.Error(), "--sweep") {
		t.Fatalf("two sweeps: %v", err)
	}
	if _, err := sw.ImportParts(ctx, nil, ""); err == nil || !strings.Contains(err.Error(), "no part files") {
		t.Fatalf("no files: %v", err)
	}
}

func TestSweepStoreReadOnlyEmpty(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ro.duckdb")
	db := openDB(t, path)
	if _, err := db.Exec(`CREATE TABLE x (a INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := sql.Open("duckdb", path+dsnOpts+"&access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	sw, err := NewSweeps(ctx, db2)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := sw.List(ctx); err != nil || len(l) != 0 {
		t.Fatalf("list on an empty read-only db: %v %v", l, err)
	}
	if _, err := sw.Get(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get: %v", err)
	}
	if err := sw.Create(ctx, sweepRecord("x", 1)); err == nil {
		t.Fatal("create on a read-only db succeeded")
	}
}

// TestExport writes a sweep and a run as Parquet and CSV and reads them back
// with DuckDB's own readers.
func TestExport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sw, rs := newSweeps(t, filepath.Join(dir, "riskon.duckdb"))
	rec := sweepRecord("g-cccccccccccc", 3)
	if err := sw.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	w, _ := sw.NewWriter(ctx, rec.SweepID, WriterOptions{})
	for i := range 3 {
		r := trialRow(i)
		if i == 2 {
			r.Params = json.RawMessage(`{"trigger.lookback":7.5,"trade.targets":["SOL"],"trade.trailing_stop":0.1,"seed":3}`)
		}
		if err := w.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rep := sampleReport("20261121-193000-ab12cd", "2026-11-21T19:30:00Z", 10)
	if err := rs.Save(ctx, rep); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, filepath.Join(dir, "check.duckdb"))
	for _, format := range []string{FormatParquet, FormatCSV} {
		out := filepath.Join(dir, format)
		files, err := sw.Export(ctx, "g-c", out, format)
		if err != nil {
			t.Fatal(err)
		}
		reader := "read_parquet"
		if format == FormatCSV {
			reader = "read_csv_auto"
		}
		var n int
		var lookback float64
		var targets, seedParam string
		var sharpe float64
		q := fmt.Sprintf(`SELECT count(*) OVER (), "trigger.lookback", "trade.targets", "param.seed", sharpe FROM %s(%s) ORDER BY trial_index DESC LIMIT 1`, reader, sqlString(files[0]))
		if err := db.QueryRow(q).Scan(&n, &lookback, &targets, &seedParam, &sharpe); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if n != 3 || lookback != 7.5 || targets != `["SOL"]` || seedParam != "3" || sharpe != 1/3.0 {
			t.Errorf("%s trials: n=%d lookback=%v targets=%s seed=%s sharpe=%v", format, n, lookback, targets, seedParam, sharpe)
		}
		runFiles, err := rs.Export(ctx, "20261121", out, format)
		if err != nil {
			t.Fatal(err)
		}
		if len(runFiles) != 4 {
			t.Fatalf("run files %v", runFiles)
		}
		var runSharpe, ciHigh float64
		var trades int
		if err := db.QueryRow(fmt.Sprintf(`SELECT sharpe, COALESCE(evidence_sharpe_ci_high, -1), evidence_trades FROM %s(%s)`, reader, sqlString(runFiles[0]))).Scan(&runSharpe, &ciHigh, &trades); err != nil {
			t.Fatalf("%s run: %v", format, err)
		}
		if runSharpe != 0.8 || trades != 2 {
			t.Errorf("%s run row: sharpe %v trades %d", format, runSharpe, trades)
		}
		if got := count(t, db, fmt.Sprintf(`SELECT count(*) FROM %s(%s)`, reader, sqlString(runFiles[3]))); got != 10 {
			t.Errorf("%s equity rows %d, want 10", format, got)
		}
	}
	if _, err := sw.Export(ctx, "g-c", dir, "xlsx"); err == nil {
		t.Error("xlsx accepted")
	}
}
