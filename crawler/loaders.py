"""Item loaders: the input and output processors of every record field.

Processors only call the pure functions of ``crawler.normalize``; the page
objects feed raw text in, the loader hands a normalised ``ArticleRecord`` out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from itemloaders.processors import Identity, TakeFirst
from itemloaders.utils import arg_to_iter
from scrapy.loader import ItemLoader

from crawler.items import ArticleRecord
from crawler.normalize import (
    Byline,
    collapse_whitespace,
    content_hash,
    drop_empty,
    parse_published_at,
    split_byline,
    split_keywords,
    strip_site_suffix,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence


def _text(value: str | None) -> str | None:
    return collapse_whitespace(value) or None


def _image(image: dict[str, Any]) -> dict[str, Any] | None:
    url = (image.get("url") or "").strip()
    return {"url": url, "caption": _text(image.get("caption"))} if url else None


def _link(link: dict[str, Any]) -> dict[str, Any] | None:
    url, title = (link.get("url") or "").strip(), _text(link.get("title"))
    return {"url": url, "title": title} if url and title else None


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


class MapEach:
    """``MapCompose`` for processors that read no loader context.

    Each function is applied to each value in turn; a function's lists are
    flattened into the values and its ``None`` dropped, as with ``MapCompose``.
    ``MapCompose`` also builds a ``ChainMap`` of the loader context and wraps its
    functions again for every value it is given, which was most of the loader's
    time (docs/benchmarks.md); none of these processors reads the context.
    """

    def __init__(self, *functions: Callable[[Any], Any]) -> None:
        self.functions = functions

    def __call__(self, value: Any) -> list[Any]:
        values = arg_to_iter(value)
        for function in self.functions:
            next_values: list[Any] = []
            for item in values:
                try:
                    next_values += arg_to_iter(function(item))
                except Exception as e:
                    raise ValueError(
                        f"Error in MapEach with {function!r} value={item!r} error='{type(e).__name__}: {e!s}'"
                    ) from e
            values = next_values
        return list(values)


@dataclass(frozen=True)
class BylineRole:
    """Input processor of a role field: the names each byline gives that role, in order.

    Equal (and hashing alike) for equal roles whatever the memo: itemloaders
    looks processors up in a cache of their signatures, and a processor that
    were new to it on every loader would be inspected again each time.
    """

    role: str
    memo: dict[str, Byline] = field(default_factory=dict, compare=False, repr=False)

    def __call__(self, bylines: Iterable[str]) -> list[str]:
        names: list[str] = []
        for byline in bylines:
            roles = self.memo.get(byline)
            if roles is None:
                roles = self.memo[byline] = split_byline(byline)
            names += getattr(roles, self.role)
        return names


class ArticleLoader(ItemLoader):
    """Declares how each raw value becomes a field of ``ArticleRecord``."""

    default_item_class = ArticleRecord
    default_input_processor = MapEach(_text)
    default_output_processor = TakeFirst()

    title_in = MapEach(strip_site_suffix, drop_empty)
    published_at_in = MapEach(parse_published_at)

    reporters_out = staticmethod(_unique)
    correspondents_out = staticmethod(_unique)
    photographers_out = staticmethod(_unique)

    breadcrumbs_out = Identity()
    keywords_in = MapEach(split_keywords)
    keywords_out = staticmethod(_unique)
    paragraphs_out = Identity()
    images_in = MapEach(_image)
    images_out = Identity()
    related_in = MapEach(_link)
    related_out = staticmethod(_unique)
    also_at_out = Identity()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The three role fields are fed the same byline: one memo, one split.
        bylines: dict[str, Byline] = {}
        self.reporters_in = BylineRole("reporters", bylines)
        self.correspondents_in = BylineRole("correspondents", bylines)
        self.photographers_in = BylineRole("photographers", bylines)

    # Processors are declared here only, never in ArticleRecord's field
    # metadata: looking there (ItemAdapter, dataclasses.fields()) for every
    # value of every field was a quarter of the loader's time.  Plain
    # functions are static methods above, so no method needs unbinding.
    def get_input_processor(self, field_name: str) -> Callable[..., Any]:
        return getattr(self, f"{field_name}_in", None) or self.default_input_processor

    def get_output_processor(self, field_name: str) -> Callable[..., Any]:
        return getattr(self, f"{field_name}_out", None) or self.default_output_processor


def assemble_article(pages: Sequence[ArticleRecord]) -> ArticleRecord:
    """One record from the pages of an article, in page order.

    The first page carries the metadata; every page adds its paragraphs,
    images and related links.  ``page_count`` and ``content_hash`` are set here
    because only the whole article has them.
    """
    first = pages[0]
    paragraphs = [p for page in pages for p in page.paragraphs]
    images = [i for page in pages for i in page.images]
    related = _unique([r for page in pages for r in page.related])
    return replace(
        first,
        paragraphs=paragraphs,
        images=images,
        related=related,
        page_count=len(pages),
        content_hash=content_hash(first.title or "", paragraphs),
    )
