package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one part of a sweep run on its own (a process, a Slurm array task
// or a Kubernetes indexed Job pod). Index is 0-based; Count 0 or 1 means the
// whole sweep. A shard holds the trials whose index modulo Count is Index, so
// the parts are disjoint, cover every trial, and share slow and fast regions
// of a grid evenly.
type Shard struct {
	Index, Count int
}

// Whole reports whether the shard is the whole sweep.
func (s Shard) Whole() bool { return s.Count <= 1 }

// Has reports whether trial index belongs to the shard.
func (s Shard) Has(index int) bool { return s.Whole() || index%s.Count == s.Index }

// String writes "i/N" (0-based), or "all".
func (s Shard) String() string {
	if s.Whole() {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Select returns the trials of the shard, in index order.
func (s Shard) Select(trials []Trial) []Trial {
	if s.Whole() {
		return trials
	}
	out := make([]Trial, 0, len(trials)/s.Count+1)
	for _, t := range trials {
		if s.Has(t.Index) {
			out = append(out, t)
		}
	}
	return out
}

// ParseShard reads "i/N" with 0 <= i < N (0-based, like Slurm array task ids
// from 0 and Kubernetes completion indexes).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("--shard %q: want i/N, e.g. 0/4 for the first of four parts (i counts from 0)", s)
	}
	if n < 1 {
		return Shard{}, fmt.Errorf("--shard %q: N, the number of parts, must be at least 1 (i/N with i counting from 0: 0/4 .. 3/4 are the parts of a sweep split in four)", s)
	}
	if i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: want 0 <= i < N, here 0 to %d (i counts from 0: the parts of %d are 0/%d .. %d/%d)", s, n-1, n, n, n-1, n)
	}
	return Shard{Index: i, Count: n}, nil
}

// Environment variables ShardFromEnv reads.
const (
	EnvSlurmTaskID    = "SLURM_ARRAY_TASK_ID"
	EnvSlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
	EnvSlurmTaskMin   = "SLURM_ARRAY_TASK_MIN"
	EnvJobIndex       = "JOB_COMPLETION_INDEX"
	// EnvShardCount gives the number of parts of a Kubernetes indexed Job
	// (its spec.completions), which Kubernetes does not export itself.
	EnvShardCount = "RISKON_SHARD_COUNT"
)

// ShardFromEnv derives the shard from a scheduler's environment:
//
//   - Slurm job arrays: SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN (when
//     set, so --array=1-4 works as well as 0-3) of SLURM_ARRAY_TASK_COUNT;
//   - Kubernetes indexed Jobs: JOB_COMPLETION_INDEX of count, or of
//     RISKON_SHARD_COUNT when count is 0 (set it to spec.completions).
//
// It returns the whole sweep and an empty source when no scheduler variable
// is set; source names the variables used.
func ShardFromEnv(getenv func(string) string, count int) (sh Shard, source string, err error) {
	atoi := func(name string) (int, error) {
		v := strings.TrimSpace(getenv(name))
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("%s=%q is not an integer", name, v)
		}
		return n, nil
	}
	if getenv(EnvSlurmTaskID) != "" {
		id, err := atoi(EnvSlurmTaskID)
		if err != nil {
			return Shard{}, "", err
		}
		n := count
		if n == 0 {
			if getenv(EnvSlurmTaskCount) == "" {
				return Shard{}, "", fmt.Errorf("%s is set but %s is not; pass --shard-count N or --shard i/N", EnvSlurmTaskID, EnvSlurmTaskCount)
			}
			if n, err = atoi(EnvSlurmTaskCount); err != nil {
				return Shard{}, "", err
			}
		}
		lo := 0
		if getenv(EnvSlurmTaskMin) != "" {
			if lo, err = atoi(EnvSlurmTaskMin); err != nil {
				return Shard{}, "", err
			}
		}
		sh = Shard{Index: id - lo, Count: n}
		if n < 1 || sh.Index < 0 || sh.Index >= n {
			return Shard{}, "", fmt.Errorf("%s=%d (min %d) is outside an array of %d tasks; use a contiguous --array such as 0-%d", EnvSlurmTaskID, id, lo, n, n-1)
		}
		return sh, fmt.Sprintf("%s=%d of %d", EnvSlurmTaskID, id, n), nil
	}
	if getenv(EnvJobIndex) != "" {
		id, err := atoi(EnvJobIndex)
		if err != nil {
			return Shard{}, "", err
		}
		n := count
		if n == 0 {
			if getenv(EnvShardCount) == "" {
				return Shard{}, "", fmt.Errorf("%s is set but the number of parts is unknown: set %s to the Job's completions or pass --shard-count N", EnvJobIndex, EnvShardCount)
			}
			if n, err = atoi(EnvShardCount); err != nil {
				return Shard{}, "", err
			}
		}
		if n < 1 || id < 0 || id >= n {
			return Shard{}, "", fmt.Errorf("%s=%d is outside 0..%d (%d parts)", EnvJobIndex, id, n-1, n)
		}
		return Shard{Index: id, Count: n}, fmt.Sprintf("%s=%d of %d", EnvJobIndex, id, n), nil
	}
	return Shard{}, "", nil
}
