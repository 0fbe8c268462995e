// Package store keeps daily bars in DuckDB: it opens and versions the
// database, imports CSV files (read with DuckDB's own CSV reader, validated,
// written in one transaction), builds symbols from a catalog of files, and
// loads series into columnar memory for the engine.
//
// Tables (component "bars" in schema_migrations):
//
//	symbols(symbol PRIMARY KEY, calendar, source, first_date, last_date, bars,
//	        first_ts, last_ts, synthetic, updated_at)
//	bars(symbol, date, open_time, close_time, open, high, low, close, volume,
//	     source)  PRIMARY KEY (symbol, date)
//	sources(symbol PRIMARY KEY, kind, source, remote, calendar, params,
//	        updated_at)  (version 2: where fetched and derived symbols come from)
//
// date is a DATE (the trading day); open_time and close_time are BIGINT unix
// seconds (UTC) computed from the symbol's calendar with data.Calendar.Session,
// so a bar spans [open_time, close_time).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/riskon/riskon/internal/migrate"
)

// Component is this package's name in schema_migrations.
const Component = "bars"

// DefaultMemoryLimit is DuckDB's memory_limit when Options.MemoryLimit is
// empty: large imports spill to the temporary directory instead of growing.
const DefaultMemoryLimit = "512MB"

// Options configure Open.
type Options struct {
	// ReadOnly opens the file with access_mode=read_only: several readers may
	// share it, and nothing (not even the schema) is written.
	ReadOnly bool
	// Wait is how long Open retries while another process holds the file
	// (0: fail at once with ErrLocked).
	Wait time.Duration
	// MemoryLimit is DuckDB's memory_limit ("512MB", "2GB"); empty means
	// DefaultMemoryLimit.
	MemoryLimit string
	// TempDir is where DuckDB spills when it reaches MemoryLimit and where
	// imports stage large files. Empty: DuckDB's default beside the
	// database (FILE.tmp) for spilling, and the database's directory for
	// staging; os.TempDir() for in-memory databases.
	TempDir string
}

// ErrLocked is the error (test with errors.Is) of opening a database file
// another process holds. The error itself is a *LockError naming the file
// and the holder's PID.
var ErrLocked = errors.New("database is locked by another process")

// ErrCorrupt is the error (test with errors.Is) of opening a file that is
// not a usable DuckDB database: garbage bytes, a truncated file, a damaged
// header.
var ErrCorrupt = errors.New("not a usable DuckDB database")

// corruptError is a message that Is ErrCorrupt.
type corruptError string

func (e corruptError) Error() string { return string(e) }

// Is makes errors.Is(err, ErrCorrupt) true.
func (e corruptError) Is(target error) bool { return target == ErrCorrupt }

// LockError says which process holds a database file and how long Open
// waited for it.
type LockError struct {
	Path   string
	PID    int           // 0 if DuckDB did not name the holder
	Waited time.Duration // 0 if Open did not wait
	Err    error         // DuckDB's error
}

func (e *LockError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = fmt.Sprintf("another process (PID %d)", e.PID)
	}
	if e.Waited > 0 {
		return fmt.Sprintf("database %s is locked: %s holds it, probably another riskon command; waited %s for it to finish; wait longer (--wait DURATION) or use another --db",
			e.Path, holder, e.Waited.Round(time.Millisecond))
	}
	return fmt.Sprintf("database %s is locked: %s holds it, probably another riskon command; wait for it to finish (--wait DURATION) or use another --db", e.Path, holder)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockError) Is(target error) bool { return target == ErrLocked }

// Unwrap returns DuckDB's error.
func (e *LockError) Unwrap() error { return e.Err }

// Store is an open riskon database.
type Store struct {
	db       *sql.DB
	path     string
	readOnly bool
	schema   bool   // the bars tables exist
	tempDir  string // staging directory for imports ("" = beside the database)
	ownTemp  string // a directory Open created for DuckDB to spill into (removed by Close)
	// stageFileMin is the input size from which an import stages its rows
	// in a temporary database file instead of memory.
	stageFileMin int64
	stageSeq     atomic.Int64
	// splitBars is the number of bars from which Load reads a series in
	// two halves side by side (0: never).
	splitBars int
}

// migrations are the schema versions of component "bars", in order.
var migrations = []string{
	// 1: symbols and bars.
	`CREATE TABLE symbols (
		symbol     VARCHAR PRIMARY KEY,
		calendar   VARCHAR NOT NULL,
		source     VARCHAR NOT NULL,
		first_date DATE,
		last_date  DATE,
		bars       BIGINT NOT NULL DEFAULT 0,
		first_ts   BIGINT,
		last_ts    BIGINT,
		synthetic  BOOLEAN NOT NULL DEFAULT false,
		updated_at TIMESTAMPTZ
	);
	CREATE TABLE bars (
		symbol     VARCHAR NOT NULL,
		date       DATE NOT NULL,
		open_time  BIGINT NOT NULL,
		close_time BIGINT NOT NULL,
		open       DOUBLE NOT NULL,
		high       DOUBLE NOT NULL,
		low        DOUBLE NOT NULL,
		close      DOUBLE NOT NULL,
		volume     DOUBLE NOT NULL,
		source     VARCHAR NOT NULL,
		PRIMARY KEY (symbol, date)
	);`,
	// 2: where a symbol comes from, so that `riskon data update` can bring
	// it up to date (see sources.go).
	`CREATE TABLE sources (
		symbol     VARCHAR PRIMARY KEY,
		kind       VARCHAR NOT NULL,
		source     VARCHAR NOT NULL,
		remote     VARCHAR NOT NULL,
		calendar   VARCHAR NOT NULL,
		params     VARCHAR NOT NULL DEFAULT '',
		updated_at TIMESTAMPTZ
	);`,
}

