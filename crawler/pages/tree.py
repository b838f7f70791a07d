"""A page's document tree, parsed once, of plain lxml elements.

Parsed as parsel parses a response (same parser options, same cleaning of the
text), but without lxml.html's element classes: those resolve every element's
Python class through a Python callback, which made walking a page's tree about
five times slower (docs/benchmarks.md).  The page objects read only plain
lxml API (``iter``, ``itertext``, ``get``, ``getparent``, XPath).
"""

from __future__ import annotations

from lxml import etree


def html_tree(text: str, base_url: str | None = None) -> etree._Element:
    """The ``<html>`` element of ``text`` (a whole page or a fragment of one)."""
    body = text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(body, parser=parser, base_url=base_url)
    if root is None:  # nothing but white space, comments or a doctype
        root = etree.fromstring(b"<html/>", parser=parser, base_url=base_url)
    return root
