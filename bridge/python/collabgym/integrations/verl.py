"""CollabGym as a veRL interaction (docs/training-llms.md).

veRL's multi-turn rollout asks an *interaction* for the user's side of each conversation
(``verl.interactions.base.BaseInteraction``). :class:`CollabGymInteraction` is one: each sample's
conversation is a CollabGym session, so the user is the task's simulated user (microseconds a
turn, not an LLM call) and the turn score is the environment's reward (MR by default: the turn's
effect on the rest of the conversation), with no judge model to run.

A sample's ``interaction_kwargs`` (``extra_info.interaction_kwargs`` in the dataset that
``python -m collabgym.integrations.verl_dataset`` writes) name the episode::

    {"name": "collabgym", "task": "grocery-v0", "seed": 17, "options": {"split": "test"}}

The interaction's config (veRL's interaction YAML) gives what is common to every sample::

    interaction:
      - name: collabgym
        class_name: collabgym.integrations.verl.CollabGymInteraction
        config:
          endpoint: tcp://127.0.0.1:5555   # a `collabgym serve`
          options: {reward: mr}           # make options for every session (kwargs override)
          timeout: 60

``generate_response`` steps the session with the last assistant message as free text and returns
``(terminated or truncated, the user's reply, the step's reward, {"info": …, …})``;
``calculate_score`` returns R* of the conversation as it stands (``info.reward.total`` of the last
step); ``finalize_interaction`` closes the session. Blocking calls run on a worker thread, so
veRL's event loop keeps serving other samples; each instance has its own connection, so the server
steps instances concurrently.

veRL is not a dependency of CollabGym: this module imports ``verl.interactions.base`` and raises
ImportError naming veRL when it is absent.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

try:
    from verl.interactions.base import BaseInteraction
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "collabgym.integrations.verl needs veRL (`pip install verl`): it subclasses "
        "verl.interactions.base.BaseInteraction") from err

from ..client import DEFAULT_ENDPOINT
from ..env import CollabGymEnv
from .verl_dataset import dataset_rows

__all__ = ["CollabGymInteraction", "dataset_rows"]

#: interaction_kwargs keys the adapter reads (veRL adds ``name``, the interaction's name).
KWARGS = ("name", "task", "seed", "options", "endpoint")


class _Instance:
    def __init__(self, env: CollabGymEnv, seed: int) -> None:
        self.env = env
        self.seed = seed
        self.turns = 0
        self.done = False
        self.last_info: Optional[Dict[str, Any]] = None


class CollabGymInteraction(BaseInteraction):
    """A veRL interaction whose user is a CollabGym environment (see the module docstring).

    Config keys: ``endpoint`` (default ``tcp://127.0.0.1:5555``), ``options`` (make options for
    every session; a sample's ``options`` are merged over them), ``timeout`` (seconds per
    request, default 60: MR steps with a remote rollout agent wait for it), ``task`` (used when a
    sample names none), ``turn_score`` (``"reward"``, the default: the step's reward in the
    environment's reward mode; ``"none"``: 0 each turn, for trainers that score only the end).
    """

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        self.endpoint: str = config.get("endpoint", DEFAULT_ENDPOINT)
        self.options: Dict[str, Any] = dict(config.get("options") or {})
        self.timeout: float = float(config.get("timeout", 60.0))
        self.task: Optional[str] = config.get("task")
        self.turn_score: str = config.get("turn_score", "reward")
        if self.turn_score not in ("reward", "none"):
            raise ValueError(f"turn_score = {self.turn_score!r}: expected 'reward' or 'none'")
        unknown = set(config) - {"name", "endpoint", "options", "timeout", "task", "turn_score"}
        if unknown:
            raise ValueError(f"CollabGymInteraction config: unknown key(s) {sorted(unknown)}; "
                             "expected name, endpoint, options, timeout, task, turn_score")
        self._instances: Dict[str, _Instance] = {}

    # -------------------------------------------------------------- veRL's interface

    async def start_interaction(self, instance_id: Optional[str] = None, **kwargs: Any) -> str:
        """Makes and resets a session for the sample: ``task`` (an id), ``seed`` (int),
        ``options`` (dict), ``endpoint`` (str; default the config's)."""
        instance_id = await super().start_interaction(instance_id)
        if instance_id in self._instances:
            raise ValueError(f"instance {instance_id!r} is already started")
        unknown = set(kwargs) - set(KWARGS)
        if unknown:
            raise ValueError(f"interaction_kwargs: unknown key(s) {sorted(unknown)}; expected "
                             f"{', '.join(KWARGS)}")
        task = kwargs.get("task", self.task)
        if not isinstance(task, str) or not task:
            raise ValueError("interaction_kwargs: 'task' (an environment id, e.g. "
                             "'grocery-v0') is required when the config names none")
        seed = kwargs.get("seed")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"interaction_kwargs: 'seed' = {seed!r}: expected a non-negative "
                             "int (the episode; the dataset's prompt is this episode's opening)")
        options = {**self.options, **dict(kwargs.get("options") or {})}
        endpoint = kwargs.get("endpoint", self.endpoint)

        def make() -> _Instance:
            env = CollabGymEnv(task, endpoint, timeout=self.timeout, options=options)
            try:
                env.reset(seed=seed)
            except BaseException:
                env.close()
                raise
            return _Instance(env, seed)

        self._instances[instance_id] = await asyncio.to_thread(make)
        return instance_id

    async def generate_response(self, instance_id: str, messages: List[Dict[str, Any]],
                                **kwargs: Any) -> Tuple[bool, str, float, Dict[str, Any]]:
        """Steps with the last assistant message; returns (should_terminate, the user's reply,
        the turn's score, extra) with extra = {"info", "terminated", "truncated", "turn"}."""
        del kwargs  # the sample's interaction_kwargs again: already used at the start
        inst = self._instance(instance_id)
        if inst.done:
            raise RuntimeError(f"instance {instance_id!r}: the conversation already ended; "
                               "veRL should have stopped at should_terminate_sequence")
        text = _last_assistant_text(messages)
        obs, reward, terminated, truncated, info = await asyncio.to_thread(inst.env.step, text)
        inst.turns += 1
        inst.done = bool(terminated or truncated)
        inst.last_info = info
        score = float(reward) if self.turn_score == "reward" else 0.0
        return inst.done, obs["text"], score, {"info": info, "terminated": bool(terminated),
                                               "truncated": bool(truncated), "turn": inst.turns}

    async def calculate_score(self, instance_id: Optional[str] = None, **kwargs: Any) -> float:
        """R* of the conversation as it stands: info.reward.total of its last step (0.0 before
        the first step)."""
        del kwargs
        inst = self._instance(instance_id)
        if inst.last_info is None:
            return 0.0
        return float(inst.last_info["reward"]["total"])

    async def finalize_interaction(self, instance_id: Optional[str] = None,
                                   **kwargs: Any) -> None:
        """Closes the sample's session (every session, when veRL names no instance)."""
        del kwargs
        ids = list(self._instances) if instance_id is None else [instance_id]
        for i in ids:
            inst = self._instances.pop(i, None)
            if inst is not None:
                await asyncio.to_thread(inst.env.close)

    # -------------------------------------------------------------- helpers

    def _instance(self, instance_id: Optional[str]) -> _Instance:
        if instance_id is None:
            if len(self._instances) != 1:
                raise ValueError(f"no instance_id given and {len(self._instances)} instances are "
                                 "open: name the instance")
            return next(iter(self._instances.values()))
        try:
            return self._instances[instance_id]
        except KeyError:
            raise KeyError(f"instance {instance_id!r} was not started (start_interaction) or "
                           "is already finalized") from None


def _last_assistant_text(messages: Sequence[Mapping[str, Any]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "assistant":
            content = m.get("content")
            if isinstance(content, list):  # OpenAI content parts
                content = "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
            if not isinstance(content, str) or not content.strip():
                raise ValueError("the last assistant message is empty: nothing to say to the user")
            return content
    raise ValueError("messages hold no assistant message: generate_response needs the "
                     "assistant's turn to answer")
