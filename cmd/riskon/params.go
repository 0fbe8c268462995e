package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	runstore "github.com/riskon/riskon/results/store"
	"github.com/riskon/riskon/strategy/compare"
	"github.com/riskon/riskon/strategy/config"
)

// paramChange is a resolved config key whose value differs from the
// default, with where the value came from.
type paramChange struct {
	Key, Value, Source string
}

// changedParams lists the keys of cfg that differ from config.Default(),
// sorted, each with its source from config.LoadOptions.Sources ("in FILE",
// "from RISKON_...", "from --set"; "from --name" for the name).
func changedParams(cfg config.Config, sources map[string]string) []paramChange {
	got, def := compare.Flatten(cfg), compare.Flatten(config.Default())
	var out []paramChange
	for k, v := range got {
		if d, ok := def[k]; ok && compare.ValueText(d) == compare.ValueText(v) {
			continue
		}
		src := sources[k]
		if src == "" {
			src = "derived"
		}
		out = append(out, paramChange{Key: k, Value: compare.ValueText(v), Source: src})
	}
	slices.SortFunc(out, func(a, b paramChange) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// printParams writes what a run ran: its config's differences from the
// defaults and where each came from.
func printParams(w io.Writer, file string, changes []paramChange) {
	from := "no config file"
	if file != "" {
		from = "config " + file
	}
	if len(changes) == 0 {
		fmt.Fprintf(w, "%s: every key at its default\n\n", from)
		return
	}
	fmt.Fprintf(w, "%s; %d keys differ from the defaults:\n", from, len(changes))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range changes {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Key, c.Value, c.Source)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// maxParamColumns bounds the parameter columns of `riskon runs`.
const maxParamColumns = 4

// paramColumns picks the config keys `riskon runs` shows as columns: the
// keys whose values differ between the listed runs (the ones a reader
// compares), else, for a single run or identical configs, the keys that
// differ from the defaults. Never data.db; at most maxParamColumns, the
// rest counted in more.
func paramColumns(runs []runstore.RunSummary) (keys []string, values []map[string]any, more int) {
	values = make([]map[string]any, len(runs))
	for i, r := range runs {
		var c config.Config
		if len(r.Config) > 0 && json.Unmarshal(r.Config, &c) == nil {
			values[i] = compare.Flatten(c)
		}
	}
	seen := map[string]string{}
	varies := map[string]bool{}
	for _, m := range values {
		for k, v := range m {
			t := compare.ValueText(v)
			if prev, ok := seen[k]; ok && prev != t {
				varies[k] = true
			}
			seen[k] = t
		}
	}
	if len(varies) == 0 {
		def := compare.Flatten(config.Default())
		for k, t := range seen {
			if compare.ValueText(def[k]) != t {
				varies[k] = true
			}
		}
	}
	delete(varies, "data.db")
	for k := range varies {
		keys = append(keys, k)
	}
	// strategy keys before the window (data.*), each group sorted
	slices.SortFunc(keys, func(a, b string) int {
		da, db := strings.HasPrefix(a, "data."), strings.HasPrefix(b, "data.")
		if da != db {
			if da {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	if len(keys) > maxParamColumns {
		more = len(keys) - maxParamColumns
		keys = keys[:maxParamColumns]
	}
	return keys, values, more
}

// cellText is a config value in a table cell: "-" for an empty string or
// null (data.start: null means the whole history).
func cellText(v any) string {
	if v == nil || v == "" {
		return "-"
	}
	return compare.ValueText(v)
}
