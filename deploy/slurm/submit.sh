#!/bin/bash
# Submit a sweep as a Slurm job array and a merge job that runs when every
# task has succeeded. Run from the repository root, after
# `go build -o riskon ./cmd/riskon` and building the data database:
#
#   deploy/slurm/submit.sh                                   # 8 parts
#   RISKON_SHARD_COUNT=4 deploy/slurm/submit.sh --array=0-3  # 4 parts
#
# Extra arguments go to the array's sbatch. Everything is written under out/
# (git-ignored): out/logs/, out/parts/JOBID/ and the merged database
# out/sweep-JOBID.duckdb with out/parts/JOBID/merged.json.
set -euo pipefail
mkdir -p out/logs
jid=$(sbatch --parsable "$@" deploy/slurm/sweep.sbatch)
jid=${jid%%;*}   # "JOBID;CLUSTER" on multi-cluster setups
# --kill-on-invalid-dep: when a task fails for good the merge is cancelled
# instead of waiting forever.
mid=$(sbatch --parsable --dependency="afterok:$jid" --kill-on-invalid-dep=yes \
    --job-name=r2k-merge --output=out/logs/%x-%j.out --open-mode=append \
    --wrap "./riskon sweep merge out/parts/$jid --db out/sweep-$jid.duckdb --output json > out/parts/$jid/merged.json")
echo "array $jid  merge ${mid%%;*}"
