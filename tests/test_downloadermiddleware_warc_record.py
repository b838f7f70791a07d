"""Tests of crawler.warc.middlewares.WarcRecorderMiddleware: recording downloads into a gzip WARC."""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
import zlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request, Spider, signals
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder

from crawler.warc.archive import WarcArchive
from crawler.warc.middlewares import WarcRecorderMiddleware
from crawler.warc.writer import gzip_member
from tests.servers import run_crawl, run_snapshot_proxy
from tests.test_downloadermiddleware_replay import REPLAY_ORDER, SITE, build_snapshot, replay_settings

if TYPE_CHECKING:
    from pathlib import Path

    from tests.servers import CrawlResult

RECORDER_ORDER = 950


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from warcio.cli import main; main()", "check", "-v", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def read_records(path: Path) -> list[tuple[str, str | None, bytes, object]]:
    with path.open("rb") as fh:
        return [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.raw_stream.read(),
                r.http_headers,
            )
            for r in ArchiveIterator(fh)
        ]


def _records_on_disk(path: Path) -> int:
    try:
        return len(read_records(path))
    except Exception:  # noqa: BLE001 -- a pair being written: not there yet
        return 0


@pytest.fixture
def output(tmp_path: Path) -> Path:
    return tmp_path / "out" / "recorded.warc.gz"


@pytest.fixture(params=[False, True], ids=["in-process", "writer-process"])
def crawler(output, request):
    settings = {"WARC_OUTPUT": str(output), "USER_AGENT": "test-agent", "WARC_WRITER_PROCESS": request.param}
    return get_crawler(Spider, settings)


@pytest.fixture
def mw(crawler):
    middleware = build_from_crawler(WarcRecorderMiddleware, crawler)
    yield middleware
    middleware.spider_closed()


def test_not_configured_without_warc_output():
    with pytest.raises(NotConfigured):
        build_from_crawler(WarcRecorderMiddleware, get_crawler(Spider, {"WARC_OUTPUT": ""}))


def test_records_request_and_raw_response(mw, crawler, output):
    body = gzip.compress("<html>秀洲新闻网</html>".encode("gbk"), mtime=0)
    request = Request(
        f"{SITE}/xznews/?a=1",
        headers={
            "User-Agent": "test-agent",
            "Accept-Encoding": "gzip",
            "Proxy-Authorization": "Basic c2VjcmV0",
        },
    )
    response = HtmlResponse(
        url=request.url,
        status=200,
        headers={"Content-Type": "text/html", "Content-Encoding": "gzip", "Transfer-Encoding": "chunked"},
        body=body,
        request=request,
        protocol="HTTP/1.1",
    )
    assert mw.process_response(request, response) is response
    assert crawler.stats.get_value("warc/records_written") == 2
    mw.spider_closed()

    records = read_records(output)
    assert [(kind, url) for kind, url, _, _ in records] == [
        ("warcinfo", None),
        ("request", f"{SITE}/xznews/?a=1"),
        ("response", f"{SITE}/xznews/?a=1"),
    ]
    assert b"test-agent" in records[0][2]
    request_headers = records[1][3]
    assert request_headers.protocol == "GET"
    assert request_headers.statusline == "/xznews/?a=1 HTTP/1.1"
    assert request_headers.headers[0] == ("Host", "jxxznews.zjol.com.cn")
    assert request_headers.get_header("User-Agent") == "test-agent"
    assert request_headers.get_header("Proxy-Authorization") is None  # the proxy's, and a secret
    response_headers = records[2][3]
    assert response_headers.statusline == "200 OK"
    assert response_headers.get_header("Transfer-Encoding") is None
    assert response_headers.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert response_headers.get_header("Content-Length") == str(len(body))
    assert records[2][2] == body  # stored as received: still gzip
    result = warcio_check(output)
    assert result.returncode == 0, result.stdout + result.stderr
    assert crawler.stats.get_value("warc/bytes_written") == output.stat().st_size


