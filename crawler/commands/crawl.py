"""``scrapy crawl`` with an exit code a scheduler can act on.

See docs/scheduling.md ("Exit codes").
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred

from crawler.extensions.health import HEALTH_INTERRUPTED_STAT, HEALTH_OK_STAT
from crawler.extensions.lock import CrawlLocked

if TYPE_CHECKING:
    import argparse
    import asyncio

    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

#: The crawl did its job.
EXIT_OK = 0
#: The crawl ran but did not do its job (health verdict: see the report).
EXIT_UNHEALTHY = 1
#: Bad command line (Scrapy's own code for usage errors).
EXIT_USAGE = 2
#: Stopped by SIGTERM/SIGINT before the end, nothing else wrong: rerun (with
#: the same JOBDIR, if any) to complete the job.
EXIT_INTERRUPTED = 3
#: The crawl could not start: a component or setting failed (EX_SOFTWARE).
EXIT_START_FAILED = 70
#: Another crawl holds the lock on this output; try again later (EX_TEMPFAIL).
EXIT_LOCKED = 75


class Command(ScrapyCrawlCommand):
    """Scrapy's ``crawl``, exiting with a code that says whether the crawl did its job.

    0 healthy, 1 unhealthy (the reason is in the log and the run report),
    2 usage error, 3 interrupted by a signal (rerun to resume), 70 the crawl
    could not start, 75 another crawl holds the output's lock.
    """

    def short_desc(self) -> str:
        return "Run a spider; exit 0 healthy, 1 unhealthy, 2 usage, 3 interrupted, 70 start failed, 75 locked"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self._locked: CrawlLocked | None = None
        self._start_error: BaseException | None = None
        running = self.crawler_process.crawl(crawler, **opts.spargs)
        # Take the crawl's outcome so that a lock refusal is reported in one
        # line instead of an "unhandled error" traceback.
        if isinstance(running, Deferred):
            running.addErrback(self._failed)
        else:
            running.add_done_callback(self._done)
        self.crawler_process.start()
        self.exitcode = self.exit_code(crawler)

    def _done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        if (exc := task.exception()) is not None:
            self._record(exc)

    def _failed(self, failure: Failure) -> None:
        self._record(failure.value)

    def _record(self, exc: BaseException) -> None:
        if isinstance(exc, CrawlLocked):
            self._locked = exc
            logger.error("%(message)s (exit code %(code)d)", {"message": exc, "code": EXIT_LOCKED})
        else:
            self._start_error = exc
            logger.error("The crawl could not start: %(exc)r", {"exc": exc}, exc_info=exc)

    def exit_code(self, crawler: Crawler) -> int:
        """Choose the exit code from how the crawl ended."""
        if self._locked is not None:
            return EXIT_LOCKED
        stats: Any = getattr(crawler, "_stats", None)
        if self._start_error is not None or self.crawler_process.bootstrap_failed or stats is None:  # type: ignore[union-attr]
            return EXIT_START_FAILED
        ok = stats.get_value(HEALTH_OK_STAT)
        if ok is None:
            # HealthCheck is off: judge by the finish reason alone.
            return EXIT_OK if stats.get_value("finish_reason") == "finished" else EXIT_UNHEALTHY
        if ok:
            return EXIT_OK
        return EXIT_INTERRUPTED if stats.get_value(HEALTH_INTERRUPTED_STAT) else EXIT_UNHEALTHY
