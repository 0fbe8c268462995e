package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
)

// TestSignalCommand: `riskon signal` on the synthetic demo database, table
// and JSON, --set applied (the level is the highest of the last 20 RUT
// closes, from a plain loop over the generated series), read-only (the
// database is byte for byte unchanged), bad input refused.
func TestSignalCommand(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir)
	cfg := write(t, dir, "run.yaml", goodRun)
	before := fileHash(t, db)

	out, _, err := runCLI(t, "--db", db, "signal", "-c", cfg, "--set", "trigger.lookback=20", "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		AsOf    string `json:"as_of"`
		Trigger struct {
			Level     *float64 `json:"level"`
			LevelDate string   `json:"level_date"`
		} `json:"trigger"`
		Position struct {
			ReplayedThrough string `json:"replayed_through"`
		} `json:"position"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	o := data.DefaultSynthetic(9)
	o.Symbols = o.Symbols[:2]
	o.End = data.DateOf(2020, 12, 31)
	ds, err := data.Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	rut := ds.Get("RUT")
	n := rut.Len()
	hi, at := math.Inf(-1), -1
	for i := n - 20; i < n; i++ {
		if rut.Close[i] >= hi {
			hi, at = rut.Close[i], i
		}
	}
	if rep.AsOf != rut.Date[n-1].String() || rep.Trigger.Level == nil || *rep.Trigger.Level != hi || rep.Trigger.LevelDate != rut.Date[at].String() {
		t.Errorf("as of %s level %v of %s, want %s %g of %s", rep.AsOf, rep.Trigger.Level, rep.Trigger.LevelDate, rut.Date[n-1], hi, rut.Date[at])
	}

	out, _, err = runCLI(t, "--db", db, "signal", "-c", cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"as of " + rep.AsOf, "level to break", "distance", "last signal", "position (replayed through " + rep.Position.ReplayedThrough} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if fileHash(t, db) != before {
		t.Error("signal changed the database")
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--set", "trigger.lookbak=20"}, "trigger.lookbak"},
		{[]string{"--output", "yaml"}, "--output"},
		{[]string{"--set", "trade.targets=[NOPE]"}, "NOPE"},
	} {
		_, _, err := runCLI(t, append([]string{"--db", db, "signal", "-c", cfg}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %q", tc.args, err, tc.want)
		}
	}
	// Without a file the defaults apply, as with run.
	out, _, err = runCLI(t, "--db", db, "signal", "--set", "trigger.lookback=20", "--output", "json")
	if err != nil || !strings.Contains(out, `"level": `+strconv.FormatFloat(hi, 'g', -1, 64)) {
		t.Errorf("signal without -c: %v\n%s", err, out)
	}
	_, _, err = runCLI(t, "--db", filepath.Join(dir, "missing.duckdb"), "signal", "-c", cfg)
	if err == nil {
		t.Error("a missing database was accepted")
	}
}
