"""Run the real ``scrapy crawl xiuzhou`` in a subprocess and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from tests import REPO_DIR

if TYPE_CHECKING:
    from pathlib import Path

# Keep crawl tests quiet and local: no telnet/remote control, no live manners.
TEST_SETTINGS = {
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": "0",
    "REMOTE_CONTROL_ENABLED": "0",
    "PROGRESS_INTERVAL": "0",
}


def scrapy_command(settings: dict[str, Any], *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "xiuzhou", *extra]
    for name, value in {**TEST_SETTINGS, **settings}.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def run_crawl(
    settings: dict[str, Any],
    *,
    timeout: float = 240,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one crawl to its end; its log is in ``.stderr`` (and in ``log`` when given)."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        scrapy_command(settings),
        cwd=REPO_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if log is not None:
        log.write_text(proc.stderr, "utf-8")
    return proc


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSON Lines file, parsed; a torn line fails the test."""
    if not path.exists():
        return []
    text = path.read_text("utf-8")
    assert not text or text.endswith("\n"), f"{path} ends with a partial line"
    return [json.loads(line) for line in text.splitlines() if line]
