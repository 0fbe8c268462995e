package data

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"testing"
)

// TestFingerprintIsTheDocumentedHash: Fingerprint is the SHA-256 of the
// documented byte stream, written here value by value: for each series in
// order its symbol, a zero byte, its calendar's name, a zero byte, its
// number of bars, then each bar's date and OHLCV as little-endian 64-bit
// words. Stored runs and sweeps carry the fingerprint, so the buffered
// writes must hash the same bytes (the synthetic series are thousands of
// bars: many buffers, a partial last one).
func TestFingerprintIsTheDocumentedHash(t *testing.T) {
	for _, seed := range []uint64{3, 4} {
		ds, err := Synthetic(DefaultSynthetic(seed))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		put := func(u uint64) { h.Write(binary.LittleEndian.AppendUint64(nil, u)) }
		for _, s := range ds.Series {
			h.Write([]byte(s.Symbol + "\x00" + s.Calendar.Name() + "\x00"))
			put(uint64(s.Len()))
			for i := range s.Date {
				put(uint64(s.Date[i]))
				for _, v := range []float64{s.Open[i], s.High[i], s.Low[i], s.Close[i], s.Volume[i]} {
					put(math.Float64bits(v))
				}
			}
		}
		if got, want := ds.Fingerprint(), hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("seed %d: fingerprint %s, hash of the bytes %s", seed, got, want)
		}
	}
}
