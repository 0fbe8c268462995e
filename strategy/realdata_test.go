package strategy

import (
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/datatest"
)

// loadRealForTest reads the real Russell 2000 and BTC files, skipping the
// test with a clear message when ../shared is absent.
func loadRealForTest(tb testing.TB) *data.Dataset {
	tb.Helper()
	ds, err := loadReal(tb)
	if err != nil {
		tb.Skipf("%v", err)
	}
	return ds
}

// loadReal reads the real files, or returns an error when they are absent.
func loadReal(tb testing.TB) (*data.Dataset, error) {
	tb.Helper()
	return datatest.RealRUTBTC()
}
