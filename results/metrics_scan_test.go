package results

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// refCurve is the straightforward computation the fused scanCurve replaced:
// separate passes for exposure, the return sums (two-pass variance) and
// the drawdown, written from the definitions in ComputeMetrics' doc.
func refCurve(r *engine.Result, base float64) (expo float64, n int, mean, sd, down, maxDD float64, longest int64) {
	rets := DailyReturns(r)
	n = len(rets)
	var sum, dsum float64
	for _, v := range rets {
		sum += v
		if v < 0 {
			dsum += v * v
		}
	}
	mean, sd, down = math.NaN(), math.NaN(), math.NaN()
	if n > 0 {
		mean = sum / float64(n)
		var ss float64
		for _, v := range rets {
			ss += (v - mean) * (v - mean)
		}
		sd = 0
		if n > 1 {
			sd = math.Sqrt(ss / float64(n-1))
		}
		down = math.Sqrt(dsum / float64(n))
	}
	inv := r.Invested[:min(len(r.Invested), len(r.Equity))]
	k := 0
	for _, v := range inv {
		if v > 0 {
			k++
		}
	}
	expo = math.NaN()
	if len(inv) > 0 {
		expo = float64(k) / float64(len(inv))
	}
	day := func(i int) int64 {
		if i < 0 {
			return int64(r.Dates[0]) - 1
		}
		return int64(r.Dates[i])
	}
	peak, peakDay := base, day(-1)
	if !(r.Capital > 0) {
		peakDay = day(0)
	}
	under := false
	for i, e := range r.Equity {
		if e >= peak {
			if under {
				longest = max(longest, day(i)-peakDay)
				under = false
			}
			peak, peakDay = e, day(i)
			continue
		}
		under = true
		maxDD = max(maxDD, 1-e/peak)
	}
	if under {
		longest = max(longest, day(len(r.Equity)-1)-peakDay)
	}
	return
}

func same(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// TestMetricsFusedPassBitIdentical: the one-pass scan (with one division per
// drawdown stretch) gives bit for bit the figures of separate passes over
// curves with flat stretches, deep drawdowns, a curve ending under water,
// no capital, a cash rate, and equity reaching zero or NaN.
func TestMetricsFusedPassBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 13))
	for trial := 0; trial < 400; trial++ {
		n := 1 + rng.IntN(300)
		r := &engine.Result{Capital: 1000, Annualization: 365, Equity: make([]float64, n), Invested: make([]float64, n), Dates: make([]data.Date, n)}
		if trial%7 == 3 {
			r.Capital = 0
		}
		e := 1000.0
		for i := range r.Equity {
			r.Dates[i] = data.Date(15000 + i)
			switch {
			case rng.IntN(4) == 0: // flat
			case rng.IntN(50) == 0 && trial%5 == 1:
				e = 0
			default:
				e *= 1 + rng.NormFloat64()*0.03
			}
			if trial%11 == 5 && i == n/2 {
				r.Equity[i] = math.NaN()
			} else {
				r.Equity[i] = e
			}
			if rng.IntN(2) == 0 {
				r.Invested[i] = rng.Float64()
			}
			if rng.IntN(20) == 0 { // fractions no book has, counted as v > 0 counts them
				r.Invested[i] = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), -0.5, 5e-324}[rng.IntN(6)]
			}
		}
		if trial%3 == 2 {
			r.CashRate = "FF"
			r.RiskFree = make([]float64, n)
			for i := range r.RiskFree {
				r.RiskFree[i] = rng.Float64() * 1e-4
			}
		}
		base := r.Capital
		if !(base > 0) {
			base = r.Equity[0]
		}
		if !(base > 0) {
			continue
		}
		expo, nr, mean, sd, down, maxDD, longest := refCurve(r, base)
		cs := scanCurve(r, base, true, nil, nil)
		gotMean, gotSD, gotDown := math.NaN(), math.NaN(), math.NaN()
		if cs.n > 0 {
			gotMean = cs.sum / float64(cs.n)
			gotSD = 0
			if ss := SumSquares(cs.rets, gotMean); cs.n > 1 {
				gotSD = math.Sqrt(ss / float64(cs.n-1))
			}
			gotDown = math.Sqrt(cs.dsum / float64(cs.n))
		}
		if cs.n != nr || !same(gotMean, mean) || !same(gotSD, sd) || !same(gotDown, down) {
			t.Fatalf("trial %d: returns n %d/%d mean %v/%v sd %v/%v down %v/%v", trial, cs.n, nr, gotMean, mean, gotSD, sd, gotDown, down)
		}
		want := DailyReturns(r)
		if len(cs.rets) != len(want) {
			t.Fatalf("trial %d: %d returns kept, want %d", trial, len(cs.rets), len(want))
		}
		for i := range want {
			if !same(cs.rets[i], want[i]) {
				t.Fatalf("trial %d: return %d kept %v, want %v", trial, i, cs.rets[i], want[i])
			}
		}
		if !same(float64(cs.invested)/float64(cs.nInv), expo) {
			t.Fatalf("trial %d: exposure differs", trial)
		}
		// Without the drawdown the scan may stop at the end of the returns:
		// the exposure still counts every day.
		if c2 := scanCurve(r, base, false, nil, nil); c2.n != cs.n || !same(c2.sum, cs.sum) || !same(c2.dsum, cs.dsum) || c2.invested != cs.invested {
			t.Fatalf("trial %d: the scan without drawdown differs: %+v vs %+v", trial, c2, cs)
		}
		if !same(cs.maxDD, maxDD) || cs.longest != longest {
			t.Fatalf("trial %d: drawdown %v/%v days %d/%d", trial, cs.maxDD, maxDD, cs.longest, longest)
		}
		if maxDD == 0 && trial%5 == 0 {
			t.Logf("trial %d has no drawdown", trial)
		}
	}
}

