package format

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// roles names, for one format, the normalized header name of each column it
// reads ("" when absent). Canonical is the format's full header, used to take
// columns by position when an explicit --format meets a file whose header
// names differ.
type roles struct {
	date, open, high, low, close, volume string
}

// Format is a named CSV layout riskon recognises.
type Format struct {
	// Name is the value of --format.
	Name string
	// Description says where such files come from.
	Description string
	// Example is a header line of such a file ("" for headerless formats).
	Example string

	canonical []string // normalized header, in order
	roles     roles
	time      TimeKind // TimeAuto: detect from the sample
	single    bool
	lag       int
	skip      int // lines before data (header included); 0 means 1
	headless  bool
	notes     []string
	// match reports whether a normalized header (and sample) is this format.
	match func(n, raw []string, sample [][]string) bool
}

var ohlcv = roles{"", "open", "high", "low", "close", "volume"}

func withDate(r roles, d string) roles { r.date = d; return r }

func exact(want ...string) func(n, raw []string, sample [][]string) bool {
	return func(n, _ []string, _ [][]string) bool {
		if len(n) != len(want) {
			return false
		}
		for i := range want {
			if n[i] != want[i] {
				return false
			}
		}
		return true
	}
}

func prefix(want ...string) func(n, raw []string, sample [][]string) bool {
	return func(n, _ []string, _ [][]string) bool {
		if len(n) < len(want) {
			return false
		}
		for i := range want {
			if n[i] != want[i] {
				return false
			}
		}
		return true
	}
}

func contains(want ...string) func(n, raw []string, sample [][]string) bool {
	return func(n, _ []string, _ [][]string) bool {
		for _, w := range want {
			if index(n, w) < 0 {
				return false
			}
		}
		return true
	}
}

var reCurrencyPair = regexp.MustCompile(`^[A-Z0-9]{2,10}_[A-Z]{3}$`)
var reSeriesID = regexp.MustCompile(`^[A-Z0-9_]{2,30}$`)

