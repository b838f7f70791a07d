"""Distributed crawling on scrapy-redis: several workers, one crawl, each article once.

With ``REDIS_URL`` set, ``scrapy crawl xiuzhou`` is one worker of a shared
crawl (``XiuzhouSpider.update_settings`` calls :func:`apply_worker_settings`):

- ``crawler.distributed.scheduler.RedisWorkerScheduler``: scrapy-redis's
  scheduler, with the start of a run (the first worker seeds it), in-flight
  requests acknowledged once processed and requeued when their worker dies,
  and closing once the whole crawl has been idle for
  ``MAX_IDLE_TIME_BEFORE_CLOSE`` seconds; its Redis side, atomic Lua
  scripts, is ``crawler.distributed.coordination``;
- ``crawler.distributed.dupefilter.CanonicalRedisDupeFilter``: the shared
  seen-set over canonical URLs;
- ``crawler.distributed.shards.ShardWriterPipeline``: each worker appends its
  records to ``<output dir>/shards/<worker id>.jsonl``;
- ``crawler.distributed.shards.WorkerCrawlLock``: workers share the output's
  crawl lock, a single-process crawl or a merge takes it alone.

``scrapy merge_shards`` (``crawler.distributed.merge``) settles duplicates
across shards and appends to ``ARTICLES_OUTPUT``.  See docs/distributed.md.

This module imports neither redis nor scrapy-redis (an optional extra):
only the components named above do, and only when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

SHARDS_DIR_NAME = "shards"
# Scrapy's priority of settings a spider sets (``SETTINGS_PRIORITIES["spider"]``).
SPIDER_PRIORITY = 30

#: Settings of a worker, set with the priority of the spider (``-s`` wins).
WORKER_SETTINGS: dict[str, Any] = {
    "SCHEDULER": "crawler.distributed.scheduler.RedisWorkerScheduler",
    "DUPEFILTER_CLASS": "crawler.distributed.dupefilter.CanonicalRedisDupeFilter",
    # The queue and the seen-set belong to the whole crawl, not to the worker
    # that happens to close first; the run's end clears them (see scheduler).
    "SCHEDULER_PERSIST": True,
}
#: Components swapped in a worker: key -> (old path, new path, order).
WORKER_COMPONENTS: dict[str, tuple[str, str, int]] = {
    "ITEM_PIPELINES": (
        "crawler.pipelines.jsonl.JsonLinesWriterPipeline",
        "crawler.distributed.shards.ShardWriterPipeline",
        900,
    ),
    "EXTENSIONS": (
        "crawler.extensions.lock.CrawlLock",
        "crawler.distributed.shards.WorkerCrawlLock",
        -1000,
    ),
}


def is_worker(settings: BaseSettings) -> bool:
    """True when these settings make the crawl a worker of a distributed crawl."""
    return bool(settings.get("REDIS_URL"))


def apply_worker_settings(settings: BaseSettings) -> None:
    """Switch ``settings`` to a worker's, keeping whatever ``-s`` gave."""
    if importlib.util.find_spec("scrapy_redis") is None:
        raise RuntimeError("REDIS_URL is set but scrapy-redis is not installed: pip install '.[redis]'")
    for name, value in WORKER_SETTINGS.items():
        settings.set(name, value, priority="spider")
    for name, (old, new, order) in WORKER_COMPONENTS.items():
        components = {**settings.getdict(name), old: None}
        components.setdefault(new, order)
        # The merged dict keeps what a higher priority (``-s``) gave.
        settings.set(name, components, priority=max(settings.getpriority(name) or 0, SPIDER_PRIORITY))


def shards_dir(output: Path) -> Path:
    """The directory beside ``output`` where workers write their shards."""
    return output.parent / SHARDS_DIR_NAME


def default_worker_id() -> str:
    """``<host>-<pid>``: unique among the workers alive at one time."""
    host = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname()) or "host"
    return f"{host}-{os.getpid()}"


def worker_id(crawler: Crawler) -> str:
    """This crawler's worker id (``DISTRIBUTED_WORKER_ID`` or ``<host>-<pid>``), made once."""
    value = getattr(crawler, "_xiuzhou_worker_id", None)
    if value is None:
        value = crawler.settings.get("DISTRIBUTED_WORKER_ID") or default_worker_id()
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
            raise ValueError(f"DISTRIBUTED_WORKER_ID={value!r}: use letters, digits, '_', '.' and '-'")
        crawler._xiuzhou_worker_id = value  # type: ignore[attr-defined]
    return str(value)
