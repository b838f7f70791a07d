"""The benchmark's report: figures, ratios against the targets of issues 6 and 7, as Markdown."""

from __future__ import annotations

from pathlib import Path
from statistics import median
from typing import Any

#: Issue 7: two scrapy-redis workers against one, on 2 cores (row h).
SPEEDUP_TARGET = 1.6
ROWS = {
    "a": "a. generic ceiling: CrawlSpider + LinkExtractor, extracts nothing",
    "b": "b. `xiuzhou`: extraction, validation, dedup, JSON Lines",
    "c": "c. b + `WARC_OUTPUT`",
    "d": "d. replay of c's WARC (`REPLAY_ARCHIVE`)",
    "e": "e. incremental rerun into b's output",
    "z": "floor: Scrapy fetching every page, empty callback",
    "y": "y. floor with the crawler's engine settings (`CONCURRENT_ITEMS`, middlewares off, …)",
}


def _fmt(values: list[float], digits: int = 0) -> str:
    """``median (min–max)``, or the one value."""
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def _pps(run: dict[str, Any]) -> float:
    return run["pages"] / run["crawl_s"] if run["crawl_s"] else 0.0


def _cpu_rate(run: dict[str, Any]) -> float:
    """Pages per CPU second: what pages/s would be with a core to itself."""
    return run["pages"] / run["cpu_s"] if run["cpu_s"] else 0.0


def _by(runs: list[dict[str, Any]], row: str, articles: int | None = None) -> list[dict[str, Any]]:
    return [r for r in runs if r["row"] == row and (articles is None or r["articles"] == articles)]


def _round_ratios(runs: list[dict[str, Any]], num: str, den: str, key: Any = _pps) -> list[float]:
    out = []
    for r in _by(runs, num):
        partner = [p for p in _by(runs, den) if p["round"] == r["round"] and p["articles"] == r["articles"]]
        if partner and key(partner[0]):
            out.append(key(r) / key(partner[0]))
    return out


def _distributed(data: dict[str, Any], workers: int) -> list[dict[str, Any]]:
    return [r for r in data.get("distributed") or [] if r["workers"] == workers]


def _per_1000(redis: dict[str, Any], value: int) -> float:
    """KiB per 1,000 URLs seen."""
    return value / 1024 / (redis["seen"] / 1000) if redis["seen"] else 0.0


def _redis_kib(run: dict[str, Any]) -> dict[str, float]:
    r = run["redis"]
    return {
        "seen": _per_1000(r, r["seen_bytes"]),
        "end": _per_1000(r, r["used_at_end"] - r["used_before"]),
        "peak": _per_1000(r, r["used_peak"] - r["used_before"]),
    }


