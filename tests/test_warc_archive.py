"""Tests of crawler.warc.archive.WarcArchive: indexing, canonical lookups, errors naming file and offset."""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import zlib
from io import BytesIO
from typing import TYPE_CHECKING, Any

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.warc.archive import ArchivedResponse, ArchiveError, WarcArchive, _split_http

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

SITE = "http://jxxznews.zjol.com.cn"


def response_record(
    writer: WARCWriter,
    url: str,
    body: bytes = b"<html></html>",
    status: str = "200 OK",
    headers: list[tuple[str, str]] | None = None,
    record_type: str = "response",
):
    if headers is None:
        headers = [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]
    http_headers = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    return writer.create_warc_record(
        url, record_type, payload=BytesIO(body), length=len(body), http_headers=http_headers
    )


def write_warc(path: Path, records: list[tuple], *, gzip_records: bool = True) -> list[int]:
    """Write ``(url, body, status, headers, type)`` tuples; return each record's byte offset."""
    offsets = []
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip_records)
        for spec in records:
            offsets.append(fh.tell())
            writer.write_record(response_record(writer, *spec))
    return offsets


def test_lookup_by_canonical_url(tmp_path):
    path = tmp_path / "a.warc.gz"
    write_warc(path, [(f"{SITE}/a.shtml", b"A"), (f"{SITE}/b.shtml?utm_source=weibo&id=3", b"B")])
    with WarcArchive([path], tracking_params=["utm_*"]) as archive:
        assert len(archive) == 2
        found = archive.get("http://JXXZNEWS.zjol.com.cn/a.shtml#x")
        assert isinstance(found, ArchivedResponse)
        assert (found.url, found.status, found.body) == (f"{SITE}/a.shtml", 200, b"A")
        assert found.headers == [(b"Content-Type", b"text/html"), (b"Content-Length", b"1")]
        assert found.path == str(path)
        assert found.warc_date
        assert archive.get(f"{SITE}:80/b.shtml?id=3&utm_medium=x").body == b"B"
        assert f"{SITE}/a.shtml" in archive
        assert archive.get(f"{SITE}/c.shtml") is None
        assert f"{SITE}/c.shtml" not in archive
        assert sorted(archive.urls()) == [f"{SITE}/a.shtml", f"{SITE}/b.shtml?utm_source=weibo&id=3"]


@pytest.mark.parametrize("gzip_records", [True, False])
def test_later_records_win_in_a_file_and_across_files(tmp_path, gzip_records):
    ext = ".warc.gz" if gzip_records else ".warc"
    first, second = tmp_path / f"1{ext}", tmp_path / f"2{ext}"
    write_warc(
        first,
        [(f"{SITE}/a", b"old"), (f"{SITE}/a", b"newer"), (f"{SITE}/b", b"b1")],
        gzip_records=gzip_records,
    )
    write_warc(second, [(f"{SITE}/b", b"b2")], gzip_records=gzip_records)
    with WarcArchive([first, second]) as archive:
        assert archive.get(f"{SITE}/a").body == b"newer"
        assert archive.get(f"{SITE}/b").body == b"b2"
        assert archive.records == 4
    with WarcArchive([second, first]) as archive:
        assert archive.get(f"{SITE}/b").body == b"b1"


def test_only_http_response_records_are_indexed(tmp_path):
    path = tmp_path / "a.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record("a.warc.gz", {"software": "test"}))
        writer.write_record(response_record(writer, f"{SITE}/req", record_type="request"))
        writer.write_record(
            writer.create_revisit_record(f"{SITE}/rev", "sha1:AAAA", f"{SITE}/x", "2019-07-15T08:00:00Z")
        )
        dns = writer.create_warc_record(
            "dns:jxxznews.zjol.com.cn", "response", payload=BytesIO(b"1.2.3.4"), length=7
        )
        writer.write_record(dns)
        writer.write_record(response_record(writer, f"{SITE}/page"))
    with WarcArchive([path]) as archive:
        assert archive.urls() == [f"{SITE}/page"]


