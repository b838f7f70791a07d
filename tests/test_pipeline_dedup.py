"""DedupPipeline (earlier runs) and resolve_duplicates (within a run)."""

from __future__ import annotations

import itertools
import json

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.items import ArticleRecord
from crawler.pipelines.dedup import Candidate, DedupPipeline, resolve_duplicates
from tests import project_settings

A = Candidate("13095123", "http://h/a.shtml", "h1")
B = Candidate("13095124", "http://h/b.shtml", "h1")  # same text as A, larger id
C = Candidate("13095123", "http://h/c.shtml", "h2")  # same id as A, other URL and text
D = Candidate("900", "http://h/d.shtml", "h3")  # alone; smaller id sorts first numerically
E = Candidate("13095125", "http://h/e.shtml", "h2", also_at=("http://h/e2.shtml",))  # same text as C


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ([], []),
        ([A], [("13095123", "http://h/a.shtml", (), 0, 0)]),
        ([A, B], [("13095123", "http://h/a.shtml", ("http://h/b.shtml",), 0, 1)]),
        ([B, A], [("13095123", "http://h/a.shtml", ("http://h/b.shtml",), 0, 1)]),
        ([A, C], [("13095123", "http://h/a.shtml", ("http://h/c.shtml",), 1, 0)]),
        (
            [E, C, B, A],
            [
                (
                    "13095123",
                    "http://h/a.shtml",
                    ("http://h/b.shtml", "http://h/c.shtml", "http://h/e.shtml", "http://h/e2.shtml"),
                    1,
                    2,
                )
            ],
        ),
        (
            [A, D],
            [("900", "http://h/d.shtml", (), 0, 0), ("13095123", "http://h/a.shtml", (), 0, 0)],
        ),
    ],
)
def test_resolve_duplicates(candidates, expected):
    got = [
        (r.keep.article_id, r.keep.url, r.also_at, len(r.same_id), len(r.same_text))
        for r in resolve_duplicates(candidates)
    ]
    assert got == expected


def test_resolve_duplicates_does_not_depend_on_order():
    everything = [A, B, C, D, E]
    outcomes = {
        json.dumps([(r.keep.url, r.also_at) for r in resolve_duplicates(list(order))])
        for order in itertools.permutations(everything)
    }
    assert len(outcomes) == 1


@pytest.fixture
def crawler(tmp_path):
    output = tmp_path / "articles.jsonl"
    output.write_text(
        json.dumps(
            {
                "article_id": "1",
                "url": "http://h/old.shtml",
                "also_at": ["http://h/old2.shtml"],
                "content_hash": "old",
            }
        )
        + "\n",
        "utf-8",
    )
    return get_crawler(Spider, project_settings(ARTICLES_OUTPUT=str(output), EXTENSIONS={}))


@pytest.mark.parametrize(
    ("record", "dropped"),
    [
        (ArticleRecord(article_id="1", url="http://h/new.shtml", content_hash="x"), True),
        (ArticleRecord(article_id="2", url="http://h/old.shtml", content_hash="x"), True),
        (ArticleRecord(article_id="2", url="http://h/old2.shtml", content_hash="x"), True),
        (ArticleRecord(article_id="2", url="http://h/new.shtml", content_hash="old"), True),
        (ArticleRecord(article_id="2", url="http://h/new.shtml", content_hash="new"), False),
    ],
)
def test_dedup_pipeline_drops_what_earlier_runs_wrote(crawler, record, dropped):
    crawler.stats.open_spider()
    pipeline = build_from_crawler(DedupPipeline, crawler)
    if dropped:
        with pytest.raises(DropItem, match="earlier run"):
            pipeline.process_item(record)
        assert crawler.stats.get_value("dedup/known_from_earlier_run") == 1
    else:
        assert pipeline.process_item(record) is record
        assert crawler.stats.get_value("dedup/known_from_earlier_run") is None


def test_dedup_pipeline_off(tmp_path):
    crawler = get_crawler(
        Spider, project_settings(ARTICLES_OUTPUT=str(tmp_path / "a.jsonl"), DEDUP_ENABLED=False)
    )
    with pytest.raises(NotConfigured):
        build_from_crawler(DedupPipeline, crawler)
