"""Extensions for scheduled, unattended runs: lock, health, report, progress.

See ``docs/scheduling.md``.  Every extension here is enabled in
``crawler/settings.py`` (``EXTENSIONS``) and driven by the settings of its
"Scheduled runs" group.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

#: Stats key holding the run id shared by the lock, the report and the log.
RUN_ID_STAT = "run/id"


def output_dir(settings: BaseSettings) -> Path | None:
    """Return the directory of ``ARTICLES_OUTPUT``: lock, state and reports live there."""
    output = settings.get("ARTICLES_OUTPUT")
    if not output:
        return None
    return Path(output).parent


def make_run_id(when: datetime, pid: int) -> str:
    """Return a run id that sorts by start time: UTC time to the second, then the PID.

    >>> make_run_id(datetime(2026, 11, 29, 6, 38, 12, tzinfo=UTC), 4242)
    '20261129T063812Z-4242'
    """
    return f"{when.astimezone(UTC):%Y%m%dT%H%M%SZ}-{pid}"


def run_id(crawler: Crawler) -> str:
    """Return the id of this crawler's run, made on first use and kept in the stats."""
    value = crawler.stats.get_value(RUN_ID_STAT)
    if value is None:
        value = make_run_id(datetime.now(UTC), os.getpid())
        crawler.stats.set_value(RUN_ID_STAT, value)
    return str(value)