def test_chunked_record_is_dechunked_and_gzip_body_kept(tmp_path):
    """warcprox and wget keep the wire form: chunked framing, gzip content coding."""
    page = "<html>秀洲新闻网</html>".encode("gbk")
    compressed = gzip.compress(page, mtime=0)
    chunked = (
        b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (compressed[:10], compressed[10:]))
        + b"0\r\n\r\n"
    )
    headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]
    path = tmp_path / "wire.warc"
    write_warc(path, [(f"{SITE}/xznews/", chunked, "200 OK", headers)], gzip_records=False)
    with WarcArchive([path]) as archive:
        found = archive.get(f"{SITE}/xznews/")
    assert found.body == compressed
    assert gzip.decompress(found.body) == page
    assert found.headers == [(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip")]
    assert found.header("transfer-encoding") is None


def test_transfer_encoding_chunked_on_a_body_that_is_not_chunked(tmp_path):
    path = tmp_path / "a.warc.gz"
    write_warc(path, [(f"{SITE}/x", b"plain body", "200 OK", [("Transfer-Encoding", "chunked")])])
    with WarcArchive([path]) as archive:
        assert archive.get(f"{SITE}/x").body == b"plain body"


def test_redirect_and_header_bytes_are_kept(tmp_path):
    headers = [("Location", f"{SITE}/xznews/"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
    path = tmp_path / "a.warc.gz"
    write_warc(path, [(f"{SITE}/", b"", "302 Moved Temporarily", headers)])
    with WarcArchive([path]) as archive:
        found = archive.get(f"{SITE}/")
    assert found.status == 302
    assert found.header(b"LOCATION") == f"{SITE}/xznews/".encode()
    assert [v for k, v in found.headers if k == b"Set-Cookie"] == [b"a=1", b"b=2"]


def test_angle_bracketed_target_uri_and_warc_1_1(tmp_path):
    """Some writers copied the WARC 1.1 spec's ``<uri>`` example literally."""
    body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nhi"
    record = (
        b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: <" + SITE.encode() + b"/a>\r\n"
        b"WARC-Date: 2019-07-15T08:00:00.123456Z\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n" % (len(body), body)
    )
    path = tmp_path / "a.warc"
    path.write_bytes(record * 2)
    with WarcArchive([path]) as archive:
        assert archive.get(f"{SITE}/a").body == b"hi"


def test_a_single_gzip_stream_is_read_with_a_warning(tmp_path, caplog):
    plain = tmp_path / "a.warc"
    write_warc(plain, [(f"{SITE}/{i}", b"body %d" % i) for i in range(5)], gzip_records=False)
    stream = tmp_path / "stream.warc.gz"
    stream.write_bytes(gzip.compress(plain.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="crawler.warc.archive"), WarcArchive([stream]) as archive:
        assert [archive.get(f"{SITE}/{i}").body for i in range(5)] == [b"body %d" % i for i in range(5)]
    assert "warcio recompress" in caplog.text


def test_an_empty_file_has_no_records(tmp_path):
    path = tmp_path / "empty.warc.gz"
    path.write_bytes(b"")
    with WarcArchive([path]) as archive:
        assert len(archive) == 0


def test_offsets_match_warcio(tmp_path):
    path = tmp_path / "a.warc.gz"
    offsets = write_warc(path, [(f"{SITE}/{i}", b"x" * i) for i in range(4)])
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
        warcio_offsets = [it.get_record_offset() for _ in it]
    assert offsets == warcio_offsets
    with WarcArchive([path]) as archive:
        assert [archive.get(f"{SITE}/{i}").offset for i in range(4)] == offsets


# -- errors ------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(ArchiveError, match=r"nowhere\.warc\.gz: cannot open the archive") as info:
        WarcArchive([tmp_path / "nowhere.warc.gz"])
    assert info.value.offset is None


def test_truncated_gzip_names_file_and_offset(tmp_path):
    path = tmp_path / "a.warc.gz"
    offsets = write_warc(path, [(f"{SITE}/{i}", b"body %d" % i * 50) for i in range(3)])
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ArchiveError) as info:
        WarcArchive([path])
    assert (
        str(info.value)
        == f"{path} at byte offset {offsets[2]}: truncated gzip member: the file ends inside it"
    )
    assert (info.value.path, info.value.offset) == (str(path), offsets[2])


def test_truncated_uncompressed_names_file_and_offset(tmp_path):
    path = tmp_path / "a.warc"
    offsets = write_warc(path, [(f"{SITE}/{i}", b"body %d" % i * 50) for i in range(3)], gzip_records=False)
    path.write_bytes(path.read_bytes()[: offsets[1] + 100])
    with pytest.raises(ArchiveError, match=rf"a\.warc at byte offset {offsets[1]}: truncated WARC record"):
        WarcArchive([path])
    path.write_bytes(path.read_bytes()[: offsets[1] + 20])  # inside the WARC header
    with pytest.raises(ArchiveError, match=rf"at byte offset {offsets[1]}: truncated WARC record"):
        WarcArchive([path])


def test_corrupt_gzip_names_file_and_offset(tmp_path):
    path = tmp_path / "a.warc.gz"
    offsets = write_warc(path, [(f"{SITE}/{i}", b"body %d" % i * 50) for i in range(3)])
    data = bytearray(path.read_bytes())
    data[offsets[1] + 30 : offsets[1] + 40] = b"\x00" * 10
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match=rf"a\.warc\.gz at byte offset {offsets[1]}: corrupt gzip member"):
        WarcArchive([path])


def test_garbage_between_records(tmp_path):
    path = tmp_path / "a.warc.gz"
    offsets = write_warc(path, [(f"{SITE}/{i}", b"body") for i in range(2)])
    path.write_bytes(path.read_bytes() + b"<html>not a warc</html>")
    end = path.stat().st_size - len(b"<html>not a warc</html>")
    assert end > offsets[1]
    with pytest.raises(ArchiveError, match=rf"at byte offset {end}: corrupt gzip member"):
        WarcArchive([path])


def test_not_a_warc(tmp_path):
    path = tmp_path / "page.warc"
    path.write_bytes(b"<html>hello</html>")
    with pytest.raises(ArchiveError, match=r"page\.warc at byte offset 0: not a WARC record"):
        WarcArchive([path])


def test_wrong_content_length_is_corrupt(tmp_path):
    path = tmp_path / "a.warc"
    offsets = write_warc(path, [(f"{SITE}/{i}", b"body") for i in range(2)], gzip_records=False)
    data = path.read_bytes()
    head_end = data.index(b"\r\n\r\n", offsets[1])
    record = data[offsets[1] : head_end].replace(b"Content-Length: ", b"Content-Length: 1")
    path.write_bytes(data[: offsets[1]] + record + data[head_end:] + b"x" * 4000)
    with pytest.raises(
        ArchiveError, match=rf"at byte offset {offsets[1]}: corrupt WARC record: no CRLF CRLF"
    ):
        WarcArchive([path])


def test_read_time_errors_name_file_and_offset(tmp_path):
    path = tmp_path / "a.warc.gz"
    offsets = write_warc(path, [(f"{SITE}/{i}", b"body %d" % i * 50) for i in range(3)])
    archive = WarcArchive([path])
    data = path.read_bytes()
    # The file is cut after indexing (another process rewriting it).
    path.write_bytes(data[: offsets[2] + 10])
    with pytest.raises(ArchiveError, match=rf"a\.warc\.gz at byte offset {offsets[2]}: truncated record"):
        archive.get(f"{SITE}/2")
    assert archive.get(f"{SITE}/0").body.startswith(b"body 0")
    archive.close()


def test_payload_corruption_is_found_at_read_time(tmp_path):
    path = tmp_path / "a.warc"
    offsets = write_warc(path, [(f"{SITE}/{i}", b"body %d" % i * 50) for i in range(3)], gzip_records=False)
    data = path.read_bytes()
    path.write_bytes(data[: offsets[2] - 60] + b"X" * 10 + data[offsets[2] - 50 :])
    with WarcArchive([path]) as archive:  # indexing skips the payloads of an uncompressed file
        with pytest.raises(
            ArchiveError, match=rf"at byte offset {offsets[1]}: corrupt record: its block does not"
        ):
            archive.get(f"{SITE}/1")
        assert archive.get(f"{SITE}/2").status == 200


def test_bad_http_status_line_is_a_read_error(tmp_path):
    body = b"HTTX/1.1 two hundred\r\n\r\n"
    record = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: %s/a\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n"
        % (
            SITE.encode(),
            len(body),
            body,
        )
    )
    path = tmp_path / "a.warc"
    path.write_bytes(record)
    with (
        WarcArchive([path]) as archive,
        pytest.raises(ArchiveError, match="at byte offset 0: corrupt response record"),
    ):
        archive.get(f"{SITE}/a")


def test_closed_archive(tmp_path):
    path = tmp_path / "a.warc.gz"
    write_warc(path, [(f"{SITE}/a", b"A")])
    archive = WarcArchive([path])
    archive.close()
    archive.close()
    with pytest.raises(ValueError, match="closed"):
        archive.get(f"{SITE}/a")


def test_indexing_does_not_decompress_twice(tmp_path, monkeypatch):
    """Indexing decompresses each member once; a lookup decompresses only its own member."""
    path = tmp_path / "a.warc.gz"
    write_warc(path, [(f"{SITE}/{i}", b"page %d " % i * 200) for i in range(50)])
    calls = []
    real = zlib.decompressobj

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(zlib, "decompressobj", counting)
    archive = WarcArchive([path])
    assert len(calls) == 51  # 50 members, and one more that finds the end
    calls.clear()
    assert archive.get(f"{SITE}/7").body.startswith(b"page 7")
    assert len(calls) == 1
    archive.close()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # CRLF CRLF ends the headers; a blank line of bare LFs inside the body is body.
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>a</p>\n\n<p>b</p>",
            (200, [(b"Content-Type", b"text/html")], b"<p>a</p>\n\n<p>b</p>"),
        ),
        # A writer using bare LFs; its body may hold CRLF CRLF.
        (
            b"HTTP/1.1 200 OK\nContent-Type: text/html\n\nbody\r\n\r\nmore",
            (200, [(b"Content-Type", b"text/html")], b"body\r\n\r\nmore"),
        ),
        # Mixed: the first blank line ends the headers, whichever its line ends.
        (
            b"HTTP/1.1 404 Not Found\r\nServer: x\r\n\nrest",
            (404, [(b"Server", b"x")], b"rest"),
        ),
        # No blank line: a message without a body.
        (b"HTTP/1.1 304 Not Modified\r\nETag: 1", (304, [(b"ETag", b"1")], b"")),
        # A folded header line joins the one before it.
        (
            b"HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\n\r\n",
            (200, [(b"X-Long", b"a b")], b""),
        ),
    ],
)
def test_split_http_message(message, expected):
    assert _split_http(message, "a.warc", 0) == expected