def summarise_distributed(data: dict[str, Any]) -> dict[str, Any]:
    """Row h: per-round ratios of two workers against one, and against the plain process."""
    one, two, plain = _distributed(data, 1), _distributed(data, 2), _distributed(data, 0)
    h: dict[str, Any] = {"speedup": [], "with_merge": [], "cpu": [], "vs_plain": [], "vs_plain_merged": []}
    for r in two:
        partner = next((p for p in one if p["round"] == r["round"]), None)
        if partner and r["wall_s"]:
            h["speedup"].append(partner["wall_s"] / r["wall_s"])
            h["with_merge"].append((partner["wall_s"] + partner["merge_s"]) / (r["wall_s"] + r["merge_s"]))
            h["cpu"].append(r["cpu_s"] / partner["cpu_s"] if partner["cpu_s"] else 0.0)
        if plain and r["wall_s"]:
            base = median(p["wall_s"] for p in plain)
            h["vs_plain"].append(base / r["wall_s"])
            h["vs_plain_merged"].append(base / (r["wall_s"] + r["merge_s"]))
    h["ok"] = median(h["speedup"]) >= SPEEDUP_TARGET if h["speedup"] else None
    h["seen_kib"] = [_redis_kib(r)["seen"] for r in two if r["redis"]["seen"]]
    h["twice"] = [r["written_twice"] for r in two]
    h["capacity"] = [r.get("capacity", 0.0) for r in two if r.get("capacity")]
    return h


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def summarise(data: dict[str, Any]) -> dict[str, Any]:
    runs = data["runs"]
    s: dict[str, Any] = {}
    ab = _round_ratios(runs, "b", "a")
    cb = _round_ratios(runs, "c", "b")
    db = _round_ratios(runs, "d", "b")
    eb = _round_ratios(runs, "e", "b", key=lambda r: r["requests"])
    za = _round_ratios(runs, "z", "a")
    zb = _round_ratios(runs, "z", "b")
    s["b/a"], s["c/b"], s["d/b"], s["e/b requests"], s["z/a"], s["z/b"] = ab, cb, db, eb, za, zb
    s["y/a"], s["y/b"] = _round_ratios(runs, "y", "a"), _round_ratios(runs, "y", "b")
    cpu = {
        key: _round_ratios(runs, key[0], key[2], key=_cpu_rate)
        for key in ("b/a", "c/b", "d/b", "z/a", "z/b", "y/a", "y/b")
    }
    s["cpu"] = cpu
    e_articles = [r["article_pages"] for r in _by(runs, "e")]
    g = _by(runs, "g")
    small = [r for r in g if r["articles"] == min((x["articles"] for x in g), default=0)]
    large = [r for r in g if r["articles"] == max((x["articles"] for x in g), default=0)]
    time_ratio = rss_ratio = None
    if small and large and large[0]["articles"] > small[0]["articles"]:
        time_ratio = median(r["crawl_s"] for r in large) / median(r["crawl_s"] for r in small)
        rss_ratio = median(r["peak_rss_mb"] for r in large) / median(r["peak_rss_mb"] for r in small)
        s["g_cpu"] = median(r["cpu_s"] for r in large) / median(r["cpu_s"] for r in small)
        s["g_pages"] = median(r["pages"] for r in large) / median(r["pages"] for r in small)
    s["g_time"], s["g_rss"] = time_ratio, rss_ratio
    s["g_scale"] = large[0]["articles"] / small[0]["articles"] if small and large else None
    results = data.get("extraction", {}).get("results", [])
    # The first of ours is like for like (from the decoded page, as trafilatura gets it);
    # the second decodes the GBK bytes in its timed pass, as a crawl does.
    ours, *ours_from_bytes = [r for r in results if r["name"].startswith("project")] or [None]
    traf = next((r for r in results if r["name"].startswith("trafilatura")), None)
    s["f_ratio"] = traf["ms_per_page"] / ours["ms_per_page"] if ours and traf else None
    s["f_ratio_bytes"] = (
        traf["ms_per_page"] / ours_from_bytes[0]["ms_per_page"] if ours_from_bytes and traf else None
    )
    s["f_right"] = (
        min(r["checks"].get("records_right", 0) for r in [ours, *ours_from_bytes]) if ours else None
    )
    targets = [
        ("b/a ≥ 3 in pages/s", _fmt(ab, 2), _fmt(cpu["b/a"], 2), median(ab) >= 3 if ab else None),
        ("c/b ≥ 0.9", _fmt(cb, 2), _fmt(cpu["c/b"], 2), median(cb) >= 0.9 if cb else None),
        ("d/b ≥ 2", _fmt(db, 2), _fmt(cpu["d/b"], 2), median(db) >= 2 if db else None),
        (
            "e ≤ 5% of b's requests, no article page",
            f"{_fmt([100 * x for x in eb], 1)} %, article pages {_fmt(e_articles)}" if eb else "–",
            "",
            (max(eb) <= 0.05 and max(e_articles) == 0) if eb else None,
        ),
        (
            f"time({s['g_scale'] or 4:.0f}N)/time(N) ≤ 4.4",
            f"{time_ratio:.2f}" if time_ratio else "–",
            f"{s['g_cpu']:.2f} (for {s['g_pages']:.2f}× the pages)" if time_ratio else "",
            time_ratio <= 4.4 if time_ratio else None,
        ),
        (
            f"peak RSS({s['g_scale'] or 4:.0f}N)/peak RSS(N) ≤ 1.5",
            f"{rss_ratio:.2f}" if rss_ratio else "–",
            "",
            rss_ratio <= 1.5 if rss_ratio else None,
        ),
        (
            "extraction ≥ 10× faster than trafilatura, records right",
            (
                f"{s['f_ratio']:.1f}× from the decoded page"
                + (f" ({s['f_ratio_bytes']:.1f}× from the GBK bytes)" if s["f_ratio_bytes"] else "")
                + f", records right {100 * s['f_right']:.0f} %"
            )
            if s["f_ratio"]
            else "–",
            "(CPU time already)",
            (s["f_ratio"] >= 10 and s["f_right"] == 1.0) if s["f_ratio"] else None,
        ),
    ]
    h = s["h"] = summarise_distributed(data)
    if h["speedup"]:
        targets.append(
            (
                f"two scrapy-redis workers vs one ≥ {SPEEDUP_TARGET}× (wall time, 2 cores)",
                f"{_fmt(h['speedup'], 2)}×",
                f"workers' CPU {_fmt(h['cpu'], 2)}×"
                + (
                    f"; the machine's parallel capacity {_fmt(h['capacity'], 2)} of 2"
                    if h["capacity"]
                    else ""
                ),
                h["ok"],
            )
        )
    records_ok = [
        r["records_right"] for r in [*runs, *data.get("distributed", [])] if r["records_right"] is not None
    ]
    records_ok += [r["written_twice"] == 0 for r in data.get("distributed", []) if r["workers"]]
    s["targets"] = targets
    s["records_ok"] = all(records_ok) if records_ok else None
    return s


