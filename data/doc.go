// Package data holds riskon's pure market-data types: trading dates, calendars
// and the time model across them, columnar bar series, data sets and their
// fingerprints, and the seeded synthetic generator.
//
// It imports no database driver. Storage lives in data/store; CSV layouts in
// data/format.
package data
