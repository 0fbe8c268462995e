package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/riskon/riskon/data"
)

// Origin kinds stored in the sources table.
const (
	OriginFetch   = "fetch"   // fetched from a public price source (data/fetch)
	OriginDerived = "derived" // computed from other stored symbols (data/derive)
)

// Origin remembers where a symbol comes from, so that `riskon data update`
// can bring it up to date: a remote symbol at a price source, or a
// derivation from other stored symbols.
type Origin struct {
	Symbol   string `json:"symbol"`
	Kind     string `json:"kind"`     // OriginFetch or OriginDerived
	Source   string `json:"source"`   // yahoo, binance, coinbase; derived:weekly, derived:basket, ...
	Remote   string `json:"remote"`   // remote symbol (^RUT, BTCUSDT, BTC-USD); for derived symbols the inputs, comma-separated
	Calendar string `json:"calendar"` // the symbol's calendar
	Params   string `json:"params"`   // free-form (JSON) options of the source or derivation
}

func (o Origin) check() error {
	if err := CheckSymbol(o.Symbol); err != nil {
		return fmt.Errorf("remember source: %w", err)
	}
	if o.Kind != OriginFetch && o.Kind != OriginDerived {
		return fmt.Errorf("remember source of %s: kind %q: want %s or %s", o.Symbol, o.Kind, OriginFetch, OriginDerived)
	}
	if strings.TrimSpace(o.Source) == "" || strings.TrimSpace(o.Remote) == "" {
		return fmt.Errorf("remember source of %s: empty source or remote", o.Symbol)
	}
	return nil
}

// hasSources reports whether the sources table exists (a database written by
// an older riskon and opened read-only may lack it).
func (s *Store) hasSources(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (bool, error) {
	if !s.schema {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'sources'`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read sources in %s: %w", s.path, err)
	}
	return n == 1, nil
}

// Origins returns the remembered origins of every symbol, in symbol order.
func (s *Store) Origins(ctx context.Context) ([]Origin, error) {
	ok, err := s.hasSources(ctx, s.db)
	if err != nil || !ok {
		return nil, err
	}
	rs, err := s.db.QueryContext(ctx, `SELECT symbol, kind, source, remote, calendar, params FROM sources ORDER BY symbol`)
	if err != nil {
		return nil, fmt.Errorf("read sources in %s: %w", s.path, err)
	}
	defer rs.Close()
	var out []Origin
	for rs.Next() {
		var o Origin
		if err := rs.Scan(&o.Symbol, &o.Kind, &o.Source, &o.Remote, &o.Calendar, &o.Params); err != nil {
			return nil, fmt.Errorf("read sources in %s: %w", s.path, err)
		}
		out = append(out, o)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("read sources in %s: %w", s.path, err)
	}
	return out, nil
}

// OriginOf returns the remembered origin of sym; ok is false if none is.
func (s *Store) OriginOf(ctx context.Context, sym string) (o Origin, ok bool, err error) {
	all, err := s.Origins(ctx)
	if err != nil {
		return Origin{}, false, err
	}
	for _, x := range all {
		if x.Symbol == sym {
			return x, true, nil
		}
	}
	return Origin{}, false, nil
}

// rememberOrigin upserts o inside the write transaction on conn. An
// unchanged origin is not rewritten (unless touch), so a no-op update leaves
// the database file as it was.
func rememberOrigin(ctx context.Context, conn *sql.Conn, o Origin, touch bool) error {
	var cur Origin
	err := conn.QueryRowContext(ctx, `SELECT symbol, kind, source, remote, calendar, params FROM sources WHERE symbol = ?`, o.Symbol).
		Scan(&cur.Symbol, &cur.Kind, &cur.Source, &cur.Remote, &cur.Calendar, &cur.Params)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("remember source of %s: %w", o.Symbol, err)
	case cur == o && !touch:
		return nil
	}
	_, err = conn.ExecContext(ctx, `INSERT OR REPLACE INTO sources (symbol, kind, source, remote, calendar, params, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, now())`, o.Symbol, o.Kind, o.Source, o.Remote, o.Calendar, o.Params)
	if err != nil {
		return fmt.Errorf("remember source of %s: %w", o.Symbol, err)
	}
	return nil
}

// ForgetOrigin removes the remembered origin of sym (its bars stay).
func (s *Store) ForgetOrigin(ctx context.Context, sym string) error {
	if err := s.writable("forget source"); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sources WHERE symbol = ?`, sym); err != nil {
		return fmt.Errorf("forget source of %s: %w", sym, err)
	}
	return nil
}

// BarsOptions configure ImportBars.
type BarsOptions struct {
	// Calendar of the symbol: "nyse", "24x7" (the default) or
	// "ZONE HH:MM-HH:MM".
	Calendar string
	// Source labels the bars, e.g. "yahoo:^RUT" (required).
	Source string
	// SinglePrice marks bars that carry one price per day (no flat-bar or
	// OHLC warnings).
	SinglePrice bool
	// Strict turns warnings into errors, as for Import.
	Strict bool
	// Replace overwrites stored bars whose values differ (an update
	// correcting a provisional close), as for Import.
	Replace bool
	// Remember, if set, is stored in the sources table in the same
	// transaction as the bars. Its Symbol and Calendar are filled in.
	Remember *Origin
}

// ImportBars validates bars held in memory (for example fetched from a
// price source) exactly as Import validates a file's rows, and writes them
// for symbol in one transaction, remembering their origin in the same
// transaction. A refused import leaves the database as it was; an import
// that changes no bar writes nothing.
//
// Bars may come in any order (they are sorted); duplicate dates, missing,
// non-positive or non-finite prices, negative volumes and dates outside
// 1800-2199 refuse the import. In messages, "line N" is the position of the
// bar in the sorted input (1-based).
func (s *Store) ImportBars(ctx context.Context, symbol string, bars []data.Bar, opts BarsOptions) (*ImportReport, error) {
	if err := s.writable("import bars"); err != nil {
		return nil, err
	}
	if err := CheckSymbol(symbol); err != nil {
		return nil, fmt.Errorf("import bars: %w", err)
	}
	label := strings.TrimSpace(opts.Source)
	if label == "" {
		return nil, fmt.Errorf("import bars %s: empty source label", symbol)
	}
	cal, err := parseCalendar(opts.Calendar)
	if err != nil {
		return nil, fmt.Errorf("import bars %s: %w", symbol, err)
	}
	var origin *Origin
	if opts.Remember != nil {
		o := *opts.Remember
		o.Symbol, o.Calendar = symbol, cal.Name()
		if err := o.check(); err != nil {
			return nil, err
		}
		origin = &o
	}
	if len(bars) == 0 {
		return nil, fmt.Errorf("import bars %s from %s: no bars", symbol, label)
	}
	rows := make([]memBar, len(bars))
	for i, b := range bars {
		rows[i] = memBar{date: b.Date, open: b.Open, high: b.High, low: b.Low, close: b.Close, volume: b.Volume}
		if opts.SinglePrice {
			rows[i].open, rows[i].high, rows[i].low = b.Close, b.Close, b.Close
		}
	}
	order := sortBars(rows)
	bad := problems{path: label, what: "bad bars"}
	for i := range rows {
		checkBar(&bad, rows[i], i)
	}
	if err := bad.err(); err != nil {
		return nil, err
	}
	dup := problems{path: label, what: "duplicate dates"}
	for i := 1; i < len(rows); i++ {
		if rows[i].date == rows[i-1].date {
			dup.add(0, "bar %d: date %s appears again as bar %d", i, rows[i].date, i+1)
		}
	}
	if err := dup.err(); err != nil {
		return nil, err
	}

	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("import bars %s: %w", symbol, err)
	}
	defer conn.Close()
	im, err := s.newImporter(ctx, conn, 0)
	if err != nil {
		return nil, fmt.Errorf("import bars %s: %w", symbol, err)
	}
	defer im.close()
	sd := im.symbol(symbol, cal, opts.Replace)
	if _, err := im.addBars(ctx, symbol, label, opts.SinglePrice, rows, order); err != nil {
		return nil, err
	}
	rep := sd.report
	if origin != nil {
		sd.after = func(ctx context.Context, conn *sql.Conn, _ *importer) error {
			return rememberOrigin(ctx, conn, *origin, rep.Inserted+rep.Updated > 0)
		}
	}
	if err := im.run(ctx, opts.Strict); err != nil {
		return nil, err
	}
	return rep, nil
}

