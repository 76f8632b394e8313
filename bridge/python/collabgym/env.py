"""Gymnasium-style environment over the wire: ``collabgym.make(env_id, **options)``.

One :class:`CollabGymEnv` is one server session. The API follows Gymnasium:

* ``reset(seed=None, options=None) -> (obs, info)``
* ``step(action) -> (obs, reward, terminated, truncated, info)``

where ``obs`` is ``{"text": str, "features": np.float32[F], "action_mask": np.uint8[A],
"turn": int}``, plus ``"act_features": np.float32[A, K]`` (per-act features; K may be 0) when the
server offers them (protocol 1.1, see :func:`make`), and ``action`` is an int (a dialogue-act index), a str (free text the task parses) or
a dict ``{"act"?: int, "text"?: str}``. Stepping before ``reset`` or after the episode ended raises
:class:`~collabgym.errors.ResetNeeded` (from the server), never silently resets.

When ``gymnasium`` is importable the class **is** a ``gymnasium.Env`` (so wrappers,
``gymnasium.make`` after :func:`register_envs`, and ``gymnasium.utils.env_checker.check_env``
apply); without it, it is a plain class with the same methods and attributes (``action_space``,
``observation_space``, ``spec``, ``metadata``, ``render_mode``, ``unwrapped``, ``np_random``).
``spec`` is Gymnasium's: an ``EnvSpec`` when made through ``gymnasium.make``, else None; the
CollabGym spec (acts, features, options, reward config, as ``collabgym spec`` prints it) is
:attr:`CollabGymEnv.collab_spec`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ._gymnasium import EnvBase, gymnasium
from .client import DEFAULT_ENDPOINT, Client
from .wire import encode_action, offers_act_features
from .errors import ServerTimeout, UnknownSession
from .spaces import action_space_from_spec, observation_space_from_spec

__all__ = ["CollabGymEnv", "make", "register_envs", "GYMNASIUM_ENTRY_POINT"]

#: The entry point :func:`register_envs` gives gymnasium (the class: its constructor makes a session).
GYMNASIUM_ENTRY_POINT = "collabgym.env:CollabGymEnv"

Obs = Dict[str, Any]


class _ClientRef:
    """A Client shared by an env and its forks; closed when the last owner lets go (if owned)."""

    def __init__(self, client: Client, owned: bool) -> None:
        self.client = client
        self.owned = owned
        self.refs = 0

    def acquire(self) -> Client:
        self.refs += 1
        return self.client

    def release(self) -> None:
        self.refs -= 1
        if self.refs <= 0 and self.owned:
            self.client.close()


class CollabGymEnv(EnvBase):
    """One environment session on a CollabGym server.

    ``CollabGymEnv(env_id, endpoint, ...)`` (or :func:`make`, the same arguments) makes the session;
    with gymnasium, ``gymnasium.make("collabgym/<env_id>", ...)`` after :func:`register_envs`.

    Attributes:
        env_id: the registered id (``"twenty_questions-v0"``).
        session: the server's session id (32 hex digits).
        collab_spec: the environment's CollabGym spec (a dict, as ``collabgym spec`` prints it).
        spec: Gymnasium's ``EnvSpec`` when made by ``gymnasium.make``, else None.
        options: the options the session was made with.
        action_space: ``Discrete(A)`` over dialogue acts.
        observation_space: ``Dict(text, features, action_mask, turn)``, plus
            ``act_features`` (``Box((A, K), float32)``) when :attr:`act_features`.
        act_features: whether this session's observations carry ``act_features``.
        history: the conversation of the current episode, as ``(role, text)`` pairs with role
            ``"user"`` or ``"agent"``.
        instructions: what the task tells an agent before the user's opening (its role, how to
            ask, act and finish in words, the turn limit, how messages are read); the same for
            every goal. :meth:`messages` opens with it.
        np_random: a ``np.random.Generator`` seeded by ``reset(seed=...)`` (Gymnasium's
            convention; the environment itself draws nothing from it: the server owns the
            episode's randomness).
    """

    # render_fps: Gymnasium's checker wants one wherever a render mode exists; "ansi" frames (the
    # conversation as text) are not timed.
    metadata: Dict[str, Any] = {"render_modes": ["ansi"], "render_fps": 1}
    #: Gymnasium's EnvSpec (set by ``gymnasium.make``); None otherwise. See :attr:`collab_spec`.
    spec: Any = None
    render_mode: Optional[str] = None

    def __init__(self, env_id: str, endpoint: str = DEFAULT_ENDPOINT, *, timeout: float = 10.0,
                 client: Optional[Client] = None, render_mode: Optional[str] = None,
                 options: Optional[Mapping[str, Any]] = None,
                 act_features: Optional[bool] = None,
                 curve: Optional[Mapping[str, Any]] = None, **kw_options: Any) -> None:
        """Makes a session of ``env_id`` on the server at ``endpoint``: see :func:`make`.
        ``curve``: the CURVE keys of the client made here (:class:`Client`'s
        ``curve_server_key``, ``curve_public_key``, ``curve_secret_key``)."""
        if not isinstance(env_id, str):
            raise TypeError(f"env_id: expected a str, got {type(env_id).__name__}")
        _check_render_mode(render_mode)
        opts: Dict[str, Any] = dict(options or {})
        opts.update(kw_options)
        ref = _ClientRef(client if client is not None
                         else Client(endpoint, timeout, **dict(curve or {})),
                         owned=client is None)
        try:
            want = resolve_act_features(ref.client, act_features)
            reply = ref.client.make(env_id, opts, act_features=want)
        except BaseException:
            if ref.owned:
                ref.client.close()
            raise
        self._attach(ref, reply["session"], reply.get("spec") or {}, env_id, opts, render_mode,
                     want)

    def _attach(self, client_ref: _ClientRef, session: str, spec: Mapping[str, Any],
                env_id: str, options: Mapping[str, Any], render_mode: Optional[str],
                act_features: bool) -> None:
        self._ref = client_ref
        self._client = client_ref.acquire()
        self.session: str = session
        self.collab_spec: Dict[str, Any] = dict(spec)
        self.env_id: str = env_id
        self.options: Dict[str, Any] = dict(options)
        self.render_mode = render_mode
        self.act_features: bool = bool(act_features)
        self.action_space = action_space_from_spec(self.collab_spec)
        self.observation_space = observation_space_from_spec(self.collab_spec, self.act_features)
        self.history: List[Tuple[str, str]] = []
        self.last_obs: Optional[Obs] = None
        self.last_seed: Optional[int] = None
        self.np_random = np.random.default_rng()
        self._closed = False

    @classmethod
    def _from_session(cls, client_ref: _ClientRef, session: str, spec: Mapping[str, Any],
                      env_id: str, options: Mapping[str, Any], render_mode: Optional[str],
                      act_features: bool) -> "CollabGymEnv":
        """An env on an existing session (a fork), sharing ``client_ref``."""
        env = cls.__new__(cls)
        env._attach(client_ref, session, spec, env_id, options, render_mode, act_features)
        return env

    @classmethod
    def make(cls, env_id: str, endpoint: str = DEFAULT_ENDPOINT, timeout: float = 10.0,
             client: Optional[Client] = None, render_mode: Optional[str] = None,
             options: Optional[Mapping[str, Any]] = None, act_features: Optional[bool] = None,
             **kw_options: Any) -> "CollabGymEnv":
        """See :func:`make`."""
        return cls(env_id, endpoint, timeout=timeout, client=client, render_mode=render_mode,
                   options=options, act_features=act_features, **kw_options)

    # ------------------------------------------------------------------ properties

    @property
    def client(self) -> Client:
        """The low-level client this env talks through (shared with its forks)."""
        return self._client

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def unwrapped(self) -> "CollabGymEnv":
        return self

    @property
    def act_names(self) -> List[str]:
        """Names of the dialogue acts (``"ask:alive"``, ``"guess:dog"``, ...), by index."""
        return list(self.collab_spec.get("acts") or [])

    @property
    def num_acts(self) -> int:
        return int(self.action_space.n)

    @property
    def num_features(self) -> int:
        return int(self.observation_space["features"].shape[0])

    @property
    def num_act_features(self) -> int:
        """K, the number of features per act (0 when the session carries none)."""
        if not self.act_features:
            return 0
        return int(self.observation_space["act_features"].shape[1])

    @property
    def instructions(self) -> str:
        """The task's agent-facing instructions (``collab_spec["instructions"]``; "" from a
        server older than them)."""
        return str(self.collab_spec.get("instructions") or "")

    def messages(self) -> List[Dict[str, str]]:
        """The episode so far as OpenAI-style chat messages, ready for a chat-completions call:
        ``[{"role": "system", "content": instructions}, {"role": "user", "content": opening},
        {"role": "assistant", ...}, {"role": "user", ...}, ...]``. Kept on the client from the
        replies (nothing extra crosses the wire); an act-index action appears as the text the
        task rendered for it. A new list each call."""
        out: List[Dict[str, str]] = []
        if self.instructions:
            out.append({"role": "system", "content": self.instructions})
        for role, text in self.history:
            out.append({"role": "user" if role == "user" else "assistant", "content": text})
        return out

    def act_index(self, name: str) -> int:
        """Index of the act called ``name``; raises KeyError naming it if there is none."""
        try:
            return self.act_names.index(name)
        except ValueError:
            raise KeyError(f"no act named {name!r} in {self.env_id}") from None

    # ------------------------------------------------------------------ Gymnasium API

    def reset(self, seed: Optional[int] = None,
              options: Optional[Mapping[str, Any]] = None) -> Tuple[Obs, Dict[str, Any]]:
        """Starts a new episode.

        Args:
            seed: an int in [0, 2**64): the episode is then a pure function of (seed, actions).
                None: the session draws the seed from its own stream (itself seeded by the last
                explicit seed), so a run stays reproducible after one seeded reset.
            options: per-reset options, passed to the server as they are.

        Returns:
            ``(obs, info)``; ``info["seed"]`` is the episode seed the server used.
        """
        self._check_open()
        if isinstance(seed, np.integer):
            seed = int(seed)
        reply = self._client.reset(self.session, seed=seed, options=options)
        if seed is not None:  # after the server accepted it
            if gymnasium is not None:
                super().reset(seed=seed)  # seeds np_random as every gymnasium.Env does
            else:
                self.np_random = np.random.default_rng(seed)
        obs = reply["obs"]
        info = dict(reply.get("info") or {})
        self.last_seed = reply.get("seed")
        info["seed"] = self.last_seed
        self.last_obs = obs
        self.history = [("user", obs["text"])]
        return obs, info

    def step(self, action: Any) -> Tuple[Obs, float, bool, bool, Dict[str, Any]]:
        """Plays one agent turn.

        Args:
            action: an int act index, a str of free text, or ``{"act"?: int, "text"?: str}``.

        Returns:
            ``(obs, reward, terminated, truncated, info)``; ``info`` as in docs/protocol.md.

        Raises:
            TypeError / ValueError: the action has the wrong form (checked before sending).
            InvalidAction: an act out of range or masked (from the server).
            ResetNeeded: no episode is running.
        """
        self._check_open()
        if isinstance(action, np.ndarray) and action.shape == ():
            action = action.item()
        wire = encode_action(action)
        reply = self._client.call("step", session=self.session, action=wire)
        obs = reply["obs"]
        info = dict(reply.get("info") or {})
        said = info.get("agent_text")
        if not isinstance(said, str) or not said:
            said = wire if isinstance(wire, str) else str(
                wire.get("text", "") if isinstance(wire, dict) else "")
        self.history.append(("agent", said))
        self.history.append(("user", obs["text"]))
        self.last_obs = obs
        return (obs, float(reply.get("reward", 0.0)), bool(reply.get("terminated", False)),
                bool(reply.get("truncated", False)), info)

    def fork(self) -> "CollabGymEnv":
        """Returns a new env on an exact copy of this session (same episode, same RNG state),
        which then diverges independently. It shares this env's client; close both."""
        self._check_open()
        reply = self._client.fork(self.session)
        child = type(self)._from_session(self._ref, reply["session"], self.collab_spec,
                                         self.env_id, self.options, self.render_mode,
                                         self.act_features)
        child.spec = self.spec
        child.history = list(self.history)
        child.last_seed = self.last_seed
        if self.last_obs is not None:
            child.last_obs = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                              for k, v in self.last_obs.items()}
        return child

    def render(self) -> Optional[str]:
        """With ``render_mode="ansi"``: the conversation so far as text; else None."""
        if self.render_mode != "ansi":
            return None
        return "\n".join(f"{role}: {text}" for role, text in self.history)

    def close(self) -> None:
        """Closes the session on the server (idempotent). A session the server already dropped
        (closed or reaped) or an unreachable server is not an error here."""
        if self._closed:
            return
        self._closed = True
        try:
            if not self._client.closed:
                self._client.close_session(self.session)
        except (UnknownSession, ServerTimeout):
            pass
        finally:
            self._ref.release()

    def __enter__(self) -> "CollabGymEnv":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"session={self.session}"
        return f"<CollabGymEnv {self.env_id} {state} @ {self._client.endpoint}>"

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"{self.env_id}: the environment is closed")


