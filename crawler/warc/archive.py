"""Random access to the HTTP responses held in WARC files.

:class:`WarcArchive` indexes every ``response`` record of one or more
``.warc`` / ``.warc.gz`` files once, when it is opened (canonical target
URL -> file and byte offset), keeps the files open and reads a record
only when it is asked for.  It reads any WARC of the portal: the
packer's and the recorder's (one gzip member per record), wget's,
warcprox's (chunked bodies), uncompressed files, gzip files whose
members hold several records (slower: see :class:`WarcArchive`), and
the ``revisit`` records of deduplicating crawlers (Heritrix, Browsertrix,
warcprox), answered with the payload of the response they refer to.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, NamedTuple, Self

from warcio.bufferedreaders import ChunkedDataReader

from crawler.normalize import canonical_url

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from types import TracebackType

logger = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b"
# Compressed bytes read at a time while indexing a .warc.gz.
_READ_BLOCK = 64 * 1024
#: The most a gzip member may inflate to, unless the caller says otherwise.
DEFAULT_MAX_MEMBER_SIZE = 1024 * 1024 * 1024
# WARC headers longer than this are not headers: the file is corrupt.
_MAX_WARC_HEADER = 1024 * 1024
_WARC_VERSION_RE = re.compile(rb"WARC/\d+\.\d+")
# Hop-by-hop framing of the recorded exchange, not of the replayed body.
_FRAMING_HEADERS = frozenset({b"transfer-encoding"})


class ArchiveError(Exception):
    """A WARC file cannot be opened, or is corrupt or truncated.

    The message names the file and, when known, the byte offset (of the
    record or gzip member) where the problem is.
    """

    def __init__(self, path: str, offset: int | None, reason: str) -> None:
        self.path = path
        self.offset = offset
        self.reason = reason
        where = path if offset is None else f"{path} at byte offset {offset}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class ArchivedResponse:
    """One recorded HTTP response, as it is replayed.

    ``headers`` are the recorded header lines in order (bytes, as sent),
    without ``Transfer-Encoding``: ``body`` is always de-chunked, but
    keeps its ``Content-Encoding`` (a gzip body stays gzip).
    """

    url: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    warc_date: str | None = None
    path: str = ""
    offset: int = field(default=0, compare=False)

    def header(self, name: str | bytes) -> bytes | None:
        """Return the first value of header ``name`` (any case), or ``None``."""
        key = (name.encode("latin-1") if isinstance(name, str) else name).lower()
        return next((value for header, value in self.headers if header.lower() == key), None)


class _Location(NamedTuple):
    """Where a record is: a byte range of a file (a gzip member, or the record
    itself in an uncompressed file), then the record inside what that range
    decompresses to, then the record's block (the HTTP message) inside it."""

    file: int
    offset: int
    length: int
    gzip: bool
    record_offset: int
    block_start: int
    block_length: int
    target_uri: str
    warc_date: str | None
    block_digest: str | None
    #: A revisit's: the response record whose body it stands for.
    body: _Location | None = None


class _WarcHeader(NamedTuple):
    offset: int  # of the record, in the scanned bytes
    length: int  # of the whole record, with its trailing CRLF CRLF
    block_start: int  # relative to offset
    block_length: int
    fields: dict[str, str]


def _parse_fields(lines: list[bytes]) -> dict[str, str]:
    """Parse ``Name: value`` lines (with folded continuation lines); first value wins."""
    fields: dict[str, str] = {}
    last = ""
    for line in lines:
        if line[:1] in (b" ", b"\t") and last:
            fields[last] += " " + line.strip().decode("utf-8", "replace")
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        last = name.strip().decode("utf-8", "replace").lower()
        if last in fields:
            last = ""
            continue
        fields[last] = value.strip().decode("utf-8", "replace")
    return fields