// formats in detection order: specific signatures first, generic last.
var formats = []*Format{
	{
		Name: "yahoo", Description: "Yahoo Finance classic download (raw Close plus Adj Close; the raw Close is used)",
		Example:   "Date,Open,High,Low,Close,Adj Close,Volume",
		canonical: []string{"date", "open", "high", "low", "close", "adjclose", "volume"},
		roles:     withDate(ohlcv, "date"), time: TimeDate,
		notes: []string{"raw Close used; Adj Close (dividend-adjusted) ignored"},
		match: exact("date", "open", "high", "low", "close", "adjclose", "volume"),
	},
	{
		Name: "yfinance", Description: "yfinance download with auto_adjust=True (every price adjusted for dividends and splits)",
		Example:   "Date,Close,High,Low,Open,Volume",
		canonical: []string{"date", "close", "high", "low", "open", "volume"},
		roles:     withDate(ohlcv, "date"), time: TimeDate,
		notes: []string{"yfinance auto_adjust layout: ETF/stock OHLC are adjusted for dividends and splits (index values are unaffected)"},
		match: exact("date", "close", "high", "low", "open", "volume"),
	},
	{
		Name: "yfinance_raw", Description: "yfinance download with auto_adjust=False (raw Close, Adj Close, dividends, splits; the raw Close is used)",
		Example:   "Date,Adj Close,Capital Gains,Close,Dividends,High,Low,Open,Stock Splits,Volume",
		canonical: []string{"date", "adjclose", "capitalgains", "close", "dividends", "high", "low", "open", "stocksplits", "volume"},
		roles:     withDate(ohlcv, "date"), time: TimeDate,
		notes: []string{"raw Close used; Adj Close (dividend-adjusted) ignored"},
		match: contains("date", "adjclose", "close", "dividends", "stocksplits", "open", "high", "low"),
	},
	{
		Name: "yfinance_multi", Description: "yfinance >= 0.2.51 to_csv with a three-line header (Price/Ticker/Date)",
		Example:   "Price,Close,High,Low,Open,Volume",
		canonical: []string{"price", "close", "high", "low", "open", "volume"},
		roles:     withDate(ohlcv, "price"), time: TimeDate, skip: 3,
		notes: []string{"three header lines (Price, Ticker, Date) skipped"},
		match: func(n, _ []string, sample [][]string) bool {
			return len(n) > 1 && n[0] == "price" && len(sample) > 0 && len(sample[0]) > 0 && norm(sample[0][0]) == "ticker"
		},
	},
	{
		Name: "stooq", Description: "Stooq .txt/.csv with <TICKER>,<PER>,<DATE>,... and YYYYMMDD dates",
		Example:   "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>",
		canonical: []string{"ticker", "per", "date", "time", "open", "high", "low", "close", "vol", "openint"},
		roles:     roles{"date", "open", "high", "low", "close", "vol"}, time: TimeCompactDate,
		match: prefix("ticker", "per", "date", "time", "open", "high", "low", "close"),
	},
	{
		Name: "mathaszip", Description: "mathaszip/BTCprice daily candles (close before high and low; ISO datetime plus unix seconds)",
		Example:   "timestamp,open,close,volume,unix_timestamp,high,low",
		canonical: []string{"timestamp", "open", "close", "volume", "unixtimestamp", "high", "low"},
		roles:     withDate(ohlcv, "timestamp"),
		match:     exact("timestamp", "open", "close", "volume", "unixtimestamp", "high", "low"),
	},
	{
		Name: "binance", Description: "Binance daily klines exported with a header (timestamp as a date or unix milliseconds)",
		Example:   "timestamp,open,high,low,close,volume",
		canonical: []string{"timestamp", "open", "high", "low", "close", "volume"},
		roles:     withDate(ohlcv, "timestamp"),
		match:     exact("timestamp", "open", "high", "low", "close", "volume"),
	},
	{
		Name: "binance_klines", Description: "Binance klines (data.binance.vision or the REST API): open time in unix ms or us, 12 columns",
		Example:   "open_time,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades,taker_buy_base_asset_volume,taker_buy_quote_asset_volume,ignore",
		canonical: []string{"opentime", "open", "high", "low", "close", "volume", "closetime", "quoteassetvolume", "numberoftrades", "takerbuybaseassetvolume", "takerbuyquoteassetvolume", "ignore"},
		roles:     withDate(ohlcv, "opentime"), headless: true,
		match: func(n, raw []string, sample [][]string) bool {
			if prefix("opentime", "open", "high", "low", "close", "volume", "closetime")(n, raw, sample) {
				return true
			}
			return headerless(raw) && len(raw) == 12 && (kindOf(raw[0]) == TimeUnixMillis || kindOf(raw[0]) == TimeUnixMicros)
		},
	},
	{
		Name: "kraken_ohlcvt", Description: "Kraken OHLCVT export (time in unix seconds, volume, trades)",
		Example:   "time,open,high,low,close,volume,trades",
		canonical: []string{"time", "open", "high", "low", "close", "volume", "trades"},
		roles:     withDate(ohlcv, "time"), time: TimeUnixSeconds, headless: true,
		match: func(n, raw []string, sample [][]string) bool {
			if exact("time", "open", "high", "low", "close", "volume", "trades")(n, raw, sample) {
				return true
			}
			return headerless(raw) && len(raw) == 7 && kindOf(raw[0]) == TimeUnixSeconds
		},
	},
	{
		Name: "aipriceaction", Description: "quanhua92/aipriceaction crypto_data (CryptoCompare histoday plus indicator columns)",
		Example:   "ticker,time,open,high,low,close,volume,ma10,...",
		canonical: []string{"ticker", "time", "open", "high", "low", "close", "volume"},
		roles:     withDate(ohlcv, "time"),
		notes:     []string{"CryptoCompare CCCAGG aggregate; indicator columns (ma*, *_changed) ignored"},
		match:     prefix("ticker", "time", "open", "high", "low", "close", "volume"),
	},
	{
		Name: "cryptocompare", Description: "CryptoCompare histoday API as CSV (time in unix seconds, volumefrom/volumeto)",
		Example:   "time,high,low,open,volumefrom,volumeto,close",
		canonical: []string{"time", "high", "low", "open", "volumefrom", "volumeto", "close"},
		roles:     roles{"time", "open", "high", "low", "close", "volumefrom"},
		match:     contains("time", "open", "high", "low", "close", "volumefrom"),
	},
	{
		Name: "cmc", Description: "CoinMarketCap history as in the Kaggle \"Cryptocurrency Historical Prices\" set",
		Example:   "SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap",
		canonical: []string{"sno", "name", "symbol", "date", "high", "low", "open", "close", "volume", "marketcap"},
		roles:     withDate(ohlcv, "date"),
		notes:     []string{"CoinMarketCap volume-weighted aggregate; days close at 23:59:59 UTC"},
		match:     contains("sno", "symbol", "date", "open", "high", "low", "close", "marketcap"),
	},
	{
		Name: "cmc_export", Description: "CoinMarketCap website export (timeOpen;timeClose;...;open;high;low;close;volume;marketCap)",
		Example:   "timeOpen;timeClose;timeHigh;timeLow;name;open;high;low;close;volume;marketCap;timestamp",
		canonical: []string{"timeopen", "timeclose", "timehigh", "timelow", "name", "open", "high", "low", "close", "volume", "marketcap", "timestamp"},
		roles:     withDate(ohlcv, "timeopen"),
		match:     contains("timeopen", "timeclose", "open", "high", "low", "close"),
	},
	{
		Name: "coingecko", Description: "CoinGecko coin export (snapped_at, price, market_cap, total_volume): single price",
		Example:   "snapped_at,price,market_cap,total_volume",
		canonical: []string{"snappedat", "price", "marketcap", "totalvolume"},
		roles:     roles{date: "snappedat", close: "price", volume: "totalvolume"}, single: true,
		match: contains("snappedat", "price"),
	},
	{
		Name: "coingecko_value", Description: "CoinGecko global chart export (Date,value): single value per day",
		Example:   "Date,value",
		canonical: []string{"date", "value"},
		roles:     roles{date: "date", close: "value"}, single: true,
		match: exact("date", "value"),
	},
	{
		Name: "fred", Description: "FRED download (date,SERIES_ID): single value per day",
		Example:   "date,DFF",
		canonical: []string{"date", ""},
		roles:     roles{date: "date"}, single: true, time: TimeDate,
		match: func(n, raw []string, _ [][]string) bool {
			return len(n) == 2 && (n[0] == "date" || n[0] == "observationdate") && reSeriesID.MatchString(strings.TrimSpace(raw[1]))
		},
	},
	{
		Name: "typedcypher", Description: "typedcypher/historical-bitcoin-prices (Date,BTC_USD,BTC_EUR,...): one price per day in several currencies, newest first",
		Example:   "Date,BTC_USD,BTC_EUR,BTC_GBP",
		canonical: []string{"date", "btcusd"},
		roles:     roles{date: "date", close: "btcusd"}, single: true, lag: 1, time: TimeDate,
		notes: []string{"the value dated D is the 00:00 UTC price, i.e. the close of D-1 (a one-day lag); dates are imported as written",
			"single price per day: open = high = low = close, volume 0"},
		match: func(n, raw []string, _ [][]string) bool {
			if len(raw) < 2 || n[0] != "date" {
				return false
			}
			for _, s := range raw[1:] {
				if !reCurrencyPair.MatchString(strings.TrimSpace(s)) {
					return false
				}
			}
			return true
		},
	},
	{
		Name: "generic", Description: "any header naming a date column and open/high/low/close (volume optional), in any order",
		Example: "date,open,high,low,close,volume",
	},
	{
		Name: "single_price", Description: "a date column and one price column (open = high = low = close)",
		Example: "date,price", single: true,
	},
}

