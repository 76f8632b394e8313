"""The serving loop shared by the endpoints CollabGym calls (agents, users): one ROUTER socket,
single-frame MessagePack requests ``{v, id, op, ...}``, one reply each, in arrival order."""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional

import msgpack
import zmq

#: ``v`` of every message: the major version of the wire protocol.
WIRE_VERSION = 1

#: ``answer(request, peer) -> reply`` for a decoded request map with a good ``v``.
Answer = Callable[[Dict[str, Any], bytes], Dict[str, Any]]


def error(rid: Any, code: str, message: str) -> Dict[str, Any]:
    return {"v": WIRE_VERSION, "id": rid, "ok": False, "error": {"code": code, "message": message}}


def ok(rid: Any, **fields: Any) -> Dict[str, Any]:
    return {"v": WIRE_VERSION, "id": rid, "ok": True, **fields}


def decode(payload: bytes, answer: Answer, peer: bytes) -> Dict[str, Any]:
    try:
        req = msgpack.unpackb(payload, raw=False, strict_map_key=False)
    except Exception as err:  # noqa: BLE001 - any undecodable request gets an error reply
        return error(None, "malformed", f"request is not MessagePack: {err}")
    if not isinstance(req, dict):
        return error(None, "malformed", f"request: expected a map, got {type(req).__name__}")
    rid = req.get("id")
    if req.get("v") != WIRE_VERSION:
        return error(rid, "bad_version", f"v is {req.get('v')!r}; expected {WIRE_VERSION}")
    return answer(req, peer)


def serve_loop(endpoint: str, answer: Answer, *, stop: Optional[threading.Event],
               ready: Optional[threading.Event], max_requests: Optional[int]) -> int:
    """Binds ``endpoint`` and answers requests until ``stop`` is set, ``max_requests`` were
    answered, or KeyboardInterrupt. Returns the number answered."""
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.bind(endpoint)
    if ready is not None:
        ready.set()
    answered = 0
    try:
        while (stop is None or not stop.is_set()) and (max_requests is None
                                                        or answered < max_requests):
            if not sock.poll(100, zmq.POLLIN):
                continue
            frames = sock.recv_multipart()
            envelope, payload = frames[:-1], frames[-1]
            reply = decode(payload, answer, envelope[0])
            sock.send_multipart([*envelope, msgpack.packb(reply, use_bin_type=True)])
            answered += 1
    except KeyboardInterrupt:
        pass
    finally:
        sock.close(0)
    return answered