def _scan_records(
    read: Callable[[int, int], bytes], size: int, path: str, where: Callable[[int], int]
) -> Iterator[_WarcHeader]:
    """Yield the WARC records of ``size`` bytes read with ``read(length, offset)``.

    ``where(offset)`` maps an offset in the scanned bytes to the file offset
    an error message should name.
    """
    pos = 0
    while pos < size:
        head = read(min(_READ_BLOCK, size - pos), pos)
        # Records are separated by CRLF CRLF; tolerate extra blank lines.
        skip = len(head) - len(head.lstrip(b"\r\n"))
        if skip:
            pos += skip
            continue
        end = head.find(b"\r\n\r\n")
        while end < 0 and len(head) < min(_MAX_WARC_HEADER, size - pos):
            head = read(min(_MAX_WARC_HEADER, size - pos), pos)
            end = head.find(b"\r\n\r\n")
        if not head.startswith(b"WARC/"):
            raise ArchiveError(path, where(pos), f"not a WARC record (it starts with {head[:32]!r})")
        if end < 0 and size - pos > _MAX_WARC_HEADER:
            raise ArchiveError(
                path, where(pos), f"corrupt WARC record: its header is longer than {_MAX_WARC_HEADER} bytes"
            )
        if end < 0:
            raise ArchiveError(path, where(pos), "truncated WARC record: its header has no end")
        lines = head[:end].split(b"\r\n")
        if not _WARC_VERSION_RE.fullmatch(lines[0]):
            raise ArchiveError(path, where(pos), f"corrupt WARC record: bad version line {lines[0][:32]!r}")
        fields = _parse_fields(lines[1:])
        # Once its header is read, a record is named in errors by its id and URI.
        name = f" (record {fields.get('warc-record-id', '?')} of {fields.get('warc-target-uri', '?')})"
        try:
            block_length = int(fields["content-length"])
            if block_length < 0:
                raise ValueError(block_length)
        except (KeyError, ValueError):
            raise ArchiveError(
                path,
                where(pos),
                f"WARC record without a valid Content-Length ({fields.get('content-length')!r}){name}",
            ) from None
        block_start = end + 4
        record_end = pos + block_start + block_length
        if record_end + 4 > size:
            raise ArchiveError(
                path,
                where(pos),
                f"truncated WARC record: Content-Length {block_length} runs past the end of the data{name}",
            )
        if read(4, record_end) != b"\r\n\r\n":
            raise ArchiveError(
                path,
                where(pos),
                f"corrupt WARC record: no CRLF CRLF after its {block_length}-byte block{name}",
            )
        yield _WarcHeader(pos, record_end + 4 - pos, block_start, block_length, fields)
        pos = record_end + 4


# WARC 1.0 and 1.1 spell the revisit profiles alike but for their version.
_IDENTICAL_PAYLOAD = "/revisit/identical-payload-digest"
_NOT_MODIFIED = "/revisit/server-not-modified"
_HEX_RE = re.compile(r"[0-9a-fA-F]+")


def _digest_key(digest: str | None) -> str | None:
    """A WARC digest in one spelling (``sha1:BASE32``), whether written in base32 or hex.

    >>> _digest_key("sha1:" + "ab" * 20) == _digest_key("SHA-1:VOV2XK5LVOV2XK5LVOV2XK5LVOV2XK5L")
    True
    """
    algorithm, _, value = (digest or "").strip().partition(":")
    algorithm, value = algorithm.strip().lower().replace("-", ""), value.strip()
    if not algorithm or not value:
        return None
    if _HEX_RE.fullmatch(value):
        try:
            size = hashlib.new(algorithm).digest_size
        except ValueError:
            size = 0
        if len(value) == 2 * size:
            value = base64.b32encode(bytes.fromhex(value)).decode()
    return f"{algorithm}:{value.upper()}"


def _digest_matches(digest: str, data: bytes) -> bool | None:
    """Check ``data`` against a WARC digest (``sha1:BASE32`` or hex); ``None`` if unknown."""
    key = _digest_key(digest)
    algorithm = key.partition(":")[0] if key else ""
    try:
        actual = hashlib.new(algorithm, data).digest()
    except ValueError:
        return None
    return key == f"{algorithm}:{base64.b32encode(actual).decode()}"


def _too_large(path: str, offset: int, limit: int) -> ArchiveError:
    return ArchiveError(
        path, offset, f"gzip member inflates past {limit:,} bytes (a record that large is refused)"
    )


def _gunzip_member(data: bytes, path: str, offset: int, limit: int) -> bytes:
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        raw = decompressor.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ArchiveError(path, offset, f"corrupt gzip member: {exc}") from None
    if len(raw) > limit:
        raise _too_large(path, offset, limit)
    if not decompressor.eof:
        raise ArchiveError(path, offset, "truncated gzip member")
    return raw


