package study

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
	"github.com/riskon/riskon/internal/num"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/config"
)

// Selection says which of a config's signals enter the study.
type Selection string

// Selections.
const (
	// NonOverlapping (the default) keeps a signal only when it comes at least
	// the largest horizon (calendar days) after the previous kept one, so
	// that no two kept signals' forward windows overlap.
	NonOverlapping Selection = "non_overlapping"
	// Acted keeps the signals the strategy acted on (first of an episode:
	// the strategy enters only when flat).
	Acted Selection = "acted"
	// All keeps every signal; consecutive signals' forward windows overlap.
	All Selection = "all"
)

// ParseSelection parses non_overlapping, acted or all ("" is the default).
func ParseSelection(s string) (Selection, error) {
	switch Selection(s) {
	case "", NonOverlapping:
		return NonOverlapping, nil
	case Acted, All:
		return Selection(s), nil
	}
	return "", fmt.Errorf("selection %q: want non_overlapping, acted or all", s)
}

// BasketName is the pseudo-target of a multi-target config: the weighted
// basket bought at once, whose return is Σ w_k r_k.
const BasketName = "basket"

// DefaultHorizons returns the default horizons: 7, 30, 90, 180 and 365
// calendar days.
func DefaultHorizons() []int { return []int{7, 30, 90, 180, 365} }

// Halvings returns the Bitcoin halving dates (blocks 210,000, 420,000,
// 630,000 and 840,000): 2012-11-28, 2016-07-09, 2020-05-11 and 2024-04-20
// (UTC).
func Halvings() []data.Date { return results.Halvings() }

// Options configure a study. Zero fields take the defaults named.
type Options struct {
	Horizons  []int     // calendar days, each ≥ 1 (default DefaultHorizons)
	Selection Selection // default NonOverlapping
	// HalvingWindow marks breakout signals dated 0..HalvingWindow days after
	// a halving (default 365; negative is an error).
	HalvingWindow int
	Halvings      []data.Date // default Halvings()
	// Permutations is K, the random sets per permutation test of the
	// non_overlapping selection (default 10,000); the rotation test of the
	// other selections is exact and ignores it.
	Permutations int
	// Bootstrap is the resample count of the signals' mean interval (default
	// 10,000); BlockBootstrap that of the unconditional mean's stationary
	// bootstrap, whose resamples are the length of the whole window
	// (default 2,000).
	Bootstrap      int
	BlockBootstrap int
	Level          float64 // confidence level of the intervals (default 0.95)
	Seed           uint64  // seeds every random procedure (0 is a valid seed)
}

func (o Options) resolve() (Options, error) {
	if len(o.Horizons) == 0 {
		o.Horizons = DefaultHorizons()
	}
	o.Horizons = slices.Clone(o.Horizons)
	slices.Sort(o.Horizons)
	o.Horizons = slices.Compact(o.Horizons)
	for _, h := range o.Horizons {
		if h < 1 || h > 36500 {
			return o, fmt.Errorf("horizon %d days: want 1..36500", h)
		}
	}
	sel, err := ParseSelection(string(o.Selection))
	if err != nil {
		return o, err
	}
	o.Selection = sel
	if o.HalvingWindow < 0 {
		return o, fmt.Errorf("halving window %d days: want 0 or more", o.HalvingWindow)
	}
	if o.HalvingWindow == 0 {
		o.HalvingWindow = 365
	}
	if o.Halvings == nil {
		o.Halvings = Halvings()
	}
	o.Halvings = slices.Clone(o.Halvings)
	slices.Sort(o.Halvings)
	for _, v := range []struct {
		name string
		p    *int
	}{{"permutations", &o.Permutations}, {"bootstrap", &o.Bootstrap}} {
		if *v.p < 0 {
			return o, fmt.Errorf("%s %d: want 1 or more", v.name, *v.p)
		}
		if *v.p == 0 {
			*v.p = 10000
		}
	}
	if o.BlockBootstrap < 0 {
		return o, fmt.Errorf("block bootstrap %d: want 1 or more", o.BlockBootstrap)
	}
	if o.BlockBootstrap == 0 {
		o.BlockBootstrap = 2000
	}
	if o.Level == 0 {
		o.Level = 0.95
	}
	if !(o.Level > 0 && o.Level < 1) {
		return o, fmt.Errorf("confidence level %v: want a number in (0, 1)", o.Level)
	}
	return o, nil
}

