package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// docCommand is one command line of a fenced sh block of the README or docs.
type docCommand struct {
	File string // README.md, docs/X.md
	Line string // the command as written (continuations joined, comment cut)
}

// docCommands extracts the commands of every ```sh block of the README and
// docs/*.md, in file order (README first). ```bash blocks are scripts shown
// whole (sweep.sbatch), not commands to type, and are left out.
func docCommands(root string) ([]docCommand, error) {
	files := []string{"README.md"}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		files = append(files, filepath.Join("docs", filepath.Base(d)))
	}
	block := regexp.MustCompile("(?s)```sh\n(.*?)```")
	var out []docCommand
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return nil, err
		}
		for _, m := range block.FindAllStringSubmatch(string(b), -1) {
			body := strings.ReplaceAll(m[1], "\\\n", " ")
			for _, l := range strings.Split(body, "\n") {
				l = strings.TrimSpace(l)
				if i := strings.Index(l, "  #"); i >= 0 {
					l = strings.TrimSpace(l[:i])
				}
				if l == "" || strings.HasPrefix(l, "#") {
					continue
				}
				out = append(out, docCommand{File: f, Line: l})
			}
		}
	}
	return out, nil
}

// docSkip says why a documented command is not run by TestDocsCommands, or
// "" when it is run. slow commands run only with RISKON_DOCS_WALK=full.
func docSkip(c docCommand, full bool) string {
	l := c.Line
	switch {
	case strings.HasPrefix(l, "[") || strings.Contains(l, " FILE [") || strings.Contains(l, "[--"):
		return "a synopsis, not a command"
	case strings.Contains(l, "data fetch") || strings.Contains(l, "data update"):
		return "needs the network"
	case strings.Contains(l, "~/"):
		return "a file of the reader's own"
	case strings.Contains(l, "node*/") || strings.Contains(l, "JOBID") || strings.Contains(l, "NEWID"):
		return "names the reader's own cluster jobs"
	case regexp.MustCompile(`^(RISKON_SHARD_COUNT=\S+ )?(sbatch|sacct|deploy/slurm/)`).MatchString(l):
		return "needs a Slurm cluster (run by .ci/slurm.sh)"
	case strings.HasPrefix(l, "kubectl") || strings.HasPrefix(l, "docker"):
		return "needs a Kubernetes cluster or a container daemon (not run; docs/DISTRIBUTED.md says so)"
	case !full && (strings.HasPrefix(l, "go test") || strings.Contains(l, "bench")):
		return "slow (RISKON_DOCS_WALK=full runs it)"
	}
	return ""
}