// BenchmarkComputeMetrics: the metrics of one sweep trial's curve (5,256
// days, the BTC window, flat between about 140 trades of 1 to 30 days)
// with its returns kept, as the sweep computes them.
//
//	go test -run '^$' -bench ComputeMetrics -benchmem ./results/
func BenchmarkComputeMetrics(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 5256
	r := &engine.Result{Capital: 1e5, Annualization: 365, Equity: make([]float64, n), Invested: make([]float64, n), Dates: make([]data.Date, n)}
	e := 1e5
	for i := 0; i < n; {
		flat := 10 + rng.IntN(40)
		for j := 0; j < flat && i < n; j++ {
			r.Equity[i], r.Dates[i] = e, data.Date(15000+i)
			i++
		}
		hold := 1 + rng.IntN(30)
		r.Trades = append(r.Trades, engine.Trade{Cost: e, Return: rng.NormFloat64() * 0.1})
		for j := 0; j < hold && i < n; j++ {
			e *= 1 + rng.NormFloat64()*0.03
			r.Equity[i], r.Invested[i], r.Dates[i] = e, 1, data.Date(15000+i)
			i++
		}
	}
	var rets []float64
	b.ReportAllocs()
	for b.Loop() {
		_, rets = ComputeMetricsReturns(r, rets)
	}
}

// TestTradeMetricsScratch: the trades' returns sorted in the room after the
// daily returns of a reused buffer (more trades than the stack holds) give
// the median of the sorted returns, leave the daily returns as
// DailyReturns gives them, and the same metrics as a fresh buffer.
func TestTradeMetricsScratch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	var buf []float64
	for trial := range 20 {
		n, nt := 200+rng.IntN(400), 1+rng.IntN(400)
		r := &engine.Result{Capital: 1000, Annualization: 365, Equity: make([]float64, n), Invested: make([]float64, n), Dates: make([]data.Date, n)}
		e := 1000.0
		for i := range r.Equity {
			if rng.IntN(3) == 0 {
				e *= 1 + rng.NormFloat64()*0.02
				r.Invested[i] = 1
			}
			r.Equity[i], r.Dates[i] = e, data.Date(15000+i)
		}
		rets := make([]float64, nt)
		for i := range nt {
			rets[i] = rng.NormFloat64() * 0.1
			r.Trades = append(r.Trades, engine.Trade{Cost: 100 + rng.Float64(), Return: rets[i]})
		}
		slices.Sort(rets)
		want := rets[nt/2]
		if nt%2 == 0 {
			want = (rets[nt/2-1] + rets[nt/2]) / 2
		}
		fresh, _ := ComputeMetricsReturns(r, nil)
		var m Metrics
		m, buf = ComputeMetricsReturns(r, buf)
		if float64(m.MedianTradeReturn) != want || !reflect.DeepEqual(m, fresh) {
			t.Fatalf("trial %d (%d trades): median %v (fresh buffer %v), want %v", trial, nt, m.MedianTradeReturn, fresh.MedianTradeReturn, want)
		}
		if daily := DailyReturns(r); !slices.Equal(buf, daily) {
			t.Fatalf("trial %d: the kept returns differ from DailyReturns", trial)
		}
	}
}