def render(data: dict[str, Any]) -> str:
    env, runs, s = data["env"], data["runs"], summarise(data)
    args = data["args"]
    lines: list[str] = []
    add = lines.append
    add("# Benchmarks")
    add("")
    add(
        "`make bench` (or `python -m bench`, see `python -m bench --help`) generates a synthetic "
        "portal in the snapshot's ENP template, serves it with nginx on 127.0.0.1 as the portal's HTTP "
        "proxy, and measures the crawl side by side with a generic Scrapy crawl (issue 6), and two "
        "scrapy-redis workers against one (issue 7, row h). "
        "This file is written by the last run; the sections after the figures explain them."
    )
    add("")
    add("## Last run")
    add("")
    add(f"- date: {env['date']}, {env['duration_s']} s in all; command: `{env['argv']}`")
    add(
        f"- machine: {env['machine']}; {env['os']}; load average {env['load']} before, {env['load_after']} after"
    )
    pk = env["packages"]
    add(
        f"- Python {env['python']}, Scrapy {pk['scrapy']}, Twisted {pk['twisted']}, lxml {pk['lxml']}, "
        f"parsel {pk['parsel']}, w3lib {pk['w3lib']}, itemloaders {pk['itemloaders']}, warcio {pk['warcio']}, "
        f"trafilatura {pk['trafilatura']}, gne {pk['gne']}, psutil {pk['psutil']}"
        + (f", scrapy-redis {pk['scrapy-redis']}, redis-py {pk['redis']}" if "scrapy-redis" in pk else "")
        + f"; {env['nginx']}"
        + (f"; {env['redis']}" if env.get("redis") else "")
    )
    add(f"- crawler at commit {env['commit']}")
    for articles, meta in sorted(data["portals"].items(), key=lambda kv: int(kv[0])):
        add(
            f"- portal of {articles} articles (seed {meta['seed']}): {meta['pages']} pages "
            f"({meta['article_pages']} article pages, {meta['listing_pages']} listing pages), "
            f"{meta['bytes'] / 1e6:.0f} MB, {meta['multipage_articles']} multi-page articles, "
            f"{meta['reposts']} reposts, {meta['records_expected']} records expected, "
            f"cut from {meta['templates']} snapshot article pages"
        )
    add("")
    add("## Targets")
    add("")
    add(
        "Ratios are taken per round (the runs of a round ran back to back), then the median of the rounds "
        "(min–max). A target is judged on pages/s; the same ratio by CPU time per page (pages per CPU "
        "second: what pages/s would be with a core to itself) is shown beside it, because other tenants of "
        "a shared machine move wall-clock rates a lot more than CPU time."
    )
    add("")
    add("| target | pages/s | by CPU time per page | |")
    add("|---|---|---|---|")
    for name, measured, by_cpu, ok in s["targets"]:
        add(f"| {name} | {measured} | {by_cpu} | {_verdict(ok)} |")
    if s["z/a"]:
        add(
            "| (bound) floor/a: the largest b/a any crawl could reach here "
            f"| {_fmt(s['z/a'], 2)} | {_fmt(s['cpu']['z/a'], 2)} | |"
        )
    if s["y/a"]:
        add(
            "| (bound) floor with the crawler's engine settings/a: the largest b/a a crawl with them could reach "
            f"| {_fmt(s['y/a'], 2)} | {_fmt(s['cpu']['y/a'], 2)} | |"
        )
    add(
        "| every crawl's records equal the generator's expected records"
        + (", no article written twice by two workers" if data.get("distributed") else "")
        + f" | | | {_verdict(s['records_ok'])} |"
    )
    add("")
    rows_n = args.get("rows_articles")
    rows_start = len(lines)
    add(f"## Rows a–e: interleaved, {args.get('repeat')} rounds, portal of {rows_n} articles")
    add("")
    add(
        "Each round runs a, b, c, d, e and the floors (z, y) one after the other. pages/s: responses received over "
        "the crawl's own time (Scrapy's `start_time` to `finish_time`); CPU: user + system time of the "
        "whole process (start-up included), per page; peak RSS: the process's `VmHWM`; nginx: its "
        "CPU time (master and worker) as a share of the crawler's."
    )
    add("")
    add("| row | pages | pages/s | CPU ms/page | peak RSS MB | nginx CPU | records |")
    add("|---|---|---|---|---|---|---|")
    for row in ("a", "b", "c", "d", "e", "z", "y"):
        rs = _by(runs, row)
        if not rs:
            continue
        recs = [r for r in rs if r["records_right"] is not None]
        rec = "–"
        if recs:
            rec = (
                "right" if all(r["records_right"] for r in recs) else "**wrong**"
            ) + f" ({recs[-1]['note']})"
        add(
            f"| {ROWS[row]} | {_fmt([r['pages'] for r in rs])} | {_fmt([_pps(r) for r in rs])} | "
            f"{_fmt([r['cpu_ms_per_page'] for r in rs], 2)} | {_fmt([r['peak_rss_mb'] for r in rs])} | "
            f"{_fmt([100 * r['server_cpu_s'] / r['cpu_s'] for r in rs if r['cpu_s']], 1)} % | {rec} |"
        )
    if data.get("distributed"):
        add("| two scrapy-redis workers vs one | see row h below | | | | | |")
    add("")
    add("Ratios, per round (pages/s; by CPU time per page in brackets):")
    add("")
    for key in ("b/a", "c/b", "d/b", "e/b requests", "z/a", "z/b", "y/a", "y/b"):
        if s[key]:
            by_cpu = s["cpu"].get(key) or []
            cells = [
                f"{x:.2f}" + (f" ({by_cpu[i]:.2f})" if i < len(by_cpu) else "") for i, x in enumerate(s[key])
            ]
            add(f"- {key}: " + ", ".join(cells))
    add("")
    retried = [r for r in runs if r.get("retries")]
    if retried:
        add(
            "Runs in which the server failed requests (Scrapy retried them; their figures are no clean "
            "measure): "
            + ", ".join(f"{r['row']} r{r['round']} N={r['articles']} ({r['retries']})" for r in retried)
            + "."
        )
    else:
        add("No request was retried in any run: the server answered every one.")
    add("")
    if not any(_by(runs, row) for row in "abcdezy"):
        del lines[rows_start:]  # not run (``--only``)
    g = _by(runs, "g")
    if g:
        add("## Row g: b at N and at 4N")
        add("")
        add(
            "Run in the order N, 4N, N, 4N, N, each on its own portal and nginx; time(N) and time(4N) are "
            "the medians of their runs. "
            "crawl s: the crawl's own time (start_time to finish_time); CPU s: the whole process's."
        )
        add("")
        add("| articles | pages | crawl s | CPU s | pages/s | CPU ms/page | peak RSS MB | records |")
        add("|---|---|---|---|---|---|---|---|")
        for r in g:
            add(
                f"| {r['articles']} | {r['pages']} | {r['crawl_s']:.1f} | {r['cpu_s']:.1f} | {_pps(r):.0f} | "
                f"{r['cpu_ms_per_page']:.2f} | {r['peak_rss_mb']:.0f} | "
                f"{'right' if r['records_right'] else '**wrong**'} ({r['note']}) |"
            )
        add("")
        if s["g_time"]:
            add(
                f"time ratio {s['g_time']:.2f} (target ≤ 4.4; by CPU time {s['g_cpu']:.2f}, for "
                f"{s['g_pages']:.2f}× the pages), peak RSS ratio {s['g_rss']:.2f} (target ≤ 1.5)."
            )
            add("")
    if data.get("distributed"):
        lines.extend(render_distributed(data, s["h"]))
    ext = data.get("extraction") or {}
    if ext.get("results"):
        add(f"## Row f: extraction alone, {ext['pages']} article pages, in-process")
        add("")
        add(
            "CPU time per page (`time.process_time`, median of three timed passes after a warm-up pass; the passes of the extractors interleaved, so that another tenant slows them alike; "
            "a pass goes over the sample as many times as makes it last about 2 s (the *laps* column), so that a short pass is no more exposed to a burst of another tenant than a long one). "
            "Each extractor's input is made before its timed pass: trafilatura and gne get the page "
            "decoded to `str`; ours, like for like, a `HtmlResponse` whose text is already decoded (a new "
            "one each pass; the target is judged on this row), and again from the GBK bytes, the response "
            "built and decoded in the timed pass as in a crawl (the last row). Ours is checked record by record against the "
            "generator's expected record; trafilatura and gne give a title, a date and a text: title right "
            "(a title with the site name appended counts as right), date right, and the body: recall (share "
            "of the expected paragraphs found in the text) and precision (share of the text's lines that "
            "are article body, so navigation bars, sidebar titles, bylines and related links count against it)."
        )
        add("")
        add("| extractor | ms/page | laps | vs ours | checks |")
        add("|---|---|---|---|---|")
        base = ext["results"][0]["ms_per_page"]
        for r in ext["results"]:
            checks = ", ".join(f"{k} {100 * v:.0f} %" for k, v in r["checks"].items())
            add(
                f"| {r['name']} | {_fmt(r['runs_ms'], 2)} | {r.get('laps', 1)} | "
                f"{r['ms_per_page'] / base:.1f}× | {checks} |"
            )
        add("")
    prof = data.get("profile") or {}
    if prof.get("samples"):
        add(
            f"## Profile of b (py-spy, {prof['samples']} samples of the main thread, portal of {prof['articles']})"
        )
        add("")
        add(
            "One more run of b under `py-spy record` (not one of the measured runs); shares of the samples. "
            f"The raw stacks are in `{_short(prof['folded'])}`."
        )
        add("")
        add("| inclusive: the crawler's code | share | inclusive: Scrapy's item and download path | share |")
        add("|---|---|---|---|")
        left, right = prof["inclusive_crawler"][:15], prof["inclusive_scrapy"][:15]
        for i in range(max(len(left), len(right))):
            a = left[i] if i < len(left) else ("", None)
            b = right[i] if i < len(right) else ("", None)
            add(
                f"| {a[0]} | {'' if a[1] is None else f'{100 * a[1]:.1f} %'} "
                f"| {b[0]} | {'' if b[1] is None else f'{100 * b[1]:.1f} %'} |"
            )
        add("")
        add(
            "Exclusive (where the samples were taken): "
            + ", ".join(f"{name} {100 * value:.1f} %" for name, value in prof["exclusive"][:12])
            + "."
        )
        add("")
    add("## Commands")
    add("")
    add(
        "nginx (Debian's `nginx-light`, installed by the bench when missing) serves the generated tree "
        "by path on 127.0.0.1:PORT; every crawl but d reaches it as an HTTP proxy (`http_proxy=http://127.0.0.1:PORT`), "
        "so requests keep the portal's host name. The crawls, as run (paths shortened):"
    )
    add("")
    seen = set()
    for r in runs:
        if r["row"] in seen:
            continue
        seen.add(r["row"])
        cmd = " ".join(_short(a) for a in r["command"])
        add(f"- {r['row']}: `{cmd}`")
    h_runs = [r for r in data.get("distributed") or [] if r["workers"]]
    if h_runs:
        cmd = " ".join(_short(a) for a in h_runs[-1]["command"])
        add(f"- h, each worker (w2 the same with `DISTRIBUTED_WORKER_ID=w2`), started together: `{cmd}`")
        add(f"- h, then: `{' '.join(_short(a) for a in h_runs[-1]['merge_command'])}`")
    add("")
    return "\n".join(lines)


