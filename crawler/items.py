"""The article record: the output contract of the crawler.

See ``shared/article-record.md`` (copied into the README) and the JSON Schema
shipped as ``crawler/schema/article-record.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class ArticleRecord:
    """One article (all of its pages), fields in contract order."""

    schema_version: int = SCHEMA_VERSION
    url: str | None = None
    article_id: str | None = None
    site: str | None = None
    title: str | None = None
    subtitle: str | None = None
    published_at: str | None = None
    source: str | None = None
    byline: str | None = None
    reporters: list[str] = field(default_factory=list)
    correspondents: list[str] = field(default_factory=list)
    photographers: list[str] = field(default_factory=list)
    editor: str | None = None
    breadcrumbs: list[str] = field(default_factory=list)
    section: str | None = None
    node_id: str | None = None
    keywords: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    related: list[dict[str, Any]] = field(default_factory=list)
    page_count: int = 1
    content_hash: str | None = None
    also_at: list[str] = field(default_factory=list)
    crawled_at: str | None = None


#: Field names in contract order; writers emit keys in this order.
RECORD_FIELDS: tuple[str, ...] = tuple(ArticleRecord.__dataclass_fields__)
