"""Containment: a live crawl requests the portal's host and nothing else.

Unit tests build ``ContainmentMiddleware`` from the project's settings with
a fake resolver (no test may query a DNS server: the machine's resolver
would send packets off 127.0.0.1), plus ``localhost``, which the system
resolver answers from ``/etc/hosts``.  Crawl tests run the real spider,
live, through a recording proxy on 127.0.0.1 (``tests.servers.fault_proxy``
at rate 0 with ``--log``) and read what it was asked for.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import scrapy.resolver
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.datatypes import LocalCache
from scrapy.utils.test import get_crawler

from crawler.items import ArticleRecord
from crawler.middlewares import ContainmentMiddleware, system_resolve
from crawler.pipelines.dedup import DedupPipeline
from crawler.pipelines.jsonl import JsonLinesWriterPipeline
from crawler.pipelines.validate import ValidatePipeline
from tests import project_settings
from tests.crawl import read_jsonl, run_crawl
from tests.servers.fault_proxy import read_log, run_fault_proxy
from tests.snapshots import DerivedSnapshot

HOST = "jxxznews.zjol.com.cn"
SITE = f"http://{HOST}"
HOME = f"{SITE}/xznews/"
#: What the fake resolver answers; any other name does not resolve.
FAKE_DNS: dict[str, list[str]] = {HOST: ["1.2.3.4"], "localhost": ["127.0.0.1", "::1"]}
PRIVATE_DNS: dict[str, list[str]] = {HOST: ["1.2.3.4", "10.0.0.8"]}


def fake_resolve(host: str) -> list[str]:
    """The resolver of the crawl tests (``CONTAINMENT_RESOLVER``): the portal is public."""
    if host not in FAKE_DNS:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return FAKE_DNS[host]


def private_resolve(host: str) -> list[str]:
    """A resolver that answers the portal's name with a private address too (DNS gone wrong)."""
    if host not in PRIVATE_DNS:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return PRIVATE_DNS[host]


class _Spider(Spider):
    name = "containment"


@pytest.fixture(autouse=True)
def fresh_dns_cache(monkeypatch):
    """Each test its own Scrapy DNS cache: an address checked here is pinned there, and
    must never be left to another test's downloads."""
    monkeypatch.setattr(scrapy.resolver, "dnscache", LocalCache(10000))


