package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/format"
)

// ReadOptions configure ReadFile.
type ReadOptions struct {
	// Format is a format name or "auto" (the default).
	Format string
	// Mapping names columns explicitly.
	Mapping format.Mapping
}

// FileBars is a CSV file read and converted like an import, but not stored.
type FileBars struct {
	Path        string
	Format      string
	Layout      string
	SinglePrice bool
	LagDays     int
	Notes       []string
	Order       string // "" ascending, "descending" or "unsorted" (sorted here)
	// Bars are sorted by date. Unlike an import, duplicate dates are kept
	// (in file order) so that a quality check can report them.
	Bars []data.Bar
}

// ReadFile reads one CSV file with the import's reader (format detection,
// DuckDB's CSV reader, row checks) without storing it: for `riskon data
// check FILE` and comparisons against a file. Malformed rows and bad values
// are errors as on import; duplicate dates are not.
func (s *Store) ReadFile(ctx context.Context, path string, opts ReadOptions) (*FileBars, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer conn.Close()
	fd, err := readFileDups(ctx, conn, path, opts.Format, opts.Mapping, 0, true)
	if err != nil {
		return nil, err
	}
	out := &FileBars{Path: path, Format: fd.layout.Format, Layout: fd.layout.Describe(), SinglePrice: fd.layout.SinglePrice,
		LagDays: fd.layout.LagDays, Notes: append([]string(nil), fd.layout.Notes...), Order: fd.sorted,
		Bars: make([]data.Bar, len(fd.rows))}
	for i, r := range fd.rows {
		out.Bars[i] = data.Bar{Date: r.date, Open: r.open, High: r.high, Low: r.low, Close: r.close, Volume: r.volume}
	}
	return out, nil
}

// OpenMemory opens an in-memory database (nothing is written to disk), for
// reading and checking files when no database file is wanted.
func OpenMemory(ctx context.Context) (*Store, error) {
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	conn, err := duckdb.NewConnector("?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("open in-memory database: %w", err)
	}
	s := &Store{db: sql.OpenDB(conn), path: ":memory:"}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open in-memory database: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}
