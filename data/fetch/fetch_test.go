package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riskon/riskon/data"
)

// The servers below answer like the real APIs from recorded responses in
// testdata/ (real prices: ^RUT from the alitalbi yfinance file, BTCUSDT
// from the yanniedog Binance file, BTC-USD from the mathaszip Coinbase
// candles), slicing them by the request's range the way each API does. No
// test touches the internet.

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sleeper records the waits instead of sleeping.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

func at(s string) func() time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return func() time.Time { return t }
}

func day(s string) data.Date {
	d, err := data.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// fault lets a test replace the n-th response (1-based); returning true
// means the response was written.
type fault func(n int, w http.ResponseWriter, r *http.Request) bool

// counter serialises request numbering across handlers.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

func (c *counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// --- Yahoo ------------------------------------------------------------------

type yahooFixture struct {
	Chart struct {
		Result []struct {
			Meta       json.RawMessage `json:"meta"`
			Timestamp  []int64         `json:"timestamp"`
			Indicators struct {
				Quote []struct {
					Open, High, Low, Close, Volume []*float64
				} `json:"quote"`
			} `json:"indicators"`
		} `json:"result"`
	} `json:"chart"`
}

func yahooServer(t *testing.T, f fault) (*httptest.Server, *counter) {
	t.Helper()
	var fx yahooFixture
	if err := json.Unmarshal(readTestdata(t, "yahoo_rut_chart.json"), &fx); err != nil {
		t.Fatal(err)
	}
	res := fx.Chart.Result[0]
	q := res.Indicators.Quote[0]
	notFound := readTestdata(t, "yahoo_not_found.json")
	cnt := &counter{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cnt.next()
		if f != nil && f(n, w, r) {
			return
		}
		sym, ok := strings.CutPrefix(r.URL.Path, "/v8/finance/chart/")
		if !ok || r.URL.Query().Get("interval") != "1d" {
			http.Error(w, "bad request", 400)
			return
		}
		if sym != "^RUT" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			w.Write(notFound)
			return
		}
		p1, _ := strconv.ParseInt(r.URL.Query().Get("period1"), 10, 64)
		p2, _ := strconv.ParseInt(r.URL.Query().Get("period2"), 10, 64)
		type quote struct {
			Open   []*float64 `json:"open"`
			High   []*float64 `json:"high"`
			Low    []*float64 `json:"low"`
			Close  []*float64 `json:"close"`
			Volume []*float64 `json:"volume"`
		}
		var ts []int64
		var qq quote
		for i, x := range res.Timestamp {
			if x >= p1 && x < p2 {
				ts = append(ts, x)
				qq.Open = append(qq.Open, q.Open[i])
				qq.High = append(qq.High, q.High[i])
				qq.Low = append(qq.Low, q.Low[i])
				qq.Close = append(qq.Close, q.Close[i])
				qq.Volume = append(qq.Volume, q.Volume[i])
			}
		}
		result := map[string]any{"meta": res.Meta, "indicators": map[string]any{"quote": []any{map[string]any{}}}}
		if len(ts) > 0 {
			result["timestamp"] = ts
			result["indicators"] = map[string]any{"quote": []quote{qq}}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"chart": map[string]any{"result": []any{result}, "error": nil}})
	}))
	t.Cleanup(srv.Close)
	return srv, cnt
}

func TestYahooMultiPageHistory(t *testing.T) {
	srv, cnt := yahooServer(t, nil)
	sl := &sleeper{}
	y := NewYahoo(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at("2026-02-24T02:00:00Z"), Sleep: sl.Sleep, PageSize: 7})
	res, err := y.Fetch(context.Background(), Request{Symbol: "^RUT", Since: day("2026-01-26")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calendar != "nyse" || res.Timezone != "America/New_York" || res.Currency != "USD" {
		t.Errorf("calendar %q zone %q currency %q", res.Calendar, res.Timezone, res.Currency)
	}
	// 2026-01-26..2026-02-23: 21 weekdays less Presidents Day (a null row).
	if len(res.Bars) != 20 {
		t.Fatalf("got %d bars, want 20", len(res.Bars))
	}
	if res.Requests < 4 || res.Requests != cnt.count() {
		t.Errorf("requests %d (server saw %d), want several chunks of 7 days", res.Requests, cnt.count())
	}
	first, last := res.Bars[0], res.Bars[len(res.Bars)-1]
	if first.Date != day("2026-01-26") || first.Close != 2659.669921875 || first.Open != 2672.3701171875 || first.Volume != 4968050000 {
		t.Errorf("first bar %+v", first)
	}
	if last.Date != day("2026-02-23") || last.Close != 2620.988525390625 || res.Provisional != nil {
		t.Errorf("last bar %+v provisional %v", last, res.Provisional)
	}
	for i, b := range res.Bars {
		if b.Date == day("2026-02-16") {
			t.Errorf("the null holiday row became a bar")
		}
		if i > 0 && b.Date <= res.Bars[i-1].Date {
			t.Errorf("dates not increasing at %s", b.Date)
		}
		if wd := b.Date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("bar on a weekend %s: dates must be in New York time", b.Date)
		}
	}
	if len(sl.got()) != 0 {
		t.Errorf("slept %v without a failure", sl.got())
	}
}

