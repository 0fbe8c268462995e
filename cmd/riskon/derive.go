package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/derive"
	"github.com/riskon/riskon/data/store"
)

// Derived symbols built by `riskon data derive defaults` (and by
// fetchDefault). The strategy can use them as triggers, targets or filters.
const (
	deriveAltsSymbol    = "ALTS"     // equal-weight basket of the default altcoins
	deriveAltsBTCSymbol = "ALTS_BTC" // ALTS / BTC
)

// deriveDefaultAlts is the default altcoin basket: the members of
// configs/r2k_breakout_alts.yaml.
var deriveDefaultAlts = []string{"SOL", "ADA", "XRP", "DOGE", "LINK", "AVAX", "DOT", "LTC"}

// deriveParams are the options of a derivation, stored as JSON in the
// sources table so `riskon data update` can recompute it.
type deriveParams struct {
	Start string  `json:"start,omitempty"` // basket: join or all
	Base  float64 `json:"base,omitempty"`  // basket: first value
	Scale float64 `json:"scale,omitempty"` // ratio: multiplier
}

// deriveSpec is one derived symbol: its kind, inputs and options.
type deriveSpec struct {
	Symbol string
	Kind   string // weekly, monthly, basket, ratio, share
	Inputs []string
	Params deriveParams
}

func (s deriveSpec) origin() store.Origin {
	p, _ := json.Marshal(s.Params)
	// Inputs as a JSON list: symbol names may contain commas.
	in, _ := json.Marshal(s.Inputs)
	return store.Origin{Kind: store.OriginDerived, Source: "derived:" + s.Kind, Remote: string(in), Params: string(p)}
}

func deriveSpecOf(o store.Origin) (deriveSpec, error) {
	kind, ok := strings.CutPrefix(o.Source, "derived:")
	if !ok {
		return deriveSpec{}, fmt.Errorf("%s: source %q is not derived", o.Symbol, o.Source)
	}
	sp := deriveSpec{Symbol: o.Symbol, Kind: kind}
	if strings.HasPrefix(o.Remote, "[") {
		if err := json.Unmarshal([]byte(o.Remote), &sp.Inputs); err != nil {
			return deriveSpec{}, fmt.Errorf("%s: stored derivation inputs %q: %w", o.Symbol, o.Remote, err)
		}
	} else {
		sp.Inputs = strings.Split(o.Remote, ",") // records written before inputs were JSON
	}
	if o.Params != "" {
		if err := json.Unmarshal([]byte(o.Params), &sp.Params); err != nil {
			return deriveSpec{}, fmt.Errorf("%s: stored derivation options %q: %w", o.Symbol, o.Params, err)
		}
	}
	return sp, nil
}

