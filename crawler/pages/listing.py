"""The listing page (and the home page): which article and listing pages it links.

Listings are read by address, not by markup: the portal's template class names
are unknown, but its article and listing URLs follow ENP's scheme
(``crawler.portal``).  The navigation bars of every page link the sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.pages.links import named_links, page_links
from crawler.pages.tree import html_tree
from crawler.portal import PageKind

# Pages, not images, styles or downloads: a folder, or an .shtml/.html/.htm file.
_HTML_PATH_RE = re.compile(r"(/|\.s?html?)$", re.IGNORECASE)
# A listing page's file name (the notes' ``index_N.shtml``), for a pager that is
# not links (``links.named_links``).
_LISTING_FILE_RE = re.compile(r"index_\d{1,9}\.s?html?", re.IGNORECASE)

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.portal import Link, Portal


@dataclass
class ListingPage:
    """A section listing page, or the home page, over a decoded response."""

    response: TextResponse
    portal: Portal
    #: The page's resolved links, when another page object already has them.
    links: list[Link] | None = field(default=None, repr=False)

    @cached_property
    def _all_links(self) -> list[Link]:
        """Every on-portal link, in page order."""
        if self.links is not None:
            return self.links
        return page_links(self.response, html_tree(self.response.text, self.response.url), self.portal)

    @cached_property
    def _links(self) -> list[Link]:
        """The on-portal links, once per canonical URL."""
        seen: set[str] = set()
        out = []
        for link in self._all_links:
            if link.canonical not in seen:
                seen.add(link.canonical)
                out.append(link)
        return out

    def article_urls(self) -> list[str]:
        """First pages of the articles this page links, canonical, in page order."""
        out: dict[str, None] = {}
        for link in self._links:
            if link.kind is PageKind.ARTICLE:
                out.setdefault(self.portal.first_page_url(link.canonical))
        return list(out)

    def section_urls(self) -> list[str]:
        """Listing pages linked from here (navigation bars, sections, pagers)."""
        return [link.canonical for link in self._links if link.kind in (PageKind.LISTING, PageKind.HOME)]

    def other_page_urls(self) -> list[str]:
        """Other on-portal HTML pages under the site folder (topic pages, an index
        by another name): not listings by address, but they may link articles."""
        out = []
        for link in self._links:
            if link.kind is not PageKind.OTHER:
                continue
            url = link.canonical
            path = urlsplit(url).path
            if path.startswith(self.portal.root_path) and _HTML_PATH_RE.search(path):
                out.append(url)
        return out

    def next_listing_url(self) -> str | None:
        """The next page of this listing's pagination: the smallest later page of
        its section that the page links; when no link names one, the smallest
        later page named anywhere in its source.

        The notes fix the pages' names (``index_1.shtml``, ``index_2.shtml``, …),
        not how the pager shows them: a jump menu or a pager written by a script
        has no ``<a href>`` to follow, and the walk would end at the first page.
        """
        return self._next_of(self.section_urls()) or self._next_of(self._named_listing_urls())

    def _next_of(self, urls: list[str]) -> str | None:
        here = self.portal.canonical(self.response.url)
        section = self.portal.listing_section(here)
        number = self.portal.listing_number(here)
        later = [
            (self.portal.listing_number(url), url)
            for url in urls
            if self.portal.kind(url) is PageKind.LISTING
            and self.portal.listing_section(url) == section
            and self.portal.listing_number(url) > number
        ]
        return min(later)[1] if later else None

    def _named_listing_urls(self) -> list[str]:
        """Canonical URLs of the on-portal ``index_N`` pages named in the page's source."""
        return [link.canonical for link in named_links(self.response, self.portal, _LISTING_FILE_RE)]

    def raw_variants(self) -> list[tuple[str, str]]:
        """Every written form of a link that differs from its canonical URL, once."""
        return list(
            dict.fromkeys(
                (link.url, link.canonical) for link in self._all_links if link.url != link.canonical
            )
        )
