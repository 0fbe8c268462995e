package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/riskon/riskon/data"
)

// YahooClient fetches Yahoo Finance's chart API:
// GET /v8/finance/chart/{symbol}?period1&period2&interval=1d.
//
// Bars are dated in the exchange's time zone (meta.exchangeTimezoneName):
// ^RUT and US ETFs get the nyse calendar, crypto pairs (BTC-USD, zone UTC)
// 24x7, other exchanges a "ZONE HH:MM-HH:MM" calendar from the regular
// trading period. Prices are the raw (unadjusted) open, high, low and close;
// the adjclose series is ignored, as on CSV import. Rows with a null price
// (Yahoo writes them for some holidays) are skipped; a null volume is 0.
//
// Long histories are fetched in chunks of PageSize days (default 3650).
type YahooClient struct {
	c *client
}

// NewYahoo returns a Yahoo Finance fetcher.
func NewYahoo(o Options) *YahooClient {
	return &YahooClient{c: newClient(Yahoo, o.withDefaults(YahooURL, 3650))}
}

// Name returns "yahoo".
func (y *YahooClient) Name() string { return Yahoo }

type yahooResponse struct {
	Chart *struct {
		Result []yahooResult `json:"result"`
		Error  *yahooError   `json:"error"`
	} `json:"chart"`
}

type yahooError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

type yahooResult struct {
	Meta       yahooMeta `json:"meta"`
	Timestamp  []int64   `json:"timestamp"`
	Indicators struct {
		Quote []struct {
			Open   []*float64 `json:"open"`
			High   []*float64 `json:"high"`
			Low    []*float64 `json:"low"`
			Close  []*float64 `json:"close"`
			Volume []*float64 `json:"volume"`
		} `json:"quote"`
	} `json:"indicators"`
}

type yahooMeta struct {
	Currency             string `json:"currency"`
	Symbol               string `json:"symbol"`
	InstrumentType       string `json:"instrumentType"`
	FirstTradeDate       *int64 `json:"firstTradeDate"`
	GMTOffset            int    `json:"gmtoffset"`
	ExchangeTimezoneName string `json:"exchangeTimezoneName"`
	CurrentTradingPeriod *struct {
		Regular struct {
			Start int64 `json:"start"`
			End   int64 `json:"end"`
		} `json:"regular"`
	} `json:"currentTradingPeriod"`
}

// yahooChunk is one parsed chart response.
type yahooChunk struct {
	meta  yahooMeta
	bars  []data.Bar
	empty bool // "Data doesn't exist" for the range
}

// decodeJSON unmarshals body into v; a body that ends early is
// errTruncated (retried), anything else that is not JSON is malformed.
func decodeJSON(source, symbol string, body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	if len(strings.TrimSpace(string(body))) == 0 || (errors.As(err, &se) && se.Offset >= int64(len(body))) ||
		strings.Contains(err.Error(), "unexpected end of JSON input") {
		return fmt.Errorf("%s %s: %w (%d bytes)", source, symbol, errTruncated, len(body))
	}
	return &MalformedError{Source: source, Symbol: symbol, What: err.Error() + " (body starts " + strconv.Quote(string(head(body))) + ")"}
}

