package config

import (
	"strings"
	"testing"
)

// TestCheckEnv: a RISKON_ variable that sets no key and is not one of the
// others is refused with the nearest valid variable; valid ones pass.
func TestCheckEnv(t *testing.T) {
	t.Parallel()
	other := []string{"RISKON_DB", "RISKON_DATA"}
	ok := []string{"PATH=/bin", EnvName("trigger.lookback") + "=30", EnvName("trade.hold_days") + "=3", "RISKON_DB=x.duckdb", "RISKON_DATA=/d", "NOT_RISKON_X=1"}
	if err := CheckEnv(ok, other); err != nil {
		t.Fatalf("valid environment refused: %v", err)
	}
	for env, want := range map[string]string{
		"RISKON_TRIGER_LOOKBACK=30": "did you mean RISKON_TRIGGER_LOOKBACK (key trigger.lookback)?",
		"RISKON_TRADE_HOLDDAYS=3":   "did you mean RISKON_TRADE_HOLD_DAYS (key trade.hold_days)?",
		"RISKON_DBB=x":              "did you mean RISKON_DB?",
		"RISKON_ZZZZZZZZZZZZ=1":     "unset it",
	} {
		err := CheckEnv(append(ok, env), other)
		name, _, _ := strings.Cut(env, "=")
		if err == nil || !strings.Contains(err.Error(), "environment variable "+name) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", env, err, want)
		}
	}
	// Every problem is listed, one per line.
	err := CheckEnv([]string{"RISKON_DBB=1", "RISKON_TRIGER_LOOKBACK=2"}, other)
	if err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("two misspellings: %v", err)
	}
}
