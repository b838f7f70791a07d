"""Shared fixtures: the bundled snapshot as a WARC, and one crawl of it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from tests.crawl import read_jsonl, run_crawl
from tests.snapshots import pack

if TYPE_CHECKING:
    from pathlib import Path

from tests import PORTAL_DIR


@pytest.fixture(scope="session")
def snapshot_warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled snapshot packed into a gzip WARC (once per session)."""
    return pack(PORTAL_DIR, tmp_path_factory.mktemp("snapshot") / "snapshot.warc.gz")


@dataclass
class CrawlResult:
    output: Path
    returncode: int
    log: str

    @property
    def records(self) -> list[dict]:
        return read_jsonl(self.output)


@pytest.fixture(scope="session")
def first_crawl(snapshot_warc: Path, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """One replay crawl of the bundled snapshot into an empty output (read-only: copy it to change it)."""
    output = tmp_path_factory.mktemp("first_crawl") / "articles.jsonl"
    proc = run_crawl({"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": output})
    return CrawlResult(output, proc.returncode, proc.stderr)


@pytest.fixture
def crawled_output(first_crawl: CrawlResult, tmp_path: Path) -> Path:
    """A writable copy of the first crawl's output directory; returns its articles.jsonl."""
    target = tmp_path / "out"
    shutil.copytree(first_crawl.output.parent, target)
    return target / first_crawl.output.name
