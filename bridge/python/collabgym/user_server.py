"""Serve an external simulated user (docs/external-users.md; docs/protocol.md, "User endpoints").

A CollabGym environment started with ``user=NAME`` (``collabgym run --user ENDPOINT``, ``serve
--user NAME=ENDPOINT``) sends each agent turn to this endpoint. The task's rule-based user has
already answered; ``user_fn`` sees the request and may return its own *reading* of the agent's text
and/or its own *phrasing* of the reply. It never changes what the user knows or wants: the
rule-based user keeps the hidden goal, the state and the score::

    import collabgym

    def user(req):
        # req: op ("turn" | "phrase"), task, persona, goal, dialogue, agent_text, reads, acts,
        #      turn, rule {reading {act, content}, reply}; "phrase" adds reading (the final one).
        return "Hmm. " + req["rule"]["reply"]          # phrasing only

    collabgym.serve_user(user, "tcp://127.0.0.1:6100")

``user_fn`` returns ``None`` (the rule-based user's reading and reply stand), a ``str`` (the reply
text), or a dict with ``reply`` (str) and/or ``reading`` (``{"act": NAME or None, "content":
{"body", "number"}}``; used only when ``req["reads"]`` is true). A function that raises is answered
as an error, and the environment falls back to the rule-based user for that turn.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable, Dict, Mapping, Optional, Union

from ._endpoint import error, ok, serve_loop

#: The user endpoint protocol's version (``user_protocol`` in the ``hello`` reply).
USER_PROTOCOL = 1

Answer = Union[None, str, Mapping[str, Any]]
UserFn = Callable[[Dict[str, Any]], Answer]


def serve_user(user_fn: UserFn, endpoint: str, *, name: Optional[str] = None,
               stop: Optional[threading.Event] = None,
               ready: Optional[threading.Event] = None,
               max_requests: Optional[int] = None) -> int:
    """Answers user requests on ``endpoint`` until ``stop`` is set, ``max_requests`` requests were
    answered, or KeyboardInterrupt. Returns the number of requests answered.

    Args:
        user_fn: ``user_fn(request) -> None | str | {"reply"?, "reading"?}`` (see the module doc).
        endpoint: where to bind, ``tcp://HOST:PORT`` or ``ipc://PATH``.
        name: the user's name in the ``hello`` reply (default: the function's ``__name__``).
        stop: set it (from another thread) to stop serving within about 0.1 s.
        ready: set once the socket is bound.
        max_requests: stop after answering this many requests (tests).

    Requests are answered one at a time, in arrival order. MR forward samples send several at
    once: a slow ``user_fn`` (a language model) is best served by several processes behind one
    endpoint, or by a function that is itself fast.
    """
    user_name = name or getattr(user_fn, "__name__", "python-user")

    def answer(req: Dict[str, Any], peer: bytes) -> Dict[str, Any]:
        return _answer(req, user_name, user_fn)

    return serve_loop(endpoint, answer, stop=stop, ready=ready, max_requests=max_requests)


def encode_answer(result: Answer) -> Dict[str, Any]:
    """The reply fields for what ``user_fn`` returned; raises TypeError on anything else."""
    if result is None:
        return {}
    if isinstance(result, str):
        return {"reply": result}
    if isinstance(result, Mapping):
        unknown = set(result) - {"reply", "reading"}
        if unknown:
            raise TypeError(f"user answer keys {sorted(unknown)}: expected only reply and reading")
        return {k: v for k, v in result.items() if v is not None}
    raise TypeError(f"user answer {result!r}: expected None, a str or a dict")


def _answer(req: Dict[str, Any], user_name: str, user_fn: UserFn) -> Dict[str, Any]:
    rid = req.get("id")
    op = req.get("op")
    if op == "hello":
        return ok(rid, name=user_name, user_protocol=USER_PROTOCOL)
    if op in ("turn", "phrase"):
        try:
            fields = encode_answer(user_fn(req))
        except Exception:  # noqa: BLE001 - the environment falls back to the rule-based user
            return error(rid, "user_error", traceback.format_exc(limit=3))
        if op == "phrase":
            fields.pop("reading", None)  # the reading is settled by then
        return ok(rid, **fields)
    return error(rid, "unknown_op", f"op {op!r}: expected hello, turn or phrase")
