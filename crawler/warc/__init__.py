"""WARC: pack the saved snapshot, replay a crawl from WARC files, record one into a WARC.

- :mod:`crawler.warc.pack`: ``manifest.json`` + files -> deterministic ``.warc.gz``;
- :class:`WarcArchive`: the responses of WARC files by canonical URL;
- :class:`ReplayMiddleware` (``REPLAY_ARCHIVE``) and
  :class:`WarcRecorderMiddleware` (``WARC_OUTPUT``): downloader middlewares.

The names are imported on first use, so that ``python -m crawler.warc.pack``
neither imports Scrapy nor runs a module that the package already imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.warc.archive import ArchivedResponse, ArchiveError, WarcArchive
    from crawler.warc.middlewares import ReplayMiddleware, WarcRecorderMiddleware
    from crawler.warc.pack import ManifestError, pack

_EXPORTS = {
    "ArchiveError": "crawler.warc.archive",
    "ArchivedResponse": "crawler.warc.archive",
    "WarcArchive": "crawler.warc.archive",
    "ReplayMiddleware": "crawler.warc.middlewares",
    "WarcRecorderMiddleware": "crawler.warc.middlewares",
    "ManifestError": "crawler.warc.pack",
    "pack": "crawler.warc.pack",
}

__all__ = [
    "ArchiveError",
    "ArchivedResponse",
    "ManifestError",
    "ReplayMiddleware",
    "WarcArchive",
    "WarcRecorderMiddleware",
    "pack",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
