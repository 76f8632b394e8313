"""Every error code a client can provoke maps to its exception class, with a message."""

from __future__ import annotations

from typing import Any, Iterator, Type

import msgpack
import pytest
import zmq

import collabgym
from conftest import ENV_ID, FAST


def _raises(cls: Type[collabgym.CollabGymError], fn: Any, *args: Any, match: str = "",
            **kw: Any) -> collabgym.CollabGymError:
    with pytest.raises(cls) as exc:
        fn(*args, **kw)
    err = exc.value
    assert type(err) is cls, f"expected {cls.__name__}, got {type(err).__name__}: {err}"
    assert err.code == cls.code_name
    assert isinstance(err.message, str) and err.message.strip(), "empty error message"
    if match:
        assert match.lower() in err.message.lower(), f"{match!r} not in {err.message!r}"
    return err


@pytest.fixture
def session(client: collabgym.Client) -> Iterator[str]:
    sid = client.make(ENV_ID, FAST)["session"]
    yield sid
    try:
        client.close(sid)
    except collabgym.UnknownSession:
        pass


@pytest.fixture
def raw(server: Any) -> Iterator[zmq.Socket]:
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVTIMEO, 5000)
    sock.connect(server.endpoint)
    yield sock
    sock.close()


def _raw_reply(sock: zmq.Socket, *frames: bytes) -> dict:
    sock.send_multipart(list(frames))
    reply = msgpack.unpackb(sock.recv_multipart()[-1], raw=False)
    assert isinstance(reply, dict) and reply.get("v") == 1, reply
    return reply


def _expect_error(reply: dict, code: str) -> None:
    assert reply["ok"] is False, reply
    assert reply["error"]["code"] == code, reply
    assert isinstance(reply["error"]["message"], str) and reply["error"]["message"]


def test_error_classes_cover_every_code() -> None:
    codes = {"malformed", "bad_version", "missing_field", "wrong_type", "unknown_op",
             "unknown_env", "invalid_option", "unknown_session", "invalid_action",
             "reset_needed", "too_large", "too_many_sessions", "shutting_down", "internal"}
    assert codes <= set(collabgym.ERRORS_BY_CODE)
    err = collabgym.error_from_reply({"code": "invalid_action", "message": "act 9 is masked"})
    assert isinstance(err, collabgym.InvalidAction) and err.message == "act 9 is masked"
    err = collabgym.error_from_reply({"code": "brand_new", "message": "m"})
    assert type(err) is collabgym.CollabGymError and err.code == "brand_new"


def test_unknown_op(client: collabgym.Client) -> None:
    _raises(collabgym.UnknownOp, client.call, "frobnicate", match="frobnicate")


def test_missing_field(client: collabgym.Client, session: str) -> None:
    _raises(collabgym.MissingField, client.call, "make", match="env_id")
    _raises(collabgym.MissingField, client.call, "spec", match="env_id")
    _raises(collabgym.MissingField, client.call, "reset", match="session")
    _raises(collabgym.MissingField, client.call, "step", session=session, match="action")
    _raises(collabgym.MissingField, client.call, "step_many", match="steps")
    _raises(collabgym.MissingField, client.call, "fork", match="session")


def test_missing_op_and_id(raw: zmq.Socket) -> None:
    reply = _raw_reply(raw, msgpack.packb({"v": 1, "id": 5}))
    _expect_error(reply, "missing_field")
    assert reply["id"] == 5
    assert "op" in reply["error"]["message"]
    _expect_error(_raw_reply(raw, msgpack.packb({"v": 1, "op": "ping"})), "missing_field")


def test_wrong_type(client: collabgym.Client, session: str) -> None:
    _raises(collabgym.WrongType, client.call, "reset", session=session, seed="x", match="seed")
    _raises(collabgym.WrongType, client.call, "reset", session=session, seed=-1, match="seed")
    client.reset(session, seed=1)
    _raises(collabgym.WrongType, client.call, "step", session=session, action=1.5,
            match="action")
    _raises(collabgym.WrongType, client.call, "step", session=session, action=[1],
            match="action")
    _raises(collabgym.WrongType, client.call, "make", env_id=ENV_ID, options=[1],
            match="options")
    _raises(collabgym.WrongType, client.call, "make", env_id=5, match="env_id")
    _raises(collabgym.WrongType, client.call, "step", session=7, action=0, match="session")
    _raises(collabgym.WrongType, client.call, "step_many", steps={"a": 1}, match="steps")


def test_unknown_env_suggests(client: collabgym.Client) -> None:
    _raises(collabgym.UnknownEnv, client.make, "twenty_question-v0", match="twenty_questions-v0")
    _raises(collabgym.UnknownEnv, client.spec, "nope-v9")
    with pytest.raises(collabgym.UnknownEnv):
        collabgym.make("twenty_questions-v7", client=client)


def test_invalid_option(client: collabgym.Client) -> None:
    _raises(collabgym.InvalidOption, client.make, ENV_ID, {"mr_window": 99}, match="mr_window")
    _raises(collabgym.InvalidOption, client.make, ENV_ID, {"no_such_option": 1},
            match="no_such_option")
    _raises(collabgym.InvalidOption, client.make, ENV_ID, {"reward": "bogus"}, match="reward")
    _raises(collabgym.InvalidOption, client.make, ENV_ID, {"split": "nowhere"}, match="split")


