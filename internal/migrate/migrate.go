// Package migrate keeps the schemas of riskon's DuckDB stores: one table,
// schema_migrations, records the version of each component (bars, runs,
// sweeps, ...), and one runner applies a component's migrations in order.
//
// A migration is literal SQL, frozen once released: a new column or table is
// a new migration appended to the list, never an edit of an old one (a
// database created by an earlier release must upgrade to exactly the schema
// a new database gets).
package migrate

import (
	"context"
	"database/sql"
	"fmt"
)

// DDL creates the version table (the only definition of it).
const DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
	component VARCHAR NOT NULL,
	version   INTEGER NOT NULL,
	PRIMARY KEY (component, version))`

// Component is one store's schema: Steps[i] takes it from version i to i+1;
// each step is one or more literal SQL statements.
type Component struct {
	Name  string // recorded in schema_migrations.component
	What  string // for messages: "run store", "sweep store", "bars"
	Steps [][]string
}

// Latest is the version the steps lead to.
func (c Component) Latest() int { return len(c.Steps) }

// State is what Up found and did.
type State struct {
	// Found is the component's version before Up (0: never created).
	Found int
	// ReadOnly: the database is read-only, nothing was migrated.
	ReadOnly bool
}

// Up brings component c to its latest version on db, applying the missing
// steps and recording each in schema_migrations, all in one transaction. A
// database newer than c is an error. On a read-only database Up changes
// nothing and reports what it found; the caller decides whether an older
// read-only schema is usable.
func Up(ctx context.Context, db *sql.DB, c Component) (State, error) {
	found, err := Version(ctx, db, c.Name)
	if err != nil {
		return State{}, fmt.Errorf("%s: read schema version: %w", c.What, err)
	}
	st := State{Found: found}
	if found > c.Latest() {
		return st, fmt.Errorf("%s: the database has %s schema version %d, newer than this riskon understands (%d); upgrade riskon", c.What, c.Name, found, c.Latest())
	}
	if found == c.Latest() {
		return st, nil
	}
	if err := db.QueryRowContext(ctx,
		`SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()`).Scan(&st.ReadOnly); err != nil {
		return st, fmt.Errorf("%s: check read-only: %w", c.What, err)
	}
	if st.ReadOnly {
		return st, nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("%s: migrate: %w", c.What, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, DDL); err != nil {
		return st, fmt.Errorf("%s: create schema_migrations: %w", c.What, err)
	}
	for v := found + 1; v <= c.Latest(); v++ {
		for _, stmt := range c.Steps[v-1] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return st, fmt.Errorf("%s: migrate to version %d: %w", c.What, v, err)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (component, version) VALUES ($1, $2)`, c.Name, v); err != nil {
			return st, fmt.Errorf("%s: record version %d: %w", c.What, v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("%s: migrate: %w", c.What, err)
	}
	return st, nil
}

// Version reads the newest recorded version of component name (0 when
// schema_migrations does not exist yet).
func Version(ctx context.Context, db *sql.DB, name string) (int, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables()
		WHERE table_name = 'schema_migrations' AND database_name = current_database() AND schema_name = current_schema()`).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = $1`, name).Scan(&v)
	return v, err
}
