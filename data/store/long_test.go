package store

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riskon/riskon/data"
)

// TestLongFormat imports files with one row per symbol and date: the symbol
// column is found by name (symbol, ticker, CoinMarketCap's Symbol) or given,
// every symbol is validated as a series of its own, one calendar serves all,
// and a re-import changes nothing.
func TestLongFormat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	// Two symbols interleaved by date (as dumps by date are), B newest first.
	long := writeFile(t, dir, "long.csv", "symbol,date,open,high,low,close,volume\n"+
		"A,2021-01-04,10,11,9,10.5,100\n"+ // line 2
		"B,2021-01-06,20,21,19,20.5,5\n"+ // line 3
		"A,2021-01-05,10.5,11,10,10.8,100\n"+ // line 4
		"B,2021-01-05,20,20,20,20,5\n"+ // line 5: flat (B only)
		"A,2021-01-06,10.8,12,10.5,11.9,100\n"+ // line 6
		"B,2021-01-04,19,20,18,19.5,5\n") // line 7
	cases := []struct {
		name string
		opts ImportOptions
	}{
		{"auto symbol column", ImportOptions{Calendar: "nyse"}},
		{"named column", ImportOptions{Calendar: "nyse", SymbolColumn: "Symbol"}},
		{"numbered column", ImportOptions{Calendar: "nyse", SymbolColumn: "1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			reps, err := s.ImportAll(ctx, []string{long}, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(reps) != 2 || reps[0].Symbol != "A" || reps[1].Symbol != "B" {
				t.Fatalf("reports %+v", reps)
			}
			a, b := reps[0], reps[1]
			if a.Rows != 3 || a.Inserted != 3 || a.First != date("2021-01-04") || a.Last != date("2021-01-06") || a.Files[0].Order != "" {
				t.Errorf("A: %+v", a)
			}
			if b.Rows != 3 || b.Files[0].Order != "descending" || b.WarningCount("flat") != 1 || a.WarningCount("") != 0 {
				t.Errorf("B: %+v", b)
			}
			if w := b.Warnings[0].First; !strings.Contains(w, "long.csv line 5") {
				t.Errorf("B's flat warning %q should name line 5", w)
			}
			// One calendar for every symbol: NYSE closes 16:00 New York (EST: 21:00Z).
			ds, err := s.Load(ctx, []string{"A", "B"})
			if err != nil {
				t.Fatal(err)
			}
			if got := ds.Get("B").CloseTime[0]; got != time.Date(2021, 1, 4, 21, 0, 0, 0, time.UTC).Unix() {
				t.Errorf("B close time %d", got)
			}
			if c := closeOn(t, s, "B", date("2021-01-06")); c != 20.5 {
				t.Errorf("B close %v", c)
			}
			before := hashDB(t, s)
			reps, err = s.ImportAll(ctx, []string{long}, tc.opts)
			if err != nil || reps[0].Unchanged != 3 || reps[1].Unchanged != 3 || reps[0].Inserted+reps[1].Inserted != 0 {
				t.Fatalf("re-import %+v %v", reps, err)
			}
			if hashDB(t, s) != before {
				t.Error("a no-op long re-import changed the database")
			}
		})
	}

	// CoinMarketCap (Kaggle) files name their symbol column Symbol: without
	// --symbol they import as their symbol. Rows written here, header real.
	cmc := writeFile(t, dir, "coin_X.csv", "SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap\n"+
		"1,Bitcoin,BTC,2013-04-29 23:59:59,147.5,134.0,134.4,144.5,0.0,1603768864.5\n"+
		"2,Bitcoin,BTC,2013-04-30 23:59:59,146.9,134.1,144.0,139.0,0.0,1542813125.0\n")
	s := openTemp(t)
	reps, err := s.ImportAll(ctx, []string{cmc}, ImportOptions{})
	if err != nil || len(reps) != 1 || reps[0].Symbol != "BTC" || reps[0].Rows != 2 {
		t.Fatalf("cmc long: %+v %v", reps, err)
	}
	// With --symbol the column is ignored.
	if rep, err := s.Import(ctx, []string{cmc}, ImportOptions{Symbol: "BTC_CMC"}); err != nil || rep.Rows != 2 {
		t.Fatalf("cmc with --symbol: %+v %v", rep, err)
	}

	// Errors name the file, the line, the symbol and the fix; the database
	// is unchanged.
	hdr := "symbol,date,open,high,low,close,volume\n"
	bad := []struct {
		name, content string
		opts          ImportOptions
		want          []string
	}{
		{"duplicate in one symbol", hdr + "A,2021-02-01,1,2,0.5,1.5,1\nB,2021-02-01,1,2,0.5,1.5,1\nA,2021-02-01,1,2,0.5,1.6,1\n", ImportOptions{},
			[]string{"line 2", "date 2021-02-01 appears again on line 4", "(symbol A)"}},
		{"missing symbol", hdr + "A,2021-02-01,1,2,0.5,1.5,1\n,2021-02-02,1,2,0.5,1.5,1\n", ImportOptions{},
			[]string{"line 3", "missing symbol"}},
		{"bad price names the symbol", hdr + "A,2021-02-01,1,2,0.5,1.5,1\nZ,2021-02-02,1,2,0.5,0,1\n", ImportOptions{},
			[]string{"line 3", "symbol Z", "non-positive close 0"}},
		{"padded symbol", hdr + "A,2021-02-01,1,2,0.5,1.5,1\n\" B\",2021-02-02,1,2,0.5,1.5,1\n", ImportOptions{},
			[]string{"line 3", `symbol " B"`, "leading or trailing space", "--symbol-column"}},
		{"no symbol column", "date,open,high,low,close\n2021-02-01,1,2,0.5,1.5\n", ImportOptions{},
			[]string{"no symbol given", "--symbol SYM", "--symbol-column"}},
		{"unknown symbol column", hdr + "A,2021-02-01,1,2,0.5,1.5,1\n", ImportOptions{SymbolColumn: "ric"},
			[]string{`--symbol-column "ric"`, "no such column"}},
		{"symbol and column", hdr + "A,2021-02-01,1,2,0.5,1.5,1\n", ImportOptions{Symbol: "X", SymbolColumn: "symbol"},
			[]string{"either"}},
		{"strict per symbol", hdr + "A,2021-02-01,1,2,0.5,1.5,1\nB,2021-02-01,1,1,1,1,1\n", ImportOptions{Strict: true},
			[]string{"(symbol B)", "flat: 1", "line 3"}},
		{"conflict in one symbol", hdr + "A,2021-01-04,10,11,9,10.75,100\n", ImportOptions{Calendar: "nyse"},
			[]string{"A: 1 date is already stored with different values", "--replace"}},
	}
	if _, err := s.ImportAll(ctx, []string{long}, ImportOptions{Calendar: "nyse"}); err != nil {
		t.Fatal(err)
	}
	before := hashDB(t, s)
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, strings.ReplaceAll(tc.name, " ", "_")+".csv", tc.content)
			_, err := s.ImportAll(ctx, []string{p}, tc.opts)
			if err == nil {
				t.Fatal("import succeeded, want an error")
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if hashDB(t, s) != before {
				t.Error("database changed after a refused import")
			}
		})
	}
	// Two long files: the first wins where they overlap, per symbol.
	more := writeFile(t, dir, "more.csv", hdr+"A,2021-01-06,1,20,1,19,1\nA,2021-01-07,11.9,12,11,11.5,100\nC,2021-01-04,5,6,4,5.5,1\n")
	reps, err = s.ImportAll(ctx, []string{long, more}, ImportOptions{Calendar: "nyse"})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 3 || reps[0].Symbol != "A" || reps[0].Rows != 4 || reps[0].Inserted != 1 || reps[0].WarningCount("overlap") != 1 ||
		reps[2].Symbol != "C" || reps[2].Inserted != 1 {
		t.Errorf("two long files: %+v", reps)
	}
	if c := closeOn(t, s, "A", date("2021-01-06")); c != 11.9 {
		t.Errorf("A 2021-01-06 close %v, want 11.9 from the first file", c)
	}
	if w := reps[0].Warnings[0]; w.Kind != "overlap" || !strings.Contains(w.First, "more.csv line 2") || !strings.Contains(w.First, "long.csv (first file, kept) has 11.9") {
		t.Errorf("overlap warning %+v", w)
	}
}

