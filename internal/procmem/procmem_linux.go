package procmem

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func dropCodePages() (int, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("drop code pages: %w", err)
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("drop code pages: %w", err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		start, end, ok := readOnlyMapping(sc.Text(), exe)
		if !ok {
			continue
		}
		// MADV_PAGEOUT keeps the contents: clean file pages are dropped,
		// private copies (relocated read-only data) are kept or swapped.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_PAGEOUT); errno != 0 {
			return n, fmt.Errorf("drop code pages: madvise: %w", errno)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("drop code pages: %w", err)
	}
	return n, nil
}

// readOnlyMapping parses a line of /proc/self/maps ("start-end perms offset
// dev inode path") and reports the range of a mapping of file path that is
// not writable.
func readOnlyMapping(line, path string) (start, end uintptr, ok bool) {
	fs := strings.Fields(line)
	if len(fs) != 6 || fs[5] != path || len(fs[1]) < 2 || fs[1][0] != 'r' || fs[1][1] == 'w' {
		return 0, 0, false
	}
	lo, hi, found := strings.Cut(fs[0], "-")
	a, err1 := strconv.ParseUint(lo, 16, 64)
	b, err2 := strconv.ParseUint(hi, 16, 64)
	if !found || err1 != nil || err2 != nil || b <= a {
		return 0, 0, false
	}
	return uintptr(a), uintptr(b), true
}
