"""One crawl at a time per output: a lock file beside ``ARTICLES_OUTPUT``.

See docs/scheduling.md.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import socket
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.extensions import output_dir, run_id

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

LOCK_FILE_NAME = ".crawl.lock"


class CrawlLocked(Exception):
    """Another process holds the lock on the output this crawl would write."""

    def __init__(self, path: Path, holder: dict[str, Any]):
        self.path = path
        self.holder = holder
        pid = holder.get("pid", "unknown")
        super().__init__(
            f"Another crawl is writing to {path.parent}/: PID {pid} on host "
            f"{holder.get('host', 'unknown')}, started {holder.get('started_at', 'at an unknown time')}"
            f" (run {holder.get('run_id', 'unknown')}) holds {path}; not starting a second one"
        )


def pid_alive(pid: int) -> bool:
    """Tell whether a process with this PID exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class FileLock:
    """An exclusive ``flock`` on a file that also names its holder.

    The kernel releases an ``flock`` when its holder dies, however it dies,
    so a lock is never left held by a dead process.  The holder's PID, host
    and start time are written inside: a second process reads them to say
    who is running, and a process that finds them in a file nobody holds
    knows the previous holder died without cleaning up.  The file is emptied
    (never unlinked: unlinking races with a process that has just opened it)
    when the lock is released.
    """

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, holder: dict[str, Any]) -> dict[str, Any] | None:
        """Take the lock or raise :class:`CrawlLocked`.

        Return what the file said about an earlier holder that died without
        releasing it, or ``None`` when the file was empty.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            other = self._read(fd)
            os.close(fd)
            if exc.errno in {errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES}:
                raise CrawlLocked(self.path, other or {}) from None
            raise
        previous = self._read(fd)
        data = (json.dumps(holder, ensure_ascii=False, sort_keys=True) + "\n").encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)
        self._fd = fd
        return previous

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the last descriptor releases the flock

    @staticmethod
    def _read(fd: int) -> dict[str, Any] | None:
        raw = os.pread(fd, 64 * 1024, 0)
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw.decode(errors="replace").strip()
        if isinstance(data, dict):
            return data
        # An older or hand-written PID file: a bare number.
        if isinstance(data, int) or (isinstance(data, str) and data.isdigit()):
            return {"pid": int(data)}
        return {"content": str(data)[:200]}

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            if self._fd is not None:
                os.close(self._fd)


class CrawlLock:
    """Refuse to start a crawl while another one writes to the same output.

    The lock is ``<directory of ARTICLES_OUTPUT>/.crawl.lock``.  It is taken
    when the extension is built, which Scrapy does before the spider is
    opened: before the item pipelines open the output and its state, before
    a ``JOBDIR`` queue is loaded and before any request.  A crawl that finds
    the lock held raises :class:`CrawlLocked`, which the project's ``crawl``
    command turns into exit code 75; a lock whose holder died is taken over
    with a warning.  The lock is released at ``engine_stopped``, after the
    pipelines have closed and the report is written.

    Settings: ``CRAWL_LOCK_ENABLED``, ``ARTICLES_OUTPUT``.
    """

    def __init__(self, lock: FileLock, holder: dict[str, Any]):
        self.lock = lock
        self.holder = holder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("CRAWL_LOCK_ENABLED"):
            raise NotConfigured
        directory = output_dir(settings)
        if directory is None:
            raise NotConfigured("ARTICLES_OUTPUT is not set")
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_id": run_id(crawler),
            "output": str(settings.get("ARTICLES_OUTPUT")),
            "jobdir": settings.get("JOBDIR") or None,
            "argv": sys.argv,
        }
        o = cls(FileLock(directory / LOCK_FILE_NAME), holder)
        o.acquire()
        crawler.signals.connect(o.engine_stopped, signal=signals.engine_stopped)
        return o

    def acquire(self) -> None:
        previous = self.lock.acquire(self.holder)
        if previous is not None:
            pid = previous.get("pid")
            if isinstance(pid, int) and previous.get("host") == self.holder["host"] and pid_alive(pid):
                state = "is alive but no longer holds it (PID reused, or it is exiting)"
            else:
                state = "is gone"
            logger.warning(
                "Taking over the lock %(path)s left by PID %(pid)s on host %(host)s "
                "(started %(started)s), which %(state)s: that run was killed or crashed",
                {
                    "path": self.lock.path,
                    "pid": pid if pid is not None else "unknown",
                    "host": previous.get("host", "unknown"),
                    "started": previous.get("started_at", "at an unknown time"),
                    "state": state,
                },
            )
        logger.info("Holding the crawl lock %(path)s", {"path": self.lock.path})

    def engine_stopped(self) -> None:
        self.lock.release()
