// Package fetch downloads daily bars from public price sources: Yahoo
// Finance's chart API (indexes such as ^RUT, ETFs such as IWM, BTC-USD),
// Binance spot klines and Coinbase Exchange candles. It is a pure HTTP
// client: it never touches the database, prints nothing, and takes its
// http.Client, base URLs, clock and sleeper from Options, so tests serve
// recorded responses with httptest and never reach the internet.
//
// Every request has a timeout and is retried with exponential backoff and
// jitter (from a seeded source) on network errors, truncated bodies, HTTP
// 5xx and rate limits (HTTP 429 and 418, honouring Retry-After). A machine
// without network gets one line that says so and points to `riskon data
// import`.
//
// Dates follow the source's calendar: Yahoo bars are dated in the
// exchange's time zone (^RUT in America/New_York), crypto bars by UTC day.
// A last bar whose session has not closed yet is provisional: it is left
// out of Bars and returned in Result.Provisional.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/riskon/riskon/data"
)

// Source names.
const (
	Yahoo    = "yahoo"
	Binance  = "binance"
	Coinbase = "coinbase"
)

// Sources lists the source names New accepts.
func Sources() []string { return []string{Yahoo, Binance, Coinbase} }

// Default base URLs.
const (
	YahooURL    = "https://query1.finance.yahoo.com"
	BinanceURL  = "https://api.binance.com"
	CoinbaseURL = "https://api.exchange.coinbase.com"
)

// Request asks for the daily history of one remote symbol.
type Request struct {
	Symbol string    // remote symbol: ^RUT, IWM, BTC-USD (Yahoo); BTCUSDT (Binance); BTC-USD (Coinbase)
	Since  data.Date // first date wanted; 0 = the whole history
}

// Result is a fetched history.
type Result struct {
	Source   string
	Symbol   string
	Calendar string // nyse, 24x7 or "ZONE HH:MM-HH:MM"
	Timezone string // the exchange's time zone (dates are in it)
	Currency string
	// Bars are the complete bars on or after Since, ascending by date.
	Bars []data.Bar
	// Provisional is the last bar when its session had not closed at the
	// time of the fetch (it would change); it is not in Bars.
	Provisional *data.Bar
	Requests    int // HTTP requests made, retries included
}

// Fetcher downloads daily bars from one source.
type Fetcher interface {
	Name() string
	Fetch(ctx context.Context, req Request) (*Result, error)
}

// Options configure a fetcher. Zero values take the defaults.
type Options struct {
	Client    *http.Client  // default: a new client (no global state)
	BaseURL   string        // default: the source's public API
	UserAgent string        // default "riskon/0.1 (+https://github.com/riskon/riskon)"
	Timeout   time.Duration // per request, default 30s
	// Retries is the number of retries after a failed request (default 4;
	// negative: none).
	Retries    int
	Backoff    time.Duration // first backoff, default 1s; doubled each retry, with jitter
	MaxBackoff time.Duration // default 60s
	// MaxRetryAfter is the longest Retry-After the fetcher waits for
	// (default 2m); a longer one is an error saying when to come back.
	MaxRetryAfter time.Duration
	Seed          uint64                                           // seeds the backoff jitter
	Now           func() time.Time                                 // default time.Now
	Sleep         func(ctx context.Context, d time.Duration) error // default: a timer that honours ctx
	Log           *slog.Logger                                     // default: discard
	// PageSize is the number of bars asked per request: Binance's limit
	// (default and maximum 1000), Coinbase's window (default and maximum
	// 300), Yahoo's chunk in days (default 3650).
	PageSize int
	MaxPages int // safety stop, default 500
}

