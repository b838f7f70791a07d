"""PortalLogFormatter: Scrapy's DEBUG page and record messages only where a log shows them."""

from __future__ import annotations

import logging

import pytest
from scrapy import Spider
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.logformatter import PortalLogFormatter, shows_debug


@pytest.mark.parametrize(
    ("log_enabled", "log_level", "expected"),
    [
        (True, "INFO", False),
        (True, "info", False),
        (True, "WARNING", False),
        (True, logging.INFO, False),
        (True, "DEBUG", True),
        (True, "debug", True),
        (True, logging.DEBUG, True),
        (True, 5, True),  # below DEBUG
        (True, "NOT-A-LEVEL", True),  # Scrapy would refuse it; never hide what may be shown
        (False, "INFO", True),  # Scrapy installs no handler: the application's logging decides
    ],
)
def test_shows_debug(log_enabled, log_level, expected):
    assert shows_debug(log_enabled, log_level) is expected


def formatter(**settings):
    crawler = get_crawler(Spider, {"LOG_FORMATTER": "crawler.logformatter.PortalLogFormatter", **settings})
    return PortalLogFormatter.from_crawler(crawler), crawler


@pytest.mark.parametrize("level", ["INFO", "WARNING"])
def test_page_and_record_messages_are_skipped_when_hidden(level):
    fmt, crawler = formatter(LOG_LEVEL=level)
    request = Request("http://jxxznews.zjol.com.cn/")
    response = HtmlResponse(request.url, request=request, body=b"<html></html>")
    spider = Spider("s")
    assert fmt.crawled(request, response, spider) is None
    assert fmt.scraped({"url": request.url}, response, spider) is None
    # Messages that show at these levels are Scrapy's own.
    dropped = fmt.dropped({"url": request.url}, Exception("dup"), response, crawler._create_spider("s"))
    assert dropped["msg"].startswith("Dropped")


def test_page_and_record_messages_are_scrapys_at_debug():
    fmt, _ = formatter(LOG_LEVEL="DEBUG")
    request = Request("http://jxxznews.zjol.com.cn/")
    response = HtmlResponse(request.url, request=request, body=b"<html></html>")
    spider = Spider("s")
    crawled = fmt.crawled(request, response, spider)
    assert crawled["level"] == logging.DEBUG
    assert (
        crawled["msg"] % crawled["args"] == "Crawled (200) <GET http://jxxznews.zjol.com.cn/> (referer: None)"
    )
    scraped = fmt.scraped({"url": request.url}, response, spider)
    assert (
        scraped["msg"] % scraped["args"]
        == "Scraped from <200 http://jxxznews.zjol.com.cn/>\n{'url': 'http://jxxznews.zjol.com.cn/'}"
    )


def test_the_project_uses_it():
    from scrapy.utils.project import get_project_settings

    assert get_project_settings()["LOG_FORMATTER"] == "crawler.logformatter.PortalLogFormatter"
