package config

import "testing"

func TestDBPath(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ flag, env, cfg, want string }{
		{"a.duckdb", "b.duckdb", "c.duckdb", "a.duckdb"},
		{"", "b.duckdb", "c.duckdb", "b.duckdb"},
		{"", "  ", "c.duckdb", "c.duckdb"},
		{"", "", "c.duckdb", "c.duckdb"},
		{"", "", "", "riskon.duckdb"},
		{" ", "", " ", "riskon.duckdb"},
	} {
		if got := DBPath(c.flag, c.env, c.cfg); got != c.want {
			t.Errorf("DBPath(%q, %q, %q) = %q, want %q", c.flag, c.env, c.cfg, got, c.want)
		}
	}
}
