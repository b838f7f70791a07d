"""crawler.warc.writer: the same WARC bytes in this process or in a child,
every record handed over written however the crawl ends, a failing child
reported with its reason."""

from __future__ import annotations

import gzip
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.warc.records import Exchange, exchange_records
from crawler.warc.writer import (
    WarcFileWriter,
    WarcWriterProcess,
    compression_level,
    exchange_frame,
    frame,
    gzip_member,
    read_frame,
)

RECORDS = [b"WARC/1.0\r\nrecord %d\r\n\r\n" % i + bytes(range(256)) * i for i in range(5)]
EXCHANGE = Exchange(
    url="http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml",
    date="2025-11-29T09:42:00Z",
    warcinfo_id="<urn:uuid:00000000-0000-4000-8000-000000000000>",
    request_id="<urn:uuid:00000000-0000-4000-8000-000000000001>",
    response_id="<urn:uuid:00000000-0000-4000-8000-000000000002>",
    ip_address="127.0.0.1",
    truncated=False,
    method="GET",
    request_headers=[(b"User-Agent", b"test-agent")],
    request_body=b"",
    status=200,
    protocol="HTTP/1.1",
    response_headers=[(b"Content-Type", b"text/html")],
    body="<p>秀洲新闻网 朱镕基</p>".encode("gbk") * 500,
)


def members(records: list[bytes], level: int = 9) -> bytes:
    return b"".join(gzip_member(r, level) for r in records)


@pytest.mark.parametrize(
    "records",
    [[], [b""], [b"a"], [b"a", b"", b"bc"], RECORDS],
)
def test_a_frame_reads_back_as_its_records(records):
    stream = io.BytesIO(frame(records) + frame([b"next"]))
    assert read_frame(stream) == records
    assert read_frame(stream) == [b"next"]
    assert read_frame(stream) is None


@pytest.mark.parametrize("cut", [1, 4, 5, 12, 13, -1])
def test_a_frame_cut_short_is_dropped_whole(cut):
    data = frame([b"whole"]) + frame([b"first", b"second"])[:cut]
    stream = io.BytesIO(data)
    assert read_frame(stream) == [b"whole"]
    assert read_frame(stream) is None


def test_an_exchange_frame_reads_back_as_its_request_and_response_records():
    stream = io.BytesIO(exchange_frame(EXCHANGE) + frame([b"next"]))
    assert read_frame(stream) == exchange_records(EXCHANGE)
    assert read_frame(stream) == [b"next"]
    assert read_frame(stream) is None


@pytest.mark.parametrize("cut", [1, 5, 13, 14, -1])
def test_an_exchange_frame_cut_short_is_dropped_whole(cut):
    stream = io.BytesIO(frame([b"whole"]) + exchange_frame(EXCHANGE)[:cut])
    assert read_frame(stream) == [b"whole"]
    assert read_frame(stream) is None


def test_bytes_that_are_no_frame_are_refused():
    with pytest.raises(ValueError, match="not a frame"):
        read_frame(io.BytesIO(b"\x01\x00\x00\x00\x00"))


@pytest.mark.parametrize("writer_class", [WarcFileWriter, WarcWriterProcess])
def test_both_writers_build_and_write_an_exchanges_records(tmp_path, writer_class):
    path = tmp_path / "out.warc.gz"
    writer = writer_class(path)
    writer.write(RECORDS[:1])
    writer.write_exchange(EXCHANGE)
    writer.close()
    assert path.read_bytes() == members([RECORDS[0], *exchange_records(EXCHANGE)])


@pytest.mark.parametrize("writer_class", [WarcFileWriter, WarcWriterProcess])
@pytest.mark.parametrize("level", [1, 9])
def test_both_writers_write_one_gzip_member_per_record(tmp_path, writer_class, level):
    path = tmp_path / "out.warc.gz"
    writer = writer_class(path, level)
    writer.write(RECORDS[:2])
    writer.write(RECORDS[2:])
    size = writer.close()
    data = path.read_bytes()
    assert data == members(RECORDS, level)
    assert size == len(data)
    assert gzip.decompress(data) == b"".join(RECORDS)


