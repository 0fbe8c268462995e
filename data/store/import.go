package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/format"
)

// ImportOptions configure Import.
type ImportOptions struct {
	// Symbol to store the bars under (required).
	Symbol string
	// Calendar of the symbol: "nyse", "24x7" (the default) or
	// "ZONE HH:MM-HH:MM".
	Calendar string
	// Format is a format name (see format.Names) or "auto" (the default).
	Format string
	// Mapping names columns explicitly, over the format's.
	Mapping format.Mapping
	// Strict turns warnings (OHLC inconsistencies, flat bars, gaps, jumps,
	// overlaps that disagree) into errors.
	Strict bool
	// Replace overwrites stored bars whose values differ from the file's.
	// Without it such a conflict refuses the import. Stored bars on dates
	// the files do not have are kept. With a different calendar than the
	// stored one, Replace deletes the symbol's bars first.
	Replace bool
	// Source labels the bars (default: the file path as given).
	Source string
}

// Warning counts one kind of suspicious data, with its first example.
type Warning struct {
	Kind  string // ohlc, flat, gap, jump, overlap
	Count int
	First string // the first example, with file and line
}

// FileReport describes one file of an import.
type FileReport struct {
	Path    string
	Format  string
	Layout  string // one-line description of the columns used
	Rows    int    // data rows in the file
	Used    int    // rows that made it into the symbol (overlaps and splices drop some)
	First   data.Date
	Last    data.Date
	Order   string // "" ascending, "descending" or "unsorted" (sorted on import)
	LagDays int    // the file's values lag their dates by this many days
	Notes   []string
}

// ImportReport says what an import did for one symbol.
type ImportReport struct {
	Symbol    string
	Calendar  string
	Files     []FileReport
	Rows      int // bars after merging the files
	First     data.Date
	Last      data.Date
	Inserted  int
	Updated   int // replaced (only with Replace)
	Unchanged int
	Warnings  []Warning
}

// WarningCount returns the number of warnings of kind ("" for all kinds).
func (r *ImportReport) WarningCount(kind string) int {
	n := 0
	for _, w := range r.Warnings {
		if kind == "" || w.Kind == kind {
			n += w.Count
		}
	}
	return n
}

var reSymbol = regexp.MustCompile(`^[A-Za-z0-9^][A-Za-z0-9._^=/:-]{0,39}$`)

// CheckSymbol reports whether s is a usable symbol name: 1-40 letters,
// digits or . _ ^ = / : -, starting with a letter, digit or ^.
func CheckSymbol(s string) error {
	if !reSymbol.MatchString(s) {
		return fmt.Errorf("symbol %q: want 1-40 letters, digits or . _ ^ = / : - (no spaces or commas)", s)
	}
	return nil
}

// symbolData is one symbol ready to be written.
type symbolData struct {
	symbol   string
	cal      data.Calendar
	rows     []row
	sources  []string // per file index
	report   *ImportReport
	replace  bool
	synth    bool
	fullCopy bool // replace the symbol entirely (InsertSeries)
	// after, if set, runs inside the write transaction after the symbol's
	// bars are written (remembering sources, removing stale derived bars).
	after func(ctx context.Context, conn *sql.Conn) error
}

// Import reads the files, merges them into one series for opts.Symbol,
// validates it and writes it in one transaction. A refused import leaves the
// database as it was.
//
// Several files for one symbol are merged by date; where they overlap the
// first file listed wins, and overlapping dates whose closes differ are
// counted as "overlap" warnings (errors with Strict).
func (s *Store) Import(ctx context.Context, paths []string, opts ImportOptions) (*ImportReport, error) {
	if err := s.writable("import"); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, errors.New("import: no files given")
	}
	if err := CheckSymbol(opts.Symbol); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	cal, err := parseCalendar(opts.Calendar)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", opts.Symbol, err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer conn.Close()
	rep := &ImportReport{Symbol: opts.Symbol, Calendar: cal.Name()}
	sd := &symbolData{symbol: opts.Symbol, cal: cal, report: rep, replace: opts.Replace}
	var files []*fileData
	for i, p := range paths {
		fd, err := readFile(ctx, conn, p, opts.Format, opts.Mapping, i)
		if err != nil {
			return nil, err
		}
		fd.source = opts.Source
		if fd.source == "" {
			fd.source = filepath.ToSlash(filepath.Clean(p))
		}
		files = append(files, fd)
	}
	sd.rows = mergeUnion(files, rep)
	for _, f := range files {
		sd.sources = append(sd.sources, f.source)
	}
	if err := finishSymbol(sd, files, opts.Strict); err != nil {
		return nil, err
	}
	if err := s.write(ctx, conn, []*symbolData{sd}); err != nil {
		return nil, err
	}
	return rep, nil
}

