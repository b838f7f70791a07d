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
from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any, TypeVar

from lxml import etree
from scrapy.utils.response import get_base_url

from crawler.loaders import ArticleLoader
from crawler.normalize import (
    article_id_from_url,
    collapse_whitespace,
    is_toolbar_text,
    parse_enpproperty,
    parse_metadata_line,
    parse_published_at,
    split_breadcrumb,
    strip_label,
    strip_site_suffix,
)
from crawler.pages.blocks import Block, page_blocks
from crawler.pages.links import named_links, page_links
from crawler.pages.listing import ListingPage
from crawler.pages.tree import html_tree
from crawler.portal import PageKind

if TYPE_CHECKING:
    from collections.abc import Callable

    from lxml.etree import _Element
    from scrapy.http import TextResponse

    from crawler.items import ArticleRecord
    from crawler.portal import Link, Portal

_T = TypeVar("_T")

# Start and end searched apart: one (.*?) regex was quadratic on a hostile page
# full of unclosed markers (tests/test_hostile_pages.py).
_ENPCONTENT_START_RE = re.compile(r"<!--\s*enpcontent\s*-->", re.IGNORECASE)
_ENPCONTENT_END_RE = re.compile(r"<!--\s*/\s*enpcontent\s*-->", re.IGNORECASE)
_SOURCE_LABELS = ("来源",)
_AUTHOR_LABELS = ("作者",)
_EDITOR_LABELS = ("责任编辑", "编辑")
_METADATA_LABEL_RE = re.compile(r"(来\s*源|作\s*者|责任编辑|编\s*辑)\s*[:：]")
_BREADCRUMB_LABELS = ("您当前的位置", "当前位置", "您的位置", "你的位置")
_BREADCRUMB_LABEL_RE = re.compile(f"({'|'.join(_BREADCRUMB_LABELS)})")
_RELATED_HEADING = "相关稿件"
_RECOMMENDED_HEADING = "精彩推荐"
# The headings whose links are read.
_LINK_BLOCK_HEADINGS = (_RELATED_HEADING, _RECOMMENDED_HEADING)
# Headings that end a link block: the sidebar and related blocks stop at the next one.
_BLOCK_HEADINGS = ("相关稿件", "精彩推荐", "图 片", "图片新闻", "热点新闻", "最新新闻")
# A text can hold a block heading only if it holds one of their first characters.
_BLOCK_HEADING_FIRST_CHARS_RE = re.compile("[{}]".format("".join(sorted({h[0] for h in _BLOCK_HEADINGS}))))
_HAS_LINK = etree.XPath("boolean(.//a[@href])")
# A caption is short: a sentence of prose after an image is a paragraph, not its caption.
_CAPTION_MAX_CHARS = 120
_SPACER_IMAGE_RE = re.compile(r"(spacer|blank|pixel|space)\.(gif|png)$", re.IGNORECASE)
# Text nodes holding a character of a 来源/作者/编辑 label: where the metadata line may be.
_METADATA_CHARS = "来作编"
_METADATA_CHARS_RE = re.compile(f"[{_METADATA_CHARS}]")
# What _labelled_text keeps: one regex for all, one search per text node.
_LANDMARK_RE = re.compile(
    "|".join(
        (_METADATA_CHARS_RE.pattern, _BREADCRUMB_LABEL_RE.pattern, *map(re.escape, _LINK_BLOCK_HEADINGS))
    )
)
# The first characters of _LANDMARK_RE's matches.  Most text nodes hold none of
# them, and a character class is scanned several times faster than the
# alternation: the landmark regex only runs where this one found something.
_LANDMARK_FIRST_CHARS_RE = re.compile(
    "[{}]".format(
        "".join(
            sorted({*_METADATA_CHARS, *(word[0] for word in (*_BREADCRUMB_LABELS, *_LINK_BLOCK_HEADINGS))})
        )
    )
)
# Every text node of <body>, each knowing its element (lxml "smart strings").
_BODY_TEXT = etree.XPath("//body//text()")
# Elements whose text is not page text.
_TEXTLESS_TAGS = frozenset({"script", "style"})
_TITLE_TEXT = etree.XPath("//title//text()", smart_strings=False)
_OWN_TEXT = etree.XPath("text()", smart_strings=False)
_ELEMENT_BY_ID = etree.XPath("id($id)")
_ELEMENTS_WITH_ID = etree.XPath("descendant::*[@id = $id]")
# Where a page without the enpproperty title may show its headline.
_HEADLINE_CANDIDATES = etree.XPath("//h1 | //h2 | //*[@id='title' or @class='title']")


