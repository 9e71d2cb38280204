"""HTML to article paragraphs plus metadata: trafilatura first, Chinese-news cleanup after."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
import trafilatura
from lxml import etree

from corpus.boilerplate import clean_lines, normalize_space

_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "pre",
    "tr",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
    "figcaption",
    "header",
    "footer",
    "br",
    "hr",
}
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "head", "button", "form")
_META_AUTHOR = re.compile(
    r"""<meta[^>]+(?:name|property)=["'](?:author|article:author|og:article:author)["'][^>]*content=["']([^"']{1,60})["']""",
    re.I,
)
_NO_READ = re.compile(r"<!--\s*NO_READ_BEGIN\s*-->.*?<!--\s*NO_READ_END\s*-->", re.S)


@dataclass(frozen=True)
class Extracted:
    """What a reader found in a file, before it becomes a `Document`."""

    paragraphs: list[str]
    title: str | None = None
    date: str | None = None
    source: str | None = None
    author: str | None = None
    meta: dict[str, str] = field(default_factory=dict)


def extract_html(html: str, url: str | None = None) -> Extracted:
    """The main text of a full HTML page."""
    html = _NO_READ.sub("", html)
    meta = trafilatura.extract_metadata(html, default_url=url)
    title = normalize_space(meta.title) if meta and meta.title else None
    body = trafilatura.extract(
        html,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
        output_format="txt",
    )
    lines = body.splitlines() if body else fragment_lines(html)
    cleaned = clean_lines(lines, title=title, drop_repeated=False)
    # trafilatura's author heuristics skip many Chinese bylines; the meta tag is explicit.
    meta_author = _META_AUTHOR.search(html[:20000])
    author = (
        (meta.author if meta and meta.author else None)
        or (normalize_space(meta_author.group(1)) if meta_author else None)
        or cleaned.author
    )
    return Extracted(
        paragraphs=cleaned.paragraphs,
        title=title,
        date=meta.date if meta else None,
        source=(meta.sitename or meta.hostname) if meta else None,
        author=author,
    )


def fragment_lines(fragment: str) -> list[str]:
    """Every block of text in an HTML fragment, one line each (for bodies embedded in dumps)."""
    fragment = _NO_READ.sub("", fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return [line for line in fragment.splitlines() if line.strip()]
    for comment in root.xpath("//comment()"):
        _remove_keep_tail(comment)
    for el in list(root.iter(*_DROP_TAGS)):
        _remove_keep_tail(el)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            el.text = "\n" + (el.text or "")
    text = root.text_content()
    return [normalize_space(line) for line in text.splitlines() if line.strip()]


def _remove_keep_tail(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)
