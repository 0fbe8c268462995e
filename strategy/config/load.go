package config

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/riskon/riskon/internal/input"
)

// EnvPrefix starts the name of every environment variable that sets a key.
const EnvPrefix = "RISKON_"

// LoadOptions are the layers above the config file.
type LoadOptions struct {
	// Sets are "key=value" overrides (the --set flag), applied last, in order.
	// A list value may be written "a,b" or "[a,b]".
	Sets []string
	// Env looks up environment variables; nil means os.LookupEnv. Every key
	// can be set by EnvName(key), e.g. RISKON_TRIGGER_LOOKBACK.
	Env func(string) (string, bool)
	// Sources, when not nil, receives where each key set by a layer came
	// from: "in FILE", "from RISKON_KEY" or "from --set" (keys left at their
	// defaults are absent). It is filled only when Load succeeds.
	Sources map[string]string
}

// FieldError is a problem with one key. Its message names the key path first.
type FieldError struct {
	Key string // dotted key path, e.g. trade.hold_days
	Msg string // what is wrong, with where the value came from when known
}

// Error returns "key: message".
func (e *FieldError) Error() string { return e.Key + ": " + e.Msg }

func fieldErr(key, format string, args ...any) error {
	return &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// EnvName is the environment variable that sets key: EnvPrefix plus the key
// path upper-cased with dots replaced by underscores (trigger.lookback ->
// RISKON_TRIGGER_LOOKBACK).
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Load reads the run config at path (YAML; "" means no file) and resolves it:
// defaults < file < environment < opts.Sets. Decoding is strict: an unknown
// key, a value of the wrong type and an invalid value are errors naming the
// key path. The returned config has passed Validate.
func Load(path string, opts LoadOptions) (Config, error) {
	if path == "" {
		return decode(nil, "", opts)
	}
	// Bounded: the size is checked before the YAML parser sees a byte.
	b, err := input.ReadFile(context.Background(), path, input.Config)
	if err != nil {
		return Config{}, input.Bad(fmt.Errorf("read config: %w", err))
	}
	c, err := decode(bytes.NewReader(b), path, opts)
	return c, input.Bad(err)
}

// Decode is Load for YAML already in memory: r holds the file and name is
// used in messages (a nil r means no file).
func Decode(r io.Reader, name string, opts LoadOptions) (Config, error) {
	return decode(r, name, opts)
}

// Keys returns every valid dotted key path, sorted.
func Keys() []string {
	ks := keyTable()
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.path
	}
	slices.Sort(out)
	return out
}

type kind int

const (
	kString kind = iota
	kInt
	kUint
	kFloat
	kBool
	kStrings
	kFloats
	kFilters
)

var kindNames = map[kind]string{
	kString: "a string", kInt: "an integer", kUint: "an integer >= 0", kFloat: "a number",
	kBool: "true or false", kStrings: "a list of names", kFloats: "a list of numbers",
	kFilters: "a list of filters {symbol, rule, lookback, level, ma_days}",
}

type keyInfo struct {
	path  string
	kind  kind
	index []int // field index path in Config
}

// keyTable lists the leaf keys of Config from its mapstructure tags, so the
// list can never drift from the struct.
// keyTable is computed once from the Config type (an immutable table:
// callers must not modify it).
func keyTable() []keyInfo { return keyTableOnce() }

var keyTableOnce = sync.OnceValue(buildKeyTable)

// keyIndex maps a dotted key path to its entry of keyTable.
var keyIndex = sync.OnceValue(func() map[string]keyInfo {
	m := map[string]keyInfo{}
	for _, k := range keyTable() {
		m[k.path] = k
	}
	return m
})

