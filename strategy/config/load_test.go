package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// envMap is a fake environment.
func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

var noEnv = envMap(nil)

func decodeString(t *testing.T, yml string, opts LoadOptions) (Config, error) {
	t.Helper()
	if opts.Env == nil {
		opts.Env = noEnv
	}
	return Decode(strings.NewReader(yml), "r2k.yaml", opts)
}

func TestKeys(t *testing.T) {
	want := []string{
		"capital",
		"costs.commission_bps", "costs.slippage_bps",
		"data.db", "data.end", "data.start",
		"fill", "name", "seed",
		"trade.allocation", "trade.exit_on_failed_breakout", "trade.filter.level", "trade.filter.lookback", "trade.filter.ma_days",
		"trade.filter.rule", "trade.filter.symbol", "trade.filters",
		"trade.hold_days", "trade.sizing", "trade.stop_loss", "trade.take_profit", "trade.targets", "trade.trailing_stop",
		"trade.vol_days", "trade.vol_target", "trade.weights",
		"trigger.confirm", "trigger.cooldown_days", "trigger.fast", "trigger.lookback", "trigger.ma_days", "trigger.margin",
		"trigger.max_range", "trigger.min_days_since_high", "trigger.range_days", "trigger.relative_to",
		"trigger.rule", "trigger.slow", "trigger.symbol", "trigger.timeframe",
	}
	want = append([]string{"capital", "cash.rate_symbol"}, want[1:]...)
	if got := Keys(); !slices.Equal(got, want) {
		t.Errorf("Keys() =\n%v\nwant\n%v", got, want)
	}
}

