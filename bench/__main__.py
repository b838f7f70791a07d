"""``make bench``: the crawl side by side with a generic Scrapy crawl (issue 6), and scaled out (issue 7).

Generates a synthetic portal (``bench.generate``), serves it with nginx on
127.0.0.1 reached as the portal's HTTP proxy (``bench.nginx``), then runs,
interleaved and repeated:

a. the generic ceiling (``bench.generic_spider``);
b. the full ``xiuzhou`` crawl (``python -m scrapy crawl xiuzhou``);
c. b with ``WARC_OUTPUT``;
d. a replay of c's WARC with ``REPLAY_ARCHIVE`` (no proxy, no network);
e. a second, incremental run into b's output over the unchanged portal;
z. the floor: Scrapy fetching every page of the portal with an empty callback;
y. the same floor with the crawler's own engine settings (``engine_settings``);

then g (b at N and at 4N), h (two scrapy-redis workers against one, against a
local redis-server, ``bench.distributed``) and f (extraction alone,
``bench.extraction``).  Prints every figure and writes ``docs/benchmarks.md``.
See ``--help``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING, Any

from bench import extraction, generate, profile
from bench.distributed import (
    DistributedRun,
    RedisSampler,
    RedisServer,
    WorkerFigures,
    parallel_capacity,
    shard_lines,
)
from bench.measure import Measure, run, run_group
from bench.nginx import Nginx, nginx_binary
from bench.report import SPEEDUP_TARGET, write_report
from crawler import settings as project_settings

if TYPE_CHECKING:
    from collections.abc import Sequence

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# The live-run manners of crawler/settings.py, neutralised for a local server;
# SITE_* are left as they are (the proxy keeps the portal's host name).
NEUTRAL = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "ROBOTSTXT_OBEY": "0",
    "CONTAINMENT_ALLOW_PRIVATE": "1",
    "REMOTE_CONTROL_ENABLED": "0",
    "TELNETCONSOLE_ENABLED": "0",
}
ROW_TITLES = {
    "a": "generic ceiling (CrawlSpider + LinkExtractor, extracts nothing)",
    "b": "xiuzhou: extraction, validation, dedup, JSON Lines",
    "c": "b + WARC_OUTPUT",
    "d": "replay of c's WARC (REPLAY_ARCHIVE)",
    "e": "incremental rerun into b's output",
    "z": "floor: Scrapy fetching every page, empty callback",
    "y": "floor with the crawler's engine settings",
}


def engine_settings() -> dict[str, str]:
    """What ``crawler/settings.py`` changes in Scrapy's own engine, for row y.

    The floor with these is the least any crawl with the crawler's settings
    could cost a page here: the bound on b/a that the crawler's code works under.
    """
    project = project_settings

    def removed(components: dict[str, int | None]) -> str:
        """Scrapy's components the crawler turns off without a replacement of its own
        (HttpCompressionMiddleware is replaced by RetryingHttpCompressionMiddleware: kept)."""
        enabled = [path for path, order in components.items() if order is not None]
        return json.dumps(
            {
                path: None
                for path, order in components.items()
                if order is None
                and path.startswith("scrapy.")
                and not any(other.endswith(path.rsplit(".", 1)[1]) for other in enabled)
            }
        )

    return {
        "CONCURRENT_ITEMS": str(project.CONCURRENT_ITEMS),
        "WARN_ON_GENERATOR_RETURN_VALUE": str(int(project.WARN_ON_GENERATOR_RETURN_VALUE)),
        "COOKIES_ENABLED": str(int(project.COOKIES_ENABLED)),
        "DOWNLOADER_MIDDLEWARES": removed(project.DOWNLOADER_MIDDLEWARES),
        "SPIDER_MIDDLEWARES": removed(project.SPIDER_MIDDLEWARES),
    }


# Row h's workers close 1 s after the whole crawl went idle (the default, 10 s, would
# add 10 s to every run); the rest of the distributed settings keep their defaults.
WORKER_SETTINGS = {"MAX_IDLE_TIME_BEFORE_CLOSE": "1"}


@dataclass
class RunResult:
    row: str
    round: int
    articles: int
    command: list[str]
    wall_s: float
    crawl_s: float
    cpu_s: float
    peak_rss_mb: float
    pages: int
    requests: int
    server_cpu_s: float
    returncode: int
    article_pages: int = 0
    records_written: int = 0
    records_right: bool | None = None
    note: str = ""
    #: Requests retried (Scrapy's retry/count): a server that failed requests, not a clean measure.
    retries: int = 0

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.crawl_s if self.crawl_s else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages if self.pages else 0.0

    @property
    def server_share(self) -> float:
        """nginx's CPU time as a share of the crawler's."""
        return self.server_cpu_s / self.cpu_s if self.cpu_s else 0.0


@dataclass
class Bench:
    args: argparse.Namespace
    workdir: Path
    results: list[RunResult] = field(default_factory=list)
    extraction: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    distributed_runs: list[DistributedRun] = field(default_factory=list)
    redis_version: str = ""
    portals: dict[int, dict[str, Any]] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    # -- helpers ---------------------------------------------------------------------

    def log(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[bench {elapsed:6.0f}s] {message}", flush=True)

    def portal(self, articles: int) -> Path:
        out = self.workdir / f"portal-{articles}-seed{self.args.seed}"
        if articles not in self.portals:
            self.log(f"generating a portal of {articles} articles (seed {self.args.seed}) in {out}")
            self.portals[articles] = generate.ensure(articles, self.args.seed, out)
        return out

    def env(self, proxy: str | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env["PYTHONPATH"] = str(ROOT)
        if proxy:
            env["http_proxy"] = proxy
        return env

    def settings(self, extra: dict[str, str] | None = None, *, neutral: bool = True) -> list[str]:
        values = (
            dict(NEUTRAL)
            if neutral
            else {k: NEUTRAL[k] for k in ("REMOTE_CONTROL_ENABLED", "TELNETCONSOLE_ENABLED")}
        )
        if neutral:
            values["CONCURRENT_REQUESTS"] = str(self.args.concurrency)
            values["CONCURRENT_REQUESTS_PER_DOMAIN"] = str(self.args.concurrency)
        values.update(extra or {})
        return [arg for name, value in values.items() for arg in ("-s", f"{name}={value}")]

    # -- the rows --------------------------------------------------------------------

    def generic(
        self, server: Nginx, rnd: int, articles: int, urls: Path | None = None, *, engine: bool = False
    ) -> RunResult:
        row = ("y" if engine else "z") if urls else "a"
        rundir = self.workdir / "runs" / f"{row}-{articles}-r{rnd}"
        stats_path = rundir / "stats.json"
        extra = engine_settings() if engine else None
        cmd = [PYTHON, "-m", "bench.generic_spider", "--stats", str(stats_path), *self.settings(extra)]
        if urls:
            cmd += ["--urls", str(urls)]
        measure = run(cmd, env=self.env(server.proxy), cwd=ROOT, log=rundir / "log.txt", server=server)
        measure.stats = json.loads(stats_path.read_text("utf-8")) if stats_path.exists() else {}
        return self._result(row, rnd, articles, cmd, measure)

    def xiuzhou(
        self,
        row: str,
        rnd: int,
        articles: int,
        output: Path,
        *,
        server: Nginx | None,
        extra: dict[str, str] | None = None,
        neutral: bool = True,
    ) -> RunResult:
        rundir = output.parent
        rundir.mkdir(parents=True, exist_ok=True)
        reports = rundir / "reports"
        before = set(reports.glob("*.json")) if reports.exists() else set()
        settings = {
            "ARTICLES_OUTPUT": str(output),
            "LOG_FILE": str(rundir / f"scrapy-{row}.log"),
            **(extra or {}),
        }
        cmd = [PYTHON, "-m", "scrapy", "crawl", "xiuzhou", *self.settings(settings, neutral=neutral)]
        env = self.env(server.proxy if server else None)
        measure = run(cmd, env=env, cwd=ROOT, log=rundir / f"out-{row}.txt", server=server)
        new = sorted(set(reports.glob("*.json")) - before) if reports.exists() else []
        if new:
            measure.stats = json.loads(new[-1].read_text("utf-8")).get("stats", {})
        result = self._result(row, rnd, articles, cmd, measure)
        result.article_pages = int(measure.stats.get("pages/article", 0))
        result.records_written = int(measure.stats.get("output/written", 0))
        return result

    def _result(self, row: str, rnd: int, articles: int, cmd: list[str], m: Measure) -> RunResult:
        result = RunResult(
            row=row,
            round=rnd,
            articles=articles,
            command=cmd,
            wall_s=m.wall_s,
            crawl_s=m.crawl_s,
            cpu_s=m.cpu_s,
            peak_rss_mb=m.peak_rss_mb,
            pages=m.pages,
            requests=m.requests,
            server_cpu_s=m.server_cpu_s,
            returncode=m.returncode,
            retries=int(m.stats.get("retry/count", 0)),
        )
        self.results.append(result)
        self.log(
            f"{row} r{rnd} N={articles}: {result.pages} pages in {result.crawl_s:.1f}s = "
            f"{result.pages_per_s:.0f} pages/s, {result.cpu_ms_per_page:.2f} ms CPU/page, "
            f"peak RSS {result.peak_rss_mb:.0f} MB, nginx {result.server_cpu_s:.2f}s CPU, exit {result.returncode}"
        )
        if m.returncode != 0:
            self.log(
                f"  {row} exited {m.returncode}: see {cmd[-1] if row in 'az' else ''} logs under {self.workdir}/runs"
            )
        if result.retries:
            failed = {
                k.rsplit("/", 1)[1]: v for k, v in m.stats.items() if k.startswith("retry/reason_count/")
            }
            self.log(
                f"  WARNING {row} r{rnd}: {result.retries} requests retried ({failed}): the server failed "
                "requests, this run is no clean measure (see nginx's error.log)"
            )
        return result

    def check_records(self, result: RunResult | DistributedRun, output: Path, articles: int) -> None:
        """Compare a crawl's output with the records the generator expects."""
        expected = {}
        for line in (self.portal(articles) / "expected.jsonl").read_text("utf-8").splitlines():
            record = json.loads(line)
            expected[record["url"]] = record
        got = {}
        if output.exists():
            for line in output.read_text("utf-8").splitlines():
                record = json.loads(line)
                got[record["url"]] = record
        wrong = [
            url
            for url, record in expected.items()
            if url not in got
            or any(got[url].get(k) != v for k, v in record.items() if k not in extraction.UNCOMPARED)
        ]
        extra = set(got) - set(expected)
        result.records_right = not wrong and not extra
        result.note = (
            f"{len(got)} records, {len(expected)} expected, {len(wrong)} wrong or missing, {len(extra)} extra"
        )
        if not result.records_right:
            name = result.row if isinstance(result, RunResult) else f"h {result.label}"
            self.log(
                f"  records of {name} r{result.round}: {result.note} (e.g. {(wrong or sorted(extra))[:2]})"
            )

    # -- the plan --------------------------------------------------------------------

    def rows(self) -> None:
        """a–e (and the floor) interleaved, ``--repeat`` rounds, on the rows' portal."""
        articles = self.args.rows_articles
        site = self.portal(articles) / "site"
        urls = self.workdir / f"urls-{articles}.txt"
        urls.write_text(
            "\n".join(
                f"http://{generate.SITE.split('//')[1]}/{p.relative_to(site).as_posix()}"
                for p in sorted(site.rglob("*.shtml"))
            )
            + "\n",
            encoding="utf-8",
        )
        with Nginx(site, self.workdir / f"nginx-{articles}") as server:
            self.log(f"nginx {server.proxy} serving {site} (as http://{generate.SITE.split('//')[1]}/)")
            for rnd in range(1, self.args.repeat + 1):
                base = self.workdir / "runs" / f"r{rnd}-{articles}"
                self.generic(server, rnd, articles)
                b_out = base / "b" / "articles.jsonl"
                b = self.xiuzhou("b", rnd, articles, b_out, server=server)
                self.check_records(b, b_out, articles)
                c_out = base / "c" / "articles.jsonl"
                warc = base / "c" / "crawl.warc.gz"
                c = self.xiuzhou("c", rnd, articles, c_out, server=server, extra={"WARC_OUTPUT": str(warc)})
                self.check_records(c, c_out, articles)
                d_out = base / "d" / "articles.jsonl"
                d = self.xiuzhou(
                    "d", rnd, articles, d_out, server=None, extra={"REPLAY_ARCHIVE": str(warc)}, neutral=False
                )
                self.check_records(d, d_out, articles)
                e = self.xiuzhou("e", rnd, articles, b_out, server=server)
                e.records_right = e.records_written == 0
                e.note = f"{e.records_written} new records"
                if self.args.floor:
                    self.generic(server, rnd, articles, urls=urls)
                    self.generic(server, rnd, articles, urls=urls, engine=True)
            if self.args.profile:
                self.profile_b(server, articles)

    def profile_b(self, server: Nginx, articles: int) -> None:
        """Row b once more under py-spy (not measured): where its CPU time goes."""
        rundir = self.workdir / "runs" / f"profile-{articles}"
        output = rundir / "articles.jsonl"
        settings = {"ARTICLES_OUTPUT": str(output), "LOG_FILE": str(rundir / "scrapy-b.log")}
        cmd = [PYTHON, "-m", "scrapy", "crawl", "xiuzhou", *self.settings(settings)]
        folded = rundir / "b.folded"
        rundir.mkdir(parents=True, exist_ok=True)
        self.log(f"profiling b with py-spy into {folded}")
        if profile.record(cmd, folded, env=self.env(server.proxy), cwd=ROOT, log=rundir / "py-spy.txt"):
            self.profile = {"articles": articles, "folded": str(folded), **profile.summarise(folded)}
        else:
            self.log("py-spy unavailable or failed: no profile")

    def scale(self) -> None:
        """g: b at N, k·N, N, k·N, N (N runs bracket each k·N one), each on its own portal and nginx.

        Two k·N runs, not one: a run slowed by another tenant of the machine
        (its crawl time well above its CPU time) would decide the ratio alone.
        """
        small, large = self.args.articles, self.args.articles * self.args.scale
        for articles, rnd in ((small, 1), (large, 1), (small, 2), (large, 2), (small, 3)):
            site = self.portal(articles) / "site"
            with Nginx(site, self.workdir / f"nginx-{articles}") as server:
                out = self.workdir / "runs" / f"g{rnd}-{articles}" / "articles.jsonl"
                result = self.xiuzhou("g", rnd, articles, out, server=server)
                self.check_records(result, out, articles)

    def distributed(self) -> None:
        """h: one scrapy-redis worker, then two, ``--repeat`` rounds, each run merged.

        One nginx and one redis-server serve every run; Redis is emptied before
        each.  The plain process (no Redis) for context is row g's runs at the
        same size when g ran, else one run in the first round.
        """
        articles = self.args.h_articles or self.args.articles
        site = self.portal(articles) / "site"
        plain = [r for r in self.results if r.row == "g" and r.articles == articles and r.returncode == 0]
        for r in plain:
            self.distributed_runs.append(
                DistributedRun(
                    round=r.round,
                    articles=articles,
                    workers=0,
                    wall_s=r.wall_s,
                    cpu_s=r.cpu_s,
                    pages=r.pages,
                    requests=r.requests,
                    nginx_cpu_s=r.server_cpu_s,
                    records_right=r.records_right,
                    note=r.note,
                    source="g",
                    members=[
                        WorkerFigures(
                            "plain", r.wall_s, r.cpu_s, r.peak_rss_mb, r.pages, r.requests, 0, "", 0
                        )
                    ],
                    command=r.command,
                )
            )
        with (
            Nginx(site, self.workdir / f"nginx-h-{articles}") as server,
            RedisServer(self.workdir / "redis") as redis,
        ):
            self.redis_version = redis.version()
            self.log(f"h: nginx {server.proxy}, {self.redis_version} at {redis.url}")
            for rnd in range(1, self.args.repeat + 1):
                if rnd == 1 and not plain:
                    self.distributed_run(server, None, rnd, articles, 0)
                for workers in (1, 2):
                    self.distributed_run(server, redis, rnd, articles, workers)
        runs = self.distributed_runs
        speedups = []
        for rnd in range(1, self.args.repeat + 1):
            one = [r.wall_s for r in runs if r.workers == 1 and r.round == rnd]
            two = [r.wall_s for r in runs if r.workers == 2 and r.round == rnd]
            if one and two and two[0]:
                speedups.append(one[0] / two[0])
        if speedups:
            mid = median(speedups)
            two = [r for r in runs if r.workers == 2]
            self.log(
                f"h: two workers vs one {mid:.2f}x (median of {', '.join(f'{x:.2f}' for x in speedups)}), "
                f"target >= {SPEEDUP_TARGET}x: {'met' if mid >= SPEEDUP_TARGET else 'MISSED'} "
                f"(the machine's parallel capacity {median(r.capacity for r in two):.2f} of 2 cores); "
                f"Redis seen-set {median(r.redis.seen_kib_per_1000 for r in two):.0f} KiB, used_memory "
                f"{median(r.redis.end_kib_per_1000 for r in two):.0f} KiB per 1,000 URLs"
            )

    def distributed_run(
        self, server: Nginx, redis: RedisServer | None, rnd: int, articles: int, workers: int
    ) -> DistributedRun:
        """One run of h: ``workers`` workers started together (0: one plain process), then the merge."""
        rundir = self.workdir / "runs" / f"h-{articles}-r{rnd}-w{workers}"
        if rundir.exists():
            shutil.rmtree(rundir)  # a fresh output: an earlier bench's would make this run incremental
        output = rundir / "articles.jsonl"
        prefix = f"bench_h_r{rnd}_w{workers}"
        names = [f"w{i}" for i in range(1, workers + 1)] or ["plain"]
        cmds = []
        for name in names:
            extra = {"ARTICLES_OUTPUT": str(output), "LOG_FILE": str(rundir / f"scrapy-{name}.log")}
            if redis is not None:
                extra |= {
                    "REDIS_URL": redis.url,
                    "DISTRIBUTED_KEY_PREFIX": prefix,
                    "DISTRIBUTED_WORKER_ID": name,
                    **WORKER_SETTINGS,
                }
            cmds.append([PYTHON, "-m", "scrapy", "crawl", "xiuzhou", *self.settings(extra)])
        capacity = parallel_capacity(PYTHON) if workers == 2 else 0.0
        sampler = None
        if redis is not None:
            redis.reset()
            sampler = RedisSampler(redis.client(), prefix)
            sampler.start()
        group = run_group(
            cmds,
            env=self.env(server.proxy),
            cwd=ROOT,
            logs=[rundir / f"out-{name}.txt" for name in names],
            servers=[server, redis] if redis is not None else [server],
            tick=sampler,
        )
        reports = {}
        for path in sorted((rundir / "reports").glob("*.json")):
            stats = json.loads(path.read_text("utf-8")).get("stats", {})
            shard = str(stats.get("output/shard", ""))
            name = next((n for n in names if shard.endswith(f"/{n}.jsonl")), "plain")
            reports[name] = stats
        members = [
            WorkerFigures(
                worker=name,
                wall_s=m.wall_s,
                cpu_s=m.cpu_s,
                peak_rss_mb=m.peak_rss_mb,
                pages=int(reports.get(name, {}).get("response_received_count", 0)),
                requests=int(reports.get(name, {}).get("downloader/request_count", 0)),
                written=int(reports.get(name, {}).get("output/written", 0)),
                role=str(reports.get(name, {}).get("distributed/role", "")),
                returncode=m.returncode,
            )
            for name, m in zip(names, group.members, strict=True)
        ]
        result = DistributedRun(
            round=rnd,
            articles=articles,
            workers=workers,
            wall_s=group.wall_s,
            cpu_s=sum(m.cpu_s for m in members),
            pages=sum(m.pages for m in members),
            requests=sum(m.requests for m in members),
            nginx_cpu_s=group.server_cpu_s[0],
            redis_cpu_s=group.server_cpu_s[1] if redis is not None else 0.0,
            members=members,
            command=cmds[0],
            capacity=capacity,
        )
        if sampler is not None:
            result.redis = sampler.figures
        if redis is not None:
            result.shard_lines, result.written_twice = shard_lines(output)
            merge = [
                PYTHON, "-m", "scrapy", "merge_shards",
                "-s", f"ARTICLES_OUTPUT={output}",
                "-s", f"REDIS_URL={redis.url}",
                "-s", f"DISTRIBUTED_KEY_PREFIX={prefix}",
            ]  # fmt: skip
            m = run(merge, env=self.env(None), cwd=ROOT, log=rundir / "out-merge.txt")
            result.merge_command, result.merge_s, result.merge_cpu_s = merge, m.wall_s, m.cpu_s
            result.merge_returncode = m.returncode
        self.check_records(result, output, articles)
        self.distributed_runs.append(result)
        f = result.redis
        self.log(
            f"h r{rnd} N={articles} {result.label}: {result.pages} pages in {result.wall_s:.1f}s = "
            f"{result.pages_per_s:.0f} pages/s, CPU {result.cpu_s:.1f}s, nginx {result.nginx_cpu_s:.2f}s, "
            + (f"parallel capacity before it {capacity:.2f}, " if capacity else "")
            + (
                f"redis {result.redis_cpu_s:.2f}s CPU, {f.seen} URLs seen, seen-set "
                f"{f.seen_kib_per_1000:.0f} KiB and used_memory {f.end_kib_per_1000:.0f} KiB at the end, "
                f"{f.peak_kib_per_1000:.0f} KiB at the peak per 1,000 URLs; shards {result.shard_lines} lines, "
                f"{result.written_twice} written twice; merge {result.merge_s:.1f}s; "
                if redis is not None
                else ""
            )
            + f"exit {result.returncode}"
        )
        if result.returncode:
            self.log(f"  h {result.label} exited {result.returncode}: see the logs under {rundir}")
        if result.written_twice:
            self.log(f"  h {result.label}: {result.written_twice} article(s) written twice across shards")
        return result

    def extract(self) -> None:
        portal = self.portal(self.args.articles)
        self.log(f"f: extraction alone over {self.args.extract_pages} article pages of {portal}")
        count, results = extraction.run(portal, self.args.extract_pages, repeat=3)
        self.extraction = {"pages": count, "results": [asdict(r) for r in results]}
        for r in results:
            self.log(f"f {r.name}: {r.ms_per_page:.2f} ms CPU/page {r.checks}")


