package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/format"
)

// How an import works (see docs/DATA.md, "Validation" and "Performance"):
//
// Every import stages its rows in a separate DuckDB database attached under a
// unique name (in memory for small inputs, in a temporary file beside the
// database for large ones, so DuckDB compresses and spills it). DuckDB's CSV
// reader fills the table rows; conversion, the row checks, duplicates, sort
// order, merging and splicing, warnings and the comparison with the stored
// bars are SQL over it. Only counts and the first few examples come back to
// Go. The bars are written with INSERT INTO bars SELECT ... in one
// transaction on the main database; the staging database is detached and
// deleted afterwards.
//
// Staging tables (in catalog im.cat):
//
//	rows(file, symbol, day, open, high, low, close, volume, ot, ct)
//	    one row per data record, converted; the rowid of a file's rows is
//	    its record index plus the file's offset. ot and ct override the
//	    calendar's session (derived weekly bars).
//	files(file, source, single, cutoff)   one per input (CSV file or bars in memory)
//	syms(symbol, calendar, repl, wipe, synth)
//	cals(calendar, utc, open_off, close_off, maxgap)
//	sessions(calendar, day, open_time, close_time)   non-24x7 calendars only
//	stage    the merged rows (a view, or a table after a multi-file merge), with grid = rows.rowid
//	newbars  stage with dates, session times and source labels: what is written

// defaultStageFileMin is the input size from which an import stages in a
// temporary file rather than in memory.
const defaultStageFileMin = 16 << 20

// maxSymbols bounds the symbols of one import (a long file): each gets a
// report in memory.
const maxSymbols = 200_000

// srcFile is one input of an import: a CSV file or bars held in memory.
type srcFile struct {
	id     int
	path   string // as given, for messages
	local  string // the file DuckDB reads: path, or a stream's copy
	source string // label stored with the bars
	layout format.Layout
	mem    bool  // bars from memory: "line N" is the bar's position
	offset int64 // rowid of the file's first row in rows
	n      int64 // data rows
	skip   int   // lines before the first record
	// cutoff, when set, keeps only rows dated after it (catalog splicing).
	cutoff    *int64
	symCol    int        // symbol column, -1 if the file is for one symbol
	stats     []fileStat // per symbol, in symbol order
	lineCache map[int64]int
}

// fileStat describes the rows of one symbol in one file.
type fileStat struct {
	symbol         string
	n              int64
	first, last    int64 // days
	asc, desc      bool
	dups           int64
	minRid, maxRid int64
}

func (f *srcFile) order(st fileStat) string {
	switch {
	case st.asc:
		return ""
	case st.desc:
		return "descending"
	}
	return "unsorted"
}

// importer is one import run on one connection.
type importer struct {
	s     *Store
	conn  *sql.Conn
	cat   string // the attached staging database
	dir   string // its directory, removed on close ("" in memory)
	files []*srcFile
	syms  []*symbolData // in report order
	bySym map[string]*symbolData
	cals  map[string]data.Calendar
	// union is set when several files of one symbol are merged with "first
	// file wins" (Import); splice when catalog sources are spliced.
	union, splice bool
	stageSorted   bool // stage rows are in (symbol, day) order already
	// cleanups remove temporary copies of streams (see openCSV).
	cleanups []func()
}

