package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/riskon/riskon/internal/migrate"
	"strings"
	"time"
)

// Validations keeps out-of-sample validations (riskon validate) in three
// tables (component "validations" in schema_migrations):
//
//	validations(validation_id PRIMARY KEY, name, created_at, version, method,
//	       options JSON, spec JSON, base_config JSON, data_fingerprint,
//	       synthetic, trials, folds, complete, result JSON)
//	validation_folds(validation_id, fold, train_start DATE, train_end DATE,
//	       test_start DATE, test_end DATE, chosen, trial_hash, params JSON,
//	       is_sharpe, oos_sharpe, oos_total_return, bench_total_return,
//	       degradation, beats_benchmark, detail JSON)
//	       PRIMARY KEY (validation_id, fold)
//	validation_equity(validation_id, "date" DATE, equity, benchmark)
//
// A fold is written in its own transaction as soon as it is done, so an
// interrupted validation resumes from its stored folds; the result and the
// stitched curve are written when it completes. The JSON columns are the
// validation's own JSON (strategy/validate): this package stores them
// without knowing their shape beyond the scalar columns.
type Validations struct {
	db    *sql.DB
	empty bool
}

const validationsComponent = "validations"

var validationsMigrations = [][]string{
	{
		`CREATE TABLE validations (
			validation_id    VARCHAR PRIMARY KEY,
			name             VARCHAR NOT NULL,
			created_at       TIMESTAMPTZ NOT NULL,
			version          VARCHAR NOT NULL,
			method           VARCHAR NOT NULL,
			options          JSON,
			spec             JSON,
			base_config      JSON,
			data_fingerprint VARCHAR NOT NULL,
			synthetic        BOOLEAN NOT NULL,
			trials           INTEGER NOT NULL,
			folds            INTEGER NOT NULL,
			complete         BOOLEAN NOT NULL,
			result           JSON
		)`,
		`CREATE TABLE validation_folds (
			validation_id      VARCHAR NOT NULL,
			fold               INTEGER NOT NULL,
			train_start        DATE,
			train_end          DATE,
			test_start         DATE,
			test_end           DATE,
			chosen             INTEGER,
			trial_hash         VARCHAR,
			params             JSON,
			is_sharpe          DOUBLE,
			oos_sharpe         DOUBLE,
			oos_total_return   DOUBLE,
			bench_total_return DOUBLE,
			degradation        DOUBLE,
			beats_benchmark    BOOLEAN,
			detail             JSON NOT NULL,
			PRIMARY KEY (validation_id, fold)
		)`,
		`CREATE TABLE validation_equity (
			validation_id VARCHAR NOT NULL,
			"date"        DATE,
			equity        DOUBLE,
			benchmark     DOUBLE
		)`,
	},
}

// NewValidations returns the validation store on db, creating or migrating
// its tables. On a read-only database without them it holds nothing.
func NewValidations(ctx context.Context, db *sql.DB) (*Validations, error) {
	if db == nil {
		return nil, errors.New("validation store: nil database")
	}
	empty, err := openComponent(ctx, db, migrate.Component{Name: validationsComponent, What: "validation store", Steps: validationsMigrations})
	if err != nil {
		return nil, err
	}
	return &Validations{db: db, empty: empty}, nil
}

// ValidationRecord is one row of validations.
type ValidationRecord struct {
	ID              string
	Name            string
	CreatedAt       time.Time
	Version         string
	Method          string
	Options         json.RawMessage
	Spec            json.RawMessage
	BaseConfig      json.RawMessage
	DataFingerprint string
	Synthetic       bool
	Trials          int
	Folds           int
	Complete        bool
	// Result is the validation's JSON, set when it completes.
	Result json.RawMessage
}

