"""merge_shards: duplicates across shards, earlier runs, killed workers and merges, the lock."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.commands.crawl import EXIT_LOCKED
from crawler.distributed import shards_dir
from crawler.distributed.merge import ShardInUse, merge_shards
from crawler.distributed.shards import ShardWriterPipeline, WorkerCrawlLock
from crawler.extensions.lock import LOCK_FILE_NAME, CrawlLocked
from crawler.items import RECORD_FIELDS, ArticleRecord
from crawler.pipelines.jsonl import record_line
from crawler.pipelines.validate import record_dict
from tests import REPO_DIR, project_settings
from tests.crawl import read_jsonl
from tests.servers.redis_server import redis_server  # noqa: F401 (fixture)

if TYPE_CHECKING:
    from pathlib import Path

BASE = "http://jxxznews.zjol.com.cn/xznews"


def record(
    article_id: str, text: str, url: str | None = None, crawled_at: str = "2019-07-15T08:00:00Z"
) -> dict:
    return record_dict(
        ArticleRecord(
            url=url or f"{BASE}/system/2010/12/29/0{article_id}.shtml",
            article_id=article_id,
            site="jxxznews.zjol.com.cn",
            title="标题",
            paragraphs=[text],
            content_hash=f"hash-{text}",
            crawled_at=crawled_at,
        )
    )


def write_shard(output: Path, name: str, records: list[dict[str, Any]], tail: bytes = b"") -> Path:
    shard = shards_dir(output) / f"{name}.jsonl"
    shard.parent.mkdir(parents=True, exist_ok=True)
    shard.write_bytes(b"".join(record_line(r) for r in records) + tail)
    return shard


A = record("13095124", "甲")
A_SMALLER_ID = record("13095123", "甲")  # same text, smaller id: the record
B = record("13095200", "乙")
B_ELSEWHERE = record("13095200", "乙", url=f"{BASE}/xwzx/013095200.shtml")  # same id, other URL
C = record("13095300", "丙")


@pytest.fixture
def output(tmp_path) -> Path:
    return tmp_path / "out" / "articles.jsonl"


def test_duplicates_across_shards_are_settled_like_one_process(output):
    write_shard(output, "host-1", [A, B_ELSEWHERE])
    write_shard(output, "host-2", [C, B, A_SMALLER_ID])
    result = merge_shards(output)
    records = read_jsonl(output)
    assert [r["article_id"] for r in records] == ["13095123", "13095200", "13095300"]
    assert records[0]["also_at"] == [A["url"]]
    assert records[1]["url"] == B["url"]  # smallest URL of the same id
    assert records[1]["also_at"] == [B_ELSEWHERE["url"]]
    assert records[2]["also_at"] == []
    assert all(list(r) == list(RECORD_FIELDS) for r in records)
    assert (result.written, result.same_id, result.same_text) == (3, 1, 1)
    assert not list(shards_dir(output).glob("*.jsonl"))


def test_output_does_not_depend_on_which_worker_wrote_what(tmp_path):
    outputs = []
    splits = (([A, B, C], [B_ELSEWHERE, A_SMALLER_ID]), ([C, A_SMALLER_ID], [B, B_ELSEWHERE, A]))
    for i, split in enumerate(splits):
        output = tmp_path / str(i) / "articles.jsonl"
        write_shard(output, "x", split[0])
        write_shard(output, "y", split[1])
        merge_shards(output)
        outputs.append(output.read_bytes())
    assert outputs[0] == outputs[1]


def test_what_the_output_holds_is_not_written_again(output):
    output.parent.mkdir(parents=True)
    output.write_bytes(record_line(B))
    renamed = record("13095999", "丙")  # same text as C under a new id
    write_shard(output, "w", [B_ELSEWHERE, C, renamed, record("13095400", "丁")])
    write_shard(output, "v", [B])
    result = merge_shards(output)
    assert [r["article_id"] for r in read_jsonl(output)] == ["13095200", "13095300", "13095400"]
    assert result.known_from_earlier_run == 2  # B at its known URL (v) and B's id at another URL (w)
    assert result.same_text == 1


def test_a_request_processed_twice_is_one_record(output):
    # Worker "a" wrote C, died before acknowledging its request; "b" processed it again.
    write_shard(output, "a", [C])
    write_shard(output, "b", [record("13095300", "丙", crawled_at="2019-07-15T08:00:09Z")])
    result = merge_shards(output)
    records = read_jsonl(output)
    assert len(records) == 1
    assert records[0]["also_at"] == []
    assert result.repeated == 1


def test_a_partial_last_line_of_a_killed_worker_is_skipped(output):
    write_shard(output, "killed", [A, B], tail=record_line(C)[:40])
    result = merge_shards(output)
    assert [r["article_id"] for r in read_jsonl(output)] == ["13095124", "13095200"]
    assert result.written == 2


def test_a_killed_merge_is_finished_by_running_it_again(tmp_path):
    shards = ([A, B_ELSEWHERE, C], [B, A_SMALLER_ID, record("13095400", "丁")])
    whole = tmp_path / "whole" / "articles.jsonl"
    killed = tmp_path / "killed" / "articles.jsonl"
    for output in (whole, killed):
        write_shard(output, "x", shards[0])
        write_shard(output, "y", shards[1])
    merge_shards(whole)
    lines = whole.read_bytes().splitlines(keepends=True)
    # The killed merge appended two lines and part of a third, and left the shards.
    killed.write_bytes(lines[0] + lines[1] + lines[2][:25])
    result = merge_shards(killed)
    assert killed.read_bytes() == whole.read_bytes()
    assert result.written == len(lines) - 2


def test_no_merge_while_a_worker_uses_the_output(output):
    write_shard(output, "w", [A])
    lock = WorkerCrawlLock(output.parent / LOCK_FILE_NAME)
    lock.acquire()
    try:
        with pytest.raises(CrawlLocked):
            merge_shards(output)
    finally:
        lock.engine_stopped()
    assert not output.exists()
    assert (shards_dir(output) / "w.jsonl").exists()
    assert merge_shards(output).written == 1


def run_merge_command(output: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "merge_shards", "-s", f"ARTICLES_OUTPUT={output}", *args],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_merge_shards_command(output):
    write_shard(output, "w", [A, B])
    lock = WorkerCrawlLock(output.parent / LOCK_FILE_NAME)
    lock.acquire()
    try:
        refused = run_merge_command(output)
    finally:
        lock.engine_stopped()
    assert refused.returncode == EXIT_LOCKED, refused.stderr[-2000:]
    assert "Another crawl is writing" in refused.stderr
    done = run_merge_command(output)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 new article(s) appended" in done.stdout
    assert [json.loads(line)["article_id"] for line in output.read_text("utf-8").splitlines()] == [
        "13095124",
        "13095200",
    ]


def test_no_merge_while_a_worker_still_writes_its_shard(output):
    write_shard(output, "done", [A])
    crawler = get_crawler(
        Spider, project_settings(ARTICLES_OUTPUT=str(output), DISTRIBUTED_WORKER_ID="busy", EXTENSIONS={})
    )
    crawler.stats.open_spider()
    writer = build_from_crawler(ShardWriterPipeline, crawler)
    writer.open_spider()
    writer.process_item(ArticleRecord(**{k: v for k, v in B.items() if k != "schema_version"}))
    with pytest.raises(ShardInUse, match="busy.jsonl"):
        merge_shards(output)
    assert not output.exists()
    writer.close_spider()  # the worker exits: its shard can be merged
    assert merge_shards(output).written == 2


def test_the_command_waits_for_an_unfinished_distributed_run(output, redis_server):  # noqa: F811
    write_shard(output, "w", [A])
    client = redis_server.client()
    client.set("unfinished:run", "w")
    client.zadd("unfinished:requests", {b"a request": 0})
    redis_settings = ("-s", f"REDIS_URL={redis_server.url}", "-s", "DISTRIBUTED_KEY_PREFIX=unfinished")
    waiting = run_merge_command(output, *redis_settings)
    assert waiting.returncode == EXIT_LOCKED, waiting.stderr[-2000:]
    assert "is not finished: 1 requests queued" in waiting.stderr
    assert not output.exists()
    forced = run_merge_command(output, *redis_settings, "--unfinished")
    assert forced.returncode == 0, forced.stderr[-2000:]
    client.set("unfinished:done", "w")
    assert run_merge_command(output, *redis_settings).returncode == 0  # a finished run: nothing to wait for
