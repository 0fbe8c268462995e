// Package compare is the model of a side-by-side comparison of runs and
// sweep trials (riskon compare): the config keys whose values differ, then
// the metrics, the buy-and-hold benchmark and the evidence, each row with
// its raw values (for JSON and CSV) and its text (internal/numfmt) per item.
// It reads reports given to it; loading them and printing are the caller's.
package compare

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"

	"github.com/riskon/riskon/internal/numfmt"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy/config"
)

// Item is one run or sweep trial being compared.
type Item struct {
	ID              string           `json:"id"`
	Kind            string           `json:"kind"` // run | trial
	Name            string           `json:"name"`
	ConfigHash      string           `json:"config_hash"`
	DataFingerprint string           `json:"data_fingerprint"`
	Synthetic       bool             `json:"synthetic"`
	Config          json.RawMessage  `json:"config"`
	Metrics         results.Metrics  `json:"-"`
	Bench           results.Metrics  `json:"-"`
	Evidence        results.Evidence `json:"-"`
	Flat            map[string]any   `json:"-"` // config key -> value
}

// Row is one line of the comparison: a key and its value per item.
type Row struct {
	Key    string   `json:"key"`
	Values []any    `json:"values"`
	Text   []string `json:"-"` // Values for people, one per item
}

// Comparison is the comparison of its items (the JSON output of riskon compare).
type Comparison struct {
	Items []Item `json:"items"`
	// ConfigDiff lists the config keys whose values differ, first; ConfigSame
	// the keys equal in every item.
	ConfigDiff []Row    `json:"config_diff"`
	ConfigSame []string `json:"config_same"`
	Metrics    []Row    `json:"metrics"`
	Benchmark  []Row    `json:"benchmark"`
	Evidence   []Row    `json:"evidence"`
}

// NewItem is one column of a comparison: a stored run's report, or a
// sweep trial's recomputed in full by the caller.
func NewItem(rep *results.Report, kind string) (*Item, error) {
	it := &Item{ID: rep.RunID, Kind: kind, Name: rep.Name, ConfigHash: rep.ConfigHash, DataFingerprint: rep.DataFingerprint,
		Synthetic: rep.Synthetic, Config: rep.Config, Metrics: rep.Metrics, Bench: rep.Benchmark, Evidence: rep.Evidence}
	if len(rep.Config) > 0 {
		var cfg config.Config
		if err := json.Unmarshal(rep.Config, &cfg); err != nil {
			return nil, fmt.Errorf("run %s: stored config: %w", rep.RunID, err)
		}
		it.Flat = Flatten(cfg)
	}
	return it, nil
}

// Flatten maps every config key (dotted path) to its JSON value; the
// name is left out (it names the run, it does not change it).
func Flatten(c config.Config) map[string]any {
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

// ValueText writes a config value for people: "-" for a key the item lacks,
// `""` for an empty string, numbers in full, anything else as JSON.
func ValueText(v any) string {
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

// Build fills the rows: config keys in config.Keys order, differing first.
func (c *Comparison) Build() {
	keys := config.Keys()
	c.ConfigSame = []string{}
	c.ConfigDiff = []Row{}
	for _, k := range keys {
		if k == "name" || k == "data.db" {
			continue
		}
		row := Row{Key: k}
		differ := false
		for i, it := range c.Items {
			var v any
			if it.Flat != nil {
				v = it.Flat[k]
			}
			row.Values = append(row.Values, v)
			row.Text = append(row.Text, ValueText(v))
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
	metric := func(name string, get func(results.Metrics) results.Value, text func(results.Value) string, bench bool) Row {
		r := Row{Key: name}
		for _, it := range c.Items {
			m := it.Metrics
			if bench {
				m = it.Bench
			}
			v := get(m)
			r.Values = append(r.Values, v)
			r.Text = append(r.Text, text(v))
		}
		return r
	}
	intRow := func(name string, get func(*Item) int) Row {
		r := Row{Key: name}
		for i := range c.Items {
			v := get(&c.Items[i])
			r.Values = append(r.Values, v)
			r.Text = append(r.Text, strconv.Itoa(v))
		}
		return r
	}
	for _, bench := range []bool{false, true} {
		rows := []Row{
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
			c.Metrics = append(rows, intRow("trades", func(it *Item) int { return it.Metrics.Trades }),
				intRow("max_drawdown_days", func(it *Item) int { return it.Metrics.MaxDrawdownDays }),
				intRow("days", func(it *Item) int { return it.Metrics.Days }))
		}
	}
	ev := func(name string, get func(results.Evidence) results.Value, text func(results.Value) string) Row {
		r := Row{Key: name}
		for _, it := range c.Items {
			v := get(it.Evidence)
			r.Values = append(r.Values, v)
			r.Text = append(r.Text, text(v))
		}
		return r
	}
	ci := func(name string, get func(results.Evidence) [2]results.Value, text func(results.Value) string) Row {
		r := Row{Key: name}
		for _, it := range c.Items {
			v := get(it.Evidence)
			r.Values = append(r.Values, v)
			if !v[0].Valid() {
				r.Text = append(r.Text, "n/a")
				continue
			}
			r.Text = append(r.Text, "["+text(v[0])+", "+text(v[1])+"]")
		}
		return r
	}
	tooFew := Row{Key: "too_few"}
	for _, it := range c.Items {
		tooFew.Values = append(tooFew.Values, it.Evidence.TooFew)
		t := "no"
		if it.Evidence.TooFew {
			t = "YES"
		}
		tooFew.Text = append(tooFew.Text, t)
	}
	c.Evidence = []Row{
		intRow("signals", func(it *Item) int { return it.Evidence.Signals }),
		intRow("trades", func(it *Item) int { return it.Evidence.Trades }),
		intRow("episodes", func(it *Item) int { return it.Evidence.Episodes }),
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

// Section is a titled group of rows.
type Section struct {
	Title string
	Rows  []Row
}

// Sections are the comparison's groups in print order: the config keys that
// differ (titled with how many differ and are equal), metrics, buy & hold,
// evidence.
func (c *Comparison) Sections() []Section {
	title := fmt.Sprintf("config: %d keys differ", len(c.ConfigDiff))
	if len(c.ConfigDiff) == 1 {
		title = "config: 1 key differs"
	}
	title += fmt.Sprintf(" (%d equal)", len(c.ConfigSame))
	return []Section{{title, c.ConfigDiff}, {"metrics", c.Metrics}, {"buy & hold", c.Benchmark}, {"evidence", c.Evidence}}
}

// HeaderRows are the rows that name the items: id, name, config hash and
// data fingerprint (12 characters), the data marked SYNTHETIC when so.
func (c *Comparison) HeaderRows() []Row {
	id := Row{Key: "id"}
	name := Row{Key: "name"}
	hash := Row{Key: "config hash"}
	data := Row{Key: "data"}
	for _, it := range c.Items {
		id.Text = append(id.Text, it.ID)
		name.Text = append(name.Text, it.Name)
		hash.Text = append(hash.Text, results.ShortHash(it.ConfigHash))
		d := results.ShortHash(it.DataFingerprint)
		if it.Synthetic {
			d += " SYNTHETIC"
		}
		data.Text = append(data.Text, d)
	}
	return []Row{id, name, hash, data}
}

// New compares items in the order given: Build over them.
func New(items []Item) *Comparison {
	c := &Comparison{Items: items}
	c.Build()
	return c
}

func pct(v results.Value) string   { return numfmt.Percent(v, 2) }
func num(v results.Value) string   { return numfmt.Ratio(v) }
func money(v results.Value) string { return numfmt.Money(v) }
