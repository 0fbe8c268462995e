package main

import (
	"io"
	"testing"
)

// TestDBPathRule: every command resolves the database by the same rule:
// --db, then RISKON_DB, then the config's data.db, then ./riskon.duckdb.
func TestDBPathRule(t *testing.T) {
	a := newApp(io.Discard, io.Discard)
	t.Setenv("RISKON_DB", "")
	if got := a.dbPath(); got != "riskon.duckdb" {
		t.Errorf("nothing set: %q", got)
	}
	a.useConfigDB("cfg.duckdb")
	if got := a.dbPath(); got != "cfg.duckdb" {
		t.Errorf("config data.db: %q", got)
	}
	t.Setenv("RISKON_DB", "env.duckdb")
	if got := a.dbPath(); got != "env.duckdb" {
		t.Errorf("RISKON_DB over data.db: %q", got)
	}
	a.dbFlag = "flag.duckdb"
	if got := a.dbPath(); got != "flag.duckdb" {
		t.Errorf("--db over RISKON_DB: %q", got)
	}
}
