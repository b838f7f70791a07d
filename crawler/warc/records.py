"""Building blocks shared by the WARC packer and the WARC recorder.

Both write gzip WARC files one gzip member per record (what ``warcio``
and every replay tool need to seek to a record), with a gzip header of
fixed bytes (no file name, mtime 0) so that the same records always give
the same file.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from http import HTTPStatus
from io import BytesIO
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

if TYPE_CHECKING:
    from collections.abc import Iterable

    from warcio.recordloader import ArcWarcRecord

# Magic, deflate, no flags, mtime 0, maximum compression, OS "unknown":
# the same 10 bytes whatever machine or Python writes the file.
_GZIP_HEADER = b"\x1f\x8b\x08\x00" + struct.pack("<I", 0) + b"\x02\xff"

# Record ids derived from the content, not drawn at random (pack determinism).
_RECORD_ID_NAMESPACE = uuid.UUID("5d0b8f53-3e0c-5b52-9a3e-6a1f1b0f6c11")

# Kept in the record under this name when the stored body is not in the
# wire form any more (``X-Archive-Orig-`` is the pywb/OpenWayback convention).
ORIGINAL_HEADER_PREFIX = "X-Archive-Orig-"


class RawHeaders(StatusAndHeaders):
    """HTTP status line and headers written back byte for byte.

    warcio percent-encodes header values that are not ASCII; a recorded
    ``Location`` in GBK must come back as the same bytes, so the values
    are carried as latin-1 strings (one character per byte) and written
    as latin-1.
    """

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1") + b"\r\n"


def latin1(value: bytes | str) -> str:
    """Return header bytes as a latin-1 string (lossless), a ``str`` unchanged."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def reason_phrase(status: int) -> str:
    """Return the standard reason phrase of an HTTP status code.

    >>> reason_phrase(302)
    'Found'
    >>> reason_phrase(599)
    'Unknown'
    """
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


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


def gzip_member(data: bytes) -> bytes:
    """Compress ``data`` into one gzip member with a fixed header.

    The deflate window is no larger than ``data`` (9 to 15 bits): a record
    cannot refer back further than its own start, and setting up zlib's full
    32 KB window cost more than compressing a request record (58 against 19
    us), a fifth more for a page.  Every inflater reads any window size.
    """
    window_bits = min(zlib.MAX_WBITS, max(9, len(data).bit_length()))
    deflated = zlib.compress(data, 9, wbits=-window_bits)
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return _GZIP_HEADER + deflated + trailer


class RecordSerializer(WARCWriter):
    """Turns warcio records into bytes: one gzip member per record.

    warcio computes the Content-Length, WARC-Block-Digest and
    WARC-Payload-Digest headers; the compression is ours
    (:func:`gzip_member`) so that the output does not depend on the time.
    """

    def __init__(self) -> None:
        self._buffer = BytesIO()
        super().__init__(self._buffer, gzip=False)

    def to_bytes(self, record: ArcWarcRecord) -> bytes:
        """Return ``record`` as a gzip member."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self.write_record(record)
        return gzip_member(self._buffer.getvalue())

    def request_record(
        self,
        url: str,
        warc_headers: dict[str, str],
        method: str = "GET",
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> ArcWarcRecord:
        """Build a ``request`` record: request line, ``Host`` first, then ``headers``."""
        host, target = request_target(url)
        http_headers = RawHeaders(
            f"{target} HTTP/1.1",
            [("Host", host), *((k, v) for k, v in headers if k.lower() != "host")],
            protocol=method,
        )
        return self.create_warc_record(
            url,
            "request",
            payload=BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Type": "request", **warc_headers},
        )

    def response_record(
        self,
        url: str,
        warc_headers: dict[str, str],
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        protocol: str = "HTTP/1.1",
    ) -> ArcWarcRecord:
        """Build a ``response`` record: status line, ``headers`` as given, ``body``."""
        http_headers = RawHeaders(f"{status} {reason_phrase(status)}", list(headers), protocol=protocol)
        return self.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Type": "response", **warc_headers},
        )
