"""The links of a page: every ``<a href>``, resolved once for all page objects.

A page's links are read by the listing side (which sections, articles and
other pages to follow) and by the article side (its pager); both take them from
here, so each href of a response is joined, checked and canonicalised once,
and the portal shares the results between pages of one folder
(``Portal.link``).
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING

from scrapy.utils.response import get_base_url

if TYPE_CHECKING:
    import re

    from lxml import etree
    from scrapy.http import TextResponse

    from crawler.portal import Link, Portal

# Hrefs that never lead to a page.
_NOT_PAGES = ("javascript:", "mailto:", "#")
# What ends a page's name written in a page's source, read back from the file name.
_NAME_SEPARATORS = " \t\r\n\f\v\u3000\"'<>()=;,+\\"
_NAME_MAX = 256
# A pager names a few dozen pages; a page naming thousands is not read further.
_NAMES_MAX = 200


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


def named_links(response: TextResponse, portal: Portal, file_name: re.Pattern[str]) -> list[Link]:
    """The on-portal pages whose file names (``file_name``, a pattern led by a
    literal) the source of ``response`` names anywhere, links or not, in order.

    For pagers that are not links: a jump menu's ``<option value>``, a pager a
    script writes or follows (``document.write``, ``location.href``).  The name
    is found first and its path read back to the nearest quote, bracket, space
    or separator, within ``_NAME_MAX`` characters: a regex led by that character
    class would be quadratic on a long run of them (tests/test_hostile_pages.py).
    """
    base_url = get_base_url(response)
    # A script may escape its slashes: "\/xznews\/xwzx\/index_2.shtml".
    text = response.text.replace("\\/", "/")
    out: list[Link] = []
    for match in islice(file_name.finditer(text), _NAMES_MAX):
        before = text[max(0, match.start() - _NAME_MAX) : match.start()]
        path = before[max(before.rfind(char) for char in _NAME_SEPARATORS) + 1 :]
        link = portal.link(base_url, path + match.group())
        if link is not None:
            out.append(link)
    return out
