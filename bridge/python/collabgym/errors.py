"""Exceptions raised by the CollabGym client.

Every error reply from the server (``{ok: false, error: {code, message}}``, docs/protocol.md
"Errors") is raised as the subclass of :class:`CollabGymError` registered for its ``code``; a code
this client does not know is raised as :class:`CollabGymError` itself, with ``.code`` set.
Client-side failures have their own codes: ``timeout`` (:class:`ServerTimeout`) and
``bad_reply`` (:class:`BadReply`).
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type

__all__ = [
    "CollabGymError",
    "Malformed",
    "BadVersion",
    "MissingField",
    "WrongType",
    "UnknownOp",
    "UnknownEnv",
    "InvalidOption",
    "UnknownSession",
    "InvalidAction",
    "ResetNeeded",
    "TooLarge",
    "TooManySessions",
    "ShuttingDown",
    "InternalError",
    "ServerTimeout",
    "BadReply",
    "ERRORS_BY_CODE",
    "error_from_reply",
]


class CollabGymError(Exception):
    """An error reported by the server (or, for a few codes, detected by the client).

    Attributes:
        code: the protocol's error code (``"invalid_action"``, ...).
        message: the human-readable message (names the bad value and what was expected).
        request_id: the id of the request that failed, when known.
    """

    #: The error code this class stands for (overridden by each subclass).
    code_name: str = ""

    def __init__(self, message: str, code: Optional[str] = None,
                 request_id: Optional[int] = None) -> None:
        self.code: str = code if code is not None else self.code_name
        self.message: str = message
        self.request_id: Optional[int] = request_id
        super().__init__(f"{self.code}: {message}" if self.code else message)

    def __reduce__(self) -> Any:  # keep pickling (multiprocessing) working
        return (type(self), (self.message, self.code, self.request_id))


class Malformed(CollabGymError):
    """The body is not MessagePack, not a map, nested too deeply, or holds several objects."""
    code_name = "malformed"


class BadVersion(CollabGymError):
    """``v`` is missing or is not the protocol version 1."""
    code_name = "bad_version"


class MissingField(CollabGymError):
    """A required request field is absent."""
    code_name = "missing_field"


class WrongType(CollabGymError):
    """A request field has the wrong type."""
    code_name = "wrong_type"


class UnknownOp(CollabGymError):
    """``op`` is not an operation of the protocol."""
    code_name = "unknown_op"


class UnknownEnv(CollabGymError):
    """``env_id`` is not registered (the message suggests near ids)."""
    code_name = "unknown_env"


class InvalidOption(CollabGymError):
    """An environment option has an unknown name, a wrong type or an out-of-range value."""
    code_name = "invalid_option"


class UnknownSession(CollabGymError):
    """No such session: never made, closed, or reaped after its idle timeout."""
    code_name = "unknown_session"


class InvalidAction(CollabGymError):
    """An act index out of range, a masked act, or an empty action."""
    code_name = "invalid_action"


class ResetNeeded(CollabGymError):
    """``step`` before the session's first ``reset`` or after its episode ended."""
    code_name = "reset_needed"


class TooLarge(CollabGymError):
    """The request exceeds ``max_message_bytes`` or ``steps`` is longer than ``max_batch``."""
    code_name = "too_large"


class TooManySessions(CollabGymError):
    """``make``/``fork`` while ``max_sessions`` sessions are open."""
    code_name = "too_many_sessions"


class ShuttingDown(CollabGymError):
    """The server is stopping and takes no new work."""
    code_name = "shutting_down"


class Overloaded(CollabGymError):
    """The server holds too many of this client's requests unanswered (``max_in_flight`` or
    ``max_queued_bytes`` in ``hello()['limits']``) because the client sends without reading its
    replies; read replies before sending more (docs/protocol.md "Delivery")."""
    code_name = "overloaded"


class InternalError(CollabGymError):
    """A bug in the server (code ``internal``)."""
    code_name = "internal"


class ServerTimeout(CollabGymError, TimeoutError):
    """No reply came within the client's timeout (client-side, code ``timeout``).

    The server is down, stuck, unreachable, or dropped an over-sized request. A reply that
    arrives later is discarded by the client.
    """
    code_name = "timeout"


class BadReply(CollabGymError):
    """The server's reply could not be understood (client-side, code ``bad_reply``)."""
    code_name = "bad_reply"


ERRORS_BY_CODE: Dict[str, Type[CollabGymError]] = {
    cls.code_name: cls
    for cls in (Malformed, BadVersion, MissingField, WrongType, UnknownOp, UnknownEnv,
                InvalidOption, UnknownSession, InvalidAction, ResetNeeded, TooLarge,
                TooManySessions, ShuttingDown, Overloaded, InternalError, ServerTimeout, BadReply)
}


def error_from_reply(error: Any, request_id: Optional[int] = None) -> CollabGymError:
    """Builds (does not raise) the exception for a reply's ``error`` map ``{code, message}``."""
    if not isinstance(error, Mapping):
        return BadReply(f"reply has ok=false but 'error' is {type(error).__name__}, "
                        "expected a map {code, message}", request_id=request_id)
    code = error.get("code")
    message = error.get("message")
    code = code if isinstance(code, str) else "internal"
    message = message if isinstance(message, str) else repr(message)
    cls = ERRORS_BY_CODE.get(code, CollabGymError)
    return cls(message, code=code, request_id=request_id)
