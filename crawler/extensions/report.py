"""The run report: one JSON file per run beside the output, and a one-line summary.

See docs/scheduling.md.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime
from statistics import fmean
from typing import TYPE_CHECKING, Any, Self

import scrapy
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.extensions import output_dir, run_id
from crawler.extensions.health import (
    ARTICLE_NOTFOUND_KEYS,
    assess,
    connect_closing_late,
    spider_exception_count,
)
from crawler.signals import record_written

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

REPORT_FORMAT = 1

#: Optional record fields whose coverage (share of new records with the
#: field filled) is reported and compared with earlier runs.  A template
#: change usually empties some of them before it breaks the required ones.
COVERAGE_FIELDS: tuple[str, ...] = (
    "subtitle",
    "source",
    "byline",
    "reporters",
    "correspondents",
    "photographers",
    "editor",
    "breadcrumbs",
    "section",
    "node_id",
    "keywords",
    "images",
    "related",
)

PAGE_KINDS = ("home", "listing", "article", "other")
NOTFOUND_KINDS = ("listing", "article", "related", "article_part")
_STATUS_PREFIX = "downloader/response_status_count/"
_SECTION_PREFIX = "output/section/"
_DEDUP_PREFIX = "dedup/"
#: dedup/* stats that count links written differently, not records dropped.
_LINK_LEVEL_DEDUP = frozenset({"url_variant"})


def filled(value: Any) -> bool:
    """Tell whether a record field carries a value: not None, not empty.

    >>> [filled(v) for v in (None, "", [], "嘉兴日报", ["沈洁"], 0)]
    [False, False, False, True, True, True]
    """
    if value is None:
        return False
    if isinstance(value, str | list | tuple | dict):
        return bool(value)
    return True


def _int(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def _by_prefix(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): int(v) for k, v in sorted(stats.items()) if k.startswith(prefix)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.isoformat(timespec="seconds")
    return None


def build_report(
    stats: Mapping[str, Any],
    *,
    run: str,
    spider: str,
    output: str,
    coverage_counts: Mapping[str, int],
    coverage_records: int,
    finish_reason: str | None,
    max_failed_share: float,
) -> dict[str, Any]:
    """Build the report of one run from its stats and the coverage counts.

    Every count comes from a stats key of the stats contract (see
    docs/scheduling.md).
    """
    start, finish = stats.get("start_time"), stats.get("finish_time")
    duration = (finish - start).total_seconds() if start and finish else None
    # The same pure function HealthCheck uses, over the same stats: the
    # report and the exit code cannot disagree.
    verdict = assess(stats, finish_reason, max_failed_share)
    share = verdict.failed_article_share
    duplicates = _by_prefix(stats, _DEDUP_PREFIX)
    return {
        "report_format": REPORT_FORMAT,
        "run_id": run,
        "spider": spider,
        "output": output,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "scrapy": scrapy.__version__,
        "start": _iso(start),
        "end": _iso(finish),
        "duration_seconds": round(duration, 3) if duration is not None else None,
        "finish_reason": finish_reason,
        "pages": {
            "total": sum(_int(stats, f"pages/{kind}") for kind in PAGE_KINDS),
            "by_kind": {kind: _int(stats, f"pages/{kind}") for kind in PAGE_KINDS},
            "by_status": _by_prefix(stats, _STATUS_PREFIX),
            "not_found": {kind: _int(stats, f"notfound/{kind}") for kind in NOTFOUND_KINDS},
            "article_answered": _int(stats, "pages/article")
            - sum(_int(stats, key) for key in ARTICLE_NOTFOUND_KEYS),
            "responses_received": _int(stats, "response_received_count"),
        },
        "articles": {
            "new": _int(stats, "output/written"),
            # Records dropped as duplicates; url_variant counts links, not records.
            "duplicate": sum(v for k, v in duplicates.items() if k not in _LINK_LEVEL_DEDUP),
            "duplicate_by_rule": duplicates,
            "rejected": _int(stats, "output/rejected"),
            "failed_extraction": _int(stats, "article/failed"),
            "extracted": _int(stats, "article/extracted"),
            "multipage": _int(stats, "article/multipage"),
            "known_not_requested": _int(stats, "incremental/skipped_known"),
            "kept_pending": _int(stats, "output/kept_pending"),
            "unknown_links_on_listings": _int(stats, "listing/article_links_unknown"),
        },
        "new_by_section": _by_prefix(stats, _SECTION_PREFIX),
        "replay": {"hit": _int(stats, "replay/hit"), "missing": _int(stats, "replay/missing")},
        "errors": {
            "download": _int(stats, "errors/download"),
            "spider_exceptions": spider_exception_count(stats),
            "log_errors": _int(stats, "log_count/ERROR"),
            "retries": _int(stats, "retry/count"),
            "failed_urls": list(stats.get("errors/failed_urls") or []),
        },
        "coverage": {
            "records": coverage_records,
            "fields": {
                name: round(coverage_counts.get(name, 0) / coverage_records, 4) if coverage_records else None
                for name in COVERAGE_FIELDS
            },
        },
        "health": {
            "ok": verdict.ok,
            "reason": verdict.reason,
            "reasons": list(verdict.reasons),
            "interrupted": verdict.interrupted,
            "failed_article_share": round(share, 4) if share is not None else None,
            "max_failed_article_share": max_failed_share,
        },
        "warnings": [],
        "compared_with": [],
        "stats": _jsonable(dict(stats)),
    }


def load_previous_reports(directory: Path, before: str, limit: int) -> list[dict[str, Any]]:
    """Return up to *limit* reports of runs earlier than run id *before*, oldest first.

    Run ids sort by start time, so file names do too; files that cannot be
    read are skipped with a warning.
    """
    if limit <= 0 or not directory.is_dir():
        return []
    names = sorted(p.name for p in directory.glob("*.json") if p.stem < before)
    reports = []
    for name in names[-limit:]:
        try:
            data = json.loads((directory / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning(
                "Skipping unreadable run report %(path)s: %(exc)s", {"path": directory / name, "exc": exc}
            )
            continue
        if isinstance(data, dict):
            reports.append(data)
    return reports


def compare_with_previous(
    report: Mapping[str, Any],
    previous: Iterable[Mapping[str, Any]],
    *,
    drop_warn: float,
    min_records: int,
) -> list[str]:
    """Say where this run is much worse than the mean of *previous* runs.

    A field's coverage is compared only between runs that wrote at least
    *min_records* new records (smaller samples are noise); the share of
    failed article pages between runs that had article pages.  "Much worse"
    is a change of more than *drop_warn* (an absolute share).
    """
    previous = list(previous)
    warnings: list[str] = []
    records = report["coverage"]["records"]
    if records >= min_records:
        for name in COVERAGE_FIELDS:
            now = report["coverage"]["fields"].get(name)
            past = [
                r["coverage"]["fields"][name]
                for r in previous
                if r.get("coverage", {}).get("records", 0) >= min_records
                and r["coverage"].get("fields", {}).get(name) is not None
            ]
            if now is None or not past:
                continue
            mean = fmean(past)
            if mean - now > drop_warn:
                warnings.append(
                    f"coverage of {name!r} fell to {now:.0%} from {mean:.0%} "
                    f"(mean of {len(past)} earlier run(s))"
                )
    now_share = report["health"]["failed_article_share"]
    past_shares = [
        r["health"]["failed_article_share"]
        for r in previous
        if r.get("health", {}).get("failed_article_share") is not None
    ]
    if now_share is not None and past_shares:
        mean = fmean(past_shares)
        if now_share - mean > drop_warn:
            warnings.append(
                f"share of failed article pages rose to {now_share:.0%} from {mean:.0%} "
                f"(mean of {len(past_shares)} earlier run(s))"
            )
    return warnings


def write_json_atomically(path: Path, data: Any) -> None:
    """Write *data* as JSON to *path* so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def summary_line(report: Mapping[str, Any], path: Path | None) -> str:
    """Return the one-line summary of a report, logged last in a run."""
    pages = report["pages"]
    kinds = ", ".join(f"{k} {v}" for k, v in pages["by_kind"].items())
    statuses = ", ".join(f"{k}: {v}" for k, v in pages["by_status"].items()) or "none"
    articles = report["articles"]
    duration = report["duration_seconds"]
    health = report["health"]
    parts = [
        f"Run {report['run_id']} {report['start']} → {report['end']}"
        + (f" ({duration:.1f}s)" if duration is not None else ""),
        f"pages {pages['total']} ({kinds}; status {statuses})",
        (
            f"articles {articles['new']} new / {articles['duplicate']} duplicate / {articles['rejected']} rejected"
            f" / {articles['failed_extraction']} failed"
        ),
        f"replay misses {report['replay']['missing']}",
        f"errors {len(report['errors']['failed_urls'])} URL(s)",
        "health OK" if health["ok"] else f"health FAILED: {health['reason']}",
    ]
    if report["warnings"]:
        parts.append(f"{len(report['warnings'])} warning(s)")
    if path is not None:
        parts.append(f"report {path}")
    return "; ".join(parts)


