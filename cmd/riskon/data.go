package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data/format"
	"github.com/riskon/riskon/data/store"
)

// dataCmd is `riskon data`: import CSV files or a catalog, list symbols.
func (a *app) dataCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Import daily price CSV files into the database and list stored symbols",
	}
	cmd.AddCommand(a.dataImportCmd(), a.dataListCmd(), a.dataFetchCmd(), a.dataUpdateCmd(), a.dataCheckCmd(), a.dataDeriveCmd())
	return cmd
}

func (a *app) dataImportCmd() *cobra.Command {
	var (
		opts     store.ImportOptions
		catalog  string
		dataDir  string
		only     []string
		outside  bool
		formatNm string
		memLimit string
		tempDir  string
	)
	cmd := &cobra.Command{
		Use:   "import PATH... [--symbol SYM] | import --catalog FILE",
		Short: "Import CSV files as one symbol, every symbol of long files, or every symbol of a catalog",
		Long: `Import daily bars from CSV files into the database, in one transaction.

The layout is detected from the header (--format auto): Yahoo, yfinance, Stooq,
Binance, Kraken OHLCVT, CryptoCompare, CoinMarketCap, CoinGecko, FRED and more;
see docs/DATA.md. Name columns yourself with --date-col, --close-col, ...

Without --symbol, the files are long (one row per symbol and date): every
symbol of the column named by --symbol-column (default: a column named symbol
or ticker) is imported and validated as a series of its own, all with one
--calendar.

Bad rows (unparseable dates, duplicate dates, missing or non-positive prices)
refuse the whole import and name file and line. OHLC inconsistencies, flat
bars, gaps and jumps over 50% are counted as warnings (errors with --strict).
Re-importing identical data changes nothing; different values for stored dates
need --replace.

Rows never pass through riskon's own memory: DuckDB reads, checks and writes
them, within --memory-limit (spilling to --temp-dir beyond it).

With --catalog FILE, every symbol of the catalog is built by splicing its
sources (see configs/data/shared.yaml); --data DIR overrides the catalog's root.`,
		Example: `  riskon data import ../shared/data/raw/alitalbi_storage_data_fy/^RUT.csv --symbol RUT --calendar nyse
  riskon data import old.csv new.csv --symbol BTC
  riskon data import prices.csv --symbol X --date-col Fecha --close-col Cierre
  riskon data import all_stocks.csv --calendar nyse            # symbol,date,open,high,low,close,volume
  riskon data import --catalog configs/data/shared.yaml --only BTC,RUT`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			opts.Format = formatNm
			sopts := store.Options{MemoryLimit: memLimit, TempDir: tempDir}
			if catalog != "" {
				if len(args) > 0 || opts.Symbol != "" || opts.SymbolColumn != "" {
					return errors.New("data import: give either --catalog FILE or PATH... [--symbol SYM], not both")
				}
				st, err := a.openStoreWith(ctx, sopts)
				if err != nil {
					return err
				}
				defer st.Close()
				reps, err := st.ImportCatalog(ctx, catalog, store.CatalogOptions{Root: catalogRoot(dataDir), Only: only,
					Strict: opts.Strict, Replace: opts.Replace, AllowOutside: outside, Log: a.logger()})
				if err != nil {
					return err
				}
				for i := range reps {
					printImport(a.stdout, &reps[i])
				}
				fmt.Fprintf(a.stdout, "%d symbols imported into %s\n", len(reps), a.dbPath())
				return nil
			}
			if len(args) == 0 {
				return errors.New("data import: give CSV files (with --symbol SYM, or long files with a symbol column), or --catalog FILE")
			}
			if opts.Symbol != "" && opts.SymbolColumn != "" {
				return errors.New("data import: give either --symbol SYM or --symbol-column NAME, not both")
			}
			if dataDir != "" || len(only) > 0 {
				return errors.New("data import: --data and --only apply to --catalog")
			}
			st, err := a.openStoreWith(ctx, sopts)
			if err != nil {
				return err
			}
			defer st.Close()
			a.logger().Info("importing", "files", len(args), "into", a.dbPath())
			reps, err := st.ImportAll(ctx, args, opts)
			if err != nil {
				return err
			}
			printImports(a.stdout, reps, a.dbPath())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Symbol, "symbol", "", "symbol to store the bars under (omit for long files with a symbol column)")
	f.StringVar(&opts.SymbolColumn, "symbol-column", "", "long files: the symbol column (header name or 1-based number; default: a column named symbol or ticker)")
	f.StringVar(&opts.Calendar, "calendar", "24x7", `trading calendar (of every symbol): nyse, 24x7 or "ZONE HH:MM-HH:MM"`)
	f.StringVar(&formatNm, "format", "auto", "CSV layout: "+strings.Join(format.Names(), ", "))
	f.BoolVar(&opts.Strict, "strict", false, "treat warnings (OHLC, flat bars, gaps, jumps) as errors")
	f.BoolVar(&opts.Replace, "replace", false, "overwrite stored bars whose values differ")
	f.StringVar(&opts.Source, "source", "", "label stored with the bars (default: the file path)")
	f.StringVar(&opts.Mapping.Date, "date-col", "", "date column (header name or 1-based number)")
	f.StringVar(&opts.Mapping.Open, "open-col", "", "open column")
	f.StringVar(&opts.Mapping.High, "high-col", "", "high column")
	f.StringVar(&opts.Mapping.Low, "low-col", "", "low column")
	f.StringVar(&opts.Mapping.Close, "close-col", "", "close (or single price) column")
	f.StringVar(&opts.Mapping.Volume, "volume-col", "", "volume column")
	f.StringVar(&opts.Mapping.Time, "time", "", "how dates are written: auto, date, datetime, yyyymmdd, unix, unix_ms, unix_us")
	f.StringVar(&catalog, "catalog", "", "import every symbol of this catalog (YAML)")
	f.StringVar(&dataDir, "data", "", "with --catalog: the data folder (its raw/ subfolder when present, as in quickstart) overrides the catalog's root")
	f.StringSliceVar(&only, "only", nil, "with --catalog: import only these symbols (comma-separated)")
	f.BoolVar(&outside, "allow-outside", false, "with --catalog: accept source paths outside the root")
	f.StringVar(&memLimit, "memory-limit", "", "DuckDB memory limit, e.g. 256MB or 2GB (default $RISKON_MEMORY_LIMIT or "+store.DefaultMemoryLimit+"); beyond it DuckDB spills to disk")
	f.StringVar(&tempDir, "temp-dir", "", "directory for DuckDB's spill files and the import's staging database (default: beside the database)")
	return cmd
}

