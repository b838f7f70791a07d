"""WARC: pack the saved snapshot, replay a crawl from WARC files, record one into a WARC.

- :mod:`crawler.warc.pack`: ``manifest.json`` + files -> deterministic ``.warc.gz``;
- :class:`WarcArchive`: the responses of WARC files by canonical URL;
- :class:`ReplayMiddleware` (``REPLAY_ARCHIVE``) and
  :class:`WarcRecorderMiddleware` (``WARC_OUTPUT``): downloader middlewares.
"""

from __future__ import annotations

from crawler.warc.archive import ArchivedResponse, ArchiveError, WarcArchive
from crawler.warc.middlewares import ReplayMiddleware, WarcRecorderMiddleware
from crawler.warc.pack import ManifestError, pack

__all__ = [
    "ArchiveError",
    "ArchivedResponse",
    "ManifestError",
    "ReplayMiddleware",
    "WarcArchive",
    "WarcRecorderMiddleware",
    "pack",
]
