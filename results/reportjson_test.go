package results

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// jsonReport is a report with every part filled, an equity curve of n days
// with values the encoder must write as encoding/json does (undefined
// values, a negative zero, tiny and huge numbers) and text to escape.
func jsonReport(n int, sel bool) *Report {
	rep := &Report{
		RunID: "20260101-000000-abcdef", Name: "a <name> & \"quotes\"", Version: "0.1.0",
		CreatedAt: "2026-01-01T00:00:00Z", ConfigHash: "ab", DataFingerprint: "cd",
		Config:  json.RawMessage(`{"name":"x","trade":{"targets":["BTC"]}}`),
		Window:  Window{Start: "2020-01-01T00:00:00Z", End: "2021-01-01T00:00:00Z"},
		Metrics: Metrics{TotalReturn: 0.5, Sharpe: NA, Notes: []Note{{Metric: "sharpe", Reason: "zero <volatility>"}}},
		Evidence: Evidence{Trades: 1, Verdict: "ünïcode \u2028 verdict", SharpeCI: [2]Value{NA, 1},
			Regimes: []Regime{{Name: "era"}}},
		Trades:  []TradeRow{{Symbol: "BTC", Return: NA, ExitReason: "open"}},
		Signals: []SignalRow{{Time: "2020-01-02T21:00:00Z", Symbol: "RUT", Level: 1, Close: 2, Acted: true}},
		Filters: []FilterCoverage{{Symbol: "X", Rule: "above_ma", Blocked: 2}},
	}
	if sel {
		rep.SetSelection(Selection{SweepID: "s", Trial: 3, Trials: 10, RankBy: "sharpe", Rank: 1, DSR: 0.5, PBO: NA})
	}
	special := []Value{NA, Value(math.Inf(1)), Value(math.Inf(-1)), Value(math.Copysign(0, -1)), 0,
		5e-324, 1e21, 1e20, 123456789.123456789, -0.000001, 1e-7}
	for i := range n {
		rep.Equity = append(rep.Equity, EquityRow{
			Date:     "2020-01-" + string(rune('0'+i/10%10)) + string(rune('0'+i%10)),
			Equity:   special[i%len(special)],
			Invested: Value(float64(i) / 3),
		})
	}
	return rep
}

func TestMarshalReportEqualsEncodingJSON(t *testing.T) {
	t.Parallel()
	odd := jsonReport(3, false)
	odd.Equity[1].Date = "<2020-01-02> \"é\" \x01 \u2028" // escaped by encoding/json
	cases := map[string]*Report{
		"full":            jsonReport(25, true),
		"no selection":    jsonReport(25, false),
		"one day":         jsonReport(1, true),
		"no equity":       jsonReport(0, true),
		"empty equity":    func() *Report { r := jsonReport(0, false); r.Equity = []EquityRow{}; return r }(),
		"zero report":     {},
		"escaped strings": odd,
		// fields before the rows longer than the room EncodeRows leaves
		// for them: copied around the rows instead
		"long head": func() *Report { r := jsonReport(5, true); r.RunID = strings.Repeat("x", rowsHeadRoom+1); return r }(),
	}
	for name, rep := range cases {
		want, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := MarshalReport(rep)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(enc.JSON, want) {
			t.Errorf("%s: MarshalReport differs from json.Marshal:\n%s\nwant\n%s", name, enc.JSON, want)
			continue
		}
		// With the rows encoded ahead: the same bytes, the curve at the
		// same place.
		rows, err := EncodeRows(rep.Trades, rep.Signals, rep.Equity)
		if err != nil {
			t.Fatal(err)
		}
		pre, err := MarshalReportRows(rep, rows)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(pre.JSON, want) || pre.At != enc.At || pre.End != enc.End {
			t.Errorf("%s: MarshalReportRows differs from json.Marshal (at %d-%d, want %d-%d):\n%s\nwant\n%s", name, pre.At, pre.End, enc.At, enc.End, pre.JSON, want)
		}
		// The same rows again, for a report whose fields before the rows
		// are longer (the first call wrote its own into the rows' buffer):
		// its bytes, and the first JSON unchanged.
		other := *rep
		other.RunID += "-again"
		wantOther, _ := json.Marshal(&other)
		again, err := MarshalReportRows(&other, rows)
		if err != nil || !bytes.Equal(again.JSON, wantOther) {
			t.Errorf("%s: MarshalReportRows a second time (%v):\n%s\nwant\n%s", name, err, again.JSON, wantOther)
		}
		if !bytes.Equal(pre.JSON, want) {
			t.Errorf("%s: the first JSON changed when the rows were used again", name)
		}
		if enc.At < 0 {
			t.Fatalf("%s: the equity curve was not located (At -1): Report's fields after Equity must all be omitted when empty", name)
		}
		// The JSON without the curve is the report without it.
		bare := *rep
		bare.Equity = nil
		wantBare, _ := json.Marshal(&bare)
		if got := enc.WithoutEquity(); !bytes.Equal(got, wantBare) {
			t.Errorf("%s: WithoutEquity:\n%s\nwant\n%s", name, got, wantBare)
		}
		if len(rep.Equity) == 0 {
			if enc.End != enc.At {
				t.Errorf("%s: no curve, but JSON[%d:%d] is marked as one", name, enc.At, enc.End)
			}
			continue
		}
		if got := string(enc.JSON[enc.At:enc.End]); !strings.HasPrefix(got, `,"equity":[{"date":`) || !strings.HasSuffix(got, "}]") {
			t.Errorf("%s: JSON[At:End] = %.40q...: not the equity curve", name, got)
		}
		back, err := SpliceEquity(enc.WithoutEquity(), enc.At, rep.Equity)
		if err != nil || !bytes.Equal(back, want) {
			t.Errorf("%s: SpliceEquity does not restore the JSON (%v):\n%s\nwant\n%s", name, err, back, want)
		}
	}
}

