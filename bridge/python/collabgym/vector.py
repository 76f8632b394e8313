"""N sessions of one environment stepped together, Gymnasium's vector API, with automatic reset.

With ``gymnasium`` importable, :class:`VectorEnv` **is** a ``gymnasium.vector.VectorEnv``:
``num_envs``, ``single_observation_space`` / ``single_action_space``, batched
``observation_space`` / ``action_space`` (``gymnasium.vector.utils.batch_space``), and
``metadata["autoreset_mode"] == gymnasium.vector.AutoresetMode.NEXT_STEP``. Without it, the same
class stands alone with the same attributes (``metadata["autoreset_mode"] == "NextStep"``).

Autoreset ("next-step" mode, as the C++ ``collab::VectorEnv`` in env/vector_env.h):

* ``reset(seed)`` resets environment ``i`` with ``seed + i`` (mod 2**64; ``seed=None``: each
  session draws its own seed) and returns every observation.
* ``step(actions)``: an environment whose episode is running takes its action. An environment
  whose *previous* step ended its episode (terminated or truncated) ignores its action this time
  and is reset instead, without a seed (its own stream continues, so runs stay reproducible);
  its row then holds the new episode's first observation, reward 0,
  ``terminated = truncated = False``, and ``infos["reset"][i]`` is True. Environments never
  reset are reset the same way on the first ``step``.
* The step that ends an episode returns that episode's last observation, its reward and
  ``terminated``/``truncated``; ``infos["episode"]`` then holds ``{return, length, score, success,
  truncated}`` arrays, valid where ``infos["_episode"]`` is True.

``infos`` is a dict of arrays as Gymnasium's vector envs give it: ``infos[key][i]`` is env ``i``'s
value and ``infos["_" + key][i]`` says whether env ``i`` has that key this time; nested maps
(``infos["reward"]["total"]``) carry their own ``_`` masks. Steps give the per-session info fields
(docs/protocol.md "Values"; a missing number is NaN for floats, -1 for ints, strings are object
arrays holding None where absent), plus ``reset``, ``seed`` (rows reset now) and ``episode``.

**Wire.** A server offering capability ``soa`` (protocol 1.4) is stepped with ``step_many`` and
reset with ``reset_many`` in structure-of-arrays form: one reply per batch with contiguous blocks
that become NumPy arrays without a per-environment object (docs/throughput.md). Older servers
(or ``layout="items"``) get the per-session requests.

**Several servers.** ``endpoint`` may be a list: session ``i`` lives on ``endpoint[i % n]``, and
every request of a call goes out (to every server) before any reply is read, so the servers work
at once. Same seeds and actions give the same results as one server.
"""

from __future__ import annotations

import collections
from typing import Any, Deque, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._gymnasium import gymnasium
from .client import DEFAULT_ENDPOINT, Client
from .env import resolve_act_features
from .errors import CollabGymError, InvalidAction, ServerTimeout, UnknownSession
from .spaces import (act_features_shape, action_space_from_spec, batched_action_space,
                     batched_observation_space, observation_space_from_spec)
from .wire import _decode_results, decode_soa, encode_action, offers_soa

__all__ = ["VectorEnv", "AUTORESET_MODE"]

_U64 = 2**64
#: Unanswered makes per server while a VectorEnv is made (as the C++ client's make_many).
_MAKE_WINDOW = 1024

if gymnasium is not None:
    from gymnasium.vector import AutoresetMode as _AutoresetMode  # type: ignore[import-not-found]

    _Base: Any = gymnasium.vector.VectorEnv
    #: ``metadata["autoreset_mode"]``: Gymnasium's enum when available, else its value.
    AUTORESET_MODE: Any = _AutoresetMode.NEXT_STEP
else:
    _Base = object
    AUTORESET_MODE = "NextStep"


