"""Tests of crawler.warc.records: request and response records built without warcio's writer.

The records must be the bytes warcio's ``WARCWriter`` writes for the same
record (the serialisation the recorder and the packer used before), and
read back whole, digests checked, with warcio.
"""

from __future__ import annotations

from io import BytesIO

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.warc import records
from crawler.warc.records import RecordSerializer, reason_phrase, request_target
from crawler.warc.writer import gzip_member

URL = "http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml?p=1"
WARCINFO_ID = "<urn:uuid:7f0e8f54-3e0c-4b52-9a3e-6a1f1b0f6c11>"
PAGE = "<html><head><title>秀洲新闻网</title></head><body>朱镕基 陶喆</body></html>".encode("gbk") * 40


class RawHeaders(StatusAndHeaders):
    """warcio's headers, written as latin-1 bytes (what records.py used to give warcio)."""

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1") + b"\r\n"


def text(pairs: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in pairs]


def warcio_request(url, warc_headers, method="GET", headers=(), body=b""):
    """The request record as warcio's WARCWriter writes it (not compressed)."""
    host, target = request_target(url)
    http_headers = RawHeaders(
        f"{target} HTTP/1.1",
        [("Host", host), *((k, v) for k, v in text(list(headers)) if k.lower() != "host")],
        protocol=method,
    )
    return _warcio_bytes(url, "request", warc_headers, http_headers, body)


def warcio_response(url, warc_headers, status, headers, body, protocol="HTTP/1.1"):
    """The response record as warcio's WARCWriter writes it (not compressed)."""
    http_headers = RawHeaders(f"{status} {reason_phrase(status)}", text(list(headers)), protocol=protocol)
    return _warcio_bytes(url, "response", warc_headers, http_headers, body)


def _warcio_bytes(url, record_type, warc_headers, http_headers, body):
    out = BytesIO()
    writer = WARCWriter(out, gzip=False)
    record = writer.create_warc_record(
        url,
        record_type,
        payload=BytesIO(body),
        length=len(body),
        http_headers=http_headers,
        warc_headers_dict={"WARC-Type": record_type, **warc_headers},
    )
    writer.write_record(record)
    return out.getvalue()


def read_back(data: bytes) -> list[tuple[list[tuple[str, str]], str, str, list[tuple[str, str]], bytes]]:
    """Every record of ``data`` read whole with warcio, digests checked."""
    found = []
    for record in ArchiveIterator(BytesIO(data), check_digests="raise"):
        body = record.raw_stream.read()
        assert record.digest_checker.passed is True
        http = record.http_headers
        found.append((record.rec_headers.headers, http.protocol, http.statusline, http.headers, body))
    return found


RESPONSES = [
    pytest.param(
        200, [(b"Content-Type", b"text/html"), (b"Content-Length", b"%d" % len(PAGE))], PAGE, id="page"
    ),
    pytest.param(
        302, [(b"Location", "http://jxxznews.zjol.com.cn/秀洲.shtml".encode("gbk"))], b"", id="gbk-location"
    ),
    pytest.param(
        599, [(b"X-Archive-Orig-Transfer-Encoding", b"chunked")], b"x" * 70000, id="unknown-status-large"
    ),
    pytest.param(404, [], b"", id="no-headers"),
]
WARC_HEADERS = [
    pytest.param({"WARC-Date": "2025-11-29T09:42:00Z", "WARC-Warcinfo-ID": WARCINFO_ID}, id="recorder"),
    pytest.param(
        {
            "WARC-Date": "2025-11-29T09:42:00Z",
            "WARC-Warcinfo-ID": WARCINFO_ID,
            "WARC-IP-Address": "127.0.0.1",
            "WARC-Truncated": "disconnect",
        },
        id="recorder-ip-dataloss",
    ),
    pytest.param({"WARC-Date": "2019-07-15T08:00:00Z"}, id="pack"),
]


@pytest.mark.parametrize("warc_headers", WARC_HEADERS)
@pytest.mark.parametrize(("status", "headers", "body"), RESPONSES)
def test_response_record_is_what_warcio_writes(warc_headers, status, headers, body):
    given = {**warc_headers, "WARC-Record-ID": records.new_record_id()}
    record = RecordSerializer().response_record(URL, given, status, headers, body, protocol="HTTP/1.0")
    assert record == warcio_response(URL, given, status, headers, body, protocol="HTTP/1.0")


@pytest.mark.parametrize("warc_headers", WARC_HEADERS)
@pytest.mark.parametrize(
    ("method", "headers", "body"),
    [
        pytest.param("GET", [], b"", id="bare"),
        pytest.param(
            "GET",
            [
                (b"Accept", b"text/html"),
                (b"Host", b"elsewhere"),
                (b"User-Agent", b"test-agent"),
                (b"Cookie", b"a=1"),
            ],
            b"",
            id="headers-host-replaced",
        ),
        pytest.param(
            "POST", [(b"Content-Type", b"application/x-www-form-urlencoded")], b"q=%D0%E3", id="post"
        ),
    ],
)
def test_request_record_is_what_warcio_writes(warc_headers, method, headers, body):
    given = {**warc_headers, "WARC-Concurrent-To": WARCINFO_ID, "WARC-Record-ID": records.new_record_id()}
    record = RecordSerializer().request_record(URL, given, method, headers, body)
    assert record == warcio_request(URL, given, method, headers, body)


