package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/riskon/riskon/data"
)

// CoinbaseClient fetches Coinbase Exchange candles:
// GET /products/{id}/candles?granularity=86400&start=ISO&end=ISO, at most
// 300 candles per request, newest first. It pages backwards from now in
// windows of PageSize days until it reaches Since (or, for the whole
// history, the first empty window after data, or 2015-01-01 when Coinbase
// Exchange opened). Days are UTC (calendar 24x7).
type CoinbaseClient struct {
	c *client
}

// NewCoinbase returns a Coinbase Exchange fetcher.
func NewCoinbase(o Options) *CoinbaseClient {
	return &CoinbaseClient{c: newClient(Coinbase, o.withDefaults(CoinbaseURL, 300))}
}

// Name returns "coinbase".
func (c *CoinbaseClient) Name() string { return Coinbase }

// coinbaseEpoch is the first day of Coinbase Exchange.
var coinbaseEpoch = data.DateOf(2015, time.January, 1)

type coinbaseMessage struct {
	Message string `json:"message"`
}

// parseCoinbase parses [[time, low, high, open, close, volume], ...].
func parseCoinbase(symbol string, body []byte) ([]data.Bar, error) {
	var rows [][]float64
	if err := decodeJSON(Coinbase, symbol, body, &rows); err != nil {
		var m coinbaseMessage
		if json.Unmarshal(body, &m) == nil && m.Message != "" {
			return nil, coinbaseErr(symbol, 200, m.Message)
		}
		return nil, err
	}
	out := make([]data.Bar, 0, len(rows))
	for i, r := range rows {
		if len(r) < 6 {
			return nil, &MalformedError{Source: Coinbase, Symbol: symbol, What: fmt.Sprintf("candle %d has %d fields, want 6", i, len(r))}
		}
		t := r[0]
		if t != math.Trunc(t) || t < 0 || t > 1<<40 {
			return nil, &MalformedError{Source: Coinbase, Symbol: symbol, What: fmt.Sprintf("candle %d time %g is not a unix second", i, t)}
		}
		b := data.Bar{Date: data.DateFromUnix(int64(t)), Low: r[1], High: r[2], Open: r[3], Close: r[4], Volume: r[5]}
		out = append(out, b)
	}
	return out, nil
}

func coinbaseErr(symbol string, status int, msg string) error {
	if strings.EqualFold(msg, "NotFound") || status == 404 {
		return &UnknownSymbolError{Source: Coinbase, Symbol: symbol, Msg: msg}
	}
	return fmt.Errorf("coinbase %s: HTTP %d: %s", symbol, status, oneLine(msg))
}

// Fetch downloads the daily candles of req.Symbol (a product id such as
// BTC-USD) from req.Since.
func (c *CoinbaseClient) Fetch(ctx context.Context, req Request) (*Result, error) {
	sym := strings.ToUpper(strings.TrimSpace(req.Symbol))
	if sym == "" {
		return nil, errors.New("coinbase: empty product id")
	}
	start := c.c.nreq
	now := c.c.o.Now()
	floor := req.Since
	if floor == 0 {
		floor = coinbaseEpoch
	}
	window := data.Date(c.c.o.PageSize)
	end := data.DateFromTime(now) + 1 // exclusive: today's candle included
	var bars []data.Bar
	seen := false
	for pages := 1; end > floor; pages++ {
		if pages > c.c.o.MaxPages {
			return nil, fmt.Errorf("coinbase %s: more than %d pages; stopping", sym, c.c.o.MaxPages)
		}
		from := max(end-window, floor)
		u := fmt.Sprintf("%s/products/%s/candles?granularity=86400&start=%s&end=%s", c.c.o.BaseURL, url.PathEscape(sym),
			url.QueryEscape(from.Time().Format(time.RFC3339)), url.QueryEscape(time.Unix(end.Unix()-1, 0).UTC().Format(time.RFC3339)))
		var page []data.Bar
		err := c.c.get(ctx, u, func(body []byte) error {
			var err error
			page, err = parseCoinbase(sym, body)
			return err
		}, func(status int, body []byte) error {
			var m coinbaseMessage
			if json.Unmarshal(body, &m) == nil && m.Message != "" {
				return coinbaseErr(sym, status, m.Message)
			}
			if status == 404 {
				return &UnknownSymbolError{Source: Coinbase, Symbol: sym, Msg: "HTTP 404"}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 && seen && req.Since == 0 {
			break // before the product's first candle
		}
		for _, b := range page {
			if b.Date >= from && b.Date < end {
				bars = append(bars, b)
				seen = true
			}
		}
		end = from
	}
	res := &Result{Source: Coinbase, Symbol: sym, Calendar: data.CalendarCrypto, Timezone: "UTC"}
	finish(res, bars, req.Since, data.Crypto24x7(), now, 0)
	res.Requests = c.c.nreq - start
	return res, nil
}
