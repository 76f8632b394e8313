"""Low-level client for the CollabGym wire protocol (docs/protocol.md, version 1.4).

One :class:`Client` owns one ZeroMQ DEALER socket. Each request gets a fresh unsigned request id;
replies are matched to requests by id, so several requests may be in flight at once
(:meth:`Client.send` / :meth:`Client.recv`). A reply whose id matches no outstanding request (for
example the late reply to a request that already timed out) is discarded.

The socket has no high-water marks (``SNDHWM = RCVHWM = 0``), so a batch of pipelined requests
of any size (:meth:`Client.call_many`, :class:`~collabgym.vector.VectorEnv`) never meets ZeroMQ's
default limit of 1,000 messages; the server bounds what it holds per client instead
(docs/protocol.md "Delivery"). A :class:`ServerTimeout` says which request timed out and how many
others, of which ops, were still outstanding.

A Client is not thread-safe (ZeroMQ sockets are not): use one per thread.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import msgpack
import numpy as np
import zmq

from .curve import (_EVENT_HANDSHAKE_FAILED_AUTH, _EVENT_HANDSHAKE_FAILED_NO_DETAIL,
                    _EVENT_HANDSHAKE_FAILED_PROTOCOL, _setup_curve)
from .curve import load_curve_key  # noqa: F401 (re-exported)
from .errors import BadReply, CollabGymError, ServerTimeout, error_from_reply
from .wire import (Action, SoaBatch, _decode_results, decode_obs, decode_soa, encode_action,
                   offers_act_features, offers_soa)  # noqa: F401 (some re-exported)

# The wire codec (collabgym.wire) and CURVE keys (collabgym.curve) lived here before; their names
# stay importable from collabgym.client.
__all__ = ["PROTOCOL_VERSION", "PROTOCOL_MINOR", "DEFAULT_ENDPOINT", "Client"]

#: The major version, sent as ``v`` on every request.
PROTOCOL_VERSION = 1
#: The highest minor version this client understands (1: act features, see
#: :func:`offers_act_features`; 2: the delivery guarantee and the ``overloaded`` error; 3:
#: scenarios by name; 4: structure-of-arrays batches and ``reset_many``, see :func:`offers_soa`;
#: 5: observation bounds; 6: ``spec["instructions"]``, see ``CollabGymEnv.messages``).
#: A server reports its own in ``hello``.
PROTOCOL_MINOR = 7
DEFAULT_ENDPOINT = "tcp://127.0.0.1:5555"
_MAX_ID = 2**64 - 1


class Client:
    """A connection to a CollabGym server.

    Args:
        endpoint: a ZeroMQ endpoint (``tcp://host:port`` or ``ipc://path``).
        timeout: seconds to wait for each reply before raising :class:`ServerTimeout`
            (must be > 0). ``connect`` never blocks: an absent server shows as a timeout.
        context: a ``zmq.Context`` to use (default: the process-wide instance).
        curve_server_key, curve_public_key, curve_secret_key: CURVE (docs/protocol.md
            "Security"): the server's public key and this client's key pair, each 40 characters
            of Z85 (``str`` or ``bytes``; :func:`load_curve_key` reads ``collabgym keygen``
            files). All three or none. A server that refuses the key (or the handshake) shows as
            :class:`~collabgym.errors.CollabGymError` with code ``unauthorized`` where a timeout
            would be raised.

    Every op method sends one request and returns the reply's fields (without the envelope
    ``v``, ``id``, ``ok``), with any ``obs`` decoded by :func:`decode_obs`. An error reply is
    raised as the :class:`~collabgym.errors.CollabGymError` subclass for its code.
    """

    def __init__(self, endpoint: str = DEFAULT_ENDPOINT, timeout: float = 10.0,
                 context: Optional[zmq.Context] = None, *,
                 curve_server_key: Union[str, bytes, None] = None,
                 curve_public_key: Union[str, bytes, None] = None,
                 curve_secret_key: Union[str, bytes, None] = None) -> None:
        if not isinstance(endpoint, str):
            raise TypeError(f"endpoint: expected a str, got {type(endpoint).__name__}")
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
            raise ValueError(f"timeout = {timeout!r}: expected a positive number of seconds")
        self.endpoint: str = endpoint
        self.timeout: float = float(timeout)
        self._ctx = context or zmq.Context.instance()
        self._sock: Optional[zmq.Socket] = self._ctx.socket(zmq.DEALER)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._sock.setsockopt(zmq.SNDHWM, 0)
        self._sock.setsockopt(zmq.RCVHWM, 0)
        self._monitor: Optional[zmq.Socket] = None
        self._refused: Optional[str] = None  # why the CURVE handshake failed, once it has
        keys = (curve_server_key, curve_public_key, curve_secret_key)
        if any(k is not None for k in keys):
            self._monitor = _setup_curve(self._sock, keys)
        self._sock.connect(endpoint)
        self._next_id = 1
        self._pending: Dict[int, str] = {}  # outstanding request id -> op
        self._replies: Dict[int, Dict[str, Any]] = {}
        self._hello: Optional[Dict[str, Any]] = None

    # ----------------------------------------------------------------------------- plumbing

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._sock is None

    def _socket(self) -> zmq.Socket:
        if self._sock is None:
            raise RuntimeError("Client is closed")
        return self._sock

    def _new_id(self) -> int:
        rid = self._next_id
        self._next_id = 1 if rid >= _MAX_ID else rid + 1
        return rid

    def send(self, op: str, **fields: Any) -> int:
        """Sends one request without waiting; returns its request id (pass it to :meth:`recv`).

        ``fields`` are sent as they are (no validation: the server judges them); ``None`` values
        are left out, so optional fields can be passed as ``None``.
        """
        if not isinstance(op, str):
            raise TypeError(f"op: expected a str, got {type(op).__name__}")
        rid = self._new_id()
        body: Dict[str, Any] = {"v": PROTOCOL_VERSION, "id": rid, "op": op}
        for key, value in fields.items():
            if key in ("v", "id", "op"):
                raise ValueError(f"field '{key}' is set by the client")
            if value is not None:
                body[key] = value
        data = msgpack.packb(body, use_bin_type=True)
        self._socket().send(data)
        self._pending[rid] = op
        return rid

    def _read_one(self, deadline: float) -> Optional[Dict[str, Any]]:
        """Receives one reply before ``deadline`` (``time.monotonic``); None on timeout."""
        sock = self._socket()
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not sock.poll(max(1, int(remaining * 1000)), zmq.POLLIN):
            return None
        frames = sock.recv_multipart()
        try:
            reply = msgpack.unpackb(frames[-1], raw=False, unicode_errors="replace",
                                    strict_map_key=False)
        except Exception as err:  # noqa: BLE001 - any decoding failure is a bad reply
            raise BadReply(f"reply is not MessagePack: {err}") from None
        if not isinstance(reply, dict):
            raise BadReply(f"reply: expected a map, got {type(reply).__name__}")
        return reply

    def recv(self, request_id: int, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Waits for the reply to ``request_id`` and returns its decoded fields.

        Replies to other outstanding requests that arrive meanwhile are kept for their own
        :meth:`recv`; replies to no outstanding request are discarded.

        Raises:
            ServerTimeout: no reply within ``timeout`` (default: the client's) seconds; the
                request is then forgotten and a late reply will be discarded.
            CollabGymError: the server answered with an error (the subclass for its code).
        """
        reply = self._recv_raw(request_id, self.timeout if timeout is None else timeout)
        if reply.get("ok") is True:
            return _decode_results(reply)
        raise error_from_reply(reply.get("error"), request_id)

    def _recv_raw(self, request_id: int, timeout: float) -> Dict[str, Any]:
        if request_id in self._replies:
            self._pending.pop(request_id, None)
            return self._replies.pop(request_id)
        if request_id not in self._pending:
            raise ValueError(f"request id {request_id} is not outstanding")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_one(deadline)
            if reply is None:
                message = self._timeout_message(request_id, timeout)
                self._pending.pop(request_id, None)
                self._check_handshake(request_id)
                raise ServerTimeout(message, request_id=request_id)
            rid = reply.get("id")
            if rid is None and len(self._pending) == 1 and request_id in self._pending:
                rid = request_id  # an unreadable request: attribute it to the only one in flight
            if rid == request_id:
                self._pending.pop(request_id, None)
                return reply
            if isinstance(rid, int) and rid in self._pending and rid not in self._replies:
                self._replies[rid] = reply
            # anything else is stale (timed-out or foreign): dropped

    def _check_handshake(self, request_id: Optional[int] = None) -> None:
        """Raises ``unauthorized`` when the socket monitor saw the CURVE handshake fail."""
        while self._monitor is not None and self._refused is None:
            try:
                frames = self._monitor.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            event, value = int.from_bytes(frames[0][:2], "little"), \
                int.from_bytes(frames[0][2:6], "little")
            if event == _EVENT_HANDSHAKE_FAILED_AUTH:
                self._refused = (f"the server at {self.endpoint} refused this client's CURVE key "
                                 f"(ZAP status {value}): its public key is not among the "
                                 f"server's --curve-allow keys")
            elif event in (_EVENT_HANDSHAKE_FAILED_PROTOCOL, _EVENT_HANDSHAKE_FAILED_NO_DETAIL):
                self._refused = (f"the CURVE handshake with {self.endpoint} failed: is the "
                                 f"server's public key right, and does it use CURVE?")
        if self._refused is not None:
            raise CollabGymError(self._refused, code="unauthorized", request_id=request_id)

    def _timeout_message(self, request_id: int, timeout: float) -> str:
        """What a timeout leaves unanswered: this request's op, and every outstanding one."""
        waiting = [rid for rid in self._pending if rid not in self._replies]
        by_op = Counter(self._pending[rid] for rid in waiting)
        ops = ", ".join(f"{n} '{op}'" for op, n in by_op.most_common())
        return (f"no reply from {self.endpoint} within {timeout:g} s to '"
                f"{self._pending.get(request_id, '?')}' request {request_id}; "
                f"{len(waiting)} request(s) outstanding without a reply ({ops})")

    def call(self, op: str, **fields: Any) -> Dict[str, Any]:
        """Sends ``op`` with ``fields`` and returns the reply's fields (raises on error)."""
        return self.recv(self.send(op, **fields))

    def call_many(self, requests: Iterable[Tuple[str, Mapping[str, Any]]],
                  return_errors: bool = False) -> List[Any]:
        """Pipelines several requests on the socket and returns their results in order.

        Args:
            requests: ``(op, fields)`` pairs.
            return_errors: if True, a failed request's exception is returned in its place;
                otherwise the first failure (in order) is raised after every reply arrived.
        """
        ids = [self.send(op, **dict(fields)) for op, fields in requests]
        results: List[Any] = []
        first_error: Optional[CollabGymError] = None
        for rid in ids:
            try:
                results.append(self.recv(rid))
            except ServerTimeout:
                for other in ids:
                    self._pending.pop(other, None)
                    self._replies.pop(other, None)
                raise
            except CollabGymError as err:
                results.append(err)
                first_error = first_error or err
        if first_error is not None and not return_errors:
            raise first_error
        return results

    def request_raw(self, frames: Union[bytes, Sequence[bytes]],
                    timeout: Optional[float] = None) -> Dict[str, Any]:
        """Sends raw frames (for tests and debugging) and returns the next reply, undecoded.

        The reply returned is the first one that answers no outstanding request (so call it with
        nothing else in flight). Raises :class:`ServerTimeout` when none comes.
        """
        sock = self._socket()
        if isinstance(frames, (bytes, bytearray, memoryview)):
            sock.send(bytes(frames))
        else:
            sock.send_multipart([bytes(f) for f in frames])
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        while True:
            reply = self._read_one(deadline)
            if reply is None:
                raise ServerTimeout(f"no reply from {self.endpoint} within {wait:g} s")
            rid = reply.get("id")
            if rid in self._pending:
                self._replies.setdefault(rid, reply)
                continue
            return reply

    def close(self, session: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """With ``session``: the ``close`` op (frees that session at once; same as
        :meth:`close_session`). Without: closes this client's socket (idempotent); sessions stay
        open on the server until closed or reaped after their idle timeout."""
        if session is not None:
            return self.close_session(session)
        if self._sock is not None:
            if self._monitor is not None:
                self._sock.disable_monitor()
                self._monitor.close(linger=0)
                self._monitor = None
            self._sock.close(linger=0)
            self._sock = None
        self._pending.clear()
        self._replies.clear()
        return None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"Client({self.endpoint!r}, timeout={self.timeout:g}, {state})"

    # ----------------------------------------------------------------------------- operations

    def hello(self) -> Dict[str, Any]:
        """``hello``: ``{protocol, protocol_minor, server, ops, limits{...}, capabilities}``
        (``protocol_minor`` is absent from 1.0 servers)."""
        self._hello = self.call("hello")
        return self._hello

    def server_info(self) -> Dict[str, Any]:
        """The server's ``hello`` reply, asked once per client and then cached."""
        if self._hello is None:
            self.hello()
        assert self._hello is not None
        return self._hello

    def list(self) -> Dict[str, Any]:
        """``list``: ``{ids: [env ids]}``."""
        return self.call("list")

    def spec(self, env_id: str, options: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """``spec``: ``{spec}`` for ``env_id`` with ``options``."""
        return self.call("spec", env_id=env_id, options=_opt_map(options))

    def make(self, env_id: str, options: Optional[Mapping[str, Any]] = None,
             act_features: bool = False) -> Dict[str, Any]:
        """``make``: creates a session; returns ``{session, spec}``.

        ``act_features=True`` asks for per-act features in the session's observations (needs a
        server that offers them: :func:`offers_act_features`); False sends the 1.0 request.
        """
        if not isinstance(act_features, (bool, np.bool_)):
            raise TypeError(f"act_features: expected a bool, got {type(act_features).__name__}")
        return self.call("make", env_id=env_id, options=_opt_map(options),
                         act_features=True if act_features else None)

    def reset(self, session: str, seed: Optional[int] = None,
              options: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """``reset``: starts an episode; returns ``{obs, seed, info}``.

        ``seed`` must be an int in [0, 2**64) or None (the session draws one from its stream).
        """
        return self.call("reset", session=session, seed=_check_seed(seed),
                         options=_opt_map(options))

    def step(self, session: str, action: Action) -> Dict[str, Any]:
        """``step``: returns ``{obs, reward, terminated, truncated, info}``.

        Raises TypeError/ValueError (client side) for an action of the wrong form.
        """
        return self.call("step", session=session, action=encode_action(action))

    def step_many(self, steps: Iterable[Union[Tuple[str, Action], Mapping[str, Any]]]
                  ) -> List[Union[Dict[str, Any], CollabGymError]]:
        """``step_many``: steps several sessions in one request.

        Args:
            steps: ``(session, action)`` pairs or ``{session, action}`` maps.

        Returns:
            One entry per step, in order: the step's fields ``{obs, reward, terminated,
            truncated, info}`` when it succeeded, else the exception for its error (returned,
            not raised: a failed item does not fail the others).

        Raises:
            CollabGymError: the request itself failed (e.g. :class:`TooLarge` for more than
                ``hello()['limits']['max_batch']`` items).
        """
        items = []
        for item in steps:
            if isinstance(item, Mapping):
                session, action = item.get("session"), item.get("action")
            else:
                session, action = item
            items.append({"session": session, "action": encode_action(action)})
        reply = self.call("step_many", steps=items)
        results = reply.get("results")
        if not isinstance(results, list):
            raise BadReply(f"step_many: 'results' is {type(results).__name__}, expected a list")
        out: List[Union[Dict[str, Any], CollabGymError]] = []
        for res in results:
            if isinstance(res, dict) and res.get("ok") is True:
                out.append(_decode_results(res))
            elif isinstance(res, dict):
                out.append(error_from_reply(res.get("error")))
            else:
                out.append(BadReply(f"step_many result: expected a map, got "
                                    f"{type(res).__name__}"))
        return out

    def reset_many(self, sessions: Sequence[str], seeds: Optional[Sequence[Optional[int]]] = None,
                   options: Optional[Mapping[str, Any]] = None
                   ) -> List[Union[Dict[str, Any], CollabGymError]]:
        """``reset_many`` (protocol 1.4): resets several sessions in one request; returns one
        ``{obs, seed, info}`` or exception per session, in order (as :meth:`step_many`)."""
        reply = self.call("reset_many", resets=_reset_items(sessions, seeds, options))
        results = reply.get("results")
        if not isinstance(results, list):
            raise BadReply(f"reset_many: 'results' is {type(results).__name__}, expected a list")
        return [_decode_results(r) if isinstance(r, dict) and r.get("ok") is True
                else error_from_reply(r.get("error") if isinstance(r, dict) else None)
                for r in results]

    def send_step_many_soa(self, sessions: Sequence[str], actions: Sequence[Any]) -> int:
        """Sends ``step_many`` with ``layout: "soa"`` without waiting; returns the request id
        (pass it to :meth:`recv_soa`). ``actions`` are already in wire form (int, str or dict)."""
        steps = [{"session": s, "action": a} for s, a in zip(sessions, actions)]
        if len(steps) != len(sessions) or len(sessions) != len(actions):
            raise ValueError(f"{len(actions)} actions for {len(sessions)} sessions")
        return self.send("step_many", steps=steps, layout="soa")

    def send_reset_many_soa(self, sessions: Sequence[str],
                            seeds: Optional[Sequence[Optional[int]]] = None,
                            options: Optional[Mapping[str, Any]] = None) -> int:
        """Sends ``reset_many`` with ``layout: "soa"`` without waiting; returns the request id."""
        return self.send("reset_many", resets=_reset_items(sessions, seeds, options),
                         layout="soa")

    def recv_soa(self, request_id: int, timeout: Optional[float] = None) -> SoaBatch:
        """Waits for an SoA reply (see :meth:`recv`) and decodes it (:class:`SoaBatch`)."""
        return decode_soa(self.recv(request_id, timeout))

    def step_many_soa(self, sessions: Sequence[str], actions: Sequence[Any]) -> SoaBatch:
        """``step_many`` answered in SoA form (needs :func:`offers_soa`). Failed items are in
        ``batch.errors``; a failed request raises."""
        return self.recv_soa(self.send_step_many_soa(sessions, actions))

    def reset_many_soa(self, sessions: Sequence[str],
                       seeds: Optional[Sequence[Optional[int]]] = None,
                       options: Optional[Mapping[str, Any]] = None) -> SoaBatch:
        """``reset_many`` answered in SoA form (needs :func:`offers_soa`)."""
        return self.recv_soa(self.send_reset_many_soa(sessions, seeds, options))

    def fork(self, session: str) -> Dict[str, Any]:
        """``fork``: copies a live session; returns ``{session}`` (the new one)."""
        return self.call("fork", session=session)

    def close_session(self, session: str) -> Dict[str, Any]:
        """``close``: frees ``session`` at once; returns ``{}``."""
        return self.call("close", session=session)

    def ping(self) -> Dict[str, Any]:
        """``ping``: ``{pong: True}``."""
        return self.call("ping")

    def stats(self) -> Dict[str, Any]:
        """``stats``: ``{sessions, requests, errors, steps, uptime_s}``."""
        return self.call("stats")


def _reset_items(sessions: Sequence[str], seeds: Optional[Sequence[Optional[int]]],
                 options: Optional[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    if seeds is not None and len(seeds) != len(sessions):
        raise ValueError(f"{len(seeds)} seeds for {len(sessions)} sessions")
    opts = _opt_map(options)
    items: List[Dict[str, Any]] = []
    for i, session in enumerate(sessions):
        item: Dict[str, Any] = {"session": session}
        seed = None if seeds is None else _check_seed(seeds[i])
        if seed is not None:
            item["seed"] = seed
        if opts:
            item["options"] = opts
        items.append(item)
    return items


def _opt_map(options: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    if options is None:
        return None
    if not isinstance(options, Mapping):
        raise TypeError(f"options: expected a dict, got {type(options).__name__}")
    return dict(options)


def _check_seed(seed: Optional[int]) -> Optional[int]:
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed: expected an int or None, got {type(seed).__name__}")
    if not 0 <= int(seed) <= _MAX_ID:
        raise ValueError(f"seed = {seed}: expected an integer in [0, 2**64)")
    return int(seed)