# -- revisit records (deduplicating crawlers) -----------------------------------------------


def _sha1_base32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def write_records(path: Path, build: Callable[[WARCWriter], list[Any]]) -> None:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for record in build(writer):
            writer.write_record(record)


def revisit(
    writer: WARCWriter,
    url: str,
    *,
    digest: str,
    refers_to: str,
    date: str,
    status: str = "200 OK",
    profile: str | None = None,
    headers: list[tuple[str, str]] | None = None,
):
    http_headers = StatusAndHeaders(
        status, headers or [("Content-Type", "text/html; charset=gb2312")], protocol="HTTP/1.1"
    )
    record = writer.create_revisit_record(url, digest, refers_to, date, http_headers=http_headers)
    if profile is not None:
        record.rec_headers.replace_header("WARC-Profile", profile)
    return record


PAGE = "<html>秀洲新闻网</html>".encode("gbk")
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


@pytest.mark.parametrize("digest_form", ["base32", "hex"])
def test_identical_payload_revisit_answers_with_its_headers_and_the_recorded_body(tmp_path, digest_form):
    """Another URL with the same bytes (a folder and its index.shtml): the recorder wrote a revisit."""
    path = tmp_path / "dedup.warc.gz"
    digest = _sha1_base32(PAGE) if digest_form == "base32" else "sha1:" + hashlib.sha1(PAGE).hexdigest()
    write_records(
        path,
        lambda w: [
            response_record(w, f"{SITE}/xznews/xwzx/index.shtml", PAGE),
            revisit(
                w,
                f"{SITE}/xznews/xwzx/",
                digest=digest,
                refers_to=f"{SITE}/xznews/xwzx/index.shtml",
                date="2026-11-29T00:00:00Z",
                headers=[("Content-Type", "text/html; charset=gb2312"), ("Server", "enp")],
            ),
        ],
    )
    with WarcArchive([path]) as archive:
        found = archive.get(f"{SITE}/xznews/xwzx/")
        assert (archive.records, archive.revisits, archive.revisits_unresolved) == (1, 1, 0)
    assert (found.url, found.status, found.body) == (f"{SITE}/xznews/xwzx/", 200, PAGE)
    assert found.headers == [(b"Content-Type", b"text/html; charset=gb2312"), (b"Server", b"enp")]