// Spec is what the study needs from a run: the trigger, the targets, the
// fill rule, the window and the signals the strategy logged.
type Spec struct {
	Name    string
	Trigger string
	Targets []string
	Weights []float64 // basket weights (nil: equal)
	Fill    engine.FillMode
	// WindowStart and WindowEnd bound the study (unix seconds): eligible
	// dates are trigger closes inside [WindowStart, WindowEnd], and a forward
	// return whose exit bar closes after WindowEnd is undefined.
	WindowStart, WindowEnd int64
	Signals                []engine.Signal
}

// Run replays cfg's strategy through the engine on ds to collect its signals
// (acted on or not) and studies them with Analyze.
func Run(ctx context.Context, cfg config.Config, ds *data.Dataset, opts Options) (*Study, error) {
	strat, eopts, err := strategy.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("study %s: %w", cfg.Name, err)
	}
	res, err := engine.Run(ctx, engine.NewPlan(ds), strat, eopts)
	if err != nil {
		return nil, fmt.Errorf("study %s: replay: %w", cfg.Name, err)
	}
	var w []float64
	if len(cfg.Trade.Weights) > 0 {
		w = cfg.Trade.Weights
	}
	st, err := Analyze(ctx, ds, Spec{
		Name: cfg.Name, Trigger: cfg.Trigger.Symbol, Targets: cfg.Trade.Targets, Weights: w, Fill: eopts.Fill,
		WindowStart: res.WindowStart, WindowEnd: res.WindowEnd, Signals: res.Signals,
	}, opts)
	if err != nil {
		return nil, err
	}
	st.ConfigHash = config.Hash(cfg)
	return st, nil
}

// Study is the result of an event study. Returns are fractions; NaN is JSON
// null.
type Study struct {
	Name            string `json:"name"`
	ConfigHash      string `json:"config_hash,omitempty"`
	DataFingerprint string `json:"data_fingerprint"`
	Synthetic       bool   `json:"synthetic"`
	Trigger         string `json:"trigger"`
	Window          Window `json:"window"`
	// Targets are the config's targets, then BasketName for a basket.
	Targets  []string `json:"targets"`
	Horizons []int    `json:"horizons"`
	Fill     string   `json:"fill"`
	// Selection and MinSpacingDays say which signals were studied: under
	// non_overlapping, consecutive selected signals are at least
	// MinSpacingDays apart (the largest horizon), and random sets for the
	// permutation tests keep the same spacing.
	Selection      string `json:"selection"`
	MinSpacingDays int    `json:"min_spacing_days"`
	Signals        int    `json:"signals"`  // signals logged inside the window
	Selected       int    `json:"selected"` // of which studied
	EligibleDates  int    `json:"eligible_dates"`
	HalvingWindow  int    `json:"halving_window"`
	// Halvings lists the halving dates used as a trigger (inside the window).
	Halvings       []string `json:"halvings"`
	Permutations   int      `json:"permutations"`
	Bootstrap      int      `json:"bootstrap"`
	BlockBootstrap int      `json:"block_bootstrap"`
	CILevel        float64  `json:"ci_level"`
	Seed           uint64   `json:"seed"`
	// Overlapping is true when some reported returns overlap in time: the
	// unconditional ones always do (consecutive dates), the signals' when
	// two studied signals are closer than a horizon.
	Overlapping bool     `json:"overlapping"`
	Notes       []string `json:"notes"`
	Results     []Target `json:"results"`
	Rows        []Row    `json:"signal_rows"`
	// HalvingRows are the halving-timed entries, shaped like signal rows.
	HalvingRows []Row `json:"halving_rows"`
}

// Window is the study window as dates (UTC) and RFC 3339 instants.
type Window struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	StartTime string `json:"start_time"`
	EndTime   string `json:"end_time"`
}

// Target is the study of one target (or the basket).
type Target struct {
	Target     string          `json:"target"`
	BuyAndHold BuyAndHoldRow   `json:"buy_and_hold"`
	Horizons   []HorizonResult `json:"horizons"`
}

// BuyAndHoldRow is a target's buy and hold over the window: Entry and Exit
// are the fill and the last close (RFC 3339), Start and End the dates of
// those bars.
type BuyAndHoldRow struct {
	Entry  string        `json:"entry"`
	Exit   string        `json:"exit"`
	Start  string        `json:"start"`
	End    string        `json:"end"`
	Return results.Value `json:"return"`
	Days   int           `json:"days"`
}

