// Package today reports where a run config's strategy stands at the end of
// its data ("today's signal"): the trigger's state as of the trigger's own
// last bar (the level the next close must break and how far it is, the last
// confirmed breakout and its age), each entry filter's verdict, how stale
// each input is, and whether the strategy holds a position now, with its
// exit plan. The trigger state is read from the same causal trigger code the
// backtest runs (strategy.TriggerStatusOf), the filters through the same
// checks (strategy.FilterStatusAt), and the position by replaying the
// strategy through the engine. Nothing here prints.
package today

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// Report is the state of a config's strategy at the end of its data: the
// JSON contract of `riskon signal --output json`. Dates are YYYY-MM-DD;
// figures that do not exist yet (a level before enough history) are null.
type Report struct {
	Name       string `json:"name"`
	ConfigHash string `json:"config_hash"`
	// AsOf is the date of the trigger's last bar: the state is as of its
	// close.
	AsOf     string    `json:"as_of"`
	Inputs   []Input   `json:"inputs"`
	Trigger  Trigger   `json:"trigger"`
	Filters  []Filter  `json:"filters"`
	Position Position  `json:"position"`
	Notes    []string  `json:"notes"`
	trigEnd  data.Date // the trigger's last bar date
	trigAt   int64     // its close instant
	window   data.Date // the last date of the replayed window
	trigLast float64
}

// Input is one series the config reads and how far its data reach.
type Input struct {
	Symbol string `json:"symbol"`
	// Role is trigger, relative_to, target, filter or cash_rate.
	Role  string `json:"role"`
	First string `json:"first"`
	Last  string `json:"last"`
	Bars  int    `json:"bars"`
	// DaysBehind is the number of calendar days from its last bar to the
	// trigger's last bar (0 for the trigger; negative when ahead).
	DaysBehind int `json:"days_behind_trigger"`
}

// Trigger is the trigger's state after its last period close.
type Trigger struct {
	Symbol     string `json:"symbol"`
	RelativeTo string `json:"relative_to,omitempty"`
	Rule       string `json:"rule"`
	Timeframe  string `json:"timeframe"`
	// LastBar and LastBarClose are the trigger's last daily bar.
	LastBar      string  `json:"last_bar"`
	LastBarClose float64 `json:"last_bar_close"`
	// LastPeriod, LastClose: the last period close the rule saw (the ratio
	// trigger/relative_to with relative_to). PeriodInProgress is true when
	// bars after it belong to a period not yet closed (weekly, monthly).
	LastPeriod       string  `json:"last_period_close"`
	LastClose        float64 `json:"last_close"`
	ComparedValue    float64 `json:"compared_value"`
	PeriodInProgress bool    `json:"period_in_progress"`
	Periods          int     `json:"periods"`
	// Ready is false while the rule has too little history; Level is the
	// close the next period close must exceed to fire (margin included),
	// LevelDate the date of the close that set it, DistancePct the
	// distance from the last close to it in % of the last close.
	Ready       bool     `json:"ready"`
	Level       *float64 `json:"level"`
	LevelDate   string   `json:"level_date,omitempty"`
	DistancePct *float64 `json:"distance_pct"`
	// DistanceFromLastBarPct is, while a weekly or monthly period is in
	// progress (and without relative_to), the distance from the last daily
	// close: where the period would stand if it closed there.
	DistanceFromLastBarPct *float64 `json:"distance_from_last_bar_pct,omitempty"`
	// Armed says whether the rule's other condition holds for the next
	// close (new_high: the high old enough; range_breakout: the range
	// held; MA rules: at or below the average now); NotArmed says why not.
	Armed    bool        `json:"armed"`
	NotArmed string      `json:"not_armed_because,omitempty"`
	NextDate string      `json:"next_session"`
	Values   []RuleValue `json:"values"`
	Margin   float64     `json:"margin"`
	// Confirm is the confirmation count; Confirming counts the closes of a
	// breakout awaiting it (0: none) above ConfirmLevel.
	Confirm      int     `json:"confirm"`
	Confirming   int     `json:"confirming"`
	ConfirmLevel float64 `json:"confirm_level,omitempty"`
	// Signals counts the confirmed breakouts over the trigger's whole data.
	Signals    int         `json:"signals"`
	LastSignal *LastSignal `json:"last_signal"`
}

// RuleValue is one figure of the rule's state.
type RuleValue struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Date  string  `json:"date,omitempty"`
}

