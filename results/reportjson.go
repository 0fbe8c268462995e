package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// ReportJSON is a report encoded once, for the run store and for the output
// of riskon run: JSON is json.Marshal of the report, byte for byte, and
// JSON[At:End] is its equity curve with the key (`,"equity":[...]`), empty
// when the report has no equity curve. At is -1 when the curve could not be
// located (a Report whose fields after Equity are not all omitted when
// empty): the JSON is still whole, only WithoutEquity is unavailable.
//
// The run store keeps the JSON without the curve (the curve is in its own
// table) and SpliceEquity puts it back where it was.
type ReportJSON struct {
	JSON    []byte
	At, End int
}

// WithoutEquity returns the JSON without the equity curve (JSON[:At] +
// JSON[End:]), or nil when At is -1.
func (j *ReportJSON) WithoutEquity() []byte {
	if j.At < 0 {
		return nil
	}
	out := make([]byte, 0, len(j.JSON)-(j.End-j.At))
	return append(append(out, j.JSON[:j.At]...), j.JSON[j.End:]...)
}

// equityField is the index of Report.Equity and the JSON text before its
// value (`,"equity":`), read from the struct so that the tag stays the one
// definition; splittable is false when a field after Equity would be
// written even when empty (then the curve cannot be cut out by position).
func equityField() (index int, key string, splittable bool) {
	t := reflect.TypeFor[Report]()
	f, ok := t.FieldByName("Equity")
	if !ok || len(f.Index) != 1 {
		return -1, "", false
	}
	name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" || !strings.Contains(","+opts+",", ",omitempty,") {
		return -1, "", false
	}
	for i := f.Index[0] + 1; i < t.NumField(); i++ {
		g := t.Field(i)
		tag := g.Tag.Get("json")
		if tag == "-" {
			continue
		}
		_, o, _ := strings.Cut(tag, ",")
		if !g.IsExported() || !strings.Contains(","+o+",", ",omitempty,") {
			return -1, "", false
		}
		switch g.Type.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.String:
		default: // a struct is never empty; other kinds are not used here
			return -1, "", false
		}
	}
	k, err := json.Marshal(name)
	if err != nil {
		return -1, "", false
	}
	return f.Index[0], "," + string(k) + ":", true
}

// MarshalReport encodes rep as json.Marshal does, with the trades, signals
// and equity curve written by AppendTradesJSON, AppendSignalsJSON and
// AppendEquityJSON (a fraction of the reflective encoder's cost on long
// lists), and records where the curve is.
func MarshalReport(rep *Report) (*ReportJSON, error) {
	if rep == nil {
		return nil, fmt.Errorf("encode report: nil report")
	}
	rows, err := EncodeRows(rep.Trades, rep.Signals, rep.Equity)
	if err != nil {
		return nil, err
	}
	return MarshalReportRows(rep, rows)
}

// RowsJSON is the JSON of a report's trades, signals and equity curve,
// encoded by EncodeRows before the rest of the report is known (riskon run
// encodes them while the evidence is computed).
type RowsJSON struct {
	trades, signals, equity []byte
	// all: when not nil, the buffer the rows are written in, in the order
	// of the report's JSON (trades key and trades, signals key and signals,
	// then the curve's key and curve if any), after room bytes left free
	// for the report's fields before them; spent once MarshalReportRows
	// has written those fields there (the JSON is then all's).
	all   []byte
	room  int
	spent bool
	// the rows encoded, to check that they are the report's
	tr  []TradeRow
	sig []SignalRow
	eq  []EquityRow
}

// EncodeRows encodes the rows of a report for MarshalReportRows with
// AppendTradesJSON, AppendSignalsJSON and AppendEquityJSON (json.Marshal's
// bytes). The rows must not change afterwards.
func EncodeRows(trades []TradeRow, signals []SignalRow, equity []EquityRow) (*RowsJSON, error) {
	if idx, key, ok := equityField(); ok {
		if tk, sk, ok := rowsKeys(idx); ok {
			return encodeRowsInPlace(trades, signals, equity, tk, sk, key), nil
		}
	}
	t := AppendTradesJSON(make([]byte, 0, len(trades)*360), trades)
	s := AppendSignalsJSON(make([]byte, 0, len(signals)*128), signals)
	var e []byte
	if len(equity) > 0 {
		e = AppendEquityJSON(make([]byte, 0, len(equity)*64), equity)
	}
	return &RowsJSON{trades: t, signals: s, equity: e, tr: trades, sig: signals, eq: equity}, nil
}

