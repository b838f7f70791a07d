"""JsonLinesWriterPipeline: order, encoding, in-run dedup, crash recovery."""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler

from crawler import signals
from crawler.items import RECORD_FIELDS, ArticleRecord
from crawler.pipelines.dedup import DedupPipeline
from crawler.pipelines.jsonl import JsonLinesWriterPipeline
from crawler.state import state_dir
from tests import open_writer
from tests.crawl import read_jsonl

if TYPE_CHECKING:
    from typing import BinaryIO


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
    return open_writer(JsonLinesWriterPipeline, output, **settings)


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


# -- a run stopped short by a full disk ---------------------------------------------------------

TWIN = "13095123"  # the original; REPOST has the same text under a larger id
REPOST = "13095124"
RECORDS = [record(REPOST, "甲"), record(TWIN, "甲"), record("13095200", "乙"), record("13095300", "丙")]


class FillingPending:
    """The pending file on a disk that fills after ``room`` more records."""

    def __init__(self, real: BinaryIO, room: int) -> None:
        self.real = real
        self.room = room

    def write(self, data: bytes) -> int:
        if self.room == 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= 1
        return self.real.write(data)

    def flush(self) -> None:
        self.real.flush()

    def close(self) -> None:
        self.real.close()


def crawl(output, items, *, pending_room: int | None = None):
    """Items through DedupPipeline and the writer, as a crawl sends them; the disk may fill."""
    crawler, writer = make_writer(output)
    dedup = build_from_crawler(DedupPipeline, crawler)
    if pending_room is not None:
        writer._pending = FillingPending(writer._pending, pending_room)
    for item in items:
        with contextlib.suppress(DropItem):  # an earlier run's article: not for the writer
            writer.process_item(dedup.process_item(item))
    writer.close_spider()
    return crawler


def without_crawled_at(path):
    return [{k: v for k, v in r.items() if k != "crawled_at"} for r in read_jsonl(path)]


def test_a_run_stopped_short_appends_nothing_and_keeps_every_record_pending(tmp_path):
    output = tmp_path / "articles.jsonl"
    crawler = crawl(output, RECORDS, pending_room=2)
    assert not output.exists() or read_jsonl(output) == []
    stats = crawler.stats.get_stats()
    assert stats["output/kept_pending"] == 2
    assert "No space left on device" in stats["output/write_error"]
    assert "output/written" not in stats
    pending = read_jsonl(state_dir(output) / "articles.jsonl.pending.jsonl")
    assert [r["article_id"] for r in pending] == [REPOST, TWIN]


@pytest.mark.parametrize("room", [1, 2, 3])
def test_after_a_run_stopped_short_the_output_does_not_depend_on_item_order(tmp_path, room):
    """Whatever reached the pending file before the disk filled, the smallest id of the twins is
    the record.  Before, the stopped run settled duplicates over what it had seen and appended:
    seeing the repost first, it wrote the repost, and the next run dropped the original as
    written by an earlier run."""
    uninterrupted = tmp_path / "whole" / "articles.jsonl"
    crawl(uninterrupted, RECORDS)
    expected = without_crawled_at(uninterrupted)
    assert (expected[0]["article_id"], expected[0]["also_at"]) == (TWIN, [RECORDS[0].url])
    for n, order in enumerate(itertools.permutations(RECORDS)):
        output = tmp_path / str(n) / "articles.jsonl"
        crawl(output, order, pending_room=room)
        crawler = crawl(output, reversed(order))  # the next run, in another order
        assert without_crawled_at(output) == expected, order
        stats = crawler.stats.get_stats()
        assert (stats["output/recovered_pending"], stats["output/written"]) == (room, 3)
        assert (stats.get("dedup/same_id", 0), stats.get("dedup/same_text", 0)) == (0, 1)


@pytest.mark.parametrize("dedup", [True, False])
def test_a_record_fetched_again_after_it_was_kept_pending_is_one_record(tmp_path, dedup):
    output = tmp_path / "articles.jsonl"
    pending = state_dir(output) / "articles.jsonl.pending.jsonl"
    crawl(output, RECORDS[2:], pending_room=1)
    size = pending.stat().st_size
    crawler, writer = make_writer(output, DEDUP_ENABLED=dedup)
    item = replace(record("13095200", "乙"), crawled_at="2019-07-16T08:00:00Z")  # fetched again, a day later
    assert writer.process_item(item) is item
    assert pending.stat().st_size == size  # not kept twice
    writer.close_spider()
    assert [r["article_id"] for r in read_jsonl(output)] == ["13095200"]
    assert crawler.stats.get_value("dedup/same_id") in (None, 0)