// hostileSymbols are names that would break SQL built by splicing strings.
func hostileSymbols() []string {
	return []string{
		`'; DROP TABLE bars; --`,
		`Robert'); DROP TABLE symbols;--`,
		`"quoted" and 'single'`,
		`semi;colon`,
		`back\slash`,
		`comma,inside`,
		`percent%_like`,
		`$1 ? :name`,
		`Ünïcödé-€-日本語-🚀`,
		strings.Repeat("X", 10000),
		strings.Repeat("é", 10000), // 10,000 characters, 20,000 bytes
	}
}

// TestHostileSymbols: names with quotes, semicolons, unicode or 10,000
// characters are stored and queried as parameters: they round-trip through
// import (with --symbol and from a long file's symbol column), List and
// Load, and the tables they name in SQL are still there.
func TestHostileSymbols(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t)
	dir := t.TempDir()
	syms := hostileSymbols()
	for i, sym := range syms {
		if err := CheckSymbol(sym); err != nil {
			t.Fatalf("CheckSymbol(%s): %v", quoteSymbol(sym), err)
		}
		p := writeFile(t, dir, fmt.Sprintf("h%d.csv", i), fmt.Sprintf("date,open,high,low,close,volume\n2021-01-01,1,2,0.5,%d,10\n2021-01-02,1,2,0.5,1.5,10\n", i+1))
		rep, err := s.Import(ctx, []string{p}, ImportOptions{Symbol: sym})
		if err != nil {
			t.Fatalf("import %s: %v", quoteSymbol(sym), err)
		}
		if rep.Symbol != sym || rep.Inserted != 2 {
			t.Errorf("import %s: %+v", quoteSymbol(sym), rep)
		}
	}
	// The same names from a long file (CSV-quoted as needed).
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"symbol", "date", "close"})
	for i, sym := range syms {
		w.Write([]string{"L" + sym, "2021-01-01", fmt.Sprint(i + 1)})
		w.Write([]string{"L" + sym, "2021-01-02", "1.5"})
	}
	w.Flush()
	long := writeFile(t, dir, "hostile_long.csv", buf.String())
	reps, err := s.ImportAll(ctx, []string{long}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != len(syms) {
		t.Fatalf("%d reports from the long file, want %d", len(reps), len(syms))
	}
	infos, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]SymbolInfo{}
	for _, si := range infos {
		have[si.Symbol] = si
	}
	for i, sym := range syms {
		for _, name := range []string{sym, "L" + sym} {
			si, ok := have[name]
			if !ok || si.Bars != 2 {
				t.Errorf("List lacks %s (or wrong bars: %+v)", quoteSymbol(name), si)
				continue
			}
			ds, err := s.Load(ctx, []string{name})
			if err != nil {
				t.Fatalf("load %s: %v", quoteSymbol(name), err)
			}
			ser := ds.Get(name)
			if ser == nil || ser.Len() != 2 || ser.Close[0] != float64(i+1) {
				t.Errorf("load %s: %+v", quoteSymbol(name), ser)
			}
		}
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('bars', 'symbols')`).Scan(&n); err != nil || n != 2 {
		t.Errorf("tables bars and symbols: %d %v", n, err)
	}
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM bars`).Scan(&n); err != nil || n != 4*len(syms) {
		t.Errorf("bars: %d %v", n, err)
	}
	// A missing hostile name is reported, quoted, not executed.
	if _, err := s.Load(ctx, []string{`x'); DELETE FROM bars; --`}); err == nil || !strings.Contains(err.Error(), `"x'); DELETE FROM bars; --"`) {
		t.Errorf("missing symbol: %v", err)
	}
}