func init() {
	// Two names for the same positional layout Date,Open,High,Low,Close,Volume.
	for _, f := range formats {
		if f.Name == "generic" {
			f.canonical = []string{"date", "open", "high", "low", "close", "volume"}
			f.roles = withDate(ohlcv, "date")
		}
		if f.Name == "single_price" {
			f.canonical = []string{"date", "price"}
			f.roles = roles{date: "date", close: "price"}
		}
	}
}

// Names lists the format names accepted by Parse, "auto" first.
func Names() []string {
	out := []string{"auto"}
	for _, f := range formats {
		out = append(out, f.Name)
	}
	return out
}

// Formats returns the recognised formats in detection order.
func Formats() []Format {
	out := make([]Format, len(formats))
	for i, f := range formats {
		out[i] = *f
	}
	return out
}

// Parse returns the format called name (case-insensitive). "auto" and ""
// are not formats: use Detect or Resolve for them.
func Parse(name string) (Format, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "stooq_csv":
		n = "generic"
	case "coinmarketcap":
		n = "cmc"
	case "kraken":
		n = "kraken_ohlcvt"
	case "price", "single":
		n = "single_price"
	}
	for _, f := range formats {
		if f.Name == n {
			return *f, nil
		}
	}
	return Format{}, fmt.Errorf("unknown format %q (known: %s)", name, strings.Join(Names(), ", "))
}

