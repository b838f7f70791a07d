"""Hostile pages: mutated snapshot pages never crash extraction, and each ends counted.

Property-based (hypothesis): the snapshot's article and listing pages are
truncated anywhere, have tags dropped or left unbalanced, come in the wrong
encoding (with or without a matching declaration), carry huge attributes,
deep nesting, binary garbage, forged ENP markers and floods of one unclosed
marker; the normalisers get
arbitrary text.  For every case the real spider callback runs, and

- it raises nothing;
- an article page ends as a record valid against the schema, or as a
  counted rejection with its reason: ``article/failed`` with the spider's
  "No article found" warning, or ``ValidatePipeline``'s ``output/rejected``
  with the schema errors written to ``rejected.jsonl``;
- every request it yields is on the portal.

The profile is derandomized (the same cases on every run, so CI is
reproducible) with no deadline; the case counts are the ``*_CASES``
constants below (1,250 in all).
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler import normalize
from crawler.items import RECORD_FIELDS, ArticleRecord
from crawler.loaders import ArticleLoader, assemble_article
from crawler.pipelines.validate import ValidatePipeline, record_dict, record_errors
from crawler.portal import PageKind, Portal
from crawler.spiders.xiuzhou import XiuzhouSpider
from tests import PORTAL_DIR, project_settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

ARTICLE_CASES = 600
LISTING_CASES = 250
LOADER_CASES = 100
NORMALIZER_CASES = 300  # in all, over the normalisers

HOSTILE = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

_MANIFEST = json.loads((PORTAL_DIR / "manifest.json").read_text("utf-8"))["records"]


def _pages(kind: PageKind) -> list[tuple[str, bytes]]:
    from scrapy.settings import Settings

    project = Settings()
    project.setmodule("crawler.settings")
    portal = Portal.from_settings(project)
    pages = []
    for record in _MANIFEST:
        if record["status"] != 200 or not (record.get("file") or "").endswith(("shtml", "html")):
            continue
        if portal.kind(record["url"]) is kind:
            text = (PORTAL_DIR / record["file"]).read_text("utf-8")
            pages.append((record["url"], text.encode("gbk")))  # as served: GBK bytes
    return pages


ARTICLE_PAGES = _pages(PageKind.ARTICLE)
LISTING_PAGES = _pages(PageKind.LISTING) + _pages(PageKind.HOME)


# -- mutations -----------------------------------------------------------------------------

_TAG_RE = re.compile(rb"<[^<>]{0,200}>")
_MARKUP = [
    b"<div>",
    b"</div>",
    b"<p>",
    b"</p>",
    b"<table><tr><td>",
    b"</td></tr></table>",
    b"</body>",
    b"<html>",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"<script>",
    b"</script>",
    b"<style>",
    b"<a href='",
    b'"',
    b"<!--enpcontent-->",
    b"<!--/enpcontent-->",
    b"<!--enpproperty <articleid>0x1f</articleid><date>9999-99-99</date><title>",
    b"/enpproperty-->",
    b"<span id=author_baidu>",
    "作者：".encode("gbk"),
    "您当前的位置：首页 >".encode("gbk"),
    "相关稿件".encode("gbk"),
    b"<img src=''>",
    b"<img src='javascript:alert(1)'>",
    b"<a href='http://169.254.169.254/'>x</a>",
    b"<a href='file:///etc/passwd'>x</a>",
    b"<a href='http://[bad/'>x</a>",
    b"<img src='http://[::1'>",
    b"<a href='/xznews/system/2010/12/29/013095123_99.shtml'>x</a>",
    b"<base href='http://127.0.0.1/'>",
]
_FLOOD_MARKERS = [b"<!--enpcontent-->", b"<!--enpproperty ", b"<a>", b"<title>", b"<!--", b"<p>"]
_ENCODINGS = ["utf-8", "utf-16", "utf-16-be", "big5", "shift_jis", "latin-1", "gb2312", "cp1252", "koi8-r"]
_CHARSETS = [b"utf-8", b"gbk", b"gb2312", b"big5", b"iso-8859-1", b"utf-16", b"x-unknown", b"", b"\xff\xfe"]


def _at(body: bytes, fraction: float) -> int:
    return int(len(body) * fraction)


@st.composite
def mutation(draw: st.DrawFn) -> Callable[[bytes], bytes]:
    """One change to a page's bytes."""
    kind = draw(
        st.sampled_from(
            [
                "truncate",
                "drop_tags",
                "insert_markup",
                "reencode",
                "charset",
                "huge_attribute",
                "deep_nesting",
                "garbage",
                "overwrite",
                "delete_range",
                "flood",
            ]
        )
    )
    where = draw(st.floats(0, 1))
    if kind == "truncate":
        return lambda body: body[: _at(body, where)]
    if kind == "drop_tags":
        picks = draw(st.lists(st.integers(0, 10_000), min_size=1, max_size=20))

        def drop(body: bytes) -> bytes:
            tags = list(_TAG_RE.finditer(body))
            if not tags:
                return body
            doomed = sorted({tags[i % len(tags)].span() for i in picks}, reverse=True)
            for start, end in doomed:
                body = body[:start] + body[end:]
            return body

        return drop
    if kind == "insert_markup":
        pieces = draw(st.lists(st.sampled_from(_MARKUP), min_size=1, max_size=8))
        return lambda body: body[: _at(body, where)] + b"".join(pieces) + body[_at(body, where) :]
    if kind == "reencode":
        encoding = draw(st.sampled_from(_ENCODINGS))
        return lambda body: body.decode("gbk", "replace").encode(encoding, "replace")
    if kind == "charset":
        charset = draw(st.sampled_from(_CHARSETS))
        return lambda body: re.sub(rb"charset=[\w-]+", b"charset=" + charset, body, count=1)
    if kind == "huge_attribute":
        size = draw(st.integers(1_000, 300_000))
        attribute = draw(st.sampled_from([b"title", b"href", b"style", b"class", b"id", b"src"]))
        tag = b"<a " + attribute + b'="' + b"\xb7\xe7" * (size // 2) + b'">x</a>'
        return lambda body: body[: _at(body, where)] + tag + body[_at(body, where) :]
    if kind == "deep_nesting":
        depth = draw(st.integers(100, 5_000))
        tag = draw(st.sampled_from([b"div", b"span", b"font", b"p", b"table", b"td", b"b"]))
        opening, closing = b"<" + tag + b">", b"</" + tag + b">"
        closed = draw(st.booleans())
        nest = opening * depth + "深".encode("gbk") + (closing * depth if closed else b"")
        return lambda body: body[: _at(body, where)] + nest + body[_at(body, where) :]
    if kind == "garbage":
        garbage = draw(st.binary(min_size=1, max_size=1_024))
        return lambda body: body[: _at(body, where)] + garbage + body[_at(body, where) :]
    if kind == "overwrite":
        garbage = draw(st.binary(min_size=1, max_size=256))
        return lambda body: body[: _at(body, where)] + garbage + body[_at(body, where) + len(garbage) :]
    if kind == "flood":  # thousands of one unclosed marker: no quadratic regex may choke on it
        marker = draw(st.sampled_from([*_FLOOD_MARKERS, *_MARKUP]))
        flood = marker * draw(st.integers(1_000, 8_000))
        return lambda body: body[: _at(body, where)] + flood + body[_at(body, where) :]
    length = draw(st.floats(0, 0.5))
    return lambda body: body[: _at(body, where)] + body[_at(body, where + length) :]


@st.composite
def hostile_page(draw: st.DrawFn, pages: list[tuple[str, bytes]]) -> tuple[str, bytes, dict[str, str]]:
    url, body = draw(st.sampled_from(pages))
    for change in draw(st.lists(mutation(), min_size=1, max_size=3)):
        body = change(body)
    headers = draw(
        st.sampled_from(
            [
                {"Content-Type": "text/html"},
                {},
                {"Content-Type": "text/html; charset=utf-8"},
                {"Content-Type": "text/html; charset=gbk"},
                {"Content-Type": "text/html; charset=bogus"},
                {"Content-Type": "application/octet-stream"},
            ]
        )
    )
    return url, body, headers


# -- the real spider, pipeline and counters ----------------------------------------------------


class Harness:
    """The spider and ValidatePipeline of one crawler, and the counts they keep."""

    def __init__(self, tmp_path: Path) -> None:
        self.output = tmp_path / "articles.jsonl"
        settings = project_settings(EXTENSIONS={}, ITEM_PIPELINES={}, ARTICLES_OUTPUT=str(self.output))
        self.crawler = get_crawler(XiuzhouSpider, settings)
        self.spider: XiuzhouSpider = self.crawler._create_spider()
        self.crawler.spider = self.spider
        self.validate = ValidatePipeline.from_crawler(self.crawler)
        self.rejected = self.output.parent / "rejected.jsonl"
        # The spider's warnings: a page without an article is counted and logged.
        self.warnings: list[str] = []
        handler = logging.Handler(logging.WARNING)
        handler.emit = lambda record: self.warnings.append(record.getMessage())  # type: ignore[method-assign]
        logging.getLogger("crawler.spiders.xiuzhou").addHandler(handler)

    def stat(self, key: str) -> int:
        return int(self.crawler.stats.get_value(key, 0))

    def response(self, url: str, body: bytes, headers: dict[str, str], kind: str) -> Response:
        from scrapy.responsetypes import responsetypes

        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        return cls(url=url, body=body, headers=headers, request=Request(url, meta={"kind": kind}))

    def run(
        self, callback: Callable[[Any], Iterator[Any]], response: Response
    ) -> tuple[list[Request], list[Any]]:
        self.spider._yielded.clear()
        requests, items = [], []
        for output in callback(response):
            (requests if isinstance(output, Request) else items).append(output)
        return requests, items

    def assert_on_portal(self, requests: list[Request]) -> None:
        for request in requests:
            assert self.spider.portal.is_on_portal(request.url), request.url


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    return Harness(tmp_path_factory.mktemp("hostile"))


def _rejected_lines(path: Path) -> int:
    return len(path.read_bytes().splitlines()) if path.exists() else 0


def settle_article(harness: Harness, url: str, requests: list[Request], items: list[Any]) -> list[Any]:
    """Follow a multi-page article's next page as missing (404): the pages read so far make the record."""
    parts = [r for r in requests if r.callback == harness.spider.parse_article_part]
    while parts and not items:
        part = parts[0]
        missing = Response(part.url, status=404, request=part)
        more, items = harness.run(harness.spider.parse_article_part, missing)
        parts = [r for r in more if r.callback == harness.spider.parse_article_part]
    return items


def article_outcome(harness: Harness, url: str, body: bytes, headers: dict[str, str]) -> str:
    """Run the spider on one article page and check how it ended; return the outcome."""
    response = harness.response(url, body, headers, kind="article")
    failed, rejected = harness.stat("article/failed"), harness.stat("output/rejected")
    lines = _rejected_lines(harness.rejected)
    harness.warnings.clear()
    requests, items = harness.run(harness.spider.parse_article, response)
    harness.assert_on_portal([r for r in requests if r.callback != harness.spider.parse_article_part])
    items = items or settle_article(harness, url, requests, items)
    if not isinstance(response, TextResponse) or not items:
        # Counted, with its reason in the log.
        assert harness.stat("article/failed") == failed + 1
        if isinstance(response, TextResponse):
            assert f"No article found on {url} (template changed?)" in harness.warnings
        return "article/failed (no article found)"
    (item,) = items
    assert isinstance(item, ArticleRecord)
    errors = record_errors(record_dict(item))
    if not errors:
        assert harness.validate.process_item(item) is item
        return "valid record"
    with pytest.raises(DropItem, match="Invalid record"):
        harness.validate.process_item(item)
    assert harness.stat("output/rejected") == rejected + 1
    assert _rejected_lines(harness.rejected) == lines + 1
    last = json.loads(harness.rejected.read_bytes().splitlines()[-1])
    assert last["url"] == item.url
    assert last["reason"] == "; ".join(errors)
    return "rejected by the schema"


@settings(HOSTILE, max_examples=ARTICLE_CASES)
@given(case=hostile_page(ARTICLE_PAGES))
def test_a_hostile_article_page_ends_as_a_valid_record_or_a_counted_rejection(harness, case):
    event(f"outcome: {article_outcome(harness, *case)}")


SEED = "http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml"
FLOODS = {
    "enpcontent markers": b"<!--enpcontent-->" * 100_000,
    "enpproperty markers": b"<!--enpproperty " * 100_000,
    "unclosed tags in enpproperty": b"<!--enpproperty " + b"<a>" * 100_000 + b"/enpproperty-->",
    "site names in the title": "<title>标题".encode("gbk") + "-新闻网".encode("gbk") * 20_000 + b"</title>",
    "a long path before a later page's name": b"<script>x='"
    + b"/a" * 500_000
    + b"013095123_01.shtml'</script>",
}


@pytest.mark.timeout(60)  # a quadratic reading of these pages takes many minutes
@pytest.mark.parametrize("flood", FLOODS, ids=list(FLOODS))
def test_a_page_flooded_with_one_marker_is_read_like_any_other(harness, flood):
    """Deterministic, larger floods than the property test draws: each once broke a regex."""
    # Without its ENP end markers (a cut page): no end follows the flood's markers.
    body = dict(ARTICLE_PAGES)[SEED].replace(b"/enpproperty-->", b"").replace(b"<!--/enpcontent-->", b"")
    end = body.index(b"</BODY>")
    outcome = article_outcome(harness, SEED, body[:end] + FLOODS[flood] + body[end:], {})
    assert outcome in ("valid record", "rejected by the schema", "article/failed (no article found)")


LAST_LISTING = "http://jxxznews.zjol.com.cn/xznews/xwzx/index_2.shtml"
LISTING_FLOODS = {
    # A million characters a page name may hold, then one: a path searched back from each
    # name, not forward from each character.
    "a long name before a page": b"<script>var x='" + b"a" * 1_000_000 + b"index_9.shtml';</script>",
    "a long name, no page": b"<script>var x='" + b"/a" * 500_000 + b"';</script>",
    "page names": b"<script>" + b"go('index_1.shtml');" * 100_000 + b"</script>",
}


@pytest.mark.timeout(60)  # a quadratic reading of these pages takes many minutes
@pytest.mark.parametrize("flood", LISTING_FLOODS, ids=list(LISTING_FLOODS))
def test_a_last_listing_page_flooded_with_page_names_is_read_like_any_other(harness, flood):
    """The last page of a section links no later page, so its source is searched for one."""
    body = dict(LISTING_PAGES)[LAST_LISTING]
    end = body.index(b"</BODY>")
    response = harness.response(LAST_LISTING, body[:end] + LISTING_FLOODS[flood] + body[end:], {}, "listing")
    requests, items = harness.run(harness.spider.parse_page, response)
    assert items == []
    harness.assert_on_portal(requests)
    # A page name with a path a million characters long is no page of this section.
    assert not [r.url for r in requests if "/xwzx/index_" in r.url]


@settings(HOSTILE, max_examples=LISTING_CASES)
@given(case=hostile_page(LISTING_PAGES))
def test_a_hostile_listing_page_yields_only_portal_requests(harness, case):
    url, body, headers = case
    response = harness.response(url, body, headers, kind="listing")
    requests, items = harness.run(harness.spider.parse_page, response)
    assert items == []
    harness.assert_on_portal(requests)


# -- the loader and the normalisers ------------------------------------------------------------

_hostile_text = st.one_of(
    st.text(),
    st.text(
        alphabet=st.sampled_from(
            "记者通讯员摄影编辑来源作者：: 　\u200b\ufeff>＞【】()（）年月日时分0123456789-./"
        )
    ),
    st.binary(max_size=200).map(lambda b: b.decode("gbk", "replace")),
    st.sampled_from(["", " ", "\x00", "\ud7ff", "\U0010ffff", "19119年7月15日", "a" * 10_000]),
)


@settings(HOSTILE, max_examples=LOADER_CASES)
@given(values=st.fixed_dictionaries(dict.fromkeys(("title", "byline", "source", "editor"), _hostile_text)))
def test_the_loader_turns_any_text_into_a_record_the_schema_judges(values):
    loader = ArticleLoader()
    loader.add_value("url", "http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml")
    loader.add_value("article_id", "13095123")
    loader.add_value("site", "jxxznews.zjol.com.cn")
    for name, value in values.items():
        loader.add_value(name, value)
    loader.add_value("reporters", values["byline"])
    loader.add_value("published_at", values["title"])
    loader.add_value("paragraphs", [values["title"], values["byline"]])
    loader.add_value("related", [{"url": values["source"], "title": values["editor"]}])
    loader.add_value("crawled_at", "2019-07-15T00:00:00Z")
    record = record_dict(assemble_article([loader.load_item()]))
    assert list(record) == list(RECORD_FIELDS)
    errors = record_errors(record)  # the schema's verdict, never an exception
    assert all(isinstance(error, str) and error for error in errors)
    for name in ("title", "byline", "source", "editor"):
        value = record[name]
        assert value is None or (value == value.strip() and "  " not in value and value)


_TEXT_FUNCTIONS: list[tuple[Callable[[Any], Any], Callable[[Any], bool]]] = [
    (normalize.collapse_whitespace, lambda out: out == normalize.collapse_whitespace(out)),
    (normalize.drop_empty, lambda out: out is None or bool(out.strip())),
    (normalize.unpad_name, lambda out: not re.search(r"\s", out)),
    (normalize.split_names, lambda out: all(name and name == name.strip() for name in out)),
    (normalize.split_byline, lambda out: all(name for names in out for name in names)),
    (normalize.parse_metadata_line, lambda out: all(isinstance(v, str) and v for v in out.values())),
    (normalize.split_keywords, lambda out: all(word for word in out)),
    (normalize.strip_site_suffix, lambda out: isinstance(out, str)),
    (normalize.split_breadcrumb, lambda out: all(crumb for crumb in out)),
    (normalize.parse_enpproperty, lambda out: all(isinstance(v, str) and v for v in out.values())),
    (normalize.is_toolbar_text, lambda out: isinstance(out, bool)),
    (
        normalize.parse_published_at,
        lambda out: out is None or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", out),
    ),
    (normalize.canonical_url, lambda out: isinstance(out, str)),
    (normalize.is_article_url, lambda out: isinstance(out, bool)),
    (normalize.article_id_from_url, lambda out: out is None or re.fullmatch(r"[1-9]\d*", out)),
    (normalize.article_part, lambda out: out is None or (isinstance(out[0], str) and out[1] >= 0)),
    (normalize.listing_page_number, lambda out: out is None or out >= 0),
]
_url_text = st.one_of(
    _hostile_text,
    st.builds(
        lambda scheme, host, path: f"{scheme}://{host}{path}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
        st.sampled_from(
            ["jxxznews.zjol.com.cn", "[::1]", "[bad", "a:b:c", "x" * 300, "%00", "user@host:99999"]
        ),
        st.text(max_size=80),
    ),
)


@settings(HOSTILE, max_examples=NORMALIZER_CASES)
@given(case=st.tuples(st.sampled_from(_TEXT_FUNCTIONS), st.one_of(_url_text, st.none())))
def test_normalisers_take_any_text(case):
    (function, holds), text = case
    out = function(text)
    assert holds(out), (function.__name__, text, out)
