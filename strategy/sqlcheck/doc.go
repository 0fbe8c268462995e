// Package sqlcheck holds tests only: it checks the breakout strategy's signal
// dates on the real Russell 2000 against independent DuckDB SQL window
// queries. It lives apart so that only this test binary links DuckDB.
package sqlcheck
