package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/quality"
	"github.com/riskon/riskon/data/store"
)

// checkSources opens the stores `data check` reads from: the database
// (read-only, only when a stored symbol is needed) and an in-memory one for
// files.
type checkSources struct {
	a     *app
	db    *store.Store
	mem   *store.Store
	fmtNm string
}

func (c *checkSources) close() {
	if c.db != nil {
		c.db.Close()
	}
	if c.mem != nil {
		c.mem.Close()
	}
}

// checkIsFile reports whether arg names an existing file: a regular file, or
// a stream such as a named pipe or bash's <(...), read once (a file wins
// over a stored symbol of the same name; write ./NAME to be explicit).
func checkIsFile(arg string) bool {
	st, err := os.Stat(arg)
	return err == nil && !st.IsDir()
}

func (c *checkSources) store(ctx context.Context) (*store.Store, error) {
	if c.db == nil {
		st, err := c.a.openStore(ctx, true)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data check: no database at %s (import or fetch data first, or check files)", c.a.dbPath())
		}
		if err != nil {
			return nil, err
		}
		c.db = st
	}
	return c.db, nil
}

// input loads a stored symbol or reads a file into a quality input. cal is
// the calendar for a file (a stored symbol has its own).
func (c *checkSources) input(ctx context.Context, arg string, cal data.Calendar) (quality.Input, error) {
	if checkIsFile(arg) {
		if c.mem == nil {
			m, err := store.OpenMemory(ctx)
			if err != nil {
				return quality.Input{}, err
			}
			c.mem = m
		}
		fb, err := c.mem.ReadFile(ctx, arg, store.ReadOptions{Format: c.fmtNm})
		if err != nil {
			return quality.Input{}, err
		}
		return quality.Input{Symbol: arg, Calendar: cal, Source: "format " + fb.Format, Bars: fb.Bars, SinglePrice: fb.SinglePrice}, nil
	}
	st, err := c.store(ctx)
	if err != nil {
		return quality.Input{}, err
	}
	ds, err := st.Load(ctx, []string{arg})
	if err != nil {
		return quality.Input{}, fmt.Errorf("data check: %w (or give a file path)", err)
	}
	in := quality.InputFromSeries(ds.Get(arg))
	if o, ok, err := st.OriginOf(ctx, arg); err != nil {
		return quality.Input{}, err
	} else if ok && (o.Source == "derived:weekly" || o.Source == "derived:monthly") {
		in.Period = strings.TrimPrefix(o.Source, "derived:")
	}
	return in, nil
}