// sortBars sorts bars by date and says how they were ordered: "" ascending,
// "descending" or "unsorted".
func sortBars(rows []memBar) string {
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

// checkBar applies the row checks of a file import to one in-memory bar.
func checkBar(p *problems, r memBar, i int) {
	where := fmt.Sprintf("bar %d (%s): ", i+1, r.date)
	if r.date < minDate || r.date >= maxDate {
		p.add(0, "bar %d: date %s is outside 1800-2199", i+1, r.date)
		return
	}
	for k, v := range []float64{r.open, r.high, r.low, r.close} {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			p.add(0, "%s%s %g is not a finite number", where, fieldNames[k], v)
		case v <= 0:
			p.add(0, "%snon-positive %s %g", where, fieldNames[k], v)
		}
	}
	switch {
	case math.IsNaN(r.volume) || math.IsInf(r.volume, 0):
		p.add(0, "%svolume %g is not a finite number", where, r.volume)
	case r.volume < 0:
		p.add(0, "%snegative volume %g", where, r.volume)
	}
}

// LastBar returns the newest stored bar of sym; ok is false when the symbol
// has no bars.
func (s *Store) LastBar(ctx context.Context, sym string) (b data.Bar, ok bool, err error) {
	if !s.schema {
		return data.Bar{}, false, nil
	}
	var d int64
	err = s.db.QueryRowContext(ctx, `SELECT date_diff('day', DATE '1970-01-01', date), open, high, low, close, volume
		FROM bars WHERE symbol = ? ORDER BY date DESC LIMIT 1`, sym).Scan(&d, &b.Open, &b.High, &b.Low, &b.Close, &b.Volume)
	if errors.Is(err, sql.ErrNoRows) {
		return data.Bar{}, false, nil
	}
	if err != nil {
		return data.Bar{}, false, fmt.Errorf("last bar of %s: %w", sym, err)
	}
	b.Date = data.Date(d)
	return b, true, nil
}
