"""Merge the workers' shards into the canonical JSON Lines output.

``merge_shards`` reads every complete line of ``<output dir>/shards/*.jsonl``,
drops what the output already holds (id, URL or text: the rule of
``DedupPipeline``) and the repeats of a request processed twice (a worker
died holding it), settles duplicates across all shards with
``resolve_duplicates`` (the smallest ``article_id`` of a same-id or
same-text group is the record; the other URLs go to its ``also_at``), and
appends the records to ``ARTICLES_OUTPUT`` with the single-process writer's
guarantees: ``article_id`` order, one whole line per ``write``, fsynced every
``ARTICLES_FSYNC_EVERY`` records and at the end.  Only then are the shards
removed.  A merge killed at any moment is finished by running it again:
what it appended is known to the output and skipped.

It holds the output's crawl lock exclusively: it does not run while a
worker or a crawl on this machine uses the output (``CrawlLocked``), nor
while a worker still holds the lock of its shard (``ShardInUse``): records
merged before a worker's last ones could keep another copy of an article
than one process would, and the shard would be removed under its writer.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.distributed import shards_dir
from crawler.extensions.lock import LOCK_FILE_NAME, FileLock
from crawler.pipelines.dedup import Candidate, Resolution, resolve_duplicates
from crawler.pipelines.jsonl import record_line
from crawler.state import ArchiveState, iter_records

if TYPE_CHECKING:
    from pathlib import Path
    from typing import BinaryIO

logger = logging.getLogger(__name__)


@dataclass
class MergeResult:
    """What a merge did."""

    shards: list[Path] = field(default_factory=list)
    written: int = 0
    known_from_earlier_run: int = 0
    repeated: int = 0
    same_id: int = 0
    same_text: int = 0

    def summary(self) -> str:
        return (
            f"merged {len(self.shards)} shard(s): {self.written} new article(s) appended; dropped "
            f"{self.known_from_earlier_run} known from earlier runs, {self.repeated} repeated, "
            f"{self.same_id} same id, {self.same_text} same text"
        )


def _candidate(record: dict[str, Any]) -> Candidate:
    return Candidate(
        article_id=str(record.get("article_id") or ""),
        url=record.get("url") or "",
        content_hash=record.get("content_hash") or "",
        also_at=tuple(record.get("also_at") or ()),
    )


def _read_line(handle: BinaryIO, offset: int) -> dict[str, Any]:
    handle.seek(offset)
    record: dict[str, Any] = json.loads(handle.readline())
    return record


class ShardInUse(Exception):
    """A worker still writes a shard: merging now would miss its later records."""

    def __init__(self, shard: Path):
        self.path = shard
        super().__init__(
            f"A worker is still writing {shard} (it holds the shard's lock): merge once every worker "
            "of the run has exited"
        )


def lock_shards(shards: list[Path]) -> list[int]:
    """Take every shard's lock (``flock``, exclusive, not waiting); raise ``ShardInUse``.

    A worker holds its shard's lock while it writes (``ShardWriterPipeline``).
    The merge holds them all until it has removed the shards, so that no
    worker of the same id appends to a shard being merged.
    """
    fds: list[int] = []
    try:
        for shard in shards:
            fd = os.open(shard, os.O_RDONLY | os.O_CLOEXEC)
            fds.append(fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in {errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES}:
                    raise ShardInUse(shard) from None
                raise
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return fds


def merge_shards(output: Path, *, fsync_every: int = 50, dedup: bool = True) -> MergeResult:
    """Append the new records of every shard beside ``output`` to ``output``; remove the shards.

    Raises ``crawler.extensions.lock.CrawlLocked`` while another process uses
    the output on this machine, ``ShardInUse`` while a worker still writes a
    shard (on this machine, or anywhere through a shared directory's locks).
    """
    lock = FileLock(output.parent / LOCK_FILE_NAME)
    lock.acquire(
        {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_id": "merge_shards",
            "output": str(output),
            "argv": sys.argv,
        }
    )
    try:
        shards = sorted(shards_dir(output).glob("*.jsonl"))
        fds = lock_shards(shards)
        try:
            return _merge(output, shards, max(1, fsync_every), dedup)
        finally:
            for fd in fds:
                os.close(fd)
    finally:
        lock.release()


def _merge(output: Path, shards: list[Path], fsync_every: int, dedup: bool) -> MergeResult:
    result = MergeResult(shards=shards)
    state = ArchiveState(output)
    state.load()  # cuts a partial last line left by a killed merge
    located: dict[int, tuple[int, int]] = {}  # id(candidate) -> (shard index, offset)
    candidates: list[Candidate] = []
    seen: set[tuple[str, str, str]] = set()
    for index, shard in enumerate(result.shards):
        for offset, record in iter_records(shard):
            candidate = _candidate(record)
            if dedup and (
                state.is_known_id(candidate.article_id or None)
                or state.is_known_url(candidate.url)
                or state.is_known_hash(candidate.content_hash or None)
            ):
                result.known_from_earlier_run += 1
                continue
            key = (candidate.article_id, candidate.url, candidate.content_hash)
            if key in seen:
                # The same page processed again after its worker died.
                result.repeated += 1
                continue
            seen.add(key)
            candidates.append(candidate)
            located[id(candidate)] = (index, offset)
    if dedup:
        resolutions = resolve_duplicates(candidates)
    else:
        resolutions = [Resolution(keep=c, also_at=c.also_at, same_id=(), same_text=()) for c in candidates]
    output.parent.mkdir(parents=True, exist_ok=True)
    handles = [shard.open("rb") for shard in result.shards]
    fd = os.open(output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        for resolution in resolutions:
            result.same_id += len(resolution.same_id)
            result.same_text += len(resolution.same_text)
            index, offset = located[id(resolution.keep)]
            record = _read_line(handles[index], offset)
            record["also_at"] = list(resolution.also_at)
            # One write per whole line: a kill leaves no partial record behind.
            os.write(fd, record_line(record))
            result.written += 1
            state.add(record)
            if result.written % fsync_every == 0:
                os.fsync(fd)
        os.fsync(fd)
    finally:
        os.close(fd)
        for handle in handles:
            handle.close()
    state.save()
    for shard in result.shards:
        shard.unlink(missing_ok=True)
    logger.info("%s into %s", result.summary(), output)
    return result
