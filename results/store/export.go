package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/riskon/riskon/results"
)

// Export formats.
const (
	FormatParquet = "parquet"
	FormatCSV     = "csv"
)

func checkFormat(format string) error {
	if format != FormatParquet && format != FormatCSV {
		return fmt.Errorf("export format %q: want parquet or csv", format)
	}
	return nil
}

// jsonColumns returns SELECT expressions that extract the JSON fields of a
// struct type (by json tag) from the JSON column col as typed columns named
// prefix + field: results.Value as DOUBLE, integers as BIGINT, bools as
// BOOLEAN, strings as VARCHAR, [2]results.Value as NAME_low and NAME_high.
func jsonColumns(t reflect.Type, col, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		path := fmt.Sprintf(`%s->>'$.%s'`, col, name)
		switch {
		case f.Type == reflect.TypeFor[results.Value]():
			out = append(out, fmt.Sprintf(`TRY_CAST(%s AS DOUBLE) AS %q`, path, prefix+name))
		case f.Type == reflect.TypeFor[[2]results.Value]():
			for k, suffix := range []string{"_low", "_high"} {
				out = append(out, fmt.Sprintf(`TRY_CAST(%s->>'$.%s[%d]' AS DOUBLE) AS %q`, col, name, k, prefix+name+suffix))
			}
		case f.Type.Kind() == reflect.Int:
			out = append(out, fmt.Sprintf(`TRY_CAST(%s AS BIGINT) AS %q`, path, prefix+name))
		case f.Type.Kind() == reflect.Uint64:
			out = append(out, fmt.Sprintf(`TRY_CAST(%s AS UBIGINT) AS %q`, path, prefix+name))
		case f.Type.Kind() == reflect.Bool:
			out = append(out, fmt.Sprintf(`TRY_CAST(%s AS BOOLEAN) AS %q`, path, prefix+name))
		case f.Type.Kind() == reflect.String:
			out = append(out, fmt.Sprintf(`%s AS %q`, path, prefix+name))
		}
	}
	return out
}

func ext(format string) string {
	if format == FormatCSV {
		return ".csv"
	}
	return ".parquet"
}

// Export writes a stored run (id or unique prefix) as flat tables for
// pandas, polars and R into dir: RUN.run (one row: identity, window, every
// metric, every benchmark metric as bench_*, every evidence field, the
// config as JSON text), RUN.trades, RUN.signals and RUN.equity, as Parquet
// or CSV. It returns the files written.
func (s *Store) Export(ctx context.Context, runID, dir, format string) ([]string, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	id, err := s.Resolve(ctx, runID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export run %s: %w", id, err)
	}
	cols := []string{"run_id", "name", "created_at", "version", "config_hash", "data_fingerprint", "window_start", "window_end", "synthetic"}
	cols = append(cols, jsonColumns(reflect.TypeFor[results.Metrics](), "metrics", "")...)
	cols = append(cols, jsonColumns(reflect.TypeFor[results.Metrics](), "benchmark", "bench_")...)
	cols = append(cols, jsonColumns(reflect.TypeFor[results.Evidence](), "evidence", "evidence_")...)
	cols = append(cols, "config::VARCHAR AS config")
	where := ` WHERE run_id = ` + sqlString(id)
	jobs := []struct{ name, query string }{
		{"run", `SELECT ` + strings.Join(cols, ", ") + ` FROM runs` + where},
		// The bar dates, days held and P&L of each trade live in the stored
		// report (runs stored before them export empty cells). The report's
		// trades are parsed once and joined by position (extracting
		// '$.trades[SEQ]' per trade parsed the whole report per trade).
		{"trades", `SELECT t.*,
			TRY_CAST(json_extract_string(j.e, '$.entry_date') AS DATE) AS entry_date,
			TRY_CAST(json_extract_string(j.e, '$.exit_date') AS DATE) AS exit_date,
			TRY_CAST(json_extract(j.e, '$.hold_days') AS INTEGER) AS hold_days,
			TRY_CAST(json_extract(j.e, '$.pnl') AS DOUBLE) AS pnl
			FROM run_trades t
			LEFT JOIN (SELECT unnest(a) AS e, generate_subscripts(a, 1) - 1 AS seq
				FROM (SELECT json_extract(report, '$.trades[*]') AS a FROM runs` + where + `)) j ON j.seq = t.seq
			WHERE t.run_id = ` + sqlString(id) + ` ORDER BY t.seq`},
		{"signals", `SELECT * FROM run_signals` + where + ` ORDER BY seq`},
		{"equity", `SELECT * FROM run_equity` + where + ` ORDER BY "date"`},
	}
	var out []string
	for _, j := range jobs {
		file := filepath.Join(dir, id+"."+j.name+ext(format))
		if err := copyTo(ctx, s.db, j.query, file, format); err != nil {
			return out, fmt.Errorf("export run %s: %w", id, err)
		}
		out = append(out, file)
	}
	return out, nil
}