class RunReport:
    """Write a JSON report per run and log a one-line summary as the run's last line.

    The report goes to ``<directory of ARTICLES_OUTPUT>/reports/<run id>.json``
    (run id: UTC start time and PID, so names sort by start), written
    atomically at ``spider_closed``; earlier reports are kept, and the last
    ``REPORTS_COMPARE_RUNS`` of them are the baseline this run is compared
    with (``HEALTH_COVERAGE_DROP_WARN``, ``HEALTH_COVERAGE_MIN_RECORDS``).
    Field coverage counts the records the writer appended to the output
    (its ``record_written`` signal): not ``item_scraped``, which also sees
    records the writer drops as duplicates when the run ends.  The summary is logged at
    ``engine_stopped``, after Scrapy's own closing lines.

    Settings: ``REPORTS_ENABLED``, ``REPORTS_COMPARE_RUNS``, ``ARTICLES_OUTPUT``,
    ``HEALTH_MAX_FAILED_ARTICLE_SHARE``, ``HEALTH_COVERAGE_DROP_WARN``,
    ``HEALTH_COVERAGE_MIN_RECORDS``.
    """

    def __init__(
        self,
        stats: StatsCollector,
        *,
        run: str,
        output: str,
        reports_dir: Path,
        compare_runs: int,
        drop_warn: float,
        min_records: int,
        max_failed_share: float,
    ):
        self.stats = stats
        self.run = run
        self.output = output
        self.reports_dir = reports_dir
        self.compare_runs = compare_runs
        self.drop_warn = drop_warn
        self.min_records = min_records
        self.max_failed_share = max_failed_share
        self.coverage_counts: dict[str, int] = dict.fromkeys(COVERAGE_FIELDS, 0)
        self.coverage_records = 0
        self.report: dict[str, Any] | None = None
        self.path: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("REPORTS_ENABLED"):
            raise NotConfigured
        directory = output_dir(settings)
        if directory is None:
            raise NotConfigured("ARTICLES_OUTPUT is not set")
        o = cls(
            crawler.stats,
            run=run_id(crawler),
            output=str(settings.get("ARTICLES_OUTPUT")),
            reports_dir=directory / "reports",
            compare_runs=settings.getint("REPORTS_COMPARE_RUNS"),
            drop_warn=settings.getfloat("HEALTH_COVERAGE_DROP_WARN"),
            min_records=settings.getint("HEALTH_COVERAGE_MIN_RECORDS"),
            max_failed_share=settings.getfloat("HEALTH_MAX_FAILED_ARTICLE_SHARE"),
        )
        crawler.signals.connect(o.record_written, signal=record_written)
        crawler.signals.connect(o.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(o.engine_stopped, signal=signals.engine_stopped)
        return o

    def spider_opened(self, spider: Spider) -> None:
        # After HealthCheck's (extension order): the report copies its verdict.
        connect_closing_late(spider.crawler, self.spider_closed)

    def record_written(self, record: Any) -> None:
        adapter = ItemAdapter(record)
        self.coverage_records += 1
        for name in COVERAGE_FIELDS:
            if filled(adapter.get(name)):
                self.coverage_counts[name] += 1

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = dict(self.stats.get_stats())
        # CoreStats sets finish_time in its own spider_closed handler, which
        # runs first; fall back to now if it is off.
        stats.setdefault("finish_time", datetime.now(UTC))
        report = build_report(
            stats,
            run=self.run,
            spider=spider.name,
            output=self.output,
            coverage_counts=self.coverage_counts,
            coverage_records=self.coverage_records,
            finish_reason=reason,
            max_failed_share=self.max_failed_share,
        )
        previous = load_previous_reports(self.reports_dir, self.run, self.compare_runs)
        report["compared_with"] = [r.get("run_id") for r in previous]
        report["warnings"] = compare_with_previous(
            report, previous, drop_warn=self.drop_warn, min_records=self.min_records
        )
        for warning in report["warnings"]:
            logger.warning("Worse than earlier runs: %(warning)s", {"warning": warning})
        self.report = report
        path = self.reports_dir / f"{self.run}.json"
        try:
            write_json_atomically(path, report)
        except OSError:
            logger.exception("Could not write the run report %(path)s", {"path": path})
        else:
            self.path = path

    def engine_stopped(self) -> None:
        if self.report is not None:
            logger.info(summary_line(self.report, self.path))
