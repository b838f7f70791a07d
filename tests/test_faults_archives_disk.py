"""Bad archives and full disks: a crawl fails clearly, exits non-zero, and leaves complete lines.

``REPLAY_ARCHIVE`` given a truncated, corrupt or hostile WARC (huge
headers, wrong or absurd lengths, a gzip member that holds no WARC) stops
the crawl before it starts with one message naming the file, the byte
offset and, when its header could be read, the record; a record found
corrupt only when it is read (its digest) stops the crawl with the URL.

An output that cannot be written (a full disk: ``/dev/full``; a read-only
or failing file system: ``os.open``/``os.write`` made to fail) stops the
crawl with a clear error and a non-zero exit, the output holds complete
lines only, and the records not written stay pending for the next run.  A
crawl stopped short (its pending file full) appends nothing, so the next run
writes exactly what one uninterrupted crawl writes, whatever the item order.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import re
import resource
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.extensions.health import assess
from crawler.items import ArticleRecord
from crawler.pipelines.jsonl import JsonLinesWriterPipeline
from crawler.warc.archive import ArchiveError, WarcArchive
from tests import REPO_DIR, project_settings
from tests.crawl import read_jsonl, run_crawl, scrapy_command
from tests.snapshots import expected_records

SITE = "http://jxxznews.zjol.com.cn"
SEED = f"{SITE}/xznews/system/2010/12/29/013095123.shtml"
EXIT_UNHEALTHY = 1
EXIT_START_FAILED = 70


@pytest.fixture(scope="module")
def plain_warc(snapshot_warc: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The snapshot as one uncompressed WARC (its gzip members inflated and joined)."""
    return gzip.decompress(snapshot_warc.read_bytes())


def record_offsets(data: bytes) -> list[int]:
    return [m.start() for m in re.finditer(rb"WARC/1\.[01]\r\n", data)]


def record_at(data: bytes, url: str) -> int:
    """The offset of the response record of ``url`` in an uncompressed WARC."""
    for start in record_offsets(data):
        head = data[start : data.index(b"\r\n\r\n", start)]
        if b"WARC-Type: response\r\n" in head and b"WARC-Target-URI: " + url.encode() + b"\r\n" in head:
            return start
    raise KeyError(url)


def with_header(data: bytes, at: int, name: bytes, value: bytes) -> bytes:
    """``data`` with the WARC header ``name`` of the record at ``at`` set to ``value``."""
    end = data.index(b"\r\n\r\n", at)
    head = re.sub(rb"(?m)^" + name + rb": [^\r]*", name + b": " + value, data[at:end])
    return data[:at] + head + data[end:]


# -- hostile archives, one by one -----------------------------------------------------------


def _cases(data: bytes) -> dict[str, tuple[bytes, str]]:
    """Hostile variants of an uncompressed WARC: name -> (bytes, what the error must say)."""
    seed = record_at(data, SEED)
    later = record_offsets(data)[-1]
    return {
        "cut inside a record": (data[: seed + 500], rf"at byte offset {seed}: truncated WARC record"),
        "cut inside a header": (data[: seed + 40], rf"at byte offset {seed}: truncated WARC record"),
        "length too short": (
            with_header(data, seed, b"Content-Length", b"100"),
            rf"at byte offset {seed}: corrupt WARC record: no CRLF CRLF after its 100-byte block",
        ),
        "length past the end": (
            with_header(data, later, b"Content-Length", b"99999999999999999999"),
            rf"at byte offset {later}: truncated WARC record: Content-Length 99999999999999999999 runs past",
        ),
        "negative length": (
            with_header(data, seed, b"Content-Length", b"-5"),
            rf"at byte offset {seed}: WARC record without a valid Content-Length \('-5'\)",
        ),
        "length not a number": (
            with_header(data, seed, b"Content-Length", b"0x10"),
            rf"at byte offset {seed}: WARC record without a valid Content-Length \('0x10'\)",
        ),
        "huge header": (
            data[: seed + 10] + b"X-Junk: " + b"j" * (2 * 1024 * 1024) + b"\r\n" + data[seed + 10 :],
            rf"at byte offset {seed}: corrupt WARC record: its header is longer than",
        ),
        "bad version line": (
            data[:seed] + b"WARC/9" + data[seed + 8 :],
            rf"at byte offset {seed}: corrupt WARC record: bad version line",
        ),
        "garbage between records": (
            data[:seed] + b"\x00\xff garbage" + data[seed:],
            rf"at byte offset {seed}: not a WARC record",
        ),
    }


# Errors raised after the WARC header was read also name the record.
NAMED = {"length too short", "length past the end", "negative length", "length not a number"}


