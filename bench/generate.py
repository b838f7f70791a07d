"""A synthetic 秀洲新闻网 of N articles, cut from the bundled snapshot's own pages.

The template is not rewritten here: every page of the synthetic portal is a
page file of ``tests/sample_data/portal/pages`` (the snapshot) with its
per-article regions filled anew.  An article page keeps its template's head,
navigation bars, breadcrumb, 精彩推荐 and 图片 boxes, byline line, toolbar and
footer byte for byte; its title, dates, ENP id, body paragraphs (in the
template's own paragraph markup: U+3000, ``&nbsp;``, ``<FONT>``, unclosed
``<P>``), pager and 相关稿件 rows are replaced.  Listing pages keep their
template's row markup and pager format.  Links of the snapshot to its own
articles (the sidebar, the home page, topic pages) are pointed at synthetic
articles.  What the crawl meets, besides: every nav-bar link on every page,
articles listed in several sections, URL variants (tracking queries,
fragments, an upper-case host) on listing rows and related links, related
links to articles that are gone (404), multi-page articles, and reposts (the
same text at a second URL).

Everything is drawn from ``random.Random(seed)``: the same N and seed give
the same bytes.  Pages are written GBK-encoded (the meta tag says gb2312)
under ``<out>/site/``; ``<out>/expected.jsonl`` holds the record each article
should give and ``<out>/meta.json`` the counts.

    python -m bench.generate --articles 5000 --seed 6 --out build/bench/portal
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SNAPSHOT = Path(__file__).resolve().parent.parent / "tests" / "sample_data" / "portal"
SITE = "http://jxxznews.zjol.com.cn"
GENERATOR_VERSION = 3
LISTING_PER_PAGE = 20
LISTING_MAX_PAGES = 250  # below the crawler's LISTING_MAX_PAGES (300): rows per page grow instead
PAGER_WINDOW = 10
FIRST_ID = 20_000_000  # above every snapshot id, so no synthetic URL is a snapshot URL
START = datetime(2010, 1, 4, 7, 0, 0)
END = datetime(2019, 7, 12, 18, 0, 0)
MULTIPAGE_SHARE = 0.05
REPOST_SHARE = 0.005
VARIANT_SHARE = 0.03
GONE_SHARE = 0.01
PLACES = ["秀洲区", "王江泾镇", "新塍镇", "洪合镇", "油车港镇", "王店镇", "新城街道", "高照街道", "嘉北街道"]
# GBK has them, GB2312 has not: a decoder that trusts the meta tag's gb2312 loses them.
GBK_ONLY_NAMES = ["王喆", "李堃", "陈玥", "朱镕", "周喆", "沈玥"]

_ARTICLE_PATH_RE = re.compile(r"system/(\d{4})/(\d{2})/(\d{2})/(0\d{8})(_\d{2})?\.shtml")
_SENTENCE_RE = re.compile(r"[^。！？!?]+[。！？!?][”’」]?")
# Counts and amounts, not dates: 12月30日 and 2015年 stay as they are.
_DIGITS_RE = re.compile(r"\d+(?![\d.年月日时点号])")
_TAG_RE = re.compile(r"<[^>]+>")
HOLE = "\x00"


def esc(text: str) -> str:
    """Escape text for an element, as ENP writes it (quotes stay raw)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def collapse(text: str) -> str:
    return " ".join(text.split())


