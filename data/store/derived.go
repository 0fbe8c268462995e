package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/riskon/riskon/data"
)

// DerivedOptions configure StoreDerived.
type DerivedOptions struct {
	// Origin is remembered in the sources table (Kind is set to
	// OriginDerived; Symbol and Calendar come from the series).
	Origin Origin
	// Synthetic marks the symbol synthetic (derived from synthetic inputs).
	Synthetic bool
}

// DerivedReport says what StoreDerived did.
type DerivedReport struct {
	Symbol    string
	Calendar  string
	Bars      int
	First     data.Date
	Last      data.Date
	Inserted  int
	Updated   int
	Unchanged int
	Deleted   int // stored bars on dates the new series no longer has
}

// StoreDerived stores a derived series (data/derive) as ser.Symbol in one
// transaction: bars whose values changed are replaced, new ones inserted,
// stored bars on dates the series no longer has deleted, and the derivation
// remembered in sources so `riskon data update` can recompute it. The
// series' own OpenTime and CloseTime are kept (a weekly bar spans its
// week's sessions). Storing the same series again writes nothing.
func (s *Store) StoreDerived(ctx context.Context, ser *data.Series, opts DerivedOptions) (*DerivedReport, error) {
	if err := s.writable("store derived series"); err != nil {
		return nil, err
	}
	if ser == nil {
		return nil, fmt.Errorf("store derived series: nil series")
	}
	if err := CheckSymbol(ser.Symbol); err != nil {
		return nil, fmt.Errorf("store derived series: %w", err)
	}
	if ser.Calendar.IsZero() {
		return nil, fmt.Errorf("store derived series %s: no calendar", ser.Symbol)
	}
	n := ser.Len()
	for _, l := range []int{len(ser.OpenTime), len(ser.CloseTime), len(ser.Open), len(ser.High), len(ser.Low), len(ser.Close), len(ser.Volume)} {
		if l != n {
			return nil, fmt.Errorf("store derived series %s: columns have different lengths", ser.Symbol)
		}
	}
	if err := s.checkDerivedTarget(ctx, ser.Symbol); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("store derived series %s: no bars (are its inputs stored and long enough?)", ser.Symbol)
	}
	o := opts.Origin
	o.Symbol, o.Kind, o.Calendar = ser.Symbol, OriginDerived, ser.Calendar.Name()
	if err := o.check(); err != nil {
		return nil, err
	}
	label := o.Source
	if !strings.HasPrefix(label, "derived:") {
		return nil, fmt.Errorf("store derived series %s: source %q must start with \"derived:\"", ser.Symbol, label)
	}
	rows := make([]memBar, n)
	bad := problems{path: label + " " + ser.Symbol, what: "bad bars"}
	for i := 0; i < n; i++ {
		b := ser.BarAt(i)
		if i > 0 && b.Date <= ser.Date[i-1] {
			return nil, fmt.Errorf("store derived series %s: bar %d (%s) is not after %s", ser.Symbol, i, b.Date, ser.Date[i-1])
		}
		r := memBar{date: b.Date, open: b.Open, high: b.High, low: b.Low, close: b.Close, volume: b.Volume,
			openTime: ser.OpenTime[i], closeTime: ser.CloseTime[i]}
		checkBar(&bad, r, i)
		if r.closeTime <= r.openTime {
			bad.add(0, "bar %d (%s): close time %d is not after open time %d", i+1, b.Date, r.closeTime, r.openTime)
		}
		rows[i] = r
	}
	if err := bad.err(); err != nil {
		return nil, err
	}
	rep := &DerivedReport{Symbol: ser.Symbol, Calendar: ser.Calendar.Name(), Bars: n, First: ser.Date[0], Last: ser.Date[n-1]}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store derived series %s: %w", ser.Symbol, err)
	}
	defer conn.Close()
	im, err := s.newImporter(ctx, conn, 0)
	if err != nil {
		return nil, fmt.Errorf("store derived series %s: %w", ser.Symbol, err)
	}
	defer im.close()
	sd := im.symbol(ser.Symbol, ser.Calendar, true)
	sd.synth = opts.Synthetic
	irep := sd.report
	if _, err := im.addBars(ctx, ser.Symbol, label, false, rows, ""); err != nil {
		return nil, err
	}
	sd.after = func(ctx context.Context, conn *sql.Conn, im *importer) error {
		res, err := conn.ExecContext(ctx, `DELETE FROM main.bars WHERE symbol = $sym AND date NOT IN (SELECT date FROM `+im.t("newbars")+` WHERE symbol = $sym)`,
			sql.Named("sym", ser.Symbol))
		if err != nil {
			return fmt.Errorf("store derived series %s: delete stale bars: %w", ser.Symbol, err)
		}
		k, _ := res.RowsAffected()
		rep.Deleted = int(k)
		changed := irep.Inserted+irep.Updated+rep.Deleted > 0
		if rep.Deleted > 0 {
			// write refreshed the symbols row before the delete (or skipped
			// it when nothing else changed): refresh it again.
			if _, err := conn.ExecContext(ctx, `INSERT OR REPLACE INTO main.symbols
				(symbol, calendar, source, first_date, last_date, bars, first_ts, last_ts, synthetic, updated_at)
				SELECT $sym, $cal, coalesce(string_agg(DISTINCT source, '; ' ORDER BY source), ''), min(date), max(date), count(*),
					min(open_time), max(close_time), $synth, now()
				FROM main.bars WHERE symbol = $sym`, sql.Named("sym", ser.Symbol), sql.Named("cal", ser.Calendar.Name()), sql.Named("synth", opts.Synthetic)); err != nil {
				return fmt.Errorf("store derived series %s: update symbols: %w", ser.Symbol, err)
			}
		}
		return rememberOrigin(ctx, conn, o, changed)
	}
	if err := im.run(ctx, false); err != nil {
		return nil, err
	}
	rep.Inserted, rep.Updated, rep.Unchanged = irep.Inserted, irep.Updated, irep.Unchanged
	return rep, nil
}

// IsSynthetic reports whether any of the symbols is stored as synthetic.
func (s *Store) IsSynthetic(ctx context.Context, symbols []string) (bool, error) {
	infos, err := s.List(ctx)
	if err != nil {
		return false, err
	}
	for _, si := range infos {
		for _, sym := range symbols {
			if si.Symbol == sym && si.Synthetic {
				return true, nil
			}
		}
	}
	return false, nil
}

// checkDerivedTarget refuses to overwrite a stored symbol that is not
// derived (imported or fetched bars would be lost).
func (s *Store) checkDerivedTarget(ctx context.Context, sym string) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM symbols WHERE symbol = ?`, sym).Scan(&n); err != nil {
		return fmt.Errorf("store derived series %s: %w", sym, err)
	}
	if n == 0 {
		return nil
	}
	o, ok, err := s.OriginOf(ctx, sym)
	if err != nil {
		return err
	}
	if !ok || o.Kind != OriginDerived {
		return errors.New("store derived series " + sym + ": the symbol is already stored with imported or fetched bars; derive under another name (--as)")
	}
	return nil
}