// parseYahoo parses a chart response into bars dated in the exchange's
// zone.
func parseYahoo(symbol string, body []byte) (*yahooChunk, error) {
	var r yahooResponse
	if err := decodeJSON(Yahoo, symbol, body, &r); err != nil {
		return nil, err
	}
	if r.Chart == nil {
		return nil, &MalformedError{Source: Yahoo, Symbol: symbol, What: "no \"chart\" object"}
	}
	if r.Chart.Error != nil {
		return nil, yahooErr(symbol, r.Chart.Error)
	}
	if len(r.Chart.Result) == 0 {
		return nil, &MalformedError{Source: Yahoo, Symbol: symbol, What: "empty chart result"}
	}
	res := r.Chart.Result[0]
	ch := &yahooChunk{meta: res.Meta}
	if len(res.Timestamp) == 0 {
		return ch, nil
	}
	if len(res.Indicators.Quote) == 0 {
		return nil, &MalformedError{Source: Yahoo, Symbol: symbol, What: fmt.Sprintf("%d timestamps but no quote", len(res.Timestamp))}
	}
	q := res.Indicators.Quote[0]
	n := len(res.Timestamp)
	for k, col := range [][]*float64{q.Open, q.High, q.Low, q.Close} {
		if len(col) != n {
			name := [...]string{"open", "high", "low", "close"}[k]
			return nil, &MalformedError{Source: Yahoo, Symbol: symbol, What: fmt.Sprintf("%d timestamps but %d %s values", n, len(col), name)}
		}
	}
	if len(q.Volume) != 0 && len(q.Volume) != n {
		return nil, &MalformedError{Source: Yahoo, Symbol: symbol, What: fmt.Sprintf("%d timestamps but %d volume values", n, len(q.Volume))}
	}
	loc, err := yahooLocation(res.Meta)
	if err != nil {
		return nil, &MalformedError{Source: Yahoo, Symbol: symbol, What: err.Error()}
	}
	for i, ts := range res.Timestamp {
		if q.Open[i] == nil || q.High[i] == nil || q.Low[i] == nil || q.Close[i] == nil {
			continue
		}
		y, m, d := time.Unix(ts, 0).In(loc).Date()
		b := data.Bar{Date: data.DateOf(y, m, d), Open: *q.Open[i], High: *q.High[i], Low: *q.Low[i], Close: *q.Close[i]}
		if len(q.Volume) == n && q.Volume[i] != nil {
			b.Volume = *q.Volume[i]
		}
		if bad := badNumber(b); bad != "" {
			return nil, &MalformedError{Source: Yahoo, Symbol: symbol, What: fmt.Sprintf("%s on %s", bad, b.Date)}
		}
		ch.bars = append(ch.bars, b)
	}
	return ch, nil
}

// badNumber names a non-finite value of a bar ("" if none). Non-positive
// prices are left to the store's validation, which names them.
func badNumber(b data.Bar) string {
	for _, v := range []float64{b.Open, b.High, b.Low, b.Close, b.Volume} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "non-finite price or volume"
		}
	}
	return ""
}

func yahooErr(symbol string, e *yahooError) error {
	switch {
	case strings.EqualFold(e.Code, "Not Found"):
		return &UnknownSymbolError{Source: Yahoo, Symbol: symbol, Msg: e.Description}
	case strings.Contains(e.Description, "Data doesn't exist"):
		return errNoData
	}
	return fmt.Errorf("yahoo %s: %s: %s", symbol, e.Code, oneLine(e.Description))
}

// errNoData is Yahoo's answer for a range without bars.
var errNoData = errors.New("no data in range")

func yahooLocation(m yahooMeta) (*time.Location, error) {
	if m.ExchangeTimezoneName != "" {
		if loc, err := time.LoadLocation(m.ExchangeTimezoneName); err == nil {
			return loc, nil
		}
	}
	if m.ExchangeTimezoneName == "" && m.GMTOffset == 0 && m.InstrumentType == "" {
		return nil, errors.New("meta has no exchangeTimezoneName")
	}
	return time.FixedZone("exchange", m.GMTOffset), nil
}

// yahooCalendar picks the calendar of a chart's meta.
func yahooCalendar(m yahooMeta) (data.Calendar, error) {
	if strings.EqualFold(m.InstrumentType, "CRYPTOCURRENCY") || m.ExchangeTimezoneName == "UTC" {
		return data.Crypto24x7(), nil
	}
	if m.ExchangeTimezoneName == "America/New_York" {
		return data.NYSE(), nil
	}
	loc, err := yahooLocation(m)
	if err != nil {
		return data.Calendar{}, err
	}
	if m.CurrentTradingPeriod == nil || m.CurrentTradingPeriod.Regular.End <= m.CurrentTradingPeriod.Regular.Start {
		return data.Calendar{}, fmt.Errorf("no regular trading period for zone %s", m.ExchangeTimezoneName)
	}
	o := time.Unix(m.CurrentTradingPeriod.Regular.Start, 0).In(loc)
	c := time.Unix(m.CurrentTradingPeriod.Regular.End, 0).In(loc)
	return data.ParseCalendar(fmt.Sprintf("%s %02d:%02d-%02d:%02d", loc.String(), o.Hour(), o.Minute(), c.Hour(), c.Minute()))
}

