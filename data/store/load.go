package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/riskon/riskon/data"
)

// SymbolInfo describes one stored symbol.
type SymbolInfo struct {
	Symbol    string    `json:"symbol"`
	Calendar  string    `json:"calendar"`
	First     data.Date `json:"-"`
	Last      data.Date `json:"-"`
	Bars      int       `json:"bars"`
	Sources   []string  `json:"sources"`
	Synthetic bool      `json:"synthetic"`
}

// List returns the stored symbols in name order.
func (s *Store) List(ctx context.Context) ([]SymbolInfo, error) {
	if !s.schema {
		return nil, nil
	}
	rs, err := s.db.QueryContext(ctx, `SELECT symbol, calendar, source,
		coalesce(date_diff('day', DATE '1970-01-01', first_date), 0), coalesce(date_diff('day', DATE '1970-01-01', last_date), 0),
		bars, synthetic FROM symbols ORDER BY symbol`)
	if err != nil {
		return nil, fmt.Errorf("list symbols in %s: %w", s.path, err)
	}
	defer rs.Close()
	var out []SymbolInfo
	for rs.Next() {
		var si SymbolInfo
		var src string
		var first, last int64
		if err := rs.Scan(&si.Symbol, &si.Calendar, &src, &first, &last, &si.Bars, &si.Synthetic); err != nil {
			return nil, fmt.Errorf("list symbols in %s: %w", s.path, err)
		}
		si.First, si.Last = data.Date(first), data.Date(last)
		if src != "" {
			si.Sources = strings.Split(src, "; ")
		}
		out = append(out, si)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("list symbols in %s: %w", s.path, err)
	}
	return out, nil
}

// Load reads the whole series of each symbol (the engine applies the
// window) into columnar slices, one query per symbol. The data set is marked
// synthetic if any series is.
func (s *Store) Load(ctx context.Context, symbols []string) (*data.Dataset, error) {
	infos, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	bySym := map[string]SymbolInfo{}
	var have []string
	for _, si := range infos {
		bySym[si.Symbol] = si
		have = append(have, si.Symbol)
	}
	var missing []string
	for _, sym := range symbols {
		if _, ok := bySym[sym]; !ok {
			missing = append(missing, sym)
		}
	}
	if len(missing) > 0 {
		haveList := "none"
		if len(have) > 0 {
			haveList = strings.Join(have, ", ")
		}
		if len(missing) == 1 {
			return nil, fmt.Errorf("symbol %q is not in %s (have: %s); import it with: riskon data import FILE --symbol %s",
				missing[0], s.name(), haveList, missing[0])
		}
		q := make([]string, len(missing))
		for i, m := range missing {
			q[i] = fmt.Sprintf("%q", m)
		}
		return nil, fmt.Errorf("symbols %s are not in %s (have: %s); import each with: riskon data import FILE --symbol %s",
			strings.Join(q, ", "), s.name(), haveList, missing[0])
	}
	cals := make([]data.Calendar, len(symbols))
	for i, sym := range symbols {
		cal, err := data.ParseCalendar(bySym[sym].Calendar)
		if err != nil {
			return nil, fmt.Errorf("load %s: stored calendar: %w", sym, err)
		}
		cals[i] = cal
	}
	// One query per symbol, side by side on their own connections: the
	// rows of one series are decoded while the next is read.
	series := make([]*data.Series, len(symbols))
	errs := make([]error, len(symbols))
	var wg sync.WaitGroup
	for i, sym := range symbols {
		wg.Go(func() { series[i], errs[i] = s.loadSeries(ctx, sym, cals[i], bySym[sym]) })
	}
	wg.Wait()
	synthetic := false
	for i, sym := range symbols {
		if errs[i] != nil {
			return nil, errs[i]
		}
		si := bySym[sym]
		series[i].Source = strings.Join(si.Sources, "; ")
		synthetic = synthetic || si.Synthetic
	}
	ds, err := data.NewDataset(series...)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	ds.Synthetic = synthetic
	return ds, nil
}

