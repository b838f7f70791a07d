"""ecma_regex: a JSON Schema pattern means in Python what it means to an ECMA-262 engine.

Held against a real one, QuickJS (``new RegExp(pattern, "u").test(text)``, as
ajv runs patterns): a table of the corners where Python's ``re`` differs, then
every pattern of the shipped schema on generated strings.
"""

from __future__ import annotations

import re

import pytest
import quickjs
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.pipelines.ecma_regex import UnsupportedPatternError, ecma_python_source, ecma_regex
from crawler.pipelines.validate import record_schema


@pytest.fixture(scope="module")
def ecma_test():
    """``(pattern, text) -> bool``: QuickJS's ``RegExp(pattern, "u").test(text)``."""
    context = quickjs.Context()
    return context.eval('(function (pattern, text) { return new RegExp(pattern, "u").test(text); })')


def schema_patterns(node=None):
    node = record_schema() if node is None else node
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern":
                yield value
            else:
                yield from schema_patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_patterns(value)


SCHEMA_PATTERNS = sorted(set(schema_patterns()))

# (pattern, text, what ECMA-262 says, what Python's re says of the pattern as written)
CORNERS = [
    ("^[1-9][0-9]*$", "123\n", False, True),  # $: the end only, not before a final newline
    ("^[1-9][0-9]*$", "123", True, True),
    ("^\\S(.*\\S)?$", "x\n", False, True),
    ("^\\S(.*\\S)?$", "a\rb", False, True),  # . takes no \r, \u2028, \u2029
    ("^\\S(.*\\S)?$", "a\u2028b", False, True),
    ("^\\S(.*\\S)?$", "a\u2029b", False, True),
    ("^\\S(.*\\S)?$", "a\u3000b", True, True),
    ("^\\S(.*\\S)?$", "x\ufeff", False, True),  # U+FEFF: white space in ECMA-262 only
    ("^\\S(.*\\S)?$", "x\x1c", True, False),  # U+001C-U+001F: white space in Python only
    ("^\\S(.*\\S)?$", "x\x85", True, False),  # U+0085 too
    ("^\\d+$", "\u0663", False, True),  # \d: ASCII digits
    ("^\\w+$", "秀洲", False, True),  # \w: ASCII word characters
    ("^\\W+$", "秀洲", True, False),
    ("\\bx", "秀x", True, False),  # \b: between ASCII word and non-word characters
    ("^[^#\\s]*$", "a\ufeffb", False, True),  # \s inside a class
    ("^[\\d]+$", "\u0663", False, True),
    ("^a{2,3}$", "aaa", True, True),
    ("^a{2,}$", "aaaa", True, True),
    ("^(?:ab|c)+$", "abcab", True, True),
    ("^a(?=b)", "ab", True, True),
    ("^a(?!b)", "ab", False, False),
    ("^\\u00e9\\x41$", "éA", True, True),
    ("^[a-]+$", "-a-", True, True),
    ("^\\.\\$\\^$", ".$^", True, True),
    ("^\\t\\n\\r\\f\\v$", "\t\n\r\f\v", True, True),
    ("^https?://[a-z0-9.-]+(:[0-9]+)?(/[^#\\s]*)?$", "http://a.b/c\n", False, True),
    ("😀", "x😀", True, True),
]


@pytest.mark.parametrize(("pattern", "text", "ecma", "python"), CORNERS, ids=repr)
def test_a_pattern_means_what_it_means_in_ecma_262(ecma_test, pattern, text, ecma, python):
    assert ecma_test(pattern, text) is ecma  # the table itself is right
    assert bool(re.search(pattern, text)) is python  # where Python's re differs, and where not
    assert bool(ecma_regex(pattern).search(text)) is ecma


UNSUPPORTED = [
    ("a\\1", "the escape \\1"),  # a backreference
    ("\\0", "the escape \\0"),
    ("\\p{L}", "the escape \\p"),
    ("\\cJ", "the escape \\c"),
    ("\\u{1F600}", "the escape \\u"),
    ("\\A", "the escape \\A"),  # Python's, not ECMA-262's
    ("\\Z", "the escape \\Z"),
    ("\\e", "the escape \\e"),
    ("[\\S]", "the escape \\S"),  # a negated class escape inside a class
    ("[\\b]", "the escape \\b"),  # a backspace inside a class
    ("[]", "an empty class"),
    ("[^]", "an empty class"),
    ("[ab", "unterminated class"),
    ("(?<name>a)", "the group '(?<n'"),
    ("(?<=a)b", "the group '(?<='"),
    ("(?P<n>a)", "the group '(?P<'"),
    ("(?i)a", "the group '(?i)"),
    ("a{", "a lone {"),
    ("a}", "a lone }"),
    ("a\\", "cannot end with a backslash"),
    ("(", "missing )"),
    ("a**", "multiple repeat"),
]


@pytest.mark.parametrize(("pattern", "message"), UNSUPPORTED, ids=repr)
def test_what_is_not_read_is_refused(pattern, message):
    with pytest.raises(UnsupportedPatternError, match=re.escape(message)):
        ecma_regex(pattern)


def test_the_schema_patterns_are_read():
    assert len(SCHEMA_PATTERNS) >= 6
    for pattern in SCHEMA_PATTERNS:
        assert ecma_python_source(pattern) != pattern  # each has a $ at least: each was rewritten
        ecma_regex(pattern)


# Characters where the two engines part, and the ones the schema's patterns are about.
_ALPHABET = st.sampled_from(
    [
        *"aZ09:/.-#+T_ x",
        "秀",
        "\n",
        "\r",
        "\t",
        "\u2028",
        "\u3000",
        "\xa0",
        "\ufeff",
        "\x1c",
        "\x85",
        "\u0663",
    ]
)


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(
    pattern=st.sampled_from(SCHEMA_PATTERNS),
    text=st.lists(_ALPHABET, max_size=12).map("".join)
    | st.sampled_from(["12562093", "2010-07-22T07:18:36+08:00", "http://jxxznews.zjol.com.cn/a"]).flatmap(
        lambda s: st.tuples(st.just(s), st.lists(_ALPHABET, max_size=2).map("".join)).map("".join)
    ),
)
def test_the_schema_patterns_agree_with_an_ecma_262_engine(ecma_test, pattern, text):
    assert bool(ecma_regex(pattern).search(text)) is ecma_test(pattern, text)