// deriveCompute computes the series of a spec from stored symbols.
func deriveCompute(ctx context.Context, st *store.Store, sp deriveSpec) (*data.Series, string, error) {
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

// deriveStore computes a spec and stores it.
func deriveStore(ctx context.Context, st *store.Store, sp deriveSpec) (*store.DerivedReport, string, error) {
	ser, note, err := deriveCompute(ctx, st, sp)
	if err != nil {
		return nil, "", err
	}
	synth, err := st.IsSynthetic(ctx, sp.Inputs)
	if err != nil {
		return nil, "", err
	}
	rep, err := st.StoreDerived(ctx, ser, store.DerivedOptions{Origin: sp.origin(), Synthetic: synth})
	return rep, note, err
}

func printDerived(w io.Writer, sp deriveSpec, rep *store.DerivedReport, note string) {
	fmt.Fprintf(w, "%s = %s(%s) [%s]: %d bars %s..%s: %d inserted, %d updated, %d unchanged, %d deleted\n",
		rep.Symbol, sp.Kind, strings.Join(sp.Inputs, ", "), rep.Calendar, rep.Bars, rep.First, rep.Last,
		rep.Inserted, rep.Updated, rep.Unchanged, rep.Deleted)
	if note != "" {
		fmt.Fprintf(w, "  %s\n", note)
	}
}

// deriveDefaultSpecs lists the standard derived symbols whose inputs are
// stored: RUT_W and RUT_M, the ALTS basket of the default altcoins present,
// ALTS_BTC, and BTC_DOM when BTC_MCAP and TOTAL_MCAP are stored.
func deriveDefaultSpecs(have map[string]bool) []deriveSpec {
	var out []deriveSpec
	if have["RUT"] {
		out = append(out, deriveSpec{Symbol: "RUT_W", Kind: "weekly", Inputs: []string{"RUT"}},
			deriveSpec{Symbol: "RUT_M", Kind: "monthly", Inputs: []string{"RUT"}})
	}
	var alts []string
	for _, s := range deriveDefaultAlts {
		if have[s] {
			alts = append(alts, s)
		}
	}
	if len(alts) > 0 {
		out = append(out, deriveSpec{Symbol: deriveAltsSymbol, Kind: "basket", Inputs: alts, Params: deriveParams{Start: string(derive.StartJoin), Base: 100}})
		if have["BTC"] {
			out = append(out, deriveSpec{Symbol: deriveAltsBTCSymbol, Kind: "ratio", Inputs: []string{deriveAltsSymbol, "BTC"}})
		}
	}
	if have["BTC_MCAP"] && have["TOTAL_MCAP"] {
		out = append(out, deriveSpec{Symbol: "BTC_DOM", Kind: "share", Inputs: []string{"BTC_MCAP", "TOTAL_MCAP"}})
	}
	return out
}

// rederiveAll recomputes every remembered derived symbol, inputs first (a
// derived symbol may be built from another). Failures are collected.
func rederiveAll(ctx context.Context, st *store.Store, w io.Writer) ([]derivedResult, error) {
	origins, err := st.Origins(ctx)
	if err != nil {
		return nil, err
	}
	pending := map[string]deriveSpec{}
	var order []string
	for _, o := range origins {
		if o.Kind != store.OriginDerived {
			continue
		}
		sp, err := deriveSpecOf(o)
		if err != nil {
			return nil, err
		}
		pending[o.Symbol] = sp
		order = append(order, o.Symbol)
	}
	var out []derivedResult
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
			r := derivedResult{Symbol: sym, Kind: sp.Kind, Inputs: sp.Inputs}
			rep, note, err := deriveStore(ctx, st, sp)
			if err != nil {
				r.Error = err.Error()
			} else {
				r.Bars, r.Inserted, r.Updated, r.Deleted, r.Note = rep.Bars, rep.Inserted, rep.Updated, rep.Deleted, note
				if w != nil {
					printDerived(w, sp, rep, note)
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

// derivedResult is one recomputed derived symbol (JSON of data update).
type derivedResult struct {
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

// dataDeriveCmd is `riskon data derive`: weekly and monthly bars, an
// equal-weight basket, ratios and market-cap shares stored as symbols.
func (a *app) dataDeriveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "derive",
		Short: "Store derived series: weekly/monthly bars, an altcoin basket, ratios, BTC dominance",
		Long: `Compute series from stored symbols and store them as symbols of their own
(source "derived:KIND"), usable as triggers, targets or filters. The
derivation is remembered: 'riskon data update' recomputes it after fetching.

  weekly SYM   --as SYM_W   ISO weeks; each bar closes at the close of the week's
                            last scheduled session (NYSE holidays included) and
                            spans from the open of its first bar; a week not yet
                            over is left out
  monthly SYM  --as SYM_M   calendar months, likewise
  basket SYM... --as ALTS   equal-weight index rebalanced daily, 100 at the start;
                            --start join: members join the day after their first
                            bar; --start all: starts when every member trades
  ratio NUM DEN --as NAME   NUM / DEN on common dates (e.g. ALTS / BTC)
  share PART TOTAL --as N   100 x PART / TOTAL (e.g. BTC dominance from market caps)
  defaults                  RUT_W, RUT_M, ALTS (of SOL ADA XRP DOGE LINK AVAX DOT
                            LTC, those stored), ALTS_BTC, and BTC_DOM when BTC_MCAP
                            and TOTAL_MCAP are stored`,
		Example: `  riskon data derive weekly RUT
  riskon data derive basket SOL ADA XRP DOGE LINK AVAX DOT LTC --as ALTS
  riskon data derive ratio ALTS BTC --as ALTS_BTC
  riskon data derive share BTC_MCAP TOTAL_MCAP --as BTC_DOM
  riskon data derive defaults`,
	}
	var as string
	var start string
	var base, scale float64
	run := func(kind string, minArgs, maxArgs int, defaultAs func([]string) string) *cobra.Command {
		c := &cobra.Command{
			Use:  kind,
			Args: cobra.RangeArgs(minArgs, maxArgs),
			RunE: func(cmd *cobra.Command, args []string) error {
				name := as
				if name == "" {
					if defaultAs == nil {
						return fmt.Errorf("derive %s: --as NAME is required", kind)
					}
					name = defaultAs(args)
				}
				sp := deriveSpec{Symbol: name, Kind: kind, Inputs: args}
				switch kind {
				case "basket":
					if start != string(derive.StartJoin) && start != string(derive.StartAll) {
						return fmt.Errorf("derive basket: --start %q: want join or all", start)
					}
					if !(base > 0) {
						return fmt.Errorf("derive basket: --base %g must be positive", base)
					}
					sp.Params = deriveParams{Start: start, Base: base}
				case "ratio":
					if !(scale > 0) {
						return fmt.Errorf("derive ratio: --scale %g must be positive", scale)
					}
					if scale != 1 {
						sp.Params.Scale = scale
					}
				}
				st, err := a.openStore(cmd.Context(), false)
				if err != nil {
					return err
				}
				defer st.Close()
				rep, note, err := deriveStore(cmd.Context(), st, sp)
				if err != nil {
					return err
				}
				printDerived(a.stdout, sp, rep, note)
				return nil
			},
		}
		c.Flags().StringVar(&as, "as", "", "symbol to store the derived series under")
		return c
	}
	weekly := run("weekly", 1, 1, func(a []string) string { return a[0] + "_W" })
	weekly.Short = "Weekly bars of a daily symbol (default name SYM_W)"
	monthly := run("monthly", 1, 1, func(a []string) string { return a[0] + "_M" })
	monthly.Short = "Monthly bars of a daily symbol (default name SYM_M)"
	basket := run("basket", 1, 100, nil)
	basket.Short = "Equal-weight basket index of several symbols, rebalanced daily"
	basket.Flags().StringVar(&start, "start", string(derive.StartJoin), "join: members join as they list; all: start when every member has a bar")
	basket.Flags().Float64Var(&base, "base", 100, "index value on the first date")
	ratio := run("ratio", 2, 2, nil)
	ratio.Short = "Ratio NUM / DEN of two symbols on common dates"
	ratio.Flags().Float64Var(&scale, "scale", 1, "multiply the ratio by this")
	share := run("share", 2, 2, nil)
	share.Short = "100 x PART / TOTAL (a market-cap share such as BTC dominance)"

	defaults := &cobra.Command{
		Use:   "defaults",
		Short: "Build RUT_W, RUT_M, ALTS, ALTS_BTC (and BTC_DOM) from the stored symbols",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openStore(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := deriveDefaults(cmd.Context(), st, a.stdout)
			if err != nil {
				return err
			}
			if n == 0 {
				fmt.Fprintf(a.stdout, "nothing to derive: store RUT, BTC or altcoins (%s) first\n", strings.Join(deriveDefaultAlts, " "))
			}
			return nil
		},
	}
	cmd.AddCommand(weekly, monthly, basket, ratio, share, defaults)
	return cmd
}

// deriveDefaults builds the default derived symbols from what is stored
// and returns how many it built. A stored symbol of the same name that is
// not derived is left alone (an error names it).
func deriveDefaults(ctx context.Context, st *store.Store, w io.Writer) (int, error) {
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
	for _, sp := range deriveDefaultSpecs(have) {
		rep, note, err := deriveStore(ctx, st, sp)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		printDerived(w, sp, rep, note)
		n++
	}
	return n, errors.Join(errs...)
}