func TestYahooWholeHistoryUsesFirstTradeDate(t *testing.T) {
	srv, _ := yahooServer(t, nil)
	y := NewYahoo(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at("2026-02-24T02:00:00Z"), Sleep: (&sleeper{}).Sleep})
	res, err := y.Fetch(context.Background(), Request{Symbol: "^RUT"})
	if err != nil {
		t.Fatal(err)
	}
	// One request for the meta, then 10-year chunks from 1987-09-09.
	if res.Requests != 5 {
		t.Errorf("requests %d, want 5 (meta + 4 chunks from firstTradeDate 1987)", res.Requests)
	}
	if len(res.Bars) != 24 || res.Bars[0].Date != day("2026-01-20") {
		t.Errorf("got %d bars from %v", len(res.Bars), res.Bars[0].Date)
	}
}

func TestYahooProvisionalLastBar(t *testing.T) {
	srv, _ := yahooServer(t, nil)
	// 15:00 New York on 2026-02-23: the session closes at 16:00 (21:00Z).
	y := NewYahoo(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at("2026-02-23T20:00:00Z")})
	res, err := y.Fetch(context.Background(), Request{Symbol: "^RUT", Since: day("2026-02-17")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Provisional == nil || res.Provisional.Date != day("2026-02-23") {
		t.Fatalf("provisional %+v", res.Provisional)
	}
	if n := len(res.Bars); n != 4 || res.Bars[n-1].Date != day("2026-02-20") {
		t.Errorf("bars %d, last %v", n, res.Bars[n-1].Date)
	}
}

func TestYahooNoDataRangeIsEmpty(t *testing.T) {
	noData := readTestdata(t, "yahoo_no_data.json")
	srv, _ := yahooServer(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		p2, _ := strconv.ParseInt(r.URL.Query().Get("period2"), 10, 64)
		if p2 < 1768867200 { // before 2026-01-20: Yahoo answers 400 "Data doesn't exist"
			w.WriteHeader(400)
			w.Write(noData)
			return true
		}
		return false
	})
	y := NewYahoo(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at("2026-02-24T02:00:00Z"), PageSize: 30})
	res, err := y.Fetch(context.Background(), Request{Symbol: "^RUT", Since: day("2025-11-01")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Bars) != 24 {
		t.Errorf("got %d bars, want 24", len(res.Bars))
	}
}

// --- Binance ----------------------------------------------------------------

