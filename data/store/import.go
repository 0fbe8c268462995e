package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/format"
	"github.com/riskon/riskon/internal/input"
)

// ImportOptions configure Import and ImportAll.
type ImportOptions struct {
	// Symbol to store the bars under. Empty (ImportAll only): the files are
	// long (one row per symbol and date) and every symbol in them is
	// imported; see SymbolColumn.
	Symbol string
	// SymbolColumn names the symbol column of long files (a header name or a
	// 1-based number). Empty with no Symbol: a column named symbol or ticker.
	SymbolColumn string
	// Calendar of the symbols: "nyse", "24x7" (the default) or
	// "ZONE HH:MM-HH:MM". One calendar for every symbol of the import.
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

// FileReport describes one file of an import (for a long file, the rows of
// one symbol in it).
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

// MaxSymbolBytes is the longest symbol name, in bytes of UTF-8.
const MaxSymbolBytes = 65536

// CheckSymbol reports whether s is a usable symbol name: 1 to MaxSymbolBytes
// bytes of valid UTF-8, every character printable (letters, marks, digits,
// punctuation, symbols or spaces: quotes, semicolons and any script are
// fine), no control or format characters, and no leading or trailing space.
// Names are always passed to SQL as parameters. Commas are allowed here;
// commands that take comma-separated lists of symbols cannot name them there.
func CheckSymbol(s string) error {
	switch {
	case s == "":
		return errors.New("symbol \"\": empty; want 1 to 65536 bytes of printable characters")
	case len(s) > MaxSymbolBytes:
		return fmt.Errorf("symbol %s: %d bytes, longer than the %d allowed", quoteSymbol(s), len(s), MaxSymbolBytes)
	case !utf8.ValidString(s):
		return fmt.Errorf("symbol %s: not valid UTF-8", quoteSymbol(s))
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return fmt.Errorf("symbol %s: leading or trailing space; remove it", quoteSymbol(s))
	}
	for i, r := range s {
		if !unicode.IsGraphic(r) {
			return fmt.Errorf("symbol %s: character %U at byte %d is a control or format character; want printable characters", quoteSymbol(s), r, i)
		}
	}
	return nil
}

// quoteSymbol quotes a symbol for messages, clipping very long names.
func quoteSymbol(s string) string {
	if len(s) <= 64 {
		return fmt.Sprintf("%q", s)
	}
	cut := 60
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q... (%d bytes)", s[:cut], len(s))
}

// symbolData is one symbol of an import: what to do and what happened.
type symbolData struct {
	symbol   string
	cal      data.Calendar
	report   *ImportReport
	replace  bool
	synth    bool
	fullCopy bool // replace the symbol entirely (InsertSeries)
	// after, if set, runs inside the write transaction after every symbol's
	// bars are written (remembering sources, removing stale derived bars).
	after func(ctx context.Context, conn *sql.Conn, im *importer) error
	// counts from the comparison with stored bars
	rows, conflicts, same int64
	storedCal             sql.NullString
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
	if err := CheckSymbol(opts.Symbol); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	reps, err := s.ImportAll(ctx, paths, opts)
	if err != nil {
		return nil, err
	}
	return &reps[0], nil
}

// ImportAll is Import, and with opts.Symbol empty imports long files: every
// symbol of their symbol column (opts.SymbolColumn, or a column named symbol
// or ticker), each validated as a series of its own, all with opts.Calendar,
// in one transaction. Reports are in symbol order.
func (s *Store) ImportAll(ctx context.Context, paths []string, opts ImportOptions) ([]ImportReport, error) {
	if err := s.writable("import"); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, errors.New("import: no files given")
	}
	spec := symbolSpec{fixed: opts.Symbol}
	switch {
	case opts.Symbol != "" && opts.SymbolColumn != "":
		return nil, errors.New("import: give either a symbol (--symbol) or a symbol column (--symbol-column), not both")
	case opts.Symbol != "":
		if err := CheckSymbol(opts.Symbol); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
	case opts.SymbolColumn != "":
		spec.column = opts.SymbolColumn
	default:
		spec.auto = true
	}
	label := opts.Symbol
	if label == "" {
		label = "long files"
	}
	cal, err := parseCalendar(opts.Calendar)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", label, err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer conn.Close()
	im, err := s.newImporter(ctx, conn, inputSize(paths))
	if err != nil {
		return nil, err
	}
	defer im.close()
	im.union = true
	for _, p := range paths {
		f, err := im.readCSV(ctx, p, opts.Format, opts.Mapping, spec, false)
		if err != nil {
			if ctx.Err() != nil {
				return nil, interrupted(ctx)
			}
			return nil, input.Bad(err)
		}
		f.source = opts.Source
		if f.source == "" {
			f.source = filepath.ToSlash(filepath.Clean(p))
		}
	}
	// Symbols in name order; every file's rows of a symbol form its report.
	var names []string
	seen := map[string]bool{}
	for _, f := range im.files {
		for _, st := range f.stats {
			if !seen[st.symbol] {
				seen[st.symbol] = true
				names = append(names, st.symbol)
			}
		}
	}
	if len(names) > maxSymbols {
		return nil, fmt.Errorf("import: %d symbols, more than the %d one import takes; split the files", len(names), maxSymbols)
	}
	sort.Strings(names)
	for _, n := range names {
		im.symbol(n, cal, opts.Replace)
	}
	if err := im.run(ctx, opts.Strict); err != nil {
		if ctx.Err() != nil {
			return nil, interrupted(ctx)
		}
		return nil, err
	}
	return im.reports(), nil
}

