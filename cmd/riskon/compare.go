package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/results"
	runstore "github.com/riskon/riskon/results/store"
	"github.com/riskon/riskon/strategy/config"
)

// compareItem is one run or sweep trial being compared.
type compareItem struct {
	ID              string          `json:"id"`
	Kind            string          `json:"kind"` // run | trial
	Name            string          `json:"name"`
	ConfigHash      string          `json:"config_hash"`
	DataFingerprint string          `json:"data_fingerprint"`
	Synthetic       bool            `json:"synthetic"`
	Config          json.RawMessage `json:"config"`
	metrics         results.Metrics
	bench           results.Metrics
	evidence        results.Evidence
	flat            map[string]any // config key -> value
}

// compareRow is one line of the comparison: a key and its value per item.
type compareRow struct {
	Key    string `json:"key"`
	Values []any  `json:"values"`
	text   []string
}

// comparison is the JSON output of compare.
type comparison struct {
	Items []compareItem `json:"items"`
	// ConfigDiff lists the config keys whose values differ, first; ConfigSame
	// the keys equal in every item.
	ConfigDiff []compareRow `json:"config_diff"`
	ConfigSame []string     `json:"config_same"`
	Metrics    []compareRow `json:"metrics"`
	Benchmark  []compareRow `json:"benchmark"`
	Evidence   []compareRow `json:"evidence"`
}

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

func (a *app) compare(ctx context.Context, ids []string) (*comparison, error) {
	st, err := a.openResults(ctx, true)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rs := st.runs
	c := &comparison{}
	for _, id := range ids {
		var it *compareItem
		if isTrialRef(id) {
			var rep *results.Report
			if rep, _, err = a.trialReport(ctx, st, id); err == nil {
				it, err = reportItem(rep, "trial")
			}
		} else {
			it, err = loadRun(ctx, rs, id)
		}
		if err != nil {
			return nil, err
		}
		c.Items = append(c.Items, *it)
	}
	c.build()
	return c, nil
}

func loadRun(ctx context.Context, rs *runstore.Store, id string) (*compareItem, error) {
	rep, err := rs.Get(ctx, id)
	if err != nil {
		if errors.Is(err, runstore.ErrNotFound) {
			return nil, fmt.Errorf("%w (a sweep trial is SWEEP_ID:INDEX)", err)
		}
		return nil, err
	}
	return reportItem(rep, "run")
}

// reportItem is one column of a comparison: a stored run's report, or a
// sweep trial's recomputed in full (trialReport).
func reportItem(rep *results.Report, kind string) (*compareItem, error) {
	it := &compareItem{ID: rep.RunID, Kind: kind, Name: rep.Name, ConfigHash: rep.ConfigHash, DataFingerprint: rep.DataFingerprint,
		Synthetic: rep.Synthetic, Config: rep.Config, metrics: rep.Metrics, bench: rep.Benchmark, evidence: rep.Evidence}
	if len(rep.Config) > 0 {
		var cfg config.Config
		if err := json.Unmarshal(rep.Config, &cfg); err != nil {
			return nil, fmt.Errorf("run %s: stored config: %w", rep.RunID, err)
		}
		it.flat = flattenConfig(cfg)
	}
	return it, nil
}

// flattenConfig maps every config key (dotted path) to its JSON value; the
// name is left out (it names the run, it does not change it).
func flattenConfig(c config.Config) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(config.Canonical(c), &m)
	out := map[string]any{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if mm, ok := v.(map[string]any); ok {
			for k, x := range mm {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, x)
			}
			return
		}
		out[prefix] = v
	}
	walk("", m)
	delete(out, "name")
	return out
}