func parseCalendar(name string) (data.Calendar, error) {
	if strings.TrimSpace(name) == "" {
		name = data.CalendarCrypto
	}
	cal, err := data.ParseCalendar(name)
	if err != nil {
		return data.Calendar{}, fmt.Errorf("unknown calendar: %w", err)
	}
	return cal, nil
}

func fileReport(f *fileData) FileReport {
	fr := FileReport{Path: f.path, Format: f.layout.Format, Layout: f.layout.Describe(), Rows: len(f.rows),
		Order: f.sorted, LagDays: f.layout.LagDays, Notes: append([]string(nil), f.layout.Notes...)}
	if len(f.rows) > 0 {
		fr.First, fr.Last = f.rows[0].date, f.rows[len(f.rows)-1].date
	}
	return fr
}

// mergeUnion merges files by date; the first file wins on overlaps.
func mergeUnion(files []*fileData, rep *ImportReport) []row {
	have := map[data.Date]int{}
	var out []row
	overlap := warn{kind: "overlap"}
	for fi, f := range files {
		fr := fileReport(f)
		for _, r := range f.rows {
			if j, ok := have[r.date]; ok {
				if fi > 0 && out[j].close != r.close {
					overlap.add(fmt.Sprintf("%s line %d: %s close %g, but %s (first file, kept) has %g",
						f.path, r.line, r.date, r.close, files[out[j].file].path, out[j].close))
				}
				continue
			}
			have[r.date] = len(out)
			out = append(out, r)
			fr.Used++
		}
		rep.Files = append(rep.Files, fr)
	}
	sortRows(out)
	if overlap.count > 0 {
		rep.Warnings = append(rep.Warnings, overlap.warning())
	}
	return out
}

// spliceAfter splices files in priority order: a later file contributes only
// the dates after the last date of the files before it.
func spliceAfter(files []*fileData, rep *ImportReport) []row {
	var out []row
	for _, f := range files {
		fr := fileReport(f)
		last := data.Date(math.MinInt32)
		if len(out) > 0 {
			last = out[len(out)-1].date
		}
		for _, r := range f.rows {
			if r.date > last {
				out = append(out, r)
				fr.Used++
			}
		}
		rep.Files = append(rep.Files, fr)
	}
	return out
}

// ohlcTolerance is the relative slack of the OHLC consistency checks.
const ohlcTolerance = 1e-9

type warn struct {
	kind  string
	count int
	first string
}

func (w *warn) add(example string) {
	if w.count == 0 {
		w.first = example
	}
	w.count++
}

func (w *warn) warning() Warning { return Warning{Kind: w.kind, Count: w.count, First: w.first} }

