package sweep

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/stats"
)

// TestRankByDSRAndPSR: rank_by dsr and psr order the trials by the deflated
// and the probabilistic Sharpe ratio computed independently here from the
// formulas (Bailey & López de Prado 2012, 2014), whatever the order of Add;
// the DSR of the best equals the sweep's DSR; every top trial has its DSR.
func TestRankByDSRAndPSR(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var rs []*Result
	for i := range 40 {
		sr := 0.5 + rng.NormFloat64()*0.4 // annualised
		if i == 7 {
			sr = math.NaN() // undefined: ranks last, counts in N
		}
		r := &Result{Index: i, Metrics: results.Metrics{Sharpe: results.Value(sr), Annualization: 365},
			Moments: Moments{N: 500 + rng.IntN(3000), Skew: rng.NormFloat64() * 0.5, Kurt: 3 + rng.Float64()*6}}
		rs = append(rs, r)
	}
	// Independent: per-period Sharpe ratios, their n-1 variance, DSR and PSR.
	var srs []float64
	for _, r := range rs {
		if r.Metrics.Sharpe.Valid() {
			srs = append(srs, float64(r.Metrics.Sharpe)/math.Sqrt(365))
		}
	}
	var mean, v float64
	for _, x := range srs {
		mean += x
	}
	mean /= float64(len(srs))
	for _, x := range srs {
		v += (x - mean) * (x - mean)
	}
	v /= float64(len(srs) - 1)
	sr0 := stats.ExpectedMaxSharpe(len(rs), v)
	want := map[string]func(r *Result) float64{
		"dsr": func(r *Result) float64 {
			return stats.PSR(float64(r.Metrics.Sharpe)/math.Sqrt(365), sr0, r.Moments.N, r.Moments.Skew, r.Moments.Kurt)
		},
		"psr": func(r *Result) float64 {
			return stats.PSR(float64(r.Metrics.Sharpe)/math.Sqrt(365), 0, r.Moments.N, r.Moments.Skew, r.Moments.Kurt)
		},
	}
	for name, f := range want {
		s, err := NewSummary(name, Grid{}, 5)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range rng.Perm(len(rs)) {
			s.Add(rs[i])
		}
		st := s.Finish(FinishOptions{})
		// Brute force: the five best by f.
		var order []int
		for range 5 {
			b := -1
			for i, r := range rs {
				if math.IsNaN(f(r)) || slices.Contains(order, i) {
					continue
				}
				if b < 0 || f(r) > f(rs[b]) {
					b = i
				}
			}
			order = append(order, b)
		}
		for k, r := range st.Top {
			if r.Index != order[k] {
				t.Fatalf("%s: top[%d] = trial %d, brute force %d", name, k, r.Index, order[k])
			}
			if d := want["dsr"](r); math.Abs(float64(st.TopDSR[k])-d) > 1e-12 {
				t.Fatalf("%s: TopDSR[%d] = %v, formula %v", name, k, st.TopDSR[k], d)
			}
		}
		if name == "dsr" && math.Abs(float64(st.DSR)-float64(st.TopDSR[0])) > 1e-12 {
			t.Fatalf("sweep DSR %v != best trial's DSR %v", st.DSR, st.TopDSR[0])
		}
	}
	if _, err := decodeRank("dsr"); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeRank("dsrr"); err == nil || !strings.Contains(err.Error(), "use dsr, psr or one of") {
		t.Fatalf("bad rank_by: %v", err)
	}
}

func decodeRank(r string) (*Spec, error) {
	return Decode(strings.NewReader("name: g\nbase: b.yaml\ngrid: [{key: trade.hold_days, values: [1]}]\nrank_by: "+r+"\n"), "s.yaml")
}
