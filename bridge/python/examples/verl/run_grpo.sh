#!/bin/sh
# GRPO on CollabGym's grocery task with veRL's multi-turn rollout (docs/training-llms.md).
# Run from the repository root, on the machine with veRL and the GPUs.
set -eu
PORT=${PORT:-5555}
export PYTHONPATH="$PWD/bridge/python${PYTHONPATH:+:$PYTHONPATH}"
build/cli/collabgym serve --bind "tcp://127.0.0.1:$PORT" &
SERVER=$!
trap 'kill $SERVER' EXIT
sleep 1
for split in train test; do
  /usr/bin/env python3 -m collabgym.integrations.verl_dataset --task grocery --split "$split" \
    --episodes 1024 --endpoint "tcp://127.0.0.1:$PORT" --out "grocery-$split.parquet"
done
python3 -m verl.trainer.main_ppo \
  algorithm.adv_estimator=grpo \
  data.train_files=grocery-train.parquet data.val_files=grocery-test.parquet \
  data.return_raw_chat=True data.max_prompt_length=2048 data.max_response_length=4096 \
  actor_rollout_ref.model.path=Qwen/Qwen2.5-3B-Instruct \
  actor_rollout_ref.rollout.name=sglang actor_rollout_ref.rollout.n=4 \
  actor_rollout_ref.rollout.multi_turn.enable=True \
  actor_rollout_ref.rollout.multi_turn.max_user_turns=12 \
  actor_rollout_ref.rollout.multi_turn.interaction_config_path=bridge/python/examples/verl/interaction.yaml \
  "$@"
