"""The Python client's steps per second against a running server (run by collab_bench_bridge).

Usage: PYTHONPATH=bridge/python /usr/bin/python3 bench/python_client_bench.py --endpoint EP
Prints one line per measure: single-env steps/s (one round trip a step) and vector-env
env-steps/s over step_many at 16 and 256 environments. 20 Questions, act mode, reward=terminal.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import collabgym


def random_legal(mask: np.ndarray, rng: np.random.Generator) -> int:
    return int(rng.choice(np.flatnonzero(mask)))


def single(endpoint: str, steps: int) -> float:
    rng = np.random.default_rng(0)
    with collabgym.make("twenty_questions-v0", endpoint=endpoint, reward="terminal") as env:
        obs, _ = env.reset(seed=0)
        busy, done_steps, seed = 0.0, 0, 1
        while done_steps < steps:
            act = random_legal(obs["action_mask"], rng)
            t0 = time.perf_counter()
            obs, _, terminated, truncated, _ = env.step(act)
            busy += time.perf_counter() - t0
            done_steps += 1
            if terminated or truncated:
                obs, _ = env.reset(seed=seed)
                seed += 1
    return steps / busy


def vector(endpoint: str, n: int, rounds: int) -> float:
    rng = np.random.default_rng(0)
    with collabgym.VectorEnv("twenty_questions-v0", n, endpoint=endpoint, reward="terminal") as venv:
        obs, _ = venv.reset(seed=0)
        t0 = time.perf_counter()
        for _ in range(rounds):
            masks = obs["action_mask"]
            acts = [random_legal(masks[i], rng) for i in range(n)]
            obs, *_ = venv.step(acts)
        return n * rounds / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", default=collabgym.DEFAULT_ENDPOINT)
    p.add_argument("--steps", type=int, default=5000)
    a = p.parse_args()
    print(f"{'Python client (one env, step)':<44} {single(a.endpoint, a.steps):>12.0f} steps/s")
    print(f"{'Python VectorEnv, 16 envs (step_many)':<44} {vector(a.endpoint, 16, 300):>12.0f} env-steps/s")
    print(f"{'Python VectorEnv, 256 envs (step_many)':<44} {vector(a.endpoint, 256, 40):>12.0f} env-steps/s"
          "  (includes choosing random legal acts in Python)")


if __name__ == "__main__":
    main()
