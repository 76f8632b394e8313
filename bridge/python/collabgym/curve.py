"""CURVE for the Python clients (docs/protocol.md "Security"): key files as ``collabgym keygen``
writes them, and a DEALER made a CURVE client with a monitor for failed handshakes."""

from __future__ import annotations

from typing import Sequence, Union

import zmq

from .errors import CollabGymError

__all__ = ["load_curve_key"]

_EVENT_HANDSHAKE_FAILED_NO_DETAIL = 0x0800
_EVENT_HANDSHAKE_FAILED_PROTOCOL = 0x2000
_EVENT_HANDSHAKE_FAILED_AUTH = 0x4000


def load_curve_key(path: str) -> str:
    """The CURVE key (40 characters of Z85) in a key file as ``collabgym keygen`` writes them
    (``NAME.key``: public, ``NAME.key_secret``: secret): the first line that is neither blank
    nor a ``#`` comment."""
    with open(path, encoding="ascii") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if len(line) == 40:
                return line
            break
    raise ValueError(f"{path}: expected a CURVE key, 40 characters of Z85 on a line of its own")


def _setup_curve(sock: zmq.Socket, keys: Sequence[Union[str, bytes, None]]) -> zmq.Socket:
    """Makes ``sock`` a CURVE client; returns a monitor socket for handshake failures."""
    if not zmq.has("curve"):
        raise CollabGymError("this libzmq has no CURVE support (zmq.has('curve') is false)",
                             code="no_curve")
    names = ("curve_server_key", "curve_public_key", "curve_secret_key")
    raw = []
    for name, key in zip(names, keys):
        if key is None:
            raise ValueError(f"{name}: CURVE needs all three keys (server public, own pair)")
        k = key.encode("ascii") if isinstance(key, str) else bytes(key)
        if len(k) != 40:
            raise ValueError(f"{name}: expected 40 characters of Z85, got {len(k)}")
        raw.append(k)
    sock.curve_serverkey, sock.curve_publickey, sock.curve_secretkey = raw
    return sock.get_monitor_socket(_EVENT_HANDSHAKE_FAILED_AUTH | _EVENT_HANDSHAKE_FAILED_PROTOCOL
                                   | _EVENT_HANDSHAKE_FAILED_NO_DETAIL)
