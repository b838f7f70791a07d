"""The schema compiled to Python agrees with jsonschema; the pipeline keeps its rejects as before.

``ValidatePipeline`` asks the compiled check (``crawler.pipelines.schema_check``)
first and ``jsonschema`` only about records it refuses.  What it accepts must
be exactly what ``jsonschema`` accepts, so the compiled check is held against
jsonschema's ``Draft202012Validator`` (with the patterns' ECMA-262 meaning:
``EcmaDraft202012Validator``) on the JSON Schema keywords one by one (the corners:
bools are not integers, ``1.0`` is, ``pattern`` searches, lengths count code
points, ``uniqueItems`` and ``const`` compare JSON values), on every expected
record of the snapshot and on mutations of them (a table, then hypothesis).
A schema with a keyword the compiler does not implement fails at construction.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import RECORD_FIELDS, ArticleRecord
from crawler.pipelines import validate
from crawler.pipelines.schema_check import UnsupportedSchemaError, compile_schema, schema_source
from crawler.pipelines.validate import (
    EcmaDraft202012Validator,
    ValidatePipeline,
    record_errors,
    record_schema,
)
from tests import project_settings
from tests.snapshots import expected_records

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SCHEMA = record_schema()
REFERENCE = EcmaDraft202012Validator(SCHEMA)
CHECK = compile_schema(SCHEMA)


def complete(record: dict[str, Any]) -> dict[str, Any]:
    """An expected record with the fields expected.jsonl leaves out (they change per crawl)."""
    return {
        **record,
        "content_hash": hashlib.sha256(record["url"].encode()).hexdigest(),
        "crawled_at": "2024-05-06T07:08:09Z",
    }


RECORDS = [complete(r) for r in expected_records()]


def agree(instance: Any) -> bool:
    """The verdict of both; fails when they differ."""
    verdict = REFERENCE.is_valid(instance)
    assert CHECK(instance) == verdict, (verdict, instance)
    return verdict


# -- keyword by keyword -------------------------------------------------------------------------

TREE = {"$defs": {"tree": {"type": "array", "items": {"$ref": "#/$defs/tree"}}}, "$ref": "#/$defs/tree"}
ESCAPED = {"$defs": {"a/b~c": {"type": "string"}}, "$ref": "#/$defs/a~1b~0c"}

KEYWORD_CASES: list[tuple[dict[str, Any] | bool, Any, bool]] = [
    # type: a bool is no integer, number or string; 1.0 is an integer (draft 6 on).
    ({"type": "integer"}, 1, True),
    ({"type": "integer"}, 1.0, True),
    ({"type": "integer"}, -0.0, True),
    ({"type": "integer"}, 1.5, False),
    ({"type": "integer"}, True, False),
    ({"type": "integer"}, False, False),
    ({"type": "integer"}, "1", False),
    ({"type": "integer"}, None, False),
    ({"type": "number"}, 1.5, True),
    ({"type": "number"}, True, False),
    ({"type": "string"}, "", True),
    ({"type": "string"}, True, False),
    ({"type": "string"}, b"x", False),
    ({"type": "null"}, None, True),
    ({"type": "null"}, 0, False),
    ({"type": "null"}, False, False),
    ({"type": "boolean"}, False, True),
    ({"type": "boolean"}, 0, False),
    ({"type": "array"}, [], True),
    ({"type": "array"}, (), False),
    ({"type": "object"}, {}, True),
    ({"type": "object"}, [], False),
    ({"type": ["string", "null"]}, None, True),
    ({"type": ["string", "null"]}, 0, False),
    # const: JSON equality, True is not 1 (inside arrays and objects either), 1.0 is.
    ({"const": 1}, 1, True),
    ({"const": 1}, 1.0, True),
    ({"const": 1}, True, False),
    ({"const": 1}, "1", False),
    ({"const": 1}, [1], False),
    ({"const": 1}, None, False),
    ({"const": True}, True, True),
    ({"const": True}, 1, False),
    ({"const": 0}, False, False),
    ({"const": [1]}, [True], False),
    ({"const": [1]}, [1.0], True),
    ({"const": {"a": 1}}, {"a": True}, False),
    ({"const": {"a": 1}}, {"a": 1, "b": 2}, False),
    ({"const": None}, None, True),
    # pattern: searched, anchors are the pattern's own; non-strings pass; ECMA-262's meaning.
    ({"pattern": "b"}, "abc", True),
    ({"pattern": "b"}, "xyz", False),
    ({"pattern": "^b"}, "abc", False),
    ({"pattern": "b"}, 5, True),
    ({"pattern": "^\\S(.*\\S)?$"}, "x\n", False),  # $ is the end (Python's also matched before a final \n)
    ({"pattern": "^[1-9][0-9]*$"}, "12562093\n", False),
    ({"pattern": "^\\S(.*\\S)?$"}, "a\rb", False),  # . takes no line terminator
    ({"pattern": "^\\S(.*\\S)?$"}, "x\ufeff", False),  # U+FEFF is white space in ECMA-262
    ({"pattern": "^\\S(.*\\S)?$"}, "x\x1c", True),  # U+001C is not (it is in Python)
    ({"pattern": "^\\d+$"}, "\u0663", False),  # \d is ASCII
    ({"pattern": "^\\S(.*\\S)?$"}, "a\nb", False),
    ({"pattern": "^\\S(.*\\S)?$"}, "\u3000x", False),
    # minLength / maxLength: code points (an emoji is one, though two UTF-16 units).
    ({"minLength": 2}, "中文", True),
    ({"minLength": 2}, "😀", False),
    ({"minLength": 1}, "", False),
    ({"minLength": 2}, 5, True),
    ({"maxLength": 1}, "😀", True),
    ({"maxLength": 1}, "ab", False),
    ({"maxLength": 1}, ["a", "b"], True),
    # minimum: numbers only (a bool is none).
    ({"minimum": 1}, 0, False),
    ({"minimum": 1}, 1, True),
    ({"minimum": 1}, 0.5, False),
    ({"minimum": 1}, True, True),
    ({"minimum": 1}, False, True),
    ({"minimum": 1}, "0", True),
    # minItems, items (a bool schema too), uniqueItems: arrays only.
    ({"minItems": 1}, [], False),
    ({"minItems": 1}, [0], True),
    ({"minItems": 1}, "", True),
    ({"minItems": 0}, [], True),
    ({"items": {"type": "string"}}, ["a"], True),
    ({"items": {"type": "string"}}, ["a", 1], False),
    ({"items": {"type": "string"}}, "ab", True),
    ({"items": False}, [], True),
    ({"items": False}, [1], False),
    ({"items": True}, [1, None], True),
    ({"uniqueItems": True}, ["a", "a"], False),
    ({"uniqueItems": True}, ["a", "b"], True),
    ({"uniqueItems": True}, [1, True], True),
    ({"uniqueItems": True}, [0, False], True),
    ({"uniqueItems": True}, [1, 1.0], False),
    ({"uniqueItems": True}, [None, None], False),
    ({"uniqueItems": True}, [{"a": 1}, {"a": 1}], False),
    ({"uniqueItems": True}, [{"a": 1}, {"a": True}], True),
    ({"uniqueItems": True}, [{"a": 1, "b": 2}, {"b": 2, "a": 1}], False),
    ({"uniqueItems": True}, [[1], [1]], False),
    ({"uniqueItems": True}, [[1], [True]], True),
    ({"uniqueItems": True}, ["1", 1], True),
    ({"uniqueItems": False}, ["a", "a"], True),
    # required, properties, additionalProperties: objects only.
    ({"required": ["a"]}, {"a": None}, True),
    ({"required": ["a"]}, {}, False),
    ({"required": ["a"]}, ["a"], True),
    ({"properties": {"a": {"type": "string"}}}, {"a": 1}, False),
    ({"properties": {"a": {"type": "string"}}}, {"b": 1}, True),
    ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"a": "x", "b": 1}, False),
    ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"a": "x"}, True),
    ({"additionalProperties": False}, {}, True),
    ({"additionalProperties": False}, {"a": 1}, False),
    ({"properties": {"a": True}, "additionalProperties": {"type": "integer"}}, {"a": "x", "b": 1}, True),
    ({"properties": {"a": True}, "additionalProperties": {"type": "integer"}}, {"b": "1"}, False),
    # anyOf, $ref (recursive, escaped), bool schemas.
    ({"anyOf": [{"type": "string", "minLength": 1}, {"type": "null"}]}, None, True),
    ({"anyOf": [{"type": "string", "minLength": 1}, {"type": "null"}]}, "", False),
    ({"anyOf": [{"type": "string", "minLength": 1}, {"type": "null"}]}, 1, False),
    (TREE, [[[]], []], True),
    (TREE, [[1]], False),
    (ESCAPED, "x", True),
    (ESCAPED, 1, False),
    (True, 1, True),
    (False, None, False),
    # Keywords of another type say nothing: a string schema's length on a number, etc.
    ({"minLength": 3, "minimum": 5, "minItems": 1, "required": ["a"]}, 7, True),
    ({"minLength": 3, "minimum": 5, "minItems": 1, "required": ["a"]}, "abc", True),
    ({"minLength": 3, "minimum": 5, "minItems": 1, "required": ["a"]}, 4, False),
    ({"minLength": 3, "minimum": 5, "minItems": 1, "required": ["a"]}, {}, False),
]


@pytest.mark.parametrize(("schema", "instance", "valid"), KEYWORD_CASES, ids=repr)
def test_each_keyword_is_checked_as_jsonschema_checks_it(schema: Any, instance: Any, valid: bool) -> None:
    schema = schema if isinstance(schema, bool) else {"$schema": SCHEMA["$schema"], **schema}
    assert EcmaDraft202012Validator(schema).is_valid(instance) is valid  # the table itself is right
    assert compile_schema(schema)(instance) is valid


# -- what the compiler refuses ------------------------------------------------------------------

UNSUPPORTED = [
    ({"format": "uri"}, "#: keyword\\(s\\) format not implemented"),
    ({"enum": [1, 2]}, "#: keyword\\(s\\) enum not implemented"),
    ({"type": "string", "maxLenght": 3}, "maxLenght"),  # a typo is not silently nothing
    ({"$defs": {"unused": {"maxItems": 3}}}, "#/\\$defs/unused: keyword\\(s\\) maxItems"),
    (
        {"properties": {"a": {"patternProperties": {"^x": True}}}},
        "#/properties/a: keyword\\(s\\) patternProperties",
    ),
    ({"items": {"prefixItems": [True]}}, "#/items: keyword\\(s\\) prefixItems"),
    ({"anyOf": [{"not": {}}]}, "#/anyOf/0: keyword\\(s\\) not"),
    ({"$ref": "other.json#/x"}, "only JSON pointers into the same document"),
    ({"$ref": "#/$defs/missing"}, "points at nothing"),
    ({"$schema": "http://json-schema.org/draft-07/schema#"}, "only https://json-schema.org/draft/2020-12"),
    ({"properties": {"a": {"$id": "https://example.org/a"}}}, "\\$id below the root"),
    ({"type": "date"}, "#/type: unknown type"),
    ({"minLength": -1}, "#/minLength: expected a non-negative integer"),
    ({"minLength": True}, "#/minLength: expected a non-negative integer"),
    ({"pattern": "("}, "#/pattern: .*missing \\)"),
    ({"items": 3}, "#/items: a schema must be an object or a bool"),
]


@pytest.mark.parametrize(("schema", "message"), UNSUPPORTED, ids=lambda v: str(v)[:60])
def test_a_schema_using_anything_not_implemented_is_refused_when_compiled(schema: Any, message: str) -> None:
    with pytest.raises(UnsupportedSchemaError, match=message):
        compile_schema(schema)


def test_a_later_edit_of_the_shipped_schema_with_a_new_keyword_stops_the_pipeline_being_built(
    monkeypatch, tmp_path
):
    edited = copy.deepcopy(SCHEMA)
    edited["$defs"]["url"]["format"] = "uri"  # would be checked by nobody
    monkeypatch.setattr(validate, "record_schema", lambda: edited)
    with pytest.raises(UnsupportedSchemaError, match="#/\\$defs/url: keyword\\(s\\) format not implemented"):
        ValidatePipeline.from_crawler(_crawler_for(tmp_path))


def test_the_shipped_schema_compiles_to_one_function_per_node():
    source = schema_source(SCHEMA)
    assert "def _check_1(x):\n    # '#'\n" in source
    assert "# '#/$defs/text'" in source
    compile(source, "<test>", "exec")  # it is Python


# -- the expected records and mutations of them ------------------------------------------------


def test_every_expected_record_is_valid_for_both():
    assert len(RECORDS) == 45
    for record in RECORDS:
        assert record_errors(record) == [], record["url"]
        assert CHECK(record), record["url"]


URL = "http://jxxznews.zjol.com.cn/xznews/system/2010/07/22/012562093.shtml"
VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    2.0,
    1.5,
    "",
    " ",
    "x",
    " x",
    "x ",
    "x\n",
    "\u3000秀洲",
    "秀洲\u00a0",
    "a\nb",
    "中文",
    "0",
    "1",
    "01",
    "12562093",
    "jxxznews.zjol.com.cn",
    "JXXZNEWS.zjol.com.cn",
    "2010-07-22T07:18:36+08:00",
    "2010-07-22T07:18:36Z",
    "1810-07-22T07:18:36+08:00",
    "a" * 64,
    "A" * 64,
    "a" * 63,
    URL,
    URL + "#frag",
    URL.replace("http", "ftp"),
    "http://" + "a" * 2041,  # 2048 characters: the longest URL
    "http://" + "a" * 2042,
    [],
    [""],
    ["x"],
    ["x", "x"],
    ["x", "y"],
    [" x"],
    [None],
    [1],
    [True],
    [URL],
    [URL, URL],
    [[]],
    {},
    {"url": URL, "caption": None},
    {"url": URL, "title": "t"},
    [{"url": "x", "caption": None}],
    [{"url": "", "caption": None}],
    [{"url": "x", "caption": ""}],
    [{"url": "x", "caption": "c", "extra": 1}],
    [{"url": "x"}],
    [{"url": URL, "title": "t"}],
    [{"url": "x", "title": "t"}],
    [{"url": URL, "title": " t"}],
    [{"url": URL, "title": None}],
    [{"title": "t"}],
    ("x",),
]


def mutations(record: dict[str, Any]) -> Iterator[Any]:
    """Every field set to every value of VALUES, removed; an extra key; the record not an object."""
    for field in RECORD_FIELDS:
        for value in VALUES:
            yield {**record, field: value}
        yield {k: v for k, v in record.items() if k != field}
    yield {**record, "extra": None}
    yield {**record, "": 1}
    yield list(record.values())
    yield None


def _representatives() -> list[dict[str, Any]]:
    """Records with images, related links, names, subtitles: one of each shape."""
    chosen: dict[str, dict[str, Any]] = {}
    for record in RECORDS:
        for field in ("images", "related", "reporters", "correspondents", "keywords", "subtitle", "node_id"):
            if record[field] and field not in chosen:
                chosen[field] = record
    return list({r["url"]: r for r in [RECORDS[0], *chosen.values()]}.values())


@pytest.mark.parametrize("record", _representatives(), ids=lambda r: r["article_id"])
def test_mutations_of_expected_records_get_the_same_verdict(record: dict[str, Any]) -> None:
    verdicts = [agree(m) for m in mutations(record)]
    assert any(verdicts)
    assert not all(verdicts)


def test_every_expected_record_with_a_nested_item_mutated_gets_the_same_verdict():
    for record in RECORDS:
        for field in ("images", "related"):
            for i, item in enumerate(record[field]):
                for key in item:
                    for value in (None, "", " x", 1, True, URL, [], "x"):
                        mutated = copy.deepcopy(record)
                        mutated[field][i][key] = value
                        agree(mutated)
                    mutated = copy.deepcopy(record)
                    del mutated[field][i][key]
                    assert not agree(mutated)
        for field in ("paragraphs", "breadcrumbs", "reporters", "correspondents", "also_at"):
            for value in (None, "", " x", 1, True, URL):
                agree({**record, field: [*record[field], value]})
            if record[field]:
                agree({**record, field: [*record[field], record[field][0]]})  # a duplicate


# -- hypothesis: random mutations ----------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from([v for v in VALUES if isinstance(v, str)]),
    st.text(alphabet=st.sampled_from("ax1 \u3000\n\t中:-+TZ/.#"), max_size=8),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["url", "caption", "title", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


@st.composite
def mutated_records(draw: st.DrawFn) -> Any:
    """An expected record with one to three random changes anywhere in it."""
    record = copy.deepcopy(draw(st.sampled_from(RECORDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(record) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = record
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add", "duplicate"]))
        if action == "replace":
            parent[path[-1]] = draw(_json)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["url", "caption", "title", "extra", *RECORD_FIELDS]))] = draw(_json)
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    return record


@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=600,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(record=mutated_records())
def test_randomly_mutated_records_get_the_same_verdict(record: Any) -> None:
    agree(record)


# -- the pipeline ------------------------------------------------------------------------------


class _Spider(Spider):
    name = "validate"


def _crawler_for(tmp_path: Path) -> Any:
    output = str(tmp_path / "articles.jsonl")
    return get_crawler(_Spider, project_settings(EXTENSIONS={}, ITEM_PIPELINES={}, ARTICLES_OUTPUT=output))


def _item(**changes: Any) -> ArticleRecord:
    record = {**RECORDS[0], **changes}
    return ArticleRecord(**{k: record[k] for k in RECORD_FIELDS})


def test_the_pipeline_passes_a_valid_record_and_writes_no_reject(tmp_path):
    pipeline = ValidatePipeline.from_crawler(_crawler_for(tmp_path))
    item = _item()
    assert pipeline.process_item(item) is item
    assert not pipeline.rejected_path.exists()
    assert pipeline.crawler.stats.get_value("output/rejected") is None


def test_the_pipeline_rejects_with_jsonschemas_messages(tmp_path):
    pipeline = ValidatePipeline.from_crawler(_crawler_for(tmp_path))
    item = _item(title=" padded", page_count=True)
    record = validate.record_dict(item)
    reason = "; ".join(record_errors(record))
    assert "title: ' padded' does not match" in reason
    assert "page_count: True is not of type 'integer'" in reason
    with pytest.raises(DropItem, match="Invalid record"):
        pipeline.process_item(item)
    [line] = pipeline.rejected_path.read_text("utf-8").splitlines()
    assert json.loads(line) == {"url": record["url"], "reason": reason, "record": record}
    assert pipeline.crawler.stats.get_value("output/rejected") == 1


def test_jsonschema_has_the_last_word_when_the_compiled_check_is_stricter(tmp_path, caplog):
    pipeline = ValidatePipeline.from_crawler(_crawler_for(tmp_path))
    pipeline.is_valid = lambda record: False  # as if the compiled check were too strict
    item = _item()
    with caplog.at_level(logging.WARNING, logger="crawler.pipelines.validate"):
        assert pipeline.process_item(item) is item
    assert "which jsonschema accepts" in caplog.text
    assert not pipeline.rejected_path.exists()
