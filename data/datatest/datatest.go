// Package datatest gives tests the real daily prices in ../shared/data/raw
// (beside the module's checkout) without a database: the Russell 2000 and
// BTC files read with encoding/csv. The files are never copied into the
// repository; tests skip when they are absent.
package datatest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/riskon/riskon/data"
)

// RawDir returns the shared raw-data folder: ../shared/data/raw beside the
// module root, found by walking up from the working directory to go.mod.
func RawDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			raw := filepath.Join(dir, "..", "shared", "data", "raw")
			if _, err := os.Stat(raw); err != nil {
				return "", fmt.Errorf("real data not found at %s (../shared beside the checkout): %w", raw, err)
			}
			return raw, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("real data not found: no go.mod above the working directory")
		}
		dir = parent
	}
}

// RealRUTBTC reads the Russell 2000 (Yahoo, 1987-) as RUT on the NYSE
// calendar and BTC (Bitstamp to 2015, Coinbase after; 2011-) as BTC every
// day.
func RealRUTBTC() (*data.Dataset, error) {
	raw, err := RawDir()
	if err != nil {
		return nil, err
	}
	// ^RUT: Date,Close,High,Low,Open,Volume
	rut, err := readCSV(filepath.Join(raw, "alitalbi_storage_data_fy", "^RUT.csv"), "RUT", data.NYSE(), func(r []string) (string, [5]string) {
		return r[0], [5]string{r[4], r[2], r[3], r[1], r[5]}
	})
	if err != nil {
		return nil, err
	}
	// mathaszip: timestamp,open,close,volume,unix_timestamp,high,low
	btc, err := readCSV(filepath.Join(raw, "mathaszip_BTCprice", "BTCUSD_1d_candles_full.csv"), "BTC", data.Crypto24x7(), func(r []string) (string, [5]string) {
		return r[0][:10], [5]string{r[1], r[5], r[6], r[2], r[3]}
	})
	if err != nil {
		return nil, err
	}
	return data.NewDataset(rut, btc)
}

// readCSV reads a daily file; pick returns a row's date and its open, high,
// low, close and volume fields.
func readCSV(path, sym string, cal data.Calendar, pick func([]string) (string, [5]string)) (*data.Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no data rows", path)
	}
	s := &data.Series{Symbol: sym, Calendar: cal}
	for i, r := range rows[1:] {
		ds, v := pick(r)
		day, err := time.Parse("2006-01-02", ds)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, i+2, err)
		}
		var x [5]float64
		for k := range v {
			if x[k], err = strconv.ParseFloat(v[k], 64); err != nil {
				return nil, fmt.Errorf("%s line %d: %w", path, i+2, err)
			}
		}
		s.Append(data.Bar{Date: data.DateFromTime(day), Open: x[0], High: x[1], Low: x[2], Close: x[3], Volume: x[4]})
	}
	return s, nil
}
