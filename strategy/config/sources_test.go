package config

import (
	"strings"
	"testing"
)

// TestLoadSources: every key set by a layer is reported with that layer,
// the last layer winning; keys left at their defaults are absent.
func TestLoadSources(t *testing.T) {
	src := map[string]string{}
	env := func(k string) (string, bool) {
		if k == "RISKON_TRADE_HOLD_DAYS" {
			return "30", true
		}
		return "", false
	}
	_, err := Decode(strings.NewReader("trigger:\n  lookback: 50\ntrade:\n  hold_days: 7\ncapital: 1000\n"), "f.yaml",
		LoadOptions{Env: env, Sets: []string{"capital=2000"}, Sources: src})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"trigger.lookback": "in f.yaml", "trade.hold_days": "from RISKON_TRADE_HOLD_DAYS", "capital": "from --set"}
	if len(src) != len(want) {
		t.Errorf("sources %v, want %v", src, want)
	}
	for k, w := range want {
		if src[k] != w {
			t.Errorf("%s: %q, want %q", k, src[k], w)
		}
	}
}
