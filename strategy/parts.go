package strategy

import (
	"fmt"
	"slices"
	"sync"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/strategy/config"
)

// A run is composed of parts: one trigger rule, entry filters, exit rules
// and one sizing rule. Each part is a Go type registered here by name with
// the config keys it reads and a one-line description; the registry tells
// the config layer (config.RegisterPart), so that a key the chosen part does
// not read is refused and `riskon config keys` documents every key. Adding a
// part is one new file with an init that registers it, plus its test: the
// generic tests (TestEveryRule*) run every registered trigger rule through
// the live and the cached path.

// TriggerRule is a trigger rule part.
type TriggerRule struct {
	Name string
	Doc  string
	// Keys are the trigger keys the rule reads (full paths:
	// trigger.lookback), beyond those every rule reads (symbol, timeframe,
	// confirm, margin, cooldown_days, relative_to).
	Keys []string
	// New returns the rule's state for p, with room for capacity period
	// closes (allocate here: Next must not allocate).
	New func(p BreakoutParams, capacity int) (RuleState, error)
}

// RuleState is the causal state of a trigger rule over period closes.
type RuleState interface {
	// Next takes the next period close cl, dated d (the date of the
	// period's last daily bar), and reports whether it breaks out and the
	// level it broke (the level the margin and the failed-breakout exit
	// compare with).
	Next(cl float64, d data.Date) (level float64, broke bool)
}

// FilterRule is an entry-filter part: it reads the closed bars of its
// series at a signal.
type FilterRule struct {
	Name string
	Doc  string
	// Keys are the filter item keys the rule reads (lookback, level,
	// ma_days) besides symbol and rule.
	Keys []string
	// Check judges the closes of the filter series up to the signal:
	// enough is false when there are too few bars to judge (the signal is
	// then logged as filter_no_data); pass is meaningful only when enough.
	// It must not allocate.
	Check func(f FilterParams, closes []float64) (pass, enough bool)
}

// SizingRule is a sizing part: the fraction of cash an entry spends on each
// target, from closed bars only.
type SizingRule struct {
	Name string
	Doc  string
	Keys []string
}

// ExitRule documents an exit part: exits combine, each on when its key is
// set; the engine applies them (see engine.Exits).
type ExitRule struct {
	Name string
	Doc  string
	Keys []string
}

type parts struct {
	mu       sync.RWMutex
	triggers []TriggerRule
	filters  []FilterRule
}

// registry is filled by init functions and read-only afterwards.
var registry parts

// RegisterTriggerRule adds a trigger rule. It panics on a duplicate name or
// an unknown key (programming errors caught by any test of the package).
func RegisterTriggerRule(r TriggerRule) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	config.RegisterPart(config.Part{Kind: config.KindTrigger, Name: r.Name, Keys: r.Keys, Doc: r.Doc})
	registry.triggers = append(registry.triggers, r)
}

// RegisterFilterRule adds an entry-filter rule.
func RegisterFilterRule(r FilterRule) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	config.RegisterPart(config.Part{Kind: config.KindFilter, Name: r.Name, Keys: r.Keys, Doc: r.Doc})
	registry.filters = append(registry.filters, r)
}

// RegisterSizingRule adds a sizing rule (the config layer's table; sizing
// itself is applied by Breakout).
func RegisterSizingRule(r SizingRule) {
	config.RegisterPart(config.Part{Kind: config.KindSizing, Name: r.Name, Keys: r.Keys, Doc: r.Doc})
}

// RegisterExitRule documents an exit rule.
func RegisterExitRule(r ExitRule) {
	config.RegisterPart(config.Part{Kind: config.KindExit, Name: r.Name, Keys: r.Keys, Doc: r.Doc})
}

// TriggerRules returns the registered trigger rules in registration order.
func TriggerRules() []TriggerRule {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	return slices.Clone(registry.triggers)
}

// FilterRules returns the registered filter rules in registration order.
func FilterRules() []FilterRule {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	return slices.Clone(registry.filters)
}

func triggerRule(name Rule) (TriggerRule, error) {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	for _, r := range registry.triggers {
		if r.Name == string(name) {
			return r, nil
		}
	}
	return TriggerRule{}, fmt.Errorf("trigger.rule %q is not a registered rule", name)
}

func filterRule(name string) (FilterRule, error) {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	for _, r := range registry.filters {
		if r.Name == name {
			return r, nil
		}
	}
	return FilterRule{}, fmt.Errorf("filter rule %q is not a registered rule", name)
}

func init() {
	RegisterSizingRule(SizingRule{Name: "fixed", Doc: "spend trade.allocation of cash, split by the target weights"})
	RegisterSizingRule(SizingRule{Name: "vol_target", Keys: []string{"trade.vol_target", "trade.vol_days"},
		Doc: "scale each target's weight by vol_target / its annualised volatility over vol_days closed daily returns, capped at the fixed weight"})
	RegisterExitRule(ExitRule{Name: "hold", Keys: []string{"trade.hold_days"}, Doc: "exit at the close of the bar dated entry + hold_days"})
	RegisterExitRule(ExitRule{Name: "trailing_stop", Keys: []string{"trade.trailing_stop"}, Doc: "exit at the stop trailing the highest close since entry (gap through: the open)"})
	RegisterExitRule(ExitRule{Name: "stop_loss", Keys: []string{"trade.stop_loss"}, Doc: "exit at entry x (1 - stop_loss) (gap through: the open)"})
	RegisterExitRule(ExitRule{Name: "take_profit", Keys: []string{"trade.take_profit"}, Doc: "exit at entry x (1 + take_profit) (gap through: the open)"})
	RegisterExitRule(ExitRule{Name: "failed_breakout", Keys: []string{"trade.exit_on_failed_breakout"}, Doc: "exit when the trigger closes back below the broken level"})
}
