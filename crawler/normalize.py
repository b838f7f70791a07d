"""Pure normalisation functions: text, names, bylines, dates, URLs and ids.

Every function here takes plain values and returns plain values: no I/O, no
settings, no state.  They encode what is known of the portal's Enorth ENP
templates (``shared/portal-notes.md``) and the record contract
(``shared/article-record.md``); page objects and the item loader call them.
Functions that receive text also accept ``None``, because selectors return it
for missing nodes.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import safe_url_string

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

__all__ = [
    "Byline",
    "article_id_from_url",
    "article_part",
    "canonical_url",
    "collapse_whitespace",
    "content_hash",
    "drop_empty",
    "is_article_url",
    "is_toolbar_text",
    "listing_page_number",
    "parse_enpproperty",
    "parse_metadata_line",
    "parse_published_at",
    "split_breadcrumb",
    "split_byline",
    "split_keywords",
    "split_names",
    "strip_label",
    "strip_site_suffix",
    "unpad_name",
]

# ---------------------------------------------------------------------------
# White space
# ---------------------------------------------------------------------------

# ``\s`` (Unicode) covers ASCII white space, NBSP (&nbsp;), U+3000 (the
# ideographic space ENP indents paragraphs with) and the other Unicode spaces;
# the zero-width space, word joiner and BOM are not ``\s`` but are invisible
# padding all the same, and turn up in text pasted into the CMS.
_WS = r"[\s\u200b\u2060\ufeff]"
_WS_RUN_RE = re.compile(f"{_WS}+")
_INVISIBLE_TO_SPACE = str.maketrans(dict.fromkeys("\u200b\u2060\ufeff", " "))


def _padded(word: str) -> str:
    """A regex for ``word`` with optional white space between its characters."""
    return f"{_WS}*".join(re.escape(char) for char in word)


def collapse_whitespace(text: str | None) -> str:
    """Strip white space at both ends and collapse inner runs to one space.

    The characters themselves are kept as published: no NFKC, no
    punctuation conversion.

    >>> collapse_whitespace("\\u3000\\u3000“一联三会”\\xa0 让党员\\n")
    '“一联三会” 让党员'
    >>> collapse_whitespace(None)
    ''
    """
    if not text:
        return ""
    # str.split() splits on exactly what ``\s`` matches, and is about twice as
    # fast as the regex on the ~120 strings a page goes through (profiled).
    if "\u200b" in text or "\u2060" in text or "\ufeff" in text:
        text = text.translate(_INVISIBLE_TO_SPACE)
    return " ".join(text.split())


def drop_empty(value: str | None) -> str | None:
    """``None`` for a missing, empty or white-space-only string, else the value unchanged.

    >>> drop_empty(" \\u3000") is None
    True
    >>> drop_empty("嘉兴日报")
    '嘉兴日报'
    """
    if value is None or not collapse_whitespace(value):
        return None
    return value


# ---------------------------------------------------------------------------
# Names and bylines
# ---------------------------------------------------------------------------

_NAME_SEPARATORS_RE = re.compile(r"[、，,；;/／]")
_SINGLE_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
# Credit markers that are not names: ``记者 张三 文`` / ``文/图``.
_NOT_NAMES = frozenset({"文", "图", "文图", "图文", "报道", "等"})


def unpad_name(name: str | None) -> str:
    """Remove all white space inside one name.

    ENP pads two-character names to the width of three-character ones.

    >>> unpad_name("沈 洁")
    '沈洁'
    >>> unpad_name("冯\\u3000萍")
    '冯萍'
    """
    if not name:
        return ""
    return _WS_RUN_RE.sub("", name)


def _unique(values: Iterable[str]) -> list[str]:
    """Drop empty strings and repeats, keeping the first occurrence's position."""
    return list(dict.fromkeys(v for v in values if v))


