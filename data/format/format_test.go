package format

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func split(s string) []string { return strings.Split(s, ",") }

func rows(lines ...string) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = split(l)
	}
	return out
}

// Headers and first rows of the real files under ../shared/data/raw (see its
// MANIFEST.md), plus common layouts riskon should read.
var detectCases = []struct {
	name    string
	header  string
	sample  []string
	format  string
	date    int
	o, h, l int
	c, v    int
	kind    TimeKind
	single  bool
	lag     int
	skip    int
}{
	{"yahoo xjcarter", "Date,Open,High,Low,Close,Adj Close,Volume", []string{"2000-05-26,45.53125,45.71875,45.3125,45.71875,34.40634,74800.0"},
		"yahoo", 0, 1, 2, 3, 4, 6, TimeDate, false, 0, 1},
	{"yfinance alitalbi", "Date,Close,High,Low,Open,Volume", []string{"1987-09-10,168.97000122070312,168.97999572753906,167.44000244140625,167.44000244140625,179800000"},
		"yfinance", 0, 4, 2, 3, 1, 5, TimeDate, false, 0, 1},
	{"yfinance raw maaurocp", "Date,Adj Close,Capital Gains,Close,Dividends,High,Low,Open,Stock Splits,Volume", []string{"1993-01-29,24.24140739440918,0.0,43.9375,0.0,43.96875,43.75,43.96875,0.0,1003200"},
		"yfinance_raw", 0, 7, 5, 6, 3, 9, TimeDate, false, 0, 1},
	{"binance yanniedog", "timestamp,open,high,low,close,volume", []string{"2017-08-17,4261.48,4485.39,4200.74,4285.08,795.150377"},
		"binance", 0, 1, 2, 3, 4, 5, TimeDate, false, 0, 1},
	{"binance ms", "timestamp,open,high,low,close,volume", []string{"1502928000000,4261.48,4485.39,4200.74,4285.08,795.150377"},
		"binance", 0, 1, 2, 3, 4, 5, TimeUnixMillis, false, 0, 1},
	{"kraken", "time,open,high,low,close,volume,trades", []string{"1381017600,122.0,122.0,122.0,122.0,0.1,1"},
		"kraken_ohlcvt", 0, 1, 2, 3, 4, 5, TimeUnixSeconds, false, 0, 1},
	{"mathaszip", "timestamp,open,close,volume,unix_timestamp,high,low", []string{"2011-08-18 00:00:00,10.9,10.9,0.48990826,1313625600,10.9,10.9"},
		"mathaszip", 0, 1, 5, 6, 2, 3, TimeDateTime, false, 0, 1},
	{"aipriceaction", "ticker,time,open,high,low,close,volume,ma10,ma20,ma50,ma100,ma200,ma10_score,ma20_score,ma50_score,ma100_score,ma200_score,close_changed,volume_changed,total_money_changed",
		[]string{"BTC,2010-07-17,0.0495,0.0495,0.0495,0.0495,20,,,,,,,,,,,,,"},
		"aipriceaction", 1, 2, 3, 4, 5, 6, TimeDate, false, 0, 1},
	{"cmc", "SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap", []string{"1,Bitcoin,BTC,2013-04-29,147.48800659179688,134.0,134.44400024414062,144.5399932861328,0.0,1603768864.5"},
		"cmc", 3, 6, 4, 5, 7, 8, TimeDate, false, 0, 1},
	{"typedcypher", "Date,BTC_USD,BTC_EUR,BTC_GBP,BTC_JPY,BTC_CAD,BTC_AUD,BTC_CHF,BTC_CNY,BTC_INR,BTC_BRL,BTC_KRW,BTC_MXN",
		[]string{"2026-08-22,78293.71,67387.4,58331.16,11646111.0,107426.8,120227.82,62703.08,561921.8,6743045.77,437912.39,108890112.0,1466362.9"},
		"typedcypher", 0, -1, -1, -1, 1, -1, TimeDate, true, 1, 1},
	{"coingecko value", "Date,value", []string{"2018-01-01,37.38134640227937"},
		"coingecko_value", 0, -1, -1, -1, 1, -1, TimeDate, true, 0, 1},
	{"fred DFF", "date,DFF", []string{"1990-01-01,7.97"},
		"fred", 0, -1, -1, -1, 1, -1, TimeDate, true, 0, 1},
	{"fred FEDFUNDS", "date,FEDFUNDS", []string{"1990-01-01,8.23"},
		"fred", 0, -1, -1, -1, 1, -1, TimeDate, true, 0, 1},
	{"generic lower", "date,open,high,low,close,volume", []string{"2020-01-01,1,2,0.5,1.5,10"},
		"generic", 0, 1, 2, 3, 4, 5, TimeDate, false, 0, 1},
	{"generic shuffled no volume", "Close,Low,High,Open,Day", []string{"1.5,0.5,2,1,2020-01-01"},
		"generic", 4, 3, 2, 1, 0, -1, TimeDate, false, 0, 1},
	{"single price", "day,price", []string{"2020-01-01,1.5"},
		"single_price", 0, -1, -1, -1, 1, -1, TimeDate, true, 0, 1},
	{"stooq txt", "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>", []string{"^RUT,D,20211108,000000,2440,2450,2430,2442.74,0,0"},
		"stooq", 2, 4, 5, 6, 7, 8, TimeCompactDate, false, 0, 1},
	{"coingecko coin", "snapped_at,price,market_cap,total_volume", []string{"2013-04-28 00:00:00 UTC,135.3,1500520521.0,0.0"},
		"coingecko", 0, -1, -1, -1, 1, 3, TimeDateTime, true, 0, 1},
	{"binance klines headerless", "1502928000000,4261.48,4485.39,4200.74,4285.08,795.15,1503014399999,3454770.05,3427,616.24,2678216.40,0", nil,
		"binance_klines", 0, 1, 2, 3, 4, 5, TimeUnixMillis, false, 0, 0},
	{"kraken headerless", "1381017600,122.0,122.0,122.0,122.0,0.1,1", nil,
		"kraken_ohlcvt", 0, 1, 2, 3, 4, 5, TimeUnixSeconds, false, 0, 0},
	{"yfinance multi", "Price,Close,High,Low,Open,Volume", []string{"Ticker,SPY,SPY,SPY,SPY,SPY", "Date,,,,,", "2021-11-08,468.93,470.23,467.2,469.7,50405200"},
		"yfinance_multi", 0, 4, 2, 3, 1, 5, TimeDate, false, 0, 3},
	{"semicolon generic", "Date,Open,High,Low,Close,Volume", []string{"2020-01-01,1,2,0.5,1.5,10"},
		"generic", 0, 1, 2, 3, 4, 5, TimeDate, false, 0, 1},
	{"header only", "Date,Open,High,Low,Close,Volume", nil,
		"generic", 0, 1, 2, 3, 4, 5, TimeDate, false, 0, 1},
	{"bom", "\ufeffDate,Open,High,Low,Close,Adj Close,Volume", nil,
		"yahoo", 0, 1, 2, 3, 4, 6, TimeDate, false, 0, 1},
}

