package engine

import "github.com/riskon/riskon/data"

// ExitReason says why a position was closed.
type ExitReason string

// Exit reasons recorded on trades.
const (
	ExitHold           ExitReason = "hold"            // holding period reached (scheduled close)
	ExitTrailingStop   ExitReason = "trailing_stop"   // trailing stop touched or gapped through
	ExitStopLoss       ExitReason = "stop_loss"       // stop loss (entry x (1 - stop_loss)) touched or gapped through
	ExitTakeProfit     ExitReason = "take_profit"     // take profit (entry x (1 + take_profit)) touched or gapped through
	ExitFailedBreakout ExitReason = "failed_breakout" // trigger closed back below the broken level
	ExitSignal         ExitReason = "signal"          // a strategy's own market exit
	ExitOpen           ExitReason = "open"            // still open at the end; marked at the last close, no exit commission
)

// Signal is one trigger event, acted on or not.
type Signal struct {
	Time   int64   // close time of the bar (or resampled period) that made the signal, unix seconds
	Symbol string  // trigger symbol
	Level  float64 // the level broken
	Close  float64 // the close that broke it
	Acted  bool    // whether orders were placed
	Reason string  // why not acted: "in_position", "cooldown", "confirming"...; empty when acted
}

// Trade is one round trip in one symbol. Prices are fill prices after
// slippage; Return is net of commission on both sides (entry only for open
// trades).
type Trade struct {
	Symbol     string
	Signal     int   // index into Result.Signals, -1 when not from a signal
	SignalTime int64 // time of that signal (or order placement), unix seconds
	EntryTime  int64
	EntryDate  data.Date // date of the target bar the entry filled in
	EntryPrice float64
	ExitTime   int64
	ExitDate   data.Date // date of the target bar the exit filled in (or was marked at); 0 when unknown
	ExitPrice  float64
	Units      float64
	Cost       float64 // cash paid at entry: units x price x (1 + commission)
	Proceeds   float64 // cash received at exit: units x price x (1 - commission); for open trades units x last close
	Commission float64 // commission paid on both sides
	Return     float64 // Proceeds/Cost - 1
	ExitReason ExitReason
}

// OrderKind names the type of an order.
type OrderKind uint8

// Order kinds.
const (
	OrderMarketBuy  OrderKind = iota + 1 // buy at the next open (or next close)
	OrderMarketSell                      // sell at the next open (or next close)
	OrderCloseAt                         // scheduled sell at the close of the first bar dated on or after a date
	OrderStop                            // stop sell touched intrabar or gapped through at the open
	OrderLimit                           // take-profit limit sell touched intrabar or gapped through at the open
)

// String names the order kind.
func (k OrderKind) String() string {
	switch k {
	case OrderMarketBuy:
		return "market_buy"
	case OrderMarketSell:
		return "market_sell"
	case OrderCloseAt:
		return "close_at"
	case OrderStop:
		return "stop"
	case OrderLimit:
		return "limit"
	}
	return "unknown"
}

// Order is an entry in the order log: every order placed, with its fill.
type Order struct {
	ID        int
	Symbol    string
	Kind      OrderKind
	Placed    int64 // unix seconds
	Filled    bool
	FillTime  int64
	FillPrice float64
	Units     float64
	Reason    ExitReason // for sells
}

// Result is everything a run produced. Times are unix seconds UTC.
type Result struct {
	WindowStart int64 // first instant of the backtest window
	WindowEnd   int64 // last close of the window
	Capital     float64
	Signals     []Signal
	Trades      []Trade
	Orders      []Order
	// Dates, Equity and Invested form the daily UTC equity curve: the equity
	// at the end of each UTC day (the last mark at or before the next 00:00Z),
	// and the fraction of that equity held in positions.
	Dates    []data.Date
	Equity   []float64
	Invested []float64
	// RiskFree is the daily rate idle cash earned on each day of the curve
	// (Options.CashRate); nil without a cash rate (0%). Sharpe, Sortino and
	// PSR are then computed on returns in excess of it.
	RiskFree []float64
	// CashRate is the symbol of the cash rate series ("" without one).
	CashRate string
	// Annualization is the number of periods per year of the daily curve
	// (365: calendar days).
	Annualization int
	// Events is the number of bar events replayed (warm-up included).
	Events int
	// Walked is the number of those events walked while holding without a
	// call to the strategy (HeldSkipper): marks and equity samples only.
	Walked int
	// Carried are stretches of the curve, ascending and apart, whose days
	// repeat the day before them bit for bit (Equity and Invested): days
	// without a sample of their own, filled forward. Every day of a
	// stretch is after the first day of the curve. Other days may repeat
	// their day before too, and which stretches are listed depends on how
	// the run was replayed (jumps, walks), not only on the curve: a hint
	// for a scan of the curve (results' metrics pass them without reading
	// them), not part of the curve.
	Carried []DayRange
}

// DayRange is the days [From, To) of a curve.
type DayRange struct{ From, To int32 }