def unit_settings(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The project's settings, live mode, without extensions and pipelines."""
    overrides.setdefault("ARTICLES_OUTPUT", str(tmp_path / "articles.jsonl"))
    return project_settings(EXTENSIONS={}, ITEM_PIPELINES={}, **overrides)


def middleware(tmp_path: Path, resolver: Any = fake_resolve, **settings: Any) -> ContainmentMiddleware:
    crawler = get_crawler(_Spider, unit_settings(tmp_path, **settings))
    mw = ContainmentMiddleware.from_crawler(crawler)
    mw.resolver = resolver
    return mw


def refusal(mw: ContainmentMiddleware, url: str, **kwargs: Any) -> str | None:
    """The reason ``mw`` refuses ``url`` with, or None when the request may go out."""
    try:
        asyncio.run(mw.process_request(Request(url, **kwargs)))
    except IgnoreRequest as exc:
        return str(exc).split("(", 1)[1].split(")", 1)[0]
    return None


# -- URLs ------------------------------------------------------------------------------

REFUSED_URLS = [
    # other schemes
    ("ftp://jxxznews.zjol.com.cn/xznews/", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("data:text/html,<a href=x>", "scheme"),
    ("s3://bucket/key", "scheme"),
    ("gopher://jxxznews.zjol.com.cn/", "scheme"),
    # other hosts, sister sites and subdomains included
    ("http://nhnews.zjol.com.cn/", "offsite"),
    ("http://www.jxxznews.zjol.com.cn/xznews/", "offsite"),
    ("http://jxxznews.zjol.com.cn.evil.example/xznews/", "offsite"),
    ("http://jxxznews.zjol.com.cn./xznews/", "offsite"),
    ("http://internal.example/xznews/", "offsite"),
    ("http://localhost/xznews/", "offsite"),
    # IP literals, public ones too, in every notation a resolver accepts
    ("http://127.0.0.1/xznews/", "ip_literal"),
    ("http://10.0.0.8/xznews/", "ip_literal"),
    ("http://169.254.169.254/latest/meta-data/", "ip_literal"),
    ("http://8.8.8.8/", "ip_literal"),
    ("http://2130706433/", "ip_literal"),
    ("http://0x7f.0.0.1/", "ip_literal"),
    ("http://127.1/", "ip_literal"),
    ("http://[::1]/", "ip_literal"),
    ("http://[::ffff:127.0.0.1]/", "ip_literal"),
    ("http://[fe80::1%25eth0]/", "ip_literal"),
    ("https://[2001:db8::1]:443/", "ip_literal"),
    # the portal's host on another port, or behind a user@
    ("http://jxxznews.zjol.com.cn:22/xznews/", "port"),
    ("https://jxxznews.zjol.com.cn:8443/xznews/", "port"),
    ("http://user:pw@jxxznews.zjol.com.cn/xznews/", "userinfo"),
    ("http://jxxznews.zjol.com.cn@127.0.0.1/xznews/", "userinfo"),
]
ALLOWED_URLS = [
    f"{SITE}/",
    HOME,
    f"{SITE}:80/xznews/xwzx/index_2.shtml",
    f"https://{HOST}/xznews/",
    "http://JXXZNEWS.zjol.com.cn/xznews/",
    f"{SITE}/xznews/system/2010/12/29/013095123.shtml?x=1#top",
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_URLS)
def test_requests_off_the_portal_are_refused_before_download(tmp_path, url, reason):
    mw = middleware(tmp_path)
    assert refusal(mw, url) == reason
    assert mw.stats.get_value(f"containment/refused/{reason}") == 1
    assert mw.stats.get_value("containment/refused_urls") == [Request(url).url]


@pytest.mark.parametrize("url", ALLOWED_URLS)
def test_requests_to_the_portal_go_out(tmp_path, url):
    assert refusal(middleware(tmp_path), url) is None


def test_dont_filter_and_allow_offsite_do_not_exempt_a_request(tmp_path):
    # OffsiteMiddleware lets both through: retries and redirects of retries set dont_filter.
    mw = middleware(tmp_path)
    assert refusal(mw, "http://169.254.169.254/", dont_filter=True) == "ip_literal"
    assert refusal(mw, "http://evil.example/", meta={"allow_offsite": True}) == "offsite"


# -- names and the addresses they resolve to ---------------------------------------------


@pytest.mark.parametrize(
    ("addresses", "reason"),
    [
        (["1.2.3.4"], None),
        (["1.2.3.4", "2606:4700::1111"], None),
        (["127.0.0.1"], "loopback"),
        (["127.8.9.10"], "loopback"),
        (["::1"], "loopback"),
        (["10.0.0.8"], "private"),
        (["1.2.3.4", "192.168.1.1"], "private"),
        (["172.16.5.4"], "private"),
        (["fd00::1"], "private"),
        (["::ffff:192.168.1.1"], "private"),
        (["2002:c0a8:101::1"], "private"),  # 6to4 of 192.168.1.1
        (["169.254.169.254"], "link_local"),
        (["fe80::1"], "link_local"),
        (["224.0.0.1"], "multicast"),
        (["ff02::1"], "multicast"),
        (["0.0.0.0"], "unspecified"),
        (["::"], "unspecified"),
        (["100.64.0.1"], "reserved"),  # carrier-grade NAT
        (["240.0.0.1"], "reserved"),
        (["198.18.0.1"], "private"),  # benchmarking
        (["not-an-address"], "reserved"),
        ([], "unresolvable"),
    ],
)
def test_the_portal_name_must_resolve_to_public_addresses_only(tmp_path, addresses, reason):
    mw = middleware(tmp_path, resolver=lambda host: addresses)
    assert refusal(mw, HOME) == reason


def test_a_name_that_does_not_resolve_is_refused_and_asked_again(tmp_path):
    answers: list[Any] = [socket.gaierror(socket.EAI_NONAME, "no"), ["1.2.3.4"]]
    calls: list[str] = []

    def flaky(host: str) -> list[str]:
        calls.append(host)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    mw = middleware(tmp_path, resolver=flaky)
    assert refusal(mw, HOME) == "unresolvable"
    assert refusal(mw, HOME) is None  # the failure was not cached
    assert refusal(mw, f"{SITE}/xznews/xwzx/") is None  # the success was
    assert calls == [HOST, HOST]


def scrapy_resolves(host: str) -> str:
    """What Scrapy's default resolver answers for ``host`` from its cache (no DNS query)."""
    assert host in scrapy.resolver.dnscache, "not cached: Scrapy would ask the DNS again"
    answers: list[str] = []
    CachingThreadedResolver(object(), cache_size=0, timeout=1).getHostByName(host).addCallback(answers.append)
    return answers[0]


def test_the_address_checked_is_the_address_the_downloader_connects_to(tmp_path):
    """DNS rebinding: a public answer to the check, then a private one to the downloader."""
    answers = [["2606:4700::1", "1.2.3.4"], ["10.0.0.8"]]
    mw = middleware(tmp_path, resolver=lambda host: answers.pop(0))
    assert refusal(mw, HOME) is None
    assert scrapy_resolves(HOST) == "1.2.3.4"  # DNSCACHE_ENABLED or not: the cache is read first
    assert answers == [["10.0.0.8"]]  # never asked again


def test_a_refused_or_ipv6_only_name_is_not_pinned(tmp_path):
    assert refusal(middleware(tmp_path, resolver=lambda host: ["10.0.0.8"]), HOME) == "private"
    assert HOST not in scrapy.resolver.dnscache
    assert refusal(middleware(tmp_path, resolver=lambda host: ["2606:4700::1"]), HOME) is None
    assert HOST not in scrapy.resolver.dnscache  # Scrapy's default resolver is IPv4 only anyway


def test_localhost_through_the_system_resolver_is_loopback(tmp_path):
    # /etc/hosts answers localhost: no DNS server is asked.
    assert "127.0.0.1" in system_resolve("localhost")
    mw = middleware(tmp_path, resolver=system_resolve, SITE_HOST="localhost")
    assert refusal(mw, "http://localhost/xznews/") == "loopback"


def test_the_resolver_comes_from_settings(tmp_path):
    crawler = get_crawler(
        _Spider,
        unit_settings(
            tmp_path, CONTAINMENT_RESOLVER="tests.test_downloadermiddleware_containment.private_resolve"
        ),
    )
    mw = ContainmentMiddleware.from_crawler(crawler)
    assert mw.resolver is private_resolve
    assert refusal(mw, HOME) == "private"
    default = ContainmentMiddleware.from_crawler(get_crawler(_Spider, unit_settings(tmp_path)))
    assert default.resolver is system_resolve


def test_allow_private_skips_resolution_but_not_the_url_checks(tmp_path):
    def no_dns(host: str) -> list[str]:
        raise AssertionError("resolved a name although CONTAINMENT_ALLOW_PRIVATE is on")

    mw = middleware(tmp_path, resolver=no_dns, CONTAINMENT_ALLOW_PRIVATE=True)
    assert refusal(mw, HOME) is None
    assert refusal(mw, "http://127.0.0.1/") == "ip_literal"
    assert refusal(mw, "ftp://jxxznews.zjol.com.cn/") == "scheme"
    # A test server given as SITE_HOST by address is the one IP literal allowed.
    local = middleware(tmp_path, resolver=no_dns, CONTAINMENT_ALLOW_PRIVATE=True, SITE_HOST="127.0.0.1")
    assert refusal(local, "http://127.0.0.1/xznews/") is None


def test_replay_allows_private_addresses(tmp_path):
    from crawler.spiders.xiuzhou import REPLAY_SETTINGS

    assert REPLAY_SETTINGS["CONTAINMENT_ALLOW_PRIVATE"] is True


def test_off_when_its_setting_is(tmp_path):
    with pytest.raises(NotConfigured):
        ContainmentMiddleware.from_crawler(
            get_crawler(_Spider, unit_settings(tmp_path, CONTAINMENT_ENABLED=False))
        )


# -- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/admin",
        "http://jxxznews.zjol.com.cn:22/",
        "http://evil.example/",
        "file:///etc/passwd",
    ],
)
def test_redirects_and_meta_refreshes_are_contained_too(tmp_path, location):
    """The request a redirect or a meta refresh makes passes through the middleware again."""
    crawler = get_crawler(_Spider, unit_settings(tmp_path))
    crawler.spider = crawler._create_spider()
    mw = ContainmentMiddleware.from_crawler(crawler)
    mw.resolver = fake_resolve
    request = Request(HOME, dont_filter=True)  # as a retry: OffsiteMiddleware would not look
    redirected = RedirectMiddleware.from_crawler(crawler).process_response(
        request, Response(HOME, status=302, headers={"Location": location}, request=request)
    )
    refresh = HtmlResponse(
        HOME, body=f'<meta http-equiv="refresh" content="0;url={location}">'.encode(), request=request
    )
    refreshed = MetaRefreshMiddleware.from_crawler(crawler).process_response(request, refresh)
    for follow in (redirected, refreshed):
        if isinstance(follow, Request):  # Scrapy itself stops non-http(s) redirects
            assert follow.dont_filter
            assert refusal(mw, follow.url) is not None


