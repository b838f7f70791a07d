"""Writing WARC records to a ``.warc.gz`` file: one gzip member per record.

The recorder hands over each download as an :class:`~crawler.warc.records.Exchange`
(its URL, time, headers and bodies; ``write_exchange``), other records whole
(the ``warcinfo``; ``write``).  A writer builds a download's request and
response records (:func:`~crawler.warc.records.exchange_records`, their
SHA-1 digests most of it), compresses each record into a gzip member of
fixed header bytes (:func:`gzip_member`: the same records always give the
same file), appends the members and flushes them, a download's two records
together.

Two writers, the same bytes on disk:

- :class:`WarcFileWriter` does it in the crawl's own process;
- :class:`WarcWriterProcess` does it in a child process
  (``python -m crawler.warc.writer PATH LEVEL``), fed through a pipe.
  Compressing a 13 KB page at zlib level 9 costs about 0.2 ms of CPU, as
  much as a tenth of what a crawl spends on the page, and building its
  records about 0.1 ms more; in a child both run on another core beside the
  crawl (``WARC_WRITER_PROCESS``).  The child runs in
  a session of its own, ignores SIGINT and SIGTERM, and writes until its pipe
  closes: when the crawl stops,
  however it stops (even SIGKILL), every record it handed over is written;
  a frame cut short by the crawl's death is dropped whole, so the file ends
  with whole records.  A child that fails (a full disk) makes the next
  hand-over, or the close, raise ``OSError`` with the child's message.

Frames on the pipe: a kind byte (``R``: records, ``X``: one exchange,
pickled), a 4-byte little-endian count of parts, then per part an 8-byte
length and its bytes.  The pipe joins the crawl to the child it started, so
unpickling trusts no one else.  This module imports only the standard
library and :mod:`crawler.warc.records`, so that the child starts in a few
tens of milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import IO, TYPE_CHECKING

from crawler.warc.records import Exchange, exchange_records

if TYPE_CHECKING:
    from collections.abc import Sequence

# Magic, deflate, no flags, mtime 0, XFL, OS "unknown": the same 10 bytes
# whatever machine or Python writes the file.  XFL as zlib sets it: 2
# ("maximum compression") at level 9, 4 ("fastest") at level 1, else 0.
_GZIP_HEADERS = {
    level: b"\x1f\x8b\x08\x00"
    + struct.pack("<I", 0)
    + bytes((2 if level == 9 else 4 if level == 1 else 0, 0xFF))
    for level in range(1, 10)
}
#: The zlib level of the gzip members (``WARC_COMPRESSION_LEVEL``).
DEFAULT_COMPRESSION_LEVEL = 9
_COUNT = struct.Struct("<I")
_LENGTH = struct.Struct("<Q")
# How long the crawl waits at its close for the child to write what it was handed.
_CLOSE_TIMEOUT_S = 300.0


def compression_level(value: object) -> int:
    """Return ``value`` as a zlib compression level, 1 (fastest) to 9 (smallest).

    >>> compression_level("6")
    6
    """
    try:
        level = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        level = 0
    if not 1 <= level <= 9:
        raise ValueError(f"the compression level must be an integer from 1 to 9, got {value!r}")
    return level


def gzip_member(data: bytes, level: int = DEFAULT_COMPRESSION_LEVEL) -> bytes:
    """Compress ``data`` into one gzip member with a fixed header.

    The deflate window is no larger than ``data`` (9 to 15 bits): a record
    cannot refer back further than its own start, and setting up zlib's full
    32 KB window cost more than compressing a request record (58 against 19
    us), a fifth more for a page.  Every inflater reads any window size.
    """
    window_bits = min(zlib.MAX_WBITS, max(9, len(data).bit_length()))
    deflated = zlib.compress(data, level, wbits=-window_bits)
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return _GZIP_HEADERS[level] + deflated + trailer


_RECORDS = b"R"
_EXCHANGE = b"X"


def _frame(kind: bytes, parts: Sequence[bytes]) -> bytes:
    out = [kind, _COUNT.pack(len(parts))]
    for part in parts:
        out += (_LENGTH.pack(len(part)), part)
    return b"".join(out)


def frame(records: Sequence[bytes]) -> bytes:
    """``records`` as one frame of the pipe protocol.

    >>> frame([b"ab"])
    b'R\\x01\\x00\\x00\\x00\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00ab'
    """
    return _frame(_RECORDS, records)


def exchange_frame(exchange: Exchange) -> bytes:
    """``exchange`` as one frame of the pipe protocol (its records are built by the reader)."""
    return _frame(_EXCHANGE, [pickle.dumps(exchange, protocol=pickle.HIGHEST_PROTOCOL)])


def read_frame(stream: IO[bytes]) -> list[bytes] | None:
    """The next frame's records (an exchange's built here), or None at the end
    of ``stream`` (a frame cut short included)."""
    head = stream.read(1 + _COUNT.size)
    if len(head) < 1 + _COUNT.size:
        return None
    kind = head[:1]
    if kind not in (_RECORDS, _EXCHANGE):
        raise ValueError(f"not a frame of the WARC writer's pipe (kind {kind!r})")
    parts = []
    for _ in range(_COUNT.unpack(head[1:])[0]):
        length = stream.read(_LENGTH.size)
        if len(length) < _LENGTH.size:
            return None
        size = _LENGTH.unpack(length)[0]
        part = stream.read(size)
        if len(part) < size:
            return None
        parts.append(part)
    if kind == _EXCHANGE:
        return [record for part in parts for record in exchange_records(pickle.loads(part))]
    return parts


class WarcFileWriter:
    """Compress records and append them to a new file (replaced if it exists), in this process."""

    def __init__(self, path: str | Path, level: int = DEFAULT_COMPRESSION_LEVEL) -> None:
        self.path = Path(path)
        self.level = level
        self.bytes_written = 0
        self._file: IO[bytes] | None = self.path.open("wb")

    def write_exchange(self, exchange: Exchange) -> None:
        """Append the request and response records of ``exchange``, together."""
        self.write(exchange_records(exchange))

    def write(self, records: Sequence[bytes]) -> None:
        """Append ``records``, one gzip member each, in one write, and flush."""
        assert self._file is not None, "writer closed"
        members = b"".join(gzip_member(record, self.level) for record in records)
        try:
            self._file.write(members)
            # Flushed with each hand-over: a crash loses at most the records being written.
            self._file.flush()
        except OSError:
            self._abandon()
            raise
        self.bytes_written += len(members)

    def _abandon(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            with contextlib.suppress(OSError):  # the same error again, flushing what failed
                file.close()

    def close(self) -> int:
        """Flush, fsync and close; the file's size."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
        return self.bytes_written


