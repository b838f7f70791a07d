"""An HTTP proxy on 127.0.0.1 that answers from a WARC instead of the web.

    python -m tests.servers.snapshot_proxy --warc build/snapshot.warc.gz [--port 0]

A proxied request (``GET http://jxxznews.zjol.com.cn/xznews/ HTTP/1.1``)
is answered with the recorded status, headers and body of that URL, or a
404 when the archive lacks it (URLs are compared canonically, without the
tracking parameters of ``CANONICAL_TRACKING_PARAMS``).  URLs keep the portal's host names, which
Scrapy's ``LinkExtractor`` and offsite filtering compare with their port.
It prints ``listening on 127.0.0.1:PORT`` once it accepts connections and
serves until it is killed.
"""

from __future__ import annotations

import argparse
import logging
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, ClassVar

from scrapy.settings import Settings

from crawler.warc.archive import ArchiveError, WarcArchive
from tests.servers import serve_until_killed

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger(__name__)

# Connection framing is the proxy's own: these recorded headers are not sent.
_NOT_FORWARDED = frozenset({b"transfer-encoding", b"content-length", b"connection", b"keep-alive"})


class SnapshotProxyHandler(BaseHTTPRequestHandler):
    """Answer absolute-URI (proxy) requests, and origin-form ones by their Host, from the archive."""

    protocol_version = "HTTP/1.1"
    archive: ClassVar[WarcArchive]

    def _target(self) -> str:
        if self.path.startswith(("http://", "https://")):
            return self.path
        return f"http://{self.headers.get('Host', '')}{self.path}"

    def _answer(self, *, with_body: bool) -> None:
        url = self._target()
        try:
            recorded = self.archive.get(url)
        except ArchiveError as exc:
            self.send_error(HTTPStatus.BAD_GATEWAY, explain=str(exc))
            return
        if recorded is None:
            body = f"not in the archive: {url}\n".encode()
            self.send_response(HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)
            return
        self.send_response_only(recorded.status)
        for name, value in recorded.headers:
            if name.lower() not in _NOT_FORWARDED:
                # Recorded bytes go out as they were (latin-1 maps each byte to itself).
                self.send_header(name.decode("latin-1"), value.decode("latin-1"))
        self.send_header("Content-Length", str(len(recorded.body)))
        self.end_headers()
        if with_body:
            self.wfile.write(recorded.body)

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def do_CONNECT(self) -> None:
        self.send_error(HTTPStatus.NOT_IMPLEMENTED, explain="HTTPS tunnels are not replayed")

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


def serve(warc_paths: Sequence[str], port: int = 0, tracking_params: Sequence[str] = ()) -> None:
    """Serve the archive on 127.0.0.1:``port`` (0: any free port) until killed."""
    archive = WarcArchive(warc_paths, tracking_params)
    handler = type("Handler", (SnapshotProxyHandler,), {"archive": archive})
    serve_until_killed(handler, port)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warc", action="append", required=True, help="a .warc/.warc.gz file (repeatable)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    # Like the portal, answer a URL whatever tracking parameters it carries.
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    try:
        serve(args.warc, args.port, settings.getlist("CANONICAL_TRACKING_PARAMS"))
    except ArchiveError as exc:
        print(f"snapshot_proxy: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
