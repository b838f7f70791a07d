"""JsonLinesWriterPipeline: order, encoding, in-run dedup, crash recovery."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from scrapy import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import signals
from crawler.items import RECORD_FIELDS, ArticleRecord
from crawler.pipelines.jsonl import JsonLinesWriterPipeline
from crawler.state import state_dir
from tests import project_settings
from tests.crawl import read_jsonl


def record(article_id: str, text: str = "正文", **fields) -> ArticleRecord:
    return ArticleRecord(
        url=f"http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/0{article_id}.shtml",
        article_id=article_id,
        site="jxxznews.zjol.com.cn",
        title="标题",
        published_at="2010-12-29T07:07:12+08:00",
        paragraphs=[text],
        content_hash=f"hash-{text}",
        crawled_at="2019-07-15T08:00:00Z",
        **fields,
    )


def make_writer(output, **settings):
    crawler = get_crawler(
        Spider,
        project_settings(ARTICLES_OUTPUT=str(output), ARTICLES_FSYNC_EVERY=1, EXTENSIONS={}, **settings),
    )
    crawler.stats.open_spider()
    writer = build_from_crawler(JsonLinesWriterPipeline, crawler)
    writer.open_spider()
    return crawler, writer


def test_writes_new_records_once_in_id_order_with_also_at(tmp_path):
    output = tmp_path / "out" / "articles.jsonl"
    crawler, writer = make_writer(output)
    written = []

    def on_written(record):
        written.append(record["article_id"])

    crawler.signals.connect(on_written, signal=signals.record_written)
    for item in (
        record("13095124", "甲"),
        record("13095123", "甲"),
        record("13095200", "乙"),
        replace(record("13095200", "乙"), url="http://jxxznews.zjol.com.cn/xznews/x/013095200.shtml"),
    ):
        writer.process_item(item)
    writer.close_spider()
    lines = output.read_text("utf-8").splitlines()
    assert "甲" in lines[0]  # Chinese written as characters, not \\u escapes
    records = [json.loads(line) for line in lines]
    assert [r["article_id"] for r in records] == ["13095123", "13095200"]
    assert all(list(r) == list(RECORD_FIELDS) for r in records)
    assert records[0]["also_at"] == ["http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095124.shtml"]
    assert records[1]["also_at"] == ["http://jxxznews.zjol.com.cn/xznews/x/013095200.shtml"]
    stats = crawler.stats.get_stats()
    assert stats["output/written"] == 2
    assert stats["dedup/same_text"] == 1
    assert stats["dedup/same_id"] == 1
    assert written == ["13095123", "13095200"]
    assert not (state_dir(output) / "articles.jsonl.pending.jsonl").exists()


def test_second_run_appends_only_new_records(tmp_path):
    output = tmp_path / "articles.jsonl"
    _, writer = make_writer(output)
    writer.process_item(record("1001", "甲"))
    writer.close_spider()
    crawler, writer = make_writer(output)
    writer.process_item(record("1002", "乙"))
    writer.close_spider()
    assert [r["article_id"] for r in read_jsonl(output)] == ["1001", "1002"]
    assert crawler.stats.get_value("output/written") == 1


def test_records_of_a_killed_run_are_recovered_by_the_next(tmp_path):
    output = tmp_path / "articles.jsonl"
    _, killed = make_writer(output)
    killed.process_item(record("1002", "乙"))
    killed.process_item(record("1001", "甲"))
    # No close_spider: the process died here.  A torn line is left in the pending file too.
    pending = state_dir(output) / "articles.jsonl.pending.jsonl"
    with pending.open("ab") as f:
        f.write(b'{"article_id": "10')
    killed._pending.close()
    crawler, writer = make_writer(output)
    assert crawler.stats.get_value("output/recovered_pending") == 2
    writer.process_item(record("1003", "丙"))
    writer.close_spider()
    assert [r["article_id"] for r in read_jsonl(output)] == ["1001", "1002", "1003"]


def test_partial_last_line_of_the_output_is_cut(tmp_path):
    output = tmp_path / "articles.jsonl"
    _, writer = make_writer(output)
    writer.process_item(record("1001", "甲"))
    writer.close_spider()
    with output.open("ab") as f:
        f.write(b'{"schema_version": 1, "url": "http://jxx')
    _, writer = make_writer(output)
    writer.process_item(record("1002", "乙"))
    writer.close_spider()
    assert [r["article_id"] for r in read_jsonl(output)] == ["1001", "1002"]


@pytest.mark.parametrize("dedup", [True, False])
def test_dedup_switch(tmp_path, dedup):
    output = tmp_path / "articles.jsonl"
    _, writer = make_writer(output, DEDUP_ENABLED=dedup)
    writer.process_item(record("1001", "甲"))
    writer.process_item(record("1002", "甲"))
    writer.close_spider()
    assert len(read_jsonl(output)) == (1 if dedup else 2)
