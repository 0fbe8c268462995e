package store

import (
	"context"
	"fmt"
)

// TrialRef is a stored sweep trial: its sweep and index.
type TrialRef struct {
	SweepID string
	Index   int
	// Trials is the number of trials of its sweep.
	Trials int
}

// FindTrials returns the stored sweep trials whose trial hash is hash (the
// same config as a run, name aside: sweep.TrialHash), the sweep with the
// most trials first (then by sweep id).
func (s *Sweeps) FindTrials(ctx context.Context, hash string) ([]TrialRef, error) {
	if s.empty {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.sweep_id, t.trial_index, s.trials FROM sweep_trials t JOIN sweeps s USING (sweep_id)
		WHERE t.trial_hash = $1 ORDER BY s.trials DESC, t.sweep_id, t.trial_index`, hash)
	if err != nil {
		return nil, fmt.Errorf("look up trial %s: %w", hash, err)
	}
	defer rows.Close()
	var out []TrialRef
	for rows.Next() {
		var r TrialRef
		if err := rows.Scan(&r.SweepID, &r.Index, &r.Trials); err != nil {
			return nil, fmt.Errorf("look up trial %s: %w", hash, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