// TestDocsCommands is the acceptance test of the first minutes: every
// command of the README and docs, run as written in a fresh clone of the
// committed tree with ../shared beside it, succeeds, and the clone's git
// status is clean afterwards (every output lands in git-ignored places).
// Placeholders (RUN_ID, RUN_A, SWEEP_ID, big.yaml, ...) are replaced by the
// runs and sweeps the earlier commands stored. Commands that need the
// network, a cluster or the reader's own files are listed as skipped with
// the reason. It skips when ../shared is absent or with -short; each command
// has 5 minutes.
func TestDocsCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the docs walk builds riskon and imports the real data")
	}
	shared, err := filepath.Abs(filepath.Join("..", "..", "..", "shared"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(shared, "data", "raw", "MANIFEST.md")); err != nil {
		t.Skipf("../shared not found beside the repository (%v): the docs' commands need its data", err)
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	top := t.TempDir()
	clone := filepath.Join(top, "riskon")
	if out, err := exec.Command("git", "clone", "-q", repo, clone).CombinedOutput(); err != nil {
		t.Skipf("cannot clone %s: %v %s", repo, err, out)
	}
	if err := os.Symlink(shared, filepath.Join(top, "shared")); err != nil {
		t.Fatal(err)
	}
	full := os.Getenv("RISKON_DOCS_WALK") == "full"
	env := append(os.Environ(), "PATH="+clone+string(os.PathListSeparator)+os.Getenv("PATH"), "RISKON_DB=", "RISKON_OUT=", "RISKON_DATA=")
	run := func(line string, limit time.Duration) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "-c", "set -o pipefail; "+line)
		cmd.Dir, cmd.Env = clone, env
		var b bytes.Buffer
		cmd.Stdout, cmd.Stderr = &b, &b
		err := cmd.Run()
		if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %v", limit)
		}
		return b.String(), err
	}
	// riskon on PATH from the start (the README's go build line rebuilds it).
	if out, err := run("go build -o riskon ./cmd/riskon", 15*time.Minute); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmds, err := docCommands(clone)
	if err != nil {
		t.Fatal(err)
	}
	ids := func() (runs, sweeps []string) {
		if out, err := run("./riskon runs -n 5 -o json", time.Minute); err == nil {
			var v struct {
				Runs []struct {
					RunID string `json:"run_id"`
				} `json:"runs"`
			}
			if json.Unmarshal([]byte(out), &v) == nil {
				for _, r := range v.Runs {
					runs = append(runs, r.RunID)
				}
			}
		}
		if out, err := run("./riskon sweep list -o json", time.Minute); err == nil {
			sweeps = regexp.MustCompile(`"sweep_id":\s*"([^"]+)"`).FindAllString(out, -1)
			for i, s := range sweeps {
				sweeps[i] = regexp.MustCompile(`"([^"]+)"$`).FindStringSubmatch(s)[1]
			}
		}
		return runs, sweeps
	}
	placeholder := regexp.MustCompile(`\b(RUN_ID|RUN_A|RUN_B|RUN_C|RUN|SWEEP_ID|SWEEP|r2k-grid-[0-9a-f]{12})\b`)
	ran, skipped := 0, 0
	for _, c := range cmds {
		if why := docSkip(c, full); why != "" {
			t.Logf("skip  %s: %s (%s)", c.File, c.Line, why)
			skipped++
			continue
		}
		// A shell variable set on its own line (ALTS=...) holds for the
		// lines after it, as in the reader's shell.
		if m := regexp.MustCompile(`^([A-Z_][A-Z0-9_]*)=(\S+)$`).FindStringSubmatch(c.Line); m != nil {
			env = append(env, m[1]+"="+m[2])
			t.Logf("set   %s: %s", c.File, c.Line)
			continue
		}
		line := strings.ReplaceAll(c.Line, "big.yaml", "configs/sweeps/r2k_grid.yaml")
		if strings.HasPrefix(line, "source <(") {
			line = strings.TrimSuffix(strings.TrimPrefix(line, "source <("), ")") + " >/dev/null"
		}
		if placeholder.MatchString(line) {
			runs, sweeps := ids()
			pick := func(xs []string, i int) string {
				if i < len(xs) {
					return xs[i]
				}
				return ""
			}
			missing := false
			line = placeholder.ReplaceAllStringFunc(line, func(p string) string {
				var v string
				switch p {
				case "RUN_ID", "RUN", "RUN_A":
					v = pick(runs, 0)
				case "RUN_B":
					v = pick(runs, 1)
				case "RUN_C":
					v = pick(runs, 2)
				default:
					// SWEEP, SWEEP_ID and literal grid ids stand for the
					// flagship grid the docs' examples are written for
					// (its keys, its trial numbers), else the first sweep.
					for _, s := range sweeps {
						if strings.HasPrefix(s, "r2k-grid-") {
							v = s
							break
						}
					}
					if v == "" && !strings.HasPrefix(p, "r2k-grid-") {
						v = pick(sweeps, 0)
					}
				}
				if v == "" {
					missing = true
				}
				return v
			})
			if missing {
				t.Errorf("%s: %s: no stored run or sweep to put in its placeholders yet (order the docs so it follows one)", c.File, c.Line)
				continue
			}
		}
		t0 := time.Now()
		out, err := run(line, 5*time.Minute)
		ran++
		if err != nil {
			tail := out
			if len(tail) > 1500 {
				tail = "..." + tail[len(tail)-1500:]
			}
			t.Errorf("%s: %s\n  ran: %s\n  %v\n%s", c.File, c.Line, line, err, tail)
			continue
		}
		t.Logf("ok    %s: %s (%.1fs)", c.File, line, time.Since(t0).Seconds())
	}
	t.Logf("%d commands run, %d skipped", ran, skipped)
	out, err := exec.Command("git", "-C", clone, "status", "--porcelain", "--ignored=no").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("git status is not clean after the docs' commands:\n%s", s)
	}
}