# -- a live crawl through a recording proxy ---------------------------------------------------

# Links of the home page to everything the crawler must never request.
FORBIDDEN_LINKS = [url for url, _ in REFUSED_URLS] + [
    "javascript:location='http://10.0.0.8/'",
    "mailto:root@localhost",
]
# Portal pages (shaped like sections and articles, so the spider follows them)
# that redirect, or refresh, to forbidden targets.
REDIRECTS = {
    f"{SITE}/xznews/redir/port/": "http://jxxznews.zjol.com.cn:22/xznews/",
    f"{SITE}/xznews/redir/metadata/": "http://169.254.169.254/latest/meta-data/",
    f"{SITE}/xznews/redir/loopback/": "http://127.0.0.1:8080/xznews/",
    f"{SITE}/xznews/redir/ftp/": "ftp://jxxznews.zjol.com.cn/xznews/",
    f"{SITE}/xznews/redir/sister/": "http://nhnews.zjol.com.cn/",
    f"{SITE}/xznews/system/2019/07/15/099999901.shtml": "http://[::1]/xznews/",
}
# Answered 503 first: Scrapy's retry sets dont_filter, which exempts the retry and
# the redirect it gets from OffsiteMiddleware.
RETRIED_REDIRECTS = [f"{SITE}/xznews/redir/metadata/", f"{SITE}/xznews/redir/loopback/"]
META_REFRESH = f"{SITE}/xznews/redir/refresh/"
META_REFRESH_TARGET = "http://jxxznews.zjol.com.cn:8080/xznews/"
# An article whose ids and names look like paths.
HOSTILE_ARTICLE = f"{SITE}/xznews/system/2019/07/15/099999902.shtml"
SEED_ARTICLE = f"{SITE}/xznews/system/2010/12/29/013095123.shtml"


