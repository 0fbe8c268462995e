package config

import "strings"

// DefaultDB is the database file used when nothing names one.
const DefaultDB = "riskon.duckdb"

// EnvDB is the environment variable that names the database file.
const EnvDB = "RISKON_DB"

// DBPath is the one rule that picks the database file: the --db flag, then
// $RISKON_DB (env), then the config's data.db (configDB: "" for a command
// without a config), then ./riskon.duckdb. A blank value counts as unset.
func DBPath(flag, env, configDB string) string {
	for _, v := range []string{flag, env, configDB} {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return DefaultDB
}
