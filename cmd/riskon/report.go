package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/riskon/riskon/internal/numfmt"
	"github.com/riskon/riskon/results"
)

// printReport writes the human summary of a run: header, metrics against
// buy-and-hold, the evidence with its warning, and the trades.
func printReport(w io.Writer, rep *results.Report) {
	if rep.Synthetic {
		fmt.Fprintln(w, "*** SYNTHETIC DATA: generated prices, not market history ***")
	}
	fmt.Fprintf(w, "run %s  %s\n", rep.RunID, rep.Name)
	fmt.Fprintf(w, "window %s .. %s   config %s   data %s\n\n", rep.Window.Start, rep.Window.End, short(rep.ConfigHash), short(rep.DataFingerprint))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "metric\tstrategy\tbuy & hold\t")
	m, b := rep.Metrics, rep.Benchmark
	rows := []struct {
		name string
		f    func(results.Metrics) string
	}{
		{"total return", func(x results.Metrics) string { return pct(x.TotalReturn) }},
		{"CAGR", func(x results.Metrics) string { return pct(x.CAGR) }},
		{"volatility", func(x results.Metrics) string { return pct(x.Volatility) }},
		{"Sharpe", func(x results.Metrics) string { return num(x.Sharpe) }},
		{"Sortino", func(x results.Metrics) string { return num(x.Sortino) }},
		{"Calmar", func(x results.Metrics) string { return num(x.Calmar) }},
		{"max drawdown", func(x results.Metrics) string { return pct(x.MaxDrawdown) }},
		{"max drawdown days", func(x results.Metrics) string { return fmt.Sprint(x.MaxDrawdownDays) }},
		{"exposure", func(x results.Metrics) string { return pct(x.Exposure) }},
		{"trades", func(x results.Metrics) string { return fmt.Sprint(x.Trades) }},
		{"win rate", func(x results.Metrics) string { return pct(x.WinRate) }},
		{"avg trade", func(x results.Metrics) string { return pct(x.AvgTradeReturn) }},
		{"median trade", func(x results.Metrics) string { return pct(x.MedianTradeReturn) }},
		{"profit factor", func(x results.Metrics) string { return num(x.ProfitFactor) }},
		{"best trade", func(x results.Metrics) string { return pct(x.BestTrade) }},
		{"worst trade", func(x results.Metrics) string { return pct(x.WorstTrade) }},
		{"final equity", func(x results.Metrics) string { return money(x.FinalEquity) }},
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", r.name, r.f(m), r.f(b))
	}
	tw.Flush()
	fmt.Fprintf(w, "annualised with %d periods per year (calendar days)\n", m.Annualization)
	if m.RiskFree != "" {
		fmt.Fprintf(w, "Sharpe, Sortino and PSR on daily returns in %s (idle cash earns it)\n", m.RiskFree)
	}
	for _, f := range rep.Filters {
		fmt.Fprintln(w, f.Sentence())
	}
	if note := results.ShortWindowNote(m.Days, m.Annualization); note != "" {
		fmt.Fprintf(w, "WARNING: %s\n", note)
	}
	for _, n := range m.Notes {
		fmt.Fprintf(w, "  n/a %s: %s\n", n.Metric, n.Reason)
	}
	printEvidence(w, rep.Evidence)
	if len(rep.Trades) > 0 {
		fmt.Fprintln(w, "\ntrades")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "symbol\tsignal\tentry\tentry price\texit\texit price\tdays\treturn\tP&L\texit")
		for i, t := range rep.Trades {
			if i == 30 {
				fmt.Fprintf(tw, "... %d more (use --output json)\n", len(rep.Trades)-30)
				break
			}
			hold, pnl := "", ""
			if t.HoldDays != nil {
				hold = strconv.Itoa(*t.HoldDays)
			}
			if t.PnL != nil {
				pnl = money(*t.PnL)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Symbol, day(t.SignalTime), orDay(t.EntryDate, t.EntryTime), price(t.EntryPrice),
				orDay(t.ExitDate, t.ExitTime), price(t.ExitPrice), hold, pct(t.Return), pnl, t.ExitReason)
		}
		tw.Flush()
	}
	if rep.Synthetic {
		fmt.Fprintln(w, "*** SYNTHETIC DATA ***")
	}
}

