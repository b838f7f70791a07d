"""ListingPage: which articles and listing pages a listing (or the home page) links."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from crawler.pages.listing import ListingPage
from crawler.portal import PageKind, Portal

H = "http://jxxznews.zjol.com.cn"
LISTING_URL = f"{H}/xznews/xwzx/index_1.shtml"
BODY = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>
<a href="/xznews/">首   页</a> | <a href="/xznews/xwzx/">新闻中心</a> | <a href="http://weibo.com/xz">官方微博</a>
<a href="http://www.zjol.com.cn/">总站·浙江在线</a>
<table><tr><td class=lb><a href="/xznews/system/2012/11/20/015488210.shtml">甲</a><td class=lbdate>2012-11-20
<tr><td class=lb><a href="http://JXXZNEWS.zjol.com.cn/xznews/system/2012/11/20/015488210.shtml#c">甲又一次</a>
<tr><td class=lb><a href="../xwzx/../system/2012/09/26/015312764_01.shtml?from=timeline">多页稿第二页</a>
<tr><td class=lb><a href="javascript:void(0)">投票</a><a href="#top">顶部</a><a href="http://[bad">坏链接</a>
</table>
<td class=page>共5页 <a href="index.shtml">首页</a> <a href="index.shtml">上一页</a> <a href="index.shtml">1</a> 2
<a href="index_2.shtml">3</a> <a href="index_4.shtml">5</a> <a href="index_2.shtml">下一页</a> <a href="index_4.shtml">尾页</a>
<a href="/xznews/zt2010/special.shtml">专题</a> <a href="/xznews/images/logo.gif">图</a> <a href="/xznews/css/a.css">样式</a>
<a href="/xznews/dxcs/index_3.shtml">大小城事第4页</a>
</body></html>"""


def listing_page(url: str, body: str) -> ListingPage:
    settings = Settings()
    settings.setmodule("crawler.settings")
    return ListingPage(HtmlResponse(url=url, body=body.encode("gbk")), Portal.from_settings(settings))


@pytest.fixture
def page() -> ListingPage:
    return listing_page(LISTING_URL, BODY)


def test_article_urls_are_first_pages_canonical_once(page):
    assert page.article_urls() == [
        f"{H}/xznews/system/2012/11/20/015488210.shtml",
        f"{H}/xznews/system/2012/09/26/015312764.shtml",
    ]


def test_section_urls_are_on_portal_listings(page):
    assert page.section_urls() == [
        f"{H}/xznews/",
        f"{H}/xznews/xwzx/",
        f"{H}/xznews/xwzx/index.shtml",
        f"{H}/xznews/xwzx/index_2.shtml",
        f"{H}/xznews/xwzx/index_4.shtml",
        f"{H}/xznews/dxcs/index_3.shtml",
    ]


def test_next_listing_url_is_the_smallest_later_page_of_the_same_section(page):
    assert page.next_listing_url() == f"{H}/xznews/xwzx/index_2.shtml"


SECTION = f"{H}/xznews/xwzx"


@pytest.mark.parametrize(
    ("url", "pager", "expected"),
    [
        # A jump menu: no <a href>, the pages in <option value>s.
        (
            f"{SECTION}/index_1.shtml",
            (
                '<select onchange="location.href=this.value"><option value="index.shtml">1</option>'
                '<option value="index_1.shtml" selected>2</option><option value="index_2.shtml">3</option></select>'
            ),
            f"{SECTION}/index_2.shtml",
        ),
        # A pager a script writes.
        (
            f"{SECTION}/index.shtml",
            "<script>document.write('<a href=\"index_1.shtml\">下一页</a>');</script>",
            f"{SECTION}/index_1.shtml",
        ),
        # A link that runs a script; the smallest later page named wins.
        (
            f"{SECTION}/index.shtml",
            (
                '<a href="javascript:void(0)" onclick="location.href=\'index_3.shtml\'">尾页</a>'
                "<a href=\"javascript:goPage('index_1.shtml')\">下一页</a>"
            ),
            f"{SECTION}/index_1.shtml",
        ),
        # Escaped slashes of a script's string, an absolute path.
        (
            f"{SECTION}/index.shtml",
            '<script>var next = "\\/xznews\\/xwzx\\/index_1.shtml";</script>',
            f"{SECTION}/index_1.shtml",
        ),
        # Another section's pages, earlier pages, other hosts, look-alike names: no next page.
        (
            f"{SECTION}/index_2.shtml",
            (
                "<script>go('/xznews/dxcs/index_3.shtml'); go('index_1.shtml');"
                " go('http://www.zjol.com.cn/xznews/xwzx/index_3.shtml'); go('bigindex_3.shtml');</script>"
            ),
            None,
        ),
        # Links name a later page: they decide, whatever the source names besides.
        (
            f"{SECTION}/index.shtml",
            '<a href="index_4.shtml">5</a><script>go("index_1.shtml")</script>',
            f"{SECTION}/index_4.shtml",
        ),
    ],
)
def test_next_listing_url_when_the_pager_is_not_links(url, pager, expected):
    body = f'<html><body><a href="/xznews/system/2012/11/20/015488210.shtml">甲</a>{pager}</body></html>'
    assert listing_page(url, body).next_listing_url() == expected


