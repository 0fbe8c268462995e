package sqlcheck

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/strategy"
)

var rutCSV = filepath.Join("..", "..", "..", "shared", "data", "raw", "alitalbi_storage_data_fy", "^RUT.csv")

// TestSignalDatesMatchSQL compares the dates of donchian and new_high signals
// on the real Russell 2000 with window queries written here in SQL.
func TestSignalDatesMatchSQL(t *testing.T) {
	if _, err := os.Stat(rutCSV); err != nil {
		t.Skipf("real Russell 2000 file absent (../shared beside the checkout): %v", err)
	}
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	abs, _ := filepath.Abs(rutCSV)
	if _, err := db.Exec(`CREATE TABLE rut AS SELECT CAST("Date" AS DATE) AS d, "Open" AS o, "High" AS h, "Low" AS l, "Close" AS c, "Volume" AS v
		FROM read_csv(?, header = true) ORDER BY d`, abs); err != nil {
		t.Fatal(err)
	}
	// The series the strategy sees: the same doubles, read back from DuckDB.
	rows, err := db.Query(`SELECT d, o, h, l, c, v FROM rut ORDER BY d`)
	if err != nil {
		t.Fatal(err)
	}
	s := &data.Series{Symbol: "RUT", Calendar: data.NYSE()}
	for rows.Next() {
		var d time.Time
		var b data.Bar
		if err := rows.Scan(&d, &b.Open, &b.High, &b.Low, &b.Close, &b.Volume); err != nil {
			t.Fatal(err)
		}
		b.Date = data.DateFromTime(d)
		s.Append(b)
	}
	rows.Close()
	if s.Len() < 9000 {
		t.Fatalf("read %d Russell bars, want the whole file (>9000)", s.Len())
	}
	spyAbs, _ := filepath.Abs(filepath.Join(filepath.Dir(rutCSV), "SPY.csv"))
	if _, err := db.Exec(`CREATE TABLE spy AS SELECT CAST("Date" AS DATE) AS d, "Open" AS o, "High" AS h, "Low" AS l, "Close" AS c, "Volume" AS v
		FROM read_csv(?, header = true) ORDER BY d`, spyAbs); err != nil {
		t.Fatal(err)
	}
	// The ratio RUT/SPY on the dates both have (relative_to: SPY).
	if _, err := db.Exec(`CREATE TABLE ratio AS SELECT rut.d AS d, rut.c / spy.c AS c FROM rut JOIN spy USING (d) WHERE spy.c > 0 ORDER BY d`); err != nil {
		t.Fatal(err)
	}
	spy := readSeries(t, db, "spy", "SPY")
	ds, _ := data.NewDataset(s, spy)

	cases := []struct {
		name string
		p    strategy.BreakoutParams
		sql  string
	}{
		{"donchian 20", strategy.BreakoutParams{Rule: strategy.Donchian, Lookback: 20}, donchianSQL(20)},
		{"donchian 252", strategy.BreakoutParams{Rule: strategy.Donchian, Lookback: 252}, donchianSQL(252)},
		{"new_high 0", strategy.BreakoutParams{Rule: strategy.NewHigh}, newHighSQL(0)},
		{"new_high 30", strategy.BreakoutParams{Rule: strategy.NewHigh, MinDaysSinceHigh: 30}, newHighSQL(30)},
		{"new_high 365", strategy.BreakoutParams{Rule: strategy.NewHigh, MinDaysSinceHigh: 365}, newHighSQL(365)},
		{"range_breakout 252/504/0.5", strategy.BreakoutParams{Rule: "range_breakout", Lookback: 252, RangeDays: 504, MaxRange: 0.5}, rangeSQL("rut", 252, 504, 0.5)},
		{"range_breakout 50/250/0.2", strategy.BreakoutParams{Rule: "range_breakout", Lookback: 50, RangeDays: 250, MaxRange: 0.2}, rangeSQL("rut", 50, 250, 0.2)},
		{"range_breakout 20/100/0.1", strategy.BreakoutParams{Rule: "range_breakout", Lookback: 20, RangeDays: 100, MaxRange: 0.1}, rangeSQL("rut", 20, 100, 0.1)},
		{"above_ma 200", strategy.BreakoutParams{Rule: "above_ma", MADays: 200}, aboveMASQL("rut", 200)},
		{"above_ma 20", strategy.BreakoutParams{Rule: "above_ma", MADays: 20}, aboveMASQL("rut", 20)},
		{"ma_cross 50/200", strategy.BreakoutParams{Rule: "ma_cross", Fast: 50, Slow: 200}, maCrossSQL("rut", 50, 200)},
		{"ma_cross 5/20", strategy.BreakoutParams{Rule: "ma_cross", Fast: 5, Slow: 20}, maCrossSQL("rut", 5, 20)},
		{"donchian 252 relative to SPY", strategy.BreakoutParams{Rule: strategy.Donchian, Lookback: 252, RelativeTo: "SPY"}, ratioDonchianSQL(252)},
		{"above_ma 100 relative to SPY", strategy.BreakoutParams{Rule: "above_ma", MADays: 100, RelativeTo: "SPY"}, aboveMASQL("ratio", 100)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := sqlDates(t, db, tc.sql)
			p := tc.p
			p.Trigger, p.Confirm, p.Targets, p.Allocation, p.HoldDays = "RUT", 1, []string{"RUT"}, 1, 1
			st, err := strategy.NewBreakout(p)
			if err != nil {
				t.Fatal(err)
			}
			res, err := engine.Run(context.Background(), engine.NewPlan(ds), st, engine.Options{Capital: 1, Trigger: "RUT", Targets: []string{"RUT"}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, sg := range res.Signals {
				got = append(got, data.DateFromUnix(sg.Time).String())
			}
			if len(want) == 0 {
				t.Fatal("the SQL query found no signals; the comparison would be empty")
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%d strategy signals vs %d from SQL; first difference: %s", len(got), len(want), firstDiff(got, want))
			}
			t.Logf("%s: %d signal dates agree, first %s, last %s", tc.name, len(got), got[0], got[len(got)-1])
		})
	}
}

func readSeries(t *testing.T, db *sql.DB, table, sym string) *data.Series {
	t.Helper()
	rows, err := db.Query(`SELECT d, o, h, l, c, v FROM ` + table + ` ORDER BY d`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	s := &data.Series{Symbol: sym, Calendar: data.NYSE()}
	for rows.Next() {
		var d time.Time
		var b data.Bar
		if err := rows.Scan(&d, &b.Open, &b.High, &b.Low, &b.Close, &b.Volume); err != nil {
			t.Fatal(err)
		}
		b.Date = data.DateFromTime(d)
		s.Append(b)
	}
	return s
}

// rangeSQL: close strictly above the highest of the previous lb closes,
// the previous rd closes within highest/lowest <= 1 + mr, both windows full.
func rangeSQL(table string, lb, rd int, mr float64) string {
	return fmt.Sprintf(`SELECT d FROM (
		SELECT d, c,
			max(c) OVER (ORDER BY d ROWS BETWEEN %[1]d PRECEDING AND 1 PRECEDING) AS lvl,
			count(*) OVER (ORDER BY d ROWS BETWEEN %[1]d PRECEDING AND 1 PRECEDING) AS k,
			max(c) OVER (ORDER BY d ROWS BETWEEN %[2]d PRECEDING AND 1 PRECEDING) AS rhi,
			min(c) OVER (ORDER BY d ROWS BETWEEN %[2]d PRECEDING AND 1 PRECEDING) AS rlo,
			count(*) OVER (ORDER BY d ROWS BETWEEN %[2]d PRECEDING AND 1 PRECEDING) AS kr
		FROM %[4]s) WHERE k = %[1]d AND kr = %[2]d AND c > lvl AND rlo > 0 AND rhi <= rlo * (1 + %[3]v::DOUBLE) ORDER BY d`, lb, rd, mr, table)
}

// aboveMASQL: the close crosses above its n-close simple average (sum over
// the window / n): above now, at or below at the previous close, both
// averages over full windows.
func aboveMASQL(table string, n int) string {
	return fmt.Sprintf(`WITH x AS (
		SELECT d, c, row_number() OVER (ORDER BY d) AS i,
			c - sum(c) OVER (ORDER BY d ROWS BETWEEN %[1]d PRECEDING AND CURRENT ROW) / %[2]d AS diff
		FROM %[3]s
	), y AS (SELECT d, i, diff, lag(diff) OVER (ORDER BY d) AS prev FROM x)
	SELECT d FROM y WHERE i > %[2]d AND diff > 0 AND prev <= 0 ORDER BY d`, n-1, n, table)
}

// maCrossSQL: the f-close average crosses above the s-close average.
func maCrossSQL(table string, f, s int) string {
	return fmt.Sprintf(`WITH x AS (
		SELECT d, row_number() OVER (ORDER BY d) AS i,
			sum(c) OVER (ORDER BY d ROWS BETWEEN %[1]d PRECEDING AND CURRENT ROW) / %[2]d
			- sum(c) OVER (ORDER BY d ROWS BETWEEN %[3]d PRECEDING AND CURRENT ROW) / %[4]d AS diff
		FROM %[5]s
	), y AS (SELECT d, i, diff, lag(diff) OVER (ORDER BY d) AS prev FROM x)
	SELECT d FROM y WHERE i > %[4]d AND diff > 0 AND prev <= 0 ORDER BY d`, f-1, f, s-1, s, table)
}

// ratioDonchianSQL: donchian on the RUT/SPY ratio of common dates.
func ratioDonchianSQL(n int) string {
	return fmt.Sprintf(`SELECT d FROM (
		SELECT d, c,
			max(c) OVER (ORDER BY d ROWS BETWEEN %[1]d PRECEDING AND 1 PRECEDING) AS lvl,
			count(*) OVER (ORDER BY d ROWS BETWEEN %[1]d PRECEDING AND 1 PRECEDING) AS k
		FROM ratio) WHERE k = %[1]d AND c > lvl ORDER BY d`, n)
}

// donchianSQL: close strictly above the highest of the previous n closes,
// once n previous closes exist.
func donchianSQL(n int) string {
	return fmt.Sprintf(`SELECT d FROM (
		SELECT d, c,
			max(c) OVER (ORDER BY d ROWS BETWEEN %[1]d PRECEDING AND 1 PRECEDING) AS lvl,
			count(*) OVER (ORDER BY d ROWS BETWEEN %[1]d PRECEDING AND 1 PRECEDING) AS k
		FROM rut) WHERE k = %[1]d AND c > lvl ORDER BY d`, n)
}

// newHighSQL: close above every earlier close, where the earlier all-time
// high was set at least m calendar days before.
func newHighSQL(m int) string {
	return fmt.Sprintf(`WITH x AS (
		SELECT d, c, max(c) OVER (ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_max FROM rut
	), rec AS (
		SELECT d, c, prev_max, (prev_max IS NULL OR c > prev_max) AS is_rec FROM x
	), y AS (
		SELECT d, c, prev_max, is_rec,
			max(CASE WHEN is_rec THEN d END) OVER (ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS ath_day
		FROM rec
	)
	SELECT d FROM y WHERE prev_max IS NOT NULL AND c > prev_max AND date_diff('day', ath_day, d) >= %d ORDER BY d`, m)
}

func sqlDates(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d time.Time
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d.Format("2006-01-02"))
	}
	return out
}

func firstDiff(a, b []string) string {
	for i := 0; i < len(a) || i < len(b); i++ {
		switch {
		case i >= len(a):
			return "SQL has " + b[i]
		case i >= len(b):
			return "strategy has " + a[i]
		case a[i] != b[i]:
			return fmt.Sprintf("strategy %s, SQL %s", a[i], b[i])
		}
	}
	return ""
}
