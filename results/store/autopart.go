package store

import (
	"os"
	"path/filepath"
	"strings"
)

// A whole sweep run without --out keeps its trials in a part of its own
// beside the main database, DB.sweeps/ID.part-0-of-1.* (a Part: its partial
// folder while it runs, then its part files), and imports them into the main
// database when it completes. These functions are the one place that names
// those files.

// AutoPartDir is the directory of the parts of the whole sweeps run against
// the database file db.
func AutoPartDir(db string) string { return db + ".sweeps" }

// AutoPart is the part of the whole sweep id run against db.
func AutoPart(db, sweepID string) *Part { return NewPart(AutoPartDir(db), sweepID, 0, 1) }

// AutoParts lists the whole sweeps with a part beside db that is not
// imported yet (an interrupted sweep, or one whose import failed): sweep id
// -> its part.
func AutoParts(db string) map[string]*Part {
	stem := "." + PartName("", 0, 1)[1:] // ".part-0-of-1"
	out := map[string]*Part{}
	for _, suffix := range []string{stem + partialSuffix, stem + ".sweep.parquet"} {
		paths, _ := filepath.Glob(filepath.Join(AutoPartDir(db), "*"+suffix))
		for _, p := range paths {
			id := strings.TrimSuffix(filepath.Base(p), suffix)
			out[id] = AutoPart(db, id)
		}
	}
	return out
}

// RemoveAutoPart removes the part of a whole sweep imported into db (its
// part files and any partial folder), then the part directory when it is
// empty. It returns the files it could not remove.
func RemoveAutoPart(db, sweepID string) map[string]error {
	p := AutoPart(db, sweepID)
	failed := map[string]error{}
	for _, f := range append(p.Files(), p.partialDir()) {
		if err := os.RemoveAll(f); err != nil {
			failed[f] = err
		}
	}
	_ = os.Remove(AutoPartDir(db)) // only when empty
	return failed
}