class WarcWriterProcess:
    """:class:`WarcFileWriter` in a child process, fed through a pipe."""

    def __init__(self, path: str | Path, level: int = DEFAULT_COMPRESSION_LEVEL) -> None:
        self.path = Path(path)
        self.level = level
        self.bytes_written = 0
        # Created (and emptied) here, so that a path that cannot be written fails now, in the crawl.
        self.path.open("wb").close()
        # ``crawler`` imports in the child from where it imported here (a checkout, an egg).
        root = str(Path(__file__).resolve().parents[2])
        python_path = os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", "crawler.warc.writer", str(self.path.resolve()), str(level)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": python_path},
            # Its own session: a Ctrl-C or a signal to the crawl's process group
            # does not cut the writing short (the crawl closes the pipe instead).
            start_new_session=True,
        )

    def write_exchange(self, exchange: Exchange) -> None:
        """Hand ``exchange`` to the child, which builds its records and writes them together."""
        self._send(exchange_frame(exchange))

    def write(self, records: Sequence[bytes]) -> None:
        """Hand ``records`` to the child (which writes them in one write and flushes)."""
        self._send(frame(records))

    def _send(self, data: bytes) -> None:
        assert self._process is not None, "writer closed"
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(data)
            self._process.stdin.flush()
        except OSError:  # BrokenPipeError: the child is gone
            raise self._failure() from None

    def close(self) -> int:
        """Let the child write what it was handed, then end it; the file's size."""
        process, self._process = self._process, None
        if process is None:
            return self.bytes_written
        try:
            out, err = process.communicate(timeout=_CLOSE_TIMEOUT_S)
        except OSError:
            out, err = b"", b""
            process.wait(timeout=_CLOSE_TIMEOUT_S)
        if process.returncode != 0:
            raise OSError(f"WARC writer for {self.path} failed (exit {process.returncode}): {_message(err)}")
        self.bytes_written = int(out.split()[-1]) if out.split() else self.path.stat().st_size
        return self.bytes_written

    def _failure(self) -> OSError:
        process, self._process = self._process, None
        assert process is not None
        try:
            _, err = process.communicate(timeout=_CLOSE_TIMEOUT_S)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            err = b""
        return OSError(f"WARC writer for {self.path} failed (exit {process.returncode}): {_message(err)}")


def _message(stderr: bytes | None) -> str:
    lines = (stderr or b"").decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"


def main(argv: Sequence[str] | None = None) -> int:
    """The child: write the frames of standard input to PATH at LEVEL until the pipe closes."""
    path, level = argv if argv is not None else sys.argv[1:]
    # The crawl decides when writing ends (by closing the pipe), not a signal
    # sent to its whole process group: records already handed over are written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        writer = WarcFileWriter(path, int(level))
        while (records := read_frame(sys.stdin.buffer)) is not None:
            writer.write(records)
        print(writer.close())
    except OSError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
