package update

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/derived"
	"github.com/riskon/riskon/data/store"
)

// TestPlans: only fetched symbols are planned, each from its last stored
// bar; a symbol imported from files is refused with the command to fetch
// it; a derived one is left to data/derived; an empty database says how to
// start.
func TestPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "u.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := Plans(ctx, st, nil, "u.duckdb"); err == nil || !strings.Contains(err.Error(), "no symbol in u.duckdb has a remembered source") {
		t.Fatalf("empty database: %v", err)
	}
	var bars []data.Bar
	for d := data.DateOf(2025, 3, 1); d <= data.DateOf(2025, 3, 10); d++ {
		bars = append(bars, data.Bar{Date: d, Open: 1, High: 1, Low: 1, Close: 1, Volume: 1})
	}
	if _, err := st.ImportBars(ctx, "BTC", bars, store.BarsOptions{Source: "binance:BTCUSDT",
		Remember: &store.Origin{Kind: store.OriginFetch, Source: "binance", Remote: "BTCUSDT", Params: `{"since":"2020-01-01"}`}}); err != nil {
		t.Fatal(err)
	}
	eth, err := data.NewSeries("ETH", data.Crypto24x7(), bars)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InsertSeries(ctx, eth, "file"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := derived.Build(ctx, st, derived.Spec{Symbol: "ETH_BTC", Kind: "ratio", Inputs: []string{"ETH", "BTC"}}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{nil, {"BTC"}, {"BTC", "ETH_BTC"}} {
		plans, err := Plans(ctx, st, args, "u.duckdb")
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if len(plans) != 1 || plans[0].Origin.Symbol != "BTC" || plans[0].Origin.Remote != "BTCUSDT" || plans[0].Since != data.DateOf(2025, 3, 10) {
			t.Errorf("%v: plans %+v, want BTC from its last bar 2025-03-10", args, plans)
		}
		if p := ParamsOf(plans[0].Origin); p.Since != "2020-01-01" {
			t.Errorf("remembered since %q", p.Since)
		}
	}
	if _, err := Plans(ctx, st, []string{"ETH"}, "u.duckdb"); err == nil || !strings.Contains(err.Error(), "riskon data fetch --source SOURCE --symbol REMOTE --as ETH") {
		t.Errorf("ETH from files: %v", err)
	}
}
