"""Write the saved portal snapshot: pages, manifest.json and expected.jsonl.

The snapshot is a hand-made model of 秀洲新闻网 as a crawler saw it on
2019-07-15 (see README.md in this folder for what is fact and what is
assumption).  The article texts, bylines and the expected values of every
record are written out by hand in ``ARTICLES`` below; this script only lays
them into the page template and writes the files, so that the nav bars,
sidebar and footer are identical on every page.  Re-run it after editing:

    .venv/bin/python tests/sample_data/portal/build_portal.py

and review the diff of ``pages/`` and ``expected.jsonl`` by hand.
"""

# ruff: noqa: C408  (the article table reads best as dict(...) calls)
from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
SITE = "http://jxxznews.zjol.com.cn"
HOST = "jxxznews.zjol.com.cn"
FETCHED_AT = "2019-07-15T08:00:00Z"

# ---------------------------------------------------------------------------
# Site furniture (SSI includes: identical on every page)
# ---------------------------------------------------------------------------

# (label as in the seed, href).  The folder names are assumptions.
NAV1 = [
    ("首   页", "/xznews/"),
    ("新闻中心", "/xznews/xwzx/"),
    ("视听新闻", "/xznews/stxw/"),
    ("玩转秀洲", "/xznews/wzxz/"),
    ("直通秀洲", "/xznews/ztxz/"),
    ("画乡风采", "/xznews/hxfc/"),
    ("曝 书 亭", "/xznews/bst/"),
    ("镇街风采", "/xznews/zjfc/"),
    ("部门联动", "/xznews/bmld/"),
    ("企业名片", "/xznews/qymp/"),
    ("新居民之家", "/xznews/xjmzj/"),
    ("图  库", "/xznews/tk/"),
]
NAV2 = [
    ("民生信息", "/xznews/msxx/"),
    ("大小城事", "/xznews/dxcs/"),
    ("财经纵横", "/xznews/cjzh/"),
    ("教育天地", "/xznews/jytd/"),
    ("休闲旅游", "/xznews/xxly/"),
    ("生活健康", "/xznews/shjk/"),
    ("文娱播报", "/xznews/wybb/"),
    ("时尚资讯", "/xznews/sszx/"),
    ("汽车世界", "/xznews/qcsj/"),
    ("专  题", "/xznews/zt/"),
    ("小村官在线", "/xznews/xcgzx/"),
    ("官方微博", "http://weibo.com/xzxww"),
]

# key: (name, folder path, ENP node id, parent key)
NODES = {
    "xwzx": ("新闻中心", "/xznews/xwzx/", "17240", None),
    "stxw": ("视听新闻", "/xznews/stxw/", "17241", None),
    "wzxz": ("玩转秀洲", "/xznews/wzxz/", "17242", None),
    "ztxz": ("直通秀洲", "/xznews/ztxz/", "17243", None),
    "hxfc": ("画乡风采", "/xznews/hxfc/", "17244", None),
    "bst": ("曝书亭", "/xznews/bst/", "17245", None),
    "zjfc": ("镇街风采", "/xznews/zjfc/", "17246", None),
    "wjj": ("王江泾镇", "/xznews/zjfc/wjj/", "17302", "zjfc"),
    "bmld": ("部门联动", "/xznews/bmld/", "17247", None),
    "qymp": ("企业名片", "/xznews/qymp/", "17248", None),
    "xjmzj": ("新居民之家", "/xznews/xjmzj/", "17249", None),
    "tk": ("图库", "/xznews/tk/", "17250", None),
    "msxx": ("民生信息", "/xznews/msxx/", "17251", None),
    "dxcs": ("大小城事", "/xznews/dxcs/", "17252", None),
    "cjzh": ("财经纵横", "/xznews/cjzh/", "17253", None),
    "jytd": ("教育天地", "/xznews/jytd/", "17254", None),
    "xxly": ("休闲旅游", "/xznews/xxly/", "17255", None),
    "shjk": ("生活健康", "/xznews/shjk/", "17256", None),
    "wybb": ("文娱播报", "/xznews/wybb/", "17257", None),
    "sszx": ("时尚资讯", "/xznews/sszx/", "17258", None),
    "qcsj": ("汽车世界", "/xznews/qcsj/", "17259", None),
    "zt": ("专题", "/xznews/zt/", "17260", None),
    "zt2010": ("专题2010", "/xznews/zt2010/", "26811", None),
    "hxxf": ("画乡先锋 创先争优", "/xznews/zt2010/hxxf/", "27043", "zt2010"),
    "xfsd": ("先锋视点", "/xznews/zt2010/hxxf/xfsd/", "27046", "hxxf"),
}

SOURCE_LINKS = {
    "嘉兴日报": "http://www.cnjxol.com/",
    "南湖晚报": "http://nhwb.cnjxol.com/",
    "嘉兴在线": "http://www.cnjxol.com/",
    "秀洲新闻网": "http://jxxznews.zjol.com.cn/xznews/",
}

CLOCK_SCRIPT = """<script language="JavaScript" type="text/javascript">
<!--
var today=new Date();
var year=today.getYear();
if(year<1000){year="19"+year;}
var week=new Array("周日","周一","周二","周三","周四","周五","周六");
document.write(year+"年"+(today.getMonth()+1)+"月"+today.getDate()+"日 "+week[today.getDay()]);
//-->
</script>19119年7月15日 周一"""


def esc(text: str) -> str:
    """Escape text for an element (quotes stay raw, as ENP writes them)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def abs_url(path: str) -> str:
    return path if path.startswith("http") else SITE + path


def article_path(art: dict, part: int = 0) -> str:
    y, m, d = art["date"][:10].split("-")
    suffix = f"_{part:02d}" if part else ""
    return f"/xznews/system/{y}/{m}/{d}/{art['id']:09d}{suffix}.shtml"


def breadcrumb_chain(node_key: str) -> list[str]:
    chain = []
    key: str | None = node_key
    while key:
        chain.insert(0, key)
        key = NODES[key][3]
    return chain


def page_head(title: str, keywords: str = "", description: str = "", extra: str = "") -> str:
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<HTML>
<HEAD>
<META http-equiv=Content-Type content="text/html; charset=gb2312">
<TITLE>{title}</TITLE>
<META name=keywords content="{keywords.replace('"', "&quot;")}">
<META name=description content="{description.replace('"', "&quot;")}">
<LINK href="/xznews/images/xznews.css" type=text/css rel=stylesheet>
<SCRIPT language=javascript src="http://img.zjol.com.cn/js/zjol_common.js"></SCRIPT>
<script language="javascript">
function doZoom(size){{document.getElementById('zoom').style.fontSize=size+'px';}}
</script>
{extra}</HEAD>
<BODY leftMargin=0 topMargin=0 marginwidth=0 marginheight=0>
"""


def page_top() -> str:
    nav1 = " | ".join(f'<a href="{abs_url(h)}" class=nav>{label}</a>' for label, h in NAV1)
    nav2 = " | ".join(
        f'<a href="{abs_url(h)}" class=nav{" target=_blank" if h.startswith("http") else ""}>{label}</a>'
        for label, h in NAV2
    )
    return f"""<TABLE width=960 border=0 align=center cellpadding=0 cellspacing=0 class=topbar>
<TR>
<TD height=26 align=left class=top>&nbsp;<a href="http://www.zjol.com.cn/" target=_blank>总站·浙江在线</a> <a href="http://zjnews.zjol.com.cn/" target=_blank>浙江新闻</a> <a href="http://photo.zjol.com.cn/" target=_blank>图 片</a> <a href="http://zjdaily.zjol.com.cn/" target=_blank>数字报</a> <a href="http://caipiao.zjol.com.cn/" target=_blank>彩票代购</a></TD>
<TD align=right class=top><form name=search action="http://search.zjol.com.cn/search.jsp" method=get target=_blank><input type=hidden name=site value=jxxznews><input name=q size=16 class=input> <input type=submit value="搜 索" class=btn></form></TD>
</TR>
</TABLE>
<TABLE width=960 border=0 align=center cellpadding=0 cellspacing=0>
<TR>
<TD width=260><a href="http://jxxznews.zjol.com.cn/xznews/"><img src="http://jxxznews.zjol.com.cn/xznews/images/logo.gif" width=260 height=90 border=0 alt="秀洲新闻网"></a></TD>
<TD width=700><img src="http://img.zjol.com.cn/ad/xz/banner_700x90.jpg" width=700 height=90 border=0></TD>
</TR>
</TABLE>
<TABLE width=960 border=0 align=center cellpadding=0 cellspacing=0 class=navbg>
<TR><TD height=28 align=center class=nav1> {nav1}</TD></TR>
<TR><TD height=28 align=center class=nav2> {nav2}</TD></TR>
</TABLE>
<TABLE width=960 border=0 align=center cellpadding=0 cellspacing=0 class=datebar>
<TR>
<TD width=300 height=26 class=date>{CLOCK_SCRIPT}</TD>
<TD align=right class=date>&nbsp;</TD>
</TR>
</TABLE>
"""


def page_bottom() -> str:
    return """<TABLE width=960 border=0 align=center cellpadding=0 cellspacing=0 class=foot>
<TR><TD height=8></TD></TR>
<TR><TD align=center class=foot height=80>秀洲区新闻网络信息中心 - copyright &copy; 2009版权所有<br>
<a href="http://jxxznews.zjol.com.cn/xznews/gywm/index.shtml" target=_blank>关于我们</a> | <a href="http://jxxznews.zjol.com.cn/xznews/ggfw/index.shtml" target=_blank>广告服务</a> | <a href="http://jxxznews.zjol.com.cn/xznews/lxfs/index.shtml" target=_blank>联系方式</a> | <a href="http://jxxznews.zjol.com.cn/xznews/flsm/index.shtml" target=_blank>法律声明</a><br>
浙江在线新闻网站平台支持&nbsp; <a href="http://www.miibeian.gov.cn/" target=_blank>浙ICP备09103386号</a>&nbsp; 浙新办[2009]24号</TD></TR>
</TABLE>
<script language="javascript" src="http://count.zjol.com.cn/count.js?site=jxxznews"></script>
</BODY>
</HTML>
"""


def breadcrumb_row(node_key: str | None) -> str:
    crumbs = '您当前的位置:<a href="http://jxxznews.zjol.com.cn/xznews/index.shtml">首 页</a>'
    if node_key:
        links = [
            f'<a href="{SITE}{NODES[k][1]}index.shtml" class=weizhi>{NODES[k][0]}</a>'
            for k in breadcrumb_chain(node_key)
        ]
        crumbs += " &gt; " + "&nbsp;&gt;&nbsp;".join(links)
    return f"""<TABLE width=960 border=0 align=center cellpadding=0 cellspacing=0 class=weizhibg>
<TR><TD height=30 class=weizhi>&nbsp;{crumbs}</TD></TR>
</TABLE>
"""


