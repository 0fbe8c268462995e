package backtest

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/strategy/config"
)

func synth(t *testing.T) *data.Dataset {
	t.Helper()
	ds, err := data.Synthetic(data.DefaultSynthetic(5))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestRunDeterministic(t *testing.T) {
	cfg := config.Default()
	cfg.Trigger.Lookback = 50
	cfg.Trade.HoldDays = 30
	ds := synth(t)
	var out [2][]byte
	for i := range out {
		o, err := Run(context.Background(), cfg, ds, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = json.Marshal(o.Report); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Fatal("two runs of the same config on the same data differ")
	}
	var rep struct {
		Synthetic bool
		Trades    []json.RawMessage
		Evidence  struct{ Trades, Episodes int }
	}
	if err := json.Unmarshal(out[0], &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Synthetic || len(rep.Trades) == 0 || rep.Evidence.Trades != len(rep.Trades) || rep.Evidence.Episodes == 0 {
		t.Errorf("report: synthetic %v, %d trades, evidence %+v", rep.Synthetic, len(rep.Trades), rep.Evidence)
	}
	if bytes.Contains(out[0], []byte("NaN")) || bytes.Contains(out[0], []byte("Inf")) {
		t.Error("JSON holds NaN or Inf")
	}
}

func TestBenchmarkIsBuyAndHold(t *testing.T) {
	// The benchmark buys BTC at the window's first open and holds: its total
	// return is last close / (first open x (1 + commission)) - 1.
	cfg := config.Default()
	cfg.Costs.CommissionBps = 10
	ds := synth(t)
	o, err := Run(context.Background(), cfg, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	btc := ds.Get("BTC")
	rut := ds.Get("RUT")
	// The window ends at the earlier last close: RUT's last bar or BTC's.
	last := btc.Len() - 1
	for btc.CloseTime[last] > rut.CloseTime[rut.Len()-1] {
		last--
	}
	want := btc.Close[last]/(btc.Open[0]*1.001) - 1
	if got := float64(o.Report.Benchmark.TotalReturn); math.Abs(got-want) > 1e-9 {
		t.Errorf("benchmark total return = %v, want %v", got, want)
	}
	if len(o.Benchmark.Trades) != 1 || o.Benchmark.Trades[0].ExitReason != "open" {
		t.Errorf("benchmark trades = %+v", o.Benchmark.Trades)
	}
}

func synthB(b *testing.B) *data.Dataset {
	o := data.DefaultSynthetic(5)
	o.Symbols = o.Symbols[:2]
	ds, err := data.Synthetic(o)
	if err != nil {
		b.Fatal(err)
	}
	return ds
}
