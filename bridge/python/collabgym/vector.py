"""N sessions of one environment stepped together over ``step_many``, with automatic reset.

Autoreset semantics (Gymnasium's "next-step" mode, the same as the C++ ``collab::VectorEnv`` in
env/vector_env.h):

* ``reset(seed)`` resets environment ``i`` with ``seed + i`` (mod 2**64; ``seed=None``: each
  session draws its own seed) and returns every observation.
* ``step(actions)``: an environment whose episode is running takes its action. An environment
  whose *previous* step ended its episode (terminated or truncated) ignores its action this time
  and is reset instead, without a seed (its own stream continues, so runs stay reproducible);
  its row then holds the new episode's first observation, reward 0,
  ``terminated = truncated = False`` and ``infos[i]["reset"] is True``. Environments never reset
  are reset the same way on the first ``step``.
* The step that ends an episode returns that episode's last observation, its reward and
  ``terminated``/``truncated``; ``infos[i]["episode"]`` then holds ``{return, length, score,
  success, truncated}``.

Requests are pipelined on one DEALER socket: the N resets of ``reset`` go out before any reply is
read, and ``step`` sends the autoresets and the ``step_many`` batch(es) (split at the server's
``max_batch``) before waiting.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from .client import DEFAULT_ENDPOINT, Client, decode_obs, encode_action
from .env import resolve_act_features
from .errors import (CollabGymError, InvalidAction, ServerTimeout, UnknownSession,
                     error_from_reply)
from .spaces import (act_features_shape, action_space_from_spec, batched_action_space,
                     observation_space_from_spec)

__all__ = ["VectorEnv"]

_U64 = 2**64


class VectorEnv:
    """``num_envs`` sessions of ``env_id`` (same options), stepped as a batch.

    Args:
        env_id: a registered id.
        num_envs: number of sessions (>= 1).
        endpoint, timeout, client: as for :func:`collabgym.make` (a given client is shared and
            not closed by :meth:`close`).
        options / ``**kw_options``: environment options for every session.
        act_features: as for :func:`collabgym.make` (default: when the server offers them).

    Batched observations are dicts ``{"features": float32 (N, F), "action_mask": uint8 (N, A),
    "text": tuple of N str, "turn": int64 (N,)}``, plus ``"act_features": float32 (N, A, K)`` when
    :attr:`act_features`; fresh arrays on every call.
    """

    metadata: Dict[str, Any] = {"autoreset_mode": "next_step"}

    def __init__(self, env_id: str, num_envs: int, endpoint: str = DEFAULT_ENDPOINT, *,
                 timeout: float = 10.0, client: Optional[Client] = None,
                 options: Optional[Mapping[str, Any]] = None,
                 act_features: Optional[bool] = None, **kw_options: Any) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)):
            raise TypeError(f"num_envs: expected an int, got {type(num_envs).__name__}")
        if num_envs < 1:
            raise ValueError(f"num_envs = {num_envs}: expected at least 1")
        self.env_id = env_id
        self.num_envs = int(num_envs)
        self.options: Dict[str, Any] = dict(options or {})
        self.options.update(kw_options)
        self._owns_client = client is None
        self.client: Client = client if client is not None else Client(endpoint, timeout)
        self.sessions: List[str] = []
        self._closed = False
        try:
            limits = self.client.server_info().get("limits") or {}
            self.max_batch = max(1, int(limits.get("max_batch") or 4096))
            self.act_features: bool = resolve_act_features(self.client, act_features)
            fields: Dict[str, Any] = {"env_id": env_id, "options": self.options}
            if self.act_features:
                fields["act_features"] = True
            made = self.client.call_many([("make", fields)] * self.num_envs, return_errors=True)
            self.sessions = [r["session"] for r in made if not isinstance(r, CollabGymError)]
            errors = [r for r in made if isinstance(r, CollabGymError)]
            if errors:
                raise errors[0]
        except BaseException:
            self.close()
            raise
        #: The CollabGym spec of ``env_id`` (a dict, as ``collabgym spec`` prints it).
        self.collab_spec: Dict[str, Any] = dict(made[0].get("spec") or {})
        #: Gymnasium's ``EnvSpec`` slot, as on :class:`~collabgym.env.CollabGymEnv`: None here.
        self.spec: Any = None
        self.single_action_space = action_space_from_spec(self.collab_spec)
        self.single_observation_space = observation_space_from_spec(self.collab_spec,
                                                                    self.act_features)
        self.action_space = batched_action_space(self.single_action_space, self.num_envs)
        self.num_acts = int(self.single_action_space.n)
        self.num_features = int(self.single_observation_space["features"].shape[0])
        #: K, features per act (0 without act features).
        self.num_act_features = act_features_shape(self.collab_spec)[1] if self.act_features else 0
        n = self.num_envs
        self._needs_reset = np.ones(n, dtype=bool)
        self._masks = np.zeros((n, self.num_acts), dtype=np.uint8)
        self._returns = np.zeros(n, dtype=np.float64)
        self._lengths = np.zeros(n, dtype=np.int64)

    # ------------------------------------------------------------------ API

    def reset(self, seed: Optional[int] = None, options: Optional[Mapping[str, Any]] = None
              ) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
        """Resets every environment (env ``i`` with ``seed + i``); returns ``(obs, infos)``,
        ``infos[i] == {"reset": True, "seed": <episode seed>}``."""
        self._check_open()
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
                raise TypeError(f"seed: expected an int or None, got {type(seed).__name__}")
            if not 0 <= int(seed) < _U64:
                raise ValueError(f"seed = {seed}: expected an integer in [0, 2**64)")
        reqs = []
        for i, session in enumerate(self.sessions):
            fields: Dict[str, Any] = {"session": session, "options": options}
            if seed is not None:
                fields["seed"] = (int(seed) + i) % _U64
            reqs.append(("reset", fields))
        replies = self.client.call_many(reqs)
        batch = self._new_batch()
        infos: List[Dict[str, Any]] = []
        for i, reply in enumerate(replies):
            self._write_reset_row(batch, i, reply)
            infos.append({"reset": True, "seed": reply.get("seed")})
        return self._obs(batch), infos

    def step(self, actions: Any) -> Tuple[Dict[str, Any], np.ndarray, np.ndarray, np.ndarray,
                                          List[Dict[str, Any]]]:
        """Steps every environment (see the module docstring for autoreset).

        Args:
            actions: N actions (a sequence or an int array of shape (N,)); each an int act, a str
                or a dict ``{act?, text?}``. Actions of rows being autoreset are ignored.

        Returns:
            ``(obs, rewards float64 (N,), terminated bool (N,), truncated bool (N,), infos)``.

        Raises:
            ValueError: ``len(actions) != num_envs``.
            TypeError: an action of the wrong type (the message names the environment).
            InvalidAction: an int act out of range or masked in its row (checked client-side
                before anything is sent, naming the environment), or one the server rejects.
        """
        self._check_open()
        acts = list(np.asarray(actions).tolist()) if isinstance(actions, np.ndarray) \
            else list(actions)
        if len(acts) != self.num_envs:
            raise ValueError(f"VectorEnv.step: got {len(acts)} actions for "
                             f"{self.num_envs} environments")
        stepped: List[int] = []
        items: List[Dict[str, Any]] = []
        for i, action in enumerate(acts):
            if self._needs_reset[i]:
                continue
            try:
                wire = encode_action(action)
            except (TypeError, ValueError) as err:
                raise type(err)(f"environment {i}: {err}") from None
            act = wire if isinstance(wire, int) else (
                wire.get("act") if isinstance(wire, dict) else None)
            if act is not None:
                if not 0 <= act < self.num_acts:
                    raise InvalidAction(f"environment {i}: act {act} is out of range "
                                        f"[0, {self.num_acts})")
                if not self._masks[i, act]:
                    raise InvalidAction(f"environment {i}: act {act} is masked")
            stepped.append(i)
            items.append({"session": self.sessions[i], "action": wire})
        resets = [i for i in range(self.num_envs) if self._needs_reset[i]]

        # Pipeline: every autoreset, then every step_many chunk, then read the replies.
        reset_ids = [self.client.send("reset", session=self.sessions[i]) for i in resets]
        chunk_ids = [self.client.send("step_many", steps=items[b:b + self.max_batch])
                     for b in range(0, len(items), self.max_batch)]
        reset_replies = [self._recv(rid) for rid in reset_ids]
        chunk_replies = [self._recv(rid) for rid in chunk_ids]
        first_error: Optional[CollabGymError] = None
        for reply in reset_replies + chunk_replies:
            if isinstance(reply, CollabGymError):
                raise reply

        batch = self._new_batch()
        infos: List[Dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for i, reply in zip(resets, reset_replies):
            self._write_reset_row(batch, i, reply)
            infos[i] = {"reset": True, "seed": reply.get("seed")}
        results: List[Any] = []
        for reply in chunk_replies:
            results.extend(reply.get("results") or [])
        if len(results) != len(stepped):
            raise CollabGymError(f"step_many returned {len(results)} results for "
                                 f"{len(stepped)} steps", code="bad_reply")
        for i, res in zip(stepped, results):
            if not (isinstance(res, dict) and res.get("ok") is True):
                err = _item_error(res, i)
                first_error = first_error or err
                infos[i] = {"reset": False, "error": err}
                continue
            obs = decode_obs(res["obs"])
            reward = float(res.get("reward", 0.0))
            term, trunc = bool(res.get("terminated")), bool(res.get("truncated"))
            self._write_obs(batch, i, obs)
            batch["rewards"][i] = reward
            batch["terminated"][i] = term
            batch["truncated"][i] = trunc
            self._returns[i] += reward
            self._lengths[i] += 1
            info = dict(res.get("info") or {})
            info["reset"] = False
            if term or trunc:
                self._needs_reset[i] = True
                info["episode"] = {"return": float(self._returns[i]),
                                   "length": int(self._lengths[i]),
                                   "score": info.get("score"), "success": info.get("success"),
                                   "truncated": trunc}
            infos[i] = info
        if first_error is not None:
            raise first_error
        return (self._obs(batch), batch["rewards"], batch["terminated"], batch["truncated"],
                infos)

    def close(self) -> None:
        """Closes every session (pipelined; errors ignored) and the client if owned.
        Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.sessions and not self.client.closed:
                self.client.call_many([("close", {"session": s}) for s in self.sessions],
                                      return_errors=True)
        except (ServerTimeout, UnknownSession):
            pass
        finally:
            if self._owns_client:
                self.client.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "VectorEnv":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __len__(self) -> int:
        return self.num_envs

    def __repr__(self) -> str:
        return f"<VectorEnv {self.env_id} x{self.num_envs} @ {self.client.endpoint}>"

    # ------------------------------------------------------------------ helpers

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("VectorEnv is closed")

    def _recv(self, rid: int) -> Any:
        try:
            return self.client.recv(rid)
        except ServerTimeout:
            raise
        except CollabGymError as err:
            return err

    def _new_batch(self) -> Dict[str, Any]:
        n = self.num_envs
        # Rows not written this call keep their current mask (never happens: every row is
        # either reset or stepped); features default to zeros.
        batch = {
            "features": np.zeros((n, self.num_features), dtype=np.float32),
            "action_mask": self._masks.copy(),
            "text": [""] * n,
            "turn": np.zeros(n, dtype=np.int64),
            "rewards": np.zeros(n, dtype=np.float64),
            "terminated": np.zeros(n, dtype=bool),
            "truncated": np.zeros(n, dtype=bool),
        }
        if self.act_features:
            batch["act_features"] = np.zeros((n, self.num_acts, self.num_act_features),
                                             dtype=np.float32)
        return batch

    def _write_obs(self, batch: Dict[str, Any], i: int, obs: Dict[str, Any]) -> None:
        feats, mask = obs["features"], obs["action_mask"]
        if feats.shape != (self.num_features,) or mask.shape != (self.num_acts,):
            raise CollabGymError(f"environment {i}: observation has {feats.size} features and "
                                 f"{mask.size} mask entries, expected {self.num_features} and "
                                 f"{self.num_acts}", code="bad_reply")
        if self.act_features:
            af = obs.get("act_features")
            shape = (self.num_acts, self.num_act_features)
            if af is None or af.shape != shape:
                got = "none" if af is None else f"shape {af.shape}"
                raise CollabGymError(f"environment {i}: act_features has {got}, expected {shape}",
                                     code="bad_reply")
            batch["act_features"][i] = af
        batch["features"][i] = feats
        batch["action_mask"][i] = mask
        batch["text"][i] = obs["text"]
        batch["turn"][i] = obs["turn"]
        self._masks[i] = mask

    def _write_reset_row(self, batch: Dict[str, Any], i: int, reply: Dict[str, Any]) -> None:
        self._write_obs(batch, i, reply["obs"])
        self._needs_reset[i] = False
        self._returns[i] = 0.0
        self._lengths[i] = 0

    @staticmethod
    def _obs(batch: Dict[str, Any]) -> Dict[str, Any]:
        obs = {"features": batch["features"], "action_mask": batch["action_mask"],
               "text": tuple(batch["text"]), "turn": batch["turn"]}
        if "act_features" in batch:
            obs["act_features"] = batch["act_features"]
        return obs


def _item_error(res: Any, i: int) -> CollabGymError:
    err = error_from_reply(res.get("error") if isinstance(res, dict) else None)
    return type(err)(f"environment {i}: {err.message}", code=err.code)
