package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// MaxTrials is the largest number of trials of a sweep: of grid
// combinations, of random.n, and of trials of one sweep run. A sweep keeps
// about 200 bytes per trial at this size (32 for its hash, 2·S·8 for the
// PBO's block sums, 16 for the DSR), so 1,000,000 trials fit in about
// 200 MB; larger studies are several sweeps.
const MaxTrials = 1_000_000

// MaxWorkers is the largest number of parallel workers a sweep may ask for
// (--workers, workers:): each has its own trial runner and buffers.
const MaxWorkers = 256

// Trial is one config of a sweep. It keeps the params, not the config (a
// 100,000-trial sweep would hold 30 MB of configs): Expansion.Config builds
// the config when the trial runs.
type Trial struct {
	// Index numbers the trials 0..n-1 in expansion order; it is stable for a
	// given sweep file and base config, so shards and resumes agree on it.
	Index  int
	Params Params
	// Hash is TrialHash of the trial's config: the config hash with the name
	// emptied.
	Hash string
}

// Expansion is the list of trials of a sweep and what was left out.
type Expansion struct {
	// Name is the sweep's name and Base its base config.
	Name string
	Base config.Config
	// Trials are the trials in index order.
	Trials []Trial
	// Symbols lists every symbol a trial needs (trigger and targets, in
	// first-use order); Targets the distinct targets.
	Symbols, Targets []string
	// Candidates is the number of combinations considered (grid size,
	// random draws or explicit trials).
	Candidates int
	// Excluded counts candidates refused by the constraints; Duplicates the
	// candidates whose config equals an earlier trial's (kept once).
	Excluded, Duplicates int

	fields map[string]keyNode // swept key -> config field, read-only after Expand

	// What Scan keeps to regenerate the trials: the spec and its normalised
	// values, the number of trials, each trial's hash, and which candidates
	// became trials (nil when all did).
	spec   *Spec
	file   string
	values [][]any
	n      int
	hashes [][32]byte
	accept []uint64
}

// TrialHash is the identity of a trial config: config.Hash with the name
// emptied, so the same config has the same hash in every sweep.
func TrialHash(c config.Config) string {
	c.Name = ""
	return config.Hash(c)
}

// ApplyParams returns base with params applied as --set overrides (same
// parsing and validation) and the name set to name.
func ApplyParams(base config.Config, name string, params Params) (config.Config, error) {
	c, err := config.Override(base, params.Sets()...)
	if err != nil {
		return config.Config{}, err
	}
	c.Name = name
	return c, nil
}

// TrialName is the name a trial's config gets: "SWEEP#INDEX".
func TrialName(sweep string, index int) string {
	var b [64]byte // one allocation: the string
	return string(strconv.AppendInt(append(append(b[:0], sweep...), '#'), int64(index), 10))
}

// Config returns the decoded, validated config of trial t (named
// "SWEEP#INDEX"): the base with the trial's params applied, exactly as
// ApplyParams gives it. Expand validated every trial through ApplyParams, so
// Config sets the fields directly (a few hundred nanoseconds, not the
// microseconds of parsing and validating overrides again); a value it cannot
// set directly goes through ApplyParams.
func (e *Expansion) Config(t *Trial) (config.Config, error) {
	var c config.Config
	err := e.ConfigTo(&c, t)
	return c, err
}

// ConfigTo is Config writing the config to *c: a sweep worker reuses one
// config, whose copy Config would allocate every trial.
func (e *Expansion) ConfigTo(c *config.Config, t *Trial) error {
	if !e.directTo(c, t.Params) {
		cfg, err := ApplyParams(e.Base, TrialName(e.Name, t.Index), t.Params)
		*c = cfg
		return err
	}
	c.Name = TrialName(e.Name, t.Index)
	return nil
}

// direct returns the base with params set field by field, unvalidated, and
// whether every value could be set so (see setParam).
func (e *Expansion) direct(params Params) (config.Config, bool) {
	var c config.Config
	ok := e.directTo(&c, params)
	return c, ok
}

// directTo is direct writing the config to *c.
func (e *Expansion) directTo(c *config.Config, params Params) bool {
	*c = e.Base
	c.Trade.Targets = slices.Clone(c.Trade.Targets)
	c.Trade.Weights = slices.Clone(c.Trade.Weights)
	rv := reflect.ValueOf(c).Elem()
	for _, p := range params {
		k, ok := e.fields[p.Key]
		if !ok {
			var err error
			if k, err = lookupKey(p.Key); err != nil {
				return false
			}
		}
		if !setParam(rv.FieldByIndex(k.index), p) {
			return false
		}
	}
	return true
}

