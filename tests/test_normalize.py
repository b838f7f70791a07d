"""Table-driven tests of the pure normalisers in ``crawler.normalize``."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler import normalize
from crawler.normalize import (
    Byline,
    article_id_from_url,
    article_part,
    canonical_url,
    collapse_whitespace,
    content_hash,
    drop_empty,
    is_article_url,
    is_toolbar_text,
    listing_page_number,
    parse_enpproperty,
    parse_metadata_line,
    parse_published_at,
    split_breadcrumb,
    split_byline,
    split_keywords,
    split_names,
    strip_label,
    strip_site_suffix,
    unpad_name,
)

# The seed page's metadata line and byline (shared/seed/000_eb3f780334bf7dfd.txt).
SEED_METADATA_LINE = "来源: 嘉兴日报   作者: 记 者 沈 洁通讯员 吕军超 冯 萍    编辑: 吴怡之"
SEED_BYLINE = "记 者 沈 洁通讯员 吕军超 冯 萍"
SEED_BREADCRUMB = "您当前的位置:首 页 > 专题2010 > 画乡先锋 创先争优 > 先锋视点"
ARTICLE = "http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml"
ARTICLE_P2 = "http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123_01.shtml"
SECTION = "http://jxxznews.zjol.com.cn/xznews/xwzx/"
EMPTY_BYLINE = Byline([], [], [], [])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        ("\u3000\u3000“12月30日又是我们村的‘书记接访日’,", "“12月30日又是我们村的‘书记接访日’,"),
        ("\xa0\xa0段落\xa0", "段落"),
        ("a \t\n\r b", "a b"),
        ("画乡先锋\u3000\u3000创先争优", "画乡先锋 创先争优"),
        ("\ufeff\u200b标题\u200b", "标题"),
        ("a\u2003\u2009b", "a b"),
        ("a\u200b\u200bb", "a b"),
        ("记 者 沈 洁", "记 者 沈 洁"),
        # Characters are kept as published: no NFKC, no punctuation conversion.
        ("ＡＢＣ，“引号”", "ＡＢＣ，“引号”"),
        ("&nbsp;", "&nbsp;"),
    ],
)
def test_collapse_whitespace(raw, expected):
    assert collapse_whitespace(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        (" ", None),
        ("\u3000\xa0\u200b", None),
        ("嘉兴日报", "嘉兴日报"),
        (" 嘉兴日报 ", " 嘉兴日报 "),
        ("0", "0"),
    ],
)
def test_drop_empty(raw, expected):
    assert drop_empty(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        ("沈 洁", "沈洁"),
        ("冯\u3000萍", "冯萍"),
        (" 吕军超 ", "吕军超"),
        ("冯\xa0 萍", "冯萍"),
        ("欧阳 娜 娜", "欧阳娜娜"),
    ],
)
def test_unpad_name(raw, expected):
    assert unpad_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, []),
        ("", []),
        ("  、，;", []),
        ("沈 洁", ["沈洁"]),
        ("吕军超 冯 萍", ["吕军超", "冯萍"]),
        ("冯 萍、沈 洁", ["冯萍", "沈洁"]),
        ("冯 萍 沈 洁", ["冯萍", "沈洁"]),
        (
            "吕军超、冯萍,沈洁；张三;李四/王五／赵六",
            ["吕军超", "冯萍", "沈洁", "张三", "李四", "王五", "赵六"],
        ),
        # Explicit separators always separate, even single characters.
        ("冯、萍", ["冯", "萍"]),
        ("张三 张三、张三", ["张三"]),
        ("冯 萍 沈", ["冯萍", "沈"]),
        ("吕军超\u3000冯\u3000萍", ["吕军超", "冯萍"]),
    ],
)
def test_split_names(raw, expected):
    assert split_names(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, EMPTY_BYLINE),
        ("", EMPTY_BYLINE),
        ("  ", EMPTY_BYLINE),
        # The seed: a name runs straight into the next role word.
        (SEED_BYLINE, Byline(["沈洁"], ["吕军超", "冯萍"], [], [])),
        ("记者 沈洁 通讯员 吕军超", Byline(["沈洁"], ["吕军超"], [], [])),
        ("本报记者 张三 李四", Byline(["张三", "李四"], [], [], [])),
        ("本 报 记 者 张 三", Byline(["张三"], [], [], [])),
        ("见习记者 王五", Byline(["王五"], [], [], [])),
        ("通 讯 员 吕军超、冯 萍", Byline([], ["吕军超", "冯萍"], [], [])),
        ("记者：张三，李四 摄影:王五", Byline(["张三", "李四"], [], ["王五"], [])),
        ("摄 影 王五", Byline([], [], ["王五"], [])),
        ("记者 张三 摄", Byline(["张三"], [], ["张三"], [])),
        ("本报记者 张三摄", Byline(["张三"], [], ["张三"], [])),
        ("张三 摄", Byline([], [], ["张三"], [])),
        ("摄影记者 张三", Byline([], [], ["张三"], [])),
        ("记者 张三 实习生 李四", Byline(["张三"], [], [], ["李四"])),
        ("记者 张三 通讯员 李四 王五 实习生 赵六", Byline(["张三"], ["李四", "王五"], [], ["赵六"])),
        # No role word: the role is unknown, so every list stays empty.
        ("沈洁", EMPTY_BYLINE),
        ("张三 李四", EMPTY_BYLINE),
        ("嘉兴日报评论员", EMPTY_BYLINE),
        # Parenthesised remarks are dropped, a parenthesised byline is kept.
        ("记者 张三(实习)", Byline(["张三"], [], [], [])),
        ("（记者 张三 通讯员 李四）", Byline(["张三"], ["李四"], [], [])),
        ("本报讯 记者 张三", Byline(["张三"], [], [], [])),
        ("记者 张三 文/图", Byline(["张三"], [], [], [])),
        ("记者 记者 通讯员", EMPTY_BYLINE),
        ("记者（", EMPTY_BYLINE),
    ],
)
def test_split_byline(raw, expected):
    assert split_byline(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("来源: 嘉兴日报", "嘉兴日报"),
        ("来源：嘉兴日报", "嘉兴日报"),
        ("来 源 ： 嘉兴日报 ", "嘉兴日报"),
        ("责任编辑：吴怡之", "吴怡之"),
        ("编 辑: 吴怡之", "吴怡之"),
        ("编辑:  吴\u3000怡之", "吴 怡之"),
        # No colon: not a label.
        ("编辑部 吴怡之", "编辑部 吴怡之"),
        ("吴怡之", "吴怡之"),
        ("：", "："),
    ],
)
def test_strip_label(raw, expected):
    assert strip_label(raw, ("编辑", "责任编辑", "来源")) == expected


def test_strip_label_without_labels():
    assert strip_label(" 来源: 嘉兴日报 ", ()) == "来源: 嘉兴日报"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, {}),
        ("", {}),
        ("嘉兴日报 吴怡之", {}),
        (
            SEED_METADATA_LINE,
            {"source": "嘉兴日报", "author": SEED_BYLINE, "editor": "吴怡之"},
        ),
        (
            "编辑：吴怡之 来源：嘉兴日报",
            {"editor": "吴怡之", "source": "嘉兴日报"},
        ),
        ("来 源 : 嘉兴日报  作 者 :  编 辑 : 吴怡之", {"source": "嘉兴日报", "editor": "吴怡之"}),
        ("责任编辑：吴怡之", {"editor": "吴怡之"}),
        ("作者: 记\u3000者\u3000沈 洁", {"author": "记 者 沈 洁"}),
        ("【责任编辑：吴怡之】", {"editor": "吴怡之"}),
        ("（来源：嘉兴日报）", {"source": "嘉兴日报"}),
        ("来源:嘉兴日报 发布时间:2010-12-29 07:07", {"source": "嘉兴日报"}),
        ("来源:", {}),
    ],
)
def test_parse_metadata_line(raw, expected):
    assert parse_metadata_line(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("发布时间未知", None),
        ("2010-12-29 07:07:12.0", "2010-12-29T07:07:12+08:00"),
        # ENP's publishing code also writes yyyy-MM-dd HH:mm:ss:S (a colon before the milliseconds).
        ("2010-12-29 07:07:12:0", "2010-12-29T07:07:12+08:00"),
        ("2010-12-29 07:07:12", "2010-12-29T07:07:12+08:00"),
        ("2010-12-29 07:07", "2010-12-29T07:07:00+08:00"),
        ("2010-12-29", "2010-12-29T00:00:00+08:00"),
        ("2010年12月29日 07:07", "2010-12-29T07:07:00+08:00"),
        ("2010年12月29日07:07:12", "2010-12-29T07:07:12+08:00"),
        ("2010年12月29日", "2010-12-29T00:00:00+08:00"),
        ("2010/12/29 07:07", "2010-12-29T07:07:00+08:00"),
        ("2010-1-9 7:07", "2010-01-09T07:07:00+08:00"),
        ("发布时间：2010-12-29 07:07 来源：嘉兴日报", "2010-12-29T07:07:00+08:00"),
        # The header clock (getYear() bug) is never a publish date ...
        ("19119年7月15日 周一", None),
        # ... and does not hide the real one after it.
        ("19119年7月15日 周一 2010年12月29日 07:07", "2010-12-29T07:07:00+08:00"),
        ("2010-02-30", None),
        ("1899-12-29", None),
        ("2101-01-01", None),
        ("12010-12-29", None),
        ("2010-12-29 25:07", None),
        ("2010-12/29", None),
        ("2010-12-290", None),
        ("2010年12月29日 07时07分", "2010-12-29T07:07:00+08:00"),
        ("2010年12月29日 7时7分12秒", "2010-12-29T07:07:12+08:00"),
        ("2010-12-29 7:7", "2010-12-29T07:07:00+08:00"),
        ("2010-12-29T07:07:12+08:00", "2010-12-29T07:07:12+08:00"),
        ("2010.12.29 07:07", "2010-12-29T07:07:00+08:00"),
        ("2010-12-29 07:071", "2010-12-29T00:00:00+08:00"),
    ],
)
def test_parse_published_at(raw, expected):
    assert parse_published_at(raw) == expected


ENPPROPERTY = (
    "<html><!--enpproperty <articleid>13095123</articleid><date>2010-12-29 07:07:12.0</date>"
    "<author>沈洁</author><title>&ldquo;一联三会&rdquo;让党员与群众心连心</title>"
    "<keyword>创先争优,党员</keyword><subtitle></subtitle><introtitle></introtitle><siteid>2</siteid>"
    "<nodeid>5423</nodeid><nodename>先锋视点</nodename><nodesearchname></nodesearchname>"
    "<picurl></picurl>/enpproperty--></html>"
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, {}),
        ("", {}),
        ("<html><body>no comment</body></html>", {}),
        (
            ENPPROPERTY,
            {
                "articleid": "13095123",
                "date": "2010-12-29 07:07:12.0",
                "author": "沈洁",
                "title": "“一联三会”让党员与群众心连心",
                "keyword": "创先争优,党员",
                "siteid": "2",
                "nodeid": "5423",
                "nodename": "先锋视点",
            },
        ),
        (
            "<!--enpproperty <title>A &amp; B &quot;C&quot; &#8220;D&#8221;</title>/enpproperty-->",
            {"title": 'A & B "C" “D”'},
        ),
        ("<!-- enpproperty\n<Title>\n  多行\u3000标题 \n</Title>\n/enpproperty -->", {"title": "多行 标题"}),
        # Unterminated block: malformed, nothing is trusted.
        ("<!--enpproperty <articleid>13095123</articleid>", {}),
        (
            "<!--enpproperty <articleid>13095123</articleid><title>broken/enpproperty-->",
            {"articleid": "13095123"},
        ),
        ("<title>outside</title><!--enpproperty /enpproperty-->", {}),
    ],
)
def test_parse_enpproperty(raw, expected):
    assert parse_enpproperty(raw) == expected


TRACKING = ("utm_*", "spm", "FROM")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        (ARTICLE, ARTICLE),
        (" HTTP://JXXZNEWS.ZJOL.COM.CN:80/xznews/system/2010/12/29/013095123.shtml#top ", ARTICLE),
        ("https://Example.com:443/a/", "https://example.com/a/"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com/a/?", "http://example.com/a/"),
        (
            "http://example.com/a?b=1&utm_source=x&UTM_Medium=y&spm=1&from=t&c=2",
            "http://example.com/a?b=1&c=2",
        ),
        ("http://example.com/a?utm_source=x", "http://example.com/a"),
        ("http://example.com/a?z=1&a=2&&", "http://example.com/a?z=1&a=2"),
        ("http://example.com/a?spmx=1", "http://example.com/a?spmx=1"),
        (
            "http://example.com/中文 路径.shtml",
            "http://example.com/%E4%B8%AD%E6%96%87%20%E8%B7%AF%E5%BE%84.shtml",
        ),
        ("http://example.com/a%2Fb/", "http://example.com/a%2Fb/"),
        # Non-web or unparseable URLs come back stripped, never an exception.
        (" javascript:void(0) ", "javascript:void(0)"),
        ("mailto:a@example.com", "mailto:a@example.com"),
        ("/xznews/index.shtml", "/xznews/index.shtml"),
        ("http://[::1", "http://[::1"),
        ("http://example.com:abc/", "http://example.com:abc/"),
        ("http:///path", "http:///path"),
    ],
)
def test_canonical_url(raw, expected):
    assert canonical_url(raw, TRACKING) == expected


def test_canonical_url_keeps_query_without_tracking_params():
    assert canonical_url("http://example.com/a?utm_source=x") == "http://example.com/a?utm_source=x"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, False),
        ("", False),
        ("not a url", False),
        (ARTICLE, True),
        (ARTICLE_P2, True),
        ("/xznews/system/2010/12/29/013095123.htm", True),
        ("http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml?x=1#p", True),
        ("http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/", False),
        ("http://jxxznews.zjol.com.cn/xznews/system/2010/12/index.shtml", False),
        ("http://jxxznews.zjol.com.cn/xznews/index.shtml", False),
        ("http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml.bak", False),
        ("ftp://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml", False),
    ],
)
def test_is_article_url(raw, expected):
    assert is_article_url(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("::::", None),
        (ARTICLE, "13095123"),
        (ARTICLE_P2, "13095123"),
        ("/xznews/system/2010/12/29/13095123.shtml", "13095123"),
        ("http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/000000000.shtml", None),
        ("http://jxxznews.zjol.com.cn/xznews/index_2.shtml", None),
        ("http://jxxznews.zjol.com.cn/xznews/013095123.shtml", None),
    ],
)
def test_article_id_from_url(raw, expected):
    assert article_id_from_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("http://[::1", None),
        (ARTICLE, (ARTICLE, 0)),
        (ARTICLE_P2, (ARTICLE, 1)),
        (ARTICLE.replace(".shtml", "_02.shtml"), (ARTICLE, 2)),
        ("/xznews/system/2010/12/29/013095123_10.shtml", ("/xznews/system/2010/12/29/013095123.shtml", 10)),
        (SECTION, None),
        ("http://jxxznews.zjol.com.cn/xznews/xwzx/index_1.shtml", None),
    ],
)
def test_article_part(raw, expected):
    assert article_part(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("http://[::1", None),
        ("http://jxxznews.zjol.com.cn/xznews/xwzx/index.shtml", 0),
        ("http://jxxznews.zjol.com.cn/xznews/xwzx/index_1.shtml", 1),
        ("http://jxxznews.zjol.com.cn/xznews/xwzx/index_2.shtml", 2),
        ("http://jxxznews.zjol.com.cn/xznews/xwzx/index_2.shtml?x=1", 2),
        (SECTION, 0),
        ("http://jxxznews.zjol.com.cn/", 0),
        (ARTICLE, None),
        (ARTICLE_P2, None),
        ("http://jxxznews.zjol.com.cn/xznews/xwzx/list.shtml", None),
        ("http://jxxznews.zjol.com.cn/xznews/xwzx/myindex.shtml", None),
        ("mailto:a@example.com/", None),
    ],
)
def test_listing_page_number(raw, expected):
    assert listing_page_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, []),
        ("", []),
        (" ,，、;；\u3000", []),
        ("创先争优,党员", ["创先争优", "党员"]),
        ("创先争优，党员、秀洲;党建；联户", ["创先争优", "党员", "秀洲", "党建", "联户"]),
        ("创先争优 党员\u3000秀洲", ["创先争优", "党员", "秀洲"]),
        ("党员,党员 党员", ["党员"]),
        ("a,,b", ["a", "b"]),
    ],
)
def test_split_keywords(raw, expected):
    assert split_keywords(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("-秀洲新闻网", "-秀洲新闻网"),
        ("标题-秀洲新闻网", "标题"),
        ("标题_秀洲新闻网", "标题"),
        ("标题 - 秀洲新闻网 - 浙江在线", "标题"),
        ("标题_秀洲新闻网_浙江在线", "标题"),
        ("标题|秀洲新闻网", "标题"),
        ("标题——秀洲新闻网", "标题"),
        ("标题 – jxxznews.zjol.com.cn", "标题"),
        ("“一联三会”让党员与群众心连心 - 秀洲新闻网", "“一联三会”让党员与群众心连心"),
        ("2010-2011年度先进集体", "2010-2011年度先进集体"),
        ("2010-2011年度先进集体-秀洲新闻网", "2010-2011年度先进集体"),
        ("嘉兴-上海 合作协议签署", "嘉兴-上海 合作协议签署"),
        ("王江泾镇-秀洲区重点项目开工", "王江泾镇-秀洲区重点项目开工"),
        ("  标题 \u3000 正文 - 秀洲新闻网 ", "标题 正文"),
    ],
)
def test_strip_site_suffix(raw, expected):
    assert strip_site_suffix(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, []),
        ("", []),
        ("您当前的位置:", []),
        (SEED_BREADCRUMB, ["专题2010", "画乡先锋 创先争优", "先锋视点"]),
        ("您当前的位置：首  页 ＞ 新闻中心 ＞ 大小城事", ["新闻中心", "大小城事"]),
        ("当前位置: 首页 › 新闻中心 » 图库 → 图片", ["新闻中心", "图库", "图片"]),
        ("位置：首页>>新闻中心", ["新闻中心"]),
        ("首页 > > 新闻中心 >", ["新闻中心"]),
        ("  新闻中心  >  大小城事  ", ["新闻中心", "大小城事"]),
        ("首页", []),
    ],
)
def test_split_breadcrumb(raw, expected):
    assert split_breadcrumb(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ((None, []), "\n"),
        (("", []), "\n"),
        (("标题", []), "标题\n"),
        (("标题", ["段一", "段二"]), "标题\n段一\n段二"),
        ((" 标题\u3000", ["\u3000\u3000段一 ", "段\xa0\xa0二"]), "标题\n段一\n段 二"),
        (("标题", [None, ""]), "标题\n\n"),
    ],
)
def test_content_hash(raw, expected):
    title, paragraphs = raw
    assert content_hash(title, paragraphs) == hashlib.sha256(expected.encode("utf-8")).hexdigest()


def test_content_hash_differs_with_text():
    assert content_hash("标题", ["段一"]) != content_hash("标题", ["段二"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, False),
        ("", False),
        ("\u3000", False),
        ("【打印】 【关闭】", True),
        ("【打印】【关闭】", True),
        ("【字号 大 中 小】【打印】【关闭】", True),
        ("[打印] [关闭]", True),
        ("打印本页 关闭窗口", True),
        ("上一页 1 2 3 下一页", True),
        ("第1页 第2页", True),
        ("[1] [2] [3]", True),
        ("共3页 上一页 1 2 3 下一页", True),
        ("分享到：", True),
        ("分享到: QQ空间 新浪微博 腾讯微博", True),
        ("相关稿件", True),
        ("相 关 稿 件：", True),
        (SEED_METADATA_LINE, True),
        ("【责任编辑：吴怡之】", True),
        ("编辑: 吴怡之", True),
        # Prose mentioning the same words stays prose.
        ("“12月30日又是我们村的‘书记接访日’,不过到时候我接待的都是本村党员。”", False),
        ("村民可以到村委会打印下一页的表格,再交给网格员。", False),
        ("他说，分享到朋友圈的照片引来了很多点赞。", False),
        ("来源于群众的意见建议，共收集4800多条。", False),
        ("2010 2011", False),
        ("【", False),
        ("1 2 3", False),
        ("【编者按】", False),
        ("【新闻链接】 【背景】", False),
        ("【我要评论】【打印本页】【关闭窗口】", True),
        ("字号：大 中 小", True),
        ("上一页123下一页", True),
        ("首页 上一页 [1] [2] 下一页 尾页", True),
    ],
)
def test_is_toolbar_text(raw, expected):
    assert is_toolbar_text(raw) is expected


def _is_toolbar_text_every_check(text: str | None) -> bool:
    """is_toolbar_text without its shortcuts: every check run on every text."""
    text = collapse_whitespace(text)
    if not text:
        return False
    if normalize._BRACKET_GROUPS_RE.fullmatch(text) and normalize._are_toolbar_words(
        word for group in normalize._BRACKET_GROUP_RE.findall(text) for word in normalize._words(group)
    ):
        return True
    if normalize._PAGER_RE.fullmatch(text) and not text.replace(" ", "").isdigit():
        return True
    words = normalize._words(text)
    if normalize._are_toolbar_words(words) and not all(word.isdigit() for word in words):
        return True
    if normalize.unpad_name(normalize._COLON_RE.sub("", text)) in normalize._RELATED_HEADINGS:
        return True
    if len(text) > normalize._FURNITURE_MAX_CHARS:
        return False
    return bool(normalize._SHARE_RE.match(text) or normalize._METADATA_LINE_RE.match(text))


@settings(deadline=None, max_examples=2000, derandomize=True, database=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "打印",
                "关闭",
                "字号",
                "大",
                "中",
                "小",
                "上一页",
                "下一页",
                "[1]",
                "12",
                "…",
                "【",
                "】",
                "：",
                ":",
                " ",
                "\u3000",
                "相关稿件",
                "相 关 稿 件",
                "相关",
                "分享到",
                "来源",
                "作者",
                "编辑",
                "沈洁",
                "新闻",
                "。",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_is_toolbar_text_shortcuts_change_no_answer(text):
    assert is_toolbar_text(text) is _is_toolbar_text_every_check(text)


@settings(deadline=None, max_examples=300, derandomize=True, database=None)
@given(st.text())
def test_text_normalisers_never_raise(text):
    assert collapse_whitespace(text) == collapse_whitespace(collapse_whitespace(text))
    assert isinstance(split_byline(text), Byline)
    published = parse_published_at(text)
    assert published is None or published.endswith("+08:00")
    assert isinstance(canonical_url(text, TRACKING), str)


@settings(deadline=None, max_examples=300, derandomize=True, database=None)
@given(st.text(alphabet=st.sampled_from("记者通讯员摄影实习生本报 　、，:：沈洁冯萍()（）")))
def test_split_byline_never_raises_on_bylines(text):
    byline = split_byline(text)
    for names in byline:
        assert all(name and " " not in name for name in names)


@settings(deadline=None, max_examples=300, derandomize=True, database=None)
@given(
    st.builds(
        "{}://{}{}/{}?{}#{}".format,
        st.sampled_from(["http", "HTTPS", "ftp", ""]),
        st.text(max_size=12),
        st.sampled_from(["", ":80", ":443", ":x", ":99999"]),
        st.text(max_size=12),
        st.text(max_size=12),
        st.text(max_size=5),
    )
)
def test_url_helpers_never_raise_on_url_like_text(url):
    assert isinstance(canonical_url(url, TRACKING), str)
    is_article_url(url)
    article_id_from_url(url)
    article_part(url)
    listing_page_number(url)


_WHITESPACE_ALPHABET = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\u200b\u2060\ufeffa嘉"


@settings(deadline=None, max_examples=500, derandomize=True, database=None)
@given(st.text(alphabet=_WHITESPACE_ALPHABET) | st.text())
def test_collapse_whitespace_is_the_regex_definition(text):
    """The fast version (str.split) collapses exactly what ``[\\s\\u200b\\u2060\\ufeff]+`` matches."""
    import re

    assert collapse_whitespace(text) == re.sub(r"[\s\u200b\u2060\ufeff]+", " ", text).strip(" ")
