package fetch

import (
	"math"
	"testing"

	"github.com/riskon/riskon/data"
)

// The parsers take whatever a server sends: they must never panic, and what
// they accept must be finite numbers on plausible dates.
// Run: go test -fuzz FuzzParseYahoo ./data/fetch (and the others).

func checkBars(t *testing.T, bars []data.Bar) {
	t.Helper()
	for _, b := range bars {
		for _, v := range []float64{b.Open, b.High, b.Low, b.Close, b.Volume} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite value accepted: %+v", b)
			}
		}
	}
}

func FuzzParseYahoo(f *testing.F) {
	for _, name := range []string{"yahoo_rut_chart.json", "yahoo_not_found.json", "yahoo_no_data.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`{"chart":{"result":[{"meta":{"exchangeTimezoneName":"Mars/Olympus","gmtoffset":3600},"timestamp":[-62135596800,253402300799],"indicators":{"quote":[{"open":[1,null],"high":[1,2],"low":[1,2],"close":[1,2],"volume":[null]}]}}],"error":null}}`))
	f.Add([]byte(`{"chart":{"result":[],"error":null}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ch, err := parseYahoo("X", body)
		if err == nil {
			checkBars(t, ch.bars)
			_, _ = yahooCalendar(ch.meta)
		}
	})
}

func FuzzParseBinance(f *testing.F) {
	f.Add(readTestdata(f, "binance_btcusdt_klines.json"))
	f.Add(readTestdata(f, "binance_invalid_symbol.json"))
	f.Add([]byte(`[[9223372036854775807,"1","1","1","1","1",0]]`))
	f.Add([]byte(`[[0,1e308,"NaN","Inf","-1","1",0,"0",0,"0","0","0"]]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ks, err := parseBinance("X", body)
		if err == nil {
			for _, k := range ks {
				checkBars(t, []data.Bar{k.bar})
			}
		}
	})
}

func FuzzParseCoinbase(f *testing.F) {
	f.Add(readTestdata(f, "coinbase_btcusd_candles.json"))
	f.Add(readTestdata(f, "coinbase_not_found.json"))
	f.Add([]byte(`[[1e300,1,2,3,4,5]]`))
	f.Add([]byte(`[[-1,1,2,3,4,5],[]]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		bars, err := parseCoinbase("X", body)
		if err == nil {
			checkBars(t, bars)
		}
	})
}
