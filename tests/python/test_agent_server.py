"""collabgym.serve_agent: the agent endpoint protocol (docs/protocol.md, "Agent endpoints"), and a
Python agent in a real ``collabgym leaderboard`` run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import numpy as np
import pytest

import collabgym
from conftest import _binary, request, thread_servers



def first_legal(obs: Dict[str, Any], spec: Any) -> int:
    return int(np.flatnonzero(obs["action_mask"])[0])


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Starts serve_agent(policy) on a thread; returns its endpoint. Stopped at the end."""
    with thread_servers(collabgym.serve_agent, tmp_path, "agent") as start:
        yield lambda policy, **kwargs: start(policy, **kwargs)[0]


def obs_wire(mask: Tuple[int, ...], turn: int = 0) -> Dict[str, Any]:
    return {"text": "Hi.", "features": np.zeros(3, "<f4").tobytes(),
            "act_features": np.zeros((len(mask), 2), "<f4").tobytes(),
            "action_mask": bytes(mask), "turn": turn}


def test_hello_begin_act_and_errors(serve: Callable[..., str]) -> None:
    seen = {}

    def policy(obs: Dict[str, Any], spec: Any) -> Any:
        seen["spec"], seen["act_features"] = spec, obs["act_features"].shape
        return {"act": first_legal(obs, spec), "text": "Is it bigger than 50?"}

    ep = serve(policy, name="tester", on_begin=lambda spec, seed: seen.update(seed=seed))
    hello = request(ep, {"v": 1, "id": 1, "op": "hello"})
    assert hello["ok"] and hello["name"] == "tester"
    assert hello["agent_protocol"] == collabgym.AGENT_PROTOCOL == 2
    assert request(ep, {"v": 1, "id": 2, "op": "begin", "spec": {"id": "x-v0"}, "seed": 9})["ok"]
    assert seen["seed"] == 9
    reply = request(ep, {"v": 1, "id": 3, "op": "act", "obs": obs_wire((0, 0, 1, 1))})
    assert reply["ok"] and reply["id"] == 3
    assert reply["action"] == {"act": 2, "text": "Is it bigger than 50?"}
    assert seen["act_features"] == (4, 2)
    # Garbage, a bad version, an unknown op and a bad obs are answered, and serving goes on.
    assert request(ep, None, raw=b"\xc1\xc1garbage")["error"]["code"] == "malformed"
    assert request(ep, {"v": 9, "id": 4, "op": "hello"})["error"]["code"] == "bad_version"
    assert request(ep, {"v": 1, "id": 5, "op": "dance"})["error"]["code"] == "unknown_op"
    bad = request(ep, {"v": 1, "id": 6, "op": "act", "obs": {"features": "nope"}})
    assert bad["error"]["code"] == "wrong_type"
    assert request(ep, {"v": 1, "id": 7, "op": "hello"})["ok"]


def test_policy_exceptions_and_bad_actions_are_error_replies(serve: Callable[..., str]) -> None:
    def broken(obs: Dict[str, Any], spec: Any) -> Any:
        if obs["turn"] == 0:
            raise ZeroDivisionError("division by zero")
        return 3.5  # not an action

    ep = serve(broken)
    err = request(ep, {"v": 1, "id": 1, "op": "act", "obs": obs_wire((1, 1))})
    assert err["ok"] is False and err["error"]["code"] == "policy_error"
    assert "ZeroDivisionError" in err["error"]["message"]
    err = request(ep, {"v": 1, "id": 2, "op": "act", "obs": obs_wire((1, 1), turn=1)})
    assert err["error"]["code"] == "policy_error" and "action" in err["error"]["message"]


def _leaderboard(*args: str) -> subprocess.CompletedProcess:
    binary = _binary()
    if not binary.exists():
        pytest.skip(f"{binary} not built (set COLLABGYM_BIN)")
    probe = subprocess.run([str(binary), "--help"], capture_output=True, text=True, timeout=10)
    if "leaderboard" not in probe.stdout:
        pytest.skip(f"{binary} has no leaderboard command")
    return subprocess.run([str(binary), "leaderboard", *args], capture_output=True, text=True,
                          timeout=60)