// Room left in the buffer of EncodeRows before the rows for the report's
// fields that precede them (the run's metadata, config, metrics, evidence:
// about 10 KB), and after them for those that follow; a report whose fields
// do not fit is copied as before.
const (
	rowsHeadRoom = 64 << 10
	rowsTailRoom = 16 << 10
)

// encodeRowsInPlace is EncodeRows writing the rows into one buffer laid out
// as the report's JSON needs them (RowsJSON.all), with tk, sk and key the
// JSON before the trades, the signals and the curve, so that
// MarshalReportRows needs only to write the report's other fields around
// them, not copy them (megabytes for a long run).
func encodeRowsInPlace(trades []TradeRow, signals []SignalRow, equity []EquityRow, tk, sk, key string) *RowsJSON {
	size := rowsHeadRoom + len(tk) + len(trades)*360 + len(sk) + len(signals)*128 + rowsTailRoom
	if len(equity) > 0 {
		size += len(key) + len(equity)*64
	}
	b := make([]byte, rowsHeadRoom, size)
	b = append(b, tk...)
	t0 := len(b)
	b = AppendTradesJSON(b, trades)
	t1 := len(b)
	b = append(b, sk...)
	s0 := len(b)
	b = AppendSignalsJSON(b, signals)
	s1 := len(b)
	e0, e1 := s1, s1
	if len(equity) > 0 {
		b = append(b, key...)
		e0 = len(b)
		b = AppendEquityJSON(b, equity)
		e1 = len(b)
	}
	r := &RowsJSON{trades: b[t0:t1:t1], signals: b[s0:s1:s1], tr: trades, sig: signals, eq: equity,
		all: b, room: rowsHeadRoom}
	if len(equity) > 0 {
		r.equity = b[e0:e1:e1]
	}
	return r
}

// sameSlice reports whether a and b are the same slice: the same length and
// first element, both nil or both not (nil and empty encode differently).
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && (a == nil) == (b == nil) && (len(a) == 0 || &a[0] == &b[0])
}

// of reports whether r holds the encoding of rep's rows.
func (r *RowsJSON) of(rep *Report) bool {
	return sameSlice(r.tr, rep.Trades) && sameSlice(r.sig, rep.Signals) && sameSlice(r.eq, rep.Equity)
}

// rowsKeys returns the JSON text that precedes the trades and the signals
// (`,"trades":`, `,"signals":`), read from the struct tags, when Trades and
// Signals are the two fields just before Equity (at index eq) and written
// even when empty; ok is false otherwise.
func rowsKeys(eq int) (trades, signals string, ok bool) {
	t := reflect.TypeFor[Report]()
	key := func(name string, at int) (string, bool) {
		f, found := t.FieldByName(name)
		if !found || len(f.Index) != 1 || f.Index[0] != at {
			return "", false
		}
		n, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if n == "" || n == "-" || opts != "" {
			return "", false
		}
		k, err := json.Marshal(n)
		if err != nil {
			return "", false
		}
		return "," + string(k) + ":", true
	}
	trades, ok1 := key("Trades", eq-2)
	signals, ok2 := key("Signals", eq-1)
	return trades, signals, ok1 && ok2
}

