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
from crawler.distributed.merge import ShardInUse, merge_shards
from crawler.extensions.lock import CrawlLocked

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)


class Command(ScrapyCommand):
    """Merge ``<output dir>/shards/*.jsonl`` into ``ARTICLES_OUTPUT``; exit 0, or 75 when it must wait.

    It waits (exit 75) while a worker or a crawl uses the output, while a
    worker still writes a shard, and, with ``REDIS_URL``, while the
    distributed run is not finished (``--unfinished`` merges anyway: what
    the run adds later may then keep another copy of an article than one
    uninterrupted crawl would).  Settings: ``ARTICLES_OUTPUT``,
    ``ARTICLES_FSYNC_EVERY``, ``DEDUP_ENABLED``, ``REDIS_URL``,
    ``DISTRIBUTED_KEY_PREFIX``.
    """

    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_LEVEL": "INFO"}  # noqa: RUF012

    def syntax(self) -> str:
        return "[-s ARTICLES_OUTPUT=path] [-s REDIS_URL=url] [--unfinished]"

    def short_desc(self) -> str:
        return "Merge the shards of a distributed crawl into ARTICLES_OUTPUT (exit 75: not yet)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--unfinished",
            action="store_true",
            help="merge even though the distributed run in Redis (REDIS_URL) is not finished",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("merge_shards takes no arguments; set the output with -s ARTICLES_OUTPUT=…")
        assert self.settings is not None
        output = self.settings.get("ARTICLES_OUTPUT")
        if not output:
            raise UsageError("ARTICLES_OUTPUT is empty")
        if self.settings.get("REDIS_URL") and not opts.unfinished:
            reason = self._unfinished_run()
            if reason:
                logger.error(
                    "%(reason)s: not merging yet (exit code %(code)d)",
                    {"reason": reason, "code": EXIT_LOCKED},
                )
                self.exitcode = EXIT_LOCKED
                return
        try:
            result = merge_shards(
                Path(output),
                fsync_every=self.settings.getint("ARTICLES_FSYNC_EVERY"),
                dedup=self.settings.getbool("DEDUP_ENABLED"),
            )
        except (CrawlLocked, ShardInUse) as exc:
            logger.error("%(message)s (exit code %(code)d)", {"message": exc, "code": EXIT_LOCKED})
            self.exitcode = EXIT_LOCKED
            return
        print(result.summary())
        self.exitcode = EXIT_OK

    def _unfinished_run(self) -> str | None:
        from scrapy_redis import connection

        from crawler.distributed.coordination import unfinished_run

        assert self.settings is not None
        server = connection.get_redis_from_settings(self.settings)
        return unfinished_run(server, self.settings.get("DISTRIBUTED_KEY_PREFIX"))
