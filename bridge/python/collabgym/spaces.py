"""Action and observation spaces.

When ``gymnasium`` is importable, :func:`action_space_from_spec` and
:func:`observation_space_from_spec` return real ``gymnasium.spaces`` objects; otherwise they
return the small stand-ins defined here (same names, attributes ``n`` / ``shape`` / ``dtype``,
and ``contains`` / ``sample`` / ``seed``). Either way:

* the action space is ``Discrete(A)`` over the act channel (free text is always allowed on top,
  see ``spec["action_space"]["text"]``);
* the observation space is ``Dict(text=Text, features=Box(F, float32),
  action_mask=MultiBinary(A), turn=Discrete(max_turns + 1))``, plus
  ``act_features=Box((A, K), float32)`` for sessions that carry per-act features (K may be 0).

The ``text`` space admits **any** ``str`` of at most :data:`MAX_TEXT_LENGTH` characters: the
simulated users' replies are natural language (typographic dashes and quotes, accented names, ...),
not a closed alphabet. With gymnasium it is a :class:`UnicodeText` (a ``gymnasium.spaces.Text``
whose ``contains`` accepts any character); its ``charset`` (:data:`TEXT_CHARSET`) is the alphabet
``sample()`` draws from, and what Gymnasium's character-index flattening knows.

Note that ``gymnasium.spaces.Discrete.sample(mask=...)`` wants an ``np.int8`` mask: pass
``obs["action_mask"].astype(np.int8)``. The stand-in accepts any integer or bool mask.
"""

from __future__ import annotations

import string
from typing import Any, Mapping, Optional, Sequence
from typing import Tuple as TypingTuple

import numpy as np

from ._gymnasium import gym_spaces as _gym_spaces

__all__ = [
    "HAVE_GYMNASIUM",
    "Space",
    "Discrete",
    "MultiDiscrete",
    "Box",
    "MultiBinary",
    "Text",
    "Tuple",
    "UnicodeText",
    "Dict",
    "action_space_from_spec",
    "observation_space_from_spec",
    "act_features_shape",
    "feature_bounds",
    "act_feature_bounds",
    "TEXT_CHARSET",
    "MAX_TEXT_LENGTH",
    "batched_action_space",
    "batched_observation_space",
]

HAVE_GYMNASIUM: bool = _gym_spaces is not None

#: Characters a sampled text may contain: printable ASCII plus the Latin-1 letters and the
#: typographic marks natural-language replies use. Containment accepts any str up to the length
#: cap, whatever its characters.
TEXT_CHARSET: str = (string.ascii_letters + string.digits + string.punctuation + " \n\t"
                     + "".join(chr(c) for c in range(0xC0, 0x100) if c not in (0xD7, 0xF7))
                     + "\u00a0\u00b0\u00b7\u00d7\u00f7\u2013\u2014\u2018\u2019\u201c\u201d"
                     "\u2026\u20ac\u00a3\u00bd")
#: Longest observation text the Text space admits.
MAX_TEXT_LENGTH: int = 1 << 16


class Space:
    """Base of the stand-in spaces: a seeded ``np.random.Generator`` in ``np_random``."""

    shape: TypingTuple[int, ...] = ()
    dtype: Any = None

    def __init__(self, seed: Optional[int] = None) -> None:
        self.np_random = np.random.default_rng(seed)

    def seed(self, seed: Optional[int] = None) -> None:
        """Re-seeds :meth:`sample`."""
        self.np_random = np.random.default_rng(seed)

    def contains(self, x: Any) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, mask: Any = None) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def __contains__(self, x: Any) -> bool:
        return self.contains(x)


class Discrete(Space):
    """Integers ``0 .. n-1``. ``sample(mask)`` draws uniformly among entries with mask != 0."""

    def __init__(self, n: int, seed: Optional[int] = None) -> None:
        super().__init__(seed)
        if int(n) < 1:
            raise ValueError(f"Discrete: n = {n}: expected at least 1")
        self.n = int(n)
        self.shape = ()
        self.dtype = np.dtype(np.int64)

    def contains(self, x: Any) -> bool:
        if isinstance(x, (bool, np.bool_)):
            return False
        if isinstance(x, np.ndarray) and x.shape == () and np.issubdtype(x.dtype, np.integer):
            x = int(x)
        return isinstance(x, (int, np.integer)) and 0 <= int(x) < self.n

    def sample(self, mask: Any = None) -> int:
        """A uniform integer; with ``mask`` (length n), uniform over its nonzero entries.

        Raises ValueError if the mask has the wrong length or no legal entry."""
        if mask is None:
            return int(self.np_random.integers(self.n))
        legal = np.flatnonzero(np.asarray(mask))
        if np.asarray(mask).shape != (self.n,):
            raise ValueError(f"Discrete.sample: mask has shape {np.asarray(mask).shape}, "
                             f"expected ({self.n},)")
        if legal.size == 0:
            raise ValueError("Discrete.sample: the mask allows no action")
        return int(self.np_random.choice(legal))

    def __repr__(self) -> str:
        return f"Discrete({self.n})"


