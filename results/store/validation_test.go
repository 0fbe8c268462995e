package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// TestValidationsRoundTrip: a validation, its folds (with a NaN stored as
// NULL) and its curve come back as written; resume reads the folds; delete
// removes everything; the migration is recorded once.
func TestValidationsRoundTrip(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	v, err := NewValidations(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewValidations(ctx, db); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations WHERE component = 'validations'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("migrations recorded %d times (%v)", n, err)
	}
	rec := ValidationRecord{ID: "wf-abc123", Name: "wf", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Version: "test",
		Method: "walk-forward", Options: json.RawMessage(`{"train":"5y"}`), DataFingerprint: "fp", Trials: 50, Folds: 3}
	if err := v.Create(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := v.Create(ctx, rec); err == nil {
		t.Fatal("duplicate id accepted")
	}
	f := FoldRecord{Fold: 1, TrainStart: "2015-01-01", TrainEnd: "2019-12-31", TestStart: "2020-01-01", TestEnd: "2020-12-31",
		Chosen: 7, TrialHash: "h", Params: json.RawMessage(`{"a":1}`), ISSharpe: 1.5, OOSSharpe: math.NaN(), OOSTotalReturn: 0.1,
		BenchTotalReturn: 0.2, Degradation: math.NaN(), Detail: json.RawMessage(`{"index":1}`)}
	if err := v.AddFold(ctx, rec.ID, f); err != nil {
		t.Fatal(err)
	}
	var oos sql.NullFloat64
	var ts string
	if err := db.QueryRow(`SELECT oos_sharpe, test_start::VARCHAR FROM validation_folds WHERE fold = 1`).Scan(&oos, &ts); err != nil {
		t.Fatal(err)
	}
	if oos.Valid || ts != "2020-01-01" {
		t.Fatalf("oos_sharpe %v, test_start %s", oos, ts)
	}
	folds, err := v.Folds(ctx, rec.ID)
	if err != nil || len(folds) != 1 || string(folds[1]) != `{"index": 1}` && string(folds[1]) != `{"index":1}` {
		t.Fatalf("folds %v %v", folds, err)
	}
	id, err := v.Resolve(ctx, "wf-a")
	if err != nil || id != rec.ID {
		t.Fatalf("resolve %q %v", id, err)
	}
	if _, err := v.Resolve(ctx, "zz"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("resolve zz: %v", err)
	}
	if err := v.Finish(ctx, rec.ID, json.RawMessage(`{"ok":true}`), []EquityPoint{{"2020-01-01", 100, 100}, {"2020-01-02", 101, 99}}); err != nil {
		t.Fatal(err)
	}
	got, err := v.Get(ctx, rec.ID)
	if err != nil || !got.Complete || got.Trials != 50 || !got.CreatedAt.Equal(rec.CreatedAt) {
		t.Fatalf("get %+v %v", got, err)
	}
	var sum float64
	if err := db.QueryRow(`SELECT sum(equity) FROM validation_equity WHERE validation_id = 'wf-abc123'`).Scan(&sum); err != nil || sum != 201 {
		t.Fatalf("equity sum %v %v", sum, err)
	}
	if err := v.Delete(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	for _, tb := range []string{"validations", "validation_folds", "validation_equity"} {
		if err := db.QueryRow(`SELECT count(*) FROM ` + tb).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s has %d rows after delete", tb, n)
		}
	}
}