// HorizonResult compares the entries of every kind at one horizon.
type HorizonResult struct {
	Days int `json:"days"`
	// Breakout are the selected signals; AfterHalving and NotAfterHalving
	// split them by the halving mark.
	Breakout        EventStats `json:"breakout"`
	AfterHalving    EventStats `json:"breakout_after_halving"`
	NotAfterHalving EventStats `json:"breakout_not_after_halving"`
	// Halving are entries timed at the halvings inside the window.
	Halving EventStats `json:"halving"`
	// Random is the unconditional distribution: entries on every eligible
	// date, the expectation of a random entry.
	Random Unconditional `json:"random"`
	// BuyAndHold is the window's buy-and-hold return compounded per horizon:
	// (1 + R)^(H/D) - 1 (PerHorizon).
	BuyAndHold results.Value `json:"buy_and_hold"`
}

// EventStats summarise the forward returns of a set of entries at one
// horizon.
type EventStats struct {
	N int `json:"n"` // entries with a defined return
	// PastEnd counts entries whose horizon runs past the data (return null).
	PastEnd int `json:"past_end"`
	// Independent counts entries at least the horizon apart (greedy from the
	// first): the number of non-overlapping samples.
	Independent int           `json:"independent"`
	Mean        results.Value `json:"mean"`
	Median      results.Value `json:"median"`
	HitRate     results.Value `json:"hit_rate"` // share of returns > 0
	// MeanCI is the bootstrap interval of the mean; CIMethod says which:
	// "bootstrap" (iid, entries at least the horizon apart) or
	// "stationary_bootstrap" (entries in time order, overlapping; mean block
	// max(automatic, N/Independent)).
	MeanCI   [2]results.Value `json:"mean_ci"`
	CIMethod string           `json:"ci_method,omitempty"`
	// Excess is Mean minus the unconditional mean at the horizon.
	Excess results.Value `json:"excess"`
	// P is the one-sided p-value of Mean against random placements of the
	// entries among the eligible dates. PMethod says which: "shuffle" (the
	// non_overlapping selection: K random sets of N eligible dates with the
	// same minimum spacing) or "rotation" (acted, all: every circular shift
	// of the entries together along the eligible dates, which keeps their
	// clustering; exact, no K). It is null when N is 0 or no set of N
	// dates with that spacing fits in the window.
	P       results.Value `json:"p_value"`
	PMethod string        `json:"p_method,omitempty"`
	// PHolm is P adjusted for testing the same entries at every horizon:
	// Holm's (1979) step-down adjustment across the study's horizons
	// (stats.Holm), which controls the chance of any false "beats random"
	// among them. Null where P is.
	PHolm results.Value `json:"p_holm"`
	// TooFew is true when Independent < results.MinSamples.
	TooFew bool `json:"too_few"`
}

// Unconditional summarises the forward returns from every eligible date.
type Unconditional struct {
	N       int              `json:"n"`
	Mean    results.Value    `json:"mean"`
	Median  results.Value    `json:"median"`
	HitRate results.Value    `json:"hit_rate"`
	MeanCI  [2]results.Value `json:"mean_ci"`
	// Block is the mean block length (in eligible dates) of the stationary
	// bootstrap behind MeanCI.
	Block    results.Value `json:"block_length"`
	CIMethod string        `json:"ci_method"`
}

// Row is one signal (or halving entry) with its forward returns.
type Row struct {
	Date     string        `json:"date"` // date of the trigger bar (or the halving)
	Time     string        `json:"time"` // the signal instant, RFC 3339 UTC
	Level    results.Value `json:"level"`
	Close    results.Value `json:"close"`
	Acted    bool          `json:"acted"`
	Selected bool          `json:"selected"`
	// AfterHalving is true when the signal is dated 0..HalvingWindow days
	// after a halving; DaysAfterHalving counts the days since the latest
	// halving on or before it (null when none).
	AfterHalving     bool          `json:"after_halving"`
	DaysAfterHalving *int          `json:"days_after_halving"`
	Returns          []TargetEntry `json:"returns"`
}

// TargetEntry is one target's entry and forward returns for a row.
type TargetEntry struct {
	Target     string          `json:"target"`
	EntryTime  string          `json:"entry_time"`
	EntryPrice results.Value   `json:"entry_price"`
	Returns    []results.Value `json:"returns"` // one per horizon, null past the data
}