def test_the_child_writes_a_relative_path_where_the_crawl_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = WarcWriterProcess(Path("rel.warc.gz"))
    writer.write(RECORDS)
    writer.close()
    assert (tmp_path / "rel.warc.gz").read_bytes() == members(RECORDS)


_KILLED_CRAWL = """
import os, signal, sys
from crawler.warc.writer import WarcWriterProcess
records = [b"record %d " % i * 1000 for i in range(200)]
writer = WarcWriterProcess(sys.argv[1])
for i in range(0, 200, 2):
    writer.write(records[i : i + 2])
print(writer._process.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _wait_gone(pid: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        try:  # a zombie (its parent, the killed crawl, is gone: init reaps it)
            if "\tZ" in Path(f"/proc/{pid}/status").read_text().split("State:")[1][:4]:
                return
        except (OSError, IndexError):
            return
        time.sleep(0.02)


def test_every_record_handed_over_is_written_when_the_crawl_is_killed(tmp_path):
    path = tmp_path / "killed.warc.gz"
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_CRAWL, str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == -signal.SIGKILL
    _wait_gone(int(done.stdout.split()[0]))
    assert gzip.decompress(path.read_bytes()) == b"".join(b"record %d " % i * 1000 for i in range(200))


def test_the_child_ignores_the_signals_sent_to_the_crawl(tmp_path):
    path = tmp_path / "signals.warc.gz"
    writer = WarcWriterProcess(path)
    writer.write(RECORDS[:1])
    assert writer._process is not None
    deadline = time.monotonic() + 10
    while not path.stat().st_size and time.monotonic() < deadline:  # the child is past its start-up
        time.sleep(0.01)
    assert os.getpgid(writer._process.pid) != os.getpgid(0)  # a signal to the crawl's group misses it
    for sig in (signal.SIGINT, signal.SIGTERM):
        os.kill(writer._process.pid, sig)
    time.sleep(0.2)
    writer.write(RECORDS[1:])
    writer.close()
    assert path.read_bytes() == members(RECORDS)


def _write_then_close(writer: WarcFileWriter | WarcWriterProcess) -> None:
    for _ in range(100):  # a child's failure reaches the crawl at a later hand-over, or at the close
        writer.write(RECORDS)
        time.sleep(0.01)
    writer.close()


@pytest.mark.parametrize("writer_class", [WarcFileWriter, WarcWriterProcess])
def test_a_full_disk_is_reported_with_its_reason(writer_class):
    writer = writer_class(Path("/dev/full"))  # Linux's always-full device
    with pytest.raises(OSError, match="No space left on device"):
        _write_then_close(writer)


def test_a_path_that_cannot_be_written_fails_in_the_crawl_before_any_record(tmp_path):
    (tmp_path / "dir").mkdir()
    with pytest.raises(IsADirectoryError):
        WarcWriterProcess(tmp_path / "dir")


@pytest.mark.parametrize(("level", "xfl"), [(1, 4), (3, 0), (6, 0), (9, 2)])
def test_gzip_header_tells_the_level_and_the_member_is_deterministic(level, xfl):
    data = RECORDS[4]
    member = gzip_member(data, level)
    assert member[:8] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00"  # deflate, no flags, mtime 0
    assert member[8:10] == bytes((xfl, 0xFF))  # 2: maximum compression, 4: fastest; OS unknown
    assert gzip.decompress(member) == data
    assert gzip_member(data, level) == member


@pytest.mark.parametrize("level", [0, 10, -1, "fast", None])
def test_compression_level_out_of_range_is_refused(level):
    with pytest.raises(ValueError, match="from 1 to 9"):
        compression_level(level)
