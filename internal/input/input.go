// Package input reads the files a user gives riskon (run configs, sweep
// files, catalogs, CSV files to import) through one bounded reader. Every
// kind of input has a size limit, checked before any parser sees a byte: a
// regular file by its size, a stream (a named pipe, process substitution,
// /dev/stdin, /dev/zero) while it is read, once, up to the limit. The limits
// are listed here and in docs/RELIABILITY.md.
package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Kind is a kind of user input, with its size limit.
type Kind struct {
	// Name names the input in messages ("config", "sweep file", ...).
	Name string
	// Limit is the largest accepted size in bytes.
	Limit int64
	// Fix says what to do about an input over the limit.
	Fix string
}

// The kinds of input and their limits. Configs, sweep files and catalogs are
// hand-written YAML of a few kilobytes; a megabyte is far beyond any real
// one and small enough for the YAML parser. CSV files are imported by
// DuckDB in bounded memory; the limit bounds the time and temporary disk a
// mistaken input (an endless stream) costs.
var (
	Config    = Kind{Name: "config", Limit: 1 << 20, Fix: "a run config is a few kilobytes of YAML; is this the right file?"}
	SweepFile = Kind{Name: "sweep file", Limit: 1 << 20, Fix: "a sweep file is a few kilobytes of YAML; is this the right file?"}
	Catalog   = Kind{Name: "catalog", Limit: 1 << 20, Fix: "a catalog is a few kilobytes of YAML; is this the right file?"}
	CSV       = Kind{Name: "CSV file", Limit: 4 << 30, Fix: "split the file (one import takes several files)"}
)

// MaxLineBytes is the longest line of a CSV file riskon imports (a bar row
// is well under a kilobyte). DuckDB's reader is given the same limit, so a
// line is never dropped by one and accepted by the other.
const MaxLineBytes = 1 << 20

// ErrTooLarge is wrapped by every error about an input over its limit.
var ErrTooLarge = errors.New("input over its size limit")

// TooLargeError is an input over its kind's limit.
type TooLargeError struct {
	Kind   Kind
	Path   string
	Size   int64 // the file's size; for a stream, the bytes read (Limit+1)
	Stream bool
}

func (e *TooLargeError) Error() string {
	if e.Stream {
		return fmt.Sprintf("%s %s is a stream longer than the limit of %s; %s", e.Kind.Name, e.Path, Size(e.Kind.Limit), e.Kind.Fix)
	}
	return fmt.Sprintf("%s %s is %s, the limit is %s; %s", e.Kind.Name, e.Path, Size(e.Size), Size(e.Kind.Limit), e.Kind.Fix)
}

// Unwrap makes errors.Is(err, ErrTooLarge) and errors.Is(err, ErrBad) true.
func (e *TooLargeError) Unwrap() []error { return []error{ErrTooLarge, ErrBad} }

// Size formats a byte count for messages: "40.0 MB", "1.0 MB", "512 bytes"
// (MB = 2^20 bytes).
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadFile reads the whole file at path, refusing it if it is larger than
// k.Limit: a regular file by its size before reading, a stream after k.Limit
// bytes. It stops when ctx is cancelled.
func ReadFile(ctx context.Context, path string, k Kind) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s %s is a directory, not a file", k.Name, path)
	}
	regular := st.Mode().IsRegular()
	if regular && st.Size() > k.Limit {
		return nil, &TooLargeError{Kind: k, Path: path, Size: st.Size()}
	}
	b, err := io.ReadAll(io.LimitReader(Reader(ctx, f), k.Limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", k.Name, path, err)
	}
	if int64(len(b)) > k.Limit {
		// A regular file that grew while read, or a stream.
		return nil, &TooLargeError{Kind: k, Path: path, Size: int64(len(b)), Stream: !regular}
	}
	return b, nil
}

// Regular reports whether path names a regular file (following symbolic
// links). Named pipes, character devices and process substitutions
// (/dev/fd/N) are not: they can be read only once.
func Regular(path string) (bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return st.Mode().IsRegular(), nil
}

// Spool makes a stream readable more than once: a regular file is returned
// as it is; anything else (a named pipe, a process substitution, a device)
// is read once, up to k.Limit bytes, into a new file in dir, whose path is
// returned with a function that removes it. check, if not nil, sees every
// chunk as it is copied (in order) and may refuse the input early. Spool
// stops when ctx is cancelled.
func Spool(ctx context.Context, path, dir string, k Kind, check func([]byte) error) (string, func(), error) {
	nothing := func() {}
	f, err := os.Open(path)
	if err != nil {
		return "", nothing, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", nothing, err
	}
	if st.IsDir() {
		return "", nothing, fmt.Errorf("%s %s is a directory, not a file", k.Name, path)
	}
	if st.Mode().IsRegular() {
		if st.Size() > k.Limit {
			return "", nothing, &TooLargeError{Kind: k, Path: path, Size: st.Size()}
		}
		return path, nothing, nil
	}
	tmp, err := os.CreateTemp(dir, "riskon-stream-*.csv")
	if err != nil {
		return "", nothing, fmt.Errorf("%s %s is a stream; copying it to a temporary file: %w", k.Name, path, err)
	}
	remove := func() { tmp.Close(); os.Remove(tmp.Name()) }
	r := Reader(ctx, f)
	buf := make([]byte, 1<<16)
	var n int64
	for {
		m, rerr := r.Read(buf)
		if m > 0 {
			n += int64(m)
			if n > k.Limit {
				remove()
				return "", nothing, &TooLargeError{Kind: k, Path: path, Size: n, Stream: true}
			}
			if check != nil {
				if err := check(buf[:m]); err != nil {
					remove()
					return "", nothing, err
				}
			}
			if _, err := tmp.Write(buf[:m]); err != nil {
				remove()
				return "", nothing, fmt.Errorf("%s %s: copying the stream: %w", k.Name, path, err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			remove()
			return "", nothing, fmt.Errorf("%s %s: %w", k.Name, path, rerr)
		}
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", nothing, err
	}
	return tmp.Name(), func() { os.Remove(tmp.Name()) }, nil
}

// Reader wraps r so that a Read after ctx is cancelled returns ctx's error:
// a loop reading a long or endless input stops within one read of a
// cancellation.
func Reader(ctx context.Context, r io.Reader) io.Reader {
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// ErrBad marks an error as bad input: the user's file, flag, key or
// variable is wrong (the CLI exits with status 2). Errors over a size limit
// are bad input too.
var ErrBad = errors.New("bad input")

// Bad marks err as bad input without changing its message (nil stays nil).
func Bad(err error) error {
	if err == nil {
		return nil
	}
	return badError{err}
}

type badError struct{ err error }

func (e badError) Error() string { return e.err.Error() }
func (e badError) Unwrap() []error {
	return []error{e.err, ErrBad}
}