def _split_http(block: bytes, path: str, offset: int) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Parse a recorded HTTP response message into status, header lines, body."""
    # CRLF CRLF ends the headers; some writers use bare LFs, and a message
    # without a body may lack the blank line.  A bare-LF end counts only before
    # the CRLF one: searched up to it, not through the whole body.
    crlf = block.find(b"\r\n\r\n")
    lf = block.find(b"\n\n", 0, crlf if crlf >= 0 else len(block))
    if lf >= 0:
        end, sep_len = lf, 2
    elif crlf >= 0:
        end, sep_len = crlf, 4
    else:
        end, sep_len = len(block), 0
    lines = block[:end].replace(b"\r\n", b"\n").split(b"\n")
    status_line = lines[0].split(None, 2)
    try:
        if not status_line[0].upper().startswith(b"HTTP/"):
            raise ValueError(status_line[0])
        status = int(status_line[1])
    except (IndexError, ValueError):
        raise ArchiveError(
            path, offset, f"corrupt response record: bad HTTP status line {lines[0][:64]!r}"
        ) from None
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip())
            continue
        name, sep, value = line.partition(b":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    return status, headers, block[end + sep_len :]


class WarcArchive:
    """The ``response`` records of one or more WARC files, by canonical URL.

    Every file is indexed once, here: target URL (canonicalised with
    :func:`crawler.normalize.canonical_url` and ``tracking_params``) ->
    file and byte offset.  A URL recorded several times is answered with
    its last record (the last one of the last file).  A ``revisit`` record
    (profile ``identical-payload-digest``) answers with its own status and
    headers and the body of the response with its payload digest (or the
    one it refers to by URI and date); a ``server-not-modified`` revisit
    with the response it refers to.  A revisit whose response is not in the
    files is left out (counted in ``revisits_unresolved``, one warning);
    other records are skipped.  The files stay open until :meth:`close`;
    :meth:`get` reads one record with ``os.pread``, so one archive can
    serve several threads.

    A ``.warc.gz`` is expected to hold one gzip member per record; one
    whose members hold several records (a single gzip stream) is read
    all the same, but each lookup decompresses a whole member (``warcio
    recompress`` turns it into the fast form).

    Raises :class:`ArchiveError` naming the file and byte offset when a
    file is missing, corrupt or truncated, or when a gzip member inflates
    past ``max_member_size`` bytes (a gzip bomb is refused before it fills
    the memory): here for everything indexing reads, in :meth:`get` for the
    rest of a record.
    """

    def __init__(
        self,
        paths: Sequence[str | os.PathLike[str]],
        tracking_params: Sequence[str] = (),
        max_member_size: int = DEFAULT_MAX_MEMBER_SIZE,
    ) -> None:
        self.paths = [os.fspath(p) for p in paths]
        self.tracking_params = tuple(tracking_params)
        self.max_member_size = max_member_size
        self._fds: list[int] = []
        self._index: dict[str, _Location] = {}
        # Revisits are resolved once every file is read: the response a revisit
        # stands for may come later, or in another file.
        self._revisits: list[tuple[int, str, _Location, dict[str, str]]] = []
        self._order: dict[str, int] = {}  # canonical URL -> sequence number of its record
        self._sequence = 0
        self._by_payload: dict[str, _Location] = {}
        self._by_capture: dict[tuple[str, str], _Location] = {}
        self.records = 0
        self.revisits = 0
        self.revisits_unresolved = 0
        try:
            for number, path in enumerate(self.paths):
                try:
                    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
                except OSError as exc:
                    raise ArchiveError(path, None, f"cannot open the archive: {exc.strerror}") from None
                self._fds.append(fd)
                self._index_file(number, path, fd)
        except BaseException:
            self.close()
            raise
        self._resolve_revisits()
        logger.debug(
            "Indexed %d response and %d revisit records (%d URLs) of %s",
            self.records,
            self.revisits,
            len(self),
            self.paths,
        )

    # -- indexing ---------------------------------------------------------------

    def _index_file(self, number: int, path: str, fd: int) -> None:
        size = os.fstat(fd).st_size
        if os.pread(fd, 2, 0) == _GZIP_MAGIC:
            self._index_gzip(number, path, fd, size)
            return

        def read(length: int, offset: int) -> bytes:
            return os.pread(fd, length, offset)

        for header in _scan_records(read, size, path, lambda pos: pos):
            self._add(number, header, header.offset, header.length, gzip=False, record_offset=0)

    def _index_gzip(self, number: int, path: str, fd: int, size: int) -> None:
        offset = 0  # of the current member
        fed = 0  # compressed bytes of the current member fed so far
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        out: list[bytes] = []
        inflated = 0  # bytes the current member inflated to so far
        limit = self.max_member_size
        shared_members = 0
        position = 0
        while position < size:
            data = os.pread(fd, _READ_BLOCK, position)
            if not data:
                break
            position += len(data)
            while data:
                try:
                    # Bounded output: a member inflating past the limit is refused as it
                    # inflates, never held whole in memory.
                    chunk = decompressor.decompress(data, limit - inflated + 1)
                except zlib.error as exc:
                    raise ArchiveError(path, offset, f"corrupt gzip member: {exc}") from None
                inflated += len(chunk)
                if inflated > limit:
                    raise _too_large(path, offset, limit)
                out.append(chunk)
                if not decompressor.eof:
                    tail = decompressor.unconsumed_tail
                    fed += len(data) - len(tail)
                    data = tail
                    continue
                rest = decompressor.unused_data
                length = fed + len(data) - len(rest)
                shared_members += self._index_member(number, path, b"".join(out), offset, length) > 1
                offset += length
                data, fed, out, inflated = rest, 0, [], 0
                decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        if fed or any(out):
            raise ArchiveError(path, offset, "truncated gzip member: the file ends inside it")
        if shared_members:
            logger.warning(
                "%s: %d gzip members hold several WARC records each; every lookup of one of "
                "them decompresses the whole member (`warcio recompress` makes it one member "
                "per record)",
                path,
                shared_members,
            )

    def _index_member(self, number: int, path: str, raw: bytes, offset: int, length: int) -> int:
        def read(size: int, at: int) -> bytes:
            return raw[at : at + size]

        count = 0
        for header in _scan_records(read, len(raw), path, lambda pos: offset):
            self._add(number, header, offset, length, gzip=True, record_offset=header.offset)
            count += 1
        return count

    def _add(
        self, number: int, header: _WarcHeader, offset: int, length: int, *, gzip: bool, record_offset: int
    ) -> None:
        fields = header.fields
        record_type = fields.get("warc-type")
        if record_type not in ("response", "revisit"):
            return
        uri = fields.get("warc-target-uri", "").strip().strip("<>")
        if not uri.lower().startswith(("http://", "https://")):
            return  # dns: and other non-HTTP responses
        key = canonical_url(uri, self.tracking_params)
        location = _Location(
            number,
            offset,
            length,
            gzip,
            record_offset,
            header.block_start,
            header.block_length,
            uri,
            fields.get("warc-date"),
            fields.get("warc-block-digest"),
        )
        self._sequence += 1
        if record_type == "revisit":
            self._revisits.append((self._sequence, key, location, fields))
            return
        self.records += 1
        self._index[key] = location
        self._order[key] = self._sequence
        payload = _digest_key(fields.get("warc-payload-digest"))
        if payload is not None:
            self._by_payload.setdefault(payload, location)
        if location.warc_date:
            self._by_capture[(key, location.warc_date)] = location

    def _original(self, fields: dict[str, str]) -> _Location | None:
        """The response record a revisit refers to: by its URI and date, else its latest
        (``_index`` holds response records only until the revisits are resolved)."""
        target = fields.get("warc-refers-to-target-uri", "").strip().strip("<>")
        if not target:
            return None
        key = canonical_url(target, self.tracking_params)
        date = fields.get("warc-refers-to-date", "").strip()
        return self._by_capture.get((key, date)) or (self._index.get(key) if not date else None)

    def _resolve_revisits(self) -> None:
        resolved_revisits: list[tuple[int, str, _Location]] = []
        for sequence, key, revisit, fields in self._revisits:
            profile = fields.get("warc-profile", "")
            resolved: _Location | None = None
            if profile.endswith(_IDENTICAL_PAYLOAD):
                payload = _digest_key(fields.get("warc-payload-digest"))
                original = self._by_payload.get(payload) if payload else None
                original = original or self._original(fields)
                if original is not None:
                    resolved = revisit._replace(body=original)
            elif profile.endswith(_NOT_MODIFIED):
                original = self._original(fields)
                if original is not None:
                    resolved = original._replace(target_uri=revisit.target_uri, warc_date=revisit.warc_date)
            if resolved is None:
                self.revisits_unresolved += 1
                continue
            resolved_revisits.append((sequence, key, resolved))
        self.revisits = len(resolved_revisits)
        # Into the index once all are resolved: a revisit refers to a response, never to a revisit.
        for sequence, key, resolved in resolved_revisits:
            if sequence > self._order.get(key, 0):
                self._index[key] = resolved
                self._order[key] = sequence
        if self.revisits_unresolved:
            logger.warning(
                "%s: %d revisit record(s) refer to a response that is not in the archive (or have a "
                "profile other than identical-payload-digest and server-not-modified): left out",
                ", ".join(self.paths),
                self.revisits_unresolved,
            )
        self._revisits.clear()
        self._order.clear()
        self._by_payload.clear()
        self._by_capture.clear()

    # -- lookups ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and canonical_url(url, self.tracking_params) in self._index

    def urls(self) -> list[str]:
        """Return the recorded target URLs, one per canonical URL."""
        return [location.target_uri for location in self._index.values()]

    def get(self, url: str) -> ArchivedResponse | None:
        """Return the last recorded response for ``url`` (compared canonically), or ``None``."""
        location = self._index.get(canonical_url(url, self.tracking_params))
        if location is None:
            return None
        try:
            return self._read(location)
        except ArchiveError as exc:
            # Name the record by its URL too: the offset alone does not say which page it is.
            raise ArchiveError(exc.path, exc.offset, f"{exc.reason} ({location.target_uri})") from None

    def _read(self, location: _Location) -> ArchivedResponse:
        status, headers, body = self._message(location)
        if location.body is not None:
            # A revisit of an identical payload: its own status and headers, the body recorded before.
            body = self._message(location.body)[2]
        return ArchivedResponse(
            url=location.target_uri,
            status=status,
            headers=headers,
            body=body,
            warc_date=location.warc_date,
            path=self.paths[location.file],
            offset=location.offset,
        )

    def _message(self, location: _Location) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """The status, header lines (framing left out) and de-chunked body of a record's HTTP message."""
        if not self._fds:
            raise ValueError("the archive is closed")
        path = self.paths[location.file]
        try:
            data = os.pread(self._fds[location.file], location.length, location.offset)
        except OSError as exc:
            raise ArchiveError(path, location.offset, f"cannot read the record: {exc.strerror}") from None
        if len(data) < location.length:
            raise ArchiveError(
                path, location.offset, "truncated record: the file is shorter than when it was indexed"
            )
        if location.gzip:
            data = _gunzip_member(data, path, location.offset, self.max_member_size)
        start = location.record_offset + location.block_start
        block = data[start : start + location.block_length]
        if len(block) < location.block_length or not data.startswith(b"WARC/", location.record_offset):
            raise ArchiveError(path, location.offset, "corrupt record: the file changed since it was indexed")
        # Payload corruption shows only here: indexing skips the blocks of an uncompressed file.
        if location.block_digest and _digest_matches(location.block_digest, block) is False:
            raise ArchiveError(
                path, location.offset, f"corrupt record: its block does not match {location.block_digest}"
            )
        status, headers, body = _split_http(block, path, location.offset)
        if any(
            name.lower() == b"transfer-encoding" and b"chunked" in value.lower() for name, value in headers
        ):
            # warcio de-chunks (and falls back to the raw bytes when they are not chunked).
            body = ChunkedDataReader(BytesIO(body)).read()
        return (
            status,
            [(name, value) for name, value in headers if name.lower() not in _FRAMING_HEADERS],
            body,
        )

    # -- life cycle -------------------------------------------------------------

    def close(self) -> None:
        """Close the files (lookups then fail)."""
        fds, self._fds = self._fds, []
        for fd in fds:
            os.close(fd)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
