package input

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var small = Kind{Name: "config", Limit: 100, Fix: "is this the right file?"}

func TestReadFileLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.yaml")
	big := filepath.Join(dir, "big.yaml")
	os.WriteFile(ok, []byte(strings.Repeat("a", 100)), 0o644)
	os.WriteFile(big, []byte(strings.Repeat("a", 3<<20)), 0o644)
	if b, err := ReadFile(context.Background(), ok, small); err != nil || len(b) != 100 {
		t.Fatalf("file at the limit: %d bytes, %v", len(b), err)
	}
	_, err := ReadFile(context.Background(), big, small)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v, want ErrTooLarge", err)
	}
	if want := "config " + big + " is 3.0 MB, the limit is 100 bytes; is this the right file?"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	// An endless device is refused at the limit, not read forever.
	_, err = ReadFile(context.Background(), "/dev/zero", small)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "/dev/zero is a stream longer than the limit of 100 bytes") {
		t.Fatalf("/dev/zero: %v", err)
	}
	if _, err := ReadFile(context.Background(), dir, small); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("directory: %v", err)
	}
}

func TestSpoolStreamOnce(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	go func() {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err == nil {
			f.WriteString("hello\n")
			f.Close()
		}
	}()
	local, cleanup, err := Spool(context.Background(), p, t.TempDir(), small, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	b, err := os.ReadFile(local)
	if err != nil || string(b) != "hello\n" {
		t.Fatalf("spooled %q, %v", b, err)
	}
	// Too long a stream: refused at the limit.
	if _, _, err := Spool(context.Background(), "/dev/zero", t.TempDir(), small, nil); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("/dev/zero: %v", err)
	}
}

func TestReaderCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	big := Kind{Name: "CSV file", Limit: 1 << 40}
	start := time.Now()
	_, _, err = Spool(ctx, "/dev/zero", t.TempDir(), big, func([]byte) error { time.Sleep(time.Millisecond); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("stopped after %v", d)
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{512: "512 bytes", 40 << 20: "40.0 MB", 1536: "1.5 KB", 4 << 30: "4.0 GB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
