package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	_ "github.com/riskon/riskon/strategy" // registers the strategy parts with the config layer
	"github.com/riskon/riskon/strategy/config"
)

// configCmd is `riskon config`: the run config's keys and parts.
func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Describe the run config: every key with its type, default and documentation",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(a.configKeysCmd())
	return cmd
}

// configKeysCmd is `riskon config keys`, generated from the config struct
// and the registry of strategy parts.
func (a *app) configKeysCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Print every config key with its type, default, documentation and the parts that read it",
		Long: `Print every run config key with its type, default and one-line documentation,
and which parts (trigger rules, filter rules, sizing, exits) read it; then
every registered part. A key that the chosen part does not read is refused
when set to anything but its default.`,
		Example: "  riskon config keys\n  riskon config keys --output json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			docs := config.KeyDocs()
			switch output {
			case "json":
				return writeJSON(a.stdout, docs)
			case "table", "":
			default:
				return fmt.Errorf("--output %q: want table or json", output)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tTYPE\tDEFAULT\tDESCRIPTION")
			for _, d := range docs {
				desc := d.Doc
				switch {
				case len(d.ReadBy) == 0:
				case d.Type == "part":
					desc += " [keys: " + strings.Join(d.ReadBy, ", ") + "]"
				default:
					desc += " [read by " + strings.Join(d.ReadBy, ", ") + "]"
				}
				def := d.Default
				if d.Type == "part" {
					def = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Key, d.Type, def, desc)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}
