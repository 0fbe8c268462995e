package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riskon/riskon/data/quality"
)

// checkRawRoot is the shared real data beside the repository.
var checkRawRoot = filepath.Join("..", "..", "..", "shared", "data", "raw")

func checkNeedRaw(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(checkRawRoot, "MANIFEST.md")); err != nil {
		t.Skipf("real data not found at %s (needs ../shared/data/raw beside the repository): %v", checkRawRoot, err)
	}
}

// TestDataCheckRealFiles runs `riskon data check` on the real files and
// expects the problems their MANIFEST.md lists.
func TestDataCheckRealFiles(t *testing.T) {
	t.Parallel()
	checkNeedRaw(t)
	raw := func(p string) string { return filepath.Join(checkRawRoot, filepath.FromSlash(p)) }
	has := func(list []string, s string) bool {
		for _, x := range list {
			if strings.Contains(x, s) {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		name    string
		file    string
		cal     string
		against []string
		check   func(t *testing.T, r *quality.Report)
	}{
		{"CryptoCompare BTC: Mt.Gox era, 6 missing days, partial last row", "quanhua92_aipriceaction/crypto_data/BTC/1D.csv", "24x7",
			[]string{"mathaszip_BTCprice/BTCUSD_1d_candles_full.csv"}, func(t *testing.T, r *quality.Report) {
				if m := r.Missing; m.Count != 6 || m.Gaps != 1 || m.Ranges[0].From != "2011-06-20" || m.Ranges[0].To != "2011-06-25" {
					t.Errorf("missing %+v, want 2011-06-20..25", m)
				}
				if !r.LastBar.Provisional || r.LastBar.Date != "2025-12-18" {
					t.Errorf("last bar %+v: the 2025-12-18 row is a partial day", r.LastBar)
				}
				if r.OHLC.Count != 32 {
					t.Errorf("OHLC inconsistent %d, MANIFEST: 32", r.OHLC.Count)
				}
				mtgox := false
				for _, cl := range r.Outliers.Clusters {
					if cl.From >= "2014-02-01" && cl.To <= "2014-03-31" && cl.Days >= 3 {
						mtgox = true
					}
				}
				if !mtgox {
					t.Errorf("no outlier cluster in February 2014 (Mt.Gox): %+v", r.Outliers.Clusters)
				}
				c := r.Comparisons[0]
				covered := false
				for _, p := range c.Periods {
					if p.From <= "2013-10-01" && p.To >= "2014-02-25" {
						covered = true
					}
				}
				if !covered || !strings.HasPrefix(c.MaxDate, "2014-02") || c.Max < 0.5 {
					t.Errorf("against mathaszip: max %.2f on %s, periods %+v; want the 2013-10..2014-03 Mt.Gox disagreement", c.Max, c.MaxDate, c.Periods)
				}
				if c.Median > 0.005 {
					t.Errorf("median disagreement %.4f: the files agree outside the Mt.Gox era", c.Median)
				}
			}},
		{"Russell 2000: provisional last bar, no missing session", "alitalbi_storage_data_fy/^RUT.csv", "nyse",
			[]string{"xjcarter_data/^RUT.csv"}, func(t *testing.T, r *quality.Report) {
				if r.Missing.Count != 0 || r.Extra.Count != 0 || r.Missing.Expected != 9686 {
					t.Errorf("missing %+v extra %+v: the NYSE holiday rules should explain every gap", r.Missing, r.Extra)
				}
				lb := r.LastBar
				if !lb.Provisional || lb.Date != "2026-02-23" || len(lb.Reasons) != 2 || !has(lb.Reasons, "volume 0") || !has(lb.Reasons, "4 decimals where the series uses 2") {
					t.Errorf("last bar %+v", lb)
				}
				if r.ZeroVolume.Count != 17 || r.OHLC.Count != 0 {
					t.Errorf("zero volume %d (MANIFEST: 17), OHLC %d (0)", r.ZeroVolume.Count, r.OHLC.Count)
				}
				if c := r.Comparisons[0]; c.Common != 5759 || c.Max > 1e-5 {
					t.Errorf("against xjcarter: %+v (MANIFEST: they match exactly)", c)
				}
			}},
		{"VIX: 508 flat rows", "alitalbi_storage_data_fy/^VIX.csv", "nyse", nil, func(t *testing.T, r *quality.Report) {
			if r.Flat.Count != 508 {
				t.Errorf("flat %d, MANIFEST: 508", r.Flat.Count)
			}
			// Found by the holiday rules: the file has a row on Labor Day 2025.
			if r.Extra.Count != 1 || r.Extra.Examples[0] != "2025-09-01 (Labor Day)" {
				t.Errorf("extra %+v", r.Extra)
			}
		}},
		{"mathaszip BTC: 39 flat rows", "mathaszip_BTCprice/BTCUSD_1d_candles_full.csv", "24x7", nil, func(t *testing.T, r *quality.Report) {
			if r.Flat.Count != 39 || r.Missing.Count != 0 {
				t.Errorf("flat %d (39), missing %d (0)", r.Flat.Count, r.Missing.Count)
			}
		}},
		{"Kraken BTC: 12 missing days, 20 flat", "templar_kraken/BTCUSD_Daily_OHLC.csv", "24x7", nil, func(t *testing.T, r *quality.Report) {
			if r.Missing.Count != 12 || r.Flat.Count != 20 || r.Missing.Ranges[0].From < "2013" || r.Missing.Ranges[len(r.Missing.Ranges)-1].To > "2014-12-31" {
				t.Errorf("missing %+v flat %d; MANIFEST: 12 missing days in 2013-2014, 20 flat", r.Missing, r.Flat.Count)
			}
		}},
		{"Kraken LTC: 187 missing days in 88 gaps, 118 flat", "templar_kraken/LTCUSD_1440.csv", "24x7", nil, func(t *testing.T, r *quality.Report) {
			if r.Missing.Count != 187 || r.Missing.Gaps != 88 || r.Flat.Count != 118 {
				t.Errorf("missing %d in %d gaps, flat %d", r.Missing.Count, r.Missing.Gaps, r.Flat.Count)
			}
		}},
		{"Kraken ETH: 6 missing days", "templar_kraken/ETHUSD_1440.csv", "24x7", nil, func(t *testing.T, r *quality.Report) {
			want := []string{"2015-08-09..2015-08-10", "2015-09-04..2015-09-04", "2015-09-21..2015-09-21", "2015-10-10..2015-10-10", "2018-01-12..2018-01-12"}
			var got []string
			for _, x := range r.Missing.Ranges {
				got = append(got, x.From+".."+x.To)
			}
			if r.Missing.Count != 6 || strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("missing %d: %v", r.Missing.Count, got)
			}
		}},
		{"Kraken XRP: 3 missing days", "templar_kraken/XRPUSD_1440.csv", "24x7", nil, func(t *testing.T, r *quality.Report) {
			if r.Missing.Count != 3 || r.Missing.Gaps != 2 {
				t.Errorf("missing %+v", r.Missing)
			}
		}},
		{"typedcypher: one-day lag", "typedcypher_historical-bitcoin-prices/daily_bitcoin_prices.csv", "24x7",
			[]string{"mathaszip_BTCprice/BTCUSD_1d_candles_full.csv"}, func(t *testing.T, r *quality.Report) {
				if !r.SinglePrice || r.Comparisons[0].Lag != -1 {
					t.Errorf("single %v, comparison %+v: its value of D is the close of D-1", r.SinglePrice, r.Comparisons[0])
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{raw(c.file), "--calendar", c.cal, "--output", "json"}
			for _, a := range c.against {
				args = append(args, "--against", raw(a))
			}
			out, err := fxExec(t, filepath.Join(t.TempDir(), "none.duckdb"), (*app).dataCheckCmd, args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var res struct {
				Reports []*quality.Report `json:"reports"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			r := res.Reports[0]
			if len(r.Comparisons) != len(c.against) {
				t.Fatalf("%d comparisons", len(r.Comparisons))
			}
			c.check(t, r)
			for _, f := range r.Findings {
				t.Log(f)
			}
		})
	}
}
