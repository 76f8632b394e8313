#!/usr/bin/env bash
# The Slurm recipes against a real Slurm. Brings up a one-node cluster in a temporary folder
# (munge key and munged, slurmctld, slurmd, a generated slurm.conf on free loopback ports), then:
# - the sharded leaderboard (docs/leaderboard.md "Slurm"): writes the job files with `leaderboard
#   --emit-slurm`, submits them with the generated submit.sh (the shards as an array, the merge
#   after it), waits with bounded polling, and checks that the merged report equals a
#   single-process run byte for byte and that `leaderboard --verify` passes on it;
# - where the learners are built, a seed sweep of `train` (docs/learners.md "Seed sweeps"): one
#   array task per seed, the summary after them; each seed's checkpoint and evaluation equal a
#   local run of that seed byte for byte, and the summary covers every seed.
# Everything is stopped at the end.
#
# Exit 77 (ctest: skipped) with the reason when Slurm cannot start here: its programs missing
# (scripts/install-deps.sh installs them), or not root (slurmd runs jobs as their users).
set -uo pipefail

BIN=${COLLABGYM_BIN:?COLLABGYM_BIN must name the collabgym program}
skip() { echo "SKIPPED: $*" >&2; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }

for p in munged slurmctld slurmd sbatch squeue scontrol; do
  command -v "$p" >/dev/null || skip "no $p: install slurm-wlm and munge (scripts/install-deps.sh)"
done
[ "$(id -u)" -eq 0 ] || skip "slurmd must run as root to start jobs; run this test as root"

D=$(mktemp -d /tmp/collabgym-slurm.XXXXXX)
export SLURM_CONF=$D/slurm.conf
cleanup() {
  scontrol shutdown >/dev/null 2>&1
  for i in $(seq 50); do pgrep -f "$D/slurm.conf" >/dev/null || break; sleep 0.1; done
  pkill -f "$D/slurm.conf" 2>/dev/null
  munged -s --socket="$D/munge.sock" >/dev/null 2>&1
  if [ "${KEEP_SLURM_DIR:-0}" = 1 ]; then echo "kept $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT
mkdir -p "$D/state" "$D/spool" "$D/work"

# munge: a fresh key and a daemon of our own on its own socket.
head -c 1024 /dev/urandom > "$D/munge.key" && chmod 600 "$D/munge.key"
munged --key-file="$D/munge.key" --socket="$D/munge.sock" --log-file="$D/munged.log" \
  --pid-file="$D/munged.pid" --seed-file="$D/munged.seed" --force \
  || skip "munged does not start: $(tail -n 3 "$D/munged.log" 2>/dev/null)"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CTLD_PORT=$(free_port); SLURMD_PORT=$(free_port)
HOST=$(hostname -s)
CPUS=$(nproc)
cat > "$SLURM_CONF" <<CONF
ClusterName=collabgym-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$D/munge.sock
CredType=cred/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f "$SLURM_CONF" || skip "slurmctld does not start: $(tail -n 5 "$D/slurmctld.log")"
slurmd -f "$SLURM_CONF" || skip "slurmd does not start: $(tail -n 5 "$D/slurmd.log")"
up=0
for i in $(seq 100); do
  if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then up=1; break; fi
  sleep 0.2
done
[ $up = 1 ] || skip "the node did not come up: $(sinfo 2>&1; tail -n 5 "$D/slurmd.log")"

# The run: several tasks, two agents, seeds, shards that do not divide the units evenly.
FLAGS=(--tasks guess_number-v0,twenty_questions-v0,math_qa-v0 --agents random,expert -n 5
       --seeds 2 --reward terminal --resamples 200)
SHARDS=3
cd "$D/work"
"$BIN" leaderboard "${FLAGS[@]}" --emit-slurm jobs --slurm-shards $SHARDS \
  --slurm-sbatch=--time=00:10:00 --out board || fail "--emit-slurm"
for f in leaderboard.sbatch merge.sbatch submit.sh; do
  [ -x "jobs/$f" ] || fail "--emit-slurm did not write an executable jobs/$f"
done
grep -q "^#SBATCH --array=0-$((SHARDS - 1))$" jobs/leaderboard.sbatch || fail "no array line"
grep -q '^#SBATCH --time=00:10:00$' jobs/merge.sbatch || fail "--slurm-sbatch not written"

# Submits DIR/submit.sh and waits (bounded polling: 240 s) until the array and the job after it
# have left the queue; sets `elapsed` (seconds from submit).
submit_and_wait() {
  local start ids done_=0
  start=$(date +%s.%N)
  "$1/submit.sh" || fail "$1/submit.sh: $(tail -n 5 "$D/slurmctld.log")"
  read -r ids < "$1/job-ids"
  for i in $(seq 1200); do
    if [ -z "$(squeue -h -j "${ids/ /,}" 2>/dev/null)" ]; then done_=1; break; fi
    sleep 0.2
  done
  elapsed=$(echo "$(date +%s.%N) - $start" | bc)
  [ $done_ = 1 ] || fail "jobs $ids still queued after 240 s: $(squeue)"
}
submit_and_wait jobs
for i in $(seq 0 $((SHARDS - 1))); do
  [ -f "jobs/shards/$i/results.json" ] || fail "shard $i wrote no results: $(cat jobs/logs/shard-$i.log)"
done
[ -f board/results.json ] || fail "the merge job wrote no report: $(cat jobs/logs/merge.log 2>&1)"

"$BIN" leaderboard "${FLAGS[@]}" --out single >/dev/null 2>&1 || fail "single-process run"
for f in leaderboard.md leaderboard.html results.csv results.json; do
  cmp -s "board/$f" "single/$f" || fail "merged $f differs from a single-process run: $(diff board/$f single/$f | head -n 20)"
done
diff -r board/traces single/traces >/dev/null || fail "merged traces differ from a single-process run"
"$BIN" leaderboard --verify board >"$D/verify.log" 2>&1 || fail "verify: $(cat "$D/verify.log")"
episodes=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["episodes"]))' board/results.json)
echo "slurm leaderboard: $SHARDS array tasks + 1 merge job (afterok), $episodes episodes, ${elapsed} s from submit to merged; merged report byte-identical to a single-process run; verify passed"

