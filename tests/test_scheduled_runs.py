"""Scheduled runs over the bundled snapshot: one at a time, resumable, an exit code and a report.

Every test runs the real ``scrapy crawl xiuzhou`` in a subprocess over the
bundled snapshot, and compares what it wrote with the uninterrupted replay
crawl of the ``first_crawl`` fixture.  The crawls to interrupt go through the
snapshot proxy on 127.0.0.1 (``http_proxy``), the way a live crawl goes:
replayed responses skip the downloader's slots, so only there does
``DOWNLOAD_DELAY`` slow a crawl down enough to interrupt it.  The progress
line (every 0.2 s) says how far it got.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import signal
import subprocess
import time
from typing import TYPE_CHECKING, Any

import pytest

from crawler.commands.crawl import EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK, EXIT_UNHEALTHY
from crawler.extensions.lock import LOCK_FILE_NAME
from tests import REPO_DIR
from tests.crawl import read_jsonl, run_crawl, scrapy_command
from tests.servers import run_snapshot_proxy
from tests.snapshots import DerivedSnapshot

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.conftest import CrawlResult

#: Live-run settings over the proxy, 0.1 s between requests: the ~110
#: responses of the snapshot take ~11 s.
SLOW = {
    "DOWNLOAD_DELAY": "0.1",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONTAINMENT_ALLOW_PRIVATE": "True",
    "PROGRESS_INTERVAL": "0.2",
}
#: The same, at full speed: for the run that completes an interrupted one.
FAST = {**SLOW, "DOWNLOAD_DELAY": "0"}
#: Interrupt a slow crawl once it has parsed this many pages (of ~110).
INTERRUPT_AFTER_PAGES = 40
_PROGRESS_RE = re.compile(r"Progress: (\d+) pages")
_LOG_LINE_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[", re.MULTILINE)


@pytest.fixture(scope="module")
def proxy_env(snapshot_warc: Path) -> Iterator[dict[str, str]]:
    """The environment of a crawl through the snapshot proxy (its own subprocess)."""
    with run_snapshot_proxy(snapshot_warc) as (host, port):
        yield {"http_proxy": f"http://{host}:{port}"}


class BackgroundCrawl:
    """A ``scrapy crawl xiuzhou`` running in the background, its log in a file."""

    def __init__(self, settings: dict[str, Any], log: Path, env: dict[str, str]):
        self.log = log
        with log.open("w", encoding="utf-8") as stderr:
            self.proc = subprocess.Popen(
                scrapy_command(settings),
                cwd=REPO_DIR,
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def pages(self) -> int:
        counts = _PROGRESS_RE.findall(self.text())
        return int(counts[-1]) if counts else 0

    def wait_until(self, condition: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None:
                pytest.fail(
                    f"the crawl ended (exit {self.proc.returncode}) too early:\n{self.text()[-3000:]}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting on the crawl:\n{self.text()[-3000:]}")
            time.sleep(0.05)

    def wait(self, timeout: float = 120) -> int:
        return self.proc.wait(timeout=timeout)

    def end(self) -> None:
        """Kill it (by PID) if it still runs."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


@pytest.fixture
def background(tmp_path: Path, proxy_env: dict[str, str]) -> Iterator[Callable[..., BackgroundCrawl]]:
    """Start slow crawls through the proxy; whatever still runs at the end is killed."""
    started: list[BackgroundCrawl] = []

    def start(settings: dict[str, Any], name: str = "crawl") -> BackgroundCrawl:
        crawl = BackgroundCrawl({**settings, **SLOW}, tmp_path / f"{name}-{len(started)}.log", proxy_env)
        started.append(crawl)
        return crawl

    yield start
    for crawl in started:
        crawl.end()


def comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records without their fetch time, in URL order: what two crawls of one snapshot share."""
    return sorted(
        ({k: v for k, v in r.items() if k != "crawled_at"} for r in records), key=lambda r: r["url"]
    )


def reports_of(output: Path) -> list[dict[str, Any]]:
    return [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((output.parent / "reports").glob("*.json"))
    ]


def dumped_stats(log: str) -> dict[str, Any]:
    """The stats Scrapy dumped at the end of a crawl's log."""
    start = log.index("Dumping Scrapy stats:\n") + len("Dumping Scrapy stats:\n")
    end = _LOG_LINE_RE.search(log, start).start()  # the dump ends where the next log line starts
    # Our own crawl's log; the dump is a pprint of plain values and datetimes.
    return eval(log[start:end], {"__builtins__": {}, "datetime": datetime})


def test_uninterrupted_crawl_is_healthy(first_crawl: CrawlResult):
    assert first_crawl.returncode == EXIT_OK, first_crawl.log[-3000:]
    assert first_crawl.records
    (report,) = reports_of(first_crawl.output)
    assert report["health"]["ok"] is True
    # The summary is the last line of the log.
    last = first_crawl.log.rstrip("\n").splitlines()[-1]
    assert f"[crawler.extensions.report] INFO: Run {report['run_id']} " in last
    assert last.endswith(f"report {first_crawl.output.parent / 'reports' / (report['run_id'] + '.json')}")
    # The lock is released and left empty.
    assert (first_crawl.output.parent / LOCK_FILE_NAME).read_text() == ""


def test_report_counts_match_the_crawl_stats(first_crawl: CrawlResult):
    stats = dumped_stats(first_crawl.log)
    (report,) = reports_of(first_crawl.output)
    assert report["run_id"] == stats["run/id"]
    assert report["finish_reason"] == stats["finish_reason"]
    assert report["start"] == stats["start_time"].isoformat(timespec="seconds")
    assert report["end"] == stats["finish_time"].isoformat(timespec="seconds")
    kinds = ("home", "listing", "article", "other")
    assert report["pages"]["by_kind"] == {kind: stats.get(f"pages/{kind}", 0) for kind in kinds}
    assert report["pages"]["total"] == sum(stats.get(f"pages/{kind}", 0) for kind in kinds)
    assert report["pages"]["by_status"] == {
        key.rsplit("/", 1)[1]: value
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/")
    }
    assert report["pages"]["not_found"] == {
        kind: stats.get(f"notfound/{kind}", 0) for kind in ("listing", "article", "related", "article_part")
    }
    articles = report["articles"]
    assert articles["new"] == stats["output/written"] == len(first_crawl.records)
    assert articles["duplicate"] == sum(
        stats.get(f"dedup/{rule}", 0) for rule in ("same_id", "same_text", "known_from_earlier_run")
    )
    assert articles["duplicate_by_rule"] == {
        k.removeprefix("dedup/"): v for k, v in stats.items() if k.startswith("dedup/")
    }
    assert articles["rejected"] == stats.get("output/rejected", 0)
    assert articles["failed_extraction"] == stats.get("article/failed", 0)
    assert articles["extracted"] == stats["article/extracted"]
    assert articles["unknown_links_on_listings"] == stats["listing/article_links_unknown"]
    assert report["new_by_section"] == {
        key.removeprefix("output/section/"): value
        for key, value in stats.items()
        if key.startswith("output/section/")
    }
    assert sum(report["new_by_section"].values()) == sum(1 for r in first_crawl.records if r.get("section"))
    assert report["replay"] == {"hit": stats.get("replay/hit", 0), "missing": stats.get("replay/missing", 0)}
    assert report["errors"]["failed_urls"] == stats.get("errors/failed_urls", [])
    assert report["health"]["ok"] is stats["health/ok"] is True
    # Coverage counts the records in the output.
    assert report["coverage"]["records"] == len(first_crawl.records)
    with_source = sum(1 for r in first_crawl.records if r.get("source"))
    assert report["coverage"]["fields"]["source"] == round(with_source / len(first_crawl.records), 4)
    with_related = sum(1 for r in first_crawl.records if r.get("related"))
    assert report["coverage"]["fields"]["related"] == round(with_related / len(first_crawl.records), 4)


