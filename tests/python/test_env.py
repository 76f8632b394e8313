"""hello/list/spec, make/reset/step (act, text, dict), determinism, fork, spaces, lifetime."""

from __future__ import annotations

import re
from typing import Any, List, Sequence, Tuple

import numpy as np
import pytest

import collabgym
from conftest import ENV_ID, FAST

OPS = {"hello", "list", "spec", "make", "reset", "step", "step_many", "fork", "close", "ping",
       "stats", "reset_many"}


def test_protocol_doc_describes_every_op_capability_and_limit(client: collabgym.Client) -> None:
    """docs/protocol.md has a row for every op, capability and limit the server's hello lists."""
    from conftest import REPO_ROOT
    doc = (REPO_ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    hello = client.hello()
    rows = {m.group(1) for m in re.finditer(r"^\| `([a-z_]+)` \|", doc, re.MULTILINE)}
    missing = [op for op in hello["ops"] if op not in rows]
    assert not missing, f"ops without a row in docs/protocol.md: {missing}"
    caps = doc[doc.index("## Capabilities"):]
    caps = caps[:caps.index("\n## ", 4)]
    missing = [c for c in hello["capabilities"] if f"| `{c}` |" not in caps]
    assert not missing, f"capabilities not in the Capabilities table: {missing}"
    limits = doc[doc.index("## Limits"):]
    limits = limits[:limits.index("\n## ", 4)]
    missing = [k for k in hello["limits"] if f"`{k}`" not in limits]
    assert not missing, f"hello.limits keys not in the Limits table: {missing}"


def test_hello(client: collabgym.Client) -> None:
    hello = client.hello()
    assert hello["protocol"] == 1
    assert hello["protocol_minor"] >= collabgym.PROTOCOL_MINOR
    assert isinstance(hello["server"], str) and hello["server"].startswith("collabgym ")
    assert set(hello["ops"]) == OPS
    limits = hello["limits"]
    for key in ("max_message_bytes", "max_sessions", "idle_timeout_s", "max_batch"):
        assert key in limits, f"hello.limits lacks {key}: {limits}"
    assert limits["idle_timeout_s"] == pytest.approx(30)
    assert {"act", "text", "fork", "step_many", "act_features"} <= set(hello["capabilities"])


def test_list_and_spec(client: collabgym.Client) -> None:
    assert ENV_ID in client.list()["ids"]
    spec = client.spec(ENV_ID)["spec"]
    assert spec["id"] == ENV_ID
    assert spec["action_space"]["n"] == len(spec["acts"])
    assert spec["observation_space"]["features"]["shape"] == [len(spec["features"])]
    assert spec["reward"]["reward"] == "mr"
    spec2 = client.spec(ENV_ID, {"reward": "terminal"})["spec"]
    assert spec2["reward"]["reward"] == "terminal"


def test_ping_stats(client: collabgym.Client) -> None:
    assert client.ping() == {"pong": True}
    stats = client.stats()
    for key in ("sessions", "requests", "errors", "steps", "uptime_s"):
        assert key in stats, f"stats lacks {key}: {stats}"


def test_make_reset_step_by_act(env: collabgym.CollabGymEnv) -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", env.session)
    n_acts, n_feat = len(env.collab_spec["acts"]), len(env.collab_spec["features"])
    obs, info = env.reset(seed=42)
    assert info["seed"] == 42 and env.last_seed == 42
    assert isinstance(obs["text"], str) and obs["text"]
    assert obs["features"].dtype == np.float32 and obs["features"].shape == (n_feat,)
    assert obs["action_mask"].dtype == np.uint8 and obs["action_mask"].shape == (n_acts,)
    assert obs["features"].flags.writeable and obs["action_mask"].flags.writeable
    assert isinstance(obs["turn"], int)
    assert obs in env.observation_space
    alive = env.act_index("ask:alive")
    assert obs["action_mask"][alive] == 1
    obs2, reward, terminated, truncated, info = env.step(alive)
    assert isinstance(reward, float)
    assert terminated is False and truncated is False
    assert info["act"] == "ask:alive" and info["act_index"] == alive
    assert info["understood"] is True
    assert obs2["turn"] == obs["turn"] + 1
    assert obs2["action_mask"][alive] == 0, "an asked question must be masked"
    for key in ("task", "interactivity", "token_cost", "total", "mr", "spread", "samples"):
        assert key in info["reward"], f"info.reward lacks {key}"
    for key in ("agent_text", "agent_tokens", "event", "score", "success"):
        assert key in info, f"info lacks {key}"
    # numpy integers are acts too
    obs3, *_ = env.step(np.int64(env.act_index("ask:animal")))
    assert obs3["turn"] == obs2["turn"] + 1


def test_step_by_text_and_dict(env: collabgym.CollabGymEnv) -> None:
    env.reset(seed=7)
    obs, _, _, _, info = env.step("Is it alive?")
    assert info["act"] == "ask:alive" and info["understood"] is True
    assert info["agent_text"] == "Is it alive?"
    assert info["agent_tokens"] > 0
    assert obs["text"]
    obs, _, _, _, info = env.step({"act": env.act_index("ask:edible"), "text": "Can you eat it?"})
    assert info["act"] == "ask:edible" and info["agent_text"] == "Can you eat it?"
    obs, _, _, _, info = env.step("zzqx blorp")
    assert info["understood"] is False and info["act"] is None
    assert obs["turn"] == 3, "unparseable text still uses a turn"
    assert [r for r, _ in env.history] == ["user"] + ["agent", "user"] * 3


def test_client_side_action_type_errors(env: collabgym.CollabGymEnv) -> None:
    env.reset(seed=1)
    for bad, name in ((1.5, "float"), (None, "NoneType"), (True, "bool"), ([1], "list")):
        with pytest.raises(TypeError, match=name):
            env.step(bad)
    with pytest.raises(TypeError, match="str"):
        env.step({"text": 3})
    with pytest.raises(ValueError):
        env.step({})
    with pytest.raises(ValueError):
        env.step({"act": 1, "speech": "hi"})


def _play(env: collabgym.CollabGymEnv, seed: int, actions: Sequence[Any]) -> List[Tuple]:
    obs, info = env.reset(seed=seed)
    trace: List[Tuple] = [(obs["text"], obs["features"].tobytes(), obs["action_mask"].tobytes())]
    for action in actions:
        obs, reward, term, trunc, info = env.step(action)
        trace.append((obs["text"], obs["features"].tobytes(), obs["action_mask"].tobytes(),
                      reward, term, trunc, repr(sorted(info.items()))))
        if term or trunc:
            break
    return trace


def _asks(env: collabgym.CollabGymEnv, k: int) -> List[int]:
    return [i for i, name in enumerate(env.act_names) if name.startswith("ask:")][:k]


def test_determinism_same_seed_same_trace(server: Any) -> None:
    with collabgym.make(ENV_ID, endpoint=server.endpoint) as a, \
            collabgym.make(ENV_ID, endpoint=server.endpoint) as b:  # default reward: mr
        actions: List[Any] = _asks(a, 6) + ["Is it a dog?", "Is it made of metal?"]
        ta, tb = _play(a, 123, actions), _play(b, 123, actions)
        assert ta == tb
        # replaying on the same session gives the same trace too
        assert _play(a, 123, actions) == ta
        # a different seed changes something (the object, the persona, the answers)
        others = [_play(b, s, actions) for s in (124, 125, 126)]
        assert any(t != ta for t in others)


def test_reset_without_seed_follows_last_seed(server: Any) -> None:
    with collabgym.make(ENV_ID, endpoint=server.endpoint, **FAST) as a, \
            collabgym.make(ENV_ID, endpoint=server.endpoint, **FAST) as b:
        a.reset(seed=99)
        b.reset(seed=99)
        oa, ia = a.reset()
        ob, ib = b.reset()
        assert isinstance(ia["seed"], int)
        assert ia["seed"] == ib["seed"]
        assert oa["text"] == ob["text"]


def test_fork_diverges_without_disturbing_original(server: Any) -> None:
    kw = dict(endpoint=server.endpoint, **FAST)
    with collabgym.make(ENV_ID, **kw) as env, collabgym.make(ENV_ID, **kw) as ref_a, \
            collabgym.make(ENV_ID, **kw) as ref_b:
        asks = _asks(env, 8)
        prefix, x, y = asks[:4], asks[4], asks[5]
        _play(env, 2024, prefix)
        child = env.fork()
        try:
            assert child.session != env.session
            assert re.fullmatch(r"[0-9a-f]{32}", child.session)
            # the child diverges with x; the original continues with y, then x
            child_trace = [child.step(x)]
            orig_trace = [env.step(y), env.step(x)]
            ref_child = _play(ref_a, 2024, prefix + [x])
            ref_orig = _play(ref_b, 2024, prefix + [y, x])

            def last(t: Tuple) -> Tuple:
                obs, reward, term, trunc, info = t
                return (obs["text"], obs["features"].tobytes(), obs["action_mask"].tobytes(),
                        reward, term, trunc, repr(sorted(info.items())))

            assert last(child_trace[0]) == ref_child[-1]
            assert [last(t) for t in orig_trace] == ref_orig[-2:]
            assert child.history[: 1 + 2 * len(prefix)] == env.history[: 1 + 2 * len(prefix)]
        finally:
            child.close()
        # closing the fork leaves the original alive
        env.step(asks[6])


def test_context_manager_closes_session(server: Any, client: collabgym.Client) -> None:
    with collabgym.make(ENV_ID, endpoint=server.endpoint, **FAST) as env:
        env.reset(seed=0)
        session = env.session
    assert env.closed
    with pytest.raises(collabgym.UnknownSession):
        client.step(session, 0)
    env.close()  # idempotent
    with pytest.raises(RuntimeError):
        env.reset()


def test_episode_end_then_reset_needed(env: collabgym.CollabGymEnv) -> None:
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=3)
    guesses = np.array([n.startswith("guess:") for n in env.act_names])
    for _ in range(40):
        legal = np.flatnonzero(obs["action_mask"].astype(bool) & guesses)
        obs, reward, term, trunc, info = env.step(int(rng.choice(legal)))
        if term or trunc:
            break
    else:
        pytest.fail("an episode of guesses did not end within 40 steps")
    assert isinstance(info["success"], bool)
    with pytest.raises(collabgym.ResetNeeded) as exc:
        env.step(0)
    assert exc.value.code == "reset_needed" and exc.value.message
    env.reset()  # and a new episode can start
    env.step(0)