# ---------------------------------------------------------------------------
# Articles (all values below are written by hand)
# ---------------------------------------------------------------------------

SEED_PARAGRAPHS = [
    "“12月30日又是我们村的‘书记接访日’,不过到时候我接待的都是本村党员。”昨天,王江泾镇南汇村党总支书记计兴荣笑着对记者说,自从今年年初南汇村在王江泾镇率先进行网格化管理试点后,全村72名党员几乎一天也不闲着,每名党员都联系5户至10户农户,把他们的意见和建议写进《党员联户工作手册》,党员们在每月15日和30日定期到党总支书记办公室汇总情况。",
    "把家家户户织机排出的污水统一纳入污水管网,还农村清洁的河道;添置文体活动设施,为村民定期组织各类娱乐活动;建立关爱基金,帮助生活困难党员渡过难关……翻开《党员联户工作手册》,村民们提出的一条条意见和建议一目了然。计兴荣感慨地说,过去村干部不知道应该怎么做才能让村民满意,现在由村民亲口提出来,工作的方向更加明确了。",
    "南汇村村民朱根兴告诉记者,有一次村里的党员向村党总支反映,村民希望村里统一将农田发包给种植大户。党总支成员商议后很快达成了发包协议,将198户农户的330亩农田发包给种植大户,农户每年都能获得一定数量的稻谷。村民们普遍反映村班子办事效率很高,这样的党组织群众信得过。",
    "今年初以来,秀洲区在创先争优活动中,围绕建设服务型党组织这一主题,在积极推行“网格化管理、组团式服务”的基础上,建立了“一联三会”制度,将党的声音和政府的管理服务延伸至社会的最末梢,织就了一张党组织和党员带头服务群众的服务网络。“一个党支部就是一张网,一名党员就是一座桥,每名党员都有一片‘责任田’,每个支部都有一张服务网。”关于“一联三会”的形象解释,每名党员都铭记在心。",
    "目前,全区1万多名党员,共联系结对了6万多户群众,实现了全区党群结对“联户包片”工作全覆盖。联户党员们身兼数职,扮演了“政策形势宣讲员”、“村情民意信息员”、“矛盾纠纷调解员”和“干群沟通联络员”等各种角色,在每次联系和造访群众时都一五一十地记录群众的意见建议,以便及时办理和定期督查。镇、村、网络、群众联动,每年都对党员进行考核,内容包括联户群众评定、《党员联户工作手册》和上级党组织考核等,确保党员联户“联”出成效。",
    "“村里的小学合并了,所有学生都要去镇上的中心小学读书,一些家长向我们反映雨雪天气接送孩子不方便。”洪合镇泰石桥村党总支委员陆金土说,村里的党员分片区联系群众,他们能第一时间倾听民声。不定期到群众家坐坐,定期召开党小组民意收集会、支委(扩大)民情分析会和党员大会,为村委会决策提供民意基础。秀洲区的基层党员们发现,支部生活比过去丰富了很多,在民意收集会、民情分析会和党员大会上,党员们争相反映群众的呼声,大家都感觉自己是在为村民们办实事。",
    "今年初以来,全区141名村(社区)党组织书记已解决群众诉求300多起;村(社区)党组织委员共收集群众意见、建议4800多条,解决问题1200多个。以王江泾镇南汇村党总支为例,通过联系群众,相继解决了放水员不履职、田间取水不方便、内涝严重等农业问题26个,“一联三会”让党员与群众心连心。",
]

IMG = "/xznews/images/site2"


def P(text: str) -> tuple:
    return ("p", text)


def IMGB(src: str, caption: str | None = None, font: bool = False) -> tuple:
    return ("img", src, caption, font)


SPACER_NBSP = ("raw", "<p>&nbsp;</p>")
SPACER_EMPTY = ("raw", "<p></p>")
SPACER_U3000 = ("raw", "<P>　　</P>")