func TestEnvName(t *testing.T) {
	for key, want := range map[string]string{
		"trigger.lookback": "RISKON_TRIGGER_LOOKBACK",
		"trade.targets":    "RISKON_TRADE_TARGETS",
		"fill":             "RISKON_FILL",
		"data.db":          "RISKON_DATA_DB",
	} {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestDefaultsOnly(t *testing.T) {
	c, err := Load("", LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load(\"\") = %+v, want Default() %+v", c, Default())
	}
	if err := Validate(Default()); err != nil {
		t.Errorf("Default() does not validate: %v", err)
	}
}

func TestPrecedence(t *testing.T) {
	const file = "trigger: {lookback: 100}\ntrade: {targets: [ETH], hold_days: 30}\n"
	tests := []struct {
		name      string
		file      string // "" = no file
		env       map[string]string
		sets      []string
		lookback  int
		targets   []string
		holdDays  int
		wantMatch bool
	}{
		{name: "defaults", lookback: 252, targets: []string{"BTC"}, holdDays: 365},
		{name: "file over defaults", file: file, lookback: 100, targets: []string{"ETH"}, holdDays: 30},
		{name: "env over defaults", env: map[string]string{"RISKON_TRIGGER_LOOKBACK": "120"},
			lookback: 120, targets: []string{"BTC"}, holdDays: 365},
		{name: "env over file", file: file,
			env:      map[string]string{"RISKON_TRIGGER_LOOKBACK": "120", "RISKON_TRADE_TARGETS": "BTC,ETH"},
			lookback: 120, targets: []string{"BTC", "ETH"}, holdDays: 30},
		{name: "set over env over file", file: file,
			env:      map[string]string{"RISKON_TRIGGER_LOOKBACK": "120", "RISKON_TRADE_TARGETS": "BTC,ETH"},
			sets:     []string{"trigger.lookback=140", "trade.targets=[ETH,SOL]"},
			lookback: 140, targets: []string{"ETH", "SOL"}, holdDays: 30},
		{name: "set over file", file: file, sets: []string{"trade.hold_days=7"},
			lookback: 100, targets: []string{"ETH"}, holdDays: 7},
		{name: "set over defaults, list without brackets", sets: []string{"trade.targets=ETH,SOL"},
			lookback: 252, targets: []string{"ETH", "SOL"}, holdDays: 365},
		{name: "later set wins", sets: []string{"trigger.lookback=10", "trigger.lookback=20"},
			lookback: 20, targets: []string{"BTC"}, holdDays: 365},
		{name: "set key is case-insensitive and spaces trimmed", sets: []string{" Trigger.Lookback = 30 "},
			lookback: 30, targets: []string{"BTC"}, holdDays: 365},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := LoadOptions{Sets: tt.sets, Env: envMap(tt.env)}
			var c Config
			var err error
			if tt.file == "" {
				c, err = Load("", opts)
			} else {
				path := filepath.Join(t.TempDir(), "r2k.yaml")
				if err := os.WriteFile(path, []byte(tt.file), 0o644); err != nil {
					t.Fatal(err)
				}
				c, err = Load(path, opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Trigger.Lookback != tt.lookback || !slices.Equal(c.Trade.Targets, tt.targets) || c.Trade.HoldDays != tt.holdDays {
				t.Errorf("got lookback %d targets %v hold_days %d; want %d %v %d",
					c.Trigger.Lookback, c.Trade.Targets, c.Trade.HoldDays, tt.lookback, tt.targets, tt.holdDays)
			}
			// Untouched keys keep their defaults.
			if c.Capital != 100000 || c.Fill != "next_open" || c.Trigger.Symbol != "RUT" {
				t.Errorf("untouched keys changed: %+v", c)
			}
		})
	}
}

func TestEveryKeyFromEnvAndSet(t *testing.T) {
	// Every key can be set by env and by --set with a string value.
	values := map[string]string{
		"name": "x", "capital": "5000", "data.db": "other.duckdb", "data.start": "2018-01-01", "data.end": "2024-12-31",
		"trigger.symbol": "IWM", "trigger.rule": "range_breakout", "trigger.lookback": "20", "trigger.min_days_since_high": "0",
		"trigger.timeframe": "weekly", "trigger.confirm": "2", "trigger.margin": "0.01", "trigger.cooldown_days": "30",
		"trigger.range_days": "300", "trigger.max_range": "0.25", "trigger.ma_days": "200", "trigger.fast": "50", "trigger.slow": "200",
		"trigger.relative_to": "SPY",
		"trade.targets":       "BTC,ETH", "trade.weights": "0.7,0.3", "trade.allocation": "0.5", "trade.hold_days": "90",
		"trade.trailing_stop": "0.2", "trade.exit_on_failed_breakout": "true",
		"trade.stop_loss": "0.1", "trade.take_profit": "0.5", "trade.sizing": "vol_target", "trade.vol_target": "0.3", "trade.vol_days": "20",
		"trade.filter.symbol": "BTC_DOMINANCE", "trade.filter.rule": "rising", "trade.filter.lookback": "14",
		"trade.filter.level": "0", "trade.filter.ma_days": "0",
		"trade.filters":        "[{symbol: VIX, rule: below, level: 30}, {symbol: SPY, rule: above_ma, ma_days: 200}]",
		"cash.rate_symbol":     "FEDFUNDS",
		"costs.commission_bps": "5", "costs.slippage_bps": "2.5", "fill": "next_close", "seed": "42",
	}
	want := Config{
		Name: "x", Capital: 5000,
		Data: Data{DB: "other.duckdb", Start: "2018-01-01", End: "2024-12-31"},
		Trigger: Trigger{Symbol: "IWM", Rule: "range_breakout", Lookback: 20, Timeframe: "weekly", Confirm: 2, Margin: 0.01, CooldownDays: 30,
			RangeDays: 300, MaxRange: 0.25, MADays: 200, Fast: 50, Slow: 200, RelativeTo: "SPY"},
		Trade: Trade{Targets: []string{"BTC", "ETH"}, Weights: []float64{0.7, 0.3}, Allocation: 0.5, HoldDays: 90, TrailingStop: 0.2, ExitOnFailedBreakout: true,
			StopLoss: 0.1, TakeProfit: 0.5, Sizing: "vol_target", VolTarget: 0.3, VolDays: 20,
			Filter:  Filter{Symbol: "BTC_DOMINANCE", Rule: "rising", Lookback: 14},
			Filters: []Filter{{Symbol: "VIX", Rule: "below", Level: 30}, {Symbol: "SPY", Rule: "above_ma", MADays: 200}}},
		Cash:  Cash{RateSymbol: "FEDFUNDS"},
		Costs: Costs{CommissionBps: 5, SlippageBps: 2.5},
		Fill:  "next_close", Seed: 42,
	}
	if len(values) != len(Keys()) {
		t.Fatalf("test covers %d keys, Keys() has %d", len(values), len(Keys()))
	}
	env := map[string]string{}
	var sets []string
	for k, v := range values {
		env[EnvName(k)] = v
		sets = append(sets, k+"="+v)
	}
	fromEnv, err := Load("", LoadOptions{Env: envMap(env)})
	if err != nil {
		t.Fatal(err)
	}
	fromSets, err := Load("", LoadOptions{Env: noEnv, Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromEnv, want) {
		t.Errorf("from env:\n%+v\nwant\n%+v", fromEnv, want)
	}
	if !reflect.DeepEqual(fromSets, want) {
		t.Errorf("from --set:\n%+v\nwant\n%+v", fromSets, want)
	}
}

// wantErr asserts that err mentions every substring and carries a FieldError
// for key (when key != "").
func wantErr(t *testing.T, err error, key string, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one mentioning %q", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if key == "" {
		return
	}
	if !hasFieldError(err, key) {
		t.Errorf("error %q has no FieldError for %s", err, key)
	}
}

func hasFieldError(err error, key string) bool {
	var fe *FieldError
	if errors.As(err, &fe) && fe.Key == key {
		return true
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if hasFieldError(e, key) {
				return true
			}
		}
	}
	if u := errors.Unwrap(err); u != nil {
		return hasFieldError(u, key)
	}
	return false
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		yml  string
		sets []string
		env  map[string]string
		key  string
		subs []string
	}{
		{name: "unknown key with suggestion", yml: "trigger:\n  lookbak: 100\n", key: "trigger.lookbak",
			subs: []string{"trigger.lookbak: unknown key in r2k.yaml; did you mean trigger.lookback?"}},
		{name: "unknown nested key", yml: "trade:\n  targets: [BTC]\n  hold_dayz: 10\n", key: "trade.hold_dayz",
			subs: []string{"trade.hold_dayz: unknown key in r2k.yaml", "did you mean trade.hold_days?"}},
		{name: "key in the wrong section", yml: "lookback: 100\n", key: "lookback",
			subs: []string{"lookback: unknown key in r2k.yaml; did you mean trigger.lookback?"}},
		{name: "transposition", yml: "fill: next_open\ncosts: {comimssion_bps: 1}\n", key: "costs.comimssion_bps",
			subs: []string{"did you mean costs.commission_bps?"}},
		{name: "unknown section without suggestion", yml: "zzzzzzzz: {qqqqqqqq: 1}\n", key: "zzzzzzzz.qqqqqqqq",
			subs: []string{"unknown key in r2k.yaml; valid keys: capital,"}},
		{name: "wrong type int", yml: "trade:\n  hold_days: abc\n", key: "trade.hold_days",
			subs: []string{`trade.hold_days: "abc" is not an integer`, "r2k.yaml"}},
		{name: "fractional int", yml: "trigger: {lookback: 2.5}\n", key: "trigger.lookback",
			subs: []string{"trigger.lookback: 2.5 is not an integer"}},
		{name: "wrong type float", yml: "capital: lots\n", key: "capital", subs: []string{`capital: "lots" is not a number`}},
		{name: "non-finite float", yml: "capital: .inf\n", key: "capital", subs: []string{"capital: +Inf is not a finite number"}},
		{name: "wrong type bool", yml: "trade: {exit_on_failed_breakout: maybe}\n", key: "trade.exit_on_failed_breakout",
			subs: []string{`"maybe" is not true or false`}},
		{name: "list element not a name", yml: "trade: {targets: [BTC, [ETH]]}\n", key: "trade.targets[1]",
			subs: []string{"trade.targets[1]: a list is not a name"}},
		{name: "list element not a number", yml: "trade: {targets: [BTC, ETH], weights: [1, x]}\n", key: "trade.weights[1]",
			subs: []string{`trade.weights[1]: "x" is not a number`}},
		{name: "mapping for a scalar", yml: "trade: {hold_days: {days: 3}}\n", key: "trade.hold_days",
			subs: []string{"trade.hold_days: a mapping is not an integer"}},
		{name: "scalar for a section", yml: "trigger: donchian\n", key: "trigger",
			subs: []string{`trigger: "donchian" is not a mapping of keys`}},
		{name: "number for a string", yml: "trigger: {symbol: 2000}\n", key: "trigger.symbol",
			subs: []string{"trigger.symbol: 2000 is not a string; quote it"}},
		{name: "negative seed", yml: "seed: -1\n", key: "seed", subs: []string{"seed: -1 is not an integer >= 0"}},
		{name: "env wrong type names the variable", env: map[string]string{"RISKON_TRADE_HOLD_DAYS": "abc"}, key: "trade.hold_days",
			subs: []string{`trade.hold_days: "abc" is not an integer (from RISKON_TRADE_HOLD_DAYS)`}},
		{name: "set wrong type", sets: []string{"trigger.confirm=two"}, key: "trigger.confirm",
			subs: []string{`trigger.confirm: "two" is not an integer (from --set)`}},
		{name: "set unknown key", sets: []string{"trigger.lookbak=5"}, key: "trigger.lookbak",
			subs: []string{"trigger.lookbak: unknown key (--set); did you mean trigger.lookback?"}},
		{name: "set section", sets: []string{"trade=5"}, key: "trade", subs: []string{"trade: is a section"}},
		{name: "set without =", sets: []string{"trigger.lookback"}, subs: []string{`--set "trigger.lookback": expected key=value`}},
		{name: "negative hold_days", yml: "trade: {hold_days: -1}\n", key: "trade.hold_days",
			subs: []string{"trade.hold_days: -1 is out of range; must be >= 0"}},
		{name: "bad fill", yml: "fill: next_tuesday\n", key: "fill",
			subs: []string{`fill: "next_tuesday" is not a fill rule; must be one of next_open, next_close`}},
		{name: "bad date", yml: "data: {start: 2020-13-01}\n", key: "data.start",
			subs: []string{`data.start: "2020-13-01" is not a date; use YYYY-MM-DD`}},
		{name: "start after end", yml: "data: {start: 2021-01-01, end: 2020-01-01}\n", key: "data.start",
			subs: []string{"data.start: 2021-01-01 is after data.end 2020-01-01"}},
		{name: "empty targets", yml: "trade: {targets: []}\n", key: "trade.targets",
			subs: []string{"trade.targets: must name at least one symbol"}},
		{name: "empty targets from set", sets: []string{"trade.targets="}, key: "trade.targets",
			subs: []string{"trade.targets: must name at least one symbol"}},
		{name: "not a mapping", yml: "- a\n- b\n", subs: []string{"r2k.yaml: not a valid YAML mapping"}},
		{name: "bad yaml", yml: "trigger: {lookback: 1\n", subs: []string{"r2k.yaml: not a valid YAML"}},
		{name: "several problems at once", yml: "trade: {hold_days: -1, allocation: 2}\nfill: x\n",
			key: "trade.allocation", subs: []string{"trade.hold_days:", "trade.allocation: 2 is out of range; must be in (0, 1]", "fill:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeString(t, tt.yml, LoadOptions{Sets: tt.sets, Env: envMap(tt.env)})
			wantErr(t, err, tt.key, tt.subs...)
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), LoadOptions{Env: noEnv})
	wantErr(t, err, "", "nope.yaml")
}

func TestValidate(t *testing.T) {
	mod := func(f func(*Config)) Config {
		c := Default()
		f(&c)
		return c
	}
	tests := []struct {
		name string
		c    Config
		key  string
		msg  string
	}{
		{"capital zero", mod(func(c *Config) { c.Capital = 0 }), "capital", "must be > 0"},
		{"bad rule", mod(func(c *Config) { c.Trigger.Rule = "sma" }), "trigger.rule", "donchian, new_high"},
		{"lookback zero donchian", mod(func(c *Config) { c.Trigger.Lookback = 0 }), "trigger.lookback", ">= 1"},
		{"negative min days", mod(func(c *Config) { c.Trigger.MinDaysSinceHigh = -5 }), "trigger.min_days_since_high", ">= 0"},
		{"bad timeframe", mod(func(c *Config) { c.Trigger.Timeframe = "hourly" }), "trigger.timeframe", "daily, weekly, monthly"},
		{"confirm zero", mod(func(c *Config) { c.Trigger.Confirm = 0 }), "trigger.confirm", ">= 1"},
		{"negative margin", mod(func(c *Config) { c.Trigger.Margin = -0.1 }), "trigger.margin", ">= 0"},
		{"negative cooldown", mod(func(c *Config) { c.Trigger.CooldownDays = -1 }), "trigger.cooldown_days", ">= 0"},
		{"empty trigger symbol", mod(func(c *Config) { c.Trigger.Symbol = "" }), "trigger.symbol", "must not be empty"},
		{"duplicate target", mod(func(c *Config) { c.Trade.Targets = []string{"BTC", "ETH", "BTC"} }), "trade.targets[2]", "listed twice"},
		{"empty target name", mod(func(c *Config) { c.Trade.Targets = []string{"BTC", " "} }), "trade.targets[1]", "must not be empty"},
		{"weights length", mod(func(c *Config) { c.Trade.Weights = []float64{0.5, 0.5} }), "trade.weights", "2 values for 1 targets"},
		{"weight zero", mod(func(c *Config) { c.Trade.Targets = []string{"A", "B"}; c.Trade.Weights = []float64{1, 0} }), "trade.weights[1]", "> 0"},
		{"allocation zero", mod(func(c *Config) { c.Trade.Allocation = 0 }), "trade.allocation", "(0, 1]"},
		{"allocation above one", mod(func(c *Config) { c.Trade.Allocation = 1.01 }), "trade.allocation", "(0, 1]"},
		{"trailing stop one", mod(func(c *Config) { c.Trade.TrailingStop = 1 }), "trade.trailing_stop", "[0, 1)"},
		{"negative commission", mod(func(c *Config) { c.Costs.CommissionBps = -1 }), "costs.commission_bps", "[0, 10000)"},
		{"slippage 10000", mod(func(c *Config) { c.Costs.SlippageBps = 10000 }), "costs.slippage_bps", "[0, 10000)"},
		{"bad end date", mod(func(c *Config) { c.Data.End = "2020/01/01" }), "data.end", "YYYY-MM-DD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, Validate(tt.c), tt.key, tt.key+": ", tt.msg)
		})
	}

	// Allowed edge values.
	ok := []Config{
		mod(func(c *Config) { c.Trigger.Rule = "new_high"; c.Trigger.Lookback = 0 }), // lookback unused
		mod(func(c *Config) { c.Trade.HoldDays = 0 }),
		mod(func(c *Config) { c.Trade.Allocation = 1 }),
		mod(func(c *Config) { c.Trade.Targets = []string{"RUT"} }), // target equal to the trigger is allowed
		mod(func(c *Config) { c.Data.Start = "2020-01-01"; c.Data.End = "2020-01-01" }),
		mod(func(c *Config) { c.Trade.Targets = []string{"A", "B"}; c.Trade.Weights = []float64{2, 1} }),
	}
	for i, c := range ok {
		if err := Validate(c); err != nil {
			t.Errorf("ok[%d]: unexpected error %v", i, err)
		}
	}

	// All problems, one per line.
	c := mod(func(c *Config) { c.Capital = -1; c.Fill = "x"; c.Trade.Targets = nil })
	err := Validate(c)
	if n := len(strings.Split(err.Error(), "\n")); n != 3 {
		t.Errorf("want 3 lines, got %d: %q", n, err)
	}
}

