package compare

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy/config"
)

func report(t *testing.T, id string, lookback int, final results.Value) *results.Report {
	t.Helper()
	cfg := config.Default()
	cfg.Name = "name-" + id
	cfg.Trigger.Lookback = lookback
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &results.Report{RunID: id, Name: cfg.Name, ConfigHash: "0123456789abcdef", DataFingerprint: "fedcba9876543210",
		Config: raw, Metrics: results.Metrics{TotalReturn: 0.5, Sharpe: 1.23456, FinalEquity: final, CAGR: results.NA},
		Evidence: results.Evidence{Episodes: 3, TooFew: true, PSR: 0.9}}
}

// TestComparison: only the key that differs (trigger.lookback) is in the
// diff, every other key (bar name and data.db) is "same"; metrics carry raw
// values and their text; the JSON keeps the shape riskon compare prints.
func TestComparison(t *testing.T) {
	t.Parallel()
	var items []Item
	for _, r := range []*results.Report{report(t, "a", 100, 160000), report(t, "b", 250, 90000.5)} {
		it, err := NewItem(r, "run")
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, *it)
	}
	c := New(items)
	if len(c.ConfigDiff) != 1 || c.ConfigDiff[0].Key != "trigger.lookback" ||
		!reflect.DeepEqual(c.ConfigDiff[0].Text, []string{"100", "250"}) {
		t.Fatalf("config diff %+v, want trigger.lookback 100 vs 250", c.ConfigDiff)
	}
	if slices.Contains(c.ConfigSame, "name") || slices.Contains(c.ConfigSame, "data.db") || !slices.Contains(c.ConfigSame, "trade.hold_days") {
		t.Errorf("config same %v: want every key but name and data.db", c.ConfigSame)
	}
	if want := len(config.Keys()) - 2; len(c.ConfigSame)+len(c.ConfigDiff) != want {
		t.Errorf("%d keys compared, want %d", len(c.ConfigSame)+len(c.ConfigDiff), want)
	}
	row := func(rows []Row, key string) Row {
		for _, r := range rows {
			if r.Key == key {
				return r
			}
		}
		t.Fatalf("no row %s", key)
		return Row{}
	}
	for key, want := range map[string][]string{
		"final_equity": {"160,000.00", "90,000.50"},
		"total_return": {"50.00%", "50.00%"},
		"sharpe":       {"1.235", "1.235"},
		"cagr":         {"n/a", "n/a"},
	} {
		if got := row(c.Metrics, key).Text; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", key, got, want)
		}
	}
	if got := row(c.Evidence, "too_few").Text; !reflect.DeepEqual(got, []string{"YES", "YES"}) {
		t.Errorf("too_few %v", got)
	}
	secs := c.Sections()
	if len(secs) != 4 || secs[0].Title != "config: 1 key differs ("+itoa(len(c.ConfigSame))+" equal)" || secs[3].Title != "evidence" {
		t.Errorf("sections %+v", secs[0].Title)
	}
	if h := c.HeaderRows(); h[2].Text[0] != "0123456789ab" {
		t.Errorf("config hash %q, want 12 characters", h[2].Text[0])
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if got := strings.Join(keys, " "); got != "benchmark config_diff config_same evidence items metrics" {
		t.Errorf("JSON keys %q", got)
	}
	if strings.Contains(string(m["items"]), "Flat") || strings.Contains(string(m["metrics"]), "Text") {
		t.Error("JSON carries the text or flattened config")
	}
	// An undefined metric is JSON null (results.Value), as before.
	var metrics []struct {
		Key    string
		Values []*float64
	}
	if err := json.Unmarshal(m["metrics"], &metrics); err != nil {
		t.Fatal(err)
	}
	for _, r := range metrics {
		if r.Key == "cagr" && r.Values[0] != nil {
			t.Errorf("cagr %v, want null", *r.Values[0])
		}
		if r.Key == "final_equity" && math.Abs(*r.Values[1]-90000.5) > 0 {
			t.Errorf("final_equity raw %v", *r.Values[1])
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestValueText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		v    any
		want string
	}{{nil, "-"}, {"", `""`}, {"BTC", "BTC"}, {0.1, "0.1"}, {[]any{"ETH", "SOL"}, `["ETH","SOL"]`}, {true, "true"}} {
		if got := ValueText(c.v); got != c.want {
			t.Errorf("ValueText(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}
