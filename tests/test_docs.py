"""The documentation names every setting the project adds."""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import default_settings

import crawler.settings

REPO = Path(__file__).resolve().parent.parent
# Read by scrapy-redis, not by Scrapy: documented with the distributed mode.
SCRAPY_REDIS_SETTINGS = frozenset({"REDIS_URL", "MAX_IDLE_TIME_BEFORE_CLOSE"})


def project_setting_names() -> list[str]:
    """Settings of crawler/settings.py that Scrapy does not define."""
    return sorted(
        name for name in vars(crawler.settings) if name.isupper() and not hasattr(default_settings, name)
    )


def test_every_setting_the_project_adds_is_documented():
    docs = "\n".join(
        path.read_text("utf-8") for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    )
    names = project_setting_names()
    assert len(names) > 30  # the portal, containment, traps, output, WARC, health, GC, distributed…
    assert [name for name in names if f"`{name}`" not in docs] == []


def test_no_setting_is_left_that_nothing_reads():
    """Each project setting is read somewhere in the package (or by scrapy-redis)."""
    package = "\n".join(
        path.read_text("utf-8") for path in (REPO / "crawler").rglob("*.py") if path.name != "settings.py"
    )
    unread = [
        name
        for name in project_setting_names()
        if name not in SCRAPY_REDIS_SETTINGS and f'"{name}"' not in package
    ]
    assert unread == []