func (y *YahooClient) chunk(ctx context.Context, symbol string, p1, p2 int64) (*yahooChunk, error) {
	u := fmt.Sprintf("%s/v8/finance/chart/%s?period1=%d&period2=%d&interval=1d&includePrePost=false",
		y.c.o.BaseURL, url.PathEscape(symbol), p1, p2)
	var ch *yahooChunk
	err := y.c.get(ctx, u, func(body []byte) error {
		var err error
		ch, err = parseYahoo(symbol, body)
		if errors.Is(err, errNoData) {
			ch, err = &yahooChunk{empty: true}, nil
		}
		return err
	}, func(status int, body []byte) error {
		var r yahooResponse
		if json.Unmarshal(body, &r) == nil && r.Chart != nil && r.Chart.Error != nil {
			err := yahooErr(symbol, r.Chart.Error)
			if errors.Is(err, errNoData) {
				ch = &yahooChunk{empty: true}
				return errNoData
			}
			return err
		}
		if status == 404 {
			return &UnknownSymbolError{Source: Yahoo, Symbol: symbol, Msg: "HTTP 404"}
		}
		return nil
	})
	if errors.Is(err, errNoData) {
		return ch, nil
	}
	return ch, err
}

// Fetch downloads the daily history of req.Symbol from req.Since.
func (y *YahooClient) Fetch(ctx context.Context, req Request) (*Result, error) {
	sym := strings.TrimSpace(req.Symbol)
	if sym == "" {
		return nil, errors.New("yahoo: empty symbol")
	}
	start := y.c.nreq
	now := y.c.o.Now()
	end := now.Unix()
	var meta *yahooMeta
	var bars []data.Bar
	from := req.Since.Unix() - 86400 // a day early: exchanges east of UTC stamp bars on the previous UTC day
	if req.Since == 0 {
		// Ask for the last days first: the meta says when trading began, so
		// the chunks need not walk from 1970.
		ch, err := y.chunk(ctx, sym, end-10*86400, end)
		if err != nil {
			return nil, err
		}
		if !ch.empty {
			meta = &ch.meta
			bars = append(bars, ch.bars...)
			if ft := ch.meta.FirstTradeDate; ft != nil && *ft > from {
				from = *ft - 86400
			}
		}
	}
	step := int64(y.c.o.PageSize) * 86400
	pages := 0
	for p1 := from; p1 < end; p1 += step {
		if pages++; pages > y.c.o.MaxPages {
			return nil, fmt.Errorf("yahoo %s: more than %d chunks; stopping", sym, y.c.o.MaxPages)
		}
		p2 := min(p1+step, end)
		ch, err := y.chunk(ctx, sym, p1, p2)
		if err != nil {
			return nil, err
		}
		if ch.empty {
			continue
		}
		if meta == nil {
			meta = &ch.meta
		}
		bars = append(bars, ch.bars...)
	}
	if meta == nil {
		return nil, &UnknownSymbolError{Source: Yahoo, Symbol: sym, Msg: "no data in any requested range"}
	}
	cal, err := yahooCalendar(*meta)
	if err != nil {
		return nil, &MalformedError{Source: Yahoo, Symbol: sym, What: err.Error()}
	}
	res := &Result{Source: Yahoo, Symbol: sym, Calendar: cal.Name(), Timezone: meta.ExchangeTimezoneName, Currency: meta.Currency}
	finish(res, bars, req.Since, cal, now, 0)
	res.Requests = y.c.nreq - start
	return res, nil
}
