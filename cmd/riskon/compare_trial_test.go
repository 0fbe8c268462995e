package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCompareTrialEvidenceJSON: compare --output json of a sweep trial and
// of the same config run alone gives the same evidence rows, value for
// value, with null (not 0) for what is not available. The trial's evidence
// comes from the one place that builds a run's evidence (backtest.Run via
// trialReport); before, compare filled it from the stored counts and left
// every statistic 0. Trial 1 (lookback 1,400 days on six years of data)
// has too few trades for the statistics: its values are null.
func TestCompareTrialEvidenceJSON(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir)
	write(t, dir, "base.yaml", goodRun)
	sw := write(t, dir, "grid.yaml", `name: g
base: base.yaml
grid:
  - {key: trigger.lookback, values: [252, 1400]}
  - {key: trade.hold_days, values: [365]}
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
	alone := write(t, dir, "alone.yaml", "name: \"g#0\"\ntrigger: {symbol: RUT, lookback: 252}\ntrade: {targets: [BTC], hold_days: 365}\n")
	rj, _, err := runCLI(t, "--db", db, "run", "-c", alone, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	runID := reportMap(t, rj)["run_id"].(string)
	cj, _, err := runCLI(t, "--db", db, "compare", s.ID+":0", runID, s.ID+":1", "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Evidence []struct {
			Key    string            `json:"key"`
			Values []json.RawMessage `json:"values"`
		} `json:"evidence"`
	}
	if err := json.Unmarshal([]byte(cj), &c); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	nulls := 0
	for _, r := range c.Evidence {
		keys[r.Key] = true
		if len(r.Values) != 3 {
			t.Fatalf("%s: %d values", r.Key, len(r.Values))
		}
		trial, run := string(r.Values[0]), string(r.Values[1])
		if trial != run {
			t.Errorf("%s: trial %s, run alone %s", r.Key, trial, run)
		}
		if v := string(r.Values[2]); v == "0" || v == "[0,0]" {
			t.Errorf("%s: trial 1 prints %s (want null when not available)", r.Key, v)
		}
		nulls += strings.Count(string(r.Values[2]), "null")
	}
	for _, k := range []string{"mean_trade_return_ci_coverage", "median_trade_return_ci_coverage", "random_entry_p", "psr", "effective_n"} {
		if !keys[k] {
			t.Errorf("no %s row", k)
		}
	}
	if nulls == 0 {
		t.Errorf("trial 1 has every statistic available: %s", cj)
	}
}
