package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// riskonProc runs the test binary as riskon (through main) with args and
// extra environment, returning its exit status and stderr.
func riskonProc(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(append(os.Environ(), "RISKON_TEST_MAIN=1"), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), stderr.String()
		}
		t.Fatal(err)
	}
	return 0, stderr.String()
}

// TestExitCodes: each class of failure has its own exit status, with one
// line on stderr naming the problem, through the real main.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := demoDB(t, dir)
	garbage := write(t, dir, "garbage.duckdb", strings.Repeat("not a database ", 5000))
	whole, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.duckdb")
	os.WriteFile(truncated, whole[:len(whole)/3], 0o644)
	big := filepath.Join(dir, "big.yaml")
	os.WriteFile(big, bytes.Repeat([]byte("# padding\n"), 4<<20), 0o644) // 40 MB
	cases := []struct {
		name string
		env  []string
		args []string
		code int
		want []string
	}{
		{"success", nil, []string{"data", "list", "--db", db}, 0, nil},
		{"unknown flag", nil, []string{"runs", "--bogus", "--db", db}, 2, []string{"--bogus"}},
		{"unknown command", nil, []string{"bogus"}, 2, []string{"bogus"}},
		{"config typo", nil, []string{"run", "-c", write(t, dir, "typo.yaml", "trigger: {symbol: RUT, lookbak: 10}\n"), "--db", db}, 2, []string{"trigger.lookbak", "did you mean trigger.lookback"}},
		{"40 MB config", nil, []string{"run", "-c", big, "--db", db}, 2, []string{"big.yaml is 40.0 MB, the limit is 1.0 MB"}},
		{"endless config", nil, []string{"run", "-c", "/dev/zero", "--db", db}, 2, []string{"/dev/zero is a stream longer than the limit of 1.0 MB"}},
		{"endless sweep file", nil, []string{"sweep", "-c", "/dev/zero", "--db", db}, 2, []string{"sweep file /dev/zero is a stream longer"}},
		{"endless catalog", nil, []string{"data", "import", "--catalog", "/dev/zero", "--db", db}, 2, []string{"catalog /dev/zero is a stream longer"}},
		{"misspelled key variable", []string{"RISKON_TRIGER_LOOKBACK=30"}, []string{"run", "-c", write(t, dir, "ok.yaml", goodRun), "--db", db}, 2,
			[]string{"RISKON_TRIGER_LOOKBACK", "did you mean RISKON_TRIGGER_LOOKBACK (key trigger.lookback)"}},
		{"misspelled RISKON_DB", []string{"RISKON_DBB=" + db}, []string{"runs"}, 2, []string{"RISKON_DBB", "did you mean RISKON_DB?"}},
		{"CSV line too long", nil, []string{"data", "import", "--symbol", "X", "--db", db,
			write(t, dir, "long.csv", "Date,Close\n2021-01-01,1\n2021-01-02,"+strings.Repeat("9", 2<<20)+"\n")}, 2, []string{"long.csv", "line 3 is longer than 1.0 MB"}},
		{"garbage database", nil, []string{"runs", "--db", garbage}, 4, []string{"garbage.duckdb is damaged or not a DuckDB database", "--db"}},
		{"garbage database, data list", nil, []string{"data", "list", "--db", garbage}, 4, []string{"garbage.duckdb is damaged"}},
		{"truncated database, sweep list", nil, []string{"sweep", "list", "--db", truncated}, 4, []string{"truncated.duckdb is damaged"}},
		{"truncated database, import", nil, []string{"data", "import", "--symbol", "X", "--db", truncated, write(t, dir, "ok.csv", "Date,Close\n2021-01-01,1\n")}, 4, []string{"truncated.duckdb is damaged"}},
		{"unknown run", nil, []string{"show", "nosuchrun", "--db", db}, 1, []string{"nosuchrun"}},
	}
	for _, c := range cases {
		code, stderr := riskonProc(t, c.env, c.args...)
		if code != c.code {
			t.Errorf("%s: exit %d, want %d; stderr %s", c.name, code, c.code, stderr)
			continue
		}
		msg := strings.TrimSpace(stderr)
		if c.code != 0 && (strings.Count(msg, "\n") != 0 || !strings.HasPrefix(msg, "riskon: ")) {
			t.Errorf("%s: stderr %q, want one line", c.name, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: stderr %q does not say %q", c.name, msg, w)
			}
		}
	}
}