def _once(method: Callable[..., _T]) -> Callable[..., _T]:
    """A page method computed once per page and arguments; a list comes back as a new list each call.

    The spider asks a page for its title (is it an article?) and its related
    links (what to follow) before the loader asks for every field, and some
    fields read others (``published_at`` looks for the time after the title):
    a page without the ``enpproperty`` title took 0.26 ms a call to find it.
    """
    name = method.__name__

    @wraps(method)
    def once(self: ArticlePage, *args: Any) -> _T:
        key = (name, *args)
        try:
            value = self._cache[key]
        except KeyError:
            value = self._cache[key] = method(self, *args)
        return list(value) if isinstance(value, list) else value  # type: ignore[return-value]

    return once


def _text_owner(node: Any) -> _Element | None:
    """The element whose own text the text node ``node`` (an lxml smart string) is."""
    owner = node.getparent()
    return owner.getparent() if owner is not None and node.is_tail else owner


def _text_of(element: _Element) -> str:
    """All the text inside ``element`` (``.//text()``), white space collapsed."""
    return collapse_whitespace(" ".join(element.itertext()))


def _in_document_order(elements: list[_Element]) -> list[_Element]:
    """``elements`` (listed by the order of their first own text) in document order.

    The two orders differ only where one element holds another and its own
    text comes after the inner one's (``<div><b>x</b>y</div>``): an element
    comes before everything it contains.
    """
    unique = list(dict.fromkeys(elements))
    if len(unique) < 2:
        return unique
    ordered: list[_Element] = []
    for element in unique:
        at = next(
            (i for i, earlier in enumerate(ordered) if element in earlier.iterancestors()), len(ordered)
        )
        ordered.insert(at, element)
    return ordered