def _join_padded(tokens: list[str]) -> list[str]:
    """Join consecutive single-CJK-character tokens pairwise (``冯``, ``萍`` -> ``冯萍``)."""
    names: list[str] = []
    pending = ""
    for token in tokens:
        if _SINGLE_CJK_RE.fullmatch(token):
            if pending:
                names.append(pending + token)
                pending = ""
            else:
                pending = token
            continue
        if pending:
            names.append(pending)
            pending = ""
        names.append(token)
    if pending:
        names.append(pending)
    return names


def split_names(text: str | None) -> list[str]:
    """The names in one role's text, padded two-character names rejoined.

    Explicit separators (``、`` ``，`` ``,`` ``；`` ``;`` ``/`` ``／``) always
    separate; white space separates too, except that ENP pads two-character
    names with a space (``冯 萍``), so consecutive one-character tokens are
    joined pairwise.

    >>> split_names("吕军超 冯 萍")
    ['吕军超', '冯萍']
    >>> split_names("冯 萍、沈 洁")
    ['冯萍', '沈洁']
    """
    if not text:
        return []
    names: list[str] = []
    for group in _NAME_SEPARATORS_RE.split(text):
        names.extend(_join_padded(_WS_RUN_RE.split(group.strip())))
    return _unique(names)


class Byline(NamedTuple):
    """The names of a byline, by role."""

    reporters: list[str]
    correspondents: list[str]
    photographers: list[str]
    interns: list[str]


# Role word -> Byline field.  Longer words first so that the alternation
# prefers them (本报记者 before 记者, 摄影 before 摄).
_ROLES: tuple[tuple[str, str], ...] = (
    ("本报通讯员", "correspondents"),
    ("特约通讯员", "correspondents"),
    ("本报记者", "reporters"),
    ("见习记者", "reporters"),
    ("实习记者", "interns"),
    ("摄影记者", "photographers"),
    ("通讯员", "correspondents"),
    ("实习生", "interns"),
    ("记者", "reporters"),
    ("摄影", "photographers"),
    ("摄", "photographers"),
)
_ROLE_FIELD = dict(_ROLES)
# ENP pads role words like names (``记 者``, ``通 讯 员``): allow white space
# between their characters, and swallow a colon after them.
_ROLE_RE = re.compile(
    "(?:"
    + "|".join(f"(?P<r{i}>{_padded(word)})" for i, (word, _) in enumerate(_ROLES))
    + f")(?:{_WS}*[:：])?"
)
_PARENTHESES_RE = re.compile(r"[(（]([^()（）]*)[)）]")
_PHOTO_CREDITS = frozenset({"摄", "摄影"})


def _alternative(match: re.Match[str]) -> int:
    """The index of the named alternative (``r3``, ``m0``) a label regex matched."""
    return int(str(match.lastgroup)[1:])


def _labelled(text: str, label_re: re.Pattern[str]) -> Iterator[tuple[re.Match[str], str]]:
    """Each label match in ``text`` with the text that follows it up to the next label."""
    matches = list(label_re.finditer(text))
    if not matches:
        return
    ends = [m.start() for m in matches[1:]] + [len(text)]
    for match, end in zip(matches, ends, strict=True):
        yield match, text[match.end() : end]


def _drop_parentheses(text: str) -> str:
    """Drop ``(实习)``-style remarks, but keep a parenthesised byline's content."""
    return _PARENTHESES_RE.sub(
        lambda m: f" {m.group(1)} " if _ROLE_RE.search(m.group(1)) else " ",
        text,
    )


# Stray punctuation around a name: an unbalanced parenthesis, a quote, a full stop.
_NAME_EDGE_PUNCTUATION = "()（）[]［］【】<>《》〈〉“”‘’\"'·・:：.。!！?？…-—_*"


def _byline_names(text: str) -> list[str]:
    """The names in one role's text, without credit markers and stray punctuation."""
    names = (name.strip(_NAME_EDGE_PUNCTUATION) for name in split_names(text))
    return _unique(n for n in names if n not in _NOT_NAMES and any(c.isalnum() for c in n))


