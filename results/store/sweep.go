package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/riskon/riskon/internal/migrate"
	"github.com/riskon/riskon/results"
)

// Sweeps keeps parameter sweeps in two tables (component "sweeps" in
// schema_migrations):
//
//	sweeps(sweep_id PRIMARY KEY, name, created_at, version, spec JSON,
//	       base_config JSON, base_hash, data_fingerprint, synthetic, trials,
//	       rank_by, pbo_start DATE, pbo_block_days, pbo_blocks)
//	sweep_trials(sweep_id, trial_index, trial_hash, params JSON,
//	       <every metric>, bench_<every metric>, signals, evidence_trades,
//	       episodes, too_few, seed, ret_days, ret_skew, ret_kurt, pbo_sums)
//	       PRIMARY KEY (sweep_id, trial_index)
//
// The metric columns are the JSON names of results.Metrics (DOUBLE, NULL when
// undefined; INTEGER for counts); notes are not kept. ret_days, ret_skew and
// ret_kurt describe the trial's daily returns (ordinary kurtosis) for the
// deflated Sharpe ratio. pbo_sums holds what the PBO needs of the trial's
// daily returns: on the sweep's grid of pbo_blocks blocks of pbo_block_days
// days from pbo_start, the sum of the returns per block then the sum of their
// squares, as little-endian float64 (numpy: np.frombuffer(b, "<f8")). A
// trial keeps 2·pbo_blocks numbers whatever the length of its history, so
// the store stays small and a merge of shards needs nothing else.
type Sweeps struct {
	db *sql.DB
	// empty: a read-only database without the sweep tables.
	empty bool
}

const sweepsComponent = "sweeps"

// sweepsMigrations are the sweep store's migrations, literal SQL, frozen
// (see internal/migrate). The trial columns were the JSON names of
// results.Metrics at release: a metric added since needs a new step that
// adds its two columns (name and bench_name); TestSweepSchemaCoversMetrics
// fails until it exists.
var sweepsMigrations = [][]string{
	{
		`CREATE TABLE sweeps (
			sweep_id           VARCHAR PRIMARY KEY,
			name               VARCHAR NOT NULL,
			created_at         TIMESTAMPTZ NOT NULL,
			version            VARCHAR NOT NULL,
			spec               JSON NOT NULL,
			base_config        JSON NOT NULL,
			base_hash          VARCHAR NOT NULL,
			data_fingerprint   VARCHAR NOT NULL,
			synthetic          BOOLEAN NOT NULL,
			trials             INTEGER NOT NULL,
			rank_by            VARCHAR NOT NULL,
			pbo_start          DATE NOT NULL,
			pbo_block_days     INTEGER NOT NULL,
			pbo_blocks         INTEGER NOT NULL
		)`,
		`CREATE TABLE sweep_trials (
			"sweep_id" VARCHAR NOT NULL,
			"trial_index" INTEGER NOT NULL,
			"trial_hash" VARCHAR NOT NULL,
			"params" JSON NOT NULL,
			"total_return" DOUBLE,
			"cagr" DOUBLE,
			"max_drawdown" DOUBLE,
			"max_drawdown_days" INTEGER,
			"sharpe" DOUBLE,
			"sortino" DOUBLE,
			"calmar" DOUBLE,
			"volatility" DOUBLE,
			"exposure" DOUBLE,
			"trades" INTEGER,
			"win_rate" DOUBLE,
			"avg_trade_return" DOUBLE,
			"median_trade_return" DOUBLE,
			"profit_factor" DOUBLE,
			"best_trade" DOUBLE,
			"worst_trade" DOUBLE,
			"final_equity" DOUBLE,
			"annualization" INTEGER,
			"days" INTEGER,
			"bench_total_return" DOUBLE,
			"bench_cagr" DOUBLE,
			"bench_max_drawdown" DOUBLE,
			"bench_max_drawdown_days" INTEGER,
			"bench_sharpe" DOUBLE,
			"bench_sortino" DOUBLE,
			"bench_calmar" DOUBLE,
			"bench_volatility" DOUBLE,
			"bench_exposure" DOUBLE,
			"bench_trades" INTEGER,
			"bench_win_rate" DOUBLE,
			"bench_avg_trade_return" DOUBLE,
			"bench_median_trade_return" DOUBLE,
			"bench_profit_factor" DOUBLE,
			"bench_best_trade" DOUBLE,
			"bench_worst_trade" DOUBLE,
			"bench_final_equity" DOUBLE,
			"bench_annualization" INTEGER,
			"bench_days" INTEGER,
			"signals" INTEGER,
			"evidence_trades" INTEGER,
			"episodes" INTEGER,
			"too_few" BOOLEAN,
			"seed" UBIGINT,
			"ret_days" INTEGER,
			"ret_skew" DOUBLE,
			"ret_kurt" DOUBLE,
			"pbo_sums" BLOB,
			PRIMARY KEY (sweep_id, trial_index))`,
	},
}