// MarshalReportRows is MarshalReport with the JSON of rep's trades, signals
// and equity curve taken from rows (EncodeRows of rep.Trades, rep.Signals
// and rep.Equity, the same slices: checked) instead of encoded here; rows
// may be nil (everything is encoded here). The bytes are MarshalReport's.
func MarshalReportRows(rep *Report, rows *RowsJSON) (*ReportJSON, error) {
	if rep == nil {
		return nil, fmt.Errorf("encode report: nil report")
	}
	if rows != nil && !rows.of(rep) {
		return nil, fmt.Errorf("encode report: the encoded rows are not the report's")
	}
	idx, key, ok := equityField()
	if !ok {
		b, err := json.Marshal(rep)
		if err != nil {
			return nil, fmt.Errorf("encode report: %w", err)
		}
		return &ReportJSON{JSON: b, At: -1, End: -1}, nil
	}
	tradesKey, signalsKey, pre := rowsKeys(idx)
	pre = pre && rows != nil
	// head: the report up to and without the curve (and without the
	// trades and signals when they come encoded); tail: only the fields
	// after it, on an otherwise empty report, whose encoding is that of
	// the empty report (zero) up to its closing brace, then those fields.
	head, tail := *rep, Report{}
	hv, tv := reflect.ValueOf(&head).Elem(), reflect.ValueOf(&tail).Elem()
	for i := idx; i < hv.NumField(); i++ {
		if i > idx {
			tv.Field(i).Set(hv.Field(i))
		}
		hv.Field(i).SetZero()
	}
	if pre {
		head.Trades, head.Signals = nil, nil
	}
	h, err := json.Marshal(&head)
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	t, err := json.Marshal(&tail)
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	zero, err := json.Marshal(&Report{})
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	z := len(zero) - 1
	if len(h) < 2 || h[len(h)-1] != '}' || len(t) < z || !bytes.Equal(t[:z], zero[:z]) {
		return nil, fmt.Errorf("encode report: unexpected encoding of the report's fields")
	}
	h = h[:len(h)-1]
	if pre {
		nulls := tradesKey + "null" + signalsKey + "null"
		if !bytes.HasSuffix(h, []byte(nulls)) {
			return nil, fmt.Errorf("encode report: unexpected encoding of the report's fields")
		}
		h = h[:len(h)-len(nulls)]
	}
	if pre && rows.all != nil && !rows.spent && len(h) <= rows.room {
		// The rows are in place: write the fields before them into the
		// room left for them, and those after them behind them.
		rows.spent = true
		start := rows.room - len(h)
		copy(rows.all[start:], h)
		out := rows.all[start:]
		at, end := len(out), len(out)
		if len(rep.Equity) > 0 {
			at -= len(key) + len(rows.equity)
		}
		out = append(out, t[z:]...)
		return &ReportJSON{JSON: out, At: at, End: end}, nil
	}
	size := len(h) + len(t) - z + len(key) + 2 + len(rep.Equity)*64
	if pre {
		size += len(tradesKey) + len(rows.trades) + len(signalsKey) + len(rows.signals) + len(rows.equity)
	}
	out := make([]byte, 0, size)
	out = append(out, h...)
	if pre {
		out = append(append(out, tradesKey...), rows.trades...)
		out = append(append(out, signalsKey...), rows.signals...)
	}
	at := len(out)
	if len(rep.Equity) > 0 {
		out = append(out, key...)
		if pre {
			out = append(out, rows.equity...)
		} else {
			out = AppendEquityJSON(out, rep.Equity)
		}
	}
	end := len(out)
	out = append(out, t[z:]...)
	return &ReportJSON{JSON: out, At: at, End: end}, nil
}

// SpliceEquity returns a report's JSON stored without its equity curve
// (ReportJSON.WithoutEquity) with the curve eq put back at byte offset at
// (ReportJSON.At): the JSON of the whole report, byte for byte. An empty eq
// leaves the JSON as it is (the key is omitted when empty).
func SpliceEquity(stored []byte, at int, eq []EquityRow) ([]byte, error) {
	if at < 1 || at >= len(stored) {
		return nil, fmt.Errorf("equity curve offset %d outside the stored report (%d bytes)", at, len(stored))
	}
	if len(eq) == 0 {
		return stored, nil
	}
	_, key, ok := equityField()
	if !ok {
		return nil, fmt.Errorf("the report type has no equity curve to splice")
	}
	out := make([]byte, 0, len(stored)+len(key)+2+len(eq)*64)
	out = append(out, stored[:at]...)
	out = append(out, key...)
	out = AppendEquityJSON(out, eq)
	return append(out, stored[at:]...), nil
}

// AppendTradesJSON appends rows to dst as json.Marshal writes them (null
// for a nil slice): field names and omitempty from TradeRow's tags, values
// as Value.MarshalJSON, strings escaped as encoding/json escapes them
// (TestAppendRowsJSONEqualsEncodingJSON).
func AppendTradesJSON(dst []byte, rows []TradeRow) []byte {
	return appendArrayJSON(dst, rows, appendTradeJSON)
}

