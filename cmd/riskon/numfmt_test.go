package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/results/html"
)

// TestMoneySameInCLIAndHTML: the run summary printed by the CLI and the
// HTML run report write the same final equity the same way (one formatter,
// internal/numfmt), thousands grouped and cents shown.
func TestMoneySameInCLIAndHTML(t *testing.T) {
	t.Parallel()
	rep := &results.Report{RunID: "r1", Name: "n",
		Metrics:   results.Metrics{FinalEquity: 160000, TotalReturn: 0.6, Annualization: 365, Days: 400},
		Benchmark: results.Metrics{FinalEquity: 1234567.891, TotalReturn: 11.3, Annualization: 365, Days: 400}}
	var cli, doc bytes.Buffer
	printReport(&cli, rep)
	if err := html.WriteRun(&doc, html.RunPage{Report: rep}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"160,000.00", "1,234,567.89", "60.00%", "1130.00%"} {
		if !strings.Contains(cli.String(), want) {
			t.Errorf("CLI summary lacks %q:\n%s", want, cli.String())
		}
		if !strings.Contains(doc.String(), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	if strings.Contains(cli.String(), "160000.00") {
		t.Error("CLI writes money without thousands separators")
	}
}
