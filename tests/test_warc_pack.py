"""Tests of crawler.warc.pack: the saved snapshot packed into a deterministic gzip WARC."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.warc.archive import WarcArchive
from crawler.warc.pack import ManifestError, main, pack
from tests import PORTAL_DIR, REPO_DIR

if TYPE_CHECKING:
    from pathlib import Path

ARTICLE_TEXT = '<html><head><meta charset="gb2312"></head><body>秀洲 朱镕基 陶喆</body></html>'


def write_snapshot(root: Path, records: list[dict[str, object]] | None = None) -> Path:
    """A tiny snapshot: a redirect, a GBK article, a raw file, a recorded 404."""
    (root / "pages").mkdir(parents=True, exist_ok=True)
    (root / "pages" / "article.shtml").write_text(ARTICLE_TEXT, "utf-8")
    (root / "pages" / "robots.txt").write_bytes(b"User-agent: *\nDisallow:\n")
    if records is None:
        records = [
            {
                "url": "http://jxxznews.zjol.com.cn/",
                "status": 302,
                "headers": [["Location", "http://jxxznews.zjol.com.cn/xznews/"]],
                "file": None,
            },
            {
                "url": "http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml",
                "status": 200,
                "headers": [["Content-Type", "text/html"], ["Content-Length", "999"]],
                "file": "pages/article.shtml",
                "encoding": "gbk",
            },
            {
                "url": "http://jxxznews.zjol.com.cn/robots.txt",
                "status": 200,
                "headers": [["Content-Type", "text/plain"]],
                "file": "pages/robots.txt",
            },
            {"url": "http://jxxznews.zjol.com.cn/gone.shtml", "status": 404, "headers": [], "file": None},
        ]
    manifest = {"fetched_at": "2019-07-15T08:00:00Z", "records": records}
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return root


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from warcio.cli import main; main()", "check", "-v", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "portal")


def test_two_builds_are_byte_identical(snapshot, tmp_path):
    first, second = tmp_path / "a" / "snapshot.warc.gz", tmp_path / "b" / "snapshot.warc.gz"
    assert pack(snapshot, first) == first.stat().st_size
    pack(snapshot, second)
    assert first.read_bytes() == second.read_bytes()
    pack(snapshot, first)  # rebuilt in place
    assert first.read_bytes() == second.read_bytes()


def test_warcio_check_accepts_the_output(snapshot, tmp_path):
    out = tmp_path / "snapshot.warc.gz"
    pack(snapshot, out)
    result = warcio_check(out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("digest pass") == 9  # warcinfo + 4 x (request, response)


def test_records_in_order_with_fixed_dates_and_ids(snapshot, tmp_path):
    out = tmp_path / "snapshot.warc.gz"
    pack(snapshot, out)
    with out.open("rb") as fh:
        records = [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.rec_headers.get_header("WARC-Date"),
                r.rec_headers.get_header("WARC-Record-ID"),
                r.rec_headers.get_header("WARC-Concurrent-To"),
            )
            for r in ArchiveIterator(fh)
        ]
    assert [r[0] for r in records] == ["warcinfo"] + ["request", "response"] * 4
    assert {r[2] for r in records} == {"2019-07-15T08:00:00Z"}
    ids = [r[3] for r in records]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("<urn:uuid:") for i in ids)
    for request, response in zip(records[1::2], records[2::2], strict=True):
        assert request[1] == response[1]
        assert request[4] == response[3]  # the request points at its response


def test_http_messages(snapshot, tmp_path):
    out = tmp_path / "snapshot.warc.gz"
    pack(snapshot, out)
    raw = gzip.decompress(out.read_bytes())
    assert b"GET /xznews/system/2010/12/29/013095123.shtml HTTP/1.1\r\nHost: jxxznews.zjol.com.cn\r\n" in raw
    assert (
        b"HTTP/1.1 302 Found\r\nLocation: http://jxxznews.zjol.com.cn/xznews/\r\nContent-Length: 0\r\n" in raw
    )
    assert b"HTTP/1.1 404 Not Found\r\n" in raw
    body = ARTICLE_TEXT.encode("gbk")
    # The manifest's Content-Length is replaced by the real one.
    assert (
        f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n".encode() in raw
    )
    assert b"999" not in raw


def test_bodies_round_trip(snapshot, tmp_path):
    out = tmp_path / "snapshot.warc.gz"
    pack(snapshot, out)
    with WarcArchive([out]) as archive:
        article = archive.get("http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml")
        assert article is not None
        assert article.body == ARTICLE_TEXT.encode("gbk")
        assert "镕".encode("gbk") in article.body  # a GBK-only character, not in GB2312
        robots = archive.get("http://jxxznews.zjol.com.cn/robots.txt")
        assert robots is not None
        assert robots.body == (snapshot / "pages" / "robots.txt").read_bytes()
        redirect = archive.get("http://jxxznews.zjol.com.cn/")
        assert redirect is not None
        assert (redirect.status, redirect.header("location"), redirect.body) == (
            302,
            b"http://jxxznews.zjol.com.cn/xznews/",
            b"",
        )


def test_a_url_listed_twice_gets_distinct_ids_and_the_later_wins(tmp_path):
    page = {"url": "http://jxxznews.zjol.com.cn/a.shtml", "headers": [], "file": None}
    snapshot = write_snapshot(tmp_path / "portal", [{**page, "status": 500}, {**page, "status": 200}])
    out = tmp_path / "x.warc.gz"
    pack(snapshot, out)
    with out.open("rb") as fh:
        ids = [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(fh)]
    assert len(set(ids)) == 5
    with WarcArchive([out]) as archive:
        assert archive.get(page["url"]).status == 200


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"url": "http://a/", "status": 200, "file": "pages/missing.html"}], "cannot read"),
        ([{"url": "http://a/", "status": 200, "file": "../outside.html"}], "outside the snapshot"),
        ([{"url": "http://a/", "status": 2000, "file": None}], "status must be"),
        ([{"url": "http://a/", "status": 200, "headers": [["X"]], "file": None}], "headers must be"),
        ([{"status": 200, "file": None}], "'url'"),
        (
            [{"url": "http://a/", "status": 200, "file": "pages/emoji.html", "encoding": "gbk"}],
            "does not convert from UTF-8 to gbk",
        ),
        (
            [{"url": "http://a/", "status": 200, "file": "pages/emoji.html", "encoding": "klingon"}],
            "unknown encoding",
        ),
    ],
)
def test_bad_manifests_fail_clearly_and_write_nothing(tmp_path, records, message):
    snapshot = write_snapshot(tmp_path / "portal", records)
    (snapshot / "pages" / "emoji.html").write_text("秀洲 \U0001f600", "utf-8")
    out = tmp_path / "out" / "snapshot.warc.gz"
    with pytest.raises(ManifestError, match=message) as info:
        pack(snapshot, out)
    assert "record 0" in str(info.value)
    assert list(out.parent.iterdir()) == []  # no partial output, no temp file


def test_a_failed_build_keeps_the_previous_output(snapshot, tmp_path):
    out = tmp_path / "snapshot.warc.gz"
    pack(snapshot, out)
    before = out.read_bytes()
    (snapshot / "pages" / "article.shtml").unlink()
    with pytest.raises(ManifestError):
        pack(snapshot, out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("fetched_at", ["2019-07-15T08:00:00", "yesterday", None])
def test_fetched_at_must_be_a_utc_time(tmp_path, fetched_at):
    snapshot = write_snapshot(tmp_path / "portal", [])
    manifest = json.loads((snapshot / "manifest.json").read_text("utf-8"))
    manifest["fetched_at"] = fetched_at
    (snapshot / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(ManifestError, match="fetched_at"):
        pack(snapshot, tmp_path / "x.warc.gz")


def test_main(snapshot, tmp_path, capsys):
    out = tmp_path / "build" / "snapshot.warc.gz"
    assert main([str(snapshot), "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert main([str(tmp_path / "nowhere"), "-o", str(out)]) == 1
    assert "manifest.json" in capsys.readouterr().err


def test_module_command_line(snapshot, tmp_path):
    out = tmp_path / "snapshot.warc.gz"
    result = subprocess.run(
        [sys.executable, "-m", "crawler.warc.pack", str(snapshot), "-o", str(out)],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:2] == b"\x1f\x8b"


@pytest.mark.skipif(
    not (PORTAL_DIR / "manifest.json").exists(), reason="the portal snapshot is not there yet"
)
def test_the_portal_snapshot_packs_deterministically_and_checks(tmp_path):
    first, second = tmp_path / "a" / "snapshot.warc.gz", tmp_path / "b" / "snapshot.warc.gz"
    pack(PORTAL_DIR, first)
    pack(PORTAL_DIR, second)
    assert first.read_bytes() == second.read_bytes()
    result = warcio_check(first)
    assert result.returncode == 0, result.stdout + result.stderr
