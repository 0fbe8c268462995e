package store

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestAutoPartFiles: the part database of a whole sweep is
// DB.sweeps/ID.part-0-of-1.duckdb; AutoParts finds it (and no shard part of
// another count); RemoveAutoPart removes it, its WAL and the exported files,
// then the empty directory.
func TestAutoPartFiles(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "r.duckdb")
	if got, want := AutoPartPath(db, "grid-1a2b"), db+".sweeps/grid-1a2b.part-0-of-1.duckdb"; got != want {
		t.Fatalf("AutoPartPath %q, want %q", got, want)
	}
	if got := PartDBPath("out/parts", "g", 2, 4); got != "out/parts/g.part-2-of-4.duckdb" {
		t.Errorf("PartDBPath %q", got)
	}
	dir := AutoPartDir(db)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exported := filepath.Join(dir, "grid-1a2b.part-0-of-1.trials.parquet")
	for _, f := range []string{AutoPartPath(db, "grid-1a2b"), AutoPartPath(db, "grid-1a2b") + ".wal", exported,
		filepath.Join(dir, "other.part-1-of-4.duckdb")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := AutoParts(db); !reflect.DeepEqual(got, map[string]string{"grid-1a2b": AutoPartPath(db, "grid-1a2b")}) {
		t.Errorf("AutoParts %v", got)
	}
	if failed := RemoveAutoPart(db, "grid-1a2b", []string{exported}); len(failed) != 0 {
		t.Fatal(failed)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 || left[0].Name() != "other.part-1-of-4.duckdb" {
		t.Errorf("left %v, want only the other sweep's shard part", left)
	}
	os.Remove(filepath.Join(dir, "other.part-1-of-4.duckdb"))
	RemoveAutoPart(db, "grid-1a2b", nil)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("empty part directory kept: %v", err)
	}
}