// TestScanFlatsAreZeroStretches: the stretches of zero returns the scan
// hands to a SquaresFunc are, with room for them, exactly the maximal
// stretches of +0 returns of at least MinFlat days among the returns kept
// (found here day by day) on curves whose first day moves (a flat first
// day's return is the scan's day by day); with room for two, the first two.
// The exposure's count of invested days over such stretches is the count
// of v > 0 (invested fractions of NaN, ±Inf, -0, negative, subnormal).
func TestScanFlatsAreZeroStretches(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	found := 0
	for trial := range 200 {
		n := 1 + rng.IntN(2000)
		r := &engine.Result{Capital: 1000, Annualization: 365, Equity: make([]float64, n), Invested: make([]float64, n), Dates: make([]data.Date, n)}
		e, flat := 1000.0, 0
		for i := range r.Equity {
			r.Dates[i] = data.Date(15000 + i)
			if flat == 0 && i > 0 && rng.IntN(10) == 0 {
				flat = 1 + rng.IntN(60) // out of the market
			}
			if flat > 0 {
				flat--
			} else {
				e *= 1 + rng.NormFloat64()*0.03
			}
			r.Equity[i] = e
			r.Invested[i] = float64(rng.IntN(2))
			if rng.IntN(10) == 0 {
				r.Invested[i] = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), -0.5, 5e-324}[rng.IntN(6)]
			}
		}
		cs := scanCurve(r, r.Capital, true, nil, make([]Flat, 0, 10000))
		k := 0
		for _, v := range r.Invested {
			if v > 0 {
				k++
			}
		}
		if cs.invested != k {
			t.Fatalf("trial %d: %d days invested, want %d", trial, cs.invested, k)
		}
		var want []Flat
		for i := 0; i < len(cs.rets); {
			if math.Float64bits(cs.rets[i]) != 0 {
				i++
				continue
			}
			j := i
			for j < len(cs.rets) && math.Float64bits(cs.rets[j]) == 0 {
				j++
			}
			if j-i >= MinFlat {
				want = append(want, Flat{int32(i), int32(j)})
			}
			i = j
		}
		if !slices.Equal(cs.flats, want) {
			t.Fatalf("trial %d: flats %v, want %v", trial, cs.flats, want)
		}
		found += len(want)
		two := scanCurve(r, r.Capital, true, nil, make([]Flat, 0, 2))
		if !slices.Equal(two.flats, want[:min(2, len(want))]) {
			t.Fatalf("trial %d: with room for two, flats %v, want %v", trial, two.flats, want[:min(2, len(want))])
		}
	}
	if found < 100 {
		t.Fatalf("only %d stretches in all: the test does not test them", found)
	}
}