// paramColumn is one swept key as an export column.
type paramColumn struct {
	key     string
	numeric bool // every value a number
	integer bool // every value a whole number
}

// paramColumns scans the params of every trial (streamed) and returns the
// swept keys in first-seen order with their types.
func (s *Sweeps) paramColumns(ctx context.Context, id string) ([]paramColumn, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT params::VARCHAR FROM sweep_trials WHERE sweep_id = $1 ORDER BY trial_index`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []paramColumn
	pos := map[string]int{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		dec := json.NewDecoder(strings.NewReader(p))
		dec.UseNumber()
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("params %s: %w", p, err)
		}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			i, ok := pos[k]
			if !ok {
				i = len(cols)
				pos[k] = i
				cols = append(cols, paramColumn{key: k, numeric: true, integer: true})
			}
			n, isNum := v.(json.Number)
			if !isNum {
				cols[i].numeric, cols[i].integer = false, false
			} else if _, err := n.Int64(); err != nil {
				cols[i].integer = false
			}
		}
	}
	return cols, rows.Err()
}

// Export writes a stored sweep (id or unique prefix) as flat tables into
// dir: SWEEP.trials (one row per trial: index, hash, one column per swept
// key, every metric, bench_* metrics, evidence counts, seed, the daily
// return moments and the params as JSON text) and SWEEP.sweep (the sweep
// row).
// A swept key is a DOUBLE or BIGINT column when every value is a number and
// text otherwise (lists as JSON); it is named after the key, or param.KEY
// when that clashes with another column.
func (s *Sweeps) Export(ctx context.Context, sweepID, dir, format string) ([]string, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	id, err := s.Resolve(ctx, sweepID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export sweep %s: %w", id, err)
	}
	params, err := s.paramColumns(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("export sweep %s: read params: %w", id, err)
	}
	taken := map[string]bool{}
	for _, c := range trialColumns {
		taken[c[0]] = true
	}
	cols := []string{"trial_index", "trial_hash"}
	for _, p := range params {
		name := p.key
		if taken[name] {
			name = "param." + name
		}
		taken[name] = true
		path := sqlString(`$."` + strings.ReplaceAll(p.key, `"`, `\"`) + `"`)
		expr := fmt.Sprintf(`json_extract_string(params, %s)`, path)
		switch {
		case p.integer:
			expr = fmt.Sprintf(`TRY_CAST(%s AS BIGINT)`, expr)
		case p.numeric:
			expr = fmt.Sprintf(`TRY_CAST(%s AS DOUBLE)`, expr)
		}
		cols = append(cols, fmt.Sprintf(`%s AS %q`, expr, name))
	}
	for _, c := range trialColumns[4:] {
		if c[0] == "pbo_sums" {
			continue // grid sums for the PBO: not for analysis
		}
		cols = append(cols, fmt.Sprintf("%q", c[0]))
	}
	cols = append(cols, "params::VARCHAR AS params")
	where := ` WHERE sweep_id = ` + sqlString(id)
	jobs := []struct{ name, query string }{
		{"trials", `SELECT ` + strings.Join(cols, ", ") + ` FROM sweep_trials` + where + ` ORDER BY trial_index`},
		{"sweep", `SELECT sweep_id, name, created_at, version, spec::VARCHAR AS spec, base_config::VARCHAR AS base_config, base_hash,
			data_fingerprint, synthetic, trials, rank_by, pbo_start, pbo_block_days, pbo_blocks FROM sweeps` + where},
	}
	var out []string
	for _, j := range jobs {
		file := filepath.Join(dir, id+"."+j.name+ext(format))
		if err := copyTo(ctx, s.db, j.query, file, format); err != nil {
			return out, fmt.Errorf("export sweep %s: %w", id, err)
		}
		out = append(out, file)
	}
	return out, nil
}
