package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/derived"
	"github.com/riskon/riskon/data/store"
)

// The fetch tests serve the sources' response shapes from httptest servers
// (RISKON_*_URL point the commands at them). No test touches the internet.

// fxExec runs one of this file's commands on a fresh app with the database
// at db, as the lead's wiring will.
func fxExec(t *testing.T, db string, mk func(*app) *cobra.Command, args ...string) (string, error) {
	t.Helper()
	o, e, err := execCmd(t, db, mk, args...)
	return o + e, err
}

// fxHash checkpoints the database and hashes its file.
func fxHash(t *testing.T, db string) string {
	t.Helper()
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	h := sha256.New()
	for _, p := range []string{db, db + ".wal"} {
		b, err := os.ReadFile(p)
		if err == nil {
			h.Write(b)
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fxDate(s string) data.Date {
	d, err := data.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// fxLoad loads one stored series.
func fxLoad(t *testing.T, db, sym string) *data.Series {
	t.Helper()
	st, err := store.Open(context.Background(), db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds, err := st.Load(context.Background(), []string{sym})
	if err != nil {
		t.Fatal(err)
	}
	return ds.Get(sym)
}

// fxMarket is a set of daily bars per remote symbol that a test changes
// between commands, served in the shape of each source.
type fxMarket struct {
	mu       sync.Mutex
	bars     map[string][]data.Bar
	requests int
}

func (m *fxMarket) set(sym string, bars []data.Bar) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bars == nil {
		m.bars = map[string][]data.Bar{}
	}
	m.bars[sym] = bars
}

func (m *fxMarket) get(sym string) ([]data.Bar, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests++
	b, ok := m.bars[sym]
	return append([]data.Bar(nil), b...), ok
}

// fxSeries makes n daily bars from a date (weekdays only when weekdays).
func fxSeries(from string, n int, weekdays bool, start float64) []data.Bar {
	var out []data.Bar
	d, c := fxDate(from), start
	for len(out) < n {
		if wd := d.Weekday(); !weekdays || (wd != time.Saturday && wd != time.Sunday) {
			o := c
			c *= 1 + 0.01*float64(len(out)%5-2)
			out = append(out, data.Bar{Date: d, Open: o, High: max(o, c) * 1.01, Low: min(o, c) * 0.99, Close: c, Volume: 1000 + float64(len(out))})
		}
		d++
	}
	return out
}

func fxF(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// binance: GET /api/v3/klines
func (m *fxMarket) binance(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bars, ok := m.get(q.Get("symbol"))
	w.Header().Set("Content-Type", "application/json")
	if !ok || r.URL.Path != "/api/v3/klines" {
		w.WriteHeader(400)
		io.WriteString(w, `{"code":-1121,"msg":"Invalid symbol."}`)
		return
	}
	start, _ := strconv.ParseInt(q.Get("startTime"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	rows := []any{}
	for _, b := range bars {
		ot := b.Date.Unix() * 1000
		if ot >= start && len(rows) < limit {
			rows = append(rows, []any{ot, fxF(b.Open), fxF(b.High), fxF(b.Low), fxF(b.Close), fxF(b.Volume), ot + 86400000 - 1, "0", 10, "0", "0", "0"})
		}
	}
	json.NewEncoder(w).Encode(rows)
}

// coinbase: GET /products/{id}/candles
func (m *fxMarket) coinbase(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/products/"), "/candles")
	bars, ok := m.get(id)
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(404)
		io.WriteString(w, `{"message":"NotFound"}`)
		return
	}
	start, _ := time.Parse(time.RFC3339, r.URL.Query().Get("start"))
	end, _ := time.Parse(time.RFC3339, r.URL.Query().Get("end"))
	rows := [][]float64{}
	for i := len(bars) - 1; i >= 0; i-- {
		b := bars[i]
		if t := b.Date.Unix(); t >= start.Unix() && t <= end.Unix() {
			rows = append(rows, []float64{float64(t), b.Low, b.High, b.Open, b.Close, b.Volume})
		}
	}
	json.NewEncoder(w).Encode(rows)
}

// yahoo: GET /v8/finance/chart/{symbol}; bars of New York sessions.
func (m *fxMarket) yahoo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	sym, ok := strings.CutPrefix(r.URL.Path, "/v8/finance/chart/")
	if !ok {
		w.WriteHeader(200) // the probe
		return
	}
	bars, ok := m.get(sym)
	if !ok {
		w.WriteHeader(404)
		io.WriteString(w, `{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}`)
		return
	}
	p1, _ := strconv.ParseInt(r.URL.Query().Get("period1"), 10, 64)
	p2, _ := strconv.ParseInt(r.URL.Query().Get("period2"), 10, 64)
	nyse := data.NYSE()
	var ts []int64
	var o, h, l, c, v []float64
	for _, b := range bars {
		open, _ := nyse.Session(b.Date)
		if open >= p1 && open < p2 {
			ts = append(ts, open)
			o, h, l, c, v = append(o, b.Open), append(h, b.High), append(l, b.Low), append(c, b.Close), append(v, b.Volume)
		}
	}
	first, _ := nyse.Session(bars[0].Date)
	res := map[string]any{"meta": map[string]any{"currency": "USD", "symbol": sym, "instrumentType": "INDEX", "firstTradeDate": first,
		"gmtoffset": -18000, "timezone": "EST", "exchangeTimezoneName": "America/New_York"}, "indicators": map[string]any{"quote": []any{map[string]any{}}}}
	if len(ts) > 0 {
		res["timestamp"] = ts
		res["indicators"] = map[string]any{"quote": []any{map[string]any{"open": o, "high": h, "low": l, "close": c, "volume": v}}}
	}
	json.NewEncoder(w).Encode(map[string]any{"chart": map[string]any{"result": []any{res}, "error": nil}})
}

// fxServe starts the three sources on one market and points the commands
// at them.
func fxServe(t *testing.T, m *fxMarket) {
	t.Helper()
	for env, h := range map[string]http.HandlerFunc{"RISKON_BINANCE_URL": m.binance, "RISKON_COINBASE_URL": m.coinbase, "RISKON_YAHOO_URL": m.yahoo} {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		t.Setenv(env, srv.URL)
	}
}

func TestDataFetchAndUpdate(t *testing.T) {
	m := &fxMarket{}
	fxServe(t, m)
	db := filepath.Join(t.TempDir(), "riskon.duckdb")
	hist := fxSeries("2024-01-01", 10, false, 40000)
	m.set("BTCUSDT", hist)

	out, err := fxExec(t, db, (*app).dataFetchCmd, "--source", "binance", "--symbol", "btcusdt", "--as", "BTC")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "BTC (24x7): 10 bars 2024-01-01..2024-01-10: 10 inserted") || !strings.Contains(out, "riskon data update BTC") {
		t.Errorf("fetch output:\n%s", out)
	}
	if _, err := fxExec(t, db, (*app).dataDeriveCmd, "weekly", "BTC"); err != nil {
		t.Fatal(err)
	}

	// New bars arrive: the update adds exactly them (and re-checks the last).
	more := append(append([]data.Bar(nil), hist...), fxSeries("2024-01-11", 5, false, 41000)...)
	m.set("BTCUSDT", more)
	out, err = fxExec(t, db, (*app).dataUpdateCmd, "--output", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var up struct {
		Symbols []fetchResult    `json:"symbols"`
		Derived []derived.Result `json:"derived"`
	}
	if err := json.Unmarshal([]byte(out), &up); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(up.Symbols) != 1 || up.Symbols[0].Since != "2024-01-10" || up.Symbols[0].Inserted != 5 || up.Symbols[0].Updated != 0 || up.Symbols[0].Unchanged != 1 {
		t.Errorf("update after new bars: %+v", up.Symbols)
	}
	// The weekly symbol was recomputed: the week of 2024-01-08..14 is complete now.
	if len(up.Derived) != 1 || up.Derived[0].Symbol != "BTC_W" || up.Derived[0].Inserted != 1 {
		t.Errorf("derived: %+v", up.Derived)
	}
	s := fxLoad(t, db, "BTC")
	if s.Len() != 15 || s.Date[14] != fxDate("2024-01-15") || s.Close[14] != more[14].Close {
		t.Fatalf("stored %d bars, last %v", s.Len(), s.Date[s.Len()-1])
	}

	// The source corrects its last bar: the update replaces it.
	corrected := append([]data.Bar(nil), more...)
	corrected[14].Close *= 1.002
	corrected[14].High = max(corrected[14].High, corrected[14].Close)
	m.set("BTCUSDT", corrected)
	out, err = fxExec(t, db, (*app).dataUpdateCmd, "--output", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	up.Symbols, up.Derived = nil, nil
	if err := json.Unmarshal([]byte(out), &up); err != nil {
		t.Fatal(err)
	}
	if u := up.Symbols[0]; u.Fetched != 1 || u.Inserted != 0 || u.Updated != 1 || u.Unchanged != 0 {
		t.Errorf("update with a corrected bar: %+v", u)
	}
	s = fxLoad(t, db, "BTC")
	if s.Len() != 15 || s.Close[14] != corrected[14].Close || s.Close[13] != more[13].Close {
		t.Errorf("corrected close %v, want %v", s.Close[14], corrected[14].Close)
	}

	// Nothing new: the database file does not change at all.
	before := fxHash(t, db)
	out, err = fxExec(t, db, (*app).dataUpdateCmd, "BTC")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !regexp.MustCompile(`BTC +binance:BTCUSDT +2024-01-15 +1 +0 +0 +1`).MatchString(out) {
		t.Errorf("no-op update:\n%s", out)
	}
	if after := fxHash(t, db); after != before {
		t.Error("an update with nothing new changed the database")
	}

	// Update of a symbol that was not fetched.
	if _, err := fxExec(t, db, (*app).dataUpdateCmd, "ETH"); err == nil || !strings.Contains(err.Error(), "no remembered source") {
		t.Errorf("update ETH: %v", err)
	}
}

func TestDataFetchYahooRUT(t *testing.T) {
	m := &fxMarket{}
	fxServe(t, m)
	db := filepath.Join(t.TempDir(), "riskon.duckdb")
	bars := fxSeries("2024-03-01", 22, true, 2000) // weekdays to 2024-04-01, Good Friday included
	bars[len(bars)-1].Volume = 0
	bars[len(bars)-1].Close = 2050.123456 // a provisional-looking print
	bars[len(bars)-1].High = max(bars[len(bars)-1].High, 2050.123456)
	m.set("^RUT", bars)
	out, err := fxExec(t, db, (*app).dataFetchCmd, "--source", "yahoo", "--symbol", "^RUT", "--as", "RUT", "--since", "2024-03-04")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	s := fxLoad(t, db, "RUT")
	if s.Calendar.Name() != "nyse" || s.Len() != 21 || s.Date[0] != fxDate("2024-03-04") {
		t.Fatalf("RUT %s %d bars from %v", s.Calendar.Name(), s.Len(), s.Date[0])
	}
	// 2024-03-04 closes at 16:00 New York = 21:00Z (EST); after the
	// daylight-saving switch of 03-10, 20:00Z.
	if s.CloseTime[0] != time.Date(2024, 3, 4, 21, 0, 0, 0, time.UTC).Unix() || s.CloseTime[10] != time.Date(2024, 3, 18, 20, 0, 0, 0, time.UTC).Unix() {
		t.Errorf("close times %v %v", time.Unix(s.CloseTime[0], 0).UTC(), time.Unix(s.CloseTime[10], 0).UTC())
	}
	out, err = fxExec(t, db, (*app).dataCheckCmd, "RUT")
	if err != nil {
		t.Fatal(err)
	}
	// The served weekdays include Good Friday 2024-03-29: a bar on a holiday.
	if !strings.Contains(out, "last bar 2024-04-01 looks provisional: volume 0") || !strings.Contains(out, "1 bar on days without a session, first 2024-03-29 (Good Friday)") {
		t.Errorf("check:\n%s", out)
	}
}

func TestDataFetchErrors(t *testing.T) {
	m := &fxMarket{}
	fxServe(t, m)
	db := filepath.Join(t.TempDir(), "riskon.duckdb")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--source", "kraken", "--symbol", "XBTUSD", "--as", "BTC"}, `unknown source "kraken"`},
		{[]string{"--source", "binance", "--symbol", "NOPEUSDT", "--as", "NOPE"}, `binance has no symbol "NOPEUSDT": Invalid symbol.`},
		{[]string{"--source", "coinbase", "--symbol", "NOPE-USD", "--as", "NOPE"}, `coinbase has no symbol "NOPE-USD"`},
		{[]string{"--source", "yahoo", "--symbol", "^NOPE", "--as", "NOPE"}, `yahoo has no symbol "^NOPE"`},
		{[]string{"--source", "yahoo", "--symbol", "^RUT"}, "--as SYM are required"},
		{[]string{"--source", "yahoo", "--symbol", "^RUT", "--as", "A\tB"}, "--as"},
		{[]string{"--source", "yahoo", "--symbol", "^RUT", "--as", "RUT", "--since", "2024-13-01"}, "--since"},
	} {
		_, err := fxExec(t, db, (*app).dataFetchCmd, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("failed fetches created the database")
	}
}

func TestDataFetchOffline(t *testing.T) {
	// Nothing listens on the port of a closed server: connection refused,
	// like a machine whose network is down (DNS failures are covered in
	// data/fetch).
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, env := range []string{"RISKON_YAHOO_URL", "RISKON_BINANCE_URL", "RISKON_COINBASE_URL"} {
		t.Setenv(env, closed.URL)
	}
	host := strings.TrimPrefix(closed.URL, "http://")
	db := filepath.Join(t.TempDir(), "riskon.duckdb")
	start := time.Now()
	_, err := fxExec(t, db, (*app).dataFetchCmd, "--source", "binance", "--symbol", "BTCUSDT", "--as", "BTC")
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "cannot reach "+host+" (offline?)") || !strings.Contains(err.Error(), "riskon data import") {
		t.Errorf("offline error: %v", err)
	}
	var out bytes.Buffer
	a := newApp(&out, &out)
	a.dbFlag = db
	ok, err := a.fetchDefault(context.Background())
	if ok || err != nil {
		t.Errorf("fetchDefault offline: %v %v", ok, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("offline took %v", d)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("offline fetches created the database")
	}
}

func TestFetchDefault(t *testing.T) {
	m := &fxMarket{}
	fxServe(t, m)
	m.set("^RUT", fxSeries("2024-01-02", 60, true, 2000))
	m.set("BTC-USD", fxSeries("2024-01-01", 90, false, 40000))
	m.set("ETH-USD", fxSeries("2024-01-01", 90, false, 2000))
	for i, s := range derived.DefaultAlts {
		if s == "DOGE" {
			m.set("DOGE-USD", fxSeries("2024-01-05", 80, false, 0.1)) // not on "Binance": Coinbase
			continue
		}
		m.set(s+"USDT", fxSeries("2024-01-01", 90-i, false, 10+float64(i)))
	}
	db := filepath.Join(t.TempDir(), "riskon.duckdb")
	var out bytes.Buffer
	a := newApp(&out, &out)
	a.dbFlag = db
	ok, err := a.fetchDefault(context.Background())
	if !ok || err != nil {
		t.Fatalf("fetchDefault: %v %v\n%s", ok, err, out.String())
	}
	for _, want := range []string{"RUT: yahoo ^RUT, 60 bars", "BTC: coinbase BTC-USD, 90 bars", "DOGE: coinbase DOGE-USD, 80 bars", "SOL: binance SOLUSDT, 90 bars",
		"ALTS = basket(SOL, ADA, XRP, DOGE, LINK, AVAX, DOT, LTC)", "ALTS_BTC = ratio(ALTS, BTC)", "RUT_W = weekly(RUT)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// Online again later: the fetched symbols are updated, nothing else
	// changes when the sources have nothing new.
	before := fxHash(t, db)
	out.Reset()
	ok, err = a.fetchDefault(context.Background())
	if !ok || err != nil {
		t.Fatalf("second fetchDefault: %v %v\n%s", ok, err, out.String())
	}
	if fxHash(t, db) != before {
		t.Errorf("a second fetchDefault with nothing new changed the database:\n%s", out.String())
	}
	// A symbol imported from files is left alone.
	db2 := filepath.Join(t.TempDir(), "riskon.duckdb")
	st, err := store.Open(context.Background(), db2, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportBars(context.Background(), "BTC", fxSeries("2020-01-01", 5, false, 7000), store.BarsOptions{Source: "file.csv"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out.Reset()
	a.dbFlag = db2
	if ok, err := a.fetchDefault(context.Background()); !ok || err != nil || !strings.Contains(out.String(), "BTC: stored from files, not fetched") {
		t.Errorf("with BTC from files: %v %v\n%s", ok, err, out.String())
	}
	if s := fxLoad(t, db2, "BTC"); s.Len() != 5 {
		t.Errorf("BTC from files was changed: %d bars", s.Len())
	}
}

func TestDataDeriveCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "riskon.duckdb")
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put := func(sym, cal string, bars []data.Bar) {
		if _, err := st.ImportBars(ctx, sym, bars, store.BarsOptions{Source: "test", Calendar: cal}); err != nil {
			t.Fatal(err)
		}
	}
	flat := func(from string, closes ...float64) []data.Bar {
		var out []data.Bar
		for i, c := range closes {
			out = append(out, data.Bar{Date: fxDate(from) + data.Date(i), Open: c, High: c, Low: c, Close: c})
		}
		return out
	}
	put("SOL", "24x7", flat("2024-01-01", 10, 11, 12.1))
	put("ADA", "24x7", flat("2024-01-02", 20, 19))
	put("BTC", "24x7", flat("2024-01-01", 100, 100, 125))
	put("RUT", "nyse", fxSeries("2024-01-02", 30, true, 2000))
	st.Close()

	out, err := fxExec(t, db, (*app).dataDeriveCmd, "basket", "SOL", "ADA", "--as", "MYALTS")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// 01-01 100; 01-02 SOL 11/10 -> 110; 01-03 (12.1/11 + 19/20)/2 = 1.025 -> 112.75.
	s := fxLoad(t, db, "MYALTS")
	if s.Len() != 3 || math.Abs(s.Close[1]-110) > 1e-9 || math.Abs(s.Close[2]-112.75) > 1e-9 {
		t.Errorf("basket closes %v", s.Close)
	}
	if _, err := fxExec(t, db, (*app).dataDeriveCmd, "ratio", "MYALTS", "BTC", "--as", "MYALTS_BTC", "--scale", "1000"); err != nil {
		t.Fatal(err)
	}
	if r := fxLoad(t, db, "MYALTS_BTC"); r.Len() != 3 || math.Abs(r.Close[2]-902) > 1e-9 { // 1000 x 112.75 / 125
		t.Errorf("ratio closes %v", r.Close)
	}
	out, err = fxExec(t, db, (*app).dataDeriveCmd, "defaults")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"RUT_W = weekly(RUT) [nyse]", "RUT_M = monthly(RUT) [nyse]", "ALTS = basket(SOL, ADA) [24x7]", "ALTS_BTC = ratio(ALTS, BTC)"} {
		if !strings.Contains(out, want) {
			t.Errorf("defaults lack %q:\n%s", want, out)
		}
	}
	w := fxLoad(t, db, "RUT_W")
	// 30 weekdays from Tue 2024-01-02 to Mon 2024-02-12; MLK day 01-15 is in
	// the data (synthetic), the week of 02-12 is not over: 6 weeks.
	if w.Len() != 6 || w.Date[0] != fxDate("2024-01-05") || w.CloseTime[0] != time.Date(2024, 1, 5, 21, 0, 0, 0, time.UTC).Unix() {
		t.Errorf("RUT_W %d bars from %v", w.Len(), w.Date)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ratio", "SOL", "BTC"}, "--as NAME is required"},
		{[]string{"basket", "SOL", "NOPE", "--as", "X"}, `"NOPE" is not in`},
		{[]string{"basket", "SOL", "ADA", "--as", "BTC"}, "already stored with imported or fetched bars"},
		{[]string{"ratio", "RUT", "BTC", "--as", "X"}, "different calendars"},
		{[]string{"basket", "SOL", "ADA", "--as", "X", "--start", "later"}, "--start"},
		{[]string{"weekly", "SOL", "--as", "SOL"}, "derived from itself"},
	} {
		if _, err := fxExec(t, db, (*app).dataDeriveCmd, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.args, err, c.want)
		}
	}
}

func TestDataCheckCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "riskon.duckdb")
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bars := fxSeries("2024-01-01", 40, false, 100)
	if _, err := st.ImportBars(context.Background(), "BTC", bars, store.BarsOptions{Source: "test"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// A file with a duplicate date, a gap, a flat bar and closes 1% above BTC's.
	var b strings.Builder
	b.WriteString("date,open,high,low,close,volume\n")
	for i, x := range bars {
		if i == 5 {
			continue
		}
		c := x.Close * 1.01
		fmt.Fprintf(&b, "%s,%g,%g,%g,%g,%g\n", x.Date, c, c*1.02, c*0.98, c, x.Volume)
		if i == 7 {
			fmt.Fprintf(&b, "%s,%g,%g,%g,%g,%g\n", x.Date, c, c, c, c, x.Volume)
		}
	}
	file := filepath.Join(dir, "btc.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := fxExec(t, db, (*app).dataCheckCmd, file, "--against", "BTC", "--output", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Reports []struct {
			Symbol      string `json:"symbol"`
			Missing     struct{ Count int }
			Duplicates  struct{ Count int }
			Flat        struct{ Count int }
			Comparisons []struct {
				Against string  `json:"against"`
				Common  int     `json:"common_dates"`
				Median  float64 `json:"median"`
			} `json:"comparisons"`
			Findings []string `json:"findings"`
		} `json:"reports"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	r := res.Reports[0]
	if r.Missing.Count != 1 || r.Duplicates.Count != 1 || r.Flat.Count != 1 || len(r.Comparisons) != 1 {
		t.Fatalf("report %+v", r)
	}
	// The duplicate (flat) row comes second and wins the comparison on its
	// date; every close is 1% above BTC's: |c/b - 1| = 0.01.
	if c := r.Comparisons[0]; c.Against != "BTC (test)" || c.Common != 39 || c.Median < 0.00999 || c.Median > 0.01001 {
		t.Errorf("comparison %+v", c)
	}
	out, err = fxExec(t, db, (*app).dataCheckCmd)
	if err != nil || !strings.Contains(out, "BTC     24x7      40    2024-01-01  2024-02-09  0") {
		t.Errorf("check all: %v\n%s", err, out)
	}
	if _, err := fxExec(t, db, (*app).dataCheckCmd, file, "--fail"); err == nil || !strings.Contains(err.Error(), "findings in 1 of 1") {
		t.Errorf("--fail: %v", err)
	}
	if _, err := fxExec(t, db, (*app).dataCheckCmd, "NOPE"); err == nil || !strings.Contains(err.Error(), `"NOPE" is not in`) {
		t.Errorf("unknown symbol: %v", err)
	}
	if _, err := fxExec(t, filepath.Join(dir, "none.duckdb"), (*app).dataCheckCmd, "BTC"); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("no database: %v", err)
	}
}
