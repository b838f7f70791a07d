"""Building blocks shared by the WARC packer and the WARC recorder.

Both write gzip WARC files one gzip member per record (what ``warcio``
and every replay tool need to seek to a record), with a gzip header of
fixed bytes (no file name, mtime 0) so that the same records always give
the same file.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from warcio.warcwriter import WARCWriter

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from warcio.recordloader import ArcWarcRecord

_WARC_VERSION = "WARC/1.0"
_REASONS = {status.value: status.phrase for status in HTTPStatus}

# Record ids derived from the content, not drawn at random (pack determinism).
_RECORD_ID_NAMESPACE = uuid.UUID("5d0b8f53-3e0c-5b52-9a3e-6a1f1b0f6c11")

# Kept in the record under this name when the stored body is not in the
# wire form any more (``X-Archive-Orig-`` is the pywb/OpenWayback convention).
ORIGINAL_HEADER_PREFIX = "X-Archive-Orig-"


def reason_phrase(status: int) -> str:
    """Return the standard reason phrase of an HTTP status code.

    >>> reason_phrase(302)
    'Found'
    >>> reason_phrase(599)
    'Unknown'
    """
    return _REASONS.get(status, "Unknown")


def record_id(*parts: str) -> str:
    """Return a WARC-Record-ID derived from ``parts`` (same parts, same id).

    >>> record_id("response", "http://a.example/") == record_id("response", "http://a.example/")
    True
    """
    return f"<urn:uuid:{uuid.uuid5(_RECORD_ID_NAMESPACE, ' '.join(parts))}>"


def request_target(url: str) -> tuple[str, str]:
    """Return the ``(host, path?query)`` an HTTP/1.1 request line for ``url`` uses.

    >>> request_target("http://jxxznews.zjol.com.cn/xznews/a.shtml?p=1#x")
    ('jxxznews.zjol.com.cn', '/xznews/a.shtml?p=1')
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.netloc, path