def split_byline(byline: str | None) -> Byline:
    """Split a 作者 byline into reporters, correspondents, photographers and interns.

    Names follow their role word and may run straight into the next one
    (``沈 洁通讯员``).  A trailing ``摄`` makes the names before it
    photographers too.  Text without any role word gives empty lists: the
    作者 field also carries columnists, outside writers and press offices, so
    a bare name cannot be put in any role list; the raw text stays in the
    record's ``byline``.  Parenthesised remarks (``张三(实习)``) are dropped
    unless they hold role words (``（记者 张三）``).  Besides the contract's
    role words, 本报通讯员 / 特约通讯员 count as correspondents, 摄影记者 as
    photographers and 实习记者 as interns, so that their first characters are
    not taken for names.

    >>> split_byline("记 者 沈 洁通讯员 吕军超 冯 萍")
    Byline(reporters=['沈洁'], correspondents=['吕军超', '冯萍'], photographers=[], interns=[])
    >>> split_byline("记者 张三 摄").photographers
    ['张三']
    >>> split_byline("沈洁")
    Byline(reporters=[], correspondents=[], photographers=[], interns=[])
    """
    roles: dict[str, list[str]] = {field: [] for field in Byline._fields}
    text = _drop_parentheses(collapse_whitespace(byline))
    # Names before the first role word have no known role, unless a bare
    # photo credit follows them (``张三 摄``).
    first = _ROLE_RE.search(text)
    previous = _byline_names(text[: first.start()]) if first else []
    for match, following in _labelled(text, _ROLE_RE):
        role = _ROLES[_alternative(match)][0]
        names = _byline_names(following)
        if not names and role in _PHOTO_CREDITS:
            names = previous
        roles[_ROLE_FIELD[role]].extend(names)
        previous = names
    return Byline(**{field: _unique(names) for field, names in roles.items()})


# ---------------------------------------------------------------------------
# Labels, the metadata line, keywords, titles, breadcrumbs
# ---------------------------------------------------------------------------

_COLON = "[:：]"
_COLON_RE = re.compile(_COLON)


def strip_label(text: str | None, labels: Sequence[str]) -> str:
    """Remove one leading ``label:`` (ASCII or full-width colon, padding allowed), collapse white space.

    The longest matching label wins, so pass (``责任编辑``, ``编辑``) in any order.

    >>> strip_label("来源: 嘉兴日报", ["来源"])
    '嘉兴日报'
    >>> strip_label("编 辑： 吴怡之", ("责任编辑", "编辑"))
    '吴怡之'
    """
    text = collapse_whitespace(text)
    words = sorted((label for label in labels if label), key=len, reverse=True)
    if not text or not words:
        return text
    pattern = "|".join(_padded(word) for word in words)
    return collapse_whitespace(re.sub(rf"^(?:{pattern}){_WS}*{_COLON}", "", text, count=1))


_METADATA_KEYS: tuple[tuple[str, str | None], ...] = (
    ("责任编辑", "editor"),
    ("来源", "source"),
    ("作者", "author"),
    ("编辑", "editor"),
    # Recognised only so that their values do not leak into the previous one.
    ("发布时间", None),
    ("时间", None),
    ("日期", None),
    ("点击", None),
)
_METADATA_LABEL_RE = re.compile(
    "(?:"
    + "|".join(f"(?P<m{i}>{_padded(word)})" for i, (word, _) in enumerate(_METADATA_KEYS))
    + f"){_WS}*{_COLON}"
)