// leg is one target (or the basket) as a forward-return function.
type leg struct {
	name    string
	series  []*data.Series
	weights []float64
}

// returns gives the entry and the forward returns at the horizons of an
// order placed at t; a basket's entry price is NaN and its return is
// Σ w_k r_k, NaN when any constituent's is.
func (l leg) returns(t int64, hs []int, fill engine.FillMode, end int64, out []float64) (entryTime int64, price float64) {
	if len(l.series) == 1 {
		s := l.series[0]
		f := Entry(s, t, fill, end)
		for i, h := range hs {
			out[i] = f.Return(s, h, end)
		}
		if f.Entry >= s.Len() {
			return 0, math.NaN()
		}
		return f.EntryTime, f.EntryPrice
	}
	for i := range out {
		out[i] = 0
	}
	entryTime = -1
	for k, s := range l.series {
		f := Entry(s, t, fill, end)
		if f.Entry < s.Len() && (entryTime < 0 || f.EntryTime > entryTime) {
			entryTime = f.EntryTime
		}
		for i, h := range hs {
			out[i] += l.weights[k] * f.Return(s, h, end)
		}
	}
	if entryTime < 0 {
		entryTime = 0
	}
	return entryTime, math.NaN()
}

// event is an entry instant with its date.
type event struct {
	t int64
	d data.Date
}