// LastSignal is the trigger's last confirmed breakout.
type LastSignal struct {
	Date  string  `json:"date"`
	Close float64 `json:"close"`
	Level float64 `json:"level"`
	// AgeDays is in calendar days to the trigger's last bar, AgeBars in
	// period closes of the trigger since the signal.
	AgeDays int `json:"age_days"`
	AgeBars int `json:"age_bars"`
	// AfterTargets is true when the signal is after the window the
	// targets' data allow replaying: the backtest has not acted on it.
	AfterTargets bool `json:"after_targets_last_bar"`
}

// Filter is one entry filter's verdict on a signal at the trigger's last
// close.
type Filter struct {
	Symbol string `json:"symbol"`
	Rule   string `json:"rule"`
	// State is passes, blocks or no_data.
	State string `json:"state"`
	Why   string `json:"why,omitempty"`
	First string `json:"first"`
	Last  string `json:"last"`
	// LastClose is the filter series' last close known then and Reference
	// what the rule compares it with (the close lookback bars earlier, the
	// level, or the moving average); null without data.
	LastClose *float64 `json:"last_close"`
	Reference *float64 `json:"reference"`
}

// Position is whether the strategy holds a position at the end of the
// replayed window, with the exit plan of each leg.
type Position struct {
	Open bool `json:"open"`
	// ReplayedThrough is the last date of the backtest window (the earlier
	// of the trigger's and the targets' last bars, and data.end).
	ReplayedThrough string `json:"replayed_through"`
	Trades          int    `json:"trades"`
	Legs            []Leg  `json:"legs"`
	// CooldownUntil, with trigger.cooldown_days, is the first date a
	// signal is acted on again after the last acted one, when that date is
	// after the trigger's last bar.
	CooldownUntil string `json:"cooldown_until,omitempty"`
}

// Leg is one open holding and the exits that will close it.
type Leg struct {
	Symbol     string  `json:"symbol"`
	SignalDate string  `json:"signal_date"`
	EntryDate  string  `json:"entry_date"`
	EntryPrice float64 `json:"entry_price"`
	LastDate   string  `json:"last_date"`
	LastClose  float64 `json:"last_close"`
	ReturnPct  float64 `json:"return_pct"`
	// HoldExit is the date of the bar whose close ends the holding period
	// (empty without one), DaysLeft the calendar days from LastDate.
	HoldExit string `json:"hold_exit,omitempty"`
	DaysLeft *int   `json:"hold_days_left,omitempty"`
	// Stop levels live now (null when off).
	TrailingStop        *float64 `json:"trailing_stop"`
	StopLoss            *float64 `json:"stop_loss"`
	TakeProfit          *float64 `json:"take_profit"`
	FailedBreakoutLevel *float64 `json:"failed_breakout_level"`
}

func ptr[T any](v T) *T { return &v }

// Compute builds the report of cfg (validated) on ds, which must hold every
// series strategy.Symbols(cfg) names.
func Compute(ctx context.Context, cfg config.Config, ds *data.Dataset) (*Report, error) {
	p, opts, err := strategy.Params(cfg)
	if err != nil {
		return nil, err
	}
	if opts.HasEnd {
		// data.end bounds everything, the trigger's state included.
		ds = ds.Truncate((opts.End + 1).Unix())
	}
	trig := ds.Get(p.Trigger)
	if trig == nil || trig.Len() == 0 {
		return nil, fmt.Errorf("trigger symbol %q has no bars", p.Trigger)
	}
	hash := config.Hash(cfg)
	n := trig.Len()
	r := &Report{Name: cfg.Name, ConfigHash: hash, trigEnd: trig.Date[n-1], trigAt: trig.CloseTime[n-1],
		trigLast: trig.Close[n-1], Filters: []Filter{}, Notes: []string{}}
	r.AsOf = r.trigEnd.String()
	r.inputs(cfg, ds)
	plan := engine.NewPlan(ds)
	if err := r.position(ctx, cfg, plan, opts); err != nil {
		return nil, err
	}
	if err := r.trigger(p, trig, plan); err != nil {
		return nil, err
	}
	for _, f := range p.Filters {
		if err := r.filter(f, ds.Get(f.Symbol)); err != nil {
			return nil, err
		}
	}
	// One note per group of stale inputs ending on the same date.
	var order []string
	groups := map[string][]string{}
	for _, in := range r.Inputs {
		if in.Role != "trigger" && in.DaysBehind > 7 {
			k := fmt.Sprintf("last bar %s, %d days before the trigger's last bar", in.Last, in.DaysBehind)
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], in.Symbol+" ("+in.Role+")")
		}
	}
	for _, k := range order {
		r.Notes = append(r.Notes, strings.Join(groups[k], ", ")+": "+k)
	}
	return r, nil
}

