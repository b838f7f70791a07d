"""Run one crawl as a child process and measure it.

CPU time comes from the kernel's accounting of that child (``os.wait4``:
``ru_utime + ru_stime``), exact.  Peak RSS is the child's ``VmHWM`` (the
high-water mark of its resident set, ``/proc/PID/status``) read every 50 ms
until it exits: not ``ru_maxrss``, which Linux carries over ``exec`` from the
forking process, so a child of a large bench process would report the bench's
size.  The server's CPU comes from psutil on nginx's processes, before and after.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from bench.nginx import Nginx


@dataclass
class Measure:
    """What one child process cost."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    returncode: int
    server_cpu_s: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def crawl_s(self) -> float:
        """The crawl's own time (Scrapy's start_time to finish_time), else the wall time."""
        start, finish = self.stats.get("start_time"), self.stats.get("finish_time")
        if isinstance(start, str) and isinstance(finish, str):
            from datetime import datetime

            return (datetime.fromisoformat(finish) - datetime.fromisoformat(start)).total_seconds()
        return self.wall_s

    @property
    def pages(self) -> int:
        return int(self.stats.get("response_received_count", 0))

    @property
    def requests(self) -> int:
        return int(self.stats.get("downloader/request_count", 0))

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.crawl_s if self.crawl_s else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages if self.pages else 0.0


def _vm_hwm_kib(pid: int) -> int:
    """The process's peak resident set so far, in KiB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:  # noqa: PTH123
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
    server: Nginx | None = None,
) -> Measure:
    """Run ``cmd`` to its end, its output into ``log``; measure it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    server_before = server.cpu_seconds() if server else 0.0
    start = time.perf_counter()
    peak_kib = 0
    with log.open("wb") as out:
        proc = subprocess.Popen(list(cmd), env=dict(env), cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_kib = max(peak_kib, _vm_hwm_kib(proc.pid))
            time.sleep(0.05)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    server_cpu = server.cpu_seconds() - server_before if server else 0.0
    return Measure(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peak_kib / 1024,
        returncode=proc.returncode,
        server_cpu_s=server_cpu,
    )
