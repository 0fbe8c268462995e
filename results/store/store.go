// Package store keeps runs in DuckDB: one row per run in `runs` (with the
// whole report as JSON) and its trades, signals and equity curve in
// `run_trades`, `run_signals` and `run_equity`, so researchers can query runs
// with SQL. The data store owns the database file; this package takes an
// open *sql.DB.
package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/riskon/riskon/internal/migrate"
	"github.com/riskon/riskon/results"
)

// component is this package's name in schema_migrations.
const component = "runs"

var (
	// ErrNotFound: no stored run matches the id or prefix.
	ErrNotFound = errors.New("run not found")
	// ErrAmbiguous: a prefix matches more than one run.
	ErrAmbiguous = errors.New("ambiguous run id prefix")
)

// Store reads and writes runs.
type Store struct {
	db *sql.DB
	// empty is true when the database holds no run tables and could not
	// create them (opened read-only): it then lists no runs.
	empty bool
}

// runsMigrations are the run store's migrations, literal SQL, frozen:
// append a step to change the schema (see internal/migrate).
var runsMigrations = [][]string{
	{
		`CREATE TABLE runs (
			run_id           VARCHAR PRIMARY KEY,
			name             VARCHAR NOT NULL,
			created_at       TIMESTAMPTZ NOT NULL,
			version          VARCHAR NOT NULL,
			config_hash      VARCHAR NOT NULL,
			data_fingerprint VARCHAR NOT NULL,
			window_start     TIMESTAMPTZ,
			window_end       TIMESTAMPTZ,
			synthetic        BOOLEAN NOT NULL,
			metrics          JSON,
			benchmark        JSON,
			evidence         JSON,
			config           JSON,
			report           JSON NOT NULL
		)`,
		`CREATE TABLE run_trades (
			run_id      VARCHAR NOT NULL,
			seq         INTEGER NOT NULL,
			symbol      VARCHAR,
			signal_time TIMESTAMPTZ,
			entry_time  TIMESTAMPTZ,
			entry_price DOUBLE,
			exit_time   TIMESTAMPTZ,
			exit_price  DOUBLE,
			units       DOUBLE,
			"return"    DOUBLE,
			exit_reason VARCHAR
		)`,
		`CREATE TABLE run_signals (
			run_id VARCHAR NOT NULL,
			seq    INTEGER NOT NULL,
			"time" TIMESTAMPTZ,
			symbol VARCHAR,
			level  DOUBLE,
			close  DOUBLE,
			acted  BOOLEAN,
			reason VARCHAR
		)`,
		`CREATE TABLE run_equity (
			run_id   VARCHAR NOT NULL,
			"date"   DATE,
			equity   DOUBLE,
			invested DOUBLE
		)`,
	},
}

// New returns a Store on db, creating or migrating its tables (recorded as
// component "runs" in schema_migrations). On a read-only database without
// run tables it returns a Store that holds no runs.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if db == nil {
		return nil, errors.New("run store: nil database")
	}
	empty, err := openComponent(ctx, db, migrate.Component{Name: component, What: "run store", Steps: runsMigrations})
	if err != nil {
		return nil, err
	}
	return &Store{db: db, empty: empty}, nil
}

// openComponent brings one component's tables to their latest version
// through the one migration runner. A read-only database still at version 0
// opens empty (no tables, nothing stored); one that needs migrating is an
// error naming what.
func openComponent(ctx context.Context, db *sql.DB, c migrate.Component) (empty bool, err error) {
	st, err := migrate.Up(ctx, db, c)
	if err != nil {
		return false, err
	}
	if st.ReadOnly {
		if st.Found == 0 {
			return true, nil
		}
		return false, fmt.Errorf("%s: the database has %s schema version %d and needs migrating to %d; open it once read-write", c.What, c.Name, st.Found, c.Latest())
	}
	return false, nil
}