// printImport prints a short report of one symbol's import.
func printImport(w io.Writer, r *store.ImportReport) {
	fmt.Fprintf(w, "%s (%s): %d bars %s..%s: %d inserted, %d updated, %d unchanged\n",
		r.Symbol, r.Calendar, r.Rows, r.First, r.Last, r.Inserted, r.Updated, r.Unchanged)
	for _, f := range r.Files {
		extra := ""
		if f.Order != "" {
			extra = ", " + f.Order + " (sorted)"
		}
		if f.Used != f.Rows {
			extra += fmt.Sprintf(", %d used", f.Used)
		}
		fmt.Fprintf(w, "  %s [%s]: %d rows %s..%s%s\n", f.Path, f.Format, f.Rows, f.First, f.Last, extra)
		for _, n := range f.Notes {
			fmt.Fprintf(w, "    note: %s\n", n)
		}
	}
	if len(r.Warnings) > 0 {
		var parts []string
		for _, wn := range r.Warnings {
			parts = append(parts, fmt.Sprintf("%s %d", wn.Kind, wn.Count))
		}
		fmt.Fprintf(w, "  warnings: %s\n", strings.Join(parts, ", "))
		for _, wn := range r.Warnings {
			fmt.Fprintf(w, "    first %s: %s\n", wn.Kind, wn.First)
		}
	}
}

// printImports prints the reports of an import: each symbol in full, or for
// many symbols (long files) one summary with the warnings.
func printImports(w io.Writer, reps []store.ImportReport, db string) {
	if len(reps) <= 20 {
		for i := range reps {
			printImport(w, &reps[i])
		}
		if len(reps) > 1 {
			fmt.Fprintf(w, "%d symbols imported into %s\n", len(reps), db)
		}
		return
	}
	var rows, ins, upd, same, warned int
	kinds := map[string]*store.Warning{}
	var order []string
	for _, r := range reps {
		rows += r.Rows
		ins += r.Inserted
		upd += r.Updated
		same += r.Unchanged
		if len(r.Warnings) > 0 {
			warned++
		}
		for _, wn := range r.Warnings {
			k := kinds[wn.Kind]
			if k == nil {
				k = &store.Warning{Kind: wn.Kind, First: r.Symbol + ": " + wn.First}
				kinds[wn.Kind] = k
				order = append(order, wn.Kind)
			}
			k.Count += wn.Count
		}
	}
	fmt.Fprintf(w, "%d symbols (%s): %d bars: %d inserted, %d updated, %d unchanged\n", len(reps), reps[0].Calendar, rows, ins, upd, same)
	if len(reps[0].Files) > 0 {
		fmt.Fprintf(w, "  %s [%s]\n", reps[0].Files[0].Path, reps[0].Files[0].Format)
	}
	if warned > 0 {
		var parts []string
		for _, k := range order {
			parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k].Count))
		}
		fmt.Fprintf(w, "  warnings in %d symbols: %s\n", warned, strings.Join(parts, ", "))
		for _, k := range order {
			fmt.Fprintf(w, "    first %s: %s\n", k, kinds[k].First)
		}
	}
	fmt.Fprintf(w, "%d symbols imported into %s (riskon data list shows them)\n", len(reps), db)
}

func (a *app) dataListCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list [--output table|json]",
		Short: "List the symbols in the database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "table" && output != "json" {
				return fmt.Errorf("data list: --output %q: want table or json", output)
			}
			ctx := cmd.Context()
			st, err := a.openStore(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			infos, err := st.List(ctx)
			if err != nil {
				return err
			}
			if output == "json" {
				type item struct {
					store.SymbolInfo
					First string `json:"first"`
					Last  string `json:"last"`
				}
				out := struct {
					Symbols []item `json:"symbols"`
				}{Symbols: []item{}}
				for _, si := range infos {
					out.Symbols = append(out.Symbols, item{SymbolInfo: si, First: si.First.String(), Last: si.Last.String()})
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			if len(infos) == 0 {
				fmt.Fprintf(a.stdout, "no symbols in %s; import with: riskon data import FILE --symbol SYM\n", a.dbPath())
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "symbol\tcalendar\tfirst\tlast\tbars\tsources")
			for _, si := range infos {
				src := strings.Join(si.Sources, ", ")
				if si.Synthetic {
					src = "SYNTHETIC " + src
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", si.Symbol, si.Calendar, si.First, si.Last, si.Bars, src)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}
