package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// A whole sweep run without --out keeps its trials in a part database of its
// own beside the main database, DB.sweeps/ID.part-0-of-1.duckdb, and imports
// them into the main database when it completes. These functions are the one
// place that names those files.

// PartDBPath is the part database of shard index of count of a sweep,
// written into dir.
func PartDBPath(dir, sweepID string, index, count int) string {
	return filepath.Join(dir, PartName(sweepID, index, count)+".duckdb")
}

// AutoPartDir is the directory of the part databases of the whole sweeps
// run against the database file db.
func AutoPartDir(db string) string { return db + ".sweeps" }

// AutoPartPath is the part database of the whole sweep id run against db.
func AutoPartPath(db, sweepID string) string { return PartDBPath(AutoPartDir(db), sweepID, 0, 1) }

// AutoParts lists the whole sweeps with a part database beside db (an
// interrupted sweep, or one whose import failed): sweep id -> part path.
func AutoParts(db string) map[string]string {
	suffix := "." + PartName("", 0, 1)[1:] + ".duckdb" // ".part-0-of-1.duckdb"
	paths, _ := filepath.Glob(filepath.Join(AutoPartDir(db), "*"+suffix))
	out := map[string]string{}
	for _, p := range paths {
		out[strings.TrimSuffix(filepath.Base(p), suffix)] = p
	}
	return out
}

// RemoveAutoPart removes the part database of a whole sweep imported into
// db, with its WAL and the given exported files, then the part directory
// when it is empty. It returns the files it could not remove.
func RemoveAutoPart(db, sweepID string, files []string) map[string]error {
	part := AutoPartPath(db, sweepID)
	failed := map[string]error{}
	for _, f := range append(files, part, part+".wal") {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			failed[f] = err
		}
	}
	_ = os.Remove(AutoPartDir(db)) // only when empty
	return failed
}
