"""CURVE (docs/protocol.md "Security"): ``collabgym serve --curve-secret FILE --curve-allow DIR``
admits only clients whose public key is in DIR; keys come from ``collabgym keygen``."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import zmq

import collabgym
from collabgym.curve import load_curve_key
from conftest import ENV_ID, FAST, _binary

pytestmark = pytest.mark.skipif(not zmq.has("curve"),
                                reason="this libzmq has no CURVE support (zmq.has('curve'))")


def keygen(prefix: Path) -> None:
    subprocess.run([str(_binary()), "keygen", str(prefix)], check=True, capture_output=True,
                   timeout=30)


@pytest.fixture
def curve_server(tmp_path: Path):
    if not _binary().exists():
        pytest.skip(f"server binary {_binary()} not built (set COLLABGYM_BIN)")
    keygen(tmp_path / "server")
    keygen(tmp_path / "allowed" / "alice")
    keygen(tmp_path / "mallory")
    endpoint = f"ipc://{tmp_path}/curve.sock"
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([str(_binary()), "serve", "--bind", endpoint,
                             "--curve-secret", str(tmp_path / "server.key_secret"),
                             "--curve-allow", str(tmp_path / "allowed")],
                            stdout=log, stderr=subprocess.STDOUT)
    keys = {"curve_server_key": load_curve_key(str(tmp_path / "server.key"))}
    alice = dict(keys, curve_public_key=load_curve_key(str(tmp_path / "allowed" / "alice.key")),
                 curve_secret_key=load_curve_key(str(tmp_path / "allowed" / "alice.key_secret")))
    mallory = dict(keys, curve_public_key=load_curve_key(str(tmp_path / "mallory.key")),
                   curve_secret_key=load_curve_key(str(tmp_path / "mallory.key_secret")))
    try:
        with collabgym.Client(endpoint, timeout=0.25, **alice) as c:
            for _ in range(40):
                assert proc.poll() is None, (tmp_path / "server.log").read_text()
                try:
                    c.ping()
                    break
                except collabgym.ServerTimeout:
                    continue
        yield endpoint, alice, mallory
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        log.close()


def test_keygen_writes_a_pair_with_a_private_secret(tmp_path: Path) -> None:
    keygen(tmp_path / "k")
    public, secret = load_curve_key(str(tmp_path / "k.key")), load_curve_key(
        str(tmp_path / "k.key_secret"))
    assert len(public) == 40 and len(secret) == 40 and public != secret
    assert os.stat(tmp_path / "k.key_secret").st_mode & 0o077 == 0
    again = subprocess.run([str(_binary()), "keygen", str(tmp_path / "k")], capture_output=True,
                           timeout=30)
    assert again.returncode != 0, "keygen must not overwrite a key pair"


def test_allowed_client_plays_and_others_get_no_session(curve_server) -> None:
    endpoint, alice, mallory = curve_server
    with collabgym.Client(endpoint, timeout=10.0, **alice) as c:
        session = c.make(ENV_ID, options=FAST)["session"]
        assert c.reset(session, seed=1)["seed"] == 1
        assert c.step(session, 0)["obs"]["turn"] == 1
    with collabgym.make(ENV_ID, endpoint=endpoint, timeout=10.0, curve=alice, **FAST) as env:
        obs, _ = env.reset(seed=1)
        assert obs["turn"] == 0
    vec = collabgym.VectorEnv(ENV_ID, 2, endpoint, timeout=10.0, curve=alice, **FAST)
    try:
        vec.reset(seed=1)
    finally:
        vec.close()
    with collabgym.Client(endpoint, timeout=1.0, **mallory) as c:
        with pytest.raises(collabgym.CollabGymError) as err:
            c.make(ENV_ID, options=FAST)
        assert err.value.code == "unauthorized"
        assert "--curve-allow" in str(err.value)
    with collabgym.Client(endpoint, timeout=1.0) as plain:
        with pytest.raises(collabgym.ServerTimeout):
            plain.make(ENV_ID, options=FAST)
    with collabgym.Client(endpoint, timeout=10.0, **alice) as c:
        stats = c.stats()
        assert stats["sessions"] == 1, "only the allowed client's session exists"
        assert stats["refused_clients"] >= 1


def test_curve_keys_must_come_in_threes() -> None:
    with pytest.raises(ValueError):
        collabgym.Client("ipc:///nonexistent", curve_server_key="x" * 40)
