// Package derived keeps the derived symbols of a bar store: their recipes
// (Spec: kind, inputs and options, remembered in the store's sources table),
// computing them from stored symbols with data/derive, storing them, and
// recomputing every remembered one in dependency order after an update.
// It never prints: callers are told of each symbol built through a callback.
package derived

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/derive"
	"github.com/riskon/riskon/data/store"
)

// Derived symbols built by `riskon data derive defaults` (and by
// `riskon data fetch --defaults`). The strategy can use them as triggers, targets or filters.
const (
	AltsSymbol    = "ALTS"     // equal-weight basket of the default altcoins
	AltsBTCSymbol = "ALTS_BTC" // ALTS / BTC
)

// DefaultAlts is the default altcoin basket: the members of
// configs/r2k_breakout_alts.yaml.
var DefaultAlts = []string{"SOL", "ADA", "XRP", "DOGE", "LINK", "AVAX", "DOT", "LTC"}

// Params are the options of a derivation, stored as JSON in the
// sources table so `riskon data update` can recompute it.
type Params struct {
	Start string  `json:"start,omitempty"` // basket: join or all
	Base  float64 `json:"base,omitempty"`  // basket: first value
	Scale float64 `json:"scale,omitempty"` // ratio: multiplier
}

// Spec is one derived symbol: its kind, inputs and options.
type Spec struct {
	Symbol string
	Kind   string // weekly, monthly, basket, ratio, share
	Inputs []string
	Params Params
}

func (s Spec) Origin() store.Origin {
	p, _ := json.Marshal(s.Params)
	// Inputs as a JSON list: symbol names may contain commas.
	in, _ := json.Marshal(s.Inputs)
	return store.Origin{Kind: store.OriginDerived, Source: "derived:" + s.Kind, Remote: string(in), Params: string(p)}
}

func SpecOf(o store.Origin) (Spec, error) {
	kind, ok := strings.CutPrefix(o.Source, "derived:")
	if !ok {
		return Spec{}, fmt.Errorf("%s: source %q is not derived", o.Symbol, o.Source)
	}
	sp := Spec{Symbol: o.Symbol, Kind: kind}
	if strings.HasPrefix(o.Remote, "[") {
		if err := json.Unmarshal([]byte(o.Remote), &sp.Inputs); err != nil {
			return Spec{}, fmt.Errorf("%s: stored derivation inputs %q: %w", o.Symbol, o.Remote, err)
		}
	} else {
		sp.Inputs = strings.Split(o.Remote, ",") // records written before inputs were JSON
	}
	if o.Params != "" {
		if err := json.Unmarshal([]byte(o.Params), &sp.Params); err != nil {
			return Spec{}, fmt.Errorf("%s: stored derivation options %q: %w", o.Symbol, o.Params, err)
		}
	}
	return sp, nil
}

// Compute computes the series of a spec from stored symbols.
func Compute(ctx context.Context, st *store.Store, sp Spec) (*data.Series, string, error) {
	if err := store.CheckSymbol(sp.Symbol); err != nil {
		return nil, "", err
	}
	for _, in := range sp.Inputs {
		if in == sp.Symbol {
			return nil, "", fmt.Errorf("derive %s: a symbol cannot be derived from itself", sp.Symbol)
		}
	}
	ds, err := st.Load(ctx, sp.Inputs)
	if err != nil {
		return nil, "", fmt.Errorf("derive %s: %w", sp.Symbol, err)
	}
	get := func(i int) *data.Series { return ds.Get(sp.Inputs[i]) }
	need := func(n int) error {
		if len(sp.Inputs) != n {
			return fmt.Errorf("derive %s %s: want %d input symbols, got %d", sp.Kind, sp.Symbol, n, len(sp.Inputs))
		}
		return nil
	}
	switch sp.Kind {
	case "weekly", "monthly":
		if err := need(1); err != nil {
			return nil, "", err
		}
		p, _ := derive.ParsePeriod(sp.Kind)
		ser, info, err := derive.Resample(get(0), p, sp.Symbol)
		if err != nil {
			return nil, "", fmt.Errorf("derive %s: %w", sp.Symbol, err)
		}
		note := fmt.Sprintf("%d periods", info.Periods)
		if info.DroppedLast {
			note += fmt.Sprintf("; the period from %s is not over yet and is left out", info.DroppedFrom)
		}
		return ser, note, nil
	case "basket":
		if len(sp.Inputs) == 0 {
			return nil, "", fmt.Errorf("derive basket %s: no members", sp.Symbol)
		}
		members := make([]*data.Series, len(sp.Inputs))
		for i := range sp.Inputs {
			members[i] = get(i)
		}
		ser, info, err := derive.Basket(sp.Symbol, members, derive.BasketOptions{Start: derive.Start(sp.Params.Start), Base: sp.Params.Base})
		if err != nil {
			return nil, "", fmt.Errorf("derive %s: %w", sp.Symbol, err)
		}
		var joins []string
		for _, m := range info.Members {
			if m.Days > 0 {
				joins = append(joins, fmt.Sprintf("%s %s", m.Symbol, m.First))
			} else {
				joins = append(joins, m.Symbol+" never")
			}
		}
		return ser, fmt.Sprintf("starts %s; %d to %d members a day; members from: %s", info.Start, info.MinMembers, info.MaxMembers, strings.Join(joins, ", ")), nil
	case "ratio":
		if err := need(2); err != nil {
			return nil, "", err
		}
		ser, err := derive.Ratio(sp.Symbol, get(0), get(1), sp.Params.Scale)
		if err != nil {
			return nil, "", fmt.Errorf("derive %s: %w", sp.Symbol, err)
		}
		return ser, "", nil
	case "share":
		if err := need(2); err != nil {
			return nil, "", err
		}
		ser, err := derive.Share(sp.Symbol, get(0), get(1))
		if err != nil {
			return nil, "", fmt.Errorf("derive %s: %w", sp.Symbol, err)
		}
		return ser, "", nil
	}
	return nil, "", fmt.Errorf("derive %s: unknown kind %q (want weekly, monthly, basket, ratio or share)", sp.Symbol, sp.Kind)
}