func (r *Report) inputs(cfg config.Config, ds *data.Dataset) {
	roles := map[string]string{}
	add := func(sym, role string) {
		if _, ok := roles[sym]; !ok {
			roles[sym] = role
		}
	}
	add(cfg.Trigger.Symbol, "trigger")
	for _, t := range cfg.Trade.Targets {
		add(t, "target")
	}
	if cfg.Trigger.RelativeTo != "" {
		add(cfg.Trigger.RelativeTo, "relative_to")
	}
	for _, f := range config.FiltersOf(cfg.Trade) {
		add(f.Symbol, "filter")
	}
	if cfg.Cash.RateSymbol != "" {
		add(cfg.Cash.RateSymbol, "cash_rate")
	}
	for _, sym := range strategy.Symbols(cfg) {
		in := Input{Symbol: sym, Role: roles[sym]}
		if s := ds.Get(sym); s != nil && s.Len() > 0 {
			in.First, in.Last, in.Bars = s.Date[0].String(), s.Date[s.Len()-1].String(), s.Len()
			in.DaysBehind = int(r.trigEnd - s.Date[s.Len()-1])
		}
		r.Inputs = append(r.Inputs, in)
	}
}

// nextSession is the first session day of cal after d.
func nextSession(cal data.Calendar, d data.Date) data.Date {
	next := d + 1
	for i := 0; i < 14 && !cal.IsSessionDay(next); i++ {
		next++
	}
	return next
}

func (r *Report) trigger(p strategy.BreakoutParams, trig *data.Series, plan *engine.Plan) error {
	next := nextSession(trig.Calendar, r.trigEnd)
	st, err := strategy.TriggerStatusOf(plan, p, next)
	if err != nil {
		return err
	}
	t := Trigger{Symbol: p.Trigger, RelativeTo: p.RelativeTo, Rule: string(p.Rule), Timeframe: timeframe(p.Timeframe),
		LastBar: r.AsOf, LastBarClose: r.trigLast, Periods: st.Periods, Ready: st.Rule.Ready, Armed: st.Rule.Ready && st.Rule.Armed,
		NotArmed: st.Rule.Why, NextDate: next.String(), Margin: p.Margin, Confirm: st.Confirm, Confirming: st.Confirming,
		Signals: st.Signals, Values: []RuleValue{}}
	if st.Confirming > 0 {
		t.ConfirmLevel = st.ConfirmLevel
	}
	if st.Periods > 0 {
		t.LastPeriod, t.LastClose, t.ComparedValue = st.LastDate.String(), st.LastClose, st.LastValue
		t.PeriodInProgress = st.LastDate < r.trigEnd && p.Timeframe != strategy.Daily
	}
	if st.Rule.Ready && st.Periods > 0 {
		t.Level = ptr(st.Rule.Level)
		if st.LastClose != 0 {
			t.DistancePct = ptr(100 * (st.Rule.Level/st.LastClose - 1))
		}
		if t.PeriodInProgress && p.RelativeTo == "" && r.trigLast != 0 {
			t.DistanceFromLastBarPct = ptr(100 * (st.Rule.Level/r.trigLast - 1))
		}
		if st.HasLevelDate {
			t.LevelDate = st.LevelDate.String()
		}
	}
	for _, v := range st.Rule.Values {
		rv := RuleValue{Name: v.Name, Value: v.Value}
		if v.HasDate {
			rv.Date = v.Date.String()
		}
		t.Values = append(t.Values, rv)
	}
	if s := st.LastSignal; s.Index >= 0 {
		t.LastSignal = &LastSignal{Date: s.Date.String(), Close: s.Close, Level: s.Level,
			AgeDays: int(r.trigEnd - s.Date), AgeBars: st.Periods - 1 - s.Index, AfterTargets: s.Date > r.window}
		if t.LastSignal.AfterTargets {
			what := "an entry would fill at the targets' first bar after it"
			if r.Position.Open {
				what = "the position open at the window's end would make it in_position unless that position exits first"
			}
			r.Notes = append(r.Notes, fmt.Sprintf("the signal of %s is after the replayed window (through %s, the targets' data): the backtest has not acted on it; %s",
				s.Date, r.window, what))
		}
	}
	r.Trigger = t
	return nil
}

func timeframe(t strategy.Timeframe) string {
	switch t {
	case strategy.Weekly:
		return "weekly"
	case strategy.Monthly:
		return "monthly"
	}
	return "daily"
}

