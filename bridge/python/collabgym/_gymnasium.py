"""The optional ``gymnasium`` dependency, imported once for the whole package.

``gymnasium`` is the module (or None when it cannot be imported), ``gym_spaces`` its ``spaces``,
``EnvBase`` the class :class:`~collabgym.env.CollabGymEnv` derives from: ``gymnasium.Env`` when
available, else ``object``.
"""

from __future__ import annotations

from typing import Any

try:  # optional dependency
    import gymnasium  # type: ignore[import-not-found]
    from gymnasium import spaces as gym_spaces  # type: ignore[import-not-found]
except Exception:  # noqa: BLE001 - any import failure means "not available"
    gymnasium = None
    gym_spaces = None

HAVE_GYMNASIUM: bool = gymnasium is not None
EnvBase: Any = gymnasium.Env if gymnasium is not None else object