def _check_render_mode(render_mode: Optional[str]) -> None:
    if render_mode not in (None, "ansi"):
        raise ValueError(f"render_mode = {render_mode!r}: expected None or 'ansi'")


def resolve_act_features(client: Client, act_features: Optional[bool]) -> bool:
    """Whether to ask for act features: ``None`` = when the server offers them (one cached
    ``hello``); True = required (ValueError if the server does not offer them); False = never."""
    if act_features is not None and not isinstance(act_features, (bool, np.bool_)):
        raise TypeError(f"act_features: expected a bool or None, got "
                        f"{type(act_features).__name__}")
    if act_features is not None and not act_features:
        return False
    offered = offers_act_features(client.server_info())
    if act_features is not None and not offered:
        raise ValueError(f"act_features=True: the server at {client.endpoint} does not offer "
                         "act features (its hello lacks protocol_minor >= 1 and the "
                         "'act_features' capability)")
    return offered


def make(env_id: str, endpoint: str = DEFAULT_ENDPOINT, *, timeout: float = 10.0,
         client: Optional[Client] = None, render_mode: Optional[str] = None,
         options: Optional[Mapping[str, Any]] = None, act_features: Optional[bool] = None,
         **kw_options: Any) -> CollabGymEnv:
    """Creates an environment session on the server at ``endpoint``.

    Args:
        env_id: a registered id, e.g. ``"twenty_questions-v0"`` (``Client.list()`` lists them).
        endpoint: the server's ZeroMQ endpoint (ignored when ``client`` is given).
        timeout: seconds to wait for each reply (:class:`~collabgym.errors.ServerTimeout`).
        client: an existing :class:`~collabgym.client.Client` to share (not closed by the env).
        render_mode: None or ``"ansi"``.
        options: environment options as a dict; ``**kw_options`` are merged over it
            (``reward="terminal"``, ``split="test"``, ``mr_window=2``, ...).
        act_features: observations carry ``act_features`` (float32 ``(A, K)``) and the
            observation space has the key. ``None`` (default): when the server offers them
            (protocol 1.1; an older server gives the 1.0 observation); True: required
            (ValueError otherwise); False: never.

    Raises:
        UnknownEnv, InvalidOption, TooManySessions, ServerTimeout: from the server.
    """
    return CollabGymEnv(env_id, endpoint, timeout=timeout, client=client,
                        render_mode=render_mode, options=options, act_features=act_features,
                        **kw_options)