func (o Options) withDefaults(base string, page int) Options {
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.BaseURL == "" {
		o.BaseURL = base
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.UserAgent == "" {
		o.UserAgent = "riskon/0.1 (+https://github.com/riskon/riskon)"
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 4
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Minute
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 2 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.PageSize <= 0 || o.PageSize > page {
		o.PageSize = page
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 500
	}
	return o
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// New returns the fetcher of a source: yahoo, binance or coinbase.
func New(source string, o Options) (Fetcher, error) {
	switch strings.ToLower(strings.TrimSpace(source)) {
	case Yahoo:
		return NewYahoo(o), nil
	case Binance:
		return NewBinance(o), nil
	case Coinbase:
		return NewCoinbase(o), nil
	}
	return nil, fmt.Errorf("unknown source %q: want one of %s", source, strings.Join(Sources(), ", "))
}

// ErrOffline is matched (errors.Is) by errors that mean the source cannot
// be reached at all.
var ErrOffline = errors.New("price source unreachable")

// ImportHint is appended to offline errors.
const ImportHint = "import local files instead: riskon data import FILE --symbol SYM"

// OfflineError says a source could not be reached (no network, DNS
// failure, connection refused or timed out on every attempt).
type OfflineError struct {
	Source string
	Host   string
	Err    error
}

func (e *OfflineError) Error() string {
	return fmt.Sprintf("%s: cannot reach %s (offline?): %s; %s", e.Source, e.Host, oneLine(rootCause(e.Err)), ImportHint)
}

// Unwrap returns the network error.
func (e *OfflineError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrOffline) true.
func (e *OfflineError) Is(target error) bool { return target == ErrOffline }

// ErrUnknownSymbol is matched (errors.Is) when the source does not know the
// remote symbol.
var ErrUnknownSymbol = errors.New("unknown symbol")

// UnknownSymbolError says the source does not know the remote symbol.
type UnknownSymbolError struct {
	Source, Symbol, Msg string
}

func (e *UnknownSymbolError) Error() string {
	return fmt.Sprintf("%s has no symbol %q: %s", e.Source, e.Symbol, e.Msg)
}

// Is makes errors.Is(err, ErrUnknownSymbol) true.
func (e *UnknownSymbolError) Is(target error) bool { return target == ErrUnknownSymbol }

// HTTPError is a non-retryable HTTP status (or a retryable one after the
// last retry).
type HTTPError struct {
	Source string
	URL    string
	Status int
	Body   string // the first bytes of the body
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s: HTTP %d from %s: %s", e.Source, e.Status, e.URL, oneLine(e.Body))
}

// RateLimitError says the source asked us to wait longer than
// MaxRetryAfter, or kept refusing after every retry.
type RateLimitError struct {
	Source     string
	RetryAfter time.Duration
	Status     int
}

func (e *RateLimitError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("%s: rate limited (HTTP %d): the source asks to retry after %s; try again later", e.Source, e.Status, e.RetryAfter)
	}
	return fmt.Sprintf("%s: rate limited (HTTP %d) on every retry; try again later", e.Source, e.Status)
}

// MalformedError is a response that is not what the source's API returns.
type MalformedError struct {
	Source, Symbol, What string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("%s %s: malformed response: %s", e.Source, e.Symbol, oneLine(e.What))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}

func rootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// client does requests with timeouts, retries and rate-limit handling.
type client struct {
	o      Options
	source string
	mu     sync.Mutex
	rng    *rand.Rand
	nreq   int
}

func newClient(source string, o Options) *client {
	return &client{o: o, source: source, rng: rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))}
}

// backoff returns the wait before retry number attempt (0-based):
// Backoff x 2^attempt capped at MaxBackoff, with "equal jitter" (half fixed,
// half uniform random from the seeded source).
func (c *client) backoff(attempt int) time.Duration {
	d := c.o.Backoff
	for i := 0; i < attempt && d < c.o.MaxBackoff; i++ {
		d *= 2
	}
	if d > c.o.MaxBackoff {
		d = c.o.MaxBackoff
	}
	c.mu.Lock()
	j := c.rng.Float64()
	c.mu.Unlock()
	return d/2 + time.Duration(j*float64(d/2))
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(h); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// offline reports whether err means the host cannot be reached at all
// (name resolution, no route, connection refused or timed out while
// connecting), so that retrying is pointless: the command fails at once
// with one line. Failures after connecting are retried.
func offline(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETDOWN) ||
		errors.Is(err, syscall.ECONNREFUSED)
}

// errTruncated marks a body that ended early; the request is retried.
var errTruncated = errors.New("truncated response body")

// maxBody bounds a response body.
const maxBody = 64 << 20

