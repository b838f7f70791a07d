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
    from collections.abc import Iterator

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


_ENTER, _LEAVE = object(), object()


def iter_blocks(root: _Element) -> Iterator[Block]:
    """Yield the text and image blocks under ``root`` in document order."""
    buffer: list[str] = []
    state = {"centered": False, "image_owner": None, "owner_used": False}

    def flush(owner: object | None = None) -> Iterator[Block]:
        text = collapse_whitespace("".join(buffer))
        buffer.clear()
        if text:
            same = state["image_owner"] is not None and state["image_owner"] is owner
            yield Block(text=text, centered=bool(state["centered"]), after_image_in_same_element=same)

    def enter(element: _Element, centered: bool, owner: object | None) -> Iterator[Block]:
        """The work before an element's children; leaves on ``stack`` what comes after them."""
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None:  # comments and processing instructions: only their tail is text
            if element.tail:
                buffer.append(element.tail)
            return
        tag = tag.lower()
        if tag in SKIP_TAGS:
            if element.tail:
                buffer.append(element.tail)
            return
        is_block = tag in BLOCK_TAGS
        here_centered = centered or _is_centered(element)
        if is_block:
            state["centered"] = here_centered
            yield from flush(owner)
            if tag != "br":
                owner = element
        if tag == "img":
            yield from flush(owner)
            src = element.get("src") or element.get("data-src")
            if src:
                state["image_owner"] = owner
                yield Block(image_src=src.strip(), centered=here_centered)
        if element.text and tag != "br":
            buffer.append(element.text)
        stack.append((_LEAVE, element, (is_block and tag != "br", here_centered, centered, owner)))
        stack.extend((_ENTER, child, (here_centered, owner)) for child in reversed(element))

    def leave(
        element: _Element, closes_block: bool, here_centered: bool, centered: bool, owner: object | None
    ) -> Iterator[Block]:
        if closes_block:
            state["centered"] = here_centered
            yield from flush(owner)
            state["centered"] = centered
        if element.tail:
            buffer.append(element.tail)

    # An explicit stack, not recursion: a hostile page nests elements deeper than
    # Python's recursion limit (tests/test_hostile_pages.py).
    stack: list[tuple[object, _Element, tuple[Any, ...]]] = [(_ENTER, root, (False, None))]
    while stack:
        step, element, args = stack.pop()
        yield from (enter if step is _ENTER else leave)(element, *args)

    state["centered"] = False
    yield from flush(None)