# Keys of each article:
#   key, id, date (enpproperty <date> without ".0"), node, title, paragraphs/blocks,
#   source, byline (raw 作者 text, or None), reporters/correspondents/photographers
#   (expected, by hand), editor, and template switches (see render_article).
# fmt: off
ARTICLES: list[dict] = [
    # ---- 精彩推荐 (the sidebar of the seed; newest articles, 2014-2015) ----
    dict(
        key="S1", id=18954217, date="2015-07-08 08:16:02", node="xwzx",
        title="作风“新常态”擎动现代化田园“秀洲梦”",
        blocks=[
            P("今年以来，秀洲区把作风建设作为推进“现代化网络型田园城市”建设的重要保障，以“三严三实”专题教育为抓手，推动全区党员干部转变作风、担当实干，为实现田园“秀洲梦”凝聚起强大合力。"),
            P("在王江泾镇，镇村干部每周两天“走村不走读”，带着问题清单进村入户；在新塍镇，“马上就办”服务承诺写进了每个窗口的岗位职责。截至6月底，全区共收集群众意见建议1200余条，已办结1080条。"),
            SPACER_NBSP,
            P("区委主要负责人表示，作风“新常态”不是一阵风，要以制度管人管事，让干部习惯在监督下工作，让群众感受到实实在在的变化。"),
        ],
        source="嘉兴日报", byline="记者 沈 洁 通讯员 俞 燕", reporters=["沈洁"], correspondents=["俞燕"],
        editor="吴怡之", keyword="作风建设,三严三实", keywords=["作风建设", "三严三实"],
        related=["S9", "S6"],
    ),
    dict(
        key="S9", id=18931560, date="2015-07-02 07:58:44", node="xwzx",
        title="转职能 转方式 转作风 “三转”转出秀洲新气象",
        blocks=[
            P("今年以来，秀洲区各级纪检监察机关深入推进“转职能、转方式、转作风”，聚焦主业主责，全区纪检监察机关参与的议事协调机构由原来的86个精简至9个。"),
            P("“过去很多精力花在了牵头抓总上，现在腾出手来专心执纪监督。”区纪委有关负责人说。上半年，全区共开展作风专项检查46次，发现并督促整改问题138个。"),
            P("与此同时，秀洲区还建立了“一月一通报”制度，对群众反映强烈的“庸懒散”问题点名道姓曝光，倒逼干部作风持续好转。"),
        ],
        source="秀洲新闻网", byline="通讯员 周晓红", correspondents=["周晓红"], editor="许晓晨", indent="style",
        related=["S1"],
    ),
    dict(
        key="S3", id=18902834, date="2015-06-25 09:03:17", node="xwzx",
        title='秀洲开展"七进七种"宣讲服务进农村文化礼堂活动',
        blocks=[
            P('6月23日晚，油车港镇马厍村文化礼堂里座无虚席，区委宣讲团成员用村民听得懂的家常话，讲解“五水共治”和美丽乡村建设的新政策。这是秀洲区"七进七种"宣讲服务活动的一个场景。'),
            P('"七进七种"即宣讲进礼堂、进农户、进企业、进学校、进社区、进工地、进市场，在群众中种下信念、种下文明、种下法治等“七颗种子”。活动启动以来，全区已组织各类宣讲380余场，受众4万余人次。'),
            P("区委宣传部有关负责人介绍，今年全区还将新建农村文化礼堂15家，让礼堂真正成为村民的精神家园。"),
        ],
        source="嘉兴在线", byline="记者 陆 燕", reporters=["陆燕"], editor="张燕",
    ),
    dict(
        key="S2", id=18012744, date="2014-09-15 07:48:33", node="hxfc",
        title="菱歌悠扬菱桶竞渡擦亮南湖菱文化“金名片”",
        blocks=[
            P("9月13日，第五届南湖菱文化节在油车港镇麟湖村拉开帷幕。数十只菱桶在河面上穿梭竞渡，岸边观众的加油声、吆喝声此起彼伏。"),
            P("南湖菱又称“元宝菱”，无角、皮薄、肉嫩，是嘉兴的传统名特产。近年来，油车港镇依托南湖菱种植基地，打造集采菱体验、民俗表演、农家美食于一体的乡村旅游线路。"),
            P("活动现场还举行了采菱比赛、菱歌对唱和南湖菱创意菜评比，吸引了2万余名市民游客前来观光。"),
        ],
        source="南湖晚报", byline="记者 钱 程", reporters=["钱程"], editor="吴怡之",
        keyword="南湖菱 菱文化节", keywords=["南湖菱", "菱文化节"],
    ),
    dict(
        key="S4", id=18921517, date="2015-06-30 07:39:48", node="wybb",
        title="嘉兴创建国家公共文化示范区交出“中期答卷”",
        blocks=[
            P("6月29日，记者从市文化广电新闻出版局获悉，嘉兴创建国家公共文化服务体系示范区工作顺利通过中期督查，各项指标完成情况良好。"),
            P("创建以来，全市新建城乡一体化图书馆分馆22家，农村文化礼堂达到286家，“文化有约”等服务品牌覆盖城乡。秀洲区作为创建重点区域之一，已实现镇（街道）综合文化站和村（社区）文化活动室全覆盖。"),
            P("下一步，嘉兴将重点推进公共文化服务标准化、数字化建设，确保年底前高质量通过国家验收。"),
        ],
        source="嘉兴日报", byline="记者 徐 萍", reporters=["徐萍"], editor="许晓晨",
    ),
    dict(
        key="S5", id=18851203, date="2015-06-18 08:21:09", node="msxx",
        title="秀洲区完善活水机制逐步改善河道水质",
        blocks=[
            P("连日来，秀洲区各镇（街道）的节制闸按照“活水调度方案”有序启闭，北部太湖来水经过京杭运河等骨干河道缓缓流入南部河网，河道水体流动明显加快。"),
            P("据了解，秀洲区今年投入资金1.2亿元，实施河道清淤180公里，新建和改造节制闸12座，形成“北进南排”的活水格局。"),
            P("区治水办监测数据显示，今年1至5月，全区28个市控以上断面水质综合污染指数同比下降8.6%。"),
        ],
        source="秀洲新闻网", byline=None, author_style="empty", editor="张燕",
        # the tracking-query variant of N1 is in this related list
        related=[("N1", "?from=timeline"), "S6"],
    ),
    dict(
        key="S6", id=18846302, date="2015-06-12 09:14:06", node="bmld",
        title="防汛升级 秀洲启动基层防汛防台体系规范化建设",
        visible_title="防汛升级  秀洲启动基层防汛防台体系规范化建设",
        blocks=[
            P("入梅在即，秀洲区日前启动基层防汛防台体系规范化建设，年内全区75个行政村（社区）将全部达到“六有”标准，即有组织、有预案、有物资、有队伍、有培训、有演练。"),
            P("区水利局有关负责人介绍，今年全区落实防汛抢险队伍86支、队员2100余人，储备编织袋、救生衣等防汛物资价值600余万元。"),
            P("6月10日，区防指还在王江泾镇组织了一次防汛应急演练，检验各部门协同作战能力。"),
        ],
        source="秀洲新闻网", byline="通讯员 蒋 斌 记者 沈 洁", reporters=["沈洁"], correspondents=["蒋斌"],
        editor="吴怡之",
    ),
    dict(
        key="S7", id=18757930, date="2015-05-28 07:33:51", node="cjzh",
        title='嘉兴"十三五"规划编制启动 编制思路进一步创新',
        blocks=[
            P("5月27日，我市召开“十三五”规划编制工作会议，标志着全市“十三五”规划编制工作全面启动。"),
            P("与以往不同，此次规划编制将更加注重“多规合一”，把经济社会发展规划、城乡规划、土地利用规划和环境功能区规划统筹考虑，形成“一张蓝图”。"),
            P("会议要求，各地各部门要广泛听取基层和群众意见，确保规划年底前形成初稿。"),
        ],
        source="嘉兴日报", byline="本报记者 姚 伟", reporters=["姚伟"], editor="许晓晨",
    ),
    dict(
        key="S8", id=18838611, date="2015-06-10 08:03:22", node="jytd",
        title='在活动中体验古老民俗文化 秀洲小学生亲近"非遗"',
        blocks=[
            P("6月9日，新塍镇小学的操场上热闹非凡，区非遗保护中心的老艺人带来了网船会、踏白船、蚕桑习俗等民俗展示，孩子们围在一旁看得津津有味。"),
            P("“原来纸马是这样印出来的！”四年级学生小徐在老师傅的指导下，亲手拓印了一张纸马，高兴地说要带回家给爷爷奶奶看。"),
            P("据悉，今年秀洲区将在10所中小学开设非遗传承课程，让古老的民俗文化在校园里“活”起来。"),
        ],
        source="秀洲新闻网", byline="通讯员 王 芳", correspondents=["王芳"], editor="张燕",
    ),
    dict(
        key="S10", id=18945188, date="2015-07-06 08:44:12", node="cjzh",
        title="秀洲区20多个楼盘亮相嘉兴夏季房博会",
        blocks=[
            P("7月4日至5日，2015嘉兴夏季房地产博览会在嘉兴国际会展中心举行，秀洲区20多个楼盘集中亮相，成为本届房博会的一大看点。"),
            P("记者在现场看到，不少楼盘推出了特价房、购房补贴等优惠措施，秀洲新区、高铁新城板块的楼盘咨询者尤其多。"),
            P("据统计，两天展会期间，秀洲区参展楼盘共接待咨询1.2万余人次，现场认购房源86套。"),
        ],
        source="南湖晚报", byline="记者 周 媛", reporters=["周媛"], editor="许晓晨", indent="style",
    ),
    # ---- 专题2010 > 画乡先锋 创先争优 > 先锋视点 (the seed and its neighbours) ----
    dict(
        key="A0", id=13095123, date="2010-12-29 07:07:12", node="xfsd",
        title="“一联三会”让党员与群众心连心",
        blocks=[P(t) for t in SEED_PARAGRAPHS],
        indent="seed", source="嘉兴日报", byline="记 者 沈 洁通讯员 吕军超 冯 萍", author_meta="沈洁",
        reporters=["沈洁"], correspondents=["吕军超", "冯萍"], editor="吴怡之",
        keyword="一联三会,创先争优", keywords=["一联三会", "创先争优"],
        byline_style="seed", related=["R1", "R2", "R3"],
    ),
    dict(
        key="R1", id=13063417, date="2010-12-20 08:41:35", node="xfsd",
        title="创先争优:有时间做志愿者 有困难找志愿者 是党员当志愿者",
        blocks=[
            P('"有时间做志愿者,有困难找志愿者,是党员当志愿者。"这是秀洲区在创先争优活动中叫响的一句口号。今年以来,全区已有8600多名党员注册成为志愿者,占党员总数的八成以上。'),
            P('在新城街道,党员志愿者组成"老娘舅"调解队,走家串户化解邻里纠纷;在洪合镇,党员志愿者帮助新居民子女辅导功课,让孩子们在异乡也能感受到温暖。'),
            P("区委组织部有关负责人介绍,下一步将建立党员志愿服务积分制度,把志愿服务情况纳入党员民主评议的重要内容。"),
        ],
        source="嘉兴日报", byline="记 者 沈 洁 通讯员 吕军超", reporters=["沈洁"], correspondents=["吕军超"],
        editor="吴怡之", byline_style="seed", related=["R2"],
    ),
    dict(
        key="R2", id=13030288, date="2010-12-10 16:02:51", node="xfsd",
        title="暖心促和谐 聚心促发展惠民行动启动 嘉兴市党员志愿服务中心成立",
        blocks=[
            P("12月9日,嘉兴市“暖心促和谐、聚心促发展”惠民行动启动仪式暨市党员志愿服务中心成立大会举行。"),
            P("市党员志愿服务中心将整合全市各类志愿服务资源,建立需求收集、项目发布、服务对接的工作机制,引导广大党员在服务群众中发挥先锋模范作用。"),
            P("启动仪式上,来自各县(市、区)的20支党员志愿服务队接受了授旗。"),
        ],
        source="嘉兴日报", byline="记者 吴 鑫", reporters=["吴鑫"], editor="吴怡之", byline_style="seed",
        related=["R3"],
    ),
    dict(
        key="R3", id=12986105, date="2010-11-26 07:25:08", node="xfsd",
        title="秀洲创先争优打造党员志愿者个性化服务队伍",
        blocks=[
            P("近日,秀洲区根据党员的年龄结构、专业特长和服务意愿,组建了政策宣传、法律援助、医疗保健、科技服务等12类党员志愿者服务队。"),
            SPACER_EMPTY,
            P("各服务队实行“菜单式”服务,由群众“点菜”、党员“上菜”,做到需求与服务精准对接。目前,全区共组建党员志愿者服务队326支。"),
        ],
        source="秀洲新闻网", byline="通讯员 吕军超 冯 萍", correspondents=["吕军超", "冯萍"], editor="吴怡之",
        byline_style="plain", indent="nbsp",
    ),
    dict(
        key="X1", id=13139870, date="2011-01-11 07:12:40", node="xfsd",
        title="王江泾镇党员“红色代办”服务进村入户", introtitle="创先争优在基层",
        blocks=[
            P("办理新农合、领取养老金、申请低保……在王江泾镇,村民们只要一个电话,党员代办员就会上门服务。这是该镇在创先争优活动中推出的“红色代办”服务。"),
            P("目前,全镇已有320名党员担任代办员,今年以来共为群众代办各类事项5600余件,群众满意率达98%以上。"),
        ],
        source="嘉兴日报", byline="记 者 沈 洁 通讯员 钱伟明", reporters=["沈洁"], correspondents=["钱伟明"],
        editor="吴怡之", byline_style="seed", related=["A0", "R1"],
    ),
    # ---- 新闻中心 (three listing pages) ----
    dict(
        key="N1", id=15488210, date="2012-11-20 07:31:09", node="xwzx",
        title="秀洲区全面启动农村生活污水治理三年行动",
        blocks=[
            P("11月19日，秀洲区召开农村生活污水治理工作推进会，全面启动农村生活污水治理三年行动。"),
            P("根据计划，到2015年，全区将投入资金8亿元，新建农村生活污水管网620公里，实现行政村生活污水处理设施全覆盖，农户受益率达到70%以上。"),
            P("区农办有关负责人表示，治理工作将坚持“因地制宜、分类实施”，人口集中的村庄纳入城镇污水管网，偏远自然村则采用小型污水处理设施就地处理。"),
        ],
        source="秀洲新闻网", byline="记者 陆 燕 通讯员 张 海", reporters=["陆燕"], correspondents=["张海"],
        editor="许晓晨",
    ),
    dict(
        key="N2", id=15312764, date="2012-09-26 08:05:55", node="xwzx",
        title="从“一村一品”到“一镇一业” 秀洲农业转型升级调查",
        parts=[
            [
                P("金秋时节，走进秀洲区的田间地头，处处是一派丰收景象。与往年不同的是，如今的秀洲农村，“一村一品”正在向“一镇一业”升级，现代农业的集聚效应日益显现。"),
                P("在新塍镇，3万亩优质粮油基地连片成方；在油车港镇，南湖菱、特色水产养殖形成规模；在王店镇，花卉苗木产业年产值已超过5亿元。"),
                P("“过去是各村各干各的，规模小、品牌弱；现在全镇一盘棋，统一品牌、统一标准、统一营销。”新塍镇农办负责人说。"),
            ],
            [
                IMGB(f"{IMG}/20120926/0021cc5b4d1a11d8e3c301.jpg", "新塍镇优质粮油基地的收割机正在作业"),
                P("产业集聚的背后，是土地流转的加速推进。截至8月底，全区累计流转土地面积达18.6万亩，占承包耕地总面积的52%，涌现出种粮大户、家庭农场等新型经营主体1300余家。"),
                P("王江泾镇种粮大户顾金荣今年流转了800亩土地，全程机械化作业，“一亩地一年下来能有四五百元的净收入，规模上去了，效益也就出来了。”"),
            ],
            [
                P("农业转型升级也面临不少难题。一些农业经营主体反映，农业用地、融资难仍是制约发展的“瓶颈”，农产品品牌营销能力也有待提高。"),
                P("对此，秀洲区今年出台了扶持现代农业发展的若干意见，每年安排专项资金5000万元，重点支持农业“两区”建设和农产品品牌培育。"),
                SPACER_NBSP,
            ],
        ],
        source="嘉兴日报", byline="本报记者 姚 伟 通讯员 钱 晨", reporters=["姚伟"], correspondents=["钱晨"],
        editor="吴怡之", keyword="农业转型升级,一村一品", keywords=["农业转型升级", "一村一品"],
        related=["C1", "Z1"],
    ),
    dict(
        key="N3", id=15097342, date="2012-06-28 07:40:26", node="xwzx",
        title="秀洲区首批“新居民积分制”落户名单公示",
        blocks=[
            P("6月27日，秀洲区首批新居民积分制落户人员名单在区政府网站进行公示，共有52名新居民通过积分获得落户资格。"),
            P("据介绍，秀洲区从今年3月起实行新居民积分管理办法，根据新居民的学历、技能、居住年限、社会保险、纳税等情况累计积分，积分达到一定标准即可申请落户、子女入学等待遇。"),
            P("在洪合镇一家毛衫企业工作了8年的四川籍员工杨玉兰也在名单之中。“没想到这么快就能成为秀洲人，以后孩子读书也不用愁了。”她高兴地说。"),
        ],
        source="嘉兴日报", byline="本报记者 徐 萍 见习记者 朱 玥", reporters=["徐萍", "朱玥"], editor="许晓晨",
        related=["M2"],
    ),
    dict(
        key="N4", id=14602115, date="2012-02-14 08:22:10", node="xwzx",
        title="秀洲区2012年实事工程确定 十件实事件件关乎民生",
        blocks=[
            P("日前，经过广泛征求意见和区人代会代表票决，秀洲区2012年十件民生实事工程正式确定。"),
            P("十件实事涉及教育、医疗、交通、住房、环境等多个领域，包括新建改建中小学和幼儿园5所、新增公交线路6条、完成农村危旧房改造300户、建设城乡居民健身点50个等。"),
            P("区政府有关负责人表示，将把实事工程完成情况纳入部门年度目标考核，定期向社会公布进展情况，接受群众监督。"),
        ],
        indent="nbsp", source="秀洲新闻网", byline="记者 周 媛", reporters=["周媛"], editor="张燕",
    ),
    dict(
        key="N5", id=14288306, date="2011-12-05 09:10:45", node="xwzx",
        title="“菜篮子” & “米袋子” 秀洲保供稳价有\"底气\"",
        title_html="&ldquo;菜篮子&rdquo; &amp; &ldquo;米袋子&rdquo; 秀洲保供稳价有&quot;底气&quot;",
        blocks=[
            P("元旦、春节临近，市民的“菜篮子”“米袋子”供应情况如何？记者昨天从秀洲区发改局获悉，目前全区粮食、蔬菜、猪肉等主要农产品储备充足，价格总体平稳。"),
            P("今年以来，秀洲区新建和改造蔬菜基地3200亩，落实地方粮食储备2.8万吨，并在城区设立平价商店12家，让市民买得到、买得起。"),
            P("区发改局有关负责人表示，节日期间将加强市场价格监测，对哄抬物价等违法行为坚决予以查处。"),
        ],
        source="嘉兴日报", byline="记者 吴 鑫 通讯员 沈建良", reporters=["吴鑫"], correspondents=["沈建良"],
        editor="吴怡之",
    ),
    dict(
        key="N6", id=13765903, date="2011-06-21 07:55:31", node="xwzx",
        title="新塍镇举办首届“田园杯”农民篮球赛",
        blocks=[
            P("6月19日，新塍镇首届“田园杯”农民篮球赛在镇文体中心落下帷幕，经过5天11场激烈角逐，来自桃园村的代表队获得冠军。"),
            P("本次比赛共有12支村（社区）代表队参加，参赛队员全部是当地农民和新居民。比赛期间，每天都有上千名群众到场观战助威。"),
            P("新塍镇有关负责人表示，举办农民篮球赛是丰富农村文化生活的一项举措，今后将把比赛办成一年一届的品牌活动。"),
        ],
        source="秀洲新闻网", byline="通讯员 顾 红", correspondents=["顾红"], editor="张燕",
    ),
    dict(
        key="N7", id=13412880, date="2011-03-18 08:47:12", node="xwzx",
        title="秀洲区“两会”闭幕 部署全年十项重点工作",
        blocks=[
            P("3月17日，秀洲区第三届人民代表大会第六次会议和政协第三届秀洲区委员会第六次会议胜利闭幕。"),
            P("会议审议通过了政府工作报告，明确今年全区地区生产总值增长11%、财政总收入增长12%等主要预期目标，并部署了产业转型升级、城乡统筹发展、生态环境建设等十项重点工作。"),
            P("会议期间，代表委员共提出议案建议和提案286件，涉及经济发展、社会事业、城乡建设等方方面面。"),
        ],
        source="嘉兴日报", byline="记者 姚 伟", reporters=["姚伟"], editor="吴怡之", indent="P_open",
    ),
    dict(
        key="N8", id=12851377, date="2010-10-15 09:30:00", node="xwzx", enp=False,
        title="秀洲区举行第三届农民运动会",
        blocks=[
            P("10月14日，秀洲区第三届农民运动会在区体育中心开幕，来自全区各镇（街道）的600余名农民运动员参加了开幕式。"),
            P("本届运动会设有拔河、挑担接力、踏水车、摇快船等14个比赛项目，项目设置充分体现了江南水乡的农事特色。"),
            P("运动会为期3天，比赛期间还将举办农产品展销和农村文艺表演等活动。"),
        ],
        source="嘉兴日报", byline="记者 钱 程", reporters=["钱程"], editor="吴怡之", byline_style="plain",
        indent="P_open",
    ),
    dict(
        key="N9", id=12562093, date="2010-07-22 07:18:36", node="xwzx",
        title="秀洲区启动夏季“清河”专项行动",
        blocks=[
            P("7月21日，秀洲区召开夏季河道保洁工作会议，启动为期两个月的“清河”专项行动。"),
            P("专项行动期间，各镇（街道）将组织专门力量对辖区内河道开展集中清理，重点清除河面漂浮物、水葫芦和沿岸垃圾，确保高温季节河道水质不恶化。"),
        ],
        source="秀洲新闻网", byline="通讯员 蒋 斌", correspondents=["蒋斌"], editor="张燕", byline_style="plain",
    ),
    # ---- 镇街风采 (two listing pages) and its sub-node 王江泾镇 ----
    dict(
        key="Z1", id=15421659, date="2012-10-30 07:50:12", node="zjfc",
        title="新塍镇“古镇+新城”双轮驱动加快城镇化",
        blocks=[
            P("古镇保护与新城建设如何兼顾？新塍镇给出的答案是“双轮驱动”：一方面修缮古街、古桥、古民居，留住古镇的“乡愁”；另一方面高标准建设新塍新城，完善城镇功能。"),
            P("今年以来，新塍镇完成古镇保护项目投资1.5亿元，修复能仁寺周边历史街区2.1万平方米；新城区块新建道路4.6公里，一批商住项目和公共服务设施相继投入使用。"),
            P("截至9月底，新塍镇城镇人口已达3.2万人，城镇化率比三年前提高了8个百分点。"),
        ],
        source="嘉兴日报", byline="记者 陆 燕、王伟强 通讯员 钱 晨，范 琳", reporters=["陆燕", "王伟强"],
        correspondents=["钱晨", "范琳"], editor="吴怡之",
    ),
    dict(
        key="Z2", id=15005871, date="2012-05-29 08:12:47", node="zjfc",
        title="油车港镇麟湖村“美丽乡村”建设见成效",
        blocks=[
            P("白墙黛瓦、绿树成荫、河水清澈……走进油车港镇麟湖村，一幅江南水乡的美丽画卷映入眼帘。"),
            P("去年以来，麟湖村按照“美丽乡村”建设要求，累计投入资金1800万元，完成河道整治12公里、村庄绿化8万平方米，建成农民健身广场和村文化活动中心。"),
            P("村党总支书记说，接下来村里将依托南湖菱种植基地发展乡村旅游，让美丽乡村变成村民致富的“美丽经济”。"),
        ],
        indent="nbsp", source="秀洲新闻网", byline="通讯员 许剑峰", correspondents=["许剑峰"], editor="张燕",
    ),
    dict(
        key="Z3", id=14351228, date="2011-12-22 07:36:05", node="zjfc",
        title="洪合毛衫市场年交易额突破百亿元",
        blocks=[
            P("记者从洪合镇获悉，今年洪合毛衫市场交易额预计将突破100亿元，比上年增长18%，成为全国重要的毛衫生产和集散基地之一。"),
            P("洪合镇现有毛衫生产企业和家庭作坊2800余家，从业人员5万余人，其中新居民占六成以上。近年来，该镇引导企业加大技术改造，电脑横机普及率已超过八成。"),
        ],
        source="嘉兴日报", byline="记者 吴 鑫", reporters=["吴鑫"], editor="吴怡之",
    ),
    dict(
        key="Z4", id=13963440, date="2011-08-16 09:15:58", node="zjfc",
        title="王店镇建成首个农村社区卫生服务“15分钟服务圈”",
        blocks=[
            P("近日，随着王店镇建林村社区卫生服务站投入使用，王店镇率先在全区建成农村社区卫生服务“15分钟服务圈”，村民步行15分钟即可享受基本医疗和公共卫生服务。"),
            P("目前，王店镇共有社区卫生服务站16个，配备全科医生42名，为辖区居民建立健康档案6.8万份。"),
        ],
        source="秀洲新闻网", byline="通讯员 沈 燕", correspondents=["沈燕"], editor="张燕",
    ),
    dict(
        key="Z5", id=13543019, date="2011-04-22 08:02:33", node="zjfc",
        title="高照街道推行“邻里守望”社区服务模式",
        blocks=[
            P("谁家老人生病了、谁家孩子放学没人接……在高照街道，这些邻里间的“小事”都有人管。今年起，该街道在各社区推行“邻里守望”服务模式，以楼道为单元组建互助小组。"),
            P("目前，全街道已组建邻里互助小组160个，参与居民3000余人，帮助解决各类生活难题700余件。"),
        ],
        source="秀洲新闻网", byline="记者 陆 燕", reporters=["陆燕"], editor="许晓晨",
    ),
    dict(
        # the same text as N6, published again one day later in another node
        key="Z6", id=13768214, date="2011-06-22 07:14:26", node="zjfc", same_text_as="N6",
        title="新塍镇举办首届“田园杯”农民篮球赛",
        blocks=[
            P("6月19日，新塍镇首届“田园杯”农民篮球赛在镇文体中心落下帷幕，经过5天11场激烈角逐，来自桃园村的代表队获得冠军。"),
            P("本次比赛共有12支村（社区）代表队参加，参赛队员全部是当地农民和新居民。比赛期间，每天都有上千名群众到场观战助威。"),
            SPACER_U3000,
            P("新塍镇有关负责人表示，举办农民篮球赛是丰富农村文化生活的一项举措，今后将把比赛办成一年一届的品牌活动。"),
        ],
        indent="P_open_nbsp", source="嘉兴在线", byline="通讯员 顾 红", correspondents=["顾红"],
        editor="许晓晨",
    ),
    dict(
        key="W1", id=14531867, date="2012-01-31 08:26:19", node="wjj",
        title="王江泾镇织造企业“机器换人”节本增效",
        blocks=[
            P("春节刚过，王江泾镇的织造企业就已全面复工。在嘉兴某丝织公司的车间里，一排排喷水织机高速运转，却只见几名工人来回巡视。"),
            P("“以前一个工人管4台织机，现在换上新设备后一个人能管12台。”\n    企业负责人说，去年公司投入2000多万元更新设备，用工减少了一半，产品档次却提高了一大截。"),
            P("据统计，去年王江泾镇织造企业共投入技改资金5.6亿元，淘汰落后织机3200台。"),
        ],
        source="秀洲新闻网", byline="通讯员 沈建良 顾 红", correspondents=["沈建良", "顾红"], editor="张燕",
    ),
    dict(
        key="W2", id=14102357, date="2011-10-18 07:42:51", node="wjj",
        title="王江泾镇南汇村获评省级全面小康示范村",
        blocks=[
            P("日前，王江泾镇南汇村被命名为浙江省全面小康建设示范村，成为今年秀洲区唯一获此殊荣的行政村。"),
            P("近年来，南汇村坚持产业强村、环境美村、文化兴村，村集体经济收入从2007年的86万元增加到去年的320万元，农民人均纯收入超过1.8万元。"),
        ],
        source="嘉兴日报", byline="记 者 沈 洁", reporters=["沈洁"], editor="吴怡之", byline_style="seed",
        related=["A0"],
    ),
    # ---- 画乡风采 ----
    dict(
        key="H1", id=13848106, date="2011-07-12 08:33:20", node="hxfc",
        title="秀洲农民画走进北京 百余幅作品展现田园风情",
        blocks=[
            P("7月10日，“田园风情——浙江秀洲农民画作品展”在北京开幕，120余幅农民画作品集中亮相，吸引了众多首都观众驻足欣赏。"),
            IMGB("../../../../images/site2/20110712/001e4fd94a0c0f90e9b701.jpg", "观众在展厅内欣赏秀洲农民画作品"),
            P("秀洲农民画起源于民间刺绣、灶头画和蓝印花布，色彩明快、构图饱满，充满浓郁的江南水乡生活气息。秀洲区于1988年被文化部命名为“中国现代民间绘画画乡”。"),
            IMGB("../../../../images/site2/20110712/001e4fd94a0c0f90e9b802.jpg", "农民画家现场创作", font=True),
            P("此次展览为期一周，展览期间还将举办农民画创作现场演示和学术研讨活动。"),
        ],
        source="秀洲新闻网", byline="记者 钱 程", reporters=["钱程"], editor="吴怡之",
    ),
    dict(
        key="H2", id=14860391, date="2012-04-17 08:09:45", node="hxfc",
        title="曝书亭修缮工程完工 朱彝尊故居重现旧貌",
        blocks=[
            P("经过一年多的修缮，位于王店镇的全国重点文物保护单位曝书亭近日完工并重新对外开放。"),
            P("曝书亭是清代著名学者、诗人朱彝尊的故居，始建于清康熙年间，园内有曝书亭、潜采堂、古藤书屋等建筑。此次修缮严格按照“修旧如旧”的原则，对亭台、廊轩、池塘进行了全面整修。"),
            P("王店镇有关负责人表示，将以曝书亭为核心，进一步挖掘朱彝尊文化，打造具有江南特色的文化旅游景点。"),
        ],
        source="嘉兴日报", byline="记者 周 媛 通讯员 沈 燕", reporters=["周媛"], correspondents=["沈燕"],
        editor="许晓晨",
    ),
    # ---- 民生信息 ----
    dict(
        key="M1", id=15210335, date="2012-08-07 07:45:40", node="msxx",
        title="秀洲区公共自行车租赁系统试运行",
        blocks=[
            P("8月6日起，秀洲区公共自行车租赁系统开始试运行，首批建成的20个租赁点、500辆公共自行车投入使用。"),
            P("市民持本人身份证和市民卡到指定服务点办理租车功能后，即可在任一租赁点借车还车，1小时内免费。"),
            P("区建设局有关负责人介绍，年底前全区租赁点将增加到50个，公共自行车总量达到1200辆。"),
        ],
        source="秀洲新闻网", byline=None, author_style="absent", editor="张燕",
    ),
    dict(
        key="M2", id=13621774, date="2011-05-10 08:38:02", node="msxx",
        title="新居民子女入学“一站式”服务启动",
        blocks=[
            P("5月9日，秀洲区新居民子女入学“一站式”服务窗口在区行政审批服务中心正式启用。"),
            IMGB(f"{SITE}{IMG}/20110510/001e4fd94a0c0f1f3c8a01.jpg"),
            P("新居民只需携带居住证、劳动合同、户口簿等材料到窗口登记，即可一次性完成资格审核、学校分配等手续，不必再在教育、公安、人力社保等部门之间来回奔波。"),
            P("据统计，目前秀洲区在校就读的新居民子女已达2.3万人，占全区中小学生总数的四成以上。"),
        ],
        source="南湖晚报", byline="记者 徐 萍", reporters=["徐萍"], editor="吴怡之",
    ),
    # ---- 财经纵横 ----
    dict(
        key="C1", id=15170556, date="2012-07-24 08:52:37", node="cjzh",
        title="上半年秀洲工业经济稳中有进", subtitle="秀洲区上半年工业经济运行情况分析",
        blocks=[
            P("今年上半年，面对复杂严峻的经济形势，秀洲区工业经济总体保持平稳增长态势。全区实现规模以上工业总产值295.6亿元，同比增长6.8%。"),
            P("从行业看，纺织、化纤等传统产业增速放缓，光伏、装备制造等新兴产业保持较快增长，新兴产业产值占规上工业比重提高到21.3%。"),
            P("区经信局有关负责人分析，下半年全区工业经济仍面临订单不足、成本上升等压力，要继续加大对企业的帮扶力度，确保全年目标顺利完成。"),
        ],
        source="秀洲新闻网", byline="记者 姚 伟", reporters=["姚伟"], editor="许晓晨",
        keyword="工业经济，转型升级,秀洲 规上企业", keywords=["工业经济", "转型升级", "秀洲", "规上企业"],
        related=["C2", "GONE"],
    ),
    dict(
        key="C2", id=13300712, date="2011-02-22 07:59:26", node="cjzh",
        title="秀洲区出台鼓励企业上市扶持政策",
        blocks=[
            P("为加快推进企业上市步伐，秀洲区日前出台《关于鼓励和扶持企业上市的若干意见》，对上市企业给予最高500万元的奖励。"),
            P("意见明确，对完成股份制改造、进入上市辅导期、向证监会提交申请材料的企业，分阶段给予资金补助，并在用地、融资等方面给予优先支持。"),
        ],
        source="嘉兴日报", byline="本报记者 姚 伟 通讯员 李 娜", reporters=["姚伟"], correspondents=["李娜"],
        editor="吴怡之",
    ),
    # ---- 教育天地 ----
    dict(
        key="E1", id=15276480, date="2012-09-04 07:27:15", node="jytd",
        title="秀洲区新增三所公办幼儿园 今秋开学",
        blocks=[
            P("9月3日，秀洲区新建的新城幼儿园、洪合镇中心幼儿园分园和王店镇建林幼儿园同时开学，新增学位810个。"),
            P("记者在新城幼儿园看到，园内设有美工室、科学发现室、图书室等专用活动室，户外活动场地铺设了塑胶地面。"),
            P("区教育局有关负责人表示，到2015年，全区将再新建和改扩建幼儿园12所，基本满足适龄儿童就近入园需求。"),
        ],
        source="南湖晚报", byline="记者 吴 鑫 实习生 孙佳丽", reporters=["吴鑫"], editor="张燕",
    ),
    dict(
        key="E2", id=14012476, date="2011-09-06 08:16:40", node="jytd",
        title="秀洲小棋手王堃、沈喆获省少儿围棋赛冠亚军",
        blocks=[
            P("在日前结束的2011年浙江省少儿围棋锦标赛上，秀洲区实验小学学生王堃和沈喆分获男子乙组冠军和亚军。"),
            P("今年10岁的王堃从6岁开始学棋，目前已达到业余4段水平。他的启蒙老师朱镕说，王堃学棋刻苦，每天坚持打谱两个小时以上。"),
            P("近年来，秀洲区在中小学广泛开展围棋进校园活动，目前全区已有学生棋手1500余人。女子组比赛中，秀洲区选手陈玥也取得了第五名的好成绩。"),
        ],
        source="秀洲新闻网", byline="通讯员 朱 镕", correspondents=["朱镕"], editor="许晓晨",
        keyword="围棋,王堃,沈喆", keywords=["围棋", "王堃", "沈喆"],
    ),
    # ---- 部门联动 ----
    dict(
        key="B1", id=14668302, date="2012-03-06 08:31:57", node="bmld",
        title="区国土分局开展土地执法“百日攻坚”行动",
        blocks=[
            P("3月5日，秀洲区国土分局召开动员会，在全区范围内开展为期100天的土地执法“百日攻坚”行动。"),
            P("行动期间，国土部门将联合各镇（街道）对违法占用耕地、未批先建等行为开展集中排查整治，做到早发现、早制止、早查处。"),
            P("去年，全区共立案查处土地违法案件46起，拆除违法建筑面积3.2万平方米。"),
        ],
        indent="font", source="秀洲新闻网", byline="通讯员 李 娜", correspondents=["李娜"], editor="陈莉",
        editor_label="责任编辑：",
    ),
    dict(
        key="B2", id=14205488, date="2011-11-08 07:52:20", node="bmld",
        title="区人力社保局举办新居民专场招聘会",
        blocks=[
            P("11月6日，秀洲区人力社保局在区人力资源市场举办新居民专场招聘会，86家企业提供就业岗位2300余个。"),
            P("招聘会现场还设立了政策咨询台，为新居民提供社会保险、劳动维权等方面的咨询服务，当天共有1500余名求职者进场，初步达成就业意向620人。"),
        ],
        # a bare name with no role word: no reporters / correspondents
        source="秀洲新闻网", byline="朱金华", author_meta="朱金华", editor="张燕",
    ),
    # ---- 文娱播报 ----
    dict(
        key="Y1", id=14481925, date="2012-01-12 08:18:33", node="wybb",
        title="秀洲区迎新春文艺晚会精彩上演",
        blocks=[
            P("1月11日晚，秀洲区2012年迎新春文艺晚会在区文化中心举行，歌舞、越剧、小品等20余个节目轮番上演，为观众送上了一台丰盛的文化大餐。"),
            P("晚会节目全部由本地文艺骨干和群众自编自演，其中反映新居民生活的小品《回家》、展示农民画风采的舞蹈《画乡春早》赢得了阵阵掌声。"),
        ],
        source="秀洲新闻网", byline="记者 钱 程", reporters=["钱程"], editor="吴怡之", toolbar="inside",
    ),
    dict(
        key="Y2", id=13987264, date="2011-08-23 07:44:09", node="wybb",
        title="“画乡之夏”广场文化活动开幕",
        blocks=[
            P("8月21日晚，2011年“画乡之夏”广场文化活动在秀洲区文化广场开幕。"),
            P("今年的活动将持续至9月中旬，期间将举办广场文艺演出、露天电影、农民画展览等各类文化活动30余场，让市民在家门口享受文化盛宴。"),
        ],
        source="嘉兴日报", byline="通讯员 许剑峰 记者 钱 程", reporters=["钱程"], correspondents=["许剑峰"],
        editor="许晓晨", keyword="画乡之夏 广场文化", keywords=["画乡之夏", "广场文化"],
        related=["H1"],
    ),
    # ---- 图库 ----
    dict(
        key="P1", id=15042399, date="2012-06-12 08:40:12", node="tk",
        title="组图:秀洲麦收时节",
        blocks=[
            P("芒种过后，秀洲区18万亩小麦陆续进入收割期。连日来，各地抢抓晴好天气，组织收割机开展抢收，确保颗粒归仓。"),
            IMGB(f"{IMG}/20120612/0021cc5b4d1a115f27a101.jpg", "新塍镇的种粮大户正在抢收小麦"),
            IMGB(f"{IMG}/20120612/0021cc5b4d1a115f27a202.jpg", "收割机在王江泾镇的麦田里作业", font=True),
            P("据了解，今年秀洲区小麦长势良好，预计亩产可达350公斤。"),
        ],
        source="秀洲新闻网", byline="摄影 王 堃", photographers=["王堃"], author_meta="王堃", editor="张燕",
    ),
    dict(
        key="P2", id=13493311, date="2011-04-08 07:35:28", node="tk",
        title="组图:王江泾油菜花开",
        blocks=[
            P("清明前后，王江泾镇万亩油菜花竞相开放，金黄的花海与粉墙黛瓦的农居相映成趣，吸引了不少市民前来踏青赏花。"),
            IMGB(f"{SITE}{IMG}/20110408/001e4fd94a0c0ee83c1f01.jpg", "游客在油菜花田中拍照留念"),
            P("近年来，王江泾镇依托油菜花资源发展乡村旅游，带动了周边农家乐的发展。"),
        ],
        source="嘉兴日报", byline="本报记者 钱 程 摄影 金 晶 通讯员 许剑峰", reporters=["钱程"],
        correspondents=["许剑峰"], photographers=["金晶"], editor="吴怡之",
    ),
]
# fmt: on

