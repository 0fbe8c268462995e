package sweep

import (
	"bytes"
	"testing"

	"github.com/riskon/riskon/strategy/config"
)

// FuzzDecodeExpand: arbitrary sweep files never panic; a file that decodes
// expands into trials whose configs all validate, or is refused with an
// error, and expansion is deterministic.
func FuzzDecodeExpand(f *testing.F) {
	for _, s := range []string{
		"name: g\nbase: b.yaml\ngrid:\n  - {key: trigger.lookback, values: [5, 10]}\n  - {key: trade.hold_days, values: [1, 3]}\nrank_by: sharpe\n",
		"name: r\nbase: b.yaml\nrandom:\n  n: 5\n  seed: 3\n  params:\n    - {key: trigger.lookback, int: [5, 250]}\n    - {key: trade.trailing_stop, float: [0, 0.3]}\n",
		"name: l\nbase: b.yaml\ntrials:\n  - {set: [trigger.lookback=20, trade.hold_days=7]}\n",
		"name: c\nbase: b.yaml\ngrid:\n  - {key: trigger.lookback, values: [5, 50]}\n  - {key: trade.hold_days, values: [1, 100]}\nconstraints: [\"trade.hold_days <= trigger.lookback\"]\n",
		"name: t\nbase: b.yaml\ngrid:\n  - {key: trade.targets, values: [[BTC], [ETH], [SOL, AVAX]]}\n",
		"grid: {trigger.lookback: [1]}\n",
		"name: x\ngrid:\n  - {key: nope, values: [1]}\n",
		"",
	} {
		f.Add([]byte(s))
	}
	base := config.Default()
	f.Fuzz(func(t *testing.T, b []byte) {
		spec, err := Decode(bytes.NewReader(b), "fuzz.yaml")
		if err != nil {
			return
		}
		exp, err := Expand(spec, base, "fuzz.yaml")
		if err != nil {
			return
		}
		if len(exp.Trials) > 1_000_000 {
			t.Fatalf("%d trials from a %d-byte file", len(exp.Trials), len(b))
		}
		again, err := Expand(spec, base, "fuzz.yaml")
		if err != nil || len(again.Trials) != len(exp.Trials) {
			t.Fatalf("expansion is not deterministic: %v", err)
		}
		for i := range exp.Trials {
			if i >= 200 {
				break
			}
			if exp.Trials[i].Hash != again.Trials[i].Hash {
				t.Fatalf("trial %d hash differs between expansions", i)
			}
			cfg, err := exp.Config(&exp.Trials[i])
			if err != nil {
				t.Fatalf("trial %d does not rebuild: %v", i, err)
			}
			if err := config.Validate(cfg); err != nil {
				t.Fatalf("trial %d expands to an invalid config: %v", i, err)
			}
		}
	})
}
