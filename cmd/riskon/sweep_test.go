package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/store"
	"github.com/riskon/riskon/results"
	runstore "github.com/riskon/riskon/results/store"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
)

const (
	gridFile  = "../../configs/sweeps/r2k_grid.yaml"
	baseFile  = "../../configs/r2k_breakout_btc.yaml"
	envHelper = "RISKON_SWEEP_HELPER"
	envDelay  = "RISKON_SWEEP_HELPER_DELAY"
)

// TestSweepHelperProcess is not a test. Started by the tests below as a
// subprocess with RISKON_SWEEP_HELPER=1, it runs riskon's sweep command with
// the arguments after "--" (the database from RISKON_DB; a first argument
// bench, compare or export runs that command instead) and exits 0 or 1,
// like riskon. RISKON_SWEEP_HELPER_DELAY=DURATION slows every trial down and
// prints "committed N" on stderr whenever the number of trials committed to
// the database grows, so a test can kill it midway. (The delay is in the
// workers: a slow sink alone would let every trial finish into the buffer.)
func TestSweepHelperProcess(t *testing.T) {
	if os.Getenv(envHelper) != "1" {
		return
	}
	var args []string
	for i, a := range os.Args {
		if a == "--" {
			args = os.Args[i+1:]
			break
		}
	}
	var h sweepHooks
	if d := os.Getenv(envDelay); d != "" {
		delay, err := time.ParseDuration(d)
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(2)
		}
		last := 0
		h.inTrial = func() { time.Sleep(delay) }
		h.afterTrial = func(committed int) {
			if committed != last {
				fmt.Fprintf(os.Stderr, "committed %d\n", committed)
				last = committed
			}
		}
	}
	if os.Getenv("RISKON_SWEEP_HELPER_MEM") != "" { // memory trace for manual runs
		n := 0
		h.afterTrial = func(int) {
			n++
			if n%10000 == 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				kb, _ := peakRSSKB()
				fmt.Fprintf(os.Stderr, "trials %d: go heap %d MiB (sys %d MiB), peak RSS %d MiB\n", n, ms.HeapAlloc>>20, ms.Sys>>20, kb>>10)
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := newApp(os.Stdout, os.Stderr)
	cmd := a.newSweepCmd(h)
	if len(args) > 0 { // the other commands of this issue, for manual runs
		switch args[0] {
		case "bench":
			cmd, args = a.benchCmd(), args[1:]
		case "compare":
			cmd, args = a.compareCmd(), args[1:]
		case "export":
			cmd, args = a.exportCmd(), args[1:]
		}
	}
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "riskon:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// helper starts the test binary as riskon sweep with args on database db.
func helper(t *testing.T, db string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestSweepHelperProcess$", "--"}, args...)...)
	cmd.Env = append(append(os.Environ(), envHelper+"=1", "RISKON_DB="+db), env...)
	return cmd
}

// sweepDB builds a database with RUT and BTC: the real data through the
// catalog when ../shared is present, else seeded synthetic series.
func sweepDB(t *testing.T, dir string) (path string, real bool) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(dir, "data.duckdb")
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raw := filepath.Join("..", "..", "..", "shared", "data", "raw")
	if _, err := os.Stat(filepath.Join(raw, "MANIFEST.md")); err == nil {
		if _, err := st.ImportCatalog(ctx, filepath.Join("..", "..", "configs", "data", "shared.yaml"),
			store.CatalogOptions{Root: raw, Only: []string{"RUT", "BTC"}}); err != nil {
			t.Fatal(err)
		}
		real = true
	} else {
		t.Logf("real data not found at %s: using synthetic RUT and BTC", raw)
		o := data.DefaultSynthetic(11)
		o.Symbols = o.Symbols[:2]
		ds, err := data.Synthetic(o)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ds.Series {
			if err := st.InsertSeries(ctx, s, "synthetic"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := st.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	return path, real
}

func copyDB(t *testing.T, src, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, name)
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// execCmd runs one of this file's commands in-process on database db.
func execCmd(t *testing.T, db string, mk func(*app) *cobra.Command, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	a := newApp(&out, &errb)
	a.dbFlag = db
	c := mk(a)
	c.SetArgs(args)
	c.SetOut(&out)
	c.SetErr(&errb)
	err = c.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func sweepCmdOf(a *app) *cobra.Command { return a.sweepCmd() }

// sweepJSON is the part of the sweep JSON output the tests read.
type sweepJSON struct {
	SweepID  string   `json:"sweep_id"`
	Trials   *int     `json:"trials"`
	Ran      int      `json:"ran"`
	Resumed  int      `json:"resumed"`
	ElapsedS *float64 `json:"elapsed_s"`
	Top      []struct {
		ID       string                     `json:"id"`
		Index    int                        `json:"index"`
		Params   map[string]json.RawMessage `json:"params"`
		Metrics  map[string]any             `json:"metrics"`
		Evidence map[string]any             `json:"evidence"`
	} `json:"top"`
	DSR   json.RawMessage       `json:"dsr"`
	PBO   json.RawMessage       `json:"pbo"`
	Merge *runstore.MergeReport `json:"merge"`
}

func runSweepJSON(t *testing.T, db string, args ...string) sweepJSON {
	t.Helper()
	out, errOut, err := execCmd(t, db, sweepCmdOf, append(args, "--output", "json")...)
	if err != nil {
		t.Fatalf("sweep %v: %v\n%s", args, err, errOut)
	}
	var s sweepJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("sweep JSON: %v\n%s", err, out)
	}
	return s
}

// storedTrials reads every stored trial of the sweep in db.
func storedTrials(t *testing.T, db, id string) []*runstore.TrialRow {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sw, err := runstore.NewSweeps(ctx, st.DB())
	if err != nil {
		t.Fatal(err)
	}
	var out []*runstore.TrialRow
	if err := sw.Trials(ctx, id, func(r *runstore.TrialRow) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameValue(a, b results.Value) bool { return a == b || !a.Valid() && !b.Valid() }

func sameMetricsCmd(a, b results.Metrics) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		if va.Type().Field(i).Name == "Notes" {
			continue // not stored with sweep trials
		}
		x, y := va.Field(i).Interface(), vb.Field(i).Interface()
		if v, ok := x.(results.Value); ok {
			if !sameValue(v, y.(results.Value)) {
				return false
			}
		} else if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// sameRows compares two sweeps' stored trials column by column.
func sameRows(t *testing.T, what string, a, b []*runstore.TrialRow) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d trials, want %d", what, len(a), len(b))
	}
	f := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	for i := range a {
		x, y := a[i], b[i]
		if x.Index != y.Index || x.Hash != y.Hash || string(x.Params) != string(y.Params) ||
			!sameMetricsCmd(x.Metrics, y.Metrics) || !sameMetricsCmd(x.Benchmark, y.Benchmark) ||
			x.Signals != y.Signals || x.Trades != y.Trades || x.Episodes != y.Episodes || x.TooFew != y.TooFew ||
			x.Seed != y.Seed || x.RetDays != y.RetDays || !f(x.RetSkew, y.RetSkew) || !f(x.RetKurt, y.RetKurt) ||
			!reflect.DeepEqual(x.PBOSums, y.PBOSums) {
			t.Fatalf("%s: trial %d differs:\n%+v\n%+v", what, x.Index, x, y)
		}
	}
}

// TestSweepCLI checks the acceptance points of the sweep issue on one
// database (real RUT and BTC when present).
func TestSweepCLI(t *testing.T) {
	dir := t.TempDir()
	dataDB, real := sweepDB(t, dir)
	t.Logf("real data: %v", real)
	ctx := context.Background()
	base, err := config.Load(baseFile, config.LoadOptions{Env: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}

	// The reference: the flagship grid in one process, 2 workers.
	refDB := copyDB(t, dataDB, dir, "ref.duckdb")
	ref := runSweepJSON(t, refDB, "-c", gridFile, "--workers", "2")
	refRows := storedTrials(t, refDB, ref.SweepID)

	t.Run("json contract", func(t *testing.T) {
		if ref.SweepID == "" || ref.Trials == nil || *ref.Trials != 50 || ref.ElapsedS == nil || len(ref.Top) != 10 ||
			ref.DSR == nil || ref.PBO == nil || ref.Ran != 50 {
			t.Fatalf("sweep JSON misses contract fields: %+v", ref)
		}
		top := ref.Top[0]
		if top.Params["trigger.lookback"] == nil || top.Params["trade.hold_days"] == nil || top.Metrics["sharpe"] == nil ||
			top.Evidence["trades"] == nil || top.Evidence["episodes"] == nil || top.ID != fmt.Sprintf("%s:%d", ref.SweepID, top.Index) {
			t.Fatalf("top[0] = %+v", top)
		}
		var dsr, pbo float64
		if json.Unmarshal(ref.DSR, &dsr) != nil || json.Unmarshal(ref.PBO, &pbo) != nil || !(dsr >= 0 && dsr <= 1) || !(pbo >= 0 && pbo <= 1) {
			t.Fatalf("dsr %s pbo %s", ref.DSR, ref.PBO)
		}
	})

	// Acceptance 1: every stored trial equals its config run alone.
	t.Run("every trial equals its run alone", func(t *testing.T) {
		if len(refRows) != 50 {
			t.Fatalf("%d stored trials, want 50", len(refRows))
		}
		st, err := store.Open(ctx, dataDB, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		cache := map[string]*data.Dataset{}
		lookbacks := []int{5, 10, 20, 30, 50, 75, 100, 150, 200, 250}
		holds := []int{1, 3, 7, 14, 30}
		for _, row := range refRows {
			// Independent: the trial's config from its index, as --set would.
			lb, hd := lookbacks[row.Index/5], holds[row.Index%5]
			cfg, err := config.Override(base, fmt.Sprintf("trigger.lookback=%d", lb), fmt.Sprintf("trade.hold_days=%d", hd))
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf(`{"trigger.lookback":%d,"trade.hold_days":%d}`, lb, hd)
			if string(row.Params) != want {
				t.Fatalf("trial %d params %s, want %s", row.Index, row.Params, want)
			}
			syms := strategy.Symbols(cfg)
			ds := cache[strings.Join(syms, ",")]
			if ds == nil {
				if ds, err = st.Load(ctx, syms); err != nil {
					t.Fatal(err)
				}
				cache[strings.Join(syms, ",")] = ds
			}
			alone, err := runAlone(cfg, ds)
			if err != nil {
				t.Fatal(err)
			}
			if !sameMetricsCmd(row.Metrics, alone.Report.Metrics) || !sameMetricsCmd(row.Benchmark, alone.Report.Benchmark) {
				t.Errorf("trial %d (%s): stored metrics differ from the run alone:\n%+v\n%+v", row.Index, want, row.Metrics, alone.Report.Metrics)
			}
			ev := alone.Report.Evidence
			if row.Signals != ev.Signals || row.Trades != ev.Trades || row.Trades != len(alone.Report.Trades) ||
				row.Episodes != ev.Episodes || row.TooFew != ev.TooFew || row.Seed != ev.Seed {
				t.Errorf("trial %d: evidence %d/%d/%d, alone %d/%d/%d", row.Index, row.Signals, row.Trades, row.Episodes, ev.Signals, ev.Trades, ev.Episodes)
			}
			cfg.Name = ""
			if row.Hash != config.Hash(cfg) {
				t.Errorf("trial %d hash %s, want the config hash without the name %s", row.Index, row.Hash, config.Hash(cfg))
			}
		}
	})

	// Acceptance 4: 1, 2 and 8 workers give identical results.
	t.Run("workers 1 2 8 identical", func(t *testing.T) {
		for _, w := range []string{"1", "8"} {
			db := copyDB(t, dataDB, t.TempDir(), "w.duckdb")
			got := runSweepJSON(t, db, "-c", gridFile, "--workers", w)
			if got.SweepID != ref.SweepID || string(got.DSR) != string(ref.DSR) || string(got.PBO) != string(ref.PBO) || got.Top[0].Index != ref.Top[0].Index {
				t.Fatalf("%s workers: %s dsr %s pbo %s best %d; 2 workers: %s dsr %s pbo %s best %d", w, got.SweepID, got.DSR, got.PBO,
					got.Top[0].Index, ref.SweepID, ref.DSR, ref.PBO, ref.Top[0].Index)
			}
			sameRows(t, w+" workers", storedTrials(t, db, got.SweepID), refRows)
		}
	})

	// Acceptance 2: four shards in four processes, merged, equal the
	// single-process sweep; a missing shard is reported.
	t.Run("four shard processes merged", func(t *testing.T) {
		tmp := t.TempDir()
		parts := filepath.Join(tmp, "parts")
		var wg sync.WaitGroup
		errs := make([]error, 4)
		outs := make([][]byte, 4)
		for i := range 4 {
			cmd := helper(t, dataDB, nil, "-c", gridFile, "--shard", fmt.Sprintf("%d/4", i), "--out", parts, "--workers", "1")
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = cmd.CombinedOutput()
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("shard %d/4: %v\n%s", i, err, outs[i])
			}
		}
		merged := filepath.Join(tmp, "merged.duckdb")
		out, errOut, err := execCmd(t, merged, sweepCmdOf, "merge", parts, "--output", "json")
		if err != nil {
			t.Fatalf("merge: %v\n%s", err, errOut)
		}
		var m sweepJSON
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		if m.SweepID != ref.SweepID || m.Merge == nil || m.Merge.Stored != 50 || len(m.Merge.Missing) != 0 || len(m.Merge.Parts) != 4 ||
			string(m.DSR) != string(ref.DSR) || string(m.PBO) != string(ref.PBO) || m.Top[0].Index != ref.Top[0].Index {
			t.Fatalf("merge: %+v\nreference dsr %s pbo %s", m, ref.DSR, ref.PBO)
		}
		sameRows(t, "merged shards", storedTrials(t, merged, m.SweepID), refRows)

		// The sweep report of the merged sweep: statistics as merged, a
		// 10 x 5 heatmap over the grid, one Sharpe per trial.
		page := filepath.Join(tmp, "sweep.html")
		if _, _, err := execCmd(t, merged, func(a *app) *cobra.Command { return a.reportCmd() }, m.SweepID[:12], "--out", page); err != nil {
			t.Fatalf("report of the sweep: %v", err)
		}
		body, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Heatmap of two parameters", "trigger.lookback", "trade.hold_days", "Distribution of the trial Sharpe ratios", "Top trials"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("sweep report lacks %q", want)
			}
		}
		if cells := strings.Count(string(body), `class="cell"`); cells != 50 {
			t.Errorf("heatmap has %d cells, want 50 (10 lookbacks x 5 holds)", cells)
		}

		// Shard 2 lost: merge says so and fails.
		gone, _ := filepath.Glob(filepath.Join(parts, "*.part-2-of-4.*"))
		for _, f := range gone {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
		out, _, err = execCmd(t, filepath.Join(tmp, "incomplete.duckdb"), sweepCmdOf, "merge", parts)
		if err == nil || !strings.Contains(err.Error(), "shard 2/4 has no part files") || !strings.Contains(err.Error(), "12 of 50 trials missing") {
			t.Fatalf("merge without shard 2: err = %v", err)
		}
		if !strings.Contains(out, "MISSING shards: 2/4") {
			t.Fatalf("merge output does not report the missing shard:\n%s", out)
		}
	})

	// Acceptance 3: SIGKILL midway, then --resume: every trial exactly once,
	// the same results as an uninterrupted sweep.
	t.Run("killed midway then resumed", func(t *testing.T) {
		tmp := t.TempDir()
		file := filepath.Join(tmp, "big.yaml")
		abs, _ := filepath.Abs(baseFile)
		body := "name: big\nbase: " + abs + `
grid:
  - {key: trigger.lookback, values: [5, 10, 20, 30, 50, 75, 100, 150, 200, 250]}
  - {key: trade.hold_days, values: [1, 3, 7, 14, 30]}
  - {key: trade.trailing_stop, values: [0, 0.1, 0.2, 0.3]}
`
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		whole := copyDB(t, dataDB, tmp, "whole.duckdb")
		want := runSweepJSON(t, whole, "-c", file)
		wantRows := storedTrials(t, whole, want.SweepID)

		db := copyDB(t, dataDB, tmp, "killed.duckdb")
		cmd := helper(t, db, []string{envDelay + "=10ms"}, "-c", file, "--workers", "2")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		committed := waitCommitted(t, stderr, 1)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("the sweep was not killed midway (%v): it finished first; slow it down", err)
		}
		if committed >= 200 {
			t.Fatalf("%d trials committed before the kill: not midway", committed)
		}
		// Without --resume the stored sweep is refused.
		if _, _, err := execCmd(t, db, sweepCmdOf, "-c", file); err == nil || !strings.Contains(err.Error(), "--resume") {
			t.Fatalf("rerun without --resume: %v", err)
		}
		got := runSweepJSON(t, db, "-c", file, "--resume")
		if got.SweepID != want.SweepID || got.Resumed < committed || got.Resumed >= 200 || got.Ran+got.Resumed != 200 {
			t.Fatalf("resume: %d stored before (%d seen committed), %d run now, want 200 in all", got.Resumed, committed, got.Ran)
		}
		sameRows(t, "killed and resumed", storedTrials(t, db, got.SweepID), wantRows)
		if string(got.DSR) != string(want.DSR) || string(got.PBO) != string(want.PBO) {
			t.Fatalf("resumed dsr %s pbo %s, uninterrupted %s %s", got.DSR, got.PBO, want.DSR, want.PBO)
		}
		t.Logf("killed after %d committed trials; %d stored at the kill, %d run on resume", committed, got.Resumed, got.Ran)

		// Readers work while a sweep runs in another process: runs, show and
		// sweep list open the main database read-only.
		db3 := copyDB(t, dataDB, tmp, "busy.duckdb")
		if _, _, err := execCmd(t, db3, func(a *app) *cobra.Command { return a.runCmd() }, "-c", baseFile); err != nil {
			t.Fatal(err)
		}
		busy := helper(t, db3, []string{envDelay + "=10ms"}, "-c", file, "--workers", "2")
		busyErr, _ := busy.StderrPipe()
		if err := busy.Start(); err != nil {
			t.Fatal(err)
		}
		waitCommitted(t, busyErr, 1)
		for _, mk := range []func(*app) *cobra.Command{func(a *app) *cobra.Command { return a.runsCmd() }, func(a *app) *cobra.Command { return a.sweepListCmd() }} {
			if out, _, err := execCmd(t, db3, mk); err != nil || out == "" {
				t.Fatalf("a reader during the sweep: %v (%q)", err, out)
			}
		}
		// The sweep must still have been running: killed, not exited.
		_ = busy.Process.Signal(syscall.SIGKILL)
		_ = busy.Wait()
		if ws, ok := busy.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatal("the sweep ended before the readers ran: the test proved nothing")
		}

		// Ctrl-C (SIGINT) stops cleanly: exit 1, every finished trial kept.
		db2 := copyDB(t, dataDB, tmp, "interrupted.duckdb")
		cmd = helper(t, db2, []string{envDelay + "=10ms"}, "-c", file, "--workers", "2")
		stderr, _ = cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitCommitted(t, stderr, 1)
		_ = cmd.Process.Signal(os.Interrupt)
		rest, _ := io.ReadAll(stderr)
		err = cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(rest), "interrupted") {
			t.Fatalf("SIGINT: %v, stderr %s", err, rest)
		}
		var n int
		if _, err := fmt.Sscanf(string(rest[strings.Index(string(rest), "interrupted: ")+len("interrupted: "):]), "%d", &n); err != nil {
			t.Fatalf("no count in %q", rest)
		}
		// An interrupted whole sweep keeps its finished trials in its part
		// beside the main database (imported by --resume); the main
		// database holds none of them yet.
		part := runstore.AutoPart(db2, want.SweepID)
		inPart, err := part.Done(context.Background(), want.SweepID)
		if stored := len(inPart); err != nil || stored != n || n == 0 || n >= 200 {
			t.Fatalf("after SIGINT the message says %d trials stored, the part has %d (%v)", n, stored, err)
		}
		if inMain := len(storedTrials(t, db2, want.SweepID)); inMain != 0 {
			t.Fatalf("an interrupted sweep put %d trials in the main database", inMain)
		}
		got2 := runSweepJSON(t, db2, "-c", file, "--resume")
		sameRows(t, "interrupted and resumed", storedTrials(t, db2, got2.SweepID), wantRows)
		if left, _ := filepath.Glob(filepath.Join(db2+".sweeps", "*")); len(left) != 0 {
			t.Fatalf("the part is still there after the import: %v", left)
		}
	})

	t.Run("compare", func(t *testing.T) {
		db := copyDB(t, dataDB, t.TempDir(), "cmp.duckdb")
		runJSON := func(sets ...string) string {
			args := []string{"-c", baseFile, "--output", "json"}
			for _, s := range sets {
				args = append(args, "--set", s)
			}
			out, errOut, err := execCmd(t, db, func(a *app) *cobra.Command { return a.runCmd() }, args...)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, errOut)
			}
			var r struct {
				RunID string `json:"run_id"`
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			return r.RunID
		}
		a := runJSON("trade.hold_days=30")
		b := runJSON("trade.hold_days=90")
		compare := func(a *app) *cobra.Command { return a.compareCmd() }
		out, _, err := execCmd(t, db, compare, a, b)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(out, "\n")
		var first string
		for i, l := range lines {
			if strings.HasPrefix(l, "config: ") {
				first = strings.Fields(lines[i+1])[0]
				if !strings.HasPrefix(l, "config: 1 key differs") {
					t.Errorf("config header %q, want 1 key differing", l)
				}
				break
			}
		}
		if first != "trade.hold_days" || !strings.Contains(out, "trade.hold_days  30") {
			t.Fatalf("compare of runs differing in trade.hold_days shows %q first:\n%s", first, out)
		}
		js, _, err := execCmd(t, db, compare, a, b, "--output", "json")
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			ConfigDiff []struct {
				Key    string `json:"key"`
				Values []any  `json:"values"`
			} `json:"config_diff"`
			Metrics []struct {
				Key    string `json:"key"`
				Values []any  `json:"values"`
			} `json:"metrics"`
		}
		if err := json.Unmarshal([]byte(js), &c); err != nil {
			t.Fatal(err)
		}
		if len(c.ConfigDiff) != 1 || c.ConfigDiff[0].Key != "trade.hold_days" || c.ConfigDiff[0].Values[0] != 30.0 || c.ConfigDiff[0].Values[1] != 90.0 {
			t.Fatalf("config_diff %+v", c.ConfigDiff)
		}
		// A run against a sweep trial: trial 4 is lookback 5, hold 30.
		s := runSweepJSON(t, db, "-c", gridFile)
		lb := runJSON("trade.hold_days=30", "trigger.lookback=5")
		js, _, err = execCmd(t, db, compare, lb, s.SweepID[:12]+":4", a, "--output", "json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(js), &c); err != nil {
			t.Fatal(err)
		}
		if len(c.ConfigDiff) != 1 || c.ConfigDiff[0].Key != "trigger.lookback" {
			t.Fatalf("run vs trial vs run: config_diff %+v", c.ConfigDiff)
		}
		for _, m := range c.Metrics {
			if m.Key == "sharpe" && m.Values[0] != m.Values[1] {
				t.Errorf("the same config as a run and as a trial: sharpe %v vs %v", m.Values[0], m.Values[1])
			}
		}
		for _, format := range []string{"csv", "markdown"} {
			out, _, err := execCmd(t, db, compare, a, b, "--output", format)
			if err != nil || !strings.Contains(out, "trade.hold_days") {
				t.Errorf("%s: %v\n%s", format, err, out)
			}
		}
		if _, _, err := execCmd(t, db, compare, a, "nope:3"); err == nil || !strings.Contains(err.Error(), "no sweep") {
			t.Errorf("unknown trial: %v", err)
		}

		// Export the sweep and a run; read the files back with DuckDB.
		exp := t.TempDir()
		export := func(a *app) *cobra.Command { return a.exportCmd() }
		for _, format := range []string{"parquet", "csv"} {
			out, _, err := execCmd(t, db, export, s.SweepID, "--format", format, "--out", exp)
			if err != nil {
				t.Fatal(err)
			}
			files := strings.Fields(out)
			if len(files) != 2 || !strings.HasSuffix(files[0], ".trials."+format) {
				t.Fatalf("export files %v", files)
			}
			reader := map[string]string{"parquet": "read_parquet", "csv": "read_csv_auto"}[format]
			chk, err := store.Open(ctx, filepath.Join(exp, "check-"+format+".duckdb"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var n, lb4, hd4 int
			var sharpe4 float64
			if err := chk.DB().QueryRow(fmt.Sprintf(`SELECT count(*) OVER (), "trigger.lookback", "trade.hold_days", sharpe FROM %s('%s') ORDER BY trial_index LIMIT 1 OFFSET 4`, reader, files[0])).Scan(&n, &lb4, &hd4, &sharpe4); err != nil {
				t.Fatal(err)
			}
			chk.Close()
			row := storedTrials(t, db, s.SweepID)[4]
			if n != 50 || lb4 != 5 || hd4 != 30 || sharpe4 != float64(row.Metrics.Sharpe) {
				t.Errorf("%s export: n=%d trial 4 = %d/%d sharpe %v (stored %v)", format, n, lb4, hd4, sharpe4, row.Metrics.Sharpe)
			}
			out, _, err = execCmd(t, db, export, a, "--format", format, "--out", exp)
			if err != nil || len(strings.Fields(out)) != 4 {
				t.Fatalf("run export: %v %s", err, out)
			}
		}
	})

	t.Run("bench", func(t *testing.T) {
		bench := func(a *app) *cobra.Command { return a.benchCmd() }
		out, _, err := execCmd(t, dataDB, bench, "--data", "--trials", "100", "--workers", "2", "--output", "json")
		if err != nil {
			t.Fatal(err)
		}
		var b benchResult
		if err := json.Unmarshal([]byte(out), &b); err != nil {
			t.Fatal(err)
		}
		if b.SingleRun.EventsPerSecond <= 0 || b.Sweep.TrialsPerSecond <= 0 || b.Sweep.Trials != 100 || !b.PeakRSSMB.Valid() ||
			b.Machine.Cores < 1 || b.Data.Bars["RUT"] < 1000 || !b.Sweep.Scaling.Valid() || b.Sweep.Distinct != 50 ||
			(b.RandomSweep.Trials > 0 && !(b.RandomSweep.StatsSeconds > 0 && b.RandomSweep.StatsSeconds < b.RandomSweep.Seconds)) {
			t.Fatalf("bench %+v", b)
		}
		out, _, err = execCmd(t, dataDB, bench, "--bars", "2000", "--trials", "50", "--workers", "1")
		if err != nil || !strings.Contains(out, "SYNTHETIC") || !strings.Contains(out, "trials/s") {
			t.Fatalf("synthetic bench: %v\n%s", err, out)
		}
	})
}

// waitCommitted reads the helper's stderr until it reports at least n
// committed trials, and returns the count it reported.
func waitCommitted(t *testing.T, r io.Reader, n int) int {
	t.Helper()
	sc := bufio.NewScanner(r)
	deadline := time.Now().Add(60 * time.Second)
	for sc.Scan() {
		if c, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
			k, err := strconv.Atoi(c)
			if err == nil && k >= n {
				return k
			}
		}
		if time.Now().After(deadline) {
			break
		}
	}
	t.Fatalf("the helper never reported %d committed trials", n)
	return 0
}