BY_KEY = {a["key"]: a for a in ARTICLES}

# A related link whose target was deleted from the portal (answers 404).
GONE = dict(key="GONE", id=14938217, date="2012-05-08 00:00:00", title="秀洲出台扶持小微企业发展十条意见")
SIDEBAR = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10"]
PICTURE_BOX = ["P1", "P2"]
PICTURE_SRC = {
    "P1": f"{IMG}/20120612/0021cc5b4d1a115f27a101.jpg",
    "P2": f"{IMG}/20110408/001e4fd94a0c0ee83c1f01.jpg",
}


def url_of(key: str, variant: str = "") -> str:
    art = GONE if key == "GONE" else BY_KEY[key]
    return SITE + article_path(art) + variant


# ---------------------------------------------------------------------------
# Page parts
# ---------------------------------------------------------------------------


def sidebar() -> str:
    rows = "\n".join(
        f'<TR><TD height=24 class=f12><IMG src="/xznews/images/dot.gif" width=3 height=3 align=absmiddle> '
        f'<a href="{article_path(BY_KEY[k])}" target=_blank>{esc(BY_KEY[k]["title"])}</a></TD></TR>'
        for k in SIDEBAR
    )
    pics = "<br>\n".join(
        f'<a href="{url_of(k)}" target=_blank><img src="{PICTURE_SRC[k]}" width=220 height=160 border=0></a>'
        for k in PICTURE_BOX
    )
    return f"""<TABLE width=250 border=0 cellpadding=0 cellspacing=0 class=box>
<TR><TD height=30 class=boxtit> 精彩推荐</TD></TR>
<TR><TD class=boxcon>
<TABLE width="94%" border=0 align=center cellpadding=0 cellspacing=0>
{rows}
</TABLE>
</TD></TR>
</TABLE>
<TABLE width=250 border=0 cellpadding=0 cellspacing=0 class=box>
<TR><TD height=30 class=boxtit> 图 片</TD></TR>
<TR><TD align=center class=boxcon><br>
{pics}<br>
</TD></TR>
</TABLE>
"""