func TestCheckSymbol(t *testing.T) {
	t.Parallel()
	cases := []struct {
		sym  string
		want string // "" valid, else a substring of the error
	}{
		{"BTC", ""},
		{"^RUT", ""},
		{"BRK.B", ""},
		{"A B", ""},
		{"'; DROP TABLE bars; --", ""},
		{"日本", ""},
		{"🚀", ""},
		{"a,b", ""},
		{strings.Repeat("x", MaxSymbolBytes), ""},
		{"", "empty"},
		{" A", "leading or trailing space"},
		{"A ", "leading or trailing space"},
		{"A\u00a0", "leading or trailing space"},
		{"A\tB", "control or format character"},
		{"A\nB", "control or format character"},
		{"A\x00B", "control or format character"},
		{"A\u200bB", "control or format character"}, // zero-width space (format)
		{"A\xffB", "not valid UTF-8"},
		{strings.Repeat("x", MaxSymbolBytes+1), "longer than"},
	}
	for _, c := range cases {
		err := CheckSymbol(c.sym)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckSymbol(%s) = %v, want valid", quoteSymbol(c.sym), err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckSymbol(%s) = %v, want %q", quoteSymbol(c.sym), err, c.want)
		}
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("error for a %d-byte name is %d bytes long", len(c.sym), len(err.Error()))
		}
	}
}

