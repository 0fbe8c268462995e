package quality

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/riskon/riskon/data"
)

// FuzzCheck feeds arbitrary bars (any values, dates in order) to Check and
// Compare: they must not panic, and the report must encode as JSON (no NaN
// or infinity leaks into it).
// Run: go test -fuzz FuzzCheck ./data/quality
func FuzzCheck(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}, false)
	f.Add(make([]byte, 400), true)
	f.Fuzz(func(t *testing.T, b []byte, nyse bool) {
		cal := data.Crypto24x7()
		if nyse {
			cal = data.NYSE()
		}
		var bars []data.Bar
		d := data.DateOf(2020, 1, 1)
		for len(b) >= 9 {
			d += data.Date(b[0] % 4)
			v := math.Float64frombits(binary.LittleEndian.Uint64(b[1:9]))
			bars = append(bars, data.Bar{Date: d, Open: v, High: v * 1.1, Low: v * 0.9, Close: v, Volume: float64(b[0])})
			b = b[9:]
		}
		in := Input{Symbol: "X", Calendar: cal, Bars: bars}
		r := Check(in, Options{})
		Compare(r, in, Input{Symbol: "Y", Bars: bars[len(bars)/2:]}, Options{})
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("report does not encode: %v", err)
		}
	})
}
