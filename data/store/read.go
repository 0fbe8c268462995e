package store

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/format"
)

// maxShown is how many offending lines an error message lists.
const maxShown = 5

// Problem is one offending line of a file.
type Problem struct {
	Line int    // 1-based line in the file (the header is line 1); 0 if unknown
	Msg  string // what is wrong
}

// ValidationError is a refused import: the file, and the first few offending
// lines out of Total.
type ValidationError struct {
	Path     string
	What     string // e.g. "bad rows", "duplicate dates", "warnings (--strict)"
	Problems []Problem
	Total    int
	Hint     string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	what := e.What
	if e.Total == 1 {
		what = strings.Replace(what, "rows", "row", 1)
		what = strings.Replace(what, "dates", "date", 1)
		what = strings.Replace(what, "warnings", "warning", 1)
	}
	if e.Total == 1 && len(e.Problems) == 1 {
		// One problem: one line.
		p := e.Problems[0]
		fmt.Fprintf(&b, "import %s: ", e.Path)
		if p.Line > 0 {
			fmt.Fprintf(&b, "line %d: ", p.Line)
		}
		b.WriteString(p.Msg)
		if e.Hint != "" {
			b.WriteString("; " + e.Hint)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "import %s: %d %s", e.Path, e.Total, what)
	if e.Total > len(e.Problems) {
		fmt.Fprintf(&b, " (first %d shown)", len(e.Problems))
	}
	b.WriteString(":")
	for _, p := range e.Problems {
		if p.Line > 0 {
			fmt.Fprintf(&b, "\n  line %d: %s", p.Line, p.Msg)
		} else {
			fmt.Fprintf(&b, "\n  %s", p.Msg)
		}
	}
	if e.Hint != "" {
		b.WriteString("\n  " + e.Hint)
	}
	return b.String()
}

type problems struct {
	path, what string
	list       []Problem
	total      int
}

func (p *problems) add(line int, format string, args ...any) {
	p.total++
	if len(p.list) < maxShown {
		p.list = append(p.list, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
}

func (p *problems) err() error {
	if p.total == 0 {
		return nil
	}
	return &ValidationError{Path: p.path, What: p.what, Problems: p.list, Total: p.total}
}

// row is one parsed bar with where it came from.
type row struct {
	date                           data.Date
	open, high, low, close, volume float64
	file                           int // index into the import's files
	line                           int
	// openTime and closeTime override the calendar's session span when
	// either is non-zero (derived weekly and monthly bars span many sessions).
	openTime, closeTime int64
}

// fileData is one file read and checked row by row.
type fileData struct {
	path   string
	source string
	layout format.Layout
	rows   []row // ascending by date
	sorted string
}

// readFile reads one CSV with DuckDB's CSV reader into a temporary table on
// conn, converts the layout's columns with SQL, and checks each row.
func readFile(ctx context.Context, conn *sql.Conn, path, fmtName string, m format.Mapping, fileIdx int) (*fileData, error) {
	return readFileDups(ctx, conn, path, fmtName, m, fileIdx, false)
}

// readFileDups is readFile; with keepDups, duplicate dates are kept (in file
// order) instead of refusing the file, for quality checks of raw files.
func readFileDups(ctx context.Context, conn *sql.Conn, path, fmtName string, m format.Mapping, fileIdx int, keepDups bool) (*fileData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	head, err := format.ReadHead(f, 8)
	if err != nil {
		f.Close()
		if errors.Is(err, format.ErrEmpty) {
			return nil, fmt.Errorf("import %s: the file is empty (no header, no rows)", path)
		}
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	layout, err := format.Resolve(fmtName, m, head.Header, head.Sample)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	layout.Delimiter = head.Delimiter
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	lines, err := recordLines(f, layout.SkipLines)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}

	// DuckDB reads every column as text; nothing is sniffed, so the layout
	// found above is the one used.
	cols := make([]string, layout.NumColumns)
	for i := range cols {
		cols[i] = fmt.Sprintf("'c%d': 'VARCHAR'", i)
	}
	q := `CREATE OR REPLACE TEMP TABLE riskon_raw AS SELECT * FROM read_csv(?, auto_detect = false, header = false,
		skip = ` + fmt.Sprint(layout.SkipLines) + `, delim = ?, quote = '"', escape = '"',
		columns = {` + strings.Join(cols, ", ") + `},
		store_rejects = true, rejects_table = 'riskon_rejects', rejects_scan = 'riskon_reject_scans')`
	dropRejects := func() {
		conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS riskon_rejects`)
		conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS riskon_reject_scans`)
	}
	dropRejects()
	defer dropRejects()
	if _, err := conn.ExecContext(ctx, q, path, string(layout.Delim())); err != nil {
		return nil, fmt.Errorf("import %s: DuckDB's CSV reader refused the file: %s", path, firstLine(err))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS riskon_raw`)
	if err := rejects(ctx, conn, path, layout); err != nil {
		return nil, err
	}

	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM riskon_raw`).Scan(&n); err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("import %s: no data rows (the file has only its header %q)", path, strings.Join(head.Header, string(layout.Delim())))
	}
	if len(lines) != n {
		lines = nil // quoted line breaks: report row numbers instead of lines
	}
	lineOf := func(i int) int {
		if lines == nil {
			return 0
		}
		return lines[i]
	}

	fd := &fileData{path: path, layout: layout}
	raws, err := convert(ctx, conn, layout, n)
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS riskon_conv`)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	bad := problems{path: path, what: "bad rows"}
	fd.rows = make([]row, len(raws))
	for i := range raws {
		r := &raws[i]
		r.line = lineOf(i)
		r.file = fileIdx
		checkRow(&bad, r, layout, lines == nil, i)
		fd.rows[i] = r.row
	}
	if err := bad.err(); err != nil {
		return nil, err
	}
	if !keepDups {
		if err := duplicates(ctx, conn, path, lineOf); err != nil {
			return nil, err
		}
	}
	fd.sorted = sortRows(fd.rows)
	return fd, nil
}

// recordLines returns the 1-based line number of every data record: lines
// after the skipped header lines that are not blank (DuckDB skips blank
// lines too).
func recordLines(r io.Reader, skip int) ([]int, error) {
	var out []int
	br := bufio.NewReaderSize(r, 1<<16)
	line := 0
	for {
		s, err := br.ReadString('\n')
		if len(s) > 0 {
			line++
			if line > skip && strings.TrimRight(s, "\r\n") != "" {
				out = append(out, line)
			}
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// rejects turns the rows DuckDB's reader refused (wrong number of fields,
// broken quoting) into one error with their line numbers.
func rejects(ctx context.Context, conn *sql.Conn, path string, l format.Layout) error {
	rs, err := conn.QueryContext(ctx, `SELECT line, error_type, csv_line FROM riskon_rejects ORDER BY line`)
	if err != nil {
		return fmt.Errorf("import %s: read rejected rows: %w", path, err)
	}
	defer rs.Close()
	p := problems{path: path, what: "malformed rows"}
	for rs.Next() {
		var line sql.NullInt64
		var typ, csvLine sql.NullString
		if err := rs.Scan(&line, &typ, &csvLine); err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		switch typ.String {
		case "TOO MANY COLUMNS", "MISSING COLUMNS":
			got := len(strings.Split(csvLine.String, string(l.Delim())))
			p.add(int(line.Int64), "%d fields, the header has %d (%q)", got, l.NumColumns, clip(csvLine.String))
		default:
			p.add(int(line.Int64), "%s (%q)", strings.ToLower(typ.String), clip(csvLine.String))
		}
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	return p.err()
}

// firstLine keeps the first line of a (long, multi-line) DuckDB error.
func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// convert selects the layout's columns with SQL casts: the date becomes days
// since 1970-01-01, prices DOUBLE. Raw text is kept for error messages.
func convert(ctx context.Context, conn *sql.Conn, l format.Layout, n int) ([]rawRow, error) {
	c := func(i int) string {
		if i < 0 {
			return "NULL"
		}
		return fmt.Sprintf("c%d", i)
	}
	num := func(i int) string {
		if i < 0 {
			return "NULL::DOUBLE"
		}
		return fmt.Sprintf("TRY_CAST(trim(c%d) AS DOUBLE)", i)
	}
	d := fmt.Sprintf("trim(c%d)", l.Date)
	var day string
	switch l.Time {
	case format.TimeDate:
		day = `CASE WHEN regexp_full_match(` + d + `, '\d{4}-\d{1,2}-\d{1,2}') THEN TRY_CAST(` + d + ` AS DATE) END`
	case format.TimeDateTime:
		day = `CASE WHEN regexp_full_match(` + d + `, '\d{4}-\d{2}-\d{2}([ T].*)?') THEN TRY_CAST(substr(` + d + `, 1, 10) AS DATE) END`
	case format.TimeCompactDate:
		day = `CAST(TRY_STRPTIME(` + d + `, '%Y%m%d') AS DATE)`
	case format.TimeUnixSeconds, format.TimeUnixMillis, format.TimeUnixMicros:
		div := map[format.TimeKind]string{format.TimeUnixSeconds: "86400", format.TimeUnixMillis: "86400000", format.TimeUnixMicros: "86400000000"}[l.Time]
		day = `DATE '1970-01-01' + CAST(floor(TRY_CAST(` + d + ` AS DOUBLE) / ` + div + `) AS INTEGER)`
	default:
		return nil, fmt.Errorf("layout %s: unsupported time kind %s", l.Format, l.Time)
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE riskon_conv AS
		SELECT rowid AS rid, %s AS raw_date, date_diff('day', DATE '1970-01-01', %s) AS day,
		%s, %s, %s, %s, %s, %s, %s, %s, %s, %s
		FROM riskon_raw`,
		c(l.Date), day,
		c(l.Open), num(l.Open), c(l.High), num(l.High), c(l.Low), num(l.Low), c(l.Close), num(l.Close), c(l.Volume), num(l.Volume))
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return nil, fmt.Errorf("convert columns: %w", err)
	}
	q = `SELECT * EXCLUDE (rid) FROM riskon_conv ORDER BY rid`
	rs, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("convert columns: %w", err)
	}
	defer rs.Close()
	out := make([]rawRow, 0, n)
	for rs.Next() {
		var r rawRow
		if err := rs.Scan(&r.rawDate, &r.day, &r.raw[0], &r.val[0], &r.raw[1], &r.val[1], &r.raw[2], &r.val[2], &r.raw[3], &r.val[3], &r.raw[4], &r.val[4]); err != nil {
			return nil, fmt.Errorf("convert columns: %w", err)
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// rawRow is a converted row before checks.
type rawRow struct {
	rawDate sql.NullString
	day     sql.NullInt64
	raw     [5]sql.NullString  // open, high, low, close, volume as text
	val     [5]sql.NullFloat64 // the same as numbers
	row
}

var fieldNames = [5]string{"open", "high", "low", "close", "volume"}

// Dates outside this range are taken as a wrong time unit or a typo.
var (
	minDate = data.DateOf(1800, 1, 1)
	maxDate = data.DateOf(2200, 1, 1)
)

func checkRow(p *problems, r *rawRow, l format.Layout, rowNumbers bool, i int) {
	line := r.line
	where := ""
	if rowNumbers {
		where = fmt.Sprintf("data row %d: ", i+1)
	}
	ok := true
	switch {
	case !r.rawDate.Valid || strings.TrimSpace(r.rawDate.String) == "":
		p.add(line, "%smissing date", where)
		ok = false
	case !r.day.Valid:
		p.add(line, "%sunparseable date %q (want %s)", where, r.rawDate.String, kindHelp(l.Time))
		ok = false
	default:
		r.date = data.Date(r.day.Int64)
		if r.date < minDate || r.date >= maxDate {
			p.add(line, "%sdate %q is %s, outside 1800-2199 (wrong time unit? see --time)", where, r.rawDate.String, r.date)
			ok = false
		}
	}
	if l.SinglePrice {
		r.raw[0], r.raw[1], r.raw[2] = r.raw[3], r.raw[3], r.raw[3]
		r.val[0], r.val[1], r.val[2] = r.val[3], r.val[3], r.val[3]
	}
	for k := 0; k < 5; k++ {
		name := fieldNames[k]
		if l.SinglePrice && k == 3 {
			name = "price"
		}
		if l.SinglePrice && k < 3 {
			continue
		}
		raw, v := r.raw[k], r.val[k]
		if k == 4 {
			if l.Volume < 0 || !raw.Valid || strings.TrimSpace(raw.String) == "" {
				r.val[4] = sql.NullFloat64{Valid: true}
				continue
			}
		}
		switch {
		case !raw.Valid || strings.TrimSpace(raw.String) == "":
			p.add(line, "%smissing %s", where, name)
			ok = false
		case !v.Valid:
			p.add(line, "%s%s %q is not a number", where, name, raw.String)
			ok = false
		case math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0):
			p.add(line, "%s%s %q is not a finite number", where, name, raw.String)
			ok = false
		case k == 4 && v.Float64 < 0:
			p.add(line, "%snegative volume %s", where, raw.String)
			ok = false
		case k < 4 && v.Float64 <= 0:
			p.add(line, "%snon-positive %s %s", where, name, raw.String)
			ok = false
		}
	}
	if ok {
		r.open, r.high, r.low, r.close, r.volume = r.val[0].Float64, r.val[1].Float64, r.val[2].Float64, r.val[3].Float64, r.val[4].Float64
		if l.SinglePrice {
			r.open, r.high, r.low = r.close, r.close, r.close
		}
	}
}

func kindHelp(k format.TimeKind) string {
	switch k {
	case format.TimeDate:
		return "YYYY-MM-DD"
	case format.TimeDateTime:
		return "YYYY-MM-DD HH:MM:SS"
	case format.TimeCompactDate:
		return "YYYYMMDD"
	case format.TimeUnixSeconds:
		return "unix seconds"
	case format.TimeUnixMillis:
		return "unix milliseconds"
	case format.TimeUnixMicros:
		return "unix microseconds"
	}
	return k.String()
}

// duplicates finds dates that occur more than once in the file, in SQL on
// the converted table.
func duplicates(ctx context.Context, conn *sql.Conn, path string, lineOf func(int) int) error {
	rs, err := conn.QueryContext(ctx, `SELECT day, string_agg(CAST(rid AS VARCHAR), ',' ORDER BY rid)
		FROM riskon_conv WHERE day IS NOT NULL GROUP BY day HAVING count(*) > 1 ORDER BY min(rid)`)
	if err != nil {
		return fmt.Errorf("import %s: find duplicate dates: %w", path, err)
	}
	defer rs.Close()
	p := problems{path: path, what: "duplicate dates"}
	for rs.Next() {
		var day int64
		var list string
		if err := rs.Scan(&day, &list); err != nil {
			return fmt.Errorf("import %s: find duplicate dates: %w", path, err)
		}
		var ids []int
		for _, f := range strings.Split(list, ",") {
			id, err := strconv.Atoi(f)
			if err != nil {
				return fmt.Errorf("import %s: find duplicate dates: %w", path, err)
			}
			ids = append(ids, id)
		}
		where := make([]string, 0, len(ids))
		for _, id := range ids[1:] {
			if l := lineOf(int(id)); l > 0 {
				where = append(where, fmt.Sprint(l))
			} else {
				where = append(where, fmt.Sprintf("data row %d", id+1))
			}
		}
		first := lineOf(int(ids[0]))
		p.add(first, "date %s appears again on line %s", data.Date(day), strings.Join(where, ", "))
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	return p.err()
}

// sortRows sorts rows by date and says how the file was ordered:
// "" ascending, "descending" or "unsorted".
func sortRows(rows []row) string {
	asc, desc := true, true
	for i := 1; i < len(rows); i++ {
		if rows[i].date < rows[i-1].date {
			asc = false
		}
		if rows[i].date > rows[i-1].date {
			desc = false
		}
	}
	switch {
	case asc:
		return ""
	case desc:
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
		return "descending"
	default:
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].date < rows[j].date })
		return "unsorted"
	}
}
