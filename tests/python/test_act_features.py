"""Protocol 1.1: per-act features as a negotiated capability, and info's ``content`` field.

Act features are checked on 20 Questions (K = 0) and, once it is registered, on the guess_number
example task (K > 0). Values equal to the in-process ``Env::observe()`` are checked by the C++ tests
(tests/bridge/server_test.cpp); here: the decoding, the shapes, the spaces, the negotiation with new
and old servers, and determinism.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Iterator, List

import msgpack
import numpy as np
import pytest
import zmq

import collabgym
from conftest import ENV_ID, FAST


def _env_ids(client: collabgym.Client) -> List[str]:
    """20 Questions, plus guess_number when the server has it."""
    ids = client.list()["ids"]
    return [ENV_ID] + [i for i in ids if i.startswith("guess_number-")]


def _legal(obs: Dict[str, Any]) -> int:
    return int(np.flatnonzero(obs["action_mask"])[0])


def test_hello_offers_act_features(client: collabgym.Client) -> None:
    hello = client.hello()
    assert hello["protocol"] == 1
    assert hello["protocol_minor"] >= 1
    assert "act_features" in hello["capabilities"]
    assert collabgym.offers_act_features(hello)
    assert not collabgym.offers_act_features({"protocol": 1, "capabilities": ["act"]})
    assert not collabgym.offers_act_features({"protocol": 1, "protocol_minor": 0,
                                              "capabilities": ["act_features"]})


def test_env_gets_act_features_by_default(server: Any, client: collabgym.Client) -> None:
    for env_id in _env_ids(client):
        with collabgym.make(env_id, endpoint=server.endpoint, reward="terminal") as env:
            spec_shape = tuple(env.collab_spec["observation_space"]["act_features"]["shape"])
            A, K = len(env.collab_spec["acts"]), len(env.collab_spec["act_features"])
            assert spec_shape == (A, K), env_id
            assert env.act_features is True and env.num_act_features == K
            space = env.observation_space["act_features"]
            assert space.shape == (A, K) and space.dtype == np.float32
            # each column's declared range, the same for every act row, finite
            af = env.collab_spec["observation_space"]["act_features"]
            assert len(af["low"]) == K and len(af["high"]) == K, env_id
            assert np.array_equal(space.low[0], np.array(af["low"], np.float32)), env_id
            assert np.array_equal(space.high[-1], np.array(af["high"], np.float32)), env_id
            assert np.all(space.low == space.low[0]) and np.all(space.high == space.high[0])
            assert np.all(np.isfinite(space.low)) and np.all(np.isfinite(space.high))
            assert np.all(space.low <= space.high), env_id
            obs, _ = env.reset(seed=4)
            af = obs["act_features"]
            assert af.dtype == np.float32 and af.shape == (A, K), env_id
            assert af.flags.writeable and np.all(np.isfinite(af))
            assert obs in env.observation_space
            obs, *_ = env.step(_legal(obs))
            assert obs["act_features"].shape == (A, K)
            assert obs in env.observation_space
            if env_id == ENV_ID:
                assert K == 0, "20 Questions has no per-act features (yet)"


def test_act_features_are_the_wire_bytes_and_deterministic(server: Any,
                                                           client: collabgym.Client) -> None:
    for env_id in _env_ids(client):
        a = client.make(env_id, FAST, act_features=True)["session"]
        b = client.make(env_id, FAST, act_features=True)["session"]
        try:
            ra, rb = client.reset(a, seed=9), client.reset(b, seed=9)
            np.testing.assert_array_equal(ra["obs"]["act_features"], rb["obs"]["act_features"])
            act = _legal(ra["obs"])
            sa = client.step(a, act)
            # the same step, read as raw bytes: decoding is float32 little-endian, row-major
            raw = client.call("fork", session=b)["session"]
            try:
                reply = client.request_raw(msgpack.packb(
                    {"v": 1, "id": 999, "op": "step", "session": raw, "action": act},
                    use_bin_type=True))
                assert reply["ok"] is True, reply
                wire = reply["obs"]["act_features"]
                A = len(reply["obs"]["action_mask"])
                assert isinstance(wire, bytes) and len(wire) % (4 * A) == 0
                expect = np.frombuffer(wire, dtype="<f4").reshape(A, len(wire) // (4 * A))
                np.testing.assert_array_equal(sa["obs"]["act_features"], expect)
            finally:
                client.close(raw)
        finally:
            client.close(a)
            client.close(b)


def test_no_act_features_unless_asked(server: Any, client: collabgym.Client) -> None:
    # the low-level client sends the 1.0 request unless told otherwise
    s = client.make(ENV_ID, FAST)["session"]
    try:
        obs = client.reset(s, seed=1)["obs"]
        assert set(obs) == {"text", "features", "action_mask", "turn"}
        obs = client.step(s, _legal(obs))["obs"]
        assert "act_features" not in obs
        fork = client.fork(s)["session"]  # a fork inherits "not asked"
        assert "act_features" not in client.step(fork, _legal(obs))["obs"]
        client.close(fork)
    finally:
        client.close(s)
    # the env opts out with act_features=False: no key in the space or the observation
    with collabgym.make(ENV_ID, endpoint=server.endpoint, act_features=False, **FAST) as env:
        assert "act_features" not in env.observation_space.keys()
        assert env.num_act_features == 0
        obs, _ = env.reset(seed=1)
        assert "act_features" not in obs and obs in env.observation_space


def test_fork_keeps_act_features(env: collabgym.CollabGymEnv) -> None:
    obs, _ = env.reset(seed=2)
    child = env.fork()
    try:
        assert child.act_features is env.act_features is True
        obs_c, *_ = child.step(_legal(obs))
        obs_o, *_ = env.step(_legal(obs))
        np.testing.assert_array_equal(obs_c["act_features"], obs_o["act_features"])
    finally:
        child.close()


def test_bad_act_features_field_is_wrong_type(client: collabgym.Client) -> None:
    for bad in (1, "yes", [True], {"x": 1}):
        with pytest.raises(collabgym.WrongType) as exc:
            client.call("make", env_id=ENV_ID, act_features=bad)
        assert "act_features" in exc.value.message and "bool" in exc.value.message
    with pytest.raises(TypeError, match="act_features"):
        client.make(ENV_ID, FAST, act_features="yes")  # type: ignore[arg-type]
    # explicit false is accepted (the 1.0 observation)
    s = client.call("make", env_id=ENV_ID, options=FAST, act_features=False)["session"]
    try:
        assert "act_features" not in client.reset(s, seed=0)["obs"]
    finally:
        client.close(s)


def test_vector_env_stacks_act_features(server: Any, client: collabgym.Client) -> None:
    for env_id in _env_ids(client):
        with collabgym.VectorEnv(env_id, 3, endpoint=server.endpoint, reward="terminal") as venv, \
                collabgym.make(env_id, endpoint=server.endpoint, reward="terminal") as single:
            A, K = venv.num_acts, venv.num_act_features
            assert venv.act_features and K == len(venv.collab_spec["act_features"])
            assert venv.single_observation_space["act_features"].shape == (A, K)
            obs, _ = venv.reset(seed=50)
            assert obs["act_features"].shape == (3, A, K)
            assert obs["act_features"].dtype == np.float32
            ref, _ = single.reset(seed=51)
            np.testing.assert_array_equal(obs["act_features"][1], ref["act_features"])
            acts = [_legal({"action_mask": m}) for m in obs["action_mask"]]
            obs, *_ = venv.step(acts)
            ref, *_ = single.step(acts[1])
            assert obs["act_features"].shape == (3, A, K)
            np.testing.assert_array_equal(obs["act_features"][1], ref["act_features"])
        with collabgym.VectorEnv(env_id, 2, endpoint=server.endpoint, act_features=False,
                                 reward="terminal") as venv:
            obs, _ = venv.reset(seed=1)
            assert "act_features" not in obs and venv.num_act_features == 0


def test_info_content(server: Any, client: collabgym.Client) -> None:
    for env_id in _env_ids(client):
        with collabgym.make(env_id, endpoint=server.endpoint, reward="terminal") as env:
            obs, _ = env.reset(seed=6)
            for _ in range(env.collab_spec.get("max_turns") or 30):
                obs, _, term, trunc, info = env.step(_legal(obs))
                content = info["content"]
                assert set(content) == {"body", "number"}, info
                assert content["body"] is None or isinstance(content["body"], str)
                number = content["number"]  # a float; integral values may come as ints
                assert number is None or (isinstance(number, (int, float))
                                          and not isinstance(number, bool))
                if term or trunc:
                    break
            if env_id == ENV_ID:
                assert info["content"] == {"body": None, "number": None}  # 20Q acts carry none


# ---------------------------------------------------------------------------- old servers


class _OldServerProxy:
    """Forwards to a real server but answers ``hello`` as a 1.0 server would (no
    ``protocol_minor``, no ``act_features`` capability). Requests pass unchanged, so a client
    that asked for act features anyway would get them back and the tests would see it."""

    def __init__(self, upstream: str, endpoint: str) -> None:
        self.endpoint = endpoint
        self._ctx = zmq.Context.instance()
        self._front = self._ctx.socket(zmq.ROUTER)
        self._front.setsockopt(zmq.LINGER, 0)
        self._front.bind(endpoint)
        self._back = self._ctx.socket(zmq.DEALER)
        self._back.setsockopt(zmq.LINGER, 0)
        self._back.connect(upstream)
        self._stop = threading.Event()
        self.seen_make: List[Dict[str, Any]] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        poller = zmq.Poller()
        poller.register(self._front, zmq.POLLIN)
        poller.register(self._back, zmq.POLLIN)
        while not self._stop.is_set():
            for sock, _ in poller.poll(50):
                frames = sock.recv_multipart()
                if sock is self._front:
                    body = msgpack.unpackb(frames[-1], raw=False)
                    if isinstance(body, dict) and body.get("op") == "make":
                        self.seen_make.append(body)
                    self._back.send_multipart(frames)
                else:
                    reply = msgpack.unpackb(frames[-1], raw=False)
                    if isinstance(reply, dict) and "capabilities" in reply:
                        reply.pop("protocol_minor", None)
                        reply["capabilities"] = [c for c in reply["capabilities"]
                                                 if c != "act_features"]
                        frames[-1] = msgpack.packb(reply, use_bin_type=True)
                    self._front.send_multipart(frames)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._front.close()
        self._back.close()


@pytest.fixture
def old_server(server: Any, tmp_path: Any) -> Iterator[_OldServerProxy]:
    proxy = _OldServerProxy(server.endpoint, f"ipc://{tmp_path}/old.sock")
    yield proxy
    proxy.close()


def test_old_server_gives_the_v1_observation(old_server: _OldServerProxy) -> None:
    with collabgym.Client(old_server.endpoint, timeout=5.0) as c:
        assert not collabgym.offers_act_features(c.hello())
        with collabgym.make(ENV_ID, client=c, **FAST) as env:
            assert env.act_features is False
            assert "act_features" not in env.observation_space.keys()
            obs, _ = env.reset(seed=3)
            assert set(obs) == {"text", "features", "action_mask", "turn"}
            obs, *_ = env.step(_legal(obs))
            assert "act_features" not in obs and obs in env.observation_space
        with collabgym.VectorEnv(ENV_ID, 2, client=c, **FAST) as venv:
            obs, _ = venv.reset(seed=3)
            assert "act_features" not in obs
            obs, *_ = venv.step([_legal({"action_mask": m}) for m in obs["action_mask"]])
            assert "act_features" not in obs
        with pytest.raises(ValueError, match="does not offer act features"):
            collabgym.make(ENV_ID, client=c, act_features=True, **FAST)
    assert old_server.seen_make and all("act_features" not in m for m in old_server.seen_make)