def parse_metadata_line(text: str | None) -> dict[str, str]:
    """The 来源 / 作者 / 编辑 values of the visible metadata line.

    Labels may be padded and take an ASCII or full-width colon, in any order;
    values are white-space collapsed (the author's inner padding stays as
    single spaces); empty values are left out.

    >>> parse_metadata_line("来源: 嘉兴日报   作者: 记 者 沈 洁通讯员 吕军超 冯 萍    编辑: 吴怡之")
    {'source': '嘉兴日报', 'author': '记 者 沈 洁通讯员 吕军超 冯 萍', 'editor': '吴怡之'}
    """
    values: dict[str, str] = {}
    for match, following in _labelled(text or "", _METADATA_LABEL_RE):
        key = _METADATA_KEYS[_alternative(match)][1]
        # 【责任编辑：吴怡之】: the brackets around a label belong to the line, not the value.
        value = collapse_whitespace(collapse_whitespace(following).strip("【】[]（）()"))
        if key and value and key not in values:
            values[key] = value
    return values


_KEYWORD_SEPARATORS_RE = re.compile(f"(?:[,，、;；]|{_WS})+")


def split_keywords(text: str | None) -> list[str]:
    """Split an ENP ``<keyword>`` value; no empties, no repeats, order kept.

    >>> split_keywords("创先争优, 党员，秀洲\\u3000党员")
    ['创先争优', '党员', '秀洲']
    """
    if not text:
        return []
    return _unique(_KEYWORD_SEPARATORS_RE.split(text))


_TITLE_SEPARATOR_RE = re.compile(f"{_WS}*[-_|｜—–]+{_WS}*")
_SITE_NAME_RE = re.compile(r"新闻网|浙江在线|zjol|^秀洲.{0,3}$", re.IGNORECASE)


def _is_digit_range(separator: re.Match[str]) -> bool:
    """Whether a separator match is a bare hyphen between digits (``2010-2011``)."""
    text, start, end = separator.string, separator.start(), separator.end()
    return separator.group() == "-" and text[start - 1 : start].isdigit() and text[end : end + 1].isdigit()


def strip_site_suffix(title: str | None) -> str:
    """Remove trailing site names (``标题_秀洲新闻网_浙江在线`` -> ``标题``), collapse white space.

    A part is removed only when it names the site: it contains 新闻网,
    浙江在线 or zjol, or is a short name starting with 秀洲 (``秀洲网``);
    a longer part that merely mentions 秀洲 (``王江泾镇-秀洲区重点项目``) is
    headline text.  A hyphen between digits (``2010-2011年度``) is not a
    separator.

    >>> strip_site_suffix("“一联三会”让党员与群众心连心 - 秀洲新闻网 - 浙江在线")
    '“一联三会”让党员与群众心连心'
    >>> strip_site_suffix("2010-2011年度先进集体")
    '2010-2011年度先进集体'
    """
    title = collapse_whitespace(title)
    # The separators are found once and the suffixes cut from the end: finding
    # them again after each cut was quadratic on a hostile <title> of thousands
    # of "-新闻网" (tests/test_hostile_pages.py).  ``title`` has no leading space.
    end = len(title)
    for last in reversed([m for m in _TITLE_SEPARATOR_RE.finditer(title) if not _is_digit_range(m)]):
        suffix = title[last.end() : end].strip()
        if last.start() == 0 or not suffix or not _SITE_NAME_RE.search(suffix):
            break
        end = last.start()
    return title[:end].strip() if end < len(title) else title


_BREADCRUMB_LABEL_RE = re.compile(
    rf"^{_WS}*(?:(?:(?:您当前的|您的|你的|当前)位置){_WS}*{_COLON}?|位置{_WS}*{_COLON})"
)
_BREADCRUMB_SEPARATORS_RE = re.compile(r"[>＞›»→]+")


def split_breadcrumb(text: str | None) -> list[str]:
    """The 您当前的位置 path as a list, without the label and 首页.

    >>> split_breadcrumb("您当前的位置:首 页 > 专题2010 > 画乡先锋 创先争优 > 先锋视点")
    ['专题2010', '画乡先锋 创先争优', '先锋视点']
    """
    text = _BREADCRUMB_LABEL_RE.sub("", text or "", count=1)
    crumbs = (collapse_whitespace(part) for part in _BREADCRUMB_SEPARATORS_RE.split(text))
    # The template pads 首页 like names: 首 页, 首  页.
    return [crumb for crumb in crumbs if crumb and unpad_name(crumb) != "首页"]


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

