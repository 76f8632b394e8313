"""The server survives garbage; the client never hangs and ignores stale replies."""

from __future__ import annotations

import tempfile
import threading
import time
from typing import Any, Iterator

import msgpack
import numpy as np
import pytest
import zmq

import collabgym
from conftest import ENV_ID, FAST

ERROR_CODES_FOR_GARBAGE = {"malformed", "bad_version", "missing_field", "wrong_type",
                           "unknown_op"}


def test_server_survives_garbage(server: Any) -> None:
    rng = np.random.default_rng(1234)
    valid = msgpack.packb({"v": 1, "id": 1, "op": "make", "env_id": ENV_ID,
                           "options": {"reward": "terminal"}})
    bodies = [rng.bytes(int(n)) for n in rng.integers(1, 300, size=150)]
    bodies += [valid[:k] for k in range(1, len(valid))]            # every truncation
    bodies += [b"\x91" * 200_000 + b"\xc0",                         # deep array
               b"\xdd\xff\xff\xff\xff",                             # array32 claiming 4G items
               b"\xdf\xff\xff\xff\xff",                             # map32 claiming 4G pairs
               b"\xc6\xff\xff\xff\xff",                             # bin32 claiming 4 GiB
               b"\x81" * 50_000 + b"\xc0"]                         # deep maps
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(server.endpoint)
    try:
        for body in bodies:  # pipelined: exactly one reply each
            sock.send(body)
        got = 0
        deadline = time.monotonic() + 20
        while got < len(bodies):
            assert sock.poll(max(1, int((deadline - time.monotonic()) * 1000))), \
                f"only {got} of {len(bodies)} garbage requests were answered"
            reply = msgpack.unpackb(sock.recv_multipart()[-1], raw=False)
            assert reply["ok"] is False, reply
            assert reply["error"]["code"] in ERROR_CODES_FOR_GARBAGE, reply
            got += 1
        assert not sock.poll(200), "more replies than requests"
    finally:
        sock.close()
    # and it still works normally
    with collabgym.make(ENV_ID, endpoint=server.endpoint, **FAST) as env:
        env.reset(seed=1)
        obs, *_ = env.step("Is it alive?")
        assert obs["turn"] == 1
    with collabgym.Client(server.endpoint, timeout=5) as c:
        assert c.ping() == {"pong": True}
        assert c.stats()["errors"] > 0


def test_timeout_when_no_server() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        client = collabgym.Client(f"ipc://{tmp}/nobody.sock", timeout=0.5)
        start = time.monotonic()
        with pytest.raises(collabgym.ServerTimeout) as exc:
            client.ping()
        elapsed = time.monotonic() - start
        client.close()
    assert isinstance(exc.value, TimeoutError)
    assert exc.value.code == "timeout"
    assert 0.4 <= elapsed < 2.0, elapsed
    with pytest.raises(collabgym.ServerTimeout):
        collabgym.make(ENV_ID, endpoint=f"ipc://{tmp}/nobody.sock", timeout=0.2)


@pytest.fixture
def fake_server() -> Iterator[tuple]:
    """A ROUTER that answers each request first with a stale id, then late, then correctly."""
    tmp = tempfile.TemporaryDirectory()
    endpoint = f"ipc://{tmp.name}/fake.sock"
    ctx = zmq.Context.instance()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.bind(endpoint)
    stop = threading.Event()
    delays = {"ping": 0.0}

    def serve() -> None:
        while not stop.is_set():
            if not router.poll(50):
                continue
            frames = router.recv_multipart()
            req = msgpack.unpackb(frames[-1], raw=False)
            envelope = frames[:-1]
            stale = {"v": 1, "id": req["id"] + 1000, "ok": True, "pong": "stale"}
            router.send_multipart(envelope + [msgpack.packb(stale)])
            time.sleep(delays.get(req["op"], 0.0))
            good = {"v": 1, "id": req["id"], "ok": True, "pong": True}
            router.send_multipart(envelope + [msgpack.packb(good)])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield endpoint, delays
    stop.set()
    thread.join()
    router.close()
    tmp.cleanup()


def test_stale_and_late_replies_are_discarded(fake_server: tuple) -> None:
    endpoint, delays = fake_server
    with collabgym.Client(endpoint, timeout=2) as c:
        assert c.ping() == {"pong": True}
        delays["ping"] = 0.6
        c.timeout = 0.3
        with pytest.raises(collabgym.ServerTimeout):
            c.ping()                    # its reply comes late...
        delays["ping"] = 0.0
        c.timeout = 2.0
        time.sleep(0.5)
        assert c.ping() == {"pong": True}  # ...and is not mistaken for this one
