"""The project's ``scrapy crawl``: one exit code per way a run can end.

Each test runs ``scrapy crawl`` in a subprocess over one of the small
spiders below (``-s SPIDER_MODULES=tests.test_command_crawl``), which
stand in for the real spider by setting the stats of the contract.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
import scrapy

from crawler.commands.crawl import (
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_START_FAILED,
    EXIT_UNHEALTHY,
    EXIT_USAGE,
)
from crawler.extensions.lock import LOCK_FILE_NAME, FileLock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

REPO = Path(__file__).resolve().parent.parent


class StatsSpider(scrapy.Spider):
    """Sets the stats a run of the real spider would, by ``mode``; fetches one data: URL."""

    name = "stats_spider"

    MODES: ClassVar[dict[str, dict[str, int]]] = {
        "healthy": {"pages/article": 10, "article/extracted": 10, "output/written": 10},
        "nothing_written": {"pages/listing": 3, "listing/article_links_unknown": 7},
        "drift": {"pages/article": 10, "article/failed": 8, "listing/article_links_unknown": 10},
    }

    def __init__(self, mode: str = "healthy", *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.mode = mode

    async def start(self) -> AsyncIterator[Any]:
        for key, value in self.MODES.get(self.mode, {}).items():
            self.crawler.stats.set_value(key, value)
        for n in range(200 if self.mode == "slow" else 1):
            yield scrapy.Request(f"data:,page{n}", callback=self.parse, dont_filter=True)

    def parse(self, response: Any) -> None:
        if self.mode == "raises":
            raise ValueError("a bug in a callback")


class WarcFailsAtClose:
    """Stands in for the WARC recorder: a downloader middleware, connected to
    ``spider_closed`` when the engine is built (after the extensions), that learns
    only there, from its writer child, that the last records were not written."""

    def __init__(self, crawler: scrapy.crawler.Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: scrapy.crawler.Crawler) -> WarcFailsAtClose:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=scrapy.signals.spider_closed)
        return middleware

    def spider_closed(self) -> None:
        self.stats.set_value("warc/write_error", "Cannot write a.warc.gz: [Errno 28] No space left on device")


def crawl_command(tmp_path: Path, *args: str) -> list[str]:
    """The project's ``scrapy crawl`` over the spiders of this module, output in *tmp_path*."""
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "-s",
        "SPIDER_MODULES=tests.test_command_crawl",
        # Only the components under test: not the project's pipelines,
        # middlewares (containment refuses data: URLs) nor fingerprinter.
        "-s",
        "ITEM_PIPELINES={}",
        "-s",
        "DOWNLOADER_MIDDLEWARES={}",
        "-s",
        "SPIDER_MIDDLEWARES={}",
        "-s",
        "REQUEST_FINGERPRINTER_CLASS=scrapy.utils.request.RequestFingerprinter",
        "-s",
        f"ARTICLES_OUTPUT={tmp_path / 'out' / 'articles.jsonl'}",
        *args,
    ]


ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def run_crawl(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        crawl_command(tmp_path, *args),
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_exit_codes_are_distinct():
    codes = (EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_START_FAILED, EXIT_LOCKED)
    assert codes == (0, 1, 2, 3, 70, 75)


def test_healthy_run_exits_zero(tmp_path):
    result = run_crawl(tmp_path, "stats_spider")
    assert result.returncode == EXIT_OK, result.stderr
    assert "Crawl healthy" in result.stderr
    reports = list((tmp_path / "out" / "reports").glob("*.json"))
    assert len(reports) == 1
    assert json.loads(reports[0].read_text(encoding="utf-8"))["health"]["ok"] is True
    # The lock is released: the file is left empty for the next run.
    assert (tmp_path / "out" / LOCK_FILE_NAME).read_text() == ""


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("raises", "1 spider exception(s)"),
        ("nothing_written", "no article written although listings linked 7 unknown article(s)"),
        ("drift", "template drift: 80% of article pages gave no valid record"),
    ],
)
def test_unhealthy_run_exits_one(tmp_path, mode, reason):
    result = run_crawl(tmp_path, "stats_spider", "-a", f"mode={mode}")
    assert result.returncode == EXIT_UNHEALTHY, result.stderr
    unhealthy = [line for line in result.stderr.splitlines() if "Crawl unhealthy:" in line]
    assert len(unhealthy) == 1
    assert reason in unhealthy[0]
    (report,) = (tmp_path / "out" / "reports").glob("*.json")
    assert any(
        r.startswith(reason) for r in json.loads(report.read_text(encoding="utf-8"))["health"]["reasons"]
    )


