// Package config defines riskon's run configuration: the YAML a researcher
// writes, its defaults, strict decoding (unknown keys and wrong types are
// errors naming the key path), validation, overrides and the config hash.
package config

// Config is one backtest run. Field names are the public YAML contract (see
// docs/CONFIG.md); extend them, never rename them.
type Config struct {
	Name    string  `mapstructure:"name" json:"name"`
	Capital float64 `mapstructure:"capital" json:"capital"`
	Data    Data    `mapstructure:"data" json:"data"`
	Trigger Trigger `mapstructure:"trigger" json:"trigger"`
	Trade   Trade   `mapstructure:"trade" json:"trade"`
	Costs   Costs   `mapstructure:"costs" json:"costs"`
	Fill    string  `mapstructure:"fill" json:"fill"` // next_open | next_close
	// Seed drives every random procedure of the run's evidence.
	Seed uint64 `mapstructure:"seed" json:"seed"`
}

// Data selects the database and the date range.
type Data struct {
	// DB is the database path. It is not part of the config hash: the data
	// fingerprint identifies the data.
	DB    string `mapstructure:"db" json:"-"`
	Start string `mapstructure:"start" json:"start"` // YYYY-MM-DD or empty
	End   string `mapstructure:"end" json:"end"`     // YYYY-MM-DD or empty
}

// Trigger is the breakout rule on the trigger symbol.
type Trigger struct {
	Symbol           string  `mapstructure:"symbol" json:"symbol"`
	Rule             string  `mapstructure:"rule" json:"rule"`                               // donchian | new_high
	Lookback         int     `mapstructure:"lookback" json:"lookback"`                       // donchian: previous N closes of the timeframe
	MinDaysSinceHigh int     `mapstructure:"min_days_since_high" json:"min_days_since_high"` // new_high: age of the previous all-time high, calendar days
	Timeframe        string  `mapstructure:"timeframe" json:"timeframe"`                     // daily | weekly | monthly
	Confirm          int     `mapstructure:"confirm" json:"confirm"`                         // consecutive closes above the level
	Margin           float64 `mapstructure:"margin" json:"margin"`                           // fraction above the level
	CooldownDays     int     `mapstructure:"cooldown_days" json:"cooldown_days"`             // calendar days after an acted signal
}

// Trade is what a signal does: targets, sizing and exits.
type Trade struct {
	Targets              []string  `mapstructure:"targets" json:"targets"`
	Weights              []float64 `mapstructure:"weights" json:"weights"` // empty: equal weight
	Allocation           float64   `mapstructure:"allocation" json:"allocation"`
	HoldDays             int       `mapstructure:"hold_days" json:"hold_days"`         // 0: no time exit
	TrailingStop         float64   `mapstructure:"trailing_stop" json:"trailing_stop"` // fraction; 0 = off
	ExitOnFailedBreakout bool      `mapstructure:"exit_on_failed_breakout" json:"exit_on_failed_breakout"`
	// Filter gates entries on another series (e.g. only while BTC dominance
	// is falling, the articles' altseason signal).
	Filter Filter `mapstructure:"filter" json:"filter"`
}

// Filter lets a signal act only while another series moves one way: its last
// close (as of the signal, closed bars only) compared with its close Lookback
// bars earlier. An empty Symbol disables the filter.
type Filter struct {
	Symbol   string `mapstructure:"symbol" json:"symbol"`
	Rule     string `mapstructure:"rule" json:"rule"`         // falling | rising
	Lookback int    `mapstructure:"lookback" json:"lookback"` // bars of the filter series
}

// Costs are per side, in basis points.
type Costs struct {
	CommissionBps float64 `mapstructure:"commission_bps" json:"commission_bps"`
	SlippageBps   float64 `mapstructure:"slippage_bps" json:"slippage_bps"`
}

// Default returns the defaults every key falls back to.
func Default() Config {
	return Config{
		Name:    "run",
		Capital: 100000,
		Data:    Data{DB: "riskon.duckdb"},
		Trigger: Trigger{Symbol: "RUT", Rule: "donchian", Lookback: 252, Timeframe: "daily", Confirm: 1},
		Trade:   Trade{Targets: []string{"BTC"}, Allocation: 1.0, HoldDays: 365, Filter: Filter{Rule: "falling", Lookback: 30}},
		Costs:   Costs{CommissionBps: 10},
		Fill:    "next_open",
		Seed:    1,
	}
}