# The year must be four digits not preceded by a digit: the header clock
# ``19119年7月15日`` (JavaScript getYear() + "19") must never match.
_DATE_RE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<y1>\d{4})(?P<sep>[-/.])(?P<m1>\d{1,2})(?P=sep)(?P<d1>\d{1,2})(?!\d)"
    r"|(?P<y2>\d{4})\s*年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})(?:\s*日|(?!\d))"
    r")"
    # The time, if any: 07:07, 07:07:12.0 and 07:07:12:0 (ENP), 07时07分.
    r"(?:(?:\s*T\s*|\s*)(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2})(?:\.\d+)?)?(?!\d))?"
)
_PORTAL_TZ = timezone(timedelta(hours=8))
_MIN_YEAR, _MAX_YEAR = 1990, 2100


def _datetime_of(match: re.Match[str]) -> datetime | None:
    """The date and time of one ``_DATE_RE`` match, or ``None`` if it is not a real one."""
    parts = match.groupdict()
    year = int(parts["y1"] or parts["y2"])
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return datetime(
            year,
            int(parts["m1"] or parts["m2"]),
            int(parts["d1"] or parts["d2"]),
            int(parts["H"] or 0),
            int(parts["M"] or 0),
            int(parts["S"] or 0),
            tzinfo=_PORTAL_TZ,
        )
    except ValueError:
        return None


def parse_published_at(text: str | None) -> str | None:
    """ISO 8601 (portal time, ``+08:00``) of the first valid publish time in ``text``.

    Accepts ENP's ``2010-12-29 07:07:12.0`` (and ``07:07:12:0``), ``2010/12/29 07:07``,
    ``2010年12月29日 07:07`` and their shorter forms; missing seconds or time
    are zero.  Years must have exactly four digits and lie in 1990-2100, and
    the date must exist.  Any offset written after the time is ignored: the
    portal writes Beijing time.

    >>> parse_published_at("2010-12-29 07:07:12.0")
    '2010-12-29T07:07:12+08:00'
    >>> parse_published_at("19119年7月15日 周一 2010年12月29日 07:07")
    '2010-12-29T07:07:00+08:00'
    >>> parse_published_at("2010-02-30") is None
    True
    """
    if not text:
        return None
    for match in _DATE_RE.finditer(text):
        moment = _datetime_of(match)
        if moment is not None:
            return moment.isoformat()
    return None


# ---------------------------------------------------------------------------
# The ENP metadata comment
# ---------------------------------------------------------------------------

# The block's start and end are searched apart, and a value runs to the next "<"
# (ENP escapes its values): one (.*?) regex was quadratic on a hostile page full of
# unclosed markers or tags (tests/test_hostile_pages.py).
_ENPPROPERTY_START_RE = re.compile(r"<!--\s*enpproperty\b", re.IGNORECASE)
_ENPPROPERTY_END_RE = re.compile(r"/\s*enpproperty\s*-->", re.IGNORECASE)
_ENP_TAG_RE = re.compile(r"<([A-Za-z][\w.:-]*)\s*>([^<]*)</\1\s*>")


