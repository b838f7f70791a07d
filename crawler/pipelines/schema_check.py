"""Compile a JSON Schema (draft 2020-12) into plain Python checks: valid or not, fast.

``jsonschema``'s validator walks the schema for every instance and builds an
error object per keyword tried; on the article record that costs about half a
millisecond to a millisecond, a tenth of a crawl's CPU.  ``compile_schema``
walks the schema once and writes Python source for it, one function per schema
node whose statements are the node's keywords, inlined (``schema_source``
shows it); a check answers only *is it valid*, about twenty times faster.
The readable messages still come from ``jsonschema`` (``record_errors``),
asked only about the records this check refuses.

Only the keywords the article record's schema uses are implemented, with
``jsonschema``'s semantics (``Draft202012Validator``, no format checker):

- ``type`` (``integer`` takes ``1.0`` but no bool; ``number`` and ``string``
  take no bool either), ``const`` (``True`` is not ``1``, ``1.0`` is);
- ``pattern`` (searched: anywhere in the string unless anchored; with its
  ECMA-262 meaning, as ``crawler.pipelines.validate``'s jsonschema validator
  reads it, not Python's: ``crawler.pipelines.ecma_regex``),
  ``minLength``, ``maxLength`` (code points);
- ``minimum``; ``minItems``, ``items``, ``uniqueItems``;
- ``required``, ``properties``, ``additionalProperties``; ``anyOf``;
- ``$ref`` to a JSON pointer in the same document (``#/$defs/…``);
- annotations, which assert nothing: ``$schema`` (must be 2020-12), ``$id``
  (root only), ``$comment``, ``$defs``, ``title``, ``description``,
  ``default``, ``examples``, ``deprecated``, ``readOnly``, ``writeOnly``.

Any other keyword, anywhere in the schema (an unreferenced ``$defs`` entry
too), raises ``UnsupportedSchemaError`` when the schema is compiled: a later
edit of the schema can never be silently left unchecked.  The check may be
stricter than ``jsonschema`` (its ``uniqueItems`` shortcut can miss a
duplicate in a list of mixed lists), never laxer: callers ask ``jsonschema``
about every record refused here, so what is accepted is exactly what
``jsonschema`` accepts.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from crawler.pipelines.ecma_regex import UnsupportedPatternError, ecma_regex

if TYPE_CHECKING:
    from collections.abc import Callable

    Check = Callable[[Any], bool]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# Keywords that only annotate: they never make an instance invalid.
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
# Annotations that change nothing else either (no base URI, no definitions).
_PURE_ANNOTATIONS = ANNOTATIONS - {"$schema", "$id", "$defs"}
# Keywords this compiler checks.
ASSERTIONS = frozenset(
    {
        "type",
        "const",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "minItems",
        "items",
        "uniqueItems",
        "required",
        "properties",
        "additionalProperties",
        "anyOf",
        "$ref",
    }
)


class UnsupportedSchemaError(ValueError):
    """The schema uses a keyword (or a form of one) that ``compile_schema`` does not implement."""


def _is_integer(x: Any) -> bool:
    # bool is an int in Python, never in JSON Schema; 1.0 is an integer since draft 6.
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


def _is_number(x: Any) -> bool:
    return not isinstance(x, bool) and isinstance(x, numbers.Number)


# The test of each JSON type, as an expression on ``x`` in the generated code
# (jsonschema's draft 2020-12 type checker: a bool is neither integer nor number).
_TYPE_TESTS = {
    "string": "isinstance(x, str)",
    "object": "isinstance(x, dict)",
    "array": "isinstance(x, list)",
    "null": "x is None",
    "boolean": "isinstance(x, bool)",
    "integer": "_is_integer(x)",
    "number": "_is_number(x)",
}
# The "type" values after which a keyword group's own type test is certain to pass.
_IMPLIES = {
    "string": {"string"},
    "number": {"integer", "number"},
    "array": {"array"},
    "object": {"object"},
}

_TRUE, _FALSE = object(), object()


def _unbool(x: Any) -> Any:
    """``True`` and ``False`` as values equal to nothing but themselves (not 1 and 0)."""
    if x is True:
        return _TRUE
    if x is False:
        return _FALSE
    return x


def json_equal(one: Any, two: Any) -> bool:
    """Equality of JSON values as ``jsonschema`` has it (its ``_utils.equal``).

    Like ``==`` but a bool equals only a bool, inside lists and objects too;
    ``1 == 1.0`` still holds.
    """
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and json_equal(v, two[k]) for k, v in one.items())
    return _unbool(one) == _unbool(two)


def json_unique(items: list[Any]) -> bool:
    """No two items of ``items`` are ``json_equal``."""
    if all(isinstance(i, str) for i in items):  # the schema's case: names and URLs
        return len(set(items)) == len(items)
    seen: list[Any] = []
    for item in items:
        if any(json_equal(item, s) for s in seen):
            return False
        seen.append(item)
    return True


def _pointer_tokens(ref: str) -> list[str]:
    """The tokens of a same-document ``$ref`` (``#`` or ``#/a/b``), unescaped."""
    if ref == "#":
        return []
    if not ref.startswith("#/"):
        raise UnsupportedSchemaError(
            f"$ref {ref!r}: only JSON pointers into the same document (#/...) are implemented"
        )
    return [unquote(t).replace("~1", "/").replace("~0", "~") for t in ref[2:].split("/")]


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _non_negative_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not _is_integer(value) or value < 0:
        raise UnsupportedSchemaError(f"{where}: expected a non-negative integer, got {value!r}")
    return int(value)


class _Generator:
    """Writes the checks as Python source: one function per schema node, ``$ref`` a call."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "_json_equal": json_equal,
            "_json_unique": json_unique,
            "_is_integer": _is_integer,
            "_is_number": _is_number,
        }
        self.refs: dict[str, str] = {}  # JSON pointer -> function name
        self.functions = 0

    def constant(self, value: Any) -> str:
        """A name bound to ``value`` in the generated code's globals."""
        name = f"_c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def ref(self, pointer: str) -> str:
        """The function checking the schema at ``pointer`` (written once; recursion-safe)."""
        known = self.refs.get(pointer)
        if known is not None:
            return known
        target: Any = self.root
        for token in _pointer_tokens(pointer):
            try:
                target = target[int(token)] if isinstance(target, list) else target[token]
            except (KeyError, IndexError, ValueError, TypeError):
                raise UnsupportedSchemaError(f"$ref {pointer!r} points at nothing") from None
        # Named before its body is written: a schema referring to itself calls this name.
        name = self.refs[pointer] = self._name()
        self.function(name, target, pointer)
        return name

    def node(self, schema: Any, path: str) -> str:
        """The function checking an inline subschema."""
        if isinstance(schema, dict) and set(schema) - _PURE_ANNOTATIONS == {"$ref"}:
            if not isinstance(schema["$ref"], str):
                raise UnsupportedSchemaError(f"{path}/$ref: expected a string")
            return self.ref(schema["$ref"])  # a bare reference: call its target, no wrapper
        name = self._name()
        self.function(name, schema, path)
        return name

    def _name(self) -> str:
        self.functions += 1
        return f"_check_{self.functions}"

    def function(self, name: str, schema: Any, path: str) -> None:
        body = self.body(schema, path)
        self.lines += [f"def {name}(x):", f"    # {path!r}", *body, "    return True", ""]

    def body(self, schema: Any, path: str) -> list[str]:
        """The statements of one schema node's function (each returns False on a failed keyword)."""
        if schema is True:
            return []
        if schema is False:
            return ["    return False"]
        self._check_keywords(schema, path)
        # Every definition is written, used or not, so that none hides an unknown keyword.
        for name in schema.get("$defs", {}):
            self.ref(f"{path}/$defs/{_escape(name)}")
        types: set[str] = set()
        if "type" in schema:
            types = set(schema["type"] if isinstance(schema["type"], list) else [schema["type"]])
            if not types or not types <= _TYPE_TESTS.keys():
                raise UnsupportedSchemaError(f"{path}/type: unknown type in {schema['type']!r}")
        lines = [f"    {line}" for line in self._any_type(schema, path, types)]
        # As in JSON Schema, minLength says nothing about a number, items nothing about a
        # string: each group applies to its own type only (no test when "type" settled it).
        for kind, group in (
            ("string", self._strings(schema, path)),
            ("number", self._numbers(schema, path)),
            ("array", self._arrays(schema, path)),
            ("object", self._objects(schema, path)),
        ):
            if not group:
                continue
            if types and types <= _IMPLIES[kind]:
                lines += [f"    {line}" for line in group]
            else:
                lines.append(f"    if {_TYPE_TESTS[kind]}:")
                lines += [f"        {line}" for line in group]
        return lines

    @staticmethod
    def _check_keywords(schema: Any, path: str) -> None:
        """Refuse what this compiler cannot check: a schema must never be partly ignored."""
        if not isinstance(schema, dict):
            raise UnsupportedSchemaError(f"{path}: a schema must be an object or a bool, got {schema!r}")
        unknown = set(schema) - ASSERTIONS - ANNOTATIONS
        if unknown:
            raise UnsupportedSchemaError(
                f"{path}: keyword(s) {', '.join(sorted(unknown))} not implemented by "
                f"crawler.pipelines.schema_check; implement them there (with tests) before using them"
            )
        if "$schema" in schema and (path != "#" or schema["$schema"] != DRAFT_2020_12):
            raise UnsupportedSchemaError(
                f"{path}: $schema {schema['$schema']!r}: only {DRAFT_2020_12} at the root is implemented"
            )
        if "$id" in schema and path != "#":
            raise UnsupportedSchemaError(f"{path}: $id below the root (a new base URI) is not implemented")

    def _any_type(self, schema: dict[str, Any], path: str, types: set[str]) -> list[str]:
        """type, const, $ref, anyOf: keywords that apply whatever the instance's type."""
        lines = []
        if types:
            lines.append(f"if not ({' or '.join(_TYPE_TESTS[t] for t in sorted(types))}): return False")
        if "const" in schema:
            lines.append(f"if not _json_equal(x, {self.constant(schema['const'])}): return False")
        if "$ref" in schema:
            if not isinstance(schema["$ref"], str):
                raise UnsupportedSchemaError(f"{path}/$ref: expected a string")
            lines.append(f"if not {self.ref(schema['$ref'])}(x): return False")
        if "anyOf" in schema:
            if not isinstance(schema["anyOf"], list) or not schema["anyOf"]:
                raise UnsupportedSchemaError(f"{path}/anyOf: expected a non-empty array")
            options = [self.node(s, f"{path}/anyOf/{i}") for i, s in enumerate(schema["anyOf"])]
            lines.append(f"if not ({' or '.join(f'{o}(x)' for o in options)}): return False")
        return lines

    def _strings(self, schema: dict[str, Any], path: str) -> list[str]:
        lines = []
        if "minLength" in schema:
            min_length = _non_negative_int(schema["minLength"], f"{path}/minLength")
            lines.append(f"if len(x) < {min_length}: return False")  # len: code points, as in JSON Schema
        if "maxLength" in schema:
            max_length = _non_negative_int(schema["maxLength"], f"{path}/maxLength")
            lines.append(f"if len(x) > {max_length}: return False")
        if "pattern" in schema:
            if not isinstance(schema["pattern"], str):
                raise UnsupportedSchemaError(f"{path}/pattern: expected a string")
            try:
                # Searched (a match anywhere unless anchored), with its ECMA-262 meaning, as
                # the validator of crawler.pipelines.validate reads it.
                search = ecma_regex(schema["pattern"]).search
            except UnsupportedPatternError as exc:
                raise UnsupportedSchemaError(f"{path}/pattern: {exc}") from None
            lines.append(f"if {self.constant(search)}(x) is None: return False")
        return lines

    def _numbers(self, schema: dict[str, Any], path: str) -> list[str]:
        lines = []
        if "minimum" in schema:
            if not _is_number(schema["minimum"]):
                raise UnsupportedSchemaError(f"{path}/minimum: expected a number")
            lines.append(f"if x < {self.constant(schema['minimum'])}: return False")
        return lines

    def _arrays(self, schema: dict[str, Any], path: str) -> list[str]:
        lines = []
        if "minItems" in schema:
            min_items = _non_negative_int(schema["minItems"], f"{path}/minItems")
            if min_items:
                lines.append(f"if len(x) < {min_items}: return False")
        if "items" in schema:  # every item: prefixItems, which would exempt the first ones, is refused
            item = self.node(schema["items"], f"{path}/items")
            lines += ["for i in x:", f"    if not {item}(i): return False"]
        if "uniqueItems" in schema:
            if not isinstance(schema["uniqueItems"], bool):
                raise UnsupportedSchemaError(f"{path}/uniqueItems: expected a bool")
            if schema["uniqueItems"]:
                lines.append("if not _json_unique(x): return False")
        return lines

    def _objects(self, schema: dict[str, Any], path: str) -> list[str]:
        lines = []
        properties = schema.get("properties", {})
        if not isinstance(properties, dict):
            raise UnsupportedSchemaError(f"{path}/properties: expected an object")
        declared = self.constant(frozenset(properties))
        if "required" in schema:
            required = schema["required"]
            if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
                raise UnsupportedSchemaError(f"{path}/required: expected an array of strings")
            if required:
                lines.append(f"if not {self.constant(frozenset(required))} <= x.keys(): return False")
        if "additionalProperties" in schema:  # patternProperties, which would exempt keys, is refused
            extra = schema["additionalProperties"]
            if extra is False:
                lines.append(f"if not x.keys() <= {declared}: return False")
            elif extra is not True:
                check = self.node(extra, f"{path}/additionalProperties")
                lines += [
                    "for k, v in x.items():",
                    f"    if k not in {declared} and not {check}(v): return False",
                ]
        for key, sub in properties.items():
            check = self.node(sub, f"{path}/properties/{_escape(key)}")
            lines.append(f"if {key!r} in x and not {check}(x[{key!r}]): return False")
        return lines

    def generate(self) -> tuple[str, str, dict[str, Any]]:
        """(the root's function name, the source, its globals)."""
        root = self.ref("#")
        return root, "\n".join(self.lines), self.namespace


def schema_source(schema: Mapping[str, Any]) -> str:
    """The Python source ``compile_schema`` runs for ``schema`` (to read or debug it)."""
    return _Generator(schema).generate()[1]


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """A function telling whether an instance is valid under ``schema`` (draft 2020-12).

    Raises ``UnsupportedSchemaError`` when the schema uses anything not implemented here.
    """
    root, source, namespace = _Generator(schema).generate()
    # Our own source, written from the schema's keywords (no string of the schema is code).
    exec(compile(source, "<compiled JSON Schema>", "exec"), namespace)  # noqa: S102
    return namespace[root]
