package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot/vg"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/chart"
	"github.com/riskon/riskon/results/html"
)

// plotKinds are the charts `riskon plot` draws, with what each needs.
var plotKinds = []struct{ kind, what string }{
	{"equity", "RUN: equity against buy-and-hold (log scale); several RUNs: their equity curves overlaid"},
	{"drawdown", "RUN: underwater drawdown against buy-and-hold; several RUNs: their drawdowns overlaid"},
	{"overlay", "RUN: trigger and targets normalised to 100, breakouts marked, holding windows shaded"},
	{"study", "RUN: event study, mean forward path after the signals with its band, each path faint"},
	{"trigger", "RUN: the trigger alone with its breakouts and the holding windows"},
	{"rolling", "RUN: 365-day rolling Sharpe ratio of the daily returns"},
	{"trade-returns", "RUN: histogram of the trade returns"},
	{"heatmap", "SWEEP: a metric over two swept parameters"},
	{"sharpes", "SWEEP: distribution of the trial Sharpe ratios with the deflated-Sharpe threshold"},
}

// plotCmd is `riskon plot RUN --kind KIND --out FILE.png|.svg`.
func (a *app) plotCmd() *cobra.Command {
	var (
		kind, out, title string
		width, height    float64
		dpi              int
		q                sweepQuery
	)
	var kinds []string
	var help strings.Builder
	for _, k := range plotKinds {
		kinds = append(kinds, k.kind)
		fmt.Fprintf(&help, "  %-9s %s\n", k.kind, k.what)
	}
	cmd := &cobra.Command{
		Use:   "plot RUN [RUN...] --kind " + strings.Join(kinds, "|") + " --out FILE.png|.svg",
		Short: "Write one chart of a run, a sweep or several runs as PNG or SVG",
		Long: `Write one chart as a PNG or SVG file, for papers and notebooks. The format
follows the file's extension. Kinds:

` + help.String() + `
The charts are the ones of 'riskon report', in the same style.`,
		Example: `  riskon plot 20261121-19 --kind overlay --out out/breakouts.png
  riskon plot 20261121-19 --kind equity --out out/equity.svg --width 500 --height 250
  riskon plot RUN_A RUN_B --kind equity --out out/compare.png`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if out == "" {
				return errors.New("--out FILE.png|.svg is required")
			}
			format, err := chart.ParseFormat(out)
			if err != nil {
				return fmt.Errorf("--out %s: want a .png or .svg file", out)
			}
			known := false
			for _, k := range kinds {
				known = known || k == kind
			}
			if !known {
				return fmt.Errorf("--kind %q: want one of %s", kind, strings.Join(kinds, ", "))
			}
			if width < 0 || height < 0 || width > 5000 || height > 5000 {
				return fmt.Errorf("--width %g --height %g: want sizes in points between 1 and 5000 (0 = default)", width, height)
			}
			if dpi < 0 || dpi > 1200 {
				return fmt.Errorf("--dpi %d: want 1 to 1200 (0 = default)", dpi)
			}
			opt := chart.Options{Title: title, Width: vg.Length(width), Height: vg.Length(height), DPI: dpi}
			st, err := a.openResults(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			var c *chart.Chart
			switch {
			case kind == html.Heatmap || kind == html.Sharpes:
				if len(args) != 1 {
					return fmt.Errorf("--kind %s draws one sweep, got %d ids", kind, len(args))
				}
				sw, err := a.sweepPage(ctx, st.sweeps, args[0], q)
				if errors.Is(err, errNoSweep) {
					return fmt.Errorf("--kind %s needs a sweep: %w (sweeps are listed by 'riskon sweep')", kind, err)
				}
				if err != nil {
					return err
				}
				if opt.Title == "" {
					opt.Title = orID(sw.Name, sw.ID)
				}
				c, err = html.SweepChart(*sw, kind, opt)
				if err != nil {
					return fmt.Errorf("plot %s of sweep %s: %w", kind, args[0], err)
				}
			case len(args) > 1:
				if kind != html.Equity && kind != html.Drawdown {
					return fmt.Errorf("--kind %s draws one run; several runs can be compared with --kind equity or drawdown", kind)
				}
				var reps []*results.Report
				for _, arg := range args {
					rep, err := a.loadReport(ctx, st, arg)
					if err != nil {
						return err
					}
					reps = append(reps, rep)
				}
				c, err = html.CompareChart(reps, kind, opt)
				if err != nil {
					return fmt.Errorf("plot %s of %d runs: %w", kind, len(reps), err)
				}
			default:
				rep, err := a.loadReport(ctx, st, args[0])
				if err != nil {
					return err
				}
				page := a.runPageOf(ctx, st.Store, rep, nil)
				if opt.Title == "" {
					opt.Title = page.Report.Name
					if page.Report.Synthetic {
						opt.Title += " (SYNTHETIC DATA)"
					}
				}
				c, err = html.RunChart(page, kind, opt)
				if err != nil {
					msg := fmt.Errorf("plot %s of run %s: %w", kind, page.Report.RunID, err)
					if len(page.Notes) > 0 {
						return fmt.Errorf("%w (%s)", msg, strings.Join(page.Notes, " "))
					}
					return msg
				}
			}
			if err := writeFileAtomic(out, func(w io.Writer) error { return c.Write(w, format) }); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&kind, "kind", "k", "equity", "chart: "+strings.Join(kinds, ", "))
	cmd.Flags().StringVarP(&out, "out", "o", "", "output file, .png or .svg (required)")
	cmd.Flags().StringVar(&title, "title", "", "chart title (default: the run's or sweep's name)")
	cmd.Flags().Float64Var(&width, "width", 0, "width in points (default 720 = 10 inches)")
	cmd.Flags().Float64Var(&height, "height", 0, "height in points (default 300)")
	cmd.Flags().IntVar(&dpi, "dpi", 0, "PNG resolution (default 144)")
	cmd.Flags().StringVar(&q.X, "x", "", "heatmap: swept key on the x axis (default: the sweep's first key)")
	cmd.Flags().StringVar(&q.Y, "y", "", "heatmap: swept key on the y axis (default: the sweep's second key)")
	cmd.Flags().StringVar(&q.Metric, "metric", "", "heatmap: metric to colour by (default: the sweep's rank_by)")
	return cmd
}
