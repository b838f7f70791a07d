"""Row h of ``make bench``: two scrapy-redis workers against one (issue 7).

Pieces the row (``Bench.distributed`` in ``bench.__main__``) is made of:

- ``RedisServer``: the tests' real ``redis-server`` (``tests/servers/redis_server.py``:
  127.0.0.1, a free port, no persistence, ended by its PID), installed first
  when missing; ``reset`` empties it between runs;
- ``RedisSampler``: called every 50 ms while the workers run, it reads, at
  most every 0.2 s and in one round trip, ``INFO memory`` ``used_memory``,
  the seen-set's size (``SCARD``) and memory (``MEMORY USAGE``) and the
  queue's length; the run's end frees the seen-set, so its figures are the
  last ones seen before that;
- ``shard_lines``: what the workers wrote to their shards before the merge,
  to tell that no article was written twice;
- ``DistributedRun``: one run's figures, as the report reads them.

See docs/distributed.md ("Measuring") for what the figures mean.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

import psutil

from tests.servers.redis_server import RedisServer as TestRedisServer
from tests.servers.redis_server import run_redis_server

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

SAMPLE_INTERVAL_S = 0.2


def redis_binary() -> str:
    """The redis-server executable, installed from Debian's packages if missing (as root)."""
    found = shutil.which("redis-server") or (
        os.path.exists("/usr/bin/redis-server") and "/usr/bin/redis-server"  # noqa: PTH110
    )
    if found:
        return str(found)
    if os.geteuid() != 0:
        raise SystemExit("redis-server is not installed: apt-get install redis-server (as root), then rerun")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "redis-server"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    return shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """The tests' ``redis-server`` (``tests.servers.redis_server.run_redis_server``: 127.0.0.1, a
    free port, no persistence, ended by its PID) with what the row reads of it; a context manager."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir.resolve()
        self._stack = contextlib.ExitStack()
        self.server: TestRedisServer | None = None
        self._client: Any = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def client(self) -> Any:
        if self._client is None:
            assert self.server is not None
            self._client = self._stack.enter_context(contextlib.closing(self.server.client()))
        return self._client

    def version(self) -> str:
        out = subprocess.run([redis_binary(), "--version"], capture_output=True, text=True, check=False)
        return " ".join(out.stdout.split()[:3])  # "Redis server v=7.0.15"

    def start(self) -> Self:
        redis_binary()  # installed first when missing
        self.dir.mkdir(parents=True, exist_ok=True)
        self.server = self._stack.enter_context(run_redis_server(self.dir))
        self._quiet()
        return self

    def _quiet(self) -> None:
        """No per-command latency histograms (Redis ≥ 7): each command's first call would allocate
        one (~30 KB, ~0.5 MB for the commands of a crawl) and keep it, a constant that is no
        part of what a crawl stores.  Older servers have none."""
        import redis

        with contextlib.suppress(redis.ResponseError):
            self.client().config_set("latency-tracking", "no")

    def reset(self) -> None:
        """Forget every key, loaded script and statistic: each run starts from the same empty server."""
        client = self.client()
        client.flushall()
        client.script_flush()
        client.config_resetstat()

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server so far."""
        if self.server is None:
            return 0.0
        try:
            times = psutil.Process(self.server.pid).cpu_times()
        except psutil.NoSuchProcess:
            return 0.0
        return times.user + times.system

    def stop(self) -> None:
        self._client = None
        self.server = None
        self._stack.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@dataclass
class RedisFigures:
    """Redis memory over one run (bytes), read by ``RedisSampler``."""

    used_before: int = 0
    used_peak: int = 0
    used_at_end: int = 0  # the last sample holding the whole seen-set: the crawl's end, before it is freed
    seen: int = 0  # fingerprints in the seen-set at its largest (URLs seen)
    seen_bytes: int = 0  # MEMORY USAGE of the seen-set then
    queue_peak: int = 0
    samples: int = 0

    def per_1000(self, value: int) -> float:
        """KiB per 1,000 URLs seen."""
        return value / 1024 / (self.seen / 1000) if self.seen else 0.0

    @property
    def seen_kib_per_1000(self) -> float:
        return self.per_1000(self.seen_bytes)

    @property
    def end_kib_per_1000(self) -> float:
        return self.per_1000(self.used_at_end - self.used_before)

    @property
    def peak_kib_per_1000(self) -> float:
        return self.per_1000(self.used_peak - self.used_before)


