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
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Component is this package's name in schema_migrations.
const Component = "bars"

// Options configure Open.
type Options struct {
	// ReadOnly opens the file with access_mode=read_only: several readers may
	// share it, and nothing (not even the schema) is written.
	ReadOnly bool
}

// Store is an open riskon database.
type Store struct {
	db       *sql.DB
	path     string
	readOnly bool
	schema   bool // the bars tables exist
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
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	if opts.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open database %s read-only: %w", path, err)
		}
	}
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	if opts.ReadOnly {
		q.Set("access_mode", "read_only")
	}
	conn, err := duckdb.NewConnector(path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, openError(path, err)
	}
	s := &Store{db: sql.OpenDB(conn), path: path, readOnly: opts.ReadOnly}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, openError(path, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// openError turns DuckDB's lock conflict into one clear sentence.
func openError(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock") {
		holder := "another process"
		if m := rePID.FindStringSubmatch(msg); m != nil {
			holder = "another process (PID " + m[1] + ")"
		}
		return fmt.Errorf("database %s is locked: %s holds it, probably another riskon command; wait for it to finish or use another --db", path, holder)
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

func (s *Store) migrate(ctx context.Context) error {
	if s.readOnly {
		var n int
		err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name IN ('bars', 'symbols')`).Scan(&n)
		if err != nil {
			return fmt.Errorf("open database %s: %w", s.path, err)
		}
		s.schema = n == 2
		if s.schema {
			v, err := s.version(ctx)
			if err != nil {
				return err
			}
			if v > SchemaVersion {
				return fmt.Errorf("database %s has bars schema version %d, newer than this riskon understands (%d); upgrade riskon", s.path, v, SchemaVersion)
			}
		}
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (component VARCHAR NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (component, version))`); err != nil {
		return fmt.Errorf("open database %s: create schema_migrations: %w", s.path, err)
	}
	v, err := s.version(ctx)
	if err != nil {
		return err
	}
	if v > SchemaVersion {
		return fmt.Errorf("database %s has bars schema version %d, newer than this riskon understands (%d); upgrade riskon", s.path, v, SchemaVersion)
	}
	for next := v + 1; next <= SchemaVersion; next++ {
		if err := s.apply(ctx, next); err != nil {
			return fmt.Errorf("open database %s: migrate bars schema to version %d: %w", s.path, next, err)
		}
	}
	s.schema = true
	return nil
}

func (s *Store) version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations WHERE component = ?`, Component).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("open database %s: read schema version: %w", s.path, err)
	}
	return int(v.Int64), nil
}

func (s *Store) apply(ctx context.Context, version int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, migrations[version-1]); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (component, version) VALUES (?, ?)`, Component, version); err != nil {
		return err
	}
	return tx.Commit()
}

// DB returns the database handle, for packages that keep their own tables in
// the same file (results/store).
func (s *Store) DB() *sql.DB { return s.db }

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
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
