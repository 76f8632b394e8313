"""Makes ``gymnasium`` importable for the tests, without copying it into the project.

:func:`setup` runs before ``collabgym`` is imported (conftest.py), since the package decides at
import time whether its env is a ``gymnasium.Env``. In order:

1. ``COLLABGYM_TEST_GYMNASIUM=0`` hides gymnasium (``import gymnasium`` then fails), to run the
   suite against the client's stand-in spaces.
2. An importable gymnasium is used as it is.
3. Otherwise the unmodified Gymnasium source kept beside the repository (tests only) is put on
   ``sys.path``: ``<repo>/../shared/third_party/gymnasium`` (CI checks the shared folder out next
   to the repository clone). It needs Debian's python3-numpy, python3-cloudpickle and
   python3-typing-extensions (scripts/install-deps.sh). Its one import that Debian does not
   package, ``farama_notifications`` (gymnasium only prints notices from it), comes from the
   folder's ``stubs/`` or, failing that, is stood in for here by an empty module.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The Gymnasium 1.4.0 source used when no gymnasium is installed.
GYMNASIUM_SRC = REPO_ROOT.parent / "shared" / "third_party" / "gymnasium"

#: Why gymnasium is (not) available; set by setup(), used as the skip reason.
STATUS = "gymnasium support not set up (tests/python/gymnasium_support.setup() was not called)"


def _importable() -> bool:
    try:
        importlib.import_module("gymnasium")
        return True
    except ImportError:
        return False


def setup() -> str:
    """Arranges the import of gymnasium as described in the module docstring; returns (and
    keeps in :data:`STATUS`) a one-line description, used as the skip reason when unavailable."""
    global STATUS
    if os.environ.get("COLLABGYM_TEST_GYMNASIUM", "") == "0":
        sys.modules["gymnasium"] = None  # type: ignore[assignment]  # makes `import` fail
        STATUS = "gymnasium hidden (COLLABGYM_TEST_GYMNASIUM=0)"
    elif _importable():
        STATUS = f"installed gymnasium ({sys.modules['gymnasium'].__file__})"
    elif (GYMNASIUM_SRC / "gymnasium" / "__init__.py").is_file():
        missing = [m for m in ("cloudpickle", "typing_extensions")
                   if importlib.util.find_spec(m) is None]
        if missing:
            STATUS = (f"gymnasium source at {GYMNASIUM_SRC} needs {', '.join(missing)} "
                      "(apt install python3-cloudpickle python3-typing-extensions, or run "
                      "scripts/install-deps.sh)")
            return STATUS
        sys.path.insert(0, str(GYMNASIUM_SRC))
        stubs = GYMNASIUM_SRC / "stubs"
        if (stubs / "farama_notifications").is_dir():
            sys.path.insert(1, str(stubs))
        elif importlib.util.find_spec("farama_notifications") is None:
            stub = types.ModuleType("farama_notifications")
            stub.notifications = {}  # type: ignore[attr-defined]
            sys.modules["farama_notifications"] = stub
        try:
            importlib.import_module("gymnasium")
            STATUS = f"gymnasium source at {GYMNASIUM_SRC}"
        except ImportError as err:
            sys.path[:] = [p for p in sys.path if p not in (str(GYMNASIUM_SRC), str(stubs))]
            STATUS = f"gymnasium source at {GYMNASIUM_SRC} does not import: {err}"
    else:
        STATUS = (f"gymnasium is not installed and its source is not at {GYMNASIUM_SRC} "
                  "(tests only: the shared folder beside the repository)")
    return STATUS
