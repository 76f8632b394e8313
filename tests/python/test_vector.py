"""VectorEnv: batched shapes, seeds, next-step autoreset, determinism, client-side checks;
Gymnasium's vector API (dict-of-arrays infos); SoA and per-session layouts agree; several
servers give what one gives."""

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
        assert infos["seed"].tolist() == [100 + i for i in range(N)]
        assert infos["_seed"].all() and infos["reset"].all()
        ref, _ = single.reset(seed=102)
        assert obs["text"][2] == ref["text"]
        np.testing.assert_array_equal(obs["features"][2], ref["features"])
        np.testing.assert_array_equal(obs["action_mask"][2], ref["action_mask"])
        assert venv.action_space.contains(np.zeros(N, dtype=np.int64))


def _run(endpoint: Any, seed: int, steps: int, layout: Any = None
         ) -> Tuple[List[Tuple], List[dict]]:
    with collabgym.VectorEnv(ENV_ID, N, endpoint=endpoint, layout=layout, **FAST) as venv:
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
            if ended.any():
                np.testing.assert_array_equal(infos["_episode"], ended)
            for i in np.flatnonzero(ended):
                ep = infos["episode"]
                assert ep["length"][i] >= 1 and ep["success"].dtype == bool
                assert ep["return"][i] == pytest.approx(rew[i])  # terminal reward: at the end
                assert not infos["reset"][i]
            if ended.any():
                prev_ended = ended.copy()
                seen_end += 1
                # next step: those rows ignore their action and start a new episode
                acts = policy(obs["action_mask"])
                acts[prev_ended] = 10**6  # ignored (would be out of range)
                obs, rew, term, trunc, infos = venv.step(acts)
                np.testing.assert_array_equal(infos["reset"], prev_ended)
                np.testing.assert_array_equal(infos["_seed"], prev_ended)
                for i in np.flatnonzero(prev_ended):
                    assert infos["seed"].dtype == np.uint64
                    assert rew[i] == 0 and not term[i] and not trunc[i]
                    assert obs["turn"][i] == 0
                    np.testing.assert_array_equal(obs["action_mask"][i], fresh_mask)
                    # no step info for a row reset now (no key at all when no row stepped)
                    assert not infos.get("_score", np.zeros(N, bool))[i]
                for i in np.flatnonzero(~prev_ended):
                    assert infos["_score"][i] and 0 <= infos["score"][i] <= 1
            if seen_end >= 3:
                break
        assert seen_end >= 1, "no episode ended within 30 batched guess steps"


def test_vector_determinism(server: Any) -> None:
    a, infos_a = _run(server.endpoint, 31, 14)
    b, _ = _run(server.endpoint, 31, 14)
    assert a == b
    assert any(step["reset"].any() for step in infos_a), "no autoreset was exercised"
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


def test_soa_and_per_session_layouts_agree(server: Any) -> None:
    soa, infos_soa = _run(server.endpoint, 44, 14, layout="soa")
    items, infos_items = _run(server.endpoint, 44, 14, layout="items")
    assert soa == items
    for a, b in zip(infos_soa, infos_items):
        np.testing.assert_array_equal(a["reset"], b["reset"])
        assert ("_score" in a) == ("_score" in b)
        if "_score" not in a:  # every row was reset this step
            continue
        np.testing.assert_array_equal(a["_score"], b["_score"])
        np.testing.assert_array_equal(np.nan_to_num(a["score"]), np.nan_to_num(b["score"]))
        np.testing.assert_array_equal(np.nan_to_num(a["reward"]["total"]),
                                      np.nan_to_num(b["reward"]["total"]))
        assert list(a["act"]) == list(b["act"])


def test_two_servers_give_what_one_gives(server: Any, tmp_path: Any) -> None:
    from conftest import start_server
    second = start_server(str(tmp_path), "second")
    try:
        one, _ = _run(server.endpoint, 91, 14)
        two, _ = _run([server.endpoint, second.endpoint], 91, 14)
        assert one == two
        with collabgym.VectorEnv(ENV_ID, 5, endpoint=[server.endpoint, second.endpoint],
                                 **FAST) as venv:
            assert len(venv.clients) == 2
            # session i on endpoint i mod 2
            for i, s in enumerate(venv.sessions):
                assert s in venv._server_sessions[i % 2]
            obs, infos = venv.reset(seed=3)
            assert infos["seed"].tolist() == [3, 4, 5, 6, 7]
            with collabgym.Client(second.endpoint) as c:
                assert c.stats()["sessions"] == 2
    finally:
        assert second.stop() == 0


def test_gymnasium_vector_api(server: Any) -> None:
    with collabgym.VectorEnv(ENV_ID, N, endpoint=server.endpoint, **FAST) as venv:
        if collabgym.HAVE_GYMNASIUM:
            import gymnasium
            assert isinstance(venv, gymnasium.vector.VectorEnv)
            assert venv.metadata["autoreset_mode"] == gymnasium.vector.AutoresetMode.NEXT_STEP
        else:
            assert venv.metadata["autoreset_mode"] == "NextStep"
        assert venv.layout == "soa"
        obs, _ = venv.reset(seed=5)
        assert venv.observation_space["features"].shape == (N, venv.num_features)
        assert venv.observation_space.contains(obs), obs
        acts = np.argmax(obs["action_mask"], axis=1)
        obs, rew, term, trunc, infos = venv.step(acts)
        assert venv.observation_space.contains(obs)
        assert obs["features"].flags.writeable  # fresh arrays, not views of the reply
        assert infos["score"].shape == (N,) and infos["score"].dtype == np.float64
        assert infos["_score"].all() and infos["_reward"].all()
        assert infos["reward"]["total"].shape == (N,) and infos["reward"]["_total"].all()
        assert infos["success"].dtype == bool
        assert infos["act"].dtype == object and all(isinstance(a, str) for a in infos["act"])


def test_client_soa_batch_is_views_over_the_reply(client: collabgym.Client) -> None:
    assert collabgym.offers_soa(client.hello())
    a = [client.make(ENV_ID, FAST)["session"] for _ in range(3)]
    b = [client.make(ENV_ID, FAST)["session"] for _ in range(3)]
    try:
        r = client.reset_many_soa(a + ["0" * 32], seeds=[1, 2, 3, 4])
        assert r.n == 4 and r.seed.tolist()[:3] == [1, 2, 3]
        assert r.ok.tolist() == [True, True, True, False]
        assert isinstance(r.errors[3], collabgym.UnknownSession)
        assert not r.features.flags.owndata and not r.features.flags.writeable  # np.frombuffer
        refs = client.reset_many(b, seeds=[1, 2, 3])
        np.testing.assert_array_equal(r.features[1], refs[1]["obs"]["features"])
        assert r.text[1] == refs[1]["obs"]["text"] and refs[1]["seed"] == 2
        acts = [int(np.flatnonzero(r.action_mask[i])[0]) for i in range(3)]
        st = client.step_many_soa(a, acts)
        per = client.step_many(list(zip(b, acts)))
        for i in range(3):
            np.testing.assert_array_equal(st.features[i], per[i]["obs"]["features"])
            np.testing.assert_array_equal(st.action_mask[i], per[i]["obs"]["action_mask"])
            assert st.reward[i] == per[i]["reward"] and st.turn[i] == 1
            assert st.text[i] == per[i]["obs"]["text"]
            assert st.info["score"][i] == per[i]["info"]["score"]
            assert st.info["act"][i] == per[i]["info"]["act"]
            assert st.info["reward"]["total"][i] == per[i]["info"]["reward"]["total"]
    finally:
        for s in a + b:
            client.close(s)
