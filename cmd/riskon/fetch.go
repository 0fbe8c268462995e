package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/derived"
	"github.com/riskon/riskon/data/fetch"
	"github.com/riskon/riskon/data/store"
	"github.com/riskon/riskon/data/update"
)

// fetchEnvURL names the environment variables that override a source's
// base URL (a mirror such as https://api.binance.us, or a test server).
var fetchEnvURL = map[string]string{
	fetch.Yahoo:    "RISKON_YAHOO_URL",
	fetch.Binance:  "RISKON_BINANCE_URL",
	fetch.Coinbase: "RISKON_COINBASE_URL",
}

// fetchDefaultURL is the public base URL of a source.
var fetchDefaultURL = map[string]string{
	fetch.Yahoo:    fetch.YahooURL,
	fetch.Binance:  fetch.BinanceURL,
	fetch.Coinbase: fetch.CoinbaseURL,
}

// fetchBaseURL returns the base URL of a source: the flag, then the
// environment, then the public API.
func fetchBaseURL(source, flag string) string {
	if flag != "" {
		return flag
	}
	if v := os.Getenv(fetchEnvURL[source]); v != "" {
		return v
	}
	return fetchDefaultURL[source]
}

// fetchLogger returns the app's logger (a discarding one when the command
// runs outside root, as in tests).
func (a *app) fetchLogger() *slog.Logger {
	if a.log != nil {
		return a.log
	}
	return slog.New(slog.DiscardHandler)
}

// fetchHTTPClient is the client every fetch uses: connections time out
// fast so that a machine without network fails in seconds.
func fetchHTTPClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       60 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr}
}

// fetchSettings are the fetch flags shared by fetch and update.
type fetchSettings struct {
	baseURL string
	timeout time.Duration
	retries int
}

func (a *app) newFetcher(source string, fs fetchSettings, hc *http.Client) (fetch.Fetcher, error) {
	source = strings.ToLower(strings.TrimSpace(source))
	if _, ok := fetchEnvURL[source]; !ok {
		return nil, fmt.Errorf("unknown source %q: want one of %s", source, strings.Join(fetch.Sources(), ", "))
	}
	return fetch.New(source, fetch.Options{Client: hc, BaseURL: fetchBaseURL(source, fs.baseURL), Timeout: fs.timeout,
		Retries: fs.retries, Seed: uint64(time.Now().UnixNano()), Log: a.fetchLogger()})
}

// fetchLabel is the source label stored with fetched bars.
func fetchLabel(source, remote string) string { return source + ":" + remote }

// fetchResult is the outcome for one symbol of fetch, update or
// fetchDefault (also their JSON).
type fetchResult struct {
	Symbol      string `json:"symbol"`
	Source      string `json:"source"`
	Remote      string `json:"remote"`
	Since       string `json:"since,omitempty"`
	Fetched     int    `json:"fetched"`
	Inserted    int    `json:"inserted"`
	Updated     int    `json:"updated"`
	Unchanged   int    `json:"unchanged"`
	First       string `json:"first,omitempty"`
	Last        string `json:"last,omitempty"`
	Provisional string `json:"provisional,omitempty"` // date of a dropped, still open bar
	Requests    int    `json:"requests"`
	Error       string `json:"error,omitempty"`
}

// fetchAndStore fetches remote from source and stores it as sym through
// the store's validation, remembering the source.
func (a *app) fetchAndStore(ctx context.Context, f fetch.Fetcher, sym, remote string, since data.Date, replace, strict bool, remember update.Params) (*fetchResult, *store.ImportReport, error) {
	r := &fetchResult{Symbol: sym, Source: f.Name(), Remote: remote}
	if since != 0 {
		r.Since = since.String()
	}
	a.fetchLogger().Debug("fetching", "symbol", sym, "source", f.Name(), "remote", remote, "since", r.Since)
	res, err := f.Fetch(ctx, fetch.Request{Symbol: remote, Since: since})
	if err != nil {
		return r, nil, err
	}
	r.Fetched, r.Requests = len(res.Bars), res.Requests
	if res.Provisional != nil {
		r.Provisional = res.Provisional.Date.String()
	}
	if len(res.Bars) == 0 {
		return r, nil, nil
	}
	r.First, r.Last = res.Bars[0].Date.String(), res.Bars[len(res.Bars)-1].Date.String()
	p, _ := json.Marshal(remember)
	st, err := a.openStore(ctx, false)
	if err != nil {
		return r, nil, err
	}
	defer st.Close()
	rep, err := st.ImportBars(ctx, sym, res.Bars, store.BarsOptions{Calendar: res.Calendar, Source: fetchLabel(f.Name(), res.Symbol),
		Strict: strict, Replace: replace, Remember: &store.Origin{Kind: store.OriginFetch, Source: f.Name(), Remote: res.Symbol, Params: string(p)}})
	if err != nil {
		return r, nil, err
	}
	r.Inserted, r.Updated, r.Unchanged = rep.Inserted, rep.Updated, rep.Unchanged
	return r, rep, nil
}

