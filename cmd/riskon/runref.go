package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/riskon/riskon/results"
	runstore "github.com/riskon/riskon/results/store"
	"github.com/riskon/riskon/strategy"
	"github.com/riskon/riskon/strategy/backtest"
	"github.com/riskon/riskon/strategy/config"
	"github.com/riskon/riskon/strategy/sweep"
)

// A run reference is what show, replay, report, export, compare and plot
// accept: a stored run's id (or a unique prefix of one), or a sweep trial
// SWEEP_ID:INDEX (a unique prefix of the sweep id works). This file is the
// one place that resolves them: a trial is recomputed in full (trades,
// equity, evidence, report) from the sweep's stored base config, the
// trial's params and its seed, on the database's data, which must be the
// data the sweep ran on (same fingerprint).

// isTrialRef reports whether ref names a sweep trial (SWEEP_ID:INDEX).
func isTrialRef(ref string) bool { return strings.Contains(ref, ":") }

// parseTrialRef splits SWEEP_ID:INDEX.
func parseTrialRef(ref string) (string, int, error) {
	sid, index, _ := strings.Cut(ref, ":")
	idx, err := strconv.Atoi(index)
	if err != nil || idx < 0 || sid == "" {
		return "", 0, fmt.Errorf("%q: a sweep trial is SWEEP_ID:INDEX with INDEX a trial number from 0 (see 'riskon sweep list')", ref)
	}
	return sid, idx, nil
}

// storedTrial is a sweep trial as stored, with its rebuilt config.
type storedTrial struct {
	rec *runstore.SweepRecord
	row *runstore.TrialRow
	cfg config.Config
}

// ID is the trial's reference, SWEEP_ID:INDEX.
func (t *storedTrial) ID() string { return fmt.Sprintf("%s:%d", t.rec.SweepID, t.row.Index) }

// loadStoredTrial reads trial ref and rebuilds its config from the sweep's
// base config and the trial's params, checking the rebuilt config's hash
// against the stored trial hash.
func loadStoredTrial(ctx context.Context, sw *runstore.Sweeps, ref string) (*storedTrial, error) {
	sweepID, idx, err := parseTrialRef(ref)
	if err != nil {
		return nil, err
	}
	id, err := sw.Resolve(ctx, sweepID)
	if err != nil {
		return nil, err
	}
	rec, err := sw.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	row, err := sw.Trial(ctx, id, idx)
	if err != nil {
		return nil, err
	}
	base, err := config.FromCanonical(rec.BaseConfig)
	if err != nil {
		return nil, fmt.Errorf("sweep %s: stored base config: %w", id, err)
	}
	var params sweep.Params
	if err := json.Unmarshal(row.Params, &params); err != nil {
		return nil, fmt.Errorf("sweep %s trial %d: params: %w", id, idx, err)
	}
	cfg, err := sweep.ApplyParams(base, sweep.TrialName(rec.Name, idx), params)
	if err != nil {
		return nil, fmt.Errorf("sweep %s trial %d: rebuild its config: %w", id, idx, err)
	}
	if h := sweep.TrialHash(cfg); h != row.Hash {
		return nil, fmt.Errorf("sweep %s trial %d: rebuilt config hash %s differs from the stored %s (a different riskon version?)", id, idx, short(h), short(row.Hash))
	}
	return &storedTrial{rec: rec, row: row, cfg: cfg}, nil
}

// trialReport recomputes a sweep trial in full through the path of
// riskon run (backtest.Run) on the database's data, checks that its metrics
// and sample counts equal the stored trial's, and returns its report with
// the run id SWEEP_ID:INDEX, the sweep's creation time and its selection.
func (a *app) trialReport(ctx context.Context, st *resultStores, ref string) (*results.Report, *storedTrial, error) {
	t, err := loadStoredTrial(ctx, st.sweeps, ref)
	if err != nil {
		return nil, nil, err
	}
	id := t.ID()
	ds, err := st.Load(ctx, strategy.Symbols(t.cfg))
	if err != nil {
		return nil, nil, fmt.Errorf("trial %s: %w", id, err)
	}
	if fp := ds.Fingerprint(); fp != t.rec.DataFingerprint {
		return nil, nil, fmt.Errorf("trial %s: the data changed since the sweep (fingerprint %s, recorded %s): re-import the data the sweep used, or run the sweep again",
			id, short(fp), short(t.rec.DataFingerprint))
	}
	out, err := backtest.Run(ctx, t.cfg, ds, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("trial %s: %w", id, err)
	}
	rep := out.Report
	rep.RunID, rep.Version = id, version
	rep.CreatedAt = t.rec.CreatedAt.UTC().Format(time.RFC3339)
	if diff := trialDiff(rep, t.row); diff != "" {
		return nil, nil, fmt.Errorf("trial %s: recomputed, its %s differs from the stored trial (a different riskon version?)", id, diff)
	}
	sel, err := selectionOf(ctx, st.sweeps, t.rec, t.row.Index)
	if err != nil {
		return nil, nil, err
	}
	rep.SetSelection(sel)
	return rep, t, nil
}

