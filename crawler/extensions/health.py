"""The health verdict of a run: did the crawl do its job?

See docs/scheduling.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals

from crawler.middlewares import ANSWERED_FROM, REFUSED_STAT

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Stats keys the verdict is published under; the ``crawl`` command reads them.
HEALTH_OK_STAT = "health/ok"
HEALTH_REASON_STAT = "health/reason"
HEALTH_FAILED_SHARE_STAT = "health/failed_article_share"
HEALTH_INTERRUPTED_STAT = "health/interrupted"

#: The finish reason of a crawl stopped from outside (SIGTERM, SIGINT, Ctrl-C).
INTERRUPTED_REASON = "shutdown"


def connect_closing_late(crawler: Crawler, receiver: Callable[..., Any]) -> None:
    """Connect ``receiver`` to ``spider_closed`` behind every component built so far.

    Called at ``spider_opened``.  Scrapy calls a signal's receivers in the order
    they were connected, and builds the extensions before the downloader
    middlewares.  The WARC recorder closes its archive in its own
    ``spider_closed``, and a writer child that failed on the last records says so
    only then (``warc/write_error``): a verdict or a report taken before it would
    call the run healthy.
    """
    crawler.signals.connect(receiver, signal=signals.spider_closed)


@dataclass(frozen=True)
class HealthVerdict:
    """Whether a run did its job, and if not, every reason why."""

    reasons: tuple[str, ...] = ()
    #: (failed + rejected article pages) / article pages; None without article pages.
    failed_article_share: float | None = None
    #: Stopped from outside and nothing else wrong: a rerun (same JOBDIR) resumes it.
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons) if self.reasons else "ok"


def spider_exception_count(stats: Mapping[str, Any]) -> int:
    """Count spider exceptions, from ``spider_exceptions/count`` or, lacking it, the per-class keys."""
    if "spider_exceptions/count" in stats:
        return int(stats["spider_exceptions/count"])
    return sum(int(v) for k, v in stats.items() if k.startswith("spider_exceptions/"))


#: 404s of article pages, by how they were reached (listing/sidebar link,
#: 相关稿件 link, later page of a multi-page article).
ARTICLE_NOTFOUND_KEYS = ("notfound/article", "notfound/related", "notfound/article_part")


def failed_article_share(stats: Mapping[str, Any]) -> float | None:
    """Return the share of article pages that gave no usable record.

    Failed extraction (``article/failed``) and records that failed the
    schema (``output/rejected``) count against the article pages that were
    answered (``pages/article`` less their 404s, ``notfound/article``,
    ``notfound/related`` and ``notfound/article_part``).

    >>> failed_article_share({"pages/article": 10, "article/failed": 2, "output/rejected": 1})
    0.3
    >>> failed_article_share({"pages/article": 3, "notfound/article": 2, "notfound/related": 1}) is None
    True
    """
    pages = int(stats.get("pages/article", 0)) - sum(int(stats.get(k, 0)) for k in ARTICLE_NOTFOUND_KEYS)
    if pages <= 0:
        return None
    failed = int(stats.get("article/failed", 0)) + int(stats.get("output/rejected", 0))
    return min(failed / pages, 1.0)


def assess(stats: Mapping[str, Any], finish_reason: str | None, max_failed_share: float) -> HealthVerdict:
    """Judge a run from its stats.

    A run is unhealthy when it did not finish, when spider callbacks raised,
    when the output or the WARC could not be written, when an answer came from
    an address containment refuses, when listings linked articles unknown to earlier runs yet nothing was
    written (or kept pending by a stopped run), or when more than *max_failed_share* of its article pages
    failed extraction or validation (the portal changed its template).
    """
    reasons: list[str] = []
    if finish_reason != "finished":
        reasons.append(f"finish reason is {finish_reason!r}, not 'finished'")
    problems = len(reasons)
    exceptions = spider_exception_count(stats)
    if exceptions:
        reasons.append(f"{exceptions} spider exception(s)")
    if stats.get("output/write_error"):  # a full disk, a read-only file system
        reasons.append(f"output not written: {stats['output/write_error']}")
    if stats.get("warc/write_error"):
        reasons.append(f"WARC not written: {stats['warc/write_error']}")
    # The portal's name led the downloader somewhere the check refused (DNS rebinding?).
    answered_from = f"{REFUSED_STAT}/{ANSWERED_FROM}"
    answered = {
        key.removeprefix(answered_from): int(value)
        for key, value in stats.items()
        if key.startswith(answered_from)
    }
    if answered:
        where = ", ".join(f"{count} {kind}" for kind, count in sorted(answered.items()))
        reasons.append(
            f"answers came from refused addresses ({where}): the name resolved elsewhere than checked"
        )
    # Records a stopped crawl kept pending for its resumption are not lost;
    # and a crawl stopped early may not have reached an article page yet.
    written = int(stats.get("output/written", 0)) + int(stats.get("output/kept_pending", 0))
    unknown = int(stats.get("listing/article_links_unknown", 0))
    # A scrapy-redis worker may fetch listings whose articles other workers write.
    distributed = stats.get("distributed/role") is not None
    if written == 0 and unknown > 0 and finish_reason != INTERRUPTED_REASON and not distributed:
        reasons.append(f"no article written although listings linked {unknown} unknown article(s)")
    share = failed_article_share(stats)
    if share is not None and share > max_failed_share:
        failed = int(stats.get("article/failed", 0))
        rejected = int(stats.get("output/rejected", 0))
        reasons.append(
            f"template drift: {share:.0%} of article pages gave no valid record "
            f"({failed} failed extraction, {rejected} rejected by the schema; "
            f"limit {max_failed_share:.0%})"
        )
    interrupted = finish_reason == INTERRUPTED_REASON and len(reasons) == problems
    return HealthVerdict(tuple(reasons), share, interrupted)


class HealthCheck:
    """Publish the run's health verdict at ``spider_closed``.

    The verdict goes into the stats (``health/ok``, ``health/reason``,
    ``health/interrupted``, ``health/failed_article_share``), where the ``crawl`` command reads it
    to choose the exit code and the run report copies it; its reason is
    logged in one line.  It is computed after the item pipelines closed, so
    their final counts are in.

    Settings: ``HEALTH_MAX_FAILED_ARTICLE_SHARE``.
    """

    def __init__(self, stats: StatsCollector, max_failed_share: float):
        self.stats = stats
        self.max_failed_share = max_failed_share
        self.verdict: HealthVerdict | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        o = cls(crawler.stats, crawler.settings.getfloat("HEALTH_MAX_FAILED_ARTICLE_SHARE"))
        crawler.signals.connect(o.spider_opened, signal=signals.spider_opened)
        return o

    def spider_opened(self, spider: Spider) -> None:
        connect_closing_late(spider.crawler, self.spider_closed)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        verdict = assess(self.stats.get_stats(), reason, self.max_failed_share)
        self.verdict = verdict
        self.stats.set_value(HEALTH_OK_STAT, verdict.ok)
        self.stats.set_value(HEALTH_REASON_STAT, verdict.reason)
        self.stats.set_value(HEALTH_INTERRUPTED_STAT, verdict.interrupted)
        if verdict.failed_article_share is not None:
            self.stats.set_value(HEALTH_FAILED_SHARE_STAT, round(verdict.failed_article_share, 4))
        if verdict.ok:
            logger.info("Crawl healthy")
        else:
            logger.error("Crawl unhealthy: %(reason)s", {"reason": verdict.reason})
