package strategy

import (
	"fmt"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/strategy/config"
)

// New builds the strategy a run config describes, with the engine options of
// the run. The config should have passed config.Validate; New still refuses
// what it cannot run.
func New(cfg config.Config) (engine.Strategy, engine.Options, error) {
	p, opts, err := Params(cfg)
	if err != nil {
		return nil, opts, err
	}
	s, err := NewBreakout(p)
	if err != nil {
		return nil, opts, err
	}
	return s, opts, nil
}

// Params maps a run config onto the breakout's parameters and the engine
// options.
func Params(cfg config.Config) (BreakoutParams, engine.Options, error) {
	opts, err := EngineOptions(cfg)
	if err != nil {
		return BreakoutParams{}, opts, err
	}
	p := BreakoutParams{
		Trigger:              cfg.Trigger.Symbol,
		Lookback:             cfg.Trigger.Lookback,
		MinDaysSinceHigh:     cfg.Trigger.MinDaysSinceHigh,
		Confirm:              cfg.Trigger.Confirm,
		Margin:               cfg.Trigger.Margin,
		CooldownDays:         cfg.Trigger.CooldownDays,
		Targets:              cfg.Trade.Targets,
		Allocation:           cfg.Trade.Allocation,
		HoldDays:             cfg.Trade.HoldDays,
		TrailingStop:         cfg.Trade.TrailingStop,
		ExitOnFailedBreakout: cfg.Trade.ExitOnFailedBreakout,
		FilterSymbol:         cfg.Trade.Filter.Symbol,
		FilterRising:         cfg.Trade.Filter.Rule == "rising",
		FilterLookback:       cfg.Trade.Filter.Lookback,
	}
	if len(cfg.Trade.Weights) > 0 {
		p.Weights = cfg.Trade.Weights
	}
	switch cfg.Trigger.Rule {
	case "donchian", "":
		p.Rule = Donchian
	case "new_high":
		p.Rule = NewHigh
	default:
		return p, opts, fmt.Errorf("trigger.rule %q: want donchian or new_high", cfg.Trigger.Rule)
	}
	switch cfg.Trigger.Timeframe {
	case "daily", "":
		p.Timeframe = Daily
	case "weekly":
		p.Timeframe = Weekly
	case "monthly":
		p.Timeframe = Monthly
	default:
		return p, opts, fmt.Errorf("trigger.timeframe %q: want daily, weekly or monthly", cfg.Trigger.Timeframe)
	}
	return p, opts, nil
}

// Benchmark returns the buy-and-hold strategy of the config's targets.
func Benchmark(cfg config.Config) engine.Strategy {
	var w []float64
	if len(cfg.Trade.Weights) > 0 {
		w = cfg.Trade.Weights
	}
	return &BuyAndHold{Targets: cfg.Trade.Targets, Weights: w}
}

// EngineOptions maps the config's capital, costs, fill and window onto engine
// options.
func EngineOptions(cfg config.Config) (engine.Options, error) {
	fill, err := engine.ParseFillMode(cfg.Fill)
	if err != nil {
		return engine.Options{}, err
	}
	o := engine.Options{
		Capital:       cfg.Capital,
		CommissionBps: cfg.Costs.CommissionBps,
		SlippageBps:   cfg.Costs.SlippageBps,
		Fill:          fill,
		Trigger:       cfg.Trigger.Symbol,
		Targets:       cfg.Trade.Targets,
	}
	if cfg.Data.Start != "" {
		d, err := data.ParseDate(cfg.Data.Start)
		if err != nil {
			return o, fmt.Errorf("data.start: %w", err)
		}
		o.Start, o.HasStart = d, true
	}
	if cfg.Data.End != "" {
		d, err := data.ParseDate(cfg.Data.End)
		if err != nil {
			return o, fmt.Errorf("data.end: %w", err)
		}
		o.End, o.HasEnd = d, true
	}
	return o, nil
}

// Symbols lists the symbols a config needs loaded: the trigger, the targets,
// then the filter series.
func Symbols(cfg config.Config) []string {
	seen := map[string]bool{}
	var out []string
	all := append([]string{cfg.Trigger.Symbol}, cfg.Trade.Targets...)
	if cfg.Trade.Filter.Symbol != "" {
		all = append(all, cfg.Trade.Filter.Symbol)
	}
	for _, s := range all {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
