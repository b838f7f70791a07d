"""JSON Schema ``pattern`` strings (ECMA-262 regular expressions) as Python regexes.

JSON Schema patterns are ECMA-262 regular expressions, which is how an archive
checking our records with another validator (ajv, a browser, Go) reads the
shipped schema.  Python's ``re`` reads the same text differently, and
``jsonschema`` uses ``re`` as it is: ``$`` also matches before a final newline
(``"123\\n"`` passed ``^[1-9][0-9]*$``), ``\\d`` and ``\\w`` take every Unicode
digit and letter, ``\\s`` is another set of spaces and ``.`` takes ``\\r``.
``ecma_regex`` rewrites what differs, so that both of our checks accept exactly
what an ECMA-262 engine (with the ``u`` flag, as ajv uses) accepts
(tests/test_ecma_regex.py compares them with QuickJS's).

Only the common subset is read: literals, escapes of punctuation, ``\\d \\D \\w
\\W \\s \\S \\b \\B \\t \\n \\r \\f \\v``, ``\\uXXXX``, ``\\xXX``, classes,
groups ``(…)``, ``(?:…)``, lookaheads, quantifiers, ``^ $ . |``.  Anything else
(backreferences, named groups, lookbehinds, ``\\p{…}``, ``\\c``, ``\\0``, a
negated escape inside a class) raises ``UnsupportedPatternError``, so a pattern
is never checked with a meaning it does not have.
"""

from __future__ import annotations

import re

# ECMA-262 WhiteSpace and LineTerminator: what \s matches.
_ECMA_SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
# What . matches not: the line terminators.
_ECMA_LINE_TERMINATORS = "\\n\\r\\u2028\\u2029"
_ESCAPES_OUTSIDE = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": "[A-Za-z0-9_]",
    "W": "[^A-Za-z0-9_]",
    "s": f"[{_ECMA_SPACE}]",
    "S": f"[^{_ECMA_SPACE}]",
    "b": "(?:(?<=[A-Za-z0-9_])(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])(?=[A-Za-z0-9_]))",
    "B": "(?:(?<=[A-Za-z0-9_])(?=[A-Za-z0-9_])|(?<![A-Za-z0-9_])(?![A-Za-z0-9_]))",
}
_ESCAPES_IN_CLASS = {"d": "0-9", "w": "A-Za-z0-9_", "s": _ECMA_SPACE}
_CONTROL_ESCAPES = {"t": "\\t", "n": "\\n", "r": "\\r", "f": "\\x0c", "v": "\\x0b"}
# ECMA-262 SyntaxCharacter and "/": the only identity escapes the u flag allows.
_SYNTAX_CHARACTERS = frozenset("^$\\.*+?()[]{}|/")
_HEX_RE = re.compile(r"x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}")
_QUANTIFIER_RE = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")


class UnsupportedPatternError(ValueError):
    """A pattern outside the subset ``ecma_regex`` reads (or not ECMA-262 at all)."""


def _escape(pattern: str, i: int, *, in_class: bool) -> tuple[str, int]:
    """The Python text for the escape at ``pattern[i]`` (a backslash), and the index after it."""
    if i + 1 >= len(pattern):
        raise UnsupportedPatternError(f"{pattern!r}: a pattern cannot end with a backslash")
    char = pattern[i + 1]
    if (in_class and char in _ESCAPES_IN_CLASS) or (not in_class and char in _ESCAPES_OUTSIDE):
        return (_ESCAPES_IN_CLASS if in_class else _ESCAPES_OUTSIDE)[char], i + 2
    if char in _CONTROL_ESCAPES:
        return _CONTROL_ESCAPES[char], i + 2
    if char in _SYNTAX_CHARACTERS or (in_class and char == "-"):
        return "\\" + char, i + 2
    if hexadecimal := _HEX_RE.match(pattern, i + 1):
        return "\\" + hexadecimal.group(), hexadecimal.end()
    raise UnsupportedPatternError(f"{pattern!r}: the escape \\{char} at {i} is not read here")


def _class(pattern: str, i: int) -> tuple[str, int]:
    """The Python text for the class starting at ``pattern[i]`` (``[``), and the index after it."""
    out = ["["]
    i += 1
    if pattern.startswith("^", i):
        out.append("^")
        i += 1
    if pattern.startswith("]", i):  # [] and [^] mean "nothing" and "anything" in ECMA-262
        raise UnsupportedPatternError(f"{pattern!r}: an empty class at {i} is not read here")
    while i < len(pattern):
        char = pattern[i]
        if char == "]":
            return "".join(out) + "]", i + 1
        if char == "\\":
            text, i = _escape(pattern, i, in_class=True)
            out.append(text)
            continue
        if char == "[":  # a literal in ECMA-262, a warning (nested set) in Python
            out.append("\\[")
        else:
            out.append(char)
        i += 1
    raise UnsupportedPatternError(f"{pattern!r}: unterminated class")


def ecma_python_source(pattern: str) -> str:
    """The Python regex text with the meaning ``pattern`` has in ECMA-262 (``u`` flag).

    >>> ecma_python_source(r"^[1-9][0-9]*$")
    '^[1-9][0-9]*\\\\Z'
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            text, i = _escape(pattern, i, in_class=False)
            out.append(text)
            continue
        if char == "[":
            text, i = _class(pattern, i)
            out.append(text)
            continue
        if char == "(" and pattern.startswith("?", i + 1):
            if not pattern.startswith(("(?:", "(?=", "(?!"), i):
                raise UnsupportedPatternError(
                    f"{pattern!r}: the group {pattern[i : i + 4]!r} at {i} is not read here"
                )
            out.append(pattern[i : i + 3])
            i += 3
            continue
        if char == "{":
            # A quantifier in both; a lone brace is a syntax error under the u flag.
            if not (quantifier := _QUANTIFIER_RE.match(pattern, i)):
                raise UnsupportedPatternError(f"{pattern!r}: a lone {{ at {i}")
            out.append(quantifier.group())
            i = quantifier.end()
            continue
        if char == "}":
            raise UnsupportedPatternError(f"{pattern!r}: a lone }} at {i}")
        if char == "$":
            out.append("\\Z")  # the end of the string, not also before a final newline
        elif char == ".":
            out.append(f"[^{_ECMA_LINE_TERMINATORS}]")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def ecma_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` (ECMA-262) compiled for Python with its ECMA-262 meaning; ``.search`` it.

    >>> bool(ecma_regex(r"^[1-9][0-9]*$").search("123\\n")), bool(re.search(r"^[1-9][0-9]*$", "123\\n"))
    (False, True)
    """
    source = ecma_python_source(pattern)
    try:
        return re.compile(source)
    except re.error as exc:
        raise UnsupportedPatternError(f"{pattern!r}: {exc}") from None
