// Package store keeps runs in DuckDB: one row per run in `runs` (with the
// report as JSON) and its trades, signals and equity curve in `run_trades`,
// `run_signals` and `run_equity`, so researchers can query runs with SQL.
// The equity curve is stored once, in `run_equity`: the report JSON of a run
// stored since schema version 2 leaves it out (`runs.equity_at` says where it
// goes back, `runs.equity_days` how many days it has), and Get and GetJSON
// put it back, byte for byte. The data store owns the database file; this
// package takes an open *sql.DB.
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
	// version is the run schema version of the database: the latest,
	// or an older one a read-only database is read at (every run of a
	// version 1 database holds its equity curve in its report JSON).
	version int
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
	// Version 2: the equity curve is stored once, in run_equity; the report
	// JSON leaves it out and equity_at is the byte offset where it goes
	// back (NULL: the report holds its own curve, as every run before).
	{
		`ALTER TABLE runs ADD COLUMN equity_at BIGINT`,
		`ALTER TABLE runs ADD COLUMN equity_days INTEGER`,
	},
}

// oldestReadable is the oldest run schema version a read-only database can
// be read at without migrating: later versions only add columns, which
// readers of older databases do without.
const oldestReadable = 1

// New returns a Store on db, creating or migrating its tables (recorded as
// component "runs" in schema_migrations). On a read-only database without
// run tables it returns a Store that holds no runs.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if db == nil {
		return nil, errors.New("run store: nil database")
	}
	c := migrate.Component{Name: component, What: "run store", Steps: runsMigrations}
	version, err := openComponentFrom(ctx, db, c, oldestReadable)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, empty: version == 0, version: version}, nil
}

// openComponent brings one component's tables to their latest version
// through the one migration runner. A read-only database still at version 0
// opens empty (no tables, nothing stored); one that needs migrating is an
// error naming what.
func openComponent(ctx context.Context, db *sql.DB, c migrate.Component) (empty bool, err error) {
	v, err := openComponentFrom(ctx, db, c, c.Latest())
	return v == 0, err
}

// openComponentFrom is openComponent for a component whose readers can read
// a read-only database at any version from oldest on: it returns the
// version the tables are at (0: none, nothing stored).
func openComponentFrom(ctx context.Context, db *sql.DB, c migrate.Component, oldest int) (version int, err error) {
	st, err := migrate.Up(ctx, db, c)
	if err != nil {
		return 0, err
	}
	if !st.ReadOnly {
		return c.Latest(), nil
	}
	if st.Found == 0 || st.Found >= oldest {
		return st.Found, nil
	}
	return 0, fmt.Errorf("%s: the database has %s schema version %d and needs migrating to %d; open it once read-write", c.What, c.Name, st.Found, c.Latest())
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
func (s *Store) Save(ctx context.Context, rep *results.Report) error {
	if rep == nil {
		return errors.New("save run: nil report")
	}
	p, err := s.Begin(ctx, rep.RunID, rep.Trades, rep.Signals, rep.Equity)
	if err != nil {
		return err
	}
	enc, err := results.MarshalReport(rep)
	if err != nil {
		p.Rollback()
		return fmt.Errorf("save run %s: %w", rep.RunID, err)
	}
	return p.Commit(ctx, rep, enc)
}

// PendingRun is a run being stored: the rows of its trades, signals and
// equity curve are written inside an open transaction, which Commit ends
// with the run's row and Rollback discards. Nothing of it is visible to
// other connections before Commit. A PendingRun holds a connection of the
// database until one of them is called.
type PendingRun struct {
	conn  *sql.Conn
	tx    *sql.Tx
	runID string
	// apart: the equity rows give the curve back exactly, so the report
	// JSON is stored without it (see equityRows).
	apart                bool
	trades, signals, eqs int
}

// Begin starts storing the run runID: in one transaction it writes the rows
// of run_trades, run_signals and run_equity from the report rows given
// (those the report will hold). A caller that still computes the rest of
// the report calls Begin beside that work and Commit once the report is
// done. On an error nothing is kept.
func (s *Store) Begin(ctx context.Context, runID string, trades []results.TradeRow, signals []results.SignalRow,
	equity []results.EquityRow) (_ *PendingRun, err error) {
	if s.empty || s.version < len(runsMigrations) {
		return nil, errors.New("save run: the database is read-only")
	}
	if runID == "" {
		return nil, errors.New("save run: report has no run_id")
	}
	fail := func(err error) error { return fmt.Errorf("save run %s: %w", runID, err) }
	days, apart, err := equityRows(equity)
	if err != nil {
		return nil, fail(err)
	}
	trRows, err := tradeRows(runID, trades)
	if err != nil {
		return nil, fail(err)
	}
	sigRows, err := signalRows(runID, signals)
	if err != nil {
		return nil, fail(err)
	}

	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fail(err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, fail(err)
	}
	p := &PendingRun{conn: conn, tx: tx, runID: runID, apart: apart,
		trades: len(trades), signals: len(signals), eqs: len(equity)}
	defer func() {
		if err != nil {
			p.Rollback()
		}
	}()
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
		}{{"run_trades", trRows}, {"run_signals", sigRows}} {
			if err := appendRows(ctx, c, t.table, t.rows); err != nil {
				return fmt.Errorf("append %s: %w", t.table, err)
			}
		}
		// The equity rows (a day each: long) are made as they are
		// appended, in one reused row.
		id, row := driver.Value(runID), make([]driver.Value, 4)
		if err := appendEach(ctx, c, "run_equity", len(equity), func(i int) []driver.Value {
			return equityRow(row, id, days[i], equity[i])
		}); err != nil {
			return fmt.Errorf("append run_equity: %w", err)
		}
		return nil
	}); err != nil {
		return nil, fail(err)
	}
	return p, nil
}

