// Command gen writes a synthetic long-format daily-bar CSV
// (symbol,date,open,high,low,close,volume) for import benchmarks. The file
// is generated at benchmark time into a temporary directory and never
// committed. Prices are a seeded random walk with consistent OHLC, no flat
// bars and no jumps over 50%, so a clean import raises no warnings.
//
//	go run ./data/store/testdata/gen -symbols 2740 -days 3650 -out /tmp/long.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/riskon/riskon/data/store/internal/synth"
)

func main() {
	var o synth.LongOptions
	out := flag.String("out", "", "output CSV file (required)")
	flag.IntVar(&o.Symbols, "symbols", 2740, "number of symbols")
	flag.IntVar(&o.Days, "days", 3650, "days per symbol (consecutive, 24x7)")
	flag.Uint64Var(&o.Seed, "seed", 1, "random seed")
	flag.StringVar(&o.Start, "start", "2015-01-01", "first date")
	flag.IntVar(&o.Pad, "pad", 0, "append an ignored note column of this many bytes to every row")
	flag.BoolVar(&o.DateMajor, "date-major", false, "order rows by date, then symbol (default: by symbol, then date)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out FILE is required")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n, err := synth.WriteLong(w, o)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %d rows to %s\n", n, *out)
}