func buildKeyTable() []keyInfo {
	var out []keyInfo
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			path := prefix + tag
			idx := append(slices.Clone(index), i)
			switch f.Type.Kind() {
			case reflect.Struct:
				walk(f.Type, path+".", idx)
				continue
			case reflect.String:
				out = append(out, keyInfo{path, kString, idx})
			case reflect.Int, reflect.Int64, reflect.Int32:
				out = append(out, keyInfo{path, kInt, idx})
			case reflect.Uint64, reflect.Uint, reflect.Uint32:
				out = append(out, keyInfo{path, kUint, idx})
			case reflect.Float64:
				out = append(out, keyInfo{path, kFloat, idx})
			case reflect.Bool:
				out = append(out, keyInfo{path, kBool, idx})
			case reflect.Slice:
				switch f.Type.Elem().Kind() {
				case reflect.String:
					out = append(out, keyInfo{path, kStrings, idx})
				case reflect.Float64:
					out = append(out, keyInfo{path, kFloats, idx})
				case reflect.Struct:
					if f.Type.Elem() != reflect.TypeFor[Filter]() {
						panic("config: unsupported slice field " + path)
					}
					out = append(out, keyInfo{path, kFilters, idx})
				default:
					panic("config: unsupported slice field " + path) // programming error in Config, caught by tests
				}
			default:
				panic("config: unsupported field " + path) // programming error in Config, caught by tests
			}
		}
	}
	walk(reflect.TypeFor[Config](), "", nil)
	return out
}

// sections are the dotted paths of nested structs (data, trigger, ...).
func sections(keys []keyInfo) map[string]bool {
	s := map[string]bool{}
	for _, k := range keys {
		parts := strings.Split(k.path, ".")
		for i := 1; i < len(parts); i++ {
			s[strings.Join(parts[:i], ".")] = true
		}
	}
	return s
}