// splitList reads "a, b" or "[a, b]" as config.Override reads a list given
// as text: brackets dropped, split on commas, items trimmed and unquoted.
func splitList(s string) []any {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if s == "" {
		return []any{}
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
	return out
}

// setParam sets config field f to p.Value when the value has the field's
// type (as Override would convert it), and reports whether it did.
func setParam(f reflect.Value, p Param) bool {
	switch f.Kind() {
	case reflect.Int:
		v, ok := p.Value.(int64)
		if !ok {
			return false
		}
		f.SetInt(v)
	case reflect.Uint64:
		v, ok := p.Value.(int64)
		if !ok || v < 0 {
			return false
		}
		f.SetUint(uint64(v))
	case reflect.Float64:
		switch v := p.Value.(type) {
		case float64:
			if v == 0 {
				v = 0 // -0 becomes 0, as Override normalizes
			}
			f.SetFloat(v)
		case int64:
			f.SetFloat(float64(v))
		default:
			return false
		}
	case reflect.String:
		if p.Value == nil {
			f.SetString("") // null is "", as --set key= gives
			return true
		}
		v, ok := p.Value.(string)
		if !ok {
			return false
		}
		f.SetString(strings.TrimSpace(v)) // as Override trims what --set gives it
	case reflect.Bool:
		v, ok := p.Value.(bool)
		if !ok {
			return false
		}
		f.SetBool(v)
	case reflect.Slice:
		list, ok := p.Value.([]any)
		if str, isStr := p.Value.(string); isStr && f.Type().Elem().Kind() == reflect.String {
			list, ok = splitList(str), true // "BTC, ETH" as --set reads it
		}
		if !ok {
			return false
		}
		if len(list) == 0 {
			f.SetZero() // empty lists are nil, as Override normalizes
			return true
		}
		switch f.Type().Elem().Kind() {
		case reflect.String:
			out := make([]string, len(list))
			for i, x := range list {
				s, ok := x.(string)
				s = strings.TrimSpace(s)
				if !ok || s == "" || strings.ContainsAny(s, ",[]\"'") {
					return false // Override reads lists as "[a,b]" text
				}
				out[i] = s
			}
			f.Set(reflect.ValueOf(out))
		case reflect.Float64:
			out := make([]float64, len(list))
			for i, x := range list {
				switch v := x.(type) {
				case float64:
					if v == 0 {
						v = 0
					}
					out[i] = v
				case int64:
					out[i] = float64(v)
				default:
					return false
				}
			}
			f.Set(reflect.ValueOf(out))
		default:
			return false
		}
	default:
		return false
	}
	return true
}

// Expand turns the spec into trials on top of base, deterministically: the
// same spec and base give the same trials in the same order. A grid varies
// its last key fastest. Random samples draw until random.n distinct trials
// pass the constraints. Candidates whose config equals an earlier trial's
// are dropped; file names the sweep file in messages.
//
// Expand keeps every trial in Expansion.Trials. A sweep of many trials uses
// Scan, which keeps 32 bytes per trial and regenerates the trials it runs.
func Expand(s *Spec, base config.Config, file string) (*Expansion, error) {
	e, err := Scan(context.Background(), s, base, file)
	if err != nil {
		return nil, err
	}
	e.Trials = make([]Trial, 0, e.n)
	if err := e.Each(context.Background(), Shard{}, func(t Trial) bool {
		e.Trials = append(e.Trials, t)
		return true
	}); err != nil {
		return nil, err
	}
	return e, nil
}

// Scan checks every candidate of the spec once, in order (constraints,
// validation like riskon run --set, duplicates) and returns an Expansion
// that does not hold the trials: it keeps each trial's hash (32 bytes) and,
// when some candidates were refused, one bit per candidate, and regenerates
// the trials on demand (Each), the params of trial i being a pure function
// of the spec and i. Every shard and every resume therefore sees the same
// trials as the whole sweep without materialising it. Scan stops with the
// context's error within a few candidates of a cancellation. Limits (MaxTrials
// candidates; a random n no larger than its parameter space) are checked
// before the first candidate.
func Scan(ctx context.Context, s *Spec, base config.Config, file string) (*Expansion, error) {
	if file == "" {
		file = "sweep file"
	}
	cons := make([]*Constraint, len(s.Constraints))
	for i, src := range s.Constraints {
		c, err := Compile(src)
		if err != nil {
			return nil, fmt.Errorf("%s: constraints[%d] %q: %w", file, i, src, err)
		}
		cons[i] = c
	}
	e := &Expansion{Name: s.Name, Base: base, fields: map[string]keyNode{}, spec: s, file: file}
	if err := e.prepare(); err != nil {
		return nil, err
	}
	seen := map[[16]byte]struct{}{}
	symSeen, tgtSeen := map[string]bool{}, map[string]bool{}
	accept := make([]uint64, 0, 1024)
	refused := false
	// add tries a candidate; it reports whether it became a trial.
	// A constraint that cannot be evaluated (division by zero) fails the
	// expansion with consErr.
	var consErr error
	excluded := func(cfg *config.Config) bool {
		for _, c := range cons {
			ok, err := c.Check(cfg)
			if err != nil && consErr == nil {
				consErr = fmt.Errorf("%s: %w", file, err)
			}
			if !ok {
				e.Excluded++
				return true
			}
		}
		return false
	}
	// add tries candidate cand; it reports whether it became a trial.
	add := func(cand int, params Params, what func() string) (bool, error) {
		e.Candidates++
		if cand%256 == 0 && ctx.Err() != nil {
			return false, fmt.Errorf("%s: expanding the sweep interrupted after %d candidates: %w", file, cand, ctx.Err())
		}
		idx := e.n
		for _, p := range params {
			if _, ok := e.fields[p.Key]; !ok {
				if k, err := lookupKey(p.Key); err == nil {
					e.fields[p.Key] = k
				}
			}
		}
		ok, err := func() (bool, error) {
			// Constraints first, on the config as set: a combination they
			// refuse need not be valid (weights for another basket...).
			checked := false
			if len(cons) > 0 {
				if raw, ok := e.direct(params); ok {
					if excluded(&raw) {
						return false, consErr
					}
					checked = true
				}
			}
			cfg, err := ApplyParams(base, TrialName(s.Name, idx), params)
			if err != nil {
				return false, fmt.Errorf("%s: %s (%s): %w", file, what(), params, err)
			}
			if !checked && excluded(&cfg) {
				return false, consErr
			}
			var sum [32]byte
			if _, err := hex.Decode(sum[:], []byte(TrialHash(cfg))); err != nil {
				return false, fmt.Errorf("%s: %s: trial hash: %w", file, what(), err)
			}
			key := [16]byte(sum[:16])
			if _, dup := seen[key]; dup {
				e.Duplicates++
				return false, nil
			}
			seen[key] = struct{}{}
			e.hashes = append(e.hashes, sum)
			e.n++
			for _, sym := range strategy.Symbols(cfg) {
				if !symSeen[sym] {
					symSeen[sym] = true
					e.Symbols = append(e.Symbols, sym)
				}
			}
			for _, sym := range cfg.Trade.Targets {
				if !tgtSeen[sym] {
					tgtSeen[sym] = true
					e.Targets = append(e.Targets, sym)
				}
			}
			return true, nil
		}()
		if err != nil {
			return false, err
		}
		if cand/64 >= len(accept) {
			accept = append(accept, 0)
		}
		if ok {
			accept[cand/64] |= 1 << (cand % 64)
		} else {
			refused = true
		}
		return ok, nil
	}
	if err := e.candidates(func(cand int, params Params, accepted int, what func() string) (bool, error) {
		return add(cand, params, what)
	}); err != nil {
		return nil, err
	}
	if e.n == 0 {
		return nil, fmt.Errorf("%s: no trials: all %d candidates were refused by the constraints or duplicated", file, e.Candidates)
	}
	if refused {
		e.accept = slices.Clip(accept)
	}
	e.hashes = slices.Clip(e.hashes)
	return e, nil
}

// prepare normalises the values of the spec once and checks the limits
// that can be checked before any candidate.
func (e *Expansion) prepare() error {
	s, file := e.spec, e.file
	switch {
	case len(s.Grid) > 0:
		e.values = make([][]any, len(s.Grid))
		total := 1
		for i, g := range s.Grid {
			e.values[i] = make([]any, len(g.Values))
			for j, v := range g.Values {
				n, err := normalizeValue(v)
				if err != nil {
					return fmt.Errorf("%s: grid[%d] (%s) values[%d]: %w", file, i, g.Key, j, err)
				}
				e.values[i][j] = n
			}
			if len(g.Values) == 0 {
				continue
			}
			if total > MaxTrials/len(e.values[i]) {
				return fmt.Errorf("%s: the grid has more than %d combinations (the limit of a sweep); sample it with random: instead", file, MaxTrials)
			}
			total *= len(e.values[i])
		}
	case s.Random != nil:
		r := s.Random
		if r.N > MaxTrials {
			return fmt.Errorf("%s: random.n is %d, above the limit of %d trials per sweep; lower n", file, r.N, MaxTrials)
		}
		e.values = make([][]any, len(r.Params))
		for i, p := range r.Params {
			for j, v := range p.Values {
				n, err := normalizeValue(v)
				if err != nil {
					return fmt.Errorf("%s: random.params[%d] (%s) values[%d]: %w", file, i, p.Key, j, err)
				}
				e.values[i] = append(e.values[i], n)
			}
		}
		if size, finite := randomSpace(r, e.values); finite && float64(r.N) > size {
			return fmt.Errorf("%s: random.n is %d but random.params allow only %.0f distinct combinations; lower n to at most %.0f, or use grid: to run every one",
				file, r.N, size, size)
		}
	}
	return nil
}

// randomSpace is the number of distinct combinations the random params can
// draw, and whether it is finite (a float or log range of positive width is
// not).
func randomSpace(r *Random, values [][]any) (float64, bool) {
	size := 1.0
	for i, p := range r.Params {
		switch p.Type {
		case DistChoice:
			distinct := map[string]bool{}
			for _, v := range values[i] {
				distinct[setValue(v)] = true
			}
			size *= float64(len(distinct))
		case DistInt, DistLogInt:
			// Every integer in [min, max] has a positive probability
			// (log_int rounds a continuous draw).
			size *= *p.Max - *p.Min + 1
		default:
			if *p.Max != *p.Min {
				return math.Inf(1), false
			}
		}
	}
	return size, true
}

// candidates calls f with every candidate of the spec in order (candidate
// number, params, the number of trials accepted so far, and a description
// for messages) until f returns false or an error. For a random spec it
// stops once random.n candidates were accepted, or with an error after
// 20·n + 1000 draws.
func (e *Expansion) candidates(f func(cand int, params Params, accepted int, what func() string) (bool, error)) error {
	s, file := e.spec, e.file
	accepted := 0
	switch {
	case len(s.Grid) > 0:
		values := e.values
		total := 1
		for i := range values {
			total *= len(values[i])
		}
		digits := make([]int, len(values))
		for n := 0; n < total; n++ {
			params := make(Params, len(values))
			for i := range values {
				params[i] = Param{Key: s.Grid[i].Key, Value: values[i][digits[i]]}
			}
			ok, err := f(n, params, accepted, func() string { return fmt.Sprintf("grid combination %d", n) })
			if err != nil {
				return err
			}
			if ok {
				accepted++
			}
			for i := len(digits) - 1; i >= 0; i-- { // last key fastest
				digits[i]++
				if digits[i] < len(values[i]) {
					break
				}
				digits[i] = 0
			}
		}
	case s.Random != nil:
		r := s.Random
		rng := rand.New(rand.NewPCG(r.Seed, randomStream))
		maxDraws := 20*r.N + 1000
		for draw := 0; accepted < r.N; draw++ {
			if draw >= maxDraws {
				return fmt.Errorf("%s: random: only %d distinct trials passed the constraints in %d draws, fewer than n=%d; lower n, widen the ranges or relax the constraints",
					file, accepted, draw, r.N)
			}
			params := make(Params, len(r.Params))
			for i, p := range r.Params {
				params[i] = Param{Key: p.Key, Value: sample(rng, p, e.values[i])}
			}
			ok, err := f(draw, params, accepted, func() string { return fmt.Sprintf("random draw %d", draw) })
			if err != nil {
				return err
			}
			if ok {
				accepted++
			}
		}
	default:
		for i, t := range s.Trials {
			var params Params
			for _, kv := range t.Set {
				k, v, _ := strings.Cut(kv, "=")
				val, err := parseSetValue(v)
				if err != nil {
					return fmt.Errorf("%s: trials[%d] %s: %w", file, i, kv, err)
				}
				params = append(params, Param{Key: strings.ToLower(strings.TrimSpace(k)), Value: val})
			}
			if _, err := f(i, params, accepted, func() string { return fmt.Sprintf("trials[%d]", i) }); err != nil {
				return err
			}
		}
	}
	return nil
}

// errStop ends a regeneration early.
var errStop = errors.New("stop")

// Len is the number of trials of the sweep.
func (e *Expansion) Len() int {
	if e.spec == nil {
		return len(e.Trials)
	}
	return e.n
}

// ShardLen is the number of trials of the sweep in shard sh.
func (e *Expansion) ShardLen(sh Shard) int {
	n := e.Len()
	if sh.Whole() {
		return n
	}
	return max(0, (n-sh.Index+sh.Count-1)/sh.Count)
}

// Hash is the trial hash of trial i (0 <= i < Len).
func (e *Expansion) Hash(i int) string {
	if e.spec == nil {
		return e.Trials[i].Hash
	}
	return hex.EncodeToString(e.hashes[i][:])
}

// ID is the sweep's id on data with the given fingerprint (see ID).
func (e *Expansion) ID(dataFingerprint string) string {
	return id(e.Name, e.Len(), func(i int) string { return e.Hash(i) }, dataFingerprint)
}

// Each regenerates the trials of shard sh in index order and calls f with
// each until f returns false. Memory does not grow with the number of trials:
// each trial's params are built when it is reached. It returns the context's
// error when ctx is cancelled.
func (e *Expansion) Each(ctx context.Context, sh Shard, f func(Trial) bool) error {
	if e.spec == nil { // an expansion built by hand (tests, bench)
		for _, t := range e.Trials {
			if sh.Has(t.Index) && !f(t) {
				return nil
			}
		}
		return nil
	}
	idx := 0
	err := e.candidates(func(cand int, params Params, _ int, _ func() string) (bool, error) {
		if e.accept != nil && (cand/64 >= len(e.accept) || e.accept[cand/64]&(1<<(cand%64)) == 0) {
			return false, nil
		}
		i := idx
		idx++
		if i >= e.n {
			return false, errStop
		}
		if !sh.Has(i) {
			return true, nil
		}
		if i%256 == 0 && ctx.Err() != nil {
			return false, ctx.Err()
		}
		if !f(Trial{Index: i, Params: params, Hash: e.Hash(i)}) {
			return false, errStop
		}
		return true, nil
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// First returns trial 0.
func (e *Expansion) First() Trial {
	var first Trial
	_ = e.Each(context.Background(), Shard{}, func(t Trial) bool { first = t; return false })
	return first
}

// randomStream is the second word of the PCG seed of random sampling.
const randomStream = 0x5357454550 // "SWEEP"

func sample(rng *rand.Rand, p RandomParam, choices []any) any {
	switch p.Type {
	case DistChoice:
		return choices[rng.IntN(len(choices))]
	case DistInt:
		lo, hi := int64(*p.Min), int64(*p.Max)
		return lo + rng.Int64N(hi-lo+1)
	case DistFloat:
		return *p.Min + rng.Float64()*(*p.Max-*p.Min)
	case DistLog, DistLogInt:
		a, b := math.Log(*p.Min), math.Log(*p.Max)
		v := math.Exp(a + rng.Float64()*(b-a))
		if p.Type == DistLog {
			return v
		}
		return int64(min(max(math.Round(v), *p.Min), *p.Max))
	}
	return nil
}

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ID is the sweep's identity: the name (made safe for file names) and 12
// hex characters of SHA-256 over the name, every trial's hash in order, the
// number of trials and the data fingerprint. The same sweep file, base
// config and data give the same id on every machine, so shards and resumes
// find each other; changing a trial, the data or the name gives a new id.
// Workers and rank_by are not part of it.
func ID(name string, trials []Trial, dataFingerprint string) string {
	return id(name, len(trials), func(i int) string { return trials[i].Hash }, dataFingerprint)
}

func id(name string, n int, hash func(int) string, dataFingerprint string) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
	for i := range n {
		h.Write([]byte(hash(i)))
	}
	h.Write([]byte{0})
	h.Write([]byte(dataFingerprint))
	safe := strings.Trim(unsafeID.ReplaceAllString(name, "-"), "-")
	if safe == "" {
		safe = "sweep"
	}
	return safe + "-" + hex.EncodeToString(h.Sum(nil)[:6])
}
