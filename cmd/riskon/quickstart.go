package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/configs"
	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/store"
	"github.com/riskon/riskon/results"
	"github.com/riskon/riskon/strategy/config"
)

// flagships are the shipped configs quickstart runs, the first in full.
var flagships = []string{"r2k_breakout_btc.yaml", "r2k_breakout_eth.yaml", "r2k_breakout_alts.yaml"}

func (a *app) quickstartCmd() *cobra.Command {
	var dataDir string
	var seed uint64
	cmd := &cobra.Command{
		Use:   "quickstart [--data DIR]",
		Short: "Build the database from the data it finds (or a labelled synthetic demo) and run the flagship configs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dir, err := findDataDir(dataDir)
			if err != nil {
				return err
			}
			var ds *data.Dataset
			var fetchErr error
			switch {
			case dir != "":
				if err := a.importCatalog(ctx, dir); err != nil {
					return err
				}
			default:
				// No local files: fetch from public sources when the network
				// answers, else run the labelled synthetic demo.
				ok, err := a.fetchDefault(ctx)
				fetchErr = err
				if ok {
					fmt.Fprintln(a.stdout, "No local price files: fetched RUT, BTC, ETH and the altcoin basket from public sources.")
					if err != nil {
						fmt.Fprintf(a.stdout, "some symbols could not be fetched: %v\n", err)
					}
					break
				}
				fmt.Fprintln(a.stdout, "No price data found (--data, $RISKON_DATA, ../shared/data) and no network: running on a SYNTHETIC demo data set.")
				if ds, err = data.Synthetic(data.DefaultSynthetic(seed)); err != nil {
					return err
				}
			}
			var reps []*results.Report
			for i, name := range flagships {
				cfg, err := loadEmbedded(name)
				if err != nil {
					return err
				}
				rep, _, err := a.runConfig(ctx, cfg, subset(ds, cfg), nil)
				if err != nil {
					if i > 0 && fetchErr != nil {
						// A fetched basket member is missing: report and go on.
						fmt.Fprintf(a.stdout, "skipped %s: %v\n", name, err)
						continue
					}
					return fmt.Errorf("quickstart %s: %w", name, err)
				}
				reps = append(reps, rep)
			}
			printReport(a.stdout, reps[0])
			fmt.Fprintln(a.stdout, "\nthe other flagship configs")
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "run\tname\ttotal return\tbuy & hold\tSharpe\tmax DD\ttrades\tepisodes\tevidence")
			for _, r := range reps[1:] {
				ev := "enough samples"
				if r.Evidence.TooFew {
					ev = "TOO FEW SAMPLES"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.RunID, r.Name, pct(r.Metrics.TotalReturn), pct(r.Benchmark.TotalReturn),
					num(r.Metrics.Sharpe), pct(r.Metrics.MaxDrawdown), r.Metrics.Trades, r.Evidence.Episodes, ev)
			}
			tw.Flush()
			fmt.Fprintf(a.stdout, "\nruns stored in %s: see them with `riskon runs`, one with `riskon show RUN`.\n", a.dbPath())
			path := filepath.Join(outputDir(), "report-"+reps[0].RunID+".html")
			if err := a.writeRunReportWith(ctx, reps[0].RunID, path, subset(ds, mustCfg(flagships[0]))); err != nil {
				return fmt.Errorf("quickstart report: %w", err)
			}
			fmt.Fprintf(a.stdout, "report: %s (open it in a browser; it needs no network)\n", path)
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "", "price data folder (default $RISKON_DATA, else ../shared/data when present)")
	cmd.Flags().Uint64Var(&seed, "seed", 42, "seed of the synthetic demo data")
	return cmd
}

// findDataDir picks the data folder: the flag, $RISKON_DATA, then
// ../shared/data beside the checkout. A folder named by the flag or the
// environment must exist: a typo never falls back to other data.
func findDataDir(flag string) (string, error) {
	for _, d := range []struct{ dir, from string }{{flag, "--data"}, {os.Getenv("RISKON_DATA"), "RISKON_DATA"}} {
		if d.dir == "" {
			continue
		}
		st, err := os.Stat(d.dir)
		if err != nil {
			return "", fmt.Errorf("%s %s: %w (give the folder holding the price files, e.g. ../shared/data)", d.from, d.dir, errors.Unwrap(err))
		}
		if !st.IsDir() {
			return "", fmt.Errorf("%s %s: not a folder (give the folder holding the price files, e.g. ../shared/data)", d.from, d.dir)
		}
		return d.dir, nil
	}
	if st, err := os.Stat(filepath.Join("..", "shared", "data")); err == nil && st.IsDir() {
		return filepath.Join("..", "shared", "data"), nil
	}
	return "", nil
}

// catalogRoot is the folder the shipped catalog's paths are relative to,
// given the data folder the user named (--data): DIR/raw when it exists
// (DIR is ../shared/data), else DIR itself. Every command reads --data so.
func catalogRoot(dir string) string {
	if dir == "" {
		return ""
	}
	if st, err := os.Stat(filepath.Join(dir, "raw")); err == nil && st.IsDir() {
		return filepath.Join(dir, "raw")
	}
	return dir
}

// importCatalog builds the symbols of the shipped catalog from dir.
func (a *app) importCatalog(ctx context.Context, dir string) error {
	root := catalogRoot(dir)
	catalog, cleanup, err := catalogFile()
	if err != nil {
		return err
	}
	defer cleanup()
	st, err := a.openStore(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	a.logger().Info("importing the data catalog", "from", root, "into", a.dbPath())
	reps, err := st.ImportCatalog(ctx, catalog, store.CatalogOptions{Root: root, Log: a.logger()})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "data: %d symbols from %s into %s\n", len(reps), root, a.dbPath())
	return nil
}

// catalogFile returns a path to the shipped data catalog, writing the
// embedded copy to a temporary file.
func catalogFile() (string, func(), error) {
	b, err := configs.FS.ReadFile("data/shared.yaml")
	if err != nil {
		return "", nil, fmt.Errorf("embedded catalog: %w", err)
	}
	f, err := os.CreateTemp("", "riskon-catalog-*.yaml")
	if err != nil {
		return "", nil, fmt.Errorf("write catalog: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", nil, fmt.Errorf("write catalog: %w", err)
	}
	f.Close()
	return f.Name(), func() { os.Remove(f.Name()) }, nil
}

// mustCfg returns a shipped config already loaded once by quickstart.
func mustCfg(name string) config.Config {
	cfg, _ := loadEmbedded(name)
	return cfg
}

func loadEmbedded(name string) (config.Config, error) {
	b, err := configs.FS.ReadFile(name)
	if err != nil {
		return config.Config{}, fmt.Errorf("embedded config %s: %w", name, err)
	}
	cfg, err := config.Decode(bytes.NewReader(b), "configs/"+name, config.LoadOptions{})
	if err != nil {
		return cfg, err
	}
	return cfg, config.Validate(cfg)
}

// subset returns the series of ds a config needs, or nil when ds is nil (the
// run then loads from the database).
func subset(ds *data.Dataset, cfg config.Config) *data.Dataset {
	if ds == nil {
		return nil
	}
	var ss []*data.Series
	for _, s := range ds.Series {
		if s.Symbol == cfg.Trigger.Symbol {
			ss = append(ss, s)
			continue
		}
		for _, t := range cfg.Trade.Targets {
			if s.Symbol == t {
				ss = append(ss, s)
				break
			}
		}
	}
	out, err := data.NewDataset(ss...)
	if err != nil {
		return ds
	}
	out.Synthetic = ds.Synthetic
	return out
}