// TestSignalsStopImport: SIGINT and SIGTERM during an import of an endless
// stream stop the process within a second of the signal, with status 130 or
// 143, and what the database held before is intact.
func TestSignalsStopImport(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		dir := t.TempDir()
		db := demoDB(t, dir)
		before := symbolsState(t, db)
		fifo := filepath.Join(dir, "endless.csv")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skip(err)
		}
		go func() {
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			defer f.Close()
			f.WriteString("Date,Open,High,Low,Close,Volume\n")
			rows := []byte(strings.Repeat("2021-01-01,1,2,0.5,1.5,10\n", 4000))
			for {
				if _, err := f.Write(rows); err != nil {
					return
				}
			}
		}()
		cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "data", "import", "--symbol", "ENDLESS", "--db", db, fifo)
		cmd.Env = append(os.Environ(), "RISKON_TEST_MAIN=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond) // well into the stream
		sent := time.Now()
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		took := time.Since(sent)
		want := map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143}[sig]
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != want {
			t.Fatalf("%v: %v, want exit %d; stderr %s", sig, err, want, stderr.String())
		}
		if took > time.Second {
			t.Errorf("%v: exited %v after the signal, want under 1 s", sig, took)
		}
		if after := symbolsState(t, db); after != before {
			t.Errorf("%v: database changed: %s, was %s", sig, after, before)
		}
		t.Logf("%v: exit %d, %v after the signal; stderr %q", sig, ee.ExitCode(), took, strings.TrimSpace(stderr.String()))
	}
}

// TestSignalStopsSweep: SIGINT during a sweep through the real main stops it
// within a second, exit 130, saying how many trials are stored and how to
// resume; --resume then finishes it.
func TestSignalStopsSweep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := demoDB(t, dir)
	base := write(t, dir, "base.yaml", goodRun)
	var lookbacks []string
	for i := 5; i < 805; i++ {
		lookbacks = append(lookbacks, fmt.Sprint(i))
	}
	file := write(t, dir, "sweep.yaml", "name: sig\nbase: "+base+"\ngrid:\n  - {key: trigger.lookback, values: ["+strings.Join(lookbacks, ", ")+"]}\n  - {key: trade.hold_days, values: [1, 3, 7, 14, 30]}\n")
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "sweep", "-c", file, "--db", db, "--workers", "1")
	cmd.Env = append(os.Environ(), "RISKON_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Signal while trials run: once the sweep's part exists.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m, _ := filepath.Glob(db + ".sweeps/*.partial"); len(m) > 0 {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	took := time.Since(sent)
	ee, ok := err.(*exec.ExitError)
	if !ok {
		t.Skipf("the sweep finished before the signal (%v): nothing to interrupt on this machine", err)
	}
	if ee.ExitCode() != exitSIGINT {
		t.Fatalf("exit %d, want 130; stderr %s", ee.ExitCode(), stderr.String())
	}
	if took > time.Second {
		t.Errorf("exited %v after SIGINT, want under 1 s", took)
	}
	if !strings.Contains(stderr.String(), "--resume") {
		t.Errorf("stderr %q does not say how to resume", stderr.String())
	}
	t.Logf("sweep: exit %d %v after SIGINT; %s", ee.ExitCode(), took, strings.TrimSpace(stderr.String()))
	if code, msg := riskonProc(t, nil, "sweep", "-c", file, "--db", db, "--resume", "--workers", "1"); code != 0 {
		t.Fatalf("--resume: exit %d: %s", code, msg)
	}
}

// TestProcessSubstitution: bash's <(...) is a pipe that can be read once;
// the import reads it once and stores every row (it was called an empty
// file when a pre-check consumed it).
func TestProcessSubstitution(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "ps.duckdb")
	script := `"$0" -test.run='^$' -- data import --symbol PS --db "$1" <(printf 'Date,Close\n2021-01-01,10\n2021-01-02,11\n2021-01-03,12\n')`
	cmd := exec.Command("bash", "-c", script, os.Args[0], db)
	cmd.Env = append(os.Environ(), "RISKON_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "3 inserted") {
		t.Fatalf("import from <(...): %v\n%s", err, out)
	}
	// data check reads a stream as a file too (not as a symbol name).
	check := exec.Command("bash", "-c", `"$0" -test.run='^$' -- data check <(printf 'Date,Close\n2021-01-01,10\n2021-01-02,11\n')`, os.Args[0])
	check.Env = append(os.Environ(), "RISKON_TEST_MAIN=1")
	out, err = check.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "2021-01-02") {
		t.Fatalf("data check <(...): %v\n%s", err, out)
	}
}

// TestEveryReadVariableIsAllowed scans riskon's own source for the RISKON_
// variables it reads and checks checkEnv accepts each, so that a variable
// added to one command can never be refused by the misspelling check.
func TestEveryReadVariableIsAllowed(t *testing.T) {
	re := regexp.MustCompile(`"(RISKON_[A-Z0-9_]+)"`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			name := m[1]
			if strings.HasSuffix(name, "_") { // a prefix such as RISKON_TEST_
				continue
			}
			found++
			if err := checkEnv([]string{name + "=x"}); err != nil {
				t.Errorf("%s reads %s but checkEnv refuses it: %v", f, name, err)
			}
		}
	}
	if found < 5 {
		t.Fatalf("found only %d RISKON_ variables in the source; the scan is broken", found)
	}
}