def visible_time(date: str) -> str:
    y, m, d = date[:10].split("-")
    return f"{y}年{m}月{d}日 {date[11:16]}"


def era(art: dict) -> str:
    """Template generation of a page: pages were written when published."""
    if art["date"] < "2011-07":
        return "2010"
    if art["date"] < "2013":
        return "2012"
    return "2015"


def enpproperty(art: dict) -> str:
    title = art.get("title_html") or art["title"]
    author = art.get("author_meta")
    if author is None:
        names = art.get("reporters") or art.get("correspondents") or art.get("photographers") or []
        author = names[0] if names else ""
    return (
        f"<!--enpproperty <articleid>{art['id']}</articleid><date>{art['date']}.0</date>"
        f"<author>{author}</author><title>{title}</title><keyword>{art.get('keyword', '')}</keyword>"
        f"<subtitle>{art.get('subtitle') or ''}</subtitle><introtitle>{art.get('introtitle') or ''}</introtitle>"
        f"<siteid>2</siteid><nodeid>{NODES[art['node']][2]}</nodeid><nodename>{NODES[art['node']][0]}</nodename>"
        "<nodesearchname></nodesearchname><picurl></picurl>/enpproperty-->"
    )


def render_blocks(art: dict, blocks: list, first_part: bool) -> str:
    indent = art.get("indent", "u3000")
    out = []
    first_p = first_part
    for block in blocks:
        if block[0] == "raw":
            out.append(block[1])
            continue
        if block[0] == "img":
            _, src, caption, font = block
            out.append(f'<p align=center><IMG src="{src}" border=0></p>')
            if caption:
                cap = f"<FONT color=#0000ff>{esc(caption)}</FONT>" if font else esc(caption)
                out.append(f"<P align=center>{cap}</P>")
            continue
        text = esc(block[1])
        if indent == "seed":
            out.append(f"<p>&nbsp;&nbsp;&nbsp; {text}</p>" if first_p else f"<p>　　{text}</p>")
        elif indent == "nbsp":
            out.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{text}</p>")
        elif indent == "P_open":
            out.append(f"<P>　　{text}")
        elif indent == "P_open_nbsp":
            out.append(f"<P>&nbsp;&nbsp;&nbsp;&nbsp;{text}&nbsp;")
        elif indent == "font":
            out.append(f"<P><FONT face=楷体_GB2312 size=3>　　{text}</FONT></P>")
        elif indent == "style":
            out.append(f'<p style="TEXT-INDENT: 2em">{text}</p>')
        else:
            out.append(f"<p>　　{text}</p>")
        first_p = False
    return "\n".join(out)