// finishSymbol computes the warnings of a merged series and fills the
// report; with strict, warnings are an error.
func finishSymbol(sd *symbolData, files []*fileData, strict bool) error {
	rep := sd.report
	rows := sd.rows
	rep.Rows = len(rows)
	if len(rows) > 0 {
		rep.First, rep.Last = rows[0].date, rows[len(rows)-1].date
	}
	where := func(r row) string {
		return fmt.Sprintf("%s line %d", files[r.file].path, r.line)
	}
	ohlc, flat, gap, jump := warn{kind: "ohlc"}, warn{kind: "flat"}, warn{kind: "gap"}, warn{kind: "jump"}
	maxGap := data.Date(sd.cal.MaxGapDays())
	for i, r := range rows {
		single := files[r.file].layout.SinglePrice
		if !single {
			// A relative tolerance absorbs float rounding of adjusted prices
			// (yfinance writes high 58.806499481201165 for close 58.80649948120117).
			tol := ohlcTolerance * r.high
			switch {
			case r.high < r.low-tol:
				ohlc.add(fmt.Sprintf("%s: %s high %g < low %g", where(r), r.date, r.high, r.low))
			case r.open < r.low-tol || r.open > r.high+tol || r.close < r.low-tol || r.close > r.high+tol:
				ohlc.add(fmt.Sprintf("%s: %s open %g / close %g outside [low %g, high %g]", where(r), r.date, r.open, r.close, r.low, r.high))
			}
			if r.open == r.high && r.high == r.low && r.low == r.close {
				flat.add(fmt.Sprintf("%s: %s open = high = low = close = %g", where(r), r.date, r.close))
			}
		}
		if i == 0 {
			continue
		}
		p := rows[i-1]
		if d := r.date - p.date; d > maxGap {
			gap.add(fmt.Sprintf("%s: %d days from %s to %s (calendar %s allows %d)", where(r), d, p.date, r.date, sd.cal.Name(), maxGap))
		}
		if ch := r.close/p.close - 1; math.Abs(ch) > 0.5 {
			jump.add(fmt.Sprintf("%s: close %g on %s after %g on %s (%+.0f%%)", where(r), r.close, r.date, p.close, p.date, 100*ch))
		}
	}
	for _, w := range []warn{ohlc, flat, gap, jump} {
		if w.count > 0 {
			rep.Warnings = append(rep.Warnings, w.warning())
		}
	}
	if strict && len(rep.Warnings) > 0 {
		e := &ValidationError{Path: strings.Join(sd.sources, ", "), What: "warnings refused by --strict"}
		for _, w := range rep.Warnings {
			e.Total += w.Count
			e.Problems = append(e.Problems, Problem{Msg: fmt.Sprintf("%s: %d, first: %s", w.Kind, w.Count, w.First)})
		}
		if len(files) == 1 {
			e.Path = files[0].path
		}
		e.Hint = "import without --strict to accept them as warnings"
		return e
	}
	return nil
}

const stageDDL = `CREATE OR REPLACE TEMP TABLE riskon_stage (
	symbol VARCHAR, date DATE, open_time BIGINT, close_time BIGINT,
	open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, source VARCHAR)`

// write stages every symbol's bars in a temporary table, then in one
// transaction compares them with the stored bars and inserts, updates or
// refuses. On any error the transaction is rolled back.
func (s *Store) write(ctx context.Context, conn *sql.Conn, syms []*symbolData) (err error) {
	if _, err := conn.ExecContext(ctx, stageDDL); err != nil {
		return fmt.Errorf("import: stage bars: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS riskon_stage`)
	err = conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("unexpected driver connection")
		}
		app, err := duckdb.NewAppender(dconn, "temp", "main", "riskon_stage")
		if err != nil {
			return err
		}
		for _, sd := range syms {
			for _, r := range sd.rows {
				o, c := sd.cal.Session(r.date)
				if r.openTime != 0 || r.closeTime != 0 {
					o, c = r.openTime, r.closeTime
				}
				if err := app.AppendRow(sd.symbol, r.date.Time(), o, c, r.open, r.high, r.low, r.close, r.volume, sd.sources[r.file]); err != nil {
					app.Close()
					return err
				}
			}
		}
		return app.Close()
	})
	if err != nil {
		return fmt.Errorf("import: stage bars: %w", err)
	}

	if _, err := conn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return fmt.Errorf("import: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			if _, rbErr := conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`); rbErr != nil && err == nil {
				err = fmt.Errorf("import: rollback: %w", rbErr)
			}
		}
	}()
	for _, sd := range syms {
		if err := s.writeSymbol(ctx, conn, sd); err != nil {
			return err
		}
		if sd.after != nil {
			if err := sd.after(ctx, conn); err != nil {
				return err
			}
		}
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("import: commit: %w", err)
	}
	committed = true
	return nil
}

const differs = `(b.open <> s.open OR b.high <> s.high OR b.low <> s.low OR b.close <> s.close
	OR b.volume <> s.volume OR b.open_time <> s.open_time OR b.close_time <> s.close_time)`