// newImporter attaches a staging database: a file in a temporary directory
// when the inputs total at least s.stageFileMin bytes, else in memory.
func (s *Store) newImporter(ctx context.Context, conn *sql.Conn, inputBytes int64) (*importer, error) {
	im := &importer{s: s, conn: conn, bySym: map[string]*symbolData{}, cals: map[string]data.Calendar{}}
	im.cat = fmt.Sprintf("riskon_stage_%d_%d", os.Getpid(), s.stageSeq.Add(1))
	target := ":memory:"
	if inputBytes >= s.stageFileMin {
		dir, err := s.stagingDir()
		if err != nil {
			return nil, err
		}
		im.dir = dir
		target = filepath.Join(dir, "stage.duckdb")
		if strings.ContainsRune(target, 0) || !utf8.ValidString(target) {
			im.removeDir()
			return nil, fmt.Errorf("import: staging directory %q is not a usable path (set another temporary directory)", dir)
		}
	}
	// ATTACH takes no parameters: the path (a temporary file this function
	// names, absolute, in a directory that may contain any character) goes
	// in as a quoted SQL string literal; the name is generated here.
	if _, err := conn.ExecContext(ctx, `ATTACH `+sqlString(target)+` AS `+im.cat+` (READ_WRITE)`); err != nil {
		im.removeDir()
		return nil, fmt.Errorf("import: attach the staging database %s: %w", target, err)
	}
	ddl := []string{
		`CREATE TABLE %s.rows (file INTEGER, symbol VARCHAR, day BIGINT,
			open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, ot BIGINT, ct BIGINT)`,
		`CREATE TABLE %s.files (file INTEGER, source VARCHAR, single BOOLEAN, cutoff BIGINT)`,
		`CREATE TABLE %s.syms (symbol VARCHAR, calendar VARCHAR, repl BOOLEAN, wipe BOOLEAN, synth BOOLEAN)`,
		`CREATE TABLE %s.cals (calendar VARCHAR, utc BOOLEAN, open_off BIGINT, close_off BIGINT, maxgap INTEGER)`,
		`CREATE TABLE %s.sessions (calendar VARCHAR, day BIGINT, open_time BIGINT, close_time BIGINT)`,
	}
	for _, q := range ddl {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(q, im.cat)); err != nil {
			im.close()
			return nil, fmt.Errorf("import: create staging tables: %w", err)
		}
	}
	return im, nil
}

