// Package sweep runs many variants of one run config: it reads a sweep file
// (a base run config and a grid, a random sample or an explicit list of
// trials, with optional constraints between keys), expands it
// deterministically into trials, selects a shard of them, runs them in
// parallel on one shared read-only data set, and computes the sweep-level
// statistics: the best trial by a chosen metric, its deflated Sharpe ratio
// given every trial, and the probability of backtest overfitting (CSCV).
//
// The package is pure: it never prints, never touches storage, and is safe to
// use from tests without DuckDB. The caller (cmd/riskon) streams results to
// the results store. See docs/SWEEP.md for the file format.
package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/riskon/riskon/strategy/config"

	"github.com/riskon/riskon/internal/input"
)

// Spec is a sweep file. Field names are a public contract (docs/SWEEP.md):
// extend them, never rename them.
type Spec struct {
	// Name names the sweep; the sweep id starts with it.
	Name string `yaml:"name" json:"name"`
	// Base is the run config every trial starts from, relative to the sweep
	// file.
	Base string `yaml:"base" json:"base"`
	// Exactly one of Grid, Random and Trials says which trials to run.
	Grid   []GridParam `yaml:"grid" json:"grid,omitempty"`
	Random *Random     `yaml:"random" json:"random,omitempty"`
	Trials []TrialSet  `yaml:"trials" json:"trials,omitempty"`
	// Constraints are boolean expressions over config keys; a trial that
	// makes any of them false is not run (see Compile).
	Constraints []string `yaml:"constraints" json:"constraints,omitempty"`
	// RankBy is the metric the trials are ranked by (default sharpe).
	RankBy string `yaml:"rank_by" json:"rank_by"`
	// Workers is the default number of parallel workers (0: one per CPU).
	Workers int `yaml:"workers" json:"workers,omitempty"`
}

// GridParam is one axis of a grid: a config key and its values. A value may
// be a list for list keys (trade.targets: [[BTC], [ETH], [SOL, AVAX]]).
type GridParam struct {
	Key    string `yaml:"key" json:"key"`
	Values []any  `yaml:"values" json:"values"`
}

// Random samples N trials with a seeded generator.
type Random struct {
	N      int           `yaml:"n" json:"n"`
	Seed   uint64        `yaml:"seed" json:"seed"`
	Params []RandomParam `yaml:"params" json:"params"`
}

// Sampling distributions of a RandomParam.
const (
	DistInt    = "int"     // uniform integer in [min, max]
	DistFloat  = "float"   // uniform in [min, max)
	DistLog    = "log"     // log-uniform in [min, max), min > 0
	DistLogInt = "log_int" // log-uniform, rounded to an integer in [min, max]
	DistChoice = "choice"  // one of values, uniformly
)

// RandomParam is one sampled key.
type RandomParam struct {
	Key    string   `yaml:"key" json:"key"`
	Type   string   `yaml:"type" json:"type"`
	Min    *float64 `yaml:"min" json:"min,omitempty"`
	Max    *float64 `yaml:"max" json:"max,omitempty"`
	Values []any    `yaml:"values" json:"values,omitempty"`
}

// TrialSet is one explicit trial: "key=value" overrides as --set takes them.
type TrialSet struct {
	Set []string `yaml:"set" json:"set"`
}

// DefaultRankBy is the metric trials are ranked by when rank_by is absent.
const DefaultRankBy = "sharpe"

// File is a decoded sweep file with its base config.
type File struct {
	Spec Spec
	// Path is the sweep file as given; BasePath the base config's path.
	Path, BasePath string
	// Base is the decoded and validated base run config.
	Base config.Config
}

// Load reads the sweep file at path and its base config (resolved relative to
// the sweep file). Decoding is strict: unknown keys and wrong types are errors
// naming the key and the file. opts are passed to config.Load for the base.
func Load(path string, opts config.LoadOptions) (*File, error) {
	b, err := input.ReadFile(context.Background(), path, input.SweepFile)
	if err != nil {
		return nil, input.Bad(fmt.Errorf("read sweep file: %w", err))
	}
	spec, err := Decode(bytes.NewReader(b), path)
	if err != nil {
		return nil, input.Bad(err)
	}
	basePath := spec.Base
	if !filepath.IsAbs(basePath) {
		basePath = filepath.Join(filepath.Dir(path), basePath)
	}
	base, err := config.Load(basePath, opts)
	if err != nil {
		return nil, input.Bad(fmt.Errorf("%s: base %s: %w", path, spec.Base, err))
	}
	return &File{Spec: *spec, Path: path, BasePath: basePath, Base: base}, nil
}

var (
	topKeys    = []string{"name", "base", "grid", "random", "trials", "constraints", "rank_by", "workers"}
	gridKeys   = []string{"key", "values"}
	randomKeys = []string{"n", "seed", "params"}
	paramKeys  = []string{"key", "type", "min", "max", "values"}
	trialKeys  = []string{"set"}
)

