package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Param is one swept key and the value a trial gives it.
type Param struct {
	Key   string
	Value any // int64, float64, string, bool, nil or []any of those
}

// Params are a trial's swept keys in the sweep file's order. They marshal as
// one JSON object whose keys keep that order: {"trigger.lookback": 5, ...}.
type Params []Param

// MarshalJSON writes the ordered object.
func (p Params) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(kv.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("param %s: %w", kv.Key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the ordered object back; numbers become int64 when
// whole and float64 otherwise.
func (p *Params) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		*p = nil
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("params: want a JSON object")
	}
	var out Params
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		k, _ := kt.(string)
		var raw any
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("params %s: %w", k, err)
		}
		v, err := normalizeValue(raw)
		if err != nil {
			return fmt.Errorf("params %s: %w", k, err)
		}
		out = append(out, Param{Key: k, Value: v})
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	*p = out
	return nil
}

// Get returns the value of key and whether the params have it.
func (p Params) Get(key string) (any, bool) {
	for _, kv := range p {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// String writes "key=value key=value" for people.
func (p Params) String() string {
	parts := make([]string, len(p))
	for i, kv := range p {
		parts[i] = kv.Key + "=" + FormatValue(kv.Value)
	}
	return strings.Join(parts, " ")
}

// Sets returns the params as --set overrides for config.Override.
func (p Params) Sets() []string {
	out := make([]string, len(p))
	for i, kv := range p {
		out[i] = kv.Key + "=" + setValue(kv.Value)
	}
	return out
}

// normalizeValue turns a YAML or JSON value into one of the Param value
// types, refusing mappings and nested lists.
func normalizeValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case uint:
		return int64(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v is not a finite number", x)
		}
		return x, nil
	case float32:
		return float64(x), nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("%s is not a number", x)
		}
		return f, nil
	case time.Time:
		if x.Equal(x.Truncate(24 * time.Hour)) {
			return x.UTC().Format(time.DateOnly), nil
		}
		return x.UTC().Format(time.RFC3339), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if _, nested := e.([]any); nested {
				return nil, errors.New("a list of lists is not a config value")
			}
			n, err := normalizeValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = n
		}
		return out, nil
	case map[string]any, map[any]any:
		return nil, errors.New("a mapping is not a config value")
	}
	return nil, fmt.Errorf("unsupported value %v (%T)", v, v)
}

// setValue formats a value as config.Override parses it.
func setValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = setValue(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return FormatValue(v)
}

// FormatValue writes a param value for people and tables: strings bare,
// numbers in their shortest exact form, lists as [a,b].
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = FormatValue(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprint(v)
}

// parseSetValue reads the value of an explicit trial's "key=value" as YAML,
// so "5" is a number and "[BTC, ETH]" a list, as in a grid.
func parseSetValue(s string) (any, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return s, nil // not YAML: keep the text, config.Override judges it
	}
	if v == nil {
		return "", nil
	}
	return normalizeValue(v)
}