// stagingDir creates the directory of a staging database: in Options.TempDir,
// else beside a writable database file (named after it, so that leftovers of
// a killed import are removed by the next import, which holds the file's
// write lock), else in os.TempDir().
func (s *Store) stagingDir() (string, error) {
	base, pattern := s.tempDir, ".riskon-import-"
	if base == "" {
		base = os.TempDir()
		if !s.readOnly && s.path != ":memory:" {
			base = filepath.Dir(s.path)
			pattern = "." + filepath.Base(s.path) + ".import-"
			old, _ := filepath.Glob(filepath.Join(base, globEscape(pattern)+"*"))
			for _, o := range old {
				os.RemoveAll(o)
			}
		}
	}
	dir, err := os.MkdirTemp(base, pattern)
	if err != nil {
		return "", fmt.Errorf("import: create a staging directory in %s (pass a writable --temp-dir): %w", base, err)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return dir, nil
}

// globEscape escapes the pattern characters of filepath.Match.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sqlString quotes s as a DuckDB string literal (quotes doubled; DuckDB
// string literals have no other escapes).
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// t qualifies a staging table name.
func (im *importer) t(name string) string { return im.cat + "." + name }

// close detaches the staging database and removes its file.
func (im *importer) close() {
	ctx := context.Background()
	// Dropping the tables first keeps DETACH from checkpointing them into
	// a file that is deleted next.
	for _, v := range []string{"newbars", "stage"} {
		im.conn.ExecContext(ctx, `DROP VIEW IF EXISTS `+im.t(v))
	}
	for _, t := range []string{"merged", "rows", "files", "syms", "cals", "sessions"} {
		im.conn.ExecContext(ctx, `DROP TABLE IF EXISTS `+im.t(t))
	}
	im.conn.ExecContext(ctx, `DETACH DATABASE IF EXISTS `+im.cat)
	im.removeDir()
	for _, c := range im.cleanups {
		c()
	}
}

func (im *importer) removeDir() {
	if im.dir != "" {
		os.RemoveAll(im.dir)
		im.dir = ""
	}
}

// addFile registers an input and returns it with its rowid offset set.
func (im *importer) addFile(ctx context.Context, path string) (*srcFile, error) {
	f := &srcFile{id: len(im.files), path: path, symCol: -1}
	var n int64
	if err := im.conn.QueryRowContext(ctx, `SELECT count(*) FROM `+im.t("rows")).Scan(&n); err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	f.offset = n
	im.files = append(im.files, f)
	return f, nil
}

// symbol returns the symbol's entry, creating it.
func (im *importer) symbol(sym string, cal data.Calendar, replace bool) *symbolData {
	if sd, ok := im.bySym[sym]; ok {
		return sd
	}
	sd := &symbolData{symbol: sym, cal: cal, replace: replace, report: &ImportReport{Symbol: sym, Calendar: cal.Name()}}
	im.bySym[sym] = sd
	im.syms = append(im.syms, sd)
	im.cals[cal.Name()] = cal
	return sd
}

// memBar is one bar held in memory, validated by the caller.
type memBar struct {
	date                           data.Date
	open, high, low, close, volume float64
	// openTime and closeTime override the calendar's session span when
	// either is non-zero (derived weekly and monthly bars span many sessions).
	openTime, closeTime int64
}

// addBars stages bars held in memory (already checked and sorted by date) as
// one input for sym. order says how the caller received them ("",
// "descending" or "unsorted"), for the report.
func (im *importer) addBars(ctx context.Context, sym, label string, single bool, bars []memBar, order string) (*srcFile, error) {
	f, err := im.addFile(ctx, label)
	if err != nil {
		return nil, err
	}
	f.mem, f.source = true, label
	f.layout = format.Layout{Format: "bars", SinglePrice: single}
	err = im.conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("unexpected driver connection")
		}
		app, err := duckdb.NewAppender(dconn, im.cat, "main", "rows")
		if err != nil {
			return err
		}
		for _, b := range bars {
			var ot, ct any
			if b.openTime != 0 || b.closeTime != 0 {
				ot, ct = b.openTime, b.closeTime
			}
			if err := app.AppendRow(int32(f.id), sym, int64(b.date), b.open, b.high, b.low, b.close, b.volume, ot, ct); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	if err != nil {
		return nil, fmt.Errorf("import %s: stage bars: %w", label, err)
	}
	f.n = int64(len(bars))
	if len(bars) > 0 {
		st := fileStat{symbol: sym, n: f.n, first: int64(bars[0].date), last: int64(bars[len(bars)-1].date),
			asc: order == "", desc: order == "descending", minRid: f.offset, maxRid: f.offset + f.n - 1}
		f.stats = []fileStat{st}
	}
	return f, nil
}

// fileStats computes, per symbol of file f, the row count, range, sort order
// and duplicate count with one window over its rows.
func (im *importer) fileStats(ctx context.Context, f *srcFile) error {
	rs, err := im.conn.QueryContext(ctx, `SELECT symbol, count(*), min(day), max(day),
			count(*) FILTER (WHERE day = pday), bool_and(prid IS NULL OR prid < rid), bool_and(prid IS NULL OR prid > rid),
			min(rid), max(rid)
		FROM (SELECT symbol, day, rid, lag(day) OVER w AS pday, lag(rid) OVER w AS prid
			FROM (SELECT rowid AS rid, symbol, day FROM `+im.t("rows")+` WHERE file = $file)
			WINDOW w AS (PARTITION BY symbol ORDER BY day, rid))
		GROUP BY symbol ORDER BY symbol`, sql.Named("file", f.id))
	if err != nil {
		return fmt.Errorf("import %s: sort and duplicate check: %w", f.path, err)
	}
	defer rs.Close()
	f.stats = f.stats[:0]
	for rs.Next() {
		var st fileStat
		if err := rs.Scan(&st.symbol, &st.n, &st.first, &st.last, &st.dups, &st.asc, &st.desc, &st.minRid, &st.maxRid); err != nil {
			return fmt.Errorf("import %s: sort and duplicate check: %w", f.path, err)
		}
		if st.n == 1 {
			st.desc = false
		}
		f.stats = append(f.stats, st)
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("import %s: sort and duplicate check: %w", f.path, err)
	}
	return nil
}

// sortedBySymbolDay reports whether the file's rows are already in (symbol,
// day) order: each symbol ascending, in one contiguous block, the blocks in
// symbol order.
func (f *srcFile) sortedBySymbolDay() bool {
	for i, st := range f.stats {
		if !st.asc || st.maxRid-st.minRid+1 != st.n {
			return false
		}
		if i > 0 && f.stats[i-1].maxRid >= st.minRid {
			return false
		}
	}
	return true
}

// lines maps record indexes (rid - offset) of file f to 1-based file lines.
// ok is false when they cannot be known exactly (quoted line breaks): callers
// then name data rows instead.
func (im *importer) lines(f *srcFile, rids []int64) (map[int64]int, bool) {
	if f.mem {
		out := make(map[int64]int, len(rids))
		for _, r := range rids {
			out[r] = int(r + 1)
		}
		return out, true
	}
	var want []int64
	for _, r := range rids {
		if _, ok := f.lineCache[r]; !ok {
			want = append(want, r)
		}
	}
	if len(want) > 0 {
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		got, total, err := scanLines(f.local, f.skip, want)
		if err != nil || total != f.n {
			return nil, false
		}
		if f.lineCache == nil {
			f.lineCache = map[int64]int{}
		}
		for k, v := range got {
			f.lineCache[k] = v
		}
	}
	out := make(map[int64]int, len(rids))
	for _, r := range rids {
		l, ok := f.lineCache[r]
		if !ok {
			return nil, false
		}
		out[r] = l
	}
	return out, true
}

// where names a staged row (by rowid) for messages: "PATH line N", or "PATH
// data row N" when lines are unknown.
type locator struct {
	im    *importer
	lines map[int]map[int64]int // file -> rid -> line
	ok    map[int]bool
}

// fileOf returns the file holding global row id grid.
func (im *importer) fileOf(grid int64) *srcFile {
	i := sort.Search(len(im.files), func(i int) bool { return im.files[i].offset > grid }) - 1
	if i < 0 {
		i = 0
	}
	return im.files[i]
}

// locate resolves the lines of the given global row ids, one scan per file.
func (im *importer) locate(grids []int64) *locator {
	byFile := map[int][]int64{}
	for _, g := range grids {
		f := im.fileOf(g)
		byFile[f.id] = append(byFile[f.id], g-f.offset)
	}
	loc := &locator{im: im, lines: map[int]map[int64]int{}, ok: map[int]bool{}}
	for id, rids := range byFile {
		m, ok := im.lines(im.files[id], rids)
		loc.lines[id], loc.ok[id] = m, ok
	}
	return loc
}

func (l *locator) where(grid int64) string {
	f := l.im.fileOf(grid)
	rid := grid - f.offset
	if l.ok[f.id] {
		if line, ok := l.lines[f.id][rid]; ok {
			return fmt.Sprintf("%s line %d", f.path, line)
		}
	}
	return fmt.Sprintf("%s data row %d", f.path, rid+1)
}

// writeMeta fills files, syms, cals and sessions for the staged rows.
func (im *importer) writeMeta(ctx context.Context) error {
	for _, f := range im.files {
		var cut any
		if f.cutoff != nil {
			cut = *f.cutoff
		}
		if _, err := im.conn.ExecContext(ctx, `INSERT INTO `+im.t("files")+` VALUES ($file, $source, $single, $cutoff)`,
			sql.Named("file", f.id), sql.Named("source", f.source), sql.Named("single", f.layout.SinglePrice), sql.Named("cutoff", cut)); err != nil {
			return fmt.Errorf("import: stage files: %w", err)
		}
	}
	err := im.conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("unexpected driver connection")
		}
		app, err := duckdb.NewAppender(dconn, im.cat, "main", "syms")
		if err != nil {
			return err
		}
		for _, sd := range im.syms {
			if err := app.AppendRow(sd.symbol, sd.cal.Name(), sd.replace, sd.fullCopy, sd.synth); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	if err != nil {
		return fmt.Errorf("import: stage symbols: %w", err)
	}
	names := make([]string, 0, len(im.cals))
	for name := range im.cals {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		cal := im.cals[name]
		utc := name == data.CalendarCrypto
		o, c := cal.Session(0)
		if _, err := im.conn.ExecContext(ctx, `INSERT INTO `+im.t("cals")+` VALUES ($cal, $utc, $o, $c, $gap)`,
			sql.Named("cal", name), sql.Named("utc", utc), sql.Named("o", o), sql.Named("c", c), sql.Named("gap", cal.MaxGapDays())); err != nil {
			return fmt.Errorf("import: stage calendars: %w", err)
		}
		if utc {
			continue // sessions are date arithmetic: day*86400 + offsets
		}
		if err := im.stageSessions(ctx, cal); err != nil {
			return err
		}
	}
	return nil
}

// stageSessions appends the sessions of cal (computed by
// data.Calendar.Session, time zone and daylight saving included) for every
// day between the first and last staged day of its symbols: at most 146,000
// rows for 400 years, whatever the number of bars.
func (im *importer) stageSessions(ctx context.Context, cal data.Calendar) error {
	var lo, hi sql.NullInt64
	err := im.conn.QueryRowContext(ctx, `SELECT min(r.day), max(r.day) FROM `+im.t("rows")+` r JOIN `+im.t("syms")+` y ON y.symbol = r.symbol
		WHERE y.calendar = $cal`, sql.Named("cal", cal.Name())).Scan(&lo, &hi)
	if err != nil {
		return fmt.Errorf("import: session times for calendar %s: %w", cal.Name(), err)
	}
	if !lo.Valid {
		return nil
	}
	return im.conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("unexpected driver connection")
		}
		app, err := duckdb.NewAppender(dconn, im.cat, "main", "sessions")
		if err != nil {
			return fmt.Errorf("import: session times for calendar %s: %w", cal.Name(), err)
		}
		for d := lo.Int64; d <= hi.Int64; d++ {
			o, c := cal.Session(data.Date(d))
			if err := app.AppendRow(cal.Name(), d, o, c); err != nil {
				app.Close()
				return fmt.Errorf("import: session times for calendar %s: %w", cal.Name(), err)
			}
		}
		if err := app.Close(); err != nil {
			return fmt.Errorf("import: session times for calendar %s: %w", cal.Name(), err)
		}
		return nil
	})
}

