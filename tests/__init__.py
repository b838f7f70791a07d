"""Tests of the xiuzhou crawler."""

from __future__ import annotations

from pathlib import Path

TESTS_DIR = Path(__file__).parent
REPO_DIR = TESTS_DIR.parent
SAMPLE_DATA = TESTS_DIR / "sample_data"
PORTAL_DIR = SAMPLE_DATA / "portal"


def get_testdata(*paths: str) -> bytes:
    """The bytes of a file under tests/sample_data."""
    return Path(SAMPLE_DATA, *paths).read_bytes()


def project_settings(**overrides: object) -> dict[str, object]:
    """The project's settings (crawler/settings.py) as a dict, with overrides."""
    import crawler.settings as module

    values = {name: getattr(module, name) for name in dir(module) if name.isupper()}
    return {**values, **overrides}


def open_writer(pipeline: type, output: Path, **settings: object) -> tuple:
    """A crawler and its ``pipeline`` writing ``output`` (fsync every record), opened as a crawl opens it."""
    from scrapy import Spider
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(
        Spider,
        project_settings(ARTICLES_OUTPUT=str(output), ARTICLES_FSYNC_EVERY=1, EXTENSIONS={}, **settings),
    )
    crawler.stats.open_spider()
    writer = build_from_crawler(pipeline, crawler)
    writer.open_spider()
    return crawler, writer
