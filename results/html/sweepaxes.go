package html

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/riskon/riskon/results/chart"
)

// SweepPoint is one trial of a sweep for the parameter charts: its swept
// values (formatted as the sweep file writes them) and the metric.
type SweepPoint struct {
	Params []Param
	Metric float64 // NaN: undefined for this trial
}

// maxAxisCells is the most distinct values a heatmap axis shows one by one;
// beyond it (random sweeps) a numeric axis is cut into bins.
const maxAxisCells = 12

// axisBins is the number of bins of a binned heatmap axis.
const axisBins = 10

// paramAxis is how one swept key is laid out: numeric (sorted by value) or
// categorical (sorted by name), with values mapped to heatmap cells.
type paramAxis struct {
	key     string
	numeric bool
	labels  []string           // heatmap labels, in axis order
	cell    map[string]int     // value -> heatmap label index
	num     map[string]float64 // numeric value of each value
	cats    map[string]int     // categorical: value -> category index
	log     bool               // numeric, positive, spanning more than two decades
}

// SweepPlots lays out the swept keys of a sweep: the heatmap of the metric
// over xKey and yKey (the first two keys when empty), its axes sorted by
// value (numerically for numbers) and, when a key takes more than 12
// distinct values (random sweeps), cut into 10 bins of equal trial counts
// labelled by their range; and one slice per swept key (the metric against
// that key, every trial), so that no swept key is left out of the report.
// keys lists the swept keys in sweep order.
func SweepPlots(keys []string, points []SweepPoint, metric, xKey, yKey string) (*chart.HeatmapData, []chart.SliceData) {
	if len(keys) == 0 || len(points) == 0 {
		return nil, nil
	}
	axes := make(map[string]*paramAxis, len(keys))
	for _, k := range keys {
		axes[k] = newParamAxis(k, points)
	}
	var slices []chart.SliceData
	for _, k := range keys {
		ax := axes[k]
		s := chart.SliceData{Name: k, Metric: metric, Log: ax.log}
		if !ax.numeric {
			s.Labels = ax.labels
		}
		for _, p := range points {
			v, ok := paramValue(p.Params, k)
			if !ok {
				continue
			}
			x := ax.num[v]
			if !ax.numeric {
				x = float64(ax.cats[v])
			}
			s.X, s.Y = append(s.X, x), append(s.Y, p.Metric)
		}
		slices = append(slices, s)
	}
	if xKey == "" {
		xKey = keys[0]
	}
	if yKey == "" && len(keys) > 1 {
		yKey = keys[1]
		if yKey == xKey {
			yKey = keys[0]
		}
	}
	ax, ay := axes[xKey], axes[yKey]
	if ax == nil || ay == nil || xKey == yKey {
		return nil, slices
	}
	sum := make([][]float64, len(ay.labels))
	n := make([][]int, len(ay.labels))
	for j := range sum {
		sum[j], n[j] = make([]float64, len(ax.labels)), make([]int, len(ax.labels))
	}
	for _, p := range points {
		xv, okx := paramValue(p.Params, xKey)
		yv, oky := paramValue(p.Params, yKey)
		if !okx || !oky || math.IsNaN(p.Metric) || math.IsInf(p.Metric, 0) {
			continue
		}
		i, j := ax.cell[xv], ay.cell[yv]
		sum[j][i] += p.Metric
		n[j][i]++
	}
	hm := &chart.HeatmapData{XName: xKey, YName: yKey, XLabels: ax.labels, YLabels: ay.labels, Metric: metric, Z: make([][]float64, len(ay.labels))}
	for j := range sum {
		hm.Z[j] = make([]float64, len(ax.labels))
		for i := range sum[j] {
			hm.Z[j][i] = math.NaN()
			if n[j][i] > 0 {
				hm.Z[j][i] = sum[j][i] / float64(n[j][i])
			}
		}
	}
	return hm, slices
}

func paramValue(ps []Param, key string) (string, bool) {
	for _, p := range ps {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

// newParamAxis collects the values of key over points and lays them out.
func newParamAxis(key string, points []SweepPoint) *paramAxis {
	ax := &paramAxis{key: key, numeric: true, cell: map[string]int{}, num: map[string]float64{}, cats: map[string]int{}}
	var distinct []string
	count := map[string]int{}
	for _, p := range points {
		v, ok := paramValue(p.Params, key)
		if !ok {
			continue
		}
		if _, seen := count[v]; !seen {
			distinct = append(distinct, v)
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				ax.numeric = false
			}
			ax.num[v] = f
		}
		count[v]++
	}
	if ax.numeric {
		sort.SliceStable(distinct, func(a, b int) bool { return ax.num[distinct[a]] < ax.num[distinct[b]] })
		ax.log = logSpread(distinct, count, ax.num)
	} else {
		sort.Strings(distinct)
		for i, v := range distinct {
			ax.cats[v] = i
		}
	}
	if !ax.numeric || len(distinct) <= maxAxisCells {
		for i, v := range distinct {
			ax.labels = append(ax.labels, short(v))
			ax.cell[v] = i
		}
		return ax
	}
	// Bins of equal trial counts over the sorted distinct values; a value
	// never straddles two bins.
	total := 0
	for _, v := range distinct {
		total += count[v]
	}
	bin, acc, start := 0, 0, 0
	for k, v := range distinct {
		ax.cell[v] = bin
		acc += count[v]
		last := k == len(distinct)-1
		if last || acc >= (bin+1)*total/axisBins {
			ax.labels = append(ax.labels, rangeLabel(short(distinct[start]), short(v)))
			bin++
			start = k + 1
		}
	}
	return ax
}

func rangeLabel(lo, hi string) string {
	if lo == hi {
		return lo
	}
	return fmt.Sprintf("%s–%s", lo, hi)
}

// logSpread reports whether positive numeric values spanning more than a
// decade sit evenly on a log scale rather than a linear one (a log-uniform
// draw): their median is nearer the middle of the log range.
func logSpread(sorted []string, count map[string]int, num map[string]float64) bool {
	if len(sorted) < 3 {
		return false
	}
	lo, hi := num[sorted[0]], num[sorted[len(sorted)-1]]
	if !(lo > 0) || hi/lo < 10 {
		return false
	}
	total := 0
	for _, v := range sorted {
		total += count[v]
	}
	med, acc := hi, 0
	for _, v := range sorted {
		acc += count[v]
		if 2*acc >= total {
			med = num[v]
			break
		}
	}
	lin := (med - lo) / (hi - lo)
	lg := (math.Log(med) - math.Log(lo)) / (math.Log(hi) - math.Log(lo))
	return math.Abs(lg-0.5) < math.Abs(lin-0.5)
}

// short writes a numeric value with at most 4 significant digits (labels
// and tables; the sweep file and JSON keep every digit).
func short(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || len(v) <= 6 {
		return v
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}