class MultiDiscrete(Space):
    """A vector of integers, entry i in ``0 .. nvec[i]-1`` (the batched act space)."""

    def __init__(self, nvec: Sequence[int], seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.nvec = np.asarray(nvec, dtype=np.int64)
        self.shape = tuple(self.nvec.shape)
        self.dtype = np.dtype(np.int64)

    def contains(self, x: Any) -> bool:
        arr = np.asarray(x)
        return (arr.shape == self.shape and np.issubdtype(arr.dtype, np.integer)
                and bool(np.all((arr >= 0) & (arr < self.nvec))))

    def sample(self, mask: Any = None) -> np.ndarray:
        """Uniform entries; ``mask`` (shape ``nvec.shape + (max n,)``) restricts each row."""
        if mask is None:
            return (self.np_random.random(self.shape) * self.nvec).astype(np.int64)
        rows = [Discrete(int(n)) for n in self.nvec.ravel()]
        out = []
        for row, m in zip(rows, np.asarray(mask).reshape(len(rows), -1)):
            row.np_random = self.np_random
            out.append(row.sample(m[: row.n]))
        return np.asarray(out, dtype=np.int64).reshape(self.shape)

    def __repr__(self) -> str:
        return f"MultiDiscrete({self.nvec.tolist()})"


class Box(Space):
    """Real vectors of ``shape`` within ``[low, high]`` (scalars or arrays broadcast to
    ``shape``; bounds may be infinite)."""

    def __init__(self, low: Any, high: Any, shape: TypingTuple[int, ...],
                 dtype: Any = np.float32, seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self.low = np.full(self.shape, low, dtype=self.dtype)
        self.high = np.full(self.shape, high, dtype=self.dtype)

    def contains(self, x: Any) -> bool:
        arr = np.asarray(x)
        return (arr.shape == self.shape and np.can_cast(arr.dtype, self.dtype)
                and bool(np.all((arr >= self.low) & (arr <= self.high))))

    def sample(self, mask: Any = None) -> np.ndarray:
        """Uniform in the bounds (standard normal along infinite ones)."""
        low = np.where(np.isfinite(self.low), self.low, -1.0)
        high = np.where(np.isfinite(self.high), self.high, 1.0)
        return self.np_random.uniform(low, high, self.shape).astype(self.dtype)

    def __repr__(self) -> str:
        return f"Box({self.low.min() if self.low.size else ''}, " \
               f"{self.high.max() if self.high.size else ''}, {self.shape}, {self.dtype})"


class MultiBinary(Space):
    """0/1 vectors of length ``n`` (``uint8``)."""

    def __init__(self, n: int, seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.n = int(n)
        self.shape = (self.n,)
        self.dtype = np.dtype(np.uint8)

    def contains(self, x: Any) -> bool:
        arr = np.asarray(x)
        return arr.shape == self.shape and bool(np.all((arr == 0) | (arr == 1)))

    def sample(self, mask: Any = None) -> np.ndarray:
        return self.np_random.integers(0, 2, self.shape, dtype=np.uint8)

    def __repr__(self) -> str:
        return f"MultiBinary({self.n})"


class Text(Space):
    """Strings of at most ``max_length`` characters."""

    def __init__(self, max_length: int = MAX_TEXT_LENGTH, min_length: int = 0,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.max_length = int(max_length)
        self.min_length = int(min_length)
        self.shape = ()
        self.dtype = str

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def sample(self, mask: Any = None) -> str:
        length = int(self.np_random.integers(self.min_length, min(self.max_length, 32) + 1))
        chars = self.np_random.choice(list(TEXT_CHARSET), size=length)
        return "".join(chars)

    def __repr__(self) -> str:
        return f"Text({self.min_length}, {self.max_length})"


class Tuple(Space):
    """A fixed-length tuple of sub-spaces (a vector env's batched ``text``)."""

    def __init__(self, spaces: Sequence[Space], seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.spaces: tuple = tuple(spaces)
        self.shape = ()
        self.dtype = None

    def __getitem__(self, i: int) -> Space:
        return self.spaces[i]

    def __len__(self) -> int:
        return len(self.spaces)

    def contains(self, x: Any) -> bool:
        return (isinstance(x, (tuple, list)) and len(x) == len(self.spaces)
                and all(space.contains(v) for space, v in zip(self.spaces, x)))

    def sample(self, mask: Any = None) -> tuple:
        return tuple(space.sample() for space in self.spaces)

    def __repr__(self) -> str:
        return f"Tuple({', '.join(map(repr, self.spaces))})"


class Dict(Space):
    """A mapping of named sub-spaces (``spaces`` attribute; indexable by name)."""

    def __init__(self, spaces: Mapping[str, Space], seed: Optional[int] = None) -> None:
        super().__init__(seed)
        self.spaces: dict = dict(spaces)
        self.shape = ()
        self.dtype = None

    def __getitem__(self, key: str) -> Space:
        return self.spaces[key]

    def keys(self) -> Any:
        return self.spaces.keys()

    def seed(self, seed: Optional[int] = None) -> None:
        super().seed(seed)
        for i, space in enumerate(self.spaces.values()):
            space.seed(None if seed is None else seed + i + 1)

    def contains(self, x: Any) -> bool:
        return (isinstance(x, Mapping) and set(x) == set(self.spaces)
                and all(space.contains(x[k]) for k, space in self.spaces.items()))

    def sample(self, mask: Any = None) -> dict:
        return {k: space.sample() for k, space in self.spaces.items()}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k!r}: {v!r}" for k, v in self.spaces.items())
        return f"Dict({inner})"



if _gym_spaces is not None:

    class UnicodeText(_gym_spaces.Text):  # type: ignore[misc,name-defined]
        """``gymnasium.spaces.Text`` for natural-language observations: ``contains`` accepts any
        ``str`` whose length is within bounds, whatever its characters; ``sample`` draws from
        ``charset`` (default :data:`TEXT_CHARSET`)."""

        def __init__(self, max_length: int = MAX_TEXT_LENGTH, *, min_length: int = 0,
                     charset: str = TEXT_CHARSET, seed: Any = None) -> None:
            super().__init__(max_length, min_length=min_length, charset=charset, seed=seed)

        def contains(self, x: Any) -> bool:
            return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

        def __repr__(self) -> str:
            return f"UnicodeText({self.min_length}, {self.max_length})"

        def __eq__(self, other: object, /) -> bool:
            return isinstance(other, UnicodeText) and super().__eq__(other)

else:
    UnicodeText = None  # type: ignore[assignment,misc]


def _n_acts(spec: Mapping[str, Any]) -> int:
    space = spec.get("action_space") or {}
    if isinstance(space, Mapping) and "n" in space:
        return int(space["n"])
    return len(spec.get("acts") or [])


def _n_features(spec: Mapping[str, Any]) -> int:
    obs = spec.get("observation_space") or {}
    feats = obs.get("features") if isinstance(obs, Mapping) else None
    if isinstance(feats, Mapping) and feats.get("shape"):
        return int(feats["shape"][0])
    return len(spec.get("features") or [])


def act_features_shape(spec: Mapping[str, Any]) -> TypingTuple[int, int]:
    """``(A, K)``: the shape of an observation's ``act_features`` (K = 0 when the task has
    none, and for specs older than contract v2)."""
    obs = spec.get("observation_space") or {}
    af = obs.get("act_features") if isinstance(obs, Mapping) else None
    if isinstance(af, Mapping) and af.get("shape") and len(af["shape"]) == 2:
        return int(af["shape"][0]), int(af["shape"][1])
    return _n_acts(spec), len(spec.get("act_features") or [])


def _bound_list(values: Any, n: int, infinite: float) -> np.ndarray:
    """A spec's ``low`` or ``high`` list (``null`` for an infinite bound) as ``n`` float32s;
    infinite throughout when the spec has none (servers before bounds were published)."""
    if not isinstance(values, (list, tuple)) or len(values) != n:
        return np.full((n,), infinite, dtype=np.float32)
    return np.array([infinite if v is None else float(v) for v in values], dtype=np.float32)


def feature_bounds(spec: Mapping[str, Any]) -> TypingTuple[np.ndarray, np.ndarray]:
    """``(low, high)`` of the ``features`` Box, shape ``(F,)``, from the spec's
    ``observation_space.features`` (each task declares the range of every feature)."""
    obs = spec.get("observation_space") or {}
    box = obs.get("features") if isinstance(obs, Mapping) else None
    box = box if isinstance(box, Mapping) else {}
    n = _n_features(spec)
    return _bound_list(box.get("low"), n, -np.inf), _bound_list(box.get("high"), n, np.inf)


def act_feature_bounds(spec: Mapping[str, Any]) -> TypingTuple[np.ndarray, np.ndarray]:
    """``(low, high)`` of the ``act_features`` Box, shape ``(A, K)``: the spec declares one range
    per column (per act feature), the same for every act row."""
    obs = spec.get("observation_space") or {}
    box = obs.get("act_features") if isinstance(obs, Mapping) else None
    box = box if isinstance(box, Mapping) else {}
    shape = act_features_shape(spec)
    low = _bound_list(box.get("low"), shape[1], -np.inf)
    high = _bound_list(box.get("high"), shape[1], np.inf)
    return np.broadcast_to(low, shape).copy(), np.broadcast_to(high, shape).copy()


def action_space_from_spec(spec: Mapping[str, Any]) -> Any:
    """``Discrete(A)`` for the act channel (gymnasium's when available)."""
    n = _n_acts(spec)
    if _gym_spaces is not None:
        return _gym_spaces.Discrete(n)
    return Discrete(n)


def observation_space_from_spec(spec: Mapping[str, Any], act_features: bool = False) -> Any:
    """``Dict(text, features, action_mask, turn)``, plus ``act_features`` (a float32 ``Box`` of
    shape ``(A, K)``) when ``act_features``; gymnasium's spaces when available. The Boxes' bounds
    are the ranges the task declares (:func:`feature_bounds`, :func:`act_feature_bounds`)."""
    n_feat, n_acts = _n_features(spec), _n_acts(spec)
    f_low, f_high = feature_bounds(spec)
    max_turns = int(spec.get("max_turns") or 0)
    turn_n = max_turns + 1 if max_turns > 0 else 2**31 - 1
    if _gym_spaces is not None:
        sp = _gym_spaces
        spaces = {
            "text": UnicodeText(MAX_TEXT_LENGTH),
            "features": sp.Box(f_low, f_high, (n_feat,), np.float32),
            "action_mask": sp.MultiBinary(n_acts),
            "turn": sp.Discrete(turn_n),
        }
        if act_features:
            spaces["act_features"] = sp.Box(*act_feature_bounds(spec), act_features_shape(spec),
                                            np.float32)
        return sp.Dict(spaces)
    spaces = {
        "text": Text(MAX_TEXT_LENGTH),
        "features": Box(f_low, f_high, (n_feat,), np.float32),
        "action_mask": MultiBinary(n_acts),
        "turn": Discrete(turn_n),
    }
    if act_features:
        spaces["act_features"] = Box(*act_feature_bounds(spec), act_features_shape(spec),
                                     np.float32)
    return Dict(spaces)


def batched_observation_space(single: Any, num_envs: int) -> Any:
    """The observation space of a vector env: gymnasium's ``batch_space`` when available (Box
    rows stacked, ``text`` a Tuple of N texts, ``turn`` a MultiDiscrete); else stand-ins of the
    same shapes (``text`` a Tuple of N Text spaces)."""
    if _gym_spaces is not None:
        from gymnasium.vector.utils import batch_space  # type: ignore[import-not-found]
        batched = batch_space(single, num_envs)
        for key, space in single.spaces.items():
            # batch_space makes MultiBinary an int8 Box, which a uint8 mask is not in
            if isinstance(space, _gym_spaces.MultiBinary):
                batched.spaces[key] = _gym_spaces.Box(0, 1, (num_envs,) + tuple(space.shape),
                                                      np.uint8)
        return batched
    spaces = {}
    for key, space in single.spaces.items():
        if isinstance(space, Box):
            spaces[key] = Box(np.broadcast_to(space.low, (num_envs,) + space.shape),
                              np.broadcast_to(space.high, (num_envs,) + space.shape),
                              (num_envs,) + space.shape, space.dtype)
        elif isinstance(space, MultiBinary):
            spaces[key] = Box(0, 1, (num_envs, space.n), np.uint8)
        elif isinstance(space, Discrete):
            spaces[key] = MultiDiscrete([space.n] * num_envs)
        else:
            spaces[key] = Tuple([space] * num_envs)
    return Dict(spaces)


def batched_action_space(single: Any, num_envs: int) -> Any:
    """``MultiDiscrete([A] * num_envs)`` for a vector env."""
    n = int(single.n)
    if _gym_spaces is not None:
        return _gym_spaces.MultiDiscrete(np.full(num_envs, n, dtype=np.int64))
    return MultiDiscrete([n] * num_envs)
