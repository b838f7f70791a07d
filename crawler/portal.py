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
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urljoin, urlsplit

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


class _UrlFacts(NamedTuple):
    """What the address scheme says of one URL (see ``Portal._classified``)."""

    canonical: str
    kind: PageKind
    part: tuple[str, int] | None  #: normalize.article_part: (first page, 0-based index)
    listing_number: int


class Link(NamedTuple):
    """An on-portal link of a page, resolved."""

    url: str  #: absolute, as written (tracking query, case and all)
    canonical: str
    kind: PageKind


def link_key(base_url: str, href: str) -> tuple[str, str]:
    """What ``urljoin(base_url, href)`` depends on: equal keys, equal joined URLs.

    An absolute http(s) href depends on the base's scheme only (``urljoin``
    rewrites it when the schemes match); an absolute path on the base's scheme
    and host; another relative href on the base up to its path's last ``/``; an
    empty one, or one starting with ``?`` or ``#``, on the whole base URL.

    >>> link_key("http://h/a/b.shtml?x=1", "c.shtml")
    ('http://h/a/', 'c.shtml')
    >>> link_key("http://h/a/b.shtml", "/x/")
    ('http://h', '/x/')
    >>> link_key("http://h/a/b.shtml", "HTTP://h/y")
    ('http:', 'HTTP://h/y')
    """
    if href[:8].lower().startswith(("http://", "https://")):
        return base_url[: base_url.find(":") + 1].lower(), href
    if href[:1] in ("?", "#", ""):
        return base_url, href
    cut = base_url.partition("#")[0].partition("?")[0]
    host_start = cut.find("//") + 2 if "//" in cut else 0
    path_start = cut.find("/", host_start)
    if path_start < 0:  # no path: ``http://host``
        return base_url, href
    if href[0] == "/" and href[1:2] != "/":
        return cut[:path_start], href
    return cut[: cut.rfind("/") + 1], href


@dataclass(frozen=True)
class Portal:
    """The portal's host and address rules, built from settings."""

    host: str
    start_url: str
    root_path: str
    tracking_params: tuple[str, ...] = ()
    _cache: dict[str, _UrlFacts] = field(default_factory=dict, compare=False, repr=False)
    _links: dict[tuple[str, str], Link | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Portal:
        return cls(
            host=settings.get("SITE_HOST").lower(),
            start_url=settings.get("SITE_START_URL"),
            root_path=settings.get("SITE_ROOT_PATH"),
            tracking_params=tuple(settings.getlist("CANONICAL_TRACKING_PARAMS")),
        )

    def _classified(self, url: str) -> _UrlFacts:
        # The same few dozen links (navigation bars, sidebar, footer) are on every
        # page: canonicalising and classifying each once saved a tenth of a crawl's
        # CPU time (docs/benchmarks.md).  Bounded, so memory does not grow with the
        # portal: when full, the cache starts again.
        hit = self._cache.get(url)
        if hit is None:
            canonical = canonical_url(url, self.tracking_params)
            hit = _UrlFacts(
                canonical, self._kind_of(canonical), article_part(url), listing_page_number(url) or 0
            )
            if len(self._cache) >= URL_CACHE_SIZE:
                self._cache.clear()
            self._cache[url] = hit
        return hit

    def link(self, base_url: str, href: str) -> Link | None:
        """``href`` of a page at ``base_url``, resolved; None when it is no URL or off the portal.

        Every page repeats the same few dozen navigation links, and joining,
        checking and canonicalising each href of each page was a fifth of a
        crawl's CPU time (docs/benchmarks.md): results are shared by all hrefs
        that resolve alike (``link_key``).  Bounded like the URL cache.
        """
        key = link_key(base_url, href)
        try:
            return self._links[key]
        except KeyError:
            pass
        link: Link | None = None
        try:
            joined = urljoin(base_url, href)
        except ValueError:
            joined = None
        if joined is not None and self.is_on_portal(joined):
            facts = self._classified(joined)
            link = Link(joined, facts.canonical, facts.kind)
        if len(self._links) >= URL_CACHE_SIZE:
            self._links.clear()
        self._links[key] = link
        return link

    def canonical(self, url: str) -> str:
        """The canonical form of ``url`` (see ``normalize.canonical_url``)."""
        return self._classified(url).canonical

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
        return self._classified(url).kind

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

    def first_page_url(self, url: str) -> str:
        """The first page of a (possibly multi-page) article URL."""
        part = self._classified(url).part
        return part[0] if part else url

    def article_part(self, url: str) -> tuple[str, int] | None:
        """``normalize.article_part(url)``, looked up once per URL (a page's pager and
        the links of every page ask it of the same URLs)."""
        return self._classified(url).part

    @staticmethod
    def listing_section(url: str) -> str:
        """The folder a listing page belongs to (its pagination family)."""
        path = urlsplit(url).path
        return url[: url.index(path)] + path[: path.rfind("/") + 1] if path else url

    def listing_number(self, url: str) -> int:
        """0 for a listing's first page (``index.shtml``), N for ``index_N.shtml``."""
        return self._classified(url).listing_number
