"""The article page: one method per field of the record, one per link set.

Nothing is known of the portal's class names (``shared/portal-notes.md``), so
fields are found by what the notes do know: the ENP ``<!--enpproperty-->``
comment, the ``<!--enpcontent-->`` markers, the ``*_baidu`` span ids, and the
visible labels of the template (您当前的位置, 来源 / 作者 / 编辑, 相关稿件,
精彩推荐).  The enpproperty block is read first; the visible markup is the
fallback.  Methods return raw text; ``ArticleLoader`` normalises it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from parsel import Selector

from crawler.loaders import ArticleLoader
from crawler.normalize import (
    article_id_from_url,
    article_part,
    collapse_whitespace,
    is_toolbar_text,
    parse_enpproperty,
    parse_metadata_line,
    parse_published_at,
    split_breadcrumb,
    strip_label,
    strip_site_suffix,
)
from crawler.pages.blocks import Block, iter_blocks

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from scrapy.http import TextResponse

    from crawler.items import ArticleRecord
    from crawler.portal import Portal

# Start and end searched apart: one (.*?) regex was quadratic on a hostile page
# full of unclosed markers (tests/test_hostile_pages.py).
_ENPCONTENT_START_RE = re.compile(r"<!--\s*enpcontent\s*-->", re.IGNORECASE)
_ENPCONTENT_END_RE = re.compile(r"<!--\s*/\s*enpcontent\s*-->", re.IGNORECASE)
_SOURCE_LABELS = ("来源",)
_AUTHOR_LABELS = ("作者",)
_EDITOR_LABELS = ("责任编辑", "编辑")
_METADATA_LABEL_RE = re.compile(r"(来\s*源|作\s*者|责任编辑|编\s*辑)\s*[:：]")
_BREADCRUMB_LABEL_RE = re.compile(r"(您当前的位置|当前位置|您的位置|你的位置)")
_RELATED_HEADING = "相关稿件"
_RECOMMENDED_HEADING = "精彩推荐"
# Headings that end a link block: the sidebar and related blocks stop at the next one.
_BLOCK_HEADINGS = ("相关稿件", "精彩推荐", "图 片", "图片新闻", "热点新闻", "最新新闻")
# A caption is short: a sentence of prose after an image is a paragraph, not its caption.
_CAPTION_MAX_CHARS = 120
_SPACER_IMAGE_RE = re.compile(r"(spacer|blank|pixel|space)\.(gif|png)$", re.IGNORECASE)


@dataclass
class ArticlePage:
    """One page (part) of an ENP article, over a decoded ``TextResponse``."""

    response: TextResponse
    portal: Portal
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- the document -------------------------------------------------------

    @cached_property
    def enp(self) -> dict[str, str]:
        """The fields of the ``<!--enpproperty ...-->`` comment ({} when absent)."""
        return parse_enpproperty(self.response.text)

    @cached_property
    def _body_text_nodes(self) -> list[str]:
        nodes = self.response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall()
        return [text for text in (collapse_whitespace(node) for node in nodes) if text]

    @cached_property
    def _content_root(self) -> HtmlElement | None:
        """The article body: the enpcontent block, else the richest ``<p>`` container."""
        text = self.response.text
        start = _ENPCONTENT_START_RE.search(text)
        end = _ENPCONTENT_END_RE.search(text, start.end()) if start else None
        if start and end:
            return Selector(text=f"<div>{text[start.end() : end.start()]}</div>").root
        best, best_len = None, 0
        for element in self.response.xpath("//body//*[p]"):
            length = sum(len(collapse_whitespace(t)) for t in element.xpath("./p//text()").getall())
            if length > best_len:
                best, best_len = element.root, length
        return best

    @cached_property
    def _blocks(self) -> list[Block]:
        root = self._content_root
        return list(iter_blocks(root)) if root is not None else []

    # -- identity -----------------------------------------------------------

    @property
    def url(self) -> str:
        """Canonical URL of the article's first page."""
        return self.portal.first_page_url(self.portal.canonical(self.response.url))

    @property
    def part_index(self) -> int:
        """0 for the first page of an article, 1 for ``_01``, …"""
        part = article_part(self.portal.canonical(self.response.url))
        return part[1] if part else 0

    def article_id(self) -> str | None:
        enp_id = self.enp.get("articleid", "").strip().lstrip("0")
        if enp_id.isdigit():
            return enp_id
        return article_id_from_url(self.response.url)

    def site(self) -> str:
        return self.portal.host

    # -- headline and time --------------------------------------------------

    def title(self) -> str | None:
        if self.enp.get("title"):
            return self.enp["title"]
        page_title = strip_site_suffix(" ".join(self.response.xpath("//title//text()").getall()))
        visible = set(self._body_text_nodes)
        for candidate in self.response.xpath("//h1 | //h2 | //*[@id='title' or @class='title']"):
            text = collapse_whitespace(" ".join(candidate.xpath(".//text()").getall()))
            if text and (not page_title or text == page_title or text in page_title):
                return text
        if page_title and (page_title in visible or not visible):
            return page_title
        return page_title or None

    def subtitle(self) -> str | None:
        return self.enp.get("subtitle") or None

    def published_at(self) -> str | None:
        """ENP ``<date>`` (it has seconds), else the visible time near the headline."""
        for raw in (self.enp.get("date"), self._span_text("pubtime_baidu")):
            if parse_published_at(raw):
                return raw
        nodes = self._body_text_nodes
        title = collapse_whitespace(self.title())
        start = next((i for i, text in enumerate(nodes) if title and text == title), 0)
        # The first time after the headline; the 19119年 header clock never parses.
        for text in nodes[start : start + 40]:
            if parse_published_at(text):
                return text
        return None

    # -- metadata line: 来源 / 作者 / 编辑 -------------------------------------

    @cached_property
    def _elements_by_id(self) -> dict[str, list[HtmlElement]]:
        # One pass for the four *_baidu look-ups of a page: an XPath per id, with
        # parsel's Selector per text node, cost more than the rest of the page
        # (profiled in docs/benchmarks.md).
        found: dict[str, list[HtmlElement]] = {}
        for element in self.response.selector.root.xpath("//*[@id]"):
            found.setdefault(element.get("id"), []).append(element)
        return found

    def _span_text(self, span_id: str) -> str | None:
        elements = self._elements_by_id.get(span_id, ())
        texts = [text for element in elements for text in element.xpath(".//text()")]
        text = collapse_whitespace(" ".join(texts))
        return text or None

    @cached_property
    def _metadata_line(self) -> dict[str, str]:
        """The visible 来源/作者/编辑 line, parsed; the smallest element holding it."""
        found: dict[str, str] = {}
        for node in self.response.xpath(
            "//body//text()[contains(., '来') or contains(., '作') or contains(., '编')]"
            "[not(ancestor::script)]/.."
        ):
            own = collapse_whitespace(" ".join(node.xpath("./text()").getall()))
            if not _METADATA_LABEL_RE.search(own):
                continue
            element = node
            line = collapse_whitespace(" ".join(element.xpath(".//text()").getall()))
            # The labels may sit in sibling spans: climb only while that gains labels,
            # so that the line never swallows the block after it.
            for _ in range(3):
                parent = element.xpath("..")
                if not parent:
                    break
                parent_line = collapse_whitespace(" ".join(parent.xpath(".//text()").getall()))
                gains = len(_METADATA_LABEL_RE.findall(parent_line)) > len(_METADATA_LABEL_RE.findall(line))
                if len(parent_line) > 300 or not gains:
                    break
                element, line = parent[0], parent_line
            for key, value in parse_metadata_line(line).items():
                found.setdefault(key, value)
        return found

    def _span_value(self, span_id: str, key: str, labels: tuple[str, ...]) -> str | None:
        """The value of a ``*_baidu`` span, with or without its label; None without the span."""
        span = self._span_text(span_id)
        if span is None:
            return None
        return parse_metadata_line(span).get(key) or strip_label(span, labels).strip("【】[]（）() ")

    def source(self) -> str | None:
        return self._span_value("source_baidu", "source", _SOURCE_LABELS) or self._metadata_line.get("source")

    def byline(self) -> str | None:
        span = self._span_value("author_baidu", "author", _AUTHOR_LABELS)
        if span is not None:
            return span or None  # an empty 作者 span: no author, whatever the line says
        return self._metadata_line.get("author")

    def editor(self) -> str | None:
        return self._span_value("editor_baidu", "editor", _EDITOR_LABELS) or self._metadata_line.get("editor")

    # -- where it sits ------------------------------------------------------

    def _label_container(self, label_re: re.Pattern[str]) -> Selector | None:
        """The first element in ``<body>`` (not a script) whose own text matches."""
        # One walk of the lxml tree: a parsel xpath() per element was a third of
        # an article page's extraction time (profiled in docs/benchmarks.md).
        for body in self.response.selector.root.iter("body"):
            for element in body.iter():
                if not isinstance(element.tag, str) or element.tag == "script":
                    continue
                own = [text for text in (element.text, *(child.tail for child in element)) if text]
                if own and label_re.search(" ".join(own)):
                    return Selector(root=element)
        return None

    def breadcrumbs(self) -> list[str]:
        element = self._label_container(_BREADCRUMB_LABEL_RE)
        if element is None:
            return []
        for _ in range(3):
            text = collapse_whitespace(" ".join(element.xpath(".//text()").getall()))
            if re.search(r"[>＞›»]", text):
                break
            parent = element.xpath("..")
            if not parent:
                break
            element = parent[0]
        text = collapse_whitespace(" ".join(element.xpath(".//text()").getall()))
        match = _BREADCRUMB_LABEL_RE.search(text)
        return split_breadcrumb(text[match.start() :] if match else text)

    def section(self) -> str | None:
        if self.enp.get("nodename"):
            return self.enp["nodename"]
        crumbs = self.breadcrumbs()
        return crumbs[-1] if crumbs else None

    def node_id(self) -> str | None:
        return self.enp.get("nodeid") or None

    def keywords(self) -> str | None:
        return self.enp.get("keyword") or None

    def _is_furniture(self, text: str) -> bool:
        if is_toolbar_text(text):
            return True
        # The 来源/作者/编辑 line or a lone 责任编辑 line inside the body area.
        return bool(re.match(r"^\s*(来\s*源|作\s*者|责任编辑|编\s*辑)\s*[:：]", text))

    @cached_property
    def _body(self) -> tuple[list[str], list[dict[str, str | None]]]:
        paragraphs: list[str] = []
        images: list[dict[str, str | None]] = []
        blocks = self._blocks
        i = 0
        while i < len(blocks):
            block = blocks[i]
            if block.image_src is not None:
                if _SPACER_IMAGE_RE.search(block.image_src) or self._urljoin(block.image_src) is None:
                    i += 1
                    continue
                caption = None
                nxt = blocks[i + 1] if i + 1 < len(blocks) else None
                if (
                    nxt is not None
                    and nxt.image_src is None
                    and len(nxt.text) <= _CAPTION_MAX_CHARS
                    and (nxt.centered or nxt.after_image_in_same_element)
                    and not self._is_furniture(nxt.text)
                ):
                    caption = nxt.text
                    i += 1
                images.append({"url": self._urljoin(block.image_src), "caption": caption})
            elif not self._is_furniture(block.text):
                paragraphs.append(block.text)
            i += 1
        return paragraphs, images

    def paragraphs(self) -> list[str]:
        return self._body[0]

    def images(self) -> list[dict[str, str | None]]:
        return self._body[1]

    # -- link sets ------------------------------------------------------------

    def _urljoin(self, href: str) -> str | None:
        """``href`` made absolute, or None when it is no URL (``http://[bad``)."""
        try:
            return self.response.urljoin(href)
        except ValueError:
            return None

    def _links_after_heading(self, heading: str) -> list[tuple[str, str]]:
        """(href, text) of the links that follow ``heading`` in its block."""
        # Once per page: the spider follows the related links, then loads them.
        key = f"links_after:{heading}"
        if key not in self._cache:
            self._cache[key] = self._find_links_after_heading(heading)
        return list(self._cache[key])

    def _find_links_after_heading(self, heading: str) -> list[tuple[str, str]]:
        heads = self.response.xpath(
            f"//body//*[not(self::script)][text()[contains(normalize-space(.), '{heading}')]]"
        )
        if not heads:
            return []
        head_element = heads[0]
        container = head_element
        for _ in range(5):
            if container.xpath(".//a[@href]") and container.root is not head_element.root:
                break
            parent = container.xpath("..")
            if not parent:
                break
            container = parent[0]
        links: list[tuple[str, str]] = []
        started = False
        for node in container.root.iter():
            if node is head_element.root:
                started = True
                continue
            if not started or not isinstance(node.tag, str):
                continue
            own = collapse_whitespace(node.text or "")
            if own and own != heading and any(h in own for h in _BLOCK_HEADINGS) and node.tag != "a":
                break
            if node.tag == "a" and node.get("href"):
                text = collapse_whitespace(node.text_content()).lstrip("·•・ ")
                links.append((node.get("href", "").strip(), text))
        return links

    def related(self) -> list[dict[str, str]]:
        """The 相关稿件 links: canonical absolute URL and title."""
        out = []
        seen = set()
        for href, text in self._links_after_heading(_RELATED_HEADING):
            joined = self._urljoin(href)
            if not text or joined is None or href.lower().startswith(("javascript:", "mailto:", "#")):
                continue
            url = self.portal.canonical(joined)
            if url not in seen:
                seen.add(url)
                out.append({"url": url, "title": text})
        return out

    def related_urls(self) -> list[str]:
        return [link["url"] for link in self.related()]

    def recommended_urls(self) -> list[str]:
        """The 精彩推荐 sidebar's links."""
        return [
            url
            for href, _ in self._links_after_heading(_RECOMMENDED_HEADING)
            if not href.lower().startswith(("javascript:", "mailto:")) and (url := self._urljoin(href))
        ]

    def part_urls(self) -> list[str]:
        """Canonical URLs of the other pages of this article, in page order."""
        first = self.url
        parts: dict[int, str] = {}
        for href in self.response.xpath("//a/@href").getall():
            joined = self._urljoin(href)
            if joined is None:
                continue
            url = self.portal.canonical(joined)
            part = article_part(url)
            if part and part[0] == first and part[1] > 0:
                parts.setdefault(part[1], url)
        return [parts[n] for n in sorted(parts)]

    def later_part_urls(self) -> list[str]:
        """The pages of this article after this one that its pager links, in order."""
        return [url for url in self.part_urls() if (article_part(url) or ("", 0))[1] > self.part_index]

    # -- the record -----------------------------------------------------------

    def is_article(self) -> bool:
        """False for pages that carry no article (an error page served with 200)."""
        return bool(self.title()) and bool(self.paragraphs() or self.images())

    def load_item(self, crawled_at: str | None = None) -> ArticleRecord:
        """This page's fields, normalised by ``ArticleLoader``."""
        loader = ArticleLoader()
        loader.add_value("url", self.url)
        loader.add_value("article_id", self.article_id())
        loader.add_value("site", self.site())
        loader.add_value("title", self.title())
        loader.add_value("subtitle", self.subtitle())
        loader.add_value("published_at", self.published_at())
        loader.add_value("source", self.source())
        byline = self.byline()
        loader.add_value("byline", byline)
        loader.add_value("reporters", byline)
        loader.add_value("correspondents", byline)
        loader.add_value("photographers", byline)
        loader.add_value("editor", self.editor())
        loader.add_value("breadcrumbs", self.breadcrumbs())
        loader.add_value("section", self.section())
        loader.add_value("node_id", self.node_id())
        loader.add_value("keywords", self.keywords())
        loader.add_value("paragraphs", self.paragraphs())
        loader.add_value("images", self.images())
        loader.add_value("related", self.related())
        loader.add_value("crawled_at", crawled_at)
        return loader.load_item()