@pytest.mark.parametrize(
    "case",
    [
        "cut inside a record",
        "cut inside a header",
        "length too short",
        "length past the end",
        "negative length",
        "length not a number",
        "huge header",
        "bad version line",
        "garbage between records",
    ],
)
def test_a_hostile_uncompressed_warc_is_refused_naming_file_offset_and_record(plain_warc, tmp_path, case):
    data, message = _cases(plain_warc)[case]
    path = tmp_path / "hostile.warc"
    path.write_bytes(data)
    with pytest.raises(ArchiveError, match=message) as info:
        WarcArchive([path])
    assert str(info.value).startswith(f"{path} at byte offset ")
    if case in NAMED:
        assert re.search(r"\(record <urn:uuid:[0-9a-f-]+> of http://\S+\)$", str(info.value)), str(info.value)


def test_a_gzip_member_that_holds_no_warc_is_refused(snapshot_warc, tmp_path):
    path = tmp_path / "hostile.warc.gz"
    size = snapshot_warc.stat().st_size
    path.write_bytes(snapshot_warc.read_bytes() + gzip.compress(b"<html>not a WARC</html>"))
    with pytest.raises(ArchiveError, match=rf"at byte offset {size}: not a WARC record"):
        WarcArchive([path])


def _bomb(size: int) -> bytes:
    """A gzip member that inflates to ``size`` bytes: a WARC head, then zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: %d\r\n\r\n" % size
    chunk = bytes(1024 * 1024)
    parts = [compressor.compress(head)]
    parts += [compressor.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + compressor.flush()


def test_a_gzip_bomb_is_refused_as_it_inflates(snapshot_warc, tmp_path):
    path = tmp_path / "hostile.warc.gz"
    size = snapshot_warc.stat().st_size
    bomb = _bomb(64 * 1024 * 1024)
    assert len(bomb) < 100_000  # 64 MiB from under 100 KB
    path.write_bytes(snapshot_warc.read_bytes() + bomb)
    with pytest.raises(
        ArchiveError, match=rf"at byte offset {size}: gzip member inflates past 1,048,576 bytes"
    ):
        WarcArchive([path], max_member_size=1024 * 1024)
    WarcArchive([snapshot_warc], max_member_size=1024 * 1024).close()  # honest records pass the limit


def test_a_record_inflating_past_the_limit_when_read_is_refused(snapshot_warc):
    """The limit holds for reading too, not only indexing (an archive indexed by a looser reader)."""
    with WarcArchive([snapshot_warc]) as archive:
        assert archive.get(SEED).status == 200
        archive.max_member_size = 100
        with pytest.raises(ArchiveError, match="gzip member inflates past 100 bytes"):
            archive.get(SEED)


def test_replay_bounds_records_by_download_maxsize(snapshot_warc, tmp_path):
    from crawler.warc.middlewares import REPLAY_HEADER_ALLOWANCE, ReplayMiddleware

    path = tmp_path / "hostile.warc.gz"
    path.write_bytes(snapshot_warc.read_bytes() + _bomb(8 * 1024 * 1024))
    crawler = get_crawler(Spider, {"REPLAY_ARCHIVE": str(path), "DOWNLOAD_MAXSIZE": 1024 * 1024})
    limit = 1024 * 1024 + REPLAY_HEADER_ALLOWANCE
    with pytest.raises(ArchiveError, match=f"gzip member inflates past {limit:,} bytes"):
        ReplayMiddleware.from_crawler(crawler)


def test_a_corrupt_gzip_member_is_refused(snapshot_warc, tmp_path):
    data = bytearray(snapshot_warc.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    path = tmp_path / "hostile.warc.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match=r"at byte offset \d+: corrupt gzip member"):
        WarcArchive([path])


def test_a_record_whose_block_was_altered_is_found_when_read_and_names_its_url(plain_warc, tmp_path):
    seed = record_at(plain_warc, SEED)
    body = plain_warc.index(b"<!--enpcontent-->", seed)
    path = tmp_path / "hostile.warc"
    path.write_bytes(plain_warc[:body] + b"<!--ENPCONTENT-->" + plain_warc[body + 17 :])
    with WarcArchive([path]) as archive:
        with pytest.raises(
            ArchiveError, match=rf"at byte offset {seed}: corrupt record: .*\({re.escape(SEED)}\)"
        ):
            archive.get(SEED)
        assert archive.get(f"{SITE}/xznews/").status == 200


# -- the crawl given a bad archive ----------------------------------------------------------


def test_a_crawl_given_a_truncated_archive_does_not_start(snapshot_warc, tmp_path):
    bad = tmp_path / "truncated.warc.gz"
    bad.write_bytes(snapshot_warc.read_bytes()[: snapshot_warc.stat().st_size // 2])
    output = tmp_path / "out" / "articles.jsonl"
    proc = run_crawl({"REPLAY_ARCHIVE": bad, "ARTICLES_OUTPUT": output}, timeout=120)
    assert proc.returncode == EXIT_START_FAILED, proc.stderr[-3000:]
    assert re.search(
        rf"Cannot replay REPLAY_ARCHIVE: {re.escape(str(bad))} at byte offset \d+: truncated gzip member",
        proc.stderr,
    )
    assert read_jsonl(output) == []


def test_a_crawl_meeting_a_corrupt_record_stops_naming_it(plain_warc, tmp_path):
    seed = record_at(plain_warc, SEED)
    body = plain_warc.index(b"<!--enpcontent-->", seed)
    bad = tmp_path / "altered.warc"
    bad.write_bytes(plain_warc[:body] + b"<!--ENPCONTENT-->" + plain_warc[body + 17 :])
    output = tmp_path / "out" / "articles.jsonl"
    proc = run_crawl({"REPLAY_ARCHIVE": bad, "ARTICLES_OUTPUT": output}, timeout=120)
    assert proc.returncode == EXIT_UNHEALTHY, proc.stderr[-3000:]
    assert f"Replay archive unreadable for {SEED}: {bad} at byte offset {seed}: corrupt record" in proc.stderr
    assert "'finish_reason': 'replay_archive_error'" in proc.stderr
    read_jsonl(output)  # complete lines only (whatever was read before the stop)


# -- full and failing disks --------------------------------------------------------------------


def test_a_crawl_whose_output_is_a_full_disk_stops_with_a_clear_error(snapshot_warc, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    output = out / "articles.jsonl"
    output.symlink_to("/dev/full")  # every write: ENOSPC
    proc = run_crawl({"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": output}, timeout=120)
    assert proc.returncode == EXIT_UNHEALTHY, proc.stderr[-3000:]
    assert re.search(
        rf"Cannot write {re.escape(str(output))}: \[Errno 28\] No space left on device", proc.stderr
    )
    assert "Traceback" not in proc.stderr
    report = json.loads(next((out / "reports").glob("*.json")).read_text("utf-8"))
    assert not report["health"]["ok"]
    assert "No space left on device" in report["health"]["reason"]
    # What was not written stays pending, complete lines only, for the next run.
    pending = read_jsonl(out / ".state" / "articles.jsonl.pending.jsonl")
    assert len(pending) == len(expected_records()) + 1  # with the same-text duplicate


def crawl_with_file_size_limit(settings: dict[str, Any], limit: int) -> subprocess.CompletedProcess[str]:
    """A crawl whose files cannot grow past ``limit`` bytes (RLIMIT_FSIZE): a disk that fills up.

    Python ignores SIGXFSZ, so a write past the limit fails with EFBIG, and a
    write across it is cut short, as on a full disk.
    """

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        scrapy_command(settings),
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=limit_file_size,
    )


def without_crawled_at(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "crawled_at"} for r in records]


ORIGINAL = f"{SITE}/xznews/system/2011/06/21/013765903.shtml"
REPOST = f"{SITE}/xznews/system/2011/06/22/013768214.shtml"  # the same text, a larger id


# Item order decides which articles reach the pending file before the disk fills: Scrapy
# processes a callback's output CONCURRENT_ITEMS at a time.  The outcome must not depend on it.
@pytest.mark.parametrize("concurrent_items", [None, 1, 100], ids=["project", "1", "100"])
def test_a_crawl_that_fills_the_disk_stops_early_with_complete_lines_and_the_next_run_completes(
    snapshot_warc, first_crawl, tmp_path, concurrent_items
):
    out = tmp_path / "out"
    out.mkdir()
    output = out / "articles.jsonl"
    earlier = first_crawl.output.read_bytes().splitlines(keepends=True)[:10]
    output.write_bytes(b"".join(earlier))  # an earlier run's records
    settings: dict[str, Any] = {"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": output}
    if concurrent_items is not None:
        settings["CONCURRENT_ITEMS"] = concurrent_items
    proc = crawl_with_file_size_limit(settings, limit=len(b"".join(earlier)) + 20_000)
    assert proc.returncode == EXIT_UNHEALTHY, proc.stderr[-3000:]
    assert re.search(r"Cannot write \S+: \[Errno 27\] File too large", proc.stderr)
    assert "'finish_reason': 'output_error'" in proc.stderr  # stopped early
    assert "Traceback" not in proc.stderr
    # A run that has not seen every article appends nothing: which of two same-text records
    # has the smaller id is not known yet, and a line appended cannot be taken back.
    assert "Crawl stopped short" in proc.stderr
    assert output.read_bytes() == b"".join(earlier)
    kept = int(re.search(r"'output/kept_pending': (\d+)", proc.stderr).group(1))
    assert 0 < kept < len(first_crawl.records) - len(earlier)
    # Without the limit the next run writes the rest, each record once, as one uninterrupted
    # crawl would have: the original is the record and the repost is in its also_at.
    proc = run_crawl(settings, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"'output/recovered_pending': {kept}," in proc.stderr
    final = read_jsonl(output)
    assert without_crawled_at(final) == without_crawled_at(first_crawl.records)
    assert {r["url"]: r["also_at"] for r in final}[ORIGINAL] == [REPOST]


def test_a_disk_that_fills_during_the_last_append_keeps_complete_lines_and_the_next_run_completes(
    snapshot_warc, first_crawl, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    output = out / "articles.jsonl"
    lines = first_crawl.output.read_bytes().splitlines(keepends=True)
    earlier, new = lines[:10], lines[10:]
    output.write_bytes(b"".join(earlier))
    settings = {"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": output}
    # Room for every new record but one byte: the pending file (the same records, and the
    # repost) fits, so the crawl sees everything, and the last append is cut short.
    proc = crawl_with_file_size_limit(settings, limit=len(b"".join(lines)) - 1)
    assert proc.returncode == EXIT_UNHEALTHY, proc.stderr[-3000:]
    assert "'finish_reason': 'finished'" in proc.stderr
    # The append crossing the limit is cut short, which the writer reads as a full disk.
    assert f"Cannot write {output}: [Errno 28] No space left on device" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(rf"Cut a partial line \(\d+ bytes\) off {re.escape(str(output))}", proc.stderr)
    assert f"'output/written': {len(new) - 1}," in proc.stderr
    assert without_crawled_at(read_jsonl(output)) == without_crawled_at(first_crawl.records[:-1])
    proc = run_crawl(settings, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert without_crawled_at(read_jsonl(output)) == without_crawled_at(first_crawl.records)


class _Spider(Spider):
    name = "disk"


def _record(n: int) -> ArticleRecord:
    return ArticleRecord(
        url=f"{SITE}/xznews/system/2019/07/15/0{n:08d}.shtml",
        article_id=str(n),
        site="jxxznews.zjol.com.cn",
        title=f"标题 {n}",
        published_at="2019-07-15T00:00:00+08:00",
        paragraphs=[f"段落 {n}" * 20],
        content_hash=f"{n:064x}",
        crawled_at="2019-07-15T00:00:00Z",
    )


def _writer(tmp_path: Path, records: int = 10) -> JsonLinesWriterPipeline:
    settings = project_settings(
        EXTENSIONS={}, ITEM_PIPELINES={}, ARTICLES_OUTPUT=str(tmp_path / "out" / "articles.jsonl")
    )
    writer = JsonLinesWriterPipeline.from_crawler(get_crawler(_Spider, settings))
    writer.open_spider()
    for n in range(1, records + 1):
        writer.process_item(_record(n))
    return writer


def _verdict(writer: JsonLinesWriterPipeline) -> Any:
    return assess(writer.crawler.stats.get_stats(), "finished", 0.2)


def test_a_disk_filling_up_mid_append_leaves_complete_lines_and_keeps_the_rest_pending(tmp_path, monkeypatch):
    writer = _writer(tmp_path)
    real_write = os.write
    appended = []

    def filling_disk(fd: int, data: bytes) -> int:
        if str(Path(f"/proc/self/fd/{fd}").readlink()) != str(writer.output):
            return real_write(fd, data)
        appended.append(data)
        if len(appended) <= 4:
            return real_write(fd, data)
        if len(appended) == 5:  # the disk fills inside this line: a short write
            return real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", filling_disk)
    writer.close_spider()
    monkeypatch.undo()
    lines = read_jsonl(writer.output)  # fails on a partial last line
    assert [r["article_id"] for r in lines] == ["1", "2", "3", "4"]
    assert writer.crawler.stats.get_value("output/written") == 4
    assert "No space left on device" in writer.crawler.stats.get_value("output/write_error")
    verdict = _verdict(writer)
    assert not verdict.ok
    assert "No space left on device" in verdict.reason
    # The next run writes the rest, once each.
    again = _writer(tmp_path, records=0)
    again.close_spider()
    assert [r["article_id"] for r in read_jsonl(writer.output)] == [str(n) for n in range(1, 11)]


def test_a_read_only_output_stops_with_a_clear_error_and_loses_nothing(tmp_path, monkeypatch, caplog):
    writer = _writer(tmp_path)
    before = writer.pending_path.read_bytes()
    real_open = os.open

    def read_only(path: Any, flags: int, *args: Any) -> int:
        if os.fspath(path) == str(writer.output) and flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    writer.close_spider()
    monkeypatch.undo()
    assert not writer.output.exists()
    assert writer.pending_path.read_bytes() == before  # every record kept for the next run
    assert f"Cannot write {writer.output}: [Errno 30] Read-only file system" in caplog.text
    assert not _verdict(writer).ok
