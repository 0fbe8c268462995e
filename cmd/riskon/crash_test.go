package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riskon/riskon/data/store"
)

// startRiskon starts the test binary as riskon with args.
func startRiskon(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "RISKON_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// killAfter sends SIGKILL after d (or lets the process finish first).
func killAfter(cmd *exec.Cmd, d time.Duration) (killed bool) {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return false
	case <-time.After(d):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return true
	}
}

// symbolsState describes what the bar store holds.
func symbolsState(t *testing.T, db string) string {
	t.Helper()
	st, err := store.Open(context.Background(), db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("database does not open after the kill: %v", err)
	}
	defer st.Close()
	list, err := st.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, s := range list {
		fmt.Fprintf(&b, "%s %d %s %s;", s.Symbol, s.Bars, s.First, s.Last)
	}
	return b.String()
}

// TestKillDuringImport: SIGKILL at several moments of an import leaves the
// database either as before or with the whole import, never in between.
func TestKillDuringImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := demoDB(t, dir)
	// A 60,000-row file takes long enough to be killed midway.
	var b strings.Builder
	b.WriteString("time,open,high,low,close,volume,trades\n")
	r := rand.New(rand.NewPCG(1, 2))
	ts := int64(-4102444800) // 1840-01-01
	for i := 0; i < 60000; i++ {
		c := 50 + 100*r.Float64()
		fmt.Fprintf(&b, "%d,%.4f,%.4f,%.4f,%.4f,1,1\n", ts, c, c*1.01, c*0.99, c)
		ts += 86400
	}
	csv := write(t, dir, "big.csv", b.String())
	before := symbolsState(t, db)
	killedOnce := false
	for _, ms := range []int{50, 150, 300, 500, 800} {
		cmd := startRiskon(t, "data", "import", csv, "--symbol", "BIG", "--calendar", "24x7", "--db", db)
		killed := killAfter(cmd, time.Duration(ms)*time.Millisecond)
		killedOnce = killedOnce || killed
		after := symbolsState(t, db)
		if after != before && !strings.Contains(after, "BIG 60000 ") {
			t.Fatalf("kill after %d ms left a partial import:\nbefore %s\nafter  %s", ms, before, after)
		}
		if !killed {
			break // the import finished: nothing more to interrupt
		}
	}
	if !killedOnce {
		t.Fatal("the import always finished before the kill; the test interrupted nothing")
	}
}

// TestKillDuringRun: SIGKILL at several moments of `riskon run` never leaves
// a run visible without all its trades, signals and equity rows.
func TestKillDuringRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := demoDB(t, dir)
	cfg := write(t, dir, "good.yaml", goodRun)
	kills := 0
	for _, ms := range []int{20, 60, 100, 140, 180, 250, 400} {
		cmd := startRiskon(t, "run", "-c", cfg, "--db", db, "--output", "json")
		if killAfter(cmd, time.Duration(ms)*time.Millisecond) {
			kills++
		}
		checkRunsComplete(t, db)
	}
	if kills == 0 {
		t.Fatal("every run finished before its kill; the test interrupted nothing")
	}
}

// checkRunsComplete requires every stored run to have as many trade, signal
// and equity rows as its report lists.
func checkRunsComplete(t *testing.T, db string) {
	t.Helper()
	conn, err := sql.Open("duckdb", db+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A run keeps its equity curve in run_equity only and says how many
	// days it has (equity_days), or in its report as well (NULL).
	rows, err := conn.Query(`SELECT run_id, CAST(report AS VARCHAR), equity_days,
		(SELECT count(*) FROM run_trades t WHERE t.run_id = r.run_id),
		(SELECT count(*) FROM run_signals s WHERE s.run_id = r.run_id),
		(SELECT count(*) FROM run_equity e WHERE e.run_id = r.run_id) FROM runs r`)
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return // no run ever committed
		}
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, js string
		var days sql.NullInt64
		var nt, ns, ne int
		if err := rows.Scan(&id, &js, &days, &nt, &ns, &ne); err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Trades, Signals, Equity []json.RawMessage
		}
		if err := json.Unmarshal([]byte(js), &rep); err != nil {
			t.Fatal(err)
		}
		wantEquity := len(rep.Equity)
		if days.Valid {
			wantEquity = int(days.Int64)
			if len(rep.Equity) != 0 {
				t.Fatalf("run %s holds its equity curve in its report and apart", id)
			}
		}
		if nt != len(rep.Trades) || ns != len(rep.Signals) || ne != wantEquity || ne == 0 {
			t.Fatalf("run %s is incomplete: %d/%d trades, %d/%d signals, %d/%d equity rows", id, nt, len(rep.Trades), ns, len(rep.Signals), ne, wantEquity)
		}
	}
	// orphans: rows whose run is not visible
	var orphans int
	if err := conn.QueryRow(`SELECT (SELECT count(*) FROM run_trades WHERE run_id NOT IN (SELECT run_id FROM runs)) +
		(SELECT count(*) FROM run_equity WHERE run_id NOT IN (SELECT run_id FROM runs))`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Fatalf("%d rows belong to no visible run", orphans)
	}
}

// killedBy reports whether the process ended by signal sig.
func killedBy(ee *exec.ExitError, sig syscall.Signal) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

// TestInterruptDuringRun: SIGINT at several moments of `riskon run` (while
// the run's rows are written beside the evidence, or after) either lets the
// run finish and store it whole (exit 0) or stops it with exit 130 and
// nothing of it stored: never a partial run, never rows without their run.
func TestInterruptDuringRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := demoDB(t, dir)
	cfg := write(t, dir, "good.yaml", goodRun)
	runs := func() int {
		conn, err := sql.Open("duckdb", db+"?access_mode=read_only")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var n int
		if err := conn.QueryRow(`SELECT count(*) FROM runs`).Scan(&n); err != nil {
			if strings.Contains(err.Error(), "does not exist") {
				return 0
			}
			t.Fatal(err)
		}
		return n
	}
	stopped := 0
	for _, ms := range []int{20, 60, 100, 140, 180, 250, 400} {
		before := runs()
		cmd := startRiskon(t, "run", "-c", cfg, "--db", db, "--output", "json")
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		select {
		case err = <-done:
		case <-time.After(time.Duration(ms) * time.Millisecond):
			cmd.Process.Signal(syscall.SIGINT)
			err = <-done
		}
		after := runs()
		switch ee, _ := err.(*exec.ExitError); {
		case err == nil:
			if after != before+1 {
				t.Errorf("SIGINT after %d ms: finished, but %d runs stored, want %d", ms, after, before+1)
			}
		case ee != nil && (ee.ExitCode() == 130 || killedBy(ee, syscall.SIGINT)):
			// 130 from the handler; killed by the signal itself when it
			// came before the handler was installed.
			stopped++
			if after != before {
				t.Errorf("SIGINT after %d ms: stopped (130), but a run was stored", ms)
			}
		default:
			t.Fatalf("SIGINT after %d ms: %v, want exit 0 or 130", ms, err)
		}
		checkRunsComplete(t, db)
	}
	if stopped == 0 {
		t.Log("every run finished before its signal")
	}
}
