"""A fault-injecting HTTP proxy on 127.0.0.1 that answers from a WARC, and logs every request.

    python -m tests.servers.fault_proxy --warc build/snapshot.warc.gz \\
        [--rate 0.1] [--seed 1] [--faults 503,reset,...] [--max-faults-per-url 2] \\
        [--stall-seconds 5] [--maxsize 1048576] [--always-fail URL] [--traps] [--log FILE] [--port 0]

Like ``tests.servers.snapshot_proxy`` it answers proxied requests
(``GET http://jxxznews.zjol.com.cn/xznews/ HTTP/1.1``) with the recorded
response of that URL, or a 404.  On top of that:

- a share ``--rate`` of the requests is answered with a fault instead.
  Whether the n-th request for a URL is faulted depends only on
  ``--seed``, the URL and n; a URL is faulted at most
  ``--max-faults-per-url`` times, so a crawler that retries enough gets
  every page.  The faulted requests take the kinds of ``--faults`` in turn,
  so that a run with at least as many faults as kinds sees every kind:

  ``500``, ``503``
      an error status;
  ``reset``
      the connection is reset (RST) before any answer;
  ``stall``
      nothing is sent for ``--stall-seconds`` (past the crawler's
      download timeout), then the connection is closed;
  ``short_body``
      the headers announce the recorded body's length, half of it is sent,
      the connection is closed;
  ``redirect_loop``
      a 302 back to the same URL;
  ``content_type``
      the recorded answer with a wrong ``Content-Type`` (in turn
      ``text/xml``, ``application/octet-stream``, ``text/plain``,
      ``image/jpeg``, ``text/html; charset=utf-8`` on GBK bytes);
  ``oversize``
      a 200 whose announced and sent body is ``--maxsize`` + 1 bytes;
  ``oversize_unannounced``
      the same without ``Content-Length`` (chunked): only counting the
      bytes finds it;
  ``gzip_bomb``
      a ``Content-Encoding: gzip`` body of a few KiB that inflates past
      ``--maxsize``;

- ``--always-fail URL`` answers that URL with a 503 every time,
  ``--fail-first URL`` only the first time (Scrapy retries it with
  ``dont_filter``, which exempts it and its redirects from
  ``OffsiteMiddleware``);
- ``--traps`` generates endless pages under ``/xznews/trap/``: a listing
  whose pager links ever-higher pages (``pager/index_N.shtml``), a
  calendar-like chain of day folders (``rili/YYYYMMDD/`` linking the next
  day), and a page linking itself with a growing query string
  (``loop/index.shtml?…``);
- ``--log FILE`` appends one JSON line per request received
  (``{"url", "attempt", "fault"}``), flushed at once.

It prints ``listening on 127.0.0.1:PORT`` once it accepts connections and
serves until it is killed (by PID).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import hashlib
import json
import logging
import socket
import struct
import sys
import threading
import time
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO
from urllib.parse import urlsplit

from scrapy.settings import Settings

from crawler.warc.archive import ArchiveError, WarcArchive
from tests.servers import serve_until_killed

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator, Sequence

logger = logging.getLogger(__name__)

FAULTS = (
    "500",
    "503",
    "reset",
    "stall",
    "short_body",
    "redirect_loop",
    "content_type",
    "oversize",
    "oversize_unannounced",
    "gzip_bomb",
)
# The last one lies about the charset of the portal's GBK pages.
WRONG_CONTENT_TYPES = (
    "text/xml",
    "application/octet-stream",
    "text/plain",
    "image/jpeg",
    "text/html; charset=utf-8",
)
TRAP_PREFIX = "/xznews/trap/"
# Connection framing is the proxy's own: these recorded headers are not sent.
_NOT_FORWARDED = frozenset({b"transfer-encoding", b"content-length", b"connection", b"keep-alive"})


def roll(seed: int, url: str, attempt: int) -> float:
    """A number in [0, 1) fixed by the seed, the URL and the attempt number."""
    digest = hashlib.sha256(f"{seed}\0{url}\0{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FaultPlan:
    """Which requests are faulted, with which fault; thread-safe."""

    def __init__(
        self,
        rate: float,
        seed: int,
        faults: Sequence[str],
        max_per_url: int,
        always_fail: Sequence[str] = (),
        fail_first: Sequence[str] = (),
    ) -> None:
        self.rate = rate
        self.seed = seed
        self.faults = tuple(faults)
        self.max_per_url = max_per_url
        self.always_fail = frozenset(always_fail)
        self.fail_first = frozenset(fail_first)
        self._lock = threading.Lock()
        self._attempts: dict[str, int] = {}
        self._faulted: dict[str, int] = {}
        self._count = 0

    def next(self, url: str) -> tuple[int, str | None]:
        """(attempt number, fault or None) for a request of ``url``."""
        with self._lock:
            attempt = self._attempts.get(url, 0)
            self._attempts[url] = attempt + 1
            if url in self.always_fail or (url in self.fail_first and attempt == 0):
                return attempt, "503"
            if (
                not self.faults
                or self._faulted.get(url, 0) >= self.max_per_url
                or roll(self.seed, url, attempt) >= self.rate
            ):
                return attempt, None
            self._faulted[url] = self._faulted.get(url, 0) + 1
            fault = self.faults[self._count % len(self.faults)]
            self._count += 1
            return attempt, fault


# -- generated trap pages ------------------------------------------------------------


def _trap_page(title: str, links: Sequence[tuple[str, str]]) -> bytes:
    items = "\n".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    html = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">\n'
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">\n'
        f"<title>{title}_秀洲新闻网</title></head>\n"
        f'<body><div class="list"><h2>{title}</h2><ul>\n{items}\n</ul></div>\n'
        '<a href="/xznews/">首 页</a></body></html>\n'
    )
    return html.encode("gbk")


def trap_page(url: str) -> bytes | None:
    """The generated page of a trap URL, or None when ``url`` is no trap page."""
    parts = urlsplit(url)
    path = parts.path
    if not path.startswith(TRAP_PREFIX):
        return None
    rest = path.removeprefix(TRAP_PREFIX)
    try:
        return _generate(rest, parts.query)
    except ValueError:
        return None  # not a page of the traps: 404


def _generate(rest: str, query: str) -> bytes | None:
    if rest.startswith("pager/"):
        name = rest.removeprefix("pager/")
        number = 0 if name in ("", "index.shtml") else int(name.removeprefix("index_").removesuffix(".shtml"))
        links = [(f"index_{n}.shtml", f"第{n + 1}页") for n in (number + 1, number + 2)]
        return _trap_page(
            f"翻页 第{number + 1}页", [("index.shtml", "首页"), *links, (links[0][0], "下一页")]
        )
    if rest.startswith("rili/"):
        folder = rest.removeprefix("rili/").split("/", 1)[0]
        day = datetime.datetime.strptime(folder, "%Y%m%d").date()
        links = [
            (f"{TRAP_PREFIX}rili/{other:%Y%m%d}/", f"{other:%Y年%m月%d日}")
            for other in (day - datetime.timedelta(days=1), day + datetime.timedelta(days=1))
        ]
        return _trap_page(f"日历 {day:%Y年%m月%d日}", links)
    if rest.startswith("loop/"):
        grown = f"{query}&r={len(query)}" if query else "r=0"
        return _trap_page("循环", [(f"index.shtml?{grown}", "刷新")])
    return None


# -- the proxy ------------------------------------------------------------------------


class FaultProxyHandler(BaseHTTPRequestHandler):
    """Answer proxy requests from the archive, or with the fault the plan picks."""

    protocol_version = "HTTP/1.1"
    archive: ClassVar[WarcArchive]
    plan: ClassVar[FaultPlan]
    traps: ClassVar[bool] = False
    stall_seconds: ClassVar[float] = 5.0
    maxsize: ClassVar[int] = 1024 * 1024
    log_file: ClassVar[TextIO | None] = None
    log_lock: ClassVar[threading.Lock] = threading.Lock()
    _content_types: ClassVar[list[int]] = [0]

    def _target(self) -> str:
        if self.path.startswith(("http://", "https://")):
            return self.path
        return f"http://{self.headers.get('Host', '')}{self.path}"

    def _log(self, url: str, attempt: int, fault: str | None) -> None:
        if self.log_file is None:
            return
        with self.log_lock:
            self.log_file.write(json.dumps({"url": url, "attempt": attempt, "fault": fault}) + "\n")
            self.log_file.flush()

    def do_GET(self) -> None:
        url = self._target()
        attempt, fault = self.plan.next(url)
        self._log(url, attempt, fault)
        if fault is not None:
            getattr(self, f"_fault_{fault}")(url)
            return
        self._answer(url)

    def do_CONNECT(self) -> None:
        self._log(self.path, 0, None)
        self.send_error(HTTPStatus.NOT_IMPLEMENTED, explain="HTTPS tunnels are not served")

    # -- clean answers ----------------------------------------------------------

    def _recorded(self, url: str) -> tuple[int, list[tuple[str, str]], bytes]:
        generated = trap_page(url) if self.traps else None
        if generated is not None:
            return 200, [("Content-Type", "text/html")], generated
        try:
            recorded = self.archive.get(url)
        except ArchiveError as exc:
            return 502, [("Content-Type", "text/plain; charset=utf-8")], f"{exc}\n".encode()
        if recorded is None:
            return (
                404,
                [("Content-Type", "text/plain; charset=utf-8")],
                f"not in the archive: {url}\n".encode(),
            )
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in recorded.headers
            if name.lower() not in _NOT_FORWARDED
        ]
        return recorded.status, headers, recorded.body

    def _send(
        self, status: int, headers: Sequence[tuple[str, str]], body: bytes, length: int | None = None
    ) -> None:
        self.send_response_only(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _answer(self, url: str) -> None:
        status, headers, body = self._recorded(url)
        self._send(status, headers, body)

    # -- faults -----------------------------------------------------------------

    def _error(self, status: int) -> None:
        body = f"<html><body><h1>{status}</h1></body></html>".encode()
        self._send(status, [("Content-Type", "text/html")], body)

    def _fault_500(self, url: str) -> None:
        self._error(500)

    def _fault_503(self, url: str) -> None:
        self._error(503)

    def _fault_reset(self, url: str) -> None:
        # SO_LINGER 0: closing sends a RST, not a FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _fault_stall(self, url: str) -> None:
        time.sleep(self.stall_seconds)
        self.close_connection = True

    def _fault_short_body(self, url: str) -> None:
        status, headers, body = self._recorded(url)
        self.send_response_only(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) + 1))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _fault_redirect_loop(self, url: str) -> None:
        self._send(302, [("Location", url), ("Content-Type", "text/html")], b"")

    def _fault_content_type(self, url: str) -> None:
        status, headers, body = self._recorded(url)
        with self.log_lock:
            wrong = WRONG_CONTENT_TYPES[self._content_types[0] % len(WRONG_CONTENT_TYPES)]
            self._content_types[0] += 1
        headers = [(n, v) for n, v in headers if n.lower() != "content-type"] + [("Content-Type", wrong)]
        self._send(status, headers, body)

    def _padded(self, url: str) -> tuple[int, list[tuple[str, str]], bytes]:
        status, headers, body = self._recorded(url)
        return status, headers, body + b" " * max(0, self.maxsize + 1 - len(body))

    def _fault_oversize(self, url: str) -> None:
        _, headers, body = self._padded(url)
        self._send(200, headers, body)

    def _fault_oversize_unannounced(self, url: str) -> None:
        _, headers, body = self._padded(url)
        self.send_response_only(200)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = 64 * 1024
        try:
            for start in range(0, len(body), chunk):
                piece = body[start : start + chunk]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass  # the crawler hung up once it had counted enough
        self.close_connection = True

    def _fault_gzip_bomb(self, url: str) -> None:
        _, headers, body = self._padded(url)
        headers = [(n, v) for n, v in headers if n.lower() != "content-encoding"]
        self._send(200, [*headers, ("Content-Encoding", "gzip")], gzip.compress(body, compresslevel=9))

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


def serve(
    warc_paths: Sequence[str],
    plan: FaultPlan,
    *,
    port: int = 0,
    tracking_params: Sequence[str] = (),
    traps: bool = False,
    stall_seconds: float = 5.0,
    maxsize: int = 1024 * 1024,
    log_path: str | None = None,
) -> None:
    """Serve on 127.0.0.1:``port`` (0: any free port) until killed."""
    archive = WarcArchive(warc_paths, tracking_params)
    # Kept open until the proxy is killed.
    log_file = Path(log_path).open("a", encoding="utf-8") if log_path else None  # noqa: SIM115
    handler = type(
        "Handler",
        (FaultProxyHandler,),
        {
            "archive": archive,
            "plan": plan,
            "traps": traps,
            "stall_seconds": stall_seconds,
            "maxsize": maxsize,
            "log_file": log_file,
        },
    )
    serve_until_killed(handler, port)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warc", action="append", required=True, help="a .warc/.warc.gz file (repeatable)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--rate", type=float, default=0.0, help="share of requests faulted (0..1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated, of {', '.join(FAULTS)}")
    parser.add_argument("--max-faults-per-url", type=int, default=2)
    parser.add_argument("--stall-seconds", type=float, default=5.0)
    parser.add_argument("--maxsize", type=int, default=1024 * 1024, help="the crawler's DOWNLOAD_MAXSIZE")
    parser.add_argument("--always-fail", action="append", default=[], metavar="URL")
    parser.add_argument("--fail-first", action="append", default=[], metavar="URL")
    parser.add_argument("--traps", action="store_true", help=f"generate endless pages under {TRAP_PREFIX}")
    parser.add_argument("--log", help="append one JSON line per request to this file")
    args = parser.parse_args(argv)
    faults = [f for f in args.faults.split(",") if f]
    unknown = sorted(set(faults) - set(FAULTS))
    if unknown:
        parser.error(f"unknown faults: {', '.join(unknown)}")
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    plan = FaultPlan(args.rate, args.seed, faults, args.max_faults_per_url, args.always_fail, args.fail_first)
    try:
        serve(
            args.warc,
            plan,
            port=args.port,
            tracking_params=settings.getlist("CANONICAL_TRACKING_PARAMS"),
            traps=args.traps,
            stall_seconds=args.stall_seconds,
            maxsize=args.maxsize,
            log_path=args.log,
        )
    except ArchiveError as exc:
        print(f"fault_proxy: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


# -- for tests ---------------------------------------------------------------------------


@contextmanager
def run_fault_proxy(*args: str | os.PathLike[str]) -> Iterator[str]:
    """Run this proxy with command-line ``args`` in a subprocess; yield its ``http://127.0.0.1:PORT``.

    Use the address as ``http_proxy`` in the environment of a crawl.
    """
    from tests.servers import run_listening_server

    with run_listening_server("tests.servers.fault_proxy", *args) as address:
        yield f"http://{address}"


#: Settings of a live crawl (no ``REPLAY_ARCHIVE``) through one of these proxies,
#: at full speed: the proxy runs on 127.0.0.1 and keeps the portal's host names,
#: so containment needs no name resolution (which would query a DNS server).
LIVE_SETTINGS: dict[str, str] = {
    "CONTAINMENT_ALLOW_PRIVATE": "True",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
}


def read_log(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The requests a proxy run with ``--log path`` received, in order."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


if __name__ == "__main__":
    sys.exit(main())