// headerless reports whether a first line looks like data rather than names:
// its first field is a date or timestamp and every other field is a number.
func headerless(raw []string) bool {
	if len(raw) < 2 || kindOf(raw[0]) == TimeAuto {
		return false
	}
	for _, s := range raw[1:] {
		if strings.TrimSpace(s) != "" && !isNumber(s) {
			return false
		}
	}
	return true
}

// Detect recognises the layout of a CSV file from its first line (header)
// and a few following rows (sample), already split into fields. Files without
// a header are recognised when their first line is data (Binance klines,
// Kraken OHLCVT, or date,open,high,low,close[,volume]).
func Detect(header []string, sample [][]string) (Layout, error) {
	raw := trimHeader(append([]string(nil), header...))
	if len(raw) == 0 {
		return Layout{}, fmt.Errorf("empty header line: the file has no column names")
	}
	raw[0] = strings.TrimPrefix(raw[0], "\ufeff")
	n := normAll(raw)
	for _, f := range formats {
		if f.match == nil || !f.match(n, raw, sample) {
			continue
		}
		if headerless(raw) {
			if !f.headless {
				continue
			}
			return f.positional(nil, len(raw), append([][]string{raw}, sample...))
		}
		return f.Layout(header, sample)
	}
	if headerless(raw) {
		switch len(raw) {
		case 5, 6:
			f, _ := Parse("generic")
			l, err := f.positional(nil, len(raw), append([][]string{raw}, sample...))
			if err == nil {
				l.Notes = append(l.Notes, "no header line: columns read as date,open,high,low,close[,volume]")
			}
			return l, err
		}
		return Layout{}, fmt.Errorf("the first line %q looks like data, not a header, and its %d columns match no headerless format; pass --format NAME or --date-col/--open-col/--high-col/--low-col/--close-col", strings.Join(header, ","), len(raw))
	}
	l, err := synonyms(raw, sample)
	if err != nil {
		return Layout{}, fmt.Errorf("unrecognised CSV header %q: %w; pass --format NAME (one of %s) or name the columns with --date-col and --close-col (plus --open-col, --high-col, --low-col, --volume-col)",
			strings.Join(header, ","), err, strings.Join(Names()[1:], ", "))
	}
	return l, nil
}

var (
	dateNames   = []string{"date", "datetime", "timestamp", "time", "day", "opentime", "timeopen", "snappedat", "observationdate", "unixtimestamp", "unix", "ts"}
	openNames   = []string{"open", "o", "openprice"}
	highNames   = []string{"high", "h", "highprice"}
	lowNames    = []string{"low", "l", "lowprice"}
	closeNames  = []string{"close", "c", "closeprice", "last", "lastprice"}
	priceNames  = []string{"price", "value", "rate", "adjclose"}
	volumeNames = []string{"volume", "vol", "v", "volumefrom", "basevolume", "totalvolume"}
)

