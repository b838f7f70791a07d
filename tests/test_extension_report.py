"""HealthCheck, RunReport and Progress, driven by fake stats and signals."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Spider, signals
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.extensions import make_run_id
from crawler.extensions.health import HealthCheck, assess, failed_article_share
from crawler.extensions.progress import Progress
from crawler.extensions.report import (
    COVERAGE_FIELDS,
    RunReport,
    build_report,
    compare_with_previous,
    load_previous_reports,
    write_json_atomically,
)
from crawler.items import ArticleRecord
from crawler.pipelines.validate import record_dict
from crawler.signals import record_written

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler

START = datetime(2026, 11, 29, 6, 0, 0, tzinfo=UTC)

#: Stats of a plausible run, one key of each kind in the contract.
RUN_STATS: dict[str, Any] = {
    "pages/home": 1,
    "pages/listing": 12,
    "pages/article": 40,
    "pages/other": 2,
    "downloader/response_status_count/200": 52,
    "downloader/response_status_count/404": 3,
    "response_received_count": 56,
    "notfound/article": 2,
    "notfound/listing": 1,
    "article/extracted": 37,
    "article/failed": 1,
    "article/multipage": 2,
    "listing/article_links_unknown": 36,
    "incremental/skipped_known": 5,
    "output/written": 30,
    "output/rejected": 1,
    "output/section/新闻中心": 20,
    "output/section/镇街风采": 10,
    "dedup/url_variant": 3,
    "dedup/same_id": 1,
    "dedup/same_text": 2,
    "dedup/known_from_earlier_run": 0,
    "replay/hit": 55,
    "replay/missing": 1,
    "errors/download": 1,
    "errors/failed_urls": ["http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095999.shtml"],
    "retry/count": 3,
    "item_scraped_count": 30,
}


def report_settings(output: Path, **overrides: Any) -> dict[str, Any]:
    """The project's settings with only the extensions under test."""
    values = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    values.update(
        {
            "ARTICLES_OUTPUT": str(output / "articles.jsonl"),
            "EXTENSIONS": {
                "crawler.extensions.health.HealthCheck": 500,
                "crawler.extensions.report.RunReport": 510,
            },
            "AUTOTHROTTLE_ENABLED": False,
            "MEMUSAGE_ENABLED": False,
            "ITEM_PIPELINES": {},
            "REQUEST_FINGERPRINTER_CLASS": "scrapy.utils.request.RequestFingerprinter",
        }
    )
    values.update(overrides)
    return values


class FakeSpider(Spider):
    name = "xiuzhou"


def open_run(output: Path, **overrides: Any) -> Crawler:
    crawler = get_crawler(FakeSpider, report_settings(output, **overrides))
    crawler.spider = crawler._create_spider()
    crawler.signals.send_catch_log(signal=signals.spider_opened, spider=crawler.spider)
    return crawler


def finish_run(
    crawler: Crawler, stats: dict[str, Any], items: list[ArticleRecord], reason: str = "finished"
) -> None:
    """Play the end of a run: stats set, records written, then the closing signals."""
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    for item in items:
        crawler.signals.send_catch_log(signal=record_written, record=record_dict(item))
    crawler.signals.send_catch_log(signal=signals.spider_closed, spider=crawler.spider, reason=reason)
    crawler.signals.send_catch_log(signal=signals.engine_stopped)


def record(n: int, **fields: Any) -> ArticleRecord:
    return ArticleRecord(
        url=f"http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/0130951{n:02d}.shtml", **fields
    )


def read_reports(output: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((output / "reports").glob("*.json"))]