// Analyze studies the signals of spec on ds (see the package comment).
func Analyze(ctx context.Context, ds *data.Dataset, spec Spec, opts Options) (*Study, error) {
	opts, err := opts.resolve()
	if err != nil {
		return nil, fmt.Errorf("study: %w", err)
	}
	trig := ds.Get(spec.Trigger)
	if trig == nil {
		return nil, fmt.Errorf("study: trigger symbol %q is not in the data set (have %v)", spec.Trigger, ds.Symbols())
	}
	if len(spec.Targets) == 0 {
		return nil, fmt.Errorf("study: no targets")
	}
	if spec.WindowEnd <= spec.WindowStart {
		return nil, fmt.Errorf("study: empty window")
	}
	legs, err := makeLegs(ds, spec)
	if err != nil {
		return nil, err
	}
	hs := opts.Horizons
	maxH := hs[len(hs)-1]
	ws, we := spec.WindowStart, spec.WindowEnd

	// Eligible dates: every trigger close inside the window.
	lo := sort.Search(trig.Len(), func(i int) bool { return trig.CloseTime[i] >= ws })
	hi := sort.Search(trig.Len(), func(i int) bool { return trig.CloseTime[i] > we })
	elig := make([]event, 0, max(hi-lo, 0))
	for i := lo; i < hi; i++ {
		elig = append(elig, event{t: trig.CloseTime[i], d: trig.Date[i]})
	}

	// Signals inside the window, in time order, and the selection.
	sigs := make([]engine.Signal, 0, len(spec.Signals))
	for _, s := range spec.Signals {
		if s.Time >= ws && s.Time <= we {
			sigs = append(sigs, s)
		}
	}
	sort.SliceStable(sigs, func(a, b int) bool { return sigs[a].Time < sigs[b].Time })
	spacing := 0
	if opts.Selection == NonOverlapping {
		spacing = maxH
	}
	st := &Study{
		Name: spec.Name, DataFingerprint: ds.Fingerprint(), Synthetic: ds.Synthetic, Trigger: spec.Trigger,
		Window: Window{
			Start: data.DateFromUnix(ws).String(), End: data.DateFromUnix(we - 1).String(),
			StartTime: rfc(ws), EndTime: rfc(we),
		},
		Horizons: hs, Fill: fillName(spec.Fill), Selection: string(opts.Selection), MinSpacingDays: spacing,
		Signals: len(sigs), EligibleDates: len(elig), HalvingWindow: opts.HalvingWindow,
		Permutations: opts.Permutations, Bootstrap: opts.Bootstrap, BlockBootstrap: opts.BlockBootstrap,
		CILevel: opts.Level, Seed: opts.Seed, Halvings: []string{}, Overlapping: true,
	}
	for _, l := range legs {
		st.Targets = append(st.Targets, l.name)
	}

	// Rows of the signals, marks and selection.
	var selected []int
	var lastSel data.Date
	st.Rows = make([]Row, len(sigs))
	sigEvents := make([]event, len(sigs))
	for i, s := range sigs {
		d := signalDate(trig, s.Time)
		sigEvents[i] = event{t: s.Time, d: d}
		sel := false
		switch opts.Selection {
		case All:
			sel = true
		case Acted:
			sel = s.Acted
		case NonOverlapping:
			sel = len(selected) == 0 || int(d-lastSel) >= maxH
		}
		if sel {
			selected = append(selected, i)
			lastSel = d
		}
		r := Row{Date: d.String(), Time: rfc(s.Time), Level: results.Value(s.Level), Close: results.Value(s.Close), Acted: s.Acted, Selected: sel}
		if k, ok := daysAfter(opts.Halvings, d); ok {
			r.DaysAfterHalving = &k
			r.AfterHalving = k <= opts.HalvingWindow
		}
		st.Rows[i] = r
	}
	st.Selected = len(selected)

	// Halving-timed entries: an order at the end of the halving's UTC day.
	var halvEvents []event
	for _, h := range opts.Halvings {
		t := (h + 1).Unix()
		if t < ws || t > we {
			continue
		}
		halvEvents = append(halvEvents, event{t: t, d: h})
		st.Halvings = append(st.Halvings, h.String())
		zero := 0
		st.HalvingRows = append(st.HalvingRows, Row{Date: h.String(), Time: rfc(t), Level: results.NA, Close: results.NA,
			Selected: true, AfterHalving: true, DaysAfterHalving: &zero})
	}

	// Forward returns of every leg for signals, halvings and eligible dates.
	nh := len(hs)
	buf := make([]float64, nh)
	sigRet := make([][][]float64, len(legs)) // [leg][signal][horizon]
	halvRet := make([][][]float64, len(legs))
	eligRet := make([][][]float64, len(legs)) // [leg][horizon][eligible]
	for li, l := range legs {
		sigRet[li] = make([][]float64, len(sigs))
		for i, s := range sigs {
			et, p := l.returns(s.Time, hs, spec.Fill, we, buf)
			sigRet[li][i] = slices.Clone(buf)
			st.Rows[i].Returns = append(st.Rows[i].Returns, entryOf(l.name, et, p, buf))
		}
		halvRet[li] = make([][]float64, len(halvEvents))
		for i, e := range halvEvents {
			et, p := l.returns(e.t, hs, spec.Fill, we, buf)
			halvRet[li][i] = slices.Clone(buf)
			st.HalvingRows[i].Returns = append(st.HalvingRows[i].Returns, entryOf(l.name, et, p, buf))
		}
		eligRet[li] = make([][]float64, nh)
		for k := range hs {
			eligRet[li][k] = make([]float64, len(elig))
		}
		for i, e := range elig {
			l.returns(e.t, hs, spec.Fill, we, buf)
			for k := range hs {
				eligRet[li][k][i] = buf[k]
			}
		}
	}

	// Subsets of the selected signals by the halving mark.
	var after, notAfter []int
	for _, i := range selected {
		if st.Rows[i].AfterHalving {
			after = append(after, i)
		} else {
			notAfter = append(notAfter, i)
		}
	}
	allHalv := make([]int, len(halvEvents))
	for i := range allHalv {
		allHalv[i] = i
	}

	sigOverlap := false
	for li, l := range legs {
		tgt := Target{Target: l.name}
		bh := legBuyAndHold(l, ws, we, spec.Fill)
		tgt.BuyAndHold = BuyAndHoldRow{Return: results.Value(bh.Return), Days: bh.Days}
		if !math.IsNaN(bh.Return) {
			tgt.BuyAndHold.Entry, tgt.BuyAndHold.Exit = rfc(bh.Entry), rfc(bh.Exit)
			tgt.BuyAndHold.Start, tgt.BuyAndHold.End = bh.EntryDate.String(), bh.ExitDate.String()
		}
		for k, h := range hs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			pool, poolDates := defined(eligRet[li][k], elig)
			u := unconditional(pool, poolDates, h, opts, stats.NewRand(deriveSeed(opts.Seed, uint64(li), uint64(k), 0)))
			hr := HorizonResult{Days: h, Random: u, BuyAndHold: results.Value(PerHorizon(bh.Return, bh.Days, h))}
			in := setInput{pool: pool, poolDates: poolDates, h: h, spacing: spacing, rotation: opts.Selection != NonOverlapping,
				uncond: float64(u.Mean), opts: opts}
			var ov bool
			hr.Breakout, ov = in.stats(pick(sigRet[li], selected, k), pickDates(sigEvents, selected), deriveSeed(opts.Seed, uint64(li), uint64(k), 1))
			sigOverlap = sigOverlap || ov
			hr.AfterHalving, _ = in.stats(pick(sigRet[li], after, k), pickDates(sigEvents, after), deriveSeed(opts.Seed, uint64(li), uint64(k), 2))
			hr.NotAfterHalving, _ = in.stats(pick(sigRet[li], notAfter, k), pickDates(sigEvents, notAfter), deriveSeed(opts.Seed, uint64(li), uint64(k), 3))
			hr.Halving, _ = in.stats(pick(halvRet[li], allHalv, k), pickDates(halvEvents, allHalv), deriveSeed(opts.Seed, uint64(li), uint64(k), 4))
			tgt.Horizons = append(tgt.Horizons, hr)
		}
		adjustAcrossHorizons(tgt.Horizons)
		st.Results = append(st.Results, tgt)
	}
	st.Notes = notes(st, opts, sigOverlap, len(after), len(selected))
	return st, nil
}

