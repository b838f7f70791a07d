"""The generic ceiling: a bare CrawlSpider that follows every on-portal link.

(And the floor: Scrapy fetching a list of URLs with an empty callback.)

What a user gets from Scrapy without knowing the portal: one ``Rule`` with a
``LinkExtractor`` limited to the portal's host, following everything,
extracting nothing.  It runs with Scrapy's own defaults (not the project's
settings: no pipelines, no project middlewares or extensions), plus the
benchmark's neutral manners given on the command line, and writes the crawl's
stats as JSON when it ends::

    http_proxy=http://127.0.0.1:PORT python -m bench.generic_spider --stats out.json \\
        -s CONCURRENT_REQUESTS_PER_DOMAIN=16
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.http import Response

HOST = "jxxznews.zjol.com.cn"


class GenericSpider(CrawlSpider):
    name = "generic"
    allowed_domains: ClassVar[list[str]] = [HOST]
    start_urls: ClassVar[list[str]] = [f"http://{HOST}/"]
    rules = (Rule(LinkExtractor(allow_domains=[HOST]), follow=True),)


class FloorSpider(Spider):
    """Scrapy's own cost per page: fetch a given list of URLs, parse nothing, follow nothing."""

    name = "floor"

    def __init__(self, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self) -> AsyncIterator[Request]:
        for url in self.urls:
            yield Request(url, callback=self.parse)

    def parse(self, response: Response) -> None:
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the generic CrawlSpider; write its stats.")
    parser.add_argument("--stats", type=Path, required=True, help="where to write the stats JSON")
    parser.add_argument(
        "--urls", type=Path, help="fetch these URLs (one a line) with the floor spider instead"
    )
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    settings: dict[str, Any] = {
        "LOG_LEVEL": "INFO",
        "REMOTE_CONTROL_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
    }
    for item in args.settings:
        name, _, value = item.partition("=")
        settings[name] = value
    process = CrawlerProcess(settings)
    if args.urls:
        crawler = process.create_crawler(FloorSpider)
        process.crawl(crawler, urls=args.urls.read_text("utf-8").split())
    else:
        crawler = process.create_crawler(GenericSpider)
        process.crawl(crawler)
    process.start()
    assert crawler.stats is not None
    args.stats.parent.mkdir(parents=True, exist_ok=True)
    args.stats.write_text(json.dumps(_jsonable(crawler.stats.get_stats()), indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
