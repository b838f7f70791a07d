"""Validate records against the shipped JSON Schema; keep the rejects.

A record that fails the schema is never silently dropped: it goes to
``rejected.jsonl`` beside ``ARTICLES_OUTPUT`` with its URL, the reason and the
record itself, and is counted as ``output/rejected``.

The pipeline checks each record with the schema compiled to Python
(``crawler.pipelines.schema_check``, ~0.01 ms a record instead of ~0.5 ms
for ``jsonschema``'s walk); ``jsonschema`` stays the reference: it writes the
messages of a refused record, and has the last word on it.
"""

from __future__ import annotations

import json
import logging
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator, ValidationError, validators
from scrapy.exceptions import DropItem

from crawler.items import RECORD_FIELDS
from crawler.pipelines.ecma_regex import ecma_regex
from crawler.pipelines.schema_check import compile_schema

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


@cache
def record_schema() -> dict[str, Any]:
    """The JSON Schema of the article record, as shipped in the package."""
    text = resources.files("crawler").joinpath("schema/article-record.schema.json").read_text("utf-8")
    return json.loads(text)


def _ecma_pattern(
    validator: Draft202012Validator, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """jsonschema's ``pattern`` keyword with the pattern's ECMA-262 meaning (see ecma_regex)."""
    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# Draft 2020-12 as an ECMA-262 engine reads the patterns: the shipped schema means
# the same here as in the validators of the archives that read our records.
EcmaDraft202012Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@cache
def record_validator() -> Draft202012Validator:
    return EcmaDraft202012Validator(record_schema())


def record_errors(record: dict[str, Any]) -> list[str]:
    """Every way ``record`` breaks the schema, as readable messages ([] when valid)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<record>'}: {error.message}"
        for error in sorted(record_validator().iter_errors(record), key=lambda e: list(e.absolute_path))
    ]


def record_dict(item: Any) -> dict[str, Any]:
    """The item as a plain dict with the contract's keys in contract order."""
    adapter = ItemAdapter(item)
    return {name: adapter.get(name) for name in RECORD_FIELDS}


class ValidatePipeline:
    """Check every record against ``crawler/schema/article-record.schema.json``.

    Rejects go to ``rejected.jsonl`` beside ``ARTICLES_OUTPUT``.  The schema is
    compiled when the pipeline is built: a keyword the compiler does not
    implement stops the crawl before it starts (``UnsupportedSchemaError``)
    rather than going unchecked.
    """

    def __init__(
        self, rejected_path: Path, crawler: Crawler, schema: Mapping[str, Any] | None = None
    ) -> None:
        self.rejected_path = rejected_path
        self.crawler = crawler
        self.is_valid: Callable[[Any], bool] = compile_schema(record_schema() if schema is None else schema)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        output = Path(crawler.settings.get("ARTICLES_OUTPUT"))
        return cls(output.parent / "rejected.jsonl", crawler)

    def process_item(self, item: Any) -> Any:
        record = record_dict(item)
        if self.is_valid(record):
            return item
        errors = record_errors(record)
        if not errors:
            # The compiled check may be stricter than jsonschema, never laxer (see
            # schema_check): jsonschema decides, and the record is kept as it always was.
            logger.warning("Compiled schema check refused %s, which jsonschema accepts", record.get("url"))
            return item
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("output/rejected")
        reason = "; ".join(errors)
        self.rejected_path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"url": record.get("url"), "reason": reason, "record": record}, ensure_ascii=False)
        with self.rejected_path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())
        raise DropItem(f"Invalid record {record.get('url')!r} written to {self.rejected_path}: {reason}")
