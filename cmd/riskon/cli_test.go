package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/store"
)

// TestMain lets the test binary stand in for riskon itself: with
// RISKON_TEST_MAIN=1 it runs main() with the arguments after "--", so tests
// check real exit codes and stderr; with RISKON_TEST_HOLD=PATH it holds the
// database open for writing until stdin closes (a second process).
func TestMain(m *testing.M) {
	if os.Getenv("RISKON_TEST_MAIN") == "1" {
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"riskon"}, os.Args[i+1:]...)
				break
			}
		}
		main()
		os.Exit(0)
	}
	if p := os.Getenv("RISKON_TEST_HOLD"); p != "" {
		st, err := store.Open(context.Background(), p, store.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, "hold:", err)
			os.Exit(3)
		}
		fmt.Println("holding")
		_, _ = io.Copy(io.Discard, os.Stdin)
		st.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runCLI runs riskon in-process and returns stdout, stderr and the error.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	a := newApp(&out, &errb)
	root := a.root()
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

// demoDB writes a database with synthetic RUT and BTC (2015-2020) into dir.
func demoDB(t *testing.T, dir string) string {
	t.Helper()
	o := data.DefaultSynthetic(9)
	o.Symbols = o.Symbols[:2]
	o.End = data.DateOf(2020, 12, 31)
	ds, err := data.Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "riskon.duckdb")
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ds.Series {
		if err := st.InsertSeries(context.Background(), s, "synthetic"); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// fileHash hashes the database and its WAL (absent WAL hashes as empty).
func fileHash(t *testing.T, path string) string {
	t.Helper()
	h := sha256.New()
	for _, p := range []string{path, path + ".wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodRun = `name: t
trigger: {symbol: RUT, lookback: 50}
trade: {targets: [BTC], hold_days: 30}
`

// TestBadInputs: each bad input gives one clear message naming the
// file/key/symbol, a non-zero exit (an error from the command), and leaves
// the database byte for byte as it was.
func TestBadInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := demoDB(t, dir)
	csvOK := "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,10\n2024-01-03,1.5,2,1,1.8,10\n"
	cases := []struct {
		name string
		args []string
		want []string // substrings of the message
	}{
		{"malformed csv row", []string{"data", "import", write(t, dir, "bad_row.csv", "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,10\n2024-01-03,1.5,abc,1,1.8,10\n"), "--symbol", "X"},
			[]string{"bad_row.csv", "line 3"}},
		{"duplicate dates", []string{"data", "import", write(t, dir, "dup.csv", csvOK+"2024-01-03,1.5,2,1,1.8,10\n"), "--symbol", "X"},
			[]string{"dup.csv", "2024-01-03 appears again"}},
		{"empty file", []string{"data", "import", write(t, dir, "empty.csv", ""), "--symbol", "X"}, []string{"empty.csv", "empty"}},
		{"unknown format name", []string{"data", "import", write(t, dir, "ok.csv", csvOK), "--symbol", "X", "--format", "bloomberg"},
			[]string{"bloomberg"}},
		{"unrecognised layout", []string{"data", "import", write(t, dir, "odd.csv", "when,price_a,price_b\n1,2,3\n"), "--symbol", "X"},
			[]string{"odd.csv", "--format"}},
		{"negative price", []string{"data", "import", write(t, dir, "neg.csv", "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,-1.5,10\n"), "--symbol", "X"},
			[]string{"neg.csv", "line 2"}},
		{"missing file", []string{"data", "import", filepath.Join(dir, "nope.csv"), "--symbol", "X"}, []string{"nope.csv"}},
		{"missing symbol in run", []string{"run", "-c", write(t, dir, "missing.yaml", "trigger: {symbol: RUT}\ntrade: {targets: [DOGE]}\n")},
			[]string{"DOGE", "riskon data import"}},
		{"unknown config key", []string{"run", "-c", write(t, dir, "typo.yaml", "trigger: {symbol: RUT, lookbak: 10}\n")},
			[]string{"typo.yaml", "trigger.lookbak", "trigger.lookback"}},
		{"wrong type", []string{"run", "-c", write(t, dir, "type.yaml", "trade: {hold_days: abc}\n")}, []string{"trade.hold_days", "abc"}},
		{"negative hold", []string{"run", "-c", write(t, dir, "neg.yaml", "trade: {hold_days: -5}\n")}, []string{"trade.hold_days", "-5"}},
		{"empty window", []string{"run", "-c", write(t, dir, "window.yaml", goodRun+"data: {start: 2030-01-01}\n")}, []string{"empty window"}},
		{"unknown --set key", []string{"run", "-c", write(t, dir, "good.yaml", goodRun), "--set", "trade.hold=3"}, []string{"trade.hold"}},
		{"config file missing", []string{"run", "-c", filepath.Join(dir, "absent.yaml")}, []string{"absent.yaml"}},
		{"bad output flag", []string{"run", "-c", write(t, dir, "good2.yaml", goodRun), "--output", "xml"}, []string{"xml"}},
		{"unknown run id", []string{"show", "nosuchrun"}, []string{"nosuchrun"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := fileHash(t, db)
			_, _, err := runCLI(t, append(tc.args, "--db", db)...)
			if err == nil {
				t.Fatal("succeeded; want an error")
			}
			msg := err.Error()
			if strings.Contains(strings.TrimSpace(msg), "\n") {
				t.Errorf("message spans several lines:\n%s", msg)
			}
			// Wrong files, keys and flags are bad input (exit 2); a config
			// that is valid but does not fit the data, or an unknown run,
			// is a failure (exit 1).
			want := exitBadInput
			switch tc.name {
			case "missing symbol in run", "empty window", "unknown run id", "bad output flag":
				want = exitFailure
			}
			if got := exitCode(err, nil); got != want {
				t.Errorf("exit status %d, want %d", got, want)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not mention %q", msg, w)
				}
			}
			if after := fileHash(t, db); after != before {
				t.Errorf("database changed")
			}
		})
	}
}

// TestExitCodeAndLockedDatabase runs riskon as a real process: a second
// writer on a database held by another process gets one clear line naming the
// holder and exits 3, and the database is unchanged.
func TestExitCodeAndLockedDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := demoDB(t, dir)
	cfg := write(t, dir, "good.yaml", goodRun)

	holder := exec.Command(os.Args[0], "-test.run=^$")
	holder.Env = append(os.Environ(), "RISKON_TEST_HOLD="+db)
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var hout bytes.Buffer
	holder.Stdout = &hout
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); holder.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(hout.String(), "holding") {
		if time.Now().After(deadline) {
			t.Fatal("holder did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	before := fileHash(t, db)
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "run", "-c", cfg, "--db", db)
	cmd.Env = append(os.Environ(), "RISKON_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitLocked {
		t.Fatalf("exit = %v, want exit status 3 (locked); stderr %s", err, stderr.String())
	}
	msg := strings.TrimSpace(stderr.String())
	if strings.Count(msg, "\n") != 0 || !strings.HasPrefix(msg, "riskon: ") || !strings.Contains(msg, "locked") ||
		!strings.Contains(msg, fmt.Sprint(holder.Process.Pid)) {
		t.Errorf("stderr = %q, want one line naming the lock and the holder's PID %d", msg, holder.Process.Pid)
	}
	if fileHash(t, db) != before {
		t.Error("database changed")
	}
}

// TestRunsAreDeterministic: two runs of the same config store identical
// metrics, trades, signals and equity curves.
func TestRunsAreDeterministic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := demoDB(t, dir)
	cfg := write(t, dir, "good.yaml", goodRun)
	var ids []string
	for i := 0; i < 2; i++ {
		out, _, err := runCLI(t, "run", "-c", cfg, "--db", db, "--output", "json")
		if err != nil {
			t.Fatal(err)
		}
		i := strings.Index(out, `"run_id": "`)
		if i < 0 {
			t.Fatalf("no run_id in %s", out[:min(200, len(out))])
		}
		ids = append(ids, out[i+11:i+11+strings.Index(out[i+11:], `"`)])
	}
	if ids[0] == ids[1] {
		t.Fatal("two runs got the same id")
	}
	conn, err := sql.Open("duckdb", db+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	queries := map[string]string{
		"metrics": `SELECT CAST(metrics AS VARCHAR) || CAST(benchmark AS VARCHAR) || CAST(evidence AS VARCHAR) FROM runs WHERE run_id = ?`,
		"trades":  `SELECT string_agg(concat_ws(',', symbol, entry_time, entry_price, exit_time, exit_price, units, "return", exit_reason), ';' ORDER BY seq) FROM run_trades WHERE run_id = ?`,
		"signals": `SELECT string_agg(concat_ws(',', time, level, close, acted, reason), ';' ORDER BY seq) FROM run_signals WHERE run_id = ?`,
		"equity":  `SELECT string_agg(concat_ws(',', date, equity, invested), ';' ORDER BY date) FROM run_equity WHERE run_id = ?`,
	}
	for name, q := range queries {
		var a, b sql.NullString
		if err := conn.QueryRow(q, ids[0]).Scan(&a); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := conn.QueryRow(q, ids[1]).Scan(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !a.Valid || a.String == "" {
			t.Errorf("%s: nothing stored", name)
		}
		if a != b {
			t.Errorf("%s differ between identical runs", name)
		}
	}
}

// TestReplay: a stored run replays identically; after the data changes the
// replay refuses, naming the fingerprint change.
func TestReplay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := demoDB(t, dir)
	cfg := write(t, dir, "good.yaml", goodRun)
	out, _, err := runCLI(t, "run", "-c", cfg, "--db", db, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.RunID == "" {
		t.Fatalf("run output: %v", err)
	}
	out, _, err = runCLI(t, "replay", rep.RunID, "--db", db)
	if err != nil || !strings.Contains(out, "identical") {
		t.Fatalf("replay: %q, %v", out, err)
	}
	// Change one BTC close: the data no longer matches the run's fingerprint.
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := st.Load(context.Background(), []string{"BTC"})
	if err != nil {
		t.Fatal(err)
	}
	s := ds.Series[0]
	s.Close[100] *= 1.01
	s.High[100] = max(s.High[100], s.Close[100])
	if err := st.InsertSeries(context.Background(), s, "synthetic"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, _, err = runCLI(t, "replay", rep.RunID, "--db", db)
	if err == nil || !strings.Contains(err.Error(), "data changed") {
		t.Fatalf("replay after a data change: %v, want a data-changed error", err)
	}
}
