package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data/store"
)

func validateCmdOf(a *app) *cobra.Command { return a.validateCmd() }

// TestValidateCLI: validate runs end to end on synthetic data, stores its
// folds and result (validate show prints the same JSON), refuses to run a
// stored validation again, resumes an interrupted one to the same result,
// writes the HTML report, and refuses bad windows with one line and an
// unchanged database.
func TestValidateCLI(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir)
	write(t, dir, "base.yaml", goodRun)
	sw := write(t, dir, "grid.yaml", `name: wfgrid
base: base.yaml
grid:
  - {key: trigger.lookback, values: [20, 100]}
  - {key: trade.hold_days, values: [7, 30]}
`)
	args := []string{"-c", sw, "--train", "3y", "--test", "1y", "--random-entries", "200", "--resamples", "100", "--output", "json"}
	out, _, err := execCmd(t, db, validateCmdOf, args...)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ID    string `json:"validation_id"`
		Folds []struct {
			TestStart string `json:"test_start"`
			Chosen    int    `json:"chosen"`
		} `json:"folds"`
		OOS struct {
			Evidence struct {
				RandomEntryK int `json:"random_entry_k"`
			} `json:"evidence"`
		} `json:"oos"`
		PBO *float64 `json:"pbo"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	// BTC from 2011-08-18 to 2020-12-31: 3y train + 1y test fits 6 times.
	if len(v.Folds) != 6 || v.Folds[0].TestStart != "2014-08-18" || v.OOS.Evidence.RandomEntryK != 200 || v.PBO == nil {
		t.Fatalf("validation: %+v", v)
	}
	shown, _, err := runCLI(t, "--db", db, "validate", "show", v.ID[:20], "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	if shown != out {
		t.Fatalf("validate show differs from the run's output")
	}
	again, stderr0, err := execCmd(t, db, validateCmdOf, args...)
	if err != nil || again != out || !strings.Contains(stderr0, "already stored") {
		t.Fatalf("second run: %v\n%s", err, stderr0)
	}

	// An interrupted validation (last two folds not stored) resumes to the
	// same result.
	func() {
		st, err := store.Open(context.Background(), db, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		exec := func(q string) {
			if _, err := st.DB().Exec(q, v.ID); err != nil {
				t.Fatal(err)
			}
		}
		exec(`DELETE FROM validation_folds WHERE validation_id = $1 AND fold >= 4`)
		exec(`DELETE FROM validation_equity WHERE validation_id = $1`)
		exec(`UPDATE validations SET complete = false, result = NULL WHERE validation_id = $1`)
	}()
	if _, _, err := execCmd(t, db, validateCmdOf, args...); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("unfinished without --resume: %v", err)
	}
	htmlPath := filepath.Join(dir, "v.html")
	resumed, stderr, err := execCmd(t, db, validateCmdOf, append(args, "--resume", "--html", htmlPath)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "4 of 6 folds stored") || strings.Contains(stderr, "fold 1/6") || !strings.Contains(stderr, "fold 5/6") {
		t.Fatalf("resume stderr:\n%s", stderr)
	}
	if dropCreated(resumed) != dropCreated(out) {
		t.Fatal("resumed validation differs from the uninterrupted one")
	}
	page, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Fold timeline", "Stitched out-of-sample equity", "<svg", v.ID, "SYNTHETIC"} {
		if !strings.Contains(string(page), want) {
			t.Fatalf("HTML report lacks %q", want)
		}
	}
	var nFolds int
	sqlDB, err := sql.Open("duckdb", db+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.QueryRow(`SELECT count(*) FROM validation_folds WHERE validation_id = $1`, v.ID).Scan(&nFolds); err != nil || nFolds != 6 {
		t.Fatalf("stored folds %d (%v)", nFolds, err)
	}
	sqlDB.Close()

	before := fileHash(t, db)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--train", "0y", "--test", "1y"}, "--train"},
		{[]string{"--train", "30y", "--test", "1y"}, "hold no fold"},
		{[]string{"--train", "3y", "--test", "1y", "--step", "1m"}, "overlap"},
		{[]string{"--train", "3y", "--test", "1y", "--rank-by", "sharp"}, "not a metric"},
		{[]string{"--train", "3y", "--test", "1y", "--random-entries", "-5"}, "--random-entries"},
		{[]string{"--train", "3y"}, "--test"},
	} {
		_, _, err := execCmd(t, db, validateCmdOf, append([]string{"-c", sw}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("%v: err = %v, want one line with %q", c.args, err, c.want)
		}
	}
	if fileHash(t, db) != before {
		t.Fatal("bad inputs changed the database")
	}
}

// dropCreated removes the created_at line of a validation's JSON.
func dropCreated(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, `"created_at"`) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// TestValidateCPCVCLI: --cpcv runs, is stored and shown again; bad group
// counts are one-line errors.
func TestValidateCPCVCLI(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir)
	write(t, dir, "base.yaml", goodRun)
	sw := write(t, dir, "grid.yaml", "name: cp\nbase: base.yaml\ngrid:\n  - {key: trigger.lookback, values: [20, 100]}\n  - {key: trade.hold_days, values: [7, 30]}\n")
	page := filepath.Join(dir, "cpcv.html")
	out, _, err := execCmd(t, db, validateCmdOf, "-c", sw, "--cpcv", "6,2", "--embargo", "10", "--output", "json", "--html", page)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(page); err != nil || !strings.Contains(string(b), "Out-of-sample paths") || !strings.Contains(string(b), "<svg") {
		t.Fatalf("CPCV HTML report: %v", err)
	}
	var v struct {
		ID     string `json:"validation_id"`
		Paths  int    `json:"paths"`
		Splits []any  `json:"splits"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Paths != 5 || len(v.Splits) != 15 {
		t.Fatalf("cpcv: %+v %v", v, err)
	}
	shown, _, err := runCLI(t, "--db", db, "validate", "show", v.ID, "--output", "json")
	if err != nil || shown != out {
		t.Fatalf("validate show of the CPCV differs (%v)", err)
	}
	for _, c := range [][]string{{"--cpcv", "6"}, {"--cpcv", "40,2"}, {"--cpcv", "6,6"}, {"--cpcv", "6,2", "--embargo", "-3"},
		{"--cpcv", "6,2", "--train", "2y"}, {"--embargo", "5", "--train", "2y", "--test", "1y"}} {
		_, _, err := execCmd(t, db, validateCmdOf, append([]string{"-c", sw}, c...)...)
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Fatalf("%v: %v", c, err)
		}
	}
}
