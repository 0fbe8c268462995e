package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Part kinds: the config keys whose value names a strategy part.
const (
	KindTrigger = "trigger.rule"
	KindFilter  = "trade.filter.rule"
	KindSizing  = "trade.sizing"
	KindExit    = "trade.exit"
)

// Part describes a strategy part to the config layer: its kind (the key that
// selects it, or KindExit for exits that are on when their key is set), its
// name, the keys it reads and a one-line description. The strategy package
// registers every part it implements; the config layer uses the table to
// refuse unknown part names and keys the chosen part does not read, and to
// document who reads each key.
type Part struct {
	Kind string
	Name string
	// Keys are the part's own keys, as full dotted paths for trigger rules,
	// sizing and exits (trigger.lookback) and as item keys for filters
	// (lookback, level, ma_days). Keys every part of the kind reads (the
	// trigger symbol, timeframe, confirmation) are not listed.
	Keys []string
	Doc  string
}

// partTable is the registry of parts, filled by RegisterPart from the init
// functions of the packages implementing them and read-only afterwards.
type partTable struct {
	mu    sync.RWMutex
	parts map[string][]Part     // by kind, in registration order
	owned map[string][]ownedKey // by kind: the keys some part reads, sorted
}

// ownedKey is a key that only some parts of a kind read.
type ownedKey struct {
	name  string // as the parts list it (item key for filters)
	index []int  // field index in Config, or in Filter for filters
	omit  bool   // json omitempty: left out of the canonical form when zero
	users []string
}

var registry = partTable{parts: map[string][]Part{}, owned: map[string][]ownedKey{}}

// RegisterPart adds p to the parts the config layer accepts. It panics on a
// duplicate name or a key that is not a config key: both are programming
// errors caught by the first test that imports the registering package.
func RegisterPart(p Part) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	for _, q := range registry.parts[p.Kind] {
		if q.Name == p.Name {
			panic("config: part " + p.Kind + " " + p.Name + " registered twice")
		}
	}
	for _, k := range p.Keys {
		full := k
		if p.Kind == KindFilter {
			full = "trade.filter." + k
		}
		if _, ok := lookupKey(full); !ok {
			panic("config: part " + p.Name + " reads unknown key " + full)
		}
	}
	registry.parts[p.Kind] = append(registry.parts[p.Kind], p)
	// Rebuild the kind's owned keys (registration happens at init only).
	var owned []ownedKey
	for _, q := range registry.parts[p.Kind] {
		for _, k := range q.Keys {
			i := slices.IndexFunc(owned, func(o ownedKey) bool { return o.name == k })
			if i < 0 {
				full := k
				if p.Kind == KindFilter {
					full = "trade.filter." + k
				}
				info, _ := lookupKey(full)
				idx := info.index
				if p.Kind == KindFilter {
					idx = idx[len(idx)-1:] // the field inside Filter
				}
				owned = append(owned, ownedKey{name: k, index: idx, omit: isOmitEmpty(info)})
				i = len(owned) - 1
			}
			owned[i].users = append(owned[i].users, q.Name)
		}
	}
	sort.Slice(owned, func(i, j int) bool { return owned[i].name < owned[j].name })
	registry.owned[p.Kind] = owned
}

func ownedKeys(kind string) []ownedKey {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	return registry.owned[kind]
}

// Parts returns the registered parts of kind, in registration order.
func Parts(kind string) []Part {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	return slices.Clone(registry.parts[kind])
}

func findPart(kind, name string) (Part, bool) {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	for _, p := range registry.parts[kind] {
		if p.Name == name {
			return p, true
		}
	}
	return Part{}, false
}

func partNames(kind string) string {
	var out []string
	for _, p := range Parts(kind) {
		out = append(out, p.Name)
	}
	return strings.Join(out, ", ")
}

func lookupKey(path string) (keyInfo, bool) {
	k, ok := keyIndex()[path]
	return k, ok
}

// checkUnused reports the keys of kind's parts that the chosen part does not
// read but that hold a value other than zero and their default: such a key
// would be silently ignored. root is the struct holding the keys (Config for
// trigger rules and sizing, a Filter for filters), def its default, prefix
// the path prefix of messages.
func checkUnused(kind string, chosen Part, root, def reflect.Value, prefix string, bad func(key, format string, args ...any)) {
	for _, k := range ownedKeys(kind) {
		if slices.Contains(chosen.Keys, k.name) {
			continue
		}
		v, d := root.FieldByIndex(k.index), def.FieldByIndex(k.index)
		if v.IsZero() || v.Equal(d) {
			continue
		}
		name := k.name
		if kind == KindFilter {
			name = prefix + k.name
		}
		bad(name, "%v is not read by %s %s (read by %s): remove it or choose one of those",
			describe(v.Interface()), kindLabel(kind), chosen.Name, strings.Join(k.users, ", "))
	}
}