func binanceServer(t *testing.T, f fault) (*httptest.Server, *counter) {
	t.Helper()
	var rows [][]json.RawMessage
	if err := json.Unmarshal(readTestdata(t, "binance_btcusdt_klines.json"), &rows); err != nil {
		t.Fatal(err)
	}
	invalid := readTestdata(t, "binance_invalid_symbol.json")
	cnt := &counter{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cnt.next()
		if f != nil && f(n, w, r) {
			return
		}
		q := r.URL.Query()
		if r.URL.Path != "/api/v3/klines" || q.Get("interval") != "1d" {
			http.Error(w, `{"code":-1100,"msg":"Illegal characters found in parameter."}`, 400)
			return
		}
		if q.Get("symbol") != "BTCUSDT" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			w.Write(invalid)
			return
		}
		start, _ := strconv.ParseInt(q.Get("startTime"), 10, 64)
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit <= 0 || limit > 1000 {
			limit = 500
		}
		out := [][]json.RawMessage{}
		for _, row := range rows {
			ot, _ := strconv.ParseInt(string(row[0]), 10, 64)
			if ot >= start && len(out) < limit {
				out = append(out, row)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv, cnt
}

func TestBinanceMultiPageHistory(t *testing.T) {
	srv, cnt := binanceServer(t, nil)
	b := NewBinance(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at("2026-01-06T12:00:00Z"), PageSize: 5})
	res, err := b.Fetch(context.Background(), Request{Symbol: "btcusdt"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calendar != "24x7" || res.Symbol != "BTCUSDT" {
		t.Errorf("calendar %q symbol %q", res.Calendar, res.Symbol)
	}
	// 13 klines 2025-12-25..2026-01-06 in pages of 5, 5, 3; the last one
	// is still open at 12:00Z.
	if cnt.count() != 3 || res.Requests != 3 {
		t.Errorf("requests %d/%d, want 3", res.Requests, cnt.count())
	}
	if len(res.Bars) != 12 || res.Provisional == nil || res.Provisional.Date != day("2026-01-06") {
		t.Fatalf("bars %d provisional %+v", len(res.Bars), res.Provisional)
	}
	b0 := res.Bars[0]
	if b0.Date != day("2025-12-25") || b0.Open != 87669.44 || b0.High != 88592.74 || b0.Low != 86934.72 || b0.Close != 87225.27 || b0.Volume != 7096.58235 {
		t.Errorf("first bar %+v", b0)
	}
	for i := 1; i < len(res.Bars); i++ {
		if res.Bars[i].Date != res.Bars[i-1].Date+1 {
			t.Errorf("gap or duplicate at %s", res.Bars[i].Date)
		}
	}
	// From a date: only the pages after it.
	res, err = b.Fetch(context.Background(), Request{Symbol: "BTCUSDT", Since: day("2026-01-03")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Bars) != 3 || res.Bars[0].Date != day("2026-01-03") || res.Requests != 1 {
		t.Errorf("since: %d bars from %v in %d requests", len(res.Bars), res.Bars[0].Date, res.Requests)
	}
}

// --- Coinbase ---------------------------------------------------------------

func coinbaseServer(t *testing.T, f fault) (*httptest.Server, *counter) {
	t.Helper()
	var rows [][]float64
	if err := json.Unmarshal(readTestdata(t, "coinbase_btcusd_candles.json"), &rows); err != nil {
		t.Fatal(err)
	}
	notFound := readTestdata(t, "coinbase_not_found.json")
	cnt := &counter{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cnt.next()
		if f != nil && f(n, w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		id, ok := strings.CutPrefix(r.URL.Path, "/products/")
		id, ok2 := strings.CutSuffix(id, "/candles")
		if !ok || !ok2 || r.URL.Query().Get("granularity") != "86400" {
			w.WriteHeader(400)
			w.Write([]byte(`{"message":"Unsupported granularity"}`))
			return
		}
		if id != "BTC-USD" {
			w.WriteHeader(404)
			w.Write(notFound)
			return
		}
		start, err1 := time.Parse(time.RFC3339, r.URL.Query().Get("start"))
		end, err2 := time.Parse(time.RFC3339, r.URL.Query().Get("end"))
		if err1 != nil || err2 != nil {
			w.WriteHeader(400)
			w.Write([]byte(`{"message":"start and end must be ISO 8601"}`))
			return
		}
		if end.Sub(start) > 300*24*time.Hour {
			w.WriteHeader(400)
			w.Write([]byte(`{"message":"granularity too small for the requested time range. Count of aggregations requested exceeds 300"}`))
			return
		}
		out := [][]float64{} // newest first, as the fixture
		for _, row := range rows {
			ts := int64(row[0])
			if ts >= start.Unix() && ts <= end.Unix() {
				out = append(out, row)
			}
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv, cnt
}

func TestCoinbaseMultiPageHistory(t *testing.T) {
	srv, cnt := coinbaseServer(t, nil)
	c := NewCoinbase(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at("2025-09-24T15:00:00Z"), PageSize: 5})
	res, err := c.Fetch(context.Background(), Request{Symbol: "btc-usd"})
	if err != nil {
		t.Fatal(err)
	}
	// Windows of 5 days back from 2025-09-25: [09-20,09-25) [09-15,09-20)
	// [09-10,09-15) [09-05,09-10) - empty, so the history starts 09-13.
	if cnt.count() != 4 {
		t.Errorf("requests %d, want 4", cnt.count())
	}
	if len(res.Bars) != 11 || res.Provisional == nil || res.Provisional.Date != day("2025-09-24") {
		t.Fatalf("bars %d provisional %+v", len(res.Bars), res.Provisional)
	}
	b0 := res.Bars[0]
	// mathaszip 2025-09-13 (Coinbase): open, close, high, low.
	if b0.Date != day("2025-09-13") || b0.Close <= 0 || b0.Low > b0.Open || b0.High < b0.Close {
		t.Errorf("first bar %+v", b0)
	}
	for i := 1; i < len(res.Bars); i++ {
		if res.Bars[i].Date != res.Bars[i-1].Date+1 {
			t.Errorf("bars not ascending and consecutive at %s", res.Bars[i].Date)
		}
	}
	if last := res.Bars[len(res.Bars)-1]; last.Date != day("2025-09-23") || last.Close != 112017.21 || last.Open != 112736.59 || last.High != 113357.0 || last.Low != 111502.08 {
		t.Errorf("last bar %+v", last)
	}
	// With a start date, paging stops there.
	res, err = c.Fetch(context.Background(), Request{Symbol: "BTC-USD", Since: day("2025-09-21")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Bars) != 3 || res.Bars[0].Date != day("2025-09-21") || res.Requests != 1 {
		t.Errorf("since: %d bars in %d requests", len(res.Bars), res.Requests)
	}
}

// --- Failures shared by every source ----------------------------------------

type sourceCase struct {
	name    string
	server  func(*testing.T, fault) (*httptest.Server, *counter)
	fetcher func(Options) Fetcher
	symbol  string
	bad     string // an unknown symbol
	now     string
	since   data.Date
	bars    int
}

func sourceCases() []sourceCase {
	return []sourceCase{
		{"yahoo", yahooServer, func(o Options) Fetcher { return NewYahoo(o) }, "^RUT", "^NOPE", "2026-02-24T02:00:00Z", day("2026-02-17"), 5},
		{"binance", binanceServer, func(o Options) Fetcher { return NewBinance(o) }, "BTCUSDT", "NOPEUSDT", "2026-01-07T01:00:00Z", day("2026-01-02"), 5},
		{"coinbase", coinbaseServer, func(o Options) Fetcher { return NewCoinbase(o) }, "BTC-USD", "NOPE-USD", "2025-09-25T01:00:00Z", day("2025-09-20"), 5},
	}
}

func TestUnknownSymbol(t *testing.T) {
	for _, sc := range sourceCases() {
		t.Run(sc.name, func(t *testing.T) {
			srv, cnt := sc.server(t, nil)
			sl := &sleeper{}
			f := sc.fetcher(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at(sc.now), Sleep: sl.Sleep})
			_, err := f.Fetch(context.Background(), Request{Symbol: sc.bad, Since: sc.since})
			if !errors.Is(err, ErrUnknownSymbol) {
				t.Fatalf("err = %v, want unknown symbol", err)
			}
			if !strings.Contains(err.Error(), sc.name+" has no symbol") || strings.Contains(err.Error(), "\n") {
				t.Errorf("message %q", err)
			}
			if cnt.count() != 1 || len(sl.got()) != 0 {
				t.Errorf("an unknown symbol was retried: %d requests, waits %v", cnt.count(), sl.got())
			}
		})
	}
}

func TestRateLimitThenSuccess(t *testing.T) {
	for _, sc := range sourceCases() {
		t.Run(sc.name, func(t *testing.T) {
			srv, cnt := sc.server(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
				if n > 2 {
					return false
				}
				if sc.name != "coinbase" {
					w.Header().Set("Retry-After", "3")
				}
				w.WriteHeader(http.StatusTooManyRequests)
				w.Write([]byte(`{"message":"Public rate limit exceeded"}`))
				return true
			})
			sl := &sleeper{}
			f := sc.fetcher(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at(sc.now), Sleep: sl.Sleep, Seed: 7})
			res, err := f.Fetch(context.Background(), Request{Symbol: sc.symbol, Since: sc.since})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Bars) != sc.bars {
				t.Errorf("bars %d, want %d", len(res.Bars), sc.bars)
			}
			waits := sl.got()
			if len(waits) != 2 || cnt.count() != 3 {
				t.Fatalf("waits %v after %d requests, want 2 waits and 3 requests", waits, cnt.count())
			}
			if sc.name != "coinbase" {
				for _, w := range waits {
					if w != 3*time.Second {
						t.Errorf("waited %v, want Retry-After 3s", w)
					}
				}
				return
			}
			// No Retry-After: exponential backoff from 1s with equal jitter.
			if waits[0] < 500*time.Millisecond || waits[0] > time.Second || waits[1] < time.Second || waits[1] > 2*time.Second {
				t.Errorf("backoff waits %v, want in [0.5s,1s] then [1s,2s]", waits)
			}
			// The jitter comes from the seed: the same seed, the same waits.
			sl2 := &sleeper{}
			srv2, _ := sc.server(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
				if n <= 2 {
					w.WriteHeader(http.StatusTooManyRequests)
					return true
				}
				return false
			})
			f2 := sc.fetcher(Options{Client: srv2.Client(), BaseURL: srv2.URL, Now: at(sc.now), Sleep: sl2.Sleep, Seed: 7})
			if _, err := f2.Fetch(context.Background(), Request{Symbol: sc.symbol, Since: sc.since}); err != nil {
				t.Fatal(err)
			}
			if got := sl2.got(); got[0] != waits[0] || got[1] != waits[1] {
				t.Errorf("same seed, different waits: %v vs %v", got, waits)
			}
		})
	}
}

func TestRetryAfterTooLong(t *testing.T) {
	srv, cnt := binanceServer(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTeapot) // Binance: IP banned for an hour
		w.Write([]byte(`{"code":-1003,"msg":"Way too many requests; IP banned until 1767700000000."}`))
		return true
	})
	sl := &sleeper{}
	_, err := NewBinance(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at("2026-01-07T01:00:00Z"), Sleep: sl.Sleep}).
		Fetch(context.Background(), Request{Symbol: "BTCUSDT"})
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Hour {
		t.Fatalf("err = %v, want a rate limit of 1h", err)
	}
	if cnt.count() != 1 || len(sl.got()) != 0 {
		t.Errorf("waited %v over %d requests", sl.got(), cnt.count())
	}
}

