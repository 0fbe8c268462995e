package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/results"
	runstore "github.com/riskon/riskon/results/store"
	"github.com/riskon/riskon/strategy/compare"
)

// compareCmd is `riskon compare RUN_OR_TRIAL...`.
func (a *app) compareCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "compare RUN_OR_TRIAL RUN_OR_TRIAL...",
		Short: "Compare runs and sweep trials side by side: the config keys that differ first, then metrics and evidence",
		Long: `Compare stored runs and sweep trials side by side. A run is its id or a
unique prefix (riskon runs); a sweep trial is SWEEP_ID:INDEX (or a unique
prefix of the sweep id, then :INDEX), as printed by riskon sweep. The config
keys whose values differ come first, then the metrics, the buy-and-hold
benchmark and the evidence. A sweep trial is recomputed in full from the
sweep's stored config and seed, so its evidence (intervals, random-entry
test, PSR) is complete, and its verdict names its selection.`,
		Example: `  riskon compare 20261121-193000-ab12cd 20261121-193500-cd34ef
  riskon compare r2k-grid-1a2b3c4d5e6f:39 r2k-grid-1a2b3c4d5e6f:12 --output markdown
  riskon compare RUN r2k-grid-1a2b3c4d5e6f:39 --output csv > cmp.csv`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json", "csv", "markdown"); err != nil {
				return err
			}
			c, err := a.compare(cmd.Context(), args)
			if err != nil {
				return err
			}
			switch output {
			case "json":
				return writeJSON(a.stdout, c)
			case "csv":
				return writeCompareCSV(a.stdout, c)
			case "markdown":
				writeCompareMarkdown(a.stdout, c)
				return nil
			}
			writeCompareTable(a.stdout, c)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table, json, csv or markdown")
	return cmd
}

func (a *app) compare(ctx context.Context, ids []string) (*compare.Comparison, error) {
	st, err := a.openResults(ctx, true)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rs := st.runs
	var items []compare.Item
	for _, id := range ids {
		var it *compare.Item
		if isTrialRef(id) {
			var rep *results.Report
			if rep, _, err = a.trialReport(ctx, st, id); err == nil {
				it, err = compare.NewItem(rep, "trial")
			}
		} else {
			it, err = loadRun(ctx, rs, id)
		}
		if err != nil {
			return nil, err
		}
		items = append(items, *it)
	}
	return compare.New(items), nil
}

func loadRun(ctx context.Context, rs *runstore.Store, id string) (*compare.Item, error) {
	rep, err := rs.Get(ctx, id)
	if err != nil {
		if errors.Is(err, runstore.ErrNotFound) {
			return nil, fmt.Errorf("%w (a sweep trial is SWEEP_ID:INDEX)", err)
		}
		return nil, err
	}
	return compare.NewItem(rep, "run")
}

func writeCompareTable(w io.Writer, c *compare.Comparison) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range c.HeaderRows() {
		fmt.Fprintf(tw, "%s\t%s\n", r.Key, strings.Join(r.Text, "\t"))
	}
	for _, s := range c.Sections() {
		fmt.Fprintf(tw, "\n%s\n", s.Title)
		if len(s.Rows) == 0 {
			fmt.Fprintln(tw, "  (none)")
		}
		for _, r := range s.Rows {
			fmt.Fprintf(tw, "  %s\t%s\n", r.Key, strings.Join(r.Text, "\t"))
		}
	}
	_ = tw.Flush()
	for _, it := range c.Items {
		if it.Evidence.TooFew {
			fmt.Fprintf(w, "WARNING %s: %s\n", it.ID, results.TooFewWarning(it.Evidence.Episodes))
		}
	}
}

func writeCompareMarkdown(w io.Writer, c *compare.Comparison) {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	fmt.Fprint(w, "| section | key |")
	for _, it := range c.Items {
		fmt.Fprintf(w, " %s |", esc(it.ID))
	}
	fmt.Fprint(w, "\n|---|---|")
	fmt.Fprint(w, strings.Repeat("---:|", len(c.Items)))
	fmt.Fprintln(w)
	for _, s := range c.Sections() {
		name := strings.SplitN(s.Title, ":", 2)[0]
		for _, r := range s.Rows {
			fmt.Fprintf(w, "| %s | %s |", name, esc(r.Key))
			for _, t := range r.Text {
				fmt.Fprintf(w, " %s |", esc(t))
			}
			fmt.Fprintln(w)
		}
	}
}

// writeCompareCSV writes section,key,value per item with raw numbers (empty
// when undefined), for spreadsheets and pandas.
func writeCompareCSV(w io.Writer, c *compare.Comparison) error {
	cw := csv.NewWriter(w)
	head := []string{"section", "key"}
	for _, it := range c.Items {
		head = append(head, it.ID)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	raw := func(v any) string {
		switch x := v.(type) {
		case results.Value:
			if !x.Valid() {
				return ""
			}
			return strconv.FormatFloat(float64(x), 'g', -1, 64)
		case [2]results.Value:
			if !x[0].Valid() {
				return ""
			}
			return fmt.Sprintf("%g;%g", float64(x[0]), float64(x[1]))
		case int:
			return strconv.Itoa(x)
		case bool:
			return strconv.FormatBool(x)
		case nil:
			return ""
		}
		return compare.ValueText(v)
	}
	for _, s := range c.Sections() {
		name := strings.SplitN(s.Title, ":", 2)[0]
		for _, r := range s.Rows {
			rec := []string{name, r.Key}
			for _, v := range r.Values {
				rec = append(rec, raw(v))
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