// metricCol is one column of a results.Metrics field.
type metricCol struct {
	name  string
	index int
	value bool // results.Value (DOUBLE); otherwise int (INTEGER)
}

// metricCols lists the fields of results.Metrics stored as columns, by
// their JSON names, so the table can never drift from the struct.
var metricCols = func() []metricCol {
	var out []metricCol
	t := reflect.TypeFor[results.Metrics]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "" || name == "-":
		case f.Type == reflect.TypeFor[results.Value]():
			out = append(out, metricCol{name, i, true})
		case f.Type.Kind() == reflect.Int:
			out = append(out, metricCol{name, i, false})
		}
	}
	return out
}()

// trialColumns are the columns of sweep_trials the store writes and reads,
// with SQL types; every one must exist in the migrated schema
// (TestSweepSchemaCoversMetrics).
var trialColumns = func() [][2]string {
	cols := [][2]string{{"sweep_id", "VARCHAR"}, {"trial_index", "INTEGER"}, {"trial_hash", "VARCHAR"}, {"params", "JSON"}}
	for _, prefix := range []string{"", "bench_"} {
		for _, m := range metricCols {
			typ := "INTEGER"
			if m.value {
				typ = "DOUBLE"
			}
			cols = append(cols, [2]string{prefix + m.name, typ})
		}
	}
	return append(cols, [][2]string{
		{"signals", "INTEGER"}, {"evidence_trades", "INTEGER"}, {"episodes", "INTEGER"}, {"too_few", "BOOLEAN"},
		{"seed", "UBIGINT"}, {"ret_days", "INTEGER"}, {"ret_skew", "DOUBLE"}, {"ret_kurt", "DOUBLE"},
		{"pbo_sums", "BLOB"},
	}...)
}()

var sweepColumns = []string{"sweep_id", "name", "created_at", "version", "spec", "base_config", "base_hash",
	"data_fingerprint", "synthetic", "trials", "rank_by", "pbo_start", "pbo_block_days", "pbo_blocks"}

// ErrSweepExists: Create found the sweep id already stored.
var ErrSweepExists = errors.New("sweep already stored")

// NewSweeps returns the sweep store on db, creating or migrating its tables.
// On a read-only database without them it returns a store holding no
// sweeps.
func NewSweeps(ctx context.Context, db *sql.DB) (*Sweeps, error) {
	if db == nil {
		return nil, errors.New("sweep store: nil database")
	}
	empty, err := openComponent(ctx, db, migrate.Component{Name: sweepsComponent, What: "sweep store", Steps: sweepsMigrations})
	if err != nil {
		return nil, err
	}
	return &Sweeps{db: db, empty: empty}, nil
}

// SweepRecord is one row of sweeps: what a sweep is, independent of its
// trials' results.
type SweepRecord struct {
	SweepID         string          `json:"sweep_id"`
	Name            string          `json:"name"`
	CreatedAt       time.Time       `json:"created_at"`
	Version         string          `json:"version"`
	Spec            json.RawMessage `json:"spec"`
	BaseConfig      json.RawMessage `json:"base_config"`
	BaseHash        string          `json:"base_hash"`
	DataFingerprint string          `json:"data_fingerprint"`
	Synthetic       bool            `json:"synthetic"`
	// Trials is the number of trials of the whole sweep (every shard).
	Trials int    `json:"trials"`
	RankBy string `json:"rank_by"`
	// PBOStart (a UTC date), PBOBlockDays and PBOBlocks are the sweep's PBO
	// grid (strategy/sweep.Grid).
	PBOStart     time.Time `json:"pbo_start"`
	PBOBlockDays int       `json:"pbo_block_days"`
	PBOBlocks    int       `json:"pbo_blocks"`
}