def parse_enpproperty(html: str | None) -> dict[str, str]:
    """The ``<tag>value</tag>`` pairs of the page's ``<!--enpproperty ... /enpproperty-->`` comment.

    Tag names are lower-cased; values are HTML-unescaped and white-space
    collapsed; empty values are left out; the first of repeated tags wins.
    ``{}`` when the page has no (complete) block: older pages lack it.

    >>> parse_enpproperty(
    ...     "<!--enpproperty <articleid>13095123</articleid><title>&ldquo;一联三会&rdquo;</title>"
    ...     "<subtitle></subtitle>/enpproperty-->"
    ... )
    {'articleid': '13095123', 'title': '“一联三会”'}
    """
    if not html:
        return {}
    start = _ENPPROPERTY_START_RE.search(html)
    end = _ENPPROPERTY_END_RE.search(html, start.end()) if start else None
    if start is None or end is None:
        return {}
    values: dict[str, str] = {}
    for tag in _ENP_TAG_RE.finditer(html, start.end(), end.start()):
        name, value = tag.group(1).lower(), collapse_whitespace(html_lib.unescape(tag.group(2)))
        if value and name not in values:
            values[name] = value
    return values


# ---------------------------------------------------------------------------
# URLs and ids
# ---------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WEB_SCHEMES = ("", "http", "https")


def _query_name_matches(name: str, patterns: Sequence[str]) -> bool:
    """Whether a query parameter name matches a tracking pattern (``utm_*`` globs a prefix)."""
    for pattern in patterns:
        if pattern.endswith("*"):
            if name.startswith(pattern[:-1]):
                return True
        elif name == pattern:
            return True
    return False


def _strip_query(query: str, tracking_params: Sequence[str]) -> str:
    """``query`` without tracking parameters and empty pieces, order and encoding kept."""
    patterns = [p.strip().lower() for p in tracking_params if p and p.strip()]
    kept = [
        piece
        for piece in query.split("&")
        if piece and not _query_name_matches(unquote_plus(piece.split("=", 1)[0]).lower(), patterns)
    ]
    return "&".join(kept)


def canonical_url(url: str | None, tracking_params: Sequence[str] = ()) -> str:
    """The canonical form of an http(s) URL; anything else comes back stripped.

    Scheme and host lower-cased, default port and fragment removed, tracking
    query parameters removed (names compared case-insensitively, a trailing
    ``*`` globs a prefix), the other parameters kept in order, an empty ``?``
    dropped, unsafe characters percent-encoded (``w3lib.url.safe_url_string``).
    The path is otherwise unchanged, except that an empty one becomes ``/``
    (RFC 3986, 6.2.3).  Never raises.

    >>> canonical_url("HTTP://JXXZNews.zjol.com.cn:80/xznews/index.shtml?utm_source=x#top", ["utm_*"])
    'http://jxxznews.zjol.com.cn/xznews/index.shtml'
    >>> canonical_url("javascript:void(0) ")
    'javascript:void(0)'
    """
    stripped = collapse_whitespace(url)
    try:
        parts = urlsplit(stripped)
        scheme = parts.scheme.lower()
        host = parts.hostname
        if scheme not in _DEFAULT_PORTS or not host:
            return stripped
        port = parts.port
        netloc = f"[{host}]" if ":" in host else host
        if port is not None and port != _DEFAULT_PORTS[scheme]:
            netloc = f"{netloc}:{port}"
        userinfo = parts.netloc.rpartition("@")[0]
        if userinfo:
            netloc = f"{userinfo}@{netloc}"
        query = _strip_query(parts.query, tracking_params)
        return safe_url_string(urlunsplit((scheme, netloc, parts.path or "/", query, "")))
    except (ValueError, UnicodeError):
        return stripped


# ENP article files: nine digits with a leading zero, ``_NN`` for page NN+1.
_ARTICLE_PATH_RE = re.compile(
    r"(?P<dir>/system/\d{4}/\d{2}/\d{2}/)(?P<id>\d+)(?:_(?P<part>\d+))?(?P<ext>\.s?html?)$", re.IGNORECASE
)
_LISTING_PATH_RE = re.compile(r"/(?:index(?:_(?P<page>\d+))?\.s?html?)?$", re.IGNORECASE)