TOOLBAR = (
    '【字号 <a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> '
    '<a href="javascript:doZoom(12)">小</a>】【<a href="javascript:window.print()">打印</a>】'
    '【<a href="javascript:window.close()">关闭</a>】'
)


def byline_line(art: dict) -> str:
    style = art.get("byline_style", "spans_link" if era(art) == "2015" else "spans")
    source, byline, editor = art["source"], art.get("byline"), art["editor"]
    label = art.get("editor_label")
    author_style = art.get("author_style")
    if style == "seed":
        parts = [
            f'<span id="source_baidu">来源: <a href="{SOURCE_LINKS[source]}" target="_blank">{source}</a></span>'
        ]
        parts.append(f'<span id="author_baidu">作者: {byline}</span>')
        return f'{parts[0]}   {parts[1]}    <span id="editor_baidu">编辑: {editor}</span>'
    if style == "plain":
        text = f"来源：{source}&nbsp;&nbsp;&nbsp;"
        if byline:
            text += f"作者：{byline}&nbsp;&nbsp;&nbsp;&nbsp;"
        return text + f"{label or '编辑：'}{editor}"
    if style == "spans_link":
        src = f'<span id="source_baidu">来源: <a href="{SOURCE_LINKS[source]}" target="_blank">{source}</a></span>'
    else:
        src = f"<span id=source_baidu>来源：{source}</span>"
    if byline:
        author = f"<span id=author_baidu>作者：{byline}</span>"
    elif author_style == "empty":
        author = '<span id="author_baidu">作者: </span>'
    else:
        author = ""
    ed = f"<span id=editor_baidu>{label or '编辑：'}{editor}</span>"
    return "&nbsp;&nbsp;".join(p for p in (src, author, ed) if p)


def related_block(art: dict) -> str:
    rows = []
    for item in art.get("related", []):
        key, variant = item if isinstance(item, tuple) else (item, "")
        title = GONE["title"] if key == "GONE" else BY_KEY[key]["title"]
        rows.append(f'·<a href="{url_of(key, variant)}" target=_blank>{esc(title)}</a><br>')
    return f"""<TABLE width="96%" border=0 align=center cellpadding=0 cellspacing=0 class=xgxw>
<TR><TD height=28 class=xgbt> 相关稿件</TD></TR>
<TR><TD class=xglb>
{chr(10).join(rows)}
</TD></TR>
</TABLE>
<TABLE width="96%" border=0 align=center><TR><TD>&nbsp;</TD></TR></TABLE>"""


def pager(art: dict, part: int, count: int) -> str:
    name = f"{art['id']:09d}"

    def href(i: int) -> str:
        return f"{name}.shtml" if i == 0 else f"{name}_{i:02d}.shtml"

    items = []
    if part > 0:
        items.append(f'<a href="{href(part - 1)}">上一页</a>')
    for i in range(count):
        items.append(f"<span>{i + 1}</span>" if i == part else f'<a href="{href(i)}">{i + 1}</a>')
    if part < count - 1:
        items.append(f'<a href="{href(part + 1)}">下一页</a>')
    return f'<div id="displaypagenum"><P><center> {" ".join(items)}</center></P></div>'


