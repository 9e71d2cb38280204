"""HTML to article paragraphs plus metadata: trafilatura first, Chinese-news cleanup after."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import lxml.html
import trafilatura
from lxml import etree

from corpus.boilerplate import clean_lines, is_menu_like, normalize_space

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
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "head",
    "button",
    "form",
    "nav",
    "aside",
)
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


# A precision-first pass that keeps less than this many characters has probably missed the main
# content (a forum thread, a Q&A page, a short post); a recall-first pass then decides. Chosen on
# the dev half of the shared forum and article pages (benchmarks/extraction.py reports both halves).
SHORT_CHARS = 200


def _extract(html: str, url: str | None, recall: bool) -> str | None:
    return trafilatura.extract(
        html,
        url=url,
        favor_precision=not recall,
        favor_recall=recall,
        include_comments=recall,  # on a forum page the replies are the content
        include_tables=True,
        deduplicate=False,
        output_format="txt",
    )


def _chars(lines: list[str]) -> int:
    return sum(len(x) for x in lines)


def extract_html(html: str, url: str | None = None) -> Extracted:
    """The main text of a full HTML page: trafilatura favouring precision (news pages), or
    favouring recall when that finds clearly more on a page where precision found almost nothing
    (forums, Q&A, short posts), or every text block of the page when trafilatura finds nothing."""
    html = _NO_READ.sub("", html)
    meta = trafilatura.extract_metadata(html, default_url=url)
    title = normalize_space(meta.title) if meta and meta.title else None
    body = _extract(html, url, recall=False)
    cleaned = clean_lines(body.splitlines() if body else [], title=title, drop_repeated=False)
    short = _chars(cleaned.paragraphs)
    if short < SHORT_CHARS:
        more = _extract(html, url, recall=True)
        alt = clean_lines(more.splitlines() if more else [], title=title, drop_repeated=False)
        if _chars(alt.paragraphs) >= 1.3 * short + 50:
            cleaned = alt
    if not cleaned.paragraphs:
        cleaned = clean_lines(fragment_lines(html), title=title, drop_repeated=False)
    if _chars(cleaned.paragraphs) < 20 and all(is_menu_like(x) for x in cleaned.paragraphs):
        # a lone menu item ("首页") is what is left of a page with no article: not a document
        cleaned = replace(cleaned, paragraphs=[])
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
