"""CollabGym's random streams in Python, bit for bit (env/rng.h): xoshiro256** seeded through
SplitMix64, and the built-in ``random`` policy.

A rollout agent (docs/reward.md) receives each future turn's own stream seed as ``obs["seed"]``;
``random_policy`` draws from it exactly as the in-process ``rollout_policy=random`` does, so a
remote agent serving it gives the same MR as the built-in policy (a determinism check of the
wire path, and a baseline for agents of your own)::

    collabgym.serve_agent(collabgym.random_policy, "tcp://127.0.0.1:6000")
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

_MASK = (1 << 64) - 1


def mix64(x: int) -> int:
    """The SplitMix64 finaliser (``collab::mix64``)."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


class Rng:
    """xoshiro256** (``collab::Rng``), seeded with the SplitMix64 sequence of ``seed``."""

    def __init__(self, seed: int) -> None:
        seed &= _MASK
        self._s = []
        for _ in range(4):
            self._s.append(mix64(seed))
            seed = (seed + 0x9E3779B97F4A7C15) & _MASK

    @staticmethod
    def _rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & _MASK

    def next(self) -> int:
        """The next 64-bit output."""
        s = self._s
        result = (self._rotl((s[1] * 5) & _MASK, 7) * 9) & _MASK
        t = (s[1] << 17) & _MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def below(self, n: int) -> int:
        """Uniform in ``[0, n)`` (Lemire's multiply-shift, as ``Rng::below``)."""
        return (self.next() * n) >> 64


def random_legal_act(mask: Sequence[int], rng: Rng) -> int:
    """A uniformly drawn legal act, as ``collab::random_legal_act``."""
    legal = [a for a, m in enumerate(mask) if m]
    if not legal:
        raise ValueError("no legal act: every entry of the action mask is 0")
    return legal[rng.below(len(legal))]


def random_policy(obs: Mapping[str, Any], spec: Mapping[str, Any]) -> int:
    """The built-in ``random`` policy: a legal act drawn from ``obs["seed"]``'s stream (0 when
    the request carries none, as a plain ``act`` does)."""
    del spec
    return random_legal_act(list(obs["action_mask"]), Rng(int(obs.get("seed", 0))))
