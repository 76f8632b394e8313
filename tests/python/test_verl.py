"""collabgym.integrations.verl: the veRL interaction, driven as veRL's multi-turn rollout drives
it, against a real server; its rewards must equal `collabgym run`'s for the same seeds and texts.

veRL's BaseInteraction comes from ../shared/third_party/verl (its file as published; test-only).
The texts come from a `collabgym run -a llm:…` against the standard-library fake model
(tests/llm/fake_openai.py), whose trace records every agent text, user reply and reward.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from conftest import REPO_ROOT, _binary, start_server

VERL = REPO_ROOT.parent / "shared" / "third_party" / "verl"
if not (VERL / "verl" / "interactions" / "base.py").exists():
    pytest.skip(f"veRL's BaseInteraction is not at {VERL}", allow_module_level=True)
sys.path.insert(0, str(VERL))

from verl.interactions.base import BaseInteraction  # noqa: E402

from collabgym.integrations.verl import CollabGymInteraction  # noqa: E402
from collabgym.integrations import verl_dataset  # noqa: E402


@pytest.fixture(scope="module")
def fake_model(tmp_path_factory: Any) -> Iterator[str]:
    work = tmp_path_factory.mktemp("fake")
    port_file = work / "port"
    proc = subprocess.Popen([sys.executable, str(REPO_ROOT / "tests" / "llm" / "fake_openai.py"),
                             "--port", "0", "--port-file", str(port_file)],
                            stdout=subprocess.DEVNULL)
    for _ in range(200):
        if port_file.exists() and port_file.read_text().strip():
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{int(port_file.read_text())}/v1"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[Any]:
    srv = start_server(str(tmp_path_factory.mktemp("verl")), "verl")
    yield srv
    assert srv.stop() == 0


def task_ids() -> List[str]:
    out = subprocess.run([str(_binary()), "list", "--json"], capture_output=True, text=True,
                         timeout=30)
    return [e["id"] for e in json.loads(out.stdout)]


def traced_episodes(tmp_path: Path, task: str, url: str, reward: str) -> List[Dict[str, Any]]:
    """`collabgym run` with the fake model: each episode's header and turns, from its trace."""
    trace = tmp_path / f"{task}-{reward}.jsonl"
    p = subprocess.run([str(_binary()), "run", "-t", task, "-a", f"llm:{url}", "-n", "2",
                        "--seed", "5", "--reward", reward, "--trace", str(trace)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    episodes: List[Dict[str, Any]] = []
    for line in trace.read_text().splitlines():
        rec = json.loads(line)
        if rec["type"] == "header":
            episodes.append({"header": rec, "agent": [], "user": [], "end": None})
        elif rec["type"] == "turn" and rec["turn"] > 0:  # turn 0: the user's opening
            episodes[-1][rec["who"]].append(rec)
        elif rec["type"] == "end":
            episodes[-1]["end"] = rec
    return episodes


def test_it_is_a_verl_interaction() -> None:
    assert issubclass(CollabGymInteraction, BaseInteraction)
    with pytest.raises(ValueError, match="unknown key"):
        CollabGymInteraction({"name": "collabgym", "endpont": "tcp://x"})
    with pytest.raises(ValueError, match="turn_score"):
        CollabGymInteraction({"turn_score": "sometimes"})


@pytest.mark.parametrize("reward", ["mr", "terminal"])
def test_rewards_equal_collabgym_runs_on_every_task(server: Any, fake_model: str,
                                                    tmp_path: Path, reward: str) -> None:
    inter = CollabGymInteraction({"name": "collabgym", "endpoint": server.endpoint,
                                  "timeout": 60})

    async def replay(ep: Dict[str, Any]) -> None:
        h = ep["header"]
        options = {k: v for k, v in h["options"].items()}
        iid = await inter.start_interaction(None, name="collabgym", task=h["id"],
                                            seed=h["seed"], options=options)
        messages: List[Dict[str, str]] = [{"role": "user", "content": "(opening)"}]
        for agent, user in zip(ep["agent"], ep["user"]):
            messages.append({"role": "assistant", "content": agent["text"]})
            done, reply, score, extra = await inter.generate_response(iid, messages,
                                                                      name="collabgym")
            assert reply == user["text"], (h["id"], agent["turn"])
            assert score == user["reward"], (h["id"], agent["turn"])
            assert extra["info"]["reward"] == user["info"]["reward"]
            assert done == (user["terminated"] or user["truncated"])
            messages.append({"role": "user", "content": reply})
        # R* of the whole conversation: what the run's last step reported.
        assert await inter.calculate_score(iid) == ep["user"][-1]["info"]["reward"]["total"]
        await inter.finalize_interaction(iid)
        with pytest.raises(KeyError, match="not started"):
            await inter.calculate_score(iid)

    checked = 0
    for task in task_ids():
        episodes = traced_episodes(tmp_path, task, fake_model, reward)
        assert episodes and all(ep["agent"] for ep in episodes)

        async def all_at_once() -> None:  # veRL runs many samples concurrently
            await asyncio.gather(*(replay(ep) for ep in episodes))

        asyncio.run(all_at_once())
        checked += len(episodes)
    assert checked >= 10


def test_bad_kwargs_and_messages_are_named(server: Any) -> None:
    inter = CollabGymInteraction({"endpoint": server.endpoint})

    async def go() -> None:
        with pytest.raises(ValueError, match="'task'"):
            await inter.start_interaction("a", seed=1)
        with pytest.raises(ValueError, match="'seed'"):
            await inter.start_interaction("a", task="grocery", seed=-1)
        with pytest.raises(ValueError, match="unknown key"):
            await inter.start_interaction("a", task="grocery", seed=1, sed=2)
        iid = await inter.start_interaction("b", task="grocery", seed=1)
        with pytest.raises(ValueError, match="already started"):
            await inter.start_interaction("b", task="grocery", seed=1)
        with pytest.raises(ValueError, match="no assistant message"):
            await inter.generate_response(iid, [{"role": "user", "content": "hi"}])
        with pytest.raises(ValueError, match="empty"):
            await inter.generate_response(iid, [{"role": "assistant", "content": " "}])
        assert await inter.calculate_score(iid) == 0.0  # nothing said yet
        await inter.finalize_interaction()
        with pytest.raises(KeyError):
            await inter.generate_response(iid, [{"role": "assistant", "content": "hello"}])

    asyncio.run(go())


def test_the_dataset_replays_its_episodes(server: Any, tmp_path: Path) -> None:
    out = tmp_path / "d.jsonl"
    assert verl_dataset.main(["--task", "math_qa", "--split", "test", "--episodes", "3",
                              "--seed", "40", "--endpoint", server.endpoint, "-o",
                              "reward=\"mr\"", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["extra_info"]["interaction_kwargs"]["seed"] for r in rows] == [40, 41, 42]
    inter = CollabGymInteraction({"endpoint": server.endpoint})
    for row in rows:
        kw = row["extra_info"]["interaction_kwargs"]
        assert kw["options"] == {"split": "test", "reward": "mr"}
        assert row["prompt"][0]["role"] == "system" and row["prompt"][1]["role"] == "user"

        async def first_turn() -> str:
            iid = await inter.start_interaction(None, **kw)
            env = inter._instances[iid].env
            opening = env.messages()[1]["content"]
            await inter.finalize_interaction(iid)
            return opening

        # The prompt's opening is the episode the interaction starts.
        assert asyncio.run(first_turn()) == row["prompt"][1]["content"]
    p = subprocess.run([sys.executable, "-m", "collabgym.integrations.verl_dataset", "--task",
                        "grocery", "--episodes", "0", "--out", str(out)],
                       capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "bridge" / "python")})
    assert p.returncode == 2 and "--episodes 0" in p.stderr