// adjustAcrossHorizons fills PHolm of every set of entries (breakout, after
// and not after a halving, halving) with the Holm adjustment of its
// p-values across the horizons: the same entries are tested once per
// horizon, so the smallest raw p-value among them overstates the evidence.
func adjustAcrossHorizons(hrs []HorizonResult) {
	sets := []func(*HorizonResult) *EventStats{
		func(h *HorizonResult) *EventStats { return &h.Breakout },
		func(h *HorizonResult) *EventStats { return &h.AfterHalving },
		func(h *HorizonResult) *EventStats { return &h.NotAfterHalving },
		func(h *HorizonResult) *EventStats { return &h.Halving },
	}
	p := make([]float64, len(hrs))
	for _, set := range sets {
		for k := range hrs {
			p[k] = float64(set(&hrs[k]).P)
			if !set(&hrs[k]).P.Valid() {
				p[k] = math.NaN()
			}
		}
		for k, a := range stats.Holm(p) {
			set(&hrs[k]).PHolm = results.Value(a)
		}
	}
}

// makeLegs resolves the targets and, for several targets, the basket.
func makeLegs(ds *data.Dataset, spec Spec) ([]leg, error) {
	var legs []leg
	var all []*data.Series
	for _, name := range spec.Targets {
		s := ds.Get(name)
		if s == nil {
			return nil, fmt.Errorf("study: target symbol %q is not in the data set (have %v)", name, ds.Symbols())
		}
		legs = append(legs, leg{name: name, series: []*data.Series{s}, weights: []float64{1}})
		all = append(all, s)
	}
	if len(all) > 1 {
		w, err := num.Weights(spec.Weights, len(all), 1)
		if err != nil {
			return nil, fmt.Errorf("study: basket of %s: %w", strings.Join(spec.Targets, ", "), err)
		}
		legs = append(legs, leg{name: BasketName, series: all, weights: w})
	}
	return legs, nil
}

// legBuyAndHold is the buy and hold of a leg; a basket's return is the
// weighted sum of its constituents' (bought at once, never rebalanced) over
// the window's calendar days.
func legBuyAndHold(l leg, ws, we int64, fill engine.FillMode) BuyAndHold {
	if len(l.series) == 1 {
		return buyAndHold(l.series[0], ws, we, fill)
	}
	out := BuyAndHold{Entry: -1}
	var r float64
	for k, s := range l.series {
		b := buyAndHold(s, ws, we, fill)
		r += l.weights[k] * b.Return
		if out.Entry < 0 || b.Entry > out.Entry {
			out.Entry, out.EntryDate = b.Entry, b.EntryDate
		}
		if out.Exit == 0 || b.Exit < out.Exit {
			out.Exit, out.ExitDate = b.Exit, b.ExitDate
		}
		out.Days = max(out.Days, b.Days)
	}
	out.Return = r
	return out
}

// setInput is what the statistics of a set of entries at one horizon share.
type setInput struct {
	pool      []float64 // defined unconditional returns, in date order
	poolDates []data.Date
	h         int
	spacing   int
	rotation  bool // rotation test instead of the spaced shuffle
	uncond    float64
	opts      Options
}

