"""The crawl's stats collector: Scrapy's in-memory one, without a shim on every access."""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class CrawlStatsCollector(MemoryStatsCollector):
    """``MemoryStatsCollector`` (the stats kept after the crawl, dumped to the log),
    its attributes read the ordinary way.

    Scrapy 2.19 routes every attribute read of a stats collector through a
    Python ``__getattribute__`` that wraps its methods to warn about a
    deprecated ``spider`` argument, and raises and catches an ``AttributeError``
    for each plain attribute (its own ``self._stats`` included): 1.6 us an
    ``inc_value`` against 0.1 without.  A crawl makes about eighteen stats
    calls a page (33,787 over 1,913 pages of the benchmark portal: the
    downloader's, the engine's, the spider's and the pipelines' counters).
    What is lost is only the warning: a component passing ``spider=`` still
    works, unwarned.
    """

    __getattribute__ = object.__getattribute__
