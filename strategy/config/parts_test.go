package config

// The strategy package registers the real parts; this package's tests cannot
// import it (import cycle), so they register the same table. TestPartsMatch
// in package strategy checks that the two agree.
func init() {
	for _, p := range TestParts() {
		RegisterPart(p)
	}
}