// Build computes a spec and stores it, marked synthetic when an input is;
// the note says what the derivation did ("" when nothing to say).
func Build(ctx context.Context, st *store.Store, sp Spec) (*store.DerivedReport, string, error) {
	ser, note, err := Compute(ctx, st, sp)
	if err != nil {
		return nil, "", err
	}
	synth, err := st.IsSynthetic(ctx, sp.Inputs)
	if err != nil {
		return nil, "", err
	}
	rep, err := st.StoreDerived(ctx, ser, store.DerivedOptions{Origin: sp.Origin(), Synthetic: synth})
	return rep, note, err
}

// DefaultSpecs lists the standard derived symbols whose inputs are
// stored: RUT_W and RUT_M, the ALTS basket of the default altcoins present,
// ALTS_BTC, and BTC_DOM when BTC_MCAP and TOTAL_MCAP are stored.
func DefaultSpecs(have map[string]bool) []Spec {
	var out []Spec
	if have["RUT"] {
		out = append(out, Spec{Symbol: "RUT_W", Kind: "weekly", Inputs: []string{"RUT"}},
			Spec{Symbol: "RUT_M", Kind: "monthly", Inputs: []string{"RUT"}})
	}
	var alts []string
	for _, s := range DefaultAlts {
		if have[s] {
			alts = append(alts, s)
		}
	}
	if len(alts) > 0 {
		out = append(out, Spec{Symbol: AltsSymbol, Kind: "basket", Inputs: alts, Params: Params{Start: string(derive.StartJoin), Base: 100}})
		if have["BTC"] {
			out = append(out, Spec{Symbol: AltsBTCSymbol, Kind: "ratio", Inputs: []string{AltsSymbol, "BTC"}})
		}
	}
	if have["BTC_MCAP"] && have["TOTAL_MCAP"] {
		out = append(out, Spec{Symbol: "BTC_DOM", Kind: "share", Inputs: []string{"BTC_MCAP", "TOTAL_MCAP"}})
	}
	return out
}

// RebuildAll recomputes every remembered derived symbol, inputs first (a
// derived symbol may be built from another), calling built (when not nil)
// for each stored. Failures are collected in the results.
func RebuildAll(ctx context.Context, st *store.Store, built func(Spec, *store.DerivedReport, string)) ([]Result, error) {
	origins, err := st.Origins(ctx)
	if err != nil {
		return nil, err
	}
	pending := map[string]Spec{}
	var order []string
	for _, o := range origins {
		if o.Kind != store.OriginDerived {
			continue
		}
		sp, err := SpecOf(o)
		if err != nil {
			return nil, err
		}
		pending[o.Symbol] = sp
		order = append(order, o.Symbol)
	}
	var out []Result
	for len(pending) > 0 {
		progress := false
		for _, sym := range order {
			sp, ok := pending[sym]
			if !ok {
				continue
			}
			ready := true
			for _, in := range sp.Inputs {
				if _, waiting := pending[in]; waiting {
					ready = false
				}
			}
			if !ready {
				continue
			}
			delete(pending, sym)
			progress = true
			r := Result{Symbol: sym, Kind: sp.Kind, Inputs: sp.Inputs}
			rep, note, err := Build(ctx, st, sp)
			if err != nil {
				r.Error = err.Error()
			} else {
				r.Bars, r.Inserted, r.Updated, r.Deleted, r.Note = rep.Bars, rep.Inserted, rep.Updated, rep.Deleted, note
				if built != nil {
					built(sp, rep, note)
				}
			}
			out = append(out, r)
		}
		if !progress {
			var left []string
			for s := range pending {
				left = append(left, s)
			}
			return out, fmt.Errorf("derived symbols depend on each other in a cycle: %s", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// Result is one recomputed derived symbol (JSON of data update).
type Result struct {
	Symbol   string   `json:"symbol"`
	Kind     string   `json:"kind"`
	Inputs   []string `json:"inputs"`
	Bars     int      `json:"bars"`
	Inserted int      `json:"inserted"`
	Updated  int      `json:"updated"`
	Deleted  int      `json:"deleted"`
	Note     string   `json:"note,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// Defaults builds the default derived symbols from what is stored
// and returns how many it built, calling built (when not nil) for each. A stored symbol of the same name that is
// not derived is left alone (an error names it).
func Defaults(ctx context.Context, st *store.Store, built func(Spec, *store.DerivedReport, string)) (int, error) {
	infos, err := st.List(ctx)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, si := range infos {
		have[si.Symbol] = true
	}
	var errs []error
	n := 0
	for _, sp := range DefaultSpecs(have) {
		rep, note, err := Build(ctx, st, sp)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if built != nil {
			built(sp, rep, note)
		}
		n++
	}
	return n, errors.Join(errs...)
}