def test_second_crawl_over_the_same_output_is_refused(
    snapshot_warc: Path, tmp_path: Path, first_crawl: CrawlResult, background
):
    output = tmp_path / "out" / "articles.jsonl"
    first = background({"ARTICLES_OUTPUT": output}, "first")
    first.wait_until(lambda: first.pages() >= 10)
    started = time.monotonic()
    second = run_crawl({"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": output}, timeout=60)
    assert second.returncode == EXIT_LOCKED, second.stderr[-3000:]
    assert time.monotonic() - started < 30
    refusal = [line for line in second.stderr.splitlines() if "Another crawl is writing to" in line]
    assert len(refusal) == 1
    assert f"PID {first.pid} on host" in refusal[0]
    assert "Spider opened" not in second.stderr
    # The first crawl goes on undisturbed and writes what an uninterrupted crawl writes.
    assert first.wait() == EXIT_OK, first.text()[-3000:]
    assert comparable(read_jsonl(output)) == comparable(first_crawl.records)
    assert len(reports_of(output)) == 1


def test_sigterm_then_resume_with_jobdir_equals_an_uninterrupted_crawl(
    tmp_path: Path, first_crawl: CrawlResult, background, proxy_env
):
    output = tmp_path / "out" / "articles.jsonl"
    settings = {"ARTICLES_OUTPUT": output, "JOBDIR": tmp_path / "job"}
    interrupted = background(settings, "interrupted")
    interrupted.wait_until(lambda: interrupted.pages() >= INTERRUPT_AFTER_PAGES)
    interrupted.proc.send_signal(signal.SIGTERM)
    assert interrupted.wait() == EXIT_INTERRUPTED, interrupted.text()[-3000:]
    # A stopped crawl keeps its records pending (not appended), so that the resumed
    # run settles duplicates over the whole crawl, as one uninterrupted run does.
    assert read_jsonl(output) == []
    pending = read_jsonl(output.parent / ".state" / f"{output.name}.pending.jsonl")
    assert 0 < len(pending) < len(first_crawl.records)

    resumed = run_crawl({**settings, **FAST}, env=proxy_env)
    assert resumed.returncode == EXIT_OK, resumed.stderr[-3000:]
    assert "Resuming crawl" in resumed.stderr
    assert comparable(read_jsonl(output)) == comparable(first_crawl.records)
    first, second = reports_of(output)
    assert first["health"]["interrupted"] is True
    assert second["health"]["ok"] is True
    assert first["articles"]["new"] == 0
    assert second["articles"]["new"] == len(first_crawl.records)


def test_sigkill_then_rerun_equals_an_uninterrupted_crawl(
    snapshot_warc: Path, tmp_path: Path, first_crawl: CrawlResult, background
):
    output = tmp_path / "out" / "articles.jsonl"
    killed = background({"ARTICLES_OUTPUT": output}, "killed")
    killed.wait_until(lambda: killed.pages() >= INTERRUPT_AFTER_PAGES)
    os.kill(killed.pid, signal.SIGKILL)
    assert killed.wait() == -signal.SIGKILL
    # No report from the killed run; its lock names it.
    assert not reports_of(output)
    assert json.loads((output.parent / LOCK_FILE_NAME).read_text())["pid"] == killed.pid

    # The rerun replays the same snapshot: no JOBDIR, a different download path.
    rerun = run_crawl({"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": output})
    assert rerun.returncode == EXIT_OK, rerun.stderr[-3000:]
    assert f"left by PID {killed.pid}" in rerun.stderr
    assert comparable(read_jsonl(output)) == comparable(first_crawl.records)
    (report,) = reports_of(output)
    assert report["health"]["ok"] is True