// stats summarises the returns vals (entries in time order, NaN for past
// the data) dated dates. It reports whether the defined entries overlap at
// the horizon.
func (in setInput) stats(vals []float64, dates []data.Date, seed uint64) (EventStats, bool) {
	es := EventStats{Mean: results.NA, Median: results.NA, HitRate: results.NA, MeanCI: [2]results.Value{results.NA, results.NA},
		Excess: results.NA, P: results.NA, PHolm: results.NA}
	var x []float64
	var xd []data.Date
	for i, v := range vals {
		if math.IsNaN(v) {
			es.PastEnd++
			continue
		}
		x = append(x, v)
		xd = append(xd, dates[i])
	}
	es.N = len(x)
	es.Independent = independent(xd, in.h)
	es.TooFew = es.Independent < results.MinSamples
	if es.N == 0 {
		return es, false
	}
	rng := stats.NewRand(seed)
	es.Mean = results.Value(stats.Mean(x))
	es.Median = results.Value(stats.Median(x))
	es.HitRate = results.Value(hitRate(x))
	es.Excess = results.Value(float64(es.Mean) - in.uncond)
	ov := overlapping(xd, in.h)
	var lo, hi float64
	if ov {
		// Mean block: the larger of the automatic length and the signals per
		// independent window (n / independent), so that clusters of
		// overlapping signals tend to be resampled together.
		es.CIMethod = "stationary_bootstrap"
		block := float64(es.N) / float64(max(es.Independent, 1))
		if auto := stats.OptimalBlockLength(x); auto > block {
			block = auto
		}
		lo, hi, _ = stats.StationaryBootstrapCI(x, stats.Mean, in.opts.Bootstrap, in.opts.Level, block, rng)
	} else {
		es.CIMethod = "bootstrap"
		lo, hi = stats.BootstrapCI(x, stats.Mean, in.opts.Bootstrap, in.opts.Level, rng)
	}
	es.MeanCI = [2]results.Value{results.Value(lo), results.Value(hi)}
	if math.IsNaN(lo) {
		es.CIMethod = ""
	}
	if in.rotation {
		es.P = results.Value(rotationP(float64(es.Mean), positions(xd, in.poolDates), in.pool))
		es.PMethod = "rotation"
	} else {
		es.P = results.Value(permutationP(float64(es.Mean), es.N, in.pool, in.poolDates, in.spacing, in.opts.Permutations, rng))
		es.PMethod = "shuffle"
	}
	return es, ov
}

// unconditional summarises the pool of forward returns from every eligible
// date. Its interval is a stationary block bootstrap whose mean block is the
// larger of the automatic length (Politis & White 2004) and the number of
// eligible dates h calendar days span, since returns of consecutive dates
// share up to h days of price moves.
func unconditional(pool []float64, dates []data.Date, h int, opts Options, rng *rand.Rand) Unconditional {
	u := Unconditional{N: len(pool), Mean: results.NA, Median: results.NA, HitRate: results.NA,
		MeanCI: [2]results.Value{results.NA, results.NA}, Block: results.NA, CIMethod: "stationary_bootstrap"}
	if len(pool) == 0 {
		return u
	}
	u.Mean = results.Value(stats.Mean(pool))
	u.Median = results.Value(stats.Median(pool))
	u.HitRate = results.Value(hitRate(pool))
	if len(pool) < 4 {
		return u
	}
	block := stats.OptimalBlockLength(pool)
	if span := float64(h) * float64(len(pool)-1) / math.Max(1, float64(dates[len(dates)-1]-dates[0])); !(block >= span) {
		block = span
	}
	block = math.Min(math.Max(block, 1), float64(len(pool))/2)
	lo, hi, used := stats.StationaryBootstrapCI(pool, stats.Mean, opts.BlockBootstrap, opts.Level, block, rng)
	u.MeanCI = [2]results.Value{results.Value(lo), results.Value(hi)}
	u.Block = results.Value(used)
	return u
}

func hitRate(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	n := 0
	for _, v := range x {
		if v > 0 {
			n++
		}
	}
	return float64(n) / float64(len(x))
}

// defined returns the defined values of r and their dates.
func defined(r []float64, ev []event) ([]float64, []data.Date) {
	var v []float64
	var d []data.Date
	for i, x := range r {
		if !math.IsNaN(x) {
			v = append(v, x)
			d = append(d, ev[i].d)
		}
	}
	return v, d
}

