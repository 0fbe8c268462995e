package main

import (
	"context"
	"os"
	"time"

	"github.com/riskon/riskon/data/store"
	runstore "github.com/riskon/riskon/results/store"
)

// openStore opens the database at dbPath, read-only for commands that only
// read, so they work while another process writes. With --wait it waits for
// a database another process holds. DuckDB's memory limit comes from
// RISKON_MEMORY_LIMIT (default store.DefaultMemoryLimit).
func (a *app) openStore(ctx context.Context, readOnly bool) (*store.Store, error) {
	return a.openStoreWith(ctx, store.Options{ReadOnly: readOnly})
}

// openStoreWith is openStore with more options (data import's
// --memory-limit and --temp-dir); --wait and RISKON_MEMORY_LIMIT fill what
// opts leaves empty.
func (a *app) openStoreWith(ctx context.Context, opts store.Options) (*store.Store, error) {
	if opts.Wait == 0 {
		opts.Wait = a.wait
	}
	if opts.Wait == 0 && opts.ReadOnly {
		// A sweep holds the database only for the short import of its
		// finished trials: readers wait that out by default.
		opts.Wait = readerWait
	}
	if opts.MemoryLimit == "" {
		opts.MemoryLimit = os.Getenv("RISKON_MEMORY_LIMIT")
	}
	return store.Open(ctx, a.dbPath(), opts)
}

// readerWait is how long read-only commands wait, without --wait, for a
// database another process writes.
const readerWait = 15 * time.Second

// resultStores is an open database with its run and sweep stores.
type resultStores struct {
	*store.Store
	runs   *runstore.Store
	sweeps *runstore.Sweeps
}

// openResults opens the database (read-only for commands that only read)
// with its run and sweep stores; Close closes the database.
func (a *app) openResults(ctx context.Context, readOnly bool) (*resultStores, error) {
	st, err := a.openStore(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	rs, err := runstore.New(ctx, st.DB())
	if err != nil {
		st.Close()
		return nil, store.Damaged(st.Path(), err)
	}
	sw, err := runstore.NewSweeps(ctx, st.DB())
	if err != nil {
		st.Close()
		return nil, store.Damaged(st.Path(), err)
	}
	return &resultStores{Store: st, runs: rs, sweeps: sw}, nil
}
