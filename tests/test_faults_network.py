"""Network faults: a crawl through the fault proxy writes exactly the records of a clean crawl.

Every crawl here is live (no ``REPLAY_ARCHIVE``) through
``tests.servers.fault_proxy`` on 127.0.0.1, which serves the bundled
snapshot and fails a share of the requests (500, 503, resets, stalls past
the download timeout, short bodies, redirect loops, wrong Content-Types,
oversized and gzip-bomb bodies), each URL at most twice.  The clean crawl
they are compared with is the session's replay crawl (``first_crawl``).
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import (
    HtmlSniffMiddleware,
    RedirectLoopMiddleware,
    RetryingHttpCompressionMiddleware,
    body_encoding_against_header,
    looks_like_html,
)
from tests import project_settings
from tests.crawl import read_jsonl, run_crawl
from tests.servers.fault_proxy import FAULTS, LIVE_SETTINGS, FaultPlan, read_log, roll, run_fault_proxy

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import CrawlResult

SITE = "http://jxxznews.zjol.com.cn"
#: A tenth of the requests faulted; this seed faults more requests than there
#: are kinds of fault, so that every kind is served at least once.
FAULT_RATE = 0.1
FAULT_SEED = 1
#: Small, so that a stall costs little; the proxy stalls for longer.
DOWNLOAD_TIMEOUT = 2
STALL_SECONDS = 5
#: Small, so that oversized answers are cheap to send (pages are ~20 KiB).
DOWNLOAD_MAXSIZE = 256 * 1024
#: A footer link that is a 404 in the clean crawl: failed for good here, no record lost.
ALWAYS_FAILING = f"{SITE}/xznews/flsm/index.shtml"
#: The bound of a faulted crawl (the subprocess is killed past it: the test fails).
CRAWL_TIMEOUT = 120


def without_crawl_time(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in record.items() if k != "crawled_at"} for record in records]


def report_of(output: Path) -> dict[str, Any]:
    reports = sorted((output.parent / "reports").glob("*.json"))
    assert reports, "the run wrote no report"
    return json.loads(reports[-1].read_text("utf-8"))


def faulted_crawl(
    snapshot_warc: Path, work: Path, *proxy_args: str
) -> tuple[Path, list[dict[str, Any]], str]:
    """Crawl through a fault proxy run with ``proxy_args``; return (output, proxy log, crawl log)."""
    output = work / "out" / "articles.jsonl"
    log = work / "proxy.jsonl"
    args = ["--warc", snapshot_warc, "--log", log, "--stall-seconds", str(STALL_SECONDS)]
    with run_fault_proxy(*args, "--maxsize", str(DOWNLOAD_MAXSIZE), *proxy_args) as proxy:
        settings = {
            **LIVE_SETTINGS,
            "ARTICLES_OUTPUT": output,
            "DOWNLOAD_TIMEOUT": DOWNLOAD_TIMEOUT,
            "DOWNLOAD_MAXSIZE": DOWNLOAD_MAXSIZE,
            "DOWNLOAD_WARNSIZE": 0,
        }
        proc = run_crawl(settings, env={"http_proxy": proxy}, timeout=CRAWL_TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return output, read_log(log), proc.stderr


@pytest.fixture(scope="module")
def ten_percent(snapshot_warc: Path, tmp_path_factory: pytest.TempPathFactory):
    """One crawl with a tenth of the requests faulted, and one URL that always fails."""
    work = tmp_path_factory.mktemp("ten_percent")
    return faulted_crawl(
        snapshot_warc,
        work,
        "--rate",
        str(FAULT_RATE),
        "--seed",
        str(FAULT_SEED),
        "--always-fail",
        ALWAYS_FAILING,
    )


# -- the proxy itself ----------------------------------------------------------------


def test_fault_plan_is_fixed_by_seed_and_faults_a_url_at_most_twice():
    plan = FaultPlan(rate=0.5, seed=3, faults=FAULTS, max_per_url=2)
    urls = [f"{SITE}/xznews/system/2010/12/29/0{n:08d}.shtml" for n in range(200)]
    decisions = {url: [plan.next(url)[1] for _ in range(5)] for url in urls}
    assert all(sum(fault is not None for fault in faults) <= 2 for faults in decisions.values())
    # Whether the n-th request of a URL is faulted depends on seed, URL and n only.
    for url, faults in decisions.items():
        if faults[0] is None:
            assert roll(3, url, 0) >= 0.5
    faulted = [fault for faults in decisions.values() for fault in faults if fault]
    assert set(faulted) == set(FAULTS)  # taken in turn: every kind is served
    assert 0.35 < sum(roll(3, url, 0) < 0.5 for url in urls) / len(urls) < 0.65


# -- a tenth of the requests faulted ---------------------------------------------------


def test_ten_percent_faulted_crawl_writes_the_records_of_a_clean_crawl(ten_percent, first_crawl: CrawlResult):
    output, _, _ = ten_percent
    assert first_crawl.returncode == 0
    clean = without_crawl_time(first_crawl.records)
    assert clean, "the clean crawl wrote nothing"
    assert without_crawl_time(read_jsonl(output)) == clean


def test_ten_percent_of_the_requests_were_faulted_with_every_kind_of_fault(ten_percent):
    _, requests, _ = ten_percent
    faults = Counter(r["fault"] for r in requests if r["fault"] and r["url"] != ALWAYS_FAILING)
    assert set(faults) == set(FAULTS), f"kinds never served: {set(FAULTS) - set(faults)}"
    first_attempts = [r for r in requests if r["attempt"] == 0 and r["url"] != ALWAYS_FAILING]
    share = sum(r["fault"] is not None for r in first_attempts) / len(first_attempts)
    assert 0.05 < share < 0.2
    per_url = Counter(r["url"] for r in requests if r["fault"])
    assert max(n for url, n in per_url.items() if url != ALWAYS_FAILING) <= 2


def test_every_faulted_url_was_fetched_again_until_it_was_answered(ten_percent):
    _, requests, _ = ten_percent
    # A wrong Content-Type is an answer (the page is in it), every other fault is not.
    faulted = {r["url"] for r in requests if r["fault"] not in (None, "content_type")} - {ALWAYS_FAILING}
    answered = {r["url"] for r in requests if r["fault"] in (None, "content_type")}
    assert faulted <= answered, f"given up: {sorted(faulted - answered)}"


def test_urls_that_failed_for_good_are_in_the_run_report(ten_percent):
    output, _, log = ten_percent
    report = report_of(output)
    assert report["errors"]["failed_urls"] == [ALWAYS_FAILING]
    assert report["errors"]["download"] == 1
    assert report["health"]["ok"], report["health"]
    assert f"Gave up retrying <GET {ALWAYS_FAILING}>" in log


def test_retries_and_give_ups_are_in_the_stats(ten_percent):
    output, requests, _ = ten_percent
    stats = report_of(output)["stats"]
    faults = sum(1 for r in requests if r["fault"])
    # Resets on a kept-alive connection are retried by Twisted's pool itself, and a
    # wrong Content-Type needs no retry: every other fault is a Scrapy retry, but
    # for the last answer of ALWAYS_FAILING, which is given up.
    quiet = sum(1 for r in requests if r["fault"] in ("reset", "content_type"))
    assert faults - quiet - 1 <= stats["retry/count"] <= faults - 1
    assert stats["retry/max_reached"] == 1  # ALWAYS_FAILING
    assert report_of(output)["errors"]["retries"] == stats["retry/count"]
    reasons = {
        key.removeprefix("retry/reason_count/") for key in stats if key.startswith("retry/reason_count/")
    }
    assert {
        "500 Internal Server Error",
        "503 Service Unavailable",
        "scrapy.exceptions.DownloadTimeoutError",  # stall
        "scrapy.exceptions.ResponseDataLossError",  # short_body
        "scrapy.exceptions.DownloadCancelledError",  # oversize, oversize_unannounced
        "decompressed_size_exceeded",  # gzip_bomb
        "redirect_loop",
    } <= reasons


# -- every request faulted ---------------------------------------------------------------


def test_every_url_faulted_twice_still_gives_every_record(snapshot_warc, first_crawl, tmp_path):
    """Each URL's first two answers are faults (no stalls: they only cost time)."""
    faults = [f for f in FAULTS if f not in ("stall", "content_type")]
    output, requests, _ = faulted_crawl(
        snapshot_warc, tmp_path, "--rate", "1", "--faults", ",".join(faults), "--max-faults-per-url", "2"
    )
    assert set(Counter(r["fault"] for r in requests if r["fault"])) == set(faults)
    assert without_crawl_time(read_jsonl(output)) == without_crawl_time(first_crawl.records)
    assert report_of(output)["errors"]["failed_urls"] == []


