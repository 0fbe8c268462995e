package strategy

// FilterParams configure one entry filter (a trade.filters item).
type FilterParams struct {
	Symbol   string
	Rule     string
	Lookback int     // falling, rising: bars between the two closes compared
	Level    float64 // below, above
	MADays   int     // above_ma, below_ma
}

func init() {
	lookback := func(rising bool) func(FilterParams, []float64) (bool, bool) {
		return func(f FilterParams, cl []float64) (bool, bool) {
			n := len(cl)
			if n <= f.Lookback {
				return false, false
			}
			last, then := cl[n-1], cl[n-1-f.Lookback]
			if rising {
				return last > then, true
			}
			return last < then, true
		}
	}
	RegisterFilterRule(FilterRule{Name: "falling", Keys: []string{"lookback"}, Check: lookback(false),
		Doc: "the series' last close is below its close lookback bars earlier"})
	RegisterFilterRule(FilterRule{Name: "rising", Keys: []string{"lookback"}, Check: lookback(true),
		Doc: "the series' last close is above its close lookback bars earlier"})
	level := func(above bool) func(FilterParams, []float64) (bool, bool) {
		return func(f FilterParams, cl []float64) (bool, bool) {
			if len(cl) == 0 {
				return false, false
			}
			if above {
				return cl[len(cl)-1] > f.Level, true
			}
			return cl[len(cl)-1] < f.Level, true
		}
	}
	RegisterFilterRule(FilterRule{Name: "below", Keys: []string{"level"}, Check: level(false),
		Doc: "the series' last close is below level"})
	RegisterFilterRule(FilterRule{Name: "above", Keys: []string{"level"}, Check: level(true),
		Doc: "the series' last close is above level"})
	ma := func(above bool) func(FilterParams, []float64) (bool, bool) {
		return func(f FilterParams, cl []float64) (bool, bool) {
			if len(cl) < f.MADays {
				return false, false
			}
			m := sma(cl, f.MADays)
			if above {
				return cl[len(cl)-1] > m, true
			}
			return cl[len(cl)-1] < m, true
		}
	}
	RegisterFilterRule(FilterRule{Name: "above_ma", Keys: []string{"ma_days"}, Check: ma(true),
		Doc: "the series' last close is above its ma_days simple moving average"})
	RegisterFilterRule(FilterRule{Name: "below_ma", Keys: []string{"ma_days"}, Check: ma(false),
		Doc: "the series' last close is below its ma_days simple moving average"})
}
