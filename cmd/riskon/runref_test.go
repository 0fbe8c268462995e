package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweepTrialIsARun: a sweep trial shown, replayed, reported, exported,
// compared and plotted is the same config run alone (the JSON reports equal
// apart from ids, times and the selection the trial carries), and a
// promoted trial's verdict names its selection in the table, the JSON and
// the HTML report.
func TestSweepTrialIsARun(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir)
	write(t, dir, "base.yaml", goodRun)
	sw := write(t, dir, "grid.yaml", `name: g
base: base.yaml
grid:
  - {key: trigger.lookback, values: [20, 100]}
  - {key: trade.hold_days, values: [7, 30]}
`)
	out, _, err := runCLI(t, "--db", db, "sweep", "-c", sw, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		ID string `json:"sweep_id"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	ref := s.ID[:6] + ":2" // lookback 100, hold 7
	// The same config run alone, under the trial's name (the name is part
	// of the config hash).
	runYAML := write(t, dir, "alone.yaml", "name: \"g#2\"\ntrigger: {symbol: RUT, lookback: 100}\ntrade: {targets: [BTC], hold_days: 7}\n")
	alone, _, err := runCLI(t, "--db", db, "run", "-c", runYAML, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	shown, _, err := runCLI(t, "--db", db, "show", ref, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	a, b := reportMap(t, alone), reportMap(t, shown)
	sel, _ := b["selection"].(map[string]any)
	if sel == nil || sel["trials"] != 4.0 || sel["rank_by"] != "sharpe" || sel["trial"] != 2.0 {
		t.Fatalf("trial selection: %v", b["selection"])
	}
	sentence := sel["sentence"].(string)
	ev := b["evidence"].(map[string]any)
	verdict := ev["verdict"].(string)
	if !strings.HasSuffix(verdict, sentence) || !strings.Contains(sentence, "of 4 trials by sharpe in sweep "+s.ID) {
		t.Fatalf("verdict %q does not end with the selection %q", verdict, sentence)
	}
	ev["verdict"] = strings.TrimSpace(strings.TrimSuffix(verdict, sentence))
	// The config run alone is the same trial: it carries the same selection.
	asel, _ := json.Marshal(a["selection"])
	bsel, _ := json.Marshal(sel)
	if string(asel) != string(bsel) {
		t.Fatalf("the config run alone carries selection %s, the trial %s", asel, bsel)
	}
	aev := a["evidence"].(map[string]any)
	aev["verdict"] = strings.TrimSpace(strings.TrimSuffix(aev["verdict"].(string), sentence))
	for _, m := range []map[string]any{a, b} {
		for _, k := range []string{"run_id", "created_at", "version", "selection"} {
			delete(m, k)
		}
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("trial %s differs from its config run alone:\n%s\n%s", ref, firstDiff(string(ja), string(jb)), "")
	}
	runID := reportMap(t, alone)["run_id"].(string)

	// replay, compare (full evidence), plot, report, export.
	msg, _, err := runCLI(t, "--db", db, "replay", ref)
	if err != nil || !strings.Contains(msg, "identical") {
		t.Fatalf("replay %s: %q %v", ref, msg, err)
	}
	cmp, _, err := runCLI(t, "--db", db, "compare", ref, runID)
	if err != nil {
		t.Fatal(err)
	}
	// The trial's evidence is complete and equals the run's, column for column.
	for _, key := range []string{"random_entry_p", "mean_trade_return_ci", "psr", "sharpe_ci"} {
		var line string
		for _, l := range strings.Split(cmp, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == key {
				line = l
			}
		}
		vals := strings.Fields(line)
		if len(vals) < 3 || strings.Contains(line, "n/a") {
			t.Fatalf("compare %s line %q: want the trial's value", key, line)
		}
		vals = vals[1:]
		half := len(vals) / 2
		if strings.Join(vals[:half], " ") != strings.Join(vals[half:], " ") {
			t.Fatalf("compare %s line %q: the trial's value differs from the run's", key, line)
		}
	}
	if _, _, err := runCLI(t, "--db", db, "plot", ref, "--out", filepath.Join(dir, "t.svg")); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "t.html")
	if _, _, err := runCLI(t, "--db", db, "report", ref, "--out", page); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(page); !strings.Contains(string(b), "Selected as") {
		t.Fatal("the trial's HTML report does not name its selection")
	}
	for _, id := range []string{ref, runID} {
		if _, _, err := runCLI(t, "--db", db, "export", id, "--format", "csv", "--out", filepath.Join(dir, "exp")); err != nil {
			t.Fatal(err)
		}
	}
	full := s.ID + ":2"
	for _, part := range []string{"trades", "signals", "equity"} {
		x := csvWithoutID(t, filepath.Join(dir, "exp", full+"."+part+".csv"))
		y := csvWithoutID(t, filepath.Join(dir, "exp", runID+"."+part+".csv"))
		if x != y || len(x) < 10 {
			t.Fatalf("exported %s of the trial and of the run alone differ", part)
		}
	}

	// promote: table, JSON and HTML name the selection.
	pj, _, err := runCLI(t, "--db", db, "sweep", "promote", ref, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	p := reportMap(t, pj)
	promoted := p["run_id"].(string)
	if p["selection"] == nil || !strings.Contains(p["evidence"].(map[string]any)["verdict"].(string), "Selected as") {
		t.Fatalf("promoted JSON lacks the selection: %v", p["selection"])
	}
	table, _, err := runCLI(t, "--db", db, "show", promoted)
	if err != nil || !strings.Contains(table, "trials by sharpe in sweep "+s.ID) {
		t.Fatalf("promoted run's table verdict: %v\n%s", err, table)
	}
	if _, _, err := runCLI(t, "--db", db, "report", promoted, "--out", page); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(page); !strings.Contains(string(b), "trials by sharpe in sweep "+s.ID) {
		t.Fatal("the promoted run's HTML report does not name its selection")
	}
	if msg, _, err := runCLI(t, "--db", db, "replay", promoted); err != nil || !strings.Contains(msg, "identical") {
		t.Fatalf("replay of the promoted run: %q %v", msg, err)
	}
	for _, bad := range []string{s.ID + ":99", s.ID + ":x", "nosuch:1"} {
		if _, _, err := runCLI(t, "--db", db, "show", bad); err == nil || strings.Contains(err.Error(), "\n") {
			t.Fatalf("show %s: %v", bad, err)
		}
	}
}

func reportMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v in %q", err, s[:min(len(s), 200)])
	}
	return m
}

// csvWithoutID drops the first column (run_id) of every line.
func csvWithoutID(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if _, rest, ok := strings.Cut(l, ","); ok {
			out = append(out, rest)
		}
	}
	return strings.Join(out, "\n")
}

func firstDiff(a, b string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			lo := max(i-150, 0)
			return a[lo:min(i+150, len(a))] + "\n---\n" + b[lo:min(i+150, len(b))]
		}
	}
	return "lengths differ"
}
