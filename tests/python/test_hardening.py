"""Server hardening as a Python client sees it (docs/protocol.md 1.3): scenarios by name, never by
path; floats always float64; strings that are not UTF-8 refused and never sent; the envelope
limit."""

from __future__ import annotations

from typing import Any, Iterator

import msgpack
import pytest
import zmq

import collabgym
from conftest import ENV_ID, FAST


@pytest.fixture
def raw(server: Any) -> Iterator[zmq.Socket]:
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVTIMEO, 5000)
    sock.connect(server.endpoint)
    yield sock
    sock.close()


def test_scenarios_are_offered_by_name_and_hash_not_path(client: collabgym.Client) -> None:
    offered = {s["name"]: s for s in client.call("list")["scenarios"]
               if s["task"] == "twenty_questions"}
    assert "small-v2" in offered and offered["common-v2"]["default"] is True, offered
    made = client.make(ENV_ID, {**FAST, "scenario": "small-v2"})
    assert made["spec"]["scenario"]["name"] == "small-v2"
    assert made["spec"]["scenario"]["hash"] == offered["small-v2"]["hash"]
    assert "path" not in made["spec"]["scenario"]
    by_hash = client.make(ENV_ID, {**FAST, "scenario": offered["small"]["hash"]})
    assert by_hash["spec"]["scenario"]["name"] == "small"
    for bad in ("scenarios/twenty_questions/small-v2.json", "/etc/passwd", "/dev/zero"):
        with pytest.raises(collabgym.InvalidOption) as exc:
            client.make(ENV_ID, {**FAST, "scenario": bad})
        assert "not a scenario this server offers" in exc.value.message
        assert "root:" not in exc.value.message


def test_whole_number_floats_decode_as_float(client: collabgym.Client) -> None:
    sid = client.make(ENV_ID, FAST)["session"]
    client.reset(sid, seed=1)
    step = client.step(sid, 0)
    assert step["reward"] == 0 and type(step["reward"]) is float, step["reward"]
    assert type(step["info"]["score"]) is float
    assert all(type(step["info"]["reward"][k]) is float for k in ("task", "total"))
    assert type(client.call("hello")["limits"]["idle_timeout_s"]) is float


def test_non_utf8_strings_are_malformed_and_replies_stay_utf8(raw: zmq.Socket) -> None:
    # use_bin_type=False packs bytes as MessagePack str: the bytes go out unchecked.
    for req in ({"v": 1, "id": 5, "op": b"fr\xffob"},
                {"v": 1, "id": 6, "op": "make", "env_id": ENV_ID, "options": {"persona": b"\xc3("}},
                {"v": 1, "id": 7, "op": "make", "env_id": ENV_ID, "options": {b"\xed\xa0\x80": 1}}):
        raw.send(msgpack.packb(req, use_bin_type=False))
        reply = msgpack.unpackb(raw.recv_multipart()[-1], raw=False)  # strict: fails on bad UTF-8
        assert reply["id"] == req["id"]
        assert reply["error"]["code"] == "malformed", reply
        assert "UTF-8" in reply["error"]["message"]


def test_many_frame_request_is_too_large_and_not_echoed(raw: zmq.Socket) -> None:
    body = msgpack.packb({"v": 1, "id": 9, "op": "ping"})
    raw.send_multipart([b""] + [b"x" * 100] * 50 + [body])
    frames = raw.recv_multipart()
    assert len(frames) == 2 and frames[0] == b"", [len(f) for f in frames]
    reply = msgpack.unpackb(frames[1], raw=False)
    assert reply["error"]["code"] == "too_large" and reply["id"] is None, reply
