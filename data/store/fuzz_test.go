package store

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
)

// fuzzSeeds are CSV files of every layout riskon reads: the header lines of
// the real files under ../shared/data/raw (see its MANIFEST.md) and common
// exports, each with rows written here (never copied from the data), plus
// broken variants.
func fuzzSeeds() []string {
	ok := []string{
		// yahoo (xjcarter)
		"Date,Open,High,Low,Close,Adj Close,Volume\n2000-05-26,45.53,45.71,45.31,45.71,34.40,74800.0\n2000-05-30,45.71,46.0,45.5,45.9,34.5,81000\n",
		// yfinance auto_adjust (alitalbi)
		"Date,Close,High,Low,Open,Volume\n1987-09-10,168.97,168.98,167.44,167.44,179800000\n1987-09-11,170.1,170.5,168.9,169.0,150000000\n",
		// yfinance raw (maaurocp yf_SPY)
		"Date,Adj Close,Capital Gains,Close,Dividends,High,Low,Open,Stock Splits,Volume\n1993-01-29,24.24,0.0,43.93,0.0,43.96,43.75,43.96,0.0,1003200\n1993-02-01,24.4,0.0,44.25,0.0,44.25,43.96,43.96,0.0,480500\n",
		// yfinance multi-index header
		"Price,Close,High,Low,Open,Volume\nTicker,SPY,SPY,SPY,SPY,SPY\nDate,,,,,\n2021-11-08,468.93,470.23,467.2,469.7,50405200\n2021-11-09,466.9,469.5,465.0,469.0,51000000\n",
		// stooq
		"<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>\n^RUT,D,20211108,000000,2440,2450,2430,2442.74,0,0\n^RUT,D,20211109,000000,2442,2448,2420,2425.1,0,0\n",
		// mathaszip
		"timestamp,open,close,volume,unix_timestamp,high,low\n2011-08-18 00:00:00,10.9,10.9,0.48,1313625600,10.9,10.9\n2011-08-19 00:00:00,10.9,11.85,1.2,1313712000,11.85,10.9\n",
		// binance with dates and with unix ms (yanniedog)
		"timestamp,open,high,low,close,volume\n2017-08-17,4261.48,4485.39,4200.74,4285.08,795.15\n2017-08-18,4285.08,4371.52,3938.77,4108.37,1199.88\n",
		"timestamp,open,high,low,close,volume\n1502928000000,4261.48,4485.39,4200.74,4285.08,795.15\n1503014400000,4285.08,4371.52,3938.77,4108.37,1199.88\n",
		// binance klines without header (ms and us)
		"1502928000000,4261.48,4485.39,4200.74,4285.08,795.15,1503014399999,3454770.05,3427,616.24,2678216.40,0\n1503014400000,4285.08,4371.52,3938.77,4108.37,1199.88,1503100799999,5086958.30,5233,972.86,4129123.31,0\n",
		"1735689600000000,93576.0,95151.15,92888.0,94591.79,10373.3,1735775999999999,9.7e8,1000,5000.1,4.7e8,0\n",
		// kraken with and without header (templar)
		"time,open,high,low,close,volume,trades\n1381017600,122.0,122.0,122.0,122.0,0.1,1\n1381104000,123.6,123.6,123.6,123.6,0.1,1\n",
		"1381017600,122.0,122.0,122.0,122.0,0.1,1\n1381104000,123.6,123.6,123.6,123.6,0.1,1\n",
		// aipriceaction (ticker column: a long file without --symbol)
		"ticker,time,open,high,low,close,volume,ma10,ma20,ma50,ma100,ma200,ma10_score,ma20_score,ma50_score,ma100_score,ma200_score,close_changed,volume_changed,total_money_changed\nBTC,2010-07-17,0.0495,0.0495,0.0495,0.0495,20,,,,,,,,,,,,,\nBTC,2010-07-18,0.0495,0.0858,0.0495,0.0858,75,,,,,,,,,,,,,\n",
		// cryptocompare
		"time,high,low,open,volumefrom,volumeto,close\n1279324800,0.0495,0.0495,0.0495,20,0.99,0.0495\n1279411200,0.0858,0.0495,0.0495,75,5.09,0.0858\n",
		// cmc (kaggle)
		"SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap\n1,Bitcoin,BTC,2013-04-29 23:59:59,147.48,134.0,134.44,144.53,0.0,1603768864.5\n2,Bitcoin,BTC,2013-04-30 23:59:59,146.93,134.05,144.0,139.0,0.0,1542813125.0\n",
		// cmc website export (semicolons)
		"timeOpen;timeClose;timeHigh;timeLow;name;open;high;low;close;volume;marketCap;timestamp\n\"2024-01-01T00:00:00.000Z\";\"2024-01-01T23:59:59.999Z\";\"2024-01-01T21:00:00.000Z\";\"2024-01-01T00:00:00.000Z\";\"2781\";42280.23;44175.43;42214.97;44167.33;18426978443.99;865150140230.7;\"2024-01-01T23:59:59.999Z\"\n",
		// coingecko coin and global (alancrespo)
		"snapped_at,price,market_cap,total_volume\n2013-04-28 00:00:00 UTC,135.3,1500520521.0,0.0\n2013-04-29 00:00:00 UTC,141.96,1575032004.0,0.0\n",
		"Date,value\n2018-01-01,37.38\n2018-01-02,36.1\n",
		// fred
		"date,DFF\n1990-01-01,7.97\n1990-01-02,8.25\n",
		"observation_date,FEDFUNDS\n1990-01-01,8.23\n1990-02-01,8.24\n",
		// typedcypher (newest first)
		"Date,BTC_USD,BTC_EUR,BTC_GBP\n2026-08-22,78293.71,67387.4,58331.16\n2026-08-21,78000.0,67000.0,58000.0\n",
		// generic, shuffled, tab and pipe delimited, single price
		"date,open,high,low,close,volume\n2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1.5,2,1,1.8,10\n",
		"Close,Low,High,Open,Day\n1.5,0.5,2,1,2020-01-01\n1.8,1,2,1.5,2020-01-02\n",
		"date\topen\thigh\tlow\tclose\n2020-01-01\t1\t2\t0.5\t1.5\n",
		"date|price\n2020-01-01|1.5\n2020-01-02|1.6\n",
		"2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1.5,2,1,1.8,10\n",
		// long files
		"symbol,date,open,high,low,close,volume\nA,2021-01-01,1,2,0.5,1.5,10\nB,2021-01-01,5,6,4,5.5,1\nA,2021-01-02,1.5,2,1,1.8,10\n",
		"symbol,date,close\n\"'; DROP TABLE bars; --\",2021-01-01,1\n\"日本\",2021-01-01,2\n",
	}
	broken := []string{
		"",
		"\n\n",
		"date,close\n",
		"date,open,high,low,close\n2020-01-01,1,2,0.5,1.5,9\n",      // too many fields
		"date,open,high,low,close\n2020-01-01,1,2\n",                // too few
		"date,close\n2020-13-45,1\n",                                // bad date
		"date,close\n2020-01-01,-1\n2020-01-02,0\n2020-01-03,NaN\n", // bad prices
		"date,close\n2020-01-01,1\n2020-01-01,2\n",                  // duplicate
		"date,close\n2020-01-01,\"1\n2020-01-02,2\n",                // open quote
		"date,close\n2020-01-01,1e400\n2020-01-02,inf\n",            // not finite
		"time,open,high,low,close,volume,trades\n99999999999999999999,1,1,1,1,1,1\n",
		"date,close\n1500-01-01,1\n",                               // out of range
		"\ufeffDate,Close\r\n2020-01-01,1\r\n\r\n2020-01-02,2\r\n", // BOM, CRLF, blank line
		"date,close\n2020-01-01,\xff\xfe\n",                        // invalid UTF-8
		// Invalid UTF-8 in a column DuckDB reads at another position made
		// its reader fail with an internal error that invalidated the whole
		// database (found by this fuzzer); now refused before DuckDB reads.
		"Date,Adj Close,Capital Gains,Close,Dividends,High,Low,Open,Stock Splits,Volume\n1993-01-29,24.24,0.0,43.93,0.0,43.96,43\x05\xda.75,43.96,0.0,1003200\n",
		"symbol,date,close\n,2020-01-01,1\n\tX,2020-01-02,1\n",     // missing and bad symbols
		"date,open,high,low,close,volume\n2020-01-01,2,1,3,1,-5\n", // OHLC and negative volume
		"date,close\n2020-01-01,1\n2020-01-20,100\n",               // gap and jump
	}
	return append(ok, broken...)
}