// TestListManySymbols stores 10,000 small symbols with one long-format
// import and checks that List (riskon data list) and Load stay fast.
func TestListManySymbols(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t)
	var b strings.Builder
	b.WriteString("symbol,date,close\n")
	const nsym = 10000
	for i := 0; i < nsym; i++ {
		for d := 1; d <= 3; d++ {
			fmt.Fprintf(&b, "SYM%05d,2021-01-0%d,%d.5\n", i, d, d)
		}
	}
	p := writeFile(t, t.TempDir(), "many.csv", b.String())
	start := time.Now()
	reps, err := s.ImportAll(ctx, []string{p}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imported %d symbols (%d rows) in %s", len(reps), 3*nsym, time.Since(start).Round(time.Millisecond))
	best := time.Hour
	var infos []SymbolInfo
	for i := 0; i < 3; i++ {
		start = time.Now()
		infos, err = s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		best = min(best, time.Since(start))
	}
	t.Logf("List of %d symbols: %s (best of 3)", len(infos), best)
	if len(infos) != nsym || infos[0].Symbol != "SYM00000" || infos[nsym-1].Bars != 3 {
		t.Fatalf("List: %d symbols, first %+v", len(infos), infos[0])
	}
	if best > time.Second {
		t.Errorf("List of %d symbols took %s, want well under a second", nsym, best)
	}
	start = time.Now()
	ds, err := s.Load(ctx, []string{"SYM04242"})
	if err != nil || ds.Get("SYM04242").Len() != 3 {
		t.Fatalf("load: %v", err)
	}
	t.Logf("Load of one symbol among %d: %s", nsym, time.Since(start).Round(time.Microsecond))
}