func kindLabel(kind string) string {
	switch kind {
	case KindTrigger:
		return "rule"
	case KindFilter:
		return "filter rule"
	case KindSizing:
		return "sizing"
	case KindExit:
		return "exit"
	}
	return kind
}

// canonicalParts zeroes the keys the chosen parts do not read (Validate has
// made sure they hold their defaults or zero), so that keys added with new
// parts leave the canonical form, hence the hash, of existing configs alone.
func canonicalParts(c *Config) {
	rv := reflect.ValueOf(c).Elem()
	zeroUnused := func(kind, name string) {
		chosen, _ := findPart(kind, name)
		for _, k := range ownedKeys(kind) {
			if k.omit && !slices.Contains(chosen.Keys, k.name) {
				rv.FieldByIndex(k.index).SetZero()
			}
		}
	}
	zeroUnused(KindTrigger, c.Trigger.Rule)
	if c.Trade.Sizing == "fixed" {
		c.Trade.Sizing = ""
	}
	sz := c.Trade.Sizing
	if sz == "" {
		sz = "fixed"
	}
	zeroUnused(KindSizing, sz)
}

// FromCanonical decodes a config stored in its canonical form (Canonical):
// the inverse of canonicalParts, it gives the keys the chosen parts do not
// read, which the canonical form leaves out, their defaults again. Decoding
// into a zero Config instead would leave them zero, and a sweep trial that
// switches the rule (trigger.rule: range_breakout over a donchian base)
// would then find trigger.range_days 0 where the sweep itself had the
// default. data.db is not part of the canonical form and stays empty.
func FromCanonical(b []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return c, err
	}
	def := reflect.ValueOf(Default())
	rv := reflect.ValueOf(&c).Elem()
	restore := func(kind, name string) {
		chosen, _ := findPart(kind, name)
		for _, k := range ownedKeys(kind) {
			if k.omit && !slices.Contains(chosen.Keys, k.name) && rv.FieldByIndex(k.index).IsZero() {
				rv.FieldByIndex(k.index).Set(def.FieldByIndex(k.index))
			}
		}
	}
	restore(KindTrigger, c.Trigger.Rule)
	sz := c.Trade.Sizing
	if sz == "" {
		sz = "fixed"
	}
	restore(KindSizing, sz)
	if c.Trade.Sizing == "" {
		c.Trade.Sizing = Default().Trade.Sizing
	}
	return c, nil
}

func isOmitEmpty(k keyInfo) bool {
	if k.index == nil {
		return false
	}
	t := reflect.TypeFor[Config]()
	f := t.FieldByIndex(k.index)
	return strings.Contains(f.Tag.Get("json"), "omitempty")
}

// KeyDoc documents one config key.
type KeyDoc struct {
	Key     string `json:"key"`
	Type    string `json:"type"`
	Default string `json:"default"`
	Doc     string `json:"doc"`
	// ReadBy names the parts that read the key when only some do.
	ReadBy []string `json:"read_by,omitempty"`
}

// KeyDocs lists every key, sorted, with its type, default, description and
// the parts that read it (from the part registry), then one pseudo-key per
// registered part value (trigger.rule=donchian ...) with the part's doc.
func KeyDocs() []KeyDoc {
	def := reflect.ValueOf(Default())
	typeNames := map[kind]string{kString: "string", kInt: "int", kUint: "uint", kFloat: "float",
		kBool: "bool", kStrings: "[]string", kFloats: "[]float", kFilters: "[]filter"}
	var out []KeyDoc
	t := reflect.TypeFor[Config]()
	for _, k := range keyTable() {
		d := KeyDoc{Key: k.path, Type: typeNames[k.kind], Doc: t.FieldByIndex(k.index).Tag.Get("doc")}
		v := def.FieldByIndex(k.index)
		switch {
		case v.Kind() == reflect.Slice && v.Len() == 0:
			d.Default = "[]"
		case v.Kind() == reflect.String:
			d.Default = fmt.Sprintf("%q", v.String())
		default:
			d.Default = fmt.Sprint(v.Interface())
		}
		for _, kind := range []string{KindTrigger, KindSizing, KindExit} {
			for _, p := range Parts(kind) {
				if slices.Contains(p.Keys, k.path) {
					d.ReadBy = append(d.ReadBy, kindLabel(kind)+" "+p.Name)
				}
			}
		}
		if rest, ok := strings.CutPrefix(k.path, "trade.filter."); ok {
			for _, p := range Parts(KindFilter) {
				if slices.Contains(p.Keys, rest) {
					d.ReadBy = append(d.ReadBy, "filter rule "+p.Name)
				}
			}
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	for _, kind := range []string{KindTrigger, KindFilter, KindSizing, KindExit} {
		for _, p := range Parts(kind) {
			key := kind + "=" + p.Name
			if kind == KindExit {
				key = "exit " + p.Name
			}
			out = append(out, KeyDoc{Key: key, Type: "part", Doc: p.Doc, ReadBy: p.Keys})
		}
	}
	return out
}
