"""The Python client's steps per second against a running server (run by collab_bench_bridge).

Usage: PYTHONPATH=bridge/python /usr/bin/python3 bench/python_client_bench.py --endpoint EP
Prints one line per measure: single-env steps/s (one round trip a step), then VectorEnv
env-steps/s at 16 and 256 environments in the per-session layout (protocol 1.3: step_many with
one map per environment) and in the structure-of-arrays layout (protocol 1.4, capability "soa"),
measured side by side in alternating blocks, then the SoA layout alone, step after step, at 256
(what a training loop sees). Random legal acts are chosen in NumPy for the whole
batch (no per-environment Python). 20 Questions, act mode, reward=terminal.
"""

from __future__ import annotations

import argparse
import time
from typing import Dict

import numpy as np

import collabgym


def random_legal(mask: np.ndarray, rng: np.random.Generator) -> int:
    return int(rng.choice(np.flatnonzero(mask)))


def random_legal_batch(masks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniformly random legal act per row, in NumPy (no per-row Python)."""
    counts = np.cumsum(masks, axis=1, dtype=np.int32)
    k = (rng.random(len(masks)) * counts[:, -1]).astype(np.int32)
    return np.argmax(counts > k[:, None], axis=1)


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


def vector_side_by_side(endpoint: str, n: int, rounds: int, block: int = 5) -> Dict[str, float]:
    """env-steps/s of VectorEnv with layout "items" and "soa", alternating blocks of steps."""
    envs = {layout: collabgym.VectorEnv("twenty_questions-v0", n, endpoint=endpoint,
                                        reward="terminal", layout=layout)
            for layout in ("items", "soa")}
    try:
        rng = np.random.default_rng(0)
        obs = {k: v.reset(seed=0)[0] for k, v in envs.items()}
        busy = {k: 0.0 for k in envs}
        for _ in range(0, rounds, block):
            for layout, venv in envs.items():
                o = obs[layout]
                t0 = time.perf_counter()
                for _ in range(block):
                    o, *_ = venv.step(random_legal_batch(o["action_mask"], rng))
                busy[layout] += time.perf_counter() - t0
                obs[layout] = o
        steps = n * (rounds // block) * block
        return {k: steps / t for k, t in busy.items()}
    finally:
        for venv in envs.values():
            venv.close()


def soa_back_to_back(endpoint: str, n: int, rounds: int) -> float:
    """env-steps/s of VectorEnv with layout "soa" alone, step after step, as a training loop
    makes them (the alternating blocks above interleave the other layout's large replies)."""
    with collabgym.VectorEnv("twenty_questions-v0", n, endpoint=endpoint, reward="terminal",
                             layout="soa") as venv:
        rng = np.random.default_rng(1)
        o, _ = venv.reset(seed=1)
        for _ in range(10):  # warm-up
            o, *_ = venv.step(random_legal_batch(o["action_mask"], rng))
        t0 = time.perf_counter()
        for _ in range(rounds):
            o, *_ = venv.step(random_legal_batch(o["action_mask"], rng))
        return n * rounds / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", default=collabgym.DEFAULT_ENDPOINT)
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--rounds", type=int, default=200, help="VectorEnv steps per layout at 256")
    a = p.parse_args()
    print(f"{'Python client (one env, step)':<52} {single(a.endpoint, a.steps):>12.0f} steps/s")
    for n, rounds in ((16, 4 * a.rounds), (256, a.rounds)):
        r = vector_side_by_side(a.endpoint, n, rounds)
        print(f"{f'Python VectorEnv, {n} envs, per-session layout':<52} {r['items']:>12.0f} "
              "env-steps/s")
        print(f"{f'Python VectorEnv, {n} envs, SoA layout':<52} {r['soa']:>12.0f} env-steps/s"
              f"  ({r['soa'] / r['items']:.2f}x; target at 256: >= 300000)")
    rate = soa_back_to_back(a.endpoint, 256, 2 * a.rounds)
    print(f"{'Python VectorEnv, 256 envs, SoA only, back to back':<52} {rate:>12.0f} env-steps/s"
          "  (target: >= 300000)")


if __name__ == "__main__":
    main()