// Create stores a new sweep; ErrSweepExists if its id is already stored.
func (s *Sweeps) Create(ctx context.Context, rec SweepRecord) error {
	if s.empty {
		return errors.New("create sweep: the database is read-only")
	}
	if rec.SweepID == "" || !json.Valid(rec.Spec) || !json.Valid(rec.BaseConfig) {
		return fmt.Errorf("create sweep %q: needs an id and JSON spec and base config", rec.SweepID)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO sweeps (`+strings.Join(sweepColumns, ", ")+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		rec.SweepID, rec.Name, rec.CreatedAt.UTC(), rec.Version, string(rec.Spec), string(rec.BaseConfig), rec.BaseHash,
		rec.DataFingerprint, rec.Synthetic, rec.Trials, rec.RankBy, rec.PBOStart.UTC(), rec.PBOBlockDays, rec.PBOBlocks)
	if err != nil {
		if de := (*duckdb.Error)(nil); errors.As(err, &de) && de.Type == duckdb.ErrorTypeConstraint {
			return fmt.Errorf("create sweep %s: %w", rec.SweepID, ErrSweepExists)
		}
		return fmt.Errorf("create sweep %s: %w", rec.SweepID, err)
	}
	return nil
}

// Get returns the stored sweep with id exactly; the error Is ErrNotFound when
// there is none.
func (s *Sweeps) Get(ctx context.Context, id string) (*SweepRecord, error) {
	if s.empty {
		return nil, &lookupError{fmt.Sprintf("no sweep %q: no sweeps are stored yet", id), ErrNotFound}
	}
	var r SweepRecord
	var spec, base string
	err := s.db.QueryRowContext(ctx, `SELECT sweep_id, name, created_at, version, spec::VARCHAR, base_config::VARCHAR, base_hash,
		data_fingerprint, synthetic, trials, rank_by, pbo_start, pbo_block_days, pbo_blocks FROM sweeps WHERE sweep_id = $1`, id).Scan(
		&r.SweepID, &r.Name, &r.CreatedAt, &r.Version, &spec, &base, &r.BaseHash, &r.DataFingerprint, &r.Synthetic,
		&r.Trials, &r.RankBy, &r.PBOStart, &r.PBOBlockDays, &r.PBOBlocks)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &lookupError{fmt.Sprintf("no sweep %q; list sweeps with `riskon sweep list`", id), ErrNotFound}
	}
	if err != nil {
		return nil, fmt.Errorf("read sweep %s: %w", id, err)
	}
	r.CreatedAt, r.PBOStart = r.CreatedAt.UTC(), r.PBOStart.UTC()
	r.Spec, r.BaseConfig = json.RawMessage(spec), json.RawMessage(base)
	return &r, nil
}

// Resolve returns the full sweep id for an id or a unique prefix of one.
func (s *Sweeps) Resolve(ctx context.Context, idOrPrefix string) (string, error) {
	p := strings.TrimSpace(idOrPrefix)
	if p == "" {
		return "", errors.New("empty sweep id")
	}
	if s.empty {
		return "", &lookupError{fmt.Sprintf("no sweep %q: no sweeps are stored yet", p), ErrNotFound}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT sweep_id FROM sweeps WHERE starts_with(sweep_id, $1) ORDER BY sweep_id LIMIT 6`, p)
	if err != nil {
		return "", fmt.Errorf("look up sweep %q: %w", p, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", fmt.Errorf("look up sweep %q: %w", p, err)
		}
		if id == p {
			return id, nil
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("look up sweep %q: %w", p, err)
	}
	switch len(ids) {
	case 0:
		return "", &lookupError{fmt.Sprintf("no sweep %q; list sweeps with `riskon sweep list`", p), ErrNotFound}
	case 1:
		return ids[0], nil
	}
	return "", &lookupError{fmt.Sprintf("sweep id prefix %q matches several sweeps (%s); give more characters", p, strings.Join(ids, ", ")), ErrAmbiguous}
}

// SweepSummary is one line of a sweep listing.
type SweepSummary struct {
	SweepID   string    `json:"sweep_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	Trials    int       `json:"trials"`
	Done      int       `json:"done"`
	// Interrupted, set by riskon sweep list, names the folder holding the
	// part of a whole sweep stopped before its final import.
	Interrupted string `json:"interrupted,omitempty"`
	Synthetic   bool   `json:"synthetic"`
}

// List returns the stored sweeps, newest first, with how many trials are
// done.
func (s *Sweeps) List(ctx context.Context) ([]SweepSummary, error) {
	if s.empty {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT s.sweep_id, s.name, s.created_at, s.trials, count(t.trial_index), s.synthetic
		FROM sweeps s LEFT JOIN sweep_trials t USING (sweep_id)
		GROUP BY ALL ORDER BY s.created_at DESC, s.sweep_id`)
	if err != nil {
		return nil, fmt.Errorf("list sweeps: %w", err)
	}
	defer rows.Close()
	var out []SweepSummary
	for rows.Next() {
		var r SweepSummary
		if err := rows.Scan(&r.SweepID, &r.Name, &r.CreatedAt, &r.Trials, &r.Done, &r.Synthetic); err != nil {
			return nil, fmt.Errorf("list sweeps: %w", err)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Delete removes a sweep and its trials in one transaction.
func (s *Sweeps) Delete(ctx context.Context, id string) error {
	if s.empty {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete sweep %s: %w", id, err)
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM sweep_trials WHERE sweep_id = $1`, `DELETE FROM sweeps WHERE sweep_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("delete sweep %s: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete sweep %s: %w", id, err)
	}
	return nil
}

// Done returns the stored trials of a sweep: trial index -> trial hash.
func (s *Sweeps) Done(ctx context.Context, id string) (map[int]string, error) {
	out := map[int]string{}
	if s.empty {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT trial_index, trial_hash FROM sweep_trials WHERE sweep_id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("read finished trials of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var h string
		if err := rows.Scan(&i, &h); err != nil {
			return nil, fmt.Errorf("read finished trials of %s: %w", id, err)
		}
		out[i] = h
	}
	return out, rows.Err()
}

// TrialRow is one row of sweep_trials.
type TrialRow struct {
	Index     int
	Hash      string
	Params    json.RawMessage // a JSON object, keys in the sweep file's order (compact)
	Metrics   results.Metrics // Notes are not stored
	Benchmark results.Metrics
	// Evidence counts and the seed of the trial's random procedures.
	Signals, Trades, Episodes int
	TooFew                    bool
	Seed                      uint64
	// RetDays, RetSkew and RetKurt (ordinary) describe the daily returns.
	RetDays          int
	RetSkew, RetKurt float64
	// PBOSums are the block sums of the daily returns on the sweep's grid.
	PBOSums []float64
}

func nullable(v float64) driver.Value {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func (r *TrialRow) values(sweepID string) ([]driver.Value, error) {
	if !json.Valid(r.Params) {
		return nil, fmt.Errorf("trial %d: params are not JSON", r.Index)
	}
	out := make([]driver.Value, 0, len(trialColumns))
	out = append(out, sweepID, int32(r.Index), r.Hash, r.Params) // json.RawMessage: the appender marshals JSON columns
	for _, m := range []*results.Metrics{&r.Metrics, &r.Benchmark} {
		v := reflect.ValueOf(m).Elem()
		for _, c := range metricCols {
			f := v.Field(c.index)
			if c.value {
				out = append(out, nullable(f.Float()))
			} else {
				out = append(out, int32(f.Int()))
			}
		}
	}
	blob := make([]byte, 8*len(r.PBOSums))
	for i, x := range r.PBOSums {
		binary.LittleEndian.PutUint64(blob[8*i:], math.Float64bits(x))
	}
	return append(out, int32(r.Signals), int32(r.Trades), int32(r.Episodes), r.TooFew, r.Seed,
		int32(r.RetDays), nullable(r.RetSkew), nullable(r.RetKurt), blob), nil
}

// scanTrial reads a row selected with trialSelect through scan (a
// sql.Rows.Scan, or a Parquet part row's values).
func scanTrial(scan func(dest ...any) error) (*TrialRow, error) {
	var r TrialRow
	var params string
	nm := len(metricCols)
	floats := make([]sql.NullFloat64, 2*nm)
	ints := make([]sql.NullInt64, 2*nm)
	dest := []any{&r.Index, &r.Hash, &params}
	for i := range 2 * nm {
		if metricCols[i%nm].value {
			dest = append(dest, &floats[i])
		} else {
			dest = append(dest, &ints[i])
		}
	}
	var skew, kurt sql.NullFloat64
	var blob []byte
	dest = append(dest, &r.Signals, &r.Trades, &r.Episodes, &r.TooFew, &r.Seed, &r.RetDays, &skew, &kurt, &blob)
	if err := scan(dest...); err != nil {
		return nil, err
	}
	r.Params = json.RawMessage(params)
	for k, m := range []*results.Metrics{&r.Metrics, &r.Benchmark} {
		v := reflect.ValueOf(m).Elem()
		for j, c := range metricCols {
			i := k*nm + j
			if c.value {
				x := math.NaN()
				if floats[i].Valid {
					x = floats[i].Float64
				}
				v.Field(c.index).SetFloat(x)
			} else {
				v.Field(c.index).SetInt(ints[i].Int64)
			}
		}
	}
	r.RetSkew, r.RetKurt = math.NaN(), math.NaN()
	if skew.Valid {
		r.RetSkew = skew.Float64
	}
	if kurt.Valid {
		r.RetKurt = kurt.Float64
	}
	if len(blob)%8 != 0 {
		return nil, fmt.Errorf("trial %d: pbo_sums of %d bytes are not float64s", r.Index, len(blob))
	}
	r.PBOSums = make([]float64, len(blob)/8)
	for i := range r.PBOSums {
		r.PBOSums[i] = math.Float64frombits(binary.LittleEndian.Uint64(blob[8*i:]))
	}
	return &r, nil
}

// trialSelect lists the columns scanTrial reads, after sweep_id.
func trialSelect() string {
	names := make([]string, 0, len(trialColumns))
	for _, c := range trialColumns[1:] {
		if c[0] == "params" {
			names = append(names, "params::VARCHAR")
			continue
		}
		names = append(names, fmt.Sprintf("%q", c[0]))
	}
	return strings.Join(names, ", ")
}

// Trials calls f with every stored trial of a sweep, in index order. The
// rows are streamed: memory does not grow with the number of trials.
func (s *Sweeps) Trials(ctx context.Context, id string, f func(*TrialRow) error) error {
	if s.empty {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+trialSelect()+` FROM sweep_trials WHERE sweep_id = $1 ORDER BY trial_index`, id)
	if err != nil {
		return fmt.Errorf("read trials of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanTrial(rows.Scan)
		if err != nil {
			return fmt.Errorf("read trials of %s: %w", id, err)
		}
		if err := f(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read trials of %s: %w", id, err)
	}
	return nil
}

// Trial returns one stored trial; the error Is ErrNotFound when it is not
// stored.
func (s *Sweeps) Trial(ctx context.Context, id string, index int) (*TrialRow, error) {
	var out *TrialRow
	err := func() error {
		if s.empty {
			return nil
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+trialSelect()+` FROM sweep_trials WHERE sweep_id = $1 AND trial_index = $2`, id, index)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() {
			if out, err = scanTrial(rows.Scan); err != nil {
				return err
			}
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("read trial %s:%d: %w", id, index, err)
	}
	if out == nil {
		return nil, &lookupError{fmt.Sprintf("sweep %s has no stored trial %d", id, index), ErrNotFound}
	}
	return out, nil
}

// WriterOptions set how often a TrialWriter commits.
type WriterOptions struct {
	// BatchRows commits after this many rows (default 1024).
	BatchRows int
	// Interval commits when the last commit is older than this (default
	// 200ms), so a killed process loses at most the trials finished in the
	// last Interval or BatchRows rows, which --resume runs again.
	Interval time.Duration
	// CheckpointRows runs a DuckDB CHECKPOINT after this many rows (default
	// 20,000; negative: never): appended rows stay uncompressed in memory
	// until a checkpoint writes them to the file, so a long sweep would
	// otherwise grow by about 2 KB per trial.
	CheckpointRows int
}

// TrialWriter streams trial rows into sweep_trials through the DuckDB
// Appender, committing small batches in their own transactions. It is the one
// writer of a sweep; it is not safe for concurrent use.
type TrialWriter struct {
	id       string
	conn     *sql.Conn
	opts     WriterOptions
	buf      [][]driver.Value
	last     time.Time
	written  int
	ckpt     int // rows written at the last checkpoint
	closed   bool
	firstErr error
}

// NewWriter returns a writer for the trials of sweep id (which must be
// stored).
func (s *Sweeps) NewWriter(ctx context.Context, id string, opts WriterOptions) (*TrialWriter, error) {
	if s.empty {
		return nil, errors.New("write trials: the database is read-only")
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = 1024
	}
	if opts.Interval <= 0 {
		opts.Interval = 200 * time.Millisecond
	}
	if opts.CheckpointRows == 0 {
		opts.CheckpointRows = 20000
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("write trials of %s: %w", id, err)
	}
	return &TrialWriter{id: id, conn: conn, opts: opts, last: time.Now()}, nil
}

// Add queues a row and commits the batch when it is full or old enough.
func (w *TrialWriter) Add(ctx context.Context, r *TrialRow) error {
	if w.closed {
		return errors.New("write trial: writer closed")
	}
	if w.firstErr != nil {
		return w.firstErr
	}
	v, err := r.values(w.id)
	if err != nil {
		return fmt.Errorf("write trial of %s: %w", w.id, err)
	}
	w.buf = append(w.buf, v)
	if len(w.buf) >= w.opts.BatchRows || time.Since(w.last) >= w.opts.Interval {
		return w.Flush(ctx)
	}
	return nil
}

// Written is the number of rows committed so far.
func (w *TrialWriter) Written() int { return w.written }

// Flush commits the queued rows in one transaction.
func (w *TrialWriter) Flush(ctx context.Context) (err error) {
	w.last = time.Now()
	if len(w.buf) == 0 {
		return nil
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("write %d trials of %s: %w", len(w.buf), w.id, err)
			w.firstErr = err
		}
	}()
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := w.conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		if err := appendRows(ctx, c, "sweep_trials", w.buf); err != nil {
			if de := (*duckdb.Error)(nil); errors.As(err, &de) && de.Type == duckdb.ErrorTypeConstraint ||
				strings.Contains(err.Error(), "Duplicate key") {
				return fmt.Errorf("a trial is already stored (each trial is kept exactly once; use --resume): %w", err)
			}
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	w.written += len(w.buf)
	clear(w.buf)
	w.buf = w.buf[:0]
	if w.opts.CheckpointRows > 0 && w.written-w.ckpt >= w.opts.CheckpointRows {
		w.ckpt = w.written
		if _, err := w.conn.ExecContext(ctx, `CHECKPOINT`); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	return nil
}

// Close commits the queued rows, even when ctx is already cancelled (a
// Ctrl-C must keep every finished trial), and releases the connection.
func (w *TrialWriter) Close(ctx context.Context) error {
	if w.closed {
		return nil
	}
	var err error
	if w.firstErr == nil {
		err = w.Flush(context.WithoutCancel(ctx))
	}
	w.closed = true
	if cerr := w.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// Checkpoint writes every committed row into the database file (DuckDB
// CHECKPOINT), releasing the memory that appended rows hold until then.
func (s *Sweeps) Checkpoint(ctx context.Context) error {
	if s.empty {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// PartName is the file name stem of one shard's export:
// SWEEP_ID.part-I-of-N (I from 0).
func PartName(sweepID string, index, count int) string {
	return fmt.Sprintf("%s.part-%d-of-%d", sweepID, index, count)
}

// partRowGroup is the Parquet row group size of sweep part files (Part):
// readers buffer a row group at a time.
const partRowGroup = 8192

// copyTo runs COPY (query) TO file in format (parquet or csv) through a
// temporary file renamed into place.
func copyTo(ctx context.Context, db *sql.DB, query, file, format string) error {
	tmp := file + ".tmp"
	opts := "(FORMAT parquet)"
	switch format {
	case "parquet-parts":
		// Row groups of a few thousand rows: DuckDB's Parquet writer
		// buffers a whole row group (122,880 rows by default, a whole
		// sweep part) in memory.
		opts = fmt.Sprintf("(FORMAT parquet, ROW_GROUP_SIZE %d)", partRowGroup)
	case "csv":
		opts = "(FORMAT csv, HEADER true)"
	}
	if _, err := db.ExecContext(ctx, `COPY (`+query+`) TO `+sqlString(tmp)+` `+opts); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

// MergePart is one shard's files found by ImportParts.
type MergePart struct {
	File         string `json:"file"`
	Index, Count int
	Trials       int `json:"trials"`
}

// MergeReport says what ImportParts found and stored.
type MergeReport struct {
	SweepID string      `json:"sweep_id"`
	Parts   []MergePart `json:"parts"`
	// ShardCount is the number of parts the sweep was cut into;
	// MissingShards the shard indexes with no part file.
	ShardCount    int   `json:"shard_count"`
	MissingShards []int `json:"missing_shards"`
	// Total is the number of trials of the sweep, Stored how many are in
	// the database after the merge, Added how many the merge added.
	Total  int `json:"total"`
	Stored int `json:"stored"`
	Added  int `json:"added"`
	// Missing lists the trial indexes still missing.
	Missing []int `json:"missing"`
	// Duplicates counts extra copies of a trial with identical results
	// (kept once); Conflicts lists trials whose copies differ (the first
	// part file by name wins).
	Duplicates int   `json:"duplicates"`
	Conflicts  []int `json:"conflicts"`
}

// ImportParts loads the Parquet parts written by ExportPart (files ending in
// .sweep.parquet and .trials.parquet) into the database, each trial once,
// in one transaction. only selects the sweep when the files hold several (an
// id or a prefix). The report lists missing shards, missing trials,
// duplicates and conflicts; they are not errors here.
func (s *Sweeps) ImportParts(ctx context.Context, files []string, only string) (*MergeReport, error) {
	if s.empty {
		return nil, errors.New("merge: the database is read-only")
	}
	var metas []string
	for _, f := range files {
		if strings.HasSuffix(f, ".sweep.parquet") {
			metas = append(metas, f)
		}
	}
	if len(metas) == 0 {
		return nil, errors.New("merge: no part files (*.sweep.parquet) found; give the --out directories of the shards")
	}
	slices.Sort(metas)
	list := func(fs []string) string {
		q := make([]string, len(fs))
		for i, f := range fs {
			q[i] = sqlString(f)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	defer conn.Close()
	// One thread: DuckDB buffers the rows of the insert per thread, and the
	// import of a 100,000-trial sweep peaks about 60 MB lower this way, for
	// well under a second more.
	if _, err := conn.ExecContext(ctx, `SET threads = 1`); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `RESET threads`) }()

	// Which sweep, which shards.
	rows, err := conn.QueryContext(ctx, `SELECT sweep_id, shard_index, shard_count, filename FROM read_parquet(`+list(metas)+`, filename = true) ORDER BY filename`)
	if err != nil {
		return nil, fmt.Errorf("merge: read part files: %w", err)
	}
	type meta struct {
		id           string
		index, count int
		file         string
	}
	var ms []meta
	ids := map[string]bool{}
	for rows.Next() {
		var m meta
		if err := rows.Scan(&m.id, &m.index, &m.count, &m.file); err != nil {
			rows.Close()
			return nil, fmt.Errorf("merge: read part files: %w", err)
		}
		if only == "" || strings.HasPrefix(m.id, only) {
			ms = append(ms, m)
			ids[m.id] = true
		}
	}
	rows.Close()
	if len(ids) == 0 {
		return nil, fmt.Errorf("merge: no part of sweep %q among %d part files", only, len(metas))
	}
	if len(ids) > 1 {
		names := make([]string, 0, len(ids))
		for id := range ids {
			names = append(names, id)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("merge: the part files hold %d sweeps (%s); choose one with --sweep ID", len(ids), strings.Join(names, ", "))
	}
	rep := &MergeReport{SweepID: ms[0].id, ShardCount: ms[0].count, Missing: []int{}, Conflicts: []int{}, MissingShards: []int{}}
	have := map[int]bool{}
	var metaFile string
	for _, m := range ms {
		if m.count != rep.ShardCount {
			return nil, fmt.Errorf("merge: %s is part %d of %d, but %s is part of %d: the parts come from different --shard counts; merge the parts of one run",
				m.file, m.index, m.count, ms[0].file, rep.ShardCount)
		}
		if !have[m.index] {
			metaFile = m.file
		}
		have[m.index] = true
		rep.Parts = append(rep.Parts, MergePart{File: strings.TrimSuffix(m.file, ".sweep.parquet") + ".trials.parquet", Index: m.index, Count: m.count})
	}
	for i := range rep.ShardCount {
		if !have[i] {
			rep.MissingShards = append(rep.MissingShards, i)
		}
	}
	var partTrials []string
	for _, p := range rep.Parts {
		if _, err := os.Stat(p.File); err != nil {
			return nil, fmt.Errorf("merge: part %d/%d has no trials file %s (an interrupted export? run that shard again)", p.Index, p.Count, p.File)
		}
		partTrials = append(partTrials, p.File)
	}

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	defer tx.Rollback()
	id := rep.SweepID
	if _, err := tx.ExecContext(ctx, `INSERT INTO sweeps (`+strings.Join(sweepColumns, ", ")+`)
		SELECT `+strings.Join(sweepColumns, ", ")+` FROM read_parquet(`+sqlString(metaFile)+`)
		WHERE sweep_id = $1 AND NOT EXISTS (SELECT 1 FROM sweeps WHERE sweep_id = $1)`, id); err != nil {
		return nil, fmt.Errorf("merge %s: store the sweep: %w", id, err)
	}
	cols := make([]string, len(trialColumns))
	for i, c := range trialColumns {
		cols[i] = fmt.Sprintf("%q", c[0])
	}
	colList := strings.Join(cols, ", ")
	src := `read_parquet(` + list(partTrials) + `, filename = true)`
	where := ` WHERE sweep_id = ` + sqlString(id)
	// Trials per part file.
	counts := map[string]int{}
	crows, err := tx.QueryContext(ctx, `SELECT filename, count(*) FROM `+src+where+` GROUP BY filename`)
	if err != nil {
		return nil, fmt.Errorf("merge %s: read trials: %w", id, err)
	}
	for crows.Next() {
		var f string
		var n int
		if err := crows.Scan(&f, &n); err != nil {
			crows.Close()
			return nil, fmt.Errorf("merge %s: %w", id, err)
		}
		counts[f] = n
	}
	crows.Close()
	for i := range rep.Parts {
		rep.Parts[i].Trials = counts[rep.Parts[i].File]
	}
	// When no trial is in two part files (every sweep's own part, and
	// shards run once), the rows stream from the files into the table;
	// otherwise the copies are compared in a temporary table first.
	var copies int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) - count(DISTINCT trial_index) FROM `+src+where).Scan(&copies); err != nil {
		return nil, fmt.Errorf("merge %s: find duplicates: %w", id, err)
	}
	from := src + where
	if copies > 0 {
		if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE merge_parts AS
		SELECT `+colList+`, filename FROM `+src+where); err != nil {
			return nil, fmt.Errorf("merge %s: read trials: %w", id, err)
		}
		defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS temp.merge_parts`) }()
		// Copies of a trial: identical when every column agrees.
		drows, err := tx.QueryContext(ctx, `SELECT trial_index, count(*), count(DISTINCT (`+colList+`)) FROM merge_parts
		GROUP BY trial_index HAVING count(*) > 1 ORDER BY trial_index`)
		if err != nil {
			return nil, fmt.Errorf("merge %s: find duplicates: %w", id, err)
		}
		for drows.Next() {
			var idx, n, distinct int
			if err := drows.Scan(&idx, &n, &distinct); err != nil {
				drows.Close()
				return nil, fmt.Errorf("merge %s: %w", id, err)
			}
			rep.Duplicates += n - 1
			if distinct > 1 {
				rep.Conflicts = append(rep.Conflicts, idx)
			}
		}
		drows.Close()
		from = `(SELECT *, row_number() OVER (PARTITION BY trial_index ORDER BY filename) AS copy FROM merge_parts) WHERE copy = 1`
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO sweep_trials (`+colList+`)
		SELECT `+colList+` FROM `+from+` AND trial_index NOT IN (SELECT trial_index FROM sweep_trials WHERE sweep_id = `+sqlString(id)+`)`)
	if err != nil {
		return nil, fmt.Errorf("merge %s: store trials: %w", id, err)
	}
	added, _ := res.RowsAffected()
	rep.Added = int(added)
	if err := tx.QueryRowContext(ctx, `SELECT trials FROM sweeps WHERE sweep_id = $1`, id).Scan(&rep.Total); err != nil {
		return nil, fmt.Errorf("merge %s: %w", id, err)
	}
	irows, err := tx.QueryContext(ctx, `SELECT trial_index FROM sweep_trials WHERE sweep_id = $1 ORDER BY trial_index`, id)
	if err != nil {
		return nil, fmt.Errorf("merge %s: %w", id, err)
	}
	next := 0
	for irows.Next() {
		var idx int
		if err := irows.Scan(&idx); err != nil {
			irows.Close()
			return nil, fmt.Errorf("merge %s: %w", id, err)
		}
		for ; next < idx && next < rep.Total; next++ {
			rep.Missing = append(rep.Missing, next)
		}
		next = idx + 1
		rep.Stored++
	}
	irows.Close()
	for ; next < rep.Total; next++ {
		rep.Missing = append(rep.Missing, next)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("merge %s: commit: %w", id, err)
	}
	return rep, nil
}
