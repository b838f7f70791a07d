"""Downloader middlewares that replay a crawl from WARC files and record one into a WARC.

Where they go in ``DOWNLOADER_MIDDLEWARES`` (see the class docstrings)::

    "crawler.warc.middlewares.WarcRecorderMiddleware": 950,
    "crawler.warc.middlewares.ReplayMiddleware": 960,

Both sit on the downloader side of every built-in middleware (the highest,
``HttpCacheMiddleware``, is at 900).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urldefrag

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler.stopping import stop_crawl
from crawler.warc.archive import DEFAULT_MAX_MEMBER_SIZE, ArchiveError, WarcArchive
from crawler.warc.records import ORIGINAL_HEADER_PREFIX, Exchange, RecordSerializer, new_record_id
from crawler.warc.writer import (
    DEFAULT_COMPRESSION_LEVEL,
    WarcFileWriter,
    WarcWriterProcess,
    compression_level,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy.crawler import Crawler
    from scrapy.http import Request
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: What a replayed record may hold beyond DOWNLOAD_MAXSIZE: its WARC and HTTP headers.
REPLAY_HEADER_ALLOWANCE = 1024 * 1024
_HTTP_SCHEMES = ("http://", "https://")
# Meant for the proxy, not the site: never written into the archive (credentials).
_HOP_REQUEST_HEADERS = frozenset({b"proxy-authorization", b"proxy-connection"})
_ORIGINAL_HEADER_PREFIX = ORIGINAL_HEADER_PREFIX.encode("ascii")


def _header_lists(headers: Headers) -> Iterable[tuple[bytes, list[bytes]]]:
    """Return ``headers.items()``: each name with its values, as bytes.

    A ``Headers`` is a dict of the normalised names to their lists of
    values: its own items, read directly, skip a ``getlist`` call per name.
    """
    return dict.items(headers) if type(headers) is Headers else headers.items()


class ReplayMiddleware:
    """Answer every request from WARC files; open no network connection.

    Reads ``REPLAY_ARCHIVE`` (one or more ``.warc`` / ``.warc.gz`` paths,
    comma separated; empty: off) and ``CANONICAL_TRACKING_PARAMS`` (URLs
    are looked up in canonical form).  The files are indexed when the
    crawler is built: a missing, corrupt or truncated file stops the crawl
    before it starts, with an error naming the file and byte offset.

    A recorded response comes back with its status, headers and body (the
    class chosen by ``scrapy.responsetypes``), the request's URL less its
    fragment (as a download's) and the flag ``"replay"``.  The rest of the
    chain treats it as downloaded: ``RedirectMiddleware`` (600) follows a
    recorded 302 + ``Location``, ``HttpCompressionMiddleware`` (590)
    decodes a gzip body.  A URL the archive lacks gets an empty 404
    flagged ``"replay-miss"``.  A record found corrupt when it is read
    closes the spider (reason ``replay_archive_error``).

    Order 960: the last ``process_request`` before the download handler.
    Once one middleware returns a response Scrapy skips the
    ``process_request`` of the higher ones (but runs every
    ``process_response``), so at 960 every built-in middleware prepares
    the request as for a real download (robots.txt check, User-Agent,
    ``DownloaderStats``), and the response goes back through all of them.
    Replayed responses skip the downloader's slots: ``DOWNLOAD_DELAY`` and
    AutoThrottle do not slow them.

    Stats: ``replay/hit``, ``replay/missing``, ``replay/archive_error``.
    """

    MAX_LOGGED_MISSES = 10

    def __init__(self, archive: WarcArchive, crawler: Crawler) -> None:
        self.archive = archive
        self.crawler = crawler
        self.missing = 0
        self._closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        paths = [path.strip() for path in crawler.settings.getlist("REPLAY_ARCHIVE") if path.strip()]
        if not paths:
            raise NotConfigured  # without a message: Scrapy would log "Disabled" at WARNING level
        tracking_params = crawler.settings.getlist("CANONICAL_TRACKING_PARAMS")
        # A replayed body is bounded as a downloaded one is (a record's headers aside).
        max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        try:
            archive = WarcArchive(
                paths,
                tracking_params,
                max_member_size=max_size + REPLAY_HEADER_ALLOWANCE
                if max_size > 0
                else DEFAULT_MAX_MEMBER_SIZE,
            )
        except ArchiveError as exc:
            # Raised from here the crawl never starts and the crawl command exits 70 (EXIT_START_FAILED).
            logger.critical("Cannot replay REPLAY_ARCHIVE: %s", exc)
            raise
        logger.info(
            "Replaying %d recorded URLs (%d of them from revisit records) from %s; "
            "no request goes to the network",
            len(archive),
            archive.revisits,
            ", ".join(paths),
        )
        middleware = cls(archive, crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def process_request(self, request: Request) -> Response | None:
        if not request.url.startswith(_HTTP_SCHEMES):
            return None  # data:, file:: no network either
        try:
            recorded = self.archive.get(request.url)
        except ArchiveError as exc:
            self._archive_error(request, exc)
            raise IgnoreRequest(str(exc)) from exc
        # The URL a download gets: the request's, less the fragment (as Scrapy's HTTP handler).
        url = urldefrag(request.url)[0]
        if recorded is None:
            return self._miss(request, url)
        self.stats.inc_value("replay/hit")
        headers = Headers(recorded.headers)
        # The archive does not index by method: a HEAD gets the GET's headers, no body.
        body = b"" if request.method == "HEAD" else recorded.body
        respcls = responsetypes.from_args(headers=headers, url=url, body=body)
        return respcls(
            url=url,
            status=recorded.status,
            headers=headers,
            body=body,
            flags=["replay"],
            request=request,
            protocol="HTTP/1.1",
        )

    def _miss(self, request: Request, url: str) -> Response:
        self.missing += 1
        self.stats.inc_value("replay/missing")
        if self.missing <= self.MAX_LOGGED_MISSES:
            logger.warning("Not in the replay archive, answered 404: %s", request.url)
            if self.missing == self.MAX_LOGGED_MISSES:
                logger.warning("Replay: no more URLs missing from the archive will be shown")
        return Response(url=url, status=404, flags=["replay-miss"], request=request)

    def _archive_error(self, request: Request, exc: ArchiveError) -> None:
        self.stats.inc_value("replay/archive_error")
        logger.error("Replay archive unreadable for %s: %s", request.url, exc)
        if not self._closing:
            self._closing = stop_crawl(self.crawler, "replay_archive_error")

    def spider_closed(self) -> None:
        if self.missing:
            logger.warning("Replay: %d requested URLs were not in the archive (answered 404)", self.missing)
        self.archive.close()


class WarcRecorderMiddleware:
    """Record every downloaded response, with its request, into a gzip WARC.

    Reads ``WARC_OUTPUT`` (the ``.warc.gz`` path to write, replaced if it
    exists; empty: off).  Writes a ``warcinfo`` record, then per response a
    ``request`` record (method, request line, ``Host`` and the headers
    sent, less ``Proxy-Authorization``, body) and a ``response`` record (target URI, the time of the
    fetch, status line, headers, and the body as received: before any
    decompression, de-chunked).  ``Transfer-Encoding`` is kept as
    ``X-Archive-Orig-Transfer-Encoding`` with a ``Content-Length`` of the
    stored body.  Each record is one gzip member; a request and its response
    are handed to the writer together and flushed together, so a crash keeps
    every complete record; the file is closed at ``spider_closed``.  With
    ``WARC_WRITER_PROCESS`` (the default) a child process compresses and
    writes them (``crawler.warc.writer``), and builds them too: the crawl
    hands over each download (``Exchange``) and computes no digest.
    Replayed (``"replay"``, ``"replay-miss"``) and cached (``"cached"``)
    responses are not downloads and are not recorded.  A file that cannot be
    written (a full disk) stops the crawl (finish reason ``warc_error``).

    Order 950: above ``RedirectMiddleware`` (600), which turns a 3xx into a
    new request before lower middlewares see it; above
    ``HttpCompressionMiddleware`` (590), which decodes the body; above
    ``HttpCacheMiddleware`` (900), so that a revalidation (304) is recorded
    as downloaded, before the cache swaps in its stored copy.

    Stats: ``warc/records_written`` (request and response records),
    ``warc/bytes_written`` (the file's size, set when it is closed),
    ``warc/write_error``.
    """

    SKIPPED_FLAGS = frozenset({"replay", "replay-miss", "cached"})

    def __init__(
        self, path: str, crawler: Crawler, level: int = DEFAULT_COMPRESSION_LEVEL, in_child: bool = False
    ) -> None:
        self.path = path
        self.crawler = crawler
        self.level = level
        self.in_child = in_child
        self.serializer = RecordSerializer()
        self.warcinfo_id = ""
        self._writer: WarcFileWriter | WarcWriterProcess | None = None
        self._write_error: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("WARC_OUTPUT")
        if not path:
            raise NotConfigured  # without a message: Scrapy would log "Disabled" at WARNING level
        try:
            level = compression_level(
                crawler.settings.get("WARC_COMPRESSION_LEVEL", DEFAULT_COMPRESSION_LEVEL)
            )
        except ValueError as exc:
            raise ValueError(f"WARC_COMPRESSION_LEVEL: {exc}") from None
        middleware = cls(str(path), crawler, level, crawler.settings.getbool("WARC_WRITER_PROCESS"))
        middleware.open()
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def open(self) -> None:
        """Create the WARC file and write its ``warcinfo`` record."""
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Closed at spider_closed.
        self._writer = (
            WarcWriterProcess(path, self.level) if self.in_child else WarcFileWriter(path, self.level)
        )
        info = {
            "software": "xiuzhou-crawler (Scrapy) crawler.warc.middlewares.WarcRecorderMiddleware",
            "format": "WARC File Format 1.0",
            "http-header-user-agent": self.crawler.settings.get("USER_AGENT"),
            "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        }
        record = self.serializer.create_warcinfo_record(path.name, info)
        self.warcinfo_id = record.rec_headers.get_header("WARC-Record-ID")
        # Not caught as in record(): an archive that cannot take its first record stops the crawl
        # before it starts (the in-process writer fails here; the child at a later hand-over).
        assert self._writer is not None
        self._writer.write([self.serializer.record_bytes(record)])
        logger.info("Recording downloaded responses into %s", self.path)

    def _failed(self, exc: OSError) -> None:
        """The archive cannot be written (a full disk): say so once, stop the crawl, mark it unhealthy.

        The file keeps the whole records written before the failure; the crawl
        stops rather than fetch pages it cannot archive.
        """
        writer, self._writer = self._writer, None
        self._say_write_error(exc, "; stopping the crawl")
        if writer is not None:
            with contextlib.suppress(OSError):  # the same failure again
                self.stats.set_value("warc/bytes_written", writer.close())
        stop_crawl(self.crawler, "warc_error")

    def _say_write_error(self, exc: OSError, then: str = "") -> None:
        """Log and publish (``warc/write_error``) the first failure to write the archive."""
        if self._write_error is None:
            self._write_error = f"Cannot write {self.path}: {exc}"
            logger.error("%s%s", self._write_error, then)
            self.stats.set_value("warc/write_error", self._write_error)

    def process_response(self, request: Request, response: Response) -> Response:
        if (
            self._writer is None
            or self.SKIPPED_FLAGS.intersection(response.flags)
            or not response.url.startswith(_HTTP_SCHEMES)
        ):
            return response
        self.record(request, response)
        return response

    def record(self, request: Request, response: Response) -> None:
        """Hand the writer one download: it builds the request and response records."""
        assert self._writer is not None
        response_id = new_record_id()  # drawn first, as warcio would
        exchange = Exchange(
            url=response.url,
            date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            warcinfo_id=self.warcinfo_id,
            request_id=new_record_id(),
            response_id=response_id,
            ip_address=None if response.ip_address is None else str(response.ip_address),
            truncated="dataloss" in response.flags,
            method=request.method,
            request_headers=[
                (name, value)
                for name, values in _header_lists(request.headers)
                if name.lower() not in _HOP_REQUEST_HEADERS
                for value in values
            ],
            request_body=request.body,
            status=response.status,
            protocol=response.protocol or "HTTP/1.1",
            response_headers=self._response_headers(response),
            body=response.body,
        )
        try:
            # One hand-over for the pair: a crash still leaves whole records.
            self._writer.write_exchange(exchange)
        except OSError as exc:
            self._failed(exc)
            return
        self.stats.inc_value("warc/records_written", 2)

    @staticmethod
    def _response_headers(response: Response) -> list[tuple[bytes, bytes]]:
        """The response's header lines as bytes, ``Transfer-Encoding`` kept under another name."""
        headers: list[tuple[bytes, bytes]] = []
        dechunked = False
        for name, values in _header_lists(response.headers):
            if name.lower() == b"transfer-encoding":
                # The body is stored de-chunked: keep the fact, not the framing.
                headers += ((_ORIGINAL_HEADER_PREFIX + name, value) for value in values)
                dechunked = dechunked or bool(values)
            else:
                headers += ((name, value) for value in values)
        if dechunked:
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"Content-Length", str(len(response.body)).encode("ascii")))
        return headers

    def spider_closed(self, **kwargs: Any) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            self.stats.set_value("warc/bytes_written", writer.close())
        except OSError as exc:  # the child failed on the last records it was handed
            self._say_write_error(exc)
            return
        logger.info(
            "Recorded %d WARC records into %s", self.stats.get_value("warc/records_written", 0), self.path
        )