func TestDetect(t *testing.T) {
	for _, tc := range detectCases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Detect(split(tc.header), rows(tc.sample...))
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			got := []int{l.Date, l.Open, l.High, l.Low, l.Close, l.Volume}
			want := []int{tc.date, tc.o, tc.h, tc.l, tc.c, tc.v}
			if l.Format != tc.format || l.Time != tc.kind || l.SinglePrice != tc.single || l.LagDays != tc.lag || l.SkipLines != tc.skip {
				t.Errorf("got format=%s time=%s single=%v lag=%d skip=%d, want %s %s %v %d %d",
					l.Format, l.Time, l.SinglePrice, l.LagDays, l.SkipLines, tc.format, tc.kind, tc.single, tc.lag, tc.skip)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("columns date,o,h,l,c,v = %v, want %v", got, want)
					break
				}
			}
		})
	}
}

func TestTypedcypherNote(t *testing.T) {
	l, err := Detect(split("Date,BTC_USD,BTC_EUR"), rows("2026-08-22,78293.71,67387.4"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(l.Notes, " "), "close of D-1") {
		t.Errorf("typedcypher notes %q do not mention the one-day lag", l.Notes)
	}
}

func TestDetectErrors(t *testing.T) {
	cases := []struct{ name, header, sample, want string }{
		{"no date", "foo,bar,baz", "1,2,3", "no date column"},
		{"no price", "date,foo,bar", "2020-01-01,a,b", "no close or price column"},
		{"partial ohlc", "date,open,close", "2020-01-01,1,2", "all be present"},
		{"bad date", "date,open,high,low,close", "08/11/2021,1,2,0.5,1", "is not YYYY-MM-DD"},
		{"empty", "", "", "empty header"},
		{"headerless odd", "2020-01-01,1,2", "", "looks like data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sample [][]string
			if tc.sample != "" {
				sample = rows(tc.sample)
			}
			var header []string
			if tc.header != "" {
				header = split(tc.header)
			}
			_, err := Detect(header, sample)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if tc.header != "" && !strings.Contains(err.Error(), "--format") && tc.name != "headerless odd" {
				t.Errorf("error %q does not suggest --format", err)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, n := range Names()[1:] {
		f, err := Parse(strings.ToUpper(n))
		if err != nil || f.Name != n {
			t.Errorf("Parse(%q) = %v, %v", n, f.Name, err)
		}
	}
	if _, err := Parse("excel"); err == nil || !strings.Contains(err.Error(), "yahoo") {
		t.Errorf("Parse(excel) error %v should list the known formats", err)
	}
}

func TestExplicitFormatByPosition(t *testing.T) {
	// A Yahoo file with localised header names: --format yahoo takes the
	// columns by position.
	f, _ := Parse("yahoo")
	l, err := f.Layout(split("Datum,Eroeffnung,Hoch,Tief,Schluss,Adj,Volumen"), rows("2020-01-01,1,2,0.5,1.5,1.4,10"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Date != 0 || l.Close != 4 || l.Volume != 6 || len(l.Notes) == 0 {
		t.Errorf("layout %+v", l)
	}
	if _, err := f.Layout(split("a,b,c"), nil); err == nil {
		t.Error("yahoo layout on a 3-column file should fail")
	}
}

func TestResolveMapping(t *testing.T) {
	h := split("Fecha,Apertura,Maximo,Minimo,Cierre,Vol")
	s := rows("1636329600,1,2,0.5,1.5,10")
	if _, err := Resolve("auto", Mapping{}, h, s); err == nil {
		t.Fatal("unknown header without mapping should fail")
	}
	l, err := Resolve("auto", Mapping{Date: "fecha", Open: "2", High: "Maximo", Low: "minimo", Close: "Cierre", Volume: "6"}, h, s)
	if err != nil {
		t.Fatal(err)
	}
	if l.Date != 0 || l.Open != 1 || l.High != 2 || l.Low != 3 || l.Close != 4 || l.Volume != 5 || l.Time != TimeUnixSeconds || l.SinglePrice {
		t.Errorf("layout %+v", l)
	}
	// Choosing another currency of the typedcypher file.
	l, err = Resolve("auto", Mapping{Close: "BTC_EUR"}, split("Date,BTC_USD,BTC_EUR"), rows("2026-08-22,78293.71,67387.4"))
	if err != nil || l.Close != 2 || !l.SinglePrice {
		t.Errorf("typedcypher EUR: %+v %v", l, err)
	}
	if _, err := Resolve("auto", Mapping{Date: "nope", Close: "Cierre"}, h, s); err == nil || !strings.Contains(err.Error(), "--date-col") {
		t.Errorf("bad mapping error %v", err)
	}
	l, err = Resolve("generic", Mapping{Time: "unix_ms"}, split("date,open,high,low,close"), rows("1502928000000,1,2,0.5,1"))
	if err != nil || l.Time != TimeUnixMillis {
		t.Errorf("time override: %+v %v", l, err)
	}
}

func TestReadHead(t *testing.T) {
	h, err := ReadHead(strings.NewReader("\ufeffDate;Open;High;Low;Close\r\n2020-01-01;1;2;0.5;1.5\r\n\r\n2020-01-02;1;2;0.5;1.5\r\n"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if h.Delimiter != ';' || len(h.Header) != 5 || h.Header[0] != "Date" || len(h.Sample) != 2 {
		t.Errorf("head %+v", h)
	}
	if _, err := ReadHead(strings.NewReader(""), 5); err != ErrEmpty {
		t.Errorf("empty: %v", err)
	}
	if _, err := ReadHead(strings.NewReader("\n \n"), 5); err != ErrEmpty {
		t.Errorf("blank: %v", err)
	}
}

// TestRealFiles detects every CSV under ../shared/data/raw when it is present.
func TestRealFiles(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "data", "raw")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("real data not found at %s (a checkout with ../shared beside the repository has it): %v", root, err)
	}
	n := 0
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".csv") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h, err := ReadHead(f, 5)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		l, err := Detect(h.Header, h.Sample)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		n++
		t.Logf("%-70s %s", strings.TrimPrefix(p, root), l.Describe())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 53 {
		t.Errorf("detected %d files, MANIFEST lists 53", n)
	}
}

func FuzzDetect(f *testing.F) {
	for _, tc := range detectCases {
		f.Add(tc.header, strings.Join(tc.sample, "\n"))
	}
	f.Add("", "")
	f.Add(",,,", ",,,")
	f.Add("date", "2020-01-01")
	f.Add("Date,Open,High,Low,Close", "x,y,z")
	f.Fuzz(func(t *testing.T, header, sample string) {
		var s [][]string
		for _, line := range strings.Split(sample, "\n") {
			s = append(s, split(line))
		}
		l, err := Detect(split(header), s)
		if err != nil {
			if l.NumColumns != 0 {
				t.Fatalf("error with a non-empty layout: %v", err)
			}
			return
		}
		// A detected layout must be usable: columns inside the row.
		for _, i := range []int{l.Date, l.Close} {
			if i < 0 || i >= l.NumColumns {
				t.Fatalf("layout %+v: column %d outside %d columns", l, i, l.NumColumns)
			}
		}
		for _, i := range []int{l.Open, l.High, l.Low, l.Volume} {
			if i >= l.NumColumns {
				t.Fatalf("layout %+v: column %d outside", l, i)
			}
		}
		if !l.SinglePrice && (l.Open < 0 || l.High < 0 || l.Low < 0) {
			t.Fatalf("OHLC layout without open/high/low: %+v", l)
		}
		if l.Time == TimeAuto {
			t.Fatalf("unresolved time kind: %+v", l)
		}
		_ = l.Describe()
		// The symbol column of long files, and columns named by flags.
		if i := l.SymbolColumn(); i >= l.NumColumns {
			t.Fatalf("symbol column %d outside %d columns", i, l.NumColumns)
		}
		for _, name := range append([]string{"1", "symbol", "0", "99999"}, l.Header...) {
			if i, err := l.ColumnIndex("--x", name); err == nil && (i < 0 || i >= l.NumColumns) {
				t.Fatalf("ColumnIndex(%q) = %d outside %d columns", name, i, l.NumColumns)
			}
		}
	})
}

func TestColumnIndexAndSymbolColumn(t *testing.T) {
	l, err := Detect(split("Symbol,Date,Open,High,Low,Close,Adj Close,Volume"), rows("BTC,2021-01-01,1,2,0.5,1.5,1.5,10"))
	if err != nil {
		t.Fatal(err)
	}
	if got := l.SymbolColumn(); got != 0 {
		t.Errorf("SymbolColumn = %d, want 0", got)
	}
	cases := []struct {
		name string
		want int // -1: error
	}{
		{"Symbol", 0}, {"symbol", 0}, {" SYMBOL ", 0}, {"adj_close", 6}, {"Adj Close", 6},
		{"1", 0}, {"8", 7}, {"9", -1}, {"0", -1}, {"ticker", -1}, {"", -1},
	}
	for _, c := range cases {
		got, err := l.ColumnIndex("--symbol-column", c.name)
		if c.want < 0 {
			if err == nil || !strings.Contains(err.Error(), "--symbol-column") {
				t.Errorf("ColumnIndex(%q) = %d, %v; want an error naming the flag", c.name, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ColumnIndex(%q) = %d, %v; want %d", c.name, got, err, c.want)
		}
	}
	l2, _ := Detect(split("ticker,time,open,high,low,close,volume"), rows("BTC,2010-07-17,0.0495,0.0495,0.0495,0.0495,20"))
	if l2.SymbolColumn() != 0 {
		t.Errorf("ticker column: %d", l2.SymbolColumn())
	}
	l3, _ := Detect(split("date,close"), rows("2021-01-01,1"))
	if l3.SymbolColumn() != -1 {
		t.Errorf("no symbol column: %d", l3.SymbolColumn())
	}
}
