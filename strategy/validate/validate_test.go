package validate

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/sweep"
)

// plantedData builds RUT (NYSE weekdays, a driftless random walk) and BTC
// (every day) over years years from 2010. With edge, every BTC daily
// log-return in the 30 days after a RUT close above its previous 20 closes
// gains edgeDrift: the trigger truly predicts the target's next-month
// return, in every era. Without edge BTC is independent of RUT. BTC's daily
// returns have arithmetic mean 0 outside the edge (log drift -σ²/2).
func plantedData(t testing.TB, seed uint64, years int, edge bool) *data.Dataset {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	start := data.DateOf(2010, 1, 4)
	end := data.DateOf(2010+years, 1, 3)
	const sigR, sigB, edgeDrift = 0.01, 0.02, 0.004
	var rb, bb []data.Bar
	var closes []float64
	boost := map[data.Date]bool{}
	rut := 100.0
	nyse := data.NYSE()
	for d := start; d <= end; d++ {
		if !nyse.IsSessionDay(d) {
			continue
		}
		o := rut
		rut *= math.Exp(sigR*rng.NormFloat64() - sigR*sigR/2)
		rb = append(rb, data.Bar{Date: d, Open: o, High: max(o, rut), Low: min(o, rut), Close: rut})
		if n := len(closes); n >= 20 {
			hi := closes[n-20]
			for _, c := range closes[n-20:] {
				hi = max(hi, c)
			}
			if rut > hi {
				for k := 1; k <= 30; k++ {
					boost[d+data.Date(k)] = true
				}
			}
		}
		closes = append(closes, rut)
	}
	btc := 100.0
	brng := rand.New(rand.NewPCG(seed, 7))
	for d := start; d <= end; d++ {
		mu := -sigB * sigB / 2
		if edge && boost[d] {
			mu += edgeDrift
		}
		o := btc
		btc *= math.Exp(mu + sigB*brng.NormFloat64())
		bb = append(bb, data.Bar{Date: d, Open: o, High: max(o, btc), Low: min(o, btc), Close: btc})
	}
	r, err := data.NewSeries("RUT", nyse, rb)
	if err != nil {
		t.Fatal(err)
	}
	b, err := data.NewSeries("BTC", data.Crypto24x7(), bb)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := data.NewDataset(r, b)
	if err != nil {
		t.Fatal(err)
	}
	ds.Synthetic = true
	return ds
}

// testBase is a cost-free daily Donchian config on RUT -> BTC.
func testBase(t testing.TB) config.Config {
	t.Helper()
	c := config.Default()
	c.Name = "wf"
	c.Trigger.Lookback = 20
	c.Trade.HoldDays = 30
	c.Costs = config.Costs{}
	if err := config.Validate(c); err != nil {
		t.Fatal(err)
	}
	return c
}

