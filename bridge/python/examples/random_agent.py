#!/usr/bin/env python3
"""Plays episodes with uniformly random *legal* dialogue acts and prints the success rate.

    collabgym serve --bind tcp://127.0.0.1:5555 &
    PYTHONPATH=bridge/python python3 bridge/python/examples/random_agent.py --episodes 20
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import collabgym  # noqa: E402


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=collabgym.DEFAULT_ENDPOINT,
                        help="server endpoint (default: %(default)s)")
    parser.add_argument("--env", default="twenty_questions-v0", help="environment id")
    parser.add_argument("--episodes", type=int, default=20, help="episodes to play")
    parser.add_argument("--seed", type=int, default=0, help="episode i uses seed + i")
    parser.add_argument("--reward", default="terminal",
                        help="terminal, mr, mr_delta or immediate (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per reply")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    wins, total_return, total_turns = 0, 0.0, 0
    try:
        with collabgym.make(args.env, endpoint=args.endpoint, timeout=args.timeout,
                            reward=args.reward) as env:
            for ep in range(args.episodes):
                obs, _ = env.reset(seed=args.seed + ep)
                ret, done, info = 0.0, False, {}
                while not done:
                    act = int(rng.choice(np.flatnonzero(obs["action_mask"])))
                    obs, reward, terminated, truncated, info = env.step(act)
                    ret += reward
                    done = terminated or truncated
                wins += bool(info.get("success"))
                total_return += ret
                total_turns += obs["turn"]
                print(f"episode {ep:3d}  seed {args.seed + ep}  turns {obs['turn']:2d}  "
                      f"return {ret:+.3f}  success {bool(info.get('success'))}")
    except collabgym.ServerTimeout as err:
        print(f"error: {err} (is `collabgym serve --bind {args.endpoint}` running?)",
              file=sys.stderr)
        return 1
    n = max(args.episodes, 1)
    print(f"success rate {wins / n:.1%} ({wins}/{args.episodes}), mean return "
          f"{total_return / n:+.3f}, mean turns {total_turns / n:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