func decode(r io.Reader, name string, opts LoadOptions) (Config, error) {
	keys := keyTable()
	byPath := make(map[string]keyInfo, len(keys))
	paths := make([]string, 0, len(keys))
	for _, k := range keys {
		byPath[k.path] = k
		paths = append(paths, k.path)
	}
	slices.Sort(paths)
	secs := sections(keys)
	env := opts.Env
	if env == nil {
		env = os.LookupEnv
	}

	v := viper.New()
	def := reflect.ValueOf(Default())
	for _, k := range keys {
		v.SetDefault(k.path, def.FieldByIndex(k.index).Interface())
	}
	source := map[string]string{} // key -> where its value came from
	var errs []error

	// Layer 1: the file.
	if r != nil {
		if name == "" {
			name = "config"
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return Config{}, fmt.Errorf("read %s: %w", name, err)
		}
		fv := viper.New()
		fv.SetConfigType("yaml")
		if err := fv.ReadConfig(bytes.NewReader(b)); err != nil {
			return Config{}, fmt.Errorf("%s: not a valid YAML mapping of config keys: %w", name, err)
		}
		fileKeys := fv.AllKeys()
		slices.Sort(fileKeys)
		badLeaf := map[string]bool{}
		for _, fk := range fileKeys {
			val := fv.Get(fk)
			switch {
			case byPath[fk].path != "":
				if val != nil {
					source[fk] = "in " + name
				}
			case secs[fk]:
				if val != nil {
					errs = append(errs, fieldErr(fk, "%s is not a mapping of keys (in %s); expected e.g. %s",
						describe(val), name, firstUnder(paths, fk)))
				}
			default:
				if leaf := leafPrefix(fk, byPath); leaf != "" {
					if !badLeaf[leaf] {
						badLeaf[leaf] = true
						errs = append(errs, fieldErr(leaf, "a mapping is not %s (in %s)", kindNames[byPath[leaf].kind], name))
					}
					continue
				}
				errs = append(errs, unknownKey(fk, "in "+name, paths))
			}
		}
		if len(errs) > 0 {
			return Config{}, errors.Join(errs...)
		}
		if err := v.MergeConfigMap(fv.AllSettings()); err != nil {
			return Config{}, fmt.Errorf("%s: %w", name, err)
		}
	}

	// Layer 2: the environment.
	for _, p := range paths {
		if val, ok := env(EnvName(p)); ok {
			v.Set(p, val)
			source[p] = "from " + EnvName(p)
		}
	}

	// Layer 3: --set key=value.
	for _, s := range opts.Sets {
		k, val, err := parseSet(s, byPath, secs, paths)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v.Set(k.path, val)
		source[k.path] = "from --set"
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}

	// Convert every key strictly to its type, with messages naming the key,
	// the value and its source; then decode with UnmarshalExact as a check
	// that viper holds nothing we do not know.
	for _, p := range paths {
		val, err := convertKey(byPath[p], v.Get(p), source[p])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v.Set(p, val)
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	var c Config
	if err := v.UnmarshalExact(&c, func(dc *mapstructure.DecoderConfig) {
		dc.WeaklyTypedInput = false
		dc.DecodeHook = nil
		dc.ZeroFields = true
	}); err != nil {
		return Config{}, fmt.Errorf("decode %s: %w", nameOr(name), err)
	}
	normalize(reflect.ValueOf(&c).Elem())
	if err := Validate(c); err != nil {
		sep := ":\n" // several problems: one per line
		if !strings.Contains(err.Error(), "\n") {
			sep = ": "
		}
		if name != "" {
			return Config{}, fmt.Errorf("invalid config %s%s%w", name, sep, err)
		}
		return Config{}, fmt.Errorf("invalid config%s%w", sep, err)
	}
	if opts.Sources != nil {
		maps.Copy(opts.Sources, source)
	}
	return c, nil
}

// Override returns c with "key=value" overrides applied exactly as --set
// applies them (same parsing, same messages), then validated. It does not
// go through viper, so it is cheap enough to run per trial of a sweep.
func Override(c Config, sets ...string) (Config, error) {
	keys := keyTable()
	byPath := make(map[string]keyInfo, len(keys))
	paths := make([]string, 0, len(keys))
	for _, k := range keys {
		byPath[k.path] = k
		paths = append(paths, k.path)
	}
	slices.Sort(paths)
	secs := sections(keys)
	c.Trade.Targets = slices.Clone(c.Trade.Targets)
	c.Trade.Weights = slices.Clone(c.Trade.Weights)
	c.Trade.Filters = slices.Clone(c.Trade.Filters)
	rv := reflect.ValueOf(&c).Elem()
	var errs []error
	for _, s := range sets {
		k, val, err := parseSet(s, byPath, secs, paths)
		if err == nil {
			var x any
			if x, err = convertKey(k, val, "from --set"); err == nil {
				f := rv.FieldByIndex(k.index)
				f.Set(reflect.ValueOf(x).Convert(f.Type()))
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	normalize(rv)
	if err := Validate(c); err != nil {
		return Config{}, fmt.Errorf("invalid config:\n%w", err)
	}
	return c, nil
}

// parseSet splits a "key=value" override and checks the key.
func parseSet(s string, byPath map[string]keyInfo, secs map[string]bool, paths []string) (keyInfo, string, error) {
	k, val, ok := strings.Cut(s, "=")
	k = strings.ToLower(strings.TrimSpace(k))
	if !ok || k == "" {
		return keyInfo{}, "", fmt.Errorf("--set %q: expected key=value, e.g. trigger.lookback=100", s)
	}
	info, known := byPath[k]
	if !known {
		if secs[k] {
			return keyInfo{}, "", fieldErr(k, "is a section, not a key (--set); set one of its keys, e.g. %s", firstUnder(paths, k))
		}
		return keyInfo{}, "", unknownKey(k, "(--set)", paths)
	}
	return info, strings.TrimSpace(val), nil
}

// convertKey converts raw for key k; errors name the key path and, when
// src is not empty, where the value came from.
func convertKey(k keyInfo, raw any, src string) (any, error) {
	val, err := convert(k.kind, raw)
	if err == nil {
		return val, nil
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		fe.Key = k.path + fe.Key
	} else {
		fe = &FieldError{Key: k.path, Msg: err.Error()}
	}
	if src != "" {
		fe.Msg += " (" + src + ")"
	}
	return nil, fe
}

func nameOr(name string) string {
	if name == "" {
		return "config"
	}
	return name
}

// leafPrefix returns the leaf key that is a proper prefix of k, if any
// (k = "trade.hold_days.x" -> "trade.hold_days").
func leafPrefix(k string, byPath map[string]keyInfo) string {
	for i := len(k) - 1; i > 0; i-- {
		if k[i] == '.' {
			if _, ok := byPath[k[:i]]; ok {
				return k[:i]
			}
		}
	}
	return ""
}

func firstUnder(paths []string, section string) string {
	for _, p := range paths {
		if strings.HasPrefix(p, section+".") {
			return p
		}
	}
	return section
}

func unknownKey(k, where string, paths []string) error {
	msg := "unknown key " + where
	if s := Suggest(k); s != "" {
		msg += "; did you mean " + s + "?"
	} else {
		msg += "; valid keys: " + strings.Join(paths, ", ")
	}
	return fieldErr(k, "%s", msg)
}

// describe prints a value for a message: strings quoted, lists and
// mappings named.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case []any:
		return "a list"
	case map[string]any, map[any]any:
		return "a mapping"
	case time.Time:
		return x.Format(time.RFC3339)
	default:
		return fmt.Sprint(x)
	}
}

// convert turns a raw value (from YAML, or a string from env or --set) into
// the Go type of kind k, or explains why it cannot. Errors on list elements
// are *FieldError with Key "[i]" (the caller prefixes the path).
func convert(k kind, raw any) (any, error) {
	switch k {
	case kString:
		switch x := raw.(type) {
		case string:
			return x, nil
		case time.Time: // an unquoted date, should a YAML decoder produce one
			if x.Equal(x.Truncate(24 * time.Hour)) {
				return x.UTC().Format(time.DateOnly), nil
			}
			return x.UTC().Format(time.RFC3339), nil
		case nil:
			return "", nil
		}
		switch raw.(type) {
		case []any, map[string]any, map[any]any:
			return nil, fmt.Errorf("%s is not a string", describe(raw))
		}
		return nil, fmt.Errorf("%s is not a string; quote it", describe(raw))
	case kInt:
		n, ok := toInt(raw)
		if !ok {
			return nil, fmt.Errorf("%s is not an integer", describe(raw))
		}
		return n, nil
	case kUint:
		n, ok := toInt(raw)
		if u, isU := raw.(uint64); isU {
			return u, nil
		}
		if s, isS := raw.(string); isS {
			if u, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64); err == nil {
				return u, nil
			}
		}
		if !ok || n < 0 {
			return nil, fmt.Errorf("%s is not an integer >= 0", describe(raw))
		}
		return uint64(n), nil
	case kFloat:
		f, err := toFloat(raw)
		if err != nil {
			return nil, err
		}
		return f, nil
	case kBool:
		switch x := raw.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b, nil
			}
		}
		return nil, fmt.Errorf("%s is not true or false", describe(raw))
	case kStrings:
		items, err := toList(raw)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(items))
		for i, it := range items {
			s, ok := it.(string)
			if !ok {
				return nil, &FieldError{Key: fmt.Sprintf("[%d]", i), Msg: fmt.Sprintf("%s is not a name; quote it", describe(it))}
			}
			out = append(out, s)
		}
		return out, nil
	case kFilters:
		return toFilters(raw)
	case kFloats:
		items, err := toList(raw)
		if err != nil {
			return nil, err
		}
		out := make([]float64, 0, len(items))
		for i, it := range items {
			f, err := toFloat(it)
			if err != nil {
				return nil, &FieldError{Key: fmt.Sprintf("[%d]", i), Msg: err.Error()}
			}
			out = append(out, f)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported kind %d", k)
}

