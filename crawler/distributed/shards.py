"""What a worker writes: its own JSON Lines shard, under a lock it shares.

Each worker appends its records to ``<output dir>/shards/<worker id>.jsonl``
as they come, one whole line per ``write``: a worker killed at any moment
leaves complete lines (and at most one partial last line, which
``merge_shards`` skips and the next worker of that id cuts).  Duplicates
across workers (one article at two URLs fetched by two workers, the same
text under two ids, a request processed again after its worker died) are
settled by ``merge_shards``, with the resolver of the single-process writer.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler import signals as crawler_signals
from crawler.distributed import shards_dir, worker_id
from crawler.extensions import output_dir
from crawler.extensions.lock import LOCK_FILE_NAME, CrawlLocked, FileLock
from crawler.pipelines.jsonl import record_line
from crawler.pipelines.validate import record_dict
from crawler.state import repair_torn_tail

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ShardWriterPipeline:
    """Append each record of this worker to ``<output dir>/shards/<worker id>.jsonl``.

    Replaces ``JsonLinesWriterPipeline`` in a worker (see
    ``crawler.distributed.apply_worker_settings``).  Settings:
    ``ARTICLES_OUTPUT``, ``ARTICLES_FSYNC_EVERY``, ``DISTRIBUTED_WORKER_ID``.
    Stats: ``output/written`` (records written to the shard: a worker's
    "written" is "handed to the merge"), ``output/shard``.
    """

    def __init__(self, shard: Path, fsync_every: int, crawler: Crawler) -> None:
        self.shard = shard
        self.fsync_every = max(1, fsync_every)
        self.crawler = crawler
        self._fd: int | None = None
        self._written = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        output = crawler.settings.get("ARTICLES_OUTPUT")
        if not output:
            raise NotConfigured("ARTICLES_OUTPUT is empty")
        shard = shards_dir(Path(output)) / f"{worker_id(crawler)}.jsonl"
        return cls(shard, crawler.settings.getint("ARTICLES_FSYNC_EVERY"), crawler)

    def open_spider(self) -> None:
        self.shard.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.shard, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            # Held while this worker writes: merge_shards does not merge (nor
            # remove) a shard still being written.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in {errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES}:
                raise RuntimeError(f"{self.shard} is in use (a merge, or a worker of the same id)") from None
            raise
        self._fd = fd
        # A worker of the same id killed mid-line: its complete lines stay.
        repair_torn_tail(self.shard)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("output/shard", str(self.shard))
        logger.info("Writing this worker's records to %s", self.shard)

    def process_item(self, item: Any) -> Any:
        assert self._fd is not None
        record = record_dict(item)
        # One write per whole line: a kill leaves no partial record behind.
        os.write(self._fd, record_line(record))
        self._written += 1
        if self._written % self.fsync_every == 0:
            os.fsync(self._fd)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("output/written")
        self.crawler.signals.send_catch_log(crawler_signals.record_written, record=record)
        return item

    def close_spider(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.fsync(fd)
            if os.fstat(fd).st_size == 0:
                self.shard.unlink(missing_ok=True)
        finally:
            os.close(fd)  # releases the shard's lock
        logger.info(
            "Wrote %d records to the shard %s (merge with: scrapy merge_shards)", self._written, self.shard
        )


class WorkerCrawlLock:
    """Share the output's crawl lock with the other workers of a distributed crawl.

    A worker takes ``<output dir>/.crawl.lock`` shared (``flock(LOCK_SH)``),
    so any number of workers run beside each other, while a single-process
    crawl or ``scrapy merge_shards``, which take it exclusively (the
    ``CrawlLock`` of ``crawler.extensions.lock``), refuse to start, and a
    worker refuses to start while one of them runs (``CrawlLocked``: exit
    code 75).  Replaces ``CrawlLock`` in a worker.  Settings:
    ``CRAWL_LOCK_ENABLED``, ``ARTICLES_OUTPUT``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("CRAWL_LOCK_ENABLED"):
            raise NotConfigured
        directory = output_dir(crawler.settings)
        if directory is None:
            raise NotConfigured("ARTICLES_OUTPUT is not set")
        lock = cls(directory / LOCK_FILE_NAME)
        lock.acquire()
        crawler.signals.connect(lock.engine_stopped, signal=signals.engine_stopped)
        return lock

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            holder = FileLock._read(fd) or {}
            os.close(fd)
            if exc.errno in {errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES}:
                raise CrawlLocked(self.path, holder) from None
            raise
        self._fd = fd
        logger.info("Sharing the crawl lock %s with the other workers", self.path)

    def engine_stopped(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)