func testExpansion(t testing.TB) *sweep.Expansion {
	t.Helper()
	spec := &sweep.Spec{Name: "wf", Base: "base.yaml", RankBy: "sharpe", Grid: []sweep.GridParam{
		{Key: "trigger.lookback", Values: []any{5, 20, 120}},
		{Key: "trade.hold_days", Values: []any{3, 30}},
	}}
	e, err := sweep.Expand(spec, testBase(t), "wf.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustSpan(t testing.TB, s string) Span {
	t.Helper()
	v, err := ParseSpan(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func runWF(t testing.TB, ds *data.Dataset, opts Options) (*Plan, *Result) {
	t.Helper()
	p, err := Prepare(ds, testExpansion(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(context.Background(), backtest.NewShared(ds), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, res
}

// TestPlantedEdgeFoundOutOfSample: a trigger that truly predicts the next
// month gives a positive out-of-sample mean trade return and a stitched
// random-entry p below 0.01.
func TestPlantedEdgeFoundOutOfSample(t *testing.T) {
	ds := plantedData(t, 1, 10, true)
	_, res := runWF(t, ds, Options{Train: mustSpan(t, "3y"), Test: mustSpan(t, "1y"), Workers: 2,
		Evidence: backtest.Options{Resamples: 200, RandomEntries: 2000}})
	if len(res.Folds) != 7 {
		t.Fatalf("folds = %d, want 7 (3y train, 1y test over 10 years)", len(res.Folds))
	}
	ev := res.OOS.Evidence
	if !(ev.MeanTradeReturn > 0) || !(res.OOS.Metrics.TotalReturn > 0) {
		t.Fatalf("OOS mean trade return %v, total %v: want positive", ev.MeanTradeReturn, res.OOS.Metrics.TotalReturn)
	}
	if !(ev.RandomEntryP < 0.01) {
		t.Fatalf("OOS random-entry p = %v (note %q), want < 0.01", ev.RandomEntryP, ev.RandomEntryNote)
	}
	if ev.RandomEntryK != 2000 {
		t.Fatalf("K = %d", ev.RandomEntryK)
	}
	t.Logf("OOS Sharpe %.2f, B&H %.2f, p %.4g, PBO %v, beats %d/%d", res.OOS.Metrics.Sharpe, res.Benchmark.Metrics.Sharpe,
		ev.RandomEntryP, res.PBO, res.BeatsBenchmarkFolds, len(res.Folds))
}

// TestNoiseCentredOnZero: with a trigger independent of a driftless target,
// the stitched out-of-sample Sharpe ratio over 200 seeds is centred on 0
// (within 4 standard errors of its mean) and the mean PBO is near 0.5.
func TestNoiseCentredOnZero(t *testing.T) {
	const seeds = 200
	var srs, pbos []float64
	for s := range uint64(seeds) {
		ds := plantedData(t, 1000+s, 6, false)
		_, res := runWF(t, ds, Options{Train: mustSpan(t, "2y"), Test: mustSpan(t, "1y"), Workers: 2,
			Evidence: backtest.Options{Resamples: 20, RandomEntries: -1}})
		if res.OOS.Metrics.Sharpe.Valid() {
			srs = append(srs, float64(res.OOS.Metrics.Sharpe))
		}
		if res.PBO.Valid() {
			pbos = append(pbos, float64(res.PBO))
		}
	}
	check := func(name string, x []float64, centre float64) {
		t.Helper()
		if len(x) < seeds*9/10 {
			t.Fatalf("%s defined in %d of %d seeds", name, len(x), seeds)
		}
		var m, v float64
		for _, a := range x {
			m += a
		}
		m /= float64(len(x))
		for _, a := range x {
			v += (a - m) * (a - m)
		}
		se := math.Sqrt(v/float64(len(x)-1)) / math.Sqrt(float64(len(x)))
		t.Logf("%s: mean %.4f, standard error %.4f over %d seeds", name, m, se, len(x))
		if math.Abs(m-centre) > 4*se {
			t.Fatalf("%s mean %.4f is %.1f standard errors from %.2f", name, m, math.Abs(m-centre)/se, centre)
		}
	}
	check("OOS Sharpe", srs, 0)
	check("PBO", pbos, 0.5)
}

// TestStitchedEqualsEachFoldAlone: the stitched out-of-sample curve equals
// the chosen config of every fold run alone on its test window (built from
// the base with --set overrides, not through the expansion), chained; and
// each fold's choice equals a brute-force argmax of the Sharpe ratio over
// every trial run alone on the training window.
func TestStitchedEqualsEachFoldAlone(t *testing.T) {
	ds := plantedData(t, 3, 7, true)
	p, res := runWF(t, ds, Options{Train: mustSpan(t, "2y"), Test: mustSpan(t, "1y"), Workers: 2,
		Evidence: backtest.Options{Resamples: 50, RandomEntries: -1}, SkipPBO: true})
	ctx := context.Background()
	alone := func(params sweep.Params, start, end string) *backtest.Outcome {
		cfg, err := config.Override(p.Exp.Base, params.Sets()...)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Data.Start, cfg.Data.End = start, end
		o, err := backtest.RunWith(ctx, cfg, ds, nil, backtest.Options{Resamples: 50, RandomEntries: -1})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	eq := p.Exp.Base.Capital
	row := 0
	for _, f := range res.Folds {
		// Brute force: the best Sharpe ratio on the training window.
		bestIdx, bestSR := -1, math.Inf(-1)
		for _, tr := range p.Exp.Trials {
			o := alone(tr.Params, f.TrainStart, f.TrainEnd)
			if sr := float64(o.Report.Metrics.Sharpe); o.Report.Metrics.Sharpe.Valid() && sr > bestSR {
				bestIdx, bestSR = tr.Index, sr
			}
		}
		if f.Chosen != bestIdx {
			t.Fatalf("fold %d chose trial %d, brute force %d", f.Index, f.Chosen, bestIdx)
		}
		o := alone(f.Params, f.TestStart, f.TestEnd)
		a, _ := json.Marshal(o.Report.Metrics)
		b, _ := json.Marshal(f.OOS)
		if string(a) != string(b) {
			t.Fatalf("fold %d OOS metrics differ from the config alone:\n%s\n%s", f.Index, b, a)
		}
		for _, e := range o.Report.Equity {
			got := res.OOS.Equity[row]
			want := eq * float64(e.Equity) / p.Exp.Base.Capital
			if got.Date != e.Date || math.Abs(float64(got.Equity)-want) > 1e-9*want {
				t.Fatalf("fold %d day %s: stitched %v %v, alone chained %v %v", f.Index, e.Date, got.Date, got.Equity, e.Date, want)
			}
			row++
		}
		eq = eq * float64(o.Report.Equity[len(o.Report.Equity)-1].Equity) / p.Exp.Base.Capital
	}
	if row != len(res.OOS.Equity) {
		t.Fatalf("stitched curve has %d days, folds %d", len(res.OOS.Equity), row)
	}
}

// TestDeterministicAcrossWorkers: 1 and 3 workers give the same JSON.
func TestDeterministicAcrossWorkers(t *testing.T) {
	ds := plantedData(t, 5, 6, true)
	var out []string
	for _, w := range []int{1, 3} {
		_, res := runWF(t, ds, Options{Train: mustSpan(t, "2y"), Test: mustSpan(t, "1y"), Workers: w, RankBy: "dsr",
			Evidence: backtest.Options{Resamples: 50, RandomEntries: 200}})
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	if out[0] != out[1] {
		t.Fatal("results differ between 1 and 3 workers")
	}
}

// TestResumeSkipsDoneFolds: a run given the first folds of an earlier run
// trains only the others and gives the same result.
func TestResumeSkipsDoneFolds(t *testing.T) {
	ds := plantedData(t, 6, 6, true)
	opts := Options{Train: mustSpan(t, "2y"), Test: mustSpan(t, "1y"), Workers: 2,
		Evidence: backtest.Options{Resamples: 50, RandomEntries: 100}, SkipPBO: true}
	p, full := runWF(t, ds, opts)
	done := map[int]*FoldResult{}
	for i := range 2 {
		done[full.Folds[i].Index] = &full.Folds[i]
	}
	var sunk []int
	res, err := p.Run(context.Background(), backtest.NewShared(ds), done, func(f *FoldResult) error {
		sunk = append(sunk, f.Index)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sunk) != len(full.Folds)-2 || sunk[0] != 2 {
		t.Fatalf("resume trained folds %v, want 2..%d", sunk, len(full.Folds)-1)
	}
	a, _ := json.Marshal(full)
	b, _ := json.Marshal(res)
	if string(a) != string(b) {
		t.Fatal("resumed result differs")
	}
}

func TestBadInputs(t *testing.T) {
	ds := plantedData(t, 1, 4, false)
	e := testExpansion(t)
	for _, c := range []struct {
		name string
		opts Options
		want string
	}{
		{"no fold fits", Options{Train: Span{5, 'y'}, Test: Span{1, 'y'}}, "hold no fold"},
		{"overlapping tests", Options{Train: Span{1, 'y'}, Test: Span{1, 'y'}, Step: Span{1, 'm'}}, "overlap"},
		{"too short", Options{Train: Span{5, 'd'}, Test: Span{1, 'y'}}, "at least 20"},
		{"bad rank", Options{Train: Span{1, 'y'}, Test: Span{1, 'y'}, RankBy: "sharp"}, "not a metric"},
		{"missing test", Options{Train: Span{1, 'y'}}, "--test"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Prepare(ds, e, c.opts)
			if err == nil || !contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	for _, s := range []string{"", "y", "0y", "-1y", "5x", "101y", "2000m"} {
		if _, err := ParseSpan(s); err == nil {
			t.Fatalf("ParseSpan(%q) accepted", s)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestWalkForwardFolds checks the fold calendar by hand.
func TestWalkForwardFolds(t *testing.T) {
	first, last := data.DateOf(2015, 1, 1), data.DateOf(2020, 6, 30)
	folds, err := WalkForward(first, last, Span{2, 'y'}, Span{1, 'y'}, Span{}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := [][4]string{
		{"2015-01-01", "2016-12-31", "2017-01-01", "2017-12-31"},
		{"2016-01-01", "2017-12-31", "2018-01-01", "2018-12-31"},
		{"2017-01-01", "2018-12-31", "2019-01-01", "2019-12-31"},
	}
	if len(folds) != len(want) {
		t.Fatalf("%d folds", len(folds))
	}
	for i, f := range folds {
		got := [4]string{f.TrainStart.String(), f.TrainEnd.String(), f.TestStart.String(), f.TestEnd.String()}
		if got != want[i] {
			t.Fatalf("fold %d = %v, want %v", i, got, want[i])
		}
	}
	folds, _ = WalkForward(first, last, Span{2, 'y'}, Span{1, 'y'}, Span{}, true)
	if folds[2].TrainStart.String() != "2015-01-01" || folds[2].TrainEnd.String() != "2018-12-31" {
		t.Fatalf("anchored fold 2 = %v..%v", folds[2].TrainStart, folds[2].TrainEnd)
	}
	_ = results.NA
}

// TestStitchedRandomEntryUniformUnderNoise: with a trigger independent of a
// driftless target, the stitched random-entry p-value is uniform (KS test
// over 200 seeds, not rejected at 0.001): the stratified test holds its
// level after selection.
func TestStitchedRandomEntryUniformUnderNoise(t *testing.T) {
	var ps []float64
	for s := range uint64(200) {
		ds := plantedData(t, 5000+s, 5, false)
		_, res := runWF(t, ds, Options{Train: mustSpan(t, "2y"), Test: mustSpan(t, "1y"), Workers: 2, SkipPBO: true,
			Evidence: backtest.Options{Resamples: 10, RandomEntries: 199}})
		if p := res.OOS.Evidence.RandomEntryP; p.Valid() {
			ps = append(ps, float64(p))
		}
	}
	if len(ps) < 180 {
		t.Fatalf("p defined in %d of 200 seeds", len(ps))
	}
	// The p-values live on the grid k/200: jitter them within their cell
	// so that the KS test compares a continuous law.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range ps {
		ps[i] -= rng.Float64() / 200
	}
	d, p := stats.KSUniform(ps)
	t.Logf("stitched random-entry p over %d seeds: KS D = %.3f, p = %.3g, mean %.3f", len(ps), d, p, stats.Mean(ps))
	if p < 0.001 {
		t.Fatalf("stitched random-entry p not uniform under the null: KS p = %.3g", p)
	}
}

// TestCancelKeepsFinishedFolds: cancelling after the first fold stops the
// run with an "interrupted" error; the fold handed over is the one a resume
// skips.
func TestCancelKeepsFinishedFolds(t *testing.T) {
	ds := plantedData(t, 8, 6, true)
	p, err := Prepare(ds, testExpansion(t), Options{Train: mustSpan(t, "2y"), Test: mustSpan(t, "1y"), Workers: 2, SkipPBO: true,
		Evidence: backtest.Options{Resamples: 10, RandomEntries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var kept []int
	_, err = p.Run(ctx, backtest.NewShared(ds), nil, func(f *FoldResult) error {
		kept = append(kept, f.Index)
		cancel()
		return nil
	})
	if err == nil || !contains(err.Error(), "interrupted after 1 of") || len(kept) != 1 {
		t.Fatalf("err %v, kept %v", err, kept)
	}
}
