#!/usr/bin/env bash
# The main job for now: the built-in agents play 20 Questions on the test split and a results
# table is printed, then one expert game is shown turn by turn from its trace.
set -euo pipefail
BUILD="${1:-build}"
BIN="$BUILD/cli/collabgym"

echo "== environments =="
"$BIN" list
echo
echo "== random vs passive vs expert on 20 Questions (test split, 200 episodes each) =="
"$BIN" run --task twenty_questions-v0 --split test --agent random --agent passive --agent expert \
  --episodes 200 --seed 0 --reward mr
echo
echo "== the tutorial task: guess the number (a guess carries its number; acts carry features) =="
"$BIN" run --task guess_number --split test --agent random --agent passive --agent expert \
  --episodes 200 --seed 0 --reward mr
echo
echo "== asking pays on every task: expert vs passive (test split, 100 episodes, terminal reward) =="
for TASK in math_qa grocery doc_edit; do
  "$BIN" run --task "$TASK" --split test --agent passive --agent expert --episodes 100 --seed 0 \
    --reward terminal
done
echo
echo "== one expert game, from its trace =="
TRACE="$(mktemp --suffix=.jsonl)"
trap 'rm -f "$TRACE"' EXIT
"$BIN" run --task twenty_questions-v0 --split test --agent expert --episodes 1 --seed 7 \
  --trace "$TRACE" --json > /dev/null
/usr/bin/python3 - "$TRACE" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "turn":
        extra = f'   [reward {r["reward"]:+.3f}]' if r["who"] == "user" and r["turn"] > 0 else ""
        print(f'{r["who"]:>5}: {r["text"]}{extra}')
    elif r["type"] == "end":
        print(f'-- {r["turns"]} turns, success={r["success"]}, score={r["score"]:.3f}')
PY
"$BIN" replay "$TRACE"

echo
echo "== the same environments over ZeroMQ: a Python agent against collabgym serve =="
SOCK="ipc://$(mktemp -u --suffix=.sock)"
"$BIN" serve --bind "$SOCK" --log-level warn &
SERVER=$!
trap 'rm -f "$TRACE"; kill "$SERVER" 2>/dev/null || true' EXIT
PYTHONPATH=bridge/python /usr/bin/python3 bridge/python/examples/random_agent.py --endpoint "$SOCK" --episodes 20
kill -TERM "$SERVER" && wait "$SERVER"

if "$BIN" train --help > /dev/null 2>&1 && "$BIN" train --help | grep -q -- --total-steps; then
  echo
  echo "== learning when to ask: PPO (act-scoring policy) on the 16-object scenario's 12 train objects =="
  RUN="$(mktemp -d)"
  "$BIN" train --task twenty_questions --scenario scenarios/twenty_questions/small.json --split train \
    --reward terminal --total-steps 30000 --seed 1 --out "$RUN" --force
  echo "-- evaluated on objects it never saw (the small scenario's test split, then the full catalog's) --"
  "$BIN" run --task twenty_questions --scenario scenarios/twenty_questions/small.json --split test \
    --reward terminal --agent "ppo:$RUN" --agent random -n 200
  "$BIN" run --task twenty_questions --scenario scenarios/twenty_questions/common.json --split test \
    --reward terminal --agent "ppo:$RUN" --agent passive --agent expert -n 200
  rm -rf "$RUN"
fi
