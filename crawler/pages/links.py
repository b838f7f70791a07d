"""The links of a page: every ``<a href>``, resolved once for all page objects.

A page's links are read by the listing side (which sections, articles and
other pages to follow) and by the article side (its pager); both take them from
here, so each href of a response is joined, checked and canonicalised once,
and the portal shares the results between pages of one folder
(``Portal.link``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.utils.response import get_base_url

if TYPE_CHECKING:
    from lxml import etree
    from scrapy.http import TextResponse

    from crawler.portal import Link, Portal

# Hrefs that never lead to a page.
_NOT_PAGES = ("javascript:", "mailto:", "#")


def page_links(response: TextResponse, root: etree._Element, portal: Portal) -> list[Link]:
    """The on-portal links of ``response`` (its tree ``root``), in page order (repeats kept)."""
    base_url = get_base_url(response)
    out: list[Link] = []
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        href = href.strip()
        if not href or href[:11].lower().startswith(_NOT_PAGES):
            continue
        link = portal.link(base_url, href)
        if link is not None:
            out.append(link)
    return out