def render_article(art: dict, part: int = 0) -> str:
    parts = art.get("parts") or [art["blocks"]]
    gen = era(art)
    enp = art.get("enp", True)
    title_html = art.get("title_html") or esc(art["title"])
    suffix = "_秀洲新闻网" if gen == "2010" else "-秀洲新闻网"
    head_extra = enpproperty(art) + "\n" if enp and gen == "2010" else ""
    out = [
        page_head(f"{title_html}{suffix}", art.get("keyword", "").replace("，", ","), title_html, head_extra),
        page_top(),
        breadcrumb_row(art["node"]),
        """<TABLE width=960 border=0 align=center cellpadding=0 cellspacing=0>
<TR>
<TD width=250 valign=top class=left>
""",
        sidebar(),
        """</TD>
<TD width=10></TD>
<TD width=700 valign=top class=right>
<TABLE width="96%" border=0 align=center cellpadding=0 cellspacing=0 class=wz>
""",
    ]
    if art.get("introtitle"):
        out.append(f"<TR><TD align=center height=24 class=yt>{esc(art['introtitle'])}</TD></TR>\n")
    shown_title = art.get("title_html") or esc(art.get("visible_title", art["title"]))
    out.append(f"<TR><TD align=center height=50 class=bt><FONT class=title>{shown_title}</FONT></TD></TR>\n")
    if art.get("subtitle"):
        out.append(f"<TR><TD align=center height=24 class=ft>——{esc(art['subtitle'])}</TD></TR>\n")
    if enp:
        out.append(
            f'<TR><TD align=center height=30 class=time><span id="pubtime_baidu">{visible_time(art["date"])}</span></TD></TR>\n'
        )
    else:
        out.append(f"<TR><TD align=center height=30 class=time>{visible_time(art['date'])}</TD></TR>\n")
    out.append("<TR><TD height=1 bgcolor=#CCCCCC></TD></TR>\n<TR><TD class=content id=zoom>\n")
    if enp and gen != "2010":
        out.append(enpproperty(art) + "\n")
    body = render_blocks(art, parts[part], part == 0)
    if art.get("toolbar") == "inside":
        body += f"\n<p align=right>{TOOLBAR}</p>"
    opening = "<!--enpcontent--><!--enpcontent-->" if gen == "2015" else "<!--enpcontent-->"
    out.append(f"{opening}{body}<!--/enpcontent-->")
    out.append(
        '<INPUT type=checkbox value=0 name=titlecheckbox sourceid="<Source>SourcePh</Source>" style="display:none">\n'
    )
    if len(parts) > 1:
        out.append(pager(art, part, len(parts)) + "\n")
    out.append("</TD></TR>\n")
    if gen != "2010" and art.get("toolbar") != "inside":
        out.append(f"<TR><TD align=right height=30 class=gj>{TOOLBAR}</TD></TR>\n")
    out.append(f"<TR><TD align=right height=30 class=ly>{byline_line(art)}</TD></TR>\n")
    out.append("</TABLE>\n")
    out.append(related_block(art))
    out.append("\n</TD>\n</TR>\n</TABLE>\n")
    out.append(page_bottom())
    return "".join(out)


# ---------------------------------------------------------------------------
# Listing pages
# ---------------------------------------------------------------------------

PER_PAGE = 5


def listing_items(node_key: str) -> list[tuple[str, str]]:
    """(article key, URL variant) of a node's own articles, newest first."""
    own = [a for a in ARTICLES if a["node"] == node_key and a["key"] != "R3"]
    own.sort(key=lambda a: a["date"], reverse=True)
    return [(a["key"], "") for a in own]


# Sections that re-list articles of other nodes (ENP "引用"), with URL variants.
CROSS_LISTS: dict[str, list[tuple[str, str]]] = {
    "stxw": [("S4", ""), ("Y1", ""), ("Y2", "")],
    "wzxz": [("S2", ""), ("H2", ""), ("P2", "")],
    "ztxz": [("S1", ""), ("N1", "#comment"), ("N4", "")],
    "bst": [("H2", ""), ("H1", "")],
    "qymp": [("W1", ""), ("Z3", ""), ("C2", "")],
    "xjmzj": [("N3", ""), ("M2", ""), ("B2", "")],
    "dxcs": [("N1", "?spm=zj.xz.0.0.1&utm_source=weibo"), ("M1", ""), ("S5", "")],
    "xxly": [("S2", ""), ("P2", "")],
    "shjk": [("Z4", ""), ("M1", "")],
    "sszx": [],
    "qcsj": [],
}


def rel_prefix(folder: str) -> str:
    """Relative path from a listing folder back to /xznews/."""
    depth = folder.strip("/").count("/")  # /xznews/xwzx/ -> 1
    return "../" * depth


def listing_pager(page: int, count: int) -> str:
    def href(i: int) -> str:
        return "index.shtml" if i == 0 else f"index_{i}.shtml"

    bits = [f"共{count}页&nbsp;"]
    bits.append(f'<a href="{href(0)}">首页</a>' if page > 0 else "首页")
    bits.append(f'<a href="{href(page - 1)}">上一页</a>' if page > 0 else "上一页")
    for i in range(count):
        bits.append(
            f"<font color=red><b>{i + 1}</b></font>" if i == page else f'<a href="{href(i)}">{i + 1}</a>'
        )
    bits.append(f'<a href="{href(page + 1)}">下一页</a>' if page < count - 1 else "下一页")
    bits.append(f'<a href="{href(count - 1)}">尾页</a>' if page < count - 1 else "尾页")
    return "&nbsp;".join(bits)


def listing_row(folder: str, key: str, variant: str) -> str:
    art = BY_KEY[key]
    href = rel_prefix(folder) + article_path(art)[len("/xznews/") :] + variant
    if key == "N1" and variant == "" and folder == "/xznews/xwzx/":
        href = url_of("N1")
    return (
        f'<TR><TD height=26 class=lb>·<a href="{href}" target=_blank>{esc(art["title"])}</a></TD>'
        # the old list template never closed the date cell
        f"<TD width=90 align=right class=lbdate>{art['date'][:10]}</TR>"
    )


def render_listing(
    node_key: str, items: list[tuple[str, str]], page: int, count: int, extra: str = ""
) -> str:
    name, folder, _, _ = NODES[node_key]
    if items:
        rows = "\n".join(listing_row(folder, k, v) for k, v in items)
    else:
        rows = "<TR><TD height=60 align=center class=lb>本栏目暂无信息</TD></TR>"
    pager_html = listing_pager(page, count) if count > 1 else ""
    suffix = "" if page == 0 else f"(第{page + 1}页)"
    return "".join(
        [
            page_head(f"{name}{suffix}-秀洲新闻网", f"秀洲新闻网,{name}", f"秀洲新闻网{name}栏目"),
            page_top(),
            breadcrumb_row(node_key),
            """<TABLE width=960 border=0 align=center cellpadding=0 cellspacing=0>
<TR>
<TD width=250 valign=top class=left>
""",
            sidebar(),
            f"""</TD>
<TD width=10></TD>
<TD width=700 valign=top class=right>
<TABLE width="100%" border=0 cellpadding=0 cellspacing=0 class=lbk>
<TR><TD height=30 class=lbtit> {name}</TD></TR>
{extra}<TR><TD>
<TABLE width="96%" border=0 align=center cellpadding=0 cellspacing=0 class=list>
{rows}
</TABLE>
</TD></TR>
<TR><TD align=center height=40 class=page>{pager_html}</TD></TR>
</TABLE>
</TD>
</TR>
</TABLE>
""",
            page_bottom(),
        ]
    )


def render_topic_index(node_key: str, topics: list[str]) -> str:
    """专题 / 专题2010: a list of topic folders instead of articles."""
    rows = "\n".join(
        f'<TR><TD height=26 class=lb>·<a href="{SITE}{NODES[t][1]}" target=_blank>{NODES[t][0]}</a></TD></TR>'
        for t in topics
    )
    return render_listing(node_key, [], 0, 1).replace(
        "<TR><TD height=60 align=center class=lb>本栏目暂无信息</TD></TR>", rows
    )


def render_home() -> str:
    def block(node_key: str, keys: list) -> str:
        name, folder, _, _ = NODES[node_key]
        rows = []
        for item in keys:
            key, href = (item, None) if isinstance(item, str) else item
            art = BY_KEY[key]
            href = href or url_of(key)
            rows.append(
                f'·<a href="{href}" target=_blank>{esc(art["title"])}</a> <span class=date>{art["date"][5:10]}</span><br>'
            )
        return f"""<TABLE width=345 border=0 cellpadding=0 cellspacing=0 class=lm>
<TR><TD height=30 class=lmtit> {name}</TD><TD align=right class=more><a href="{SITE}{folder}">更多&gt;&gt;</a>&nbsp;</TD></TR>
<TR><TD colspan=2 class=lmcon>
{chr(10).join(rows)}
</TD></TR>
</TABLE>"""

    n1_upper = "http://JXXZNEWS.zjol.com.cn" + article_path(BY_KEY["N1"])
    blocks = [
        block("xwzx", ["S9", "S3", ("N1", n1_upper), "N2", "N3", "N8"]),
        block("zjfc", ["Z1", "Z2", "Z3", "W1"]),
        block("hxfc", ["S2", "H2", "H1"]),
        block("msxx", ["S5", "M1", "M2"]),
        block("cjzh", ["S10", "S7", "C1"]),
        block("jytd", ["S8", "E1", "E2"]),
        block("bmld", ["S6", "B1", "B2"]),
        block("wybb", ["S4", "Y1", "Y2"]),
    ]
    grid = []
    for i in range(0, len(blocks), 2):
        grid.append(
            f"<TR><TD valign=top>{blocks[i]}</TD><TD width=10></TD><TD valign=top>{blocks[i + 1]}</TD></TR>"
        )
    pics = " ".join(
        f'<a href="{url_of(k)}" target=_blank><img src="{PICTURE_SRC[k]}" width=160 height=120 border=0><br>{esc(BY_KEY[k]["title"])}</a>'
        for k in PICTURE_BOX
    )
    friends = " | ".join(
        f'<a href="{u}" target=_blank>{n}</a>'
        for n, u in [
            ("南湖新闻网", "http://nhnews.zjol.com.cn/"),
            ("桐乡新闻网", "http://txnews.zjol.com.cn/"),
            ("海宁新闻网", "http://hnnews.zjol.com.cn/"),
            ("海盐新闻网", "http://hyxww.zjol.com.cn/"),
            ("平湖新闻网", "http://ph2009.zjol.com.cn/"),
            ("嘉善新闻网", "http://jsxww.zjol.com.cn/"),
            ("嘉兴在线", "http://www.cnjxol.com/"),
        ]
    )
    s1 = BY_KEY["S1"]
    return "".join(
        [
            page_head(
                "秀洲新闻网", "秀洲新闻网,秀洲,嘉兴,新闻", "秀洲新闻网是秀洲区唯一的综合性新闻门户网站"
            ),
            page_top(),
            """<TABLE width=960 border=0 align=center cellpadding=0 cellspacing=0>
<TR>
<TD width=250 valign=top class=left>
""",
            sidebar(),
            f"""</TD>
<TD width=10></TD>
<TD width=700 valign=top class=right>
<TABLE width="100%" border=0 cellpadding=0 cellspacing=0 class=toutiao>
<TR><TD height=50 align=center><a href="{url_of("S1")}" target=_blank><FONT size=5 color=#cc0000><B>{esc(s1["title"])}</B></FONT></a></TD></TR>
<TR><TD class=zy>　　{esc(s1["blocks"][0][1][:60])}……<a href="{url_of("S1")}" target=_blank>[详细]</a></TD></TR>
</TABLE>
<TABLE width="100%" border=0 cellpadding=0 cellspacing=0>
{chr(10).join(grid)}
</TABLE>
<TABLE width="100%" border=0 cellpadding=0 cellspacing=0 class=lm>
<TR><TD height=30 class=lmtit> 图  库</TD><TD align=right class=more><a href="{SITE}/xznews/tk/">更多&gt;&gt;</a>&nbsp;</TD></TR>
<TR><TD colspan=2 align=center>{pics}</TD></TR>
<TR><TD height=30 class=lmtit> 专  题</TD><TD align=right class=more><a href="{SITE}/xznews/zt/">更多&gt;&gt;</a>&nbsp;</TD></TR>
<TR><TD colspan=2>·<a href="{SITE}/xznews/zt2010/hxxf/" target=_blank>画乡先锋 创先争优</a></TD></TR>
</TABLE>
</TD>
</TR>
</TABLE>
<TABLE width=960 border=0 align=center cellpadding=0 cellspacing=0 class=links>
<TR><TD height=30 class=linktit>&nbsp;友情链接：{friends}</TD></TR>
</TABLE>
""",
            page_bottom(),
        ]
    )


