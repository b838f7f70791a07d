"""A progress line in the log at a fixed interval, for long unattended runs.

See docs/scheduling.md.
"""

from __future__ import annotations

import logging
from time import monotonic
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

PAGE_KINDS = ("home", "listing", "article", "other")


class Progress:
    """Log pages by kind, articles written, the page rate and the requests waiting.

    One line every ``PROGRESS_INTERVAL`` seconds (0 turns it off), e.g.
    ``Progress: 1200 pages (home 1, listing 40, article 1159, other 0),
    1100 articles scraped (0 written), 310 pages/min (avg 295), 420 requests
    waiting, 16 downloading``.  The writer appends a run's records when the
    run ends, so "written" stays 0 until then.  It replaces Scrapy's LogStats line, which knows
    neither page kinds nor the queue.

    Settings: ``PROGRESS_INTERVAL``.
    """

    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.task: Any = None
        self.started = monotonic()
        self.last_pages = 0
        self.last_time = self.started

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        o = cls(crawler, interval)
        crawler.signals.connect(o.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    def spider_opened(self, spider: Spider) -> None:
        self.started = self.last_time = monotonic()
        self.last_pages = 0
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()

    def queue_sizes(self) -> tuple[int | None, int | None]:
        """Return (requests waiting in the scheduler, requests being downloaded)."""
        engine = getattr(self.crawler, "_engine", None)
        if engine is None:
            return None, None
        scheduler = engine.scheduler  # property since Scrapy 2.19
        try:
            waiting = len(scheduler) if scheduler is not None else None  # type: ignore[arg-type]
        except TypeError:  # a scheduler class without __len__
            waiting = None
        active = getattr(engine.downloader, "active", None)
        return waiting, (len(active) if active is not None else None)

    def message(self) -> str:
        stats = self.crawler.stats
        by_kind = {kind: int(stats.get_value(f"pages/{kind}", 0)) for kind in PAGE_KINDS}
        pages = sum(by_kind.values()) or int(stats.get_value("response_received_count", 0))
        now = monotonic()
        rate = (pages - self.last_pages) * 60.0 / max(now - self.last_time, 1e-9)
        average = pages * 60.0 / max(now - self.started, 1e-9)
        self.last_pages, self.last_time = pages, now
        waiting, downloading = self.queue_sizes()
        kinds = ", ".join(f"{k} {v}" for k, v in by_kind.items())
        return (
            f"Progress: {pages} pages ({kinds}), "
            f"{int(stats.get_value('item_scraped_count', 0))} articles scraped "
            f"({int(stats.get_value('output/written', 0))} written), "
            f"{rate:.0f} pages/min (avg {average:.0f}), "
            f"{'?' if waiting is None else waiting} requests waiting, "
            f"{'?' if downloading is None else downloading} downloading"
        )

    def log(self) -> None:
        logger.info(self.message())