func TestMalformedBody(t *testing.T) {
	bodies := map[string][]string{
		"yahoo": {
			`<html><body>Will be right back...</body></html>`,
			`{"chart":{"result":[{"meta":{"exchangeTimezoneName":"America/New_York"},"timestamp":[1771857000,1771943400],"indicators":{"quote":[{"open":[1],"high":[1],"low":[1],"close":[1],"volume":[0]}]}}],"error":null}}`,
			`{"finance":{"result":null,"error":{"code":"unauthorized"}}}`,
		},
		"binance": {
			`{"serverTime":1767700000000}`,
			`[[1767225600000,"87000.1","88000","86000","87500","12.5"]]`,
			`[[1767225600000,"abc","88000","86000","87500","12.5",1767311999999,"0",1,"0","0","0"]]`,
		},
		"coinbase": {
			`[[1758672000,111066.07,113950.0]]`,
			`[[1758672000.5,1,2,1,2,3]]`,
			`{"candles":[]}`,
		},
	}
	for _, sc := range sourceCases() {
		for i, body := range bodies[sc.name] {
			t.Run(sc.name+strconv.Itoa(i), func(t *testing.T) {
				srv, cnt := sc.server(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
					w.Write([]byte(body))
					return true
				})
				sl := &sleeper{}
				f := sc.fetcher(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at(sc.now), Sleep: sl.Sleep})
				_, err := f.Fetch(context.Background(), Request{Symbol: sc.symbol, Since: sc.since})
				t.Logf("%v", err)
				var me *MalformedError
				if !errors.As(err, &me) {
					t.Fatalf("err = %v, want malformed", err)
				}
				if strings.Contains(err.Error(), "\n") || cnt.count() != 1 {
					t.Errorf("message %q after %d requests", err, cnt.count())
				}
			})
		}
	}
}