# The seed sweep of `train`, where this build has the learners.
if ! "$BIN" train -t guess_number --reward terminal --total-steps 16 --num-envs 1 \
    --out "$D/probe" >"$D/probe.log" 2>&1; then
  grep -q "no learners" "$D/probe.log" || fail "train: $(cat "$D/probe.log")"
  echo "slurm train sweep: not run, this build has no learners ($(cat "$D/probe.log"))"
  exit 0
fi
SEEDS=(3 5)
TRAIN=(-t guess_number --reward terminal --total-steps 2048 --num-envs 8)
"$BIN" train "${TRAIN[@]}" --out sweep --emit-slurm sweep-jobs --slurm-seeds 3,5 \
  --eval-episodes 20 --slurm-sbatch=--time=00:10:00 || fail "train --emit-slurm"
grep -q '^#SBATCH --array=0-1$' sweep-jobs/train.sbatch || fail "no array line in train.sbatch"
submit_and_wait sweep-jobs
for s in "${SEEDS[@]}"; do
  [ -f "sweep/seed-$s/eval.json" ] || fail "seed $s: no eval.json: $(cat sweep-jobs/logs/seed-*.log)"
  "$BIN" train "${TRAIN[@]}" --seed "$s" --out "local-$s" >/dev/null 2>&1 || fail "local train $s"
  cmp -s "sweep/seed-$s/checkpoint.pt" "local-$s/checkpoint.pt" \
    || fail "seed $s: the job's checkpoint differs from a local run of the same seed"
  "$BIN" run -t guess_number --split test --reward terminal -n 20 --seed 100000 \
    --agent "ppo:$PWD/sweep/seed-$s" --json > "local-$s.json" || fail "local eval $s"
  cmp -s "sweep/seed-$s/eval.json" "local-$s.json" \
    || fail "seed $s: the job's evaluation differs: $(diff "sweep/seed-$s/eval.json" "local-$s.json")"
done
[ -f sweep/summary.txt ] || fail "the summary job wrote nothing: $(cat sweep-jobs/logs/summary.log)"
/usr/bin/python3 - sweep/summary.json "${SEEDS[@]}" <<'PY' || fail "summary.json: $(cat sweep/summary.json)"
import json, sys
s = json.load(open(sys.argv[1]))
want = [int(x) for x in sys.argv[2:]]
assert [r["seed"] for r in s["seeds"]] == want, s["seeds"]
rates = [r["eval"]["success_rate"] for r in s["seeds"]]
assert abs(s["over_seeds"]["eval_success_rate"]["mean"] - sum(rates) / len(rates)) < 1e-12
assert s["over_seeds"]["eval_success_rate"]["n"] == len(want)
PY
echo "slurm train sweep: ${#SEEDS[@]} array tasks (train + eval) + 1 summary job (afterok), ${elapsed} s from submit to summary; each seed's checkpoint and evaluation byte-identical to a local run"
