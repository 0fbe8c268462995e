// Package config defines riskon's run configuration: the YAML a researcher
// writes, its defaults, strict decoding (unknown keys and wrong types are
// errors naming the key path), validation, overrides and the config hash.
//
// Every key carries a one-line description in its doc tag; the strategy
// parts that read a key (trigger rules, entry filters, exits, sizing)
// register themselves with RegisterPart, so that Validate refuses a key the
// chosen part does not use and KeyDocs lists who reads what.
package config

// Config is one backtest run. Field names are the public YAML contract (see
// docs/CONFIG.md); extend them, never rename them. Keys added after the
// first release are omitted from the canonical JSON when at their defaults
// (omitempty, see Canonical), so adding a key never changes the hash of an
// existing config.
type Config struct {
	Name    string  `mapstructure:"name" json:"name" doc:"name of the run, shown in every output"`
	Capital float64 `mapstructure:"capital" json:"capital" doc:"starting cash"`
	Data    Data    `mapstructure:"data" json:"data"`
	Trigger Trigger `mapstructure:"trigger" json:"trigger"`
	Trade   Trade   `mapstructure:"trade" json:"trade"`
	Cash    Cash    `mapstructure:"cash" json:"cash,omitzero"`
	Costs   Costs   `mapstructure:"costs" json:"costs"`
	Fill    string  `mapstructure:"fill" json:"fill" doc:"price of market orders: next_open | next_close of the first bar after the order"`
	// Seed drives every random procedure of the run's evidence.
	Seed uint64 `mapstructure:"seed" json:"seed" doc:"seed of every random procedure of the evidence (bootstrap, random-entry test)"`
}

// Data selects the database and the date range.
type Data struct {
	// DB is the database path. It is not part of the config hash: the data
	// fingerprint identifies the data.
	DB    string `mapstructure:"db" json:"-" doc:"DuckDB database file (not part of the config hash)"`
	Start string `mapstructure:"start" json:"start" doc:"first date of the window, YYYY-MM-DD; empty: the first common bar"`
	End   string `mapstructure:"end" json:"end" doc:"last date of the window, YYYY-MM-DD; empty: the last common bar"`
}

// Trigger is the breakout rule on the trigger symbol. The keys of every rule
// are flat in this section; a rule refuses a key it does not read (see
// RegisterPart).
type Trigger struct {
	Symbol           string  `mapstructure:"symbol" json:"symbol" doc:"symbol whose closes the rule reads"`
	Rule             string  `mapstructure:"rule" json:"rule" doc:"trigger rule (see the trigger.rule parts)"`
	Lookback         int     `mapstructure:"lookback" json:"lookback" doc:"bars of the timeframe: the close must exceed the highest of the previous N closes"`
	MinDaysSinceHigh int     `mapstructure:"min_days_since_high" json:"min_days_since_high" doc:"calendar days the previous all-time high must be old"`
	Timeframe        string  `mapstructure:"timeframe" json:"timeframe" doc:"closes the rule sees: daily | weekly | monthly (holiday-aware period ends)"`
	Confirm          int     `mapstructure:"confirm" json:"confirm" doc:"consecutive period closes above the level before the signal"`
	Margin           float64 `mapstructure:"margin" json:"margin" doc:"fraction the close must exceed the level by"`
	CooldownDays     int     `mapstructure:"cooldown_days" json:"cooldown_days" doc:"calendar days after an acted signal during which signals are not acted on"`
	RangeDays        int     `mapstructure:"range_days" json:"range_days,omitempty" doc:"bars of the timeframe before the breakout that must stay inside the band"`
	MaxRange         float64 `mapstructure:"max_range" json:"max_range,omitempty" doc:"band width: highest/lowest close of the range at most 1 + max_range"`
	MADays           int     `mapstructure:"ma_days" json:"ma_days,omitempty" doc:"bars of the timeframe in the simple moving average"`
	Fast             int     `mapstructure:"fast" json:"fast,omitempty" doc:"bars of the fast simple moving average"`
	Slow             int     `mapstructure:"slow" json:"slow,omitempty" doc:"bars of the slow simple moving average"`
	RelativeTo       string  `mapstructure:"relative_to" json:"relative_to,omitempty" doc:"apply the rule to the ratio symbol/relative_to (same-date closes); empty: the symbol itself"`
}

