"""Plain-text files, including web pages saved as text.

A saved page typically holds a navigation menu one item per line, a header with title, date and
`来源:`, the article body (sometimes as JSON-escaped HTML: `\\u003cp ...`, with inline CSS and HTML
comments), then "related news" lists repeated many times. The body is found, unescaped and cleaned;
header lines become metadata.
"""

from __future__ import annotations

import re
from collections import Counter

from corpus.boilerplate import clean_lines, find_author, normalize_space
from corpus.html import Extracted, extract_html, fragment_lines

_ESCAPED_TAG = re.compile(r"\\u003c/?[a-zA-Z!]", re.I)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_HTML_DOC = re.compile(r"^\s*(<!doctype html|<html[\s>])", re.I)
_LITERAL_TAGS = re.compile(r"</?(p|div|span|br|a|h[1-6]|li|img|table)[\s>/]", re.I)
_DATETIME = re.compile(
    r"(20\d{2}|19\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_SOURCE = re.compile(r"^来源\s*[:：]\s*(\S.{0,30})$")
_SITE_NAME = re.compile(r"^\S{2,12}(网|报|社|台|新闻|资讯|日报|周刊|杂志|频道)$")


def unescape_json_html(s: str) -> str:
    """Undo JSON string escaping of an embedded HTML body."""
    s = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), s)
    return (
        s.replace('\\"', '"')
        .replace("\\/", "/")
        .replace("\\n", "\n")
        .replace("\\t", " ")
        .replace("\\r", "")
    )


def format_datetime(m: re.Match[str]) -> str:
    y, mo, d, hh, mm, ss = m.groups()
    date = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
    if hh is None:
        return date
    return f"{date}T{int(hh):02d}:{int(mm):02d}" + (f":{int(ss):02d}" if ss else "")


def extract_text(text: str) -> Extracted:
    """Paragraphs and metadata from a plain-text file or a page saved as text."""
    if _HTML_DOC.match(text) or len(_LITERAL_TAGS.findall(text[:20000])) >= 5:
        return extract_html(text)
    lines = text.splitlines()
    escaped = [i for i, line in enumerate(lines) if len(_ESCAPED_TAG.findall(line)) >= 3]
    if escaped:
        return _extract_dump_with_html(lines, escaped)
    return _extract_plain(lines)


def _extract_dump_with_html(lines: list[str], escaped: list[int]) -> Extracted:
    body_lines: list[str] = []
    for i in escaped:
        body_lines.extend(fragment_lines(unescape_json_html(lines[i])))
    header = [normalize_space(x) for x in lines[: escaped[0]] if x.strip()]
    title = _repeated_title(header) or _first_title(header)
    cleaned = clean_lines(body_lines, title=title)
    date = _find_date(header)
    source = _find_source(header)
    author = cleaned.author or find_author(header)
    return Extracted(cleaned.paragraphs, title=title, date=date, source=source, author=author)


def _extract_plain(lines: list[str]) -> Extracted:
    head = [normalize_space(x) for x in lines[:12] if x.strip()]
    title = _first_title(head)
    source = _find_source(head)
    if source is None and title and head and head[0] != title and _SITE_NAME.match(head[0]):
        source = head[0]
    body = list(lines)
    # The site name above the title is masthead, not article text.
    if source and head and head[0] == source:
        first = next(i for i, x in enumerate(lines) if x.strip())
        body = lines[first + 1 :]
    cleaned = clean_lines(body, title=title)
    paragraphs = cleaned.paragraphs
    if not paragraphs:
        # A user's own short note (one line that reads like a title, a line that looks like a
        # footer) is never cleaned down to nothing: plain text is kept as it was written.
        paragraphs = [normalize_space(x) for x in lines if x.strip()]
        if title and len(paragraphs) == 1 and len(title) > 40:
            title = None  # a sentence, not a title
    return Extracted(
        paragraphs,
        title=title,
        date=_find_date(head),
        source=source,
        author=cleaned.author,
    )


def _repeated_title(header: list[str]) -> str | None:
    counts = Counter(x for x in header if 8 <= len(x) <= 100)
    best = counts.most_common(1)
    return best[0][0] if best and best[0][1] >= 2 else None


def _first_title(head: list[str]) -> str | None:
    for line in head[:6]:
        if (
            8 <= len(line) <= 100
            and line[-1] not in "。！？!?；;，,:："
            and not _DATETIME.fullmatch(line)
        ):
            return line
    return None


def _find_date(lines: list[str]) -> str | None:
    for line in lines:
        m = _DATETIME.search(line)
        if m and len(line) <= 40:
            return format_datetime(m)
    return None


def _find_source(lines: list[str]) -> str | None:
    for line in lines:
        m = _SOURCE.match(line)
        if m:
            return m.group(1).strip()
    return None