func (r *Report) filter(f strategy.FilterParams, s *data.Series) error {
	st, err := strategy.FilterStatusAt(f, s, r.trigAt)
	if err != nil {
		return err
	}
	out := Filter{Symbol: f.Symbol, Rule: f.Rule, State: st.State, Why: st.Why}
	if s != nil && s.Len() > 0 {
		out.First, out.Last = s.Date[0].String(), s.Date[s.Len()-1].String()
	}
	if st.Bars > 0 {
		cl := s.Close[:st.Bars]
		out.LastClose = ptr(cl[len(cl)-1])
		switch f.Rule {
		case "falling", "rising":
			if len(cl) > f.Lookback {
				out.Reference = ptr(cl[len(cl)-1-f.Lookback])
			}
		case "above", "below":
			out.Reference = ptr(f.Level)
		case "above_ma", "below_ma":
			if f.MADays >= 1 && len(cl) >= f.MADays {
				sum := 0.0
				for _, v := range cl[len(cl)-f.MADays:] {
					sum += v
				}
				out.Reference = ptr(sum / float64(f.MADays))
			}
		}
	}
	r.Filters = append(r.Filters, out)
	return nil
}

// position replays the strategy through the engine over the run's window
// and reports the legs still open at its end.
func (r *Report) position(ctx context.Context, cfg config.Config, plan *engine.Plan, opts engine.Options) error {
	_, end, err := engine.Window(plan.DS, opts)
	if err != nil {
		return err
	}
	r.window = data.DateFromUnix(end - 1)
	s, _, err := strategy.New(cfg)
	if err != nil {
		return err
	}
	res, err := engine.Run(ctx, plan, s, opts)
	if err != nil {
		return err
	}
	pos := Position{ReplayedThrough: r.window.String(), Trades: len(res.Trades), Legs: []Leg{}}
	for _, tr := range res.Trades {
		if tr.ExitReason != engine.ExitOpen {
			continue
		}
		ser := plan.DS.Get(tr.Symbol)
		last := ser.Len() - 1
		for last > 0 && ser.CloseTime[last] > end {
			last--
		}
		leg := Leg{Symbol: tr.Symbol, SignalDate: data.DateFromUnix(tr.SignalTime).String(), EntryDate: tr.EntryDate.String(),
			EntryPrice: tr.EntryPrice, LastDate: ser.Date[last].String(), LastClose: ser.Close[last],
			ReturnPct: 100 * tr.Return}
		if h := cfg.Trade.HoldDays; h > 0 {
			exit := tr.EntryDate + data.Date(h)
			leg.HoldExit, leg.DaysLeft = exit.String(), ptr(int(exit-ser.Date[last]))
		}
		// The engine sets its stops from the raw fill price (before
		// slippage) and trails the highest close from the entry bar on.
		raw := tr.EntryPrice / (1 + opts.SlippageBps/1e4)
		if ts := cfg.Trade.TrailingStop; ts > 0 {
			peak := raw
			for i := 0; i <= last; i++ {
				if ser.CloseTime[i] >= tr.EntryTime {
					peak = math.Max(peak, ser.Close[i])
				}
			}
			leg.TrailingStop = ptr(peak * (1 - ts))
		}
		if sl := cfg.Trade.StopLoss; sl > 0 {
			leg.StopLoss = ptr(raw * (1 - sl))
		}
		if tp := cfg.Trade.TakeProfit; tp > 0 {
			leg.TakeProfit = ptr(raw * (1 + tp))
		}
		if cfg.Trade.ExitOnFailedBreakout && tr.Signal >= 0 {
			leg.FailedBreakoutLevel = ptr(res.Signals[tr.Signal].Level)
		}
		pos.Legs = append(pos.Legs, leg)
	}
	pos.Open = len(pos.Legs) > 0
	for _, l := range pos.Legs {
		if l.HoldExit != "" && l.HoldExit <= r.AsOf {
			r.Notes = append(r.Notes, fmt.Sprintf("the holding period of %s ends %s, before the trigger's last bar: the targets' data stop first, so the replay still holds it", l.Symbol, l.HoldExit))
		}
	}
	if cd := cfg.Trigger.CooldownDays; cd > 0 {
		for i := len(res.Signals) - 1; i >= 0; i-- {
			if res.Signals[i].Acted {
				if until := data.DateFromUnix(res.Signals[i].Time) + data.Date(cd); until > r.trigEnd {
					pos.CooldownUntil = until.String()
				}
				break
			}
		}
	}
	r.Position = pos
	return nil
}
