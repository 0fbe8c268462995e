package migrate

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

func open(t *testing.T, path string, readOnly bool) *sql.DB {
	t.Helper()
	dsn := path
	if readOnly {
		dsn += "?access_mode=read_only"
	}
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestUp: steps apply in order once, each recorded; a later step is applied
// to a database at an earlier version; a newer database is refused; a
// read-only one is reported, not changed; a failing step changes nothing.
func TestUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.duckdb")
	db := open(t, path, false)
	v1 := Component{Name: "things", What: "thing store", Steps: [][]string{{`CREATE TABLE things (id INTEGER)`}}}
	if st, err := Up(ctx, db, v1); err != nil || st.Found != 0 {
		t.Fatalf("first Up: %+v %v", st, err)
	}
	if st, err := Up(ctx, db, v1); err != nil || st.Found != 1 {
		t.Fatalf("second Up: %+v %v (want found 1, nothing applied)", st, err)
	}
	v2 := v1
	v2.Steps = append(v2.Steps, []string{`ALTER TABLE things ADD COLUMN name VARCHAR`, `INSERT INTO things VALUES (1, 'a')`})
	if st, err := Up(ctx, db, v2); err != nil || st.Found != 1 {
		t.Fatalf("upgrade: %+v %v", st, err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations WHERE component = 'things'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("recorded versions: %d %v, want 2", n, err)
	}
	if _, err := Up(ctx, db, v1); err == nil || !strings.Contains(err.Error(), "newer than this riskon") {
		t.Fatalf("database newer than the code: %v", err)
	}
	bad := v2
	bad.Steps = append(bad.Steps, []string{`ALTER TABLE things ADD COLUMN size INTEGER`, `THIS IS NOT SQL`})
	if _, err := Up(ctx, db, bad); err == nil || !strings.Contains(err.Error(), "migrate to version 3") {
		t.Fatalf("failing step: %v", err)
	}
	if v, err := Version(ctx, db, "things"); err != nil || v != 2 {
		t.Fatalf("after a failed step: version %d %v, want 2", v, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM duckdb_columns() WHERE table_name = 'things' AND column_name = 'size'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a failed migration left column size (%d, %v)", n, err)
	}
	db.Close()
	ro := open(t, path, true)
	if st, err := Up(ctx, ro, bad); err != nil || !st.ReadOnly || st.Found != 2 {
		t.Fatalf("read-only: %+v %v", st, err)
	}
}
