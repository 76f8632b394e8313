#!/usr/bin/python3
"""MR futures played by a rollout agent over the wire (docs/reward.md), side by side with the
in-process built-in policy, in one run.

A `collabgym serve --rollout-agent rnd=remote:…` offers a Python agent endpoint
(`collabgym.serve_agent(..., batched=True)`) that plays `collabgym.random_policy` and counts its
requests. For each batch size N, a VectorEnv steps N sessions with `rollout_policy=rnd` and, on the
same server, N sessions with `rollout_policy=random` (the same futures, played in-process):

  calls/step   act_many requests the agent received per step_many (bounded by mr_window)
  items/call   futures' turns per request
  remote ms    wall time of one step_many with the agent's futures
  local ms     the same step with the built-in policy (the environment's own time)
  per turn     remote and local time per environment turn (one step of one env)

Usage: bench/rollout_bench.py --bin build/cli/collabgym [--steps 30] [--sizes 1,8,64]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bridge" / "python"))
import collabgym  # noqa: E402


class Counting:
    def __init__(self) -> None:
        self.requests = 0
        self.items = 0

    def __call__(self, pairs):
        self.requests += 1
        self.items += len(pairs)
        return [collabgym.random_policy(obs, spec) for obs, spec in pairs]


def wait_ping(endpoint: str, proc: subprocess.Popen) -> None:
    with collabgym.Client(endpoint, timeout=0.25) as c:
        for _ in range(80):
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}")
            try:
                if c.ping().get("pong"):
                    return
            except collabgym.ServerTimeout:
                pass
    raise SystemExit("server did not answer")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=str(ROOT / "build" / "cli" / "collabgym"))
    ap.add_argument("--task", default="twenty_questions")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--sizes", default="1,8,64")
    ap.add_argument("--samples", type=int, default=3)
    ap.add_argument("--window", type=int, default=2)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        agent_ep, env_ep = f"ipc://{tmp}/agent.sock", f"ipc://{tmp}/env.sock"
        policy = Counting()
        stop, ready = threading.Event(), threading.Event()
        threading.Thread(target=collabgym.serve_agent, args=(policy, agent_ep),
                         kwargs=dict(stop=stop, ready=ready, batched=True), daemon=True).start()
        ready.wait(5)
        proc = subprocess.Popen([args.bin, "serve", "--bind", env_ep, "--rollout-agent",
                                 f"rnd=remote:{agent_ep}?timeout=30", "--log-level", "warn"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ping(env_ep, proc)
            mr = {"reward": "mr", "mr_samples": args.samples, "mr_window": args.window}
            print(f"{args.task}, MR S={args.samples} w={args.window}, {args.steps} steps per size; "
                  f"agent: Python serve_agent (batched), {os.cpu_count()} cores")
            print(f"{'N':>4} {'calls/step':>10} {'items/call':>10} {'remote ms':>10} "
                  f"{'local ms':>9} {'remote/turn':>12} {'local/turn':>11} {'x local':>8}")
            for n in sizes:
                times = {}
                for policy_name in ("random", "rnd"):
                    env = collabgym.VectorEnv(args.task, n, env_ep, timeout=60, layout="soa",
                                              options={**mr, "rollout_policy": policy_name})
                    obs, _ = env.reset(seed=1)
                    rng = np.random.default_rng(0)
                    r0, i0 = policy.requests, policy.items
                    t0 = time.perf_counter()
                    for _ in range(args.steps):
                        acts = [int(rng.choice(np.flatnonzero(m))) for m in obs["action_mask"]]
                        obs, *_ = env.step(np.array(acts))
                    times[policy_name] = (time.perf_counter() - t0) / args.steps
                    calls, items = policy.requests - r0, policy.items - i0
                    env.close()
                per_step_calls = calls / args.steps
                per_call_items = items / max(calls, 1)
                remote, local = times["rnd"], times["random"]
                print(f"{n:>4} {per_step_calls:>10.2f} {per_call_items:>10.1f} "
                      f"{remote * 1e3:>10.2f} {local * 1e3:>9.2f} "
                      f"{remote / n * 1e6:>10.0f}µs {local / n * 1e6:>9.0f}µs "
                      f"{remote / local:>7.1f}×")
        finally:
            proc.terminate()
            proc.wait(10)
            stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())