// TestLineNumbersLargeFile checks exact line numbers deep in a file large
// enough to be read in parallel and staged in a temporary database file
// (blank lines and CRLF included), and the fallback to data row numbers when
// a quoted field spans lines.
func TestLineNumbersLargeFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t)
	s.stageFileMin = 0 // stage in a file, as for large inputs
	dir := t.TempDir()
	const nsym, ndays = 60, 5000 // 300,000 rows
	var b strings.Builder
	b.WriteString("symbol,date,open,high,low,close,volume\r\n")
	line := 1
	var badLine, dupLine, dupFirst, jumpLine int
	for i := 0; i < nsym; i++ {
		d0 := data.DateOf(2000, 1, 1)
		for d := 0; d < ndays; d++ {
			if i == 7 && d == 100 {
				b.WriteString("\r\n") // a blank line: counted, skipped
				line++
			}
			cl := 100.0
			switch {
			case i == 41 && d == 3000:
				cl = 160 // +60%: a jump
				jumpLine = line + 1
			case i == 41 && d == 3001:
				cl = 100 // -37.5%: not a jump
			}
			fmt.Fprintf(&b, "S%02d,%s,100,200,50,%g,1\r\n", i, d0+data.Date(d), cl)
			line++
			if i == 3 && d == 10 {
				dupFirst = line
			}
		}
	}
	content := b.String()
	p := writeFile(t, dir, "big.csv", content)
	reps, err := s.ImportAll(ctx, []string{p}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var jumpRep *ImportReport
	for i := range reps {
		if reps[i].Symbol == "S41" {
			jumpRep = &reps[i]
		}
	}
	if jumpRep == nil || jumpRep.WarningCount("jump") != 1 || !strings.Contains(jumpRep.Warnings[0].First, fmt.Sprintf("big.csv line %d:", jumpLine)) {
		t.Errorf("jump warning should name line %d: %+v", jumpLine, jumpRep)
	}

	// A negative price and a duplicate date deep in the file.
	lines := strings.Split(content, "\r\n")
	badLine = 250000
	f := strings.Split(lines[badLine-1], ",")
	f[5] = "-3"
	lines[badLine-1] = strings.Join(f, ",")
	bad := writeFile(t, dir, "bad.csv", strings.Join(lines, "\r\n"))
	_, err = s.ImportAll(ctx, []string{bad}, ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d: symbol %s: non-positive close -3", badLine, f[0])) {
		t.Errorf("bad row at line %d: %v", badLine, err)
	}
	lines = strings.Split(content, "\r\n")
	dupLine = 280000
	g := strings.Split(lines[dupLine-1], ",")
	g[0], g[1] = "S03", strings.Split(lines[dupFirst-1], ",")[1]
	lines[dupLine-1] = strings.Join(g, ",")
	dup := writeFile(t, dir, "dup.csv", strings.Join(lines, "\r\n"))
	_, err = s.ImportAll(ctx, []string{dup}, ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d: date %s appears again on line %d (symbol S03)", dupFirst, g[1], dupLine)) {
		t.Errorf("duplicate at lines %d and %d: %v", dupFirst, dupLine, err)
	}

	// A quoted line break: lines cannot be mapped exactly, data rows are named.
	q := writeFile(t, dir, "quoted.csv", "symbol,date,close,note\nA,2021-01-01,1,\"two\nlines\"\nA,2021-01-02,-1,x\n")
	_, err = s.ImportAll(ctx, []string{q}, ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "data row 2") {
		t.Errorf("quoted line break: %v", err)
	}
}

