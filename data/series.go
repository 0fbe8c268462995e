package data

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
)

// Series is the daily bar history of one symbol in columnar form. Bar i spans
// [OpenTime[i], CloseTime[i]) in unix seconds UTC and is known only at
// CloseTime[i]. All slices have the same length and dates strictly increase.
type Series struct {
	Symbol    string
	Calendar  Calendar
	Source    string
	Date      []Date
	OpenTime  []int64
	CloseTime []int64
	Open      []float64
	High      []float64
	Low       []float64
	Close     []float64
	Volume    []float64
}

// Bar is one bar of a series, for building series and for tests. The engine
// never materialises Bars in its loop.
type Bar struct {
	Date                           Date
	Open, High, Low, Close, Volume float64
}

// NewSeries builds a series from bars, computing open and close times from the
// calendar. Bars must be in strictly increasing date order.
func NewSeries(symbol string, cal Calendar, bars []Bar) (*Series, error) {
	s := &Series{Symbol: symbol, Calendar: cal}
	s.grow(len(bars))
	for i, b := range bars {
		if i > 0 && b.Date <= bars[i-1].Date {
			return nil, fmt.Errorf("series %s: bar %d (%s) is not after %s", symbol, i, b.Date, bars[i-1].Date)
		}
		s.Append(b)
	}
	return s, nil
}

func (s *Series) grow(n int) {
	s.Date = make([]Date, 0, n)
	s.OpenTime = make([]int64, 0, n)
	s.CloseTime = make([]int64, 0, n)
	s.Open = make([]float64, 0, n)
	s.High = make([]float64, 0, n)
	s.Low = make([]float64, 0, n)
	s.Close = make([]float64, 0, n)
	s.Volume = make([]float64, 0, n)
}

// Append adds a bar at the end, computing its session times from the calendar.
func (s *Series) Append(b Bar) {
	o, c := s.Calendar.Session(b.Date)
	s.Date = append(s.Date, b.Date)
	s.OpenTime = append(s.OpenTime, o)
	s.CloseTime = append(s.CloseTime, c)
	s.Open = append(s.Open, b.Open)
	s.High = append(s.High, b.High)
	s.Low = append(s.Low, b.Low)
	s.Close = append(s.Close, b.Close)
	s.Volume = append(s.Volume, b.Volume)
}

// Len returns the number of bars.
func (s *Series) Len() int { return len(s.Date) }

// BarAt returns bar i.
func (s *Series) BarAt(i int) Bar {
	return Bar{Date: s.Date[i], Open: s.Open[i], High: s.High[i], Low: s.Low[i], Close: s.Close[i], Volume: s.Volume[i]}
}

// Slice returns bars [i, j) as a new series sharing the underlying arrays.
func (s *Series) Slice(i, j int) *Series {
	return &Series{
		Symbol: s.Symbol, Calendar: s.Calendar, Source: s.Source,
		Date: s.Date[i:j:j], OpenTime: s.OpenTime[i:j:j], CloseTime: s.CloseTime[i:j:j],
		Open: s.Open[i:j:j], High: s.High[i:j:j], Low: s.Low[i:j:j], Close: s.Close[i:j:j], Volume: s.Volume[i:j:j],
	}
}

// IndexOnOrAfter returns the index of the first bar whose date is >= d, or
// Len() if there is none.
func (s *Series) IndexOnOrAfter(d Date) int {
	return sort.Search(len(s.Date), func(i int) bool { return s.Date[i] >= d })
}

// Truncate returns the bars that have closed at or before the unix second t.
func (s *Series) Truncate(t int64) *Series {
	n := sort.Search(len(s.CloseTime), func(i int) bool { return s.CloseTime[i] > t })
	return s.Slice(0, n)
}

// Dataset is the set of series a run needs, loaded once and shared read-only
// by every trial. Series are kept sorted by symbol so that replay order and
// fingerprints do not depend on load order.
type Dataset struct {
	Series []*Series
	// Synthetic marks data made by the generator rather than real prices.
	Synthetic bool
}

// NewDataset builds a data set, sorting the series by symbol. Duplicate
// symbols are an error.
func NewDataset(series ...*Series) (*Dataset, error) {
	ss := append([]*Series(nil), series...)
	sort.Slice(ss, func(i, j int) bool { return ss[i].Symbol < ss[j].Symbol })
	for i := 1; i < len(ss); i++ {
		if ss[i].Symbol == ss[i-1].Symbol {
			return nil, fmt.Errorf("dataset: symbol %s appears twice", ss[i].Symbol)
		}
	}
	return &Dataset{Series: ss}, nil
}

// Index returns the position of symbol in Series, or -1.
func (d *Dataset) Index(symbol string) int {
	for i, s := range d.Series {
		if s.Symbol == symbol {
			return i
		}
	}
	return -1
}

// Get returns the series of symbol, or nil.
func (d *Dataset) Get(symbol string) *Series {
	if i := d.Index(symbol); i >= 0 {
		return d.Series[i]
	}
	return nil
}

// Symbols lists the symbols in order.
func (d *Dataset) Symbols() []string {
	out := make([]string, len(d.Series))
	for i, s := range d.Series {
		out[i] = s.Symbol
	}
	return out
}

// Truncate returns the data set as it was known at unix second t: every
// series cut to the bars closed at or before t.
func (d *Dataset) Truncate(t int64) *Dataset {
	out := &Dataset{Synthetic: d.Synthetic, Series: make([]*Series, len(d.Series))}
	for i, s := range d.Series {
		out.Series[i] = s.Truncate(t)
	}
	return out
}

// Fingerprint is the SHA-256 (hex) of every bar of every series in symbol
// order: symbol, calendar, dates and OHLCV as IEEE-754 bits. Two data sets with
// the same fingerprint replay identically.
func (d *Dataset) Fingerprint() string {
	h := sha256.New()
	// The bytes go to the hash through a buffer: a write per value cost
	// more than the hashing on long series.
	buf := make([]byte, 0, 48*128)
	flush := func() {
		h.Write(buf)
		buf = buf[:0]
	}
	for _, s := range d.Series {
		buf = append(buf, s.Symbol...)
		buf = append(buf, 0)
		buf = append(buf, s.Calendar.Name()...)
		buf = append(buf, 0)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(s.Len()))
		flush()
		for i := range s.Date {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(s.Date[i]))
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(s.Open[i]))
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(s.High[i]))
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(s.Low[i]))
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(s.Close[i]))
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(s.Volume[i]))
			if len(buf) == cap(buf) {
				flush()
			}
		}
		flush()
	}
	return hex.EncodeToString(h.Sum(nil))
}
