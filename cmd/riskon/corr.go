package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/internal/numfmt"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/corr"
)

// corrOutput is the JSON of `riskon corr` (a contract: docs/STUDY.md).
type corrOutput struct {
	Pairs []*corr.Pair `json:"pairs"`
}

// corrCmd is `riskon corr`: correlation and lead-lag of returns.
func (a *app) corrCmd() *cobra.Command {
	var (
		symA   string
		symsB  []string
		freqNm string
		clock  string
		since  string
		until  string
		window int
		lags   int
		output string
	)
	cmd := &cobra.Command{
		Use:   "corr --a RUT --b BTC[,ETH,...] [--freq daily|weekly|monthly]",
		Short: "Correlation and lead-lag of returns between a series and others, across calendars",
		Long: `Correlate the log returns of --a with each series of --b: Pearson with a
Fisher-z interval and n, Spearman, a rolling correlation (--window samples),
cross-correlations at lags -K..K (--lags; a positive lag means --a leads)
with the approximate 95% band ±1.96/√n, and the "normalised to 100" table of
monthly closes (first month = 100).

Series on different calendars are sampled at a common clock. daily, with
--clock date (the default): each NYSE session close with the crypto bar of
the same date, which closes at midnight UTC, 3 to 4 hours later, so both
returns cover nearly the same hours; with --clock asof: each NYSE session
close with the crypto close known at that instant (the last crypto bar
closed at or before it, the previous UTC day's), which shifts the crypto
return about 20 hours earlier and moves a same-day co-movement to lag +1.
The clock used is printed. weekly/monthly: the last close of each ISO week
or month (--clock does not apply).

The correlation of price levels is printed beside the return correlation:
for trending series it is spurious, and the output says so.

A --b item of several symbols joined by "+" (SOL+ADA+XRP) is an equal-weight
basket of them, rebalanced daily, on the dates all of them have.`,
		Example: `  riskon corr --a RUT --b BTC,ETH
  riskon corr --a RUT --b BTC --clock asof
  riskon corr --a RUT --b BTC,ETH --freq monthly --since 2021-01-01
  riskon corr --a RUT --b SOL+ADA+XRP+DOGE+LINK+AVAX+DOT+LTC --freq weekly --lags 8 --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			freq, err := corr.ParseFreq(freqNm)
			if err != nil {
				return fmt.Errorf("--freq: %w", err)
			}
			ck, err := corr.ParseClock(clock)
			if err != nil {
				return fmt.Errorf("--clock: %w", err)
			}
			if freq != corr.Daily && cmd.Flags().Changed("clock") {
				return fmt.Errorf("--clock %s: applies to --freq daily only (weekly and monthly samples pair period closes)", clock)
			}
			opts := corr.Options{Freq: freq, Window: window, Lags: lags, Clock: ck}
			if window == 0 {
				opts.Window = corr.DefaultWindow(freq)
			}
			if window < 0 || lags < 0 {
				return fmt.Errorf("--window %d, --lags %d: want 0 or more", window, lags)
			}
			if since != "" {
				if opts.Since, err = data.ParseDate(since); err != nil {
					return fmt.Errorf("--since: %w", err)
				}
				opts.HasSince = true
			}
			if until != "" {
				if opts.Until, err = data.ParseDate(until); err != nil {
					return fmt.Errorf("--until: %w", err)
				}
				opts.HasUntil = true
			}
			if opts.HasSince && opts.HasUntil && opts.Until < opts.Since {
				return fmt.Errorf("--until %s is before --since %s", until, since)
			}
			if strings.TrimSpace(symA) == "" || len(symsB) == 0 {
				return fmt.Errorf("--a and --b are required, e.g. --a RUT --b BTC,ETH")
			}
			need := []string{symA}
			var baskets [][]string
			for _, b := range symsB {
				parts := strings.Split(b, "+")
				for _, p := range parts {
					if strings.TrimSpace(p) == "" {
						return fmt.Errorf("--b %q: empty symbol", b)
					}
				}
				baskets = append(baskets, parts)
				need = append(need, parts...)
			}
			slices.Sort(need)
			need = slices.Compact(need)

			ctx := cmd.Context()
			st, err := a.openStore(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			ds, err := st.Load(ctx, need)
			if err != nil {
				return err
			}
			out := corrOutput{Pairs: []*corr.Pair{}}
			sa := ds.Get(symA)
			for i, parts := range baskets {
				sb := ds.Get(parts[0])
				if len(parts) > 1 {
					ser := make([]*data.Series, len(parts))
					for k, p := range parts {
						ser[k] = ds.Get(p)
					}
					if sb, err = corr.Basket(symsB[i], ser); err != nil {
						return err
					}
				}
				p, err := corr.Analyze(sa, sb, opts)
				if err != nil {
					return err
				}
				out.Pairs = append(out.Pairs, p)
			}
			if output == "json" {
				return writeJSON(a.stdout, out)
			}
			if ds.Synthetic {
				fmt.Fprintln(a.stdout, "*** SYNTHETIC DATA: generated prices, not market history ***")
			}
			printCorr(a.stdout, out.Pairs)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&symA, "a", "RUT", "first series (positive lags: it leads)")
	f.StringSliceVar(&symsB, "b", nil, "second series, comma separated; A+B+C is an equal-weight basket")
	f.StringVar(&freqNm, "freq", "daily", "daily, weekly or monthly")
	f.StringVar(&clock, "clock", "date", "daily pairing: date (the other series' bar of the same date) or asof (its last bar closed by then)")
	f.StringVar(&since, "since", "", "first date (YYYY-MM-DD)")
	f.StringVar(&until, "until", "", "last date (YYYY-MM-DD)")
	f.IntVar(&window, "window", 0, "rolling window in samples (0: 90 daily, 52 weekly, 12 monthly)")
	f.IntVar(&lags, "lags", 10, "cross-correlations at lags -K..K")
	f.StringVarP(&output, "output", "o", "table", "table or json")
	_ = cmd.MarkFlagRequired("b")
	return cmd
}

// printCorr writes each pair's correlations, lead-lag and rolling summary,
// then the normalised table of every pair.
func printCorr(w io.Writer, pairs []*corr.Pair) {
	for i, p := range pairs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s vs %s   %s   %s .. %s\n", p.A, p.B, p.Freq, p.Since, p.Until)
		fmt.Fprintf(w, "  clock: %s\n", p.Clock)
		fmt.Fprintf(w, "  log returns:  n %d   pearson %s  %.0f%% interval [%s, %s] (Fisher z)   spearman %s\n",
			p.N, num(p.Pearson), 100*p.CILevel, num(p.PearsonCI[0]), num(p.PearsonCI[1]), num(p.Spearman))
		fmt.Fprintf(w, "  price levels: n %d   pearson %s   <- spurious for trending series; not evidence of co-movement\n",
			p.LevelN, num(p.LevelPearson))
		if len(p.Lags) > 0 {
			fmt.Fprintf(w, "  lead-lag r(k) = corr(%s_t, %s_t+k), k > 0: %s leads; * outside ±%s (approx. 95%% band)\n",
				p.A, p.B, p.A, num(p.LagBand))
			tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
			var l1, l2 strings.Builder
			l1.WriteString("  lag\t")
			l2.WriteString("  r\t")
			for _, l := range p.Lags {
				mark := ""
				if l.R.Valid() && math.Abs(float64(l.R)) > float64(p.LagBand) {
					mark = "*"
				}
				fmt.Fprintf(&l1, "%d\t", l.Lag)
				fmt.Fprintf(&l2, "%s%s\t", corrNum(l.R), mark)
			}
			fmt.Fprintln(tw, l1.String())
			fmt.Fprintln(tw, l2.String())
			tw.Flush()
		}
		if len(p.Rolling) > 0 {
			printRolling(w, p)
		}
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  NOTE: %s\n", n)
		}
	}
	printNormalised(w, pairs)
	if len(pairs) > 0 {
		fmt.Fprintf(w, "\nnote: %s\n", pairs[0].Warning)
	}
}

// corrNum formats a correlation with two decimals.
func corrNum(v results.Value) string { return numfmt.Fixed(v, 2) }

// printRolling summarises the rolling correlation: its range and its value
// at the end of each year.
func printRolling(w io.Writer, p *corr.Pair) {
	var vals []float64
	for _, r := range p.Rolling {
		if r.R.Valid() {
			vals = append(vals, float64(r.R))
		}
	}
	if len(vals) == 0 {
		return
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	last := p.Rolling[len(p.Rolling)-1]
	fmt.Fprintf(w, "  rolling %d-sample correlation of returns: min %.2f, median %.2f, max %.2f, last %.2f (%s)\n",
		p.Window, s[0], s[len(s)/2], s[len(s)-1], float64(last.R), last.Date)
	var b strings.Builder
	for i, r := range p.Rolling {
		if i+1 < len(p.Rolling) && p.Rolling[i+1].Date[:4] == r.Date[:4] {
			continue
		}
		fmt.Fprintf(&b, " %s %s", r.Date[:4], corrNum(r.R))
	}
	fmt.Fprintf(w, "    at each year's end:%s\n", b.String())
}

// printNormalised writes the monthly closes of a and every b, each rebased
// to 100 at the first month all pairs share.
func printNormalised(w io.Writer, pairs []*corr.Pair) {
	if len(pairs) == 0 {
		return
	}
	first := ""
	for _, p := range pairs {
		if len(p.Normalised) == 0 {
			return
		}
		if m := p.Normalised[0].Month; m > first {
			first = m
		}
	}
	type col struct {
		byMonth map[string]results.Value
		base    results.Value
	}
	cols := make([]col, len(pairs)+1)
	var months []string
	for i, p := range pairs {
		c := col{byMonth: map[string]results.Value{}}
		for _, r := range p.Normalised {
			if r.Month < first {
				continue
			}
			c.byMonth[r.Month] = r.B
			if i == 0 {
				if cols[0].byMonth == nil {
					cols[0].byMonth = map[string]results.Value{}
				}
				cols[0].byMonth[r.Month] = r.A
				months = append(months, r.Month)
			}
		}
		cols[i+1] = c
	}
	for i := range cols {
		cols[i].base = cols[i].byMonth[first]
	}
	fmt.Fprintf(w, "\nnormalised to 100 at %s (last close of each month)\n", first)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "month\t" + pairs[0].A + "\t"
	for _, p := range pairs {
		head += p.B + "\t"
	}
	fmt.Fprintln(tw, head)
	for _, m := range months {
		line := m + "\t"
		for _, c := range cols {
			v, ok := c.byMonth[m]
			if !ok || !v.Valid() || !c.base.Valid() || c.base == 0 {
				line += "-\t"
				continue
			}
			line += fmt.Sprintf("%.0f\t", 100*float64(v)/float64(c.base))
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
}
