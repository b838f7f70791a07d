"""The ``xiuzhou`` spider: what to follow on 秀洲新闻网, and in which order.

Extraction lives in ``crawler.pages``; this module only decides which links
become requests: the navigation bars and breadcrumb (section listings), each
listing's pagination walked page by page, the article links of every page
(listings, 精彩推荐, 相关稿件), and the pager of a multi-page article, whose
pages are fetched in order and assembled into one record.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import Request, Spider
from scrapy.http import TextResponse

from crawler import user_agent
from crawler.distributed import apply_worker_settings, is_worker
from crawler.loaders import assemble_article
from crawler.normalize import article_id_from_url
from crawler.pages.article import ArticlePage
from crawler.pages.listing import ListingPage
from crawler.portal import PageKind, Portal
from crawler.state import ArchiveState

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

    from crawler.items import ArticleRecord

logger = logging.getLogger(__name__)

# A replay answers from a file: the live-run manners only slow it down.
REPLAY_SETTINGS: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "DOWNLOAD_DELAY": 0,
    "ROBOTSTXT_OBEY": False,
    "CONTAINMENT_ALLOW_PRIVATE": True,
}
MAX_FAILED_URLS_KEPT = 100


class XiuzhouSpider(Spider):
    """Crawl 秀洲新闻网 from its home page; one record per article.

    Settings: ``SITE_*`` (where the portal is), ``LISTING_MAX_PAGES`` and
    ``ARTICLE_MAX_PAGES`` (trap bounds), ``INCREMENTAL`` and
    ``INCREMENTAL_KNOWN_LISTING_PAGES`` (skip what earlier runs wrote).
    """

    name = "xiuzhou"
    # ``state`` is Scrapy's (the SpiderState extension persists it in JOBDIR);
    # what earlier runs wrote is ``archive``.
    # 404s reach the callbacks so that they are counted by kind, not raised.
    handle_httpstatus_list: ClassVar[list[int]] = [404, 410]

    portal: Portal
    archive: ArchiveState

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # -s CRAWLER_CONTACT=… names the operator in the User-Agent; a USER_AGENT set as
        # specifically (or more) is the operator's own and is kept.
        contact_priority = settings.getpriority("CRAWLER_CONTACT") or 0
        if contact_priority > (settings.getpriority("USER_AGENT") or 0):
            settings.set("USER_AGENT", user_agent(settings.get("CRAWLER_CONTACT")), priority=contact_priority)
        if settings.get("REPLAY_ARCHIVE"):
            for name, value in REPLAY_SETTINGS.items():
                settings.set(name, value, priority="spider")
        if is_worker(settings):
            # One worker of a distributed crawl (docs/distributed.md).
            apply_worker_settings(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.portal = Portal.from_settings(settings)
        spider.allowed_domains = [spider.portal.host]
        spider.listing_max_pages = settings.getint("LISTING_MAX_PAGES")
        spider.article_max_pages = settings.getint("ARTICLE_MAX_PAGES")
        spider.incremental = settings.getbool("INCREMENTAL")
        spider.known_listing_pages = settings.getint("INCREMENTAL_KNOWN_LISTING_PAGES")
        # Requests already yielded: ~45 of the ~46 links of every page repeat the
        # navigation bars.  Scrapy's dupefilter still stands behind this set (it is
        # the one JOBDIR persists); this one only saves building the requests.
        spider._yielded: set[str] = set()
        spider._variants: set[str] = set()
        spider._unknown_linked: set[str] = set()
        return spider

    # -- bookkeeping --------------------------------------------------------------

    @cached_property
    def archive(self) -> ArchiveState:
        """What earlier runs wrote (shared with the pipelines).

        Loaded at first use, in a callback: the spider is built before the
        extensions, so loading it in ``from_crawler`` read (and repaired) the
        output before ``CrawlLock`` could refuse the crawl, and a refused crawl
        cut the line a running one was appending.
        """
        return ArchiveState.for_crawler(self.crawler)

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)

    def _count_variants(self, pairs: Iterable[tuple[str, str]]) -> None:
        for raw, canonical in pairs:
            if raw != canonical and raw not in self._variants:
                self._variants.add(raw)
                self._inc("dedup/url_variant")

    def _request(self, url: str, callback: Any, **meta: Any) -> Request | None:
        if url in self._yielded:
            return None
        self._yielded.add(url)
        return Request(url, callback=callback, errback=self.on_error, meta=meta)

    def _written_before(self, article_url: str) -> bool:
        """True when an earlier run wrote this article (by URL or by its CMS id)."""
        return self.archive.is_known_url(article_url) or self.archive.is_known_id(
            article_id_from_url(article_url)
        )

    def _article_request(self, url: str, via: str) -> Request | None:
        url = self.portal.first_page_url(url)
        if url in self._yielded:
            return None
        if self.incremental and self._written_before(url):
            self._yielded.add(url)
            self._inc("incremental/skipped_known")
            return None
        return self._request(url, self.parse_article, kind="article", via=via)

    def _listing_request(self, url: str, **meta: Any) -> Request | None:
        kind = self.portal.kind(url)
        if kind is PageKind.LISTING and self.portal.listing_number(url) > 0:
            return None  # later listing pages are reached by walking the pagination
        return self._request(url, self.parse_page, kind=kind.value, **meta)

    def _follow_page_links(
        self, listing: ListingPage, via: str = "link", *, other_pages: bool = True
    ) -> Iterator[Request]:
        self._count_variants(listing.raw_variants())
        for url in listing.section_urls():
            if url in self._yielded:
                continue  # the navigation bars: the same links on every page
            request = self._listing_request(url)
            if request:
                yield request
        if other_pages:
            # One step only: an "other" page's own "other" links are not followed,
            # so generated pages (calendars, searches) cannot chain.
            for url in listing.other_page_urls():
                request = self._request(url, self.parse_page, kind=PageKind.OTHER.value)
                if request:
                    yield request
        for url in listing.article_urls():
            request = self._article_request(url, via)
            if request:
                yield request

    # -- callbacks ------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        request = self._request(self.portal.start_url, self.parse_page, kind=PageKind.HOME.value)
        if request:
            yield request

    def parse_page(self, response: TextResponse) -> Iterator[Request]:
        """Home and listing pages: follow sections, articles, and the next listing page."""
        kind = response.meta.get("kind", PageKind.OTHER.value)
        self._inc(f"pages/{kind}")
        if response.status in self.handle_httpstatus_list:
            self._inc(f"notfound/{'listing' if kind == 'listing' else kind}")
            return
        if not isinstance(response, TextResponse):
            return
        listing = ListingPage(response, self.portal)
        articles = listing.article_urls()
        unknown = [url for url in articles if not self._written_before(url)]
        for url in unknown:
            if url not in self._unknown_linked:
                self._unknown_linked.add(url)
                self._inc("listing/article_links_unknown")
        yield from self._follow_page_links(listing, other_pages=kind != PageKind.OTHER.value)
        if kind == PageKind.LISTING.value:
            yield from self._walk_pagination(response, listing, bool(unknown))

    def _walk_pagination(
        self, response: TextResponse, listing: ListingPage, had_unknown: bool
    ) -> Iterator[Request]:
        stale = 0 if had_unknown else response.meta.get("stale_pages", 0) + 1
        # Only a run after earlier ones can judge a listing page "nothing new".
        if (
            self.incremental
            and self.known_listing_pages
            and len(self.archive)
            and stale >= self.known_listing_pages
        ):
            self._inc("incremental/listing_walk_stopped")
            return
        next_url = listing.next_listing_url()
        if next_url is None:
            return
        if self.portal.listing_number(next_url) >= self.listing_max_pages:
            self._inc("traps/listing_pages_cut")
            logger.warning(
                "Listing pagination cut at %s (LISTING_MAX_PAGES=%d)", next_url, self.listing_max_pages
            )
            return
        request = self._request(next_url, self.parse_page, kind=PageKind.LISTING.value, stale_pages=stale)
        if request:
            yield request

    def parse_article(self, response: TextResponse) -> Iterator[Request | ArticleRecord]:
        """First page of an article: follow its links, then its later pages, or yield it."""
        self._inc("pages/article")
        if response.status in self.handle_httpstatus_list:
            self._inc("notfound/related" if response.meta.get("via") == "related" else "notfound/article")
            return
        if not isinstance(response, TextResponse):
            self._inc("article/failed")
            return
        page = ArticlePage(response, self.portal)
        # 相关稿件 first, so that a related link that turns out 404 is counted as one.
        for url in page.related_urls():
            if self.portal.is_on_portal(url) and self.portal.kind(url) is PageKind.ARTICLE:
                request = self._article_request(url, "related")
                if request:
                    yield request
        yield from self._follow_page_links(page.listing)
        if not page.is_article():
            self._inc("article/failed")
            logger.warning("No article found on %s (template changed?)", response.url)
            return
        first = page.load_item(crawled_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self._inc("article/extracted")
        parts = page.part_urls()[: self.article_max_pages - 1]
        if not parts:
            yield assemble_article([first])
            return
        self._inc("article/multipage")
        yield Request(
            parts[0],
            callback=self.parse_article_part,
            errback=self.on_error,
            meta={"kind": "article", "article_pages": [first], "remaining_parts": parts[1:]},
        )

    def parse_article_part(self, response: TextResponse) -> Iterator[Request | ArticleRecord]:
        """A later page of a multi-page article: add it, fetch the next, or yield the whole."""
        self._inc("pages/article")
        pages: list[ArticleRecord] = response.meta["article_pages"]
        remaining: list[str] = response.meta["remaining_parts"]
        if response.status in self.handle_httpstatus_list or not isinstance(response, TextResponse):
            self._inc("notfound/article_part")
            logger.warning(
                "Page %s of %s is missing; the record has %d pages", response.url, pages[0].url, len(pages)
            )
            yield assemble_article(pages)
            return
        page = ArticlePage(response, self.portal)
        pages = [*pages, page.load_item()]
        # A pager may link only the next page or two: add the later pages this one links.
        remaining = sorted(
            set(remaining) | set(page.later_part_urls()),
            key=lambda url: (self.portal.article_part(url) or ("", 0))[1],
        )
        remaining = remaining[: max(0, self.article_max_pages - len(pages))]
        if remaining:
            yield Request(
                remaining[0],
                callback=self.parse_article_part,
                errback=self.on_error,
                meta={"kind": "article", "article_pages": pages, "remaining_parts": remaining[1:]},
            )
        else:
            yield assemble_article(pages)

    def on_error(self, failure: Failure) -> None:
        """A request failed for good (after retries): count it and keep its URL for the report."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        self._inc("errors/download")
        assert self.crawler.stats is not None
        failed = self.crawler.stats.get_value("errors/failed_urls") or []
        if len(failed) < MAX_FAILED_URLS_KEPT:
            self.crawler.stats.set_value("errors/failed_urls", [*failed, url])
        logger.warning("Gave up on %s: %s", url, failure.getErrorMessage())
