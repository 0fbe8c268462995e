package store

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riskon/riskon/data"
)

// rawRoot is the shared real data, beside the repository root.
var rawRoot = filepath.Join("..", "..", "..", "shared", "data", "raw")

func needRaw(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(rawRoot, "MANIFEST.md")); err != nil {
		t.Skipf("real data not found at %s (needs a checkout with ../shared beside the repository root): %v", rawRoot, err)
	}
}

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "riskon.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func closeOn(t *testing.T, s *Store, sym string, d data.Date) float64 {
	t.Helper()
	ds, err := s.Load(context.Background(), []string{sym})
	if err != nil {
		t.Fatal(err)
	}
	ser := ds.Get(sym)
	i := ser.IndexOnOrAfter(d)
	if i >= ser.Len() || ser.Date[i] != d {
		t.Fatalf("%s has no bar on %s", sym, d)
	}
	return ser.Close[i]
}

func date(s string) data.Date {
	d, err := data.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestImportEveryRawFile imports every CSV under ../shared/data/raw with
// format auto, each as its own symbol in one database, and checks the row
// counts, ranges and data quirks the MANIFEST reports.
func TestImportEveryRawFile(t *testing.T) {
	t.Parallel()
	needRaw(t)
	s := openTemp(t)
	ctx := context.Background()
	var files []string
	err := filepath.Walk(rawRoot, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".csv") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) != 53 {
		t.Fatalf("found %d CSV files, MANIFEST lists 53", len(files))
	}
	equity := func(p string) bool {
		return strings.Contains(p, "alitalbi") || strings.Contains(p, "xjcarter") || strings.HasSuffix(p, "yf_SPY.csv")
	}
	reports := map[string]*ImportReport{}
	var failed []string
	t.Logf("%-62s %-15s %6s %-10s %-10s %s", "file", "format", "rows", "first", "last", "warnings")
	for i, p := range files {
		rel, _ := filepath.Rel(rawRoot, p)
		cal := "24x7"
		if equity(p) {
			cal = "nyse"
		}
		rep, err := s.Import(ctx, []string{p}, ImportOptions{Symbol: fmt.Sprintf("F%02d", i), Calendar: cal})
		if err != nil {
			failed = append(failed, rel)
			t.Logf("%-62s FAILED: %v", rel, err)
			continue
		}
		reports[filepath.ToSlash(rel)] = rep
		var ws []string
		for _, w := range rep.Warnings {
			ws = append(ws, fmt.Sprintf("%s=%d", w.Kind, w.Count))
		}
		t.Logf("%-62s %-15s %6d %s %s %s", rel, rep.Files[0].Format, rep.Rows, rep.First, rep.Last, strings.Join(ws, " "))
	}
	// Expected: every file imports (the MANIFEST finds no duplicate dates,
	// no empty closes and no non-positive prices in any of them).
	if len(failed) != 0 {
		t.Errorf("files that failed to import: %v, want none", failed)
	}

	// Rows and ranges from the MANIFEST tables.
	want := []struct {
		file        string
		rows        int
		first, last string
	}{
		{"alitalbi_storage_data_fy/^RUT.csv", 9686, "1987-09-10", "2026-02-23"},
		{"alitalbi_storage_data_fy/IWM.csv", 6473, "2000-05-26", "2026-02-23"},
		{"xjcarter_data/IWM.csv", 5658, "2000-05-26", "2022-11-18"},
		{"maaurocp_fred/yf_SPY.csv", 8314, "1993-01-29", "2026-02-09"},
		{"mathaszip_BTCprice/BTCUSD_1d_candles_full.csv", 5152, "2011-08-18", "2025-09-24"},
		{"quanhua92_aipriceaction/crypto_data/BTC/1D.csv", 5628, "2010-07-17", "2025-12-18"},
		{"typedcypher_historical-bitcoin-prices/daily_bitcoin_prices.csv", 5348, "2012-01-01", "2026-08-22"},
		{"templar_kraken/BTCUSD_Daily_OHLC.csv", 3727, "2013-10-06", "2023-12-31"},
		{"templar_kraken/ETHUSD_1440.csv", 3154, "2015-08-07", "2024-03-31"},
		{"yanniedog_binance/BTCUSDT_1d.csv", 3065, "2017-08-17", "2026-01-06"},
		{"yanniedog_binance/MATICUSDT_1d.csv", 1965, "2019-04-26", "2024-09-10"},
		{"kaggle_cmc_oodayeshukla/coin_Bitcoin.csv", 2991, "2013-04-29", "2021-07-06"},
		{"coingecko_global_alancrespo/btc_dominance.csv", 2784, "2018-01-01", "2025-08-15"},
		{"maaurocp_fred/fred_DFF.csv", 13186, "1990-01-01", "2026-02-06"},
		{"maaurocp_fred/fred_FEDFUNDS.csv", 433, "1990-01-01", "2026-01-01"},
	}
	for _, w := range want {
		rep := reports[w.file]
		if rep == nil {
			t.Errorf("%s: no report", w.file)
			continue
		}
		if rep.Rows != w.rows || rep.First != date(w.first) || rep.Last != date(w.last) {
			t.Errorf("%s: %d rows %s..%s, MANIFEST says %d rows %s..%s", w.file, rep.Rows, rep.First, rep.Last, w.rows, w.first, w.last)
		}
	}
	// Quirks from the MANIFEST.
	quirks := []struct {
		file, kind string
		count      int
	}{
		{"alitalbi_storage_data_fy/^VIX.csv", "flat", 508},            // 508 early rows have flat OHLC
		{"mathaszip_BTCprice/BTCUSD_1d_candles_full.csv", "flat", 39}, // 39 flat rows
		{"mathaszip_BTCprice/BTCUSD_1d_candles_full.csv", "gap", 0},   // 0 missing days
		{"templar_kraken/BTCUSD_Daily_OHLC.csv", "flat", 20},          // 20 flat rows
		{"quanhua92_aipriceaction/crypto_data/BTC/1D.csv", "ohlc", 32},
		{"alitalbi_storage_data_fy/RTY=F.csv", "ohlc", 2},
		{"alitalbi_storage_data_fy/QQQ.csv", "ohlc", 1},
		{"alitalbi_storage_data_fy/^DJI.csv", "ohlc", 1},
		{"alitalbi_storage_data_fy/^RUT.csv", "ohlc", 0},             // consistent on every row
		{"templar_kraken/ETHUSD_1440.csv", "gap", 5},                 // 6 missing days in 5 runs
		{"templar_kraken/LTCUSD_1440.csv", "gap", 88},                // 88 gaps
		{"templar_kraken/XRPUSD_1440.csv", "gap", 2},                 // 2018-01-12; 2022-05-11..12
		{"quanhua92_aipriceaction/crypto_data/BTC/1D.csv", "gap", 1}, // 2011-06-20..25
		{"typedcypher_historical-bitcoin-prices/daily_bitcoin_prices.csv", "gap", 0},
		{"yanniedog_binance/SOLUSDT_1d.csv", "gap", 0},
	}
	for _, q := range quirks {
		rep := reports[q.file]
		if rep == nil {
			continue
		}
		if got := rep.WarningCount(q.kind); got != q.count {
			t.Errorf("%s: %d %s warnings, MANIFEST implies %d", q.file, got, q.kind, q.count)
		}
	}
	if rep := reports["typedcypher_historical-bitcoin-prices/daily_bitcoin_prices.csv"]; rep != nil {
		if rep.Files[0].Order != "descending" || rep.Files[0].LagDays != 1 {
			t.Errorf("typedcypher: order %q lag %d, want descending and 1", rep.Files[0].Order, rep.Files[0].LagDays)
		}
	}

	// Sanity closes from MANIFEST section 6.
	nov8 := date("2021-11-08")
	checks := []struct {
		file string
		d    data.Date
		want float64
		tol  float64
	}{
		{"alitalbi_storage_data_fy/^RUT.csv", nov8, 2442.74, 0.01},
		{"xjcarter_data/^RUT.csv", nov8, 2442.74, 0.01},
		{"alitalbi_storage_data_fy/^RUT.csv", date("2020-03-18"), 991.16, 0.01},
		{"alitalbi_storage_data_fy/^RUT.csv", date("2026-01-22"), 2718.77, 0.01},
		{"alitalbi_storage_data_fy/IWM.csv", nov8, 230.99, 0.01}, // adjusted
		{"maaurocp_fred/yf_SPY.csv", nov8, 468.93, 0.01},         // raw close, not Adj Close
		{"mathaszip_BTCprice/BTCUSD_1d_candles_full.csv", nov8, 67555, 1},
		{"yanniedog_binance/BTCUSDT_1d.csv", nov8, 67526, 1},
		{"templar_kraken/BTCUSD_Daily_OHLC.csv", nov8, 67560, 1},
		{"quanhua92_aipriceaction/crypto_data/BTC/1D.csv", nov8, 67549, 1},
		{"typedcypher_historical-bitcoin-prices/daily_bitcoin_prices.csv", nov8, 63428.5, 0.01},
		{"yanniedog_binance/ETHUSDT_1d.csv", nov8, 4807.98, 0.01},
		{"templar_kraken/ETHUSD_1440.csv", date("2016-06-17"), 15.35, 0.01},
		{"kaggle_cmc_oodayeshukla/coin_Ethereum.csv", date("2016-06-17"), 15.38, 0.01},
		{"yanniedog_binance/SOLUSDT_1d.csv", date("2021-11-06"), 258.44, 0.01},
		{"templar_kraken/SOLUSD_1440.csv", date("2021-11-06"), 258.67, 0.01},
		{"yanniedog_binance/DOGEUSDT_1d.csv", date("2021-05-08"), 0.637, 0.001},
		{"coingecko_global_alancrespo/btc_dominance.csv", nov8, 40.54, 0.01},
		{"maaurocp_fred/fred_DFF.csv", date("2024-12-19"), 4.33, 0.001},
	}
	symOf := map[string]string{}
	for i, p := range files {
		rel, _ := filepath.Rel(rawRoot, p)
		symOf[filepath.ToSlash(rel)] = fmt.Sprintf("F%02d", i)
	}
	for _, c := range checks {
		if got := closeOn(t, s, symOf[c.file], c.d); math.Abs(got-c.want) > c.tol {
			t.Errorf("%s close on %s = %v, MANIFEST says %v", c.file, c.d, got, c.want)
		}
	}
}

