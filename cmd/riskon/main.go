// Command riskon backtests Russell 2000 breakouts as a trigger for Bitcoin
// and altcoins and says how much evidence each result rests on.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// graceAfterSignal is how long a command may take to wind down after
// SIGINT or SIGTERM (finishing the statement in flight, closing the
// database, printing how to resume) before the process exits anyway. Every
// write is one transaction, so nothing committed is lost either way.
const graceAfterSignal = 800 * time.Millisecond

// runMain runs riskon with args and returns the exit status (see exit.go).
// The first SIGINT or SIGTERM cancels the command's context; a command
// still running graceAfterSignal later, or a second signal, ends the
// process at once with status 130 (SIGINT) or 143 (SIGTERM).
func runMain(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	got := make(chan os.Signal, 1)
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		got <- sig
		cancel()
		code := exitCode(context.Canceled, sig)
		select {
		case <-sigs:
		case <-time.After(graceAfterSignal):
		}
		fmt.Fprintf(stderr, "riskon: %s: %s\n", sigName(sig), resumeHint)
		os.Exit(code)
	}()

	a := newApp(stdout, stderr)
	root := a.root()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var sig os.Signal
	select {
	case sig = <-got:
	default:
	}
	if err != nil {
		msg := err.Error()
		if sig != nil && !strings.Contains(msg, "--resume") && !strings.Contains(msg, "again") {
			// Every long phase ends here on a signal: say what holds.
			msg += "; " + resumeHint
		}
		fmt.Fprintln(stderr, "riskon:", msg)
	}
	return exitCode(err, sig)
}

// resumeHint says what an interruption keeps and how to go on.
const resumeHint = "stopped; everything committed before the signal is kept: run the same command again (a sweep: with --resume)"

func sigName(sig os.Signal) string {
	if sig == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "interrupted (SIGINT)"
}
