package sweep

import (
	"errors"
	"strings"
	"testing"

	"github.com/riskon/riskon/data"
)

// TestDecide: the lifecycle rules of a sweep run, case by case, on a
// 5-trial expansion built by hand; in particular a stored shard that is
// not complete is refused without --resume (it was silently resumed when
// the expansion was lazy), and a complete one is shown.
func TestDecide(t *testing.T) {
	t.Parallel()
	e := &Expansion{file: "s.yaml"}
	for i, h := range []string{"h0", "h1", "h2", "h3", "h4"} {
		e.Trials = append(e.Trials, Trial{Index: i, Hash: h})
	}
	g := Grid{Start: data.DateOf(2020, 1, 1), BlockDays: 30, Blocks: 8}
	whole, odd := Shard{}, Shard{Index: 1, Count: 2} // odd: trials 1 and 3
	stored := func(done ...int) *Stored {
		s := &Stored{Trials: 5, Grid: g, Done: map[int]string{}}
		for _, i := range done {
			s.Done[i] = e.Trials[i].Hash
		}
		return s
	}
	for _, c := range []struct {
		name            string
		sh              Shard
		st              *Stored
		resume, replace bool
		want            Start
		err             string
	}{
		{"nothing stored", whole, nil, false, false, StartNew, ""},
		{"nothing stored, --resume", whole, nil, true, false, StartNew, ""},
		{"both flags", whole, nil, true, true, 0, "contradict"},
		{"--replace", whole, stored(0, 1), false, true, StartReplace, ""},
		{"partly done, no flag", whole, stored(0, 1), false, false, 0, "pass --resume to run only the missing ones, or --replace"},
		{"partly done, --resume", whole, stored(0, 1), true, false, StartResume, ""},
		{"complete, no flag", whole, stored(0, 1, 2, 3, 4), false, false, StartComplete, ""},
		{"shard complete, others not", odd, stored(1, 3), false, false, StartComplete, ""},
		{"shard partly done", odd, stored(0, 1, 2), false, false, 0, "--resume"},
		{"nothing done in a stored shard", odd, stored(), false, false, 0, "--resume"},
		{"other trial count", whole, &Stored{Trials: 6, Grid: g, Done: map[int]string{}}, true, false, 0, "has 6 trials"},
		{"other grid", whole, &Stored{Trials: 5, Grid: Grid{Start: g.Start, BlockDays: 7, Blocks: 8}, Done: map[int]string{}}, true, false, 0, "PBO grid"},
		{"changed trial", whole, &Stored{Trials: 5, Grid: g, Done: map[int]string{2: "zz"}}, true, false, 0, "stored trial 2 of sweep S does not match"},
		{"trial past the end", whole, &Stored{Trials: 5, Grid: g, Done: map[int]string{7: "h7"}}, false, false, 0, "stored trial 7"},
	} {
		got, err := e.Decide("S", c.sh, g, c.st, c.resume, c.replace)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: err %v, want %q", c.name, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%s: %v %v, want %v", c.name, got, err, c.want)
		}
	}
	if _, err := e.Decide("S", whole, g, nil, true, true); !errors.Is(err, ErrResumeReplace) {
		t.Errorf("both flags: %v", err)
	}
	if n, err := e.CheckDone("S", odd, map[int]string{0: "h0", 1: "h1", 3: "h3"}); err != nil || n != 2 {
		t.Errorf("CheckDone: %d in shard (%v), want 2", n, err)
	}
}
