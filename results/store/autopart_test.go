package store

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestAutoPartFiles: the part of a whole sweep lives in DB.sweeps/ as
// ID.part-0-of-1.*; AutoParts finds it, unfinished or finished (and no shard
// part of another count); RemoveAutoPart removes its
// files and its folder, then the directory once it is empty.
func TestAutoPartFiles(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "r.duckdb")
	p := AutoPart(db, "grid-1a2b")
	if got, want := p.Files()[0], db+".sweeps/grid-1a2b.part-0-of-1.trials.parquet"; got != want {
		t.Fatalf("AutoPart files %q, want %q", got, want)
	}
	rec := sweepRecord("grid-1a2b", 3)
	if err := p.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	other := NewPart(AutoPartDir(db), "other", 1, 4)
	orec := sweepRecord("other", 3)
	if err := other.Create(ctx, orec); err != nil {
		t.Fatal(err)
	}
	got := AutoParts(db)
	if len(got) != 1 || got["grid-1a2b"] == nil || !reflect.DeepEqual(got["grid-1a2b"].Files(), p.Files()) {
		t.Fatalf("AutoParts %v", got)
	}
	if _, err := p.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if got := AutoParts(db); len(got) != 1 || got["grid-1a2b"] == nil {
		t.Fatalf("AutoParts of a finished part: %v", got)
	}
	if failed := RemoveAutoPart(db, "grid-1a2b"); len(failed) != 0 {
		t.Fatalf("RemoveAutoPart failed: %v", failed)
	}
	left, _ := os.ReadDir(AutoPartDir(db))
	if len(left) != 1 || left[0].Name() != "other.part-1-of-4.partial" {
		t.Fatalf("left %v, want only the other shard's part", left)
	}
	if err := other.Delete(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	RemoveAutoPart(db, "grid-1a2b")
	if _, err := os.Stat(AutoPartDir(db)); !os.IsNotExist(err) {
		t.Fatalf("the empty part directory is left: %v", err)
	}
}
