"""Reading a page region as a sequence of text and image blocks.

ENP bodies are 2010-era HTML: ``<p>`` paragraphs, but also ``<br>``-separated
text, unclosed tags and ``<font>`` wrappers.  Walking the tree once and cutting
at block boundaries reads all of them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.normalize import collapse_whitespace

if TYPE_CHECKING:
    from lxml.etree import _Element

BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "table", "tbody", "tr", "td", "th", "li", "ul", "ol", "dl", "dd", "dt",
        "h1", "h2", "h3", "h4", "h5", "h6", "center", "blockquote", "section", "article", "hr",
        "header", "footer", "figure", "figcaption", "pre", "form",
    }
)  # fmt: skip
SKIP_TAGS = frozenset({"script", "style", "noscript", "select", "option", "textarea", "iframe", "object"})


@dataclass(frozen=True)
class Block:
    """One paragraph-like run of text, or one image, in document order."""

    text: str = ""
    image_src: str | None = None
    centered: bool = False
    # The image and its text shared one block element (``<p><img><br>caption</p>``).
    after_image_in_same_element: bool = False


def _is_centered(element: _Element) -> bool:
    align = (element.get("align") or "").lower()
    style = (element.get("style") or "").replace(" ", "").lower()
    return align == "center" or "text-align:center" in style or element.tag == "center"


def page_blocks(root: _Element) -> list[Block]:
    """The text and image blocks under ``root``, in document order.

    One loop over an explicit stack, not recursion: a hostile page nests
    elements deeper than Python's recursion limit (tests/test_hostile_pages.py).
    Each stack entry is an element to enter, or the work left after an
    element's children (its block's end and its tail).  Written as one loop
    because a generator per element cost as much as the rest of the body's
    reading (docs/benchmarks.md).
    """
    blocks: list[Block] = []
    buffer: list[str] = []
    centered_now = False  # the centring of the block the buffer belongs to
    image_owner: object | None = None  # the block element of the last image

    def flush(owner: object | None) -> None:
        text = collapse_whitespace("".join(buffer))
        buffer.clear()
        if text:
            same = image_owner is not None and image_owner is owner
            blocks.append(Block(text=text, centered=centered_now, after_image_in_same_element=same))

    # (element, centered, owner) to enter; (None, element, closes_block, here_centered, centered, owner) to leave
    stack: list[tuple[Any, ...]] = [(root, False, None)]
    while stack:
        entry = stack.pop()
        if entry[0] is None:
            _, element, closes_block, here_centered, centered, owner = entry
            if closes_block:
                centered_now = here_centered
                flush(owner)
                centered_now = centered
            if element.tail:
                buffer.append(element.tail)
            continue
        element, centered, owner = entry
        tag = element.tag
        if not isinstance(tag, str):  # comments and processing instructions: only their tail is text
            if element.tail:
                buffer.append(element.tail)
            continue
        tag = tag.lower()
        if tag in SKIP_TAGS:
            if element.tail:
                buffer.append(element.tail)
            continue
        is_block = tag in BLOCK_TAGS
        here_centered = centered or _is_centered(element)
        if is_block:
            centered_now = here_centered
            flush(owner)
            if tag != "br":
                owner = element
        if tag == "img":
            flush(owner)
            src = element.get("src") or element.get("data-src")
            if src:
                image_owner = owner
                blocks.append(Block(image_src=src.strip(), centered=here_centered))
        if element.text and tag != "br":
            buffer.append(element.text)
        stack.append((None, element, is_block and tag != "br", here_centered, centered, owner))
        stack.extend([(child, here_centered, owner) for child in reversed(element)])

    centered_now = False
    flush(None)
    return blocks
