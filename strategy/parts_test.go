package strategy

import (
	"fmt"
	"testing"

	"github.com/riskon/riskon/strategy/config"
)

// TestPartsMatch keeps config.TestParts (the table the config package's own
// tests register) equal to what this package registers.
func TestPartsMatch(t *testing.T) {
	key := func(p config.Part) string { return fmt.Sprint(p.Kind, p.Name, p.Keys) }
	want := map[string]bool{}
	for _, p := range config.TestParts() {
		want[key(p)] = true
	}
	n := 0
	for _, kind := range []string{config.KindTrigger, config.KindFilter, config.KindSizing} {
		for _, p := range config.Parts(kind) {
			n++
			if !want[key(p)] {
				t.Errorf("registered part %s %s %v is missing from config.TestParts", p.Kind, p.Name, p.Keys)
			}
		}
	}
	if n != len(want) {
		t.Errorf("%d registered parts, config.TestParts has %d", n, len(want))
	}
	// Every part documents itself, and every rule builds with the defaults.
	for _, r := range TriggerRules() {
		if r.Doc == "" {
			t.Errorf("rule %s has no doc", r.Name)
		}
		cfg := config.Default()
		cfg.Trigger.Rule = r.Name
		if _, _, err := New(cfg); err != nil {
			t.Errorf("rule %s with the defaults: %v", r.Name, err)
		}
	}
	for _, r := range FilterRules() {
		if r.Doc == "" || r.Check == nil {
			t.Errorf("filter rule %s has no doc or check", r.Name)
		}
	}
}