class RedisSampler:
    """Sample a run's Redis memory, at most every ``SAMPLE_INTERVAL_S``, in one round trip each."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.seen_key = f"{prefix}:dupefilter"
        self.queue_key = f"{prefix}:requests"
        self.figures = RedisFigures()
        self._last = 0.0

    def start(self) -> None:
        """Read ``used_memory`` before the workers start."""
        self.figures.used_before = self.figures.used_peak = int(self.client.info("memory")["used_memory"])

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self._last < SAMPLE_INTERVAL_S:
            return
        self._last = now
        pipe = self.client.pipeline(transaction=False)
        pipe.info("memory")
        pipe.scard(self.seen_key)
        pipe.memory_usage(self.seen_key)
        pipe.zcard(self.queue_key)
        info, seen, seen_bytes, queue = pipe.execute()
        used = int(info["used_memory"])
        f = self.figures
        f.samples += 1
        f.used_peak = max(f.used_peak, used)
        f.queue_peak = max(f.queue_peak, int(queue))
        if seen and int(seen) >= f.seen:
            f.seen, f.seen_bytes, f.used_at_end = int(seen), int(seen_bytes or 0), used


# A fixed amount of pure-Python work, about 0.5 s on one core of the bench machine.
_BUSY_LOOP = "sum(range(30_000_000))"


def parallel_capacity(python: str) -> float:
    """How many cores two CPU-bound processes get now: 2 × time(one alone) / time(two together).

    2.0 on an idle 2-core machine; about 1 when another tenant keeps a core busy.
    The speed-up of two workers cannot exceed it.
    """

    def timed(count: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([python, "-c", _BUSY_LOOP]) for _ in range(count)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - start

    alone = timed(1)
    together = timed(2)
    return 2 * alone / together if together else 0.0


def shard_lines(output: Path) -> tuple[int, int]:
    """Lines the workers wrote to ``<output dir>/shards/*.jsonl``, and how many repeat a URL already there."""
    urls: Counter[str] = Counter()
    for shard in sorted((output.parent / "shards").glob("*.jsonl")):
        for line in shard.read_text("utf-8").splitlines():
            with contextlib.suppress(ValueError):
                urls[json.loads(line).get("url", "")] += 1
    return sum(urls.values()), sum(n - 1 for n in urls.values())


@dataclass
class WorkerFigures:
    """One worker (or the plain process) of a run."""

    worker: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    pages: int
    requests: int
    written: int
    role: str
    returncode: int


@dataclass
class DistributedRun:
    """One run of row h: ``workers`` scrapy-redis workers (0: one plain process, no Redis)."""

    round: int
    articles: int
    workers: int
    wall_s: float  # first worker's start to last worker's exit
    cpu_s: float  # the workers' CPU time, together
    pages: int  # responses received, all workers together
    requests: int
    nginx_cpu_s: float
    redis_cpu_s: float = 0.0
    merge_s: float = 0.0
    merge_cpu_s: float = 0.0
    merge_returncode: int = 0
    shard_lines: int = 0
    written_twice: int = 0
    records_right: bool | None = None
    note: str = ""
    source: str = "h"  # "g": the plain process is one of row g's runs at the same size
    capacity: float = 0.0  # parallel_capacity() just before the run (0: not measured)
    redis: RedisFigures = field(default_factory=RedisFigures)
    members: list[WorkerFigures] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    merge_command: list[str] = field(default_factory=list)

    @property
    def returncode(self) -> int:
        codes = [m.returncode for m in self.members if m.returncode] + [self.merge_returncode]
        return next((c for c in codes if c), 0)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0

    @property
    def label(self) -> str:
        if self.workers == 0:
            return "one process, no Redis"
        return {1: "one worker", 2: "two workers"}.get(self.workers, f"{self.workers} workers")
