package procmem

import (
	"os"
	"strings"
	"testing"
)

// TestReadOnlyMapping: only readable, non-writable mappings of the given
// file are chosen, with their range.
func TestReadOnlyMapping(t *testing.T) {
	const exe = "/opt/riskon/riskon"
	for _, c := range []struct {
		line       string
		start, end uintptr
		ok         bool
	}{
		{"00400000-00452000 r-xp 00000000 08:02 173521 /opt/riskon/riskon", 0x400000, 0x452000, true},
		{"00652000-00653000 r--p 00052000 08:02 173521 /opt/riskon/riskon", 0x652000, 0x653000, true},
		{"00653000-00654000 rw-p 00053000 08:02 173521 /opt/riskon/riskon", 0, 0, false},
		{"7f00-8f00 r-xp 00000000 08:02 1 /usr/lib/libc.so.6", 0, 0, false},
		{"00e03000-00e24000 rw-p 00000000 00:00 0 [heap]", 0, 0, false},
		{"00400000-00452000 ---p 00000000 08:02 173521 /opt/riskon/riskon", 0, 0, false},
		{"00452000-00400000 r-xp 00000000 08:02 173521 /opt/riskon/riskon", 0, 0, false},
		{"garbage", 0, 0, false},
	} {
		s, e, ok := readOnlyMapping(c.line, exe)
		if s != c.start || e != c.end || ok != c.ok {
			t.Errorf("%q: %#x-%#x %v, want %#x-%#x %v", c.line, s, e, ok, c.start, c.end, c.ok)
		}
	}
}

// TestDropCodePages: the test binary's code is advised, and the process
// goes on running it (the pages are read back on use).
func TestDropCodePages(t *testing.T) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip("no /proc/self/maps")
	}
	n, err := DropCodePages()
	if err != nil {
		if strings.Contains(err.Error(), "invalid argument") {
			t.Skipf("kernel without MADV_PAGEOUT: %v", err)
		}
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	want := 0
	for _, l := range strings.Split(string(maps), "\n") {
		if _, _, ok := readOnlyMapping(l, exe); ok {
			want++
		}
	}
	if n != want || n == 0 {
		t.Fatalf("%d mappings advised, want the %d read-only mappings of %s", n, want, exe)
	}
	if got := strings.Repeat("ab", 3); got != "ababab" { // code still runs
		t.Fatal(got)
	}
}
