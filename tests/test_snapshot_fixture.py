"""Checks of the saved portal snapshot itself (``tests/sample_data/portal``).

The snapshot is the input of the crawl tests and of ``make crawl``; these
tests make sure it stays a closed, faithful little portal: every on-portal
link has a saved answer, every page survives the GBK packer, and the
hand-written expected records agree with the pages they describe.
"""

from __future__ import annotations

import html
import json
import re
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
from parsel import Selector

from crawler import settings
from crawler.items import RECORD_FIELDS

PORTAL = Path(__file__).parent / "sample_data" / "portal"
HOST = settings.SITE_HOST
SITE = f"http://{HOST}"
ARTICLE_PATH = re.compile(r"^/xznews/system/\d{4}/\d{2}/\d{2}/0\d{8}(?:_\d{2})?\.shtml$")
FIRST_PAGE_PATH = re.compile(r"^/xznews/system/\d{4}/\d{2}/\d{2}/0(\d{8})\.shtml$")
# crawled_at and content_hash are computed (or skipped) by the tests that use the file.
EXPECTED_FIELDS = tuple(f for f in RECORD_FIELDS if f not in ("crawled_at", "content_hash"))
REQUIRED_NON_EMPTY = (
    "url",
    "article_id",
    "site",
    "title",
    "published_at",
    "breadcrumbs",
    "section",
    "paragraphs",
)
NAV_LABELS = (
    "首   页 新闻中心 视听新闻 玩转秀洲 直通秀洲 画乡风采 曝 书 亭 镇街风采 部门联动 企业名片 新居民之家 图  库",
    "民生信息 大小城事 财经纵横 教育天地 休闲旅游 生活健康 文娱播报 时尚资讯 汽车世界 专  题 小村官在线 官方微博",
)
CLOCK = "19119年7月15日 周一"


