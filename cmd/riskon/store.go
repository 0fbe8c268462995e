package main

import (
	"context"

	"github.com/riskon/riskon/data/store"
)

// openStore opens the database at dbPath, read-only for commands that only
// read, so they work while another process writes.
func (a *app) openStore(ctx context.Context, readOnly bool) (*store.Store, error) {
	return store.Open(ctx, a.dbPath(), store.Options{ReadOnly: readOnly})
}