def test_header_bytes_are_kept(mw, output):
    location = "http://jxxznews.zjol.com.cn/秀洲.shtml".encode("gbk")
    request = Request(f"{SITE}/")
    mw.process_response(request, Response(request.url, status=302, headers={b"Location": location}))
    mw.spider_closed()
    with WarcArchive([output]) as archive:
        found = archive.get(f"{SITE}/")
    assert (found.status, found.header("Location")) == (302, location)


def test_replayed_and_cached_responses_are_not_recorded(mw, crawler, output):
    request = Request(f"{SITE}/")
    for flags in (["replay"], ["replay-miss"], ["cached"]):
        mw.process_response(request, Response(request.url, flags=flags))
    mw.process_response(Request("data:,x"), Response("data:,x"))
    assert crawler.stats.get_value("warc/records_written") is None
    mw.spider_closed()
    assert [r[0] for r in read_records(output)] == ["warcinfo"]


def test_each_record_is_on_disk_before_the_crawl_ends(mw, output):
    """A crash keeps every complete record: each pair is flushed as written
    (by the child process as soon as it is handed over)."""
    for i in range(3):
        request = Request(f"{SITE}/{i}")
        mw.process_response(request, Response(request.url, body=b"page %d" % i))
    deadline = time.monotonic() + 10
    while _records_on_disk(output) < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    with WarcArchive([output]) as archive:  # the file is still open for writing
        assert [archive.get(f"{SITE}/{i}").body for i in range(3)] == [b"page 0", b"page 1", b"page 2"]


def test_closed_at_spider_closed(crawler, output):
    middleware = build_from_crawler(WarcRecorderMiddleware, crawler)
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert middleware._writer is None
    request = Request(f"{SITE}/")
    middleware.process_response(request, Response(request.url))  # after close: ignored
    assert warcio_check(output).returncode == 0


def test_signatures_raise_no_deprecation_warning(output):
    crawler = get_crawler(
        Spider,
        {
            "WARC_OUTPUT": str(output),
            "DOWNLOADER_MIDDLEWARES": {"crawler.warc.middlewares.WarcRecorderMiddleware": RECORDER_ORDER},
        },
    )
    manager = DownloaderMiddlewareManager.from_crawler(crawler)
    recorder = next(m for m in manager.middlewares if isinstance(m, WarcRecorderMiddleware))
    assert recorder.process_response in manager.methods["process_response"]
    recorder.spider_closed()


def record_through_the_snapshot_proxy(tmp_path: Path, **settings: Any) -> CrawlResult:
    """Crawl the snapshot (FollowSpider) through the proxy on 127.0.0.1 with the recorder on."""
    snapshot = build_snapshot(tmp_path / "portal")
    settings = {
        "DOWNLOADER_MIDDLEWARES": {"crawler.warc.middlewares.WarcRecorderMiddleware": RECORDER_ORDER},
        **settings,
    }
    with run_snapshot_proxy(snapshot) as (host, port):
        # http_proxy (HttpProxyMiddleware) covers every request, robots.txt included.
        return run_crawl(
            "tests.servers.FollowSpider",
            settings,
            tmp_path,
            env={"http_proxy": f"http://{host}:{port}"},
            start_url=f"{SITE}/",
        )