# --- Health verdict ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("stats", "reason", "expected"),
    [
        pytest.param(RUN_STATS, "finished", [], id="healthy"),
        pytest.param({}, "finished", [], id="empty-but-finished"),
        pytest.param(RUN_STATS, "shutdown", ["finish reason is 'shutdown', not 'finished'"], id="shutdown"),
        pytest.param(
            {**RUN_STATS, "spider_exceptions/count": 2, "spider_exceptions/ValueError": 2},
            "finished",
            ["2 spider exception(s)"],
            id="spider-exceptions",
        ),
        pytest.param(
            {"spider_exceptions/KeyError": 1, "spider_exceptions/ValueError": 2},
            "finished",
            ["3 spider exception(s)"],
            id="spider-exceptions-without-count",
        ),
        pytest.param(
            {"listing/article_links_unknown": 5, "output/written": 0},
            "finished",
            ["no article written although listings linked 5 unknown article(s)"],
            id="nothing-written",
        ),
        pytest.param(
            {"listing/article_links_unknown": 5, "output/written": 0, "output/kept_pending": 3},
            "shutdown",
            ["finish reason is 'shutdown', not 'finished'"],
            id="stopped-run-keeps-its-records-pending",
        ),
        pytest.param(
            {"listing/article_links_unknown": 5, "output/written": 0},
            "shutdown",
            ["finish reason is 'shutdown', not 'finished'"],
            id="stopped-before-any-article",
        ),
        pytest.param(
            {"listing/article_links_unknown": 0, "output/written": 0, "incremental/skipped_known": 50},
            "finished",
            [],
            id="nothing-new-is-fine",
        ),
        pytest.param(
            {
                "pages/article": 10,
                "article/failed": 2,
                "output/written": 8,
                "listing/article_links_unknown": 10,
            },
            "finished",
            [],
            id="failed-share-at-the-limit",
        ),
        pytest.param(
            {"pages/article": 10, "article/failed": 2, "output/rejected": 1, "output/written": 7},
            "finished",
            [
                (
                    "template drift: 30% of article pages gave no valid record "
                    "(2 failed extraction, 1 rejected by the schema; limit 20%)"
                )
            ],
            id="drift",
        ),
        pytest.param(
            {"pages/article": 10, "notfound/article": 8, "article/failed": 1, "output/written": 1},
            "finished",
            [
                (
                    "template drift: 50% of article pages gave no valid record "
                    "(1 failed extraction, 0 rejected by the schema; limit 20%)"
                )
            ],
            id="404s-are-not-article-pages",
        ),
        pytest.param(
            {**RUN_STATS, "warc/write_error": "Cannot write a.warc.gz: [Errno 28] No space left on device"},
            "warc_error",
            [
                "finish reason is 'warc_error', not 'finished'",
                "WARC not written: Cannot write a.warc.gz: [Errno 28] No space left on device",
            ],
            id="warc-not-written",
        ),
        pytest.param(
            {
                **RUN_STATS,
                "containment/refused": 3,
                "containment/refused/answered_from_private": 2,
                "containment/refused/answered_from_loopback": 1,
                "containment/refused/offsite": 4,  # refusals before a download are routine
            },
            "finished",
            [
                (
                    "answers came from refused addresses (1 loopback, 2 private): "
                    "the name resolved elsewhere than checked"
                )
            ],
            id="answered-from-a-refused-address",
        ),
    ],
)
def test_assess(stats, reason, expected):
    verdict = assess(stats, reason, max_failed_share=0.2)
    assert list(verdict.reasons) == expected
    assert verdict.ok is (not expected)
    assert verdict.reason == ("; ".join(expected) if expected else "ok")


def test_interrupted_is_told_apart():
    assert assess(RUN_STATS, "shutdown", 0.2).interrupted
    assert assess({**RUN_STATS, "output/written": 0, "output/kept_pending": 30}, "shutdown", 0.2).interrupted
    assert not assess(RUN_STATS, "finished", 0.2).interrupted
    assert not assess(RUN_STATS, "closespider_timeout", 0.2).interrupted
    # Interrupted, and something else wrong too: not just interrupted.
    assert not assess({**RUN_STATS, "spider_exceptions/count": 1}, "shutdown", 0.2).interrupted


def test_failed_article_share():
    assert failed_article_share({}) is None
    assert failed_article_share({"pages/article": 4, "article/failed": 1}) == 0.25
    assert failed_article_share({"pages/article": 1, "article/failed": 3}) == 1.0


def test_health_check_publishes_the_verdict(tmp_path, caplog):
    crawler = open_run(tmp_path)
    with caplog.at_level(logging.INFO):
        finish_run(
            crawler, {"pages/article": 10, "article/failed": 9, "listing/article_links_unknown": 10}, []
        )
    assert crawler.stats.get_value("health/ok") is False
    assert crawler.stats.get_value("health/reason").startswith(
        "no article written although listings linked 10"
    )
    assert crawler.stats.get_value("health/failed_article_share") == 0.9
    (line,) = [r for r in caplog.records if r.name == "crawler.extensions.health"]
    assert line.levelno == logging.ERROR
    assert "\n" not in line.getMessage()
    assert "template drift: 90%" in line.getMessage()
    assert crawler.get_extension(HealthCheck).verdict.ok is False


# --- Run report ---------------------------------------------------------------------