func TestTruncatedPage(t *testing.T) {
	for _, sc := range sourceCases() {
		for _, how := range []string{"cut json", "short body"} {
			t.Run(sc.name+" "+how, func(t *testing.T) {
				// Record a good response, then serve it cut in half.
				good, _ := sc.server(t, nil)
				full := recordFirst(t, sc, good)
				truncate := func(n int, w http.ResponseWriter, r *http.Request) bool {
					if how == "short body" {
						// The connection drops: fewer bytes than Content-Length.
						w.Header().Set("Content-Length", strconv.Itoa(len(full)))
						w.WriteHeader(200)
						w.Write(full[:len(full)/2])
						if hj, ok := w.(http.Hijacker); ok {
							if c, _, err := hj.Hijack(); err == nil {
								c.Close()
							}
						}
						return true
					}
					w.Write(full[:len(full)/2])
					return true
				}
				// Truncated once, then complete: retried, success.
				srv, cnt := sc.server(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
					return n == 1 && truncate(n, w, r)
				})
				sl := &sleeper{}
				f := sc.fetcher(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at(sc.now), Sleep: sl.Sleep})
				res, err := f.Fetch(context.Background(), Request{Symbol: sc.symbol, Since: sc.since})
				if err != nil {
					t.Fatalf("after one truncated page: %v", err)
				}
				if len(res.Bars) != sc.bars || len(sl.got()) != 1 || cnt.count() < 2 {
					t.Errorf("bars %d, waits %v, requests %d", len(res.Bars), sl.got(), cnt.count())
				}
				// Always truncated: an error after the retries, never partial data.
				srv2, cnt2 := sc.server(t, truncate)
				sl2 := &sleeper{}
				f2 := sc.fetcher(Options{Client: srv2.Client(), BaseURL: srv2.URL, Now: at(sc.now), Sleep: sl2.Sleep, Retries: 2})
				res, err = f2.Fetch(context.Background(), Request{Symbol: sc.symbol, Since: sc.since})
				if err == nil || res != nil {
					t.Fatalf("always truncated: res %v err %v", res, err)
				}
				t.Logf("always truncated: %v", err)
				if !strings.Contains(err.Error(), "truncated") && !strings.Contains(err.Error(), "cut short") {
					t.Errorf("message %q does not say the response was truncated", err)
				}
				if errors.Is(err, ErrOffline) || cnt2.count() != 3 || len(sl2.got()) != 2 {
					t.Errorf("offline=%v requests %d waits %v", errors.Is(err, ErrOffline), cnt2.count(), sl2.got())
				}
			})
		}
	}
}

