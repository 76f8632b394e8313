"""Serve a policy as a CollabGym agent endpoint (docs/protocol.md, "Agent endpoints").

A leaderboard (or ``collabgym run``) plays the agent ``remote:ENDPOINT``: it connects to
``ENDPOINT``, sends the environment's spec at the start of each episode and each observation,
and takes the action the policy returns::

    import collabgym

    def policy(obs, spec):
        legal = obs["action_mask"].nonzero()[0]
        return int(legal[0])                 # an act index, a str, or {"act": i, "text": s}

    collabgym.serve_agent(policy, "tcp://127.0.0.1:6000")

    # elsewhere:
    #   collabgym leaderboard --agents expert,remote:tcp://127.0.0.1:6000 --out board

``obs`` is what ``collabgym.decode_obs`` gives (``text``, ``features``, ``action_mask``,
``act_features`` of shape (A, K), ``turn``); ``spec`` is the episode's environment spec (a dict).
A policy that raises, or returns something that is not an action, is answered as an error: the
runner records that turn's episode as the agent's failure and goes on.

The same endpoint can play MR futures (a *rollout agent*: ``collabgym run --rollout-policy
remote:ENDPOINT``, ``collabgym serve --rollout-agent NAME=remote:ENDPOINT``; docs/reward.md). The
engine then sends ``act_many`` requests: several conversations at once, each item's ``obs`` with
two more keys, ``messages`` (the conversation as chat messages, the task's instructions first) and
``seed`` (the future turn's own random stream). With ``batched=True`` the policy is called once
per request with a list of ``(obs, spec)`` pairs and returns a list of actions (a language model
serves them as one batch); otherwise it is called once per item. An item whose policy raises, or
whose action is not one, is answered with no action: that future falls back to the expert.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable, Dict, Mapping, Optional

from ._endpoint import error, ok, serve_loop
from .wire import decode_obs, encode_action

#: The agent endpoint protocol's version (``agent_protocol`` in the ``hello`` reply).
#: 2 added ``act_many`` (rollout agents); runners accept 1 and 2.
AGENT_PROTOCOL = 2

Policy = Callable[[Dict[str, Any], Mapping[str, Any]], Any]
BeginHook = Callable[[Mapping[str, Any], int], None]


def serve_agent(policy_fn: Policy, endpoint: str, *, name: Optional[str] = None,
                on_begin: Optional[BeginHook] = None,
                stop: Optional[threading.Event] = None,
                ready: Optional[threading.Event] = None,
                max_requests: Optional[int] = None,
                batched: bool = False) -> int:
    """Answers agent requests on ``endpoint`` until ``stop`` is set, ``max_requests`` requests
    were answered, or KeyboardInterrupt. Returns the number of requests answered.

    Args:
        policy_fn: ``policy_fn(obs, spec) -> action``; the action is an ``int`` act index, a
            ``str`` of free text, or a dict with ``act`` and/or ``text``.
        endpoint: where to bind, ``tcp://HOST:PORT`` or ``ipc://PATH``.
        name: the agent's name in the ``hello`` reply (default: the policy's ``__name__``).
        on_begin: called as ``on_begin(spec, seed)`` when an episode starts.
        stop: set it (from another thread) to stop serving within about 0.1 s.
        ready: set once the socket is bound.
        max_requests: stop after answering this many requests (tests).
        batched: ``act_many`` calls ``policy_fn([(obs, spec), ...])`` once, which returns a list
            of actions (one per item, ``None`` for no action); otherwise the policy is called per
            item.

    Several runners (one per ``--jobs`` worker) may connect at once; each one's current spec is
    kept apart. Requests are answered one at a time, in arrival order.
    """
    agent_name = name or getattr(policy_fn, "__name__", "python-agent")
    specs: Dict[bytes, Mapping[str, Any]] = {}

    def answer(req: Dict[str, Any], peer: bytes) -> Dict[str, Any]:
        return _answer(req, agent_name, policy_fn, on_begin, specs, peer, batched)

    return serve_loop(endpoint, answer, stop=stop, ready=ready, max_requests=max_requests)


def _answer(req: Dict[str, Any], agent_name: str, policy_fn: Policy,
            on_begin: Optional[BeginHook], specs: Dict[bytes, Mapping[str, Any]],
            peer: bytes, batched: bool = False) -> Dict[str, Any]:
    rid = req.get("id")
    op = req.get("op")
    if op == "hello":
        return ok(rid, name=agent_name, agent_protocol=AGENT_PROTOCOL)
    if op == "begin":
        new_spec = req.get("spec")
        if not isinstance(new_spec, dict):
            return error(rid, "missing_field", "begin: expected a map \"spec\"")
        specs[peer] = new_spec
        if on_begin is not None:
            try:
                on_begin(new_spec, int(req.get("seed", 0)))
            except Exception:  # noqa: BLE001 - the runner records it as the agent's failure
                return error(rid, "policy_error", traceback.format_exc(limit=3))
        return ok(rid)
    if op == "act":
        try:
            obs = decode_obs(req.get("obs"))
        except Exception as err:  # noqa: BLE001
            return error(rid, "wrong_type", f"act: obs: {err}")
        try:
            action = encode_action(policy_fn(obs, specs.get(peer, {})))
        except Exception:  # noqa: BLE001 - the runner records it as the agent's failure
            return error(rid, "policy_error", traceback.format_exc(limit=3))
        return ok(rid, action=action)
    if op == "act_many":
        return _act_many(req, policy_fn, batched)
    return error(rid, "unknown_op", f"op {op!r}: expected hello, begin, act or act_many")


def _act_many(req: Dict[str, Any], policy_fn: Any, batched: bool) -> Dict[str, Any]:
    """``act_many``: ``specs`` (distinct specs) and ``items`` (``spec`` index, ``seed``,
    ``episode_seed``, ``sample``, ``obs``, ``messages``) to ``actions`` and ``errors``."""
    rid = req.get("id")
    specs, items = req.get("specs"), req.get("items")
    if not isinstance(specs, list) or not isinstance(items, list):
        return error(rid, "missing_field", "act_many: expected arrays \"specs\" and \"items\"")
    pairs = []
    for i, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise TypeError(f"expected a map, got {type(item).__name__}")
            k = item.get("spec")
            if not isinstance(k, int) or not 0 <= k < len(specs) or not isinstance(specs[k], dict):
                raise ValueError(f"spec {k!r}: expected an index into specs (0 to {len(specs) - 1})")
            obs = decode_obs(item.get("obs"))
            messages = item.get("messages")
            if not isinstance(messages, list):
                raise TypeError("messages: expected an array")
            obs["messages"] = messages
            obs["seed"] = int(item.get("seed", 0))
            obs["sample"] = int(item.get("sample", 0))
            obs["episode_seed"] = int(item.get("episode_seed", 0))
        except Exception as err:  # noqa: BLE001 - a malformed item is the runner's bug
            return error(rid, "wrong_type", f"act_many: items[{i}]: {err}")
        pairs.append((obs, specs[k]))
    actions: list = [None] * len(pairs)
    errors: list = [None] * len(pairs)
    if batched:
        try:
            got = list(policy_fn(pairs))
            if len(got) != len(pairs):
                raise ValueError(f"the policy returned {len(got)} actions for {len(pairs)} items")
        except Exception:  # noqa: BLE001 - every future of the request falls back
            why = traceback.format_exc(limit=3)
            return ok(rid, actions=actions, errors=[why] * len(pairs))
    for i, (obs, spec) in enumerate(pairs):
        try:
            action = got[i] if batched else policy_fn(obs, spec)
            actions[i] = None if action is None else encode_action(action)
            if action is None:
                errors[i] = "the policy gave no action"
        except Exception:  # noqa: BLE001 - that future falls back to the expert
            errors[i] = traceback.format_exc(limit=3)
    return ok(rid, actions=actions, errors=errors)
