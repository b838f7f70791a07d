"""Crawler traps: endless generated URLs, and the settings that keep a crawl bounded.

The bundled snapshot's home page links three traps that
``tests.servers.fault_proxy --traps`` generates without end on 127.0.0.1:

- a listing whose pager links ever-higher pages (``/xznews/trap/pager/``),
  bounded by ``LISTING_MAX_PAGES`` (stat ``traps/listing_pages_cut``);
- a calendar-like chain of day folders (``/xznews/trap/rili/20101229/``
  linking the day before and after), bounded by ``TRAPS_MAX_SECTION_DEPTH``
  (``traps/section_depth_cut``);
- a page linking itself with a growing query string
  (``/xznews/trap/loop/index.shtml?r=0``), bounded by
  ``TRAPS_MAX_QUERY_VARIANTS`` (``traps/query_variants_cut``).

``CLOSESPIDER_PAGECOUNT`` is only the test's backstop: without the bounds
the crawl would stop there, unfinished, and the tests fail instead of
running for ever.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import TrapGuardMiddleware
from tests import project_settings
from tests.crawl import read_jsonl, run_crawl
from tests.servers.fault_proxy import LIVE_SETTINGS, read_log, run_fault_proxy
from tests.snapshots import DerivedSnapshot

if TYPE_CHECKING:
    from pathlib import Path

SITE = "http://jxxznews.zjol.com.cn"
HOME = f"{SITE}/xznews/"
TRAP_LINKS = (
    '<P><a href="/xznews/trap/pager/">翻页</a> <a href="/xznews/trap/rili/20101229/">日历</a>'
    ' <a href="/xznews/trap/loop/index.shtml?r=0">循环</a></P>\n'
)
#: Small bounds, set the way an operator would, so the test runs fast.
LISTING_MAX_PAGES = 12
SECTION_DEPTH = 6
QUERY_VARIANTS = 4
#: The backstop: the snapshot has ~110 pages, the bounded traps add ~30.
PAGECOUNT_BACKSTOP = 500


def without_crawl_time(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in record.items() if k != "crawled_at"} for record in records]


@pytest.fixture(scope="module")
def trapped(tmp_path_factory: pytest.TempPathFactory):
    """A live crawl of the snapshot whose home page links the three traps."""
    work = tmp_path_factory.mktemp("traps")
    snapshot = DerivedSnapshot(work / "portal")
    snapshot.edit(HOME, lambda page: page.replace("</BODY>", TRAP_LINKS + "</BODY>"))
    warc = snapshot.pack(work / "traps.warc.gz")
    output = work / "out" / "articles.jsonl"
    log = work / "proxy.jsonl"
    with run_fault_proxy("--warc", warc, "--traps", "--log", log) as proxy:
        settings = {
            **LIVE_SETTINGS,
            "ARTICLES_OUTPUT": output,
            "LISTING_MAX_PAGES": LISTING_MAX_PAGES,
            "TRAPS_MAX_SECTION_DEPTH": SECTION_DEPTH,
            "TRAPS_MAX_QUERY_VARIANTS": QUERY_VARIANTS,
            # Only LISTING_MAX_PAGES may end the pager walk here.
            "INCREMENTAL_KNOWN_LISTING_PAGES": 0,
            "CLOSESPIDER_PAGECOUNT": PAGECOUNT_BACKSTOP,
        }
        proc = run_crawl(settings, env={"http_proxy": proxy}, timeout=180)
    reports = sorted((output.parent / "reports").glob("*.json"))
    report = json.loads(reports[-1].read_text("utf-8")) if reports else {}
    return proc, read_log(log), output, report


def trap_requests(requests: list[dict[str, Any]], trap: str) -> list[str]:
    return [r["url"] for r in requests if f"/xznews/trap/{trap}/" in r["url"]]


def test_the_trapped_crawl_finishes_on_its_own(trapped):
    proc, _, _, report = trapped
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert report["finish_reason"] == "finished"  # not the backstop's closespider_pagecount


def test_the_traps_were_entered(trapped):
    _, requests, _, _ = trapped
    for trap in ("pager", "rili", "loop"):
        assert len(trap_requests(requests, trap)) >= 3, trap


def test_a_pager_with_ever_higher_pages_stops_at_listing_max_pages(trapped):
    _, requests, _, report = trapped
    pager = trap_requests(requests, "pager")
    # The folder, index.shtml and index_1 … index_{LISTING_MAX_PAGES - 1}.
    assert len(pager) <= LISTING_MAX_PAGES + 1
    assert f"{SITE}/xznews/trap/pager/index_{LISTING_MAX_PAGES - 1}.shtml" in pager
    assert report["stats"]["traps/listing_pages_cut"] >= 1


def test_a_calendar_chain_stops_at_the_section_depth(trapped):
    _, requests, _, report = trapped
    days = trap_requests(requests, "rili")
    # The first day is 1 step from the home page; each neighbour one more, both ways.
    assert len(days) <= 2 * SECTION_DEPTH
    assert report["stats"]["traps/section_depth_cut"] >= 1
    assert report["stats"]["traps/section_depth_max"] == SECTION_DEPTH


def test_a_self_link_with_a_growing_query_stops_at_the_query_variants(trapped):
    _, requests, _, report = trapped
    loop = trap_requests(requests, "loop")
    assert len(loop) <= QUERY_VARIANTS
    assert report["stats"]["traps/query_variants_cut"] >= 1


def test_the_report_says_what_was_cut(trapped):
    proc, _, _, report = trapped
    cut = report["stats"]["traps/cut_urls"]
    for trap in ("rili", "loop"):
        assert any(f"/xznews/trap/{trap}/" in url for url in cut), trap
    assert "Listing pagination cut at" in proc.stderr
    assert "Trap bound reached (TRAPS_MAX_SECTION_DEPTH=" in proc.stderr
    assert "Trap bound reached (TRAPS_MAX_QUERY_VARIANTS=" in proc.stderr


def test_the_traps_cost_no_record(trapped, first_crawl):
    _, _, output, _ = trapped
    assert without_crawl_time(read_jsonl(output)) == without_crawl_time(first_crawl.records)


def test_the_default_bounds_cut_nothing_of_the_real_portal(first_crawl):
    reports = sorted((first_crawl.output.parent / "reports").glob("*.json"))
    stats = json.loads(reports[-1].read_text("utf-8"))["stats"]
    assert not [key for key in stats if key.startswith("traps/") and key != "traps/section_depth_max"]
    # The snapshot's deepest section (专题 > 专题2010 > 画乡先锋 > 先锋视点) is well within the bound.
    assert stats["traps/section_depth_max"] < project_settings()["TRAPS_MAX_SECTION_DEPTH"]


# -- the middleware on its own ------------------------------------------------------------


class _Spider(Spider):
    name = "traps"


@pytest.fixture
def guard(tmp_path: Path) -> TrapGuardMiddleware:
    settings = project_settings(
        EXTENSIONS={},
        ITEM_PIPELINES={},
        ARTICLES_OUTPUT=str(tmp_path / "articles.jsonl"),
        TRAPS_MAX_SECTION_DEPTH=2,
        TRAPS_MAX_QUERY_VARIANTS=2,
    )
    return TrapGuardMiddleware.from_crawler(get_crawler(_Spider, settings))


def _page(url: str, depth: int) -> HtmlResponse:
    return HtmlResponse(url, body=b"<html></html>", request=Request(url, meta={"section_depth": depth}))


def test_section_depth_grows_only_with_new_sections(guard):
    listing = _page(f"{SITE}/xznews/xwzx/index_1.shtml", 1)
    walk = guard.get_processed_request(Request(f"{SITE}/xznews/xwzx/index_2.shtml"), listing)
    article = guard.get_processed_request(
        Request(f"{SITE}/xznews/system/2010/12/29/013095123.shtml"), listing
    )
    section = guard.get_processed_request(Request(f"{SITE}/xznews/zjfc/"), listing)
    assert [r.meta["section_depth"] for r in (walk, article, section)] == [1, 1, 2]
    deeper = guard.get_processed_request(Request(f"{SITE}/xznews/zjfc/wjj/"), _page(section.url, 2))
    assert deeper is None
    assert guard.crawler.stats.get_value("traps/section_depth_cut") == 1
    assert guard.crawler.stats.get_value("traps/cut_urls") == [f"{SITE}/xznews/zjfc/wjj/"]


def test_query_variants_of_one_path_are_bounded(guard):
    page = _page(f"{SITE}/xznews/xwzx/", 1)
    urls = [f"{SITE}/xznews/xwzx/index.shtml?r={n}" for n in range(4)]
    kept = [guard.get_processed_request(Request(url), page) for url in urls]
    assert [r is not None for r in kept] == [True, True, False, False]
    # A URL already admitted stays admitted.
    assert guard.get_processed_request(Request(urls[0]), page) is not None
    assert guard.crawler.stats.get_value("traps/query_variants_cut") == 2
    # The path's URL without a query is not a variant: admitted, bound reached or not.
    for url in (f"{SITE}/xznews/xwzx/index.shtml", f"{SITE}/xznews/xwzx/index.shtml?"):
        assert guard.get_processed_request(Request(url), page) is not None
    assert guard.crawler.stats.get_value("traps/query_variants_cut") == 2
