"""Rollout agents over the wire (docs/reward.md, "Who plays the futures"): MR futures played by an
agent endpoint that `collabgym serve --rollout-agent NAME=remote:ENDPOINT` offers.

The reference is the in-process built-in policy: an endpoint serving ``collabgym.random_policy``
draws from each future turn's own stream exactly as ``rollout_policy=random`` does, so the two
must give the same rewards bit for bit; a dead, slow or wrong endpoint must give counted
fallbacks to the expert (whose futures are then those of ``rollout_policy=expert``), never a hang.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import numpy as np
import pytest

import collabgym
from conftest import _binary, start_server, thread_servers

MR = {"reward": "mr", "mr_samples": 3, "mr_window": 2}


class Counting:
    """A batched random policy that counts act_many requests and their items."""

    def __init__(self, fail_every: int = 0) -> None:
        self.requests = 0
        self.items = 0
        self.fail_every = fail_every
        self.lock = threading.Lock()
        self.messages_ok = True

    def __call__(self, pairs: List[Tuple[Dict[str, Any], Dict[str, Any]]]) -> List[Any]:
        with self.lock:
            self.requests += 1
            self.items += len(pairs)
        out: List[Any] = []
        for k, (obs, spec) in enumerate(pairs):
            msgs = obs["messages"]
            # The conversation as chat messages: instructions, then user first, ending with the
            # user's latest message (the observation's text).
            if not (msgs[0]["role"] == "system" and msgs[0]["content"] == spec["instructions"]
                    and msgs[-1] == {"role": "user", "content": obs["text"]}
                    and [m["role"] for m in msgs[1:]] ==
                    ["user", "assistant"] * ((len(msgs) - 2) // 2) + ["user"]):
                self.messages_ok = False
            if self.fail_every and k % self.fail_every == 0:
                out.append(None)  # no action for this future: it falls back to the expert
            else:
                out.append(collabgym.random_policy(obs, spec))
        return out


@pytest.fixture
def agents(tmp_path: Path) -> Iterator[Callable[..., Tuple[str, Callable[[], None]]]]:
    with thread_servers(collabgym.serve_agent, tmp_path, "rollout") as start:
        yield start


def served(tmp_path: Path, name: str, rollout_agents: List[str]):
    extra: List[str] = []
    for spec in rollout_agents:
        extra += ["--rollout-agent", spec]
    return start_server(str(tmp_path), name, extra)


def task_ids(client: collabgym.Client) -> List[str]:
    listed = client.list()
    envs = listed.get("envs", listed.get("ids"))
    ids = [e["id"] if isinstance(e, dict) else e for e in envs]
    # One id per task (the newest version), plus 20 Questions v0 for its text acts.
    latest: Dict[str, str] = {}
    for i in sorted(ids):
        latest[i.rsplit("-v", 1)[0]] = i
    return sorted(set(latest.values()))


def play(client: collabgym.Client, env_id: str, options: Dict[str, Any], seed: int,
         turns: int) -> List[Tuple[float, Dict[str, Any]]]:
    """Steps one session with acts drawn from a fixed stream (the same for every options)."""
    made = client.make(env_id, options)
    sid = made["session"]
    rng = np.random.default_rng(seed)
    reset = client.reset(sid, seed=seed)
    mask = reset["obs"]["action_mask"]
    out = []
    for _ in range(turns):
        legal = np.flatnonzero(mask)
        r = client.step(sid, int(legal[rng.integers(len(legal))]))
        out.append((r["reward"], r["info"]))
        if r["terminated"] or r["truncated"]:
            break
        mask = r["obs"]["action_mask"]
    client.close_session(sid)
    return out


def test_a_remote_random_agent_gives_the_in_process_random_rewards_on_every_task(
        agents: Any, tmp_path: Path) -> None:
    policy = Counting()
    ep, _ = agents(policy, batched=True)
    srv = served(tmp_path, "det", [f"rnd=remote:{ep}"])
    try:
        with collabgym.Client(srv.endpoint, timeout=30) as c:
            ids = task_ids(c)
            assert len(ids) >= 4
            for env_id in ids:
                for seed in (3, 11):
                    remote = play(c, env_id, {**MR, "rollout_policy": "rnd"}, seed, 6)
                    local = play(c, env_id, {**MR, "rollout_policy": "random"}, seed, 6)
                    assert [r for r, _ in remote] == [r for r, _ in local], env_id
                    assert [i["reward"]["mr"] for _, i in remote] == \
                        [i["reward"]["mr"] for _, i in local]
                    for _, info in remote:
                        assert info["reward"]["rollout_fallbacks"] == 0
                    assert sum(i["reward"]["rollout_calls"] for _, i in remote) > 0
                    # Built-in policies report no rollout counts.
                    assert "rollout_calls" not in local[0][1]["reward"]
            stats = c.stats()
            assert stats["rollout_calls"] == policy.items > 0
            assert stats["rollout_fallbacks"] == 0
    finally:
        assert srv.stop() == 0
    assert policy.messages_ok


def test_step_many_sends_one_request_per_depth_for_the_whole_batch(agents: Any,
                                                                   tmp_path: Path) -> None:
    policy = Counting()
    ep, _ = agents(policy, batched=True)
    srv = served(tmp_path, "batch", [f"rnd=remote:{ep}"])
    try:
        n, window = 12, 3
        opts = {"reward": "mr", "mr_samples": 4, "mr_window": window}
        for layout in ("soa", "items"):
            remote = collabgym.VectorEnv("twenty_questions", n, srv.endpoint, timeout=30,
                                         layout=layout, options={**opts, "rollout_policy": "rnd"})
            local = collabgym.VectorEnv("twenty_questions", n, srv.endpoint, timeout=30,
                                        layout=layout, options={**opts, "rollout_policy": "random"})
            obs, _ = remote.reset(seed=5)
            local.reset(seed=5)
            rng = np.random.default_rng(1)
            for _ in range(5):
                acts = np.array([int(rng.choice(np.flatnonzero(m))) for m in obs["action_mask"]])
                before = policy.requests
                obs, r_remote, *_ = remote.step(acts)
                _, r_local, *_ = local.step(acts)
                assert policy.requests - before <= window, layout
                np.testing.assert_array_equal(r_remote, r_local)
            remote.close()
            local.close()
    finally:
        assert srv.stop() == 0


def test_items_without_an_action_fall_back_to_the_expert_and_are_counted(agents: Any,
                                                                        tmp_path: Path) -> None:
    ep, _ = agents(Counting(fail_every=1), batched=True)  # never an action
    srv = served(tmp_path, "none", [f"never=remote:{ep}"])
    try:
        with collabgym.Client(srv.endpoint, timeout=30) as c:
            remote = play(c, "grocery", {**MR, "rollout_policy": "never"}, 4, 4)
            expert = play(c, "grocery", {**MR, "rollout_policy": "expert"}, 4, 4)
            # Every future falls back at its first turn: the expert plays all of it.
            assert [r for r, _ in remote] == [r for r, _ in expert]
            for _, info in remote:
                if info["reward"]["rollout_calls"]:
                    assert info["reward"]["rollout_fallbacks"] == 3
            assert c.stats()["rollout_fallbacks"] > 0
    finally:
        assert srv.stop() == 0


def test_dead_and_slow_agents_give_counted_fallbacks_never_a_hang(agents: Any,
                                                                 tmp_path: Path) -> None:
    def slow(obs: Dict[str, Any], spec: Any) -> int:
        time.sleep(1.0)
        return collabgym.random_policy(obs, spec)

    slow_ep, _ = agents(slow)
    dead_ep = f"ipc://{tmp_path}/nobody.sock"
    srv = served(tmp_path, "dead", [f"dead=remote:{dead_ep}?timeout=0.3",
                                    f"slow=remote:{slow_ep}?timeout=0.3"])
    try:
        with collabgym.Client(srv.endpoint, timeout=30) as c:
            expert = play(c, "math_qa", {**MR, "rollout_policy": "expert"}, 8, 3)
            for name in ("dead", "slow"):
                start = time.monotonic()
                got = play(c, "math_qa", {**MR, "rollout_policy": name}, 8, 3)
                elapsed = time.monotonic() - start
                # One timeout per step at most: after it, the expert plays every future.
                assert elapsed < 0.3 * len(got) + 3.0, (name, elapsed)
                assert [r for r, _ in got] == [r for r, _ in expert], name
                assert all(i["reward"]["rollout_fallbacks"] == i["reward"]["rollout_calls"]
                           for _, i in got)
                assert any(i["reward"]["rollout_fallbacks"] > 0 for _, i in got)
    finally:
        assert srv.stop() == 0


def test_clients_pick_offered_agents_by_name_never_by_endpoint(agents: Any,
                                                                tmp_path: Path) -> None:
    ep, _ = agents(collabgym.random_policy)
    srv = served(tmp_path, "names", [f"mine=remote:{ep}"])
    try:
        with collabgym.Client(srv.endpoint, timeout=10) as c:
            for bad in (f"remote:{ep}", "llm:http://127.0.0.1:1/v1", "yours"):
                with pytest.raises(collabgym.InvalidOption) as err:
                    c.make("twenty_questions", {**MR, "rollout_policy": bad})
                assert "mine" in str(err.value) and "expert" in str(err.value)
            spec = c.spec("twenty_questions", {"rollout_policy": "mine"})["spec"]
            assert spec["reward"]["rollout_policy"] == "mine"
    finally:
        assert srv.stop() == 0


def test_bad_rollout_agent_flags_exit_2_naming_them(tmp_path: Path) -> None:
    binary = _binary()
    if not binary.exists():
        pytest.skip(f"{binary} not built")
    for arg, needle in (("noequals", "NAME=SPEC"), ("x=ftp://1.2.3.4:5", "ENDPOINT"),
                        ("expert=remote:ipc:///tmp/x", "built-in"),
                        ("x=remote:nowhere", "nowhere")):
        p = subprocess.run([str(binary), "serve", "--bind", f"ipc://{tmp_path}/b.sock",
                            "--rollout-agent", arg], capture_output=True, text=True, timeout=20)
        assert p.returncode == 2, (arg, p.stdout, p.stderr)
        assert needle in p.stderr, (arg, p.stderr)


def test_run_with_a_remote_rollout_policy_matches_the_built_in_one(agents: Any,
                                                                   tmp_path: Path) -> None:
    binary = _binary()
    if not binary.exists():
        pytest.skip(f"{binary} not built")
    ep, _ = agents(collabgym.random_policy)

    def run(policy: str) -> str:
        p = subprocess.run([str(binary), "run", "-t", "doc_edit", "-a", "random", "-n", "4",
                            "--seed", "2", "--reward", "mr", "--rollout-policy", policy,
                            "--json"], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return p.stdout

    remote, local = run(f"remote:{ep}"), run("random")
    assert remote.replace(f"remote:{ep}", "random") == local

    # The trace names the agent; replaying it (and verifying a leaderboard) reaches it again.
    trace = tmp_path / "mr.jsonl"
    p = subprocess.run([str(binary), "run", "-t", "grocery", "-a", "random", "-n", "2", "--reward",
                        "mr", "--rollout-policy", ep, "--trace", str(trace)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([str(binary), "replay", str(trace)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0 and "replayed identically" in p.stdout, p.stdout + p.stderr
    board = tmp_path / "board"
    p = subprocess.run([str(binary), "leaderboard", "--tasks", "math_qa", "--agents", "random",
                        "--episodes", "2", "--seeds", "1", "--reward", "mr", "--rollout-policy",
                        f"remote:{ep}", "--out", str(board)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([str(binary), "leaderboard", "--verify", str(board)], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