// buildStage creates the view stage (the merged rows) and newbars (what is
// written).
func (im *importer) buildStage(ctx context.Context) error {
	rows, stage := im.t("rows"), im.t("stage")
	var q string
	switch {
	case im.splice:
		q = `CREATE VIEW ` + stage + ` AS SELECT r.rowid AS grid, r.* FROM ` + rows + ` r JOIN ` + im.t("files") + ` f ON f.file = r.file
			WHERE f.cutoff IS NULL OR r.day > f.cutoff`
	case im.union && len(im.files) > 1:
		// First file wins: a row is kept unless an earlier file has its date.
		if _, err := im.conn.ExecContext(ctx, `CREATE TABLE `+im.t("merged")+` AS SELECT r.rowid AS grid, r.* FROM `+rows+` r
			WHERE r.file = 0 OR NOT EXISTS (SELECT 1 FROM `+rows+` e WHERE e.symbol = r.symbol AND e.day = r.day AND e.file < r.file)`); err != nil {
			return fmt.Errorf("import: merge files: %w", err)
		}
		q = `CREATE VIEW ` + stage + ` AS SELECT * FROM ` + im.t("merged")
	default:
		q = `CREATE VIEW ` + stage + ` AS SELECT r.rowid AS grid, r.* FROM ` + rows + ` r`
	}
	if _, err := im.conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("import: stage rows: %w", err)
	}
	q = `CREATE VIEW ` + im.t("newbars") + ` AS
		SELECT s.symbol, CAST(DATE '1970-01-01' + CAST(s.day AS INTEGER) AS DATE) AS date,
			coalesce(s.ot, CASE WHEN c.utc THEN s.day * 86400 + c.open_off ELSE x.open_time END) AS open_time,
			coalesce(s.ct, CASE WHEN c.utc THEN s.day * 86400 + c.close_off ELSE x.close_time END) AS close_time,
			s.open, s.high, s.low, s.close, s.volume, f.source, s.file, s.grid, s.day
		FROM ` + stage + ` s
		JOIN ` + im.t("files") + ` f ON f.file = s.file
		JOIN ` + im.t("syms") + ` y ON y.symbol = s.symbol
		JOIN ` + im.t("cals") + ` c ON c.calendar = y.calendar
		LEFT JOIN ` + im.t("sessions") + ` x ON x.calendar = y.calendar AND x.day = s.day`
	if _, err := im.conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("import: stage bars: %w", err)
	}
	return nil
}
