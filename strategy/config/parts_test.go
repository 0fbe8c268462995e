package config

import (
	"reflect"
	"testing"
)

// The strategy package registers the real parts; this package's tests cannot
// import it (import cycle), so they register the same table. TestPartsMatch
// in package strategy checks that the two agree.
func init() {
	for _, p := range TestParts() {
		RegisterPart(p)
	}
}

// TestFromCanonicalRestoresUnreadKeys: a config stored in canonical form
// decodes to the config it was (keys the chosen parts do not read back at
// their defaults), for every trigger rule and sizing; and switching the
// rule of a decoded donchian base (what a sweep trial does) gives the
// defaults of the new rule's keys, not zero.
func TestFromCanonicalRestoresUnreadKeys(t *testing.T) {
	for _, p := range TestParts() {
		if p.Kind != KindTrigger && p.Kind != KindSizing {
			continue
		}
		c := Default()
		c.Data.DB = ""
		if p.Kind == KindTrigger {
			c.Trigger.Rule = p.Name
		} else {
			c.Trade.Sizing = p.Name
		}
		got, err := FromCanonical(Canonical(c))
		if err != nil {
			t.Fatalf("%s %s: %v", p.Kind, p.Name, err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("%s %s: FromCanonical(Canonical(c)) =\n%+v\nwant\n%+v", p.Kind, p.Name, got, c)
		}
		if Hash(got) != Hash(c) {
			t.Errorf("%s %s: hash changed by the round trip", p.Kind, p.Name)
		}
	}
	base, err := FromCanonical(Canonical(Default()))
	if err != nil {
		t.Fatal(err)
	}
	base.Trigger.Rule = "range_breakout"
	if d := Default().Trigger; base.Trigger.RangeDays != d.RangeDays || base.Trigger.MaxRange != d.MaxRange || d.RangeDays == 0 {
		t.Fatalf("range_breakout over a decoded donchian base: range_days %d max_range %v, want the defaults %d %v",
			base.Trigger.RangeDays, base.Trigger.MaxRange, d.RangeDays, d.MaxRange)
	}
	// A key the chosen rule reads keeps its zero (max_range 0 is valid).
	c := Default()
	c.Data.DB = ""
	c.Trigger.Rule, c.Trigger.MaxRange = "range_breakout", 0
	got, err := FromCanonical(Canonical(c))
	if err != nil {
		t.Fatal(err)
	}
	if got.Trigger.MaxRange != 0 {
		t.Fatalf("range_breakout with max_range 0 decodes to %v", got.Trigger.MaxRange)
	}
}
