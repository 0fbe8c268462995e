package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRunSaysWhatItRan: the table output names every key that differs from
// the defaults with its source (file, environment, --set, --name); run
// works without a file; a positional config is refused with the -c fix;
// `riskon runs` shows the keys that differ between runs as columns.
func TestRunSaysWhatItRan(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir)
	cfg := write(t, dir, "c.yaml", "name: mine\ntrigger:\n  lookback: 40\ntrade:\n  hold_days: 30\n")
	t.Setenv("RISKON_TRADE_HOLD_DAYS", "60")
	out, errOut, err := runCLI(t, "run", "--db", db, "-c", cfg, "--set", "trigger.confirm=2", "--name", "named")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, re := range []string{
		`config .*c\.yaml; 4 keys differ from the defaults:`,
		`(?m)^  name +named +from --name$`,
		`(?m)^  trigger\.lookback +40 +in .*c\.yaml$`,
		`(?m)^  trade\.hold_days +60 +from RISKON_TRADE_HOLD_DAYS$`,
		`(?m)^  trigger\.confirm +2 +from --set$`,
		`run \S+  named`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", re, out[:min(len(out), 600)])
		}
	}
	os.Unsetenv("RISKON_TRADE_HOLD_DAYS") // t.Setenv restores it after the test
	out, errOut, err = runCLI(t, "run", "--db", db, "--set", "trigger.lookback=20")
	if err != nil {
		t.Fatalf("run without a file: %v\n%s", err, errOut)
	}
	if !regexp.MustCompile(`no config file; 1 keys differ from the defaults:\n  trigger\.lookback +20 +from --set`).MatchString(out) {
		t.Errorf("run --set without a file:\n%s", out[:min(len(out), 400)])
	}
	if _, _, err := runCLI(t, "run", "--db", db, cfg); err == nil || !strings.Contains(err.Error(), "riskon run -c "+cfg) {
		t.Errorf("positional config: %v, want the -c suggestion", err)
	}
	out, _, err = runCLI(t, "runs", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	head := strings.Fields(lines[0])
	for _, col := range []string{"TRIGGER.LOOKBACK", "TRIGGER.CONFIRM", "TRADE.HOLD_DAYS"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("runs lacks the column %s: %v", col, head)
		}
	}
	// Each row shows its own values (both runs may share a second, so the
	// order is not checked here): lookback 20 for the --set run, 40 for the
	// file run.
	col := func(row, key string) string {
		f := strings.Fields(row)
		for i, h := range head {
			if h == key {
				return f[i-1] // "RUN ID" is two header words and one field; "CREATED (UTC)" two and two
			}
		}
		return ""
	}
	var sawNamed, sawSet bool
	for _, row := range lines[1:] {
		switch f := strings.Fields(row); {
		case len(f) > 1 && f[1] == "named":
			sawNamed = col(row, "TRIGGER.LOOKBACK") == "40" && col(row, "TRADE.HOLD_DAYS") == "60"
		case len(f) > 1 && f[1] == "run":
			sawSet = col(row, "TRIGGER.LOOKBACK") == "20"
		}
	}
	if !sawNamed || !sawSet {
		t.Errorf("runs rows do not show each run's parameters:\n%s", out)
	}
}

// TestCompletion: shell completion offers stored run ids for show and
// config keys for --set; version prints the version.
func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir)
	if _, errOut, err := runCLI(t, "run", "--db", db, "--name", "compl"); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	out, _, err := runCLI(t, "runs", "--db", db, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`"run_id": "([^"]+)"`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no run id in %s", out)
	}
	out, _, err = runCLI(t, "__complete", "show", "--db", db, id[1][:6])
	if err != nil || !strings.Contains(out, id[1]+"\tcompl") {
		t.Errorf("show completion: %v %q, want %s", err, out, id[1])
	}
	out, _, err = runCLI(t, "__complete", "run", "--set", "trade.hold")
	if err != nil || !strings.Contains(out, "trade.hold_days=\n") {
		t.Errorf("--set completion: %v %q", err, out)
	}
	out, _, err = runCLI(t, "version")
	if err != nil || !strings.HasPrefix(out, "riskon "+version+"\n") {
		t.Errorf("version: %v %q", err, out)
	}
}

// TestTradeDatesInJSONAndCSV: a run's JSON keeps the UTC fill instants and
// adds the bar dates; the CSV export carries the same dates, days held and
// P&L; every exit bar date is its exit instant's date or the day before
// (a 24x7 bar dated D closes at D+1 00:00Z), and days held is the
// difference of the bar dates.
func TestTradeDatesInJSONAndCSV(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir)
	out, errOut, err := runCLI(t, "run", "--db", db, "--set", "trigger.lookback=20", "-o", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var rep struct {
		RunID  string `json:"run_id"`
		Trades []struct {
			EntryTime string  `json:"entry_time"`
			EntryDate string  `json:"entry_date"`
			ExitTime  string  `json:"exit_time"`
			ExitDate  string  `json:"exit_date"`
			HoldDays  int     `json:"hold_days"`
			PnL       float64 `json:"pnl"`
		} `json:"trades"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Trades) == 0 {
		t.Fatalf("%v, %d trades", err, len(rep.Trades))
	}
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s[:10]); return d }
	for i, tr := range rep.Trades {
		gap := day(tr.ExitTime).Sub(day(tr.ExitDate)).Hours() / 24
		if tr.ExitDate == "" || (gap != 0 && gap != 1) {
			t.Errorf("trade %d: exit at %s dated %s", i, tr.ExitTime, tr.ExitDate)
		}
		if held := int(day(tr.ExitDate).Sub(day(tr.EntryDate)).Hours() / 24); held != tr.HoldDays {
			t.Errorf("trade %d: held %d days by its dates, hold_days %d", i, held, tr.HoldDays)
		}
	}
	exp := filepath.Join(dir, "exp")
	if _, errOut, err := runCLI(t, "export", "--db", db, rep.RunID, "--format", "csv", "--out", exp); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	b, err := os.ReadFile(filepath.Join(exp, rep.RunID+".trades.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if !strings.HasSuffix(lines[0], ",entry_date,exit_date,hold_days,pnl") || len(lines) != len(rep.Trades)+1 {
		t.Fatalf("trades CSV header %q, %d rows", lines[0], len(lines)-1)
	}
	for i, tr := range rep.Trades {
		f := strings.Split(lines[i+1], ",")
		n := len(f)
		if f[n-4] != tr.EntryDate || f[n-3] != tr.ExitDate || f[n-2] != strconv.Itoa(tr.HoldDays) {
			t.Errorf("CSV row %d %v, JSON %+v", i, f[n-4:], tr)
		}
	}
}

// TestQuickstartMissingData: a data folder named on the command line or in
// RISKON_DATA must exist; a typo never falls back to other data or the
// synthetic demo.
func TestQuickstartMissingData(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope")
	_, _, err := runCLI(t, "quickstart", "--db", filepath.Join(dir, "q.duckdb"), "--data", missing)
	if err == nil || !strings.Contains(err.Error(), "--data "+missing) {
		t.Errorf("quickstart --data MISSING: %v", err)
	}
	t.Setenv("RISKON_DATA", missing)
	_, _, err = runCLI(t, "quickstart", "--db", filepath.Join(dir, "q.duckdb"))
	if err == nil || !strings.Contains(err.Error(), "RISKON_DATA "+missing) {
		t.Errorf("RISKON_DATA=MISSING quickstart: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "q.duckdb")); err == nil {
		t.Error("a database was created before the error")
	}
}
