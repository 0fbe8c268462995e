package config

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: any bytes either fail with an error or decode to a config that
// passes Validate and hashes deterministically. Never a panic.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("../../configs/*.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"",
		"{}",
		"trigger: {lookback: 5}\n",
		"trigger:\n  lookbak: 5\n",
		"trade: {targets: [BTC, ETH], weights: [1, 2]}\n",
		"trade: {hold_days: abc}\n",
		"data: {start: 2020-01-01, end: 2019-01-01}\n",
		"trigger: 5\n",
		"- a\n",
		"a: &x [1, 2]\nb: *x\n",
		"1: 2\n",
		"trade: {targets: BTC}\n",
		"seed: 18446744073709551615\n",
		"capital: .nan\n",
		"trigger.lookback: 3\n",
		"Trade: {Hold_Days: 3}\n",
		"trade: {hold_days: 1e3}\n",
		"data: null\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Decode(bytes.NewReader(b), "fuzz.yaml", LoadOptions{Env: noEnv})
		if err != nil {
			return
		}
		if verr := Validate(c); verr != nil {
			t.Fatalf("Decode accepted an invalid config: %v\n%s", verr, b)
		}
		// Decoding the same bytes again gives the same hash.
		if again, err := Decode(bytes.NewReader(b), "fuzz.yaml", LoadOptions{Env: noEnv}); err != nil || Hash(again) != Hash(c) {
			t.Fatalf("decoding the same config twice: err %v, hash not deterministic", err)
		}
		// Re-decoding the canonical JSON (YAML is a superset of JSON) gives
		// the same config, apart from data.db which the hash excludes.
		c2, err := Decode(bytes.NewReader(Canonical(c)), "canonical.json", LoadOptions{Env: noEnv})
		if err != nil {
			t.Fatalf("canonical JSON of an accepted config does not decode: %v\n%s", err, Canonical(c))
		}
		if Hash(c2) != Hash(c) {
			t.Fatalf("canonical round trip changed the hash:\n%s\n%s", Canonical(c), Canonical(c2))
		}
	})
}
