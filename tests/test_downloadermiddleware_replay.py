"""Tests of crawler.warc.middlewares.ReplayMiddleware: answering a crawl from WARC files."""

from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
import scrapy
from scrapy import Request, Spider, signals
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.warc.archive import ArchiveError
from crawler.warc.middlewares import ReplayMiddleware
from crawler.warc.pack import pack
from tests.servers import ROOT, run_crawl

if TYPE_CHECKING:
    from pathlib import Path

SITE = "http://jxxznews.zjol.com.cn"
REPLAY_ORDER = 960
INDEX_HTML = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>
<body>
<a href="/xznews/system/2010/12/29/013095123.shtml?utm_source=weibo#top">先锋视点</a>
<a href="/xznews/gz.shtml">gzip</a>
<a href="/xznews/gone.shtml">gone</a>
<a href="/xznews/missing.shtml">missing</a>
<a href="/xznews/private/a.shtml">private</a>
<a href="http://www.zjol.com.cn/">浙江在线</a>
</body></html>"""
ARTICLE_HTML = '<html><head><meta charset="gb2312"></head><body><h1>朱镕基 陶喆</h1></body></html>'
GZ_HTML = "<html><body><p>压缩的页面</p></body></html>"
ROBOTS = b"User-agent: *\nDisallow: /xznews/private/\n"


def build_snapshot(root: Path) -> Path:
    """A tiny portal: / redirects to /xznews/, which links to every case; packed into a WARC."""
    pages = root / "pages"
    pages.mkdir(parents=True)
    (pages / "index.shtml").write_text(INDEX_HTML, "utf-8")
    (pages / "article.shtml").write_text(ARTICLE_HTML, "utf-8")
    (pages / "gz.shtml.gz").write_bytes(gzip.compress(GZ_HTML.encode("gbk"), mtime=0))
    (pages / "robots.txt").write_bytes(ROBOTS)
    html = [["Content-Type", "text/html"]]
    records = [
        {
            "url": f"{SITE}/robots.txt",
            "status": 200,
            "headers": [["Content-Type", "text/plain"]],
            "file": "pages/robots.txt",
        },
        {"url": f"{SITE}/", "status": 302, "headers": [["Location", f"{SITE}/xznews/"]], "file": None},
        {
            "url": f"{SITE}/xznews/",
            "status": 200,
            "headers": html,
            "file": "pages/index.shtml",
            "encoding": "gbk",
        },
        {
            "url": f"{SITE}/xznews/system/2010/12/29/013095123.shtml",
            "status": 200,
            "headers": html,
            "file": "pages/article.shtml",
            "encoding": "gbk",
        },
        {
            "url": f"{SITE}/xznews/gz.shtml",
            "status": 200,
            "headers": [["Content-Type", "text/html; charset=gbk"], ["Content-Encoding", "gzip"]],
            "file": "pages/gz.shtml.gz",
        },
        {"url": f"{SITE}/xznews/gone.shtml", "status": 404, "headers": html, "file": None},
        {
            "url": f"{SITE}/xznews/private/a.shtml",
            "status": 200,
            "headers": html,
            "file": "pages/article.shtml",
        },
    ]
    manifest = {"fetched_at": "2019-07-15T08:00:00Z", "records": records}
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    out = root / "snapshot.warc.gz"
    pack(root, out)
    return out


@pytest.fixture
def warc(tmp_path: Path) -> Path:
    return build_snapshot(tmp_path / "portal")


def make_crawler(warc: Path | str, **settings):
    return get_crawler(
        Spider,
        {"REPLAY_ARCHIVE": str(warc), "CANONICAL_TRACKING_PARAMS": ["utm_*", "from"], **settings},
    )


@pytest.fixture
def crawler(warc):
    return make_crawler(warc)


@pytest.fixture
def mw(crawler):
    middleware = build_from_crawler(ReplayMiddleware, crawler)
    yield middleware
    middleware.archive.close()


def test_not_configured_without_replay_archive():
    with pytest.raises(NotConfigured):
        build_from_crawler(ReplayMiddleware, get_crawler(Spider, {"REPLAY_ARCHIVE": ""}))


def test_hit_gives_the_recorded_response(mw, crawler):
    request = Request(f"{SITE}/xznews/system/2010/12/29/013095123.shtml?utm_source=x#top")
    response = mw.process_request(request)
    assert isinstance(response, HtmlResponse)
    assert response.url == f"{SITE}/xznews/system/2010/12/29/013095123.shtml?utm_source=x"  # as a download's
    assert response.status == 200
    assert response.flags == ["replay"]
    assert response.body == ARTICLE_HTML.encode("gbk")
    assert "朱镕基 陶喆" in response.text  # the gb2312 meta is read as gb18030
    assert response.request is request
    assert crawler.stats.get_value("replay/hit") == 1
    assert crawler.stats.get_value("replay/missing") is None


def test_redirect_and_recorded_404_are_replayed_as_recorded(mw, crawler):
    redirect = mw.process_request(Request(f"{SITE}/"))
    assert (redirect.status, redirect.headers[b"Location"]) == (302, f"{SITE}/xznews/".encode())
    assert redirect.flags == ["replay"]
    gone = mw.process_request(Request(f"{SITE}/xznews/gone.shtml"))
    assert (gone.status, gone.flags) == (404, ["replay"])
    assert crawler.stats.get_value("replay/hit") == 2


def test_head_gets_the_headers_without_the_body(mw):
    response = mw.process_request(Request(f"{SITE}/xznews/", method="HEAD"))
    assert (response.status, response.body) == (200, b"")
    assert response.headers[b"Content-Type"] == b"text/html"


def test_gzip_body_keeps_its_content_encoding(mw):
    response = mw.process_request(Request(f"{SITE}/xznews/gz.shtml"))
    assert response.headers[b"Content-Encoding"] == b"gzip"
    assert gzip.decompress(response.body) == GZ_HTML.encode("gbk")


def test_miss_is_a_flagged_404_logged_ten_times_then_counted(mw, crawler, caplog):
    caplog.set_level(logging.WARNING, logger="crawler.warc.middlewares")
    responses = [mw.process_request(Request(f"{SITE}/xznews/missing_{i}.shtml")) for i in range(12)]
    assert {(type(r), r.status, r.body, tuple(r.flags)) for r in responses} == {
        (Response, 404, b"", ("replay-miss",))
    }
    assert responses[3].url == f"{SITE}/xznews/missing_3.shtml"
    assert crawler.stats.get_value("replay/missing") == 12
    messages = [r.getMessage() for r in caplog.records]
    assert messages[:10] == [
        f"Not in the replay archive, answered 404: {SITE}/xznews/missing_{i}.shtml" for i in range(10)
    ]
    assert messages[10] == "Replay: no more URLs missing from the archive will be shown"
    assert len(messages) == 11
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert (
        caplog.records[-1].getMessage() == "Replay: 12 requested URLs were not in the archive (answered 404)"
    )


def test_non_http_requests_pass(mw):
    assert mw.process_request(Request("data:,hello")) is None


def test_several_archives_comma_separated(warc, tmp_path):
    other = tmp_path / "other"
    (other / "pages").mkdir(parents=True)
    (other / "pages" / "x.html").write_bytes(b"<html>x</html>")
    records = [
        {
            "url": f"{SITE}/xznews/x.shtml",
            "status": 200,
            "headers": [["Content-Type", "text/html"]],
            "file": "pages/x.html",
        }
    ]
    (other / "manifest.json").write_text(
        json.dumps({"fetched_at": "2019-07-16T08:00:00Z", "records": records})
    )
    pack(other, other / "x.warc.gz")
    crawler = make_crawler(f"{warc}, {other / 'x.warc.gz'}")
    middleware = build_from_crawler(ReplayMiddleware, crawler)
    assert middleware.process_request(Request(f"{SITE}/xznews/x.shtml")).body == b"<html>x</html>"
    assert middleware.process_request(Request(f"{SITE}/xznews/")).status == 200
    middleware.archive.close()


def test_missing_archive_fails_clearly(tmp_path, caplog):
    missing = tmp_path / "nowhere.warc.gz"
    with pytest.raises(ArchiveError, match=r"nowhere\.warc\.gz: cannot open the archive"):
        build_from_crawler(ReplayMiddleware, make_crawler(missing))
    assert f"Cannot replay REPLAY_ARCHIVE: {missing}: cannot open" in caplog.text


def test_truncated_archive_fails_clearly_naming_the_offset(warc, caplog):
    warc.write_bytes(warc.read_bytes()[:-30])
    with pytest.raises(ArchiveError, match=r"snapshot\.warc\.gz at byte offset \d+: truncated gzip member"):
        build_from_crawler(ReplayMiddleware, make_crawler(warc))
    assert caplog.records[-1].levelno == logging.CRITICAL


def test_corrupt_record_at_read_time_ignores_the_request(mw, crawler, warc, caplog):
    warc.write_bytes(warc.read_bytes()[:200])  # cut after indexing
    with pytest.raises(IgnoreRequest, match=r"snapshot\.warc\.gz at byte offset \d+: truncated record"):
        mw.process_request(Request(f"{SITE}/xznews/"))
    assert crawler.stats.get_value("replay/archive_error") == 1
    assert "Replay archive unreadable for http://jxxznews.zjol.com.cn/xznews/" in caplog.text


def test_signatures_raise_no_deprecation_warning(warc):
    """The project runs pytest with filterwarnings=error: a ``spider`` argument would fail here."""
    crawler = make_crawler(
        warc, DOWNLOADER_MIDDLEWARES={"crawler.warc.middlewares.ReplayMiddleware": REPLAY_ORDER}
    )
    manager = DownloaderMiddlewareManager.from_crawler(crawler)
    replay = next(m for m in manager.middlewares if isinstance(m, ReplayMiddleware))
    assert replay.process_request in manager.methods["process_request"]
    replay.archive.close()


# -- real crawls ----------------------------------------------------------------------


def replay_settings(warc: Path, **extra):
    return {
        "DOWNLOADER_MIDDLEWARES": {"crawler.warc.middlewares.ReplayMiddleware": REPLAY_ORDER},
        "REPLAY_ARCHIVE": str(warc),
        "CANONICAL_TRACKING_PARAMS": ["utm_*"],
        "ROBOTSTXT_OBEY": True,
        # Any request that got past the replay would fail loudly here.
        "DOWNLOAD_HANDLERS": {
            "http": "tests.servers.NoNetworkDownloadHandler",
            "https": "tests.servers.NoNetworkDownloadHandler",
        },
        **extra,
    }


def test_crawl_over_a_replay_archive(warc, tmp_path):
    result = run_crawl("tests.servers.FollowSpider", replay_settings(warc), tmp_path, start_url=f"{SITE}/")
    assert result.returncode == 0, result.log
    stats, items = result.stats, {item["url"]: item for item in result.items}
    assert stats["finish_reason"] == "finished"
    article = f"{SITE}/xznews/system/2010/12/29/013095123.shtml?utm_source=weibo"  # found canonically
    assert sorted(items) == sorted(
        [
            f"{SITE}/xznews/",
            article,
            f"{SITE}/xznews/gz.shtml",
            f"{SITE}/xznews/gone.shtml",
            f"{SITE}/xznews/missing.shtml",
        ]
    )
    # The recorded 302 was followed by RedirectMiddleware.
    assert items[f"{SITE}/xznews/"]["redirect_urls"] == [f"{SITE}/"]
    assert "先锋视点" in items[f"{SITE}/xznews/"]["text"]
    assert "朱镕基 陶喆" in items[article]["text"]
    # HttpCompressionMiddleware decoded the recorded gzip body.
    assert "压缩的页面" in items[f"{SITE}/xznews/gz.shtml"]["text"]
    assert (items[f"{SITE}/xznews/gone.shtml"]["status"], items[f"{SITE}/xznews/gone.shtml"]["flags"]) == (
        404,
        ["replay"],
    )
    missing = items[f"{SITE}/xznews/missing.shtml"]
    assert (missing["status"], missing["flags"]) == (404, ["replay-miss"])
    # robots.txt came from the archive too, and was obeyed.
    assert stats["robotstxt/forbidden"] == 1
    assert stats["replay/hit"] == 6  # robots.txt, /, /xznews/, article, gz, gone
    assert stats["replay/missing"] == 1
    assert stats["downloader/response_status_count/302"] == 1
    assert stats["offsite/filtered"] == 1  # www.zjol.com.cn
    assert (
        "Not in the replay archive, answered 404: http://jxxznews.zjol.com.cn/xznews/missing.shtml"
        in result.log
    )
    assert "a request reached the network" not in result.log


def test_scrapy_exits_non_zero_when_the_archive_is_broken(warc, tmp_path):
    warc.write_bytes(warc.read_bytes()[:-30])
    spider = tmp_path / "spider.py"
    spider.write_text(
        "import scrapy\n\nclass S(scrapy.Spider):\n    name = 's'\n    start_urls = ['http://jxxznews.zjol.com.cn/']\n",
        "utf-8",
    )
    middlewares = json.dumps({"crawler.warc.middlewares.ReplayMiddleware": REPLAY_ORDER})
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(spider),
        "-s",
        f"DOWNLOADER_MIDDLEWARES={middlewares}",
    ]
    for setting in ("REPLAY_ARCHIVE=" + str(warc), "TELNETCONSOLE_ENABLED=0", "REMOTE_CONTROL_ENABLED=0"):
        command += ["-s", setting]
    proc = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode != 0
    critical = [line for line in proc.stderr.splitlines() if "CRITICAL" in line]
    assert len(critical) == 1
    assert f"Cannot replay REPLAY_ARCHIVE: {warc} at byte offset" in critical[0]
    assert "truncated gzip member" in critical[0]


class TruncatingSpider(scrapy.Spider):
    """Cuts the replay archive short after its first page, then asks for more pages."""

    name = "truncating"

    def __init__(self, warc: str, **kwargs):
        super().__init__(**kwargs)
        self.warc = warc

    async def start(self):
        yield scrapy.Request(f"{SITE}/xznews/")

    def parse(self, response):
        os.truncate(self.warc, 300)
        yield scrapy.Request(f"{SITE}/xznews/gz.shtml", callback=self.parse_page)
        yield scrapy.Request(f"{SITE}/xznews/system/2010/12/29/013095123.shtml", callback=self.parse_page)

    def parse_page(self, response):
        yield {"url": response.url}


def test_a_record_unreadable_during_the_crawl_closes_the_spider(warc, tmp_path):
    result = run_crawl(
        "tests.test_downloadermiddleware_replay.TruncatingSpider",
        replay_settings(warc, ROBOTSTXT_OBEY=False),
        tmp_path,
        warc=str(warc),
    )
    assert result.stats["finish_reason"] == "replay_archive_error"
    assert result.stats["replay/archive_error"] >= 1
    assert result.items == []
    assert f"{warc} at byte offset" in result.log
    assert "truncated record: the file is shorter than when it was indexed" in result.log