def test_other_page_urls_are_html_pages_only(page):
    assert page.other_page_urls() == [f"{H}/xznews/zt2010/special.shtml"]


def test_raw_variants_name_every_written_form(page):
    assert page.raw_variants() == [
        (
            f"{H}/xznews/system/2012/11/20/015488210.shtml".replace("jxxznews", "JXXZNEWS") + "#c",
            f"{H}/xznews/system/2012/11/20/015488210.shtml",
        ),
        (
            f"{H}/xznews/system/2012/09/26/015312764_01.shtml?from=timeline",
            f"{H}/xznews/system/2012/09/26/015312764_01.shtml",
        ),
    ]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (f"{H}/", PageKind.HOME),
        (f"{H}/xznews/", PageKind.HOME),
        (f"{H}/xznews/index.shtml", PageKind.HOME),
        (f"{H}/xznews/xwzx/", PageKind.LISTING),
        (f"{H}/xznews/xwzx/index_12.shtml", PageKind.LISTING),
        (f"{H}/xznews/system/2010/12/29/013095123.shtml", PageKind.ARTICLE),
        (f"{H}/xznews/system/2010/12/29/013095123_02.shtml", PageKind.ARTICLE),
        (f"{H}/xznews/gywm/about.shtml", PageKind.OTHER),
        (f"{H}/other/", PageKind.OTHER),
    ],
)
def test_portal_kind(page, url, kind):
    assert page.portal.kind(url) is kind


# Portal.link shares one resolution among all hrefs with the same link_key: it is
# only right if equal keys always join to the same URL, whatever the base.
BASES = [
    f"{H}/xznews/system/2012/11/20/015488210.shtml",
    f"{H}/xznews/system/2012/11/20/015488211.shtml?from=timeline#c",
    f"{H}/xznews/system/2013/01/04/020315279.shtml",
    f"{H}/xznews/xwzx/index_1.shtml",
    f"{H}/xznews/xwzx/",
    f"{H}/xznews/",
    f"{H}/",
    H,
    "https://jxxznews.zjol.com.cn/xznews/xwzx/index.shtml",
    f"{H}:8080/xznews/a.shtml",
]
HREFS = [
    "015488212.shtml",
    "./015488212_01.shtml",
    "../../../../xwzx/index.shtml",
    "/xznews/system/2012/11/20/015488210.shtml",
    "//jxxznews.zjol.com.cn/xznews/",
    "http://jxxznews.zjol.com.cn/xznews/xwzx/",
    "HTTP://JXXZNEWS.zjol.com.cn/xznews/",
    "https://jxxznews.zjol.com.cn/xznews/",
    "http:relative.shtml",
    "?page=2",
    "#top",
    "",
    "http://[bad",
    "http://www.zjol.com.cn/",
]


@pytest.mark.parametrize("href", HREFS)
def test_equal_link_keys_join_to_the_same_url(href):
    from urllib.parse import urljoin

    from crawler.portal import link_key

    joined: dict[tuple[str, str], set[str]] = {}
    for base in BASES:
        try:
            url = urljoin(base, href)
        except ValueError:
            url = "<ValueError>"
        joined.setdefault(link_key(base, href), set()).add(url)
    assert all(len(urls) == 1 for urls in joined.values()), joined


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("href", HREFS)
def test_portal_link_is_urljoin_checked_and_canonicalised(page, base, href):
    from urllib.parse import urljoin

    portal = page.portal
    for _ in range(2):  # the second time from the cache
        link = portal.link(base, href)
        try:
            raw = urljoin(base, href)
        except ValueError:
            assert link is None
            continue
        if not portal.is_on_portal(raw):
            assert link is None
        else:
            assert link == (raw, portal.canonical(raw), portal.kind(raw))
