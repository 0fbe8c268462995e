package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/study"
)

// studyCmd is `riskon study`: the event study of a config's signals.
func (a *app) studyCmd() *cobra.Command {
	var (
		file          string
		sets          []string
		horizons      []int
		halvingWindow int
		permutations  int
		bootstrap     int
		seed          uint64
		selection     string
		output        string
	)
	cmd := &cobra.Command{
		Use:   "study -c FILE [--set key=value]... [--horizons 7,30,90,180,365]",
		Short: "Event study: forward returns of the targets after each signal, against every other date",
		Long: `Replay a run config's strategy to collect its signals (acted on or not) and
measure each target's forward return at several horizons from the entry fill
(the next open after the signal, as the engine fills), before costs.

Per horizon: n, mean, median, hit rate, a bootstrap interval of the mean, the
unconditional mean over every eligible date of the window (every trigger
close), the excess, and a one-sided permutation p-value (the signal dates
shuffled among the eligible dates, K times, seeded).

By default only signals at least the largest horizon apart are studied
(--select non_overlapping), so their forward windows do not overlap; --select
acted keeps the signals the strategy acted on, --select all every signal.
Forward returns of consecutive dates overlap: the unconditional interval is a
stationary block bootstrap and the output says so.

Controls: the Bitcoin halvings (2012-11-28, 2016-07-09, 2020-05-11,
2024-04-20) run as a competing trigger; signals within --halving-window days
after a halving are marked; breakout, halving-timed, random and buy-and-hold
entries are put side by side.`,
		Example: `  riskon study -c configs/r2k_new_high_btc.yaml
  riskon study -c configs/r2k_breakout_alts.yaml --horizons 30,90,365 --output json
  riskon study -c configs/r2k_breakout_btc.yaml --select all --permutations 2000 --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			sel, err := study.ParseSelection(selection)
			if err != nil {
				return fmt.Errorf("--select: %w", err)
			}
			for _, h := range horizons {
				if h < 1 {
					return fmt.Errorf("--horizons %v: every horizon must be at least 1 day", horizons)
				}
			}
			if halvingWindow < 1 {
				return fmt.Errorf("--halving-window %d: want 1 or more days", halvingWindow)
			}
			if permutations < 1 || bootstrap < 1 {
				return fmt.Errorf("--permutations %d, --bootstrap %d: want 1 or more", permutations, bootstrap)
			}
			cfg, err := config.Load(file, config.LoadOptions{Sets: sets})
			if err != nil {
				return err
			}
			if err := config.Validate(cfg); err != nil {
				return err
			}
			if !cmd.Flags().Changed("seed") {
				seed = cfg.Seed
			}
			a.useConfigDB(cfg.Data.DB)
			ctx := cmd.Context()
			st, err := a.openStore(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			a.logger().Info("loading", "symbols", strategy.Symbols(cfg))
			ds, err := st.Load(ctx, strategy.Symbols(cfg))
			if err != nil {
				return err
			}
			a.logger().Info("event study", "horizons", horizons, "selection", sel, "permutations", permutations, "bootstrap", bootstrap)
			res, err := study.Run(ctx, cfg, ds, study.Options{
				Horizons: horizons, Selection: sel, HalvingWindow: halvingWindow,
				Permutations: permutations, Bootstrap: bootstrap, Seed: seed,
			})
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(a.stdout, res)
			}
			printStudy(a.stdout, res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "config", "c", "", "run config (YAML)")
	f.StringArrayVar(&sets, "set", nil, "override a config key: --set trigger.lookback=100 (repeatable)")
	f.IntSliceVar(&horizons, "horizons", study.DefaultHorizons(), "forward horizons in calendar days")
	f.IntVar(&halvingWindow, "halving-window", 365, "mark signals dated 0..N days after a Bitcoin halving")
	f.IntVar(&permutations, "permutations", 10000, "random signal sets per permutation test (K)")
	f.IntVar(&bootstrap, "bootstrap", 10000, "bootstrap resamples of the signals' mean")
	f.Uint64Var(&seed, "seed", 1, "seed of every random procedure (default: the config's seed)")
	f.StringVar(&selection, "select", string(study.NonOverlapping), "which signals: non_overlapping, acted or all")
	f.StringVarP(&output, "output", "o", "table", "table or json")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

// printStudy writes the human summary of an event study.
func printStudy(w io.Writer, s *study.Study) {
	if s.Synthetic {
		fmt.Fprintln(w, "*** SYNTHETIC DATA: generated prices, not market history ***")
	}
	fmt.Fprintf(w, "event study %s   config %s   data %s\n", s.Name, short(s.ConfigHash), short(s.DataFingerprint))
	fmt.Fprintf(w, "trigger %s -> %s   window %s .. %s   entry %s after the signal, returns before costs\n",
		s.Trigger, strings.Join(s.Targets, ", "), s.Window.Start, s.Window.End, s.Fill)
	sel := s.Selection
	if s.MinSpacingDays > 0 {
		sel = fmt.Sprintf("%s: at least %d days apart", sel, s.MinSpacingDays)
	}
	fmt.Fprintf(w, "signals: %d in the window, %d studied (%s); eligible dates: %d %s closes\n",
		s.Signals, s.Selected, sel, s.EligibleDates, s.Trigger)
	fmt.Fprintf(w, "%.0f%% intervals; %d permutations, %d bootstrap resamples, seed %d\n", 100*s.CILevel, s.Permutations, s.Bootstrap, s.Seed)

	for _, t := range s.Results {
		bh := t.BuyAndHold
		fmt.Fprintf(w, "\n%s   buy and hold %s .. %s: %s over %d days\n", t.Target, bh.Start, bh.End, pct(bh.Return), bh.Days)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		pHead := "p"
		if len(t.Horizons) > 0 && t.Horizons[0].Breakout.PMethod != "" {
			pHead = "p (" + t.Horizons[0].Breakout.PMethod + ")"
		}
		fmt.Fprintf(tw, "horizon\tn\tpast end\tindep\tmean\tmedian\thit rate\tinterval of mean\trandom mean\trandom interval (block)\texcess\t%s\tHolm p (%d horizons)\t\n", pHead, len(t.Horizons))
		for _, h := range t.Horizons {
			b, u := h.Breakout, h.Random
			fmt.Fprintf(tw, "%dd\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s (%s)\t%s\t%s\t%s\t\n", h.Days, b.N, b.PastEnd, b.Independent,
				pct(b.Mean), pct(b.Median), pct(b.HitRate), studyInterval(b.MeanCI), pct(u.Mean), studyInterval(u.MeanCI), num(u.Block),
				pct(b.Excess), num(b.P), num(b.PHolm))
		}
		tw.Flush()
		if len(t.Horizons) > 0 && t.Horizons[len(t.Horizons)-1].Breakout.TooFew {
			h := t.Horizons[len(t.Horizons)-1].Breakout
			fmt.Fprintf(w, "WARNING: %d independent samples at %d days (fewer than %d): too few to tell an effect from chance\n",
				h.Independent, t.Horizons[len(t.Horizons)-1].Days, results.MinSamples)
		}
	}

	fmt.Fprintln(w, "\nside by side: mean forward return (n); random = every eligible date; buy & hold = the window's return compounded per horizon")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\thorizon\tbreakout\tafter halving\tnot after halving\thalving\trandom\tbuy & hold\t")
	for _, t := range s.Results {
		for _, h := range t.Horizons {
			fmt.Fprintf(tw, "%s\t%dd\t%s\t%s\t%s\t%s\t%s\t%s\t\n", t.Target, h.Days, studyMeanN(h.Breakout), studyMeanN(h.AfterHalving),
				studyMeanN(h.NotAfterHalving), studyMeanN(h.Halving), fmt.Sprintf("%s (%d)", pct(h.Random.Mean), h.Random.N), pct(h.BuyAndHold))
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "halvings used as a trigger: %s; \"after halving\" = signal dated 0..%d days after one\n",
		strings.Join(s.Halvings, ", "), s.HalvingWindow)

	printStudyRows(w, s)
	fmt.Fprintln(w, "\nnotes:")
	for _, n := range s.Notes {
		fmt.Fprintf(w, "  - %s\n", n)
	}
	if s.Synthetic {
		fmt.Fprintln(w, "*** SYNTHETIC DATA ***")
	}
}

// printStudyRows writes the per-signal forward returns of the studied
// signals (every signal under --select all) and the halving entries.
func printStudyRows(w io.Writer, s *study.Study) {
	const maxRows = 40
	for ti, target := range s.Targets {
		fmt.Fprintf(w, "\nper-signal forward returns: %s\n", target)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		head := "entry\tdate\tlevel\tacted\tafter halving\t"
		for _, h := range s.Horizons {
			head += fmt.Sprintf("%dd\t", h)
		}
		fmt.Fprintln(tw, head)
		shown := 0
		rows := func(kind string, rs []study.Row) {
			for _, r := range rs {
				if !r.Selected {
					continue
				}
				if shown == maxRows {
					fmt.Fprintf(tw, "... more rows: use --output json\t\n")
				}
				shown++
				if shown > maxRows {
					continue
				}
				ah := "no"
				if r.DaysAfterHalving != nil && r.AfterHalving {
					ah = fmt.Sprintf("yes (%dd)", *r.DaysAfterHalving)
				}
				acted := fmt.Sprint(r.Acted)
				if kind == "halving" {
					acted, ah = "-", "-"
				}
				line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t", kind, r.Date, price(r.Level), acted, ah)
				if ti < len(r.Returns) {
					for _, v := range r.Returns[ti].Returns {
						line += pct(v) + "\t"
					}
				}
				fmt.Fprintln(tw, line)
			}
		}
		rows("breakout", s.Rows)
		rows("halving", s.HalvingRows)
		tw.Flush()
	}
	if n := s.Signals - s.Selected; n > 0 {
		fmt.Fprintf(w, "(%d signals not studied under %s are in --output json with selected: false)\n", n, s.Selection)
	}
}

func studyMeanN(e study.EventStats) string {
	if e.N == 0 {
		return "- (0)"
	}
	return fmt.Sprintf("%s (%d)", pct(e.Mean), e.N)
}

func studyInterval(ci [2]results.Value) string {
	if !ci[0].Valid() || !ci[1].Valid() {
		return "n/a"
	}
	return fmt.Sprintf("[%s, %s]", pct(ci[0]), pct(ci[1]))
}