class VectorEnv(_Base):  # type: ignore[misc,valid-type]
    """``num_envs`` sessions of ``env_id`` (same options), stepped as a batch.

    Args:
        env_id: a registered id.
        num_envs: number of sessions (>= 1).
        endpoint: a server's endpoint, or a list of them (session i on ``endpoint[i % n]``).
        timeout, client: as for :func:`collabgym.make` (a given client is shared and not closed
            by :meth:`close`; only with a single endpoint).
        options / ``**kw_options``: environment options for every session.
        act_features: as for :func:`collabgym.make` (default: when every server offers them).
        layout: ``"soa"`` (require structure-of-arrays batches), ``"items"`` (the per-session
            requests of protocol 1.3 and before), or None (SoA when every server offers it).
        curve: the CURVE keys of the clients made here, as for :func:`collabgym.make` (the same
            for every endpoint).
        keep_messages: keep each environment's conversation as chat messages for
            :meth:`messages` (language-model agents); off by default, as it costs a few list
            appends per environment and step. Nothing extra crosses the wire either way.

    Batched observations are dicts ``{"features": float32 (N, F), "action_mask": uint8 (N, A),
    "text": tuple of N str, "turn": int64 (N,)}``, plus ``"act_features": float32 (N, A, K)`` when
    :attr:`act_features`; fresh, writable arrays on every call.
    """

    metadata: Dict[str, Any] = {"autoreset_mode": AUTORESET_MODE}

    def __init__(self, env_id: str, num_envs: int,
                 endpoint: Union[str, Sequence[str]] = DEFAULT_ENDPOINT, *,
                 timeout: float = 10.0, client: Optional[Client] = None,
                 options: Optional[Mapping[str, Any]] = None,
                 act_features: Optional[bool] = None, layout: Optional[str] = None,
                 curve: Optional[Mapping[str, Any]] = None, keep_messages: bool = False,
                 **kw_options: Any) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)):
            raise TypeError(f"num_envs: expected an int, got {type(num_envs).__name__}")
        if num_envs < 1:
            raise ValueError(f"num_envs = {num_envs}: expected at least 1")
        if layout not in (None, "soa", "items"):
            raise ValueError(f"layout = {layout!r}: expected 'soa', 'items' or None")
        endpoints = [endpoint] if isinstance(endpoint, str) else list(endpoint)
        if not endpoints or not all(isinstance(e, str) for e in endpoints):
            raise TypeError("endpoint: expected a str or a non-empty list of str")
        if client is not None and len(endpoints) > 1:
            raise ValueError("client: only with a single endpoint")
        self.env_id = env_id
        self.num_envs = int(num_envs)
        self.options: Dict[str, Any] = dict(options or {})
        self.options.update(kw_options)
        self._owns_clients = client is None
        self.clients: List[Client] = ([client] if client is not None
                                      else [Client(e, timeout, **dict(curve or {}))
                                            for e in endpoints])
        self.sessions: List[str] = []
        self._server_sessions: List[List[str]] = [[] for _ in self.clients]
        self.closed: bool = False
        n, servers = self.num_envs, len(self.clients)
        try:
            infos = [c.server_info() for c in self.clients]
            self.max_batch = min(max(1, int((h.get("limits") or {}).get("max_batch") or 4096))
                                 for h in infos)
            soa = all(offers_soa(h) for h in infos)
            if layout == "soa" and not soa:
                raise ValueError("layout='soa': a server does not offer capability 'soa' "
                                 "(protocol 1.4)")
            self.layout: str = layout or ("soa" if soa else "items")
            want = [resolve_act_features(c, act_features) for c in self.clients]
            self.act_features: bool = all(want)
            fields: Dict[str, Any] = {"env_id": env_id, "options": self.options}
            if self.act_features:
                fields["act_features"] = True
            # Makes are pipelined, every server's at once, at most _MAKE_WINDOW unanswered per
            # server: a make's reply carries the spec (kilobytes), and a server bounds what it
            # holds for one client (max_in_flight, max_queued_bytes).
            remaining = [n // servers + (1 if k < n % servers else 0) for k in range(servers)]
            pending: List[Deque[int]] = [collections.deque() for _ in self.clients]
            made: List[Any] = []
            first_error: Optional[BaseException] = None
            while any(remaining) or any(pending):
                for k, c in enumerate(self.clients):
                    while remaining[k] and len(pending[k]) < _MAKE_WINDOW:
                        pending[k].append(c.send("make", **fields))
                        remaining[k] -= 1
                for k, c in enumerate(self.clients):
                    if not pending[k]:
                        continue
                    try:
                        reply = c.recv(pending[k].popleft())
                        self._server_sessions[k].append(reply["session"])
                        made.append(reply)
                    except ServerTimeout:
                        raise  # the server is gone: waiting for the rest would time out too
                    except CollabGymError as err:
                        first_error = first_error or err
            if first_error is not None:
                raise first_error
        except BaseException:
            self.close()
            raise
        self.sessions = [self._server_sessions[i % servers][i // servers] for i in range(n)]
        #: env indices of each server's sessions, in order (server k: k, k + n, k + 2n, …).
        self._server_envs = [np.arange(k, n, servers) for k in range(servers)]
        self._session_array = np.array(self.sessions, dtype=object)
        #: The CollabGym spec of ``env_id`` (a dict, as ``collabgym spec`` prints it).
        self.collab_spec: Dict[str, Any] = dict(made[0].get("spec") or {})
        #: Gymnasium's ``EnvSpec`` slot, as on :class:`~collabgym.env.CollabGymEnv`: None here.
        self.spec: Any = None
        self.render_mode: Optional[str] = None
        self.single_action_space = action_space_from_spec(self.collab_spec)
        self.single_observation_space = observation_space_from_spec(self.collab_spec,
                                                                    self.act_features)
        self.action_space = batched_action_space(self.single_action_space, n)
        self.observation_space = batched_observation_space(self.single_observation_space, n)
        self.num_acts = int(self.single_action_space.n)
        self.num_features = int(self.single_observation_space["features"].shape[0])
        #: K, features per act (0 without act features).
        self.num_act_features = act_features_shape(self.collab_spec)[1] if self.act_features else 0
        self._needs_reset = np.ones(n, dtype=bool)
        self._masks = np.zeros((n, self.num_acts), dtype=np.uint8)
        self._returns = np.zeros(n, dtype=np.float64)
        self._lengths = np.zeros(n, dtype=np.int64)
        self.keep_messages = bool(keep_messages)
        #: The task's agent-facing instructions (``collab_spec["instructions"]``).
        self.instructions: str = str(self.collab_spec.get("instructions") or "")
        self._chats: List[List[Dict[str, str]]] = [[] for _ in range(n)]

    @property
    def client(self) -> Client:
        """The first server's client (the only one with a single endpoint)."""
        return self.clients[0]

    # ------------------------------------------------------------------ API

    def reset(self, *, seed: Optional[int] = None, options: Optional[Mapping[str, Any]] = None
              ) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """Resets every environment (env ``i`` with ``seed + i``); returns ``(obs, infos)`` with
        ``infos["seed"]`` the episode seeds (uint64) and ``infos["reset"]`` all True."""
        self._check_open()
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
                raise TypeError(f"seed: expected an int or None, got {type(seed).__name__}")
            if not 0 <= int(seed) < _U64:
                raise ValueError(f"seed = {seed}: expected an integer in [0, 2**64)")
        everyone = np.ones(self.num_envs, dtype=bool)
        resets = self._send_resets(everyone, seed, options)
        obs, infos, *_ = self._assemble(self._collect(resets), [])
        return obs, infos

    def step(self, actions: Any) -> Tuple[Dict[str, Any], np.ndarray, np.ndarray, np.ndarray,
                                          Dict[str, Any]]:
        """Steps every environment (see the module docstring for autoreset).

        Args:
            actions: N actions: an int array of shape (N,) (the fast path: checked against the
                masks in NumPy), or a sequence of int acts, str or dicts ``{act?, text?}``.
                Actions of rows being autoreset are ignored.

        Returns:
            ``(obs, rewards float64 (N,), terminated bool (N,), truncated bool (N,), infos)``.

        Raises:
            ValueError: ``len(actions) != num_envs``.
            TypeError: an action of the wrong type (the message names the environment).
            InvalidAction: an int act out of range or masked in its row (checked client-side
                before anything is sent, naming the environment), or one the server rejects.
        """
        self._check_open()
        wire = self._encode_actions(actions)
        resets = self._send_resets(self._needs_reset, None, None)
        steps = self._send_steps(wire)
        reset_parts = self._collect(resets)
        step_parts = self._collect(steps)
        obs, infos, rewards, terminated, truncated = self._assemble(reset_parts, step_parts)
        return obs, rewards, terminated, truncated, infos

    def messages(self, i: int) -> List[Dict[str, str]]:
        """Environment ``i``'s current episode as OpenAI-style chat messages (the instructions as
        the system message, the user's opening, then assistant and user turns), as
        :meth:`collabgym.env.CollabGymEnv.messages` gives them. An episode that just ended keeps
        its messages until its row is reset. Needs ``keep_messages=True``. A new list each call."""
        if not self.keep_messages:
            raise RuntimeError("messages(): make the VectorEnv with keep_messages=True")
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < self.num_envs:
            raise IndexError(f"messages({i!r}): expected an env index in [0, {self.num_envs})")
        return [dict(m) for m in self._chats[int(i)]]

    def close(self, **kwargs: Any) -> None:
        """Closes every session (pipelined; errors ignored) and the clients if owned.
        Idempotent."""
        if self.__dict__.get("closed", True):
            return  # closed, or never opened
        self.closed = True
        try:
            for k, c in enumerate(self.clients):
                if self._server_sessions[k] and not c.closed:
                    try:
                        c.call_many([("close", {"session": s}) for s in self._server_sessions[k]],
                                    return_errors=True)
                    except (ServerTimeout, UnknownSession):
                        pass
        finally:
            if self._owns_clients:
                for c in self.clients:
                    c.close()

    def __enter__(self) -> "VectorEnv":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def __len__(self) -> int:
        return self.num_envs

    def __repr__(self) -> str:
        where = ", ".join(c.endpoint for c in self.clients)
        return f"<VectorEnv {self.env_id} x{self.num_envs} @ {where} ({self.layout})>"

    # ------------------------------------------------------------------ requests

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("VectorEnv is closed")

    def _encode_actions(self, actions: Any) -> Any:
        """The actions of the rows stepped now, in wire form: an int64 array (fast path) or a
        list of N wire actions (None for rows being reset). Checks acts against the masks."""
        n = self.num_envs
        live = ~self._needs_reset
        if isinstance(actions, np.ndarray) and actions.dtype.kind in "iu":
            if actions.shape != (n,):
                raise ValueError(f"VectorEnv.step: got actions of shape {actions.shape} for "
                                 f"{n} environments")
            acts = actions.astype(np.int64, copy=False)
            rows = np.flatnonzero(live)
            chosen = acts[rows]
            out_of_range = (chosen < 0) | (chosen >= self.num_acts)
            if out_of_range.any():
                j = int(np.flatnonzero(out_of_range)[0])
                raise InvalidAction(f"environment {rows[j]}: act {chosen[j]} is out of range "
                                    f"[0, {self.num_acts})")
            masked = self._masks[rows, chosen] == 0
            if masked.any():
                j = int(np.flatnonzero(masked)[0])
                raise InvalidAction(f"environment {rows[j]}: act {chosen[j]} is masked")
            return acts
        acts_list = list(np.asarray(actions).tolist()) if isinstance(actions, np.ndarray) \
            else list(actions)
        if len(acts_list) != n:
            raise ValueError(f"VectorEnv.step: got {len(acts_list)} actions for {n} environments")
        wire: List[Any] = [None] * n
        for i, action in enumerate(acts_list):
            if not live[i]:
                continue
            try:
                w = encode_action(action)
            except (TypeError, ValueError) as err:
                raise type(err)(f"environment {i}: {err}") from None
            act = w if isinstance(w, int) else (w.get("act") if isinstance(w, dict) else None)
            if act is not None:
                if not 0 <= act < self.num_acts:
                    raise InvalidAction(f"environment {i}: act {act} is out of range "
                                        f"[0, {self.num_acts})")
                if not self._masks[i, act]:
                    raise InvalidAction(f"environment {i}: act {act} is masked")
            wire[i] = w
        return wire

    # A request in flight: (server, env indices, request ids, kind).
    _Sent = Tuple[int, np.ndarray, List[int], str]

    def _chunks(self, rows: np.ndarray) -> List[Tuple[int, np.ndarray]]:
        """Per server, its rows among ``rows`` (a bool mask), in chunks of max_batch."""
        out = []
        for k, envs in enumerate(self._server_envs):
            mine = envs[rows[envs]]
            for b in range(0, len(mine), self.max_batch):
                out.append((k, mine[b:b + self.max_batch]))
        return out

    def _send_resets(self, rows: np.ndarray, seed: Optional[int],
                     options: Optional[Mapping[str, Any]]) -> List[_Sent]:
        sent: List[VectorEnv._Sent] = []
        for k, idx in self._chunks(rows):
            c = self.clients[k]
            sessions = self._session_array[idx].tolist()
            seeds = None if seed is None else [(int(seed) + int(i)) % _U64 for i in idx]
            if self.layout == "soa":
                sent.append((k, idx, [c.send_reset_many_soa(sessions, seeds, options)], "soa"))
            else:
                ids = [c.send("reset", session=s, options=options,
                              seed=None if seeds is None else seeds[j])
                       for j, s in enumerate(sessions)]
                sent.append((k, idx, ids, "reset"))
        return sent

    def _send_steps(self, wire: Any) -> List[_Sent]:
        sent: List[VectorEnv._Sent] = []
        for k, idx in self._chunks(~self._needs_reset):
            c = self.clients[k]
            sessions = self._session_array[idx].tolist()
            if isinstance(wire, np.ndarray):
                acts = wire[idx].tolist()
            else:
                acts = [wire[i] for i in idx.tolist()]
            if self.layout == "soa":
                sent.append((k, idx, [c.send_step_many_soa(sessions, acts)], "soa"))
            else:
                steps = [{"session": s, "action": a} for s, a in zip(sessions, acts)]
                sent.append((k, idx, [c.send("step_many", steps=steps)], "step"))
        return sent

    def _collect(self, sent: List[_Sent]) -> List[Tuple[np.ndarray, Any]]:
        """The replies, as (env indices, SoaBatch or _ItemsBatch); raises a failed request's
        error (after reading every reply, so none is left behind)."""
        parts: List[Tuple[np.ndarray, Any]] = []
        first_error: Optional[BaseException] = None
        for k, idx, ids, kind in sent:
            c = self.clients[k]
            try:
                if kind == "soa":
                    parts.append((idx, decode_soa(c.recv(ids[0]))))
                elif kind == "step":
                    parts.append((idx, _ItemsBatch(c.recv(ids[0]).get("results"), True)))
                else:
                    replies = []
                    for rid in ids:
                        try:
                            replies.append(dict(c.recv(rid), ok=True))
                        except ServerTimeout:
                            raise
                        except CollabGymError as err:
                            replies.append(err)
                    parts.append((idx, _ItemsBatch(replies, False)))
            except ServerTimeout:
                raise
            except CollabGymError as err:
                first_error = first_error or err
        if first_error is not None:
            raise first_error
        return parts

    # ------------------------------------------------------------------ assembling

    def _assemble(self, reset_parts: List[Tuple[np.ndarray, Any]],
                  step_parts: List[Tuple[np.ndarray, Any]]) -> Tuple[Any, ...]:
        n = self.num_envs
        parts = reset_parts + step_parts
        if len(parts) == 1 and len(parts[0][0]) == n:  # one reply, every row in order
            return self._assemble_whole(parts[0][1], bool(step_parts))
        features = np.zeros((n, self.num_features), dtype=np.float32)
        mask = self._masks.copy()
        turn = np.zeros(n, dtype=np.int64)
        text: List[Any] = [""] * n
        act_features = (np.zeros((n, self.num_acts, self.num_act_features), dtype=np.float32)
                        if self.act_features else None)
        rewards = np.zeros(n, dtype=np.float64)
        terminated = np.zeros(n, dtype=bool)
        truncated = np.zeros(n, dtype=bool)
        was_reset = np.zeros(n, dtype=bool)
        seeds = np.zeros(n, dtype=np.uint64)
        stepped = np.zeros(n, dtype=bool)
        first_error: Optional[CollabGymError] = None
        for idx, b in parts:
            for j, err in sorted(b.errors.items()):
                if first_error is None:
                    first_error = type(err)(f"environment {int(idx[j])}: {err.message}",
                                            code=err.code)
        if first_error is not None:
            raise first_error
        for idx, b in parts:
            if b.features.shape[1:] != (self.num_features,) or \
                    b.action_mask.shape[1:] != (self.num_acts,):
                raise CollabGymError(f"a reply has {b.features.shape[1:]} features and "
                                     f"{b.action_mask.shape[1:]} acts, expected "
                                     f"({self.num_features},) and ({self.num_acts},)",
                                     code="bad_reply")
            features[idx] = b.features
            mask[idx] = b.action_mask
            turn[idx] = b.turn
            if act_features is not None:
                if b.act_features is None or b.act_features.shape[1:] != act_features.shape[1:]:
                    raise CollabGymError("a reply lacks act_features of shape "
                                         f"{act_features.shape[1:]}", code="bad_reply")
                act_features[idx] = b.act_features
            for i, t in zip(idx.tolist(), b.text):
                text[i] = t
        for idx, b in reset_parts:
            was_reset[idx] = True
            seeds[idx] = b.seed
        for idx, b in step_parts:
            rewards[idx] = b.reward
            terminated[idx] = b.terminated
            truncated[idx] = b.truncated
            stepped[idx] = b.ok
        self._masks[...] = mask
        return self._finish(features, mask, turn, tuple(text), act_features, rewards, terminated,
                            truncated, was_reset, seeds, stepped, step_parts)

    def _assemble_whole(self, b: Any, step: bool) -> Tuple[Any, ...]:
        """_assemble for one reply holding every row in order: copies of its blocks."""
        n = self.num_envs
        if b.features.shape != (n, self.num_features) or b.action_mask.shape != (n, self.num_acts):
            raise CollabGymError(f"a reply has features {b.features.shape} and masks "
                                 f"{b.action_mask.shape}, expected ({n}, {self.num_features}) "
                                 f"and ({n}, {self.num_acts})", code="bad_reply")
        if b.errors:
            j, err = min(b.errors.items())
            raise type(err)(f"environment {j}: {err.message}", code=err.code)
        act_features = None
        if self.act_features:
            if b.act_features is None or b.act_features.shape != (n, self.num_acts,
                                                                  self.num_act_features):
                raise CollabGymError("a reply lacks act_features of shape "
                                     f"{(n, self.num_acts, self.num_act_features)}",
                                     code="bad_reply")
            act_features = b.act_features.copy()
        mask = b.action_mask.copy()
        self._masks[...] = mask
        ok = np.array(b.ok, dtype=bool)
        if step:
            rewards, terminated, truncated = (np.array(b.reward, dtype=np.float64),
                                              np.array(b.terminated, dtype=bool),
                                              np.array(b.truncated, dtype=bool))
            was_reset, seeds = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.uint64)
        else:
            rewards, terminated, truncated = (np.zeros(n), np.zeros(n, dtype=bool),
                                              np.zeros(n, dtype=bool))
            was_reset, seeds = ok, np.array(b.seed, dtype=np.uint64)
        return self._finish(b.features.copy(), mask, b.turn.astype(np.int64), tuple(b.text),
                            act_features, rewards, terminated, truncated, was_reset, seeds,
                            ok if step else np.zeros(n, dtype=bool),
                            [(np.arange(n), b)] if step else [])

    def _record_messages(self, text: tuple, was_reset: np.ndarray, stepped: np.ndarray,
                         infos: Mapping[str, Any]) -> None:
        said = infos.get("agent_text")
        for i in np.flatnonzero(was_reset):
            chat = [{"role": "system", "content": self.instructions}] if self.instructions else []
            chat.append({"role": "user", "content": text[i]})
            self._chats[i] = chat
        for i in np.flatnonzero(stepped):
            agent = said[i] if said is not None and said[i] is not None else ""
            self._chats[i].append({"role": "assistant", "content": str(agent)})
            self._chats[i].append({"role": "user", "content": text[i]})

    def _finish(self, features: np.ndarray, mask: np.ndarray, turn: np.ndarray, text: tuple,
                act_features: Optional[np.ndarray], rewards: np.ndarray, terminated: np.ndarray,
                truncated: np.ndarray, was_reset: np.ndarray, seeds: np.ndarray,
                stepped: np.ndarray, step_parts: List[Tuple[np.ndarray, Any]]
                ) -> Tuple[Any, ...]:
        n = self.num_envs
        # Episode bookkeeping: reset rows start over; stepped rows add up; ended rows reset next.
        self._needs_reset[was_reset] = False
        self._returns[was_reset] = 0.0
        self._lengths[was_reset] = 0
        self._returns[stepped] += rewards[stepped]
        self._lengths[stepped] += 1
        ended = stepped & (terminated | truncated)
        self._needs_reset[ended] = True

        obs: Dict[str, Any] = {"features": features, "action_mask": mask, "text": text,
                               "turn": turn}

        if act_features is not None:
            obs["act_features"] = act_features
        infos: Dict[str, Any] = {}
        if step_parts:
            _merge_info_columns(infos, step_parts, n, stepped)
        if self.keep_messages:
            self._record_messages(text, was_reset, stepped, infos)
        infos["reset"] = was_reset
        infos["_reset"] = np.ones(n, dtype=bool)
        if was_reset.any():
            infos["seed"] = seeds
            infos["_seed"] = was_reset.copy()
        if ended.any():
            score = infos.get("score")
            success = infos.get("success")
            infos["episode"] = {
                "return": np.where(ended, self._returns, 0.0),
                "length": np.where(ended, self._lengths, 0),
                "score": np.where(ended, score, np.nan) if score is not None
                else np.full(n, np.nan),
                "success": (ended & success) if success is not None else np.zeros(n, bool),
                "truncated": ended & truncated,
            }
            for key in list(infos["episode"]):
                infos["episode"]["_" + key] = ended.copy()
            infos["_episode"] = ended.copy()
        return obs, infos, rewards, terminated, truncated


def _merge_info_columns(infos: Dict[str, Any], parts: List[Tuple[np.ndarray, Any]], n: int,
                        has: np.ndarray) -> None:
    """Writes the parts' info columns into ``infos`` as N-row arrays with ``_key`` masks
    (Gymnasium's vector info), nested maps nested."""

    def merge(dst: Dict[str, Any], columns: List[Tuple[np.ndarray, Mapping[str, Any]]]) -> None:
        keys: List[str] = []
        for _, cols in columns:
            for key in cols:
                if key not in keys:
                    keys.append(key)
        whole = len(columns) == 1 and len(columns[0][0]) == n
        for key in keys:
            if whole:  # one reply, every row in order: copy the column
                v = columns[0][1][key]
                if isinstance(v, Mapping):
                    sub = {}
                    merge(sub, [(columns[0][0], v)])
                    dst[key] = sub
                elif isinstance(v, np.ndarray):
                    dst[key] = v.copy()
                else:
                    arr = np.empty(n, dtype=object)
                    arr[:] = v
                    dst[key] = arr
                dst["_" + key] = has.copy()
                continue
            present = [(idx, cols[key]) for idx, cols in columns if key in cols]
            if isinstance(present[0][1], Mapping):
                sub: Dict[str, Any] = {}
                merge(sub, [(idx, v) for idx, v in present if isinstance(v, Mapping)])
                dst[key] = sub
            else:
                first = present[0][1]
                if isinstance(first, np.ndarray):
                    arr = np.zeros(n, dtype=first.dtype)
                    if arr.dtype.kind == "f":
                        arr[:] = np.nan
                    elif arr.dtype.kind == "i":
                        arr[:] = -1
                else:
                    arr = np.full(n, None, dtype=object)
                for idx, v in present:
                    if isinstance(v, np.ndarray):
                        arr[idx] = v
                    else:
                        for i, x in zip(idx.tolist(), v):
                            arr[i] = x
                dst[key] = arr
            dst["_" + key] = has.copy()

    merge(infos, [(idx, b.info or {}) for idx, b in parts])


class _ItemsBatch:
    """Per-session replies (protocol 1.3 and before, or ``layout="items"``) in the shape of a
    :class:`~collabgym.wire.SoaBatch`, so that one assembly path serves both."""

    def __init__(self, results: Any, step: bool) -> None:
        from .errors import BadReply, error_from_reply
        if not isinstance(results, list):
            raise BadReply(f"expected a list of results, got {type(results).__name__}")
        n = len(results)
        self.n = n
        self.errors: Dict[int, CollabGymError] = {}
        decoded: List[Optional[Dict[str, Any]]] = []
        for j, res in enumerate(results):
            if isinstance(res, CollabGymError):
                self.errors[j] = res
                decoded.append(None)
            elif isinstance(res, dict) and res.get("ok") is True:
                obs = res.get("obs")
                already = isinstance(obs, dict) and isinstance(obs.get("features"), np.ndarray)
                decoded.append(res if already else _decode_results(res))
            else:
                self.errors[j] = error_from_reply(res.get("error") if isinstance(res, dict)
                                                  else None)
                decoded.append(None)
        good = [d for d in decoded if d is not None]
        f = good[0]["obs"]["features"].shape[0] if good else 0
        a = good[0]["obs"]["action_mask"].shape[0] if good else 0
        self.ok = np.array([d is not None for d in decoded], dtype=bool)
        self.features = np.zeros((n, f), dtype=np.float32)
        self.action_mask = np.zeros((n, a), dtype=np.uint8)
        self.turn = np.zeros(n, dtype=np.int64)
        self.text: List[Any] = [None] * n
        has_af = bool(good) and "act_features" in good[0]["obs"]
        self.act_features = None
        if has_af:
            self.act_features = np.zeros((n,) + good[0]["obs"]["act_features"].shape,
                                         dtype=np.float32)
        self.reward = np.zeros(n, dtype=np.float64) if step else None
        self.terminated = np.zeros(n, dtype=bool) if step else None
        self.truncated = np.zeros(n, dtype=bool) if step else None
        self.seed = None if step else np.zeros(n, dtype=np.uint64)
        infos: List[Optional[Mapping[str, Any]]] = []
        for j, d in enumerate(decoded):
            if d is None:
                infos.append(None)
                continue
            o = d["obs"]
            if o["features"].shape != (f,) or o["action_mask"].shape != (a,):
                raise BadReply(f"item {j}: observation of another shape than item 0's")
            self.features[j] = o["features"]
            self.action_mask[j] = o["action_mask"]
            self.turn[j] = o["turn"]
            self.text[j] = o["text"]
            if self.act_features is not None:
                self.act_features[j] = o["act_features"]
            if step:
                self.reward[j] = float(d.get("reward", 0.0))
                self.terminated[j] = bool(d.get("terminated"))
                self.truncated[j] = bool(d.get("truncated"))
                infos.append(d.get("info") or {})
            else:
                self.seed[j] = int(d.get("seed") or 0)
        self.info = _columns_of(infos) if step else None


def _columns_of(infos: List[Optional[Mapping[str, Any]]]) -> Dict[str, Any]:
    """Per-item info maps -> columns (numbers as arrays, the rest as lists)."""
    keys: List[str] = []
    for info in infos:
        for key in info or {}:
            if key not in keys:
                keys.append(key)
    out: Dict[str, Any] = {}
    for key in keys:
        values = [None if info is None else info.get(key) for info in infos]
        if any(isinstance(v, Mapping) for v in values):
            out[key] = _columns_of([v if isinstance(v, Mapping) else None for v in values])
        elif values and all(isinstance(v, bool) for v in values):
            out[key] = np.array(values, dtype=bool)
        elif values and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                            for v in values):
            out[key] = np.array(values, dtype=np.float64 if any(isinstance(v, float)
                                                                for v in values) else np.int64)
        else:
            out[key] = values
    return out
