package config

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// CheckEnv reports every variable in environ ("NAME=value" pairs, as
// os.Environ returns them) that starts with EnvPrefix but sets no key and is
// not one of other (variables riskon reads for other purposes, such as
// RISKON_DB). Like an unknown key in a file or --set, it names the variable
// and suggests the nearest valid one; all problems are listed, one per
// line. A misspelled variable would otherwise be ignored silently.
func CheckEnv(environ []string, other []string) error {
	valid := map[string]string{} // variable -> key ("" for other)
	for _, k := range Keys() {
		valid[EnvName(k)] = k
	}
	for _, o := range other {
		if _, ok := valid[o]; !ok {
			valid[o] = ""
		}
	}
	var bad []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		if _, ok := valid[name]; ok {
			continue
		}
		msg := fmt.Sprintf("environment variable %s sets no config key and is not a variable riskon reads", name)
		if s, key := suggestEnv(name, valid); s != "" {
			if key != "" {
				msg += fmt.Sprintf("; did you mean %s (key %s)?", s, key)
			} else {
				msg += fmt.Sprintf("; did you mean %s?", s)
			}
		} else {
			msg += "; unset it (variables that set keys are " + EnvPrefix + " plus the key path upper-cased, dots as underscores: " + EnvName("trigger.lookback") + ")"
		}
		bad = append(bad, msg)
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return fmt.Errorf("%s", strings.Join(bad, "\n"))
}

// suggestEnv returns the valid variable nearest to name and its key, or ""
// when nothing is close (the same tolerance as Suggest).
func suggestEnv(name string, valid map[string]string) (string, string) {
	rest := strings.ToLower(strings.TrimPrefix(name, EnvPrefix))
	best, bestScore := "", math.MaxInt
	for v := range valid {
		score := distance(rest, strings.ToLower(strings.TrimPrefix(v, EnvPrefix)))
		if score < bestScore || (score == bestScore && v < best) {
			best, bestScore = v, score
		}
	}
	if bestScore <= max(2, len(rest)/6) {
		return best, valid[best]
	}
	return "", ""
}
