"""Write article records to an append-only JSON Lines file that survives a crash.

Records of a run first go to a pending file beside the output (``.state/``).
When the run ends, in-run duplicates are settled (``resolve_duplicates``) and
the chosen records are appended to ``ARTICLES_OUTPUT`` one whole line per
``write`` call, in ``article_id`` order, fsynced every ``ARTICLES_FSYNC_EVERY``
records and at the end.  A run killed at any moment leaves complete lines
only (``state.repair_torn_tail`` cuts a partial one), and the next run takes
its pending records back.
"""

from __future__ import annotations

import errno
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem, NotConfigured

from crawler import signals
from crawler.pipelines.dedup import Candidate, Resolution, resolve_duplicates
from crawler.pipelines.validate import record_dict
from crawler.state import ArchiveState, iter_records, state_dir
from crawler.stopping import stop_crawl

if TYPE_CHECKING:
    from typing import BinaryIO, Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def record_line(record: dict[str, Any]) -> bytes:
    """One record as one UTF-8 JSON line, Chinese as characters."""
    return (json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n").encode("utf-8")


def _key(candidate: Candidate) -> tuple[str, str, str]:
    """What makes two candidates one record fetched twice (as ``merge_shards`` has it)."""
    return (candidate.article_id, candidate.url, candidate.content_hash)


class JsonLinesWriterPipeline:
    """Append each new article once to ``ARTICLES_OUTPUT`` (JSON Lines, UTF-8).

    Settings: ``ARTICLES_OUTPUT``, ``ARTICLES_FSYNC_EVERY``, ``DEDUP_ENABLED``.
    Stats: ``output/written``, ``output/section/<section>``, ``dedup/same_id``,
    ``dedup/same_text``, ``output/recovered_pending``, ``output/kept_pending``,
    ``output/write_error``.

    A file that cannot be written (a full disk, a read-only file system) is
    never left with a partial line, and ``output/write_error`` makes the run
    unhealthy.  When the pending file fails, the crawl stops (reason
    ``output_error``) and appends nothing: it has not seen every article, so
    which of two same-text records is the smallest id is not known yet (what
    it missed depends on crawl and item order), and an appended record could
    never be taken back.  Its records stay pending, and the next run settles
    and writes them with the rest, as one uninterrupted crawl would.  When an
    append fails at the end of a crawl that saw everything, the output is cut
    back to its last complete line and the records not written stay pending.
    """

    def __init__(
        self, output: Path, fsync_every: int, dedup: bool, state: ArchiveState, crawler: Crawler
    ) -> None:
        self.output = output
        self.fsync_every = max(1, fsync_every)
        self.dedup = dedup
        self.state = state
        self.crawler = crawler
        self.pending_path = state_dir(output) / f"{output.name}.pending.jsonl"
        self._pending: BinaryIO | None = None
        self._pending_size = 0
        self._candidates: list[tuple[Candidate, int]] = []
        self._write_error: str | None = None
        # Set when a record could not be kept pending: the run has not seen the whole crawl.
        self._stopped_short = False
        # (id, URL, hash) of the records taken back from the pending file.
        self._recovered: set[tuple[str, str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        output = settings.get("ARTICLES_OUTPUT")
        if not output:
            raise NotConfigured("ARTICLES_OUTPUT is empty")
        return cls(
            Path(output),
            settings.getint("ARTICLES_FSYNC_EVERY"),
            settings.getbool("DEDUP_ENABLED"),
            ArchiveState.for_crawler(crawler),
            crawler,
        )

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)

    def open_spider(self) -> None:
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.pending_path.parent.mkdir(parents=True, exist_ok=True)
        if self.pending_path.exists():
            self._recover_pending()
        self._pending = self.pending_path.open("ab")
        self._pending_size = self._pending.tell()

    def _recover_pending(self) -> None:
        """Take back the records of a run that was killed before it wrote them."""
        recovered = 0
        for offset, record in iter_records(self.pending_path):
            if self.state.is_known_id(record.get("article_id")) or self.state.is_known_url(
                record.get("url", "")
            ):
                continue
            candidate = self._candidate(record)
            if _key(candidate) in self._recovered:  # in the file twice (from before this check)
                continue
            self._recovered.add(_key(candidate))
            self._candidates.append((candidate, offset))
            recovered += 1
        if recovered:
            logger.info("Recovered %d records of an interrupted run from %s", recovered, self.pending_path)
            self._inc("output/recovered_pending", recovered)
        # Complete lines only from here on.
        with self.pending_path.open("rb+") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(0)
            data = f.read()
            keep = data.rfind(b"\n") + 1
            if keep != size:
                f.truncate(keep)

    @staticmethod
    def _candidate(record: dict[str, Any]) -> Candidate:
        return Candidate(
            article_id=str(record.get("article_id") or ""),
            url=record.get("url") or "",
            content_hash=record.get("content_hash") or "",
            also_at=tuple(record.get("also_at") or ()),
        )

    def _failed(self, path: Path, exc: OSError) -> None:
        """``path`` cannot be written: say so once, clearly, and mark the run unhealthy."""
        if self._write_error is None:
            self._write_error = f"Cannot write {path}: [Errno {exc.errno}] {exc.strerror}"
            logger.error("%s", self._write_error)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("output/write_error", self._write_error)

    def _stop_crawl(self) -> None:
        stop_crawl(self.crawler, "output_error")

    def process_item(self, item: Any) -> Any:
        assert self._pending is not None
        if self._write_error is not None:
            raise DropItem(f"Not written ({self._write_error}); the crawl is stopping")
        record = record_dict(item)
        candidate = self._candidate(record)
        if self._recovered and _key(candidate) in self._recovered:
            # The same page, fetched again after the run that kept it pending stopped: one
            # record, not a duplicate (and the pending file does not grow run after run).
            return item
        line = record_line(record)
        try:
            self._pending.write(line)
            self._pending.flush()
        except OSError as exc:
            # A full disk: crawling on would only fetch pages that cannot be kept.
            self._failed(self.pending_path, exc)
            self._stopped_short = True
            self._stop_crawl()
            raise DropItem(f"Not written ({self._write_error}); the crawl is stopping") from None
        self._candidates.append((candidate, self._pending_size))
        self._pending_size += len(line)
        return item

    def _resolutions(self) -> list[tuple[Resolution, int]]:
        offsets = {id(c): offset for c, offset in self._candidates}
        candidates = [c for c, _ in self._candidates]
        if self.dedup:
            resolutions = resolve_duplicates(candidates)
        else:
            resolutions = [
                Resolution(keep=c, also_at=c.also_at, same_id=(), same_text=()) for c in candidates
            ]
        return [(r, offsets[id(r.keep)]) for r in resolutions]

    def _interrupted(self) -> bool:
        """True when the crawl is being stopped (SIGTERM/SIGINT), not finishing.

        A stopped crawl will be resumed (``JOBDIR``) or rerun: its records stay
        pending so that the next run settles duplicates over the whole crawl,
        exactly as one uninterrupted run would.  Closing reasons such as
        ``closespider_timeout`` keep the engine running and are written.
        """
        try:
            engine = self.crawler.engine
        except RuntimeError:  # no engine: the pipeline is driven by hand (tests, tools)
            return False
        return engine is not None and not engine.running

    def close_spider(self) -> None:
        assert self._pending is not None
        try:
            self._pending.close()
        except OSError as exc:  # its last flush: the records before it are complete lines
            self._failed(self.pending_path, exc)
        if self._stopped_short:
            # Settling duplicates over part of the crawl would keep whichever twin happened to
            # come first (the original may be among the pages never fetched), and for good:
            # the next run would drop the other one as written by an earlier run.
            kept = len(self._candidates)
            self._inc("output/kept_pending", kept)
            logger.error(
                "Crawl stopped short (%s): nothing appended to %s; its %d records are kept in %s, and the "
                "next run settles duplicates over the whole crawl and writes them",
                self._write_error,
                self.output,
                kept,
                self.pending_path,
            )
            return
        if self._interrupted():
            kept = len(self._candidates)
            self._inc("output/kept_pending", kept)
            logger.warning(
                "Crawl stopped before its end: %d records kept in %s for the next run (resume with the same "
                "JOBDIR, or run again)",
                kept,
                self.pending_path,
            )
            return
        written = 0
        try:
            fd = os.open(self.output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            self._failed(self.output, exc)
            self._keep_unwritten(0)
            return
        complete = os.lseek(fd, 0, os.SEEK_END)  # bytes of complete lines
        try:
            with self.pending_path.open("rb") as pending:
                for resolution, offset in self._resolutions():
                    self._inc("dedup/same_id", len(resolution.same_id))
                    self._inc("dedup/same_text", len(resolution.same_text))
                    for dropped in (*resolution.same_id, *resolution.same_text):
                        logger.debug("Duplicate %s of %s", dropped.url, resolution.keep.url)
                    pending.seek(offset)
                    record = json.loads(pending.readline())
                    record["also_at"] = list(resolution.also_at)
                    line = record_line(record)
                    # One write per whole line: a kill leaves no partial record behind.
                    try:
                        if os.write(fd, line) != len(line):
                            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # a short write: full
                        if (written + 1) % self.fsync_every == 0:
                            os.fsync(fd)
                    except OSError as exc:
                        self._cut_back(fd, complete)
                        self._failed(self.output, exc)
                        break
                    complete += len(line)
                    written += 1
                    self.state.add(record)
                    self._inc("output/written")
                    if record.get("section"):
                        self._inc(f"output/section/{record['section']}")
                    self.crawler.signals.send_catch_log(signals.record_written, record=record)
            if self._write_error is None:
                os.fsync(fd)
        except OSError as exc:
            self._failed(self.output, exc)
        finally:
            os.close(fd)
        try:
            self.state.save()
        except OSError as exc:  # only a cache: the next run rebuilds it from the output
            logger.warning("Could not save the state index: %s", exc)
        if self._write_error is not None:
            self._keep_unwritten(written)
            return
        self.pending_path.unlink(missing_ok=True)
        logger.info("Wrote %d new articles to %s", written, self.output)

    def _cut_back(self, fd: int, complete: int) -> None:
        """Cut a partial line off the output: it ends with complete lines only."""
        try:
            size = os.lseek(fd, 0, os.SEEK_END)
            if size > complete:
                os.ftruncate(fd, complete)
                logger.warning("Cut a partial line (%d bytes) off %s", size - complete, self.output)
        except OSError as exc:
            logger.error("Could not cut a partial line off %s: %s", self.output, exc)

    def _keep_unwritten(self, written: int) -> None:
        """Leave the pending file for the next run, which writes what this one could not."""
        kept = len(self._resolutions()) - written
        self._inc("output/kept_pending", kept)
        logger.error(
            "%d new articles written to %s, %d kept in %s for the next run",
            written,
            self.output,
            kept,
            self.pending_path,
        )