// FuzzImport feeds arbitrary CSV bytes through the whole import into a
// DuckDB database: it must never panic nor leave the database unusable; it
// either refuses the file with an error naming it and leaves the database
// unchanged, or imports bars with positive finite prices and strictly
// increasing dates, as many as it reports.
func FuzzImport(f *testing.F) {
	for i, s := range fuzzSeeds() {
		f.Add([]byte(s), uint8(i%16))
	}
	ctx := context.Background()
	st, err := OpenMemory(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	base, err := data.NewSeries("BASE", data.Crypto24x7(), []data.Bar{{Date: data.DateOf(2020, 1, 1), Open: 1, High: 2, Low: 0.5, Close: 1.5}})
	if err != nil {
		f.Fatal(err)
	}
	if err := st.InsertSeries(ctx, base, "fuzz base"); err != nil {
		f.Fatal(err)
	}
	baseState := fuzzState(f, st)
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, content []byte, mode uint8) {
		n++
		path := filepath.Join(dir, fmt.Sprintf("in%d.csv", n))
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(path)
		opts := ImportOptions{Strict: mode&1 != 0, Replace: mode&2 != 0}
		if mode&4 != 0 {
			opts.Calendar = "nyse"
		}
		if mode&8 == 0 {
			opts.Symbol = "F"
		}
		before := fuzzState(t, st)
		reps, err := st.ImportAll(ctx, []string{path}, opts)
		defer func() {
			os.Remove(path)
			runtime.GC()
			var one int
			if herr := st.DB().QueryRowContext(ctx, `SELECT 1`).Scan(&one); herr != nil {
				t.Fatalf("the database is unusable after this input (import error: %v): %v", err, herr)
			}
		}()
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "INTERNAL Error") || strings.Contains(msg, "FATAL Error") {
				t.Fatalf("DuckDB internal error (it invalidates the database): %v", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file %s: %v", path, err)
			}
			if after := fuzzState(t, st); after != before {
				t.Fatalf("a refused import changed the database: %s -> %s (%v)", before, after, err)
			}
			return
		}
		if len(reps) == 0 {
			t.Fatal("an import without error and without reports")
		}
		for _, r := range reps {
			checkImported(t, st, r)
		}
		// Back to the base state for the next input.
		if _, err := st.DB().ExecContext(ctx, `DELETE FROM bars WHERE symbol <> 'BASE'`); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().ExecContext(ctx, `DELETE FROM symbols WHERE symbol <> 'BASE'`); err != nil {
			t.Fatal(err)
		}
		if fuzzState(t, st) != baseState {
			if err := st.InsertSeries(ctx, base, "fuzz base"); err != nil {
				t.Fatal(err)
			}
			if got := fuzzState(t, st); got != baseState {
				t.Fatalf("cannot restore the base state: %s, want %s", got, baseState)
			}
		}
	})
}