// Decode reads a sweep file from r; name is used in messages. It checks
// every key against the format, decodes strictly and validates the spec
// (keys named in grid, random and trials must be run config keys; rank_by a
// known metric; constraints must compile). It does not read the base.
func Decode(r io.Reader, name string) (*Spec, error) {
	if name == "" {
		name = "sweep file"
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty sweep file; it needs at least name, base and grid, random or trials (see docs/SWEEP.md)", name)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: a sweep file is a mapping of keys (name, base, grid, ...)", name, root.Line)
	}
	if err := checkKeys(name, root, "", topKeys, func(key string, v *yaml.Node) error {
		switch key {
		case "grid":
			return eachItem(name, v, "grid", func(path string, it *yaml.Node) error {
				return checkKeys(name, it, path, gridKeys, nil)
			})
		case "trials":
			return eachItem(name, v, "trials", func(path string, it *yaml.Node) error {
				return checkKeys(name, it, path, trialKeys, nil)
			})
		case "random":
			return checkKeys(name, v, "random", randomKeys, func(k string, pv *yaml.Node) error {
				if k != "params" {
					return nil
				}
				return eachItem(name, pv, "random.params", func(path string, it *yaml.Node) error {
					return checkKeys(name, it, path, paramKeys, nil)
				})
			})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var s Spec
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := s.validate(name); err != nil {
		return nil, err
	}
	return &s, nil
}

// checkKeys refuses keys of the mapping node m that are not in allowed,
// naming the key, its path, the file and line, and the nearest valid key.
func checkKeys(file string, m *yaml.Node, path string, allowed []string, each func(key string, v *yaml.Node) error) error {
	where := "the sweep file"
	if path != "" {
		where = path
	}
	if m.Kind != yaml.MappingNode {
		if m.Kind == yaml.ScalarNode && m.Tag == "!!null" {
			return nil
		}
		return fmt.Errorf("%s:%d: %s must be a mapping with keys %s", file, m.Line, where, strings.Join(allowed, ", "))
	}
	var errs []error
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			msg := fmt.Sprintf("%s:%d: unknown key %q in %s", file, k.Line, k.Value, where)
			if s := nearest(k.Value, allowed); s != "" {
				msg += "; did you mean " + s + "?"
			}
			msg += " (valid keys: " + strings.Join(allowed, ", ") + ")"
			errs = append(errs, errors.New(msg))
			continue
		}
		if each != nil {
			if err := each(k.Value, v); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func eachItem(file string, seq *yaml.Node, path string, f func(path string, it *yaml.Node) error) error {
	if seq.Kind == yaml.ScalarNode && seq.Tag == "!!null" {
		return nil
	}
	if seq.Kind != yaml.SequenceNode {
		return fmt.Errorf("%s:%d: %s must be a list (of objects: viper and YAML tools change the case of mapping keys)", file, seq.Line, path)
	}
	var errs []error
	for i, it := range seq.Content {
		if err := f(fmt.Sprintf("%s[%d]", path, i), it); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// nearest returns the candidate within edit distance 2 of s (or one with s
// as a prefix), or "".
func nearest(s string, candidates []string) string {
	best, bestD := "", 3
	s = strings.ToLower(s)
	for _, c := range candidates {
		d := editDistance(s, c)
		if len(s) >= 3 && strings.HasPrefix(c, s) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// forbidden keys cannot be swept: the trial name is set by the sweep and the
// database is opened once for every trial.
var forbidden = map[string]string{
	"name":    "the sweep names its trials",
	"data.db": "the data are loaded once for every trial; use --db",
}

// checkConfigKey checks that key is a run config key a sweep may vary.
func checkConfigKey(file, path, key string) error {
	k := strings.ToLower(strings.TrimSpace(key))
	if k == "" {
		return fmt.Errorf("%s: %s.key is missing: name a run config key such as trigger.lookback", file, path)
	}
	if why, bad := forbidden[k]; bad {
		return fmt.Errorf("%s: %s.key %s cannot be swept: %s", file, path, k, why)
	}
	if !slices.Contains(config.Keys(), k) {
		msg := fmt.Sprintf("%s: %s.key %q is not a run config key", file, path, key)
		if s := config.Suggest(k); s != "" {
			msg += "; did you mean " + s + "?"
		} else {
			msg += " (see docs/CONFIG.md)"
		}
		return errors.New(msg)
	}
	return nil
}

func (s *Spec) validate(file string) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(file+": "+format, args...)) }
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" {
		bad("name is missing: give the sweep a name (its id starts with it)")
	}
	if strings.TrimSpace(s.Base) == "" {
		bad("base is missing: name the run config every trial starts from, relative to this file (e.g. base: ../r2k_breakout_btc.yaml)")
	}
	sources := 0
	if len(s.Grid) > 0 {
		sources++
	}
	if s.Random != nil {
		sources++
	}
	if len(s.Trials) > 0 {
		sources++
	}
	if sources != 1 {
		bad("give exactly one of grid, random and trials (found %d)", sources)
	}
	seen := map[string]string{}
	dup := func(path, key string) {
		k := strings.ToLower(strings.TrimSpace(key))
		if prev, ok := seen[k]; ok {
			bad("%s.key %s is already swept by %s", path, k, prev)
		}
		seen[k] = path
	}
	for i := range s.Grid {
		g := &s.Grid[i]
		path := fmt.Sprintf("grid[%d]", i)
		if err := checkConfigKey(file, path, g.Key); err != nil {
			errs = append(errs, err)
			continue
		}
		g.Key = strings.ToLower(strings.TrimSpace(g.Key))
		dup(path, g.Key)
		if len(g.Values) == 0 {
			bad("%s (%s): values is empty: list at least one value", path, g.Key)
		}
	}
	if r := s.Random; r != nil {
		if r.N < 1 {
			bad("random.n is %d: sample at least 1 trial", r.N)
		}
		if r.Seed == 0 {
			r.Seed = 1
		}
		if len(r.Params) == 0 {
			bad("random.params is empty: list the keys to sample")
		}
		for i := range r.Params {
			p := &r.Params[i]
			path := fmt.Sprintf("random.params[%d]", i)
			if err := checkConfigKey(file, path, p.Key); err != nil {
				errs = append(errs, err)
				continue
			}
			p.Key = strings.ToLower(strings.TrimSpace(p.Key))
			dup(path, p.Key)
			if err := p.check(); err != nil {
				bad("%s (%s): %v", path, p.Key, err)
			}
		}
	}
	for i, t := range s.Trials {
		if len(t.Set) == 0 {
			bad("trials[%d].set is empty: give key=value overrides (an empty trial is the base config: write a key it already has)", i)
		}
		for j, kv := range t.Set {
			k, _, ok := strings.Cut(kv, "=")
			if !ok {
				bad("trials[%d].set[%d] %q: expected key=value, e.g. trigger.lookback=100", i, j, kv)
				continue
			}
			if err := checkConfigKey(file, fmt.Sprintf("trials[%d].set[%d]", i, j), k); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if s.RankBy == "" {
		s.RankBy = DefaultRankBy
	}
	s.RankBy = strings.ToLower(strings.TrimSpace(s.RankBy))
	if !IsRankBy(s.RankBy) {
		bad("rank_by %q is not a metric; use dsr, psr or one of %s", s.RankBy, strings.Join(RankMetrics(), ", "))
	}
	if s.Workers < 0 || s.Workers > MaxWorkers {
		bad("workers is %d: use 0 (one per CPU) up to %d", s.Workers, MaxWorkers)
	}
	for i, c := range s.Constraints {
		if _, err := Compile(c); err != nil {
			bad("constraints[%d] %q: %v", i, c, err)
		}
	}
	return errors.Join(errs...)
}

func (p *RandomParam) check() error {
	switch p.Type {
	case DistChoice:
		if len(p.Values) == 0 {
			return errors.New("type choice needs values: [..]")
		}
		if p.Min != nil || p.Max != nil {
			return errors.New("type choice takes values, not min and max")
		}
		return nil
	case DistInt, DistFloat, DistLog, DistLogInt:
	case "":
		return fmt.Errorf("type is missing: one of %s, %s, %s, %s, %s", DistInt, DistFloat, DistLog, DistLogInt, DistChoice)
	default:
		return fmt.Errorf("type %q is not a distribution: one of %s, %s, %s, %s, %s", p.Type, DistInt, DistFloat, DistLog, DistLogInt, DistChoice)
	}
	if p.Min == nil || p.Max == nil {
		return fmt.Errorf("type %s needs min and max", p.Type)
	}
	if len(p.Values) > 0 {
		return fmt.Errorf("type %s takes min and max, not values", p.Type)
	}
	lo, hi := *p.Min, *p.Max
	if !(lo <= hi) {
		return fmt.Errorf("min %v is above max %v", lo, hi)
	}
	if (p.Type == DistLog || p.Type == DistLogInt) && !(lo > 0) {
		return fmt.Errorf("type %s needs min > 0, got %v", p.Type, lo)
	}
	if p.Type == DistInt || p.Type == DistLogInt {
		if lo != float64(int64(lo)) || hi != float64(int64(hi)) {
			return fmt.Errorf("type %s needs whole min and max, got %v and %v", p.Type, lo, hi)
		}
	}
	return nil
}