def hostile_snapshot(root: Path) -> DerivedSnapshot:
    snapshot = DerivedSnapshot(root)
    links = "".join(f'<a href="{url}">x</a>\n' for url in [*FORBIDDEN_LINKS, *REDIRECTS, META_REFRESH])
    links += f'<a href="{HOSTILE_ARTICLE}">hostile</a>\n'
    snapshot.edit(HOME, lambda page: page.replace("</BODY>", f"<P>{links}</P></BODY>"))
    for url, target in REDIRECTS.items():
        snapshot.manifest["records"].append(
            {
                "url": url,
                "status": 302,
                "headers": [["Location", target], ["Content-Type", "text/html"]],
                "file": None,
                "encoding": None,
            }
        )
    snapshot.add(
        META_REFRESH,
        f'<html><head><meta http-equiv="refresh" content="0;url={META_REFRESH_TARGET}"></head>'
        "<body>moved</body></html>",
    )
    seed = snapshot.read(SEED_ARTICLE)
    hostile = (
        seed.replace(
            "<articleid>13095123</articleid>", "<articleid>../../../../tmp/xiuzhou-pwned</articleid>"
        )
        .replace("<nodename>先锋视点</nodename>", "<nodename>../../../pwned</nodename>")
        .replace("<title>“一联三会”", "<title>../../../../etc/passwd “一联三会”")
    )
    assert hostile != seed
    snapshot.add(HOSTILE_ARTICLE, hostile)
    return snapshot


