"""CrawlLock: one crawl at a time per output; a dead holder's lock is taken over."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.extensions.lock import LOCK_FILE_NAME, CrawlLock, CrawlLocked, FileLock

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler


def lock_settings(output: Path, **overrides: Any) -> dict[str, Any]:
    """The project's settings with only the lock among the project's extensions."""
    values = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    values.update(
        {
            "ARTICLES_OUTPUT": str(output / "articles.jsonl"),
            "EXTENSIONS": {"crawler.extensions.lock.CrawlLock": -1000},
            "ITEM_PIPELINES": {},
            "REQUEST_FINGERPRINTER_CLASS": "scrapy.utils.request.RequestFingerprinter",
        }
    )
    values.update(overrides)
    return values


def start(output: Path, **overrides: Any) -> Crawler:
    """Build a crawler the way a crawl does: the lock is taken when its extensions are built."""
    return get_crawler(Spider, lock_settings(output, **overrides))


def stop(crawler: Crawler) -> None:
    """Do what the lock does at ``engine_stopped``."""
    lock = crawler.get_extension(CrawlLock)
    assert lock is not None
    lock.engine_stopped()


def holder_of(output: Path) -> dict[str, Any]:
    return json.loads((output / LOCK_FILE_NAME).read_text(encoding="utf-8"))


@pytest.fixture
def holder_process(tmp_path):
    """Another process that holds the lock on ``tmp_path / "out"`` until killed."""
    script = (
        "import os, sys, time; from pathlib import Path; "
        "from crawler.extensions.lock import FileLock; "
        "lock = FileLock(Path(sys.argv[1])); lock.acquire({'pid': os.getpid(), 'host': os.uname().nodename, "
        "'started_at': 'earlier'}); print('locked', flush=True); time.sleep(120)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "out" / LOCK_FILE_NAME)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()  # type: ignore[union-attr]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


def test_lock_names_its_holder_and_is_released(tmp_path):
    output = tmp_path / "out"
    crawler = start(output)
    assert isinstance(crawler.get_extension(CrawlLock), CrawlLock)
    holder = holder_of(output)
    assert holder["pid"] == os.getpid()
    assert holder["host"] == os.uname().nodename
    assert holder["run_id"] == crawler.stats.get_value("run/id")
    assert holder["run_id"].endswith(f"-{os.getpid()}")
    assert holder["output"] == str(output / "articles.jsonl")
    stop(crawler)
    assert (output / LOCK_FILE_NAME).read_text() == ""
    stop(start(output))  # free again


def test_second_crawl_over_the_same_output_is_refused(tmp_path):
    output = tmp_path / "out"
    first = start(output)
    with pytest.raises(CrawlLocked, match=rf"PID {os.getpid()} on host") as refused:
        start(output)
    assert refused.value.holder["pid"] == os.getpid()
    # The refusal leaves the holder's lock as it was.
    assert holder_of(output)["run_id"] == first.stats.get_value("run/id")
    stop(first)


def test_other_outputs_are_not_locked(tmp_path):
    first = start(tmp_path / "a")
    second = start(tmp_path / "b")
    stop(first)
    stop(second)


def test_crawl_refused_while_another_process_holds_the_lock(tmp_path, holder_process):
    with pytest.raises(CrawlLocked, match=rf"PID {holder_process.pid} on host {os.uname().nodename}"):
        start(tmp_path / "out")


def test_lock_of_a_killed_process_is_taken_over(tmp_path, holder_process, caplog):
    os.kill(holder_process.pid, signal.SIGKILL)
    holder_process.wait(timeout=30)
    # The kernel released the flock; the file still names the dead holder.
    assert holder_of(tmp_path / "out")["pid"] == holder_process.pid
    with caplog.at_level(logging.WARNING, logger="crawler.extensions.lock"):
        crawler = start(tmp_path / "out")
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        f"Taking over the lock {tmp_path / 'out' / LOCK_FILE_NAME} left by PID {holder_process.pid}"
        in warning
    )
    assert "is gone" in warning
    assert holder_of(tmp_path / "out")["pid"] == os.getpid()
    stop(crawler)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda pid: json.dumps({"pid": pid, "host": os.uname().nodename}), id="json"),
        pytest.param(lambda pid: f"{pid}\n", id="bare-pid"),
    ],
)
def test_stale_pid_file_without_flock_is_taken_over(tmp_path, caplog, content):
    output = tmp_path / "out"
    output.mkdir()
    pid = dead_pid()
    (output / LOCK_FILE_NAME).write_text(content(pid), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="crawler.extensions.lock"):
        crawler = start(output)
    assert any(f"left by PID {pid}" in r.getMessage() for r in caplog.records)
    stop(crawler)


def test_no_warning_after_a_clean_release(tmp_path, caplog):
    stop(start(tmp_path / "out"))
    with caplog.at_level(logging.WARNING, logger="crawler.extensions.lock"):
        stop(start(tmp_path / "out"))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_lock_can_be_turned_off(tmp_path):
    first = start(tmp_path / "out", CRAWL_LOCK_ENABLED=False)
    second = start(tmp_path / "out", CRAWL_LOCK_ENABLED=False)
    assert first.get_extension(CrawlLock) is None
    assert second.get_extension(CrawlLock) is None
    assert not (tmp_path / "out" / LOCK_FILE_NAME).exists()


def test_file_lock_release_is_idempotent(tmp_path):
    lock = FileLock(tmp_path / LOCK_FILE_NAME)
    assert lock.acquire({"pid": 1}) is None
    assert lock.held
    lock.release()
    lock.release()
    assert not lock.held


def test_a_refused_crawl_leaves_the_running_crawls_output_untouched(tmp_path, holder_process, snapshot_warc):
    """The lock is taken before anything reads or repairs the output.

    The output's last line looks torn to a second crawl while the first one is
    appending it; were the second crawl to repair it before finding the lock
    held, it would cut the line the first crawl is writing.
    """
    from tests.crawl import run_crawl

    output = tmp_path / "out" / "articles.jsonl"
    being_written = b'{"url": "http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml", "ti'
    output.write_bytes(b'{"url": "http://jxxznews.zjol.com.cn/a", "article_id": "1"}\n' + being_written)
    before = output.read_bytes()
    proc = run_crawl({"ARTICLES_OUTPUT": output, "REPLAY_ARCHIVE": snapshot_warc})
    assert proc.returncode == 75, proc.stderr[-2000:]
    assert output.read_bytes() == before
    assert not (tmp_path / "out" / ".state").exists() or not any((tmp_path / "out" / ".state").iterdir())