// loadSeries reads the bars of sym (stored as info says) in date order.
// The bars are read first in the order they are stored, which is date order
// unless the symbol was updated out of order; when it is not, they are read
// again sorted (a sort costs DuckDB more than the rest of the query on a
// long series). A series of at least s.splitBars bars is read in two
// halves of its dates side by side (decoding the rows costs more than
// reading them: the halves share the processors), the later appended to
// the earlier.
func (s *Store) loadSeries(ctx context.Context, sym string, cal data.Calendar, info SymbolInfo) (*data.Series, error) {
	n := info.Bars
	var ser *data.Series
	var err error
	if s.splitBars > 0 && n >= s.splitBars && info.Last > info.First {
		mid := info.First + (info.Last-info.First)/2 + 1
		var late *data.Series
		var lateErr error
		done := make(chan struct{})
		go func() {
			defer close(done)
			late, lateErr = s.readSeries(ctx, sym, cal, n/2+n/8, false, mid, noDate)
		}()
		ser, err = s.readSeries(ctx, sym, cal, n, false, noDate, mid)
		<-done
		if err == nil {
			err = lateErr
		}
		if err == nil {
			ser.Date = append(ser.Date, late.Date...)
			ser.OpenTime = append(ser.OpenTime, late.OpenTime...)
			ser.CloseTime = append(ser.CloseTime, late.CloseTime...)
			ser.Open = append(ser.Open, late.Open...)
			ser.High = append(ser.High, late.High...)
			ser.Low = append(ser.Low, late.Low...)
			ser.Close = append(ser.Close, late.Close...)
			ser.Volume = append(ser.Volume, late.Volume...)
		}
	} else {
		ser, err = s.readSeries(ctx, sym, cal, n, false, noDate, noDate)
	}
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(ser.Date); i++ {
		if ser.Date[i] <= ser.Date[i-1] {
			return s.readSeries(ctx, sym, cal, n, true, noDate, noDate)
		}
	}
	return ser, nil
}

// defaultSplitBars is the length from which Load reads a series in two
// halves side by side: centuries of daily bars (the real series are decades
// long and read in one query).
const defaultSplitBars = 50000

// noDate is no bound of readSeries.
const noDate = data.Date(math.MinInt32)

// readSeries reads the bars of sym, sorted by date when sorted is set,
// else in the order the table returns them; from and to (noDate for no
// bound) keep the bars dated from on or after and before to. n is the
// number of bars expected.
func (s *Store) readSeries(ctx context.Context, sym string, cal data.Calendar, n int, sorted bool, from, to data.Date) (*data.Series, error) {
	q := `SELECT date_diff('day', DATE '1970-01-01', date), open_time, close_time,
			open, high, low, close, volume FROM bars WHERE symbol = $1`
	args := []driver.NamedValue{{Ordinal: 1, Value: sym}}
	for _, b := range []struct {
		d  data.Date
		op string
	}{{from, ">="}, {to, "<"}} {
		if b.d != noDate {
			args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: int64(b.d)})
			q += fmt.Sprintf(` AND date %s DATE '1970-01-01' + CAST($%d AS INTEGER)`, b.op, len(args))
		}
	}
	if sorted {
		q += ` ORDER BY date`
	}
	ser := &data.Series{Symbol: sym, Calendar: cal,
		Date: make([]data.Date, 0, n), OpenTime: make([]int64, 0, n), CloseTime: make([]int64, 0, n),
		Open: make([]float64, 0, n), High: make([]float64, 0, n), Low: make([]float64, 0, n),
		Close: make([]float64, 0, n), Volume: make([]float64, 0, n)}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", sym, err)
	}
	defer conn.Close()
	// The rows are read from the driver with one reused row of values:
	// database/sql's Scan converts each value through reflection, which
	// cost more than the query on long series.
	err = conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		rows, err := qc.QueryContext(ctx, q, args)
		if err != nil {
			return err
		}
		defer rows.Close()
		row := make([]driver.Value, 8)
		var ints [3]int64
		var nums [5]float64
		for {
			if err := rows.Next(row); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			for i := range ints {
				v, ok := row[i].(int64)
				if !ok {
					return fmt.Errorf("column %d is %T, want int64", i+1, row[i])
				}
				ints[i] = v
			}
			for i := range nums {
				v, ok := row[3+i].(float64)
				if !ok {
					return fmt.Errorf("column %d is %T, want float64", i+4, row[3+i])
				}
				nums[i] = v
			}
			ser.Date = append(ser.Date, data.Date(ints[0]))
			ser.OpenTime = append(ser.OpenTime, ints[1])
			ser.CloseTime = append(ser.CloseTime, ints[2])
			ser.Open = append(ser.Open, nums[0])
			ser.High = append(ser.High, nums[1])
			ser.Low = append(ser.Low, nums[2])
			ser.Close = append(ser.Close, nums[3])
			ser.Volume = append(ser.Volume, nums[4])
		}
	})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", sym, err)
	}
	return ser, nil
}

