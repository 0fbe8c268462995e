package results

import (
	"time"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/engine"
)

// RFC3339 formats a unix second as RFC 3339 in UTC.
func RFC3339(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

// TradeRows converts the engine's trades to report rows.
func TradeRows(tr []engine.Trade) []TradeRow {
	out := make([]TradeRow, len(tr))
	for i, t := range tr {
		exit := t.ExitDate
		if exit == 0 { // an exit path that does not record its bar: the fill's UTC date
			exit = data.DateFromUnix(t.ExitTime)
		}
		pnl, hold := Value(t.Proceeds-t.Cost), int(exit-t.EntryDate)
		out[i] = TradeRow{Symbol: t.Symbol, SignalTime: RFC3339(t.SignalTime), EntryTime: RFC3339(t.EntryTime),
			EntryDate: t.EntryDate.String(), EntryPrice: Value(t.EntryPrice), ExitTime: RFC3339(t.ExitTime),
			ExitDate: exit.String(), ExitPrice: Value(t.ExitPrice), Units: Value(t.Units), Return: Value(t.Return),
			PnL: &pnl, HoldDays: &hold, ExitReason: string(t.ExitReason)}
	}
	return out
}

// SignalRows converts the engine's signals to report rows.
func SignalRows(ss []engine.Signal) []SignalRow {
	out := make([]SignalRow, len(ss))
	for i, s := range ss {
		out[i] = SignalRow{Time: RFC3339(s.Time), Symbol: s.Symbol, Level: Value(s.Level), Close: Value(s.Close), Acted: s.Acted, Reason: s.Reason}
	}
	return out
}

// EquityRows converts the daily equity curve to report rows.
func EquityRows(r *engine.Result) []EquityRow {
	out := make([]EquityRow, len(r.Dates))
	for i, d := range r.Dates {
		out[i] = EquityRow{Date: d.String(), Equity: Value(r.Equity[i]), Invested: Value(r.Invested[i])}
	}
	return out
}