def test_report_counts_equal_the_stats(tmp_path):
    crawler = open_run(tmp_path)
    finish_run(crawler, RUN_STATS, [record(i, source="嘉兴日报") for i in range(30)])
    (report,) = read_reports(tmp_path)
    stats = crawler.stats.get_stats()
    assert report["run_id"] == stats["run/id"]
    assert report["finish_reason"] == stats["finish_reason"] == "finished"
    assert report["start"] == stats["start_time"].isoformat(timespec="seconds")
    assert report["end"] == stats["finish_time"].isoformat(timespec="seconds")
    assert report["pages"]["by_kind"] == {
        k: stats[f"pages/{k}"] for k in ("home", "listing", "article", "other")
    }
    assert report["pages"]["total"] == 55
    assert report["pages"]["by_status"] == {"200": 52, "404": 3}
    assert report["pages"]["not_found"] == {"listing": 1, "article": 2, "related": 0, "article_part": 0}
    assert report["pages"]["article_answered"] == 38
    assert report["articles"] == {
        "new": stats["output/written"],
        "duplicate": 3,
        "duplicate_by_rule": {"known_from_earlier_run": 0, "same_id": 1, "same_text": 2, "url_variant": 3},
        "rejected": stats["output/rejected"],
        "failed_extraction": stats["article/failed"],
        "extracted": stats["article/extracted"],
        "multipage": stats["article/multipage"],
        "known_not_requested": stats["incremental/skipped_known"],
        "kept_pending": 0,
        "unknown_links_on_listings": stats["listing/article_links_unknown"],
    }
    assert report["new_by_section"] == {"新闻中心": 20, "镇街风采": 10}
    assert report["replay"] == {"hit": 55, "missing": 1}
    assert report["errors"]["failed_urls"] == stats["errors/failed_urls"]
    assert report["errors"]["download"] == 1
    assert report["errors"]["retries"] == 3
    assert report["health"] == {
        "ok": True,
        "reason": "ok",
        "reasons": [],
        "interrupted": False,
        "failed_article_share": round(2 / 38, 4),
        "max_failed_article_share": 0.2,
    }
    assert report["stats"]["output/written"] == 30
    assert report["stats"]["health/ok"] is True
    # The file is UTF-8 with the characters themselves.
    (path,) = (tmp_path / "reports").glob("*.json")
    assert "新闻中心" in path.read_text(encoding="utf-8")


def test_coverage_counts_the_records_written(tmp_path):
    crawler = open_run(tmp_path)
    items = [
        record(1, source="嘉兴日报", reporters=["沈洁"], keywords=[], subtitle=""),
        record(2, source="嘉兴日报", editor="吴怡之", related=[{"url": "u", "title": "t"}]),
        record(3),
        record(4, source=None, images=[{"url": "u", "caption": None}]),
    ]
    finish_run(crawler, {"output/written": 4}, items)
    (report,) = read_reports(tmp_path)
    assert report["coverage"]["records"] == 4
    fields = report["coverage"]["fields"]
    assert set(fields) == set(COVERAGE_FIELDS)
    assert fields["source"] == 0.5
    assert fields["reporters"] == fields["editor"] == fields["related"] == fields["images"] == 0.25
    assert fields["keywords"] == fields["subtitle"] == 0.0


def test_coverage_is_none_without_records(tmp_path):
    crawler = open_run(tmp_path)
    finish_run(crawler, {}, [])
    (report,) = read_reports(tmp_path)
    assert report["coverage"] == {"records": 0, "fields": dict.fromkeys(COVERAGE_FIELDS)}


def test_summary_is_one_line_logged_last(tmp_path, caplog):
    crawler = open_run(tmp_path)
    with caplog.at_level(logging.INFO):
        finish_run(crawler, RUN_STATS, [record(1)])
    last = [r for r in caplog.records if r.levelno == logging.INFO][-1]
    assert last.name == "crawler.extensions.report"
    message = last.getMessage()
    assert "\n" not in message
    run = crawler.stats.get_value("run/id")
    assert message.startswith(f"Run {run} ")
    for part in (
        "pages 55 (home 1, listing 12, article 40, other 2; status 200: 52, 404: 3)",
        "articles 30 new / 3 duplicate / 1 rejected / 1 failed",
        "replay misses 1",
        "errors 1 URL(s)",
        "health OK",
        f"report {tmp_path / 'reports' / (run + '.json')}",
    ):
        assert part in message


def test_unhealthy_summary_gives_the_reason(tmp_path, caplog):
    crawler = open_run(tmp_path)
    with caplog.at_level(logging.INFO):
        finish_run(crawler, RUN_STATS, [], reason="shutdown")
    assert "health FAILED: finish reason is 'shutdown', not 'finished'" in caplog.records[-1].getMessage()
    (report,) = read_reports(tmp_path)
    assert report["health"]["reasons"] == ["finish reason is 'shutdown', not 'finished'"]
    assert report["health"]["interrupted"] is True


