"""A real ``redis-server`` for the tests, on 127.0.0.1 and a free port.

The server runs in a subprocess, in its own temporary directory, with no
persistence, and is ended by its PID.  ``redis_server`` is a session fixture:
import it into a test module (``from tests.servers.redis_server import
redis_server``).  Without ``redis-server`` on the PATH the tests that use it
fail, with the command that installs it: ``.ci/run`` installs it on CI.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_STARTUP_TIMEOUT = 20.0
_ATTEMPTS = 5

MISSING_MESSAGE = (
    "redis-server is not installed, and the distributed-crawl tests need a real one: "
    "run `apt-get install -y redis-server` (.ci/run installs it on a fresh machine)"
)


@dataclass(frozen=True)
class RedisServer:
    """A running server: its address, process and directory."""

    host: str
    port: int
    pid: int
    directory: Path

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def client(self) -> Any:
        import redis

        return redis.Redis(host=self.host, port=self.port, db=0)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=_STARTUP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def run_redis_server(directory: Path) -> Iterator[RedisServer]:
    """Start ``redis-server`` on 127.0.0.1 in ``directory``; stop it (by its PID) on exit."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise FileNotFoundError(MISSING_MESSAGE)
    log = directory / "redis.log"
    for _ in range(_ATTEMPTS):
        port = _free_port()
        command = [
            executable,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(directory),
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "yes",
            "--logfile", str(log),
        ]  # fmt: skip
        process = subprocess.Popen(command, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while process.poll() is None and not _ping(port) and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None and _ping(port):
            break
        _stop(process)  # the port was taken in between, or it failed: try another
        assert process.stderr is not None
        process.stderr.close()
    else:
        text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"redis-server did not start after {_ATTEMPTS} attempts:\n{text}")
    try:
        yield RedisServer("127.0.0.1", port, process.pid, directory)
    finally:
        _stop(process)
        assert process.stderr is not None
        process.stderr.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server for the whole session; fails (never skips) when it is not installed."""
    if shutil.which("redis-server") is None:
        pytest.fail(MISSING_MESSAGE, pytrace=False)
    with run_redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server
