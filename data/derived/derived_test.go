package derived

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/store"
)

func TestDefaultSpecs(t *testing.T) {
	t.Parallel()
	have := map[string]bool{"RUT": true, "BTC": true, "ADA": true, "SOL": true, "BTC_MCAP": true}
	var got []string
	for _, sp := range DefaultSpecs(have) {
		got = append(got, sp.Symbol+"="+sp.Kind)
	}
	if want := []string{"RUT_W=weekly", "RUT_M=monthly", "ALTS=basket", "ALTS_BTC=ratio"}; !reflect.DeepEqual(got, want) {
		t.Errorf("specs %v, want %v", got, want)
	}
	// The basket takes the stored altcoins in DefaultAlts order.
	if sp := DefaultSpecs(have)[2]; !reflect.DeepEqual(sp.Inputs, []string{"SOL", "ADA"}) || sp.Params.Base != 100 {
		t.Errorf("ALTS %+v", sp)
	}
	have["TOTAL_MCAP"] = true
	if sps := DefaultSpecs(have); sps[len(sps)-1].Symbol != "BTC_DOM" {
		t.Errorf("BTC_DOM missing with both market caps: %+v", sps)
	}
	if len(DefaultSpecs(map[string]bool{"ETH": true})) != 0 {
		t.Error("nothing to derive from ETH alone")
	}
}

// TestSpecOrigin: a spec survives the round trip through the sources
// table's record, inputs with a comma included; records written before
// inputs were JSON still read.
func TestSpecOrigin(t *testing.T) {
	t.Parallel()
	sp := Spec{Symbol: "X", Kind: "basket", Inputs: []string{"A,B", "C"}, Params: Params{Start: "all", Base: 1000}}
	o := sp.Origin()
	o.Symbol = "X"
	got, err := SpecOf(o)
	if err != nil || !reflect.DeepEqual(got, sp) {
		t.Fatalf("round trip %+v (%v), want %+v", got, err, sp)
	}
	got, err = SpecOf(store.Origin{Symbol: "R", Source: "derived:ratio", Remote: "A,B"})
	if err != nil || !reflect.DeepEqual(got.Inputs, []string{"A", "B"}) {
		t.Errorf("legacy record: %+v %v", got, err)
	}
	if _, err := SpecOf(store.Origin{Symbol: "R", Source: "yahoo"}); err == nil {
		t.Error("a fetched symbol read as a derivation")
	}
}

func series(t *testing.T, sym string, closes ...float64) *data.Series {
	t.Helper()
	var bars []data.Bar
	for i, c := range closes {
		bars = append(bars, data.Bar{Date: data.DateOf(2025, 1, 1) + data.Date(i), Open: c, High: c, Low: c, Close: c, Volume: 1})
	}
	s, err := data.NewSeries(sym, data.Crypto24x7(), bars)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBuildAndRebuild: a ratio of stored symbols and a ratio of that ratio,
// by hand; after X changes, RebuildAll recomputes R before Q (Q depends on
// R) and Q follows the new X.
func TestBuildAndRebuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "d.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, s := range []*data.Series{series(t, "X", 10, 20, 30), series(t, "Y", 5, 5, 10)} {
		if err := st.InsertSeries(ctx, s, "test"); err != nil {
			t.Fatal(err)
		}
	}
	closes := func(sym string) []float64 {
		ds, err := st.Load(ctx, []string{sym})
		if err != nil {
			t.Fatal(err)
		}
		return ds.Get(sym).Close
	}
	// Q is built first by name order but must be rebuilt after R.
	for _, sp := range []Spec{{Symbol: "R", Kind: "ratio", Inputs: []string{"X", "Y"}}, {Symbol: "Q", Kind: "ratio", Inputs: []string{"R", "Y"}}} {
		if _, _, err := Build(ctx, st, sp); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := closes("R"), []float64{2, 4, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("R = X/Y: %v, want %v", got, want)
	}
	if err := st.InsertSeries(ctx, series(t, "X", 20, 40, 90), "test"); err != nil {
		t.Fatal(err)
	}
	var order []string
	res, err := RebuildAll(ctx, st, func(sp Spec, _ *store.DerivedReport, _ string) { order = append(order, sp.Symbol) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(order, []string{"R", "Q"}) || len(res) != 2 || res[0].Error != "" || res[1].Error != "" {
		t.Fatalf("rebuilt %v: %+v, want R then Q", order, res)
	}
	// Q = (X/Y)/Y = 20/25, 40/25, 90/100.
	got := closes("Q")
	for i, want := range []float64{0.8, 1.6, 0.9} {
		if math.Abs(got[i]-want) > 1e-12 {
			t.Errorf("Q[%d] = %v, want %v", i, got[i], want)
		}
	}
	if _, _, err := Compute(ctx, st, Spec{Symbol: "X", Kind: "ratio", Inputs: []string{"X", "Y"}}); err == nil {
		t.Error("a symbol derived from itself")
	}
	if _, _, err := Compute(ctx, st, Spec{Symbol: "Z", Kind: "cube", Inputs: []string{"X"}}); err == nil {
		t.Error("an unknown kind")
	}
}
