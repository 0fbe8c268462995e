package format

import (
	"fmt"
	"strings"
	"testing"
)

// TestDuplicateColumns: two columns whose names are equal after
// normalisation are refused, naming both, whatever the format; a
// headerless first line of equal numbers is data, not names.
func TestDuplicateColumns(t *testing.T) {
	t.Parallel()
	for _, h := range [][]string{
		{"Date", "Open", "High", "Low", "Close", "Close"},
		{"date", "close", "Close "},
		{"Date", "Adj Close", "adj_close"},
	} {
		_, err := Resolve("auto", Mapping{}, h, [][]string{{"2021-01-01", "1", "1", "1", "1", "1"}})
		if err == nil || !strings.Contains(err.Error(), "two columns named") || !strings.Contains(err.Error(), fmt.Sprintf("column %d", len(h))) {
			t.Errorf("%q: %v, want both columns named", h, err)
		}
		if _, err := Resolve("generic", Mapping{}, h, nil); err == nil {
			t.Errorf("%q with --format generic: accepted", h)
		}
	}
	if _, err := Resolve("auto", Mapping{}, []string{"2021-01-01", "1.5", "1.5", "1.5", "1.5", "10"}, [][]string{{"2021-01-02", "1", "1", "1", "1", "1"}}); err != nil {
		t.Errorf("headerless line with equal prices: %v", err)
	}
}
