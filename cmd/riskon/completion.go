package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	runstore "github.com/riskon/riskon/results/store"
	"github.com/riskon/riskon/strategy/config"
)

// addCompletions teaches cobra's shell completion (riskon completion
// bash|zsh|fish|powershell) riskon's own words: stored run ids and sweep ids
// for the commands that take them, and config keys for --set.
func (a *app) addCompletions(root *cobra.Command) {
	ids := map[string]bool{"show": true, "replay": true, "report": true, "compare": true, "export": true, "plot": true}
	for _, c := range root.Commands() {
		if ids[c.Name()] {
			c.ValidArgsFunction = a.completeIDs
		}
		for _, sub := range append([]*cobra.Command{c}, c.Commands()...) {
			if sub.Flags().Lookup("set") != nil {
				_ = sub.RegisterFlagCompletionFunc("set", completeSet)
			}
		}
	}
}

// completeIDs offers the stored run ids and sweep ids starting with what was
// typed (newest runs first; at most a few hundred), read from --db without
// waiting for a database another process holds.
func (a *app) completeIDs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := a.openResults(ctx, true)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer st.Close()
	var out []string
	if runs, err := st.runs.List(ctx, runstore.ListOptions{Limit: 500}); err == nil {
		for _, r := range runs {
			if strings.HasPrefix(r.RunID, toComplete) {
				out = append(out, r.RunID+"\t"+r.Name)
			}
		}
	}
	if sweeps, err := st.sweeps.List(ctx); err == nil {
		for _, s := range sweeps {
			if strings.HasPrefix(s.SweepID, toComplete) {
				out = append(out, s.SweepID+"\tsweep "+s.Name)
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeSet offers "key=" for every config key.
func completeSet(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, k := range config.Keys() {
		if strings.HasPrefix(k, toComplete) {
			out = append(out, k+"=")
		}
	}
	return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
}