def test_spaces(env: collabgym.CollabGymEnv) -> None:
    assert env.action_space.n == len(env.collab_spec["acts"])
    obs, _ = env.reset(seed=5)
    mask = obs["action_mask"]
    if collabgym.HAVE_GYMNASIUM:
        act = env.action_space.sample(mask=mask.astype(np.int8))
    else:
        act = env.action_space.sample(mask=mask)
        assert env.observation_space["features"].shape == (len(env.collab_spec["features"]),)
        assert env.observation_space["action_mask"].n == mask.size
    assert env.action_space.contains(act) and mask[act] == 1
    env.step(act)


def test_render_ansi(server: Any) -> None:
    with collabgym.make(ENV_ID, endpoint=server.endpoint, render_mode="ansi", **FAST) as env:
        env.reset(seed=8)
        env.step("Is it alive?")
        text = env.render()
        assert "agent: Is it alive?" in text


def test_pipelined_replies_are_matched_by_id(client: collabgym.Client) -> None:
    ids = [client.send("ping"), client.send("list"), client.send("hello")]
    # read them out of order
    assert client.recv(ids[2])["protocol"] == 1
    assert client.recv(ids[0]) == {"pong": True}
    assert ENV_ID in client.recv(ids[1])["ids"]


def test_step_many_low_level(server: Any, client: collabgym.Client) -> None:
    a = client.make(ENV_ID, FAST)["session"]
    b = client.make(ENV_ID, FAST)["session"]
    try:
        client.reset(a, seed=1)
        client.reset(b, seed=2)
        results = client.step_many([(a, 0), {"session": b, "action": "Is it alive?"},
                                    ("f" * 32, 0), (a, 0)])
        assert isinstance(results[0], dict) and results[0]["obs"]["turn"] == 1
        assert isinstance(results[1], dict) and results[1]["info"]["act"] == "ask:alive"
        assert isinstance(results[2], collabgym.UnknownSession)
        # same session twice in one batch: applied in order, so act 0 is now masked
        assert isinstance(results[3], collabgym.InvalidAction), results[3]
    finally:
        client.close(a)
        client.close(b)


