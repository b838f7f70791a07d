"""Pack a saved portal snapshot (``manifest.json`` + files) into a gzip WARC.

The output is deterministic: the same snapshot gives a byte-identical file
on every build (fixed WARC-Date from the manifest's ``fetched_at``, record
ids derived from type and URL, gzip members with a fixed header)::

    python -m crawler.warc.pack tests/sample_data/portal -o build/snapshot.warc.gz

The manifest::

    {"fetched_at": "2019-07-15T08:00:00Z",
     "records": [{"url": "http://jxxznews.zjol.com.cn/xznews/",
                  "status": 200,
                  "headers": [["Content-Type", "text/html"]],
                  "file": "pages/xznews/index.shtml",
                  "encoding": "gbk"}]}

``file`` is relative to the manifest's folder, ``null`` for an empty body
(a redirect, a 404).  With ``encoding`` the file is UTF-8 text that is
encoded to that charset, strictly (the portal serves GBK bytes); without
it the file's bytes are the body as they are.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.warc.records import RecordSerializer, record_id
from crawler.warc.writer import gzip_member

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

logger = logging.getLogger(__name__)

SOFTWARE = "xiuzhou-crawler crawler.warc.pack"


class ManifestError(ValueError):
    """The snapshot's manifest or one of its files cannot be packed."""


def _warc_date(fetched_at: object) -> str:
    if not isinstance(fetched_at, str):
        raise ManifestError(f"fetched_at must be an ISO 8601 UTC time, got {fetched_at!r}")
    try:
        moment = datetime.fromisoformat(fetched_at)
    except ValueError as exc:
        raise ManifestError(f"fetched_at is not an ISO 8601 time: {fetched_at!r}") from exc
    if moment.tzinfo is None:
        raise ManifestError(f"fetched_at needs a time zone (e.g. a trailing Z): {fetched_at!r}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _body(snapshot_dir: Path, entry: dict[str, Any], where: str) -> bytes:
    name = entry.get("file")
    if name is None:
        return b""
    if not isinstance(name, str) or not name:
        raise ManifestError(f"{where}: file must be a relative path or null, got {name!r}")
    path = (snapshot_dir / name).resolve()
    if not path.is_relative_to(snapshot_dir.resolve()):
        raise ManifestError(f"{where}: file {name!r} lies outside the snapshot folder")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"{where}: cannot read {path}: {exc.strerror}") from exc
    encoding = entry.get("encoding")
    if encoding is None:
        return raw
    try:
        return raw.decode("utf-8").encode(encoding, errors="strict")
    except LookupError as exc:
        raise ManifestError(f"{where}: unknown encoding {encoding!r}") from exc
    except UnicodeError as exc:
        raise ManifestError(f"{where}: {path} does not convert from UTF-8 to {encoding}: {exc}") from exc


def _headers(entry: dict[str, Any], body: bytes, where: str) -> list[tuple[bytes, bytes]]:
    headers = entry.get("headers", [])
    if not isinstance(headers, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        for pair in headers
    ):
        raise ManifestError(f"{where}: headers must be a list of [name, value] string pairs")
    # The manifest is text: header values are sent as UTF-8 bytes.
    pairs = [
        (name.encode("latin-1"), value.encode("utf-8"))
        for name, value in headers
        if name.lower() != "content-length"
    ]
    pairs.append((b"Content-Length", str(len(body)).encode("ascii")))
    return pairs


def iter_records(snapshot_dir: Path, filename: str) -> Iterator[bytes]:
    """Yield the records (not compressed) of the WARC of the snapshot in ``snapshot_dir``."""
    manifest_path = snapshot_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"cannot read {manifest_path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ManifestError(f"{manifest_path} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("records"), list):
        raise ManifestError(f"{manifest_path}: expected an object with a 'records' list")
    date = _warc_date(manifest.get("fetched_at"))
    serializer = RecordSerializer()

    info_headers = {"WARC-Record-ID": record_id("warcinfo", filename), "WARC-Date": date}
    info_record = serializer.create_warcinfo_record(
        filename, {"software": SOFTWARE, "format": "WARC File Format 1.0"}
    )
    for name, value in info_headers.items():
        info_record.rec_headers.replace_header(name, value)
    yield serializer.record_bytes(info_record)

    seen: dict[str, int] = {}
    for index, entry in enumerate(manifest["records"]):
        where = f"{manifest_path} record {index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise ManifestError(f"{where}: expected an object with a 'url' string")
        url = entry["url"]
        status = entry.get("status")
        if not isinstance(status, int) or not 100 <= status <= 999:
            raise ManifestError(f"{where}: status must be an HTTP status code, got {status!r}")
        body = _body(snapshot_dir, entry, where)
        headers = _headers(entry, body, where)
        # A URL listed twice still gets distinct record ids (the later one wins on replay).
        repeat = seen.get(url, 0)
        seen[url] = repeat + 1
        suffix = (str(repeat),) if repeat else ()
        response_id = record_id("response", url, *suffix)
        response = serializer.response_record(
            url, {"WARC-Record-ID": response_id, "WARC-Date": date}, status, headers, body
        )
        yield serializer.request_record(
            url,
            {
                "WARC-Record-ID": record_id("request", url, *suffix),
                "WARC-Date": date,
                "WARC-Concurrent-To": response_id,
            },
        )
        yield response


def pack(snapshot_dir: str | os.PathLike[str], output: str | os.PathLike[str]) -> int:
    """Write the WARC of the snapshot in ``snapshot_dir`` to ``output``; return its size.

    The file is written next to ``output`` under a temporary name and
    renamed into place, so a reader never sees half a WARC.
    """
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for record in iter_records(Path(snapshot_dir), out.name):
                fh.write(gzip_member(record))
            fh.flush()
            os.fsync(fh.fileno())
            size = fh.tell()
        # mkstemp creates the file 0600; give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        Path(tmp_name).chmod(0o666 & ~umask)
        Path(tmp_name).replace(out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return size


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (``xiuzhou-warc-pack``)."""
    parser = argparse.ArgumentParser(prog="xiuzhou-warc-pack", description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", help="folder holding manifest.json and the saved files")
    parser.add_argument("-o", "--output", required=True, help="the .warc.gz file to write")
    args = parser.parse_args(argv)
    try:
        size = pack(args.snapshot, args.output)
    except ManifestError as exc:
        print(f"xiuzhou-warc-pack: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.output} ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