// interrupted is the error of an import stopped by ctx: the import is one
// transaction, so nothing of it was written.
func interrupted(ctx context.Context) error {
	return fmt.Errorf("import interrupted, nothing of it was written (one transaction); run the same command again to import: %w", context.Cause(ctx))
}

// inputSize sums the sizes of the files (missing files count 0; reading them
// reports the error).
func inputSize(paths []string) int64 {
	var n int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

func (im *importer) reports() []ImportReport {
	out := make([]ImportReport, len(im.syms))
	for i, sd := range im.syms {
		out[i] = *sd.report
	}
	return out
}

// run stages the metadata, merges, computes warnings (refusing them with
// strict) and writes.
func (im *importer) run(ctx context.Context, strict bool) error {
	if err := im.writeMeta(ctx); err != nil {
		return err
	}
	if err := im.buildStage(ctx); err != nil {
		return err
	}
	im.stageSorted = len(im.files) == 1 && im.files[0].sortedBySymbolDay()
	if err := im.fileReports(ctx); err != nil {
		return err
	}
	if err := im.warnings(ctx, strict); err != nil {
		return err
	}
	return im.write(ctx)
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

// fileReports fills each symbol's file reports, with the rows each file
// contributes after merging or splicing.
func (im *importer) fileReports(ctx context.Context) error {
	used := map[[2]string]int{}
	if len(im.files) > 1 {
		rs, err := im.conn.QueryContext(ctx, `SELECT symbol, file, count(*) FROM `+im.t("stage")+` GROUP BY symbol, file`)
		if err != nil {
			return fmt.Errorf("import: count used rows: %w", err)
		}
		for rs.Next() {
			var sym string
			var file, n int
			if err := rs.Scan(&sym, &file, &n); err != nil {
				rs.Close()
				return fmt.Errorf("import: count used rows: %w", err)
			}
			used[[2]string{sym, fmt.Sprint(file)}] = n
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return fmt.Errorf("import: count used rows: %w", err)
		}
	}
	for _, f := range im.files {
		for _, st := range f.stats {
			sd := im.bySym[st.symbol]
			if sd == nil {
				continue
			}
			fr := FileReport{Path: f.path, Format: f.layout.Format, Layout: f.layout.Describe(), Rows: int(st.n),
				First: data.Date(st.first), Last: data.Date(st.last), Order: f.order(st), LagDays: f.layout.LagDays,
				Notes: append([]string(nil), f.layout.Notes...), Used: int(st.n)}
			if len(im.files) > 1 {
				fr.Used = used[[2]string{st.symbol, fmt.Sprint(f.id)}]
			}
			if f.mem {
				fr.Layout = "bars held in memory"
			}
			sd.report.Files = append(sd.report.Files, fr)
		}
	}
	return nil
}

// ohlcTolerance is the relative slack of the OHLC consistency checks.
const ohlcTolerance = 1e-9

// jumpLimit is the day-over-day close change counted as a jump.
const jumpLimit = 0.5

// example is the first row of a warning kind, as SQL returns it (a struct).
type example struct {
	day, pday, grid, kgrid         int64
	open, high, low, close, pclose float64
}

func exampleOf(v any) example {
	m, _ := v.(map[string]any)
	num := func(k string) float64 {
		switch x := m[k].(type) {
		case float64:
			return x
		case int64:
			return float64(x)
		case int32:
			return float64(x)
		}
		return 0
	}
	in := func(k string) int64 {
		switch x := m[k].(type) {
		case int64:
			return x
		case int32:
			return int64(x)
		case float64:
			return int64(x)
		}
		return 0
	}
	return example{day: in("day"), pday: in("pday"), grid: in("grid"), kgrid: in("kgrid"),
		open: num("open"), high: num("high"), low: num("low"), close: num("close"), pclose: num("pclose")}
}

type warnAgg struct {
	kind  string
	count int64
	ex    example
}

// warnings computes, per symbol and in SQL, the merged series' row count and
// range, and its warnings (counts and the first example of each kind); with
// strict, any warning refuses the import.
func (im *importer) warnings(ctx context.Context, strict bool) error {
	tol := sql.Named("tol", ohlcTolerance)
	q := `SELECT symbol, count(*), min(day), max(day),
		count(*) FILTER (WHERE w_ohlc), arg_min(ex, day) FILTER (WHERE w_ohlc),
		count(*) FILTER (WHERE w_flat), arg_min(ex, day) FILTER (WHERE w_flat),
		count(*) FILTER (WHERE w_gap), arg_min(ex, day) FILTER (WHERE w_gap),
		count(*) FILTER (WHERE w_jump), arg_min(ex, day) FILTER (WHERE w_jump)
	FROM (SELECT symbol, day,
			NOT single AND (high < low - $tol * high OR open < low - $tol * high OR open > high + $tol * high
				OR close < low - $tol * high OR close > high + $tol * high) AS w_ohlc,
			NOT single AND open = high AND high = low AND low = close AS w_flat,
			coalesce(day - pday > maxgap, false) AS w_gap,
			coalesce(abs(close / pclose - 1) > $jump, false) AS w_jump,
			struct_pack(day := day, pday := pday, grid := grid, file := file, open := open, high := high, low := low,
				close := close, pclose := pclose) AS ex
		FROM (SELECT s.symbol, s.day, s.grid, s.file, s.open, s.high, s.low, s.close, f.single, c.maxgap,
				lag(s.day) OVER w AS pday, lag(s.close) OVER w AS pclose
			FROM ` + im.t("stage") + ` s JOIN ` + im.t("files") + ` f ON f.file = s.file
			JOIN ` + im.t("syms") + ` y ON y.symbol = s.symbol JOIN ` + im.t("cals") + ` c ON c.calendar = y.calendar
			WINDOW w AS (PARTITION BY s.symbol ORDER BY s.day)))
	GROUP BY symbol`
	rs, err := im.conn.QueryContext(ctx, q, tol, sql.Named("jump", jumpLimit))
	if err != nil {
		return fmt.Errorf("import: compute warnings: %w", err)
	}
	found := map[string][]warnAgg{}
	for rs.Next() {
		var sym string
		var n, first, last int64
		var c [4]int64
		var e [4]any
		if err := rs.Scan(&sym, &n, &first, &last, &c[0], &e[0], &c[1], &e[1], &c[2], &e[2], &c[3], &e[3]); err != nil {
			rs.Close()
			return fmt.Errorf("import: compute warnings: %w", err)
		}
		sd := im.bySym[sym]
		if sd == nil {
			continue
		}
		sd.rows = n
		sd.report.Rows, sd.report.First, sd.report.Last = int(n), data.Date(first), data.Date(last)
		for k, kind := range []string{"ohlc", "flat", "gap", "jump"} {
			if c[k] > 0 {
				found[sym] = append(found[sym], warnAgg{kind: kind, count: c[k], ex: exampleOf(e[k])})
			}
		}
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return fmt.Errorf("import: compute warnings: %w", err)
	}
	overlaps, err := im.overlaps(ctx)
	if err != nil {
		return err
	}
	// Resolve the lines of every example at once (one scan per file).
	var grids []int64
	for _, list := range found {
		for _, w := range list {
			grids = append(grids, w.ex.grid)
		}
	}
	for _, w := range overlaps {
		grids = append(grids, w.ex.grid)
	}
	loc := im.locate(grids)
	for _, sd := range im.syms {
		if w, ok := overlaps[sd.symbol]; ok {
			e := w.ex
			kept := im.fileOf(e.kgrid)
			sd.report.Warnings = append(sd.report.Warnings, Warning{Kind: "overlap", Count: int(w.count),
				First: fmt.Sprintf("%s: %s close %g, but %s (first file, kept) has %g", loc.where(e.grid), data.Date(e.day), e.close, kept.path, e.pclose)})
		}
		for _, w := range found[sd.symbol] {
			sd.report.Warnings = append(sd.report.Warnings, Warning{Kind: w.kind, Count: int(w.count), First: im.describe(w, sd, loc)})
		}
	}
	if !strict {
		return nil
	}
	nsyms := 0
	var firstBad *symbolData
	for _, sd := range im.syms {
		if len(sd.report.Warnings) > 0 {
			nsyms++
			if firstBad == nil {
				firstBad = sd
			}
		}
	}
	if firstBad == nil {
		return nil
	}
	rep := firstBad.report
	e := &ValidationError{What: "warnings refused by --strict", Hint: "import without --strict to accept them as warnings"}
	var paths []string
	for _, fr := range rep.Files {
		paths = append(paths, fr.Path)
	}
	e.Path = strings.Join(paths, ", ")
	if im.long() {
		e.Path += " (symbol " + symbolName(firstBad.symbol) + ")"
		if nsyms > 1 {
			e.Hint = fmt.Sprintf("%d symbols have warnings; import without --strict to accept them as warnings", nsyms)
		}
	}
	for _, w := range rep.Warnings {
		e.Total += w.Count
		e.Problems = append(e.Problems, Problem{Msg: fmt.Sprintf("%s: %d, first: %s", w.Kind, w.Count, w.First)})
	}
	if len(rep.Files) == 1 && im.files[0].mem {
		e.Path = im.files[0].path
	}
	if im.splice {
		return fmt.Errorf("catalog symbol %s: %w", firstBad.symbol, e)
	}
	return e
}

// long reports whether the import reads symbols from a column.
func (im *importer) long() bool {
	for _, f := range im.files {
		if f.symCol >= 0 {
			return true
		}
	}
	return false
}

func (im *importer) describe(w warnAgg, sd *symbolData, loc *locator) string {
	e := w.ex
	where := loc.where(e.grid)
	d := data.Date(e.day)
	switch w.kind {
	case "ohlc":
		tol := ohlcTolerance * e.high
		if e.high < e.low-tol {
			return fmt.Sprintf("%s: %s high %g < low %g", where, d, e.high, e.low)
		}
		return fmt.Sprintf("%s: %s open %g / close %g outside [low %g, high %g]", where, d, e.open, e.close, e.low, e.high)
	case "flat":
		return fmt.Sprintf("%s: %s open = high = low = close = %g", where, d, e.close)
	case "gap":
		return fmt.Sprintf("%s: %d days from %s to %s (calendar %s allows %d)", where, e.day-e.pday, data.Date(e.pday), d, sd.cal.Name(), sd.cal.MaxGapDays())
	case "jump":
		return fmt.Sprintf("%s: close %g on %s after %g on %s (%+.0f%%)", where, e.close, d, e.pclose, data.Date(e.pday), 100*(e.close/e.pclose-1))
	}
	return where
}

// overlaps counts, per symbol of a multi-file merge, the dates of later files
// that an earlier file has with another close (the earlier file wins), with
// the first example in file then date order.
func (im *importer) overlaps(ctx context.Context) (map[string]warnAgg, error) {
	out := map[string]warnAgg{}
	if !im.union || len(im.files) < 2 {
		return out, nil
	}
	rs, err := im.conn.QueryContext(ctx, `SELECT r.symbol, count(*),
			arg_min(struct_pack(day := r.day, grid := r.rowid, close := r.close, pclose := k.close, kgrid := k.grid), CAST(r.file AS BIGINT) * 1000000 + (r.day + 100000))
		FROM `+im.t("rows")+` r JOIN `+im.t("stage")+` k ON k.symbol = r.symbol AND k.day = r.day
		WHERE r.file > k.file AND r.close <> k.close GROUP BY r.symbol`)
	if err != nil {
		return nil, fmt.Errorf("import: compare overlapping files: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var sym string
		var n int64
		var ex any
		if err := rs.Scan(&sym, &n, &ex); err != nil {
			return nil, fmt.Errorf("import: compare overlapping files: %w", err)
		}
		out[sym] = warnAgg{kind: "overlap", count: n, ex: exampleOf(ex)}
	}
	return out, rs.Err()
}

// differs compares a staged bar n with a stored bar b.
const differs = `(b.open <> n.open OR b.high <> n.high OR b.low <> n.low OR b.close <> n.close
	OR b.volume <> n.volume OR b.open_time <> n.open_time OR b.close_time <> n.close_time)`

// write compares the staged bars of every symbol with the stored ones and,
// in one transaction, refuses conflicts (unless replace), updates, inserts
// with INSERT INTO bars SELECT and refreshes the symbols rows. On any error
// the transaction is rolled back and the database is as it was.
func (im *importer) write(ctx context.Context) (err error) {
	conn := im.conn
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
	syms, bars, symbols := im.t("syms"), `main.bars`, `main.symbols`
	// Stored calendars.
	rs, err := conn.QueryContext(ctx, `SELECT y.symbol, s.calendar FROM `+syms+` y LEFT JOIN `+symbols+` s ON s.symbol = y.symbol`)
	if err != nil {
		return fmt.Errorf("import: read stored symbols: %w", err)
	}
	for rs.Next() {
		var sym string
		var cal sql.NullString
		if err := rs.Scan(&sym, &cal); err != nil {
			rs.Close()
			return fmt.Errorf("import: read stored symbols: %w", err)
		}
		if sd := im.bySym[sym]; sd != nil {
			sd.storedCal = cal
		}
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return fmt.Errorf("import: read stored symbols: %w", err)
	}
	wipe := 0
	for _, sd := range im.syms {
		if sd.storedCal.Valid && sd.storedCal.String != sd.cal.Name() && !sd.replace && !sd.fullCopy {
			var paths []string
			for _, fr := range sd.report.Files {
				paths = append(paths, fr.Path)
			}
			return fmt.Errorf("import %s: %s: the symbol is stored with calendar %s, not %s; pass --replace to re-import it with the new calendar (its stored bars are deleted first)",
				strings.Join(paths, ", "), symbolName(sd.symbol), sd.storedCal.String, sd.cal.Name())
		}
		if sd.fullCopy || (sd.storedCal.Valid && sd.storedCal.String != sd.cal.Name()) {
			wipe++
		}
	}
	if wipe > 0 {
		if _, err := conn.ExecContext(ctx, `DELETE FROM `+bars+` WHERE symbol IN (SELECT y.symbol FROM `+syms+` y JOIN `+symbols+` s ON s.symbol = y.symbol
				WHERE y.wipe OR s.calendar <> y.calendar)`); err != nil {
			return fmt.Errorf("import: delete old bars: %w", err)
		}
	}

	// Compare with the stored bars, per symbol.
	rs, err = conn.QueryContext(ctx, `SELECT symbol, count(*) FILTER (WHERE d), count(*) FILTER (WHERE NOT d),
			min(day) FILTER (WHERE d), arg_min(bclose, day) FILTER (WHERE d), arg_min(close, day) FILTER (WHERE d), arg_min(source, day) FILTER (WHERE d)
		FROM (SELECT n.symbol, n.day, n.close, n.source, b.close AS bclose, `+differs+` AS d
			FROM `+im.t("newbars")+` n JOIN `+bars+` b ON b.symbol = n.symbol AND b.date = n.date)
		GROUP BY symbol ORDER BY symbol`)
	if err != nil {
		return fmt.Errorf("import: compare with stored bars: %w", err)
	}
	type conflict struct {
		sd          *symbolData
		day         int64
		stored, new float64
		source      string
	}
	var conflicts []conflict
	matched := false
	for rs.Next() {
		var sym string
		var nconf, nsame int64
		var day sql.NullInt64
		var stored, nw sql.NullFloat64
		var source sql.NullString
		if err := rs.Scan(&sym, &nconf, &nsame, &day, &stored, &nw, &source); err != nil {
			rs.Close()
			return fmt.Errorf("import: compare with stored bars: %w", err)
		}
		sd := im.bySym[sym]
		if sd == nil {
			continue
		}
		sd.conflicts, sd.same = nconf, nsame
		matched = matched || nconf+nsame > 0
		if nconf > 0 && !sd.replace {
			conflicts = append(conflicts, conflict{sd, day.Int64, stored.Float64, nw.Float64, source.String})
		}
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return fmt.Errorf("import: compare with stored bars: %w", err)
	}
	if len(conflicts) > 0 {
		c := conflicts[0]
		what := "dates are"
		if c.sd.conflicts == 1 {
			what = "date is"
		}
		more := ""
		if len(conflicts) > 1 {
			more = fmt.Sprintf(" (and %d more symbols)", len(conflicts)-1)
		}
		return fmt.Errorf("import %s: %s: %d %s already stored with different values, first %s (stored close %g, new close %g)%s; pass --replace to overwrite them",
			c.source, symbolName(c.sd.symbol), c.sd.conflicts, what, data.Date(c.day), c.stored, c.new, more)
	}
	updates := false
	for _, sd := range im.syms {
		sd.report.Unchanged = int(sd.same)
		sd.report.Updated = int(sd.conflicts)
		sd.report.Inserted = int(sd.rows - sd.same - sd.conflicts)
		updates = updates || sd.conflicts > 0
	}
	if updates {
		if _, err := conn.ExecContext(ctx, `UPDATE `+bars+` AS b SET open = n.open, high = n.high, low = n.low, close = n.close,
			volume = n.volume, open_time = n.open_time, close_time = n.close_time, source = n.source
			FROM `+im.t("newbars")+` n WHERE b.symbol = n.symbol AND b.date = n.date AND `+differs); err != nil {
			return fmt.Errorf("import: replace bars: %w", err)
		}
	}
	insert := `INSERT INTO ` + bars + ` (symbol, date, open_time, close_time, open, high, low, close, volume, source)
		SELECT n.symbol, n.date, n.open_time, n.close_time, n.open, n.high, n.low, n.close, n.volume, n.source
		FROM ` + im.t("newbars") + ` n`
	if matched {
		insert += ` WHERE NOT EXISTS (SELECT 1 FROM ` + bars + ` b WHERE b.symbol = n.symbol AND b.date = n.date)`
	}
	if !im.stageSorted {
		insert += ` ORDER BY n.symbol, n.date`
	}
	inserted := 0
	for _, sd := range im.syms {
		inserted += sd.report.Inserted
	}
	if inserted > 0 {
		if _, err := conn.ExecContext(ctx, insert); err != nil {
			return fmt.Errorf("import: insert bars: %w", err)
		}
	}
	var changed []string
	for _, sd := range im.syms {
		if sd.report.Inserted > 0 || sd.report.Updated > 0 || !sd.storedCal.Valid || sd.fullCopy || sd.storedCal.String != sd.cal.Name() {
			changed = append(changed, sd.symbol)
		}
	}
	if len(changed) > 0 {
		// Per symbol and source first, then per symbol: cheaper than
		// string_agg(DISTINCT ...) over every bar.
		if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE riskon_changed AS SELECT unnest($changed::VARCHAR[]) AS symbol`,
			sql.Named("changed", changed)); err != nil {
			return fmt.Errorf("import: update symbols: %w", err)
		}
		if _, err := conn.ExecContext(ctx, `INSERT OR REPLACE INTO `+symbols+`
			(symbol, calendar, source, first_date, last_date, bars, first_ts, last_ts, synthetic, updated_at)
			SELECT a.symbol, y.calendar, a.src, a.first, a.last, a.n, a.o, a.c, y.synth, now()
			FROM (SELECT symbol, string_agg(source, '; ' ORDER BY source) AS src, min(first) AS first, max(last) AS last,
					CAST(sum(n) AS BIGINT) AS n, min(o) AS o, max(c) AS c
				FROM (SELECT symbol, source, min(date) AS first, max(date) AS last, count(*) AS n, min(open_time) AS o, max(close_time) AS c
					FROM `+bars+` WHERE symbol IN (SELECT symbol FROM temp.riskon_changed) GROUP BY symbol, source)
				GROUP BY symbol) a
			JOIN `+syms+` y ON y.symbol = a.symbol`); err != nil {
			return fmt.Errorf("import: update symbols: %w", err)
		}
	}
	for _, sd := range im.syms {
		if sd.after != nil {
			if err := sd.after(ctx, conn, im); err != nil {
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

// symbolName is a symbol as messages show it: as is when short and plain,
// quoted otherwise.
func symbolName(s string) string {
	if len(s) <= 64 && !strings.ContainsAny(s, " \"'`;,") {
		return s
	}
	return quoteSymbol(s)
}
