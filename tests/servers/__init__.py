"""Servers that tests start as subprocesses on 127.0.0.1, and helpers to run them."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
_STARTUP_TIMEOUT = 20.0


@contextmanager
def run_snapshot_proxy(*warc_paths: str | os.PathLike[str]) -> Iterator[tuple[str, int]]:
    """Run ``tests.servers.snapshot_proxy`` over ``warc_paths``; yield its ``(host, port)``.

    The proxy runs in a subprocess that is terminated (by its PID) on exit.
    Use it as ``request.meta["proxy"] = f"http://{host}:{port}"``.
    """
    command = [sys.executable, "-m", "tests.servers.snapshot_proxy", "--port", "0"]
    for path in warc_paths:
        command += ["--warc", os.fspath(path)]
    # The proxy must never chain to a proxy of the environment.
    env = {k: v for k, v in os.environ.items() if k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the proxy is ready, or exits
        if not line.startswith("listening on "):
            process.kill()
            _, err = process.communicate(timeout=_STARTUP_TIMEOUT)
            raise RuntimeError(f"snapshot proxy did not start (exit {process.returncode}): {line}{err}")
        host, _, port = line.removeprefix("listening on ").strip().rpartition(":")
        yield host, int(port)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=_STARTUP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