// synonyms builds a layout from header names alone (format "generic", or
// "single_price" when there is one price column).
func synonyms(raw []string, sample [][]string) (Layout, error) {
	n := normAll(raw)
	l := Layout{Format: "generic", Header: raw, NumColumns: len(raw), SkipLines: 1,
		Date: index(n, dateNames...), Open: index(n, openNames...), High: index(n, highNames...),
		Low: index(n, lowNames...), Close: index(n, closeNames...), Volume: index(n, volumeNames...)}
	if l.Date < 0 {
		return Layout{}, fmt.Errorf("no date column (looked for %s)", strings.Join(dateNames, ", "))
	}
	if l.Close < 0 {
		l.Close = index(n, priceNames...)
		if l.Close < 0 && len(raw) == 2 {
			l.Close = 1 - l.Date
		}
		if l.Close < 0 {
			return Layout{}, fmt.Errorf("no close or price column (looked for %s)", strings.Join(append(closeNames, priceNames...), ", "))
		}
		if n[l.Close] == "adjclose" {
			l.Notes = append(l.Notes, "no raw Close column: Adj Close used")
		}
	}
	if l.Open < 0 || l.High < 0 || l.Low < 0 {
		if l.Open >= 0 || l.High >= 0 || l.Low >= 0 {
			return Layout{}, fmt.Errorf("open, high and low must all be present or all absent (found some)")
		}
		l.Format = "single_price"
		l.SinglePrice = true
		l.Notes = append(l.Notes, "single price per day: open = high = low = close")
	}
	k, err := sampleKind(l.Date, sample)
	if err != nil {
		return Layout{}, fmt.Errorf("column %s: %w", l.ColumnName(l.Date), err)
	}
	if k == TimeAuto {
		k = defaultKind(n[l.Date])
	}
	l.Time = k
	return l, l.validate()
}

func defaultKind(dateCol string) TimeKind {
	switch dateCol {
	case "unix", "unixtimestamp", "ts":
		return TimeUnixSeconds
	}
	return TimeDate
}

// Layout builds this format's layout for a file. Columns are found by their
// header names; when the header does not name them (an explicit --format on a
// file with other names, or no header), they are taken by position.
func (f Format) Layout(header []string, sample [][]string) (Layout, error) {
	raw := trimHeader(append([]string(nil), header...))
	if len(raw) > 0 {
		raw[0] = strings.TrimPrefix(raw[0], "\ufeff")
	}
	if len(raw) == 0 {
		return Layout{}, fmt.Errorf("format %s: empty header line", f.Name)
	}
	if f.Name == "generic" && !headerless(raw) {
		if l, err := synonyms(raw, sample); err == nil && !l.SinglePrice {
			return l, nil
		}
	}
	if f.Name == "single_price" && !headerless(raw) {
		if l, err := synonyms(raw, sample); err == nil && l.SinglePrice {
			return l, nil
		}
	}
	n := normAll(raw)
	if headerless(raw) {
		return f.positional(nil, len(raw), append([][]string{raw}, sample...))
	}
	l := f.base(raw)
	find := func(name string) int {
		if name == "" {
			return -1
		}
		return index(n, name)
	}
	l.Date, l.Open, l.High, l.Low, l.Close, l.Volume = find(f.roles.date), find(f.roles.open), find(f.roles.high), find(f.roles.low), find(f.roles.close), find(f.roles.volume)
	if f.Name == "fred" && len(raw) == 2 {
		l.Close = 1
	}
	if l.Date < 0 || l.Close < 0 || (!f.single && (l.Open < 0 || l.High < 0 || l.Low < 0)) {
		pl, err := f.positional(raw, len(raw), sample)
		if err != nil {
			return Layout{}, err
		}
		pl.Notes = append(pl.Notes, fmt.Sprintf("header %q does not name the %s columns; columns taken by position (%s)", strings.Join(raw, ","), f.Name, f.Example))
		return pl, nil
	}
	return f.finish(l, sample)
}

