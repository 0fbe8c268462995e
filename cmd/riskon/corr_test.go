package main

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/riskon/riskon/data/store"
)

// corrPairJSON is one pair of `riskon corr --output json`.
type corrPairJSON struct {
	A, B, Freq, Since, Until string
	N                        int
	Pearson                  *float64
	PearsonCI                [2]*float64 `json:"pearson_ci"`
	Spearman                 *float64
	LevelPearson             *float64 `json:"level_pearson"`
	LevelN                   int      `json:"level_n"`
	Lags                     []struct {
		Lag int      `json:"lag"`
		R   *float64 `json:"r"`
	} `json:"lags"`
	Normalised []struct {
		Month string   `json:"month"`
		A, B  *float64 `json:"-"`
	} `json:"normalised"`
	Notes []string `json:"notes"`
}

// TestCorrJSONContract checks the documented JSON shape of `riskon corr`:
// {"pairs": [{"a", "b", "freq", "since", "until", "n", "pearson",
// "pearson_ci", "spearman", "level_pearson", "lags": [{"lag", "r"}]}]}.
func TestCorrJSONContract(t *testing.T) {
	db := studySynthDB(t)
	out, err := studyExec(t, db, (*app).corrCmd, "--a", "RUT", "--b", "BTC,ETH,SOL+ADA", "--freq", "weekly", "--lags", "3", "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Pairs []map[string]json.RawMessage `json:"pairs"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(raw.Pairs) != 3 {
		t.Fatalf("%d pairs, want 3", len(raw.Pairs))
	}
	for _, p := range raw.Pairs {
		for _, k := range []string{"a", "b", "freq", "since", "until", "n", "pearson", "pearson_ci", "spearman", "level_pearson", "lags",
			"rolling", "normalised", "warning"} {
			if _, ok := p[k]; !ok {
				t.Errorf("pair lacks key %q", k)
			}
		}
	}
	var typed struct {
		Pairs []corrPairJSON `json:"pairs"`
	}
	if err := json.Unmarshal([]byte(out), &typed); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"BTC", "ETH", "SOL+ADA"} {
		p := typed.Pairs[i]
		if p.A != "RUT" || p.B != want || p.Freq != "weekly" || p.N < 100 || p.Pearson == nil || p.PearsonCI[0] == nil ||
			!(*p.PearsonCI[0] <= *p.Pearson && *p.Pearson <= *p.PearsonCI[1]) || p.LevelPearson == nil || p.Since == "" || p.Until == "" {
			t.Errorf("pair %d: %+v", i, p)
		}
		if len(p.Lags) != 7 || p.Lags[0].Lag != -3 || p.Lags[3].Lag != 0 || p.Lags[6].Lag != 3 || p.Lags[3].R == nil ||
			math.Abs(*p.Lags[3].R-*p.Pearson) > 1e-12 {
			t.Errorf("pair %d lags %+v (lag 0 must equal pearson)", i, p.Lags)
		}
		if len(p.Normalised) == 0 {
			t.Errorf("pair %d: no normalised table", i)
		}
	}
	if strings.Contains(out, "NaN") {
		t.Error("JSON holds NaN")
	}
}

// TestCorrTable checks the human output names what it shows.
func TestCorrTable(t *testing.T) {
	db := studySynthDB(t)
	out, err := studyExec(t, db, (*app).corrCmd, "--b", "BTC,ETH", "--since", "2021-01-01", "--lags", "2")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SYNTHETIC", "RUT vs BTC", "RUT vs ETH", "log returns:", "price levels:", "spurious", "Fisher z",
		"lead-lag", "RUT leads", "rolling 90-sample", "normalised to 100 at 2021-01", "2021-01  100  100  100",
		"clock: daily, same date (--clock date)", "same-date closes"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	out, err = studyExec(t, db, (*app).corrCmd, "--b", "BTC", "--since", "2021-01-01", "--clock", "asof")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"clock: daily, as-of (--clock asof)", "asynchronous closes"} {
		if !strings.Contains(out, want) {
			t.Errorf("--clock asof: table lacks %q:\n%s", want, out)
		}
	}
}

