"""Run one crawl as a child process and measure it.

CPU time comes from the kernel's accounting of that child (``os.wait4``:
``ru_utime + ru_stime``), exact.  Peak RSS is the child's ``VmHWM`` (the
high-water mark of its resident set, ``/proc/PID/status``) read every 50 ms
until it exits: not ``ru_maxrss``, which Linux carries over ``exec`` from the
forking process, so a child of a large bench process would report the bench's
size.  A server's CPU (nginx, redis-server) comes from psutil on its processes,
before and after.  ``run_group`` starts several children at once (the workers of
row h) and measures each, and the group's wall time: first start to last exit.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path


class Server(Protocol):
    """A server whose CPU time a run charges: nginx, redis-server."""

    def cpu_seconds(self) -> float: ...


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


@dataclass
class Group:
    """What children started together cost: each one, and the servers they used."""

    wall_s: float
    members: list[Measure]
    server_cpu_s: list[float]


def run_group(
    cmds: Sequence[Sequence[str]],
    *,
    env: Mapping[str, str],
    cwd: Path,
    logs: Sequence[Path],
    servers: Sequence[Server] = (),
    tick: Callable[[], None] | None = None,
) -> Group:
    """Start every command at once, each writing into its log; measure them until the last exits.

    Each member's ``wall_s`` runs from the group's start to its own exit;
    ``tick`` (when given) is called every 50 ms while any runs.
    """
    servers_before = [server.cpu_seconds() for server in servers]
    procs: list[subprocess.Popen[bytes]] = []
    start = time.perf_counter()
    for cmd, log in zip(cmds, logs, strict=True):
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(list(cmd), env=dict(env), cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
            )
    peaks = [0] * len(procs)
    ended: dict[int, Measure] = {}
    try:
        _wait_all(procs, peaks, ended, start, tick)
    finally:
        for i, proc in enumerate(procs):  # only when interrupted: end what is left, by its PID
            if i not in ended and proc.poll() is None:
                proc.kill()
                proc.wait()
    wall = time.perf_counter() - start
    server_cpu = [
        server.cpu_seconds() - before for server, before in zip(servers, servers_before, strict=True)
    ]
    return Group(wall_s=wall, members=[ended[i] for i in range(len(procs))], server_cpu_s=server_cpu)


def _wait_all(
    procs: list[subprocess.Popen[bytes]],
    peaks: list[int],
    ended: dict[int, Measure],
    start: float,
    tick: Callable[[], None] | None,
) -> None:
    while len(ended) < len(procs):
        for i, proc in enumerate(procs):
            if i in ended:
                continue
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                ended[i] = Measure(
                    wall_s=time.perf_counter() - start,
                    cpu_s=usage.ru_utime + usage.ru_stime,
                    peak_rss_mb=peaks[i] / 1024,
                    returncode=proc.returncode,
                )
            else:
                peaks[i] = max(peaks[i], _vm_hwm_kib(proc.pid))
        if tick is not None:
            tick()
        if len(ended) < len(procs):
            time.sleep(0.05)


def run(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
    server: Server | None = None,
) -> Measure:
    """Run ``cmd`` to its end, its output into ``log``; measure it."""
    group = run_group([cmd], env=env, cwd=cwd, logs=[log], servers=[server] if server else [])
    measure = group.members[0]
    measure.wall_s = group.wall_s
    measure.server_cpu_s = group.server_cpu_s[0] if server else 0.0
    return measure
