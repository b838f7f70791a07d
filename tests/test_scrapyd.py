"""A real scrapyd on 127.0.0.1: deploy the project, schedule a replay crawl, read what it wrote.

scrapyd and the crawls it launches run in subprocesses, in a temporary
directory; the project is deployed from a copy of it with scrapyd-deploy
(scrapyd-client), the way docs/scheduling.md says, so nothing is built in
the work tree.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.extensions.lock import LOCK_FILE_NAME, FileLock
from tests import REPO_DIR
from tests.crawl import read_jsonl

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.conftest import CrawlResult

PROJECT = "crawler"
EGG_BOT_NAME = "xiuzhou-deployed"

#: What scrapyd-deploy would otherwise write: it lacks the package data (the JSON Schema).
SETUP_PY = """\
from setuptools import find_packages, setup

setup(
    name="xiuzhou-crawler",
    version="1.0",
    packages=find_packages(include=["crawler", "crawler.*"]),
    package_data={"crawler": ["py.typed", "schema/*.json"]},
    entry_points={"scrapy": ["settings = crawler.settings"]},
)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Scrapyd:
    """A scrapyd subprocess and its HTTP API."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        (root / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {root / 'eggs'}\n"
            f"logs_dir = {root / 'logs'}\n"
            f"dbs_dir = {root / 'dbs'}\n"
            "items_dir =\n"
            "poll_interval = 0.2\n"
            "max_proc = 2\n",
            encoding="utf-8",
        )
        self.log = root / "scrapyd.log"
        env = {
            k: v for k, v in os.environ.items() if k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
        }
        with self.log.open("w") as out:
            # cwd: scrapyd reads ./scrapyd.conf and runs its crawls there.
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scrapyd"], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}{endpoint}{query}", timeout=10) as response:
            return json.load(response)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
        data = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(f"{self.url}{endpoint}", data=data, timeout=10) as response:
            return json.load(response)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"scrapyd exited ({self.proc.returncode}):\n{self.log.read_text()}")
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"scrapyd did not answer on {self.url}:\n{self.log.read_text()}")
            time.sleep(0.1)

    def wait_finished(self, job: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for finished in self.get("listjobs.json", project=PROJECT)["finished"]:
                if finished["id"] == job:
                    return finished
            time.sleep(0.2)
        pytest.fail(f"job {job} did not finish:\n{self.log.read_text()}")

    def job_log(self, spider: str, job: str) -> str:
        return (self.root / "logs" / PROJECT / spider / f"{job}.log").read_text(encoding="utf-8")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrapyd]:
    server = Scrapyd(tmp_path_factory.mktemp("scrapyd"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def deployed(scrapyd: Scrapyd, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The project deployed to scrapyd with scrapyd-deploy and the ``[deploy]`` target of scrapy.cfg."""
    copy = tmp_path_factory.mktemp("project")
    shutil.copytree(REPO_DIR / "crawler", copy / "crawler", ignore=shutil.ignore_patterns("__pycache__"))
    # A bot name of its own tells, in the job logs, that the crawls run the egg.
    settings = copy / "crawler" / "settings.py"
    text = settings.read_text(encoding="utf-8")
    assert '\nBOT_NAME = "xiuzhou"\n' in text
    settings.write_text(
        text.replace('\nBOT_NAME = "xiuzhou"\n', f'\nBOT_NAME = "{EGG_BOT_NAME}"\n'), encoding="utf-8"
    )
    cfg = (REPO_DIR / "scrapy.cfg").read_text(encoding="utf-8")
    assert re.search(r"^\[deploy\]$", cfg, re.MULTILINE)
    assert re.search(rf"^project = {PROJECT}$", cfg, re.MULTILINE)
    # The same target, pointed at this test's port.
    cfg = re.sub(r"^url = .*$", f"url = {scrapyd.url}", cfg, flags=re.MULTILINE)
    (copy / "scrapy.cfg").write_text(cfg, encoding="utf-8")
    (copy / "setup.py").write_text(SETUP_PY, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "scrapyd_client.deploy", "-v", "r1"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == "ok", answer
    assert answer["project"] == PROJECT
    return answer


def schedule(scrapyd: Scrapyd, settings: dict[str, Any]) -> str:
    fields = [("project", PROJECT), ("spider", "xiuzhou")]
    fields += [("setting", f"{name}={value}") for name, value in settings.items()]
    answer = scrapyd.post("schedule.json", fields)
    assert answer["status"] == "ok", answer
    return answer["jobid"]


def comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        ({k: v for k, v in r.items() if k != "crawled_at"} for r in records), key=lambda r: r["url"]
    )


def test_deployed_project_lists_the_spider(scrapyd: Scrapyd, deployed: dict[str, Any]):
    assert deployed["spiders"] == 1
    assert scrapyd.get("listspiders.json", project=PROJECT)["spiders"] == ["xiuzhou"]
    assert scrapyd.get("listversions.json", project=PROJECT)["versions"] == ["r1"]


def test_replay_crawl_scheduled_through_scrapyd(
    scrapyd: Scrapyd, deployed: dict[str, Any], snapshot_warc: Path, first_crawl: CrawlResult, tmp_path: Path
):
    output = tmp_path / "out" / "articles.jsonl"
    # Replayed responses are not recorded: the WARC gets its warcinfo record, written by
    # the writer child started from the deployed egg.
    warc = tmp_path / "out" / "recorded.warc.gz"
    job = schedule(
        scrapyd,
        {
            "REPLAY_ARCHIVE": snapshot_warc,
            "ARTICLES_OUTPUT": output,
            "PROGRESS_INTERVAL": 0,
            "WARC_OUTPUT": warc,
        },
    )

    scrapyd.wait_finished(job)

    log = scrapyd.job_log("xiuzhou", job)
    records = read_jsonl(output)
    assert records, log[-3000:]
    assert comparable(records) == comparable(first_crawl.records)
    (report_path,) = (output.parent / "reports").glob("*.json")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["health"]["ok"] is True
    assert report["articles"]["new"] == len(records)
    assert f"(bot: {EGG_BOT_NAME})" in log
    assert "Crawl healthy" in log
    assert f"report {report_path}" in log.rstrip().splitlines()[-1]
    assert (output.parent / LOCK_FILE_NAME).read_text() == ""
    with warc.open("rb") as fh:
        assert [record.rec_type for record in ArchiveIterator(fh)] == ["warcinfo"]


def test_scrapyd_crawl_respects_the_lock(
    scrapyd: Scrapyd, deployed: dict[str, Any], snapshot_warc: Path, tmp_path: Path
):
    output = tmp_path / "out" / "articles.jsonl"
    lock = FileLock(output.parent / LOCK_FILE_NAME)
    lock.acquire({"pid": os.getpid(), "host": socket.gethostname(), "started_at": "now"})
    try:
        job = schedule(scrapyd, {"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": output})
        scrapyd.wait_finished(job)
    finally:
        lock.release()
    log = scrapyd.job_log("xiuzhou", job)
    assert f"Another crawl is writing to {output.parent}/: PID {os.getpid()} on host" in log
    assert "(exit code 75)" in log
    assert sorted(p.name for p in output.parent.iterdir()) == [LOCK_FILE_NAME]