def _web_path(url: str | None) -> str | None:
    """The path of an http(s) or scheme-relative/relative URL, else ``None``."""
    try:
        parts = urlsplit(collapse_whitespace(url))
    except ValueError:
        return None
    return parts.path if parts.scheme.lower() in _WEB_SCHEMES else None


def is_article_url(url: str | None) -> bool:
    """Whether ``url`` is an ENP article page (``/system/YYYY/MM/DD/0NNNNNNNN(_NN).shtml``).

    >>> is_article_url("http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123_01.shtml")
    True
    >>> is_article_url("http://jxxznews.zjol.com.cn/xznews/index.shtml")
    False
    """
    path = _web_path(url)
    return path is not None and _ARTICLE_PATH_RE.search(path) is not None


def article_id_from_url(url: str | None) -> str | None:
    """The article id in an ENP article URL: the file name's digits without leading zeros.

    >>> article_id_from_url("http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123_01.shtml")
    '13095123'
    >>> article_id_from_url("http://jxxznews.zjol.com.cn/xznews/index.shtml") is None
    True
    """
    path = _web_path(url)
    match = _ARTICLE_PATH_RE.search(path) if path is not None else None
    if match is None:
        return None
    return match.group("id").lstrip("0") or None


def article_part(url: str | None) -> tuple[str, int] | None:
    """(URL of the article's first page, 0-based page index) for an ENP article URL.

    ENP names page 2 of an article ``…_01.shtml``, page 3 ``…_02.shtml``.

    >>> article_part("http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123_01.shtml")
    ('http://jxxznews.zjol.com.cn/xznews/system/2010/12/29/013095123.shtml', 1)
    >>> article_part("http://jxxznews.zjol.com.cn/xznews/index.shtml") is None
    True
    """
    stripped = collapse_whitespace(url)
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES:
        return None
    match = _ARTICLE_PATH_RE.search(parts.path)
    if match is None:
        return None
    if match.group("part") is None:
        return stripped, 0
    first_path = parts.path[: match.start()] + match.expand(r"\g<dir>\g<id>\g<ext>")
    return urlunsplit(parts._replace(path=first_path)), int(match.group("part"))


def listing_page_number(url: str | None) -> int | None:
    """The page number of a section listing URL, ``None`` for anything else.

    ``index.shtml`` and a folder URL are page 0, ``index_2.shtml`` is page 2.

    >>> listing_page_number("http://jxxznews.zjol.com.cn/xznews/xwzx/index_2.shtml")
    2
    >>> listing_page_number("http://jxxznews.zjol.com.cn/xznews/xwzx/")
    0
    """
    path = _web_path(url)
    match = _LISTING_PATH_RE.search(path) if path else None
    if match is None:
        return None
    return int(match.group("page") or 0)


# ---------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------


def content_hash(title: str | None, paragraphs: Sequence[str | None]) -> str:
    """SHA-256 hex digest of the normalised title and paragraphs (UTF-8).

    Equal text gives an equal hash, whatever the white space around it.

    >>> content_hash(" 标题 ", ["\\u3000段落"]) == content_hash("标题", ["段落"])
    True
    """
    text = collapse_whitespace(title) + "\n" + "\n".join(collapse_whitespace(p) for p in paragraphs or ())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# 【打印】 【关闭】, 【字号 大 中 小】, [1] [2] [3]: text made only of bracketed groups.