// SchemaVersion is the newest schema version of component "bars" this code
// writes.
var SchemaVersion = len(migrations)

var rePID = regexp.MustCompile(`\(PID (\d+)\)`)

// Open opens (creating if needed, unless read-only) the DuckDB file at path
// and brings the bars schema up to date. Extensions are never installed or
// loaded automatically, so nothing touches the network.
//
// If another process holds the file, Open fails with a *LockError (errors.Is
// ErrLocked) naming it, after retrying for opts.Wait.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	if opts.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open database %s read-only: %w", path, err)
		}
	}
	start := time.Now()
	delay := 20 * time.Millisecond
	for {
		s, err := openOnce(ctx, path, opts)
		var le *LockError
		if err == nil || !errors.As(err, &le) || opts.Wait <= 0 {
			return s, err
		}
		left := opts.Wait - time.Since(start)
		if left <= 0 {
			le.Waited = time.Since(start)
			return nil, le
		}
		t := time.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			t.Stop()
			le.Waited = time.Since(start)
			return nil, fmt.Errorf("%w (%v)", le, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

func openOnce(ctx context.Context, path string, opts Options) (*Store, error) {
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	q.Set("memory_limit", memoryLimit(opts))
	if opts.TempDir != "" {
		q.Set("temp_directory", opts.TempDir)
	}
	if opts.ReadOnly {
		q.Set("access_mode", "read_only")
	}
	conn, err := duckdb.NewConnector(path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, openError(path, err)
	}
	s := &Store{db: sql.OpenDB(conn), path: path, readOnly: opts.ReadOnly, tempDir: opts.TempDir, stageFileMin: defaultStageFileMin,
		splitBars: defaultSplitBars}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, openError(path, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, Damaged(path, err)
	}
	return s, nil
}

func memoryLimit(opts Options) string {
	if strings.TrimSpace(opts.MemoryLimit) == "" {
		return DefaultMemoryLimit
	}
	return strings.TrimSpace(opts.MemoryLimit)
}

// openError turns DuckDB's lock conflict into a *LockError.
func openError(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock") {
		le := &LockError{Path: path, Err: err}
		if m := rePID.FindStringSubmatch(msg); m != nil {
			le.PID, _ = strconv.Atoi(m[1])
		}
		return le
	}
	if d := Damaged(path, err); d != err {
		return d
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

// Damaged returns a one-line error that Is ErrCorrupt when err (from opening
// or first reading the database at path) says the file is damaged or not a
// DuckDB database; otherwise err itself. Every command opens the database
// through Open, which applies it, and callers that read more tables right
// after opening (the run and sweep stores) apply it too.
func Damaged(path string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, m := range []string{"not a valid DuckDB database", "Corrupt database", "Could not read enough bytes", "checksum", "database file is corrupt", "Serialization Error"} {
		if strings.Contains(msg, m) {
			detail := msg
			if i := strings.Index(msg, "Error: "); i >= 0 {
				detail = msg[i+len("Error: "):]
			}
			detail, _, _ = strings.Cut(detail, "\n")
			return corruptError(fmt.Sprintf("database %s is damaged or not a DuckDB database (%s); restore it from a backup, or give another file with --db", path, detail))
		}
	}
	return err
}

// migrate brings the bars schema up to date through the one migration
// runner (internal/migrate). A read-only database is used as it is: with no
// bars tables it holds no symbols.
func (s *Store) migrate(ctx context.Context) error {
	steps := make([][]string, len(migrations))
	for i, m := range migrations {
		steps[i] = []string{m}
	}
	st, err := migrate.Up(ctx, s.db, migrate.Component{Name: Component, What: "open database " + s.path + ": bars", Steps: steps})
	if err != nil {
		return err
	}
	s.schema = !st.ReadOnly || st.Found > 0
	return nil
}

// DB returns the database handle, for packages that keep their own tables in
// the same file (results/store).
func (s *Store) DB() *sql.DB { return s.db }

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.ownTemp != "" {
		os.RemoveAll(s.ownTemp)
	}
	if err != nil {
		return fmt.Errorf("close database %s: %w", s.path, err)
	}
	return nil
}

// Checkpoint writes the write-ahead log into the database file.
func (s *Store) Checkpoint(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		return fmt.Errorf("checkpoint %s: %w", s.path, err)
	}
	return nil
}

func (s *Store) name() string { return filepath.Base(s.path) }

func (s *Store) writable(op string) error {
	if s.readOnly {
		return fmt.Errorf("%s: database %s is open read-only", op, s.path)
	}
	return nil
}
