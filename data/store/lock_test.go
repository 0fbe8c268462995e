package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// holder is a second process (this test binary re-executed) holding a
// database open until released.
type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan error
}

// hold starts a process that opens path (read-only if ro) and returns once
// it holds the file.
func hold(t *testing.T, path string, ro bool) *holder {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldLockHelper$")
	env := []string{"RISKON_TEST_HOLD_DB=" + path}
	if ro {
		env = append(env, "RISKON_TEST_HOLD_RO=1")
	}
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &holder{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "HOLDING") {
				ok = true
				break
			}
		}
		ready <- ok
		io.Copy(io.Discard, stdout)
		h.done <- cmd.Wait()
	}()
	t.Cleanup(func() { h.release(t) })
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("the holding process exited before opening the database")
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the holding process did not open the database within 60s")
	}
	return h
}

// release makes the holder close the database and exit, and waits for it.
func (h *holder) release(t *testing.T) {
	if h.stdin == nil {
		return
	}
	h.stdin.Close()
	h.stdin = nil
	select {
	case <-h.done:
	case <-time.After(20 * time.Second):
		h.cmd.Process.Kill()
		<-h.done
	}
}

func newDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lock.duckdb")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLockWait: with another process holding the file, Open fails at once
// with ErrLocked (naming the file and the holder's PID), waits with
// Options.Wait and succeeds when the holder exits within the wait, or fails
// after the wait with the same clear error saying how long it waited.
func TestLockWait(t *testing.T) {
	t.Parallel()
	if os.Getenv("RISKON_TEST_HOLD_DB") != "" {
		t.Skip("helper mode")
	}
	ctx := context.Background()
	path := newDB(t)
	h := hold(t, path, false)
	pid := fmt.Sprint(h.cmd.Process.Pid)

	// No wait: at once.
	start := time.Now()
	_, err := Open(ctx, path, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("open of a held file: %v, want ErrLocked", err)
	}
	var le *LockError
	if !errors.As(err, &le) || le.PID != h.cmd.Process.Pid || le.Path != path || le.Waited != 0 {
		t.Errorf("lock error %+v", le)
	}
	for _, w := range []string{path, "is locked", "(PID " + pid + ")", "--wait"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	t.Logf("no wait (%s): %v", time.Since(start).Round(time.Millisecond), err)

	// A wait that expires: the same error, saying how long it waited.
	start = time.Now()
	_, err = Open(ctx, path, Options{Wait: 800 * time.Millisecond})
	waited := time.Since(start)
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.Waited < 800*time.Millisecond {
		t.Fatalf("open with an expiring wait: %v", err)
	}
	if waited < 800*time.Millisecond || waited > 10*time.Second {
		t.Errorf("waited %s for an 800ms wait", waited)
	}
	for _, w := range []string{path, "(PID " + pid + ")", "waited 8", "wait longer"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	t.Logf("expired wait (%s): %v", waited.Round(time.Millisecond), err)

	// A wait the holder's exit ends: Open succeeds.
	go func() {
		time.Sleep(700 * time.Millisecond)
		h.release(t)
	}()
	start = time.Now()
	s, err := Open(ctx, path, Options{Wait: 30 * time.Second})
	if err != nil {
		t.Fatalf("open while the holder exits within the wait: %v", err)
	}
	defer s.Close()
	if waited := time.Since(start); waited < 500*time.Millisecond {
		t.Errorf("opened after %s, before the holder released the file", waited)
	}
	t.Logf("wait ended by the holder's exit after %s", time.Since(start).Round(time.Millisecond))
	if infos, err := s.List(ctx); err != nil || infos != nil {
		t.Errorf("list after the wait: %v %v", infos, err)
	}

	// A cancelled context ends the wait early.
	h2path := newDB(t)
	hold(t, h2path, false)
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := Open(cctx, h2path, Options{Wait: time.Minute}); !errors.Is(err, ErrLocked) || time.Since(start) > 10*time.Second {
		t.Errorf("cancelled wait: %v after %s", err, time.Since(start))
	}
}

// TestReadOnlyShared: read-only opens work while another process has the
// file open read-only; a writer is refused (ErrLocked) until the readers
// are gone.
func TestReadOnlyShared(t *testing.T) {
	t.Parallel()
	if os.Getenv("RISKON_TEST_HOLD_DB") != "" {
		t.Skip("helper mode")
	}
	ctx := context.Background()
	path := newDB(t)
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportBars(ctx, "X", fetchedBars("2024-01-01", 1, 2), BarsOptions{Source: "x"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	h := hold(t, path, true)
	r, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open beside another reader: %v", err)
	}
	if infos, err := r.List(ctx); err != nil || len(infos) != 1 {
		t.Errorf("list: %v %v", infos, err)
	}
	r.Close()
	if _, err := Open(ctx, path, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("writer beside a reader in another process: %v, want ErrLocked", err)
	}
	h.release(t)
	w, err := Open(ctx, path, Options{Wait: 10 * time.Second})
	if err != nil {
		t.Fatalf("writer after the readers left: %v", err)
	}
	w.Close()
}
