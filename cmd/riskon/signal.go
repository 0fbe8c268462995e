package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/today"
)

func (a *app) signalCmd() *cobra.Command {
	var (
		file   string
		sets   []string
		output string
	)
	cmd := &cobra.Command{
		Use:   "signal [-c FILE] [--set key=value]...",
		Short: "Today's signal: the trigger's level and distance, the last signal, the filters and the open position as of each input's last bar",
		Long: `Today's signal of a run config, as of the trigger's own last bar (not the
targets'): the close the next period close must exceed to fire and its
distance from the last close, the last confirmed signal and its age, each
filter's verdict and coverage, how stale each input is, and whether the
strategy holds a position now (replayed through the backtest window) with its
exit plan. Nothing is stored.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			cfg, err := config.Load(file, config.LoadOptions{Sets: sets})
			if err != nil {
				return err
			}
			if err := config.Validate(cfg); err != nil {
				return err
			}
			a.useConfigDB(cfg.Data.DB)
			st, err := a.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			ds, err := st.Load(cmd.Context(), strategy.Symbols(cfg))
			st.Close()
			if err != nil {
				return err
			}
			rep, err := today.Compute(cmd.Context(), cfg, ds)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(a.stdout, rep)
			}
			printSignal(a.stdout, rep)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "", "run config (YAML)")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a config key: --set trigger.lookback=100 (repeatable)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func fnum(v float64) string { return fmt.Sprintf("%.6g", v) }

func optNum(v *float64) string {
	if v == nil {
		return "-"
	}
	return fnum(*v)
}

func printSignal(w io.Writer, r *today.Report) {
	t := r.Trigger
	fmt.Fprintf(w, "signal %s   config %s   as of %s (the trigger's last bar)\n\n", r.Name, short(r.ConfigHash), r.AsOf)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "input\trole\tfirst\tlast\tbars\tdays behind trigger")
	for _, in := range r.Inputs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", in.Symbol, in.Role, in.First, in.Last, in.Bars, in.DaysBehind)
	}
	tw.Flush()

	sym := t.Symbol
	if t.RelativeTo != "" {
		sym += "/" + t.RelativeTo
	}
	fmt.Fprintf(w, "\ntrigger %s  rule %s  %s  (%d period closes)\n", sym, t.Rule, t.Timeframe, t.Periods)
	fmt.Fprintf(w, "  last close          %s on %s", fnum(t.LastClose), t.LastPeriod)
	if t.PeriodInProgress {
		fmt.Fprintf(w, "  (period in progress: last bar %s close %s)", t.LastBar, fnum(t.LastBarClose))
	}
	fmt.Fprintln(w)
	if t.ComparedValue != t.LastClose {
		fmt.Fprintf(w, "  compared value      %s\n", fnum(t.ComparedValue))
	}
	switch {
	case !t.Ready:
		fmt.Fprintln(w, "  level               - (too little history for the rule)")
	default:
		label := "level to break    "
		if !t.Armed {
			label = "level (if armed)  "
		}
		fmt.Fprintf(w, "  %s  %s", label, optNum(t.Level))
		if t.LevelDate != "" {
			fmt.Fprintf(w, " (set %s)", t.LevelDate)
		}
		if t.Margin != 0 {
			fmt.Fprintf(w, " margin %g included", t.Margin)
		}
		fmt.Fprintln(w)
		if t.DistancePct != nil {
			fmt.Fprintf(w, "  distance            %+.2f%% of the last close\n", *t.DistancePct)
		}
		if t.DistanceFromLastBarPct != nil {
			fmt.Fprintf(w, "                      %+.2f%% of the last bar's close (the period so far)\n", *t.DistanceFromLastBarPct)
		}
		if t.Armed {
			if t.Timeframe == "daily" {
				fmt.Fprintf(w, "  armed               yes: a close above the level on %s fires\n", t.NextDate)
			} else {
				fmt.Fprintf(w, "  armed               yes: a %s close above the level fires\n", strings.TrimSuffix(t.Timeframe, "ly"))
			}
		} else {
			fmt.Fprintf(w, "  armed               no: %s\n", t.NotArmed)
		}
	}
	for _, v := range t.Values {
		val := fnum(v.Value)
		if v.Name == "armed_from" {
			val = ""
		}
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %-19s %s %s", v.Name, val, v.Date), " "))
	}
	if t.Confirming > 0 {
		fmt.Fprintf(w, "  confirming          %d of %d closes above %s\n", t.Confirming, t.Confirm, fnum(t.ConfirmLevel))
	}
	if s := t.LastSignal; s != nil {
		fmt.Fprintf(w, "  last signal         %s close %s level %s, %d days / %d period closes ago (%d signals in all)\n",
			s.Date, fnum(s.Close), fnum(s.Level), s.AgeDays, s.AgeBars, t.Signals)
	} else {
		fmt.Fprintln(w, "  last signal         none in the trigger's data")
	}

	if len(r.Filters) > 0 {
		fmt.Fprintln(w, "\nfilters (as of the trigger's last close)")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "symbol\trule\tstate\tlast close\treference\tcoverage\t")
		for _, f := range r.Filters {
			state := f.State
			if f.Why != "" {
				state += " (" + f.Why + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s .. %s\t\n", f.Symbol, f.Rule, state, optNum(f.LastClose), optNum(f.Reference), f.First, f.Last)
		}
		tw.Flush()
	}

	p := r.Position
	fmt.Fprintf(w, "\nposition (replayed through %s, %d trade(s))\n", p.ReplayedThrough, p.Trades)
	if !p.Open {
		fmt.Fprintln(w, "  flat")
	}
	if p.CooldownUntil != "" {
		fmt.Fprintf(w, "  cooldown: signals are acted on again from %s\n", p.CooldownUntil)
	}
	for _, l := range p.Legs {
		fmt.Fprintf(w, "  %s: entered %s at %s on the signal of %s; last %s %s (%+.2f%%)\n",
			l.Symbol, l.EntryDate, fnum(l.EntryPrice), l.SignalDate, l.LastDate, fnum(l.LastClose), l.ReturnPct)
		var plan []string
		if l.HoldExit != "" {
			plan = append(plan, fmt.Sprintf("hold exit at the close of %s (%d days left)", l.HoldExit, *l.DaysLeft))
		}
		if l.TrailingStop != nil {
			plan = append(plan, "trailing stop "+fnum(*l.TrailingStop))
		}
		if l.StopLoss != nil {
			plan = append(plan, "stop loss "+fnum(*l.StopLoss))
		}
		if l.TakeProfit != nil {
			plan = append(plan, "take profit "+fnum(*l.TakeProfit))
		}
		if l.FailedBreakoutLevel != nil {
			plan = append(plan, "exit if the trigger closes below "+fnum(*l.FailedBreakoutLevel))
		}
		if len(plan) == 0 {
			plan = append(plan, "no exit rule: held to the end")
		}
		fmt.Fprintf(w, "    exit plan: %s\n", strings.Join(plan, "; "))
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nnotes")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  - %s\n", n)
	}
}
