"""Scrapy's log messages, less the two per page and per record that no log shows."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy.logformatter import LogFormatter

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.logformatter import LogFormatterResult
    from twisted.python.failure import Failure


def shows_debug(log_enabled: bool, log_level: str | int) -> bool:
    """Whether Scrapy's log handler shows DEBUG records (always, as far as we know, when
    Scrapy installs none and the logging is the application's own).

    >>> shows_debug(True, "INFO"), shows_debug(True, "DEBUG"), shows_debug(True, 10), shows_debug(False, "INFO")
    (False, True, True, True)
    """
    if not log_enabled:
        return True
    level = logging.getLevelName(log_level.upper()) if isinstance(log_level, str) else log_level
    return not isinstance(level, int) or level <= logging.DEBUG


class PortalLogFormatter(LogFormatter):
    """Skips "Crawled (200) <GET …>" and "Scraped from <200 …>" (both DEBUG) when
    ``LOG_LEVEL`` hides them.

    Scrapy's root handler filters by ``LOG_LEVEL``, but its loggers are left at
    NOTSET: each of these messages was still built into a log record (the
    caller's frame looked up, the item kept for the handler) before the handler
    dropped it, twice a page.
    """

    def __init__(self, debug_shown: bool = True) -> None:
        self.debug_shown = debug_shown

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(shows_debug(settings.getbool("LOG_ENABLED"), settings.get("LOG_LEVEL")))

    def crawled(self, request: Request, response: Response, spider: Spider) -> LogFormatterResult | None:
        return super().crawled(request, response, spider) if self.debug_shown else None

    def scraped(
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult | None:
        return super().scraped(item, response, spider) if self.debug_shown else None
