package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riskon/riskon/results"
	runstore "github.com/riskon/riskon/results/store"
)

// withRunStore opens the database, hands its run store to f and closes it.
func (a *app) withRunStore(ctx context.Context, readOnly bool, f func(*runstore.Store) error) error {
	st, err := a.openResults(ctx, readOnly)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st.runs)
}

// runsCmd is `riskon runs`: the stored runs, newest first.
func (a *app) runsCmd() *cobra.Command {
	var (
		limit  int
		name   string
		output string
	)
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List stored runs, newest first",
		Long: `List stored runs, newest first, with their headline metrics and how many
independent episodes each rests on. Runs resting on fewer than ` + strconv.Itoa(results.MinSamples) + `
episodes are flagged "few samples". Show one run with 'riskon show RUN'.

The runs live in the database's tables runs, run_trades, run_signals and
run_equity; query them with SQL for anything this list does not show.`,
		Example: `  riskon runs
  riskon runs --limit 5 --name 'r2k-*'
  riskon runs --output json | jq -r '.runs[].run_id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			if limit < 0 {
				return fmt.Errorf("--limit %d: want 0 (all) or more", limit)
			}
			var runs []runstore.RunSummary
			err := a.withRunStore(cmd.Context(), true, func(rs *runstore.Store) error {
				var err error
				runs, err = rs.List(cmd.Context(), runstore.ListOptions{Limit: limit, Name: name})
				return err
			})
			noDB := errors.Is(err, fs.ErrNotExist) // no database file yet: no runs
			if err != nil && !noDB {
				return err
			}
			if output == "json" {
				if runs == nil {
					runs = []runstore.RunSummary{}
				}
				return writeJSON(a.stdout, struct {
					Runs []runstore.RunSummary `json:"runs"`
				}{runs})
			}
			if len(runs) == 0 {
				if noDB {
					fmt.Fprintf(a.stdout, "no stored runs yet: no database at %s\n", a.dbPath())
				} else if name != "" {
					fmt.Fprintf(a.stdout, "no stored runs named %q\n", name)
				} else {
					fmt.Fprintln(a.stdout, "no stored runs yet; run one with 'riskon run -c FILE'")
				}
				return nil
			}
			return printRuns(a.stdout, runs)
		},
	}
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "show at most N runs (0 = all)")
	cmd.Flags().StringVar(&name, "name", "", "only runs with this name (glob: * and ? match)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func printRuns(w io.Writer, runs []runstore.RunSummary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	keys, vals, more := paramColumns(runs)
	head := "RUN ID\tNAME\tCREATED (UTC)"
	for _, k := range keys {
		head += "\t" + strings.ToUpper(k)
	}
	fmt.Fprintln(tw, head+"\tRETURN\tSHARPE\tMAX DD\tTRADES\tEPISODES\tCONFIG\tNOTE")
	for i, r := range runs {
		params := ""
		for _, k := range keys {
			v := "?"
			if vals[i] != nil {
				v = cellText(vals[i][k])
			}
			params += v + "\t"
		}
		var notes []string
		if r.TooFew {
			notes = append(notes, "few samples")
		}
		if r.Synthetic {
			notes = append(notes, "synthetic data")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\t%s\t%s\t%d\t%d\t%s\t%s\n",
			r.RunID, r.Name, r.CreatedAt.Format("2006-01-02 15:04:05"), params,
			pct(r.TotalReturn), num(r.Sharpe), pct(r.MaxDrawdown), r.Trades, r.Episodes,
			short(r.ConfigHash), strings.Join(notes, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if more > 0 {
		fmt.Fprintf(w, "(%d more config keys differ; riskon compare RUN_A RUN_B shows them all)\n", more)
	}
	return nil
}

// showCmd is `riskon show RUN`: one stored run, by id or unique prefix.
func (a *app) showCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "show RUN|SWEEP_ID:INDEX",
		Short: "Show a stored run (id or unique id prefix) or a sweep trial in full",
		Long: `Show a stored run: its report as a table, or with --output json exactly the
JSON document the run printed (the stored report). RUN is a run id or any
unique prefix of one; list runs with 'riskon runs'. A sweep trial
(SWEEP_ID:INDEX, as 'riskon sweep' prints it) is recomputed in full from the
sweep's stored config and seed (trades, equity, evidence), checked against
the stored trial, and its verdict names its selection (rank, deflated Sharpe
ratio against the sweep, PBO).`,
		Example: `  riskon show 20261121-193000-ab12cd
  riskon show 20261121-19
  riskon show 20261121-19 --output json | jq .evidence`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			ctx := cmd.Context()
			if isTrialRef(args[0]) {
				st, err := a.openResults(ctx, true)
				if err != nil {
					return err
				}
				defer st.Close()
				rep, _, err := a.trialReport(ctx, st, args[0])
				if err != nil {
					return err
				}
				if output == "json" {
					return writeJSON(a.stdout, rep)
				}
				printReport(a.stdout, rep)
				return nil
			}
			return a.withRunStore(ctx, true, func(rs *runstore.Store) error {
				if output == "json" {
					raw, err := rs.GetJSON(ctx, args[0])
					if err != nil {
						return err
					}
					var buf bytes.Buffer
					if err := json.Indent(&buf, raw, "", "  "); err != nil {
						return fmt.Errorf("stored run %s: %w", args[0], err)
					}
					buf.WriteByte('\n')
					_, err = a.stdout.Write(buf.Bytes())
					return err
				}
				rep, err := rs.Get(ctx, args[0])
				if err != nil {
					return err
				}
				printReport(a.stdout, rep)
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}
