"""HTML to article paragraphs plus metadata: trafilatura first, Chinese-news cleanup after."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import lxml.html
import trafilatura
from lxml import etree

from corpus.boilerplate import clean_lines, is_menu_like, normalize_space
from corpus.tables import Table, html_data_tables

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
    # paged formats: the page of each paragraph (same length as `paragraphs`)
    pages: list[int] | None = None
    # (index of the paragraph the table comes before, table); len(paragraphs) puts it last
    tables: list[tuple[int, Table]] = field(default_factory=list)
    # pages read by OCR: (page, mean recognition confidence)
    ocr: list[tuple[int, float]] = field(default_factory=list)


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


_MARK = "DOCQATABLE{}MARK"
_MARK_RE = re.compile(r"DOCQATABLE(\d+)MARK")


def _mark_tables(html: str) -> tuple[str, list[Table]]:
    """The page with each data table (`corpus.tables.html_data_tables`) replaced by a marker
    paragraph, and the tables; the page unchanged when it has none."""
    if "<table" not in html.lower():
        return html, []
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html, []
    found = html_data_tables(root)
    if not found:
        return html, []
    tables = []
    for i, (el, table) in enumerate(found):
        marker = lxml.html.fromstring(f"<p>{_MARK.format(i)}</p>")
        marker.tail = el.tail
        el.getparent().replace(el, marker)
        tables.append(table)
    return lxml.html.tostring(root, encoding="unicode"), tables


def _place_tables(
    paragraphs: list[str], tables: list[Table]
) -> tuple[list[str], list[tuple[int, Table]]]:
    """Markers out of the paragraphs, each table anchored where its marker was. A table whose
    marker the extractor dropped (it judged that part of the page boilerplate) is dropped too."""
    out: list[str] = []
    anchors: list[tuple[int, Table]] = []
    for para in paragraphs:
        marks = _MARK_RE.findall(para)
        for m in marks:
            if int(m) < len(tables):
                anchors.append((len(out), tables[int(m)]))
        rest = normalize_space(_MARK_RE.sub("", para))
        if rest:
            out.append(rest)
    return out, anchors


def extract_html(html: str, url: str | None = None) -> Extracted:
    """The main text of a full HTML page: trafilatura favouring precision (news pages), or
    favouring recall when that finds clearly more on a page where precision found almost nothing
    (forums, Q&A, short posts), or every text block of the page when trafilatura finds nothing.
    Data tables become tables (`corpus.tables`) where they stood in the text."""
    html = _NO_READ.sub("", html)
    html, tables = _mark_tables(html)
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
    paragraphs, anchors = _place_tables(cleaned.paragraphs, tables)
    return Extracted(
        paragraphs=paragraphs,
        tables=anchors,
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