_ENP_RE = re.compile(r"<!--\s*/?\s*enp(property|content).*?-->", re.DOTALL | re.IGNORECASE)
_P_OPEN_RE = re.compile(r"<p(\s[^>]*)?>", re.IGNORECASE)
_P_CLOSE_RE = re.compile(r"</p\s*>", re.IGNORECASE)
_TITLE_RE = re.compile(r"<title>.*?</title>", re.DOTALL | re.IGNORECASE)
_ARTICLE_URL_RE = re.compile(r"/system/\d{4}/\d{2}/\d{2}/\d+(_\d+)?\.shtml$")


def article_urls(snapshot: DerivedSnapshot) -> list[str]:
    """The URLs of the snapshot's article pages (their 404s left out)."""
    return [
        r["url"]
        for r in snapshot.manifest["records"]
        if _ARTICLE_URL_RE.search(r["url"]) and r["status"] == 200 and r["file"]
    ]


def new_template(html: str) -> str:
    """The article page as a redesigned template would serve it: no ENP markers, no ``<p>``, no title."""
    html = _ENP_RE.sub("", html)
    html = _P_OPEN_RE.sub('<div class="txt">', html)
    html = _P_CLOSE_RE.sub("</div>", html)
    html = _TITLE_RE.sub("<title>秀洲新闻网</title>", html)
    return html.replace("class=title", "class=hd")


def test_template_drift_exits_nonzero_with_the_reason_in_the_report(tmp_path: Path):
    snapshot = DerivedSnapshot(tmp_path / "portal")
    articles = [
        r["url"] for r in snapshot.manifest["records"] if _ARTICLE_URL_RE.search(r["url"]) and r["file"]
    ]
    assert len(articles) > 10
    for url in articles:
        snapshot.edit(url, new_template)
    warc = snapshot.pack(tmp_path / "drift.warc.gz")
    output = tmp_path / "out" / "articles.jsonl"

    result = run_crawl({"REPLAY_ARCHIVE": warc, "ARTICLES_OUTPUT": output})

    assert result.returncode == EXIT_UNHEALTHY, result.stderr[-3000:]
    unhealthy = [line for line in result.stderr.splitlines() if "Crawl unhealthy:" in line]
    assert len(unhealthy) == 1
    assert "template drift: 100% of article pages gave no valid record" in unhealthy[0]
    (report,) = reports_of(output)
    assert report["health"]["ok"] is False
    assert any(reason.startswith("template drift: 100%") for reason in report["health"]["reasons"])
    assert report["articles"]["failed_extraction"] == report["pages"]["article_answered"] > 10
    assert read_jsonl(output) == []


def test_next_run_is_compared_with_earlier_reports(
    snapshot_warc: Path, tmp_path: Path, first_crawl: CrawlResult
):
    """A later run whose articles lost a field says so, against the earlier run's report."""
    snapshot = DerivedSnapshot(tmp_path / "portal")
    for url in article_urls(snapshot):
        html = snapshot.read(url)
        changed = re.sub(r"来\s*源", "出处", html.replace("source_baidu", "x"))
        if changed != html:
            snapshot.write(url, changed)
    warc = snapshot.pack(tmp_path / "no-source.warc.gz")
    output = tmp_path / "out" / "articles.jsonl"
    # Only the earlier run's report: its records are not known to this output.
    (output.parent / "reports").mkdir(parents=True)
    (previous,) = reports_of(first_crawl.output)
    (output.parent / "reports" / f"{previous['run_id']}.json").write_text(
        json.dumps(previous), encoding="utf-8"
    )

    result = run_crawl({"REPLAY_ARCHIVE": warc, "ARTICLES_OUTPUT": output})

    assert result.returncode == EXIT_OK, result.stderr[-3000:]
    report = reports_of(output)[-1]
    assert report["compared_with"] == [previous["run_id"]]
    assert report["coverage"]["fields"]["source"] == 0.0
    warning = f"coverage of 'source' fell to 0% from {previous['coverage']['fields']['source']:.0%}"
    assert any(w.startswith(warning) for w in report["warnings"])
    assert f"Worse than earlier runs: {warning}" in result.stderr