def environment(args: argparse.Namespace) -> dict[str, Any]:
    def cmd(*argv: str) -> str:
        try:
            out = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=ROOT)
        except OSError:
            return "?"
        return (out.stdout or out.stderr).strip()

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    packages = {}
    for name in (
        "scrapy",
        "twisted",
        "lxml",
        "parsel",
        "w3lib",
        "itemloaders",
        "warcio",
        "trafilatura",
        "gne",
        "psutil",
        "scrapy-redis",
        "redis",
    ):
        try:
            packages[name] = version(name)
        except Exception:  # noqa: BLE001 - a missing package is reported as such
            packages[name] = "not installed"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{cpu}, {os.cpu_count()} CPUs, {mem} RAM",
        "os": f"{platform.system()} {platform.release()} ({cmd('sh', '-c', '. /etc/os-release && echo $PRETTY_NAME')})",
        "python": platform.python_version(),
        "nginx": cmd(nginx_binary(), "-v"),
        "packages": packages,
        "commit": cmd("git", "rev-parse", "--short", "HEAD")
        + (" (+ local changes)" if cmd("git", "status", "--porcelain", "crawler") else ""),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "argv": " ".join(shlex.quote(a) for a in ["python", "-m", "bench", *sys.argv[1:]]),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--articles", type=int, default=5000, help="N: portal size for g (N vs 4N) and f (default 5000)"
    )
    parser.add_argument(
        "--rows-articles",
        type=int,
        default=1500,
        help="portal size for the repeated, interleaved rows a-e (default 1500, to fit 20 minutes)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="rounds of the interleaved rows and of h (default 5: a median that two disturbed rounds do not move)",
    )
    parser.add_argument("--scale", type=int, default=4, help="g compares N with scale x N (default 4)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS(_PER_DOMAIN) of a, b, c, e, g, h"
    )
    parser.add_argument("--extract-pages", type=int, default=300, help="article pages for f (default 300)")
    parser.add_argument(
        "--h-articles",
        type=int,
        default=0,
        help="portal size for h, one scrapy-redis worker vs two (default: N of --articles; about 6 minutes "
        "at 5000 on 2 idle cores)",
    )
    parser.add_argument("--only", default="abcdefghz", help="rows to run, e.g. 'f' or 'h' (default all)")
    parser.add_argument("--no-floor", dest="floor", action="store_false", help="skip the floor rows (z, y)")
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the py-spy profile of b (one more run)",
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument(
        "--doc",
        type=lambda value: Path(value) if value else None,
        default=ROOT / "docs" / "benchmarks.md",
        help="'' to write no doc",
    )
    args = parser.parse_args(argv)
    if "z" not in args.only:
        args.floor = False
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    # Outputs of an earlier bench would turn b into an incremental run (it crawls
    # into its output of the same round): every run starts from none.
    shutil.rmtree(args.workdir / "runs", ignore_errors=True)
    bench = Bench(args, args.workdir)
    env = environment(args)
    bench.log(f"{env['machine']}; load {env['load']}; {env['argv']}")
    if set("abcdez") & set(args.only):
        bench.rows()
    if "g" in args.only:
        bench.scale()
    if "h" in args.only:
        bench.distributed()
        env["redis"] = bench.redis_version
    if "f" in args.only:
        bench.extract()
    env["duration_s"] = round(time.monotonic() - bench.started)
    env["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    data = {
        "env": env,
        "args": {k: str(v) for k, v in vars(args).items()},
        "portals": {str(k): v for k, v in bench.portals.items()},
        "runs": [
            {**asdict(r), "pages_per_s": r.pages_per_s, "cpu_ms_per_page": r.cpu_ms_per_page}
            for r in bench.results
        ],
        "extraction": bench.extraction,
        "profile": bench.profile,
        "distributed": [
            {**asdict(r), "label": r.label, "returncode": r.returncode, "pages_per_s": r.pages_per_s}
            for r in bench.distributed_runs
        ],
    }
    (args.workdir / "results.json").write_text(
        json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    text, _ = write_report(data, args.doc)
    print(text)
    failed = [r.returncode for r in [*bench.results, *bench.distributed_runs] if r.returncode != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
