// Package procmem hands memory the process no longer needs back to the
// operating system.
//
// A sweep part loads its bars through DuckDB and then never calls DuckDB
// again, but the code pages DuckDB ran (tens of MB of the executable) stay
// resident, and count in the process's resident set (RSS) although they are
// clean copies of the executable file. DropCodePages asks the kernel to
// reclaim them; the few that the process still runs are read back on use.
package procmem

// DropCodePages asks the kernel to reclaim the resident pages of the
// read-only mappings of the executable (its code and read-only data), as it
// would under memory pressure: nothing is lost, a page touched again is read
// back from the file. It returns the number of mappings advised. On systems
// other than Linux (5.4 or later, MADV_PAGEOUT) it does nothing.
func DropCodePages() (int, error) { return dropCodePages() }
