"""What a worker writes and locks: its shard, the shared crawl lock, the settings switch."""

from __future__ import annotations

import json
import os

import pytest
from scrapy.settings import Settings

from crawler import signals
from crawler.distributed import apply_worker_settings, is_worker
from crawler.distributed.merge import lock_shards
from crawler.distributed.shards import ShardWriterPipeline, WorkerCrawlLock
from crawler.extensions.lock import LOCK_FILE_NAME, CrawlLocked, FileLock
from crawler.items import RECORD_FIELDS, ArticleRecord
from tests import open_writer


def make_shard_writer(output, worker="host-42"):
    return open_writer(ShardWriterPipeline, output, DISTRIBUTED_WORKER_ID=worker)


def test_each_record_is_one_whole_line_of_the_worker_shard(tmp_path):
    output = tmp_path / "out" / "articles.jsonl"
    crawler, writer = make_shard_writer(output)
    written = []

    def on_written(record):
        written.append(record["url"])

    crawler.signals.connect(on_written, signal=signals.record_written)
    for article_id in ("13095124", "13095123"):
        writer.process_item(ArticleRecord(url=f"http://x/{article_id}", article_id=article_id, title="秀洲"))
    shard = output.parent / "shards" / "host-42.jsonl"
    lines = shard.read_text("utf-8").splitlines()  # readable before the worker closes
    writer.close_spider()
    assert [json.loads(line)["article_id"] for line in lines] == ["13095124", "13095123"]
    assert "秀洲" in lines[0]
    assert list(json.loads(lines[0])) == list(RECORD_FIELDS)
    assert written == ["http://x/13095124", "http://x/13095123"]
    assert crawler.stats.get_value("output/written") == 2
    assert not output.exists()  # the canonical output is the merge's


def test_a_worker_of_the_same_id_cuts_a_partial_line_and_appends(tmp_path):
    output = tmp_path / "articles.jsonl"
    shard = output.parent / "shards" / "w.jsonl"
    shard.parent.mkdir()
    shard.write_bytes(b'{"article_id": "1"}\n{"article_id": "2", "ti')
    _, writer = make_shard_writer(output, worker="w")
    writer.process_item(ArticleRecord(article_id="3"))
    writer.close_spider()
    assert [json.loads(line)["article_id"] for line in shard.read_bytes().splitlines()] == ["1", "3"]


def test_an_empty_shard_is_not_left_behind(tmp_path):
    output = tmp_path / "articles.jsonl"
    _, writer = make_shard_writer(output)
    writer.close_spider()
    assert not list((tmp_path / "shards").iterdir())


def test_workers_share_the_lock_that_a_crawl_takes_alone(tmp_path):
    path = tmp_path / LOCK_FILE_NAME
    first, second = WorkerCrawlLock(path), WorkerCrawlLock(path)
    first.acquire()
    second.acquire()
    with pytest.raises(CrawlLocked):
        FileLock(path).acquire({"pid": 1})
    first.engine_stopped()
    second.engine_stopped()
    crawl = FileLock(path)
    crawl.acquire({"pid": 4242, "host": "cron-host"})
    with pytest.raises(CrawlLocked, match="PID 4242 on host cron-host"):
        WorkerCrawlLock(path).acquire()
    crawl.release()


def test_redis_url_switches_a_crawl_to_a_worker():
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    assert not is_worker(settings)
    settings.set("REDIS_URL", "redis://127.0.0.1:6379/0", priority="cmdline")
    settings.set("DUPEFILTER_CLASS", "my.DupeFilter", priority="cmdline")
    assert is_worker(settings)
    apply_worker_settings(settings)
    assert settings["SCHEDULER"] == "crawler.distributed.scheduler.RedisWorkerScheduler"
    assert settings["DUPEFILTER_CLASS"] == "my.DupeFilter"  # -s wins
    assert settings.getbool("SCHEDULER_PERSIST")
    pipelines = settings.getdict("ITEM_PIPELINES")
    assert pipelines["crawler.pipelines.jsonl.JsonLinesWriterPipeline"] is None
    assert pipelines["crawler.distributed.shards.ShardWriterPipeline"] == 900
    assert pipelines["crawler.pipelines.dedup.DedupPipeline"] == 200
    extensions = settings.getdict("EXTENSIONS")
    assert extensions["crawler.extensions.lock.CrawlLock"] is None
    assert extensions["crawler.distributed.shards.WorkerCrawlLock"] == -1000


def test_a_shard_being_merged_cannot_be_reopened(tmp_path):
    output = tmp_path / "articles.jsonl"
    shard = output.parent / "shards" / "w.jsonl"
    shard.parent.mkdir()
    shard.write_bytes(b'{"article_id": "1"}\n')
    fds = lock_shards([shard])
    try:
        with pytest.raises(RuntimeError, match="in use"):
            make_shard_writer(output, worker="w")
    finally:
        for fd in fds:
            os.close(fd)
    _, writer = make_shard_writer(output, worker="w")
    writer.close_spider()


def test_redis_url_without_the_extra_says_what_to_install(monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    settings = Settings({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    with pytest.raises(RuntimeError, match=r"pip install '\.\[redis\]'"):
        apply_worker_settings(settings)
