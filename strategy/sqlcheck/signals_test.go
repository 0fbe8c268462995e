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
	ds, _ := data.NewDataset(s)

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