_BRACKET_GROUPS_RE = re.compile(r"(?:[【\[［][^【】\[\]［］]*[】\]］] ?)+")
_BRACKET_GROUP_RE = re.compile(r"[【\[［]([^【】\[\]［］]*)[】\]］]")
_PAGER_TOKEN = (
    r"(?:上一页|下一页|上页|下页|前页|后页|首页|尾页|末页|第 ?\d+ ?页|共 ?\d+ ?页"
    r"|[\[［【] ?\d+ ?[\]］】]|\d+|…+|\.\.\.|«|»|<<|>>|‹|›)"
)
_PAGER_RE = re.compile(rf"(?: ?{_PAGER_TOKEN})+")
_PAGER_TOKEN_RE = re.compile(_PAGER_TOKEN)
_TOOLBAR_WORDS = frozenset(
    {
        "打印",
        "打印本页",
        "打印此文",
        "打印文章",
        "关闭",
        "关闭窗口",
        "关闭本页",
        "返回",
        "返回顶部",
        "返回首页",
        "返回列表",
        "字号",
        "字体",
        "大",
        "中",
        "小",
        "收藏",
        "加入收藏",
        "收藏本页",
        "推荐",
        "推荐给朋友",
        "纠错",
        "评论",
        "我要评论",
        "发表评论",
        "查看评论",
        "复制链接",
    }
)
_RELATED_HEADINGS = frozenset({"相关稿件", "相关新闻", "相关文章", "相关链接", "相关阅读"})
_SHARE_RE = re.compile(rf"^分享到 ?{_COLON}")
_METADATA_LINE_RE = re.compile(rf"^[(（【\[]? ?(?:来 ?源|作 ?者|责任编辑|编 ?辑) ?{_COLON}")
# A longer text starting with a label is prose that happens to begin so.
_FURNITURE_MAX_CHARS = 120
# The first word of a text as _words splits it (colons and white space separate words).
_FIRST_WORD_RE = re.compile(rf"[\s{_COLON[1:-1]}]*([^\s{_COLON[1:-1]}]*)")
# A related-links heading, unpadded and without colons, holds one of these characters.
_RELATED_HEADING_FIRST_CHARS = frozenset(heading[0] for heading in _RELATED_HEADINGS)


def _words(text: str) -> list[str]:
    """The words of a toolbar text, colons dropped (``字号：大 中 小``)."""
    return _COLON_RE.sub(" ", text).split()


def _are_toolbar_words(words: Iterable[str]) -> bool:
    """Whether there are words and each is a toolbar word or a pager token."""
    found = False
    for word in words:
        if word not in _TOOLBAR_WORDS and not _PAGER_TOKEN_RE.fullmatch(word):
            return False
        found = True
    return found


def is_toolbar_text(text: str | None) -> bool:
    """Whether a text block is page furniture that must not become a paragraph.

    True for 【打印】【关闭】 toolbars, pagers, share bars, the 相关稿件
    heading and the 来源 / 作者 / 编辑 line; False for prose, even prose that
    mentions 打印 or 下一页, and for empty text (nothing to keep or drop).

    >>> is_toolbar_text("【字号 大 中 小】【打印】【关闭】")
    True
    >>> is_toolbar_text("点击下一页查看更多图片,请在打印前确认。")
    False
    """
    text = collapse_whitespace(text)
    if not text:
        return False
    # Only bracketed toolbar words count: 【编者按】 and 【新闻链接】 head real content.
    if _BRACKET_GROUPS_RE.fullmatch(text) and _are_toolbar_words(
        word for group in _BRACKET_GROUP_RE.findall(text) for word in _words(group)
    ):
        return True
    if _PAGER_RE.fullmatch(text) and not text.replace(" ", "").isdigit():
        return True
    # Most blocks are prose: their first word is no toolbar word, and they hold no
    # heading's first character; each check below is only run when it could succeed.
    first = _FIRST_WORD_RE.match(text).group(1)  # type: ignore[union-attr]  # matches every text
    if first in _TOOLBAR_WORDS or _PAGER_TOKEN_RE.fullmatch(first):
        words = _words(text)
        if _are_toolbar_words(words) and not all(word.isdigit() for word in words):
            return True
    if any(char in text for char in _RELATED_HEADING_FIRST_CHARS) and (
        unpad_name(_COLON_RE.sub("", text)) in _RELATED_HEADINGS
    ):
        return True
    if len(text) > _FURNITURE_MAX_CHARS:
        return False
    return bool(_SHARE_RE.match(text) or _METADATA_LINE_RE.match(text))