func (f Format) base(raw []string) Layout {
	skip := f.skip
	if skip == 0 {
		skip = 1
	}
	return Layout{Format: f.Name, Header: raw, NumColumns: len(raw), SkipLines: skip,
		SinglePrice: f.single, LagDays: f.lag, Notes: append([]string(nil), f.notes...)}
}

// positional takes the columns at this format's canonical positions.
func (f Format) positional(raw []string, ncol int, sample [][]string) (Layout, error) {
	if len(f.canonical) == 0 {
		return Layout{}, fmt.Errorf("format %s has no fixed column positions", f.Name)
	}
	pos := func(name string) int {
		if name == "" {
			return -1
		}
		for i, c := range f.canonical {
			if c == name {
				if i >= ncol {
					return -2
				}
				return i
			}
		}
		return -1
	}
	l := f.base(raw)
	if raw == nil {
		l.SkipLines = 0
	}
	l.NumColumns = ncol
	l.Date, l.Open, l.High, l.Low, l.Close, l.Volume = pos(f.roles.date), pos(f.roles.open), pos(f.roles.high), pos(f.roles.low), pos(f.roles.close), pos(f.roles.volume)
	if f.Name == "fred" {
		l.Close = 1
	}
	if l.Volume == -2 {
		l.Volume = -1
	}
	for _, i := range []int{l.Date, l.Open, l.High, l.Low, l.Close} {
		if i == -2 {
			return Layout{}, fmt.Errorf("format %s needs %d columns (%s); the file has %d", f.Name, len(f.canonical), f.Example, ncol)
		}
	}
	return f.finish(l, sample)
}

func (f Format) finish(l Layout, sample [][]string) (Layout, error) {
	dataRows := sample
	if f.skip > 1 && len(dataRows) >= f.skip-1 {
		dataRows = dataRows[f.skip-1:]
	}
	k := f.time
	if k == TimeAuto {
		var err error
		k, err = sampleKind(l.Date, dataRows)
		if err != nil {
			return Layout{}, fmt.Errorf("format %s: column %s: %w", f.Name, l.ColumnName(l.Date), err)
		}
		if k == TimeAuto {
			k = TimeDate
			if f.canonical != nil && l.Date >= 0 && l.Date < len(f.canonical) {
				k = defaultKind(f.canonical[l.Date])
			}
		}
	}
	l.Time = k
	if l.SinglePrice {
		l.Open, l.High, l.Low = -1, -1, -1
	}
	return l, l.validate()
}

// Mapping names columns explicitly (the --date-col, --open-col, ... flags).
// Each field is a header name (case-insensitive; "Adj Close" also matches
// adj_close) or a 1-based column number; "" keeps the detected column. Time
// overrides how the date is written (see ParseTimeKind).
type Mapping struct {
	Date, Open, High, Low, Close, Volume string
	Time                                 string
}

// IsZero reports whether the mapping names nothing.
func (m Mapping) IsZero() bool { return m == Mapping{} }

// Resolve returns the layout for a file: the named format, or detection when
// name is "" or "auto", with the mapping applied on top. With a mapping that
// names at least the date and close columns, a header no format recognises
// is accepted.
func Resolve(name string, m Mapping, header []string, sample [][]string) (Layout, error) {
	if err := duplicateNames(header); err != nil {
		return Layout{}, err
	}
	var l Layout
	var err error
	if n := strings.ToLower(strings.TrimSpace(name)); n == "" || n == "auto" {
		l, err = Detect(header, sample)
	} else {
		var f Format
		if f, err = Parse(name); err != nil {
			return Layout{}, err
		}
		l, err = f.Layout(header, sample)
	}
	if err != nil {
		if m.Date == "" || m.Close == "" {
			return Layout{}, err
		}
		raw := trimHeader(append([]string(nil), header...))
		l = Layout{Format: "mapped", Header: raw, NumColumns: len(raw), SkipLines: 1,
			Date: -1, Open: -1, High: -1, Low: -1, Close: -1, Volume: -1}
	}
	if m.IsZero() {
		return l, nil
	}
	return applyMapping(l, m, sample)
}

