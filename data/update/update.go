// Package update plans "riskon data update": which stored symbols have a
// remembered fetch source and from which date to fetch each again. Fetching
// (data/fetch), storing (data/store) and recomputing derived symbols
// (data/derived) are the caller's; this package never prints.
package update

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/store"
)

// Params are the fetch options remembered with a fetched symbol (the
// Params of its store.Origin, as JSON).
type Params struct {
	Since string `json:"since,omitempty"`
}

// ParamsOf reads the remembered fetch options of an origin (zero when none
// or unreadable).
func ParamsOf(o store.Origin) Params {
	var p Params
	_ = json.Unmarshal([]byte(o.Params), &p)
	return p
}

// Plan is one symbol to update: its remembered source and the first date to
// fetch (0: from the source's start).
type Plan struct {
	Origin store.Origin
	Since  data.Date
}

// Plans lists the symbols to update: those named (each must have a
// remembered source; a derived one is left to data/derived), or every
// fetched symbol when none is named. Each starts at its last stored bar, so
// that a provisional close is checked again, or at the remembered since
// when nothing is stored. db names the database in messages.
func Plans(ctx context.Context, st *store.Store, symbols []string, db string) ([]Plan, error) {
	origins, err := st.Origins(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]store.Origin{}
	for _, o := range origins {
		byName[o.Symbol] = o
	}
	var pick []store.Origin
	if len(symbols) == 0 {
		for _, o := range origins {
			if o.Kind == store.OriginFetch {
				pick = append(pick, o)
			}
		}
		if len(pick) == 0 && len(origins) == 0 {
			return nil, fmt.Errorf("data update: no symbol in %s has a remembered source; fetch one with: riskon data fetch --source yahoo --symbol ^RUT --as RUT", db)
		}
	}
	for _, sym := range symbols {
		o, ok := byName[sym]
		switch {
		case !ok:
			return nil, fmt.Errorf("data update: %s has no remembered source (it was imported from files or is not stored); fetch it with: riskon data fetch --source SOURCE --symbol REMOTE --as %s", sym, sym)
		case o.Kind == store.OriginFetch:
			pick = append(pick, o)
		}
	}
	var plans []Plan
	for _, o := range pick {
		p := Plan{Origin: o}
		if last, ok, err := st.LastBar(ctx, o.Symbol); err != nil {
			return nil, err
		} else if ok {
			p.Since = last.Date // re-check the last stored bar
		} else if s := ParamsOf(o).Since; s != "" {
			p.Since, _ = data.ParseDate(s)
		}
		plans = append(plans, p)
	}
	return plans, nil
}