func TestCorrBadFlags(t *testing.T) {
	db := studySynthDB(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"freq", []string{"--b", "BTC", "--freq", "hourly"}, "--freq"},
		{"since", []string{"--b", "BTC", "--since", "2021-13-01"}, "--since"},
		{"range", []string{"--b", "BTC", "--since", "2022-01-01", "--until", "2021-01-01"}, "before --since"},
		{"output", []string{"--b", "BTC", "--output", "csv"}, "--output"},
		{"missing symbol", []string{"--b", "BTC,NOPE"}, "NOPE"},
		{"empty basket part", []string{"--b", "BTC+"}, "empty symbol"},
		{"no b", []string{"--a", "RUT"}, "b"},
		{"negative lags", []string{"--b", "BTC", "--lags", "-1"}, "--lags"},
		{"clock", []string{"--b", "BTC", "--clock", "utc"}, "--clock"},
		{"clock with weekly", []string{"--b", "BTC", "--clock", "asof", "--freq", "weekly"}, "daily only"},
		{"no overlap", []string{"--b", "BTC", "--since", "2030-01-01"}, "no daily return pair"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := studyExec(t, db, (*app).corrCmd, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestCorrRealMatchesDuckDBAsof checks the as-of alignment and the
// correlations on the real Russell 2000 and Bitcoin against DuckDB: an ASOF
// JOIN (each NYSE close paired with the last BTC bar closed at or before it)
// for daily samples, and arg_max per ISO week for weekly ones, with DuckDB's
// own corr().
func TestCorrRealMatchesDuckDBAsof(t *testing.T) {
	db := studyRealDB(t, "RUT", "BTC")
	st, err := store.Open(context.Background(), db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const daily = `WITH r AS (SELECT date, close_time, close, row_number() OVER (ORDER BY date) AS seq FROM bars WHERE symbol = 'RUT'),
		b AS (SELECT close_time, close FROM bars WHERE symbol = 'BTC'),
		j0 AS (SELECT r.date, r.seq, r.close AS pa, b.close AS pb, b.close_time AS bt
			FROM r ASOF JOIN b ON r.close_time >= b.close_time WHERE r.close_time - b.close_time <= 4 * 86400),
		j AS (SELECT * FROM (SELECT *, lag(bt) OVER (ORDER BY seq) AS prev_bt FROM j0) WHERE prev_bt IS NULL OR bt <> prev_bt),
		s AS (SELECT * FROM j WHERE date >= CAST(? AS DATE) AND date <= CAST(? AS DATE)),
		x AS (SELECT ln(pa / lag(pa) OVER w) AS ra, ln(pb / lag(pb) OVER w) AS rb, seq - lag(seq) OVER w AS dseq FROM s WINDOW w AS (ORDER BY seq))
		SELECT (SELECT count(*) FROM x WHERE dseq = 1), (SELECT corr(ra, rb) FROM x WHERE dseq = 1),
			(SELECT count(*) FROM s), (SELECT corr(pa, pb) FROM s)`
	// The same-date clock: each RUT session joined with the BTC bar of its
	// date.
	const sameDate = `WITH r AS (SELECT date, close, row_number() OVER (ORDER BY date) AS seq FROM bars WHERE symbol = 'RUT'),
		b AS (SELECT date, close FROM bars WHERE symbol = 'BTC'),
		s AS (SELECT r.date, r.seq, r.close AS pa, b.close AS pb FROM r JOIN b ON r.date = b.date
			WHERE r.date >= CAST(? AS DATE) AND r.date <= CAST(? AS DATE)),
		x AS (SELECT ln(pa / lag(pa) OVER w) AS ra, ln(pb / lag(pb) OVER w) AS rb, seq - lag(seq) OVER w AS dseq FROM s WINDOW w AS (ORDER BY seq))
		SELECT (SELECT count(*) FROM x WHERE dseq = 1), (SELECT corr(ra, rb) FROM x WHERE dseq = 1),
			(SELECT count(*) FROM s), (SELECT corr(pa, pb) FROM s)`
	const weekly = `WITH w AS (SELECT symbol, date_trunc('week', date) AS wk, arg_max(close, date) AS c, max(date) AS last
			FROM bars WHERE symbol IN ('RUT', 'BTC') GROUP BY symbol, wk),
		j AS (SELECT r.wk, r.c AS pa, b.c AS pb FROM w r JOIN w b ON r.wk = b.wk AND r.symbol = 'RUT' AND b.symbol = 'BTC'
			WHERE greatest(r.last, b.last) >= CAST(? AS DATE) AND greatest(r.last, b.last) <= CAST(? AS DATE)),
		x AS (SELECT ln(pa / lag(pa) OVER o) AS ra, ln(pb / lag(pb) OVER o) AS rb, date_diff('day', lag(wk) OVER o, wk) AS gap
			FROM j WINDOW o AS (ORDER BY wk))
		SELECT (SELECT count(*) FROM x WHERE gap = 7), (SELECT corr(ra, rb) FROM x WHERE gap = 7),
			(SELECT count(*) FROM j), (SELECT corr(pa, pb) FROM j)`
	cases := []struct {
		freq, clock, since, until, query string
	}{
		{"daily", "asof", "2021-01-01", "2025-12-31", daily},
		{"daily", "asof", "2011-01-01", "2025-12-31", daily},
		{"daily", "date", "2021-01-01", "2025-12-31", sameDate},
		{"daily", "date", "2011-01-01", "2025-12-31", sameDate},
		{"weekly", "", "2021-01-01", "2025-12-28", weekly},
	}
	lag0 := map[string]float64{}
	for _, c := range cases {
		t.Run(c.freq+"_"+c.clock+"_"+c.since, func(t *testing.T) {
			var n, ln int
			var r, lr float64
			if err := st.DB().QueryRow(c.query, c.since, c.until).Scan(&n, &r, &ln, &lr); err != nil {
				t.Fatal(err)
			}
			args := []string{"--a", "RUT", "--b", "BTC", "--freq", c.freq, "--since", c.since, "--until", c.until, "--lags", "1", "--output", "json"}
			if c.clock != "" {
				args = append(args, "--clock", c.clock)
			}
			out, err := studyExec(t, db, (*app).corrCmd, args...)
			if err != nil {
				t.Fatal(err)
			}
			var res struct {
				Pairs []corrPairJSON `json:"pairs"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			p := res.Pairs[0]
			if p.N != n || p.LevelN != ln || math.Abs(*p.Pearson-r) > 1e-9 || math.Abs(*p.LevelPearson-lr) > 1e-9 {
				t.Errorf("riskon n %d r %v level n %d r %v; DuckDB n %d r %v level n %d r %v",
					p.N, *p.Pearson, p.LevelN, *p.LevelPearson, n, r, ln, lr)
			}
			t.Logf("%s %s from %s: n %d, lag-0 r %.3f", c.freq, c.clock, c.since, p.N, *p.Pearson)
			lag0[c.clock+c.since] = *p.Pearson
		})
	}
	// The figure users quote: since 2021 the same-date daily correlation of
	// RUT and BTC is clearly positive; the as-of one, which pairs each RUT
	// close with the previous UTC day's BTC close, is near zero.
	if d, a := lag0["date2021-01-01"], lag0["asof2021-01-01"]; !(d > 0.25 && math.Abs(a) < 0.1) {
		t.Errorf("since 2021: same-date lag-0 r %.3f, as-of %.3f; want > 0.25 and near 0", d, a)
	}
}