NOT_FOUND = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<HTML>
<HEAD>
<META http-equiv=Content-Type content="text/html; charset=gb2312">
<TITLE>404 页面不存在-秀洲新闻网</TITLE>
</HEAD>
<BODY bgcolor=#ffffff>
<TABLE width=600 border=0 align=center cellpadding=0 cellspacing=0 style="margin-top:80px">
<TR><TD align=center height=60><FONT size=4 color=#cc0000><B>对不起，您访问的页面不存在或已被删除！</B></FONT></TD></TR>
<TR><TD align=center height=40>请检查您输入的网址是否正确，或者 <a href="http://jxxznews.zjol.com.cn/xznews/">返回秀洲新闻网首页</a> | <a href="http://www.zjol.com.cn/">浙江在线</a></TD></TR>
</TABLE>
</BODY>
</HTML>
"""

CSS = """body,td,th{font-size:12px;font-family:"宋体";color:#333333}
a{color:#333333;text-decoration:none}
a:hover{color:#cc0000;text-decoration:underline}
.nav a{color:#ffffff;font-size:14px}
.title{font-size:22px;font-weight:bold;color:#0b3b8c}
.content{font-size:14px;line-height:200%}
.weizhi{color:#666666}
.boxtit,.lmtit,.xgbt,.lbtit{font-size:14px;font-weight:bold;color:#0b3b8c}
"""


# ---------------------------------------------------------------------------
# Expected records
# ---------------------------------------------------------------------------


def collapse(text: str) -> str:
    return " ".join(text.split())


def expected_record(art: dict) -> dict:
    parts = art.get("parts") or [art["blocks"]]
    blocks = [b for part in parts for b in part]
    base = SITE + article_path(art)
    images = []
    for b in blocks:
        if b[0] == "img":
            src = b[1]
            if src.startswith("../"):
                url = SITE + "/xznews/" + src.replace("../../../../", "")
            elif src.startswith("/"):
                url = SITE + src
            else:
                url = src
            images.append({"url": url, "caption": b[2]})
    related = []
    for item in art.get("related", []):
        key = item[0] if isinstance(item, tuple) else item
        title = GONE["title"] if key == "GONE" else BY_KEY[key]["title"]
        related.append({"url": url_of(key), "title": title})
    enp = art.get("enp", True)
    chain = breadcrumb_chain(art["node"])
    date = art["date"]
    published = f"{date[:10]}T{date[11:19]}+08:00" if enp else f"{date[:10]}T{date[11:16]}:00+08:00"
    also_at = sorted(SITE + article_path(a) for a in ARTICLES if a.get("same_text_as") == art["key"])
    return {
        "schema_version": 1,
        "url": base,
        "article_id": str(art["id"]),
        "site": HOST,
        "title": collapse(art["title"]),
        "subtitle": art.get("subtitle") if enp else None,
        "published_at": published,
        "source": art["source"],
        "byline": collapse(art["byline"]) if art.get("byline") else None,
        "reporters": art.get("reporters", []),
        "correspondents": art.get("correspondents", []),
        "photographers": art.get("photographers", []),
        "editor": art["editor"],
        "breadcrumbs": [NODES[k][0] for k in chain],
        "section": NODES[art["node"]][0],
        "node_id": NODES[art["node"]][2] if enp else None,
        "keywords": art.get("keywords", []) if enp else [],
        "paragraphs": [collapse(b[1]) for b in blocks if b[0] == "p"],
        "images": images,
        "related": related,
        "page_count": len(parts),
        "also_at": also_at,
    }


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def main() -> None:
    ids = [a["id"] for a in sorted(ARTICLES, key=lambda a: a["date"])]
    assert ids == sorted(ids), "ENP ids grow with the publishing date"
    assert len({a["key"] for a in ARTICLES}) == len(ARTICLES)

    if PAGES.exists():
        shutil.rmtree(PAGES)
    records: list[dict] = []
    html_type = [["Content-Type", "text/html"]]

    def save(url_path: str, text: str, file_path: str | None = None, status: int = 200) -> None:
        file_path = file_path or "pages" + url_path
        target = HERE / file_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        text.encode("gbk")  # every page must survive the packer
        records.append(
            {
                "url": SITE + url_path,
                "status": status,
                "headers": html_type,
                "file": file_path,
                "encoding": "gbk",
            }
        )

    def alias(url_path: str, file_path: str, status: int = 200) -> None:
        records.append(
            {
                "url": SITE + url_path,
                "status": status,
                "headers": html_type,
                "file": file_path,
                "encoding": "gbk",
            }
        )

    # root, robots, home, CSS, 404 page
    records.append(
        {
            "url": SITE + "/",
            "status": 302,
            "headers": [["Location", SITE + "/xznews/"], ["Content-Type", "text/html"]],
            "file": None,
            "encoding": None,
        }
    )
    (PAGES).mkdir(parents=True)
    (PAGES / "404.html").write_text(NOT_FOUND, encoding="utf-8")
    for missing in [
        "/robots.txt",
        "/xznews/xcgzx/",
        "/xznews/gywm/index.shtml",
        "/xznews/ggfw/index.shtml",
        "/xznews/lxfs/index.shtml",
        "/xznews/flsm/index.shtml",
        article_path(GONE),
    ]:
        alias(missing, "pages/404.html", status=404)
    save("/xznews/index.shtml", render_home())
    alias("/xznews/", "pages/xznews/index.shtml")
    css_path = HERE / "pages/xznews/images/xznews.css"
    css_path.parent.mkdir(parents=True, exist_ok=True)
    css_path.write_text(CSS, encoding="utf-8")
    records.append(
        {
            "url": SITE + "/xznews/images/xznews.css",
            "status": 200,
            "headers": [["Content-Type", "text/css"]],
            "file": "pages/xznews/images/xznews.css",
            "encoding": "gbk",
        }
    )

    # listings
    def save_listing(node_key: str, items: list[tuple[str, str]], extra: str = "") -> None:
        folder = NODES[node_key][1]
        pages = [items[i : i + PER_PAGE] for i in range(0, len(items), PER_PAGE)] or [[]]
        for n, chunk in enumerate(pages):
            name = "index.shtml" if n == 0 else f"index_{n}.shtml"
            save(folder + name, render_listing(node_key, chunk, n, len(pages), extra if n == 0 else ""))
        alias(folder, f"pages{folder}index.shtml")

    for key in ["xwzx", "hxfc", "msxx", "cjzh", "jytd", "bmld", "wybb", "tk", "xfsd", "wjj"]:
        save_listing(key, listing_items(key))
    sub = '<TR><TD height=26 class=zlm>&nbsp;子栏目：<a href="wjj/">王江泾镇</a></TD></TR>\n'
    save_listing("zjfc", listing_items("zjfc"), extra=sub)
    for key, items in CROSS_LISTS.items():
        save_listing(key, items)
    for key, topics in [("zt", ["zt2010", "hxxf"]), ("zt2010", ["hxxf"])]:
        folder = NODES[key][1]
        save(folder + "index.shtml", render_topic_index(key, topics))
        alias(folder, f"pages{folder}index.shtml")
    # the topic page 画乡先锋 创先争优 lists its only column, 先锋视点
    hx_items = listing_items("xfsd")
    extra = '<TR><TD height=26 class=zlm>&nbsp;<a href="xfsd/index.shtml">先锋视点</a> <a href="xfsd/">更多&gt;&gt;</a></TD></TR>\n'
    save(
        "/xznews/zt2010/hxxf/index.shtml",
        render_listing("hxxf", [], 0, 1, extra).replace(
            "<TR><TD height=60 align=center class=lb>本栏目暂无信息</TD></TR>",
            "\n".join(listing_row("/xznews/zt2010/hxxf/", k, v) for k, v in hx_items),
        ),
    )
    alias("/xznews/zt2010/hxxf/", "pages/xznews/zt2010/hxxf/index.shtml")

    # articles
    for art in ARTICLES:
        parts = art.get("parts") or [art["blocks"]]
        for n in range(len(parts)):
            save(article_path(art, n), render_article(art, n))

    records.sort(key=lambda r: r["url"])
    urls = [r["url"] for r in records]
    assert len(urls) == len(set(urls)), "duplicate URL in manifest"
    manifest = {"fetched_at": FETCHED_AT, "records": records}
    lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    text = f'{{"fetched_at": {json.dumps(FETCHED_AT)}, "records": [\n{lines}\n]}}\n'
    assert json.loads(text) == manifest
    (HERE / "manifest.json").write_text(text, encoding="utf-8")

    expected = [expected_record(a) for a in ARTICLES if not a.get("same_text_as")]
    expected.sort(key=lambda r: int(r["article_id"]))
    with (HERE / "expected.jsonl").open("w", encoding="utf-8") as fh:
        for rec in expected:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{len(records)} records, {len(expected)} expected articles")


if __name__ == "__main__":
    main()