// TestSweepBadInputs: a bad sweep file or flag is an error naming the
// problem, and nothing is run.
func TestSweepBadInputs(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "none.duckdb")
	abs, _ := filepath.Abs(baseFile)
	n := 0
	write := func(body string) string {
		n++
		p := filepath.Join(dir, fmt.Sprintf("s%d.yaml", n))
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-c", write("name: x\nbase: " + abs + "\ngrid: [{key: trade.hold_days, values: [1]}]\nrank: sharpe\n")}, `unknown key "rank" in the sweep file; did you mean rank_by?`},
		{[]string{"-c", write("name: x\nbase: nope.yaml\ngrid: [{key: trade.hold_days, values: [1]}]\n")}, "base nope.yaml"},
		{[]string{"-c", write("name: x\nbase: " + abs + "\ngrid: [{key: trade.hold_days, values: [-1]}]\n")}, "trade.hold_days"},
		{[]string{"-c", gridFile, "--shard", "4/4"}, "0 <= i < N"},
		{[]string{"-c", gridFile, "--resume", "--replace"}, "contradict"},
		{[]string{"-c", gridFile, "--output", "yaml"}, "--output"},
		{[]string{"-c", gridFile, "--workers", "100000"}, "up to 256"},
		{[]string{"-c", write("name: x\nbase: " + abs + "\nrandom: {n: 1000, params: [{key: trade.hold_days, type: int, min: 1, max: 120}]}\n")},
			"allow only 120 distinct combinations"},
	} {
		_, _, err := execCmd(t, db, sweepCmdOf, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused sweep created the database")
	}
}

// runAlone backtests cfg alone through the path of riskon run
// (backtest.RunWith, its own plan), with cheap evidence options: the
// bootstrap and random-entry statistics are not compared here, only the
// trades, metrics and sample counts.
func runAlone(cfg config.Config, ds *data.Dataset) (*backtest.Outcome, error) {
	return backtest.RunWith(context.Background(), cfg, ds, nil, backtest.Options{Resamples: 50, RandomEntries: -1})
}
