"""The bundled snapshot and snapshots derived from it, packed into WARC files."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING, Any

from crawler.warc.pack import pack as pack_warc
from tests import PORTAL_DIR

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

HOST = "http://jxxznews.zjol.com.cn"


def pack(portal_dir: Path, out: Path) -> Path:
    pack_warc(portal_dir, out)
    return out


def expected_records() -> list[dict[str, Any]]:
    """The hand-checked expected records of the bundled snapshot."""
    text = (PORTAL_DIR / "expected.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


class DerivedSnapshot:
    """A copy of the bundled snapshot to change page by page, then pack."""

    def __init__(self, root: Path) -> None:
        shutil.copytree(
            PORTAL_DIR, root, ignore=shutil.ignore_patterns("expected.jsonl", "*.py", "README.md")
        )
        self.root = root
        self.manifest = json.loads((root / "manifest.json").read_text("utf-8"))

    def _record(self, url: str) -> dict[str, Any]:
        for record in self.manifest["records"]:
            if record["url"] == url:
                return record
        raise KeyError(url)

    def page_path(self, url: str) -> Path:
        return self.root / self._record(url)["file"]

    def read(self, url: str) -> str:
        return self.page_path(url).read_text("utf-8")

    def write(self, url: str, text: str) -> None:
        """Replace the page at ``url`` (a new file, so shared files stay intact)."""
        record = self._record(url)
        name = "pages/derived/" + url.split("://", 1)[1].replace("/", "_")
        (self.root / "pages" / "derived").mkdir(parents=True, exist_ok=True)
        (self.root / name).write_text(text, "utf-8")
        record["file"] = name

    def edit(self, url: str, change: Callable[[str], str]) -> None:
        before = self.read(url)
        after = change(before)
        assert after != before, f"the edit changed nothing on {url}"
        self.write(url, after)

    def add(self, url: str, text: str) -> None:
        self.manifest["records"].append(
            {
                "url": url,
                "status": 200,
                "headers": [["Content-Type", "text/html"]],
                "file": None,
                "encoding": "gbk",
            }
        )
        self.write(url, text)

    def pack(self, out: Path) -> Path:
        self.manifest["records"].sort(key=lambda r: r["url"])
        (self.root / "manifest.json").write_text(
            json.dumps(self.manifest, ensure_ascii=False, indent=1), "utf-8"
        )
        return pack(self.root, out)