def visible_text(html: str) -> str:
    text = _TAG_RE.sub("", html).replace("&nbsp;", " ").replace("　", " ")
    return collapse(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def article_path(article_id: int, when: datetime, part: int = 0) -> str:
    suffix = f"_{part:02d}" if part else ""
    return f"/xznews/system/{when:%Y/%m/%d}/{article_id:09d}{suffix}.shtml"


def era(when: str) -> str:
    """Template generation of a page: ENP pages were written when published."""
    if when < "2011-07":
        return "2010"
    if when < "2013":
        return "2012"
    return "2015"


# ---------------------------------------------------------------------------
# Templates: snapshot pages cut into literal text and named holes
# ---------------------------------------------------------------------------


@dataclass
class Cut:
    """A page as alternating literal text and named holes."""

    parts: list[str]

    @classmethod
    def of(cls, text: str) -> Cut:
        return cls(text.split(HOLE))

    def holes(self) -> list[str]:
        return self.parts[1::2]

    def remapped(self, remap: Any) -> Cut:
        return Cut([remap(p) if i % 2 == 0 else p for i, p in enumerate(self.parts)])

    def render(self, values: dict[str, str]) -> str:
        return "".join(values[p] if i % 2 else p for i, p in enumerate(self.parts))


def hole(name: str) -> str:
    return f"{HOLE}{name}{HOLE}"


def sub_once(pattern: str, repl: Any, text: str, what: str, flags: int = 0) -> str:
    new, count = re.subn(pattern, repl, text, count=1, flags=flags)
    if count != 1:
        raise TemplateError(f"no {what}")
    return new


class TemplateError(ValueError):
    pass


@dataclass
class BodyLine:
    """One paragraph of an enpcontent body: a text slot, or a line kept as it is."""

    text_slot: bool
    literal: str = ""
    prefix: str = ""
    suffix: str = ""
    # The template broke this paragraph's source line (ENP editors did): so do we.
    wrapped: str = ""


_PARA_RE = re.compile(r"^((?:<[^>]+>)*(?:&nbsp;|\s|　)*)(.*?)((?:&nbsp;|\s)*(?:</[^>]+>)*)$", re.DOTALL)
_WRAP_RE = re.compile(r"\n\s*")


def parse_body(body: str) -> list[BodyLine]:
    """Classify the body's paragraphs: images, captions, spacers and toolbars are
    kept as they are; every other paragraph is a slot whose text is replaced."""
    chunks: list[str] = []
    for raw in body.split("\n"):
        if chunks and not raw.lstrip().startswith("<"):
            chunks[-1] += "\n" + raw  # a paragraph continued on the next source line
        else:
            chunks.append(raw)
    lines: list[BodyLine] = []
    after_image = False
    for raw in chunks:
        text = visible_text(raw)
        is_image = "<img" in raw.lower()
        caption = after_image and not is_image and "align=center" in raw.lower() and len(text) <= 120
        if is_image or caption or not text or "【" in text:
            lines.append(BodyLine(False, literal=raw))
        else:
            m = _PARA_RE.match(raw)
            assert m is not None
            wrap = _WRAP_RE.search(m.group(2))
            lines.append(
                BodyLine(True, prefix=m.group(1), suffix=m.group(3), wrapped=wrap.group() if wrap else "")
            )
        after_image = is_image
    return lines


def render_body(lines: list[BodyLine], paragraphs: list[str]) -> tuple[str, list[str]]:
    """The template's body with ``paragraphs`` in its paragraph markup, and the
    paragraphs as a reader of the page sees them.

    Fewer paragraphs than slots drop the last slots; more repeat the markup
    of the last slot after it.
    """
    out: list[str] = []
    seen: list[str] = []
    slots = [i for i, line in enumerate(lines) if line.text_slot]
    it = iter(paragraphs)

    def slot(line: BodyLine, text: str) -> str:
        html = esc(text)
        if line.wrapped and "。" in html[:-1]:
            html = html.replace("。", "。" + line.wrapped, 1)
        seen.append(collapse(text.replace("。", "。 ", 1) if html != esc(text) else text))
        return f"{line.prefix}{html}{line.suffix}"

    for i, line in enumerate(lines):
        if not line.text_slot:
            out.append(line.literal)
            continue
        text = next(it, None)
        if text is not None:
            out.append(slot(line, text))
        if i == slots[-1]:
            out.extend(slot(line, rest) for rest in it)
    return "\n".join(out), seen


@dataclass
class ArticleTemplate:
    """A snapshot article (all its pages) ready to be filled."""

    url: str
    article_id: str
    era: str
    folder: str  # the listing folder of its section (breadcrumb's last link)
    expected: dict[str, Any]
    pages: list[Cut] = field(default_factory=list)
    bodies: list[list[BodyLine]] = field(default_factory=list)
    related_row: str = '·<a href="{url}" target=_blank>{title}</a><br>'
    has_enp: bool = True

    @property
    def page_count(self) -> int:
        return len(self.pages)


@dataclass
class ListingTemplate:
    folder: str
    page: Cut
    row: tuple[str, str, str, str, str]  # before href, href prefix, after href, after title, after date
    listed_ids: list[str]


def _cut_article(text: str, expected: dict[str, Any], name: str) -> tuple[Cut, list[BodyLine], str]:
    text = sub_once(
        r"<TITLE>.*?([_-]秀洲新闻网)</TITLE>",
        lambda m: f"<TITLE>{hole('title')}{m.group(1)}</TITLE>",
        text,
        "TITLE",
    )
    text = sub_once(
        r'(<META name=description content=")[^"]*(">)', rf"\g<1>{hole('title')}\g<2>", text, "description"
    )
    if "<!--enpproperty" in text:
        text = sub_once(
            r"<articleid>\d+</articleid>", f"<articleid>{hole('id')}</articleid>", text, "articleid"
        )
        text = sub_once(r"<date>[^<]*</date>", f"<date>{hole('enpdate')}</date>", text, "enp date")
        text = sub_once(r"<title>.*?</title>", f"<title>{hole('title')}</title>", text, "enp title")
    text = sub_once(r"(<FONT class=title>).*?(</FONT>)", rf"\g<1>{hole('title')}\g<2>", text, "visible title")
    text = sub_once(
        r"(class=time>(?:<span[^>]*>)?)\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}",
        rf"\g<1>{hole('vtime')}",
        text,
        "time",
    )
    m = re.search(r"(<!--enpcontent-->)+(.*?)<!--/enpcontent-->", text, re.DOTALL)
    if not m:
        raise TemplateError("no enpcontent")
    body = m.group(2)
    text = text[: m.start(2)] + hole("body") + text[m.end(2) :]
    rows = re.search(r"(class=xglb>\n)(.*?)(\n</TD>)", text, re.DOTALL)
    if not rows:
        raise TemplateError("no related block")
    row = '·<a href="{url}" target=_blank>{title}</a><br>'
    first = rows.group(2).split("\n")[0]
    rm = re.match(r'^(.*?<a href=")[^"]*("[^>]*>).*?(</a>.*)$', first)
    if rm:
        row = rm.group(1) + "{url}" + rm.group(2) + "{title}" + rm.group(3)
    text = text[: rows.start(2)] + hole("related") + text[rows.end(2) :]
    # the pager of a multi-page article names its pages by the article's file name
    pager = re.search(r'<div id="displaypagenum">.*?</div>', text, re.DOTALL)
    if pager:
        text = text[: pager.start()] + pager.group().replace(name, hole("name")) + text[pager.end() :]
    return Cut.of(text), parse_body(body), row


def load_templates(
    snapshot: Path = SNAPSHOT,
) -> tuple[list[ArticleTemplate], dict[str, ListingTemplate], dict[str, str]]:
    """Article and listing templates from the snapshot, and its other pages (path -> text)."""
    pages_dir = snapshot / "pages"
    expected = {}
    for line in (snapshot / "expected.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            expected[record["url"]] = record
    articles: list[ArticleTemplate] = []
    for url, record in sorted(expected.items()):
        path = url.removeprefix(SITE)
        name = path.rsplit("/", 1)[1].removesuffix(".shtml")
        files = [pages_dir / path.lstrip("/")]
        files += [files[0].with_name(f"{name}_{n:02d}.shtml") for n in range(1, record["page_count"])]
        try:
            template = ArticleTemplate(url, record["article_id"], era(record["published_at"]), "", record)
            texts = [f.read_text("utf-8") for f in files]
            crumbs = re.findall(r"class=weizhi>.*", texts[0])
            links = re.findall(r'href="([^"]+)"', crumbs[-1]) if crumbs else []
            if not links:
                raise TemplateError("no breadcrumb")
            template.folder = links[-1].removeprefix(SITE).removesuffix("index.shtml")
            template.has_enp = "<!--enpproperty" in texts[0]
            for text in texts:
                cut, body, row = _cut_article(text, record, name)
                template.pages.append(cut)
                template.bodies.append(body)
                template.related_row = row
            # the cut must find exactly the paragraphs the snapshot expects
            slots = sum(1 for body in template.bodies for line in body if line.text_slot)
            if slots != len(record["paragraphs"]) or not slots:
                raise TemplateError(f"{slots} paragraph slots for {len(record['paragraphs'])} paragraphs")
        except (OSError, TemplateError) as exc:
            logger.warning("Snapshot page %s not used as a template: %s", url, exc)
            continue
        articles.append(template)

    listings: dict[str, ListingTemplate] = {}
    others: dict[str, str] = {}
    for file in sorted(pages_dir.rglob("*")):
        if not file.is_file():
            continue
        rel = "/" + file.relative_to(pages_dir).as_posix()
        if "/system/" in rel:
            continue
        if not rel.endswith(".shtml"):
            others[rel] = file.read_bytes().decode("utf-8")
            continue
        folder = rel.rsplit("/", 1)[0] + "/"
        name = rel.rsplit("/", 1)[1]
        text = file.read_text("utf-8")
        if name != "index.shtml":
            if folder in listings:
                listings[folder].listed_ids += [
                    m.group(4).lstrip("0") for m in _ARTICLE_PATH_RE.finditer(text)
                ]
            continue
        table = re.search(r"(class=list>\n)(.*?)(\n</TABLE>)", text, re.DOTALL)
        if folder == "/xznews/" or not table:
            others[rel] = text
            continue
        listed = [m.group(4).lstrip("0") for m in _ARTICLE_PATH_RE.finditer(table.group(2))]
        if not listed:
            others[rel] = text  # topic indexes (专题) and empty sections: kept as they are
            continue
        first = table.group(2).split("\n")[0]
        rm = re.match(
            r'^(.*?<a href=")([^"]*?)system/[^"]*("[^>]*>).*?(</a>.*?)(\d{4}-\d{2}-\d{2})(.*)$', first
        )
        page = text[: table.start(2)] + hole("rows") + text[table.end(2) :]
        page = re.sub(r"(class=page>).*?(</TD>)", rf"\g<1>{hole('pager')}\g<2>", page, count=1)
        page = re.sub(
            r"<TITLE>([^<(]*?)(\(第\d+页\))?(-秀洲新闻网)</TITLE>",
            rf"<TITLE>\g<1>{hole('pageno')}\g<3></TITLE>",
            page,
            count=1,
        )
        if rm is None or hole("pager") not in page:
            others[rel] = text
            continue
        row = (rm.group(1), rm.group(2), rm.group(3), rm.group(4), rm.group(6))
        listings[folder] = ListingTemplate(folder, Cut.of(page), row, listed)
    if len(articles) < 10:
        raise SystemExit(
            f"Only {len(articles)} usable article templates in {snapshot}: is the snapshot there?"
        )
    return articles, listings, others


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


class TextMaker:
    """Chinese paragraphs and titles recombined from the snapshot's own text."""

    def __init__(self, templates: list[ArticleTemplate], rng: random.Random) -> None:
        self.rng = rng
        sentences: list[str] = []
        for t in templates:
            for p in t.expected["paragraphs"]:
                sentences += [s.strip() for s in _SENTENCE_RE.findall(p) if len(s.strip()) >= 8]
        self.sentences = sorted(set(sentences))
        self.titles = sorted({t.expected["title"] for t in templates})

    def _sentence(self) -> str:
        s = self.rng.choice(self.sentences)
        s = _DIGITS_RE.sub(
            lambda m: str(self.rng.randint(10 ** (len(m.group()) - 1), 10 ** len(m.group()) - 1)), s
        )
        if self.rng.random() < 0.08:
            s = f"{self.rng.choice(GBK_ONLY_NAMES)}告诉记者，{s}"
        return s

    def paragraph(self) -> str:
        return "".join(self._sentence() for _ in range(self.rng.randint(2, 4)))

    def title(self) -> str:
        a, b = self.rng.sample(self.titles, 2)
        head = a.split(" ")[0] if " " in a else self.rng.choice(PLACES)
        tail = b.split(" ")[-1]
        return head if head == tail else f"{head} {tail}"


# ---------------------------------------------------------------------------
# The portal
# ---------------------------------------------------------------------------


@dataclass
class Article:
    index: int
    article_id: int
    when: datetime
    template: ArticleTemplate
    title: str = ""
    parts: list[list[str]] = field(default_factory=list)
    related: list[tuple[str, str, str]] = field(default_factory=list)  # (href, canonical url, title)
    repost_of: int | None = None

    @property
    def url(self) -> str:
        return SITE + article_path(self.article_id, self.when)

    def path(self, part: int = 0) -> str:
        return article_path(self.article_id, self.when, part)


def _pager(page: int, count: int) -> str:
    """A listing pager in the snapshot's format, with a window of page numbers."""

    def href(i: int) -> str:
        return "index.shtml" if i == 0 else f"index_{i}.shtml"

    lo = max(0, min(page - PAGER_WINDOW // 2, count - PAGER_WINDOW))
    bits = [f"共{count}页&nbsp;"]
    bits.append(f'<a href="{href(0)}">首页</a>' if page > 0 else "首页")
    bits.append(f'<a href="{href(page - 1)}">上一页</a>' if page > 0 else "上一页")
    for i in range(lo, min(count, lo + PAGER_WINDOW)):
        bits.append(
            f"<font color=red><b>{i + 1}</b></font>" if i == page else f'<a href="{href(i)}">{i + 1}</a>'
        )
    bits.append(f'<a href="{href(page + 1)}">下一页</a>' if page < count - 1 else "下一页")
    bits.append(f'<a href="{href(count - 1)}">尾页</a>' if page < count - 1 else "尾页")
    return "&nbsp;".join(bits)


class Portal:
    """The synthetic portal: articles, listings and the other pages."""

    def __init__(self, articles: int, seed: int, snapshot: Path = SNAPSHOT) -> None:
        self.n = articles
        self.seed = seed
        self.rng = random.Random(seed)
        self.templates, self.listing_templates, self.others = load_templates(snapshot)
        self.text = TextMaker(self.templates, self.rng)
        self.articles: list[Article] = []
        self.variants = sorted(
            {
                m.group(1)
                for text in [
                    *self.others.values(),
                    *(
                        t.page.render(dict.fromkeys(t.page.holes(), ""))
                        for t in self.listing_templates.values()
                    ),
                ]
                for m in re.finditer(r'\.shtml([?#][^"]+)"', text)
            }
        ) or ["?from=timeline", "#comment"]
        self._make_articles()
        self._map_snapshot_articles()
        # The literal parts of the templates (the sidebar's 精彩推荐 and 图片 boxes,
        # the breadcrumb) link snapshot articles: point them at synthetic ones.
        for template in self.templates:
            template.pages = [c.remapped(self.remap) for c in template.pages]
        for listing in self.listing_templates.values():
            listing.page = listing.page.remapped(self.remap)

    # -- articles ------------------------------------------------------------------

    def _make_articles(self) -> None:
        rng = self.rng
        by_era: dict[str, list[ArticleTemplate]] = {}
        for t in self.templates:
            by_era.setdefault(t.era, []).append(t)
        # ENP kept the pager of one era's template: where an era has no multi-page
        # template, another era's stands in.
        any_multi = [t for t in self.templates if t.page_count > 1]
        multi = {e: [t for t in ts if t.page_count > 1] or any_multi for e, ts in by_era.items()}
        single = {e: [t for t in ts if t.page_count == 1] for e, ts in by_era.items()}
        span = (END - START).total_seconds()
        step = span / self.n
        for i in range(self.n):
            when = START + timedelta(seconds=int(i * step + rng.uniform(0, step * 0.8)))
            when_era = era(when.strftime("%Y-%m-%d"))
            pool_era = when_era if when_era in by_era else max(by_era)
            pool = (
                multi[pool_era]
                if multi[pool_era] and rng.random() < MULTIPAGE_SHARE
                else single[pool_era] or by_era[pool_era]
            )
            template = rng.choice(pool)
            source = None
            if i > 20 and rng.random() < REPOST_SHARE:
                source = self.articles[rng.randrange(max(0, i - 200), i)]
                while source.repost_of is not None:
                    source = self.articles[source.repost_of]
                template = source.template  # the same markup: the same text to a reader
            article = Article(i, FIRST_ID + i * 500 + rng.randint(1, 499), when, template)
            if source is not None:
                article.repost_of = source.index
                article.title = source.title
                paragraphs = [p for part in source.parts for p in part]
                article.parts = self._split(paragraphs, template.page_count)
            else:
                article.title = self.text.title()
                count = rng.randint(3, 10) * template.page_count
                article.parts = self._split(
                    [self.text.paragraph() for _ in range(count)], template.page_count
                )
            self.articles.append(article)
        # 相关稿件: earlier articles of the same section; the articles of sections no
        # listing shows are reachable through the related links of a later article.
        listed = {i for lt in self.listing_templates.values() for i in lt.listed_ids}
        by_folder: dict[str, list[Article]] = {}
        pending: dict[str, list[Article]] = {}
        for article in self.articles:
            folder = article.template.folder
            earlier = by_folder.setdefault(folder, [])
            picks = rng.sample(earlier[-50:], min(len(earlier[-50:]), rng.choice([0, 1, 2, 2, 3, 3, 4])))
            picks = pending.pop(folder, []) + [p for p in picks if p.repost_of is None]
            for target in picks[:6]:
                href = target.url
                if rng.random() < VARIANT_SHARE:
                    href += rng.choice(self.variants)
                article.related.append((href, target.url, target.title))
            if rng.random() < GONE_SHARE:
                gone = SITE + article_path(article.article_id - rng.randint(1, 400), article.when)
                article.related.append((gone, gone, self.text.title()))
            earlier.append(article)
            if article.template.article_id not in listed or article.repost_of is not None:
                pending.setdefault(folder, []).append(article)
        # the last ones of an unlisted section: from the newest article of all
        newest = self.articles[-1]
        for rest in pending.values():
            for target in rest:
                if target is not newest:
                    newest.related.append((target.url, target.url, target.title))

    def _split(self, paragraphs: list[str], parts: int) -> list[list[str]]:
        size = math.ceil(len(paragraphs) / parts)
        out = [paragraphs[i * size : (i + 1) * size] for i in range(parts)]
        return [p or [self.text.paragraph()] for p in out]

    def _map_snapshot_articles(self) -> None:
        """Point every snapshot article link (sidebar, home, topic pages) at the newest
        synthetic article cut from it."""
        self.snapshot_map: dict[str, Article] = {}
        for article in self.articles:
            if article.repost_of is None:
                self.snapshot_map[article.template.article_id] = article

    def remap(self, text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            target = self.snapshot_map.get(m.group(4).lstrip("0"))
            if target is None:
                digest = int(hashlib.sha1(m.group(4).encode()).hexdigest(), 16)
                target = self.articles[-1 - digest % min(50, len(self.articles))]
            part = int(m.group(5)[1:]) if m.group(5) else 0
            return target.path(part if part < target.template.page_count else 0).removeprefix("/xznews/")

        return _ARTICLE_PATH_RE.sub(repl, text)

    # -- pages -----------------------------------------------------------------------

    def article_pages(self, article: Article) -> tuple[list[tuple[str, str]], list[str]]:
        """(path, text) of the article's pages, and its paragraphs as shown."""
        t = article.template
        name = f"{article.article_id:09d}"
        vtime = f"{article.when:%Y年%m月%d日 %H:%M}"
        related = "\n".join(
            t.related_row.format(url=href, title=esc(title)) for href, _, title in article.related
        )
        out = []
        shown: list[str] = []
        for part, (cut, body) in enumerate(zip(t.pages, t.bodies, strict=True)):
            body_html, paragraphs = render_body(body, article.parts[part])
            shown += paragraphs
            values = {
                "title": esc(article.title),
                "id": str(article.article_id),
                "enpdate": f"{article.when:%Y-%m-%d %H:%M:%S}.0",
                "vtime": vtime,
                "body": body_html,
                "related": related,
                "name": name,
            }
            out.append((article.path(part), cut.render(values)))
        return out, shown

    def expected_record(self, article: Article, paragraphs: list[str]) -> dict[str, Any]:
        record = dict(article.template.expected)
        published = (
            f"{article.when:%Y-%m-%dT%H:%M:%S}"
            if article.template.has_enp
            else f"{article.when:%Y-%m-%dT%H:%M}:00"
        )
        seen: set[str] = set()
        related = []
        for _, url, title in article.related:
            if url not in seen:
                seen.add(url)
                related.append({"url": url, "title": title})
        record.update(
            url=article.url,
            article_id=str(article.article_id),
            title=collapse(article.title),
            published_at=published + "+08:00",
            paragraphs=paragraphs,
            related=related,
            also_at=sorted(a.url for a in self.articles if a.repost_of == article.index),
        )
        return record

    def listing_pages(self) -> list[tuple[str, str]]:
        by_template: dict[str, list[Article]] = {}
        for article in self.articles:
            by_template.setdefault(article.template.article_id, []).append(article)
        out = []
        for folder, lt in sorted(self.listing_templates.items()):
            ids = list(dict.fromkeys(lt.listed_ids))
            members = sorted(
                (a for i in ids for a in by_template.get(i, [])), key=lambda a: a.when, reverse=True
            )
            per_page = max(LISTING_PER_PAGE, math.ceil(len(members) / LISTING_MAX_PAGES))
            chunks = [members[i : i + per_page] for i in range(0, len(members), per_page)] or [[]]
            before, prefix, mid, after, end = lt.row
            for n, chunk in enumerate(chunks):
                rows = []
                for a in chunk:
                    href = prefix + a.path().removeprefix("/xznews/")
                    if prefix.startswith("http"):
                        href = a.url
                    roll = self.rng.random()
                    if roll < VARIANT_SHARE:
                        href += self.rng.choice(self.variants)
                    elif roll < VARIANT_SHARE * 1.3:
                        href = a.url.replace("jxxznews.", "JXXZNEWS.")
                    rows.append(f"{before}{href}{mid}{esc(a.title)}{after}{a.when:%Y-%m-%d}{end}")
                values = {
                    "rows": "\n".join(rows),
                    "pager": _pager(n, len(chunks)) if len(chunks) > 1 else "",
                    "pageno": "" if n == 0 else f"(第{n + 1}页)",
                }
                name = "index.shtml" if n == 0 else f"index_{n}.shtml"
                out.append((folder + name, lt.page.render(values)))
        return out


def write(portal: Portal, out: Path) -> dict[str, Any]:
    """Write the site, expected records and meta under ``out`` (replacing it)."""
    if out.exists():
        shutil.rmtree(out)
    site = out / "site"
    site.mkdir(parents=True)
    pages = 0
    article_pages = 0
    total_bytes = 0

    def save(path: str, text: str) -> None:
        nonlocal pages, total_bytes
        target = site / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("gbk")
        target.write_bytes(data)
        pages += 1
        total_bytes += len(data)

    records = []
    for article in portal.articles:
        article_html, paragraphs = portal.article_pages(article)
        for path, text in article_html:
            save(path, text)
            article_pages += 1
        if article.repost_of is None:
            records.append(portal.expected_record(article, paragraphs))
    listing_pages = 0
    for path, text in portal.listing_pages():
        save(path, text)
        listing_pages += 1
    for path, text in portal.others.items():
        save(path, portal.remap(text))
    with (out / "expected.jsonl").open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    meta = {
        "generator_version": GENERATOR_VERSION,
        "articles": portal.n,
        "seed": portal.seed,
        "records_expected": len(records),
        "reposts": sum(a.repost_of is not None for a in portal.articles),
        "multipage_articles": sum(a.template.page_count > 1 for a in portal.articles),
        "templates": len(portal.templates),
        "pages": pages,
        "article_pages": article_pages,
        "listing_pages": listing_pages,
        "bytes": total_bytes,
        "related_links": sum(len(a.related) for a in portal.articles),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def snapshot_digest(snapshot: Path = SNAPSHOT) -> str:
    h = hashlib.sha1(str(GENERATOR_VERSION).encode())
    h.update(Path(__file__).read_bytes())
    for file in sorted((snapshot / "pages").rglob("*")):
        if file.is_file():
            h.update(file.as_posix().encode())
            h.update(file.read_bytes())
    h.update((snapshot / "expected.jsonl").read_bytes())
    return h.hexdigest()[:16]


def ensure(articles: int, seed: int, out: Path) -> dict[str, Any]:
    """Generate the portal into ``out`` unless the same one is already there."""
    digest = snapshot_digest()
    meta_path = out / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text("utf-8"))
        if meta.get("articles") == articles and meta.get("seed") == seed and meta.get("digest") == digest:
            return meta
    meta = write(Portal(articles, seed), out)
    meta["digest"] = digest
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path("build/bench/portal"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    meta = ensure(args.articles, args.seed, args.out)
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