def render_distributed(data: dict[str, Any], h: dict[str, Any]) -> list[str]:
    """The section of row h: two scrapy-redis workers against one."""
    runs = data["distributed"]
    lines: list[str] = []
    add = lines.append
    rounds = max(r["round"] for r in runs)
    articles = runs[-1]["articles"]
    plural = "s" if rounds != 1 else ""
    add(f"## Row h: two scrapy-redis workers vs one, portal of {articles} articles, {rounds} round{plural}")
    add("")
    plain = _distributed(data, 0)
    if plain and plain[0]["source"] == "g":
        plain_from = "row g's runs at this size (same settings, not interleaved with h)"
    else:
        plain_from = "one run, before round 1" if plain else "not run"
    add(
        "Each round runs one worker alone, then two workers started together (`REDIS_URL` set, one key "
        "prefix per run, `MAX_IDLE_TIME_BEFORE_CLOSE=1`, the settings of b otherwise), each run followed by "
        "`scrapy merge_shards`, timed apart. One local redis-server (127.0.0.1, no persistence, "
        "`latency-tracking no`) and one nginx serve every run; Redis is emptied (`FLUSHALL`, `SCRIPT FLUSH`, "
        "`CONFIG RESETSTAT`) before each. wall s: the first worker's start to the last worker's exit "
        "(start-up and the last second of idling before the workers close included, the merge not); "
        "pages/s: pages downloaded by all workers together over that time; CPU: the workers' user + system "
        "time together; cores: CPU s / wall s, the cores the workers kept busy (at most 2 here, less when "
        "they wait or another tenant takes CPU); peak RSS: each worker's `VmHWM`; nginx and Redis: their CPU time as a share of the "
        "workers'; records: the merged output against the generator's expected records, and the shards' "
        "lines before the merge (a URL in two lines is an article written twice). The plain process "
        f"(no Redis), for context: {plain_from}."
    )
    add("")
    add(
        "| run | round | pages | wall s | pages/s | CPU s | cores | peak RSS MB | merge s | nginx CPU "
        "| Redis CPU | records |"
    )
    add("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(runs, key=lambda r: (r["workers"] > 0, r["round"], r["workers"])):
        rss = "+".join(f"{m['peak_rss_mb']:.0f}" for m in r["members"])
        cpu = r["cpu_s"] or 1.0
        merge = f"{r['merge_s']:.1f}" if r["workers"] else "–"
        redis = f"{100 * r['redis_cpu_s'] / cpu:.1f} %" if r["workers"] else "–"
        rec = "–" if r["records_right"] is None else ("right" if r["records_right"] else "**wrong**")
        if r["records_right"] is not None:
            rec += f" ({r['note']})"
        if r["workers"]:
            rec += f"; shards {r['shard_lines']} lines, {r['written_twice']} written twice"
        label = r["label"] + (" (row g)" if r["source"] == "g" else "")
        add(
            f"| {label} | {r['round']} | {r['pages']} | {r['wall_s']:.1f} | {r['pages_per_s']:.0f} "
            f"| {r['cpu_s']:.1f} | {r['cpu_s'] / (r['wall_s'] or 1.0):.2f} | {rss} | {merge} | {100 * r['nginx_cpu_s'] / cpu:.1f} % | {redis} | {rec} |"
        )
    add("")
    if h["speedup"]:
        verdict = "met" if h["ok"] else "**missed**"
        add(
            f"- Speed-up of two workers over one, by wall time: **{_fmt(h['speedup'], 2)}×** (target ≥ "
            f"{SPEEDUP_TARGET}× on 2 cores: {verdict}); rounds "
            + ", ".join(f"{x:.2f}" for x in h["speedup"])
            + f". With the merge after each: {_fmt(h['with_merge'], 2)}×."
        )
        if h["capacity"]:
            add(
                "- The machine's parallel capacity just before each two-worker run (2 × the time of one "
                "CPU-bound Python process alone / the time of two together: 2.0 on two idle cores, less "
                f"when another tenant takes CPU; the ceiling of the speed-up): {_fmt(h['capacity'], 2)}; "
                "rounds " + ", ".join(f"{x:.2f}" for x in h["capacity"]) + "."
            )
        add(f"- The workers' CPU time, two against one: {_fmt(h['cpu'], 2)}×.")
        if h["vs_plain"]:
            add(
                f"- Two workers against one process without Redis: {_fmt(h['vs_plain'], 2)}×, "
                f"{_fmt(h['vs_plain_merged'], 2)}× with the merge."
            )
        add("")
    redis_runs = [r for r in runs if r["workers"] and r["redis"]["seen"]]
    if redis_runs:
        add(
            "Redis memory. URLs seen: the seen-set's size (`SCARD <prefix>:dupefilter`) at its largest, one "
            "40-character fingerprint per canonical URL requested. seen-set: its `MEMORY USAGE` (Redis's "
            "estimate from 5 sampled members; all are 40-character hex strings). `INFO memory` `used_memory` "
            "is read before the workers start (Redis empty), then with the seen-set every 0.2 s while they "
            "run: *end* is the last sample holding the whole seen-set (the queue empty, the crawl idle, just "
            "before the run's end frees the seen-set), *peak* the largest (the queue at its longest, the "
            "in-flight hashes, the clients' buffers). Both count the workers' connections (about 20 KiB "
            "each) and the run's scripts (3 KiB), a constant that weighs more on a small portal. Per 1,000 "
            "URLs: above the value before the run, divided by the URLs seen in thousands."
        )
        add("")
        add(
            "| run | URLs seen | seen-set, KiB per 1,000 URLs | `used_memory` at the end, KiB per 1,000 URLs "
            "| `used_memory` at its peak, KiB per 1,000 URLs | queue at its peak (requests) |"
        )
        add("|---|---|---|---|---|---|")
        for workers in sorted({r["workers"] for r in redis_runs}):
            rs = [r for r in redis_runs if r["workers"] == workers]
            kib = [_redis_kib(r) for r in rs]
            add(
                f"| {rs[0]['label']} | {_fmt([r['redis']['seen'] for r in rs])} "
                f"| {_fmt([k['seen'] for k in kib])} | {_fmt([k['end'] for k in kib])} "
                f"| {_fmt([k['peak'] for k in kib])} | {_fmt([r['redis']['queue_peak'] for r in rs])} |"
            )
        add("")
    return lines


def _short(arg: str) -> str:
    root = str(Path(__file__).resolve().parent.parent) + "/"
    return (
        arg.replace(root, "").replace(str(Path(arg).parent) + "/python", "python")
        if "python" in arg
        else arg.replace(root, "")
    )


ANALYSIS_MARK = "<!-- analysis: kept as written by hand when the bench rewrites the figures above -->"


def write_report(data: dict[str, Any], doc: Path | None) -> tuple[str, dict[str, Any]]:
    """Render the figures; write them to ``doc`` above its hand-written analysis."""
    text = render(data)
    if doc is not None:
        analysis = ""
        if doc.exists():
            old = doc.read_text("utf-8")
            if ANALYSIS_MARK in old:
                analysis = old[old.index(ANALYSIS_MARK) :]
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(text + "\n" + (analysis or ANALYSIS_MARK + "\n"), encoding="utf-8")
    return text, summarise(data)