def test_unknown_session(client: collabgym.Client) -> None:
    ghost = "0123456789abcdef0123456789abcdef"
    _raises(collabgym.UnknownSession, client.step, ghost, 0)
    _raises(collabgym.UnknownSession, client.reset, ghost)
    _raises(collabgym.UnknownSession, client.fork, ghost)
    _raises(collabgym.UnknownSession, client.step, "not-a-session", 0)
    sid = client.make(ENV_ID, FAST)["session"]
    client.close(sid)
    _raises(collabgym.UnknownSession, client.close, sid)
    _raises(collabgym.UnknownSession, client.reset, sid)


def test_invalid_action(client: collabgym.Client, session: str) -> None:
    client.reset(session, seed=4)
    n = client.spec(ENV_ID)["spec"]["action_space"]["n"]
    _raises(collabgym.InvalidAction, client.step, session, n, match=str(n))
    _raises(collabgym.InvalidAction, client.step, session, 10**6)
    _raises(collabgym.InvalidAction, client.step, session, -1)
    client.step(session, 0)
    _raises(collabgym.InvalidAction, client.step, session, 0)  # masked: asked already
    # the failed steps did not advance the episode
    assert client.step(session, 1)["obs"]["turn"] == 2


def test_empty_action_is_invalid_action(client: collabgym.Client, session: str) -> None:
    """docs/protocol.md: invalid_action covers "an empty action"; wrong_type is for an action
    that is "neither int, string nor map" — so an empty map is invalid_action too."""
    client.reset(session, seed=4)
    _raises(collabgym.InvalidAction, client.call, "step", session=session, action="")
    _raises(collabgym.InvalidAction, client.call, "step", session=session, action={})


def test_reset_needed(client: collabgym.Client, session: str) -> None:
    _raises(collabgym.ResetNeeded, client.step, session, 0)


def test_too_large(client: collabgym.Client, session: str) -> None:
    limits = client.hello()["limits"]
    client.reset(session, seed=5)
    steps = [(session, 0)] * (int(limits["max_batch"]) + 1)
    _raises(collabgym.TooLarge, client.step_many, steps)
    size = int(limits["max_message_bytes"]) + 1024
    if size <= 12 * 2**20:  # below the hard cap of 16 MiB: a reply is due
        _raises(collabgym.TooLarge, client.step, session, "a" * size)
    assert client.step(session, 0)["obs"]["turn"] == 1  # nothing was applied


def test_too_many_sessions(small_server: Any) -> None:
    with collabgym.Client(small_server.endpoint, timeout=5) as c:
        a = c.make(ENV_ID, FAST)["session"]
        b = c.make(ENV_ID, FAST)["session"]
        _raises(collabgym.TooManySessions, c.make, ENV_ID, FAST)
        _raises(collabgym.TooManySessions, c.fork, a)
        c.close(b)
        c.fork(a)  # room again


def test_malformed(raw: zmq.Socket) -> None:
    _expect_error(_raw_reply(raw, b"\xc1\xc1\xc1"), "malformed")       # not MessagePack
    _expect_error(_raw_reply(raw, msgpack.packb([1, 2, 3])), "malformed")  # not a map
    two = msgpack.packb({"v": 1, "id": 1, "op": "ping"}) * 2
    _expect_error(_raw_reply(raw, two), "malformed")                     # two objects
    reply = _raw_reply(raw, b"\xff\x00garbage")
    _expect_error(reply, "malformed")
    assert reply["id"] is None


def test_malformed_via_client(client: collabgym.Client) -> None:
    reply = client.request_raw(b"\xc1")
    assert reply["ok"] is False and reply["error"]["code"] == "malformed"


def test_deep_nesting_is_malformed(raw: zmq.Socket) -> None:
    head = msgpack.packb({"v": 1, "id": 9, "op": "ping"})
    for depth in (33, 100, 100_000):
        body = bytes([head[0] + 1]) + head[1:] + msgpack.packb("x") + b"\x91" * depth + b"\xc0"
        _expect_error(_raw_reply(raw, body), "malformed")
    ok = bytes([head[0] + 1]) + head[1:] + msgpack.packb("x") + b"\x91" * 20 + b"\xc0"
    assert _raw_reply(raw, ok)["ok"] is True  # within the limit: extra fields are ignored


def test_bad_version(raw: zmq.Socket) -> None:
    reply = _raw_reply(raw, msgpack.packb({"v": 2, "id": 11, "op": "ping"}))
    _expect_error(reply, "bad_version")
    assert reply["id"] == 11
    _expect_error(_raw_reply(raw, msgpack.packb({"id": 12, "op": "ping"})), "bad_version")


def test_delimiter_frame_envelope(raw: zmq.Socket) -> None:
    frames = [b"", msgpack.packb({"v": 1, "id": 77, "op": "ping"})]
    raw.send_multipart(frames)
    reply_frames = raw.recv_multipart()
    reply = msgpack.unpackb(reply_frames[-1], raw=False)
    assert reply["ok"] is True and reply["id"] == 77 and reply["pong"] is True
    assert reply_frames[0] == b"", "the delimiter comes back with the reply"


def test_unknown_fields_ignored(client: collabgym.Client) -> None:
    assert client.call("ping", extra="x", more=[1, 2]) == {"pong": True}