// dataCheckCmd is `riskon data check`.
func (a *app) dataCheckCmd() *cobra.Command {
	var (
		output, calName, fmtNm string
		against                []string
		opts                   quality.Options
		fail                   bool
	)
	cmd := &cobra.Command{
		Use:   "check [SYM|FILE...] [--against FILE|SYM]...",
		Short: "Report the quality of stored symbols or CSV files",
		Long: `Check daily series and report, per symbol or file:

  missing     sessions the calendar schedules between the first and last bar
              that have no bar (nyse: weekdays less NYSE holidays and special
              closures such as 9/11 and Hurricane Sandy; 24x7: every day)
  extra       bars on days without a session (weekends, holidays)
  duplicates  dates that appear twice (files only: the store forbids them)
  stale       runs of >= --stale identical closes
  flat        bars with open = high = low = close (not for single-price series)
  ohlc        high < low, or open/close outside [low, high]
  outliers    log returns with a robust z-score (median and MAD over +-45 bars)
              of at least --z; "reverted" when the next return undoes it (a
              spike: likely a bad print), clusters show bad stretches
  last bar    signs of a provisional last bar: volume 0 or far below the
              recent median, more decimals than the series uses
  --against   the median, 95th percentile and maximum of |close/other - 1| on
              common dates, the periods where they differ by more than
              --disagree, and the day shift that agrees best (a lagged source)

With no arguments every stored symbol is checked. An argument naming an
existing file is read like an import (format detected, --format to force) with
--calendar; anything else is a stored symbol.`,
		Example: `  riskon data check
  riskon data check RUT BTC --output json
  riskon data check ../shared/data/raw/quanhua92_aipriceaction/crypto_data/BTC/1D.csv --against BTC
  riskon data check ../shared/data/raw/alitalbi_storage_data_fy/^VIX.csv --calendar nyse`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			ctx := cmd.Context()
			cal, err := data.ParseCalendar(calName)
			if err != nil {
				return fmt.Errorf("data check: --calendar: %w", err)
			}
			src := &checkSources{a: a, fmtNm: fmtNm}
			defer src.close()
			if len(args) == 0 {
				st, err := src.store(ctx)
				if err != nil {
					return err
				}
				infos, err := st.List(ctx)
				if err != nil {
					return err
				}
				for _, si := range infos {
					args = append(args, si.Symbol)
				}
				if len(args) == 0 {
					return fmt.Errorf("data check: no symbols in %s", a.dbPath())
				}
			}
			var reports []*quality.Report
			for _, arg := range args {
				in, err := src.input(ctx, arg, cal)
				if err != nil {
					return err
				}
				rep := quality.Check(in, opts)
				for _, other := range against {
					if other == arg {
						continue
					}
					oin, err := src.input(ctx, other, in.Calendar)
					if err != nil {
						return err
					}
					quality.Compare(rep, in, oin, opts)
				}
				reports = append(reports, rep)
			}
			if output == "json" {
				if err := writeJSON(a.stdout, struct {
					Reports []*quality.Report `json:"reports"`
				}{reports}); err != nil {
					return err
				}
			} else {
				printCheck(a.stdout, reports)
			}
			if fail {
				var bad []string
				for _, r := range reports {
					if len(r.Findings) > 0 {
						bad = append(bad, r.Symbol)
					}
				}
				if len(bad) > 0 {
					return fmt.Errorf("data check: findings in %d of %d series: %s", len(bad), len(reports), strings.Join(bad, ", "))
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	f.StringArrayVar(&against, "against", nil, "compare with another source: a file or a stored symbol (repeatable)")
	f.StringVar(&calName, "calendar", "24x7", `calendar of files: nyse, 24x7 or "ZONE HH:MM-HH:MM"`)
	f.StringVar(&fmtNm, "format", "auto", "CSV layout of files")
	f.IntVar(&opts.StaleRun, "stale", 4, "shortest run of identical closes reported as stale")
	f.Float64Var(&opts.OutlierZ, "z", 10, "robust z-score of a log return that makes it an outlier")
	f.Float64Var(&opts.Disagree, "disagree", 0.05, "relative close difference above which two sources disagree")
	f.IntVar(&opts.Examples, "examples", 10, "examples listed per finding (JSON)")
	f.BoolVar(&fail, "fail", false, "exit with an error when any series has findings")
	return cmd
}

func printCheck(w io.Writer, reports []*quality.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "symbol\tcalendar\tbars\tfirst\tlast\tmissing\textra\tdup\tflat\tohlc\tstale\toutliers\tvol 0\tlast bar")
	for _, r := range reports {
		last := "ok"
		if r.LastBar.Provisional {
			last = "PROVISIONAL?"
		}
		flat := fmt.Sprint(r.Flat.Count)
		if r.SinglePrice {
			flat = "single price"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%s\n", r.Symbol, r.Calendar, r.Bars, r.First, r.Last,
			r.Missing.Count, r.Extra.Count, r.Duplicates.Count, flat, r.OHLC.Count, r.Stale.Runs, r.Outliers.Count, r.ZeroVolume.Count, last)
	}
	tw.Flush()
	for _, r := range reports {
		if len(r.Findings) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", r.Symbol)
		for _, f := range r.Findings {
			fmt.Fprintf(w, "  - %s\n", f)
		}
	}
}