@pytest.mark.parametrize(
    ("ip_address", "truncated"), [(None, False), ("127.0.0.1", False), ("127.0.0.1", True)]
)
def test_an_exchange_gives_the_request_and_response_records_warcio_writes(ip_address, truncated):
    request_id, response_id = records.new_record_id(), records.new_record_id()
    request_headers = [(b"User-Agent", b"test-agent"), (b"Accept", b"text/html")]
    response_headers = [(b"Content-Type", b"text/html"), (b"Content-Length", b"%d" % len(PAGE))]
    exchange = records.Exchange(
        url=URL,
        date="2025-11-29T09:42:00Z",
        warcinfo_id=WARCINFO_ID,
        request_id=request_id,
        response_id=response_id,
        ip_address=ip_address,
        truncated=truncated,
        method="GET",
        request_headers=request_headers,
        request_body=b"",
        status=200,
        protocol="HTTP/1.0",
        response_headers=response_headers,
        body=PAGE,
    )
    common = {"WARC-Date": "2025-11-29T09:42:00Z", "WARC-Warcinfo-ID": WARCINFO_ID}
    if ip_address:
        common["WARC-IP-Address"] = ip_address
    response_warc = {**common, **({"WARC-Truncated": "disconnect"} if truncated else {})}
    assert records.exchange_records(exchange) == [
        warcio_request(
            URL,
            {**common, "WARC-Concurrent-To": response_id, "WARC-Record-ID": request_id},
            "GET",
            request_headers,
            b"",
        ),
        warcio_response(
            URL,
            {**response_warc, "WARC-Record-ID": response_id},
            200,
            response_headers,
            PAGE,
            protocol="HTTP/1.0",
        ),
    ]


def test_drawn_record_id_and_date_sit_where_warcio_puts_them(monkeypatch):
    """Without ``WARC-Record-ID`` or ``WARC-Date`` the record draws them, in warcio's places."""
    record_id = "<urn:uuid:00000000-0000-4000-8000-000000000000>"
    monkeypatch.setattr(records, "new_record_id", lambda: record_id)
    monkeypatch.setattr(RecordBuilder, "_make_warc_id", classmethod(lambda cls: record_id))
    serializer = RecordSerializer()
    built = serializer.response_record(URL, {"WARC-IP-Address": "10.0.0.1"}, 200, [], b"x")
    expected = warcio_response(URL, {"WARC-IP-Address": "10.0.0.1"}, 200, [], b"x")
    # The same record but for the time of day it was written.
    date = [line for line in built.split(b"\r\n") if line.startswith(b"WARC-Date: ")]
    assert len(date) == 1
    expected_date = [line for line in expected.split(b"\r\n") if line.startswith(b"WARC-Date: ")]
    assert built.replace(date[0], expected_date[0]) == expected


def test_records_read_back_whole_with_warcio():
    serializer = RecordSerializer()
    response_id = records.new_record_id()
    headers = [(b"Content-Type", b"text/html"), (b"Location", "/秀洲".encode("gbk"))]
    response = serializer.response_record(
        URL, {"WARC-Date": "2025-11-29T09:42:00Z", "WARC-Record-ID": response_id}, 200, headers, PAGE
    )
    request_id = records.new_record_id()
    request = serializer.request_record(
        URL,
        {
            "WARC-Date": "2025-11-29T09:42:00Z",
            "WARC-Concurrent-To": response_id,
            "WARC-Record-ID": request_id,
        },
        headers=[(b"Accept", b"*/*")],
    )
    request_head = (
        b"GET /xznews/system/2010/12/29/013095123.shtml?p=1 HTTP/1.1\r\nHost: jxxznews.zjol.com.cn\r\n"
    )
    request_head += b"Accept: */*\r\n\r\n"
    # As the writers store them: one gzip member per record.
    assert read_back(gzip_member(request) + gzip_member(response)) == [
        (
            [
                ("WARC-Type", "request"),
                ("WARC-Date", "2025-11-29T09:42:00Z"),
                ("WARC-Concurrent-To", response_id),
                ("WARC-Record-ID", request_id),
                ("WARC-Target-URI", URL),
                ("WARC-Payload-Digest", "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"),
                ("WARC-Block-Digest", records.sha1_digest(request_head)),
                ("Content-Type", "application/http; msgtype=request"),
                ("Content-Length", str(len(request_head))),
            ],
            "GET",
            "/xznews/system/2010/12/29/013095123.shtml?p=1 HTTP/1.1",
            [("Host", "jxxznews.zjol.com.cn"), ("Accept", "*/*")],
            b"",
        ),
        (
            [
                ("WARC-Type", "response"),
                ("WARC-Date", "2025-11-29T09:42:00Z"),
                ("WARC-Record-ID", response_id),
                ("WARC-Target-URI", URL),
                ("WARC-Payload-Digest", records.sha1_digest(PAGE)),
                ("WARC-Block-Digest", records.sha1_digest(records.response_head(200, headers), PAGE)),
                ("Content-Type", "application/http; msgtype=response"),
                ("Content-Length", str(len(records.response_head(200, headers)) + len(PAGE))),
            ],
            "HTTP/1.1",
            "200 OK",
            [("Content-Type", "text/html"), ("Location", "/秀洲".encode("gbk").decode("latin-1"))],
            PAGE,
        ),
    ]
