"""The real spider and pipelines over the bundled snapshot, replayed from WARC."""

from __future__ import annotations

import hashlib
import json
import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

import crawler.settings
from crawler.items import RECORD_FIELDS
from crawler.pipelines.validate import record_errors
from crawler.spiders.xiuzhou import XiuzhouSpider
from crawler.warc.archive import WarcArchive
from tests.crawl import read_jsonl, run_crawl
from tests.snapshots import HOST, DerivedSnapshot, expected_records

# Fields a test cannot know in advance: the fetch time, and the hash (checked apart).
UNCOMPARED = ("crawled_at", "content_hash")


def field_diff(expected: dict[str, Any], got: dict[str, Any]) -> str:
    lines = []
    for name in RECORD_FIELDS:
        if name in UNCOMPARED:
            continue
        if expected.get(name) != got.get(name):
            lines.append(
                f"  {name}:\n    expected {json.dumps(expected.get(name), ensure_ascii=False)}"
                f"\n    got      {json.dumps(got.get(name), ensure_ascii=False)}"
            )
    return "\n".join(lines)


def assert_records_equal(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> None:
    by_url = {r["url"]: r for r in got}
    missing = [r["url"] for r in expected if r["url"] not in by_url]
    extra = sorted(set(by_url) - {r["url"] for r in expected})
    problems = [f"missing records: {missing}"] if missing else []
    if extra:
        problems.append(f"unexpected records: {extra}")
    for record in expected:
        if record["url"] in by_url:
            diff = field_diff(record, by_url[record["url"]])
            if diff:
                problems.append(f"{record['url']}\n{diff}")
    assert not problems, "\n".join(problems)


def report_of(output: Path) -> dict[str, Any]:
    reports = sorted((output.parent / "reports").glob("*.json"))
    assert reports, "the run wrote no report"
    return json.loads(reports[-1].read_text("utf-8"))


def test_crawl_writes_exactly_the_expected_records(first_crawl):
    assert first_crawl.returncode == 0, first_crawl.log[-3000:]
    records = first_crawl.records
    assert_records_equal(expected_records(), records)
    assert len(records) == len(expected_records())


def test_records_are_in_contract_order_and_schema_valid(first_crawl):
    for record in first_crawl.records:
        assert list(record) == list(RECORD_FIELDS)
        assert record_errors(record) == [], record["url"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["crawled_at"])


def test_content_hash_is_the_digest_of_title_and_paragraphs(first_crawl):
    for record in first_crawl.records:
        text = record["title"] + "\n" + "\n".join(record["paragraphs"])
        assert record["content_hash"] == hashlib.sha256(text.encode("utf-8")).hexdigest()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def test_no_field_holds_a_replacement_character_or_mojibake(first_crawl):
    text = "".join(s for record in first_crawl.records for s in _strings(record))
    assert "\ufffd" not in text
    # GBK read as Latin-1, or UTF-8 read as GBK, leave these behind.
    assert not re.search(r"[ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß]|锟斤拷|烫烫烫", text)
    # Characters outside GB2312 but in GBK came through (the meta tag says gb2312).
    expected_text = "".join(s for record in expected_records() for s in _strings(record))
    for char in "镕喆堃玥":
        if char in expected_text:
            assert char in text


def test_run_report_matches_the_crawl(first_crawl):
    report = report_of(first_crawl.output)
    assert report["articles"]["new"] == len(first_crawl.records)
    assert report["pages"]["not_found"]["related"] >= 1  # the snapshot's 相关稿件 link to a 404
    assert report["replay"]["missing"] == 0  # every on-portal link of the snapshot has a saved answer


def test_second_run_appends_nothing_and_downloads_no_article(snapshot_warc, crawled_output):
    before = crawled_output.read_bytes()
    proc = run_crawl({"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": crawled_output})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert crawled_output.read_bytes() == before
    report = report_of(crawled_output)
    assert report["pages"]["by_kind"]["article"] == 0
    assert report["pages"]["by_kind"]["listing"] > 0  # listings are always fetched
    assert report["articles"]["new"] == 0


def test_incremental_off_recrawls_but_appends_nothing(snapshot_warc, crawled_output):
    before = crawled_output.read_bytes()
    proc = run_crawl({"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": crawled_output, "INCREMENTAL": "0"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert crawled_output.read_bytes() == before
    assert report_of(crawled_output)["pages"]["by_kind"]["article"] > 0


def test_deleted_state_is_rebuilt_from_the_output(snapshot_warc, crawled_output):
    state = crawled_output.parent / ".state"
    for path in state.iterdir():
        path.unlink()
    state.rmdir()
    before = crawled_output.read_bytes()
    proc = run_crawl({"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": crawled_output})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert crawled_output.read_bytes() == before


def _strip_volatile(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "crawled_at"} for r in records]


@pytest.mark.parametrize(
    "settings",
    [
        {"CONCURRENT_REQUESTS": "1"},
        {
            "CONCURRENT_REQUESTS": "1",
            "DEPTH_PRIORITY": "1",
            "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
            "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        },
        {"CONCURRENT_REQUESTS": "64", "CONCURRENT_REQUESTS_PER_DOMAIN": "64"},
    ],
    ids=["one-at-a-time-lifo", "one-at-a-time-fifo", "concurrent-64"],
)
def test_output_does_not_depend_on_order_or_concurrency(first_crawl, snapshot_warc, tmp_path, settings):
    output = tmp_path / "articles.jsonl"
    proc = run_crawl({"REPLAY_ARCHIVE": snapshot_warc, "ARTICLES_OUTPUT": output, **settings})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _strip_volatile(read_jsonl(output)) == _strip_volatile(first_crawl.records)


NEW_ARTICLE_URLS = [
    f"{HOST}/xznews/system/2012/06/01/014500001.shtml",
    f"{HOST}/xznews/system/2012/06/02/014500002.shtml",
]


def newer_snapshot(root: Path) -> DerivedSnapshot:
    """The bundled snapshot plus two new articles, linked from an updated home page."""
    snapshot = DerivedSnapshot(root)
    seed_url = f"{HOST}/xznews/system/2010/12/29/013095123.shtml"
    template = snapshot.read(seed_url)
    for n, url in enumerate(NEW_ARTICLE_URLS, 1):
        article_id = url.rsplit("/", 1)[1].split(".")[0].lstrip("0")
        page = template.replace("13095123", article_id).replace("心连心", f"心连心（续{n}）")
        page = page.replace("南汇村", f"南汇{n}村")
        snapshot.add(url, page)
    home = f"{HOST}/xznews/"
    links = "".join(f'<a href="{url}">新稿{n}</a>' for n, url in enumerate(NEW_ARTICLE_URLS, 1))
    snapshot.edit(home, lambda text: re.sub(r"(?i)</body>", links + "</BODY>", text, count=1))
    return snapshot


def test_newer_snapshot_appends_exactly_the_new_articles(crawled_output, tmp_path):
    warc = newer_snapshot(tmp_path / "portal").pack(tmp_path / "newer.warc.gz")
    before = read_jsonl(crawled_output)
    proc = run_crawl({"REPLAY_ARCHIVE": warc, "ARTICLES_OUTPUT": crawled_output})
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = read_jsonl(crawled_output)
    assert after[: len(before)] == before
    new = after[len(before) :]
    assert [r["url"] for r in new] == NEW_ARTICLE_URLS
    assert [r["title"] for r in new] == [
        "“一联三会”让党员与群众心连心（续1）",
        "“一联三会”让党员与群众心连心（续2）",
    ]
    assert report_of(crawled_output)["pages"]["by_kind"]["article"] == 2


def test_invalid_record_goes_to_rejected_jsonl(tmp_path):
    snapshot = DerivedSnapshot(tmp_path / "portal")
    seed_url = f"{HOST}/xznews/system/2010/12/29/013095123.shtml"
    # No enpproperty date and no visible time: published_at cannot be filled.
    snapshot.edit(
        seed_url,
        lambda text: re.sub(
            r"<date>[^<]*</date>", "<date></date>", re.sub(r"2010年12月29日\s*07:07", "", text)
        ),
    )
    warc = snapshot.pack(tmp_path / "s.warc.gz")
    output = tmp_path / "out" / "articles.jsonl"
    proc = run_crawl({"REPLAY_ARCHIVE": warc, "ARTICLES_OUTPUT": output})
    rejected = read_jsonl(output.parent / "rejected.jsonl")
    assert [r["url"] for r in rejected] == [seed_url]
    assert "published_at" in rejected[0]["reason"]
    assert rejected[0]["record"]["title"] == "“一联三会”让党员与群众心连心"
    assert seed_url not in {r["url"] for r in read_jsonl(output)}
    assert "rejected" in proc.stderr.strip().splitlines()[-1]
    assert report_of(output)["articles"]["rejected"] == 1


def test_multipage_article_whose_pager_links_only_the_next_page(tmp_path):
    snapshot = DerivedSnapshot(tmp_path / "portal")
    first = f"{HOST}/xznews/system/2012/09/26/015312764.shtml"
    # Page 1 links page 2 only; page 3 is found on page 2's pager.
    snapshot.edit(first, lambda text: re.sub(r'<a href="015312764_02\.shtml">[^<]*</a>', "", text))
    warc = snapshot.pack(tmp_path / "s.warc.gz")
    output = tmp_path / "out" / "articles.jsonl"
    proc = run_crawl({"REPLAY_ARCHIVE": warc, "ARTICLES_OUTPUT": output})
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = next(r for r in read_jsonl(output) if r["url"] == first)
    expected = next(r for r in expected_records() if r["url"] == first)
    assert got["page_count"] == expected["page_count"] == 3
    assert got["paragraphs"] == expected["paragraphs"]


def with_script_pager(snapshot: DerivedSnapshot, urls: list[str], file_name: str) -> None:
    """Turn the pager links of ``urls`` to ``file_name`` pages (a regex) into spans a script follows."""
    for url in urls:
        snapshot.edit(
            url,
            lambda text: re.sub(
                rf'<a href="({file_name})">([^<]*)</a>',
                r"<span onclick=\"location.href='\1'\">\2</span>",
                text,
            ),
        )


def replayed(warc: Path, tmp_path: Path) -> Path:
    """The output of a crawl replaying ``warc``, which ended with exit code 0."""
    output = tmp_path / "out" / "articles.jsonl"
    proc = run_crawl({"REPLAY_ARCHIVE": warc, "ARTICLES_OUTPUT": output})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return output


def crawl_of(snapshot: DerivedSnapshot, tmp_path: Path) -> Path:
    """The output of a crawl replaying ``snapshot``, which ended with exit code 0."""
    return replayed(snapshot.pack(tmp_path / "s.warc.gz"), tmp_path)


def test_multipage_article_whose_pager_is_a_script(tmp_path):
    """The notes name an article's later pages (…_01.shtml), not the pager's markup."""
    snapshot = DerivedSnapshot(tmp_path / "portal")
    first = f"{HOST}/xznews/system/2012/09/26/015312764"
    with_script_pager(
        snapshot, [f"{first}.shtml", f"{first}_01.shtml", f"{first}_02.shtml"], r"015312764(?:_\d+)?\.shtml"
    )
    records = read_jsonl(crawl_of(snapshot, tmp_path))
    assert_records_equal(expected_records(), records)
    assert next(r for r in records if r["url"] == f"{first}.shtml")["page_count"] == 3


def deduplicated(source: Path, target: Path, urls: set[str]) -> Path:
    """``source`` as a deduplicating crawler records it: the responses of ``urls``
    under other URLs, and in their place revisit records of identical payload."""
    with source.open("rb") as fin, target.open("wb") as fout:
        writer = WARCWriter(fout, gzip=True)
        for n, record in enumerate(ArchiveIterator(fin)):
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type != "response" or uri not in urls:
                writer.write_record(record)
                continue
            body = record.content_stream().read()
            copy = writer.create_warc_record(
                f"http://archive.invalid/copy/{n}",
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=record.http_headers,
            )
            writer.write_record(copy)
            writer.write_record(
                writer.create_revisit_record(
                    uri,
                    copy.rec_headers.get_header("WARC-Payload-Digest"),
                    copy.rec_headers.get_header("WARC-Target-URI"),
                    copy.rec_headers.get_header("WARC-Date"),
                    http_headers=record.http_headers,
                )
            )
    return target


def test_replay_of_a_deduplicated_archive(first_crawl, snapshot_warc, tmp_path):
    """Pages recorded as revisits of an identical payload (Heritrix, Browsertrix,
    warcprox) are replayed like the responses they stand for."""
    urls = {
        f"{HOST}/xznews/system/2010/12/29/013095123.shtml",
        f"{HOST}/xznews/system/2012/09/26/015312764_01.shtml",
        f"{HOST}/xznews/xwzx/index_1.shtml",
    }
    warc = deduplicated(Path(snapshot_warc), tmp_path / "dedup.warc.gz", urls)
    with WarcArchive([warc]) as archive:
        assert (archive.revisits, archive.revisits_unresolved) == (3, 0)
    output = replayed(warc, tmp_path)
    records = read_jsonl(output)
    assert_records_equal(expected_records(), records)
    assert len(records) == len(expected_records())
    report = report_of(output)
    assert report["replay"]["missing"] == 0
    assert report["pages"] == report_of(first_crawl.output)["pages"]


def test_article_linked_only_from_a_topic_page_is_found(tmp_path):
    """A page under /xznews/ that is neither a listing nor an article (a topic
    page) is read for links, one step deep: its own such links are not followed."""
    snapshot = DerivedSnapshot(tmp_path / "portal")
    seed_url = f"{HOST}/xznews/system/2010/12/29/013095123.shtml"
    article_url = f"{HOST}/xznews/system/2012/06/03/014500003.shtml"
    topic_url, deeper_url = f"{HOST}/xznews/zt2010/special.shtml", f"{HOST}/xznews/zt2010/deeper.shtml"
    snapshot.add(
        article_url,
        snapshot.read(seed_url).replace("13095123", "14500003").replace("心连心", "心连心（专题）"),
    )
    snapshot.add(
        topic_url,
        f'<html><body><a href="{article_url}">专题稿</a><a href="{deeper_url}">更深</a></body></html>',
    )
    snapshot.add(deeper_url, "<html><body>更深的页面</body></html>")
    snapshot.edit(
        f"{HOST}/xznews/", lambda text: re.sub(r"(?i)</body>", f'<a href="{topic_url}">专题</a></BODY>', text)
    )
    warc = snapshot.pack(tmp_path / "s.warc.gz")
    output = tmp_path / "out" / "articles.jsonl"
    proc = run_crawl({"REPLAY_ARCHIVE": warc, "ARTICLES_OUTPUT": output})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert article_url in {r["url"] for r in read_jsonl(output)}
    report = report_of(output)
    assert report["pages"]["by_kind"]["other"] == 1  # the topic page, not the page it links


def test_listing_pages_reached_when_the_pager_is_a_script(first_crawl, tmp_path):
    """The notes name the listing pages (index_1.shtml, …), not the pager's markup:
    a pager whose pages are followed by a script, not links, is walked all the same."""
    snapshot = DerivedSnapshot(tmp_path / "portal")
    listings = [
        f"{HOST}/xznews/{section}/index{page}.shtml"
        for section, page in (("xwzx", ""), ("xwzx", "_1"), ("xwzx", "_2"), ("zjfc", ""), ("zjfc", "_1"))
    ]
    with_script_pager(snapshot, listings, r"index(?:_\d+)?\.shtml")
    output = crawl_of(snapshot, tmp_path)
    records = read_jsonl(output)
    assert_records_equal(expected_records(), records)
    assert len(records) == len(expected_records())
    assert report_of(output)["pages"] == report_of(first_crawl.output)["pages"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "xiuzhou-archive-crawler/0.1 (+mailto:archive-crawler@example.org)"),
        ({"CRAWLER_CONTACT": "ops@example.org"}, "xiuzhou-archive-crawler/0.1 (+mailto:ops@example.org)"),
        ({"USER_AGENT": "mine/1.0"}, "mine/1.0"),
        ({"CRAWLER_CONTACT": "ops@example.org", "USER_AGENT": "mine/1.0"}, "mine/1.0"),  # the operator's own
    ],
)
def test_the_user_agent_names_the_contact_given_on_the_command_line(overrides, expected):
    settings = Settings()
    settings.setmodule(crawler.settings, priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    XiuzhouSpider.update_settings(settings)
    assert settings["USER_AGENT"] == expected
