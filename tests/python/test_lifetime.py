"""Session reaping after the idle timeout, and graceful shutdown on SIGTERM."""

from __future__ import annotations

import signal
import tempfile
import time
from typing import Any

import msgpack
import pytest
import zmq

import collabgym
from conftest import ENV_ID, FAST, start_server


def test_idle_session_is_reaped(small_server: Any) -> None:
    with collabgym.Client(small_server.endpoint, timeout=5) as c:
        assert c.hello()["limits"]["idle_timeout_s"] == pytest.approx(1)
        idle = c.make(ENV_ID, FAST)["session"]
        busy = c.make(ENV_ID, FAST)["session"]
        start = time.monotonic()
        while time.monotonic() - start < 2.5:  # 2.5 × the idle timeout; `busy` stays in use
            c.reset(busy)
            time.sleep(0.1)
        with pytest.raises(collabgym.UnknownSession):
            c.reset(idle)
        c.reset(busy)  # a session in use is never reaped
        c.close(busy)
        c.make(ENV_ID, FAST)  # the reaped session's slot is free again


def test_sigterm_answers_in_flight_then_exits_0() -> None:
    with tempfile.TemporaryDirectory(prefix="cgym-") as tmp:
        srv = start_server(tmp, "term")
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(srv.endpoint)
        try:
            with collabgym.Client(srv.endpoint, timeout=5) as c:
                # MR reward with many long samples: each step takes a while on the worker pool
                session = c.make(ENV_ID, {"reward": "mr", "mr_samples": 64,
                                          "mr_window": 20})["session"]
                c.reset(session, seed=1)
            n = 15
            for i in range(n):
                sock.send(msgpack.packb({"v": 1, "id": 1000 + i, "op": "step",
                                         "session": session, "action": i}))
            time.sleep(0.05)  # let the server read them: they are now in flight
            srv.proc.send_signal(signal.SIGTERM)
            replies = {}
            deadline = time.monotonic() + 10
            while len(replies) < n and time.monotonic() < deadline:
                if sock.poll(100):
                    r = msgpack.unpackb(sock.recv_multipart()[-1], raw=False)
                    assert r["id"] not in replies, f"two replies to request {r['id']}"
                    replies[r["id"]] = r
            assert len(replies) == n, f"{n - len(replies)} in-flight requests got no reply"
            for r in replies.values():
                assert r["ok"] is True or r["error"]["code"] == "shutting_down", r
        finally:
            sock.close()
            # No second signal: one that lands while the process tears down would kill it.
            code = srv.wait_exit(10)
        assert code == 0, f"exit status {code} after SIGTERM:\n{srv.log_tail()}"
