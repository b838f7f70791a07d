"""Stopping a running crawl from a component that found it cannot go on
(the output or the WARC cannot be written, a replayed archive is unreadable)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def stop_crawl(crawler: Crawler, reason: str) -> bool:
    """Close the crawl's spider with the finish reason ``reason``.

    False when no crawl is running: the component was built on its own (the
    tests, a tool driving a pipeline by hand), and there is nothing to stop.
    """
    try:
        engine = crawler.engine
    except RuntimeError:  # no engine yet
        return False
    if engine is None or engine.spider is None:
        return False
    deferred_from_coro(engine.close_spider_async(reason=reason))
    return True
