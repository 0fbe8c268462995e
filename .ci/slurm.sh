#!/usr/bin/env bash
# CI: the Slurm job array of docs/DISTRIBUTED.md, end to end, on a single-node
# cluster started here on localhost from Debian's packages (slurm-wlm, munge).
#
# It builds riskon, imports seeded synthetic RUT and BTC bars into a data
# database, submits deploy/slurm/submit.sh for a 4-task array plus the merge,
# and checks that the merged sweep's trials equal, byte for byte as CSV, the
# same sweep run in one process; then it resubmits one task alone
# (sbatch --array=2) and checks it ran part 2 of 4, not the whole sweep.
#
# Needs root (to install packages and run the daemons) unless slurmctld,
# slurmd and munged are already installed and it may start them. Every wait is
# bounded; a daemon that does not come up fails the step with its log.
# RISKON_CI_SLURM=skip skips it; without root and without Slurm it skips
# loudly unless RISKON_CI_SLURM=require.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export CGO_ENABLED=1

if [ "${RISKON_CI_SLURM:-}" = skip ]; then echo "== slurm: skipped (RISKON_CI_SLURM=skip)"; exit 0; fi
need=()
for c in slurmctld slurmd sbatch munged jq; do command -v "$c" >/dev/null || need+=("$c"); done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    msg="slurm: missing ${need[*]} and not root to install slurm-wlm, munge, jq"
    if [ "${RISKON_CI_SLURM:-}" = require ]; then echo "FAIL $msg"; exit 1; fi
    echo "== SKIPPED $msg"; exit 0
  fi
  echo "== installing slurm-wlm, munge, jq"
  export DEBIAN_FRONTEND=noninteractive
  timeout 900 apt-get update -qq
  timeout 900 apt-get install -y -qq slurm-wlm munge jq >/dev/null
fi

