package results

// ShortHash is the 12-character prefix by which tables and messages show a
// config hash, trial hash or data fingerprint (the whole value when
// shorter).
func ShortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
