package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"

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
// are errors as on import; duplicate dates are not. The bars are returned in
// memory.
func (s *Store) ReadFile(ctx context.Context, path string, opts ReadOptions) (*FileBars, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer conn.Close()
	im, err := s.newImporter(ctx, conn, inputSize([]string{path}))
	if err != nil {
		return nil, err
	}
	defer im.close()
	f, err := im.readCSV(ctx, path, opts.Format, opts.Mapping, symbolSpec{}, true)
	if err != nil {
		return nil, err
	}
	out := &FileBars{Path: path, Format: f.layout.Format, Layout: f.layout.Describe(), SinglePrice: f.layout.SinglePrice,
		LagDays: f.layout.LagDays, Notes: append([]string(nil), f.layout.Notes...), Bars: make([]data.Bar, 0, f.n)}
	if len(f.stats) > 0 {
		out.Order = f.order(f.stats[0])
	}
	rs, err := conn.QueryContext(ctx, `SELECT day, open, high, low, close, volume FROM `+im.t("rows")+` WHERE file = $file ORDER BY day, rowid`,
		sql.Named("file", f.id))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer rs.Close()
	for rs.Next() {
		var b data.Bar
		var d int64
		if err := rs.Scan(&d, &b.Open, &b.High, &b.Low, &b.Close, &b.Volume); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		b.Date = data.Date(d)
		out.Bars = append(out.Bars, b)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// OpenMemory opens an in-memory database (nothing is written to disk but
// DuckDB's spill files, in a temporary directory removed by Close), for
// reading and checking files when no database file is wanted.
func OpenMemory(ctx context.Context) (*Store, error) {
	tmp, err := os.MkdirTemp("", "riskon-mem-")
	if err != nil {
		return nil, fmt.Errorf("open in-memory database: temporary directory: %w", err)
	}
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	q.Set("memory_limit", DefaultMemoryLimit)
	q.Set("temp_directory", tmp)
	conn, err := duckdb.NewConnector("?"+q.Encode(), nil)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("open in-memory database: %w", err)
	}
	s := &Store{db: sql.OpenDB(conn), path: ":memory:", tempDir: tmp, ownTemp: tmp, stageFileMin: defaultStageFileMin, splitBars: defaultSplitBars}
	if err := s.db.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open in-memory database: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
