#!/usr/bin/env bash
# The demo: a leaderboard over every built-in task with the built-in agents and one Python agent
# served over ZeroMQ (docs/leaderboard.md), one expert game from its trace, a Python client against
# `collabgym serve`, and (torch builds) a short PPO run.
set -euo pipefail
BUILD="${1:-build}"
BIN="$BUILD/cli/collabgym"
PY=/usr/bin/python3
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== environments =="
"$BIN" list
echo

echo "== the environment server on loopback: a Python client plays 20 episodes over ZeroMQ =="
ENV_EP="tcp://127.0.0.1:$((20000 + RANDOM % 20000))"
"$BIN" serve --bind "$ENV_EP" --log-level warn &
SERVER=$!
PIDS+=("$SERVER")
PYTHONPATH=bridge/python "$PY" bridge/python/examples/random_agent.py --endpoint "$ENV_EP" --episodes 20
echo

echo "== a Python agent served on loopback (collabgym.serve_agent) =="
AGENT_EP="tcp://127.0.0.1:$((20000 + RANDOM % 20000))"
PYTHONPATH=bridge/python "$PY" - "$AGENT_EP" <<'PY' &
import sys
import collabgym

def ask_then_answer(obs, spec):
    """Asks the task's first four questions (the legal ask:* acts, in order), then drafts and
    answers with the first of answer, guess, draft/finish that is legal. Sees only what a remote
    agent sees: the spec's act names and the observation."""
    acts, turn = spec["acts"], obs["turn"]
    legal = [i for i, ok in enumerate(obs["action_mask"]) if ok]
    asks = [i for i in legal if acts[i].startswith("ask:")]
    if turn < 4 and turn < len(asks):
        return asks[turn]
    by_name = {acts[i]: i for i in legal}
    for name in ("answer", "guess", "draft" if turn == 4 else "finish"):
        if name in by_name:
            return by_name[name]
    answers = [i for i in legal if not acts[i].startswith("ask")]
    return (answers or legal)[0]

collabgym.serve_agent(ask_then_answer, sys.argv[1], name="ask-then-answer")
PY
AGENT=$!
PIDS+=("$AGENT")
echo "serving ask-then-answer at $AGENT_EP"
echo

echo "== leaderboard: every task × random, passive, expert and the Python agent (test split) =="
BOARD="$WORK/leaderboard"
"$BIN" leaderboard --tasks all --agents "random,passive,expert,remote:$AGENT_EP" \
  --episodes 20 --seeds 3 --split test --reward mr --jobs 2 --out "$BOARD"
"$BIN" leaderboard --verify "$BOARD"
echo

echo "== MR with the agent's own futures: the Python agent also plays the futures (docs/reward.md) =="
for policy in expert "remote:$AGENT_EP"; do
  echo "-- rollout policy: $policy"
  "$BIN" run --task grocery --agent "remote:$AGENT_EP" --episodes 10 --seed 1 --reward mr \
    --rollout-policy "$policy"
done
kill -TERM "$AGENT" 2>/dev/null || true
kill -TERM "$SERVER" && wait "$SERVER"
PIDS=()
REPORT="$BUILD/leaderboard-demo"
rm -rf "$REPORT"
cp -r "$BOARD" "$REPORT"
echo "the report is kept in $REPORT: open file://$(cd "$REPORT" && pwd)/leaderboard.html"
echo

echo "== one expert game, from its trace =="
TRACE="$WORK/expert.jsonl"
"$BIN" run --task twenty_questions --split test --agent expert --episodes 1 --seed 7 \
  --trace "$TRACE" --json > /dev/null
"$PY" - "$TRACE" <<'PY'
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

# Builds without libtorch have no ppo: agents (and `train` says so): skip the learning part there.
PPO_PROBE="$("$BIN" run -t guess_number -a ppo:/nonexistent -n 1 2>&1 || true)"
if [[ "$PPO_PROBE" != *"no loader for 'ppo:'"* ]]; then
  echo
  echo "== learning when to ask: PPO (act-scoring policy) on the 16-object scenario's 12 train objects =="
  RUN="$WORK/ppo"
  "$BIN" train --task twenty_questions --scenario scenarios/twenty_questions/small-v2.json --split train \
    --reward terminal --total-steps 30000 --seed 1 --out "$RUN" --force
  echo "-- evaluated on objects it never saw (the small scenario's test split, then the full catalog's) --"
  "$BIN" run --task twenty_questions --scenario scenarios/twenty_questions/small-v2.json --split test \
    --reward terminal --agent "ppo:$RUN" --agent random -n 200
  "$BIN" run --task twenty_questions --scenario scenarios/twenty_questions/common-v2.json --split test \
    --reward terminal --agent "ppo:$RUN" --agent passive --agent expert -n 200
fi