def register_envs(endpoint: str = DEFAULT_ENDPOINT, *, namespace: Optional[str] = "collabgym",
                  ids: Optional[Sequence[str]] = None, timeout: float = 10.0) -> List[str]:
    """Registers CollabGym environments with gymnasium, so that
    ``gymnasium.make("collabgym/twenty_questions-v0", reward="terminal")`` makes a session.

    Args:
        endpoint: the server the registered environments connect to (a ``gymnasium.make``
            keyword ``endpoint=...`` overrides it).
        namespace: the gymnasium namespace (``"collabgym"``: ids ``collabgym/<id>``; None: the
            bare ids).
        ids: the CollabGym ids to register; None (default): every id the server lists (one
            ``list`` request).
        timeout: seconds per reply, for the ``list`` request and the registered environments.

    Returns:
        The gymnasium ids registered (an id already registered with the same arguments is
        left as it is and still returned).

    Raises:
        ImportError: gymnasium is not installed.
        ServerTimeout: ``ids`` is None and the server does not answer.
    """
    if gymnasium is None:
        raise ImportError("collabgym.register_envs needs gymnasium (pip install gymnasium)")
    if ids is None:
        with Client(endpoint, timeout) as client:
            ids = list(client.list().get("ids") or [])
    out: List[str] = []
    for env_id in ids:
        if not isinstance(env_id, str):
            raise TypeError(f"ids: expected str ids, got {type(env_id).__name__}")
        gym_id = f"{namespace}/{env_id}" if namespace else env_id
        kwargs = {"env_id": env_id, "endpoint": endpoint, "timeout": timeout}
        known = gymnasium.registry.get(gym_id)
        if known is None or known.entry_point != GYMNASIUM_ENTRY_POINT or known.kwargs != kwargs:
            # Deterministic by seed; the server truncates at max_turns (no TimeLimit needed).
            gymnasium.register(gym_id, entry_point=GYMNASIUM_ENTRY_POINT, kwargs=kwargs,
                               nondeterministic=False)
        out.append(gym_id)
    return out
