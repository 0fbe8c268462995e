package results

import "fmt"

// ShortWindowNote warns that a run shorter than a year extrapolates its
// annualised figures (CAGR, volatility, Sharpe, Sortino, Calmar) from fewer
// days than a year: a 3-month run's CAGR raises its return to the fourth
// power. It is empty for a year or more (days counts the points of the
// daily equity curve, Metrics.Days).
func ShortWindowNote(days, annualization int) string {
	if annualization <= 0 {
		annualization = DefaultAnnualization
	}
	if days <= 0 || days >= annualization {
		return ""
	}
	return fmt.Sprintf("the window is %d days, shorter than a year: annualised figures (CAGR, volatility, Sharpe, Sortino, Calmar) are extrapolated from %d days to %d", days, days, annualization)
}