def test_a_python_agent_on_the_leaderboard(serve: Callable[..., str], tmp_path: Path) -> None:
    ep = serve(first_legal, name="first-legal")
    out = tmp_path / "board"
    r = _leaderboard("--tasks", "guess_number,math_qa", "--agents", f"expert,remote:{ep}",
                     "-n", "3", "--seeds", "2", "--reward", "terminal", "--jobs", "2",
                     "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"remote:{ep}" in r.stdout
    results = json.loads((out / "results.json").read_text())
    remote = [e for e in results["episodes"] if e["agent"] == f"remote:{ep}"]
    assert len(remote) == 12
    assert all(e["failure"] is None for e in remote)
    assert results["agents"][1]["privileged"] is False
    v = _leaderboard("--verify", str(out))
    assert v.returncode == 0, v.stdout


def test_a_failing_python_agent_is_scored_and_the_run_completes(serve: Callable[..., str],
                                                                tmp_path: Path) -> None:
    def flaky(obs: Dict[str, Any], spec: Any) -> Any:
        if obs["turn"] >= 1:
            raise RuntimeError("model server went away")
        return first_legal(obs, spec)

    ep = serve(flaky)
    out = tmp_path / "board"
    r = _leaderboard("--tasks", "guess_number", "--agents", f"random,remote:{ep}", "-n", "4",
                     "--seeds", "1", "--reward", "terminal", "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    results = json.loads((out / "results.json").read_text())
    remote = [e for e in results["episodes"] if e["agent"] == f"remote:{ep}"]
    failed = [e for e in remote if e["failure"]]
    # guess_number may end at the first turn (a lucky guess); every longer episode fails.
    assert failed and all("model server went away" in e["failure"] for e in failed)
    assert all(e["score"] == 0 and not e["success"] for e in failed)
    rows = results["summary"]["tasks"][0]["ranking"]
    assert {row["agent"]: row["failures"] for row in rows}[f"remote:{ep}"] == len(failed)


def test_act_many_answers_each_item_and_names_bad_input(serve: Callable[..., str]) -> None:
    def policy(obs: Dict[str, Any], spec: Any) -> Any:
        if obs["sample"] == 1:
            raise RuntimeError("this future is beyond me")
        if obs["sample"] == 2:
            return None
        assert obs["messages"][-1]["content"] == obs["text"] and isinstance(obs["seed"], int)
        return first_legal(obs, spec)

    ep = serve(policy)
    item = {"spec": 0, "seed": 5, "episode_seed": 1, "obs": obs_wire((0, 1, 1)),
            "messages": [{"role": "user", "content": "Hi."}]}
    items = [{**item, "sample": s} for s in range(3)]
    reply = request(ep, {"v": 1, "id": 1, "op": "act_many", "specs": [{"id": "x-v0"}],
                         "items": items})
    assert reply["ok"] and reply["actions"] == [1, None, None]
    assert reply["errors"][0] is None
    assert "beyond me" in reply["errors"][1] and "no action" in reply["errors"][2]
    for bad, needle in (({"specs": [{}]}, "specs"), ({"items": []}, "specs"),
                        ({"specs": [{}], "items": [{**item, "spec": 3}]}, "items[0]: spec 3"),
                        ({"specs": [{}], "items": [{**item, "messages": "hi"}]}, "messages"),
                        ({"specs": [{}], "items": ["nope"]}, "items[0]")):
        r = request(ep, {"v": 1, "id": 2, "op": "act_many", **bad})
        assert not r["ok"] and needle in r["error"]["message"], (bad, r)
    # A batched policy gets the list; one that raises fails every item, and serving goes on.
    calls: List[int] = []

    def batched(pairs: Any) -> Any:
        calls.append(len(pairs))
        if len(pairs) == 2:
            raise ValueError("batch too hard")
        return [first_legal(obs, spec) for obs, spec in pairs]

    ep2 = serve(batched, batched=True)
    ok3 = request(ep2, {"v": 1, "id": 3, "op": "act_many", "specs": [{}], "items": items})
    assert ok3["actions"] == [1, 1, 1] and calls == [3]
    two = request(ep2, {"v": 1, "id": 4, "op": "act_many", "specs": [{}], "items": items[:2]})
    assert two["ok"] and two["actions"] == [None, None] and "batch too hard" in two["errors"][0]