def canonical(url: str) -> str:
    """Scheme and host lower-case, no fragment, no tracking query parameter."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not any(fnmatch(k.lower(), p) for p in settings.CANONICAL_TRACKING_PARAMS)
    ]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((PORTAL / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def records(manifest: dict) -> dict[str, dict]:
    return {r["url"]: r for r in manifest["records"]}


@pytest.fixture(scope="module")
def html_pages(manifest: dict) -> dict[str, str]:
    """URL -> decoded text of every saved 200 HTML answer."""
    pages = {}
    for r in manifest["records"]:
        if r["status"] == 200 and dict(r["headers"]).get("Content-Type") == "text/html":
            pages[r["url"]] = (PORTAL / r["file"]).read_text(encoding="utf-8")
    return pages


@pytest.fixture(scope="module")
def first_pages(records: dict[str, dict]) -> list[str]:
    """URLs of the first page of every saved article."""
    return sorted(
        u for u, r in records.items() if r["status"] == 200 and FIRST_PAGE_PATH.match(urlsplit(u).path)
    )


@pytest.fixture(scope="module")
def expected() -> list[dict]:
    lines = (PORTAL / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def page_text(page: str) -> str:
    return collapse("".join(Selector(text=page).xpath("//body//text()").getall()))


# --- the manifest ------------------------------------------------------------------


def test_manifest_records_are_well_formed(manifest: dict) -> None:
    assert manifest["fetched_at"] == "2019-07-15T08:00:00Z"
    for r in manifest["records"]:
        assert set(r) == {"url", "status", "headers", "file", "encoding"}, r
        assert isinstance(r["status"], int)
        assert all(isinstance(h, list) and len(h) == 2 for h in r["headers"]), r
        headers = dict(r["headers"])
        if 300 <= r["status"] < 400:
            assert r["file"] is None
            assert canonical(headers["Location"]) in {x["url"] for x in manifest["records"]}
        else:
            assert r["file"], r
            assert (PORTAL / r["file"]).is_file(), r["file"]
            assert r["encoding"] == "gbk"
        if headers.get("Content-Type", "").startswith("text/html"):
            # the charset is only declared by the page's own meta tag
            assert "charset" not in headers["Content-Type"]


def test_manifest_urls_sorted_unique_canonical(manifest: dict) -> None:
    urls = [r["url"] for r in manifest["records"]]
    assert urls == sorted(urls)
    assert len(urls) == len(set(urls))
    for url in urls:
        assert url == canonical(url), url
        assert urlsplit(url).netloc == HOST


def test_root_redirects_to_home_page(records: dict[str, dict]) -> None:
    root = records[settings.SITE_START_URL]
    assert root["status"] == 302
    assert dict(root["headers"])["Location"] == f"{SITE}/xznews/"
    assert records[f"{SITE}/xznews/"]["status"] == 200


def test_every_file_is_gbk_encodable(manifest: dict) -> None:
    for r in manifest["records"]:
        if r["file"]:
            text = (PORTAL / r["file"]).read_text(encoding="utf-8")
            text.encode(r["encoding"])  # raises on a character outside GBK
            assert "\xa0" not in text, f"{r['file']}: write &nbsp;, U+00A0 is not in GBK"


def test_gbk_only_characters_are_present(html_pages: dict[str, str]) -> None:
    """Some text must be lost by a strict gb2312 decoder (the meta tag lies)."""
    outside = set()
    for page in html_pages.values():
        for ch in "镕喆堃玥":
            if ch in page:
                outside.add(ch)
    assert outside == set("镕喆堃玥")
    for ch in outside:
        with pytest.raises(UnicodeEncodeError):
            ch.encode("gb2312")


def test_html_pages_declare_gb2312(html_pages: dict[str, str]) -> None:
    for url, page in html_pages.items():
        assert 'content="text/html; charset=gb2312"' in page, url


# --- links ------------------------------------------------------------------------------


def portal_links(url: str, page: str) -> set[str]:
    sel = Selector(text=page)
    links = set()
    for href in sel.xpath("//a/@href | //area/@href | //link/@href").getall():
        href = href.strip()
        if not href or href.lower().startswith(("javascript:", "mailto:")):
            continue
        absolute = canonical(urljoin(url, href))
        if urlsplit(absolute).netloc == HOST:
            links.add(absolute)
    return links


def test_every_portal_link_has_a_saved_answer(records: dict[str, dict], html_pages: dict[str, str]) -> None:
    missing = {}
    for url, page in html_pages.items():
        for link in portal_links(url, page):
            if link not in records:
                missing.setdefault(link, url)
    assert not missing, missing


def test_every_saved_url_is_reachable(records: dict[str, dict], html_pages: dict[str, str]) -> None:
    """No orphan in the manifest: the crawl from / can find every answer (robots.txt aside)."""
    seen = {settings.SITE_START_URL}
    todo = [settings.SITE_START_URL]
    while todo:
        url = todo.pop()
        r = records[url]
        targets = set()
        if 300 <= r["status"] < 400:
            targets.add(canonical(dict(r["headers"])["Location"]))
        elif url in html_pages:
            targets = portal_links(url, html_pages[url])
        for t in targets - seen:
            seen.add(t)
            todo.append(t)
    assert set(records) - seen == {f"{SITE}/robots.txt"}


def test_off_portal_links_are_on_pages_but_not_saved(
    records: dict[str, dict], html_pages: dict[str, str]
) -> None:
    page = html_pages[f"{SITE}/xznews/"]
    for href in ("http://www.zjol.com.cn/", "http://zjnews.zjol.com.cn/", "http://weibo.com/xzxww"):
        assert f'href="{href}"' in page
        assert href not in records


def test_url_variants_are_on_pages(html_pages: dict[str, str]) -> None:
    raw = "\n".join(html_pages.values())
    assert "http://JXXZNEWS.zjol.com.cn/xznews/system/" in raw
    assert "015488210.shtml#comment" in raw
    assert "015488210.shtml?from=timeline" in raw
    assert "015488210.shtml?spm=" in raw
    assert "utm_source=" in raw


# --- page furniture ---------------------------------------------------------------------


def test_every_portal_page_carries_nav_bars_clock_and_footer(html_pages: dict[str, str]) -> None:
    for url, page in html_pages.items():
        sel = Selector(text=page)
        assert sel.xpath("//title/text()").get(), url
        if "页面不存在" in page:
            continue
        for row, labels in zip(("nav1", "nav2"), NAV_LABELS, strict=True):
            anchors = sel.xpath(f"//td[@class='{row}']/a/text()").getall()
            assert len(anchors) == 12, url
            assert " ".join(anchors) == labels, url
        assert CLOCK in page, url
        assert "浙ICP备09103386号" in page, url
        assert len(sel.xpath("//td[@class='boxcon']//a[contains(@href, '/system/')]")) == 12, url


# --- sections and articles -----------------------------------------------------------------


def test_listing_sections(records: dict[str, dict], html_pages: dict[str, str]) -> None:
    sections = set()
    for url, page in html_pages.items():
        path = urlsplit(url).path
        if re.fullmatch(r"/xznews/.+/index\.shtml", path):
            links = portal_links(url, page)
            listed = {link for link in links if ARTICLE_PATH.match(urlsplit(link).path)}
            # more article links than the 12 of the sidebar and picture box
            if len(listed) > 12:
                sections.add(path.rsplit("/", 1)[0])
    assert len(sections) >= 6, sections
    paginated = [s for s in sections if f"{SITE}{s}/index_2.shtml" in records]
    assert paginated, "one section must have at least three listing pages"
    for folder in paginated:
        page = html_pages[f"{SITE}{folder}/index_1.shtml"]
        for word in ("首页", "上一页", "下一页", "尾页"):
            assert f">{word}</a>" in page, (folder, word)


def test_enough_articles(first_pages: list[str]) -> None:
    assert len(first_pages) >= 40


def test_article_pages_carry_title_suffix(html_pages: dict[str, str], first_pages: list[str]) -> None:
    for url in first_pages:
        title = Selector(text=html_pages[url]).xpath("//title/text()").get()
        assert title.endswith(("-秀洲新闻网", "_秀洲新闻网")), url


# --- expected records --------------------------------------------------------------------------


def test_expected_keys_in_contract_order(expected: list[dict]) -> None:
    for rec in expected:
        assert tuple(rec) == EXPECTED_FIELDS, rec["url"]


def test_expected_sorted_by_article_id(expected: list[dict]) -> None:
    ids = [int(r["article_id"]) for r in expected]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))


def test_expected_covers_every_article_once(expected: list[dict], first_pages: list[str]) -> None:
    """One record per article first page, minus same-text duplicates (listed in also_at)."""
    urls = [r["url"] for r in expected]
    also = [u for r in expected for u in r["also_at"]]
    assert len(urls) + len(also) == len(set(urls) | set(also))
    assert sorted(urls + also) == first_pages
    assert also, "the snapshot has one same-text duplicate"
    for rec in expected:
        assert rec["also_at"] == sorted(rec["also_at"])
        for other in rec["also_at"]:
            assert int(FIRST_PAGE_PATH.match(urlsplit(other).path).group(1)) > int(rec["article_id"])


def test_expected_values_are_complete_and_typed(expected: list[dict]) -> None:
    for rec in expected:
        where = rec["url"]
        for field in REQUIRED_NON_EMPTY:
            assert rec[field], (where, field)
        assert rec["schema_version"] == 1
        assert rec["site"] == HOST
        assert rec["url"] == canonical(rec["url"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", rec["published_at"]), where
        assert rec["section"] == rec["breadcrumbs"][-1], where
        assert "首页" not in rec["breadcrumbs"]
        assert "首 页" not in rec["breadcrumbs"]
        assert isinstance(rec["page_count"], int)
        assert rec["page_count"] >= 1
        for field in ("reporters", "correspondents", "photographers", "keywords", "paragraphs"):
            assert all(isinstance(x, str) and x and x == collapse(x) for x in rec[field]), (where, field)
            assert all(" " not in name for name in rec[field] if field != "paragraphs"), (where, field)
        for image in rec["images"]:
            assert set(image) == {"url", "caption"}
            assert image["url"].startswith("http://"), where
        for rel in rec["related"]:
            assert set(rel) == {"url", "title"}
            assert rel["url"] == canonical(rel["url"]), where
            assert rel["title"], where
        assert not rec["title"].endswith("秀洲新闻网"), where
        assert rec["title"] == collapse(rec["title"])


def test_article_id_matches_page(expected: list[dict], html_pages: dict[str, str]) -> None:
    for rec in expected:
        page = html_pages[rec["url"]]
        match = re.search(r"<articleid>(\d+)</articleid>", page)
        digits = FIRST_PAGE_PATH.match(urlsplit(rec["url"]).path).group(1).lstrip("0")
        assert rec["article_id"] == (match.group(1) if match else digits)
        if match is None:
            assert rec["node_id"] is None
            assert rec["subtitle"] is None
            assert rec["keywords"] == []


def test_expected_text_is_on_the_pages(expected: list[dict], html_pages: dict[str, str]) -> None:
    for rec in expected:
        base = rec["url"][: -len(".shtml")]
        urls = [rec["url"]] + [f"{base}_{n:02d}.shtml" for n in range(1, rec["page_count"])]
        texts = [page_text(html_pages[u]) for u in urls]
        for u in urls[1:]:
            assert u in html_pages, u
        assert f"{base}_{rec['page_count']:02d}.shtml" not in html_pages
        # the paragraphs are found in order, across the pages
        joined = "\n".join(texts)
        pos = 0
        for para in rec["paragraphs"]:
            found = joined.find(para, pos)
            assert found >= 0, (rec["url"], para[:30])
            pos = found + len(para)
        assert rec["title"] in texts[0], rec["url"]
        if rec["byline"]:
            assert rec["byline"] in texts[0], rec["url"]
        if rec["editor"]:
            assert rec["editor"] in texts[0]
        for image in rec["images"]:
            if image["caption"]:
                assert image["caption"] in joined
        page = html_pages[rec["url"]]
        for rel in rec["related"]:
            assert html.escape(rel["title"], quote=False) in page or rel["title"] in page


def test_seed_article(expected: list[dict]) -> None:
    rec = next(r for r in expected if r["article_id"] == "13095123")
    assert rec["url"] == f"{SITE}/xznews/system/2010/12/29/013095123.shtml"
    assert rec["title"] == "“一联三会”让党员与群众心连心"
    assert rec["published_at"] == "2010-12-29T07:07:12+08:00"
    assert rec["source"] == "嘉兴日报"
    assert rec["byline"] == "记 者 沈 洁通讯员 吕军超 冯 萍"
    assert (rec["reporters"], rec["correspondents"], rec["editor"]) == (
        ["沈洁"],
        ["吕军超", "冯萍"],
        "吴怡之",
    )
    assert rec["breadcrumbs"] == ["专题2010", "画乡先锋 创先争优", "先锋视点"]
    assert len(rec["paragraphs"]) == 7
    assert [r["title"] for r in rec["related"]] == [
        "创先争优:有时间做志愿者 有困难找志愿者 是党员当志愿者",
        "暖心促和谐 聚心促发展惠民行动启动 嘉兴市党员志愿服务中心成立",
        "秀洲创先争优打造党员志愿者个性化服务队伍",
    ]


def test_the_documented_cases_exist(expected: list[dict], records: dict[str, dict]) -> None:
    by_id = {r["article_id"]: r for r in expected}
    assert any(r["page_count"] == 3 for r in expected)
    assert any(r["byline"] is None for r in expected)
    assert any(r["photographers"] for r in expected)
    assert any(i["caption"] is None for r in expected for i in r["images"])
    assert any(r["subtitle"] and len(r["keywords"]) > 2 for r in expected)
    assert any(r["node_id"] is None for r in expected)
    gone = [rel["url"] for r in expected for rel in r["related"] if records[rel["url"]]["status"] == 404]
    assert gone, "a related link to a deleted article"
    assert "&" in by_id["14288306"]["title"]
    assert '"' in by_id["14288306"]["title"]
