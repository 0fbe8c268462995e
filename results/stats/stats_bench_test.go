package stats

import "testing"

func benchData(n int, seed uint64) []float64 {
	r := NewRand(seed)
	x := make([]float64, n)
	for i := range x {
		x[i] = 0.0005 + 0.02*r.NormFloat64()
	}
	return x
}

// 10,000 bootstrap resamples of 50 trade returns, mean statistic.
func BenchmarkBootstrapMean50x10000(b *testing.B) {
	x := benchData(50, 1)
	rng := NewRand(2)
	b.ReportAllocs()
	for b.Loop() {
		BootstrapCI(x, Mean, 10000, 0.95, rng)
	}
}

// Same with the median (sorts each resample).
func BenchmarkBootstrapMedian50x10000(b *testing.B) {
	x := benchData(50, 1)
	rng := NewRand(2)
	b.ReportAllocs()
	for b.Loop() {
		BootstrapCI(x, MedianInPlace, 10000, 0.95, rng)
	}
}

// Stationary bootstrap of the Sharpe ratio of 4,000 daily returns, 10,000
// resamples, automatic block length (iid data: the length is about 1, the
// worst case for the number of blocks).
func BenchmarkSharpeCI4000x10000Auto(b *testing.B) {
	x := benchData(4000, 3)
	rng := NewRand(4)
	b.ReportAllocs()
	for b.Loop() {
		SharpeCI(x, 365, 10000, 0.95, 0, rng)
	}
}

// The same with a mean block length of 20 days.
func BenchmarkSharpeCI4000x10000Block20(b *testing.B) {
	x := benchData(4000, 3)
	rng := NewRand(4)
	b.ReportAllocs()
	for b.Loop() {
		SharpeCI(x, 365, 10000, 0.95, 20, rng)
	}
}

// PBO with S = 16 (12,870 splits) of 1,000 days × 20 trials.
func BenchmarkPBO1000x20S16(b *testing.B) {
	perf := noiseMatrix(1000, 20, NewRand(5))
	b.ReportAllocs()
	for b.Loop() {
		PBO(perf, 16, Mean)
	}
}

// The same with short blocks (mean 1.3 days): the most blocks per resample
// of the block path.
func BenchmarkSharpeCI4000x10000Block1_3(b *testing.B) {
	x := benchData(4000, 3)
	rng := NewRand(4)
	b.ReportAllocs()
	for b.Loop() {
		SharpeCI(x, 365, 10000, 0.95, 1.3, rng)
	}
}

// The studentized interval of the mean of 600 single-trade episodes, 10,000
// resamples (the mean trade return's interval of a 600-trade run).
func BenchmarkClusterMeanT600x10000(b *testing.B) {
	x := benchData(600, 1)
	c := make([]float64, len(x))
	for i := range c {
		c[i] = 1
	}
	rng := NewRand(2)
	b.ReportAllocs()
	for b.Loop() {
		ClusterMeanTCI(x, c, 10000, 0.95, rng)
	}
}

// The order-statistic interval of the median of 600 trades.
func BenchmarkClusterMedian600(b *testing.B) {
	x := benchData(600, 1)
	g := make([]int, len(x))
	for i := range g {
		g[i] = i
	}
	b.ReportAllocs()
	for b.Loop() {
		ClusterMedianCI(x, g, len(x), 0.95)
	}
}

// The Sharpe interval of the 400-year run of docs/SWEEP.md: 146,091 daily
// returns, 77% of them flat (out of the market), iid (block length 1):
// 10,000 resamples of about 34,000 draws each.
func BenchmarkSharpeCI146kFlat(b *testing.B) {
	x := flatSeries(146091, 0.767, 0.0005, 0.03, 6)
	rng := NewRand(4)
	b.ReportAllocs()
	for b.Loop() {
		SharpeCI(x, 365, 10000, 0.95, 1, rng)
	}
}
