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
	EnvSlurmTaskID = "SLURM_ARRAY_TASK_ID"
	// EnvSlurmTaskCount is never used as the number of parts: a rerun of one
	// failed task (sbatch --array=3) is an array of one task. It is named here
	// so that ShardFromEnv can say so when it is the only count set.
	EnvSlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
	EnvJobIndex       = "JOB_COMPLETION_INDEX"
	// EnvShardCount gives the number of parts of a Slurm array or a
	// Kubernetes indexed Job (its spec.completions). Neither scheduler exports
	// a count that survives a rerun of one part, so it is always explicit.
	EnvShardCount = "RISKON_SHARD_COUNT"
)

// ShardFromEnv derives the shard from a scheduler's environment:
//
//   - Slurm job arrays: part SLURM_ARRAY_TASK_ID (the array counts from 0:
//     --array=0-7 for 8 parts) of count;
//   - Kubernetes indexed Jobs: part JOB_COMPLETION_INDEX of count.
//
// count is the --shard-count flag, or RISKON_SHARD_COUNT when count is 0.
// The number of parts is never taken from the size of the array
// (SLURM_ARRAY_TASK_COUNT) or from SLURM_ARRAY_TASK_MIN: resubmitting one
// failed task with sbatch --array=3 then runs part 3 of the same N, not the
// whole sweep. It returns the whole sweep and an empty source when no
// scheduler variable is set; source names the variables used.
func ShardFromEnv(getenv func(string) string, count int) (sh Shard, source string, err error) {
	atoi := func(name string) (int, error) {
		v := strings.TrimSpace(getenv(name))
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("%s=%q is not an integer", name, v)
		}
		return n, nil
	}
	var idVar, countFix string
	switch {
	case getenv(EnvSlurmTaskID) != "":
		idVar, countFix = EnvSlurmTaskID, "--array=0-%d"
	case getenv(EnvJobIndex) != "":
		idVar, countFix = EnvJobIndex, "completions: %d"
	default:
		return Shard{}, "", nil
	}
	id, err := atoi(idVar)
	if err != nil {
		return Shard{}, "", err
	}
	n, from := count, "--shard-count"
	if n == 0 {
		if getenv(EnvShardCount) == "" {
			hint := ""
			if idVar == EnvSlurmTaskID && getenv(EnvSlurmTaskCount) != "" {
				hint = fmt.Sprintf(" (%s is not used: a rerun of one task would make it 1)", EnvSlurmTaskCount)
			}
			return Shard{}, "", fmt.Errorf("%s is set but the number of parts is unknown%s: pass --shard-count N or set %s=N", idVar, hint, EnvShardCount)
		}
		if n, err = atoi(EnvShardCount); err != nil {
			return Shard{}, "", err
		}
		from = EnvShardCount
	}
	if n < 1 {
		return Shard{}, "", fmt.Errorf("%s=%d: the number of parts must be at least 1", from, n)
	}
	if id < 0 || id >= n {
		return Shard{}, "", fmt.Errorf("%s=%d is outside parts 0..%d of %d (%s); use "+countFix, idVar, id, n-1, n, from, n-1)
	}
	return Shard{Index: id, Count: n}, fmt.Sprintf("%s=%d, %s=%d", idVar, id, from, n), nil
}
