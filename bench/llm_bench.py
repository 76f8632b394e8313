"""`llm:` agents' overhead and the leaderboard's throughput with a model that answers at once
(docs/llm-agents.md), measured side by side in one run.

Usage: /usr/bin/python3 bench/llm_bench.py --bin build/cli/collabgym --bench build/bench/collab_bench_llm

1. Per turn (collab_bench_llm): the llm agent's act() against tests/llm/fake_openai.py, a bare
   libcurl POST of the same size to it, and env.step() on the reply (the environment's part).
2. The leaderboard, every task, 60 episodes each: `--agents llm:URL` with --jobs 1 and 2, beside
   `--agents random` (no model at all) — episodes/s and agent turns/s; then the same llm run
   replayed from its --agent-cache with the server stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "..", "tests", "llm", "fake_openai.py")


def start_fake(work: str):
    port_file = os.path.join(work, "port")
    proc = subprocess.Popen([sys.executable, FAKE, "--port-file", port_file],
                            stdout=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file):
            break
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{open(port_file).read()}/v1"


def leaderboard(binary: str, work: str, name: str, agent: str, jobs: int, extra=()):
    out = os.path.join(work, name)
    t0 = time.perf_counter()
    r = subprocess.run([binary, "leaderboard", "--tasks", "all", "--agents", agent, "-n", "60",
                        "--seeds", "1", "--reward", "terminal", "--jobs", str(jobs),
                        "--resamples", "200", "--out", out, "--json", *extra],
                       capture_output=True, text=True)
    took = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"leaderboard {name} failed: {r.stderr[-500:]}")
    results = json.load(open(os.path.join(out, "results.json")))
    eps = results["episodes"]
    turns = sum(e["turns"] for e in eps)
    fails = sum(1 for e in eps if e.get("failure"))
    return took, len(eps), turns, fails


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build/cli/collabgym")
    ap.add_argument("--bench", default="build/bench/collab_bench_llm")
    ap.add_argument("--turns", type=int, default=400)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        fake, url = start_fake(work)
        try:
            subprocess.run([args.bench, "--url", url, "--turns", str(args.turns)], check=True)
            cache = os.path.join(work, "agents.jsonl")
            rows = [("random (no model)", *leaderboard(args.bin, work, "random", "random", 1)),
                    ("llm: --jobs 1", *leaderboard(args.bin, work, "llm1", f"llm:{url}", 1,
                                                   ["--agent-cache", cache])),
                    ("llm: --jobs 2", *leaderboard(args.bin, work, "llm2", f"llm:{url}", 2,
                                                   ["--agent-cache-mode", "off"]))]
        finally:
            fake.terminate()
            fake.wait()
        rows.append(("llm: replayed (no server)",
                     *leaderboard(args.bin, work, "replay", f"llm:{url}", 1,
                                  ["--agent-cache", cache, "--agent-cache-mode", "replay"])))
    print("\nleaderboard, every task × 60 episodes, reward terminal (wall time includes start-up)")
    print(f"{'agents':<28} {'seconds':>8} {'episodes':>9} {'turns':>7} {'failed':>7} "
          f"{'episodes/s':>11} {'turns/s':>9}")
    for name, took, eps, turns, fails in rows:
        print(f"{name:<28} {took:>8.2f} {eps:>9} {turns:>7} {fails:>7} {eps / took:>11.1f} "
              f"{turns / took:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
