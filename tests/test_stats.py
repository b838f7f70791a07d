"""CrawlStatsCollector: Scrapy's in-memory stats, the project's STATS_CLASS."""

from __future__ import annotations

import warnings

from scrapy import Spider
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.stats import CrawlStatsCollector


def test_the_project_collects_its_stats_with_it():
    assert get_project_settings()["STATS_CLASS"] == "crawler.stats.CrawlStatsCollector"
    crawler = get_crawler(Spider, {"STATS_CLASS": "crawler.stats.CrawlStatsCollector"})
    assert type(crawler.stats) is CrawlStatsCollector


def test_it_counts_as_scrapys_in_memory_collector_does():
    crawler = get_crawler(Spider)
    ours, scrapys = CrawlStatsCollector(crawler), MemoryStatsCollector(crawler)
    spider = Spider("s")
    for stats in (ours, scrapys):
        stats.open_spider()
        stats.inc_value("pages/article")
        stats.inc_value("pages/article", 2)
        stats.inc_value("output/written", start=10)
        stats.max_value("depth", 3)
        stats.max_value("depth", 2)
        stats.min_value("first", 5)
        stats.min_value("first", 7)
        stats.set_value("finish_reason", "finished")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Scrapy's warns of the deprecated argument; ours does not
            stats.inc_value("old/style", spider=spider)
        stats.close_spider(reason="finished")
    assert (
        ours.get_stats()
        == scrapys.get_stats()
        == {
            "pages/article": 3,
            "output/written": 11,
            "depth": 3,
            "first": 5,
            "finish_reason": "finished",
            "old/style": 1,
        }
    )
    assert ours.get_value("missing", "default") == "default"
    assert ours.spider_stats == scrapys.spider_stats  # kept after the crawl, as Scrapy's
