package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

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

// refUTF8 is an independent reference for the first invalid UTF-8 byte:
// line by line with the standard library.
func refUTF8(b []byte) (line, col int) {
	for i, l := range strings.Split(string(b), "\n") {
		if !utf8.ValidString(l) {
			for j := 0; j < len(l); {
				r, w := utf8.DecodeRuneInString(l[j:])
				if r == utf8.RuneError && w <= 1 {
					return i + 1, j + 1
				}
				j += w
			}
		}
	}
	return 0, 0
}

// refRecords counts records as DuckDB's reader with quote '"' and escape
// '"' sees them: newlines inside quotes do not end a record, blank lines
// (only \r) are not records.
func refRecords(b []byte) int64 {
	var n int64
	quoted, has := false, false
	for _, c := range b {
		switch {
		case c == '"':
			quoted, has = !quoted, true
		case c == '\n' && !quoted:
			if has {
				n++
			}
			has = false
		case c != '\r' && c != '\n':
			has = true
		}
	}
	if has {
		n++
	}
	return n
}

// TestPrecheckChunks: the pre-check gives the same answer however the file
// is cut into chunks, and agrees with independent references for the first
// invalid UTF-8 byte and the record count.
func TestPrecheckChunks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	alphabet := [][]byte{[]byte("a"), []byte(","), []byte("\n"), []byte("\r\n"), []byte("\""), []byte("é"), []byte("日"), []byte("🚀"), {0xff}, {0xe6, 0x97}, {0xed, 0xa0, 0x80}, []byte("1.5")}
	for iter := 0; iter < 3000; iter++ {
		var b []byte
		for n := rng.IntN(40); n > 0; n-- {
			tok := alphabet[rng.IntN(len(alphabet))]
			if (tok[0] >= 0x80 && !utf8.Valid(tok)) && rng.IntN(4) != 0 {
				continue // keep most inputs valid so record counts are compared
			}
			b = append(b, tok...)
		}
		run := func(cuts []int) (string, int64) {
			p := newPrecheck("f.csv")
			prev := 0
			for _, c := range append(cuts, len(b)) {
				if err := p.write(b[prev:c]); err != nil {
					return err.Error(), -1
				}
				prev = c
			}
			if err := p.done(); err != nil {
				return err.Error(), -1
			}
			return "", p.records
		}
		whole, wholeN := run(nil)
		var cuts []int
		for c := 0; c < len(b); c += 1 + rng.IntN(3) {
			cuts = append(cuts, c)
		}
		chunked, chunkedN := run(cuts)
		if whole != chunked || wholeN != chunkedN {
			t.Fatalf("%q: whole %q %d, in chunks %q %d", b, whole, wholeN, chunked, chunkedN)
		}
		line, col := refUTF8(b)
		switch {
		case line > 0:
			if want := fmt.Sprintf("line %d: byte %d is not valid UTF-8", line, col); !strings.Contains(whole, want) {
				t.Fatalf("%q: %q, want %q", b, whole, want)
			}
		case whole != "":
			t.Fatalf("%q: valid input refused: %s", b, whole)
		case wholeN != refRecords(b):
			t.Fatalf("%q: %d records, reference %d", b, wholeN, refRecords(b))
		}
	}
}