func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		if x == "" {
			return `""`
		}
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// build fills the rows: config keys in config.Keys order, differing first.
func (c *comparison) build() {
	keys := config.Keys()
	c.ConfigSame = []string{}
	c.ConfigDiff = []compareRow{}
	for _, k := range keys {
		if k == "name" || k == "data.db" {
			continue
		}
		row := compareRow{Key: k}
		differ := false
		for i, it := range c.Items {
			var v any
			if it.flat != nil {
				v = it.flat[k]
			}
			row.Values = append(row.Values, v)
			row.text = append(row.text, valueText(v))
			if i > 0 && !reflect.DeepEqual(v, row.Values[0]) {
				differ = true
			}
		}
		if differ {
			c.ConfigDiff = append(c.ConfigDiff, row)
		} else {
			c.ConfigSame = append(c.ConfigSame, k)
		}
	}
	metric := func(name string, get func(results.Metrics) results.Value, text func(results.Value) string, bench bool) compareRow {
		r := compareRow{Key: name}
		for _, it := range c.Items {
			m := it.metrics
			if bench {
				m = it.bench
			}
			v := get(m)
			r.Values = append(r.Values, v)
			r.text = append(r.text, text(v))
		}
		return r
	}
	intRow := func(name string, get func(*compareItem) int) compareRow {
		r := compareRow{Key: name}
		for i := range c.Items {
			v := get(&c.Items[i])
			r.Values = append(r.Values, v)
			r.text = append(r.text, strconv.Itoa(v))
		}
		return r
	}
	for _, bench := range []bool{false, true} {
		rows := []compareRow{
			metric("total_return", func(m results.Metrics) results.Value { return m.TotalReturn }, pct, bench),
			metric("cagr", func(m results.Metrics) results.Value { return m.CAGR }, pct, bench),
			metric("volatility", func(m results.Metrics) results.Value { return m.Volatility }, pct, bench),
			metric("sharpe", func(m results.Metrics) results.Value { return m.Sharpe }, num, bench),
			metric("sortino", func(m results.Metrics) results.Value { return m.Sortino }, num, bench),
			metric("calmar", func(m results.Metrics) results.Value { return m.Calmar }, num, bench),
			metric("max_drawdown", func(m results.Metrics) results.Value { return m.MaxDrawdown }, pct, bench),
			metric("exposure", func(m results.Metrics) results.Value { return m.Exposure }, pct, bench),
			metric("win_rate", func(m results.Metrics) results.Value { return m.WinRate }, pct, bench),
			metric("avg_trade_return", func(m results.Metrics) results.Value { return m.AvgTradeReturn }, pct, bench),
			metric("profit_factor", func(m results.Metrics) results.Value { return m.ProfitFactor }, num, bench),
			metric("final_equity", func(m results.Metrics) results.Value { return m.FinalEquity }, money, bench),
		}
		if bench {
			c.Benchmark = rows
		} else {
			c.Metrics = append(rows, intRow("trades", func(it *compareItem) int { return it.metrics.Trades }),
				intRow("max_drawdown_days", func(it *compareItem) int { return it.metrics.MaxDrawdownDays }),
				intRow("days", func(it *compareItem) int { return it.metrics.Days }))
		}
	}
	ev := func(name string, get func(results.Evidence) results.Value, text func(results.Value) string) compareRow {
		r := compareRow{Key: name}
		for _, it := range c.Items {
			v := get(it.evidence)
			r.Values = append(r.Values, v)
			r.text = append(r.text, text(v))
		}
		return r
	}
	ci := func(name string, get func(results.Evidence) [2]results.Value, text func(results.Value) string) compareRow {
		r := compareRow{Key: name}
		for _, it := range c.Items {
			v := get(it.evidence)
			r.Values = append(r.Values, v)
			if !v[0].Valid() {
				r.text = append(r.text, "n/a")
				continue
			}
			r.text = append(r.text, "["+text(v[0])+", "+text(v[1])+"]")
		}
		return r
	}
	tooFew := compareRow{Key: "too_few"}
	for _, it := range c.Items {
		tooFew.Values = append(tooFew.Values, it.evidence.TooFew)
		t := "no"
		if it.evidence.TooFew {
			t = "YES"
		}
		tooFew.text = append(tooFew.text, t)
	}
	c.Evidence = []compareRow{
		intRow("signals", func(it *compareItem) int { return it.evidence.Signals }),
		intRow("trades", func(it *compareItem) int { return it.evidence.Trades }),
		intRow("episodes", func(it *compareItem) int { return it.evidence.Episodes }),
		tooFew,
		ev("effective_n", func(e results.Evidence) results.Value { return e.EffectiveN }, num),
		ev("mean_trade_return", func(e results.Evidence) results.Value { return e.MeanTradeReturn }, pct),
		ci("mean_trade_return_ci", func(e results.Evidence) [2]results.Value { return e.MeanTradeReturnCI }, pct),
		ev("mean_trade_return_ci_coverage", func(e results.Evidence) results.Value { return e.MeanTradeReturnCICoverage }, pct),
		ev("median_trade_return", func(e results.Evidence) results.Value { return e.MedianTradeReturn }, pct),
		ci("median_trade_return_ci", func(e results.Evidence) [2]results.Value { return e.MedianTradeReturnCI }, pct),
		ev("median_trade_return_ci_coverage", func(e results.Evidence) results.Value { return e.MedianTradeReturnCICoverage }, pct),
		ci("sharpe_ci", func(e results.Evidence) [2]results.Value { return e.SharpeCI }, num),
		ev("psr", func(e results.Evidence) results.Value { return e.PSR }, num),
		ev("random_entry_p", func(e results.Evidence) results.Value { return e.RandomEntryP }, num),
	}
}