// TestSessionsMatchICU checks the session times written for time-zone
// calendars (computed by data.Calendar.Session in Go and passed to SQL as a
// table) against DuckDB's own ICU time zones, an independent implementation,
// for every day of 2019-2022 (eight daylight-saving changes each).
func TestSessionsMatchICU(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("date,close\n")
	for d := data.DateOf(2019, 1, 1); d <= data.DateOf(2022, 12, 31); d++ {
		fmt.Fprintf(&b, "%s,100\n", d)
	}
	p := writeFile(t, dir, "days.csv", b.String())
	for _, c := range []struct{ sym, cal, zone, open, close string }{
		{"NY", "nyse", "America/New_York", "09:30", "16:00"},
		{"LDN", "Europe/London 08:00-16:30", "Europe/London", "08:00", "16:30"},
		{"SYD", "Australia/Sydney 10:00-16:00", "Australia/Sydney", "10:00", "16:00"},
	} {
		if _, err := s.Import(ctx, []string{p}, ImportOptions{Symbol: c.sym, Calendar: c.cal}); err != nil {
			t.Fatal(err)
		}
		var n, bad int
		err := s.DB().QueryRowContext(ctx, `SELECT count(*),
				count(*) FILTER (WHERE open_time <> epoch(timezone(?, date + CAST(? AS INTERVAL)))
					OR close_time <> epoch(timezone(?, date + CAST(? AS INTERVAL))))
			FROM bars WHERE symbol = ?`, c.zone, c.open+":00", c.zone, c.close+":00", c.sym).Scan(&n, &bad)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1461 || bad != 0 {
			t.Errorf("%s: %d of %d session times differ from ICU", c.sym, bad, n)
		}
	}
	// 24x7 is date arithmetic: [D 00:00Z, D+1 00:00Z).
	if _, err := s.Import(ctx, []string{p}, ImportOptions{Symbol: "C"}); err != nil {
		t.Fatal(err)
	}
	var bad int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM bars WHERE symbol = 'C'
		AND (open_time <> epoch(date::TIMESTAMP) OR close_time <> epoch(date::TIMESTAMP) + 86400)`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("24x7: %d bad session times %v", bad, err)
	}
}

// TestCatalogPaths: source paths are resolved relative to the catalog's
// root and refused when they leave it through "..", an absolute path or a
// symbolic link, unless allowed.
func TestCatalogPaths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	root := filepath.Join(dir, "raw")
	sub := filepath.Join(root, "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	csvText := "date,close\n2021-01-01,1\n2021-01-02,2\n"
	writeFile(t, sub, "in.csv", csvText)
	outside := writeFile(t, dir, "outside.csv", csvText)
	links := []struct{ name, target string }{
		{"link_out.csv", outside},                     // a file link leaving the root
		{"link_in.csv", filepath.Join(sub, "in.csv")}, // a link inside the root
		{"dir_out", dir},                              // a directory link leaving it
	}
	for _, l := range links {
		if err := os.Symlink(l.target, filepath.Join(root, l.name)); err != nil {
			t.Skipf("symbolic links unavailable: %v", err)
		}
	}
	cases := []struct {
		path    string
		allowed bool // without AllowOutside
	}{
		{"sub/in.csv", true},
		{"./sub/../sub/in.csv", true},
		{filepath.Join(sub, "in.csv"), true}, // absolute, inside
		{"link_in.csv", true},
		{"../outside.csv", false},
		{"sub/../../outside.csv", false},
		{outside, false}, // absolute, outside
		{"link_out.csv", false},
		{"dir_out/outside.csv", false},
	}
	for i, c := range cases {
		cat := writeFile(t, dir, fmt.Sprintf("cat%d.yaml", i), fmt.Sprintf("root: raw\nsymbols:\n  - symbol: P%d\n    sources:\n      - {path: %q}\n", i, c.path))
		s := openTemp(t)
		before := hashDB(t, s)
		_, err := s.ImportCatalog(ctx, cat, CatalogOptions{})
		switch {
		case c.allowed && err != nil:
			t.Errorf("%s: %v", c.path, err)
		case !c.allowed && (err == nil || !strings.Contains(err.Error(), "outside the catalog root")):
			t.Errorf("%s: err = %v, want refused as outside the root", c.path, err)
		}
		if !c.allowed {
			if hashDB(t, s) != before {
				t.Errorf("%s: a refused catalog changed the database", c.path)
			}
			if _, err := s.ImportCatalog(ctx, cat, CatalogOptions{AllowOutside: true}); err != nil {
				t.Errorf("%s with AllowOutside: %v", c.path, err)
			}
		}
	}
}

func TestCheckUTF8(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := strings.Repeat("2021-01-01,1.5\n", 5000) // 75,000 bytes: more than one 64 KiB chunk
	// Place a multi-byte rune across the 65,536-byte chunk boundary.
	cross := big[:65535] + "é" + big[65535:]
	cases := []struct {
		name, content string
		line, col     int
	}{
		{"ascii", "date,close\n2021-01-01,1\n", 0, 0},
		{"unicode", "date,close,note\n2021-01-01,1,日本 🚀 é\n", 0, 0},
		{"bom", "\ufeffdate,close\n", 0, 0},
		{"invalid byte", "date,close\n2021-01-01,1\xff\n", 2, 13},
		{"truncated rune at end", "date,close\n2021-01-01,1\xe6\x97", 2, 13},
		{"surrogate", "date,close\n\xed\xa0\x80\n", 2, 1},
		{"rune across chunks", cross, 0, 0},
		{"invalid after first chunk", big + "x,\xc3\x28\n", 5001, 3},
	}
	for _, c := range cases {
		p := writeFile(t, dir, strings.ReplaceAll(c.name, " ", "_")+".csv", c.content)
		_, err := checkFile(context.Background(), p, p)
		if c.line == 0 {
			if err != nil {
				t.Errorf("%s: %v, want no error", c.name, err)
			}
			continue
		}
		if want := fmt.Sprintf("line %d: byte %d is not valid UTF-8", c.line, c.col); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", c.name, err, want)
		}
	}
}