// duplicateNames refuses a header in which two columns have the same name
// after normalisation (case, spaces and punctuation ignored: "Close" and
// "close " collide): which one riskon read would be a guess. A first line
// that is data (a headerless file) has no names to compare.
func duplicateNames(header []string) error {
	raw := trimHeader(append([]string(nil), header...))
	if len(raw) > 0 {
		raw[0] = strings.TrimPrefix(raw[0], "\ufeff")
	}
	if headerless(raw) {
		return nil
	}
	first := map[string]int{}
	for i, name := range raw {
		n := norm(name)
		if n == "" {
			continue
		}
		if j, ok := first[n]; ok {
			return fmt.Errorf("the header has two columns named %q: column %d %q and column %d %q; rename or remove one", n, j+1, raw[j], i+1, raw[i])
		}
		first[n] = i
	}
	return nil
}

// ColumnIndex finds a column by header name (case-insensitive; "Adj Close"
// also matches adj_close) or by 1-based number, as the column flags do. flag
// names the option in the error ("--symbol-column").
func (l Layout) ColumnIndex(flag, v string) (int, error) {
	v = strings.TrimSpace(v)
	for i, h := range l.Header {
		if i < l.NumColumns && strings.EqualFold(strings.TrimSpace(h), v) {
			return i, nil
		}
	}
	if i := index(normAll(l.Header), norm(v)); i >= 0 && i < l.NumColumns && norm(v) != "" {
		return i, nil
	}
	if k, err := strconv.Atoi(v); err == nil && k >= 1 && k <= l.NumColumns {
		return k - 1, nil
	}
	have := strings.Join(l.Header, ", ")
	if len(l.Header) == 0 {
		have = "no header"
	}
	return 0, fmt.Errorf("%s %q: no such column (have %s, or a number 1-%d)", flag, v, have, l.NumColumns)
}

// symbolNames are the normalized header names of the symbol column of a long
// (multi-symbol) file.
var symbolNames = []string{"symbol", "ticker"}

// SymbolColumn returns the index of the file's symbol column (a header named
// symbol or ticker, as in long exports and CoinMarketCap's Symbol), or -1.
func (l Layout) SymbolColumn() int {
	i := index(normAll(l.Header), symbolNames...)
	if i >= l.NumColumns {
		return -1
	}
	return i
}

func applyMapping(l Layout, m Mapping, sample [][]string) (Layout, error) {
	col := l.ColumnIndex
	set := func(dst *int, flag, v string) error {
		if v == "" {
			return nil
		}
		i, err := col(flag, v)
		if err != nil {
			return err
		}
		*dst = i
		return nil
	}
	if err := set(&l.Date, "--date-col", m.Date); err != nil {
		return Layout{}, err
	}
	if err := set(&l.Close, "--close-col", m.Close); err != nil {
		return Layout{}, err
	}
	if err := set(&l.Volume, "--volume-col", m.Volume); err != nil {
		return Layout{}, err
	}
	if m.Open != "" || m.High != "" || m.Low != "" {
		if err := set(&l.Open, "--open-col", m.Open); err != nil {
			return Layout{}, err
		}
		if err := set(&l.High, "--high-col", m.High); err != nil {
			return Layout{}, err
		}
		if err := set(&l.Low, "--low-col", m.Low); err != nil {
			return Layout{}, err
		}
		l.SinglePrice = false
	} else if l.Open < 0 && l.High < 0 && l.Low < 0 {
		l.SinglePrice = true
	}
	if l.SinglePrice {
		l.Open, l.High, l.Low = -1, -1, -1
	}
	k, err := ParseTimeKind(m.Time)
	if err != nil {
		return Layout{}, err
	}
	if m.Date != "" && k == TimeAuto {
		k, err = sampleKind(l.Date, sample)
		if err != nil {
			return Layout{}, fmt.Errorf("column %s: %w", l.ColumnName(l.Date), err)
		}
		if k == TimeAuto {
			k = TimeDate
		}
	}
	if k != TimeAuto {
		l.Time = k
	}
	if l.Format != "mapped" {
		l.Notes = append(l.Notes, "columns overridden by mapping flags")
	}
	return l, l.validate()
}
