"""Servers that tests start as subprocesses on 127.0.0.1, helpers to run them, and crawls against them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.http import TextResponse

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.http import Request, Response

ROOT = Path(__file__).resolve().parents[2]
_STARTUP_TIMEOUT = 20.0


def serve_until_killed(handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
    """Serve ``handler`` on 127.0.0.1:``port`` (0: any free one) until killed.

    Prints ``listening on HOST:PORT`` once bound: the line ``run_listening_server`` waits for.
    """
    with ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        server.daemon_threads = True
        host, bound_port = server.server_address[:2]
        print(f"listening on {host}:{bound_port}", flush=True)
        server.serve_forever()


@contextmanager
def run_listening_server(module: str, *args: str | os.PathLike[str]) -> Iterator[str]:
    """Run ``python -m module args`` on 127.0.0.1; yield the ``HOST:PORT`` it prints.

    The server prints ``listening on HOST:PORT`` once ready; it runs in a
    subprocess that is terminated (by its PID) on exit.
    """
    command = [sys.executable, "-m", module, *map(os.fspath, args)]
    # A test server must never chain to a proxy of the environment.
    env = {k: v for k, v in os.environ.items() if k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the server is ready, or exits
        if not line.startswith("listening on "):
            process.kill()
            _, err = process.communicate(timeout=_STARTUP_TIMEOUT)
            raise RuntimeError(f"{module} did not start (exit {process.returncode}): {line}{err}")
        yield line.removeprefix("listening on ").strip()
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=_STARTUP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@contextmanager
def run_snapshot_proxy(*warc_paths: str | os.PathLike[str]) -> Iterator[tuple[str, int]]:
    """Run ``tests.servers.snapshot_proxy`` over ``warc_paths``; yield its ``(host, port)``.

    Use it as ``http_proxy=http://{host}:{port}`` in a crawl's environment.
    """
    args: list[str | os.PathLike[str]] = ["--port", "0"]
    for path in warc_paths:
        args += ["--warc", path]
    with run_listening_server("tests.servers.snapshot_proxy", *args) as address:
        host, _, port = address.rpartition(":")
        yield host, int(port)


# -- crawls run against them ---------------------------------------------------------

# A real Scrapy crawl in a fresh interpreter (Twisted's reactor cannot be
# restarted inside the test process), without the project's settings.
_CRAWL_SCRIPT = """
import json, sys
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.misc import load_object

spidercls = load_object(sys.argv[1])
settings, spider_kwargs, out = json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
items = []

def collect(item):
    items.append(dict(item))

process = CrawlerProcess(settings)
crawler = process.create_crawler(spidercls)
crawler.signals.connect(collect, signal=signals.item_scraped)
process.crawl(crawler, **spider_kwargs)
process.start()
with open(out, "w", encoding="utf-8") as fh:
    json.dump({"stats": crawler.stats.get_stats(), "items": items}, fh, default=str)
"""

CRAWL_TEST_SETTINGS: dict[str, Any] = {
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
    "LOG_LEVEL": "INFO",
    "CONCURRENT_REQUESTS": 4,
    "DOWNLOAD_TIMEOUT": 10,
    "RETRY_ENABLED": False,
}


@dataclass
class CrawlResult:
    """What a crawl run by :func:`run_crawl` left: exit code, log, stats, scraped items."""

    returncode: int
    log: str
    stats: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)


def run_crawl(
    spider: str,
    settings: dict[str, Any],
    work_dir: Path,
    *,
    timeout: float = 60,
    env: dict[str, str] | None = None,
    **spider_kwargs: Any,
) -> CrawlResult:
    """Run the spider ``spider`` (dotted path) to its end with ``CrawlerProcess`` in a subprocess."""
    out = work_dir / "crawl-result.json"
    out.unlink(missing_ok=True)
    full_env = {
        k: v for k, v in os.environ.items() if k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
    }
    full_env.update(env or {})
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), full_env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _CRAWL_SCRIPT,
            spider,
            json.dumps({**CRAWL_TEST_SETTINGS, **settings}),
            json.dumps(spider_kwargs),
            str(out),
        ],
        cwd=work_dir,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    result = CrawlResult(proc.returncode, proc.stderr)
    if out.exists():
        data = json.loads(out.read_text("utf-8"))
        result.stats, result.items = data["stats"], data["items"]
    return result


class FollowSpider(scrapy.Spider):
    """Start at ``start_url``, follow every link on the portal, yield one item per response.

    With ``proxy`` every request goes through that HTTP proxy (``request.meta["proxy"]``).
    """

    name = "follow"
    allowed_domains: ClassVar[list[str]] = ["jxxznews.zjol.com.cn"]
    handle_httpstatus_list: ClassVar[list[int]] = [404]

    def __init__(self, start_url: str, proxy: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url
        self.proxy = proxy

    def _meta(self) -> dict[str, Any]:
        return {"proxy": self.proxy} if self.proxy else {}

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(self.start_url, meta=self._meta())

    def parse(self, response: Response) -> Iterator[Any]:
        text = response.text if isinstance(response, TextResponse) else None
        yield {
            "url": response.url,
            "status": response.status,
            "flags": response.flags,
            "redirect_urls": response.meta.get("redirect_urls", []),
            "sha1": hashlib.sha1(response.body).hexdigest(),
            "text": text,
        }
        if text is not None:
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href.strip())
                if url.startswith(("http://", "https://")):  # not javascript:, mailto:
                    yield scrapy.Request(url, meta=self._meta())


class NoNetworkDownloadHandler(BaseDownloadHandler):
    """A download handler that fails every request: proves that a crawl opened no connection."""

    async def download_request(self, request: Request) -> Response:
        raise AssertionError(f"a request reached the network: {request.url}")
