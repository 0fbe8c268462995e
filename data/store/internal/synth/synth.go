// Package synth writes synthetic long-format daily-bar CSV files for the
// import benchmarks and the large-file tests of data/store. Everything it
// writes is generated from a seed; nothing is real data.
package synth

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// LongOptions configure WriteLong.
type LongOptions struct {
	Symbols   int    // number of symbols (S00000, S00001, ...)
	Days      int    // consecutive days per symbol, from Start
	Start     string // first date, YYYY-MM-DD (default 2015-01-01)
	Seed      uint64 // random seed
	DateMajor bool   // order rows by date then symbol (default: symbol then date)
	// Pad appends a filler column of this many bytes to every row (a
	// "note" column the import ignores), to reach a file size with fewer rows.
	Pad int
}

// Header returns the header line WriteLong writes (without newline).
func (o LongOptions) Header() string {
	if o.Pad > 0 {
		return "symbol,date,open,high,low,close,volume,note"
	}
	return "symbol,date,open,high,low,close,volume"
}

// WriteLong writes symbol,date,open,high,low,close,volume rows: a seeded
// random walk per symbol (daily moves within +-4%, pulled towards 50), high
// and low bracketing open and close, volumes positive. It returns the number
// of data rows.
func WriteLong(w io.Writer, o LongOptions) (int, error) {
	if o.Symbols <= 0 || o.Days <= 0 {
		return 0, fmt.Errorf("synth: need at least one symbol and one day (got %d, %d)", o.Symbols, o.Days)
	}
	start := o.Start
	if start == "" {
		start = "2015-01-01"
	}
	t0, err := time.Parse("2006-01-02", start)
	if err != nil {
		return 0, fmt.Errorf("synth: start %q: %w", start, err)
	}
	dates := make([][]byte, o.Days)
	for d := range dates {
		dates[d] = []byte(t0.AddDate(0, 0, d).Format("2006-01-02"))
	}
	pad := make([]byte, o.Pad)
	for i := range pad {
		pad[i] = 'x'
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	price := make([]float64, o.Symbols)
	for s := range price {
		price[s] = 10 + 90*rng.Float64()
	}
	buf := make([]byte, 0, 256)
	n := 0
	row := func(s, d int) error {
		open := price[s]
		// A log-symmetric move within +-4%, pulled gently towards 50 so
		// that long series neither vanish nor explode.
		cl := open * math.Exp((rng.Float64()-0.5)*0.08+0.002*math.Log(50/open))
		hi := math.Max(open, cl) * (1 + 0.01*rng.Float64() + 0.0005)
		lo := math.Min(open, cl) * (1 - 0.01*rng.Float64() - 0.0005)
		price[s] = cl
		buf = buf[:0]
		buf = append(buf, 'S')
		buf = appendPadded(buf, s, 5)
		buf = append(buf, ',')
		buf = append(buf, dates[d]...)
		for _, v := range [4]float64{open, hi, lo, cl} {
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, v, 'f', 4, 64)
		}
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, 1000+rng.Int64N(1_000_000), 10)
		if o.Pad > 0 {
			buf = append(buf, ',')
			buf = append(buf, pad...)
		}
		buf = append(buf, '\n')
		n++
		_, err := w.Write(buf)
		return err
	}
	if _, err := io.WriteString(w, o.Header()+"\n"); err != nil {
		return 0, err
	}
	if o.DateMajor {
		for d := 0; d < o.Days; d++ {
			for s := 0; s < o.Symbols; s++ {
				if err := row(s, d); err != nil {
					return n, err
				}
			}
		}
		return n, nil
	}
	for s := 0; s < o.Symbols; s++ {
		for d := 0; d < o.Days; d++ {
			if err := row(s, d); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func appendPadded(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
