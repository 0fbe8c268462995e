package sweep

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/riskon/riskon/data"
)

// sharedRaw is ../shared/data/raw beside the checkout, seen from this package.
var sharedRaw = filepath.Join("..", "..", "..", "shared", "data", "raw")

var (
	realOnce sync.Once
	realDS   *data.Dataset
	realErr  error
)

// testData returns the real Russell 2000 and BTC daily bars (read with
// encoding/csv, so this pure package's tests need no database) and true, or,
// when ../shared is absent, the seeded synthetic data set of the same shape
// and false. Either way the data are loaded once per test binary.
func testData(tb testing.TB) (*data.Dataset, bool) {
	tb.Helper()
	realOnce.Do(func() { realDS, realErr = loadReal() })
	if realErr == nil {
		return realDS, true
	}
	tb.Logf("real data not found (../shared beside the checkout: %v): using synthetic data", realErr)
	o := data.DefaultSynthetic(7)
	o.Symbols = o.Symbols[:3] // RUT, BTC, ETH
	ds, err := data.Synthetic(o)
	if err != nil {
		tb.Fatal(err)
	}
	return ds, false
}

func loadReal() (*data.Dataset, error) {
	rutPath := filepath.Join(sharedRaw, "alitalbi_storage_data_fy", "^RUT.csv")
	btcPath := filepath.Join(sharedRaw, "mathaszip_BTCprice", "BTCUSD_1d_candles_full.csv")
	// ^RUT: Date,Close,High,Low,Open,Volume
	rut, err := readCSV(rutPath, "RUT", data.NYSE(), func(r []string) (string, [5]string) {
		return r[0], [5]string{r[4], r[2], r[3], r[1], r[5]}
	})
	if err != nil {
		return nil, err
	}
	// mathaszip: timestamp,open,close,volume,unix_timestamp,high,low
	btc, err := readCSV(btcPath, "BTC", data.Crypto24x7(), func(r []string) (string, [5]string) {
		return r[0][:10], [5]string{r[1], r[5], r[6], r[2], r[3]}
	})
	if err != nil {
		return nil, err
	}
	return data.NewDataset(rut, btc)
}

func readCSV(path, sym string, cal data.Calendar, pick func([]string) (string, [5]string)) (*data.Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	s := &data.Series{Symbol: sym, Calendar: cal}
	for _, r := range rows[1:] {
		ds, v := pick(r)
		t, err := time.Parse("2006-01-02", ds)
		if err != nil {
			return nil, err
		}
		var x [5]float64
		for k := range v {
			if x[k], err = strconv.ParseFloat(v[k], 64); err != nil {
				return nil, err
			}
		}
		s.Append(data.Bar{Date: data.DateFromTime(t), Open: x[0], High: x[1], Low: x[2], Close: x[3], Volume: x[4]})
	}
	return s, nil
}
