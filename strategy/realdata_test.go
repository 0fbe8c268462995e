package strategy

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/riskon/riskon/data"
)

// sharedRaw is where ../shared/data/raw sits relative to this package.
var sharedRaw = filepath.Join("..", "..", "shared", "data", "raw")

// loadRealForTest reads the real Russell 2000 (Yahoo) and BTC (Bitstamp/
// Coinbase) files with encoding/csv, so that this pure package's tests need
// no database. It skips the test with a clear message when ../shared is
// absent.
func loadRealForTest(tb testing.TB) *data.Dataset {
	tb.Helper()
	ds, err := loadReal(tb)
	if err != nil {
		tb.Skipf("real data not found (../shared beside the checkout): %v", err)
	}
	return ds
}

// loadReal reads the real files, or returns an error when they are absent.
func loadReal(tb testing.TB) (*data.Dataset, error) {
	rutPath := filepath.Join(sharedRaw, "alitalbi_storage_data_fy", "^RUT.csv")
	btcPath := filepath.Join(sharedRaw, "mathaszip_BTCprice", "BTCUSD_1d_candles_full.csv")
	if _, err := os.Stat(rutPath); err != nil {
		return nil, err
	}
	// ^RUT: Date,Close,High,Low,Open,Volume
	rut := readCSV(tb, rutPath, "RUT", data.NYSE(), func(r []string) (string, [5]string) {
		return r[0], [5]string{r[4], r[2], r[3], r[1], r[5]}
	})
	// mathaszip: timestamp,open,close,volume,unix_timestamp,high,low
	btc := readCSV(tb, btcPath, "BTC", data.Crypto24x7(), func(r []string) (string, [5]string) {
		return r[0][:10], [5]string{r[1], r[5], r[6], r[2], r[3]}
	})
	return data.NewDataset(rut, btc)
}

func readCSV(tb testing.TB, path, sym string, cal data.Calendar, pick func([]string) (string, [5]string)) *data.Series {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	s := &data.Series{Symbol: sym, Calendar: cal}
	for i, r := range rows[1:] {
		ds, v := pick(r)
		t, err := time.Parse("2006-01-02", ds)
		if err != nil {
			tb.Fatalf("%s line %d: %v", path, i+2, err)
		}
		var x [5]float64
		for k := range v {
			if x[k], err = strconv.ParseFloat(v[k], 64); err != nil {
				tb.Fatalf("%s line %d: %v", path, i+2, err)
			}
		}
		s.Append(data.Bar{Date: data.DateFromTime(t), Open: x[0], High: x[1], Low: x[2], Close: x[3], Volume: x[4]})
	}
	return s
}