// Trade is what a signal does: targets, sizing and exits.
type Trade struct {
	Targets              []string  `mapstructure:"targets" json:"targets" doc:"symbols bought on a signal: one or a basket"`
	Weights              []float64 `mapstructure:"weights" json:"weights" doc:"relative weights of the targets; empty: equal"`
	Allocation           float64   `mapstructure:"allocation" json:"allocation" doc:"fraction of cash spent on an entry (the cap of vol_target sizing)"`
	HoldDays             int       `mapstructure:"hold_days" json:"hold_days" doc:"exit at the close of the bar dated entry + N calendar days; 0: no time exit"`
	TrailingStop         float64   `mapstructure:"trailing_stop" json:"trailing_stop" doc:"exit when the price falls this fraction below the highest close since entry; 0: off"`
	ExitOnFailedBreakout bool      `mapstructure:"exit_on_failed_breakout" json:"exit_on_failed_breakout" doc:"exit when the trigger closes back below the broken level"`
	StopLoss             float64   `mapstructure:"stop_loss" json:"stop_loss,omitempty" doc:"exit when the price falls this fraction below the entry price; 0: off"`
	TakeProfit           float64   `mapstructure:"take_profit" json:"take_profit,omitempty" doc:"exit when the price rises this fraction above the entry price; 0: off"`
	Sizing               string    `mapstructure:"sizing" json:"sizing,omitempty" doc:"entry size rule (see the trade.sizing parts)"`
	VolTarget            float64   `mapstructure:"vol_target" json:"vol_target,omitempty" doc:"annualised volatility the position aims at"`
	VolDays              int       `mapstructure:"vol_days" json:"vol_days,omitempty" doc:"closed daily bars of the target whose returns estimate its volatility"`
	// Filter gates entries on another series (e.g. only while BTC dominance
	// is falling, the articles' altseason signal). It is a one-item alias of
	// Filters.
	Filter Filter `mapstructure:"filter" json:"filter"`
	// Filters are the entry filters: a signal acts only if every one passes.
	Filters []Filter `mapstructure:"filters" json:"filters,omitempty" doc:"entry filters, a list of {symbol, rule, lookback, level, ma_days}; every one must pass"`
}

// Filter lets a signal act only while another series satisfies a rule (see
// the trade.filter.rule parts), on its closed bars as of the signal. An empty
// Symbol disables the filter.
type Filter struct {
	Symbol   string  `mapstructure:"symbol" json:"symbol" doc:"series the filter reads; empty: no filter"`
	Rule     string  `mapstructure:"rule" json:"rule" doc:"filter rule (see the trade.filter.rule parts)"`
	Lookback int     `mapstructure:"lookback" json:"lookback" doc:"bars of the filter series between the two closes compared"`
	Level    float64 `mapstructure:"level" json:"level,omitempty" doc:"level the filter series' last close is compared with"`
	MADays   int     `mapstructure:"ma_days" json:"ma_days,omitempty" doc:"bars of the filter series in its simple moving average"`
}

// Cash is what uninvested cash earns.
type Cash struct {
	RateSymbol string `mapstructure:"rate_symbol" json:"rate_symbol,omitempty" doc:"series of an annual rate in percent (e.g. the federal funds rate) that idle cash earns; Sharpe, Sortino and PSR are then on returns in excess of it; empty: 0%"`
}

// Costs are per side, in basis points.
type Costs struct {
	CommissionBps float64 `mapstructure:"commission_bps" json:"commission_bps" doc:"commission per side, basis points of the notional"`
	SlippageBps   float64 `mapstructure:"slippage_bps" json:"slippage_bps" doc:"slippage per side, basis points of the price"`
}

// Default returns the defaults every key falls back to.
func Default() Config {
	return Config{
		Name:    "run",
		Capital: 100000,
		Data:    Data{DB: "riskon.duckdb"},
		Trigger: Trigger{Symbol: "RUT", Rule: "donchian", Lookback: 252, Timeframe: "daily", Confirm: 1,
			RangeDays: 504, MaxRange: 0.3, MADays: 200, Fast: 50, Slow: 200},
		Trade: Trade{Targets: []string{"BTC"}, Allocation: 1.0, HoldDays: 365, Sizing: "fixed", VolDays: 30,
			Filter: Filter{Rule: "falling", Lookback: 30}},
		Costs: Costs{CommissionBps: 10},
		Fill:  "next_open",
		Seed:  1,
	}
}
