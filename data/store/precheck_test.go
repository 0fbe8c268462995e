package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riskon/riskon/internal/input"
)

const hdr6 = "Date,Open,High,Low,Close,Volume\n"

// mkfifo makes a named pipe and writes content into it from a goroutine
// (endless: repeat forever until the reader goes away).
func mkfifo(t *testing.T, content string, endless bool) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pipe.csv")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		if !endless {
			f.WriteString(content)
			return
		}
		chunk := strings.Repeat(content, 1000)
		for {
			if _, err := f.WriteString(chunk); err != nil {
				return
			}
		}
	}()
	return p
}

func TestImportStreamReadOnce(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	// A named pipe can be read once: the pre-check must not consume it and
	// then call it empty.
	p := mkfifo(t, hdr6+"2021-01-01,10,12,9,11,100\n2021-01-02,11,13,10,12,100\n", false)
	rep, err := s.Import(ctx, []string{p}, ImportOptions{Symbol: "PIPE"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 2 {
		t.Fatalf("inserted %d bars from the pipe, want 2", rep.Inserted)
	}
}

func TestImportLinesAndDevices(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	dir := t.TempDir()
	before := hashDB(t, s)
	long := hdr6 + "2021-01-01,10,12,9,11,100\n2021-01-02,11,13,10,12," + strings.Repeat("1", input.MaxLineBytes) + "\n2021-01-03,11,13,10,12,100\n"
	cases := []struct {
		name, path string
		want       []string
	}{
		{"line over the limit", writeFile(t, dir, "long.csv", long), []string{"long.csv", "line 3 is longer than 1.0 MB"}},
		// No newline ever: refused at the line limit, not read forever.
		{"/dev/zero", "/dev/zero", []string{"/dev/zero", "line 1 is longer than"}},
		{"/dev/urandom", "/dev/urandom", []string{"/dev/urandom", "not valid UTF-8"}},
		{"endless pipe of one long line", mkfifo(t, "x", true), []string{"pipe.csv", "line 1 is longer than"}},
		{"header only", writeFile(t, dir, "hdr.csv", hdr6+"\n\r\n"), []string{"hdr.csv", "only its header"}},
		{"directory", dir, []string{"is a directory"}},
	}
	for _, c := range cases {
		start := time.Now()
		_, err := s.Import(ctx, []string{c.path}, ImportOptions{Symbol: "BAD"})
		if err == nil {
			t.Errorf("%s: imported", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want %q", c.name, err, w)
			}
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: took %v", c.name, d)
		}
	}
	if hashDB(t, s) != before {
		t.Fatal("a refused import changed the database")
	}
}

// TestImportEndlessStreamCancel: an endless stream of valid rows is read
// until the context is cancelled, then the import stops within a second,
// writing nothing.
func TestImportEndlessStreamCancel(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	p := mkfifo(t, "2021-01-01,10,12,9,11,100\n", true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Import(ctx, []string{p}, ImportOptions{Symbol: "ENDLESS", Format: "auto"})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("stopped %v after the cancellation, want under 1 s", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("import did not stop within 5 s of the cancellation")
	}
	syms, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(syms) != 0 {
		t.Fatalf("symbols after a cancelled import: %v", syms)
	}
}