def previous_report(run: str, *, records: int, coverage: float, failed_share: float) -> dict[str, Any]:
    report = build_report(
        {},
        run=run,
        spider="xiuzhou",
        output="articles.jsonl",
        coverage_counts=dict.fromkeys(COVERAGE_FIELDS, round(records * coverage)),
        coverage_records=records,
        finish_reason="finished",
        max_failed_share=0.2,
    )
    report["health"]["failed_article_share"] = failed_share
    return report


def test_earlier_reports_are_kept_and_compared(tmp_path, caplog):
    reports = tmp_path / "reports"
    for day in (1, 2, 3):
        run = make_run_id(START - timedelta(days=day), 100 + day)
        write_json_atomically(
            reports / f"{run}.json", previous_report(run, records=50, coverage=1.0, failed_share=0.0)
        )
    crawler = open_run(tmp_path)
    items = [record(i, **{name: ["x"] for name in ("reporters", "keywords")}) for i in range(25)]
    stats = {"pages/article": 25, "article/failed": 10, "output/written": 25}
    with caplog.at_level(logging.WARNING):
        finish_run(crawler, stats, items)
    new = read_reports(tmp_path)[-1]
    assert len(list(reports.glob("*.json"))) == 4
    assert new["compared_with"] == sorted(p.stem for p in reports.glob("*.json"))[:3]
    assert "coverage of 'source' fell to 0% from 100% (mean of 3 earlier run(s))" in new["warnings"]
    assert not any("'reporters'" in w for w in new["warnings"])
    assert "share of failed article pages rose to 40% from 0% (mean of 3 earlier run(s))" in new["warnings"]
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(logged) == len(new["warnings"])
    assert all(line.startswith("Worse than earlier runs: ") for line in logged)


def test_small_runs_do_not_compare_coverage():
    previous = [previous_report("a", records=50, coverage=1.0, failed_share=0.1)]
    current = previous_report("b", records=5, coverage=0.0, failed_share=0.1)
    assert compare_with_previous(current, previous, drop_warn=0.3, min_records=20) == []
    # Nor do earlier small runs count in the baseline.
    previous = [previous_report("a", records=5, coverage=1.0, failed_share=0.1)]
    current = previous_report("b", records=50, coverage=0.0, failed_share=0.1)
    assert compare_with_previous(current, previous, drop_warn=0.3, min_records=20) == []


def test_only_the_last_runs_are_compared(tmp_path):
    for n in range(8):
        write_json_atomically(tmp_path / f"2026010{n}T000000Z-1.json", {"run_id": str(n)})
    (tmp_path / "20260109T000000Z-1.json").write_text("{not json", encoding="utf-8")
    reports = load_previous_reports(tmp_path, before="20260109T000000Z-2", limit=5)
    # The unreadable one counts against the limit and is skipped.
    assert [r["run_id"] for r in reports] == ["4", "5", "6", "7"]
    assert load_previous_reports(tmp_path, before="20260101T000000Z-1", limit=5) == [{"run_id": "0"}]
    assert load_previous_reports(tmp_path / "missing", before="z", limit=5) == []


def test_report_is_written_atomically(tmp_path):
    path = tmp_path / "reports" / "r.json"
    write_json_atomically(path, {"a": 1})
    write_json_atomically(path, {"a": "二"})
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": "二"}
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]


def test_reports_can_be_turned_off(tmp_path):
    crawler = open_run(tmp_path, REPORTS_ENABLED=False)
    assert crawler.get_extension(RunReport) is None
    finish_run(crawler, RUN_STATS, [])
    assert not (tmp_path / "reports").exists()
    assert crawler.stats.get_value("health/ok") is True


# --- Progress -----------------------------------------------------------------------


def test_progress_line(tmp_path):
    crawler = get_crawler(
        FakeSpider, report_settings(tmp_path, EXTENSIONS={"crawler.extensions.progress.Progress": 520})
    )
    progress = crawler.get_extension(Progress)
    assert progress is not None
    for key, value in {
        "pages/home": 1,
        "pages/listing": 4,
        "pages/article": 15,
        "item_scraped_count": 14,
        "output/written": 12,
    }.items():
        crawler.stats.set_value(key, value)
    message = progress.message()
    assert message.startswith(
        "Progress: 20 pages (home 1, listing 4, article 15, other 0), 14 articles scraped (12 written), "
    )
    assert "pages/min (avg " in message
    # No engine yet: the queue sizes are unknown.
    assert message.endswith("? requests waiting, ? downloading")


def test_progress_can_be_turned_off(tmp_path):
    crawler = get_crawler(
        FakeSpider,
        report_settings(
            tmp_path, PROGRESS_INTERVAL=0, EXTENSIONS={"crawler.extensions.progress.Progress": 520}
        ),
    )
    assert crawler.get_extension(Progress) is None
