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