// TestScanCarriedSameAsRead: the stretches a curve lists as carried forward
// (engine.Result.Carried: days repeating the day before, bit for bit),
// which the scan passes without reading, give the scan of the curve read
// day by day: the same returns, sums, stretches of zero returns, exposure
// (invested fractions of NaN, ±Inf, -0, negative, subnormal repeated) and
// drawdown, whichever of the repeating stretches are listed, whole or in
// part.
func TestScanCarriedSameAsRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 29))
	listed := 0
	for trial := range 300 {
		n := 1 + rng.IntN(1500)
		r := &engine.Result{Capital: 1000, Annualization: 365, Equity: make([]float64, n), Invested: make([]float64, n), Dates: make([]data.Date, n)}
		if trial%9 == 4 {
			r.Capital = 0
		}
		e, v, flat := 1000.0, 0.0, 0
		var stretches []engine.DayRange
		for i := range r.Equity {
			r.Dates[i] = data.Date(15000 + i)
			if flat == 0 && i > 0 && rng.IntN(8) == 0 {
				flat = 1 + rng.IntN(50)
				stretches = append(stretches, engine.DayRange{From: int32(i), To: int32(min(n, i+flat))})
			}
			if flat > 0 {
				flat-- // the day before repeated
			} else {
				e *= 1 + rng.NormFloat64()*0.03
				if trial%13 == 6 && rng.IntN(100) == 0 {
					e = 0
				}
				v = float64(rng.IntN(2)) * rng.Float64()
				if rng.IntN(8) == 0 {
					v = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), -0.5, 5e-324}[rng.IntN(6)]
				}
			}
			r.Equity[i], r.Invested[i] = e, v
		}
		base := r.Capital
		if !(base > 0) {
			base = r.Equity[0]
		}
		if !(base > 0) {
			continue
		}
		want := scanCurve(r, base, true, nil, make([]Flat, 0, 64))
		// Some of the stretches, some cut short at either end.
		for _, s := range stretches {
			if rng.IntN(4) == 0 {
				continue
			}
			if s.To-s.From > 2 && rng.IntN(3) == 0 {
				s.From += int32(rng.IntN(int(s.To-s.From) / 2))
				s.To -= int32(rng.IntN(int(s.To-s.From) / 2))
			}
			r.Carried = append(r.Carried, s)
		}
		listed += len(r.Carried)
		// A buffer holding another curve's returns, as a sweep's is.
		dirty := make([]float64, n)
		for i := range dirty {
			dirty[i] = 7
		}
		got := scanCurve(r, base, true, dirty[:0], make([]Flat, 0, 64))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: with %d stretches listed the scan differs:\n got %+v\nwant %+v", trial, len(r.Carried), got, want)
		}
		for i := range want.rets {
			if math.Float64bits(got.rets[i]) != math.Float64bits(want.rets[i]) {
				t.Fatalf("trial %d: return %d is %v, want %v", trial, i, got.rets[i], want.rets[i])
			}
		}
	}
	if listed < 1000 {
		t.Fatalf("only %d stretches listed: the test does not test them", listed)
	}
}

// TestSignalsInWindowEqualsComparisons: the count of signals inside the
// window by one unsigned comparison is the count by the two comparisons, on
// times around and at the window's ends and at the extremes of int64.
func TestSignalsInWindowEqualsComparisons(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 37))
	edges := []int64{math.MinInt64, math.MinInt64 + 1, -1, 0, 1, math.MaxInt64 - 1, math.MaxInt64}
	pick := func(ws, we int64) int64 {
		switch rng.IntN(4) {
		case 0:
			return edges[rng.IntN(len(edges))]
		case 1:
			return []int64{ws - 1, ws, ws + 1, we - 1, we, we + 1}[rng.IntN(6)]
		default:
			if span := we - ws; span > 0 && span < 1<<40 {
				return ws + rng.Int64N(span+1) - rng.Int64N(100)
			}
			return ws + rng.Int64N(1<<20)
		}
	}
	inside := 0
	for trial := range 2000 {
		r := &engine.Result{}
		r.WindowStart, r.WindowEnd = rng.Int64N(1<<40)-1<<39, 0
		r.WindowEnd = r.WindowStart + 1 + rng.Int64N(1<<20)
		if trial%10 == 0 {
			r.WindowStart, r.WindowEnd = edges[rng.IntN(3)], edges[3+rng.IntN(4)]
		}
		want := 0
		for range rng.IntN(50) {
			tm := pick(r.WindowStart, r.WindowEnd)
			r.Signals = append(r.Signals, engine.Signal{Time: tm})
			if tm >= r.WindowStart && tm <= r.WindowEnd {
				want++
			}
		}
		if got := signalsInWindow(r); got != want {
			t.Fatalf("trial %d: window [%d, %d]: %d signals inside, want %d", trial, r.WindowStart, r.WindowEnd, got, want)
		}
		inside += want
	}
	if inside < 1000 {
		t.Fatalf("only %d signals inside a window: the test does not test the count", inside)
	}
}