w=$(mktemp -d /tmp/riskon-slurm.XXXXXX)
chmod 755 "$w"
pids=()
started_munge=
fail() { echo "FAIL slurm: $*"; for f in "$w"/slurm/*.log "$w"/out/logs/*; do [ -f "$f" ] && { echo "---- $f"; tail -n 40 "$f"; }; done; exit 1; }
cleanup() {
  set +e
  if [ -n "${SLURM_CONF:-}" ]; then timeout 10 scancel --user="$(id -un)" >/dev/null 2>&1; fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null; kill -9 "$p" 2>/dev/null; done
  [ -n "$started_munge" ] && kill "$started_munge" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$w"
}
trap cleanup EXIT

echo "== slurm: build riskon and synthetic data in $w"
go build -o "$w/riskon" ./cmd/riskon
cp -r configs deploy "$w/"
# Seeded synthetic bars; dates from day numbers (civil-from-days, Hinnant),
# so any awk works. RUT on weekdays (NYSE), BTC every day.
gen() { # gen START_PRICE DRIFT VOL SEED WEEKDAYS_ONLY
  awk -v p="$1" -v mu="$2" -v sd="$3" -v seed="$4" -v wk="$5" '
  function civil(z,   era, doe, yoe, doy, mp, d, m, y) {
    z += 719468; era = int(z / 146097); doe = z - era * 146097
    yoe = int((doe - int(doe/1460) + int(doe/36524) - int(doe/146096)) / 365)
    y = yoe + era * 400; doy = doe - (365*yoe + int(yoe/4) - int(yoe/100))
    mp = int((5*doy + 2)/153); d = doy - int((153*mp + 2)/5) + 1
    m = mp < 10 ? mp + 3 : mp - 9; if (m <= 2) y++
    return sprintf("%04d-%02d-%02d", y, m, d) }
  BEGIN { srand(seed); print "date,open,high,low,close,volume"
    for (i = 15341; i < 15341 + 3000; i++) {   # 2012-01-02 (a Monday) on
      if (wk && (i + 3) % 7 >= 5) continue        # 1970-01-01 was a Thursday
      u1 = rand(); u2 = rand(); z = sqrt(-2*log(u1 + 1e-12)) * cos(6.283185307*u2)
      o = p; c = p * exp(mu + sd*z); hi = (o > c ? o : c) * (1 + rand()*sd/2); lo = (o < c ? o : c) * (1 - rand()*sd/2)
      printf "%s,%.4f,%.4f,%.4f,%.4f,%d\n", civil(i), o, hi, lo, c, 1000 + int(rand()*1000); p = c } }'
}
gen 800 0.0003 0.012 1 1 >"$w/RUT.csv"
gen 10 0.002 0.04 2 0 >"$w/BTC.csv"
cd "$w"
./riskon data import RUT.csv --symbol RUT --calendar nyse --db riskon.duckdb >/dev/null
./riskon data import BTC.csv --symbol BTC --calendar 24x7 --db riskon.duckdb >/dev/null

echo "== slurm: start munge and a single-node cluster on localhost"
mkdir -p slurm/state slurm/spool
if ! timeout 5 sh -c 'munge -n | unmunge' >/dev/null 2>&1; then
  install -d -o munge -g munge -m 0755 /run/munge
  [ -f /etc/munge/munge.key ] || timeout 60 mungekey --create >/dev/null 2>&1 || timeout 60 create-munge-key -f >/dev/null
  chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
  timeout 10 runuser -u munge -- /usr/sbin/munged || { tail -n 20 /var/log/munge/munged.log; fail "munged did not start"; }
  started_munge=$(cat /run/munge/munged.pid 2>/dev/null || true)
  for _ in $(seq 50); do timeout 5 sh -c 'munge -n | unmunge' >/dev/null 2>&1 && break; sleep 0.2; done
  timeout 5 sh -c 'munge -n | unmunge' >/dev/null 2>&1 || fail "munge does not answer"
fi
node=$(hostname -s)
mem=$(awk '/MemTotal/ {print int($2/1024) - 512}' /proc/meminfo)
cat >slurm/slurm.conf <<CONF
ClusterName=riskonci
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$w/slurm/state
SlurmdSpoolDir=$w/slurm/spool
SlurmctldPidFile=$w/slurm/slurmctld.pid
SlurmdPidFile=$w/slurm/slurmd.pid
SlurmctldLogFile=$w/slurm/slurmctld.log
SlurmdLogFile=$w/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=3600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$w/slurm/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >>slurm/slurmctld.log 2>&1 & pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >>slurm/slurmd.log 2>&1 & pids+=($!)
up=
for _ in $(seq 60); do
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a Slurm daemon exited"; done
  if timeout 5 sinfo -h -N -o '%T' 2>/dev/null | grep -qx 'idle'; then up=1; break; fi
  sleep 1
done
[ -n "$up" ] || fail "node $node not idle after 60 s: $(timeout 5 sinfo -N 2>&1)"

# wait_jobs JOBID... : until none is pending or running (bounded).
wait_jobs() {
  local ids; ids=$(IFS=,; echo "$*")
  for _ in $(seq 600); do
    [ -z "$(timeout 10 squeue -h -j "$ids" -t PD,R,CG,CF,RQ,S 2>/dev/null)" ] && return 0
    sleep 1
  done
  fail "jobs $ids still queued or running after 600 s: $(timeout 5 squeue 2>&1)"
}
# state JOBID : the job's final state (kept for MinJobAge).
state() { timeout 10 scontrol -o show job "$1" | tr ' ' '\n' | sed -n 's/^JobState=//p' | sort -u | paste -sd, -; }

echo "== slurm: deploy/slurm/submit.sh, 4 parts + merge"
msg=$(RISKON_SHARD_COUNT=4 timeout 60 deploy/slurm/submit.sh --array=0-3) || fail "submit: $msg"
echo "$msg"
jid=$(echo "$msg" | awk '{print $2}'); mid=$(echo "$msg" | awk '{print $4}')
wait_jobs "$jid" "$mid"
[ "$(state "$jid")" = COMPLETED ] || fail "array $jid: $(state "$jid")"
[ "$(state "$mid")" = COMPLETED ] || fail "merge $mid: $(state "$mid")"
for i in 0 1 2 3; do
  log="out/logs/r2k-sweep-${jid}_$i.out"
  grep -q "shard $i/4 from SLURM_ARRAY_TASK_ID=$i" "$log" || fail "$log does not say part $i/4"
done
merged="out/parts/$jid/merged.json"
sid=$(jq -r '.sweep_id // .id' "$merged") || fail "no sweep id in $merged"
[ -n "$sid" ] && [ "$sid" != null ] || fail "no sweep id in $merged"

echo "== slurm: the same sweep in one process"
cp riskon.duckdb single.duckdb
./riskon sweep -c configs/sweeps/r2k_grid.yaml --db single.duckdb --output json >single.json
[ "$(jq -r '.sweep_id // .id' single.json)" = "$sid" ] || fail "single-process sweep id differs from $sid"
./riskon export "$sid" --format csv --out cmp/single --db single.duckdb >/dev/null
./riskon export "$sid" --format csv --out cmp/merged --db "out/sweep-$jid.duckdb" >/dev/null
t1=$(ls cmp/single/*trials*.csv); t2=$(ls cmp/merged/*trials*.csv)
n=$(($(wc -l <"$t1") - 1))
[ "$n" -gt 0 ] || fail "no trials exported"
cmp -s "$t1" "$t2" || { diff "$t1" "$t2" | head -20; fail "merged trials differ from the single-process sweep"; }
for k in dsr pbo; do
  a=$(jq -c ".$k" single.json); b=$(jq -c ".$k" "$merged")
  [ "$a" = "$b" ] || fail "$k differs: single $a, merged $b"
done
echo "ok: $n trials merged from 4 array tasks equal the single-process sweep (trials CSV, DSR, PBO)"

echo "== slurm: requeue task 0 (its log keeps the first run)"
timeout 10 scontrol requeue "${jid}_0" || fail "scontrol requeue ${jid}_0"
# Slurm holds a requeued job back for two minutes (its BeginTime): start it now.
timeout 10 scontrol update JobId="${jid}_0" StartTime=now >/dev/null 2>&1 || true
wait_jobs "$jid"
[ "$(state "${jid}_0")" = COMPLETED ] || fail "requeued ${jid}_0: $(state "${jid}_0")"
runs=$(grep -c "shard 0/4 from SLURM_ARRAY_TASK_ID=0" "out/logs/r2k-sweep-${jid}_0.out")
[ "$runs" = 2 ] || fail "the log of the requeued task holds $runs runs, want 2 (first run kept, --open-mode=append)"
echo "ok: the requeued task appended to its first log"

echo "== slurm: rerun task 2 alone (sbatch --array=2)"
rid=$(RISKON_SHARD_COUNT=4 timeout 60 sbatch --parsable --array=2 deploy/slurm/sweep.sbatch) || fail "rerun submit"
rid=${rid%%;*}
wait_jobs "$rid"
[ "$(state "$rid")" = COMPLETED ] || fail "rerun $rid: $(state "$rid")"
grep -q "shard 2/4 from SLURM_ARRAY_TASK_ID=2" "out/logs/r2k-sweep-${rid}_2.out" || fail "the rerun did not run part 2/4"
ls "out/parts/$rid/$sid.part-2-of-4.trials.parquet" >/dev/null || fail "the rerun did not write part 2 of 4"
echo "ok: a rerun of one task runs part 2/4"