@dataclass
class ArticlePage:
    """One page (part) of an ENP article, over a decoded ``TextResponse``."""

    response: TextResponse
    portal: Portal
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)

    # -- the document -------------------------------------------------------

    @cached_property
    def links(self) -> list[Link]:
        """The page's on-portal links, resolved once (its pager and the listing side use them)."""
        return page_links(self.response, self._root, self.portal)

    @cached_property
    def listing(self) -> ListingPage:
        """The page's links as a listing reads them: navigation, sidebar, related."""
        return ListingPage(self.response, self.portal, links=self.links)

    @cached_property
    def _html(self) -> str:
        # TextResponse.text works out the response's encoding again on every access.
        return self.response.text

    @cached_property
    def enp(self) -> dict[str, str]:
        """The fields of the ``<!--enpproperty ...-->`` comment ({} when absent)."""
        return parse_enpproperty(self._html)

    @cached_property
    def _root(self) -> _Element:
        # The lxml tree itself, not parsel's: parsel wraps every XPath result in
        # a Selector, which cost more than the look-ups (docs/benchmarks.md).
        return html_tree(self._html, self.response.url)

    @cached_property
    def _body_text_nodes(self) -> list[str]:
        """The body's visible text nodes, white space collapsed, empty ones left out."""
        # What //body//text()[not(ancestor::script) and not(ancestor::style)] selects:
        # script and style hold only text, so their text is the only text inside them.
        # The XPath's ancestor tests took 0.24 ms a page, this 0.14.
        texts = []
        for node in _BODY_TEXT(self._root):
            owner = _text_owner(node)
            if owner is not None and owner.tag in _TEXTLESS_TAGS:
                continue
            if text := collapse_whitespace(node):
                texts.append(text)
        return texts

    @cached_property
    def _labelled_text(self) -> list[tuple[_Element, str]]:
        """(element, text) of the body's text nodes that may hold a label or a
        heading, the element being the one whose own text it is (not a script or style).

        One pass over the body's text serves the metadata line, the breadcrumb
        label and the link-block headings: an XPath ``contains()`` per look-up
        cost more than the rest of the page's fields (docs/benchmarks.md).
        """
        out: list[tuple[_Element, str]] = []
        may_hold, holds = _LANDMARK_FIRST_CHARS_RE.search, _LANDMARK_RE.search
        for node in _BODY_TEXT(self._root):
            if not may_hold(node) or not holds(node):
                continue
            owner = _text_owner(node)
            if owner is None or owner.tag in _TEXTLESS_TAGS:
                continue
            out.append((owner, str(node)))
        return out

    def _text_owners(self, matches: Callable[[str], object]) -> list[_Element]:
        """Elements of the body with an own text node that ``matches``, in document order."""
        return _in_document_order([owner for owner, text in self._labelled_text if matches(text)])

    @cached_property
    def _content_root(self) -> _Element | None:
        """The article body: the enpcontent block, else the richest ``<p>`` container."""
        text = self._html
        start = _ENPCONTENT_START_RE.search(text)
        end = _ENPCONTENT_END_RE.search(text, start.end()) if start else None
        if start and end:
            return html_tree(f"<div>{text[start.end() : end.start()]}</div>")
        best, best_len = None, 0
        for element in self._root.xpath("//body//*[p]"):
            length = sum(len(collapse_whitespace(t)) for t in element.xpath("./p//text()"))
            if length > best_len:
                best, best_len = element, length
        return best

    @cached_property
    def _blocks(self) -> list[Block]:
        root = self._content_root
        return page_blocks(root) if root is not None else []

    # -- identity -----------------------------------------------------------

    @property
    def url(self) -> str:
        """Canonical URL of the article's first page."""
        return self.portal.first_page_url(self.portal.canonical(self.response.url))

    @property
    def part_index(self) -> int:
        """0 for the first page of an article, 1 for ``_01``, …"""
        part = self.portal.article_part(self.portal.canonical(self.response.url))
        return part[1] if part else 0

    def article_id(self) -> str | None:
        enp_id = self.enp.get("articleid", "").strip().lstrip("0")
        if enp_id.isdigit():
            return enp_id
        return article_id_from_url(self.response.url)

    def site(self) -> str:
        return self.portal.host

    # -- headline and time --------------------------------------------------

    @_once
    def title(self) -> str | None:
        if self.enp.get("title"):
            return self.enp["title"]
        page_title = strip_site_suffix(" ".join(_TITLE_TEXT(self._root)))
        for candidate in _HEADLINE_CANDIDATES(self._root):
            text = _text_of(candidate)
            if text and (not page_title or text == page_title or text in page_title):
                return text
        visible = self._body_text_nodes
        if page_title and (page_title in visible or not visible):
            return page_title
        return page_title or None

    def subtitle(self) -> str | None:
        return self.enp.get("subtitle") or None

    @_once
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

    def _elements_with_id(self, element_id: str) -> list[_Element]:
        """The elements below ``<html>`` whose ``id`` is ``element_id``, in document order."""
        # libxml2 indexes ids while parsing: id() is one hash look-up, where a
        # walk of the page's elements cost 0.02-0.04 ms (docs/benchmarks.md).
        # The index holds the first element of each id (and <a name>s): when it
        # has nothing, no element has the id; what it has is trusted only when
        # the id occurs once in the page's source.
        if not element_id or any(char.isspace() for char in element_id):  # id() reads a list of ids
            return _ELEMENTS_WITH_ID(self._root, id=element_id)
        found = _ELEMENT_BY_ID(self._root, id=element_id)
        if not found:
            return []
        if (
            len(found) == 1
            and found[0].get("id") == element_id
            and found[0] is not self._root
            and self._html.count(element_id) == 1
        ):
            return found
        return _ELEMENTS_WITH_ID(self._root, id=element_id)

    def _span_text(self, span_id: str) -> str | None:
        elements = self._elements_with_id(span_id)
        texts = [text for element in elements for text in element.itertext()]
        text = collapse_whitespace(" ".join(texts))
        return text or None

    @cached_property
    def _metadata_line(self) -> dict[str, str]:
        """The visible 来源/作者/编辑 line, parsed; the smallest element holding it."""
        found: dict[str, str] = {}
        # The label test first, on each candidate's own text: a character of a
        # label is in about ten text nodes a page (来 is a common word), a label
        # in one or two, and only those are put in document order.
        candidates = dict.fromkeys(
            owner for owner, text in self._labelled_text if _METADATA_CHARS_RE.search(text)
        )
        labelled = [
            node
            for node in candidates
            if _METADATA_LABEL_RE.search(collapse_whitespace(" ".join(_OWN_TEXT(node))))
        ]
        for node in _in_document_order(labelled):
            element = node
            line = _text_of(element)
            # The labels may sit in sibling spans: climb only while that gains labels,
            # so that the line never swallows the block after it.
            for _ in range(3):
                parent = element.getparent()
                if parent is None:
                    break
                parent_line = _text_of(parent)
                gains = len(_METADATA_LABEL_RE.findall(parent_line)) > len(_METADATA_LABEL_RE.findall(line))
                if len(parent_line) > 300 or not gains:
                    break
                element, line = parent, parent_line
            for key, value in parse_metadata_line(line).items():
                found.setdefault(key, value)
        return found

    def _span_value(self, span_id: str, key: str, labels: tuple[str, ...]) -> str | None:
        """The value of a ``*_baidu`` span, with or without its label; None without the span."""
        span = self._span_text(span_id)
        if span is None:
            return None
        return parse_metadata_line(span).get(key) or strip_label(span, labels).strip("【】[]（）() ")

    @_once
    def source(self) -> str | None:
        return self._span_value("source_baidu", "source", _SOURCE_LABELS) or self._metadata_line.get("source")

    @_once
    def byline(self) -> str | None:
        span = self._span_value("author_baidu", "author", _AUTHOR_LABELS)
        if span is not None:
            return span or None  # an empty 作者 span: no author, whatever the line says
        return self._metadata_line.get("author")

    @_once
    def editor(self) -> str | None:
        return self._span_value("editor_baidu", "editor", _EDITOR_LABELS) or self._metadata_line.get("editor")

    # -- where it sits ------------------------------------------------------

    def _label_container(self, label_re: re.Pattern[str]) -> _Element | None:
        """The first element in ``<body>`` (not a script or style) whose own text matches."""
        owners = self._text_owners(label_re.search)
        return owners[0] if owners else None

    @_once
    def breadcrumbs(self) -> list[str]:
        element = self._label_container(_BREADCRUMB_LABEL_RE)
        if element is None:
            return []
        for _ in range(3):
            text = _text_of(element)
            if re.search(r"[>＞›»]", text):
                break
            parent = element.getparent()
            if parent is None:
                break
            element = parent
        text = _text_of(element)
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

    @_once  # the spider follows the related links, then the loader reads them
    def _links_after_heading(self, heading: str) -> list[tuple[str, str]]:
        """(href, text) of the links that follow ``heading`` in its block."""
        if heading not in _LINK_BLOCK_HEADINGS:
            raise ValueError(f"not a link-block heading: {heading!r}")  # _labelled_text keeps only those
        # Headings have no white space inside: a text node holds one whole or not at all.
        # A heading is an element's own text; <body>'s own text is no block's heading.
        heads = [owner for owner in self._text_owners(lambda text: heading in text) if owner.tag != "body"]
        if not heads:
            return []
        head_element = heads[0]
        container = head_element
        for _ in range(5):
            if container is not head_element and _HAS_LINK(container):
                break
            parent = container.getparent()
            if parent is None:
                break
            container = parent
        links: list[tuple[str, str]] = []
        started = False
        for node in container.iter():
            if node is head_element:
                started = True
                continue
            if not started or not isinstance(node.tag, str):
                continue
            if node.tag != "a":
                text = node.text
                if text and _BLOCK_HEADING_FIRST_CHARS_RE.search(text):
                    own = collapse_whitespace(text)
                    if own != heading and any(h in own for h in _BLOCK_HEADINGS):
                        break
            elif node.get("href"):
                text = collapse_whitespace("".join(node.itertext())).lstrip("·•・ ")
                links.append((node.get("href", "").strip(), text))
        return links

    @_once
    def related(self) -> list[dict[str, str]]:
        """The 相关稿件 links: canonical absolute URL and title."""
        out = []
        seen = set()
        base_url = get_base_url(self.response)
        for href, text in self._links_after_heading(_RELATED_HEADING):
            if not text or href.lower().startswith(("javascript:", "mailto:", "#")):
                continue
            # On-portal links were resolved when the page's links were read (Portal.link).
            link = self.portal.link(base_url, href)
            if link is not None:
                url = link.canonical
            elif (joined := self._urljoin(href)) is not None:
                url = self.portal.canonical(joined)
            else:
                continue
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
        """Canonical URLs of the other pages of this article, in page order: those
        its pager links; when it links none, those its source names.

        The notes fix the later pages' names (``…_01.shtml``), not how the pager
        shows them: one a script writes or follows has no ``<a href>``.
        """
        return self._parts_of(self.links) or self._parts_of(self._named_parts())

    def _parts_of(self, links: list[Link]) -> list[str]:
        first = self.url
        parts: dict[int, str] = {}
        for link in links:
            if link.kind is not PageKind.ARTICLE:
                continue
            url = link.canonical
            part = self.portal.article_part(url)
            if part and part[0] == first and part[1] > 0:
                parts.setdefault(part[1], url)
        return [parts[n] for n in sorted(parts)]

    def _named_parts(self) -> list[Link]:
        """Pages of this article named in the page's source (``<file>_NN.shtml``)."""
        stem = self.url.rsplit("/", 1)[-1].partition(".")[0]
        if not stem or f"{stem}_" not in self._html:
            return []
        return named_links(self.response, self.portal, re.compile(rf"{re.escape(stem)}_\d{{1,4}}\.s?html?"))

    def later_part_urls(self) -> list[str]:
        """The pages of this article after this one that its pager links, in order."""
        return [
            url for url in self.part_urls() if (self.portal.article_part(url) or ("", 0))[1] > self.part_index
        ]

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