func toInt(raw any) (int, bool) {
	switch x := raw.(type) {
	case int:
		return x, true
	case int8:
		return int(x), true
	case int16:
		return int(x), true
	case int32:
		return int(x), true
	case int64:
		return int(x), x >= math.MinInt && x <= math.MaxInt
	case uint:
		return int(x), x <= math.MaxInt
	case uint8:
		return int(x), true
	case uint16:
		return int(x), true
	case uint32:
		return int(x), uint64(x) <= math.MaxInt
	case uint64:
		return int(x), x <= math.MaxInt
	case float64:
		if x != math.Trunc(x) || x < math.MinInt64 || x >= math.MaxInt64 {
			return 0, false
		}
		return int(x), true
	case float32:
		return toInt(float64(x))
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	}
	return 0, false
}

func toFloat(raw any) (float64, error) {
	var f float64
	switch x := raw.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case string:
		var err error
		f, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("%s is not a number", describe(raw))
		}
	default:
		n, ok := toInt(raw)
		if !ok {
			if u, isU := raw.(uint64); isU {
				return float64(u), nil
			}
			return 0, fmt.Errorf("%s is not a number", describe(raw))
		}
		f = float64(n)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s is not a finite number", describe(raw))
	}
	return f, nil
}

// toList accepts a YAML list, or a string "a,b" / "[a,b]" (env, --set).
func toList(raw any) ([]any, error) {
	switch x := raw.(type) {
	case nil:
		return nil, nil
	case []any:
		return x, nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	case []float64:
		out := make([]any, len(x))
		for i, f := range x {
			out[i] = f
		}
		return out, nil
	case string:
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			s = strings.TrimSpace(s[1 : len(s)-1])
		}
		if s == "" {
			return []any{}, nil
		}
		parts := strings.Split(s, ",")
		out := make([]any, len(parts))
		for i, p := range parts {
			p = strings.TrimSpace(p)
			if len(p) >= 2 && (p[0] == '"' && p[len(p)-1] == '"' || p[0] == '\'' && p[len(p)-1] == '\'') {
				p = p[1 : len(p)-1]
			}
			out[i] = p
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s is not a list", describe(raw))
}

// normalize makes equal configs equal as Go values: empty slices become nil
// and negative zeros become zero.
func normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				normalize(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		for i := range v.Len() {
			normalize(v.Index(i))
		}
	case reflect.Float64:
		if v.Float() == 0 {
			v.SetFloat(0)
		}
	}
}