func pick(rows [][]float64, idx []int, k int) []float64 {
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = rows[j][k]
	}
	return out
}

func pickDates(ev []event, idx []int) []data.Date {
	out := make([]data.Date, len(idx))
	for i, j := range idx {
		out[i] = ev[j].d
	}
	return out
}

// signalDate returns the date of the trigger bar that closed at t (the UTC
// date of t when no bar closed exactly then).
func signalDate(s *data.Series, t int64) data.Date {
	i := sort.Search(s.Len(), func(i int) bool { return s.CloseTime[i] >= t })
	if i < s.Len() && s.CloseTime[i] == t {
		return s.Date[i]
	}
	return data.DateFromUnix(t)
}

// daysAfter returns the days from the latest halving on or before d to d.
func daysAfter(halvings []data.Date, d data.Date) (int, bool) {
	i := sort.Search(len(halvings), func(i int) bool { return halvings[i] > d }) - 1
	if i < 0 {
		return 0, false
	}
	return int(d - halvings[i]), true
}

func entryOf(name string, et int64, p float64, rets []float64) TargetEntry {
	e := TargetEntry{Target: name, EntryPrice: results.Value(p), Returns: make([]results.Value, len(rets))}
	if et > 0 {
		e.EntryTime = rfc(et)
	}
	for i, r := range rets {
		e.Returns[i] = results.Value(r)
	}
	return e
}

func rfc(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

func fillName(f engine.FillMode) string {
	if f == engine.NextClose {
		return "next_close"
	}
	return "next_open"
}

// notes explain, in plain words, what the study's numbers rest on.
func notes(st *Study, opts Options, sigOverlap bool, nAfter, nSel int) []string {
	var out []string
	maxH := opts.Horizons[len(opts.Horizons)-1]
	switch opts.Selection {
	case NonOverlapping:
		out = append(out, fmt.Sprintf("signals: %d of %d studied, non-overlapping: each at least %d days (the largest horizon) after the previous studied one; random sets in the permutation tests keep the same spacing", nSel, st.Signals, maxH))
	case Acted:
		out = append(out, fmt.Sprintf("signals: %d of %d studied, those the strategy acted on (it enters only when flat)", nSel, st.Signals))
	case All:
		out = append(out, fmt.Sprintf("signals: all %d studied; consecutive signals' forward windows overlap, so they are far from independent: read the 'independent' column, not n", st.Signals))
	}
	out = append(out, fmt.Sprintf("forward return: from the entry fill (%s after the signal's close) to the close of the target's bar dated entry + H days; simple returns before costs; null when the horizon runs past the window (counted as past_end)", st.Fill))
	out = append(out, fmt.Sprintf("overlapping horizons: the random (unconditional) returns start on consecutive dates and share up to H days of moves, so they are strongly dependent; their %.0f%% interval is a stationary block bootstrap (mean block ≥ the dates H days span)", 100*opts.Level))
	if sigOverlap {
		out = append(out, "some studied signals are closer together than a horizon: at those horizons their returns overlap, their interval is a stationary bootstrap over signals in time order, and only the 'independent' count is a fair sample size")
	}
	if opts.Selection == NonOverlapping {
		out = append(out, fmt.Sprintf("p-value: one-sided, share of %d random sets of the same size and spacing among the eligible dates whose mean is at least the signals' ((1 + count)/(K + 1))", opts.Permutations))
	} else {
		out = append(out, "p-value: one-sided rotation test: the signals moved together by every offset along the eligible dates (wrapping around), keeping their clustering; the share of offsets whose mean is at least the signals'. Shuffling clustered signals one by one would treat them as independent and give p-values far too small")
	}
	if nSel > 0 && nAfter > 0 {
		out = append(out, fmt.Sprintf("halvings: %d of %d studied signals fall within %d days after a Bitcoin halving; breakout and halving timing are confounded there", nAfter, nSel, opts.HalvingWindow))
	}
	if nSel < results.MinSamples {
		out = append(out, fmt.Sprintf("only %s studied: too few to tell an effect from chance (fewer than %d independent samples)", plural(nSel, "signal"), results.MinSamples))
	}
	if len(st.Halvings) < results.MinSamples {
		out = append(out, fmt.Sprintf("halving trigger: %s in the window; no statistic on so few samples is conclusive", plural(len(st.Halvings), "date")))
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
