"""Fixtures for the Python client tests: a real ``collabgym serve`` on an ipc:// endpoint.

The server binary is ``$COLLABGYM_BIN`` (default ``build/cli/collabgym`` under the repository root).
If it is missing or has no ``serve`` command, the tests that need a server are skipped with a
message saying so. gymnasium is used when importable, else from the shared Gymnasium source beside
the repository (gymnasium_support.py); ``COLLABGYM_TEST_GYMNASIUM=0`` runs without it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import msgpack
import pytest
import zmq

import gymnasium_support

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "bridge" / "python"))
# Before collabgym is imported: it decides then whether its env is a gymnasium.Env.
GYMNASIUM_STATUS = gymnasium_support.setup()

import collabgym  # noqa: E402

ENV_ID = "twenty_questions-v0"
#: Options used by most tests: the cheap reward mode, served on the server's I/O thread.
FAST = {"reward": "terminal"}


def _binary() -> Path:
    raw = os.environ.get("COLLABGYM_BIN", "build/cli/collabgym")
    path = Path(raw)
    return path if path.is_absolute() else REPO_ROOT / path


class ServerProcess:
    """A running ``collabgym serve``; ``endpoint`` is where it listens."""

    def __init__(self, args: List[str], endpoint: str, log_path: Path) -> None:
        self.endpoint = endpoint
        self.args = args
        self.log_path = log_path
        # Output goes to a file, not a pipe: a full pipe would block the server's logging.
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=str(REPO_ROOT))
        self._wait_ready(10.0)

    def log_tail(self, n: int = 4000) -> str:
        """The last ``n`` characters the server printed."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-n:]

    def _wait_ready(self, limit: float) -> None:
        deadline = time.monotonic() + limit
        with collabgym.Client(self.endpoint, timeout=0.25) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    pytest.fail(f"server exited with {self.proc.returncode} at start:\n"
                                f"{' '.join(self.args)}\n{self.log_tail()}")
                try:
                    if client.ping().get("pong") is True:
                        return
                except collabgym.ServerTimeout:
                    continue
        self.proc.kill()
        self.proc.wait()
        pytest.fail(f"server did not answer ping within {limit} s: {' '.join(self.args)}\n"
                    f"{self.log_tail()}")

    def wait_exit(self, limit: float = 10.0) -> int:
        """Waits for the process to exit by itself (no signal sent); kills it and fails the test
        after ``limit`` seconds. Returns the exit status."""
        try:
            self.proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"server did not exit within {limit} s:\n{self.log_tail()}")
        finally:
            self._log.close()
        return self.proc.returncode

    def stop(self) -> int:
        """SIGTERM, then wait (10 s) and return the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail("server did not exit within 10 s of SIGTERM")
        self._log.close()
        return self.proc.returncode


def start_server(tmpdir: str, name: str, extra: Sequence[str] = (),
                 idle_timeout: float = 30) -> ServerProcess:
    """Starts ``collabgym serve`` on ``ipc://<tmpdir>/<name>.sock`` and waits for ``ping``
    (skips the calling test when the binary has no ``serve`` command)."""
    binary = _binary()
    if not binary.exists():
        pytest.skip(f"server binary {binary} not built (set COLLABGYM_BIN)")
    # `collabgym serve --help` exits 0 even without a serve command (the root --help answers),
    # so look for the subcommand in the list.
    probe = subprocess.run([str(binary), "--help"], capture_output=True, timeout=10, text=True)
    if not any(line.split()[:1] == ["serve"] for line in probe.stdout.splitlines()):
        pytest.skip(f"{binary} has no 'serve' command yet (rebuild it, or set COLLABGYM_BIN)")
    endpoint = f"ipc://{tmpdir}/{name}.sock"
    args = [str(binary), "serve", "--bind", endpoint, "--idle-timeout", f"{idle_timeout:g}",
            *extra]
    return ServerProcess(args, endpoint, Path(tmpdir) / f"{name}.log")


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProcess]:
    """The shared server for the whole test session; must exit 0 on SIGTERM."""
    with tempfile.TemporaryDirectory(prefix="cgym-") as tmpdir:
        srv = start_server(tmpdir, "s")
        try:
            yield srv
        finally:
            code = srv.stop()
        assert code == 0, f"server exited with {code} on SIGTERM:\n{srv.log_tail()}"


@pytest.fixture(scope="module")
def small_server() -> Iterator[ServerProcess]:
    """A second server: 2 sessions at most, reaped after 1 s idle."""
    with tempfile.TemporaryDirectory(prefix="cgym-") as tmpdir:
        srv = start_server(tmpdir, "small", ["--max-sessions", "2"], idle_timeout=1)
        try:
            yield srv
        finally:
            code = srv.stop()
        assert code == 0, f"server exited with {code} on SIGTERM"


@pytest.fixture
def client(server: ServerProcess) -> Iterator[collabgym.Client]:
    with collabgym.Client(server.endpoint, timeout=5.0) as c:
        yield c


@pytest.fixture
def env(server: ServerProcess) -> Iterator[collabgym.CollabGymEnv]:
    with collabgym.make(ENV_ID, endpoint=server.endpoint, timeout=5.0, **FAST) as e:
        yield e


# ---- endpoints that the C++ side calls: agents (serve_agent) and users (serve_user) ----

@contextlib.contextmanager
def thread_servers(serve_fn: Callable[..., Any], tmp_path: Path,
                   name: str) -> Iterator[Callable[..., Tuple[str, Callable[[], None]]]]:
    """Yields ``start(fn, **kwargs) -> (endpoint, stop)``, which runs ``serve_fn(fn, endpoint)``
    (``collabgym.serve_agent`` or ``serve_user``) on a thread on a fresh ipc:// endpoint. Every
    server started is stopped at the end, and must stop within 5 s."""
    started: List[Tuple[threading.Event, threading.Thread]] = []

    def start(fn: Callable[..., Any], **kwargs: Any) -> Tuple[str, Callable[[], None]]:
        endpoint = f"ipc://{tmp_path}/{name}{len(started)}.sock"
        stop, ready = threading.Event(), threading.Event()
        thread = threading.Thread(target=serve_fn, args=(fn, endpoint),
                                  kwargs=dict(stop=stop, ready=ready, **kwargs), daemon=True)
        thread.start()
        assert ready.wait(5), f"{serve_fn.__name__} did not bind"
        started.append((stop, thread))

        def stop_now() -> None:
            stop.set()
            thread.join(5)

        return endpoint, stop_now

    yield start
    for stop, thread in started:
        stop.set()
        thread.join(5)
        assert not thread.is_alive(), f"{serve_fn.__name__} did not stop within 5 s of stop.set()"


def request(endpoint: str, body: Any, raw: bytes = b"") -> Dict[str, Any]:
    """One REQ round trip to an endpoint: ``body`` packed (or ``raw`` bytes as they are)."""
    ctx = zmq.Context.instance()
    with ctx.socket(zmq.REQ) as sock:
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        sock.send(raw or msgpack.packb(body, use_bin_type=True))
        assert sock.poll(5000), "no reply within 5 s"
        return msgpack.unpackb(sock.recv(), raw=False)


def pytest_report_header(config: Any) -> str:
    return f"collabgym: gymnasium: {GYMNASIUM_STATUS}; server binary: {_binary()}"