// Suggest returns the valid key nearest to key (by Damerau-Levenshtein
// distance over the whole path, or over the last segment when the section
// differs), or "" when nothing is close.
func Suggest(key string) string {
	key = strings.ToLower(key)
	leaf := key[strings.LastIndexByte(key, '.')+1:]
	sec := ""
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		sec = key[:i]
	}
	best, bestScore := "", math.MaxInt
	for _, k := range Keys() {
		kLeaf := k[strings.LastIndexByte(k, '.')+1:]
		kSec := ""
		if i := strings.LastIndexByte(k, '.'); i >= 0 {
			kSec = k[:i]
		}
		score := distance(key, k)
		penalty := 1
		if sec != kSec {
			penalty = 2
		}
		score = min(score, distance(leaf, kLeaf)+penalty)
		// A truncated key (commision for commission_bps): compare with the
		// valid leaf's prefixes of about the same length.
		if len(leaf) >= 4 {
			for n := len(leaf) - 1; n <= len(leaf)+1 && n < len(kLeaf); n++ {
				score = min(score, distance(leaf, kLeaf[:n])+penalty)
			}
		}
		// On a tie prefer the shorter path: the top-level keys and the
		// common sections before nested ones (trigger.lookback before
		// trade.filter.lookback).
		if score < bestScore || (score == bestScore && len(k) < len(best)) {
			best, bestScore = k, score
		}
	}
	if bestScore <= max(2, len(leaf)/3) {
		return best
	}
	return ""
}

// distance is the optimal-string-alignment (restricted Damerau-Levenshtein)
// edit distance: insertions, deletions, substitutions and transpositions of
// adjacent characters each cost 1.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n, m := len(ra), len(rb)
	d := make([][]int, n+1)
	for i := range d {
		d[i] = make([]int, m+1)
		d[i][0] = i
	}
	for j := range m + 1 {
		d[0][j] = j
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[n][m]
}