// FoldRecord is one row of validation_folds. Dates are YYYY-MM-DD; NaN
// numbers are stored as NULL.
type FoldRecord struct {
	Fold                                     int
	TrainStart, TrainEnd, TestStart, TestEnd string
	Chosen                                   int
	TrialHash                                string
	Params                                   json.RawMessage
	ISSharpe, OOSSharpe                      float64
	OOSTotalReturn, BenchTotalReturn         float64
	Degradation                              float64
	BeatsBenchmark                           bool
	// Detail is the whole fold as JSON.
	Detail json.RawMessage
}

// EquityPoint is one day of the stitched out-of-sample curve and its
// benchmark.
type EquityPoint struct {
	Date              string
	Equity, Benchmark float64
}

func jsonOrNull(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// Create stores a new, incomplete validation.
func (v *Validations) Create(ctx context.Context, r ValidationRecord) error {
	_, err := v.db.ExecContext(ctx, `INSERT INTO validations VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, false, NULL)`,
		r.ID, r.Name, r.CreatedAt.UTC(), r.Version, r.Method, jsonOrNull(r.Options), jsonOrNull(r.Spec), jsonOrNull(r.BaseConfig),
		r.DataFingerprint, r.Synthetic, r.Trials, r.Folds)
	if err != nil {
		return fmt.Errorf("store validation %s: %w", r.ID, err)
	}
	return nil
}

// Get returns the validation with id (exact).
func (v *Validations) Get(ctx context.Context, id string) (*ValidationRecord, error) {
	if v.empty {
		return nil, &lookupError{fmt.Sprintf("no validation %q: no validations are stored yet", id), ErrNotFound}
	}
	var r ValidationRecord
	var opts, spec, base, res sql.NullString
	err := v.db.QueryRowContext(ctx, `SELECT validation_id, name, created_at, version, method, options::VARCHAR, spec::VARCHAR,
		base_config::VARCHAR, data_fingerprint, synthetic, trials, folds, complete, result::VARCHAR FROM validations WHERE validation_id = $1`, id).Scan(
		&r.ID, &r.Name, &r.CreatedAt, &r.Version, &r.Method, &opts, &spec, &base, &r.DataFingerprint, &r.Synthetic, &r.Trials, &r.Folds,
		&r.Complete, &res)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &lookupError{fmt.Sprintf("no validation %q; list them with `riskon validate list`", id), ErrNotFound}
	}
	if err != nil {
		return nil, fmt.Errorf("read validation %s: %w", id, err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	r.Options, r.Spec, r.BaseConfig, r.Result = raw(opts), raw(spec), raw(base), raw(res)
	return &r, nil
}

func raw(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// Resolve returns the full validation id for an id or a unique prefix.
func (v *Validations) Resolve(ctx context.Context, idOrPrefix string) (string, error) {
	p := strings.TrimSpace(idOrPrefix)
	if p == "" {
		return "", errors.New("empty validation id")
	}
	if v.empty {
		return "", &lookupError{fmt.Sprintf("no validation %q: no validations are stored yet", p), ErrNotFound}
	}
	rows, err := v.db.QueryContext(ctx, `SELECT validation_id FROM validations WHERE starts_with(validation_id, $1) ORDER BY validation_id LIMIT 6`, p)
	if err != nil {
		return "", fmt.Errorf("look up validation %q: %w", p, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", fmt.Errorf("look up validation %q: %w", p, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("look up validation %q: %w", p, err)
	}
	switch len(ids) {
	case 0:
		return "", &lookupError{fmt.Sprintf("no validation %q; list them with `riskon validate list`", p), ErrNotFound}
	case 1:
		return ids[0], nil
	}
	return "", &lookupError{fmt.Sprintf("validation id prefix %q matches %s: give more characters", p, strings.Join(ids, ", ")), ErrAmbiguous}
}

// List returns every stored validation, newest first (without results).
func (v *Validations) List(ctx context.Context) ([]ValidationRecord, error) {
	if v.empty {
		return nil, nil
	}
	rows, err := v.db.QueryContext(ctx, `SELECT v.validation_id, v.name, v.created_at, v.version, v.method, v.data_fingerprint,
		v.synthetic, v.trials, v.folds, v.complete, (SELECT count(*) FROM validation_folds f WHERE f.validation_id = v.validation_id)
		FROM validations v ORDER BY created_at DESC, validation_id`)
	if err != nil {
		return nil, fmt.Errorf("list validations: %w", err)
	}
	defer rows.Close()
	var out []ValidationRecord
	for rows.Next() {
		var r ValidationRecord
		var done int
		if err := rows.Scan(&r.ID, &r.Name, &r.CreatedAt, &r.Version, &r.Method, &r.DataFingerprint, &r.Synthetic, &r.Trials, &r.Folds,
			&r.Complete, &done); err != nil {
			return nil, fmt.Errorf("list validations: %w", err)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		if !r.Complete {
			r.Method += fmt.Sprintf(" (%d of %d folds done)", done, r.Folds)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Delete removes a validation and its folds and curve.
func (v *Validations) Delete(ctx context.Context, id string) error {
	tx, err := v.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete validation %s: %w", id, err)
	}
	defer tx.Rollback()
	for _, t := range []string{"validation_equity", "validation_folds", "validations"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE validation_id = $1`, id); err != nil {
			return fmt.Errorf("delete validation %s: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete validation %s: %w", id, err)
	}
	return nil
}

// AddFold stores one finished fold (its own transaction).
func (v *Validations) AddFold(ctx context.Context, id string, f FoldRecord) error {
	_, err := v.db.ExecContext(ctx, `INSERT INTO validation_folds VALUES ($1, $2, $3::DATE, $4::DATE, $5::DATE, $6::DATE, $7, $8, $9,
		$10, $11, $12, $13, $14, $15, $16)`,
		id, f.Fold, f.TrainStart, f.TrainEnd, f.TestStart, f.TestEnd, f.Chosen, f.TrialHash, jsonOrNull(f.Params),
		nullable(f.ISSharpe), nullable(f.OOSSharpe), nullable(f.OOSTotalReturn), nullable(f.BenchTotalReturn), nullable(f.Degradation),
		f.BeatsBenchmark, string(f.Detail))
	if err != nil {
		return fmt.Errorf("store fold %d of validation %s: %w", f.Fold, id, err)
	}
	return nil
}

// Folds returns the stored folds' JSON by fold index.
func (v *Validations) Folds(ctx context.Context, id string) (map[int]json.RawMessage, error) {
	out := map[int]json.RawMessage{}
	if v.empty {
		return out, nil
	}
	rows, err := v.db.QueryContext(ctx, `SELECT fold, detail::VARCHAR FROM validation_folds WHERE validation_id = $1 ORDER BY fold`, id)
	if err != nil {
		return nil, fmt.Errorf("read folds of validation %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var d string
		if err := rows.Scan(&i, &d); err != nil {
			return nil, fmt.Errorf("read folds of validation %s: %w", id, err)
		}
		out[i] = json.RawMessage(d)
	}
	return out, rows.Err()
}

// Finish stores the result and the stitched curve and marks the validation
// complete, in one transaction.
func (v *Validations) Finish(ctx context.Context, id string, result json.RawMessage, curve []EquityPoint) error {
	tx, err := v.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("finish validation %s: %w", id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM validation_equity WHERE validation_id = $1`, id); err != nil {
		return fmt.Errorf("finish validation %s: %w", id, err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO validation_equity VALUES ($1, $2::DATE, $3, $4)`)
	if err != nil {
		return fmt.Errorf("finish validation %s: %w", id, err)
	}
	defer stmt.Close()
	for _, p := range curve {
		if _, err := stmt.ExecContext(ctx, id, p.Date, nullable(p.Equity), nullable(p.Benchmark)); err != nil {
			return fmt.Errorf("finish validation %s: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE validations SET complete = true, result = $2 WHERE validation_id = $1`, id, string(result)); err != nil {
		return fmt.Errorf("finish validation %s: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("finish validation %s: %w", id, err)
	}
	return nil
}