// trialDiff names what of a recomputed report differs from the stored
// trial row (metrics, benchmark, sample counts), or "".
func trialDiff(rep *results.Report, row *runstore.TrialRow) string {
	same := func(a, b results.Metrics) bool {
		a.Notes, b.Notes = nil, nil
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return string(x) == string(y)
	}
	switch {
	case !same(rep.Metrics, row.Metrics):
		return "metrics"
	case !same(rep.Benchmark, row.Benchmark):
		return "benchmark"
	case rep.Evidence.Signals != row.Signals || rep.Evidence.Trades != row.Trades || rep.Evidence.Episodes != row.Episodes:
		return "sample counts"
	}
	return ""
}

// selectionOf computes how trial idx stands in its sweep: its rank by the
// sweep's rank_by (ties to the lower index, undefined values last), its DSR
// against every trial (sweep.TrialDSR) and the sweep's PBO.
func selectionOf(ctx context.Context, sw *runstore.Sweeps, rec *runstore.SweepRecord, idx int) (results.Selection, error) {
	sel := results.Selection{SweepID: rec.SweepID, Trial: idx, RankBy: rec.RankBy, DSR: results.NA, PBO: results.NA}
	summary, err := sweep.NewSummary("sharpe", gridOf(rec), 1)
	if err != nil {
		return sel, fmt.Errorf("sweep %s: %w", rec.SweepID, err)
	}
	type stat struct {
		index int
		m     results.Metrics
		mo    sweep.Moments
	}
	var all []stat
	if err := sw.Trials(ctx, rec.SweepID, func(row *runstore.TrialRow) error {
		r, err := fromRow(row)
		if err != nil {
			return err
		}
		summary.Add(r)
		r.Metrics.Notes = nil
		all = append(all, stat{index: r.Index, m: r.Metrics, mo: r.Moments})
		return nil
	}); err != nil {
		return sel, err
	}
	st := summary.Finish(sweep.FinishOptions{Workers: runtime.NumCPU()})
	sel.PBO, sel.Trials = st.PBO, len(all)
	ms := make([]*results.Metrics, len(all))
	for i := range all {
		ms[i] = &all[i].m
	}
	disp := sweep.DispersionOf(ms)
	key := func(s *stat) float64 {
		var v float64
		switch rec.RankBy {
		case sweep.RankDSR:
			v = sweep.TrialDSR(&s.m, s.mo, disp)
		case sweep.RankPSR:
			v = sweep.TrialPSR(&s.m, s.mo)
		default:
			var higher bool
			v, higher, _ = sweep.MetricValue(rec.RankBy, &s.m)
			if !higher {
				v = -v
			}
		}
		if math.IsNaN(v) {
			return math.Inf(-1)
		}
		return v
	}
	var me *stat
	for i := range all {
		if all[i].index == idx {
			me = &all[i]
		}
	}
	if me == nil {
		return sel, fmt.Errorf("sweep %s has no trial %d", rec.SweepID, idx)
	}
	sel.DSR = results.Value(sweep.TrialDSR(&me.m, me.mo, disp))
	mk := key(me)
	sel.Rank = 1
	for i := range all {
		s := &all[i]
		if k := key(s); k > mk || k == mk && s.index < idx {
			sel.Rank++
		}
	}
	return sel, nil
}

// loadReport returns the report of a run reference: the stored report of a
// run, or a sweep trial recomputed in full (trialReport).
func (a *app) loadReport(ctx context.Context, st *resultStores, ref string) (*results.Report, error) {
	if isTrialRef(ref) {
		rep, _, err := a.trialReport(ctx, st, ref)
		return rep, err
	}
	return st.runs.Get(ctx, ref)
}

// exportTrial writes a recomputed trial as riskon export writes a run, by
// saving its report into a temporary in-memory database and exporting it
// from there: the same files and columns as a stored run.
func exportTrial(ctx context.Context, rep *results.Report, dir, format string) ([]string, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", rep.RunID, err)
	}
	defer db.Close()
	rs, err := runstore.New(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := rs.Save(ctx, rep); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export %s: %w", rep.RunID, err)
	}
	return rs.Export(ctx, rep.RunID, dir, format)
}

// attachSelection gives a run whose config is a stored sweep trial (same
// trial hash: the same config, name aside) that trial's selection, so that
// a config picked from a sweep and run again alone still says it was
// picked: from the sweep with the most trials when several hold it.
func attachSelection(ctx context.Context, db *sql.DB, rep *results.Report, cfg config.Config) error {
	sw, err := runstore.NewSweeps(ctx, db)
	if err != nil {
		return err
	}
	refs, err := sw.FindTrials(ctx, sweep.TrialHash(cfg))
	if err != nil || len(refs) == 0 {
		return err
	}
	rec, err := sw.Get(ctx, refs[0].SweepID)
	if err != nil {
		return err
	}
	sel, err := selectionOf(ctx, sw, rec, refs[0].Index)
	if err != nil {
		return err
	}
	rep.SetSelection(sel)
	return nil
}