// Validate checks every value's range. Each problem names its key path; all
// problems are returned, joined, one per line.
func Validate(c Config) error {
	var errs []error
	bad := func(key, format string, args ...any) { errs = append(errs, fieldErr(key, format, args...)) }
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

	if !finite(c.Capital) || c.Capital <= 0 {
		bad("capital", "%v is out of range; must be > 0", c.Capital)
	}

	// data
	var start, end time.Time
	var startOK, endOK bool
	if c.Data.Start != "" {
		t, err := time.Parse(time.DateOnly, c.Data.Start)
		if err != nil {
			bad("data.start", "%q is not a date; use YYYY-MM-DD or leave empty", c.Data.Start)
		} else {
			start, startOK = t, true
		}
	}
	if c.Data.End != "" {
		t, err := time.Parse(time.DateOnly, c.Data.End)
		if err != nil {
			bad("data.end", "%q is not a date; use YYYY-MM-DD or leave empty", c.Data.End)
		} else {
			end, endOK = t, true
		}
	}
	if startOK && endOK && start.After(end) {
		bad("data.start", "%s is after data.end %s", c.Data.Start, c.Data.End)
	}

	// trigger
	t := c.Trigger
	if strings.TrimSpace(t.Symbol) == "" {
		bad("trigger.symbol", "must not be empty")
	} else if t.Symbol != strings.TrimSpace(t.Symbol) {
		bad("trigger.symbol", "%q has leading or trailing spaces", t.Symbol)
	}
	rv, dv := reflect.ValueOf(c), reflect.ValueOf(Default())
	if rule, ok := findPart(KindTrigger, t.Rule); !ok {
		bad("trigger.rule", "%q is not a rule; must be one of %s", t.Rule, partNames(KindTrigger))
	} else {
		checkUnused(KindTrigger, rule, rv, dv, "", bad)
		for _, k := range rule.Keys {
			info, _ := lookupKey(k)
			if f := rv.FieldByIndex(info.index); f.Kind() == reflect.Int && f.Int() < 1 && k != "trigger.min_days_since_high" {
				bad(k, "%d is out of range; must be >= 1 for rule %s", f.Int(), t.Rule)
			}
		}
	}
	for _, x := range []struct {
		key string
		v   int
	}{{"trigger.range_days", t.RangeDays}, {"trigger.ma_days", t.MADays}, {"trigger.fast", t.Fast}, {"trigger.slow", t.Slow}} {
		if x.v < 0 {
			bad(x.key, "%d is out of range; must be >= 1", x.v)
		}
	}
	if !finite(t.MaxRange) || t.MaxRange < 0 {
		bad("trigger.max_range", "%v is out of range; must be a fraction >= 0", t.MaxRange)
	}
	if t.Rule == "ma_cross" && t.Fast >= t.Slow {
		bad("trigger.fast", "%d must be less than trigger.slow %d", t.Fast, t.Slow)
	}
	if t.RelativeTo != strings.TrimSpace(t.RelativeTo) {
		bad("trigger.relative_to", "%q has leading or trailing spaces", t.RelativeTo)
	} else if t.RelativeTo != "" && t.RelativeTo == t.Symbol {
		bad("trigger.relative_to", "%q is the trigger symbol itself: the ratio would be 1", t.RelativeTo)
	}
	if t.MinDaysSinceHigh < 0 {
		bad("trigger.min_days_since_high", "%d is out of range; must be >= 0", t.MinDaysSinceHigh)
	}
	switch t.Timeframe {
	case "daily", "weekly", "monthly":
	default:
		bad("trigger.timeframe", "%q is not a timeframe; must be one of daily, weekly, monthly", t.Timeframe)
	}
	if t.Confirm < 1 {
		bad("trigger.confirm", "%d is out of range; must be >= 1", t.Confirm)
	}
	if !finite(t.Margin) || t.Margin < 0 {
		bad("trigger.margin", "%v is out of range; must be a fraction >= 0", t.Margin)
	}
	if t.CooldownDays < 0 {
		bad("trigger.cooldown_days", "%d is out of range; must be >= 0", t.CooldownDays)
	}

	// trade
	tr := c.Trade
	if len(tr.Targets) == 0 {
		bad("trade.targets", "must name at least one symbol")
	}
	seen := map[string]int{}
	for i, s := range tr.Targets {
		key := fmt.Sprintf("trade.targets[%d]", i)
		switch {
		case strings.TrimSpace(s) == "":
			bad(key, "symbol name must not be empty")
		case s != strings.TrimSpace(s):
			bad(key, "%q has leading or trailing spaces", s)
		}
		if j, dup := seen[s]; dup {
			bad(key, "%q is listed twice (also trade.targets[%d])", s, j)
		} else {
			seen[s] = i
		}
	}
	if len(tr.Weights) > 0 && len(tr.Weights) != len(tr.Targets) {
		bad("trade.weights", "has %d values for %d targets; give one weight per target or none (equal weights)", len(tr.Weights), len(tr.Targets))
	}
	for i, w := range tr.Weights {
		if !finite(w) || w <= 0 {
			bad(fmt.Sprintf("trade.weights[%d]", i), "%v is out of range; must be > 0", w)
		}
	}
	if !finite(tr.Allocation) || tr.Allocation <= 0 || tr.Allocation > 1 {
		bad("trade.allocation", "%v is out of range; must be in (0, 1]", tr.Allocation)
	}
	if tr.HoldDays < 0 {
		bad("trade.hold_days", "%d is out of range; must be >= 0 (0 = no time exit)", tr.HoldDays)
	}
	if !finite(tr.TrailingStop) || tr.TrailingStop < 0 || tr.TrailingStop >= 1 {
		bad("trade.trailing_stop", "%v is out of range; must be in [0, 1) (0 = off)", tr.TrailingStop)
	}
	if f := tr.Filter; f.Symbol != "" {
		validateFilter(f, "trade.filter.", bad)
	}
	if len(tr.Filters) > MaxFilters {
		bad("trade.filters", "has %d filters; at most %d", len(tr.Filters), MaxFilters)
	}
	for i, f := range tr.Filters {
		prefix := fmt.Sprintf("trade.filters[%d].", i)
		if strings.TrimSpace(f.Symbol) == "" {
			bad(prefix+"symbol", "must name the filter series")
			continue
		}
		validateFilter(f, prefix, bad)
	}
	for _, x := range []struct {
		key string
		v   float64
	}{{"trade.stop_loss", tr.StopLoss}, {"trade.take_profit", tr.TakeProfit}} {
		if !finite(x.v) || x.v < 0 || (x.key == "trade.stop_loss" && x.v >= 1) || x.v > 100 {
			bad(x.key, "%v is out of range; must be a fraction in [0, 1) for stop_loss, [0, 100] for take_profit (0 = off)", x.v)
		}
	}
	sizing := tr.Sizing
	if sizing == "" {
		sizing = "fixed"
	}
	if sz, ok := findPart(KindSizing, sizing); !ok {
		bad("trade.sizing", "%q is not a sizing rule; must be one of %s", tr.Sizing, partNames(KindSizing))
	} else {
		checkUnused(KindSizing, sz, rv, dv, "", bad)
	}
	if !finite(tr.VolTarget) || tr.VolTarget < 0 || tr.VolTarget > 10 {
		bad("trade.vol_target", "%v is out of range; must be an annualised volatility in (0, 10]", tr.VolTarget)
	} else if sizing == "vol_target" && tr.VolTarget == 0 {
		bad("trade.vol_target", "must be > 0 for sizing vol_target")
	}
	if tr.VolDays < 0 || tr.VolDays > 10000 || (sizing == "vol_target" && tr.VolDays < 2) {
		bad("trade.vol_days", "%d is out of range; must be in [2, 10000] for sizing vol_target", tr.VolDays)
	}

	// cash
	if s := c.Cash.RateSymbol; s != strings.TrimSpace(s) {
		bad("cash.rate_symbol", "%q has leading or trailing spaces", s)
	}

	// costs
	for _, x := range []struct {
		key string
		v   float64
	}{{"costs.commission_bps", c.Costs.CommissionBps}, {"costs.slippage_bps", c.Costs.SlippageBps}} {
		if !finite(x.v) || x.v < 0 || x.v >= 10000 {
			bad(x.key, "%v is out of range; must be in [0, 10000) basis points", x.v)
		}
	}

	switch c.Fill {
	case "next_open", "next_close":
	default:
		bad("fill", "%q is not a fill rule; must be one of next_open, next_close", c.Fill)
	}
	return errors.Join(errs...)
}

