"""What earlier runs wrote: the index of the JSON Lines output.

The output file is the truth.  The index (``.state/<output name>.index.json``
beside the output) is only a cache of the article ids, URLs and content hashes
the file holds, with the file size it was taken at: when the file grew since
(a crash after appending), only the new tail is read; when the file disagrees
in any other way, or the index is missing or unreadable, it is rebuilt from
the file alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

INDEX_VERSION = 1
_TAIL_CHECK_BYTES = 4096


def state_dir(output: Path) -> Path:
    """The directory beside ``output`` that holds the crawler's state."""
    return output.parent / ".state"


def repair_torn_tail(output: Path) -> int:
    """Cut a partial last line (a write killed mid-line) off ``output``.

    Returns the number of bytes removed.  Every line before it is complete,
    because records are appended one whole line at a time.
    """
    if not output.exists():
        return 0
    size = output.stat().st_size
    if size == 0:
        return 0
    with output.open("rb+") as f:
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return 0
        # Walk back to the last newline.
        pos = size
        while pos > 0:
            step = min(65536, pos)
            f.seek(pos - step)
            chunk = f.read(step)
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                keep = pos - step + nl + 1
                break
            pos -= step
        else:
            keep = 0
        f.truncate(keep)
        f.flush()
        os.fsync(f.fileno())
    logger.warning("Removed a partial last line (%d bytes) from %s", size - keep, output)
    return size - keep


def iter_records(path: Path, start: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """(offset, record) of every complete, parseable line of a JSON Lines file."""
    with path.open("rb") as f:
        f.seek(start)
        offset = start
        for line in f:
            if line.endswith(b"\n"):
                try:
                    record = json.loads(line)
                except ValueError:
                    logger.warning("Skipping an unreadable line at offset %d of %s", offset, path)
                else:
                    if isinstance(record, dict):
                        yield offset, record
            offset += len(line)


def _tail_digest(path: Path, size: int) -> str:
    with path.open("rb") as f:
        f.seek(max(0, size - _TAIL_CHECK_BYTES))
        return hashlib.sha1(f.read(min(size, _TAIL_CHECK_BYTES))).hexdigest()


class ArchiveState:
    """Article ids, URLs and content hashes already in the output file."""

    def __init__(self, output: Path | None) -> None:
        self.output = output
        self.ids: set[str] = set()
        self.urls: set[str] = set()
        self.hashes: set[str] = set()

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> ArchiveState:
        """The state of ``ARTICLES_OUTPUT``, loaded once per crawler and shared by
        the spider (what not to download) and the pipelines (what not to write)."""
        state = getattr(crawler, "_xiuzhou_archive_state", None)
        if state is None:
            output = crawler.settings.get("ARTICLES_OUTPUT")
            state = cls(Path(output) if output else None)
            state.load()
            crawler._xiuzhou_archive_state = state  # type: ignore[attr-defined]
        return state

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def index_path(self) -> Path | None:
        if self.output is None:
            return None
        return state_dir(self.output) / f"{self.output.name}.index.json"

    # -- queries --------------------------------------------------------------------

    def is_known_url(self, url: str) -> bool:
        return url in self.urls

    def is_known_id(self, article_id: str | None) -> bool:
        return article_id is not None and article_id in self.ids

    def is_known_hash(self, content_hash: str | None) -> bool:
        return content_hash is not None and content_hash in self.hashes

    # -- updates --------------------------------------------------------------------

    def add(self, record: Mapping[str, Any]) -> None:
        if record.get("article_id"):
            self.ids.add(str(record["article_id"]))
        if record.get("url"):
            self.urls.add(record["url"])
        self.urls.update(record.get("also_at") or ())
        if record.get("content_hash"):
            self.hashes.add(record["content_hash"])

    def add_all(self, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            self.add(record)

    # -- persistence ----------------------------------------------------------------

    def load(self) -> None:
        """Load from the index when it matches the file, else (re)read the file."""
        if self.output is None or not self.output.exists():
            return
        repair_torn_tail(self.output)
        size = self.output.stat().st_size
        start = 0
        index = self._read_index()
        if (
            index is not None
            and index["size"] <= size
            and index["tail"] == _tail_digest(self.output, index["size"])
        ):
            self.ids, self.urls, self.hashes = set(index["ids"]), set(index["urls"]), set(index["hashes"])
            start = index["size"]
        elif index is not None:
            logger.warning(
                "State index %s disagrees with %s: rebuilding it from the file", self.index_path, self.output
            )
        elif size:
            logger.info("No state index for %s: building it from the file", self.output)
        if start < size:
            self.add_all(record for _, record in iter_records(self.output, start))

    def _read_index(self) -> dict[str, Any] | None:
        path = self.index_path
        if path is None or not path.exists():
            return None
        try:
            index = json.loads(path.read_text("utf-8"))
            if index.get("version") != INDEX_VERSION:
                return None
            for key in ("size", "tail", "ids", "urls", "hashes"):
                index[key]
        except (ValueError, KeyError, OSError, AttributeError):
            logger.warning("State index %s is unreadable: rebuilding it from the output", path)
            return None
        return index

    def save(self) -> None:
        """Write the index atomically (temp file, fsync, rename)."""
        path = self.index_path
        if path is None or self.output is None or not self.output.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        size = self.output.stat().st_size
        index = {
            "version": INDEX_VERSION,
            "size": size,
            "tail": _tail_digest(self.output, size),
            "ids": sorted(self.ids),
            "urls": sorted(self.urls),
            "hashes": sorted(self.hashes),
        }
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(index, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
