package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionCmd is `riskon version`: the version recorded with every run, the
// Go toolchain, the DuckDB driver and the source revision when the binary
// was built from a git checkout.
func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print riskon's version, the Go toolchain, the DuckDB driver and the source revision",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(a.stdout, "riskon %s\n", version)
			fmt.Fprintf(a.stdout, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
			bi, ok := debug.ReadBuildInfo()
			if !ok {
				return nil
			}
			for _, d := range bi.Deps {
				if d.Path == "github.com/duckdb/duckdb-go/v2" {
					fmt.Fprintf(a.stdout, "duckdb-go %s\n", d.Version)
				}
			}
			var rev, modified string
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					modified = s.Value
				}
			}
			if rev != "" {
				if modified == "true" {
					rev += " (modified)"
				}
				fmt.Fprintf(a.stdout, "revision %s\n", rev)
			}
			return nil
		},
	}
}