// dataFetchCmd is `riskon data fetch`.
func (a *app) dataFetchCmd() *cobra.Command {
	var (
		source, remote, as, sinceStr string
		replace, strict              bool
		fs                           fetchSettings
	)
	cmd := &cobra.Command{
		Use:   "fetch --source yahoo|binance|coinbase --symbol REMOTE --as SYM [--since DATE]",
		Short: "Download daily bars from Yahoo Finance, Binance or Coinbase into the database",
		Long: `Download the daily history of one symbol from a public price source and store
it as SYM, through the same validation and single transaction as 'riskon data
import'. The source is remembered: 'riskon data update' keeps SYM current.

Sources and remote symbols:
  yahoo     Yahoo Finance chart API: ^RUT, IWM, ^GSPC, BTC-USD ... (raw OHLC;
            dates in the exchange's time zone, calendar nyse for New York)
  binance   Binance spot klines: BTCUSDT, ETHUSDT, SOLUSDT ... (UTC days, USDT)
  coinbase  Coinbase Exchange candles: BTC-USD, ETH-USD ... (UTC days, USD)

A last bar whose session has not closed yet is left out (it would change).
Without network the command fails in seconds with one line; use 'riskon data
import' with local files instead. Base URLs can be overridden with
RISKON_YAHOO_URL, RISKON_BINANCE_URL and RISKON_COINBASE_URL (mirrors such as
https://api.binance.us).`,
		Example: `  riskon data fetch --source yahoo --symbol ^RUT --as RUT
  riskon data fetch --source coinbase --symbol BTC-USD --as BTC
  riskon data fetch --source binance --symbol SOLUSDT --as SOL --since 2021-01-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if remote == "" || as == "" {
				return errors.New("data fetch: --symbol REMOTE and --as SYM are required")
			}
			if err := store.CheckSymbol(as); err != nil {
				return fmt.Errorf("data fetch: --as: %w", err)
			}
			var since data.Date
			if sinceStr != "" {
				d, err := data.ParseDate(sinceStr)
				if err != nil {
					return fmt.Errorf("data fetch: --since: %w", err)
				}
				since = d
			}
			f, err := a.newFetcher(source, fs, fetchHTTPClient())
			if err != nil {
				return fmt.Errorf("data fetch: %w", err)
			}
			r, rep, err := a.fetchAndStore(ctx, f, as, remote, since, replace, strict, update.Params{Since: sinceStr})
			if err != nil {
				return err
			}
			if rep == nil {
				return fmt.Errorf("data fetch: %s returned no complete bars for %s since %s", f.Name(), remote, orDash(r.Since))
			}
			printImport(a.stdout, rep)
			if r.Provisional != "" {
				fmt.Fprintf(a.stdout, "  left out the bar of %s: its session had not closed yet\n", r.Provisional)
			}
			fmt.Fprintf(a.stdout, "  %d requests; keep it current with: riskon data update %s\n", r.Requests, as)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&source, "source", "", "price source: "+strings.Join(fetch.Sources(), ", "))
	fl.StringVar(&remote, "symbol", "", "the source's symbol (^RUT, BTCUSDT, BTC-USD, ...)")
	fl.StringVar(&as, "as", "", "symbol to store the bars under")
	fl.StringVar(&sinceStr, "since", "", "first date to fetch (YYYY-MM-DD; default: the whole history)")
	fl.BoolVar(&replace, "replace", false, "overwrite stored bars whose values differ")
	fl.BoolVar(&strict, "strict", false, "treat warnings (OHLC, flat bars, gaps, jumps) as errors")
	a.fetchFlags(cmd, &fs)
	fl.StringVar(&fs.baseURL, "base-url", "", "override the source's base URL")
	_ = fl.MarkHidden("base-url")
	_ = cmd.MarkFlagRequired("source")
	return cmd
}

func (a *app) fetchFlags(cmd *cobra.Command, fs *fetchSettings) {
	cmd.Flags().DurationVar(&fs.timeout, "timeout", 30*time.Second, "timeout of each HTTP request")
	cmd.Flags().IntVar(&fs.retries, "retries", 4, "retries of a failed request (backoff with jitter; HTTP 429 Retry-After honoured)")
}

func orDash(s string) string {
	if s == "" {
		return "the start"
	}
	return s
}

// dataUpdateCmd is `riskon data update`.
func (a *app) dataUpdateCmd() *cobra.Command {
	var (
		output string
		fs     fetchSettings
	)
	cmd := &cobra.Command{
		Use:   "update [SYM...]",
		Short: "Bring fetched symbols up to date and recompute derived ones",
		Long: `Bring every symbol with a remembered source (or the symbols named) up to date:
fetch the bars from the last stored date on, which re-checks the last stored
bar (a provisional close is corrected: replaced) and adds the new ones, in one
transaction per symbol with the import's validation. Then every derived symbol
('riskon data derive') is recomputed. An update that finds nothing new writes
nothing.`,
		Example: `  riskon data update
  riskon data update RUT BTC --output json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			ctx := cmd.Context()
			plans, err := a.updatePlans(ctx, args)
			if err != nil {
				return err
			}
			hc := fetchHTTPClient()
			var results []fetchResult
			var failed []string
			for _, p := range plans {
				f, err := a.newFetcher(p.Origin.Source, fs, hc)
				if err != nil {
					return err
				}
				r, _, err := a.fetchAndStore(ctx, f, p.Origin.Symbol, p.Origin.Remote, p.Since, true, false, update.ParamsOf(p.Origin))
				if err != nil {
					if errors.Is(err, fetch.ErrOffline) || ctx.Err() != nil {
						return err
					}
					r.Error = err.Error()
					failed = append(failed, p.Origin.Symbol)
				}
				results = append(results, *r)
			}
			st, err := a.openStore(ctx, false)
			if err != nil {
				return err
			}
			rebuilt, derr := derived.RebuildAll(ctx, st, nil)
			st.Close()
			for _, d := range rebuilt {
				if d.Error != "" {
					failed = append(failed, d.Symbol)
				}
			}
			if output == "json" {
				if results == nil {
					results = []fetchResult{}
				}
				if rebuilt == nil {
					rebuilt = []derived.Result{}
				}
				if err := writeJSON(a.stdout, struct {
					Symbols []fetchResult    `json:"symbols"`
					Derived []derived.Result `json:"derived"`
				}{results, rebuilt}); err != nil {
					return err
				}
			} else {
				printUpdate(a.stdout, results, rebuilt)
			}
			if derr != nil {
				return derr
			}
			if len(failed) > 0 {
				return fmt.Errorf("data update: %d symbols failed: %s", len(failed), strings.Join(failed, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	a.fetchFlags(cmd, &fs)
	return cmd
}

func printUpdate(w io.Writer, rs []fetchResult, ds []derived.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(rs) > 0 {
		fmt.Fprintln(tw, "symbol\tsource\tfrom\tfetched\tnew\tcorrected\tunchanged\tnote")
		for _, r := range rs {
			note := ""
			switch {
			case r.Error != "":
				note = "FAILED: " + r.Error
			case r.Provisional != "":
				note = "left out " + r.Provisional + " (session still open)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", r.Symbol, fetchLabel(r.Source, r.Remote), orDash(r.Since), r.Fetched, r.Inserted, r.Updated, r.Unchanged, note)
		}
	}
	if len(ds) > 0 {
		if len(rs) > 0 {
			fmt.Fprintln(tw, "\t\t\t\t\t\t\t")
		}
		fmt.Fprintln(tw, "derived\tfrom\tbars\tnew\tchanged\tdeleted\t\tnote")
		for _, d := range ds {
			note := d.Note
			if d.Error != "" {
				note = "FAILED: " + d.Error
			}
			fmt.Fprintf(tw, "%s\t%s(%s)\t%d\t%d\t%d\t%d\t\t%s\n", d.Symbol, d.Kind, strings.Join(d.Inputs, ","), d.Bars, d.Inserted, d.Updated, d.Deleted, note)
		}
	}
	if len(rs) == 0 && len(ds) == 0 {
		fmt.Fprintln(tw, "nothing to update")
	}
	tw.Flush()
}

// fetchDefaultSymbol is one symbol quickstart fetches, with fallbacks.
type fetchDefaultSymbol struct {
	symbol  string
	sources [][2]string // (source, remote) in order of preference
}

// fetchDefaults are the symbols quickstart fetches when online: the
// trigger, BTC, ETH and the altcoin basket of the flagship configs.
func fetchDefaults() []fetchDefaultSymbol {
	out := []fetchDefaultSymbol{
		{"RUT", [][2]string{{fetch.Yahoo, "^RUT"}}},
		{"BTC", [][2]string{{fetch.Coinbase, "BTC-USD"}, {fetch.Yahoo, "BTC-USD"}}},
		{"ETH", [][2]string{{fetch.Coinbase, "ETH-USD"}, {fetch.Yahoo, "ETH-USD"}}},
	}
	for _, s := range derived.DefaultAlts {
		out = append(out, fetchDefaultSymbol{s, [][2]string{{fetch.Binance, s + "USDT"}, {fetch.Coinbase, s + "-USD"}}})
	}
	return out
}

// fetchProbeTimeout bounds the network check of fetchDefault.
const fetchProbeTimeout = 3 * time.Second

// fetchDefault fetches RUT (Yahoo ^RUT), BTC and ETH (Coinbase, else
// Yahoo) and the default altcoin basket (Binance USDT pairs, else Coinbase)
// into the database, then derives ALTS and ALTS_BTC. Symbols already
// fetched are updated; symbols stored from files are left alone.
//
// It returns false quickly, without error, when the network is unreachable
// (a probe of Yahoo with a 3 s timeout). It returns true when RUT, BTC and
// ETH are stored afterwards; the error lists the symbols that failed.
func (a *app) fetchDefault(ctx context.Context) (bool, error) {
	hc := fetchHTTPClient()
	if !fetch.Probe(ctx, hc, fetchBaseURL(fetch.Yahoo, ""), fetchProbeTimeout) {
		a.fetchLogger().Info("network unreachable: not fetching", "probe", fetchBaseURL(fetch.Yahoo, ""))
		return false, nil
	}
	fromFiles, err := a.fetchDefaultFromFiles(ctx)
	if err != nil {
		return false, err
	}
	fs := fetchSettings{timeout: 30 * time.Second, retries: 3}
	var errs []error
	for _, d := range fetchDefaults() {
		if fromFiles[d.symbol] {
			fmt.Fprintf(a.stdout, "%s: stored from files, not fetched\n", d.symbol)
			continue
		}
		sources, since := d.sources, data.Date(0)
		if plans, err := a.updatePlans(ctx, []string{d.symbol}); err == nil && len(plans) == 1 {
			// Fetched before: update it from its remembered source.
			sources = [][2]string{{plans[0].Origin.Source, plans[0].Origin.Remote}}
			since = plans[0].Since
		}
		var lastErr error
		for _, src := range sources {
			f, err := a.newFetcher(src[0], fs, hc)
			if err != nil {
				return false, err
			}
			r, rep, err := a.fetchAndStore(ctx, f, d.symbol, src[1], since, since != 0, false, update.Params{})
			if err != nil {
				if ctx.Err() != nil {
					return false, ctx.Err()
				}
				if errors.Is(err, fetch.ErrOffline) && d.symbol == "RUT" {
					return false, nil // the probe passed, but the network is gone
				}
				lastErr = err
				continue
			}
			lastErr = nil
			if rep != nil {
				fmt.Fprintf(a.stdout, "%s: %s %s, %d bars %s..%s (%d new, %d corrected)\n", d.symbol, f.Name(), r.Remote, r.Fetched, r.First, r.Last, r.Inserted, r.Updated)
			}
			break
		}
		if lastErr != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.symbol, lastErr))
		}
	}
	st, err := a.openStore(ctx, false)
	if err != nil {
		return false, err
	}
	defer st.Close()
	if _, err := derived.Defaults(ctx, st, printer(a.stdout)); err != nil {
		a.fetchLogger().Warn("derived defaults", "err", err)
	}
	infos, err := st.List(ctx)
	if err != nil {
		return false, err
	}
	have := map[string]bool{}
	for _, si := range infos {
		have[si.Symbol] = true
	}
	return have["RUT"] && have["BTC"] && have["ETH"], errors.Join(errs...)
}

// fetchDefaultFromFiles returns the stored symbols without a remembered
// fetch source (imported from files): fetchDefault leaves them alone. It
// creates the database if needed.
func (a *app) fetchDefaultFromFiles(ctx context.Context) (map[string]bool, error) {
	st, err := a.openStore(ctx, false)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	infos, err := st.List(ctx)
	if err != nil {
		return nil, err
	}
	origins, err := st.Origins(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, si := range infos {
		out[si.Symbol] = true
	}
	for _, o := range origins {
		delete(out, o.Symbol)
	}
	return out, nil
}

// updatePlans reads, read-only, which symbols to fetch and from when
// (update.Plans).
func (a *app) updatePlans(ctx context.Context, symbols []string) ([]update.Plan, error) {
	st, err := a.openStore(ctx, true)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return update.Plans(ctx, st, symbols, a.dbPath())
}
