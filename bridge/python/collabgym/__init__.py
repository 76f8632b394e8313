"""CollabGym Python client: drive CollabGym environments over ZeroMQ + MessagePack.

Quick start::

    import collabgym
    with collabgym.make("twenty_questions-v0", endpoint="tcp://127.0.0.1:5555",
                        reward="terminal") as env:
        obs, info = env.reset(seed=42)
        obs, reward, terminated, truncated, info = env.step("Is it alive?")

With gymnasium installed, ``CollabGymEnv`` is a ``gymnasium.Env`` and
``collabgym.register_envs(endpoint)`` registers every served id as ``collabgym/<id>`` for
``gymnasium.make``.

See bridge/python/README.md and docs/protocol.md (the normative wire protocol).
"""

from .agent_server import AGENT_PROTOCOL, serve_agent
from .client import DEFAULT_ENDPOINT, PROTOCOL_MINOR, PROTOCOL_VERSION, Client
from .curve import load_curve_key
from .env import CollabGymEnv, make, register_envs
from .errors import (ERRORS_BY_CODE, BadReply, BadVersion, CollabGymError, InternalError,
                     InvalidAction, InvalidOption, Malformed, MissingField, Overloaded,
                     ResetNeeded, ServerTimeout, ShuttingDown, TooLarge, TooManySessions, UnknownEnv,
                     UnknownOp, UnknownSession, WrongType, error_from_reply)
from .rng import Rng, random_policy
from .spaces import HAVE_GYMNASIUM
from .user_server import USER_PROTOCOL, serve_user
from .vector import VectorEnv
from .wire import (Action, SoaBatch, decode_obs, decode_soa, encode_action, offers_act_features,
                   offers_soa)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "PROTOCOL_VERSION",
    "PROTOCOL_MINOR",
    "DEFAULT_ENDPOINT",
    "HAVE_GYMNASIUM",
    "Action",
    "Client",
    "CollabGymEnv",
    "VectorEnv",
    "make",
    "register_envs",
    "serve_agent",
    "random_policy",
    "Rng",
    "AGENT_PROTOCOL",
    "serve_user",
    "USER_PROTOCOL",
    "encode_action",
    "decode_obs",
    "offers_act_features",
    "offers_soa",
    "load_curve_key",
    "SoaBatch",
    "decode_soa",
    "error_from_reply",
    "ERRORS_BY_CODE",
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
    "Overloaded",
    "InternalError",
    "ServerTimeout",
    "BadReply",
]
