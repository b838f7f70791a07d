"""ArticlePage and ArticleLoader on single pages: the snapshot's, and the seed
article in other plausible ENP templates (the portal's real class names are
unknown, so extraction must not depend on ours)."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from crawler.normalize import collapse_whitespace
from crawler.pages.article import _LANDMARK_FIRST_CHARS_RE, _LANDMARK_RE, ArticlePage
from crawler.portal import Portal
from tests import PORTAL_DIR
from tests.snapshots import expected_records

# Fields of the whole article, not of one page.
ARTICLE_LEVEL = ("content_hash", "also_at", "page_count", "crawled_at")
SEED_URL = "http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml"


@pytest.fixture(scope="module")
def portal() -> Portal:
    settings = Settings()
    settings.setmodule("crawler.settings")
    return Portal.from_settings(settings)


def manifest_files() -> dict[str, str]:
    manifest = json.loads((PORTAL_DIR / "manifest.json").read_text("utf-8"))
    return {r["url"]: r["file"] for r in manifest["records"] if r.get("file")}


def page_for(url: str, html: str, portal: Portal) -> ArticlePage:
    # GBK bytes under the page's gb2312 meta tag and no charset in the header, as served.
    response = HtmlResponse(url=url, body=html.encode("gbk"), headers={"Content-Type": "text/html"})
    return ArticlePage(response, portal)


def single_page_cases() -> list[dict]:
    return [r for r in expected_records() if r["page_count"] == 1]


@pytest.mark.parametrize("expected", single_page_cases(), ids=lambda r: r["url"].rsplit("/", 1)[1])
def test_snapshot_page(expected, portal):
    html = (PORTAL_DIR / manifest_files()[expected["url"]]).read_text("utf-8")
    record = dataclasses.asdict(page_for(expected["url"], html, portal).load_item())
    for name, value in expected.items():
        if name not in ARTICLE_LEVEL:
            assert record[name] == value, f"{name!r} differs"


SEED_PARAGRAPHS = [
    "“12月30日又是我们村的‘书记接访日’,不过到时候我接待的都是本村党员。”昨天,王江泾镇南汇村党总支书记计兴荣笑着对记者说。",
    "把家家户户织机排出的污水统一纳入污水管网,还农村清洁的河道。",
    "今年初以来,全区141名村(社区)党组织书记已解决群众诉求300多起。",
]
SEED_RELATED = [
    ("/xznews/system/2010/12/20/013063417.shtml", "创先争优:有时间做志愿者 有困难找志愿者 是党员当志愿者"),
    (
        "/xznews/system/2010/12/10/013030288.shtml",
        "暖心促和谐 聚心促发展惠民行动启动 嘉兴市党员志愿服务中心成立",
    ),
]
NAV = (
    '<div class="nav"><a href="/xznews/">首   页</a> | <a href="/xznews/xwzx/">新闻中心</a> | '
    '<a href="http://weibo.com/xznews">官方微博</a></div><div class="date">19119年7月15日 周一</div>'
)
SIDEBAR = (
    '<div class="side"><h3>精彩推荐</h3><ul><li><a href="/xznews/system/2015/07/08/018954217.shtml">'
    '作风“新常态”擎动现代化田园“秀洲梦”</a></li><li><a href="/xznews/system/2015/07/09/018954218.shtml">'
    "菱歌悠扬菱桶竞渡擦亮南湖菱文化“金名片”</a></li></ul><h3>图 片</h3></div>"
)


def _related_html(style: str) -> str:
    if style == "list":
        items = "".join(f'<li><a href="{href}">{title}</a></li>' for href, title in SEED_RELATED)
        return f'<div class="related"><h4>相关稿件</h4><ul>{items}</ul></div>'
    items = "".join(f'·<a href="{href}" target=_blank>{title}</a><br>' for href, title in SEED_RELATED)
    return f"<table><tr><td>相关稿件</td></tr><tr><td>{items}</td></tr></table>"


def div_template(*, enp: bool, spans: bool) -> str:
    """The seed in a div layout; the metadata in spans, or on one plain line."""
    paragraphs = "".join(f"<p>\u3000\u3000{p}</p><p>&nbsp;</p>" for p in SEED_PARAGRAPHS)
    enp_comment = (
        "<!--enpproperty <articleid>13095123</articleid><date>2010-12-29 07:07:12.0</date>"
        "<author>沈洁</author><title>&ldquo;一联三会&rdquo;让党员与群众心连心</title><keyword>一联三会 创先争优</keyword>"
        "<subtitle></subtitle><introtitle></introtitle><siteid>2</siteid><nodeid>7801</nodeid>"
        "<nodename>先锋视点</nodename><nodesearchname></nodesearchname><picurl></picurl>/enpproperty-->"
        if enp
        else ""
    )
    if spans:
        meta = (
            '<div class="info"><span id="source_baidu">来源：嘉兴日报</span> <span id="author_baidu">'
            '作者：记 者 沈 洁通讯员 吕军超 冯 萍</span> <span id="editor_baidu">编辑：吴怡之</span></div>'
        )
        time = '<div class="time"><span id="pubtime_baidu">2010-12-29 07:07</span></div>'
    else:
        meta = "<div>来源：嘉兴日报&nbsp;&nbsp;作者：记 者 沈 洁通讯员 吕军超 冯 萍&nbsp;&nbsp;【责任编辑：吴怡之】</div>"
        time = "<div class=t>2010年12月29日 07:07</div>"
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"<title>“一联三会”让党员与群众心连心-秀洲新闻网</title>{enp_comment}</head><body>{NAV}"
        '<div class="crumb">您当前的位置：<a href="/xznews/">首页</a> &gt; <a href="/xznews/zt2010/">专题2010</a>'
        ' &gt; <a href="/xznews/zt2010/hxxf/">画乡先锋 创先争优</a> &gt; <a href="/xznews/zt2010/hxxf/xfsd/">'
        f'先锋视点</a></div><div class="main">{SIDEBAR}<div class="article"><div class="hd">'
        f"“一联三会”让党员与群众心连心</div>{time}<div id=zoom><!--enpcontent-->{paragraphs}"
        "<p>【字号 大 中 小】【打印】【关闭】</p><!--/enpcontent--></div>"
        f'{meta}{_related_html("list" if spans else "table")}</div></div><div class="foot">秀洲区新闻网络信息中心'
        " - copyright &copy; 2009版权所有</div></body></html>"
    )


def expected_seed(*, enp: bool) -> dict:
    return {
        "url": SEED_URL,
        "article_id": "13095123",
        "title": "“一联三会”让党员与群众心连心",
        "published_at": "2010-12-29T07:07:12+08:00" if enp else "2010-12-29T07:07:00+08:00",
        "source": "嘉兴日报",
        "byline": "记 者 沈 洁通讯员 吕军超 冯 萍",
        "reporters": ["沈洁"],
        "correspondents": ["吕军超", "冯萍"],
        "photographers": [],
        "editor": "吴怡之",
        "breadcrumbs": ["专题2010", "画乡先锋 创先争优", "先锋视点"],
        "section": "先锋视点",
        "node_id": "7801" if enp else None,
        "keywords": ["一联三会", "创先争优"] if enp else [],
        "paragraphs": SEED_PARAGRAPHS,
        "images": [],
        "related": [
            {"url": "http://jxxznews.zjol.com.cn" + href, "title": title} for href, title in SEED_RELATED
        ],
    }


@pytest.mark.parametrize(
    ("enp", "spans"), [(True, True), (False, True), (True, False), (False, False)], ids=str
)
def test_seed_in_other_templates(portal, enp, spans):
    page = page_for(SEED_URL, div_template(enp=enp, spans=spans), portal)
    record = dataclasses.asdict(page.load_item())
    for name, value in expected_seed(enp=enp).items():
        assert record[name] == value, f"{name!r} differs"
    assert page.recommended_urls() == [
        "http://jxxznews.zjol.com.cn/xznews/system/2015/07/08/018954217.shtml",
        "http://jxxznews.zjol.com.cn/xznews/system/2015/07/09/018954218.shtml",
    ]


def _enp_comment(html: str) -> str:
    return html[html.index("<!--enpproperty") : html.index("/enpproperty-->") + len("/enpproperty-->")]


def _enp_variant(name: str) -> str:
    """The seed (ENP comment, spans) with one quirk of ENP's output as public pages
    of other ENP sites show it, and as ENP's publishing code writes it
    (``yyyy-MM-dd HH:mm:ss:S``, the body's markers written twice)."""
    html = div_template(enp=True, spans=True)
    enp = _enp_comment(html)
    later_enp = enp.replace("07:07:12.0", "07:07:12:0").replace(
        "<picurl></picurl>",
        "<picurl></picurl><url>http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml</url>"
        "<sourcename>嘉兴日报</sourcename><abstract>南汇村党总支书记接访日</abstract>",
    )
    if name == "start marker twice":
        return html.replace("<!--enpcontent-->", "<!--enpcontent--><!--enpcontent-->")
    if name == "comment in the body, seconds after a colon, more tags":
        return html.replace(enp, "").replace("<div id=zoom>", "<div id=zoom>" + later_enp)
    if name == "comment after the body, end marker twice":
        return html.replace(enp, "").replace(
            "<!--/enpcontent-->", f"<!--/enpcontent-->{later_enp}  <!--/enpcontent-->  <p></p>"
        )
    if name == "commented-out markup in the body":
        return html.replace(
            "<!--/enpcontent-->",
            '<!--<p style="text-align: center;"><img src="/xznews/images/1.jpg" border="0"></p>'
            "<p>招聘会现场,很多求职者进行咨询。</p>--><!--/enpcontent-->",
        )
    raise ValueError(name)


@pytest.mark.parametrize(
    "variant",
    [
        "start marker twice",
        "comment in the body, seconds after a colon, more tags",
        "comment after the body, end marker twice",
        "commented-out markup in the body",
    ],
)
def test_seed_with_quirks_of_enp_output(portal, variant):
    html = _enp_variant(variant)
    assert html != div_template(enp=True, spans=True)
    record = dataclasses.asdict(page_for(SEED_URL, html, portal).load_item())
    for name, value in expected_seed(enp=True).items():
        assert record[name] == value, f"{name!r} differs"


def test_header_clock_is_never_the_publish_time(portal):
    html = div_template(enp=False, spans=False).replace("2010年12月29日 07:07", "")
    assert page_for(SEED_URL, html, portal).load_item().published_at is None


def test_gbk_only_characters_survive_the_gb2312_meta_tag(portal):
    html = div_template(enp=False, spans=False).replace("计兴荣", "朱镕喆堃玥")
    assert "朱镕喆堃玥" in page_for(SEED_URL, html, portal).load_item().paragraphs[0]


@pytest.mark.parametrize(
    ("body", "images", "paragraphs"),
    [
        (
            '<p align=center><IMG src="/xznews/images/a.jpg"></p><p align=center>图为党员在开会</p><p>正文。</p>',
            [{"url": "http://jxxznews.zjol.com.cn/xznews/images/a.jpg", "caption": "图为党员在开会"}],
            ["正文。"],
        ),
        (
            '<p style="text-align: center"><img src="http://img.zjol.com.cn/b.jpg" /><br>图说</p><p>正文。</p>',
            [{"url": "http://img.zjol.com.cn/b.jpg", "caption": "图说"}],
            ["正文。"],
        ),
        (
            '<center><img src="c.jpg"></center><p>　　正文不是图注，因为它不居中。</p>',
            [{"url": "http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/c.jpg", "caption": None}],
            ["正文不是图注，因为它不居中。"],
        ),
        ("<p>一段<br>两段</p><div>三段</div>", [], ["一段", "两段", "三段"]),
    ],
    ids=["caption-paragraph", "caption-same-paragraph", "no-caption", "br-and-div"],
)
def test_body_images_and_captions(portal, body, images, paragraphs):
    html = div_template(enp=True, spans=True)
    html = re.sub(
        r"<!--enpcontent-->.*<!--/enpcontent-->", f"<!--enpcontent-->{body}<!--/enpcontent-->", html
    )
    record = page_for(SEED_URL, html, portal).load_item()
    assert record.images == images
    assert record.paragraphs == paragraphs


@settings(deadline=None, max_examples=500, derandomize=True, database=None)
@given(st.text(alphabet="来源作者编辑您当前的位置你相关稿件精彩推荐图片 ：:>x\u3000", max_size=30))
def test_landmark_prefilter_passes_every_text_the_landmark_regex_matches(text):
    # _labelled_text runs the landmark regex only on texts the character class finds something in.
    if _LANDMARK_RE.search(text):
        assert _LANDMARK_FIRST_CHARS_RE.search(text)


@pytest.mark.parametrize(
    "landmark", ["来源：", "作者：", "编辑：", "您当前的位置", "你的位置", "相关稿件", "精彩推荐"]
)
def test_every_landmark_passes_the_prefilter(landmark):
    assert _LANDMARK_RE.search(landmark)
    assert _LANDMARK_FIRST_CHARS_RE.search(landmark)


_VISIBLE_TEXT_XPATH = "//body//text()[not(ancestor::script) and not(ancestor::style)]"


def _visible_text_by_xpath(page: ArticlePage) -> list[str]:
    return [t for t in (collapse_whitespace(n) for n in page._root.xpath(_VISIBLE_TEXT_XPATH)) if t]


def test_body_text_nodes_are_what_the_xpath_selects_on_every_snapshot_page(portal):
    pages = {url: name for url, name in manifest_files().items() if name.endswith(("html", ".htm"))}
    assert len(pages) > 40
    for url, name in pages.items():
        response = HtmlResponse(
            url=url, body=(PORTAL_DIR / name).read_bytes(), headers={"Content-Type": "text/html"}
        )
        page = ArticlePage(response, portal)
        assert page._body_text_nodes == _visible_text_by_xpath(page), url


@pytest.mark.parametrize(
    "body",
    [
        "<p>a<script>var x = '<b>';</script>b<style>p {}</style>c</p>",
        "<script>only script</script>",
        "<div><style>s</style>tail of style<b>bold</b> tail of b</div>",
        "<noscript>kept</noscript><p>p<!-- comment -->after comment</p>",
        "text in body<script>s</script>",
        "",
    ],
)
def test_body_text_nodes_leave_out_script_and_style_text_only(portal, body):
    page = page_for(SEED_URL, f"<html><head><title>t</title></head><body>{body}</body></html>", portal)
    assert page._body_text_nodes == _visible_text_by_xpath(page)


@pytest.mark.parametrize(
    ("body", "source"),
    [
        ("<p>来源：嘉兴日报</p>", "嘉兴日报"),  # no span: the visible line
        ("<span id='source_baidu'>来源：嘉兴日报</span>", "嘉兴日报"),
        # Every element of a repeated id, in order (libxml2's id index keeps the first only).
        (
            "<span id='source_baidu'>嘉兴日报</span><span id='source_baidu'>秀洲新闻网</span>",
            "嘉兴日报 秀洲新闻网",
        ),
        # An <a name> is in the index too, but is not the span.
        ("<a name='source_baidu'>锚</a><span id='source_baidu'>嘉兴日报</span>", "嘉兴日报"),
        ("<script>var id = 'source_baidu';</script><span id='source_baidu'>嘉兴日报</span>", "嘉兴日报"),
        (
            "<span id='SOURCE_BAIDU'>嘉兴日报</span><p>来源：秀洲新闻网</p>",
            "秀洲新闻网",
        ),  # ids are case-sensitive
    ],
)
def test_baidu_spans_are_every_element_with_the_id(portal, body, source):
    head = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>t</title>'
    page = page_for(SEED_URL, f"<html><head>{head}</head><body>{body}</body></html>", portal)
    assert page.source() == source


MULTIPAGE = "http://jxxznews.zjol.com.cn/xznews/system/2012/09/26/015312764"


@pytest.mark.parametrize(
    ("url", "pager", "expected"),
    [
        # The fixture's own pager: links.
        (
            f"{MULTIPAGE}.shtml",
            '<a href="015312764_01.shtml">2</a> <a href="015312764_02.shtml">3</a>',
            [f"{MULTIPAGE}_01.shtml", f"{MULTIPAGE}_02.shtml"],
        ),
        # A pager a script follows: no <a href> to a later page.
        (
            f"{MULTIPAGE}.shtml",
            (
                "<span onclick=\"location.href='015312764_01.shtml'\">2</span>"
                "<span onclick=\"location.href='015312764_02.shtml'\">3</span>"
            ),
            [f"{MULTIPAGE}_01.shtml", f"{MULTIPAGE}_02.shtml"],
        ),
        # A jump menu, absolute paths, on a later page: every page but the first.
        (
            f"{MULTIPAGE}_01.shtml",
            (
                '<select onchange="location.href=this.value"><option value="/xznews/system/2012/09/26/015312764.shtml">1'
                '<option value="/xznews/system/2012/09/26/015312764_01.shtml">2'
                '<option value="/xznews/system/2012/09/26/015312764_02.shtml">3</select>'
            ),
            [f"{MULTIPAGE}_01.shtml", f"{MULTIPAGE}_02.shtml"],
        ),
        # Another article's pages, a longer id ending alike: none of this article's.
        (
            f"{MULTIPAGE}.shtml",
            "<script>go('015312765_01.shtml'); go('1015312764_01.shtml');</script>",
            [],
        ),
        # Links decide when there are any.
        (
            f"{MULTIPAGE}.shtml",
            '<a href="015312764_01.shtml">2</a><script>go("015312764_02.shtml")</script>',
            [f"{MULTIPAGE}_01.shtml"],
        ),
    ],
)
def test_part_urls_when_the_pager_is_not_links(portal, url, pager, expected):
    html = f"<html><body><h1>标题</h1><!--enpcontent--><p>正文。</p><!--/enpcontent-->{pager}</body></html>"
    assert page_for(url, html, portal).part_urls() == expected
