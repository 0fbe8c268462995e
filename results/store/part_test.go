package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writePart writes rows as shard index of count of rec into dir through a
// Part, committing a chunk every chunk rows, and finishes it.
func writePart(t testing.TB, dir string, rec SweepRecord, index, count, chunk int, rows []*TrialRow) []string {
	t.Helper()
	ctx := context.Background()
	p := NewPart(dir, rec.SweepID, index, count)
	if err := p.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	w, err := p.NewWriter(ctx, rec.SweepID, PartWriterOptions{ChunkRows: chunk, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	files, err := p.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// duckdbPart writes the same part as DuckDB would: the rows appended to a
// database, then COPY ... TO Parquet of the table (the export of the parts
// before they were written from Go).
func duckdbPart(t testing.TB, dir string, rec SweepRecord, index, count int, rows []*TrialRow) []string {
	t.Helper()
	ctx := context.Background()
	sw, _ := newSweeps(t, filepath.Join(dir, "duck.duckdb"))
	if err := sw.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	w, err := sw.NewWriter(ctx, rec.SweepID, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	stem := filepath.Join(dir, "duck")
	cols := make([]string, len(trialColumns))
	for i, c := range trialColumns {
		cols[i] = fmt.Sprintf("%q", c[0])
	}
	for _, j := range []struct{ file, query string }{
		{stem + ".trials.parquet", `SELECT ` + strings.Join(cols, ", ") + ` FROM sweep_trials ORDER BY trial_index`},
		{stem + ".sweep.parquet", fmt.Sprintf(`SELECT %s, %d::INTEGER AS shard_index, %d::INTEGER AS shard_count FROM sweeps`,
			strings.Join(sweepColumns, ", "), index, count)},
	} {
		if err := copyTo(ctx, sw.db, j.query, j.file, "parquet-parts"); err != nil {
			t.Fatal(err)
		}
	}
	return []string{stem + ".trials.parquet", stem + ".sweep.parquet"}
}

// TestPartMatchesDuckDB: the part files written from Go have the columns,
// the DuckDB types and the values of DuckDB's own export of the same rows
// (read back by DuckDB's read_parquet, as the merge reads them), NULLs,
// negative zero, the largest UBIGINT and the pbo_sums bytes included.
func TestPartMatchesDuckDB(t *testing.T) {
	dir := t.TempDir()
	rec := sweepRecord("r2k-grid-bbbbbbbbbbbb", 40)
	rec.CreatedAt = time.Date(2026, 11, 21, 19, 30, 0, 123456000, time.UTC)
	var rows []*TrialRow
	for i := 39; i >= 0; i -= 3 { // out of order, as the workers finish
		rows = append(rows, trialRow(i))
	}
	goFiles := writePart(t, filepath.Join(dir, "go"), rec, 1, 3, 5, rows)
	duckFiles := duckdbPart(t, dir, rec, 1, 3, rows)
	db := openDB(t, "")
	for k := range goFiles {
		describe := func(f string) [][2]string {
			r, err := db.Query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(` + sqlString(f) + `))`)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var out [][2]string
			for r.Next() {
				var c [2]string
				if err := r.Scan(&c[0], &c[1]); err != nil {
					t.Fatal(err)
				}
				out = append(out, c)
			}
			return out
		}
		g, d := describe(goFiles[k]), describe(duckFiles[k])
		if !reflect.DeepEqual(g, d) || len(g) < 16 {
			t.Fatalf("%s columns\n%v\nDuckDB's export\n%v", filepath.Base(goFiles[k]), g, d)
		}
		// Every row equal, compared by DuckDB (EXCEPT ALL both ways; NULLs
		// are equal there).
		var n, differ int
		if err := db.QueryRow(`SELECT count(*) FROM (SELECT * FROM read_parquet(` + sqlString(goFiles[k]) + `) EXCEPT ALL SELECT * FROM read_parquet(` + sqlString(duckFiles[k]) + `))`).Scan(&differ); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT count(*) FROM read_parquet(` + sqlString(goFiles[k]) + `)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		var back int
		if err := db.QueryRow(`SELECT count(*) FROM (SELECT * FROM read_parquet(` + sqlString(duckFiles[k]) + `) EXCEPT ALL SELECT * FROM read_parquet(` + sqlString(goFiles[k]) + `))`).Scan(&back); err != nil {
			t.Fatal(err)
		}
		want := 1
		if k == 0 {
			want = len(rows)
		}
		if n != want || differ != 0 || back != 0 {
			t.Fatalf("%s: %d rows (want %d), %d differ from DuckDB's export, %d of DuckDB's missing", filepath.Base(goFiles[k]), n, want, differ, back)
		}
	}
	// The bits of every float: EXCEPT compares -0 and 0 as equal.
	var bits int
	if err := db.QueryRow(`SELECT count(*) FROM read_parquet(` + sqlString(goFiles[0]) + `) g JOIN read_parquet(` + sqlString(duckFiles[0]) + `) d USING (trial_index)
		WHERE g.median_trade_return::VARCHAR <> d.median_trade_return::VARCHAR OR g.pbo_sums <> d.pbo_sums`).Scan(&bits); err != nil {
		t.Fatal(err)
	}
	if bits != 0 {
		t.Fatalf("%d rows with other float bits", bits)
	}
}

// TestPartResume: a part read back gives the rows written; a writer
// interrupted (its Close commits the rows queued) and a new writer on the
// same part add chunks; a chunk half-written by a killed process is
// ignored and removed; Finish writes one trials file equal to one written in
// a single run, and the part then reads from it.
func TestPartResume(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rec := sweepRecord("r2k-grid-cccccccccccc", 30)
	p := NewPart(dir, rec.SweepID, 0, 1)
	if _, err := p.Get(ctx, rec.SweepID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get before create: %v", err)
	}
	if err := p.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := p.Create(ctx, rec); !errors.Is(err, ErrSweepExists) {
		t.Fatalf("second create: %v", err)
	}
	if got, err := p.Get(ctx, rec.SweepID); err != nil || !reflect.DeepEqual(*got, rec) {
		t.Fatalf("get %+v %v, want %+v", got, err, rec)
	}
	w, err := p.NewWriter(ctx, rec.SweepID, PartWriterOptions{ChunkRows: 4, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := w.Add(ctx, trialRow(29-i)); err != nil {
			t.Fatal(err)
		}
	}
	if w.Written() != 8 {
		t.Fatalf("written %d before close, want 8 (two chunks of 4)", w.Written())
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := w.Close(cancelled); err != nil || w.Written() != 10 {
		t.Fatalf("close after cancel: %v, %d written", err, w.Written())
	}
	// A killed writer's unfinished chunk.
	tmp := filepath.Join(p.partialDir(), "trials-000004.parquet.tmp")
	if err := os.WriteFile(tmp, []byte("PAR1 half"), 0o644); err != nil {
		t.Fatal(err)
	}
	done, err := p.Done(ctx, rec.SweepID)
	if err != nil || len(done) != 10 || done[20] != trialRow(20).Hash || done[19] != "" {
		t.Fatalf("done %v %v", done, err)
	}
	if n, err := p.Committed(); err != nil || n != 10 {
		t.Fatalf("committed %d %v, want 10", n, err)
	}
	// Not finished: no part files the merge would see.
	for _, f := range p.Files() {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Fatalf("%s exists before Finish: %v", f, err)
		}
	}
	w, err = p.NewWriter(ctx, rec.SweepID, PartWriterOptions{ChunkRows: 7, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("the unfinished chunk is still there: %v", err)
	}
	for i := range 20 {
		if err := w.Add(ctx, trialRow(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	files, err := p.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.partialDir()); !os.IsNotExist(err) {
		t.Fatalf("the partial folder is left: %v", err)
	}
	seen := map[int]bool{}
	if err := p.Trials(ctx, rec.SweepID, func(r *TrialRow) error {
		if seen[r.Index] || !sameRow(r, wantRoundTrip(trialRow(r.Index))) {
			return fmt.Errorf("row %d differs or repeats: %+v", r.Index, r)
		}
		seen[r.Index] = true
		return nil
	}); err != nil || len(seen) != 30 {
		t.Fatalf("trials after finish: %d, %v", len(seen), err)
	}
	if got, err := p.Get(ctx, rec.SweepID); err != nil || !reflect.DeepEqual(*got, rec) {
		t.Fatalf("get after finish %+v %v", got, err)
	}
	// Imported, the resumed part equals a part written in one go.
	var all []*TrialRow
	for i := range 30 {
		all = append(all, trialRow(i))
	}
	one := writePart(t, filepath.Join(dir, "one"), rec, 0, 1, 1000, all)
	for k, fs := range [][]string{files, one} {
		sw, _ := newSweeps(t, filepath.Join(dir, fmt.Sprintf("m%d.duckdb", k)))
		rep, err := sw.ImportParts(ctx, fs, "")
		if err != nil || rep.Stored != 30 || len(rep.Missing) != 0 || rep.Duplicates != 0 {
			t.Fatalf("import %d: %+v %v", k, rep, err)
		}
		got, err := sw.Get(ctx, rec.SweepID)
		if err != nil || !reflect.DeepEqual(*got, rec) {
			t.Fatalf("imported record %+v %v", got, err)
		}
		for _, r := range readAll(t, sw, rec.SweepID) {
			if !sameRow(r, wantRoundTrip(trialRow(r.Index))) {
				t.Fatalf("imported row %d differs: %+v", r.Index, r)
			}
		}
	}
	// Finish again keeps the files; Delete removes them.
	if again, err := p.Finish(ctx); err != nil || !reflect.DeepEqual(again, files) {
		t.Fatalf("finish again %v %v", again, err)
	}
	if err := p.Delete(ctx, rec.SweepID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(ctx, rec.SweepID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "r2k-grid-cccccccccccc*")); len(left) != 0 {
		t.Fatalf("left after delete: %v", left)
	}
}
