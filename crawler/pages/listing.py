"""The listing page (and the home page): which article and listing pages it links.

Listings are read by address, not by markup: the portal's template class names
are unknown, but its article and listing URLs follow ENP's scheme
(``crawler.portal``).  The navigation bars of every page link the sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from crawler.portal import PageKind

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from crawler.portal import Portal


@dataclass
class ListingPage:
    """A section listing page, or the home page, over a decoded response."""

    response: TextResponse
    portal: Portal

    @cached_property
    def _links(self) -> list[tuple[str, str]]:
        """(raw absolute URL, canonical URL) of every on-portal link, in order, once."""
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        for href in self.response.xpath("//a/@href").getall():
            href = href.strip()
            if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
                continue
            try:
                raw = self.response.urljoin(href)
            except ValueError:
                continue
            if not self.portal.is_on_portal(raw):
                continue
            canonical = self.portal.canonical(raw)
            if canonical not in seen:
                seen.add(canonical)
                out.append((raw, canonical))
        return out

    def article_urls(self) -> list[str]:
        """First pages of the articles this page links, canonical, in page order."""
        out: list[str] = []
        for _, url in self._links:
            if self.portal.kind(url) is PageKind.ARTICLE:
                first = self.portal.first_page_url(url)
                if first not in out:
                    out.append(first)
        return out

    def section_urls(self) -> list[str]:
        """Listing pages linked from here (navigation bars, sections, pagers)."""
        return [url for _, url in self._links if self.portal.kind(url) in (PageKind.LISTING, PageKind.HOME)]

    def next_listing_url(self) -> str | None:
        """The next page of this listing's pagination (the smallest later page linked)."""
        here = self.portal.canonical(self.response.url)
        section = self.portal.listing_section(here)
        number = self.portal.listing_number(here)
        later = [
            (self.portal.listing_number(url), url)
            for url in self.section_urls()
            if self.portal.kind(url) is PageKind.LISTING
            and self.portal.listing_section(url) == section
            and self.portal.listing_number(url) > number
        ]
        return min(later)[1] if later else None

    def raw_variants(self) -> list[tuple[str, str]]:
        """Links whose written form differs from their canonical URL."""
        return [(raw, url) for raw, url in self._links if raw != url]
