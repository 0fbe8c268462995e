package main

import (
	"path/filepath"
	"regexp"
	"testing"
)

// TestSweepListShowsInterrupted: a whole sweep stopped before its final
// import leaves its trials in <db>.sweeps/ID.part-0-of-1.*, not in the
// database: sweep list shows it as interrupted with its done count, and
// after --resume imports it, as an ordinary stored sweep.
func TestSweepListShowsInterrupted(t *testing.T) {
	dir := t.TempDir()
	db, _ := sweepDB(t, dir)
	grid := filepath.Join("..", "..", "configs", "sweeps", "r2k_grid.yaml")
	// The state a whole sweep whose import failed leaves: its part beside
	// the main one (written here by a part run into that very folder).
	s := runSweepJSON(t, db, "-c", grid, "--out", db+".sweeps")
	out, _, err := execCmd(t, db, sweepCmdOf, "list")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(regexp.QuoteMeta(s.SweepID) + `\s+r2k-grid\s+\S+ \S+\s+50/50\s+interrupted, trials in .*\.sweeps: run the same sweep with --resume`).MatchString(out) {
		t.Errorf("sweep list does not show the interrupted sweep:\n%s", out)
	}
	runSweepJSON(t, db, "-c", grid, "--resume")
	out, _, err = execCmd(t, db, sweepCmdOf, "list")
	if err != nil {
		t.Fatal(err)
	}
	// Without ../shared the sweep runs on synthetic data, which its note says.
	if !regexp.MustCompile(regexp.QuoteMeta(s.SweepID)+`\s+r2k-grid\s+\S+ \S+\s+50/50(\s+synthetic data)?\s*\n`).MatchString(out) || regexp.MustCompile(`interrupted`).MatchString(out) {
		t.Errorf("after --resume:\n%s", out)
	}
	_, errOut, err := execCmd(t, db, sweepCmdOf, "-c", grid, "--resume")
	if err != nil || !regexp.MustCompile(`is complete in .*: nothing to resume`).MatchString(errOut) {
		t.Errorf("--resume on a finished sweep: %v %q", err, errOut)
	}
}
