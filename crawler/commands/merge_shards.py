"""``scrapy merge_shards``: append the records of a distributed crawl's shards to the output.

See docs/distributed.md.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.crawl import EXIT_LOCKED, EXIT_OK
from crawler.distributed.merge import merge_shards
from crawler.extensions.lock import CrawlLocked

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    """Merge ``<output dir>/shards/*.jsonl`` into ``ARTICLES_OUTPUT``; exit 0, or 75 while it is in use.

    Settings: ``ARTICLES_OUTPUT`` (``-s ARTICLES_OUTPUT=…``),
    ``ARTICLES_FSYNC_EVERY``, ``DEDUP_ENABLED``.
    """

    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_LEVEL": "INFO"}  # noqa: RUF012

    def syntax(self) -> str:
        return "[-s ARTICLES_OUTPUT=path]"

    def short_desc(self) -> str:
        return "Merge the shards of a distributed crawl into ARTICLES_OUTPUT (exit 75 while it is in use)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("merge_shards takes no arguments; set the output with -s ARTICLES_OUTPUT=…")
        assert self.settings is not None
        output = self.settings.get("ARTICLES_OUTPUT")
        if not output:
            raise UsageError("ARTICLES_OUTPUT is empty")
        try:
            result = merge_shards(
                Path(output),
                fsync_every=self.settings.getint("ARTICLES_FSYNC_EVERY"),
                dedup=self.settings.getbool("DEDUP_ENABLED"),
            )
        except CrawlLocked as exc:
            logger.error("%(message)s (exit code %(code)d)", {"message": exc, "code": EXIT_LOCKED})
            self.exitcode = EXIT_LOCKED
            return
        print(result.summary())
        self.exitcode = EXIT_OK