// TestMarshalReportRowsRefusesOtherRows: rows encoded from other slices
// than the report's (another curve, a copy, nil for empty) are refused,
// not spliced in.
func TestMarshalReportRowsRefusesOtherRows(t *testing.T) {
	t.Parallel()
	rep := jsonReport(5, false)
	other := jsonReport(5, false)
	for name, rows := range map[string][3]bool{"trades": {true}, "signals": {false, true}, "equity": {false, false, true}} {
		tr, sig, eq := rep.Trades, rep.Signals, rep.Equity
		if rows[0] {
			tr = other.Trades
		}
		if rows[1] {
			sig = other.Signals
		}
		if rows[2] {
			eq = other.Equity
		}
		enc, err := EncodeRows(tr, sig, eq)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := MarshalReportRows(rep, enc); err == nil || !strings.Contains(err.Error(), "not the report's") {
			t.Errorf("%s of another report: %v", name, err)
		}
	}
	empty := jsonReport(0, false)
	empty.Trades = []TradeRow{}
	enc, err := EncodeRows(nil, empty.Signals, empty.Equity)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MarshalReportRows(empty, enc); err == nil {
		t.Error("nil trades encoded for a report with an empty list: no error")
	}
}

func TestAppendEquityJSONEqualsEncodingJSON(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	values := func() Value {
		switch rng.IntN(6) {
		case 0:
			return Value(math.Float64frombits(rng.Uint64())) // any bits: NaN, Inf, subnormals
		case 1:
			return Value(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(60)-30)))
		case 2:
			return Value(float64(rng.IntN(2_000_000)) / 100)
		case 3:
			return 0
		case 4:
			return Value(math.Copysign(0, -1))
		}
		return Value(rng.Float64())
	}
	for trial := range 200 {
		var rows []EquityRow
		if trial > 0 {
			rows = []EquityRow{}
		}
		for range rng.IntN(20) {
			b := make([]byte, 10)
			for i := range b {
				b[i] = byte(rng.IntN(128))
			}
			date := string(b)
			if rng.IntN(2) == 0 {
				date = "2021-03-04"
			}
			rows = append(rows, EquityRow{Date: date, Equity: values(), Invested: values()})
		}
		want, err := json.Marshal(rows)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendEquityJSON([]byte("x"), rows); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("trial %d: AppendEquityJSON\n%s\nwant\n%s", trial, got, want)
		}
	}
}

func TestSpliceEquityRefusesOffsetsOutside(t *testing.T) {
	t.Parallel()
	rows := []EquityRow{{Date: "2020-01-01", Equity: 1, Invested: 0}}
	for _, at := range []int{-1, 0, 2, 10} {
		if _, err := SpliceEquity([]byte("{}"), at, rows); err == nil {
			t.Errorf("offset %d in a 2-byte report: no error", at)
		}
	}
	// Offset 1 of "{}" is valid JSON only when the report has other
	// fields; the function places the curve where it is told.
	got, err := SpliceEquity([]byte(`{"a":1}`), 6, rows)
	if err != nil || string(got) != `{"a":1,"equity":[{"date":"2020-01-01","equity":1,"invested":0}]}` {
		t.Errorf("splice: %s %v", got, err)
	}
}