// recordFirst returns the body of the first request a fetch makes.
func recordFirst(t *testing.T, sc sourceCase, srv *httptest.Server) []byte {
	t.Helper()
	var body []byte
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := srv.Client().Transport.RoundTrip(r)
		if err == nil && body == nil {
			buf := make([]byte, 0, 4096)
			b := make([]byte, 4096)
			for {
				n, rerr := resp.Body.Read(b)
				buf = append(buf, b[:n]...)
				if rerr != nil {
					break
				}
			}
			resp.Body.Close()
			body = buf
			resp.Body = nopCloser{strings.NewReader(string(buf))}
		}
		return resp, err
	})
	f := sc.fetcher(Options{Client: &http.Client{Transport: rt}, BaseURL: srv.URL, Now: at(sc.now)})
	if _, err := f.Fetch(context.Background(), Request{Symbol: sc.symbol, Since: sc.since}); err != nil {
		t.Fatal(err)
	}
	if len(body) < 20 {
		t.Fatalf("recorded body %q", body)
	}
	return body
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestOffline(t *testing.T) {
	// DNS failure: no retry, one line pointing to riskon data import.
	dns := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: r.URL.Hostname(), IsNotFound: true}}
	})
	for _, name := range Sources() {
		sl := &sleeper{}
		f, err := New(name, Options{Client: &http.Client{Transport: dns}, Sleep: sl.Sleep})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Fetch(context.Background(), Request{Symbol: "BTC-USD"})
		if !errors.Is(err, ErrOffline) {
			t.Fatalf("%s: err = %v, want offline", name, err)
		}
		msg := err.Error()
		t.Logf("offline: %s", msg)
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "riskon data import") || !strings.Contains(msg, "no such host") || !strings.HasPrefix(msg, name+": cannot reach ") {
			t.Errorf("%s: message %q", name, msg)
		}
		if len(sl.got()) != 0 {
			t.Errorf("%s: retried a DNS failure: %v", name, sl.got())
		}
	}
	// Connection refused: offline at once, no retries.
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	sl := &sleeper{}
	_, err := NewBinance(Options{BaseURL: u, Sleep: sl.Sleep, Retries: 2}).Fetch(context.Background(), Request{Symbol: "BTCUSDT"})
	if !errors.Is(err, ErrOffline) || len(sl.got()) != 0 || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("refused: err %v, waits %v", err, sl.got())
	}
}

