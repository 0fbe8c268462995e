package strategy

import (
	"fmt"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/strategy/config"
)

// New builds the strategy a run config describes, with the engine options of
// the run: the one builder behind run, study, replay, the random-entry test
// and sweep trials (which then switch it to cached mode with UseSignals).
// The config should have passed config.Validate; New still refuses what it
// cannot run.
func New(cfg config.Config) (*Breakout, engine.Options, error) {
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

// Builder builds the strategies of many configs one after another (a sweep
// worker's trials): it parses the window dates once per distinct string and
// keeps one Breakout whose buffers every trial reuses. It is not safe for
// concurrent use.
type Builder struct {
	start, end dateMemo
	b          Breakout
}

type dateMemo struct {
	s  string
	d  data.Date
	ok bool
}

// parse parses s (YYYY-MM-DD), remembering the last string parsed.
func (m *dateMemo) parse(s string) (data.Date, error) {
	if m != nil && m.ok && m.s == s {
		return m.d, nil
	}
	d, err := data.ParseDate(s)
	if err == nil && m != nil {
		m.s, m.d, m.ok = s, d, true
	}
	return d, err
}

// Params is Params, parsing data.start and data.end only when they differ
// from the previous config's.
func (bd *Builder) Params(cfg config.Config) (BreakoutParams, engine.Options, error) {
	return params(cfg, &bd.start, &bd.end)
}

// Cached returns the strategy of p in cached mode over sig (Breakout.Reuse).
// It is the builder's own Breakout: valid until the next call.
func (bd *Builder) Cached(p BreakoutParams, sig *TriggerSignals) (*Breakout, error) {
	if err := bd.b.Reuse(p, sig); err != nil {
		return nil, err
	}
	return &bd.b, nil
}

// Params maps a run config onto the breakout's parameters (the parts it
// names, from the registry) and the engine options.
func Params(cfg config.Config) (BreakoutParams, engine.Options, error) {
	return params(cfg, nil, nil)
}

func params(cfg config.Config, start, end *dateMemo) (BreakoutParams, engine.Options, error) {
	opts, err := engineOptions(cfg, start, end)
	if err != nil {
		return BreakoutParams{}, opts, err
	}
	t, tr := cfg.Trigger, cfg.Trade
	p := BreakoutParams{
		Trigger:              t.Symbol,
		Rule:                 Rule(t.Rule),
		Lookback:             t.Lookback,
		MinDaysSinceHigh:     t.MinDaysSinceHigh,
		Confirm:              t.Confirm,
		Margin:               t.Margin,
		CooldownDays:         t.CooldownDays,
		RangeDays:            t.RangeDays,
		MaxRange:             t.MaxRange,
		MADays:               t.MADays,
		Fast:                 t.Fast,
		Slow:                 t.Slow,
		RelativeTo:           t.RelativeTo,
		Targets:              tr.Targets,
		Allocation:           tr.Allocation,
		HoldDays:             tr.HoldDays,
		TrailingStop:         tr.TrailingStop,
		StopLoss:             tr.StopLoss,
		TakeProfit:           tr.TakeProfit,
		ExitOnFailedBreakout: tr.ExitOnFailedBreakout,
	}
	if len(tr.Weights) > 0 {
		p.Weights = tr.Weights
	}
	if p.Rule == "" {
		p.Rule = Donchian
	}
	if _, err := triggerRule(p.Rule); err != nil {
		return p, opts, err
	}
	switch tr.Sizing {
	case "", "fixed":
	case "vol_target":
		p.VolTarget, p.VolDays = tr.VolTarget, tr.VolDays
	default:
		return p, opts, fmt.Errorf("trade.sizing %q: want fixed or vol_target", tr.Sizing)
	}
	for _, f := range config.FiltersOf(tr) {
		p.Filters = append(p.Filters, FilterParams{Symbol: f.Symbol, Rule: f.Rule, Lookback: f.Lookback, Level: f.Level, MADays: f.MADays})
	}
	switch t.Timeframe {
	case "daily", "":
		p.Timeframe = Daily
	case "weekly":
		p.Timeframe = Weekly
	case "monthly":
		p.Timeframe = Monthly
	default:
		return p, opts, fmt.Errorf("trigger.timeframe %q: want daily, weekly or monthly", t.Timeframe)
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
	return engineOptions(cfg, nil, nil)
}

func engineOptions(cfg config.Config, start, end *dateMemo) (engine.Options, error) {
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
		CashRate:      cfg.Cash.RateSymbol,
	}
	if cfg.Data.Start != "" {
		d, err := start.parse(cfg.Data.Start)
		if err != nil {
			return o, fmt.Errorf("data.start: %w", err)
		}
		o.Start, o.HasStart = d, true
	}
	if cfg.Data.End != "" {
		d, err := end.parse(cfg.Data.End)
		if err != nil {
			return o, fmt.Errorf("data.end: %w", err)
		}
		o.End, o.HasEnd = d, true
	}
	return o, nil
}

// Symbols lists the symbols a config needs loaded: the trigger, the targets,
// the relative symbol, the filter series, then the cash rate series.
func Symbols(cfg config.Config) []string {
	seen := map[string]bool{}
	var out []string
	all := append([]string{cfg.Trigger.Symbol}, cfg.Trade.Targets...)
	if cfg.Trigger.RelativeTo != "" {
		all = append(all, cfg.Trigger.RelativeTo)
	}
	for _, f := range config.FiltersOf(cfg.Trade) {
		all = append(all, f.Symbol)
	}
	if cfg.Cash.RateSymbol != "" {
		all = append(all, cfg.Cash.RateSymbol)
	}
	for _, s := range all {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
