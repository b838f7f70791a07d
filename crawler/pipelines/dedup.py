"""Deduplicate article records, within a run and across runs.

Four kinds of duplicate reach the pipelines (URL variants never do: they are
one request, see ``crawler.fingerprint``):

- an article an earlier run already wrote (same id, URL or text): dropped at
  once, ``dedup/known_from_earlier_run``;
- one ``article_id`` reached at two URLs in this run: ``dedup/same_id``;
- the same normalised text under two ids: ``dedup/same_text``.

The last two are settled when the run ends, by ``resolve_duplicates``, so that
the record chosen and its ``also_at`` do not depend on crawl order or
concurrency: of each group, the smallest ``article_id`` (then URL) is the
record, and the other URLs go to its ``also_at``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawler.state import ArchiveState

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """What the resolver needs of one record of this run."""

    article_id: str
    url: str
    content_hash: str
    also_at: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolution:
    """The outcome for one group of duplicates."""

    keep: Candidate
    also_at: tuple[str, ...]
    same_id: tuple[Candidate, ...]
    same_text: tuple[Candidate, ...]


def _order(candidate: Candidate) -> tuple[int, str, str]:
    digits = candidate.article_id if candidate.article_id.isdigit() else ""
    return (int(digits) if digits else 1 << 62, candidate.article_id, candidate.url)


def resolve_duplicates(candidates: Sequence[Candidate]) -> list[Resolution]:
    """Group records sharing an id or a content hash; keep the smallest id of each.

    The result is sorted by the kept record's id and does not depend on the
    order of ``candidates``.
    """
    parent = list(range(len(candidates)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of: dict[tuple[str, str], int] = {}
    for i, candidate in enumerate(candidates):
        for key in (("id", candidate.article_id), ("hash", candidate.content_hash)):
            j = first_of.setdefault(key, i)
            if j != i:
                parent[find(i)] = find(j)
    groups: dict[int, list[Candidate]] = {}
    for i, candidate in enumerate(candidates):
        groups.setdefault(find(i), []).append(candidate)
    resolutions = []
    for members in groups.values():
        members.sort(key=_order)
        keep = members[0]
        others = members[1:]
        also = {url for c in members for url in (c.url, *c.also_at)} - {keep.url}
        resolutions.append(
            Resolution(
                keep=keep,
                also_at=tuple(sorted(also)),
                same_id=tuple(c for c in others if c.article_id == keep.article_id),
                same_text=tuple(c for c in others if c.article_id != keep.article_id),
            )
        )
    resolutions.sort(key=lambda r: _order(r.keep))
    return resolutions


class DedupPipeline:
    """Drop articles that earlier runs already wrote to ``ARTICLES_OUTPUT``.

    In-run duplicates pass through and are settled by the writer at the end of
    the run (``resolve_duplicates``).  Off with ``DEDUP_ENABLED = False``.
    """

    def __init__(self, state: ArchiveState, crawler: Crawler) -> None:
        self.state = state
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("DEDUP_ENABLED"):
            raise NotConfigured("DEDUP_ENABLED is off")
        return cls(ArchiveState.for_crawler(crawler), crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        article_id, url, digest = adapter.get("article_id"), adapter.get("url"), adapter.get("content_hash")
        if (
            self.state.is_known_id(article_id)
            or self.state.is_known_url(url)
            or self.state.is_known_hash(digest)
        ):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("dedup/known_from_earlier_run")
            raise DropItem(f"Article {article_id!r} ({url}) was written by an earlier run")
        return item
