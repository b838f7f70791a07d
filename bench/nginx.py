"""nginx on 127.0.0.1 as the portal's web server, reached as an HTTP proxy.

The crawl keeps the portal's host name: Scrapy sends each request to the
proxy (``http_proxy``) with the absolute URL in the request line
(``GET http://jxxznews.zjol.com.cn/xznews/ HTTP/1.1``), and nginx answers it
from the generated tree by path, like the portal's own server: ``.shtml`` as
``text/html`` with no charset in the header, ``index.shtml`` for folders, a
302 from ``/`` to ``/xznews/``, and the portal's 404 page with status 404.

nginx comes from Debian's package (``nginx-light``), installed with apt-get
when it is missing (as root).
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Self

import psutil

if TYPE_CHECKING:
    from types import TracebackType

logger = logging.getLogger(__name__)

HOST = "jxxznews.zjol.com.cn"

CONFIG = """\
daemon off;
master_process on;
worker_processes {workers};
worker_rlimit_nofile {nofile};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
{user}
events {{
    worker_connections {worker_connections};
}}
http {{
    types {{
        text/html html htm shtml;
        text/css css;
        image/gif gif;
        image/jpeg jpg jpeg;
    }}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    open_file_cache {open_file_cache};
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} default_server;
        server_name {host};
        root {root};
        index index.shtml;
        absolute_redirect off;
        error_page 404 /404.html;
        location = / {{
            return 302 http://{host}/xznews/;
        }}
        location = /404.html {{
            internal;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    """The nginx executable, installed from Debian's packages if missing."""
    found = shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")
    if found:
        return str(found)
    if os.geteuid() != 0:
        raise SystemExit("nginx is not installed: apt-get install nginx-light (as root), then rerun")
    logger.info("Installing nginx-light from Debian's packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx-light"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return str(found)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


WORKER_CONNECTIONS = 1024


def file_limits() -> tuple[int, str]:
    """nginx's worker_rlimit_nofile and open_file_cache: as many open files as it may have.

    The cache keeps a descriptor open per file served in the last minute: with
    more files than the descriptors the worker may open, nginx failed with EMFILE
    (``accept4() failed (24: Too many open files)``, 500s the crawl retried) and a
    crawl of the 4N portal (24,000 files, 20,000 descriptors here) stalled for a
    minute.  The cache now stays below the limit, or is off.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    nofile = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    cached = min(50_000, nofile - 2 * WORKER_CONNECTIONS - 64)
    return nofile, (f"max={cached} inactive=60s" if cached >= 1000 else "off")


class Nginx:
    """One nginx master and its workers serving ``root``; a context manager."""

    def __init__(self, root: Path, workdir: Path, workers: int = 1) -> None:
        self.root = root.resolve()
        self.dir = workdir.resolve()
        self.workers = workers
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        binary = nginx_binary()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        # Run as root, nginx hands its workers to "nobody", who may not read build/.
        user = "user root root;" if os.geteuid() == 0 else ""
        conf = self.dir / "nginx.conf"
        nofile, open_file_cache = file_limits()
        conf.write_text(
            CONFIG.format(
                workers=self.workers,
                dir=self.dir,
                user=user,
                port=self.port,
                host=HOST,
                root=self.root,
                worker_connections=WORKER_CONNECTIONS,
                nofile=nofile,
                open_file_cache=open_file_cache,
            ),
            encoding="utf-8",
        )
        self.process = subprocess.Popen(
            [binary, "-p", str(self.dir), "-c", str(conf), "-e", str(self.dir / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"nginx exited: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start listening")

    def processes(self) -> list[psutil.Process]:
        if self.process is None:
            return []
        try:
            master = psutil.Process(self.process.pid)
            return [master, *master.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> float:
        """User + system CPU time of the master and its workers so far."""
        total = 0.0
        for proc in self.processes():
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()  # SIGTERM: fast shutdown
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