// TestCatalog builds configs/data/shared.yaml and checks the splice and the
// MANIFEST's sanity closes.
func TestCatalog(t *testing.T) {
	t.Parallel()
	needRaw(t)
	s := openTemp(t)
	ctx := context.Background()
	catPath := filepath.Join("..", "..", "configs", "data", "shared.yaml")
	cat, err := ReadCatalog(catPath)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	reps, err := s.ImportCatalog(ctx, catPath, CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("catalog of %d symbols imported in %s", len(reps), time.Since(start).Round(time.Millisecond))
	if len(reps) != len(cat.Symbols) {
		t.Fatalf("%d reports for %d catalog symbols", len(reps), len(cat.Symbols))
	}
	infos, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bySym := map[string]SymbolInfo{}
	for _, si := range infos {
		bySym[si.Symbol] = si
	}
	for _, cs := range cat.Symbols {
		if si, ok := bySym[cs.Symbol]; !ok || si.Bars == 0 {
			t.Errorf("catalog symbol %s was not built", cs.Symbol)
		}
	}
	for _, need := range []string{"RUT", "IWM", "BTC", "ETH", "BTC_DOMINANCE", "SOL", "ADA", "XRP", "DOGE", "LTC", "BNB", "AVAX", "DOT", "LINK", "TRX"} {
		if _, ok := bySym[need]; !ok {
			t.Errorf("catalog lacks %s", need)
		}
	}
	btc := bySym["BTC"]
	if btc.First != date("2011-08-18") || btc.Last != date("2026-01-06") {
		t.Errorf("BTC spans %s..%s, want 2011-08-18..2026-01-06", btc.First, btc.Last)
	}
	// 5152 mathaszip days to 2025-09-24, then Binance 2025-09-25..2026-01-06
	// (104 days): one bar per day from 2011-08-18 to 2026-01-06.
	if wantBars := int(date("2026-01-06")-date("2011-08-18")) + 1; btc.Bars != wantBars || wantBars != 5152+104 {
		t.Errorf("BTC has %d bars, want %d (no missing days)", btc.Bars, wantBars)
	}
	var srcAt = func(d string) string {
		var src string
		if err := s.DB().QueryRowContext(ctx, `SELECT source FROM bars WHERE symbol = 'BTC' AND date = CAST(? AS DATE)`, d).Scan(&src); err != nil {
			t.Fatal(err)
		}
		return src
	}
	if got := srcAt("2025-09-24"); !strings.Contains(got, "mathaszip") {
		t.Errorf("BTC 2025-09-24 comes from %s, want mathaszip (the splice is after it)", got)
	}
	if got := srcAt("2025-09-25"); !strings.Contains(got, "yanniedog_binance") {
		t.Errorf("BTC 2025-09-25 comes from %s, want Binance", got)
	}
	for _, r := range reps {
		if r.Symbol == "BTC" && (len(r.Files) != 2 || r.Files[0].Used != 5152 || r.Files[1].Used != 104) {
			t.Errorf("BTC files %+v", r.Files)
		}
	}
	nov8 := date("2021-11-08")
	if got := closeOn(t, s, "RUT", nov8); math.Abs(got-2442.74) > 0.01 {
		t.Errorf("RUT 2021-11-08 = %v, want 2442.74", got)
	}
	if got := closeOn(t, s, "BTC", nov8); math.Abs(got-67555) > 1 {
		t.Errorf("BTC 2021-11-08 = %v, want about 67555 (Coinbase)", got)
	}
	if got := closeOn(t, s, "ETH", nov8); math.Abs(got-4807.98) > 30 {
		t.Errorf("ETH 2021-11-08 = %v, want about 4808", got)
	}
	if got := closeOn(t, s, "ETH", date("2016-06-17")); math.Abs(got-15.35) > 0.01 {
		t.Errorf("ETH 2016-06-17 = %v, want 15.35 (Kraken)", got)
	}
	if got := closeOn(t, s, "BTC_DOMINANCE", nov8); math.Abs(got-40.54) > 0.01 {
		t.Errorf("BTC_DOMINANCE 2021-11-08 = %v, want 40.54", got)
	}
	eth := bySym["ETH"]
	if eth.First != date("2015-08-07") || eth.Last != date("2026-01-06") {
		t.Errorf("ETH spans %s..%s, want 2015-08-07..2026-01-06", eth.First, eth.Last)
	}
	// The RUT bar of 2021-11-08 closes at 16:00 New York = 21:00Z (EST).
	ds, err := s.Load(ctx, []string{"RUT", "BTC"})
	if err != nil {
		t.Fatal(err)
	}
	rut := ds.Get("RUT")
	i := rut.IndexOnOrAfter(nov8)
	if got := time.Unix(rut.CloseTime[i], 0).UTC(); got != time.Date(2021, 11, 8, 21, 0, 0, 0, time.UTC) {
		t.Errorf("RUT 2021-11-08 close time %s", got)
	}
	b := ds.Get("BTC")
	j := b.IndexOnOrAfter(nov8)
	if b.OpenTime[j] != nov8.Unix() || b.CloseTime[j] != nov8.Unix()+86400 {
		t.Errorf("BTC 2021-11-08 bar spans %d..%d", b.OpenTime[j], b.CloseTime[j])
	}

	// Running the catalog again changes nothing.
	reps, err = s.ImportCatalog(ctx, catPath, CatalogOptions{Only: []string{"btc", "RUT"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reps {
		if r.Inserted != 0 || r.Updated != 0 || r.Unchanged != r.Rows {
			t.Errorf("re-run of %s: inserted %d updated %d unchanged %d of %d", r.Symbol, r.Inserted, r.Updated, r.Unchanged, r.Rows)
		}
	}
	if _, err := s.ImportCatalog(ctx, catPath, CatalogOptions{Only: []string{"NOPE"}}); err == nil || !strings.Contains(err.Error(), "no symbol") {
		t.Errorf("unknown --only symbol: %v", err)
	}
}

func TestCatalogRootAndEscape(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "raw")
	os.Mkdir(dataDir, 0o755)
	writeFile(t, dataDir, "a.csv", "date,open,high,low,close,volume\n2021-01-01,1,2,0.5,1.5,10\n2021-01-02,1.5,2,1,1.8,10\n")
	writeFile(t, dataDir, "b.csv", "date,open,high,low,close,volume\n2021-01-02,9,9,9,9,1\n2021-01-03,1.8,2,1.5,1.9,10\n")
	writeFile(t, dir, "outside.csv", "date,close\n2021-01-01,1\n")
	cat := writeFile(t, dir, "cat.yaml", "root: raw\nsymbols:\n  - symbol: X\n    sources:\n      - {path: a.csv}\n      - {path: b.csv}\n")
	s := openTemp(t)
	ctx := context.Background()
	reps, err := s.ImportCatalog(ctx, cat, CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// a.csv gives 01-01 and 01-02; b.csv only what is after 01-02.
	if reps[0].Rows != 3 || reps[0].Files[1].Used != 1 {
		t.Errorf("splice: %+v", reps[0])
	}
	if got := closeOn(t, s, "X", date("2021-01-02")); got != 1.8 {
		t.Errorf("2021-01-02 close %v, want 1.8 from the first source", got)
	}
	esc := writeFile(t, dir, "esc.yaml", "root: raw\nsymbols:\n  - symbol: Y\n    sources:\n      - {path: ../outside.csv}\n")
	if _, err := s.ImportCatalog(ctx, esc, CatalogOptions{}); err == nil || !strings.Contains(err.Error(), "outside the catalog root") {
		t.Errorf("escaping path: %v", err)
	}
	if _, err := s.ImportCatalog(ctx, esc, CatalogOptions{AllowOutside: true}); err != nil {
		t.Errorf("AllowOutside: %v", err)
	}
	// Root override.
	other := filepath.Join(dir, "other")
	os.Mkdir(other, 0o755)
	writeFile(t, other, "a.csv", "date,close\n2022-01-01,5\n")
	writeFile(t, other, "b.csv", "date,close\n2022-01-02,6\n")
	reps, err = s.ImportCatalog(ctx, cat, CatalogOptions{Root: other, Replace: true})
	if err != nil || reps[0].Last != date("2022-01-02") {
		t.Errorf("root override: %v %+v", err, reps)
	}
	bad := writeFile(t, dir, "bad.yaml", "root: raw\nsymbols:\n  - symbol: X\n    sourcez: []\n")
	if _, err := s.ImportCatalog(ctx, bad, CatalogOptions{}); err == nil || !strings.Contains(err.Error(), "sourcez") {
		t.Errorf("unknown key: %v", err)
	}
}

func hashDB(t *testing.T, s *Store) string {
	t.Helper()
	if err := s.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, p := range []string{s.Path(), s.Path() + ".wal"} {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(h, f)
		f.Close()
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestBadInputs checks that each bad file is refused with one message naming
// the file, the line and the problem, and that the database file is left
// byte-for-byte as it was.
func TestBadInputs(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	dir := t.TempDir()
	good := writeFile(t, dir, "good.csv", "Date,Open,High,Low,Close,Volume\n2021-01-01,10,12,9,11,100\n2021-01-02,11,13,10,12,100\n2021-01-03,12,13,11,12.5,100\n")
	if _, err := s.Import(ctx, []string{good}, ImportOptions{Symbol: "GOOD"}); err != nil {
		t.Fatal(err)
	}
	hdr := "Date,Open,High,Low,Close,Volume\n"
	cases := []struct {
		name, file, content string
		opts                ImportOptions
		want                []string // substrings of the error
	}{
		{"malformed row", "malformed.csv", hdr + "2021-02-01,1,2,0.5,1.5,10\n2021-02-02,1,2,0.5,1.5,10,99\n", ImportOptions{Symbol: "BAD"},
			[]string{"malformed.csv", "line 3", "7 fields, the header has 6"}},
		{"unparseable date", "baddate.csv", hdr + "2021-02-01,1,2,0.5,1.5,10\n2021-02-02,1,2,0.5,1.5,10\n2021-13-45,1,2,0.5,1.5,10\n", ImportOptions{Symbol: "BAD"},
			[]string{"baddate.csv", "line 4", `unparseable date "2021-13-45"`}},
		{"duplicate date", "dup.csv", hdr + "2021-02-01,1,2,0.5,1.5,10\n2021-02-02,1,2,0.5,1.5,10\n2021-02-01,1,2,0.5,1.6,10\n", ImportOptions{Symbol: "BAD"},
			[]string{"dup.csv", "line 2", "date 2021-02-01 appears again on line 4"}},
		{"empty file", "empty.csv", "", ImportOptions{Symbol: "BAD"},
			[]string{"empty.csv", "the file is empty"}},
		{"header only", "header.csv", hdr, ImportOptions{Symbol: "BAD"},
			[]string{"header.csv", "no data rows"}},
		{"unknown format", "unknown.csv", "when,what,how\n2021,a,b\n", ImportOptions{Symbol: "BAD"},
			[]string{"unknown.csv", `unrecognised CSV header "when,what,how"`, "--format", "--date-col"}},
		{"negative price", "neg.csv", hdr + "2021-02-01,1,2,0.5,1.5,10\n\n2021-02-02,1,2,0.5,-1.5,10\n", ImportOptions{Symbol: "BAD"},
			[]string{"neg.csv", "line 4", "non-positive close -1.5"}},
		{"missing close", "noclose.csv", "Date,Open,High,Low,Close,Volume\r\n2021-02-01,1,2,0.5,1.5,10\r\n2021-02-02,1,2,0.5,,10\r\n", ImportOptions{Symbol: "BAD"},
			[]string{"noclose.csv", "line 3", "missing close"}},
		{"not a number", "nan.csv", hdr + "2021-02-01,1,2,0.5,abc,10\n2021-02-02,1,2,0.5,NaN,10\n", ImportOptions{Symbol: "BAD"},
			[]string{"nan.csv", "2 bad rows", `line 2: close "abc" is not a number`, `line 3: close "NaN" is not a finite number`}},
		{"conflicting re-import", "conflict.csv", hdr + "2021-01-02,11,13,10,12.25,100\n2021-01-04,12,13,11,12.5,100\n", ImportOptions{Symbol: "GOOD"},
			[]string{"GOOD", "first 2021-01-02", "stored close 12, new close 12.25", "--replace"}},
		{"strict warning", "strict.csv", hdr + "2021-02-01,1,2,0.5,1.5,10\n2021-02-02,1,1,1,1,10\n", ImportOptions{Symbol: "BAD", Strict: true},
			[]string{"strict.csv", "flat: 1", "line 3"}},
		{"unknown calendar", "cal.csv", hdr + "2021-02-01,1,2,0.5,1.5,10\n", ImportOptions{Symbol: "BAD", Calendar: "lse"},
			[]string{"unknown calendar", "lse"}},
		{"calendar change", "calchange.csv", hdr + "2021-01-04,12,13,11,12.5,100\n", ImportOptions{Symbol: "GOOD", Calendar: "nyse"},
			[]string{"GOOD", "stored with calendar 24x7, not nyse", "--replace"}},
		// Spaces inside a name are fine (see TestHostileSymbols); around it
		// they are refused, as are control characters.
		{"bad symbol", "sym.csv", hdr + "2021-02-01,1,2,0.5,1.5,10\n", ImportOptions{Symbol: " A"},
			[]string{`symbol " A"`, "leading or trailing space"}},
		{"control character in symbol", "sym2.csv", hdr + "2021-02-01,1,2,0.5,1.5,10\n", ImportOptions{Symbol: "A\tB"},
			[]string{`symbol "A\tB"`, "control or format character"}},
	}
	before := hashDB(t, s)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.file, tc.content)
			_, err := s.Import(ctx, []string{p}, tc.opts)
			if err == nil {
				t.Fatal("import succeeded, want an error")
			}
			t.Logf("%v", err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if after := hashDB(t, s); after != before {
				t.Errorf("database file changed after a refused import")
			}
		})
	}
	infos, _ := s.List(ctx)
	if len(infos) != 1 || infos[0].Bars != 3 {
		t.Errorf("after refused imports: %+v", infos)
	}
}

func TestReimportAndReplace(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	dir := t.TempDir()
	// A quote in the path goes through DuckDB's reader as a parameter.
	p := writeFile(t, dir, "it's newest-first.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n2021-01-04,12,13,11,12.5,12.4,100\n2021-01-01,10,12,9,11,10.9,100\n")
	rep, err := s.Import(ctx, []string{p}, ImportOptions{Symbol: "SPX", Calendar: "nyse"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 2 || rep.Unchanged != 0 || rep.Files[0].Order != "descending" || rep.Files[0].Format != "yahoo" {
		t.Errorf("first import: %+v", rep)
	}
	// 2021-01-01 (Fri) to 2021-01-04 (Mon) is 3 days: within the NYSE calendar.
	if rep.WarningCount("gap") != 0 {
		t.Errorf("weekend counted as a gap: %+v", rep.Warnings)
	}
	before := hashDB(t, s)
	rep, err = s.Import(ctx, []string{p}, ImportOptions{Symbol: "SPX", Calendar: "nyse"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 0 || rep.Updated != 0 || rep.Unchanged != 2 {
		t.Errorf("re-import: inserted %d updated %d unchanged %d, want 0, 0, 2", rep.Inserted, rep.Updated, rep.Unchanged)
	}
	if hashDB(t, s) != before {
		t.Errorf("a no-op re-import changed the database file")
	}
	// Replace one value, add one date.
	q := writeFile(t, dir, "new.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n2021-01-04,12,13,11,12.75,12.4,100\n2021-01-05,12,13,11,12.5,12.4,100\n")
	rep, err = s.Import(ctx, []string{q}, ImportOptions{Symbol: "SPX", Calendar: "nyse", Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 1 || rep.Updated != 1 || rep.Unchanged != 0 {
		t.Errorf("replace: %+v", rep)
	}
	if got := closeOn(t, s, "SPX", date("2021-01-04")); got != 12.75 {
		t.Errorf("replaced close %v", got)
	}
	infos, err := s.List(ctx)
	if err != nil || len(infos) != 1 || infos[0].Bars != 3 || infos[0].First != date("2021-01-01") || infos[0].Last != date("2021-01-05") || len(infos[0].Sources) != 2 {
		t.Errorf("list: %+v %v", infos, err)
	}
	// Two files for one symbol: the first wins where they overlap.
	a := writeFile(t, dir, "a.csv", "date,close\n2021-01-01,1\n2021-01-02,2\n")
	b := writeFile(t, dir, "b.csv", "date,close\n2021-01-02,2.5\n2021-01-03,3\n")
	rep, err = s.Import(ctx, []string{a, b}, ImportOptions{Symbol: "U"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 3 || rep.WarningCount("overlap") != 1 || closeOn(t, s, "U", date("2021-01-02")) != 2 {
		t.Errorf("union: %+v", rep)
	}
	if _, err := s.Import(ctx, []string{a, b}, ImportOptions{Symbol: "U2", Strict: true}); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("strict overlap: %v", err)
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	dir := t.TempDir()
	p := writeFile(t, dir, "w.csv", "date,open,high,low,close,volume\n"+
		"2021-01-01,10,12,9,11,1\n"+ // line 2
		"2021-01-02,11,10,12,11,1\n"+ // line 3: high < low
		"2021-01-03,11,11,11,11,1\n"+ // line 4: flat
		"2021-01-06,11,20,11,17,1\n"+ // line 5: gap of 3 days, +54.5% jump
		"2021-01-07,17,18,16,19,1\n") // line 6: close above high
	rep, err := s.Import(context.Background(), []string{p}, ImportOptions{Symbol: "W"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"ohlc": 2, "flat": 1, "gap": 1, "jump": 1}
	for k, n := range want {
		if got := rep.WarningCount(k); got != n {
			t.Errorf("%s warnings = %d, want %d (%+v)", k, got, n, rep.Warnings)
		}
	}
	for _, w := range rep.Warnings {
		if w.Kind == "gap" && !strings.Contains(w.First, "line 5") {
			t.Errorf("gap example %q should name line 5", w.First)
		}
	}
}

func TestLoadAndInsertSeries(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	ser, err := data.NewSeries("SYN", data.NYSE(), []data.Bar{
		{Date: date("2021-06-01"), Open: 1, High: 2, Low: 0.5, Close: 1.5, Volume: 3},
		{Date: date("2021-06-02"), Open: 1.5, High: 2, Low: 1, Close: 1.75, Volume: 4},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InsertSeries(ctx, ser, "synthetic seed=1"); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Load(ctx, []string{"SYN"})
	if err != nil {
		t.Fatal(err)
	}
	if !ds.Synthetic {
		t.Error("data set from synthetic source not marked synthetic")
	}
	want, _ := data.NewDataset(ser)
	if ds.Fingerprint() != want.Fingerprint() {
		t.Error("loaded series differs from the inserted one")
	}
	got := ds.Get("SYN")
	for i := range ser.Date {
		if got.OpenTime[i] != ser.OpenTime[i] || got.CloseTime[i] != ser.CloseTime[i] {
			t.Errorf("bar %d times %d..%d, want %d..%d", i, got.OpenTime[i], got.CloseTime[i], ser.OpenTime[i], ser.CloseTime[i])
		}
	}
	// Inserting again replaces the whole symbol.
	short := ser.Slice(0, 1)
	if err := s.InsertSeries(ctx, short, "synthetic seed=2"); err != nil {
		t.Fatal(err)
	}
	if infos, _ := s.List(ctx); len(infos) != 1 || infos[0].Bars != 1 {
		t.Errorf("after replace: %+v", infos)
	}
	_, err = s.Load(ctx, []string{"SYN", "XYZ"})
	if err == nil || !strings.Contains(err.Error(), `symbol "XYZ" is not in riskon.duckdb (have: SYN); import it with: riskon data import FILE --symbol XYZ`) {
		t.Errorf("missing symbol error: %v", err)
	}
}

func TestReadOnlyAndSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	if _, err := Open(ctx, path, Options{ReadOnly: true}); err == nil {
		t.Error("read-only open of a missing file should fail")
	}
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := s.DB().QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations WHERE component = 'bars'`).Scan(&v); err != nil || v != SchemaVersion {
		t.Errorf("schema version %d %v", v, err)
	}
	s.Close()
	r, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Import(ctx, []string{"x.csv"}, ImportOptions{Symbol: "X"}); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("import on read-only: %v", err)
	}
	if infos, err := r.List(ctx); err != nil || len(infos) != 0 {
		t.Errorf("list: %v %v", infos, err)
	}
}

// TestLockedDatabase holds the database in a second process (this test
// binary re-executed) and expects one clear error naming the file and the
// holder's PID.
func TestLockedDatabase(t *testing.T) {
	t.Parallel()
	if p := os.Getenv("RISKON_TEST_HOLD_DB"); p != "" {
		t.Skip("helper mode")
	}
	path := filepath.Join(t.TempDir(), "locked.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldLockHelper$")
	cmd.Env = append(os.Environ(), "RISKON_TEST_HOLD_DB="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "HOLDING") {
				ready <- nil
				io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- fmt.Errorf("helper exited before holding the lock")
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("helper did not take the lock within 60s")
	}
	_, err = Open(context.Background(), path, Options{})
	if err == nil {
		t.Fatal("opened a database another process holds")
	}
	msg := err.Error()
	for _, w := range []string{path, "is locked", "another process (PID " + strconv.Itoa(cmd.Process.Pid) + ")", "riskon"} {
		if !strings.Contains(msg, w) {
			t.Errorf("lock error %q lacks %q", msg, w)
		}
	}
	t.Log(msg)
}

// TestHoldLockHelper is the second process of TestLockedDatabase and the
// lock tests: it opens the database (for writing, or read-only with
// RISKON_TEST_HOLD_RO=1) and holds it until its stdin closes.
func TestHoldLockHelper(t *testing.T) {
	path := os.Getenv("RISKON_TEST_HOLD_DB")
	if path == "" {
		t.Skip("only run as TestLockedDatabase's helper process")
	}
	s, err := Open(context.Background(), path, Options{ReadOnly: os.Getenv("RISKON_TEST_HOLD_RO") == "1"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fmt.Println("HOLDING")
	io.Copy(io.Discard, os.Stdin)
}

// TestLoadSortsBarsStoredOutOfOrder: bars stored in any order load in date
// order (Load reads them as stored, and sorted when they are not).
func TestLoadSortsBarsStoredOutOfOrder(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	ser, err := data.NewSeries("SYN", data.Crypto24x7(), []data.Bar{
		{Date: date("2021-06-01"), Open: 1, High: 2, Low: 0.5, Close: 1.5, Volume: 3},
		{Date: date("2021-06-02"), Open: 1.5, High: 2, Low: 1, Close: 1.75, Volume: 4},
		{Date: date("2021-06-03"), Open: 1.75, High: 3, Low: 1, Close: 2.5, Volume: 5},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InsertSeries(ctx, ser, "synthetic seed=1"); err != nil {
		t.Fatal(err)
	}
	// Store the bars again newest first.
	if _, err := s.DB().ExecContext(ctx, `CREATE TEMP TABLE b AS SELECT * FROM bars WHERE symbol = 'SYN';
		DELETE FROM bars WHERE symbol = 'SYN';
		INSERT INTO bars SELECT * FROM b ORDER BY date DESC`); err != nil {
		t.Fatal(err)
	}
	var first string
	if err := s.DB().QueryRowContext(ctx, `SELECT strftime(date, '%Y-%m-%d') FROM bars WHERE symbol = 'SYN' LIMIT 1`).Scan(&first); err != nil || first != "2021-06-03" {
		t.Fatalf("the table does not return the bars out of order (first %s, %v): the test tests nothing", first, err)
	}
	ds, err := s.Load(ctx, []string{"SYN"})
	if err != nil {
		t.Fatal(err)
	}
	got := ds.Get("SYN")
	for i, want := range []float64{1.5, 1.75, 2.5} {
		if got.Date[i] != ser.Date[i] || got.Close[i] != want || got.Volume[i] != float64(i+3) {
			t.Errorf("bar %d: %s close %v volume %v, want %s close %v", i, got.Date[i], got.Close[i], got.Volume[i], ser.Date[i], want)
		}
	}
}

// TestLoadInHalvesEqualsOneQuery: a series read in two halves of its dates
// (every series here: splitBars 2) loads bar for bar as read in one query,
// with an odd and an even number of bars, a single bar, bars stored in
// date order and bars stored newest first (then read again sorted).
func TestLoadInHalvesEqualsOneQuery(t *testing.T) {
	t.Parallel()
	s := openTemp(t)
	ctx := context.Background()
	var syms []string
	for _, n := range []int{1, 2, 7, 40} {
		var bars []data.Bar
		for i := range n {
			c := 10 + float64(i%5) + float64(i)/7
			bars = append(bars, data.Bar{Date: date("2021-06-01") + data.Date(i), Open: c, High: c + 1, Low: c - 1, Close: c + 0.5, Volume: float64(i)})
		}
		for _, reversed := range []bool{false, true} {
			sym := fmt.Sprintf("S%dR%v", n, reversed)
			ser, err := data.NewSeries(sym, data.Crypto24x7(), bars)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.InsertSeries(ctx, ser, "synthetic seed=1"); err != nil {
				t.Fatal(err)
			}
			if reversed {
				if _, err := s.DB().ExecContext(ctx, fmt.Sprintf(`CREATE TEMP TABLE b AS SELECT * FROM bars WHERE symbol = '%[1]s';
					DELETE FROM bars WHERE symbol = '%[1]s';
					INSERT INTO bars SELECT * FROM b ORDER BY date DESC; DROP TABLE b`, sym)); err != nil {
					t.Fatal(err)
				}
			}
			syms = append(syms, sym)
		}
	}
	s.splitBars = 0
	whole, err := s.Load(ctx, syms)
	if err != nil {
		t.Fatal(err)
	}
	s.splitBars = 2
	halves, err := s.Load(ctx, syms)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Fingerprint() != halves.Fingerprint() {
		t.Error("the series read in halves differ from those read in one query")
	}
	for _, sym := range syms {
		a, b := whole.Get(sym), halves.Get(sym)
		if !slices.Equal(a.Date, b.Date) || !slices.Equal(a.OpenTime, b.OpenTime) || !slices.Equal(a.CloseTime, b.CloseTime) ||
			!slices.Equal(a.Close, b.Close) || !slices.IsSorted(b.Date) {
			t.Errorf("%s: read in halves %v, in one query %v", sym, b.Date, a.Date)
		}
	}
}
