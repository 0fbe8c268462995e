package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/format"
	"github.com/riskon/riskon/internal/input"
)

// maxShown is how many offending lines an error message lists.
const maxShown = 5

// headLimit bounds what format detection reads of a file (the header and a
// few rows): a file with no line breaks is not read into memory whole.
const headLimit = 4 << 20

// maxColumns bounds the columns of a file (DuckDB's reader gets one named
// column each).
const maxColumns = 10000

// rejectsLimit bounds the malformed rows DuckDB's reader records per file.
const rejectsLimit = 1000

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
		what = strings.Replace(what, "symbols", "symbol", 1)
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
	hint       string
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
	return &ValidationError{Path: p.path, What: p.what, Problems: p.list, Total: p.total, Hint: p.hint}
}

var fieldNames = [5]string{"open", "high", "low", "close", "volume"}

// Dates outside this range are taken as a wrong time unit or a typo.
var (
	minDate = data.DateOf(1800, 1, 1)
	maxDate = data.DateOf(2200, 1, 1)
)

// symbolSpec says where a file's symbol comes from: a fixed name, a column
// (by name or number), or auto (a symbol or ticker column).
type symbolSpec struct {
	fixed  string
	column string
	auto   bool
}

// readCSV reads one CSV file into the staging table rows with DuckDB's CSV
// reader and checks it in SQL: malformed rows, bad values, symbols and (unless
// keepDups) duplicate dates refuse it with the first offending lines.
func (im *importer) readCSV(ctx context.Context, path, fmtName string, m format.Mapping, spec symbolSpec, keepDups bool) (*srcFile, error) {
	// DuckDB's reader needs UTF-8, and with some column selections it fails
	// with an internal error (that invalidates the whole database) on
	// invalid bytes; it drops lines longer than its buffer silently. Check
	// in Go first, streaming, and name the line; a stream is read once into
	// a temporary file.
	local, pre, err := im.openCSV(ctx, path)
	if err != nil {
		return nil, err
	}
	fh, err := os.Open(local)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	head, err := format.ReadHead(io.LimitReader(fh, headLimit), 8)
	fh.Close()
	if err != nil {
		if errors.Is(err, format.ErrEmpty) {
			return nil, fmt.Errorf("import %s: the file is empty (no header, no rows)", path)
		}
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	layout, err := format.Resolve(fmtName, m, head.Header, head.Sample)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	layout.Delimiter = head.Delimiter
	if layout.NumColumns > maxColumns {
		return nil, fmt.Errorf("import %s: the header has %d columns, more than the %d riskon reads; is the delimiter right? (pass --format or the column flags)", path, layout.NumColumns, maxColumns)
	}
	f, err := im.addFile(ctx, path)
	if err != nil {
		return nil, err
	}
	f.layout, f.skip, f.local = layout, layout.SkipLines, local
	switch {
	case spec.column != "":
		if f.symCol, err = layout.ColumnIndex("--symbol-column", spec.column); err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
	case spec.auto:
		if f.symCol = layout.SymbolColumn(); f.symCol < 0 {
			return nil, fmt.Errorf("import %s: no symbol given and the file has no symbol or ticker column (header %q); pass --symbol SYM, or --symbol-column NAME for a file with one row per symbol and date",
				path, strings.Join(head.Header, string(layout.Delim())))
		}
	}
	if f.symCol >= 0 {
		for _, c := range []int{layout.Date, layout.Open, layout.High, layout.Low, layout.Close, layout.Volume} {
			if c == f.symCol {
				return nil, fmt.Errorf("import %s: the symbol column %s is also read as a date or price column; name another with --symbol-column", path, layout.ColumnName(f.symCol))
			}
		}
	}

	rejects := fmt.Sprintf("riskon_rejects_%d", f.id)
	scans := fmt.Sprintf("riskon_reject_scans_%d", f.id)
	drop := func() {
		im.conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.`+rejects)
		im.conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.`+scans)
	}
	drop()
	defer drop()
	args := []any{sql.Named("file", f.id), sql.Named("path", local), sql.Named("delim", string(layout.Delim())),
		sql.Named("skip", layout.SkipLines)}
	if f.symCol < 0 {
		args = append(args, sql.Named("sym", spec.fixed))
	}
	records := pre.dataRecords(layout.SkipLines)
	if records == 0 {
		return nil, fmt.Errorf("import %s: no data rows (the file has only its header %q)", path, strings.Join(head.Header, string(layout.Delim())))
	}
	res, err := im.conn.ExecContext(ctx, convertSQL(im.t("rows"), layout, f.symCol, rejects, scans), args...)
	if err != nil {
		return nil, fmt.Errorf("import %s: DuckDB's CSV reader refused the file: %s", path, firstLine(err))
	}
	if err := rejected(ctx, im.conn, path, layout, rejects); err != nil {
		return nil, err
	}
	f.n, _ = res.RowsAffected()
	// Every record of the file is stored or named in an error: DuckDB's
	// count must equal the one made in Go.
	if f.n != records {
		return nil, fmt.Errorf("import %s: the file has %d data records after its header but DuckDB's CSV reader returned %d; nothing was imported (check the quoting and line endings, or pass --format)", path, records, f.n)
	}
	if err := im.badRows(ctx, f); err != nil {
		return nil, err
	}
	if f.symCol >= 0 {
		if err := im.checkSymbols(ctx, f); err != nil {
			return nil, err
		}
	}
	if err := im.fileStats(ctx, f); err != nil {
		return nil, err
	}
	if !keepDups {
		if err := im.duplicates(ctx, f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// convertSQL reads the file with DuckDB's CSV reader (every column as text,
// nothing sniffed: the detected layout decides) and converts the layout's
// columns with SQL casts into the staging table: the date to days since
// 1970-01-01 (NULL when unparseable), prices and volume to DOUBLE (NULL when
// not numbers; a missing volume is 0). Rows keep their file order, so a
// file's rowids are its record indexes.
func convertSQL(table string, l format.Layout, symCol int, rejects, scans string) string {
	cols := make([]string, l.NumColumns)
	for i := range cols {
		cols[i] = fmt.Sprintf("'c%d': 'VARCHAR'", i)
	}
	c := func(i int) string {
		if i < 0 {
			return "NULL::VARCHAR"
		}
		return fmt.Sprintf("c%d", i)
	}
	sym := "$sym"
	if symCol >= 0 {
		sym = c(symCol)
	}
	raw := [4]string{c(l.Open), c(l.High), c(l.Low), c(l.Close)}
	if l.SinglePrice {
		raw = [4]string{c(l.Close), c(l.Close), c(l.Close), c(l.Close)}
	}
	d := c(l.Date)
	var day string
	switch l.Time {
	case format.TimeDate:
		day = `CASE WHEN regexp_full_match(` + d + `, ' *\d{4}-\d{1,2}-\d{1,2} *') THEN date_diff('day', DATE '1970-01-01', TRY_CAST(` + d + ` AS DATE)) END`
	case format.TimeDateTime:
		day = `CASE WHEN regexp_full_match(` + d + `, '(?s) *\d{4}-\d{2}-\d{2}([ T].*)?') THEN date_diff('day', DATE '1970-01-01', TRY_CAST(substr(ltrim(` + d + `), 1, 10) AS DATE)) END`
	case format.TimeCompactDate:
		day = `date_diff('day', DATE '1970-01-01', CAST(TRY_STRPTIME(trim(` + d + `), '%Y%m%d') AS DATE))`
	default: // unix seconds, milliseconds, microseconds
		div := map[format.TimeKind]string{format.TimeUnixSeconds: "86400", format.TimeUnixMillis: "86400000", format.TimeUnixMicros: "86400000000"}[l.Time]
		if div == "" {
			div = "86400"
		}
		day = `CASE WHEN isfinite(TRY_CAST(` + d + ` AS DOUBLE)) THEN TRY_CAST(floor(TRY_CAST(` + d + ` AS DOUBLE) / ` + div + `) AS BIGINT) END`
	}
	vol := "0::DOUBLE"
	if l.Volume >= 0 {
		v := c(l.Volume)
		vol = `CASE WHEN ` + v + ` IS NULL OR trim(` + v + `) = '' THEN 0::DOUBLE ELSE TRY_CAST(` + v + ` AS DOUBLE) END`
	}
	return `INSERT INTO ` + table + ` (file, symbol, day, open, high, low, close, volume)
SELECT $file, ` + sym + `, ` + day + `,
	TRY_CAST(` + raw[0] + ` AS DOUBLE), TRY_CAST(` + raw[1] + ` AS DOUBLE), TRY_CAST(` + raw[2] + ` AS DOUBLE), TRY_CAST(` + raw[3] + ` AS DOUBLE),
	` + vol + `
FROM read_csv($path, auto_detect = false, header = false, skip = $skip, delim = $delim, quote = '"', escape = '"',
	columns = {` + strings.Join(cols, ", ") + `},
	store_rejects = true, rejects_table = '` + rejects + `', rejects_scan = '` + scans + `',
	rejects_limit = ` + fmt.Sprint(rejectsLimit) + `, max_line_size = ` + fmt.Sprint(2*input.MaxLineBytes) + `)`
}

// problemsSQL counts the problems of a staged row exactly as checkRow lists
// them: an unusable date, each missing, non-numeric, non-finite or
// non-positive price, a bad volume, a missing symbol (long files).
func problemsSQL(l format.Layout, long bool) string {
	bad := func(v string) string {
		return `(CASE WHEN ` + v + ` IS NULL OR NOT isfinite(` + v + `) OR ` + v + ` <= 0 THEN 1 ELSE 0 END)`
	}
	q := `(CASE WHEN day IS NULL OR day < $mind OR day >= $maxd THEN 1 ELSE 0 END)`
	if l.SinglePrice {
		q += " + " + bad("close")
	} else {
		q += " + " + bad("open") + " + " + bad("high") + " + " + bad("low") + " + " + bad("close")
	}
	q += ` + (CASE WHEN volume IS NULL OR NOT isfinite(volume) OR volume < 0 THEN 1 ELSE 0 END)`
	if long {
		q += ` + (CASE WHEN symbol IS NULL OR symbol = '' THEN 1 ELSE 0 END)`
	}
	return "(" + q + ")"
}

// rejected turns the rows DuckDB's reader refused (wrong number of fields,
// broken quoting, invalid UTF-8) into one error with their line numbers.
func rejected(ctx context.Context, conn *sql.Conn, path string, l format.Layout, table string) error {
	rs, err := conn.QueryContext(ctx, `SELECT line, error_type, csv_line, count(*) OVER () FROM temp.`+table+` ORDER BY line LIMIT `+fmt.Sprint(maxShown))
	if err != nil {
		return fmt.Errorf("import %s: read rejected rows: %w", path, err)
	}
	defer rs.Close()
	p := problems{path: path, what: "malformed rows"}
	total := 0
	for rs.Next() {
		var line sql.NullInt64
		var typ, csvLine sql.NullString
		if err := rs.Scan(&line, &typ, &csvLine, &total); err != nil {
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
	p.total = total
	if total >= rejectsLimit {
		p.hint = fmt.Sprintf("DuckDB's reader stopped counting at %d; fix the file's delimiter or quoting (or pass --format)", rejectsLimit)
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
		cut := 77
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "..."
	}
	return s
}

// badRows refuses the file if any row has problems: the count comes from SQL
// over the converted columns; the messages from the first few rows only,
// whose raw text is read again from the file.
func (im *importer) badRows(ctx context.Context, f *srcFile) error {
	long := f.symCol >= 0
	probs := problemsSQL(f.layout, long)
	bounds := []any{sql.Named("file", f.id), sql.Named("mind", int64(minDate)), sql.Named("maxd", int64(maxDate))}
	var total int64
	if err := im.conn.QueryRowContext(ctx, `SELECT coalesce(sum(`+probs+`), 0) FROM `+im.t("rows")+` WHERE file = $file`,
		bounds...).Scan(&total); err != nil {
		return fmt.Errorf("import %s: check rows: %w", f.path, err)
	}
	if total == 0 {
		return nil
	}
	rs, err := im.conn.QueryContext(ctx, `SELECT rowid, symbol, day, open, high, low, close, volume
		FROM `+im.t("rows")+` WHERE file = $file AND `+probs+` > 0 ORDER BY rowid LIMIT `+fmt.Sprint(maxShown), bounds...)
	if err != nil {
		return fmt.Errorf("import %s: check rows: %w", f.path, err)
	}
	var bad []badRow
	for rs.Next() {
		var r badRow
		if err := rs.Scan(&r.rid, &r.sym, &r.day, &r.val[0], &r.val[1], &r.val[2], &r.val[3], &r.val[4]); err != nil {
			rs.Close()
			return fmt.Errorf("import %s: check rows: %w", f.path, err)
		}
		r.rid -= f.offset
		bad = append(bad, r)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return fmt.Errorf("import %s: check rows: %w", f.path, err)
	}
	if err := im.rawText(ctx, f, bad); err != nil {
		return err
	}
	rids := make([]int64, len(bad))
	for i, r := range bad {
		rids[i] = r.rid
	}
	lines, ok := im.lines(f, rids)
	p := problems{path: f.path, what: "bad rows"}
	for _, r := range bad {
		line, where := 0, fmt.Sprintf("data row %d: ", r.rid+1)
		if ok {
			line, where = lines[r.rid], ""
		}
		if long && r.sym.Valid && r.sym.String != "" {
			where += "symbol " + symbolName(r.sym.String) + ": "
		}
		checkRow(&p, r, f.layout, long, line, where)
	}
	p.total = int(total)
	return p.err()
}

// rawText reads the raw fields of the given records (by record index) again
// with DuckDB's CSV reader, for error messages.
func (im *importer) rawText(ctx context.Context, f *srcFile, bad []badRow) error {
	l := f.layout
	cols := make([]string, l.NumColumns)
	for i := range cols {
		cols[i] = fmt.Sprintf("'c%d': 'VARCHAR'", i)
	}
	c := func(i int) string {
		if i < 0 {
			return "NULL::VARCHAR"
		}
		return fmt.Sprintf("c%d", i)
	}
	rids := make([]int64, len(bad))
	for i, r := range bad {
		rids[i] = r.rid
	}
	rs, err := im.conn.QueryContext(ctx, `SELECT rid, d, o, h, l, c, v FROM (
		SELECT row_number() OVER () - 1 AS rid, `+c(l.Date)+` AS d, `+c(l.Open)+` AS o, `+c(l.High)+` AS h, `+c(l.Low)+` AS l,
			`+c(l.Close)+` AS c, `+c(l.Volume)+` AS v
		FROM read_csv($path, auto_detect = false, header = false, skip = $skip, delim = $delim, quote = '"', escape = '"',
			columns = {`+strings.Join(cols, ", ")+`}))
		WHERE rid IN (SELECT unnest($rids::BIGINT[]))`,
		sql.Named("path", f.local), sql.Named("skip", l.SkipLines), sql.Named("delim", string(l.Delim())), sql.Named("rids", rids))
	if err != nil {
		return fmt.Errorf("import %s: read bad rows: %s", f.path, firstLine(err))
	}
	defer rs.Close()
	byRid := map[int64]int{}
	for i, r := range bad {
		byRid[r.rid] = i
	}
	for rs.Next() {
		var rid int64
		var d sql.NullString
		var raw [5]sql.NullString
		if err := rs.Scan(&rid, &d, &raw[0], &raw[1], &raw[2], &raw[3], &raw[4]); err != nil {
			return fmt.Errorf("import %s: read bad rows: %w", f.path, err)
		}
		if i, ok := byRid[rid]; ok {
			bad[i].rawDate, bad[i].raw = d, raw
		}
	}
	return rs.Err()
}

// badRow is a staged row with problems, with its raw text.
type badRow struct {
	rid     int64
	sym     sql.NullString
	rawDate sql.NullString
	day     sql.NullInt64
	raw     [5]sql.NullString  // open, high, low, close, volume as text
	val     [5]sql.NullFloat64 // the same as numbers
}

// blank reports whether a raw field counts as missing: NULL, or only spaces
// (as SQL's trim sees it).
func blank(s sql.NullString) bool { return !s.Valid || strings.Trim(s.String, " ") == "" }

// checkRow lists the problems of one row; their number must agree with
// problemsSQL.
func checkRow(p *problems, r badRow, l format.Layout, long bool, line int, where string) {
	if long && (!r.sym.Valid || r.sym.String == "") {
		p.add(line, "%smissing symbol", where)
	}
	switch {
	case !r.day.Valid && blank(r.rawDate):
		p.add(line, "%smissing date", where)
	case !r.day.Valid:
		p.add(line, "%sunparseable date %q (want %s)", where, r.rawDate.String, kindHelp(l.Time))
	case r.day.Int64 < int64(minDate) || r.day.Int64 >= int64(maxDate):
		shown := fmt.Sprintf("day %d", r.day.Int64)
		if r.day.Int64 > math.MinInt32 && r.day.Int64 < math.MaxInt32 {
			shown = data.Date(r.day.Int64).String()
		}
		p.add(line, "%sdate %q is %s, outside 1800-2199 (wrong time unit? see --time)", where, r.rawDate.String, shown)
	}
	for k := 0; k < 5; k++ {
		name := fieldNames[k]
		if l.SinglePrice && k < 3 {
			continue
		}
		if l.SinglePrice && k == 3 {
			name = "price"
		}
		raw, v := r.raw[k], r.val[k]
		if k == 4 && v.Valid && v.Float64 == 0 && blank(raw) {
			continue // a missing volume is 0
		}
		switch {
		case !v.Valid && blank(raw):
			p.add(line, "%smissing %s", where, name)
		case !v.Valid:
			p.add(line, "%s%s %q is not a number", where, name, raw.String)
		case math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0):
			p.add(line, "%s%s %q is not a finite number", where, name, raw.String)
		case k == 4 && v.Float64 < 0:
			p.add(line, "%snegative volume %s", where, raw.String)
		case k < 4 && v.Float64 <= 0:
			p.add(line, "%snon-positive %s %s", where, name, raw.String)
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

// checkSymbols checks every distinct symbol of a long file with CheckSymbol
// (in Go, so the rule is exactly the one of --symbol) and bounds their number.
func (im *importer) checkSymbols(ctx context.Context, f *srcFile) error {
	rs, err := im.conn.QueryContext(ctx, `SELECT symbol, min(rowid) FROM `+im.t("rows")+` WHERE file = $file GROUP BY symbol ORDER BY min(rowid)`,
		sql.Named("file", f.id))
	if err != nil {
		return fmt.Errorf("import %s: check symbols: %w", f.path, err)
	}
	defer rs.Close()
	type badSym struct {
		rid int64
		err error
	}
	var bad []badSym
	nbad, n := 0, 0
	for rs.Next() {
		var sym string
		var rid int64
		if err := rs.Scan(&sym, &rid); err != nil {
			return fmt.Errorf("import %s: check symbols: %w", f.path, err)
		}
		n++
		if err := CheckSymbol(sym); err != nil {
			nbad++
			if len(bad) < maxShown {
				bad = append(bad, badSym{rid - f.offset, err})
			}
		}
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("import %s: check symbols: %w", f.path, err)
	}
	if nbad > 0 {
		rids := make([]int64, len(bad))
		for i, b := range bad {
			rids[i] = b.rid
		}
		lines, ok := im.lines(f, rids)
		p := problems{path: f.path, what: "bad symbols", hint: "fix the symbol column (" + f.layout.ColumnName(f.symCol) + ") or name another with --symbol-column"}
		for _, b := range bad {
			if ok {
				p.add(lines[b.rid], "%v", b.err)
			} else {
				p.add(0, "data row %d: %v", b.rid+1, b.err)
			}
		}
		p.total = nbad
		return p.err()
	}
	if n > maxSymbols {
		return fmt.Errorf("import %s: %d symbols in one file, more than the %d one import takes; split the file", f.path, n, maxSymbols)
	}
	return nil
}

// duplicates refuses a file with dates that occur more than once for a
// symbol, naming the first few with all their lines.
func (im *importer) duplicates(ctx context.Context, f *srcFile) error {
	var total int64
	for _, st := range f.stats {
		total += st.dups
	}
	if total == 0 {
		return nil
	}
	rows := im.t("rows")
	var ndays int
	type dupDay struct {
		sym  string
		day  int64
		rids []int64
	}
	var days []dupDay
	rs, err := im.conn.QueryContext(ctx, `WITH d AS (SELECT symbol, day, min(rowid) AS first FROM `+rows+` WHERE file = $file
			GROUP BY symbol, day HAVING count(*) > 1)
		SELECT symbol, day, count(*) OVER () FROM d ORDER BY first LIMIT `+fmt.Sprint(maxShown), sql.Named("file", f.id))
	if err != nil {
		return fmt.Errorf("import %s: find duplicate dates: %w", f.path, err)
	}
	for rs.Next() {
		var d dupDay
		if err := rs.Scan(&d.sym, &d.day, &ndays); err != nil {
			rs.Close()
			return fmt.Errorf("import %s: find duplicate dates: %w", f.path, err)
		}
		days = append(days, d)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return fmt.Errorf("import %s: find duplicate dates: %w", f.path, err)
	}
	const maxListed = 10
	var all []int64
	for i := range days {
		rs, err := im.conn.QueryContext(ctx, `SELECT rowid FROM `+rows+` WHERE file = $file AND symbol = $sym AND day = $day ORDER BY rowid LIMIT `+fmt.Sprint(maxListed+1),
			sql.Named("file", f.id), sql.Named("sym", days[i].sym), sql.Named("day", days[i].day))
		if err != nil {
			return fmt.Errorf("import %s: find duplicate dates: %w", f.path, err)
		}
		for rs.Next() {
			var rid int64
			if err := rs.Scan(&rid); err != nil {
				rs.Close()
				return fmt.Errorf("import %s: find duplicate dates: %w", f.path, err)
			}
			days[i].rids = append(days[i].rids, rid-f.offset)
		}
		rs.Close()
		all = append(all, days[i].rids...)
	}
	lines, ok := im.lines(f, all)
	name := func(rid int64) string {
		if ok {
			return fmt.Sprint(lines[rid])
		}
		return fmt.Sprintf("data row %d", rid+1)
	}
	p := problems{path: f.path, what: "duplicate dates"}
	for _, d := range days {
		if len(d.rids) < 2 {
			continue
		}
		var where []string
		for _, r := range d.rids[1:min(len(d.rids), maxListed)] {
			where = append(where, name(r))
		}
		more := ""
		if len(d.rids) > maxListed {
			more = " and more"
		}
		sym := ""
		if f.symCol >= 0 {
			sym = fmt.Sprintf(" (symbol %s)", symbolName(d.sym))
		}
		first := 0
		if ok {
			first = lines[d.rids[0]]
		}
		p.add(first, "date %s appears again on line %s%s%s", data.Date(d.day), strings.Join(where, ", "), more, sym)
	}
	p.total = ndays
	return p.err()
}

// scanLines returns the 1-based file line of each wanted data record (rids:
// 0-based, sorted ascending) and the number of records: lines after the
// first skip lines that are not blank (DuckDB's reader skips blank lines
// too). It streams the file; memory does not grow with its size.
func scanLines(path string, skip int, rids []int64) (map[int64]int, int64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer fh.Close()
	out := make(map[int64]int, len(rids))
	buf := make([]byte, 1<<16)
	line := 1        // the line being read
	content := false // the current line has a byte other than \r
	var rec int64    // records seen
	next := 0        // index into rids
	endLine := func() {
		if line > skip && content {
			if next < len(rids) && rids[next] == rec {
				out[rec] = line
				next++
				for next < len(rids) && rids[next] == rids[next-1] {
					next++
				}
			}
			rec++
		}
		line++
		content = false
	}
	for {
		n, err := fh.Read(buf)
		b := buf[:n]
		for len(b) > 0 {
			i := bytes.IndexByte(b, '\n')
			seg := b
			if i >= 0 {
				seg = b[:i]
			}
			if !content {
				for _, c := range seg {
					if c != '\r' {
						content = true
						break
					}
				}
			}
			if i < 0 {
				break
			}
			endLine()
			b = b[i+1:]
		}
		if err == io.EOF {
			if content {
				endLine()
			}
			return out, rec, nil
		}
		if err != nil {
			return nil, 0, err
		}
	}
}