func TestHash(t *testing.T) {
	block := `# the BTC breakout
name: h
trigger:
  rule: donchian
  lookback: 100
trade:
  targets: [BTC, ETH]
  hold_days: 30
costs: {commission_bps: 10}
`
	reordered := `costs:
    commission_bps: 10.0     # same number, written as a float
trade:   {hold_days: 30,   targets: ["BTC", "ETH"], weights: []}
Trigger: {LookBack: "100"}  # keys are case-insensitive; a quoted integer is an integer
name: "h"
`
	base := Default()
	base.Name = "h"
	base.Trigger.Lookback = 100
	base.Trade.Targets = []string{"BTC", "ETH"}
	base.Trade.HoldDays = 30

	load := func(yml string, opts LoadOptions) Config {
		t.Helper()
		c, err := decodeString(t, yml, opts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want := Hash(base)
	if len(want) != 64 {
		t.Fatalf("hash %q is not 64 hex chars", want)
	}
	same := map[string]Config{
		"block":     load(block, LoadOptions{}),
		"reordered": load(reordered, LoadOptions{}),
		"env": load("", LoadOptions{Env: envMap(map[string]string{
			"RISKON_NAME": "h", "RISKON_TRIGGER_LOOKBACK": "100", "RISKON_TRADE_TARGETS": "BTC,ETH", "RISKON_TRADE_HOLD_DAYS": "30"})}),
		"sets":     load("name: h\n", LoadOptions{Sets: []string{"trigger.lookback=100", "trade.targets=[BTC, ETH]", "trade.hold_days=30"}}),
		"other db": load(block+"data: {db: elsewhere.duckdb}\n", LoadOptions{}),
	}
	for name, c := range same {
		if got := Hash(c); got != want {
			t.Errorf("%s: hash %s, want %s\ncanonical %s\nwant      %s", name, got, want, Canonical(c), Canonical(base))
		}
	}

	// The canonical JSON is the struct's JSON, without data.db.
	canon := string(Canonical(base))
	if !strings.HasPrefix(canon, `{"name":"h","capital":100000,"data":{"start":"","end":""},"trigger":{"symbol":"RUT","rule":"donchian","lookback":100,`) {
		t.Errorf("unexpected canonical JSON %s", canon)
	}
	if strings.Contains(canon, "duckdb") {
		t.Errorf("canonical JSON holds data.db: %s", canon)
	}

	// Any changed value changes the hash.
	changes := []func(*Config){
		func(c *Config) { c.Trigger.Lookback = 101 },
		func(c *Config) { c.Trade.Targets = []string{"ETH", "BTC"} }, // order matters (weights follow it)
		func(c *Config) { c.Costs.SlippageBps = 1 },
		func(c *Config) { c.Data.Start = "2020-01-01" },
		func(c *Config) { c.Seed = 2 },
		func(c *Config) { c.Name = "other" },
	}
	for i, f := range changes {
		c := base
		c.Trade.Targets = slices.Clone(base.Trade.Targets)
		f(&c)
		if Hash(c) == want {
			t.Errorf("change %d did not change the hash", i)
		}
	}
	// Hash does not modify its argument.
	c := base
	c.Trade.Weights = []float64{}
	_ = Hash(c)
	if c.Trade.Weights == nil {
		t.Error("Hash modified its argument")
	}
}

func TestOverride(t *testing.T) {
	base, err := Load("../../configs/r2k_breakout_btc.yaml", LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	sets := []string{"trigger.lookback=50", "trade.targets=[ETH,SOL]", "trade.weights=2,1", "costs.slippage_bps=5", "data.start=2019-01-01"}
	got, err := Override(base, sets...)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Load("../../configs/r2k_breakout_btc.yaml", LoadOptions{Env: noEnv, Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || Hash(got) != Hash(want) {
		t.Errorf("Override = %+v\nLoad with sets = %+v", got, want)
	}
	if base.Trigger.Lookback != 252 || !slices.Equal(base.Trade.Targets, []string{"BTC"}) {
		t.Errorf("Override modified its argument: %+v", base)
	}
	_, err = Override(base, "trigger.lookbak=5", "trade.hold_days=x")
	wantErr(t, err, "trigger.lookbak", "did you mean trigger.lookback?", `trade.hold_days: "x" is not an integer (from --set)`)
	_, err = Override(base, "trade.hold_days=-3")
	wantErr(t, err, "trade.hold_days", "trade.hold_days: -3 is out of range")
}

func TestSuggest(t *testing.T) {
	for in, want := range map[string]string{
		"trigger.lookbak":    "trigger.lookback",
		"trigger.lokoback":   "trigger.lookback",
		"trade.target":       "trade.targets",
		"hold_days":          "trade.hold_days",
		"trigger.hold_days":  "trade.hold_days",
		"trade.hold":         "trade.hold_days",
		"costs.commision":    "costs.commission_bps",
		"filll":              "fill",
		"completely.unknown": "",
	} {
		if got := Suggest(in); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"lookbak", "lookback", 1},
		{"ab", "ba", 1}, {"ca", "abc", 3}, // OSA: no substring edited twice
	} {
		if got := distance(tt.a, tt.b); got != tt.d {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}

// TestFlagshipConfigs loads and validates every run config under configs/.
// Sweep configs (top-level base: or grid:) are for the sweep loader.
func TestFlagshipConfigs(t *testing.T) {
	files, err := filepath.Glob("../../configs/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d configs, want at least the 4 flagship ones", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var top map[string]any
			if err := yaml.Unmarshal(b, &top); err != nil {
				t.Fatal(err)
			}
			if _, sweep := top["grid"]; sweep {
				t.Skip("sweep config")
			}
			if _, sweep := top["base"]; sweep {
				t.Skip("sweep config")
			}
			c, err := Load(f, LoadOptions{Env: noEnv})
			if err != nil {
				t.Fatal(err)
			}
			if c.Name == "run" || c.Name == "" {
				t.Errorf("config has no name of its own")
			}
		})
	}
	// The contract example in DESIGN.md.
	c, err := Load("../../configs/r2k_breakout_btc.yaml", LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if c.Trigger.Rule != "donchian" || c.Trigger.Lookback != 252 || c.Trade.HoldDays != 365 || !slices.Equal(c.Trade.Targets, []string{"BTC"}) {
		t.Errorf("r2k_breakout_btc.yaml: %+v", c)
	}
	c, err = Load("../../configs/r2k_new_high_btc.yaml", LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if c.Trigger.Rule != "new_high" || c.Trigger.MinDaysSinceHigh != 365 {
		t.Errorf("r2k_new_high_btc.yaml: %+v", c)
	}
	c, err = Load("../../configs/r2k_breakout_alts.yaml", LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"SOL", "ADA", "XRP", "DOGE", "LINK", "AVAX", "DOT", "LTC"}; !slices.Equal(c.Trade.Targets, want) || c.Trade.Weights != nil {
		t.Errorf("r2k_breakout_alts.yaml: targets %v weights %v", c.Trade.Targets, c.Trade.Weights)
	}
}

// TestUnusedPartKeyRefused: the newcomer's mistake, rule donchian with
// min_days_since_high set, is refused with one line naming the key and the
// rule; keys at their defaults (or zero) are accepted, so shipped configs
// that list every key still load.
func TestUnusedPartKeyRefused(t *testing.T) {
	_, err := decodeString(t, "trigger: {rule: donchian, min_days_since_high: 730}\n", LoadOptions{Env: noEnv})
	wantErr(t, err, "trigger.min_days_since_high", "730 is not read by rule donchian", "new_high")
	if strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("error spans several lines: %q", err)
	}
	for _, c := range []struct{ yml, key, sub string }{
		{"trigger: {rule: new_high, lookback: 100}\n", "trigger.lookback", "not read by rule new_high"},
		{"trigger: {rule: above_ma, range_days: 10}\n", "trigger.range_days", "not read by rule above_ma"},
		{"trade: {vol_target: 0.2}\n", "trade.vol_target", "not read by sizing fixed"},
		{"trade: {filters: [{symbol: X, rule: falling, lookback: 5, level: 3}]}\n", "trade.filters[0].level", "not read by filter rule falling"},
		{"trade: {filters: [{symbol: X, rule: above, lookback: 5}]}\n", "trade.filters[0].lookback", "not read by filter rule above"},
		{"trade: {filters: [{symbol: X, rule: sideways}]}\n", "trade.filters[0].rule", "not a filter rule"},
		{"trade: {filters: [{symbol: X, rule: falling, lookbak: 5}]}\n", "trade.filters[0].lookbak", "unknown filter key"},
		{"trade: {filters: [{symbol: X, rule: above_ma}]}\n", "trade.filters[0].ma_days", "must be in [1, 100000]"},
		{"trigger: {rule: ma_cross, fast: 50, slow: 20}\n", "trigger.fast", "less than trigger.slow"},
		{"trigger: {rule: sideways}\n", "trigger.rule", "must be one of donchian"},
		{"trade: {sizing: vol_target}\n", "trade.vol_target", "must be > 0 for sizing vol_target"},
		{"trade: {stop_loss: 1}\n", "trade.stop_loss", "out of range"},
	} {
		_, err := decodeString(t, c.yml, LoadOptions{Env: noEnv})
		wantErr(t, err, c.key, c.sub)
	}
	for _, ok := range []string{
		"trigger: {rule: donchian, min_days_since_high: 0, lookback: 20}\n",
		"trigger: {rule: new_high, lookback: 252, min_days_since_high: 365}\n",
		"trigger: {rule: range_breakout, lookback: 252, range_days: 504, max_range: 0.3}\n",
		"trade: {sizing: vol_target, vol_target: 0.3, vol_days: 20}\n",
		"trade: {filters: [{symbol: X, rule: below, level: 30}, {symbol: Y, rule: rising, lookback: 3}]}\n",
	} {
		if _, err := decodeString(t, ok, LoadOptions{Env: noEnv}); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// TestHashStableAcrossNewKeys: keys added with new parts leave the
// canonical JSON (hence the hash) of a config that does not use them
// byte-identical to the form before they existed.
func TestHashStableAcrossNewKeys(t *testing.T) {
	c := Default()
	got := string(Canonical(c))
	want := `{"name":"run","capital":100000,"data":{"start":"","end":""},"trigger":{"symbol":"RUT","rule":"donchian","lookback":252,"min_days_since_high":0,"timeframe":"daily","confirm":1,"margin":0,"cooldown_days":0},"trade":{"targets":["BTC"],"weights":null,"allocation":1,"hold_days":365,"trailing_stop":0,"exit_on_failed_breakout":false,"filter":{"symbol":"","rule":"falling","lookback":30}},"costs":{"commission_bps":10,"slippage_bps":0},"fill":"next_open","seed":1}`
	if got != want {
		t.Errorf("canonical default\n got %s\nwant %s", got, want)
	}
	// A stored canonical config reads back to the same hash, new keys and
	// all.
	c.Trigger.Rule, c.Trade.Sizing, c.Trade.VolTarget = "range_breakout", "vol_target", 0.25
	var back Config
	if err := json.Unmarshal(Canonical(c), &back); err != nil {
		t.Fatal(err)
	}
	if Hash(back) != Hash(c) {
		t.Errorf("hash changed through the canonical JSON: %s vs %s", Hash(back), Hash(c))
	}
}
