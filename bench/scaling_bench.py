"""What scales how beyond one process (docs/scaling.md), measured side by side in one run.

Usage: PYTHONPATH=bridge/python /usr/bin/python3 bench/scaling_bench.py --bin build/cli/collabgym
       [--rounds 3]

1. The leaderboard, one fixed workload: one process with --jobs 1, one with --jobs 2, and two
   --shard processes (--jobs 1 each, run at once) plus `leaderboard merge`. Wall seconds; the
   sharded report is checked to equal the single-process one byte for byte.
2. Sessions over the wire, MR reward (the server's work dominates): a Python VectorEnv of 64
   sessions against one `collabgym serve --threads 1`, one `--threads 2`, and two servers of one
   thread each behind the same VectorEnv (endpoint=[a, b]). Env-steps/s.
Configurations alternate within each round (a shared VM's speed drifts over seconds); the median
of the rounds is printed with the speed-up over the first configuration.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from typing import Callable, Dict, List

import numpy as np

import collabgym

LB = ["--tasks", "twenty_questions-v1,grocery-v0,math_qa-v0", "--agents", "expert,random", "-n", "600",
      "--seeds", "2", "--reward", "mr", "--option", "mr_samples=2", "--resamples", "200"]


def leaderboard(binary: str, work: str) -> Dict[str, Callable[[], float]]:
    def timed(cmds: List[List[str]]) -> float:
        t0 = time.perf_counter()
        procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for c in cmds]
        for p, c in zip(procs, cmds):
            if p.wait() != 0:
                raise SystemExit(f"failed: {' '.join(c)}")
        return time.perf_counter() - t0

    def one(jobs: int) -> Callable[[], float]:
        return lambda: timed([[binary, "leaderboard", *LB, "--jobs", str(jobs), "--out",
                               f"{work}/jobs{jobs}", "--force"]])

    def sharded() -> float:
        t = timed([[binary, "leaderboard", *LB, "--shard", f"{i}/2", "--out",
                    f"{work}/shard{i}", "--force"] for i in range(2)])
        t += timed([[binary, "leaderboard", "merge", f"{work}/shard0", f"{work}/shard1",
                     "--out", f"{work}/merged", "--force"]])
        if not filecmp.cmp(f"{work}/merged/results.json", f"{work}/jobs1/results.json", False):
            raise SystemExit("the merged shards differ from the single-process run")
        return t

    return {"1 process, --jobs 1": one(1), "1 process, --jobs 2": one(2),
            "2 shards at once (--jobs 1 each) + merge": sharded}


def serve(binary: str, endpoint: str, threads: int) -> subprocess.Popen:
    p = subprocess.Popen([binary, "serve", "--bind", endpoint, "--threads", str(threads),
                          "--log-level", "warn"])
    with collabgym.Client(endpoint, 10.0) as c:  # waits until it answers
        c.hello()
    return p


def vector_rate(endpoints: List[str], n: int = 64, steps: int = 150) -> float:
    with collabgym.VectorEnv("twenty_questions-v1", n, endpoint=endpoints, reward="mr",
                             mr_samples=3) as env:
        rng = np.random.default_rng(0)
        obs, _ = env.reset(seed=0)
        t0 = time.perf_counter()
        for _ in range(steps):
            masks = obs["action_mask"].astype(bool)
            acts = np.array([rng.choice(np.flatnonzero(m)) for m in masks])
            obs, *_ = env.step(acts)
        return n * steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="the collabgym program")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="collabgym-scaling-")
    sock = [f"ipc://{work}/s{i}" for i in range(3)]
    servers = [serve(a.bin, sock[0], 1), serve(a.bin, sock[1], 2), serve(a.bin, sock[2], 1)]
    try:
        lb = leaderboard(a.bin, work)
        wire = {"1 server, --threads 1": lambda: vector_rate([sock[0]]),
                "1 server, --threads 2": lambda: vector_rate([sock[1]]),
                "2 servers (--threads 1 each), one VectorEnv": lambda: vector_rate([sock[0], sock[2]])}
        for title, unit, cases, better in (
                ("leaderboard (3 tasks x 2 agents x 1200 episodes, reward mr)", "s", lb, "lower"),
                ("VectorEnv 64 sessions, twenty_questions-v1, reward mr", "env-steps/s", wire, "higher")):
            got: Dict[str, List[float]] = {k: [] for k in cases}
            for _ in range(a.rounds):
                for k, f in cases.items():
                    got[k].append(f())
            print(f"{title}: median of {a.rounds} alternated rounds; speed-up over the first")
            base = statistics.median(next(iter(got.values())))
            for k, v in got.items():
                m = statistics.median(v)
                gain = base / m if better == "lower" else m / base
                print(f"  {k:<46} {m:>10.1f} {unit}  {gain:5.2f}x")
    finally:
        for p in servers:
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
