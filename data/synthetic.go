package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SyntheticSpec describes one generated symbol.
type SyntheticSpec struct {
	Symbol   string
	Calendar Calendar
	Start    Date
	Price    float64 // first open
	Drift    float64 // annual log drift
	Vol      float64 // annual volatility
}

// SyntheticOptions configure Synthetic.
type SyntheticOptions struct {
	Seed    uint64
	End     Date
	Symbols []SyntheticSpec
}

// DefaultSynthetic is the demo data set: a small-cap index on NYSE weekdays
// from 1987 and BTC, ETH and eight altcoins every day from their launch
// years, with regimes shared between them so that breakouts and crypto
// rallies sometimes coincide. Every output built on it says SYNTHETIC.
func DefaultSynthetic(seed uint64) SyntheticOptions {
	nyse, crypto := NYSE(), Crypto24x7()
	return SyntheticOptions{
		Seed: seed,
		End:  DateOf(2026, 1, 6),
		Symbols: []SyntheticSpec{
			{Symbol: "RUT", Calendar: nyse, Start: DateOf(1987, 9, 10), Price: 170, Drift: 0.07, Vol: 0.20},
			{Symbol: "BTC", Calendar: crypto, Start: DateOf(2011, 8, 18), Price: 11, Drift: 0.60, Vol: 0.75},
			{Symbol: "ETH", Calendar: crypto, Start: DateOf(2015, 8, 8), Price: 1, Drift: 0.55, Vol: 0.90},
			{Symbol: "SOL", Calendar: crypto, Start: DateOf(2020, 8, 11), Price: 3, Drift: 0.40, Vol: 1.10},
			{Symbol: "ADA", Calendar: crypto, Start: DateOf(2018, 4, 17), Price: 0.25, Drift: 0.10, Vol: 1.00},
			{Symbol: "XRP", Calendar: crypto, Start: DateOf(2018, 5, 4), Price: 0.8, Drift: 0.05, Vol: 0.95},
			{Symbol: "DOGE", Calendar: crypto, Start: DateOf(2019, 7, 5), Price: 0.004, Drift: 0.30, Vol: 1.20},
			{Symbol: "LINK", Calendar: crypto, Start: DateOf(2019, 1, 16), Price: 0.5, Drift: 0.35, Vol: 1.00},
			{Symbol: "AVAX", Calendar: crypto, Start: DateOf(2020, 9, 22), Price: 5, Drift: 0.20, Vol: 1.10},
			{Symbol: "DOT", Calendar: crypto, Start: DateOf(2020, 8, 18), Price: 3, Drift: 0.05, Vol: 1.00},
			{Symbol: "LTC", Calendar: crypto, Start: DateOf(2017, 12, 13), Price: 300, Drift: -0.05, Vol: 0.90},
		},
	}
}

// Synthetic generates a reproducible data set: the same options give the same
// bars, bit for bit. Prices follow a geometric random walk whose daily shocks
// mix a common "risk appetite" factor with each symbol's own noise. The data
// set is marked Synthetic.
func Synthetic(o SyntheticOptions) (*Dataset, error) {
	if len(o.Symbols) == 0 {
		return nil, fmt.Errorf("synthetic: no symbols")
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5249534b4f4e)) // "RISKON"
	first := o.Symbols[0].Start
	for _, s := range o.Symbols {
		if s.Start < first {
			first = s.Start
		}
	}
	// One common factor per calendar day.
	days := int(o.End-first) + 1
	if days <= 0 {
		return nil, fmt.Errorf("synthetic: end %s is before the first start %s", o.End, first)
	}
	common := make([]float64, days)
	for i := range common {
		common[i] = rng.NormFloat64()
	}
	out := make([]*Series, 0, len(o.Symbols))
	for k, spec := range o.Symbols {
		if spec.Price <= 0 || spec.Vol < 0 {
			return nil, fmt.Errorf("synthetic %s: price must be positive and vol non-negative", spec.Symbol)
		}
		r := rand.New(rand.NewPCG(o.Seed, uint64(k)+1))
		s := &Series{Symbol: spec.Symbol, Calendar: spec.Calendar, Source: "synthetic"}
		n := int(o.End-spec.Start) + 1
		if n < 0 {
			n = 0
		}
		s.grow(n)
		periods := 365.0
		if spec.Calendar.Weekdays() {
			periods = 252
		}
		mu := spec.Drift / periods
		sig := spec.Vol / math.Sqrt(periods)
		price := spec.Price
		for d := spec.Start; d <= o.End; d++ {
			if !spec.Calendar.IsSessionDay(d) {
				continue
			}
			z := 0.5*common[int(d-first)] + math.Sqrt(0.75)*r.NormFloat64()
			ret := mu - 0.5*sig*sig + sig*z
			open := price
			cl := open * math.Exp(ret)
			hi := math.Max(open, cl) * (1 + math.Abs(r.NormFloat64())*sig*0.3)
			lo := math.Min(open, cl) / (1 + math.Abs(r.NormFloat64())*sig*0.3)
			s.Append(Bar{Date: d, Open: open, High: hi, Low: lo, Close: cl, Volume: math.Round(1e6 * (1 + r.Float64()))})
			price = cl
		}
		out = append(out, s)
	}
	ds, err := NewDataset(out...)
	if err != nil {
		return nil, err
	}
	ds.Synthetic = true
	return ds, nil
}