def test_record_through_the_snapshot_proxy_then_replay(tmp_path):
    """Crawl the snapshot through the proxy on 127.0.0.1 recording a WARC, then replay that WARC."""
    recorded = tmp_path / "recorded.warc.gz"
    live = record_through_the_snapshot_proxy(tmp_path, WARC_OUTPUT=str(recorded), ROBOTSTXT_OBEY=True)
    assert live.returncode == 0, live.log
    assert live.stats["finish_reason"] == "finished"
    result = warcio_check(recorded)
    assert result.returncode == 0, result.stdout + result.stderr

    records = read_records(recorded)
    responses = {url: headers for kind, url, _, headers in records if kind == "response"}
    # The portal's own URLs, not the proxy's; the redirect and robots.txt are there too.
    assert sorted(responses) == sorted(
        f"{SITE}{path}"
        for path in (
            "/robots.txt",
            "/",
            "/xznews/",
            "/xznews/system/2010/12/29/013095123.shtml?utm_source=weibo",
            "/xznews/gz.shtml",
            "/xznews/gone.shtml",
            "/xznews/missing.shtml",
        )
    )
    assert responses[f"{SITE}/"].statusline == "302 Found"
    assert responses[f"{SITE}/xznews/gz.shtml"].get_header("Content-Encoding") == "gzip"
    bodies = {url: body for kind, url, body, _ in records if kind == "response"}
    assert bodies[f"{SITE}/xznews/gz.shtml"][:2] == b"\x1f\x8b"  # recorded before decompression
    assert live.stats["warc/records_written"] == 2 * len(responses)

    replay = run_crawl(
        "tests.servers.FollowSpider",
        replay_settings(
            recorded, DOWNLOADER_MIDDLEWARES={"crawler.warc.middlewares.ReplayMiddleware": REPLAY_ORDER}
        ),
        tmp_path,
        start_url=f"{SITE}/",
    )
    assert replay.returncode == 0, replay.log

    def seen(items):
        return {
            item["url"]: (item["status"], item["sha1"], item["text"], item["redirect_urls"]) for item in items
        }

    assert seen(replay.items) == seen(live.items)
    assert len(live.items) == 5
    assert replay.stats["replay/hit"] == len(responses)  # the 404 of the proxy was recorded too
    assert "replay/missing" not in replay.stats