// MaxFilters bounds trade.filters.
const MaxFilters = 32

// validateFilter checks one filter; prefix is its key path with the dot.
func validateFilter(f Filter, prefix string, bad func(key, format string, args ...any)) {
	if f.Symbol != strings.TrimSpace(f.Symbol) {
		bad(prefix+"symbol", "%q has leading or trailing spaces", f.Symbol)
	}
	rule, ok := findPart(KindFilter, f.Rule)
	if !ok {
		bad(prefix+"rule", "%q is not a filter rule; must be one of %s", f.Rule, partNames(KindFilter))
		return
	}
	checkUnused(KindFilter, rule, reflect.ValueOf(f), reflect.ValueOf(Default().Trade.Filter), prefix, bad)
	for _, k := range rule.Keys {
		switch k {
		case "lookback":
			if f.Lookback < 1 || f.Lookback > 100000 {
				bad(prefix+k, "%d is out of range; must be in [1, 100000] for filter rule %s", f.Lookback, f.Rule)
			}
		case "ma_days":
			if f.MADays < 1 || f.MADays > 100000 {
				bad(prefix+k, "%d is out of range; must be in [1, 100000] for filter rule %s", f.MADays, f.Rule)
			}
		case "level":
			if math.IsNaN(f.Level) || math.IsInf(f.Level, 0) {
				bad(prefix+k, "%v is not a finite number", f.Level)
			}
		}
	}
}

