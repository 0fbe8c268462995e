package config

// TestParts is the part table of the strategy package as the config layer
// sees it (kinds, names and keys; docs left out), for tests of packages that
// cannot import strategy. strategy.TestPartsMatch keeps it in sync.
func TestParts() []Part {
	return []Part{
		{Kind: KindTrigger, Name: "donchian", Keys: []string{"trigger.lookback"}},
		{Kind: KindTrigger, Name: "new_high", Keys: []string{"trigger.min_days_since_high"}},
		{Kind: KindTrigger, Name: "range_breakout", Keys: []string{"trigger.lookback", "trigger.range_days", "trigger.max_range"}},
		{Kind: KindTrigger, Name: "above_ma", Keys: []string{"trigger.ma_days"}},
		{Kind: KindTrigger, Name: "ma_cross", Keys: []string{"trigger.fast", "trigger.slow"}},
		{Kind: KindFilter, Name: "falling", Keys: []string{"lookback"}},
		{Kind: KindFilter, Name: "rising", Keys: []string{"lookback"}},
		{Kind: KindFilter, Name: "below", Keys: []string{"level"}},
		{Kind: KindFilter, Name: "above", Keys: []string{"level"}},
		{Kind: KindFilter, Name: "above_ma", Keys: []string{"ma_days"}},
		{Kind: KindFilter, Name: "below_ma", Keys: []string{"ma_days"}},
		{Kind: KindSizing, Name: "fixed"},
		{Kind: KindSizing, Name: "vol_target", Keys: []string{"trade.vol_target", "trade.vol_days"}},
	}
}