def record_pages(output: Path, monkeypatch: pytest.MonkeyPatch, **settings: object) -> bytes:
    """Record two pages into ``output`` with fixed record ids and dates; return the file."""
    ids = (f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>" for n in range(100))
    monkeypatch.setattr("crawler.warc.middlewares.new_record_id", lambda: next(ids))
    monkeypatch.setattr(RecordBuilder, "_make_warc_id", classmethod(lambda cls: next(ids)))
    monkeypatch.setattr(RecordBuilder, "_make_warc_date", classmethod(lambda cls, use_micros=False: DATE))
    monkeypatch.setattr("crawler.warc.middlewares.datetime", FixedDatetime)
    crawler = get_crawler(Spider, {"WARC_OUTPUT": str(output), "USER_AGENT": "test-agent", **settings})
    middleware = build_from_crawler(WarcRecorderMiddleware, crawler)
    page = "<html><body>秀洲新闻网 朱镕基</body></html>".encode("gbk") * 100
    for path, status, body in (("/xznews/a.shtml", 200, page), ("/", 302, b"")):
        request = Request(f"{SITE}{path}", headers={"User-Agent": "test-agent"})
        response = HtmlResponse(
            request.url, status=status, headers={"Content-Type": "text/html"}, body=body, request=request
        )
        middleware.process_response(request, response)
    middleware.spider_closed()
    return output.read_bytes()


DATE = "2025-11-29T09:42:00Z"


class FixedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime(2025, 11, 29, 9, 42, tzinfo=tz)


def gzip_members(data: bytes) -> list[bytes]:
    found = []
    while data:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        found.append(inflater.decompress(data))
        data = inflater.unused_data
    return found


@pytest.mark.parametrize("level", [1, 3, 6])
def test_compression_level_changes_only_the_compression(tmp_path, monkeypatch, level):
    """WARC_COMPRESSION_LEVEL: the same records, compressed at that level, read back whole by warcio."""
    default = record_pages(tmp_path / "default" / "recorded.warc.gz", monkeypatch)
    other_path = tmp_path / str(level) / "recorded.warc.gz"
    other = record_pages(other_path, monkeypatch, WARC_COMPRESSION_LEVEL=str(level))
    assert gzip_members(other) == gzip_members(default)
    assert len(gzip_members(other)) == 5  # warcinfo, then request + response twice
    # One member per record, each as gzip_member compresses it at that level (XFL and all).
    offset = 0
    for record in gzip_members(other):
        member = gzip_member(record, level)
        assert other[offset : offset + len(member)] == member
        offset += len(member)
    assert offset == len(other)
    with other_path.open("rb") as fh:
        records = [
            (r.rec_headers.headers, r.http_headers and r.http_headers.headers, r.raw_stream.read())
            for r in ArchiveIterator(fh, check_digests="raise")
        ]
    with (tmp_path / "default" / "recorded.warc.gz").open("rb") as fh:
        assert records == [
            (r.rec_headers.headers, r.http_headers and r.http_headers.headers, r.raw_stream.read())
            for r in ArchiveIterator(fh, check_digests="raise")
        ]
    result = warcio_check(other_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_default_level_is_the_settings(tmp_path, monkeypatch):
    from crawler import settings

    default = record_pages(tmp_path / "a" / "recorded.warc.gz", monkeypatch)
    assert default[8] == {9: 2, 1: 4}.get(settings.WARC_COMPRESSION_LEVEL, 0)  # XFL of the first member
    configured = record_pages(
        tmp_path / "b" / "recorded.warc.gz",
        monkeypatch,
        WARC_COMPRESSION_LEVEL=settings.WARC_COMPRESSION_LEVEL,
    )
    assert configured == default


def test_bad_compression_level_stops_the_crawl_before_it_starts(output):
    crawler = get_crawler(Spider, {"WARC_OUTPUT": str(output), "WARC_COMPRESSION_LEVEL": "11"})
    with pytest.raises(ValueError, match="WARC_COMPRESSION_LEVEL: .* from 1 to 9, got '11'"):
        build_from_crawler(WarcRecorderMiddleware, crawler)
    assert not output.exists()


def test_a_full_disk_stops_recording_with_its_reason_and_lets_the_pages_through():
    """The archive on /dev/full (Linux's always-full device): the failure is reported once,
    in a stat the health verdict reads, and no response fails because of it."""
    crawler = get_crawler(Spider, {"WARC_OUTPUT": "/dev/full", "WARC_WRITER_PROCESS": True})
    middleware = build_from_crawler(WarcRecorderMiddleware, crawler)
    for i in range(200):  # the child's failure reaches the crawl at a later hand-over
        page = Request(f"{SITE}/{i}")
        response = Response(page.url, body=b"page %d" % i * 1000)
        assert middleware.process_response(page, response) is response
        if crawler.stats.get_value("warc/write_error"):
            break
        time.sleep(0.01)
    middleware.spider_closed()
    error = crawler.stats.get_value("warc/write_error")
    assert error is not None
    assert "No space left on device" in error
    assert error.startswith("Cannot write /dev/full")


def test_an_archive_that_cannot_take_its_first_record_stops_the_crawl_before_it_starts():
    crawler = get_crawler(Spider, {"WARC_OUTPUT": "/dev/full", "WARC_WRITER_PROCESS": False})
    with pytest.raises(OSError, match="No space left on device"):
        build_from_crawler(WarcRecorderMiddleware, crawler)


def test_a_crawl_recording_onto_a_full_disk_says_why(tmp_path):
    live = record_through_the_snapshot_proxy(tmp_path, WARC_OUTPUT="/dev/full", WARC_WRITER_PROCESS=True)
    assert "No space left on device" in live.stats["warc/write_error"], live.log
    assert "Traceback" not in live.log
    # The child's failure reaches the crawl at a later hand-over (the crawl stops:
    # "warc_error") or at the close ("finished"): on a crawl of seven pages either may
    # come first; the health verdict and the exit code read the stat either way.
    assert live.stats["finish_reason"] in {"warc_error", "finished"}
