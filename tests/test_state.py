"""ArchiveState: the output file is the truth, the index only a cache."""

from __future__ import annotations

import json

import pytest

from crawler.state import ArchiveState, repair_torn_tail, state_dir


def line(article_id: str, url: str, digest: str, also_at=()) -> str:
    return (
        json.dumps({"article_id": article_id, "url": url, "content_hash": digest, "also_at": list(also_at)})
        + "\n"
    )


@pytest.fixture
def output(tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text(line("1", "http://h/1", "a", ["http://h/1b"]) + line("2", "http://h/2", "b"), "utf-8")
    return path


def loaded(output) -> ArchiveState:
    state = ArchiveState(output)
    state.load()
    return state


def test_built_from_the_file_when_no_index(output):
    state = loaded(output)
    assert state.ids == {"1", "2"}
    assert state.urls == {"http://h/1", "http://h/1b", "http://h/2"}
    assert state.hashes == {"a", "b"}
    assert not state.index_path.exists()


def test_index_is_used_and_a_grown_file_read_from_where_it_ended(output):
    loaded(output).save()
    with output.open("a", encoding="utf-8") as f:
        f.write(line("3", "http://h/3", "c"))
    assert loaded(output).ids == {"1", "2", "3"}


def test_file_wins_when_index_disagrees(output):
    state = loaded(output)
    state.ids.add("999")  # an index claiming an article the file does not hold
    state.save()
    output.write_text(line("1", "http://h/1", "a"), "utf-8")
    assert loaded(output).ids == {"1"}


@pytest.mark.parametrize("damage", ["", "{", '{"version": 1}', '"text"', '{"version": 99}'])
def test_damaged_index_is_rebuilt(output, damage):
    index = state_dir(output) / "articles.jsonl.index.json"
    index.parent.mkdir()
    index.write_text(damage, "utf-8")
    assert loaded(output).ids == {"1", "2"}


def test_deleted_state_dir_is_rebuilt(output):
    loaded(output).save()
    for path in state_dir(output).iterdir():
        path.unlink()
    state_dir(output).rmdir()
    assert loaded(output).ids == {"1", "2"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", b""),
        (b"{}\n", b"{}\n"),
        (b'{}\n{"a"', b"{}\n"),
        (b'{"a"', b""),
        (b"{}\n{}\n" + b"x" * 70000, b"{}\n{}\n"),
    ],
)
def test_repair_torn_tail(tmp_path, content, expected):
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    repair_torn_tail(path)
    assert path.read_bytes() == expected
