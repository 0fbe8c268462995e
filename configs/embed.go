// Package configs embeds riskon's shipped configs (the flagship run configs
// and the data catalog) so that quickstart works from any directory.
package configs

import "embed"

// FS holds configs/*.yaml and configs/data/*.yaml.
//
//go:embed *.yaml data/*.yaml
var FS embed.FS
