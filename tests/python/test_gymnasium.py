"""Gymnasium conformance: every registered id passes Gymnasium's own ``check_env``; registration for
``gymnasium.make``, wrappers, seeding, the Text space; and the client without gymnasium.

gymnasium comes from gymnasium_support.py (installed, or the shared Gymnasium 1.4.0 source beside
the repository); the gymnasium tests are skipped, with the reason, when neither is there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from typing import Any, List

import numpy as np
import pytest

import collabgym
from conftest import ENV_ID, FAST, GYMNASIUM_STATUS, REPO_ROOT, _binary

needs_gymnasium = pytest.mark.skipif(not collabgym.HAVE_GYMNASIUM,
                                     reason=f"no gymnasium: {GYMNASIUM_STATUS}")

#: The one warning gymnasium.make may give: an older version of a task that stays registered
#: (e.g. twenty_questions-v0 beside v2) is out of date, which is true. check_env itself must be
#: silent: every feature Box is bounded by the ranges its task declares.
OUT_OF_DATE = "is out of date. You should consider upgrading to version"


def _registered_ids() -> List[Any]:
    """The ids `collabgym list --json` prints (collected before any server starts), or one
    skipped parameter saying why there are none."""
    binary = _binary()
    if not binary.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{binary} not built"))]
    out = subprocess.run([str(binary), "list", "--json"], capture_output=True, text=True,
                         timeout=30, cwd=str(REPO_ROOT))
    if out.returncode != 0:
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"`{binary} list --json` failed: {out.stderr.strip()}"))]
    data = json.loads(out.stdout)  # [{"id": ..., "description": ...}, ...]
    ids = [item["id"] if isinstance(item, dict) else item for item in data]
    assert ids and all(isinstance(i, str) for i in ids), f"unexpected `list --json`: {out.stdout}"
    return ids


@needs_gymnasium
@pytest.mark.parametrize("env_id", _registered_ids())
def test_check_env_passes_for_every_registered_id(server: Any, env_id: str) -> None:
    """Gymnasium's check_env on each id, made through gymnasium.make (so the render-mode and
    close checks that need an EnvSpec run too), with every warning turned into a failure; the
    observation Boxes are bounded, and random play stays inside them."""
    import gymnasium
    from gymnasium.utils.env_checker import check_env

    gym_ids = collabgym.register_envs(server.endpoint, timeout=10.0)
    gym_id = f"collabgym/{env_id}"
    assert gym_id in gym_ids
    name, version = env_id.rsplit("-v", 1)
    latest = max(int(i.rsplit("-v", 1)[1]) for i in gym_ids
                 if i.rsplit("-v", 1)[0] == f"collabgym/{name}")
    with warnings.catch_warnings(record=True) as made:
        warnings.simplefilter("always")
        env = gymnasium.make(gym_id)
    others = [str(w.message) for w in made
              if not (OUT_OF_DATE in str(w.message) and int(version) < latest)]
    assert not others, f"gymnasium.make({gym_id}) warned:\n" + "\n".join(others)
    try:
        base = env.unwrapped
        for key in ("features",) + (("act_features",) if "act_features" in
                                    base.observation_space.spaces else ()):
            box = base.observation_space[key]
            assert np.all(np.isfinite(box.low)) and np.all(np.isfinite(box.high)), (env_id, key)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            base.action_space.seed(0)
            check_env(base)
            obs, _ = base.reset(seed=3)
            for _ in range(30):  # random play stays in the bounded space
                assert obs in base.observation_space, env_id
                obs, _, terminated, truncated, _ = base.step(
                    base.action_space.sample(mask=obs["action_mask"].astype(np.int8)))
                if terminated or truncated:
                    obs, _ = base.reset()
    finally:
        env.close()
    messages = [str(w.message) for w in caught]
    assert not messages, f"check_env({gym_id}) warned:\n" + "\n".join(messages)


@needs_gymnasium
def test_is_a_gymnasium_env(env: collabgym.CollabGymEnv) -> None:
    import gymnasium

    assert isinstance(env, gymnasium.Env)
    assert env.unwrapped is env
    assert env.spec is None, "made by collabgym.make, not gymnasium.make: no EnvSpec"
    assert isinstance(env.collab_spec, dict) and env.collab_spec["id"] == ENV_ID
    assert isinstance(env.observation_space, gymnasium.spaces.Dict)
    assert isinstance(env.action_space, gymnasium.spaces.Discrete)


@needs_gymnasium
def test_gymnasium_make_passes_options_and_sets_spec(server: Any) -> None:
    import gymnasium

    (gym_id,) = collabgym.register_envs(server.endpoint, ids=[ENV_ID], timeout=10.0)
    assert gym_id == f"collabgym/{ENV_ID}"
    # registering again with the same arguments changes nothing (and does not warn)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert collabgym.register_envs(server.endpoint, ids=[ENV_ID], timeout=10.0) == [gym_id]
    env = gymnasium.make(gym_id, render_mode="ansi", **FAST)
    try:
        base = env.unwrapped
        assert isinstance(base, collabgym.CollabGymEnv)
        assert base.spec is not None and base.spec.id == gym_id
        assert base.spec.kwargs["env_id"] == ENV_ID and base.spec.kwargs["reward"] == "terminal"
        assert base.options == {"reward": "terminal"}
        assert base.collab_spec["reward"]["reward"] == "terminal"
        env.reset(seed=3)
        env.step("Is it alive?")
        assert "agent: Is it alive?" in env.render()
    finally:
        env.close()
    with pytest.raises(gymnasium.error.Error):
        gymnasium.make("collabgym/twenty_questions-v7")


@needs_gymnasium
def test_wrappers_apply(server: Any) -> None:
    import gymnasium

    collabgym.register_envs(server.endpoint, ids=[ENV_ID], timeout=10.0)
    env = gymnasium.wrappers.RecordEpisodeStatistics(
        gymnasium.wrappers.TimeLimit(gymnasium.make(f"collabgym/{ENV_ID}", **FAST),
                                     max_episode_steps=3))
    try:
        obs, _ = env.reset(seed=11)
        ask = env.unwrapped.act_index("ask:alive")
        steps, info, truncated = 0, {}, False
        while not truncated:
            obs, _, terminated, truncated, info = env.step(
                ask if obs["action_mask"][ask] else "Is it an animal?")
            steps += 1
            assert not terminated
        assert steps == 3 and info["episode"]["l"] == 3
    finally:
        env.close()


@needs_gymnasium
def test_reset_seeds_np_random_as_gymnasium_does(env: collabgym.CollabGymEnv) -> None:
    from gymnasium.utils import seeding

    env.reset(seed=77)
    expected, _ = seeding.np_random(77)
    assert env.np_random.bit_generator.state == expected.bit_generator.state
    assert env.np_random_seed == 77
    state = env.np_random.bit_generator.state
    env.reset()  # no seed: the generator is left alone
    assert env.np_random.bit_generator.state == state


def test_text_space_admits_any_characters(env: collabgym.CollabGymEnv) -> None:
    text = env.observation_space["text"]
    for s in ("", "Yes — it’s “alive”.", "Café au lait, ½ price, 30 °C", "日本語 🙂"):
        assert text.contains(s), s
    assert not text.contains(b"bytes") and not text.contains(3)
    assert text.sample() in text
    obs, _ = env.reset(seed=0)
    assert obs in env.observation_space


def test_client_works_without_gymnasium(server: Any) -> None:
    """The package with gymnasium hidden (a fresh interpreter): a plain class, stand-in spaces,
    the same API."""
    code = textwrap.dedent(f"""
        import sys
        sys.modules["gymnasium"] = None          # `import gymnasium` now fails
        import numpy as np
        import collabgym
        assert not collabgym.HAVE_GYMNASIUM
        assert collabgym.CollabGymEnv.__bases__ == (object,)
        with collabgym.make({ENV_ID!r}, endpoint={server.endpoint!r}, reward="terminal") as env:
            assert env.spec is None and env.collab_spec["id"] == {ENV_ID!r}
            obs, info = env.reset(seed=5)
            assert info["seed"] == 5 and obs in env.observation_space
            assert env.observation_space["text"].contains("Yes — it’s alive")
            a = env.action_space.sample(mask=obs["action_mask"])
            obs, reward, terminated, truncated, info = env.step(a)
            assert obs in env.observation_space and isinstance(reward, float)
            rng = np.random.default_rng(5)
            env.reset(seed=5)
            assert env.np_random.bit_generator.state == rng.bit_generator.state
        try:
            collabgym.register_envs({server.endpoint!r}, ids=[{ENV_ID!r}])
        except ImportError as err:
            assert "gymnasium" in str(err)
        else:
            raise AssertionError("register_envs without gymnasium must raise ImportError")
        print("ok")
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "bridge" / "python"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env, cwd=str(REPO_ROOT))
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stdout + out.stderr


def test_registered_ids_make_through_the_plain_client(server: Any) -> None:
    """Every id `list` reports can be made, reset and stepped by act (with or without
    gymnasium), and its observation is in its space."""
    with collabgym.Client(server.endpoint, timeout=10.0) as client:
        ids = client.list()["ids"]
        for env_id in ids:
            with collabgym.make(env_id, client=client, **FAST) as e:
                obs, _ = e.reset(seed=1)
                assert obs in e.observation_space, env_id
                legal = np.flatnonzero(obs["action_mask"])
                obs, *_ = e.step(int(legal[0]))
                assert obs in e.observation_space, env_id