def live_crawl(work: Path, resolver: str, *proxy_args: str) -> tuple[Any, list[dict[str, Any]], Path]:
    warc = hostile_snapshot(work / "portal").pack(work / "hostile.warc.gz")
    output = work / "out" / "articles.jsonl"
    log = work / "proxy.jsonl"
    with run_fault_proxy("--warc", warc, "--log", log, *proxy_args) as proxy:
        settings = {
            "ARTICLES_OUTPUT": output,
            "CONTAINMENT_RESOLVER": resolver,
            "DOWNLOAD_DELAY": "0",
            "AUTOTHROTTLE_ENABLED": "False",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        }
        proc = run_crawl(settings, env={"http_proxy": proxy}, timeout=120)
    return proc, read_log(log), output


@pytest.fixture(scope="module")
def contained(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("containment")
    fail_first = [arg for url in RETRIED_REDIRECTS for arg in ("--fail-first", url)]
    proc, requests, output = live_crawl(
        work, "tests.test_downloadermiddleware_containment.fake_resolve", *fail_first
    )
    return proc, requests, output, work


def _on_portal(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.hostname == HOST and parts.port in (None, 80)


def test_the_crawl_requested_nothing_but_the_portal(contained):
    proc, requests, _, _ = contained
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert requests, "the proxy saw no request"
    assert HOME in {r["url"] for r in requests}
    assert [r["url"] for r in requests if not _on_portal(r["url"])] == []


def test_the_crawl_followed_the_redirecting_pages_and_refused_their_targets(contained):
    _, requests, output, _ = contained
    asked = [r["url"] for r in requests]
    for url in [*REDIRECTS, META_REFRESH]:
        assert url in asked, url
    stats = json_report(output)["stats"]
    assert stats["containment/refused/port"] >= 2  # the :22 redirect and the :8080 refresh
    assert stats["containment/refused/ip_literal"] >= 2  # the retried redirects, dont_filter set
    refused = stats["containment/refused_urls"]
    for target in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8080/xznews/"):
        assert target in refused


def test_hostile_ids_do_not_steer_output_paths(contained):
    _, _, output, work = contained
    records = {record["url"]: record for record in read_jsonl(output)}
    assert records[HOSTILE_ARTICLE]["article_id"] == "99999902"  # from the URL: the enp id is no number
    assert records[HOSTILE_ARTICLE]["section"] == "../../../pwned"  # kept as text, never a path
    assert not Path("/tmp/xiuzhou-pwned").exists()
    assert_fixed_output_files(output)
    assert not [p for p in work.rglob("*") if "pwned" in p.name or "passwd" in p.name]


def test_a_portal_name_resolving_to_a_private_address_is_never_requested(tmp_path):
    proc, requests, output = live_crawl(
        tmp_path, "tests.test_downloadermiddleware_containment.private_resolve"
    )
    assert requests == []
    stats = json_report(output)["stats"]
    assert stats["containment/refused/private"] >= 1
    assert f"{HOST} resolves to 10.0.0.8 (private)" in proc.stderr


def json_report(output: Path) -> dict[str, Any]:
    reports = sorted((output.parent / "reports").glob("*.json"))
    assert reports, "the run wrote no report"
    return json.loads(reports[-1].read_text("utf-8"))


# -- output paths ----------------------------------------------------------------------------


def assert_fixed_output_files(output: Path) -> None:
    """Everything under the output's folder has a fixed name (reports are named by run id)."""
    names = {p.relative_to(output.parent).as_posix() for p in output.parent.rglob("*") if p.is_file()}
    fixed = {
        output.name,
        "rejected.jsonl",
        ".crawl.lock",
        f".state/{output.name}.index.json",
        f".state/{output.name}.pending.jsonl",
    }
    reports = {name for name in names if name.startswith("reports/") and name.endswith(".json")}
    assert names - reports <= fixed, names - reports - fixed
    assert all(len(Path(name).stem) < 40 for name in reports)


HOSTILE_VALUES = [
    "../../../../tmp/xiuzhou-pwned",
    "/etc/passwd",
    "..\\..\\windows\\system32",
    "a/b/c",
    "nul\x00byte",
    "x" * 300,
    "CON",
]


def _record(n: int, value: str, article_id: str) -> ArticleRecord:
    return ArticleRecord(
        url=f"{SITE}/xznews/system/2019/07/15/0{n:08d}.shtml?f={value}",
        article_id=article_id,
        site=HOST,
        title=value,
        published_at="2019-07-15T00:00:00+08:00",
        section=value,
        paragraphs=[value],
        content_hash=f"{n:064x}",
        crawled_at="2019-07-15T00:00:00Z",
    )


def test_pipelines_write_fixed_file_names_whatever_the_records_say(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "out" / "articles.jsonl"
    crawler = get_crawler(_Spider, unit_settings(tmp_path, ARTICLES_OUTPUT=str(output)))
    validate, dedup, writer = (
        cls.from_crawler(crawler) for cls in (ValidatePipeline, DedupPipeline, JsonLinesWriterPipeline)
    )
    writer.open_spider()
    for n, value in enumerate(HOSTILE_VALUES, 1):
        # A path for an id: rejected by the schema (its reason goes to rejected.jsonl).
        with pytest.raises(DropItem):
            validate.process_item(_record(n, value, article_id=value))
        # A path in the URL's query, the title, the section: written as text.
        record = _record(100 + n, value.replace("\x00", ""), article_id=str(100 + n))
        writer.process_item(dedup.process_item(validate.process_item(record)))
    writer.close_spider()
    assert crawler.stats.get_value("output/rejected") == len(HOSTILE_VALUES)
    assert crawler.stats.get_value("output/written") == len(HOSTILE_VALUES)
    assert_fixed_output_files(output)
    everything = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")}
    assert everything == {
        "out",
        "out/articles.jsonl",
        "out/rejected.jsonl",
        "out/.state",
        f"out/.state/{output.name}.index.json",
    }, everything
    assert not Path("/tmp/xiuzhou-pwned").exists()


@pytest.mark.parametrize(
    ("ip_address", "meta", "settings", "refused_as"),
    [
        ("1.2.3.4", {}, {}, None),
        ("10.0.0.8", {}, {}, "answered_from_private"),  # rebinding, or a handler resolving on its own
        ("127.0.0.1", {}, {}, "answered_from_loopback"),
        ("::ffff:169.254.169.254", {}, {}, "answered_from_link_local"),
        ("127.0.0.1", {"proxy": "http://127.0.0.1:3128"}, {}, None),  # the proxy's address: configuration
        ("127.0.0.1", {}, {"CONTAINMENT_ALLOW_PRIVATE": True}, None),
        (None, {}, {}, None),  # no peer: replayed, cached
    ],
)
def test_an_answer_from_a_refused_address_is_dropped(tmp_path, ip_address, meta, settings, refused_as):
    mw = middleware(tmp_path, **settings)
    request = Request(HOME, meta=meta)
    response = HtmlResponse(
        HOME,
        body=b"<html></html>",
        request=request,
        ip_address=ipaddress.ip_address(ip_address) if ip_address else None,
    )
    if refused_as is None:
        assert mw.process_response(request, response) is response
        assert mw.stats.get_value("containment/refused") is None
    else:
        with pytest.raises(IgnoreRequest, match=refused_as):
            mw.process_response(request, response)
        assert mw.stats.get_value(f"containment/refused/{refused_as}") == 1
