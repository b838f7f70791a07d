"""The portal's address scheme: which URLs are home, listing and article pages.

Everything the crawler assumes about 秀洲新闻网's URLs is here, read from
``shared/portal-notes.md``: the site lives under ``/xznews/``; ENP article
pages are ``/xznews/system/YYYY/MM/DD/0NNNNNNNN.shtml`` (later pages of a
multi-page article add ``_01``, ``_02``); section listings live in folders
under ``/xznews/`` and are paginated ``index.shtml``, ``index_1.shtml``, …
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.normalize import article_part, canonical_url, is_article_url, listing_page_number

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


#: URLs whose canonical form and kind a Portal remembers.
URL_CACHE_SIZE = 8192


class PageKind(enum.Enum):
    """What a page of the portal is, told from its URL alone."""

    HOME = "home"
    LISTING = "listing"
    ARTICLE = "article"
    OTHER = "other"


@dataclass(frozen=True)
class Portal:
    """The portal's host and address rules, built from settings."""

    host: str
    start_url: str
    root_path: str
    tracking_params: tuple[str, ...] = ()
    _cache: dict[str, tuple[str, PageKind]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Portal:
        return cls(
            host=settings.get("SITE_HOST").lower(),
            start_url=settings.get("SITE_START_URL"),
            root_path=settings.get("SITE_ROOT_PATH"),
            tracking_params=tuple(settings.getlist("CANONICAL_TRACKING_PARAMS")),
        )

    def _classified(self, url: str) -> tuple[str, PageKind]:
        # The same few dozen links (navigation bars, sidebar, footer) are on every
        # page: canonicalising and classifying each once saved a tenth of a crawl's
        # CPU time (docs/benchmarks.md).  Bounded, so memory does not grow with the
        # portal: when full, the cache starts again.
        hit = self._cache.get(url)
        if hit is None:
            canonical = canonical_url(url, self.tracking_params)
            hit = (canonical, self._kind_of(canonical))
            if len(self._cache) >= URL_CACHE_SIZE:
                self._cache.clear()
            self._cache[url] = hit
        return hit

    def canonical(self, url: str) -> str:
        """The canonical form of ``url`` (see ``normalize.canonical_url``)."""
        return self._classified(url)[0]

    def is_on_portal(self, url: str) -> bool:
        """True for http(s) URLs on the portal's host (any case, default port)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or port not in (None, 80, 443):
            return False
        return (parts.hostname or "") == self.host

    def kind(self, url: str) -> PageKind:
        """Classify an on-portal URL by the portal's address scheme."""
        return self._classified(url)[1]

    def _kind_of(self, url: str) -> PageKind:
        path = urlsplit(url).path
        root_path = self.root_path
        if path in ("", "/") or path.rstrip("/") == root_path.rstrip("/"):
            return PageKind.HOME
        if path in (root_path + "index.shtml", root_path + "index.html"):
            return PageKind.HOME
        if is_article_url(url):
            return PageKind.ARTICLE
        if path.startswith(root_path) and listing_page_number(url) is not None:
            return PageKind.LISTING
        return PageKind.OTHER

    @staticmethod
    def first_page_url(url: str) -> str:
        """The first page of a (possibly multi-page) article URL."""
        part = article_part(url)
        return part[0] if part else url

    @staticmethod
    def listing_section(url: str) -> str:
        """The folder a listing page belongs to (its pagination family)."""
        path = urlsplit(url).path
        return url[: url.index(path)] + path[: path.rfind("/") + 1] if path else url

    @staticmethod
    def listing_number(url: str) -> int:
        return listing_page_number(url) or 0