func (s *Store) writeSymbol(ctx context.Context, conn *sql.Conn, sd *symbolData) error {
	rep := sd.report
	var storedCal sql.NullString
	err := conn.QueryRowContext(ctx, `SELECT calendar FROM symbols WHERE symbol = ?`, sd.symbol).Scan(&storedCal)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("import %s: %w", sd.symbol, err)
	}
	if sd.fullCopy || (storedCal.Valid && storedCal.String != sd.cal.Name()) {
		if storedCal.Valid && !sd.replace && !sd.fullCopy {
			return fmt.Errorf("import %s: the symbol is stored with calendar %s, not %s; pass --replace to re-import it with the new calendar (its stored bars are deleted first)",
				sd.symbol, storedCal.String, sd.cal.Name())
		}
		if _, err := conn.ExecContext(ctx, `DELETE FROM bars WHERE symbol = ?`, sd.symbol); err != nil {
			return fmt.Errorf("import %s: delete old bars: %w", sd.symbol, err)
		}
	}

	var nConflict int
	var firstDate sql.NullString
	var storedClose, newClose sql.NullFloat64
	var newSource sql.NullString
	err = conn.QueryRowContext(ctx, `SELECT count(*) OVER (), strftime(s.date, '%Y-%m-%d'), b.close, s.close, s.source
		FROM riskon_stage s JOIN bars b ON b.symbol = s.symbol AND b.date = s.date
		WHERE s.symbol = ? AND `+differs+` ORDER BY s.date LIMIT 1`, sd.symbol).Scan(&nConflict, &firstDate, &storedClose, &newClose, &newSource)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("import %s: compare with stored bars: %w", sd.symbol, err)
	}
	if nConflict > 0 && !sd.replace {
		what := "dates are"
		if nConflict == 1 {
			what = "date is"
		}
		return fmt.Errorf("import %s: %s: %d %s already stored with different values, first %s (stored close %g, new close %g); pass --replace to overwrite them",
			newSource.String, sd.symbol, nConflict, what, firstDate.String, storedClose.Float64, newClose.Float64)
	}
	err = conn.QueryRowContext(ctx, `SELECT count(*) FROM riskon_stage s JOIN bars b ON b.symbol = s.symbol AND b.date = s.date
		WHERE s.symbol = ? AND NOT `+differs, sd.symbol).Scan(&rep.Unchanged)
	if err != nil {
		return fmt.Errorf("import %s: compare with stored bars: %w", sd.symbol, err)
	}
	if nConflict > 0 {
		res, err := conn.ExecContext(ctx, `UPDATE bars AS b SET open = s.open, high = s.high, low = s.low, close = s.close,
			volume = s.volume, open_time = s.open_time, close_time = s.close_time, source = s.source
			FROM riskon_stage s WHERE b.symbol = s.symbol AND b.date = s.date AND s.symbol = ? AND `+differs, sd.symbol)
		if err != nil {
			return fmt.Errorf("import %s: replace bars: %w", sd.symbol, err)
		}
		n, _ := res.RowsAffected()
		rep.Updated = int(n)
	}
	res, err := conn.ExecContext(ctx, `INSERT INTO bars (symbol, date, open_time, close_time, open, high, low, close, volume, source)
		SELECT s.symbol, s.date, s.open_time, s.close_time, s.open, s.high, s.low, s.close, s.volume, s.source
		FROM riskon_stage s WHERE s.symbol = ?
		AND NOT EXISTS (SELECT 1 FROM bars b WHERE b.symbol = s.symbol AND b.date = s.date)
		ORDER BY s.date`, sd.symbol)
	if err != nil {
		return fmt.Errorf("import %s: insert bars: %w", sd.symbol, err)
	}
	n, _ := res.RowsAffected()
	rep.Inserted = int(n)
	if rep.Inserted == 0 && rep.Updated == 0 && storedCal.Valid && !sd.fullCopy {
		return nil // nothing changed: leave the symbols row alone too
	}
	_, err = conn.ExecContext(ctx, `INSERT OR REPLACE INTO symbols
		(symbol, calendar, source, first_date, last_date, bars, first_ts, last_ts, synthetic, updated_at)
		SELECT ?, ?, coalesce(string_agg(DISTINCT source, '; ' ORDER BY source), ''), min(date), max(date), count(*),
			min(open_time), max(close_time), ?, now()
		FROM bars WHERE symbol = ?`, sd.symbol, sd.cal.Name(), sd.synth, sd.symbol)
	if err != nil {
		return fmt.Errorf("import %s: update symbols: %w", sd.symbol, err)
	}
	return nil
}