def test_pages_answered_with_a_wrong_content_type_give_the_same_records(snapshot_warc, first_crawl, tmp_path):
    """Every URL answered once, with text/xml, octet-stream, text/plain, image/jpeg or a
    charset the GBK bytes are not in (text/html; charset=utf-8), in turn."""
    output, requests, _ = faulted_crawl(
        snapshot_warc, tmp_path, "--rate", "1", "--faults", "content_type", "--max-faults-per-url", "1"
    )
    assert all(r["fault"] == "content_type" for r in requests if r["attempt"] == 0)
    assert without_crawl_time(read_jsonl(output)) == without_crawl_time(first_crawl.records)
    stats = report_of(output)["stats"]
    assert stats["htmlsniff/retyped"] > 0
    assert stats["htmlsniff/charset_overruled"] > 0


# -- the middlewares, one by one -----------------------------------------------------------


class _Spider(Spider):
    name = "faults"


def unit_settings(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The project's settings without extensions and pipelines (no lock, nothing written)."""
    return project_settings(
        EXTENSIONS={}, ITEM_PIPELINES={}, ARTICLES_OUTPUT=str(tmp_path / "articles.jsonl"), **overrides
    )


@pytest.fixture
def crawler(tmp_path):
    crawler = get_crawler(_Spider, unit_settings(tmp_path, DOWNLOAD_MAXSIZE=10_000))
    crawler.spider = crawler._create_spider()
    return crawler


def test_a_redirect_back_to_the_same_url_is_retried_then_given_up(crawler):
    mw = RedirectLoopMiddleware.from_crawler(crawler)
    request = Request(f"{SITE}/xznews/")
    loop = Response(request.url, status=302, headers={"Location": "/xznews/"}, request=request)
    for attempt in range(1, crawler.settings.getint("RETRY_TIMES") + 1):
        retry = mw.process_response(request, loop)
        assert isinstance(retry, Request)
        assert retry.url == request.url
        assert retry.dont_filter
        assert retry.meta["retry_times"] == attempt
        request = retry
    with pytest.raises(IgnoreRequest, match="Redirect loop"):
        mw.process_response(request, loop)
    assert crawler.stats.get_value("retry/reason_count/redirect_loop") == crawler.settings.getint(
        "RETRY_TIMES"
    )
    assert crawler.stats.get_value("retry/max_reached") == 1


def test_a_two_step_redirect_loop_retries_the_first_url(crawler):
    mw = RedirectLoopMiddleware.from_crawler(crawler)
    second = Request(f"{SITE}/b", meta={"redirect_urls": [f"{SITE}/a"], "redirect_times": 1})
    loop = Response(second.url, status=301, headers={"Location": f"{SITE}/a#top"}, request=second)
    retry = mw.process_response(second, loop)
    assert isinstance(retry, Request)
    assert retry.url == f"{SITE}/a"
    assert "redirect_urls" not in retry.meta


def test_a_redirect_elsewhere_is_left_to_the_redirect_middleware(crawler):
    mw = RedirectLoopMiddleware.from_crawler(crawler)
    request = Request(f"{SITE}/")
    response = Response(request.url, status=302, headers={"Location": "/xznews/"}, request=request)
    assert mw.process_response(request, response) is response


def test_a_gzip_body_inflating_past_the_maximum_is_retried_then_dropped(crawler):
    mw = RetryingHttpCompressionMiddleware.from_crawler(crawler)
    request = Request(f"{SITE}/xznews/")
    bomb = gzip.compress(b"<html>" + b" " * 20_000)
    response = Response(request.url, body=bomb, headers={"Content-Encoding": "gzip"}, request=request)
    retry = mw.process_response(request, response)
    assert isinstance(retry, Request)
    assert retry.meta["retry_times"] == 1
    spent = request.replace(meta={"retry_times": crawler.settings.getint("RETRY_TIMES")})
    with pytest.raises(IgnoreRequest, match="DOWNLOAD_MAXSIZE"):
        mw.process_response(spent, response)
    fine = Response(request.url, body=gzip.compress(b"<html></html>"), headers={"Content-Encoding": "gzip"})
    assert isinstance(mw.process_response(request, fine), HtmlResponse)


@pytest.mark.parametrize("cls", [XmlResponse, TextResponse, Response])
def test_an_html_body_is_read_as_html_whatever_its_content_type(crawler, cls):
    mw = HtmlSniffMiddleware.from_crawler(crawler)
    body = (
        b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD>'
        b'<META http-equiv=Content-Type content="text/html; charset=gb2312"></HEAD>'
        b"<BODY><P>\xb7\xe7</P></BODY></HTML>"
    )
    response = cls(f"{SITE}/xznews/", body=body, headers={"Content-Type": "text/xml"})
    read = mw.process_response(Request(response.url), response)
    assert isinstance(read, HtmlResponse)
    assert read.xpath("//p/text()").get() == "风"  # GBK, from the meta tag


GBK_PAGE = (
    b'<HTML><HEAD><META http-equiv=Content-Type content="text/html; charset=gb2312"></HEAD>'
    + "<BODY><P>秀洲喆</P></BODY></HTML>".encode("gbk")
)
UTF8_PAGE = '<html><head><meta charset="utf-8"></head><body><p>秀洲喆</p></body></html>'.encode()


@pytest.mark.parametrize(
    ("content_type", "body", "read_as"),
    [
        ("text/html; charset=utf-8", GBK_PAGE, "gb18030"),  # the header lies: the meta is right
        ("text/html; charset=UTF-8", GBK_PAGE, "gb18030"),
        ("text/html", GBK_PAGE, None),  # no charset in the header (the portal's way): the meta's anyway
        ("text/html; charset=gbk", GBK_PAGE, None),  # the header is right
        ("text/html; charset=gb18030", UTF8_PAGE, "utf-8"),  # the other way round
        ("text/html; charset=gbk", b'<meta charset="utf-8"><p>abc</p>', None),  # valid in both: HTTP first
        ("text/html; charset=utf-8", b"\xef\xbb\xbf" + GBK_PAGE, None),  # a BOM decides (as in Scrapy)
        ("text/html; charset=utf-8", GBK_PAGE.replace(b"gb2312", b"no-such-codec"), None),
        ("text/html; charset=utf-8", b"<html><body>\xff\xfe\xfd</body></html>", None),  # no meta
        ("text/html; charset=no-such-codec", GBK_PAGE, None),  # unknown: Scrapy falls back itself
    ],
)
def test_a_charset_the_bytes_are_not_in_gives_way_to_the_meta(content_type, body, read_as):
    assert body_encoding_against_header(content_type, body) == read_as


def test_a_page_served_with_a_lying_charset_is_read_in_its_meta_charset(crawler, caplog):
    mw = HtmlSniffMiddleware.from_crawler(crawler)
    headers = {"Content-Type": "text/html; charset=utf-8"}
    for n in range(2):
        response = HtmlResponse(f"{SITE}/xznews/{n}.shtml", body=GBK_PAGE, headers=headers)
        assert "\ufffd" in response.text  # what Scrapy reads from the header
        read = mw.process_response(Request(response.url), response)
        assert read.xpath("//p/text()").get() == "秀洲喆"
        assert read.headers["Content-Type"] == b"text/html; charset=utf-8"  # recorded as received
    assert crawler.stats.get_value("htmlsniff/charset_overruled") == 2
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1  # said once
    honest = HtmlResponse(f"{SITE}/xznews/", body=UTF8_PAGE, headers=headers)
    assert mw.process_response(Request(honest.url), honest) is honest


def test_a_body_that_is_not_html_keeps_its_type(crawler):
    mw = HtmlSniffMiddleware.from_crawler(crawler)
    rss = XmlResponse(f"{SITE}/rss.xml", body=b'<?xml version="1.0"?><rss><channel/></rss>')
    assert mw.process_response(Request(rss.url), rss) is rss
    assert not looks_like_html(b"\x89PNG\r\n\x1a\n")
    assert looks_like_html(b"\xef\xbb\xbf  <!-- enp --><html>")
    assert looks_like_html(b"<!-- a -- b --><!----><HTML>")
    # Thousands of comments and no document: answered at once (a lazy .*? was exponential).
    assert not looks_like_html(b"<!---->" * 2_000 + b"x")


@pytest.mark.parametrize(
    ("setting", "middleware"),
    [
        ("HTMLSNIFF_ENABLED", HtmlSniffMiddleware),
        ("REDIRECT_ENABLED", RedirectLoopMiddleware),
        ("RETRY_ENABLED", RedirectLoopMiddleware),
        ("COMPRESSION_ENABLED", RetryingHttpCompressionMiddleware),
    ],
)
def test_middlewares_are_off_when_their_setting_is(setting, middleware, tmp_path):
    crawler = get_crawler(_Spider, unit_settings(tmp_path, **{setting: False}))
    with pytest.raises(NotConfigured):
        middleware.from_crawler(crawler)