def new_record_id() -> str:
    """Return a random WARC-Record-ID, as warcio makes them (``<urn:uuid:`` uuid4 ``>``)."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def sha1_digest(*parts: bytes) -> str:
    """Return the WARC digest (``sha1:`` and base 32) of ``parts`` joined.

    >>> sha1_digest(b"")
    'sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ'
    """
    digester = hashlib.sha1()  # the digest WARC readers check, not a security one
    for part in parts:
        digester.update(part)
    return "sha1:" + base64.b32encode(digester.digest()).decode("ascii")


_EMPTY_DIGEST = sha1_digest(b"")  # the payload digest of most request records


def request_head(url: str, method: str, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    r"""Return the head of an HTTP request: request line, ``Host``, ``headers`` (less any ``Host``), CRLF.

    >>> request_head("http://a.example/x?y=1", "GET", [(b"Host", b"b"), (b"Accept", b"*/*")])
    b'GET /x?y=1 HTTP/1.1\r\nHost: a.example\r\nAccept: */*\r\n\r\n'
    """
    host, target = request_target(url)
    parts = [f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n".encode("latin-1")]
    for name, value in headers:
        if name.lower() != b"host":
            parts += (name, b": ", value, b"\r\n")
    parts.append(b"\r\n")
    return b"".join(parts)


def response_head(status: int, headers: Iterable[tuple[bytes, bytes]], protocol: str = "HTTP/1.1") -> bytes:
    r"""Return the head of an HTTP response: status line, ``headers`` byte for byte, CRLF.

    >>> response_head(302, [(b"Location", b"/\xd0\xe3")])
    b'HTTP/1.1 302 Found\r\nLocation: /\xd0\xe3\r\n\r\n'
    """
    parts = [f"{protocol} {status} {reason_phrase(status)}\r\n".encode("latin-1")]
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
    parts.append(b"\r\n")
    return b"".join(parts)


def http_record(
    record_type: str, url: str, warc_headers: Mapping[str, str], head: bytes, body: bytes
) -> bytes:
    """Return the WARC record (not compressed) of the HTTP message ``head`` + ``body``.

    The bytes warcio's ``WARCWriter`` writes for the same record, built
    without it: warcio's record builder (header lists searched for each
    header set, digests through stream copies, latin-1 decoded headers)
    cost the recorder 0.117 ms CPU a page besides zlib, this 0.075 ms
    (400 article pages of 13 KB).  The WARC headers are ``WARC-Type``, ``warc_headers`` in their
    order, a random ``WARC-Record-ID`` and the time as ``WARC-Date`` unless
    given, ``WARC-Target-URI``, ``WARC-Payload-Digest`` (of ``body``),
    ``WARC-Block-Digest`` (of ``head`` + ``body``), ``Content-Type``
    (``application/http; msgtype=`` the type) and ``Content-Length``.
    Names in ``warc_headers`` are spelled as here (warcio matches them in
    any case); they must not include the digests or the length.
    """
    fields = {"WARC-Type": record_type, **warc_headers}
    fields["WARC-Type"] = record_type
    if "WARC-Record-ID" not in fields:
        fields["WARC-Record-ID"] = new_record_id()
    if url:
        fields["WARC-Target-URI"] = url
    if "WARC-Date" not in fields:
        fields["WARC-Date"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields["WARC-Payload-Digest"] = sha1_digest(body) if body else _EMPTY_DIGEST
    fields["WARC-Block-Digest"] = sha1_digest(head, body)
    fields["Content-Type"] = fields.get("Content-Type") or f"application/http; msgtype={record_type}"
    fields["Content-Length"] = str(len(head) + len(body))
    warc_head = "".join([f"{_WARC_VERSION}\r\n", *(f"{k}: {v}\r\n" for k, v in fields.items()), "\r\n"])
    return b"".join((warc_head.encode("utf-8"), head, body, b"\r\n\r\n"))


class Exchange(NamedTuple):
    """One download, as the recorder hands it to a writer: what its request
    and response records are built from (:func:`exchange_records`)."""

    url: str
    date: str  #: the time of the fetch, as ``WARC-Date``
    warcinfo_id: str
    request_id: str  #: ``WARC-Record-ID`` of the request record
    response_id: str  #: ``WARC-Record-ID`` of the response record
    ip_address: str | None
    truncated: bool  #: the body was cut short (``WARC-Truncated: disconnect``)
    method: str
    request_headers: list[tuple[bytes, bytes]]  #: those sent (a ``Host`` among them is written as the URL's)
    request_body: bytes
    status: int
    protocol: str
    response_headers: list[tuple[bytes, bytes]]  #: as they go into the record
    body: bytes


def exchange_records(exchange: Exchange) -> list[bytes]:
    """The ``request`` and ``response`` records of one download, in that order.

    Their digests (SHA-1 of the body and of the whole HTTP message) are most of
    the work: a writer in a child process builds them there, off the crawl's
    core (``crawler.warc.writer``).
    """
    warc_headers = {"WARC-Date": exchange.date, "WARC-Warcinfo-ID": exchange.warcinfo_id}
    if exchange.ip_address is not None:
        warc_headers["WARC-IP-Address"] = exchange.ip_address
    response_warc_headers = dict(warc_headers)
    if exchange.truncated:
        response_warc_headers["WARC-Truncated"] = "disconnect"
    # Given last, the record id sits where warcio puts the one it draws.
    response_warc_headers["WARC-Record-ID"] = exchange.response_id
    response_record = RecordSerializer.response_record(
        exchange.url,
        response_warc_headers,
        exchange.status,
        exchange.response_headers,
        exchange.body,
        protocol=exchange.protocol,
    )
    request_record = RecordSerializer.request_record(
        exchange.url,
        {**warc_headers, "WARC-Concurrent-To": exchange.response_id, "WARC-Record-ID": exchange.request_id},
        method=exchange.method,
        headers=exchange.request_headers,
        body=exchange.request_body,
    )
    return [request_record, response_record]


class RecordSerializer(WARCWriter):
    """Turns records into bytes, not compressed: the writers compress each one
    into its gzip member (``crawler.warc.writer``).

    ``request_record`` and ``response_record`` build the records themselves
    (:func:`http_record`); a ``warcinfo`` record is built with warcio
    (``create_warcinfo_record``, which computes its digest and length) and
    turned into bytes by ``record_bytes``.
    """

    def __init__(self) -> None:
        self._buffer = BytesIO()
        super().__init__(self._buffer, gzip=False)

    def record_bytes(self, record: ArcWarcRecord) -> bytes:
        """Return the warcio ``record`` as bytes."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self.write_record(record)
        return self._buffer.getvalue()

    @staticmethod
    def request_record(
        url: str,
        warc_headers: Mapping[str, str],
        method: str = "GET",
        headers: Iterable[tuple[bytes, bytes]] = (),
        body: bytes = b"",
    ) -> bytes:
        """Return a ``request`` record: request line, ``Host`` first, then ``headers``."""
        return http_record("request", url, warc_headers, request_head(url, method, headers), body)

    @staticmethod
    def response_record(
        url: str,
        warc_headers: Mapping[str, str],
        status: int,
        headers: Iterable[tuple[bytes, bytes]],
        body: bytes,
        protocol: str = "HTTP/1.1",
    ) -> bytes:
        """Return a ``response`` record: status line, ``headers`` as given, ``body``."""
        return http_record("response", url, warc_headers, response_head(status, headers, protocol), body)
