package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data/derive"
	"github.com/riskon/riskon/data/derived"
	"github.com/riskon/riskon/data/store"
)

func printDerived(w io.Writer, sp derived.Spec, rep *store.DerivedReport, note string) {
	fmt.Fprintf(w, "%s = %s(%s) [%s]: %d bars %s..%s: %d inserted, %d updated, %d unchanged, %d deleted\n",
		rep.Symbol, sp.Kind, strings.Join(sp.Inputs, ", "), rep.Calendar, rep.Bars, rep.First, rep.Last,
		rep.Inserted, rep.Updated, rep.Unchanged, rep.Deleted)
	if note != "" {
		fmt.Fprintf(w, "  %s\n", note)
	}
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
				sp := derived.Spec{Symbol: name, Kind: kind, Inputs: args}
				switch kind {
				case "basket":
					if start != string(derive.StartJoin) && start != string(derive.StartAll) {
						return fmt.Errorf("derive basket: --start %q: want join or all", start)
					}
					if !(base > 0) {
						return fmt.Errorf("derive basket: --base %g must be positive", base)
					}
					sp.Params = derived.Params{Start: start, Base: base}
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
				rep, note, err := derived.Build(cmd.Context(), st, sp)
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
			n, err := derived.Defaults(cmd.Context(), st, printer(a.stdout))
			if err != nil {
				return err
			}
			if n == 0 {
				fmt.Fprintf(a.stdout, "nothing to derive: store RUT, BTC or altcoins (%s) first\n", strings.Join(derived.DefaultAlts, " "))
			}
			return nil
		},
	}
	cmd.AddCommand(weekly, monthly, basket, ratio, share, defaults)
	return cmd
}

// printer prints each derived symbol built.
func printer(w io.Writer) func(derived.Spec, *store.DerivedReport, string) {
	return func(sp derived.Spec, rep *store.DerivedReport, note string) { printDerived(w, sp, rep, note) }
}