// NewRunID returns an id like 20261121-193000-ab12cd: the UTC time to the
// second and 6 hex characters of SHA-256 over the config hash, the time in
// nanoseconds and 8 bytes from rnd (if rnd is nil or fails, the id is still
// well-formed and deterministic). Ids sort by time.
func NewRunID(now time.Time, configHash string, rnd io.Reader) string {
	h := sha256.New()
	h.Write([]byte(configHash))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(now.UnixNano()))
	h.Write(b[:])
	if rnd != nil {
		var r [8]byte
		if _, err := io.ReadFull(rnd, r[:]); err == nil {
			h.Write(r[:])
		}
	}
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(h.Sum(nil)[:3])
}

// Save stores rep in one transaction: the run and its rows appear together
// or not at all. A run id that is already stored is an error.
func (s *Store) Save(ctx context.Context, rep *results.Report) (err error) {
	if rep == nil {
		return errors.New("save run: nil report")
	}
	if s.empty {
		return errors.New("save run: the database is read-only")
	}
	if rep.RunID == "" {
		return errors.New("save run: report has no run_id")
	}
	fail := func(err error) error { return fmt.Errorf("save run %s: %w", rep.RunID, err) }
	row, err := runRow(rep)
	if err != nil {
		return fail(err)
	}
	trades, err := tradeRows(rep)
	if err != nil {
		return fail(err)
	}
	signals, err := signalRows(rep)
	if err != nil {
		return fail(err)
	}
	equity, err := equityRows(rep)
	if err != nil {
		return fail(err)
	}

	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, `INSERT INTO runs (run_id, name, created_at, version, config_hash,
		data_fingerprint, window_start, window_end, synthetic, metrics, benchmark, evidence, config, report)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, row...); err != nil {
		if de := (*duckdb.Error)(nil); errors.As(err, &de) && de.Type == duckdb.ErrorTypeConstraint {
			return fail(fmt.Errorf("run id already stored: %w", err))
		}
		return fail(fmt.Errorf("insert run: %w", err))
	}
	// The appender writes on the transaction's connection, inside it: a
	// rollback discards its rows too.
	if err := conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		for _, t := range []struct {
			table string
			rows  [][]driver.Value
		}{{"run_trades", trades}, {"run_signals", signals}, {"run_equity", equity}} {
			if err := appendRows(ctx, c, t.table, t.rows); err != nil {
				return fmt.Errorf("append %s: %w", t.table, err)
			}
		}
		return nil
	}); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(fmt.Errorf("commit: %w", err))
	}
	return nil
}

func appendRows(ctx context.Context, c driver.Conn, table string, rows [][]driver.Value) error {
	if len(rows) == 0 {
		return nil
	}
	a, err := duckdb.NewAppender(c, "", "", table)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := a.AppendRow(r...); err != nil {
			_ = a.Close()
			return err
		}
	}
	return a.CloseWithCancel(ctx)
}

func runRow(rep *results.Report) ([]any, error) {
	created, err := time.Parse(time.RFC3339Nano, rep.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("created_at %q is not an RFC 3339 time", rep.CreatedAt)
	}
	start, err := optTime("window.start", rep.Window.Start)
	if err != nil {
		return nil, err
	}
	end, err := optTime("window.end", rep.Window.End)
	if err != nil {
		return nil, err
	}
	report, err := json.Marshal(rep)
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	metrics, err := json.Marshal(rep.Metrics)
	if err != nil {
		return nil, fmt.Errorf("encode metrics: %w", err)
	}
	bench, err := json.Marshal(rep.Benchmark)
	if err != nil {
		return nil, fmt.Errorf("encode benchmark: %w", err)
	}
	evidence, err := json.Marshal(rep.Evidence)
	if err != nil {
		return nil, fmt.Errorf("encode evidence: %w", err)
	}
	var cfg any // NULL when the report carries no config
	if len(rep.Config) > 0 {
		cfg = string(rep.Config)
	}
	return []any{rep.RunID, rep.Name, created.UTC(), rep.Version, rep.ConfigHash, rep.DataFingerprint,
		start, end, rep.Synthetic, string(metrics), string(bench), string(evidence), cfg, string(report)}, nil
}

// optTime parses an RFC 3339 time; "" is NULL.
func optTime(what, s string) (driver.Value, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not an RFC 3339 time", what, s)
	}
	return t.UTC(), nil
}

// num is a value as a DOUBLE: NULL when undefined (NaN, ±Inf).
func num(v results.Value) driver.Value {
	if !v.Valid() {
		return nil
	}
	return float64(v)
}

func tradeRows(rep *results.Report) ([][]driver.Value, error) {
	rows := make([][]driver.Value, 0, len(rep.Trades))
	for i, t := range rep.Trades {
		var ts [3]driver.Value
		for j, x := range []struct{ what, s string }{
			{"signal_time", t.SignalTime}, {"entry_time", t.EntryTime}, {"exit_time", t.ExitTime},
		} {
			v, err := optTime(fmt.Sprintf("trades[%d].%s", i, x.what), x.s)
			if err != nil {
				return nil, err
			}
			ts[j] = v
		}
		rows = append(rows, []driver.Value{rep.RunID, int32(i), t.Symbol, ts[0], ts[1], num(t.EntryPrice),
			ts[2], num(t.ExitPrice), num(t.Units), num(t.Return), t.ExitReason})
	}
	return rows, nil
}

func signalRows(rep *results.Report) ([][]driver.Value, error) {
	rows := make([][]driver.Value, 0, len(rep.Signals))
	for i, s := range rep.Signals {
		t, err := optTime(fmt.Sprintf("signals[%d].time", i), s.Time)
		if err != nil {
			return nil, err
		}
		var reason driver.Value
		if s.Reason != "" {
			reason = s.Reason
		}
		rows = append(rows, []driver.Value{rep.RunID, int32(i), t, s.Symbol, num(s.Level), num(s.Close), s.Acted, reason})
	}
	return rows, nil
}

func equityRows(rep *results.Report) ([][]driver.Value, error) {
	rows := make([][]driver.Value, 0, len(rep.Equity))
	for i, e := range rep.Equity {
		d, err := time.Parse(time.DateOnly, e.Date)
		if err != nil {
			t, err2 := time.Parse(time.RFC3339Nano, e.Date)
			if err2 != nil {
				return nil, fmt.Errorf("equity[%d].date %q is neither YYYY-MM-DD nor RFC 3339", i, e.Date)
			}
			t = t.UTC()
			d = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		rows = append(rows, []driver.Value{rep.RunID, d, num(e.Equity), num(e.Invested)})
	}
	return rows, nil
}

// Resolve returns the full run id for an id or a unique prefix of one.
func (s *Store) Resolve(ctx context.Context, idOrPrefix string) (string, error) {
	p := strings.TrimSpace(idOrPrefix)
	if p == "" {
		return "", errors.New("empty run id; list runs with `riskon runs`")
	}
	if s.empty {
		return "", &lookupError{fmt.Sprintf("no run %q: no runs are stored yet", p), ErrNotFound}
	}
	const show = 5
	rows, err := s.db.QueryContext(ctx,
		`SELECT run_id FROM runs WHERE starts_with(run_id, $1) ORDER BY run_id LIMIT $2`, p, show+1)
	if err != nil {
		return "", fmt.Errorf("look up run %q: %w", p, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", fmt.Errorf("look up run %q: %w", p, err)
		}
		if id == p {
			return id, nil // an exact id wins over longer ids it prefixes
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("look up run %q: %w", p, err)
	}
	switch len(ids) {
	case 0:
		return "", &lookupError{fmt.Sprintf("no run %q; list runs with `riskon runs`", p), ErrNotFound}
	case 1:
		return ids[0], nil
	}
	list := strings.Join(ids[:min(len(ids), show)], ", ")
	if len(ids) > show {
		list += ", ..."
	}
	return "", &lookupError{fmt.Sprintf("run id prefix %q matches several runs (%s); give more characters", p, list), ErrAmbiguous}
}

// lookupError is a failed lookup: its message is for people, and it Is
// ErrNotFound or ErrAmbiguous for code.
type lookupError struct {
	msg  string
	kind error
}

func (e *lookupError) Error() string { return e.msg }
func (e *lookupError) Unwrap() error { return e.kind }

// GetJSON returns the stored report of a run (id or unique prefix) exactly as
// saved: the JSON bytes of the report.
func (s *Store) GetJSON(ctx context.Context, runID string) ([]byte, error) {
	id, err := s.Resolve(ctx, runID)
	if err != nil {
		return nil, err
	}
	var b string
	if err := s.db.QueryRowContext(ctx, `SELECT report::VARCHAR FROM runs WHERE run_id = $1`, id).Scan(&b); err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	return []byte(b), nil
}

// Get returns the stored report of a run (id or unique prefix).
func (s *Store) Get(ctx context.Context, runID string) (*results.Report, error) {
	b, err := s.GetJSON(ctx, runID)
	if err != nil {
		return nil, err
	}
	var rep results.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("decode stored run %s: %w", runID, err)
	}
	return &rep, nil
}

// ListOptions filter List.
type ListOptions struct {
	Limit int    // at most this many runs, newest first; <= 0 means all
	Name  string // only runs with this name (a glob: * and ? match); "" means all
}

// RunSummary is one line of `riskon runs`.
type RunSummary struct {
	RunID       string        `json:"run_id"`
	Name        string        `json:"name"`
	CreatedAt   time.Time     `json:"created_at"`
	ConfigHash  string        `json:"config_hash"`
	TotalReturn results.Value `json:"total_return"`
	Sharpe      results.Value `json:"sharpe"`
	MaxDrawdown results.Value `json:"max_drawdown"`
	Trades      int           `json:"trades"`
	Episodes    int           `json:"episodes"`
	TooFew      bool          `json:"too_few"` // evidence.too_few: fewer than results.MinSamples episodes
	Synthetic   bool          `json:"synthetic"`
	// Config is the resolved run config (canonical JSON), for parameter
	// columns.
	Config json.RawMessage `json:"config,omitempty"`
}

// List returns stored runs, newest first (ties by run id, descending).
func (s *Store) List(ctx context.Context, opts ListOptions) ([]RunSummary, error) {
	if s.empty {
		return nil, nil
	}
	q := `SELECT run_id, name, created_at, config_hash,
		TRY_CAST(metrics->>'$.total_return' AS DOUBLE),
		TRY_CAST(metrics->>'$.sharpe' AS DOUBLE),
		TRY_CAST(metrics->>'$.max_drawdown' AS DOUBLE),
		COALESCE(TRY_CAST(evidence->>'$.trades' AS BIGINT), TRY_CAST(metrics->>'$.trades' AS BIGINT), 0),
		COALESCE(TRY_CAST(evidence->>'$.episodes' AS BIGINT), 0),
		COALESCE(TRY_CAST(evidence->>'$.too_few' AS BOOLEAN), false),
		synthetic, CAST(config AS VARCHAR)
		FROM runs WHERE ($1 = '' OR name GLOB $1)
		ORDER BY created_at DESC, run_id DESC`
	args := []any{opts.Name}
	if opts.Limit > 0 {
		q += ` LIMIT $2`
		args = append(args, opts.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []RunSummary
	for rows.Next() {
		var r RunSummary
		var tr, sh, dd sql.NullFloat64
		var cfg sql.NullString
		if err := rows.Scan(&r.RunID, &r.Name, &r.CreatedAt, &r.ConfigHash, &tr, &sh, &dd,
			&r.Trades, &r.Episodes, &r.TooFew, &r.Synthetic, &cfg); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		if cfg.Valid && cfg.String != "" {
			r.Config = json.RawMessage(cfg.String)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		r.TotalReturn, r.Sharpe, r.MaxDrawdown = val(tr), val(sh), val(dd)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

func val(f sql.NullFloat64) results.Value {
	if !f.Valid {
		return results.NA
	}
	return results.Value(f.Float64)
}