@pytest.mark.parametrize("task,reward", [("twenty_questions", "mr"),
                                         ("twenty_questions", "terminal"),
                                         ("guess_number", "terminal")])
def test_wire_matches_in_process_trace(server: Any, client: collabgym.Client, tmp_path: Any,
                                       task: str, reward: str) -> None:
    """docs/protocol.md: the same env, options, seed and actions give the same observations,
    rewards and info (content included) over the wire as in-process (here: `collabgym run
    --trace`). guess_number's answers carry a number, so info.content is checked non-empty."""
    import json
    import subprocess

    from conftest import REPO_ROOT, _binary

    if not any(i.startswith(task + "-") for i in client.list()["ids"]):
        pytest.skip(f"task {task} is not registered in this build")
    trace = tmp_path / "t.jsonl"
    subprocess.run([str(_binary()), "run", "--task", task, "--agent", "expert",
                    "-n", "2", "--seed", "5", "--reward", reward, "--trace", str(trace)],
                   check=True, capture_output=True, cwd=str(REPO_ROOT), timeout=60)
    lines = [json.loads(x) for x in trace.read_text().splitlines() if x.strip()]
    episodes, checked, with_content = [], 0, 0
    for line in lines:
        if line["type"] == "header":
            episodes.append([line])
        else:
            episodes[-1].append(line)
    for ep in episodes:
        header, turns = ep[0], [t for t in ep[1:] if t["type"] == "turn"]
        with collabgym.make(header["id"], endpoint=server.endpoint,
                            options=header["options"]) as env:
            obs, info = env.reset(seed=header["seed"])
            assert obs["text"] == turns[0]["text"]
            for agent, user in zip(turns[1::2], turns[2::2]):
                action = {"act": agent["act_index"], "text": agent["text"]} \
                    if agent["mode"] == "both" else \
                    (agent["act_index"] if agent["mode"] == "act" else agent["text"])
                obs, reward_, term, trunc, info = env.step(action)
                assert (obs["text"], reward_, term, trunc) == \
                    (user["text"], user["reward"], user["terminated"], user["truncated"])
                assert info == user["info"]
                assert info["content"] == user["info"]["content"]
                checked += 1
                with_content += info["content"] != {"body": None, "number": None}
    assert checked > 2
    if task == "guess_number":
        assert with_content > 0, "no step carried content"
