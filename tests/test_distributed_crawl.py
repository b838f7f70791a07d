"""Workers of a distributed crawl over the replayed snapshot, against a real redis-server.

Each test runs real ``scrapy crawl xiuzhou`` workers (subprocesses, each
with ``REDIS_URL``, ``REPLAY_ARCHIVE`` and its own ``DISTRIBUTED_WORKER_ID``)
and the real ``scrapy merge_shards``, and compares the merged output with
the single-process crawl of the same snapshot (``first_crawl``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.utils.defer import deferred_to_future
from twisted.internet import reactor, task

from crawler.normalize import canonical_url
from crawler.settings import CANONICAL_TRACKING_PARAMS
from tests import REPO_DIR
from tests.crawl import read_jsonl, scrapy_command
from tests.servers.redis_server import redis_server  # noqa: F401 (fixture)

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy import Request
    from scrapy.crawler import Crawler

    from tests.servers.redis_server import RedisServer

WORKER_TIMEOUT = 90
# Small enough for a test, large enough for a loaded machine.
FAST_END = {
    "MAX_IDLE_TIME_BEFORE_CLOSE": "1",
    "DISTRIBUTED_HEARTBEAT_TTL": "2",
    "DISTRIBUTED_POLL_INTERVAL": "0.2",
}


class SlowDownloads:
    """Hold every request ``SLOW_DOWNLOAD_SECONDS`` before the replay answers it:
    a replayed crawl of the snapshot is over in two seconds, before a second
    worker has started, and a worker killed mid-crawl must hold requests."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SlowDownloads:
        return cls(crawler.settings.getfloat("SLOW_DOWNLOAD_SECONDS"))

    async def process_request(self, request: Request) -> None:
        await deferred_to_future(task.deferLater(reactor, self.delay, lambda: None))


def slow(seconds: float) -> dict[str, str]:
    return {
        "DOWNLOADER_MIDDLEWARES": json.dumps(
            {"crawler.warc.middlewares.ReplayMiddleware": 960, f"{__name__}.SlowDownloads": 955}
        ),
        "SLOW_DOWNLOAD_SECONDS": str(seconds),
        "CONCURRENT_REQUESTS": "4",
    }


def without_crawl_time(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in record.items() if k != "crawled_at"} for record in records]


def wait_until(condition: Any, what: str, workers: Workers, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}\n{workers.log_tails()}")
        time.sleep(0.02)