// appendTradeJSON appends one row of AppendTradesJSON (an object).
func appendTradeJSON(dst []byte, r *TradeRow) []byte {
	dst = append(dst, `{"symbol":`...)
	dst = appendJSONString(dst, r.Symbol)
	dst = append(dst, `,"signal_time":`...)
	dst = appendJSONString(dst, r.SignalTime)
	dst = append(dst, `,"entry_time":`...)
	dst = appendJSONString(dst, r.EntryTime)
	if r.EntryDate != "" {
		dst = append(dst, `,"entry_date":`...)
		dst = appendJSONString(dst, r.EntryDate)
	}
	dst = append(dst, `,"entry_price":`...)
	dst = r.EntryPrice.appendJSON(dst)
	dst = append(dst, `,"exit_time":`...)
	dst = appendJSONString(dst, r.ExitTime)
	if r.ExitDate != "" {
		dst = append(dst, `,"exit_date":`...)
		dst = appendJSONString(dst, r.ExitDate)
	}
	dst = append(dst, `,"exit_price":`...)
	dst = r.ExitPrice.appendJSON(dst)
	dst = append(dst, `,"units":`...)
	dst = r.Units.appendJSON(dst)
	dst = append(dst, `,"return":`...)
	dst = r.Return.appendJSON(dst)
	if r.PnL != nil {
		dst = append(dst, `,"pnl":`...)
		dst = r.PnL.appendJSON(dst)
	}
	if r.HoldDays != nil {
		dst = append(dst, `,"hold_days":`...)
		dst = strconv.AppendInt(dst, int64(*r.HoldDays), 10)
	}
	dst = append(dst, `,"exit_reason":`...)
	dst = appendJSONString(dst, r.ExitReason)
	return append(dst, '}')
}

// AppendSignalsJSON appends rows to dst as json.Marshal writes them (see
// AppendTradesJSON).
func AppendSignalsJSON(dst []byte, rows []SignalRow) []byte {
	return appendArrayJSON(dst, rows, appendSignalJSON)
}

// appendSignalJSON appends one row of AppendSignalsJSON (an object).
func appendSignalJSON(dst []byte, r *SignalRow) []byte {
	dst = append(dst, `{"time":`...)
	dst = appendJSONString(dst, r.Time)
	dst = append(dst, `,"symbol":`...)
	dst = appendJSONString(dst, r.Symbol)
	dst = append(dst, `,"level":`...)
	dst = r.Level.appendJSON(dst)
	dst = append(dst, `,"close":`...)
	dst = r.Close.appendJSON(dst)
	dst = strconv.AppendBool(append(dst, `,"acted":`...), r.Acted)
	if r.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = appendJSONString(dst, r.Reason)
	}
	return append(dst, '}')
}

// AppendEquityJSON appends rows to dst as json.Marshal writes them (null
// for a nil slice): field names from EquityRow's tags, values as
// Value.MarshalJSON, strings escaped as encoding/json escapes them.
func AppendEquityJSON(dst []byte, rows []EquityRow) []byte {
	return appendArrayJSON(dst, rows, appendEquityRowJSON)
}

// appendEquityRowJSON appends one row of AppendEquityJSON (an object).
func appendEquityRowJSON(dst []byte, r *EquityRow) []byte {
	dst = append(dst, `{"date":`...)
	dst = appendJSONString(dst, r.Date)
	dst = append(dst, `,"equity":`...)
	dst = r.Equity.appendJSON(dst)
	dst = append(dst, `,"invested":`...)
	dst = r.Invested.appendJSON(dst)
	return append(dst, '}')
}

// appendArrayJSON appends rows as json.Marshal writes a slice (null for a
// nil one), each row by row.
func appendArrayJSON[T any](dst []byte, rows []T, row func([]byte, *T) []byte) []byte {
	if rows == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = row(dst, &rows[i])
	}
	return append(dst, ']')
}

// appendJSONString appends s quoted as json.Marshal quotes it: printable
// ASCII other than `"`, `\`, `<`, `>` and `&` as it is, anything else
// through encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// AppendIndent appends src, JSON as encoding/json writes it (compact, valid),
// indented as json.Indent(dst, src, "", indent) indents it: a new line and
// one indent per level after an opening bracket and a comma, ": " after a
// key, empty objects and arrays kept as {} and []. It copies string
// contents in bulk instead of running encoding/json's validating scanner
// over every byte (several times faster on a long report). Whitespace
// outside strings is dropped; src that is not valid JSON gives output that
// is not either, never a panic.
func AppendIndent(dst, src []byte, indent string) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			// Copy the string up to its closing quote, escapes included.
			j := i + 1
			for j < len(src) {
				k := bytes.IndexAny(src[j:], `"\`)
				if k < 0 {
					j = len(src)
					break
				}
				j += k
				if src[j] == '"' {
					j++
					break
				}
				j += 2 // a backslash and the byte it escapes
			}
			j = min(j, len(src))
			dst = append(dst, src[i:j]...)
			i = j - 1
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth = max(depth-1, 0)
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		case ' ', '\t', '\n', '\r':
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