// Commit inserts the run's row, with rep's report JSON enc
// (results.MarshalReport of rep), and commits: the run and its rows appear
// together. rep must be the run Begin was given the rows of (its run id
// and numbers of rows are checked). On an error nothing is kept.
func (p *PendingRun) Commit(ctx context.Context, rep *results.Report, enc *results.ReportJSON) (err error) {
	defer func() {
		if err != nil {
			p.Rollback()
		}
	}()
	if p.tx == nil {
		return fmt.Errorf("save run %s: already committed or rolled back", p.runID)
	}
	fail := func(err error) error { return fmt.Errorf("save run %s: %w", p.runID, err) }
	if rep == nil || rep.RunID != p.runID || len(rep.Trades) != p.trades || len(rep.Signals) != p.signals || len(rep.Equity) != p.eqs {
		return fail(errors.New("the report is not the run whose rows were written"))
	}
	row, err := runRow(rep, enc, p.apart)
	if err != nil {
		return fail(err)
	}
	if _, err := p.tx.ExecContext(ctx, `INSERT INTO runs (run_id, name, created_at, version, config_hash,
		data_fingerprint, window_start, window_end, synthetic, metrics, benchmark, evidence, config, report,
		equity_at, equity_days)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`, row...); err != nil {
		if de := (*duckdb.Error)(nil); errors.As(err, &de) && de.Type == duckdb.ErrorTypeConstraint {
			return fail(fmt.Errorf("run id already stored: %w", err))
		}
		return fail(fmt.Errorf("insert run: %w", err))
	}
	tx := p.tx
	p.tx = nil
	defer p.conn.Close()
	if err := tx.Commit(); err != nil {
		return fail(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// Rollback discards the pending run's rows and frees its connection; it
// does nothing after Commit or a first Rollback.
func (p *PendingRun) Rollback() {
	if p.tx == nil {
		return
	}
	_ = p.tx.Rollback()
	p.tx = nil
	p.conn.Close()
}

func appendRows(ctx context.Context, c driver.Conn, table string, rows [][]driver.Value) error {
	return appendEach(ctx, c, table, len(rows), func(i int) []driver.Value { return rows[i] })
}

// appendEach appends the n rows row(0), ..., row(n-1) to table with the
// appender (inside the connection's transaction, if one is open). The
// appender copies each row's values as it is appended: row may reuse its
// slice.
func appendEach(ctx context.Context, c driver.Conn, table string, n int, row func(i int) []driver.Value) error {
	if n == 0 {
		return nil
	}
	a, err := duckdb.NewAppender(c, "", "", table)
	if err != nil {
		return err
	}
	for i := range n {
		if err := a.AppendRow(row(i)...); err != nil {
			_ = a.Close()
			return err
		}
	}
	return a.CloseWithCancel(ctx)
}

// runRow is the row of runs: the report JSON of enc, without its equity
// curve when apart (equity_at and equity_days then say where it goes back
// and how many days it has; NULL otherwise).
func runRow(rep *results.Report, enc *results.ReportJSON, apart bool) ([]any, error) {
	if enc == nil {
		return nil, errors.New("no encoded report")
	}
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
	report, equityAt, equityDays := enc.JSON, driver.Value(nil), driver.Value(nil)
	if apart {
		report, equityAt, equityDays = enc.WithoutEquity(), int64(enc.At), int32(len(rep.Equity))
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
		start, end, rep.Synthetic, string(metrics), string(bench), string(evidence), cfg, string(report),
		equityAt, equityDays}, nil
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

func tradeRows(runID string, trades []results.TradeRow) ([][]driver.Value, error) {
	rows := make([][]driver.Value, 0, len(trades))
	for i, t := range trades {
		var ts [3]driver.Value
		for j, x := range []struct{ what, s string }{
			{"signal_time", t.SignalTime}, {"entry_time", t.EntryTime}, {"exit_time", t.ExitTime},
		} {
			v, err := optTime(x.what, x.s)
			if err != nil {
				return nil, fmt.Errorf("trades[%d].%w", i, err)
			}
			ts[j] = v
		}
		rows = append(rows, []driver.Value{runID, int32(i), t.Symbol, ts[0], ts[1], num(t.EntryPrice),
			ts[2], num(t.ExitPrice), num(t.Units), num(t.Return), t.ExitReason})
	}
	return rows, nil
}

func signalRows(runID string, signals []results.SignalRow) ([][]driver.Value, error) {
	rows := make([][]driver.Value, 0, len(signals))
	for i, s := range signals {
		t, err := optTime("time", s.Time)
		if err != nil {
			return nil, fmt.Errorf("signals[%d].%w", i, err)
		}
		var reason driver.Value
		if s.Reason != "" {
			reason = s.Reason
		}
		rows = append(rows, []driver.Value{runID, int32(i), t, s.Symbol, num(s.Level), num(s.Close), s.Acted, reason})
	}
	return rows, nil
}

// equityRows returns the dates of the rows of run_equity (midnight UTC of
// each day of equity) and whether the rows give the curve back exactly
// (apart): every date in the form YYYY-MM-DD, later than the one before, so
// that reading the rows in date order and writing the dates in that form
// restores the curve (NULL values are undefined values, which the JSON
// writes as null either way). equityRow makes a row from them.
func equityRows(equity []results.EquityRow) (days []time.Time, apart bool, err error) {
	n := len(equity)
	days = make([]time.Time, n)
	apart = n > 0
	var prev time.Time
	for i, e := range equity {
		d, ok := dayOf(e.Date)
		if ok {
			apart = apart && (i == 0 || d.After(prev))
			prev = d
		} else {
			apart = false
			t, err := time.Parse(time.RFC3339Nano, e.Date)
			if err != nil {
				return nil, false, fmt.Errorf("equity[%d].date %q is neither YYYY-MM-DD nor RFC 3339", i, e.Date)
			}
			t = t.UTC()
			d = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		days[i] = d
	}
	return days, apart, nil
}

// equityRow writes into dst (4 values) the run_equity row of run id of the
// day e dated day.
func equityRow(dst []driver.Value, id driver.Value, day time.Time, e results.EquityRow) []driver.Value {
	dst[0], dst[1], dst[2], dst[3] = id, day, num(e.Equity), num(e.Invested)
	return dst
}

// dayOf parses a date written exactly as time.DateOnly writes it (so that
// formatting the result gives s back): midnight UTC of that day.
func dayOf(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	digits := func(b string) (int, bool) {
		v := 0
		for i := 0; i < len(b); i++ {
			if b[i] < '0' || b[i] > '9' {
				return 0, false
			}
			v = 10*v + int(b[i]-'0')
		}
		return v, true
	}
	y, oky := digits(s[:4])
	m, okm := digits(s[5:7])
	d, okd := digits(s[8:])
	if !oky || !okm || !okd || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // past the month's end: normalised into the next
		return time.Time{}, false
	}
	return t, true
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
// saved: the JSON bytes of the report (json.Marshal of it), with its equity
// curve put back when it was stored apart.
func (s *Store) GetJSON(ctx context.Context, runID string) ([]byte, error) {
	id, b, eq, err := s.get(ctx, runID)
	if err != nil || eq == nil {
		return b, err
	}
	out, err := results.SpliceEquity(b, eq.at, eq.rows)
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	return out, nil
}

// Get returns the stored report of a run (id or unique prefix).
func (s *Store) Get(ctx context.Context, runID string) (*results.Report, error) {
	id, b, eq, err := s.get(ctx, runID)
	if err != nil {
		return nil, err
	}
	var rep results.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("decode stored run %s: %w", id, err)
	}
	if eq != nil {
		if len(rep.Equity) > 0 {
			return nil, fmt.Errorf("decode stored run %s: its report holds an equity curve and one is stored apart", id)
		}
		rep.Equity = eq.rows
	}
	return &rep, nil
}

// apartEquity is an equity curve stored apart from its report: the rows
// and the byte offset of the report JSON where the curve goes back.
type apartEquity struct {
	at   int
	rows []results.EquityRow
}

// get reads a run's stored report JSON and, when the run stored its equity
// curve apart (schema version 2), the curve from run_equity.
func (s *Store) get(ctx context.Context, runID string) (string, []byte, *apartEquity, error) {
	id, err := s.Resolve(ctx, runID)
	if err != nil {
		return "", nil, nil, err
	}
	q := `SELECT report::VARCHAR, equity_at, equity_days FROM runs WHERE run_id = $1`
	if s.version < 2 {
		q = `SELECT report::VARCHAR, NULL::BIGINT, NULL::INTEGER FROM runs WHERE run_id = $1`
	}
	var b string
	var at, days sql.NullInt64
	if err := s.db.QueryRowContext(ctx, q, id).Scan(&b, &at, &days); err != nil {
		return "", nil, nil, fmt.Errorf("read run %s: %w", id, err)
	}
	if !at.Valid {
		return id, []byte(b), nil, nil
	}
	rows, err := s.equity(ctx, id, int(days.Int64))
	if err != nil {
		return "", nil, nil, err
	}
	return id, []byte(b), &apartEquity{at: int(at.Int64), rows: rows}, nil
}

// equity reads the equity curve of run id from run_equity in date order;
// days is the number of days the run stored. The rows are read from the
// driver with one reused row of values (database/sql's Scan costs more than
// the query on a long curve).
func (s *Store) equity(ctx context.Context, id string, days int) ([]results.EquityRow, error) {
	out := make([]results.EquityRow, 0, max(days, 0))
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("read run %s: equity: %w", id, err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		rows, err := qc.QueryContext(ctx, `SELECT date_diff('day', DATE '1970-01-01', "date"), equity, invested
			FROM run_equity WHERE run_id = $1 ORDER BY "date"`, []driver.NamedValue{{Ordinal: 1, Value: id}})
		if err != nil {
			return err
		}
		defer rows.Close()
		row := make([]driver.Value, 3)
		value := func(v driver.Value) (results.Value, error) {
			switch x := v.(type) {
			case nil:
				return results.NA, nil
			case float64:
				return results.Value(x), nil
			}
			return 0, fmt.Errorf("value %T, want a DOUBLE", v)
		}
		for {
			if err := rows.Next(row); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			d, ok := row[0].(int64)
			if !ok {
				return fmt.Errorf("date %T, want days", row[0])
			}
			eq, err := value(row[1])
			if err != nil {
				return err
			}
			inv, err := value(row[2])
			if err != nil {
				return err
			}
			out = append(out, results.EquityRow{Date: time.Unix(d*86400, 0).UTC().Format(time.DateOnly), Equity: eq, Invested: inv})
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read run %s: equity: %w", id, err)
	}
	if len(out) != days {
		return nil, fmt.Errorf("read run %s: run_equity holds %d days of its equity curve, the run stored %d: the database is damaged", id, len(out), days)
	}
	return out, nil
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
