package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data/store"
	"github.com/riskon/riskon/internal/input"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/sweep"
)

// Exit statuses (documented in README.md and docs/RELIABILITY.md).
const (
	exitOK       = 0
	exitFailure  = 1   // anything else: a failed run, a missing run id, I/O errors
	exitBadInput = 2   // usage, a bad config/sweep file/catalog/CSV, an input over its limit, a misspelled RISKON_ variable
	exitLocked   = 3   // the database is held by another process (try --wait)
	exitCorrupt  = 4   // the database file is not a usable DuckDB database
	exitSIGINT   = 130 // interrupted by Ctrl-C (128 + SIGINT)
	exitSIGTERM  = 143 // stopped by SIGTERM (128 + SIGTERM)
)

// exitCode maps a command's error to the process's exit status; sig is the
// signal that interrupted the command (nil if none).
func exitCode(err error, sig os.Signal) int {
	switch {
	case err == nil:
		return exitOK
	case sig == syscall.SIGTERM:
		return exitSIGTERM
	case sig != nil, errors.Is(err, context.Canceled):
		return exitSIGINT
	case errors.Is(err, store.ErrLocked):
		return exitLocked
	case errors.Is(err, store.ErrCorrupt):
		return exitCorrupt
	case errors.Is(err, input.ErrBad), strings.HasPrefix(err.Error(), "unknown command "):
		return exitBadInput
	}
	var fe *config.FieldError
	var ve *store.ValidationError
	if errors.As(err, &fe) || errors.As(err, &ve) {
		return exitBadInput
	}
	return exitFailure
}

// otherEnv lists the RISKON_ variables riskon reads that set no config key;
// config.CheckEnv refuses any other RISKON_ variable that matches no key.
var otherEnv = []string{
	"RISKON_DB", "RISKON_DATA", "RISKON_OUT", "RISKON_MEMORY_LIMIT", sweep.EnvShardCount,
	"RISKON_YAHOO_URL", "RISKON_BINANCE_URL", "RISKON_COINBASE_URL",
}

// testEnvPrefixes are variables the test suite passes to riskon processes it
// starts (they are not part of the interface).
var testEnvPrefixes = []string{"RISKON_TEST_", "RISKON_SWEEP_HELPER", "RISKON_BIG_", "RISKON_BENCH_",
	"RISKON_CHART_DIR", "RISKON_REPORT_DIR", "RISKON_KEEP_SCREENSHOTS", "RISKON_DOCS_WALK", "RISKON_CI_"}

// checkEnv refuses misspelled RISKON_ variables, like unknown keys in a
// config file or --set.
func checkEnv(environ []string) error {
	var env []string
	for _, kv := range environ {
		test := false
		for _, p := range testEnvPrefixes {
			test = test || strings.HasPrefix(kv, p)
		}
		if !test {
			env = append(env, kv)
		}
	}
	if err := config.CheckEnv(env, otherEnv); err != nil {
		return input.Bad(err)
	}
	return nil
}

// markUsageErrors makes flag and argument errors of cmd and its subcommands
// bad input (exit 2).
func markUsageErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return input.Bad(err) })
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return input.Bad(err)
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		markUsageErrors(c)
	}
}
