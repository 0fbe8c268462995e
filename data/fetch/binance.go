package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/riskon/riskon/data"
)

// BinanceClient fetches Binance spot klines:
// GET /api/v3/klines?symbol=BTCUSDT&interval=1d&startTime=MS&limit=1000,
// paging forward from startTime until a page comes back short. Days are UTC
// (calendar 24x7); prices are in the quote asset (USDT for BTCUSDT).
type BinanceClient struct {
	c *client
}

// NewBinance returns a Binance spot fetcher.
func NewBinance(o Options) *BinanceClient {
	return &BinanceClient{c: newClient(Binance, o.withDefaults(BinanceURL, 1000))}
}

// Name returns "binance".
func (b *BinanceClient) Name() string { return Binance }

type binanceError struct {
	Code *int   `json:"code"`
	Msg  string `json:"msg"`
}

// kline is one parsed Binance kline.
type kline struct {
	openMS, closeMS int64
	bar             data.Bar
}

// parseBinance parses a klines page:
// [[openTime, "open", "high", "low", "close", "volume", closeTime, ...], ...].
func parseBinance(symbol string, body []byte) ([]kline, error) {
	var rows []json.RawMessage
	if err := decodeJSON(Binance, symbol, body, &rows); err != nil {
		var e binanceError
		if json.Unmarshal(body, &e) == nil && e.Code != nil {
			return nil, binanceErr(symbol, 200, e)
		}
		return nil, err
	}
	out := make([]kline, 0, len(rows))
	for i, raw := range rows {
		var f []json.RawMessage
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, &MalformedError{Source: Binance, Symbol: symbol, What: fmt.Sprintf("kline %d is not an array", i)}
		}
		if len(f) < 7 {
			return nil, &MalformedError{Source: Binance, Symbol: symbol, What: fmt.Sprintf("kline %d has %d fields, want at least 7", i, len(f))}
		}
		var k kline
		var err error
		if k.openMS, err = jsonInt(f[0]); err != nil {
			return nil, &MalformedError{Source: Binance, Symbol: symbol, What: fmt.Sprintf("kline %d open time: %v", i, err)}
		}
		if k.closeMS, err = jsonInt(f[6]); err != nil {
			return nil, &MalformedError{Source: Binance, Symbol: symbol, What: fmt.Sprintf("kline %d close time: %v", i, err)}
		}
		var v [5]float64
		for j := 0; j < 5; j++ {
			if v[j], err = jsonFloat(f[1+j]); err != nil {
				return nil, &MalformedError{Source: Binance, Symbol: symbol, What: fmt.Sprintf("kline %d %s: %v", i, [...]string{"open", "high", "low", "close", "volume"}[j], err)}
			}
		}
		if k.openMS < 0 || k.openMS > 1<<53 {
			return nil, &MalformedError{Source: Binance, Symbol: symbol, What: fmt.Sprintf("kline %d open time %d out of range", i, k.openMS)}
		}
		k.bar = data.Bar{Date: data.DateFromUnix(k.openMS / 1000), Open: v[0], High: v[1], Low: v[2], Close: v[3], Volume: v[4]}
		if bad := badNumber(k.bar); bad != "" {
			return nil, &MalformedError{Source: Binance, Symbol: symbol, What: fmt.Sprintf("kline %d: %s", i, bad)}
		}
		out = append(out, k)
	}
	return out, nil
}

// jsonInt reads a JSON integer (or a string holding one).
func jsonInt(r json.RawMessage) (int64, error) {
	s := strings.Trim(strings.TrimSpace(string(r)), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return n, nil
}

// jsonFloat reads a JSON number or a string holding one (Binance quotes
// prices as strings).
func jsonFloat(r json.RawMessage) (float64, error) {
	s := strings.Trim(strings.TrimSpace(string(r)), `"`)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

func binanceErr(symbol string, status int, e binanceError) error {
	if e.Code != nil && *e.Code == -1121 {
		return &UnknownSymbolError{Source: Binance, Symbol: symbol, Msg: e.Msg}
	}
	code := 0
	if e.Code != nil {
		code = *e.Code
	}
	return fmt.Errorf("binance %s: HTTP %d, error %d: %s", symbol, status, code, oneLine(e.Msg))
}

// Fetch downloads the daily klines of req.Symbol from req.Since.
func (b *BinanceClient) Fetch(ctx context.Context, req Request) (*Result, error) {
	sym := strings.ToUpper(strings.TrimSpace(req.Symbol))
	if sym == "" {
		return nil, errors.New("binance: empty symbol")
	}
	start := b.c.nreq
	now := b.c.o.Now()
	cursor := req.Since.Unix() * 1000
	if req.Since == 0 {
		cursor = 0
	}
	var bars []data.Bar
	for pages := 1; ; pages++ {
		if pages > b.c.o.MaxPages {
			return nil, fmt.Errorf("binance %s: more than %d pages; stopping", sym, b.c.o.MaxPages)
		}
		u := fmt.Sprintf("%s/api/v3/klines?symbol=%s&interval=1d&startTime=%d&limit=%d", b.c.o.BaseURL, url.QueryEscape(sym), cursor, b.c.o.PageSize)
		var page []kline
		err := b.c.get(ctx, u, func(body []byte) error {
			var err error
			page, err = parseBinance(sym, body)
			return err
		}, func(status int, body []byte) error {
			var e binanceError
			if json.Unmarshal(body, &e) == nil && e.Code != nil {
				return binanceErr(sym, status, e)
			}
			if status == 451 {
				return fmt.Errorf("binance %s: HTTP 451: api.binance.com is not available from this location; try --source coinbase (or set the Binance base URL)", sym)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, k := range page {
			bars = append(bars, k.bar)
		}
		last := page[len(page)-1].openMS
		if last < cursor {
			return nil, &MalformedError{Source: Binance, Symbol: sym, What: fmt.Sprintf("page starting %d ends at %d: no progress", cursor, last)}
		}
		cursor = last + 86400*1000
		if len(page) < b.c.o.PageSize || cursor > now.UnixMilli() {
			break
		}
	}
	res := &Result{Source: Binance, Symbol: sym, Calendar: data.CalendarCrypto, Timezone: "UTC"}
	finish(res, bars, req.Since, data.Crypto24x7(), now, 0)
	res.Requests = b.c.nreq - start
	return res, nil
}