class Workers:
    """Start, kill and wait for workers writing one output, all under one key prefix."""

    def __init__(self, redis: RedisServer, snapshot: Path, output: Path, prefix: str) -> None:
        self.redis = redis
        self.output = output
        self.prefix = prefix
        self.settings = {
            "REPLAY_ARCHIVE": snapshot,
            "ARTICLES_OUTPUT": output,
            "REDIS_URL": redis.url,
            "DISTRIBUTED_KEY_PREFIX": prefix,
            "LOG_LEVEL": "DEBUG",  # "Crawled (200) <GET …>" for every download
            **FAST_END,
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}

    def start(self, worker: str, **settings: Any) -> subprocess.Popen[bytes]:
        log = self.output.parent.parent / f"{worker}.{len(self.logs)}.log"
        command = scrapy_command({**self.settings, **settings, "DISTRIBUTED_WORKER_ID": worker})
        with log.open("wb") as stderr:
            proc = subprocess.Popen(command, cwd=REPO_DIR, stdout=subprocess.DEVNULL, stderr=stderr)
        self.procs[worker], self.logs[f"{worker}.{len(self.logs)}"] = proc, log
        return proc

    def wait(self) -> dict[str, int]:
        codes = {}
        for worker, proc in self.procs.items():
            try:
                codes[worker] = proc.wait(timeout=WORKER_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill_all()
                pytest.fail(f"worker {worker} did not close by itself\n{self.log_tails()}")
        return codes

    def kill_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()

    def kill(self, worker: str) -> None:
        proc = self.procs[worker]
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL

    def hold_start(self) -> None:
        """Claim the run for a worker "gate" that never seeds it: workers started now wait."""
        client = self.redis.client()
        client.set(f"{self.prefix}:alive:gate", "test")
        client.set(f"{self.prefix}:run", "gate")

    def release_start(self, *workers: str) -> None:
        """Once ``workers`` are all up and waiting, let "gate" die: one of them seeds the run."""
        client = self.redis.client()
        wait_until(
            lambda: all(client.exists(f"{self.prefix}:alive:{w}") for w in workers),
            f"workers {workers} are up",
            self,
        )
        client.delete(f"{self.prefix}:alive:gate")

    def held(self, worker: str) -> int:
        return int(self.redis.client().hlen(f"{self.prefix}:inflight:{worker}"))

    def shard(self, worker: str) -> Path:
        return self.output.parent / "shards" / f"{worker}.jsonl"

    def log_text(self) -> str:
        return "\n".join(path.read_text("utf-8", errors="replace") for path in self.logs.values())

    def log_tails(self) -> str:
        return "\n".join(
            f"--- {name}\n{path.read_text('utf-8', errors='replace')[-3000:]}"
            for name, path in self.logs.items()
        )

    def merge(self) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "merge_shards", "-s", f"ARTICLES_OUTPUT={self.output}"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout


def fetched_urls(log: str) -> Counter[str]:
    """Canonical URLs of every download in a DEBUG log."""
    return Counter(
        canonical_url(url, CANONICAL_TRACKING_PARAMS)
        for url in re.findall(r"Crawled \(\d+\) <GET (\S+)>", log)
    )


def stat(log: str, name: str) -> list[int]:
    return [int(v) for v in re.findall(rf"'{re.escape(name)}': (\d+)", log)]


@pytest.fixture
def workers(redis_server, snapshot_warc, tmp_path, request) -> Workers:  # noqa: F811
    output = tmp_path / "out" / "articles.jsonl"
    prefix = re.sub(r"\W", "_", request.node.name)
    group = Workers(redis_server, snapshot_warc, output, prefix)
    yield group
    group.kill_all()


@pytest.fixture(scope="module")
def two_workers(redis_server, snapshot_warc, tmp_path_factory) -> Workers:  # noqa: F811
    """Two workers over the snapshot, both closed by themselves, their shards merged (once per module)."""
    output = tmp_path_factory.mktemp("two_workers") / "out" / "articles.jsonl"
    workers = Workers(redis_server, snapshot_warc, output, "two_workers")
    try:
        # Both up before the crawl starts, so that both take part whatever the machine's load.
        workers.hold_start()
        workers.start("a", **slow(0.1))
        workers.start("b", **slow(0.1))
        workers.release_start("a", "b")
        codes = workers.wait()
    finally:
        workers.kill_all()
    assert codes == {"a": 0, "b": 0}, workers.log_tails()
    for name, log in workers.logs.items():
        assert stat(log.read_text("utf-8"), "distributed/dequeued"), f"worker {name} fetched nothing"
    workers.merge()
    return workers


def test_two_workers_write_exactly_the_records_of_one_process(two_workers, first_crawl):
    assert first_crawl.returncode == 0
    expected = without_crawl_time(first_crawl.records)
    got = without_crawl_time(read_jsonl(two_workers.output))
    assert got == expected  # same records, same also_at, same order, none twice
    assert not list(two_workers.shard("a").parent.glob("*.jsonl"))  # merged shards are removed
    log = two_workers.log_text()
    assert "started a new distributed run" in log
    assert "joined the distributed run" in log
    assert "gate died before the run was ready" in log  # a seeder lost before seeding is replaced


def test_each_url_is_fetched_once_across_workers(two_workers, first_crawl):
    fetched = fetched_urls(two_workers.log_text())
    twice = {url: n for url, n in fetched.items() if n > 1}
    assert not twice, f"fetched more than once: {twice}"
    # As many downloads as the single-process crawl, URL variants included once.
    assert sum(fetched.values()) == stat(first_crawl.log, "response_received_count")[0]
    log = two_workers.log_text()
    assert sum(stat(log, "dedup/url_variant")) > 0  # the snapshot links URL variants
    assert sum(stat(log, "distributed/filtered")) > 0


def test_a_rerun_of_two_workers_appends_nothing(workers, two_workers):
    shutil.copytree(two_workers.output.parent, workers.output.parent)
    before = workers.output.read_bytes()
    workers.start("a")
    workers.start("b")
    assert workers.wait() == {"a": 0, "b": 0}, workers.log_tails()
    assert "0 new article(s) appended" in workers.merge()
    assert workers.output.read_bytes() == before
    log = workers.log_text()
    assert sum(stat(log, "pages/article")) == 0  # incremental: no article page downloaded again
    assert sum(stat(log, "pages/listing")) > 0


def kill_mid_crawl(workers, name):
    """SIGKILL worker ``name`` once it has written records and holds requests in flight."""
    wait_until(
        lambda: (
            workers.shard(name).exists()
            and len(workers.shard(name).read_bytes().splitlines()) >= 2
            and workers.held(name) > 0
        ),
        f"worker {name} holds requests and wrote records",
        workers,
    )
    workers.kill(name)
    del workers.procs[name]


def test_a_worker_killed_mid_crawl_loses_nothing(workers, first_crawl):
    workers.hold_start()
    workers.start("a", **slow(0.25))
    workers.start("b", **slow(0.25))
    workers.release_start("a", "b")
    kill_mid_crawl(workers, "a")
    assert workers.wait() == {"b": 0}, workers.log_tails()
    log = workers.log_text()
    requeued = re.search(r"Requeued (\d+) in-flight requests of 1 worker", log)
    assert requeued, "worker b never requeued what a held"
    assert int(requeued.group(1)) > 0
    assert workers.shard("a").exists()  # a's records wait for the merge
    workers.merge()  # the documented recovery step
    assert without_crawl_time(read_jsonl(workers.output)) == without_crawl_time(first_crawl.records)


def test_a_run_whose_only_worker_was_killed_is_resumed_by_the_next(workers, first_crawl):
    workers.start("a", **slow(0.25))
    kill_mid_crawl(workers, "a")
    workers.start("c")
    assert workers.wait() == {"c": 0}, workers.log_tails()
    log = workers.log_text()
    assert "joined the distributed run seeded by a" in log
    assert re.search(r"Requeued [1-9]\d* in-flight requests of 1 worker", log)
    workers.merge()
    assert without_crawl_time(read_jsonl(workers.output)) == without_crawl_time(first_crawl.records)