// get fetches u and hands a 200 body to parse. Network errors, truncated
// bodies (parse returning errTruncated), 5xx and 429/418 are retried;
// onStatus turns other statuses into source-specific errors.
func (c *client) get(ctx context.Context, u string, parse func([]byte) error, onStatus func(status int, body []byte) error) error {
	host := u
	if pu, err := url.Parse(u); err == nil {
		host = pu.Host
	}
	var lastErr error
	netFailures := 0
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: %w", c.source, err)
		}
		wait, retry, err := c.once(ctx, u, parse, onStatus)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", c.source, ctx.Err())
		}
		var ne *netError
		if errors.As(err, &ne) && !ne.reached {
			if offline(ne.err) {
				return &OfflineError{Source: c.source, Host: host, Err: ne.err}
			}
			netFailures++
		}
		lastErr = err
		if !retry || attempt >= c.o.Retries {
			break
		}
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		c.o.Log.Debug("retrying", "source", c.source, "url", u, "attempt", attempt+1, "wait", wait, "err", err)
		if err := c.o.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", c.source, err)
		}
	}
	var ne *netError
	if errors.As(lastErr, &ne) && netFailures == c.o.Retries+1 {
		return &OfflineError{Source: c.source, Host: host, Err: ne.err}
	}
	if errors.As(lastErr, &ne) {
		return fmt.Errorf("%s: %s: %w", c.source, host, ne.err)
	}
	return lastErr
}

// netError is a transport failure: before any response (reached false:
// the host may be unreachable) or while reading the body.
type netError struct {
	err     error
	reached bool
}

func (e *netError) Error() string { return e.err.Error() }

// once makes one request. It returns the error, whether to retry, and how
// long to wait first (0: the backoff).
func (c *client) once(ctx context.Context, u string, parse func([]byte) error, onStatus func(int, []byte) error) (time.Duration, bool, error) {
	rctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, false, fmt.Errorf("%s: bad request URL: %w", c.source, err)
	}
	req.Header.Set("User-Agent", c.o.UserAgent)
	req.Header.Set("Accept", "application/json")
	c.nreq++
	resp, err := c.o.Client.Do(req)
	if err != nil {
		return 0, true, &netError{err: err}
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if rerr != nil {
		return 0, true, &netError{err: fmt.Errorf("response cut short: %w", rerr), reached: true}
	}
	switch st := resp.StatusCode; {
	case st == http.StatusOK:
		if err := parse(body); err != nil {
			if errors.Is(err, errTruncated) {
				return 0, true, err
			}
			return 0, false, err
		}
		return 0, false, nil
	case st == http.StatusTooManyRequests || st == http.StatusTeapot || st == http.StatusServiceUnavailable:
		d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.o.Now())
		if ok && d > c.o.MaxRetryAfter {
			return 0, false, &RateLimitError{Source: c.source, RetryAfter: d, Status: st}
		}
		if st == http.StatusServiceUnavailable && !ok {
			return 0, true, &HTTPError{Source: c.source, URL: u, Status: st, Body: string(head(body))}
		}
		return d, true, &RateLimitError{Source: c.source, Status: st}
	case st >= 500:
		return 0, true, &HTTPError{Source: c.source, URL: u, Status: st, Body: string(head(body))}
	default:
		if onStatus != nil {
			if err := onStatus(st, body); err != nil {
				return 0, false, err
			}
		}
		return 0, false, &HTTPError{Source: c.source, URL: u, Status: st, Body: string(head(body))}
	}
}

func head(b []byte) []byte {
	if len(b) > 300 {
		return b[:300]
	}
	return b
}

// finish sorts bars, keeps the last of duplicate dates, drops bars before
// since, and moves a last bar whose session closes after now (plus settle)
// to Provisional.
func finish(res *Result, bars []data.Bar, since data.Date, cal data.Calendar, now time.Time, settle time.Duration) {
	sortBars(bars)
	out := bars[:0]
	for _, b := range bars {
		if b.Date < since {
			continue
		}
		if len(out) > 0 && out[len(out)-1].Date == b.Date {
			out[len(out)-1] = b
			continue
		}
		out = append(out, b)
	}
	if n := len(out); n > 0 {
		_, closeAt := cal.Session(out[n-1].Date)
		if now.Add(-settle).Unix() < closeAt {
			p := out[n-1]
			res.Provisional = &p
			out = out[:n-1]
		}
	}
	res.Bars = out
}

// sortBars sorts by date, stably: of two bars with one date the later one
// stays later (and wins in finish).
func sortBars(b []data.Bar) {
	sort.SliceStable(b, func(i, j int) bool { return b[i].Date < b[j].Date })
}

// Probe reports whether baseURL answers an HTTP request within timeout (any
// status counts: the network is up). It is the quick check quickstart makes
// before fetching.
func Probe(ctx context.Context, hc *http.Client, baseURL string, timeout time.Duration) bool {
	if hc == nil {
		hc = &http.Client{}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, baseURL, nil)
	if err != nil {
		return false
	}
	req.Header.Set("User-Agent", "riskon/0.1 (+https://github.com/riskon/riskon)")
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}
