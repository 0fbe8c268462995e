package engine

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/riskon/riskon/data"
)

// TestPlanEqualsSortedBars: a plan's events are every bar of every series
// sorted by close time, ties by symbol order, each bar once in its series'
// order (a stable sort of all the bars, independent of NewPlan's merge),
// and its history counts before each event are the bars of each symbol
// among the earlier events; on random slices of the synthetic data of two
// calendars (gaps, series starting and ending anywhere, empty series).
func TestPlanEqualsSortedBars(t *testing.T) {
	o := data.DefaultSynthetic(9)
	o.Symbols = o.Symbols[:4]
	o.End = data.DateOf(2022, 1, 1)
	full, err := data.Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 17))
	for trial := 0; trial < 40; trial++ {
		var series []*data.Series
		for _, s := range full.Series {
			if rng.IntN(5) == 0 {
				continue // this symbol left out
			}
			i := rng.IntN(s.Len())
			j := i + rng.IntN(min(s.Len()-i, 400)+1)
			series = append(series, s.Slice(i, j))
		}
		if len(series) == 0 {
			continue
		}
		ds, err := data.NewDataset(series...)
		if err != nil {
			t.Fatal(err)
		}
		type bar struct {
			time     int64
			sym, idx int
		}
		var want []bar
		for s, ser := range ds.Series {
			for i := range ser.Len() {
				want = append(want, bar{ser.CloseTime[i], s, i})
			}
		}
		sort.SliceStable(want, func(a, b int) bool {
			if want[a].time != want[b].time {
				return want[a].time < want[b].time
			}
			return want[a].sym < want[b].sym
		})
		p := NewPlan(ds)
		if p.Len() != len(want) {
			t.Fatalf("trial %d: %d events, want %d", trial, p.Len(), len(want))
		}
		ns := len(ds.Series)
		seen := make([]int, ns)
		for k, w := range want {
			s, i, tm := p.Event(k)
			if s != w.sym || i != w.idx || tm != w.time {
				t.Fatalf("trial %d event %d: (%d, %d, %d), want (%d, %d, %d)", trial, k, s, i, tm, w.sym, w.idx, w.time)
			}
			for q := range ns {
				if got := int(p.seen[k*ns+q]); got != seen[q] {
					t.Fatalf("trial %d event %d: %d bars of symbol %d before it, want %d", trial, k, got, q, seen[q])
				}
			}
			seen[s]++
		}
	}
}