func (c *comparison) sections() []struct {
	title string
	rows  []compareRow
} {
	title := fmt.Sprintf("config: %d keys differ", len(c.ConfigDiff))
	if len(c.ConfigDiff) == 1 {
		title = "config: 1 key differs"
	}
	title += fmt.Sprintf(" (%d equal)", len(c.ConfigSame))
	return []struct {
		title string
		rows  []compareRow
	}{{title, c.ConfigDiff}, {"metrics", c.Metrics}, {"buy & hold", c.Benchmark}, {"evidence", c.Evidence}}
}

func (c *comparison) headerRows() []compareRow {
	id := compareRow{Key: "id"}
	name := compareRow{Key: "name"}
	hash := compareRow{Key: "config hash"}
	data := compareRow{Key: "data"}
	for _, it := range c.Items {
		id.text = append(id.text, it.ID)
		name.text = append(name.text, it.Name)
		hash.text = append(hash.text, short(it.ConfigHash))
		d := short(it.DataFingerprint)
		if it.Synthetic {
			d += " SYNTHETIC"
		}
		data.text = append(data.text, d)
	}
	return []compareRow{id, name, hash, data}
}

func writeCompareTable(w io.Writer, c *comparison) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range c.headerRows() {
		fmt.Fprintf(tw, "%s\t%s\n", r.Key, strings.Join(r.text, "\t"))
	}
	for _, s := range c.sections() {
		fmt.Fprintf(tw, "\n%s\n", s.title)
		if len(s.rows) == 0 {
			fmt.Fprintln(tw, "  (none)")
		}
		for _, r := range s.rows {
			fmt.Fprintf(tw, "  %s\t%s\n", r.Key, strings.Join(r.text, "\t"))
		}
	}
	_ = tw.Flush()
	for _, it := range c.Items {
		if it.evidence.TooFew {
			fmt.Fprintf(w, "WARNING %s: %s\n", it.ID, results.TooFewWarning(it.evidence.Episodes))
		}
	}
}

func writeCompareMarkdown(w io.Writer, c *comparison) {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	fmt.Fprint(w, "| section | key |")
	for _, it := range c.Items {
		fmt.Fprintf(w, " %s |", esc(it.ID))
	}
	fmt.Fprint(w, "\n|---|---|")
	fmt.Fprint(w, strings.Repeat("---:|", len(c.Items)))
	fmt.Fprintln(w)
	for _, s := range c.sections() {
		name := strings.SplitN(s.title, ":", 2)[0]
		for _, r := range s.rows {
			fmt.Fprintf(w, "| %s | %s |", name, esc(r.Key))
			for _, t := range r.text {
				fmt.Fprintf(w, " %s |", esc(t))
			}
			fmt.Fprintln(w)
		}
	}
}

// writeCompareCSV writes section,key,value per item with raw numbers (empty
// when undefined), for spreadsheets and pandas.
func writeCompareCSV(w io.Writer, c *comparison) error {
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
		return valueText(v)
	}
	for _, s := range c.sections() {
		name := strings.SplitN(s.title, ":", 2)[0]
		for _, r := range s.rows {
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