// printEvidence writes the evidence block; a thin result says so first.
func printEvidence(w io.Writer, e results.Evidence) {
	fmt.Fprintf(w, "\nevidence: %d signals, %d trades, %d independent episodes\n", e.Signals, e.Trades, e.Episodes)
	if e.Warning != "" {
		fmt.Fprintf(w, "WARNING: %s\n", e.Warning)
	}
	if e.EffectiveN.Valid() {
		fmt.Fprintf(w, "  effective n of the daily returns %s of %d days (allowing for autocorrelation); of the trade returns %s\n",
			num(e.EffectiveN), e.Days, num(e.EffectiveNTrades))
	}
	level := "95%"
	if e.CILevel.Valid() {
		level = numfmt.Percent(e.CILevel, 0)
	}
	if e.MeanTradeReturn.Valid() {
		fmt.Fprintf(w, "  mean trade return %s, %s interval [%s, %s] (studentized bootstrap over episodes); median %s [%s, %s] (order statistics)\n",
			pct(e.MeanTradeReturn), level, pct(e.MeanTradeReturnCI[0]), pct(e.MeanTradeReturnCI[1]),
			pct(e.MedianTradeReturn), pct(e.MedianTradeReturnCI[0]), pct(e.MedianTradeReturnCI[1]))
		if e.IntervalNote != "" {
			fmt.Fprintf(w, "  %s\n", e.IntervalNote)
		}
	}
	if e.SharpeCI[0].Valid() {
		fmt.Fprintf(w, "  Sharpe %s interval [%s, %s] (stationary block bootstrap, mean block %s days, %d resamples)\n",
			level, num(e.SharpeCI[0]), num(e.SharpeCI[1]), num(e.SharpeCIBlock), e.Resamples)
	}
	switch {
	case e.RandomEntryP.Valid():
		fmt.Fprintf(w, "  random-entry test against %d random strategies (same number of entries, exits and costs): p %s for the mean trade return, p %s for the total return\n",
			e.RandomEntryK, results.FormatP(e.RandomEntryP), results.FormatP(e.RandomEntryTotalP))
	case e.RandomEntryNote != "":
		fmt.Fprintf(w, "  random-entry test not run: %s\n", e.RandomEntryNote)
	}
	if e.PSR.Valid() {
		fmt.Fprintf(w, "  probabilistic Sharpe ratio (vs 0) %s; minimum track record for 95%%: %s days\n", num(e.PSR), num(e.MinTrackRecord))
	}
	fmt.Fprintf(w, "  seed %d\n", e.Seed)
	printRegimes(w, e)
	if e.Verdict != "" {
		fmt.Fprintf(w, "verdict: %s\n", e.Verdict)
	}
}

// printRegimes writes the result split by halving cycle and calendar era.
func printRegimes(w io.Writer, e results.Evidence) {
	if len(e.Regimes) == 0 {
		return
	}
	fmt.Fprintf(w, "  by regime (trades and episodes by entry date; mean trade return positive in %d of %d halving cycles, %d of %d eras with trades):\n",
		e.PositiveCycles.Positive, e.PositiveCycles.Of, e.PositiveEras.Positive, e.PositiveEras.Of)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "    regime\tfrom\tto\ttrades\tepisodes\tmean trade\treturn")
	for _, g := range e.Regimes {
		kind := "cycle"
		if g.Kind == results.RegimeEra {
			kind = "era"
		}
		fmt.Fprintf(tw, "    %s %s\t%s\t%s\t%d\t%d\t%s\t%s\n", kind, g.Name, g.Start, g.End, g.Trades, g.Episodes, pct(g.MeanTradeReturn), pct(g.Return))
	}
	tw.Flush()
}

// short is the 12-character prefix of a hash (results.ShortHash).
func short(h string) string { return results.ShortHash(h) }

func day(rfc string) string {
	if i := strings.IndexByte(rfc, 'T'); i > 0 {
		return rfc[:i]
	}
	return rfc
}

func pct(v results.Value) string { return numfmt.Percent(v, 2) }

func num(v results.Value) string { return numfmt.Ratio(v) }

func money(v results.Value) string { return numfmt.Money(v) }

func price(v results.Value) string { return numfmt.Price(v) }

// orDay is a trade's bar date, or the UTC date of its fill instant for
// reports stored before bar dates were recorded.
func orDay(date, instant string) string {
	if date != "" {
		return date
	}
	return day(instant)
}