// randomJSON builds a random JSON value of nested objects, arrays, strings
// with characters to escape, numbers, booleans and nulls, empty containers
// included.
func randomJSON(rng *rand.Rand, depth int) any {
	switch k := rng.IntN(8); {
	case depth > 4 || k == 0:
		return rng.NormFloat64() * 1e3
	case k == 1:
		b := make([]rune, rng.IntN(8))
		for i := range b {
			b[i] = []rune(`a"\/<>&é` + "\n\t\x00\u2028 {}[],:")[rng.IntN(18)]
		}
		return string(b)
	case k == 2:
		return rng.IntN(2) == 0
	case k == 3:
		return nil
	case k <= 5:
		a := make([]any, rng.IntN(4))
		for i := range a {
			a[i] = randomJSON(rng, depth+1)
		}
		return a
	}
	m := map[string]any{}
	for i := range rng.IntN(4) {
		m[string(rune('a'+i))+`"{:,`] = randomJSON(rng, depth+1)
	}
	return m
}

func TestAppendIndentEqualsJSONIndent(t *testing.T) {
	t.Parallel()
	check := func(name string, src []byte) {
		t.Helper()
		var want bytes.Buffer
		if err := json.Indent(&want, src, "", "  "); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := AppendIndent([]byte("x"), src, "  "); !bytes.Equal(got[1:], want.Bytes()) || got[0] != 'x' {
			t.Fatalf("%s: AppendIndent\n%s\nwant\n%s", name, got[1:], want.Bytes())
		}
	}
	enc, err := MarshalReport(jsonReport(40, true))
	if err != nil {
		t.Fatal(err)
	}
	check("report", enc.JSON)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 500 {
		b, err := json.Marshal(randomJSON(rng, 0))
		if err != nil {
			t.Fatal(err)
		}
		check("random "+string(b), b)
		_ = i
	}
	// Not JSON: output, no panic.
	for _, bad := range []string{`"abc\`, `"abc`, `}}]]`, `{"a":`, `\`} {
		_ = AppendIndent(nil, []byte(bad), "  ")
	}
}

// TestAppendRowsJSONEqualsEncodingJSON: the trades and signals written by
// AppendTradesJSON and AppendSignalsJSON are json.Marshal's bytes, for
// rows with every optional field set and unset (dates, pnl, hold days,
// reason), undefined and extreme values, text encoding/json escapes, and
// nil and empty lists.
func TestAppendRowsJSONEqualsEncodingJSON(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	vals := []Value{NA, Value(math.Inf(1)), Value(math.Copysign(0, -1)), 0, 5e-324, 1e21, 1e20, -0.000001, 1e-7, 123456.789}
	texts := []string{"", "BTC", "2020-01-02T21:00:00Z", "<a> & \"b\"", "é \u2028 \x01", "hold"}
	pick := func() Value {
		if r.IntN(3) == 0 {
			return vals[r.IntN(len(vals))]
		}
		return Value(r.NormFloat64() * math.Pow(10, float64(r.IntN(12)-6)))
	}
	text := func() string { return texts[r.IntN(len(texts))] }
	var trades []TradeRow
	var signals []SignalRow
	for i := range 300 {
		tr := TradeRow{Symbol: text(), SignalTime: text(), EntryTime: text(), EntryDate: text(), EntryPrice: pick(),
			ExitTime: text(), ExitDate: text(), ExitPrice: pick(), Units: pick(), Return: pick(), ExitReason: text()}
		if i%2 == 0 {
			p := pick()
			tr.PnL = &p
		}
		if i%3 == 0 {
			h := r.IntN(2000) - 5
			tr.HoldDays = &h
		}
		trades = append(trades, tr)
		signals = append(signals, SignalRow{Time: text(), Symbol: text(), Level: pick(), Close: pick(), Acted: i%2 == 1, Reason: text()})
	}
	for _, n := range []int{0, 1, 300} {
		for _, empty := range []bool{false, true} {
			tr, sg := trades[:n], signals[:n]
			if n == 0 && !empty {
				tr, sg = nil, nil
			}
			want, _ := json.Marshal(tr)
			if got := AppendTradesJSON(nil, tr); !bytes.Equal(got, want) {
				t.Errorf("%d trades: AppendTradesJSON\n%s\nwant\n%s", n, got, want)
			}
			want, _ = json.Marshal(sg)
			if got := AppendSignalsJSON([]byte("x"), sg); !bytes.Equal(got[1:], want) || got[0] != 'x' {
				t.Errorf("%d signals: AppendSignalsJSON\n%s\nwant\n%s", n, got, want)
			}
		}
	}
}