// InsertSeries stores a whole series (for example synthetic data) in one
// transaction, replacing every stored bar of its symbol. Open and close times
// are recomputed from the series' calendar. A source starting with
// "synthetic" marks the symbol synthetic, and Load then marks data sets
// containing it.
func (s *Store) InsertSeries(ctx context.Context, ser *data.Series, source string) error {
	if err := s.writable("insert series"); err != nil {
		return err
	}
	if ser == nil {
		return fmt.Errorf("insert series: nil series")
	}
	if err := CheckSymbol(ser.Symbol); err != nil {
		return fmt.Errorf("insert series: %w", err)
	}
	if ser.Calendar.IsZero() {
		return fmt.Errorf("insert series %s: no calendar", ser.Symbol)
	}
	n := ser.Len()
	for _, l := range []int{len(ser.Open), len(ser.High), len(ser.Low), len(ser.Close), len(ser.Volume)} {
		if l != n {
			return fmt.Errorf("insert series %s: columns have different lengths", ser.Symbol)
		}
	}
	if n == 0 {
		return fmt.Errorf("insert series %s: no bars", ser.Symbol)
	}
	if strings.TrimSpace(source) == "" {
		return fmt.Errorf("insert series %s: empty source label", ser.Symbol)
	}
	bars := make([]memBar, n)
	for i := 0; i < n; i++ {
		b := ser.BarAt(i)
		if i > 0 && b.Date <= ser.Date[i-1] {
			return fmt.Errorf("insert series %s: bar %d (%s) is not after %s", ser.Symbol, i, b.Date, ser.Date[i-1])
		}
		if b.Date < minDate || b.Date >= maxDate {
			return fmt.Errorf("insert series %s: bar %d: date %s is outside 1800-2199", ser.Symbol, i, b.Date)
		}
		for _, v := range []float64{b.Open, b.High, b.Low, b.Close} {
			if !(v > 0) || math.IsInf(v, 0) {
				return fmt.Errorf("insert series %s: bar %s has a non-positive or non-finite price", ser.Symbol, b.Date)
			}
		}
		if !(b.Volume >= 0) || math.IsInf(b.Volume, 0) {
			return fmt.Errorf("insert series %s: bar %s has a negative or non-finite volume", ser.Symbol, b.Date)
		}
		bars[i] = memBar{date: b.Date, open: b.Open, high: b.High, low: b.Low, close: b.Close, volume: b.Volume}
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("insert series %s: %w", ser.Symbol, err)
	}
	defer conn.Close()
	im, err := s.newImporter(ctx, conn, 0)
	if err != nil {
		return fmt.Errorf("insert series %s: %w", ser.Symbol, err)
	}
	defer im.close()
	sd := im.symbol(ser.Symbol, ser.Calendar, true)
	sd.fullCopy = true
	sd.synth = strings.HasPrefix(strings.ToLower(source), "synthetic")
	if _, err := im.addBars(ctx, ser.Symbol, source, false, bars, ""); err != nil {
		return err
	}
	return im.run(ctx, false)
}