def test_a_warc_failure_heard_of_only_at_close_makes_the_verdict_and_the_report_unhealthy(tmp_path):
    result = run_crawl(
        tmp_path,
        "stats_spider",
        "-s",
        'DOWNLOADER_MIDDLEWARES={"tests.test_command_crawl.WarcFailsAtClose": 950}',
    )
    assert result.returncode == EXIT_UNHEALTHY, result.stderr
    reason = "WARC not written: Cannot write a.warc.gz: [Errno 28] No space left on device"
    assert f"Crawl unhealthy: {reason}" in result.stderr
    (report_path,) = (tmp_path / "out" / "reports").glob("*.json")
    report = json.loads(report_path.read_text("utf-8"))
    assert report["health"]["ok"] is False, report
    assert reason in report["health"]["reasons"], report


def test_closespider_is_unhealthy(tmp_path):
    result = run_crawl(
        tmp_path, "stats_spider", "-s", "CLOSESPIDER_TIMEOUT_NO_ITEM=0", "-s", "CLOSESPIDER_PAGECOUNT=1"
    )
    assert result.returncode == EXIT_UNHEALTHY, result.stderr
    assert "finish reason is 'closespider_pagecount', not 'finished'" in result.stderr


def test_usage_error_exits_two(tmp_path):
    result = run_crawl(tmp_path)
    assert result.returncode == EXIT_USAGE
    result = run_crawl(tmp_path, "stats_spider", "another_spider")
    assert result.returncode == EXIT_USAGE
    assert "more than one spider" in result.stderr


def test_start_failure_exits_seventy(tmp_path):
    result = run_crawl(tmp_path, "stats_spider", "-s", 'SPIDER_MIDDLEWARES={"no.such.Middleware": 1}')
    assert result.returncode == EXIT_START_FAILED, result.stderr
    assert "The crawl could not start: ModuleNotFoundError" in result.stderr
    assert not (tmp_path / "out" / "reports").exists()


def test_locked_output_exits_seventy_five(tmp_path):
    lock = FileLock(tmp_path / "out" / LOCK_FILE_NAME)
    lock.acquire({"pid": os.getpid(), "host": "test-host", "started_at": "2026-01-01T00:00:00+00:00"})
    try:
        result = run_crawl(tmp_path, "stats_spider")
    finally:
        lock.release()
    assert result.returncode == EXIT_LOCKED, result.stderr
    assert f"PID {os.getpid()} on host test-host" in result.stderr
    assert "Traceback" not in result.stderr
    # Refused before the spider opened: no report, nothing written.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [LOCK_FILE_NAME]


def test_interrupted_run_exits_three(tmp_path):
    log = tmp_path / "crawl.log"
    command = crawl_command(
        tmp_path,
        "stats_spider",
        "-a",
        "mode=slow",
        "-s",
        "DOWNLOAD_DELAY=0.2",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
    )
    with log.open("w") as stderr:
        proc = subprocess.Popen(command, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        while "Spider opened" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        returncode = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    assert returncode == EXIT_INTERRUPTED, text
    assert "finish reason is 'shutdown', not 'finished'" in text
    (report,) = (tmp_path / "out" / "reports").glob("*.json")
    assert json.loads(report.read_text(encoding="utf-8"))["health"]["interrupted"] is True
