"""Where a crawl's CPU time goes: py-spy samples of a whole run, summarised.

``py-spy record --format raw`` writes one line per distinct stack with its
sample count; this module turns that into the share of samples spent in each
function, inclusive (anywhere on the stack) and exclusive (at the top), for
the main thread only (the reactor's thread pool mostly waits).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

_FRAME_RE = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?):\d+\)$")
_IDLE = ("Thread._bootstrap", "Condition.wait", "select", "epoll")


def py_spy() -> str | None:
    found = shutil.which("py-spy")
    if found:
        return found
    import sys

    candidate = Path(sys.executable).parent / "py-spy"
    return str(candidate) if candidate.exists() else None


def record(cmd: Sequence[str], out: Path, *, env: Mapping[str, str], cwd: Path, log: Path) -> bool:
    """Run ``cmd`` under ``py-spy record``; False when py-spy is missing or fails."""
    binary = py_spy()
    if binary is None:
        return False
    argv = [binary, "record", "--rate", "250", "--format", "raw", "--output", str(out), "--", *cmd]
    with log.open("wb") as f:
        done = subprocess.run(argv, env=dict(env), cwd=cwd, stdout=f, stderr=subprocess.STDOUT, check=False)
    return done.returncode == 0 and out.exists()


def _name(frame: str) -> str:
    """``Class.method (package/module.py)``, without the line number."""
    m = _FRAME_RE.match(frame)
    if not m:
        return frame
    path = m.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m.group('func')} ({path})"


def summarise(folded: Path, top: int = 25) -> dict[str, Any]:
    """Inclusive and exclusive shares of the main thread's samples, by function."""
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    for line in folded.read_text("utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if any(frame.startswith(_IDLE[0]) for frame in frames):
            continue  # the thread pool
        n = int(count)
        total += n
        names = [_name(frame) for frame in frames]
        exclusive[names[-1]] += n
        for name in set(names):
            inclusive[name] += n

    def share(counter: Counter[str], keep: Any) -> list[tuple[str, float]]:
        return [(name, n / total) for name, n in counter.most_common() if keep(name)][:top]

    ours = share(inclusive, lambda name: "crawler/" in name and "commands/crawl.py" not in name)
    scrapy = share(
        inclusive, lambda name: name.startswith(("Scraper.", "ItemPipelineManager.", "HTTP11", "_Scrapy"))
    )
    return {
        "samples": total,
        "inclusive_crawler": ours,
        "inclusive_scrapy": scrapy,
        "exclusive": share(exclusive, lambda name: True),
    }
