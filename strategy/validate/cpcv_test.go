package validate

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
)

func TestCombinationsAndPaths(t *testing.T) {
	c := combinations(6, 2)
	if len(c) != 15 || binomial(6, 2) != 15 || binomial(5, 1) != 5 {
		t.Fatalf("%d combinations", len(c))
	}
	count := make([]int, 6)
	for _, s := range c {
		for _, g := range s {
			count[g]++
		}
	}
	for g, n := range count {
		if n != 5 { // C(5,1): each group is tested in 5 splits, one per path
			t.Fatalf("group %d tested %d times", g, n)
		}
	}
	train := make([]bool, 12)
	markTraining(train, []int{1}, 4, 1, 2) // test days 4..7, purge day 3, embargo 8..9
	want := []bool{true, true, true, false, false, false, false, false, false, false, true, true}
	for d := range want {
		if train[d] != want[d] {
			t.Fatalf("train = %v, want %v", train, want)
		}
	}
}

// TestCPCVPlantedEdge: with a planted edge every path is out of sample
// positive, and the chosen trial of a split is the brute-force argmax of
// the Sharpe ratio over its training days, computed from each trial run
// alone over the whole range.
func TestCPCVPlantedEdge(t *testing.T) {
	ds := plantedData(t, 2, 8, true)
	e := testExpansion(t)
	res, err := CPCV(context.Background(), backtest.NewShared(ds), e, CPCVOptions{Groups: 6, TestGroups: 2, EmbargoDays: 10, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Paths != 5 || len(res.Splits) != 15 || len(res.PathSharpes) != 5 || res.PurgeDays != 30 {
		t.Fatalf("paths %d splits %d purge %d", res.Paths, len(res.Splits), res.PurgeDays)
	}
	for _, s := range res.PathSharpes {
		if !(s > 0) {
			t.Fatalf("path Sharpe ratios %v: want all positive with a planted edge", res.PathSharpes)
		}
	}
	if !(res.PBO < 0.3) {
		t.Fatalf("PBO %v with a planted edge", res.PBO)
	}
	// Brute force for split 4.
	sp := res.Splits[4]
	start, _ := data.ParseDate(res.Start)
	days := res.Groups * res.GroupDays
	train := make([]bool, days)
	markTraining(train, sp.TestGroups, res.GroupDays, res.PurgeDays, res.EmbargoDays)
	best, bestSR := -1, math.Inf(-1)
	for _, tr := range e.Trials {
		cfg, err := config.Override(e.Base, tr.Params.Sets()...)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Data.Start, cfg.Data.End = res.Start, res.End
		o, err := backtest.RunWith(context.Background(), cfg, ds, nil, backtest.Options{RandomEntries: -1, Resamples: 10})
		if err != nil {
			t.Fatal(err)
		}
		daily := results.DailyReturns(o.Result)
		var x []float64
		seen := map[int]bool{}
		for i, r := range daily {
			d := int(o.Result.Dates[i] - start)
			if d >= 0 && d < days && train[d] {
				x = append(x, r)
				seen[d] = true
			}
		}
		for d := range days { // days without a return count as 0
			if train[d] && !seen[d] {
				x = append(x, 0)
			}
		}
		var m, q float64
		for _, r := range x {
			m += r
		}
		m /= float64(len(x))
		for _, r := range x {
			q += (r - m) * (r - m)
		}
		sr := m / math.Sqrt(q/float64(len(x)-1)) * math.Sqrt(365)
		if sr > bestSR {
			best, bestSR = tr.Index, sr
		}
	}
	if sp.Chosen != best || math.Abs(float64(sp.ISSharpe)-bestSR) > 1e-9 {
		t.Fatalf("split 4 chose %d (IS Sharpe %v), brute force %d (%v)", sp.Chosen, sp.ISSharpe, best, bestSR)
	}
	for _, c := range []CPCVOptions{{Groups: 1, TestGroups: 1}, {Groups: 6, TestGroups: 6}, {Groups: 30, TestGroups: 2},
		{Groups: 6, TestGroups: 2, EmbargoDays: -1}, {Groups: 6, TestGroups: 2, RankBy: "calmar"}, {Groups: 24, TestGroups: 12}} {
		if _, err := CPCV(context.Background(), backtest.NewShared(ds), e, c); err == nil {
			t.Fatalf("%+v accepted", c)
		}
	}
}

func TestCPCVDeterministicAcrossWorkers(t *testing.T) {
	ds := plantedData(t, 4, 6, false)
	var out []string
	for _, w := range []int{1, 3} {
		res, err := CPCV(context.Background(), backtest.NewShared(ds), testExpansion(t), CPCVOptions{Groups: 5, TestGroups: 2, EmbargoDays: 5, RankBy: "dsr", Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		out = append(out, string(b))
	}
	if out[0] != out[1] {
		t.Fatal("CPCV differs between 1 and 3 workers")
	}
}