def test_revisit_found_by_the_uri_and_date_it_refers_to(tmp_path):
    """No response with the revisit's payload digest: the record it names is used."""
    path = tmp_path / "a.warc.gz"
    date = {}

    def build(w):
        original = response_record(w, f"{SITE}/a.shtml", PAGE)
        date["original"] = original.rec_headers.get_header("WARC-Date")
        return [
            original,
            revisit(
                w,
                f"{SITE}/b.shtml",
                digest="sha1:UNKNOWN",
                refers_to=f"{SITE}/a.shtml",
                date=date["original"],
            ),
            revisit(
                w,
                f"{SITE}/c.shtml",
                digest="sha1:UNKNOWN",
                refers_to=f"{SITE}/a.shtml",
                date="1999-01-01T00:00:00Z",
            ),
        ]

    write_records(path, build)
    with WarcArchive([path]) as archive:
        assert archive.get(f"{SITE}/b.shtml").body == PAGE
        assert archive.get(f"{SITE}/c.shtml") is None  # refers to a capture not in the file
        assert (archive.revisits, archive.revisits_unresolved) == (1, 1)


def test_server_not_modified_revisit_answers_with_the_response_it_refers_to(tmp_path):
    """The URL's last record is a 304 standing for its first capture, not its second."""
    path = tmp_path / "a.warc.gz"

    def build(w):
        first = response_record(w, f"{SITE}/xznews/", PAGE, headers=[("Content-Type", "text/html")])
        first.rec_headers.replace_header("WARC-Date", "2026-11-01T00:00:00Z")
        second = response_record(w, f"{SITE}/xznews/", b"changed")
        second.rec_headers.replace_header("WARC-Date", "2026-11-02T00:00:00Z")
        not_modified = revisit(
            w,
            f"{SITE}/xznews/",
            digest="sha1:UNKNOWN",
            refers_to=f"{SITE}/xznews/",
            date="2026-11-01T00:00:00Z",
            status="304 Not Modified",
            profile=NOT_MODIFIED,
            headers=[("ETag", '"1"')],
        )
        return [first, second, not_modified]

    write_records(path, build)
    with WarcArchive([path]) as archive:
        found = archive.get(f"{SITE}/xznews/")
    assert (found.status, found.body, found.headers) == (200, PAGE, [(b"Content-Type", b"text/html")])


