package main

import "github.com/spf13/cobra"

// subcommands lists riskon's commands, one file each.
func (a *app) subcommands() []*cobra.Command {
	return []*cobra.Command{a.dataCmd(), a.runCmd(), a.runsCmd(), a.showCmd(), a.replayCmd(), a.studyCmd(), a.corrCmd(), a.reportCmd(), a.plotCmd(), a.sweepCmd(), a.validateCmd(), a.compareCmd(), a.exportCmd(), a.benchCmd(), a.quickstartCmd(), a.configCmd(), a.versionCmd(), a.signalCmd()}
}