func TestConnectionResetIsRetried(t *testing.T) {
	// The server accepts the connection and drops it without answering.
	srv, cnt := binanceServer(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n > 1 {
			return false
		}
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
		return true
	})
	sl := &sleeper{}
	res, err := NewBinance(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at("2026-01-07T01:00:00Z"), Sleep: sl.Sleep}).
		Fetch(context.Background(), Request{Symbol: "BTCUSDT", Since: day("2026-01-02")})
	if err != nil || len(res.Bars) != 5 || cnt.count() != 2 || len(sl.got()) != 1 {
		t.Errorf("err %v, requests %d, waits %v", err, cnt.count(), sl.got())
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	srv, cnt := coinbaseServer(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			w.WriteHeader(502)
			w.Write([]byte("<html>Bad Gateway</html>"))
			return true
		}
		return false
	})
	sl := &sleeper{}
	res, err := NewCoinbase(Options{Client: srv.Client(), BaseURL: srv.URL, Now: at("2025-09-25T01:00:00Z"), Sleep: sl.Sleep}).
		Fetch(context.Background(), Request{Symbol: "BTC-USD", Since: day("2025-09-20")})
	if err != nil || len(res.Bars) != 5 || cnt.count() != 2 || len(sl.got()) != 1 {
		t.Errorf("err %v, requests %d, waits %v", err, cnt.count(), sl.got())
	}
	// A 4xx other than 429 is not retried.
	srv2, cnt2 := coinbaseServer(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(400)
		w.Write([]byte(`{"message":"Invalid end"}`))
		return true
	})
	_, err = NewCoinbase(Options{Client: srv2.Client(), BaseURL: srv2.URL, Now: at("2025-09-25T01:00:00Z"), Sleep: sl.Sleep}).
		Fetch(context.Background(), Request{Symbol: "BTC-USD"})
	if err == nil || !strings.Contains(err.Error(), "Invalid end") || cnt2.count() != 1 {
		t.Errorf("400: err %v after %d requests", err, cnt2.count())
	}
}

func TestCancelledContextStopsRetries(t *testing.T) {
	srv, _ := binanceServer(t, func(n int, w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(503)
		return true
	})
	ctx, cancel := context.WithCancel(context.Background())
	sleep := func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	_, err := NewBinance(Options{Client: srv.Client(), BaseURL: srv.URL, Sleep: sleep}).Fetch(ctx, Request{Symbol: "BTCUSDT"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context canceled", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 7, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{"Wed, 07 Jan 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Wed, 07 Jan 2026 11:00:00 GMT", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := parseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %v %v, want %v %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestYahooCalendars(t *testing.T) {
	for _, c := range []struct {
		meta string
		want string
	}{
		{`{"exchangeTimezoneName":"America/New_York","instrumentType":"ETF"}`, "nyse"},
		{`{"exchangeTimezoneName":"UTC","instrumentType":"CRYPTOCURRENCY"}`, "24x7"},
		{`{"exchangeTimezoneName":"Europe/London","instrumentType":"INDEX","currentTradingPeriod":{"regular":{"start":1771833600,"end":1771864200}}}`, "Europe/London 08:00-16:30"},
	} {
		var m yahooMeta
		if err := json.Unmarshal([]byte(c.meta), &m); err != nil {
			t.Fatal(err)
		}
		cal, err := yahooCalendar(m)
		if err != nil || cal.Name() != c.want {
			t.Errorf("%s: %q %v, want %q", c.meta, cal.Name(), err, c.want)
		}
	}
}

func TestNewUnknownSource(t *testing.T) {
	if _, err := New("kraken", Options{}); err == nil || !strings.Contains(err.Error(), "yahoo, binance, coinbase") {
		t.Errorf("err = %v", err)
	}
}

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	if !Probe(context.Background(), srv.Client(), srv.URL, time.Second) {
		t.Error("a 404 answer means the network is up")
	}
	u := srv.URL
	srv.Close()
	start := time.Now()
	if Probe(context.Background(), nil, u, time.Second) {
		t.Error("a closed port answered")
	}
	if time.Since(start) > 2*time.Second {
		t.Error("probe too slow")
	}
}