def test_revisit_without_its_response_is_left_out_with_one_warning(tmp_path, caplog):
    path = tmp_path / "a.warc.gz"
    write_records(
        path,
        lambda w: [
            response_record(w, f"{SITE}/a.shtml", b"old a"),
            revisit(
                w,
                f"{SITE}/a.shtml",
                digest="sha1:GONE",
                refers_to=f"{SITE}/z.shtml",
                date="2020-01-01T00:00:00Z",
            ),
            revisit(
                w,
                f"{SITE}/b.shtml",
                digest="sha1:GONE",
                refers_to=f"{SITE}/z.shtml",
                date="2020-01-01T00:00:00Z",
            ),
        ],
    )
    with caplog.at_level(logging.WARNING), WarcArchive([path]) as archive:
        assert archive.get(f"{SITE}/a.shtml").body == b"old a"  # the response before it still answers
        assert archive.get(f"{SITE}/b.shtml") is None
        assert archive.revisits_unresolved == 2
    assert [r.getMessage() for r in caplog.records if "revisit" in r.getMessage()] == [
        (
            f"{path}: 2 revisit record(s) refer to a response that is not in the archive (or have a profile "
            "other than identical-payload-digest and server-not-modified): left out"
        )
    ]


def test_revisits_take_their_turn_among_later_records(tmp_path):
    """The last record of a URL answers, whether a response or a revisit, across files."""
    first, second = tmp_path / "1.warc.gz", tmp_path / "2.warc.gz"
    write_records(
        first,
        lambda w: [
            response_record(w, f"{SITE}/a", b"a1"),
            response_record(w, f"{SITE}/b", b"b1"),
            revisit(w, f"{SITE}/a", digest=_sha1_base32(b"b2"), refers_to=f"{SITE}/b", date=""),
            revisit(w, f"{SITE}/c", digest=_sha1_base32(b"a1"), refers_to=f"{SITE}/a", date=""),
        ],
    )
    # The response with b2's payload comes later, in another file.
    write_records(
        second, lambda w: [response_record(w, f"{SITE}/b", b"b2"), response_record(w, f"{SITE}/c", b"c2")]
    )
    with WarcArchive([first, second]) as archive:
        assert archive.get(f"{SITE}/a").body == b"b2"  # its revisit, resolved by payload in the later file
        assert archive.get(f"{SITE}/b").body == b"b2"
        assert archive.get(f"{SITE}/c").body == b"c2"  # the later response wins over the revisit
        assert (archive.records, archive.revisits) == (4, 2)
