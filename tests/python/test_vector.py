"""VectorEnv: batched shapes, seeds, next-step autoreset, determinism, client-side checks."""

from __future__ import annotations

from typing import Any, List, Tuple

import numpy as np
import pytest

import collabgym
from conftest import ENV_ID, FAST

N = 4


def _guess_policy(names: List[str], seed: int):
    """Random legal guesses: episodes end fast (a right guess or 5 wrong ones)."""
    guesses = np.array([n.startswith("guess:") for n in names])
    rng = np.random.default_rng(seed)

    def act(mask: np.ndarray) -> np.ndarray:
        legal = mask.astype(bool) & guesses
        return np.array([int(rng.choice(np.flatnonzero(row))) for row in legal])
    return act


def test_reset_shapes_and_seeds(server: Any) -> None:
    with collabgym.VectorEnv(ENV_ID, N, endpoint=server.endpoint, **FAST) as venv, \
            collabgym.make(ENV_ID, endpoint=server.endpoint, **FAST) as single:
        obs, infos = venv.reset(seed=100)
        F, A = venv.num_features, venv.num_acts
        assert obs["features"].shape == (N, F) and obs["features"].dtype == np.float32
        assert obs["action_mask"].shape == (N, A) and obs["action_mask"].dtype == np.uint8
        assert len(obs["text"]) == N and obs["turn"].shape == (N,)
        assert [i["seed"] for i in infos] == [100 + i for i in range(N)]
        ref, _ = single.reset(seed=102)
        assert obs["text"][2] == ref["text"]
        np.testing.assert_array_equal(obs["features"][2], ref["features"])
        np.testing.assert_array_equal(obs["action_mask"][2], ref["action_mask"])
        assert venv.action_space.contains(np.zeros(N, dtype=np.int64))


def _run(endpoint: str, seed: int, steps: int) -> Tuple[List[Tuple], List[dict]]:
    with collabgym.VectorEnv(ENV_ID, N, endpoint=endpoint, **FAST) as venv:
        obs, _ = venv.reset(seed=seed)
        policy = _guess_policy(venv.collab_spec["acts"], seed)
        trace, all_infos = [], []
        for _ in range(steps):
            acts = policy(obs["action_mask"])
            obs, rew, term, trunc, infos = venv.step(acts)
            assert rew.shape == (N,) and term.dtype == bool and trunc.dtype == bool
            trace.append((obs["features"].tobytes(), obs["action_mask"].tobytes(), obs["text"],
                          rew.tobytes(), term.tobytes(), trunc.tobytes()))
            all_infos.append(infos)
        return trace, all_infos


def test_autoreset_next_step(server: Any) -> None:
    with collabgym.VectorEnv(ENV_ID, N, endpoint=server.endpoint, **FAST) as venv:
        obs, _ = venv.reset(seed=7)
        fresh_mask = obs["action_mask"][0].copy()
        policy = _guess_policy(venv.collab_spec["acts"], 7)
        seen_end = 0
        for _ in range(30):
            prev_ended = None
            obs, rew, term, trunc, infos = venv.step(policy(obs["action_mask"]))
            ended = term | trunc
            for i in np.flatnonzero(ended):
                ep = infos[i]["episode"]
                assert ep["length"] >= 1 and isinstance(ep["success"], bool)
                assert ep["return"] == pytest.approx(rew[i])  # terminal reward: all at the end
                assert infos[i]["reset"] is False
            if ended.any():
                prev_ended = ended.copy()
                seen_end += 1
                # next step: those rows ignore their action and start a new episode
                acts = policy(obs["action_mask"])
                acts[prev_ended] = 10**6  # ignored (would be out of range)
                obs, rew, term, trunc, infos = venv.step(acts)
                for i in np.flatnonzero(prev_ended):
                    assert infos[i]["reset"] is True and isinstance(infos[i]["seed"], int)
                    assert rew[i] == 0 and not term[i] and not trunc[i]
                    assert obs["turn"][i] == 0
                    np.testing.assert_array_equal(obs["action_mask"][i], fresh_mask)
                for i in np.flatnonzero(~prev_ended):
                    assert infos[i]["reset"] is False
            if seen_end >= 3:
                break
        assert seen_end >= 1, "no episode ended within 30 batched guess steps"


def test_vector_determinism(server: Any) -> None:
    a, infos_a = _run(server.endpoint, 31, 14)
    b, _ = _run(server.endpoint, 31, 14)
    assert a == b
    assert any(i.get("reset") for step in infos_a for i in step), "no autoreset was exercised"
    c, _ = _run(server.endpoint, 32, 14)
    assert a != c


def test_vector_client_side_checks(server: Any) -> None:
    with collabgym.VectorEnv(ENV_ID, 2, endpoint=server.endpoint, **FAST) as venv:
        obs, _ = venv.reset(seed=1)
        with pytest.raises(ValueError, match="3 actions"):
            venv.step([0, 0, 0])
        with pytest.raises(TypeError, match="environment 1.*float"):
            venv.step([0, 2.5])
        with pytest.raises(collabgym.InvalidAction, match="environment 1"):
            venv.step([0, venv.num_acts])
        venv.step([0, "Is it alive?"])  # mixed act / text rows
        with pytest.raises(collabgym.InvalidAction, match="environment 0.*masked"):
            venv.step([0, 1])
        sessions = list(venv.sessions)
    with collabgym.Client(server.endpoint) as c:
        for s in sessions:
            with pytest.raises(collabgym.UnknownSession):
                c.reset(s)
