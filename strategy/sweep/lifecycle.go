package sweep

import (
	"errors"
	"fmt"

	"github.com/riskon/riskon/results"
)

// ErrResumeReplace refuses --resume with --replace.
var ErrResumeReplace = errors.New("--resume and --replace contradict each other: --resume keeps the stored trials, --replace deletes them")

// Stored is what a results database holds of a sweep (results/store): the
// number of trials and PBO grid it was created with, and the trials done,
// index -> trial hash.
type Stored struct {
	Trials int
	Grid   Grid
	Done   map[int]string
}

// Start says how a run of a sweep begins, given what is stored.
type Start int

const (
	// StartNew: nothing is stored; create the sweep's record.
	StartNew Start = iota
	// StartReplace: delete the stored sweep (--replace), then create it.
	StartReplace
	// StartResume: run only the trials not stored yet (--resume).
	StartResume
	// StartComplete: every trial of the shard is stored; run nothing and
	// show it (as --resume would).
	StartComplete
)

// Decide applies the lifecycle rules of a sweep run to what is stored (nil:
// nothing) for the shard sh with PBO grid g: --resume and --replace
// contradict each other; --replace starts again; a stored sweep is resumed
// only under --resume, and only when its trial count and PBO grid are the
// sweep file's; without --resume a stored shard that is complete is shown,
// one that is not is refused, naming both flags. The done trials are
// checked against the expansion (CheckDone) before any run goes on.
func (e *Expansion) Decide(id string, sh Shard, g Grid, stored *Stored, resume, replace bool) (Start, error) {
	if resume && replace {
		return 0, ErrResumeReplace
	}
	switch {
	case stored == nil:
		return StartNew, nil
	case replace:
		return StartReplace, nil
	case !resume:
		inShard, err := e.CheckDone(id, sh, stored.Done)
		if err != nil {
			return 0, err
		}
		if inShard == e.ShardLen(sh) {
			return StartComplete, nil
		}
		return 0, fmt.Errorf("sweep %s (%s, %d trials) is already stored with %d trials done: pass --resume to run only the missing ones, or --replace to run it again",
			id, e.file, stored.Trials, len(stored.Done))
	}
	if stored.Trials != e.Len() || stored.Grid != g {
		return 0, fmt.Errorf("stored sweep %s has %d trials and PBO grid %+v, the sweep file gives %d and %+v: rerun with --replace",
			id, stored.Trials, stored.Grid, e.Len(), g)
	}
	if _, err := e.CheckDone(id, sh, stored.Done); err != nil {
		return 0, err
	}
	return StartResume, nil
}

// CheckDone checks stored trials (index -> trial hash) against the
// expansion and returns how many are in shard sh: a trial outside the
// expansion or with another hash means the sweep file changed.
func (e *Expansion) CheckDone(id string, sh Shard, done map[int]string) (inShard int, err error) {
	for i, hash := range done {
		if i < 0 || i >= e.Len() || e.Hash(i) != hash {
			return 0, fmt.Errorf("stored trial %d of sweep %s does not match the sweep file (hash %s); rerun with --replace", i, id, results.ShortHash(hash))
		}
		if sh.Has(i) {
			inShard++
		}
	}
	return inShard, nil
}
