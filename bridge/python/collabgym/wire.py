"""The wire forms of the CollabGym protocol's values (docs/protocol.md "Values"; structure-of-arrays
batches: docs/throughput.md): actions to send, observations and batches to decode, and the
capability checks on a ``hello`` reply. No sockets here: :mod:`collabgym.client` sends and receives.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Union

import numpy as np

from .errors import BadReply, CollabGymError, error_from_reply

__all__ = [
    "Action",
    "encode_action",
    "decode_obs",
    "offers_act_features",
    "offers_soa",
    "SoaBatch",
    "decode_soa",
]

#: What may be passed as an action: an act index, free text, or a map {act?, text?}.
Action = Union[int, str, Mapping[str, Any]]


def encode_action(action: Any) -> Union[int, str, Dict[str, Any]]:
    """Validates ``action`` and returns its wire form (docs/protocol.md "Values").

    Accepts an ``int`` (or numpy integer) act index, a ``str`` of free text, or a mapping with
    at least one of the keys ``act`` (int) and ``text`` (str) and no other key.

    Raises:
        TypeError: the action (or one of its keys) has the wrong type; the message names it.
        ValueError: a mapping that is empty or has keys other than ``act``/``text``.
    """
    if isinstance(action, (bool, np.bool_)):
        raise TypeError(f"action: expected an int act index, a str or a dict {{act?, text?}}, "
                        f"got {type(action).__name__}")
    if isinstance(action, (int, np.integer)):
        return int(action)
    if isinstance(action, str):
        return action
    if isinstance(action, Mapping):
        unknown = set(action) - {"act", "text"}
        if unknown:
            raise ValueError(f"action: unknown key(s) {sorted(map(str, unknown))}; "
                             "expected only 'act' and/or 'text'")
        out: Dict[str, Any] = {}
        if action.get("act") is not None:
            act = action["act"]
            if isinstance(act, (bool, np.bool_)) or not isinstance(act, (int, np.integer)):
                raise TypeError(f"action['act']: expected an int, got {type(act).__name__}")
            out["act"] = int(act)
        if action.get("text") is not None:
            text = action["text"]
            if not isinstance(text, str):
                raise TypeError(f"action['text']: expected a str, got {type(text).__name__}")
            out["text"] = text
        if not out:
            raise ValueError("action: a dict action needs at least one of 'act' and 'text'")
        return out
    raise TypeError(f"action: expected an int act index, a str or a dict {{act?, text?}}, "
                    f"got {type(action).__name__}")


def decode_obs(obs: Any) -> Dict[str, Any]:
    """Turns a wire observation into ``{text, features, action_mask, turn}``, plus
    ``act_features`` when the session asked for them.

    ``features`` becomes a writable ``np.float32`` array (decoded little-endian), ``action_mask``
    a writable ``np.uint8`` array, and ``act_features`` a writable ``np.float32`` array of shape
    ``(A, K)`` (A = length of the mask; K may be 0); all are copies owned by the caller.

    Raises:
        BadReply: the observation does not have the documented shape.
    """
    if not isinstance(obs, Mapping):
        raise BadReply(f"obs: expected a map, got {type(obs).__name__}")
    feats = obs.get("features", b"")
    mask = obs.get("action_mask", b"")
    if not isinstance(feats, (bytes, bytearray)) or len(feats) % 4:
        size = len(feats) if hasattr(feats, "__len__") else "?"
        raise BadReply("obs.features: expected bin of 4·F bytes, got "
                       f"{type(feats).__name__} of length {size}")
    if not isinstance(mask, (bytes, bytearray)):
        raise BadReply(f"obs.action_mask: expected bin, got {type(mask).__name__}")
    out = {
        "text": obs.get("text", ""),
        "features": np.frombuffer(feats, dtype="<f4").astype(np.float32, copy=True),
        "action_mask": np.frombuffer(mask, dtype=np.uint8).copy(),
        "turn": int(obs.get("turn", 0)),
    }
    if "act_features" in obs:
        out["act_features"] = _decode_act_features(obs["act_features"], len(mask))
    return out


def _decode_act_features(raw: Any, n_acts: int) -> np.ndarray:
    """``act_features`` bin (A·K float32, little-endian, row-major) -> float32 array (A, K)."""
    row = 4 * n_acts
    if not isinstance(raw, (bytes, bytearray)) or (len(raw) % row if row else len(raw)):
        size = len(raw) if hasattr(raw, "__len__") else "?"
        raise BadReply(f"obs.act_features: expected bin of 4·A·K bytes with A = {n_acts}, got "
                       f"{type(raw).__name__} of length {size}")
    k = len(raw) // row if row else 0
    return np.frombuffer(raw, dtype="<f4").reshape(n_acts, k).astype(np.float32, copy=True)


def offers_act_features(hello: Mapping[str, Any]) -> bool:
    """True when a ``hello`` reply says ``make`` accepts ``act_features`` (protocol 1.1+)."""
    try:
        minor = int(hello.get("protocol_minor") or 0)
    except (TypeError, ValueError):
        return False
    return minor >= 1 and "act_features" in (hello.get("capabilities") or ())


def offers_soa(hello: Mapping[str, Any]) -> bool:
    """True when a ``hello`` reply offers structure-of-arrays batches and ``reset_many``
    (capability ``soa``, protocol 1.4+)."""
    try:
        minor = int(hello.get("protocol_minor") or 0)
    except (TypeError, ValueError):
        return False
    return minor >= 4 and "soa" in (hello.get("capabilities") or ())


_INFO_DTYPES = {"float64": "<f8", "int64": "<i8", "bool": "u1"}


class SoaBatch:
    """A ``step_many`` / ``reset_many`` reply in structure-of-arrays form (docs/throughput.md).

    Arrays are read-only NumPy views over the reply's bytes (``np.frombuffer``: no copy), N rows:

    * ``features`` float32 (N, F); ``act_features`` float32 (N, A, K) or None (sessions without
      act features); ``action_mask`` uint8 (N, A); ``turn`` int32 (N,);
    * ``step_many``: ``reward`` float64 (N,), ``terminated`` / ``truncated`` bool (N,), ``info``
      a dict of columns (``info["score"]`` float64 (N,), ``info["reward"]["total"]``, ``info["act"]``
      a list of str or None, …; a missing number is NaN (float) or -1 (int));
    * ``reset_many``: ``seed`` uint64 (N,) (the episode seeds); ``reward``… and ``info`` are None;
    * ``text``: list of N str (None for a failed item); ``ok`` bool (N,): False for a failed
      item, whose error is ``errors[i]`` (a :class:`CollabGymError`); its rows are zeros.
    """

    __slots__ = ("n", "features", "act_features", "action_mask", "turn", "reward", "terminated",
                 "truncated", "seed", "text", "ok", "errors", "info")

    def __init__(self, reply: Mapping[str, Any]) -> None:
        try:
            n, f, a = int(reply["n"]), int(reply["num_features"]), int(reply["num_acts"])
            k = reply.get("num_act_features")
            self.n = n
            self.ok = np.frombuffer(reply["item_ok"], dtype=np.uint8).view(np.bool_)
            self.features = np.frombuffer(reply["features"], dtype="<f4").reshape(n, f)
            self.act_features = (None if k is None else
                                 np.frombuffer(reply["act_features"], dtype="<f4")
                                 .reshape(n, a, int(k)))
            self.action_mask = np.frombuffer(reply["action_mask"], dtype=np.uint8).reshape(n, a)
            self.turn = np.frombuffer(reply["turn"], dtype="<i4")
            step = "reward" in reply
            self.reward = np.frombuffer(reply["reward"], dtype="<f8") if step else None
            self.terminated = (np.frombuffer(reply["terminated"], dtype=np.uint8).view(np.bool_)
                               if step else None)
            self.truncated = (np.frombuffer(reply["truncated"], dtype=np.uint8).view(np.bool_)
                              if step else None)
            self.seed = None if step else np.frombuffer(reply["seed"], dtype="<u8")
            self.text = list(reply["text"])
            self.info = (_decode_info_columns(reply.get("info") or {},
                                              reply.get("info_types") or {}, n)
                         if step else None)
            errors = reply.get("errors") or []
        except (KeyError, TypeError, ValueError) as err:
            raise BadReply(f"SoA reply does not have the documented layout: {err!r}") from None
        for arr in (self.ok, self.turn, self.features, self.action_mask):
            if arr.shape[0] != n:
                raise BadReply(f"SoA reply: a block has {arr.shape[0]} rows, expected {n}")
        if len(self.text) != n:
            raise BadReply(f"SoA reply: 'text' has {len(self.text)} items, expected {n}")
        self.errors: Dict[int, CollabGymError] = {}
        for e in errors:
            if isinstance(e, Mapping) and isinstance(e.get("index"), int):
                self.errors[int(e["index"])] = error_from_reply(e)

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return (f"SoaBatch(n={self.n}, features={self.features.shape}, "
                f"errors={len(self.errors)})")


def _decode_info_columns(info: Mapping[str, Any], types: Mapping[str, str],
                         n: int) -> Dict[str, Any]:
    """The info map of columns: bins become NumPy arrays (by ``info_types``), lists stay lists."""
    out: Dict[str, Any] = {}
    for path, kind in types.items():
        keys = path.split(".")
        col: Any = info
        for key in keys:
            col = col.get(key) if isinstance(col, Mapping) else None
        if col is None:
            continue
        if kind in _INFO_DTYPES:
            arr = np.frombuffer(col, dtype=_INFO_DTYPES[kind])
            if kind == "bool":
                arr = arr.view(np.bool_)
            if arr.shape != (n,):
                raise BadReply(f"SoA reply: info column {path} has {arr.size} rows, expected {n}")
            col = arr
        node = out
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = col
    return out


def decode_soa(reply: Mapping[str, Any]) -> SoaBatch:
    """A reply in SoA form as a :class:`SoaBatch` (raises :class:`BadReply` if it is not)."""
    if reply.get("layout") != "soa":
        raise BadReply("the reply is not in SoA form (does the server offer capability 'soa', "
                       "protocol 1.4?)")
    return SoaBatch(reply)


def _decode_results(reply: Dict[str, Any]) -> Dict[str, Any]:
    """Strips the envelope keys and decodes an ``obs`` if there is one."""
    out = {k: v for k, v in reply.items() if k not in ("v", "id", "ok")}
    if "obs" in out:
        out["obs"] = decode_obs(out["obs"])
    return out
