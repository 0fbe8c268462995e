package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/riskon/riskon/strategy/config"
)

// TestConfigKeys: `riskon config keys` lists every config key and every
// registered part, in the table and as JSON.
func TestConfigKeys(t *testing.T) {
	out, _, err := runCLI(t, "config", "keys")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range config.Keys() {
		if !strings.Contains(out, "\n"+k+" ") {
			t.Errorf("key %s missing from the table", k)
		}
	}
	for _, want := range []string{"trigger.rule=range_breakout", "trade.filter.rule=above_ma", "trade.sizing=vol_target", "exit stop_loss",
		"[read by rule donchian, rule range_breakout]"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	js, _, err := runCLI(t, "config", "keys", "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var docs []config.KeyDoc
	if err := json.Unmarshal([]byte(js), &docs); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if d.Doc == "" {
			t.Errorf("%s has no documentation", d.Key)
		}
	}
	if len(docs) < len(config.Keys())+15 {
		t.Errorf("%d entries, want every key and every part", len(docs))
	}
}