// FiltersOf returns the entry filters of t: the one-item alias trade.filter
// (when its symbol is set) first, then trade.filters.
func FiltersOf(t Trade) []Filter {
	var out []Filter
	if t.Filter.Symbol != "" {
		out = append(out, t.Filter)
	}
	return append(out, t.Filters...)
}

// toFilters converts a YAML list of mappings, or a string holding one in YAML
// flow syntax (env, --set: [{symbol: X, rule: falling, lookback: 30}]), to
// filters. Unknown item keys are errors naming the item.
func toFilters(raw any) (any, error) {
	switch x := raw.(type) {
	case nil:
		return []Filter(nil), nil
	case []Filter:
		return slices.Clone(x), nil
	case string:
		s := strings.TrimSpace(x)
		if s == "" || s == "[]" {
			return []Filter(nil), nil
		}
		var v any
		if err := yaml.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("%q is not a YAML list of filters, e.g. [{symbol: BTC_DOMINANCE, rule: falling, lookback: 30}]", s)
		}
		raw = v
	}
	items, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s is not a list of filters {symbol, rule, ...}", describe(raw))
	}
	ft := reflect.TypeFor[Filter]()
	out := make([]Filter, len(items))
	for i, it := range items {
		m := map[string]any{}
		switch y := it.(type) {
		case map[string]any:
			m = y
		case map[any]any:
			for k, v := range y {
				m[fmt.Sprint(k)] = v
			}
		default:
			return nil, &FieldError{Key: fmt.Sprintf("[%d]", i), Msg: fmt.Sprintf("%s is not a mapping {symbol, rule, ...}", describe(it))}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fv := reflect.ValueOf(&out[i]).Elem()
		for _, k := range keys {
			found := false
			for j := range ft.NumField() {
				f := ft.Field(j)
				if f.Tag.Get("mapstructure") != strings.ToLower(k) {
					continue
				}
				found = true
				kd := kString
				switch f.Type.Kind() {
				case reflect.Int:
					kd = kInt
				case reflect.Float64:
					kd = kFloat
				}
				val, err := convert(kd, m[k])
				if err != nil {
					return nil, &FieldError{Key: fmt.Sprintf("[%d].%s", i, k), Msg: err.Error()}
				}
				fv.Field(j).Set(reflect.ValueOf(val).Convert(f.Type))
			}
			if !found {
				return nil, &FieldError{Key: fmt.Sprintf("[%d].%s", i, k), Msg: "unknown filter key; valid keys: symbol, rule, lookback, level, ma_days"}
			}
		}
	}
	return out, nil
}

// Canonical returns the canonical JSON of c: encoding/json of the struct
// (fixed field order, data.db excluded by its json:"-" tag) after empty
// lists become null and -0 becomes 0. Equal configs give equal bytes however
// they were written.
func Canonical(c Config) []byte {
	c.Trade.Targets = slices.Clone(c.Trade.Targets)
	c.Trade.Weights = slices.Clone(c.Trade.Weights)
	c.Trade.Filters = slices.Clone(c.Trade.Filters)
	normalize(reflect.ValueOf(&c).Elem())
	canonicalParts(&c)
	b, err := json.Marshal(c)
	if err != nil {
		// Only non-finite numbers fail, and Validate refuses them; still
		// return something deterministic rather than panic.
		return fmt.Appendf(nil, "%#v", c)
	}
	return b
}

// Hash is the SHA-256 (hex) of Canonical(c): the identity of a config.
func Hash(c Config) string {
	sum := sha256.Sum256(Canonical(c))
	return hex.EncodeToString(sum[:])
}
