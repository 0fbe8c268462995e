package main

import (
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/riskon/riskon/strategy/config"
	"github.com/spf13/cobra"
)

// version is the riskon version recorded with every run.
const version = "0.1.0"

// app holds what every command shares: output streams and global flags. There
// is no global state: tests build their own app.
type app struct {
	stdout, stderr io.Writer
	dbFlag         string
	configDB       string        // data.db of the command's config, when it reads one
	wait           time.Duration // --wait: how long to wait for a database another process holds
	verbose        bool
	log            *slog.Logger
}

func newApp(stdout, stderr io.Writer) *app {
	return &app{stdout: stdout, stderr: stderr}
}

// dbPath resolves the database by the one rule, config.DBPath: --db, then
// RISKON_DB, then the data.db of the command's config (useConfigDB), then
// ./riskon.duckdb.
func (a *app) dbPath() string {
	return config.DBPath(a.dbFlag, os.Getenv(config.EnvDB), a.configDB)
}

// useConfigDB records the data.db of the config a command reads, the third
// choice of dbPath.
func (a *app) useConfigDB(db string) { a.configDB = db }

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:           "riskon",
		Short:         "Backtest Russell 2000 breakouts as a trigger for Bitcoin and altcoins, with the evidence beside every result",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			level := slog.LevelWarn
			if a.verbose {
				level = slog.LevelDebug
			}
			a.log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
			// A misspelled RISKON_ variable is refused like a misspelled key.
			return checkEnv(os.Environ())
		},
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.PersistentFlags().StringVar(&a.dbFlag, "db", "", "DuckDB database file (default $RISKON_DB or ./riskon.duckdb)")
	root.PersistentFlags().DurationVar(&a.wait, "wait", 0, "wait up to this long (e.g. 30s, 5m) for a database another riskon process holds, instead of failing at once")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log progress to stderr")
	root.AddCommand(a.subcommands()...)
	a.addCompletions(root)
	markUsageErrors(root)
	return root
}