// fuzzState summarises the bars and symbols tables.
func fuzzState(t testing.TB, s *Store) string {
	t.Helper()
	var nb, ns int
	var hb, hs string
	err := s.DB().QueryRowContext(context.Background(), `SELECT count(*), coalesce(CAST(sum(hash(symbol, date, open_time, close_time, open, high, low, close, volume, source)) AS VARCHAR), '')
		FROM bars`).Scan(&nb, &hb)
	if err != nil {
		t.Fatal(err)
	}
	err = s.DB().QueryRowContext(context.Background(), `SELECT count(*), coalesce(CAST(sum(hash(symbol, calendar, source, first_date, last_date, bars, synthetic)) AS VARCHAR), '')
		FROM symbols`).Scan(&ns, &hs)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d bars %s, %d symbols %s", nb, hb, ns, hs)
}

// checkImported checks the stored bars of one imported symbol.
func checkImported(t *testing.T, s *Store, r ImportReport) {
	t.Helper()
	if err := CheckSymbol(r.Symbol); err != nil {
		t.Fatalf("imported an invalid symbol: %v", err)
	}
	ds, err := s.Load(context.Background(), []string{r.Symbol})
	if err != nil {
		t.Fatalf("load %s: %v", quoteSymbol(r.Symbol), err)
	}
	ser := ds.Get(r.Symbol)
	if r.Symbol == "BASE" {
		return // merged with the base bar
	}
	if ser.Len() != r.Rows || r.Rows == 0 || r.Inserted+r.Updated+r.Unchanged != r.Rows {
		t.Fatalf("%s: %d bars stored, report %+v", quoteSymbol(r.Symbol), ser.Len(), r)
	}
	for i := 0; i < ser.Len(); i++ {
		for _, v := range []float64{ser.Open[i], ser.High[i], ser.Low[i], ser.Close[i]} {
			if !(v > 0) || math.IsInf(v, 0) {
				t.Fatalf("%s bar %d: price %v", r.Symbol, i, v)
			}
		}
		if !(ser.Volume[i] >= 0) || math.IsInf(ser.Volume[i], 0) {
			t.Fatalf("%s bar %d: volume %v", r.Symbol, i, ser.Volume[i])
		}
		if ser.Date[i] < minDate || ser.Date[i] >= maxDate {
			t.Fatalf("%s bar %d: date %s", r.Symbol, i, ser.Date[i])
		}
		if i > 0 && ser.Date[i] <= ser.Date[i-1] {
			t.Fatalf("%s: dates not increasing at bar %d: %s after %s", r.Symbol, i, ser.Date[i], ser.Date[i-1])
		}
		if ser.CloseTime[i] <= ser.OpenTime[i] {
			t.Fatalf("%s bar %d: session %d..%d", r.Symbol, i, ser.OpenTime[i], ser.CloseTime[i])
		}
	}
	if r.First != ser.Date[0] || r.Last != ser.Date[ser.Len()-1] {
		t.Fatalf("%s: report range %s..%s, stored %s..%s", r.Symbol, r.First, r.Last, ser.Date[0], ser.Date[ser.Len()-1])
	}
}
