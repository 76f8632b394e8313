"""The veRL dataset of CollabGym episodes (docs/training-llms.md); needs no veRL.

    python -m collabgym.integrations.verl_dataset --task grocery-v0 --split train \\
        --episodes 512 --endpoint tcp://127.0.0.1:5555 --out grocery-train.jsonl

Each line is one sample in veRL's layout: ``prompt`` (the chat messages: the task's instructions
as the system message, the episode's opening as the user's), ``data_source``, ``ability``,
``reward_model`` and ``extra_info.interaction_kwargs`` (name, task, seed, options), which
``collabgym.integrations.verl.CollabGymInteraction`` turns back into the same episode.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ..client import DEFAULT_ENDPOINT
from ..env import CollabGymEnv

__all__ = ["dataset_rows", "main"]


def dataset_rows(task: str, seeds: Sequence[int], endpoint: str, *,
                 options: Optional[Mapping[str, Any]] = None, name: str = "collabgym",
                 timeout: float = 30.0) -> List[Dict[str, Any]]:
    """One veRL sample per seed: ``prompt`` = the task's instructions (system) + the episode's
    opening (user); ``extra_info.interaction_kwargs`` = name, task, seed, options."""
    rows = []
    opts = dict(options or {})
    env = CollabGymEnv(task, endpoint, timeout=timeout, options=opts)
    try:
        for i, seed in enumerate(seeds):
            env.reset(seed=int(seed))
            rows.append({
                "data_source": f"collabgym/{env.collab_spec['id']}",
                "prompt": env.messages(),
                "ability": "collaboration",
                "reward_model": {"style": "interaction", "ground_truth": ""},
                "extra_info": {
                    "index": i,
                    "interaction_kwargs": {"name": name, "task": env.collab_spec["id"],
                                           "seed": int(seed), "options": opts},
                },
            })
    finally:
        env.close()
    return rows


def _write(rows: List[Dict[str, Any]], out: str) -> str:
    if out.endswith(".parquet"):
        try:
            import pyarrow as pa  # noqa: WPS433 - optional
            import pyarrow.parquet as pq
        except ImportError as err:
            raise SystemExit(f"{out}: writing parquet needs pyarrow; write .jsonl instead "
                             "(veRL reads both through `datasets`)") from err
        pq.write_table(pa.Table.from_pylist(rows), out)
    else:
        with open(out, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m collabgym.integrations.verl_dataset --task T --split S --episodes N --out F``"""
    d = argparse.ArgumentParser(
        prog="python -m collabgym.integrations.verl_dataset",
        description="Write a veRL multi-turn dataset of CollabGym episodes: one sample per "
                    "episode, its prompt the task's instructions and the episode's opening, its "
                    "interaction_kwargs what CollabGymInteraction needs to replay the episode "
                    "(docs/training-llms.md). Needs a running `collabgym serve`, not veRL.")
    parser = d
    d.add_argument("--task", required=True, help="environment id, e.g. grocery-v0")
    d.add_argument("--split", default="train", choices=["train", "test", "all"],
                   help="which goals the episodes draw (the task's split option; default train)")
    d.add_argument("--episodes", type=int, default=256, help="samples to write (default 256)")
    d.add_argument("--seed", type=int, default=0, help="first episode seed (default 0)")
    d.add_argument("--endpoint", default=DEFAULT_ENDPOINT,
                   help=f"a running `collabgym serve` (default {DEFAULT_ENDPOINT})")
    d.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                   help="more make options for every sample (VALUE parsed as JSON if it can be)")
    d.add_argument("--name", default="collabgym", help="the interaction's name in veRL's config")
    d.add_argument("--out", required=True, help="output file, .jsonl or .parquet (pyarrow)")
    args = parser.parse_args(argv)
    if args.episodes < 1:
        parser.error(f"--episodes {args.episodes}: expected at least 1")
    if args.seed < 0:
        parser.error(f"--seed {args.seed}: expected a non-negative int")
    options: Dict[str, Any] = {"split": args.split}
    for kv in args.option:
        key, eq, value = kv.partition("=")
        if not eq or not key:
            parser.error(f"--option {kv!r}: expected KEY=VALUE")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    rows = dataset_rows(args.task, range(args.seed, args.seed + args.episodes), args.endpoint,
                        options=options, name=args.name)
    print(f"{_write(rows, args.out)}: {len(rows)} samples of {rows[0]['extra_info']['interaction_kwargs']['task']}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
