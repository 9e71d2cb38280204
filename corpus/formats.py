"""Readers for document formats other than HTML and plain text: Markdown, PDF, DOCX."""

from __future__ import annotations

import io
import re

from corpus.archives import check_zip
from corpus.boilerplate import drop_repeated, normalize_space
from corpus.errors import DecodeError
from corpus.html import Extracted

_SENTENCE_END = '。！？!?；;…:：」』”）)."'
_LATIN_START = re.compile(r"[A-Za-z0-9]")
_LATIN_END = re.compile(r"[A-Za-z0-9,]")


def extract_markdown(text: str) -> Extracted:
    """Paragraphs, headings and list items of a Markdown file; the first heading is the title."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    paragraphs: list[str] = []
    title: str | None = None
    in_heading = False
    for tok in tokens:
        if tok.type == "heading_open":
            in_heading = True
        elif tok.type == "heading_close":
            in_heading = False
        elif tok.type == "inline":
            plain = normalize_space(_inline_text(tok))
            if not plain:
                continue
            if in_heading and title is None:
                title = plain
                continue
            paragraphs.append(plain)
        elif tok.type in ("fence", "code_block"):
            paragraphs.extend(
                x for x in (normalize_space(s) for s in tok.content.splitlines()) if x
            )
    return Extracted(paragraphs, title=title)


def _inline_text(tok) -> str:
    parts = []
    for child in tok.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def extract_pdf(data: bytes, path: str | None = None) -> Extracted:
    """Text of every page; lines broken by the layout are joined back into paragraphs."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs what it repairs ("EOF marker not found") before raising or going on; docqa
    # says what matters in its own one line
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DecodeError(path, "the PDF is encrypted; decrypt it first")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except (PdfReadError, ValueError, KeyError) as exc:
        raise DecodeError(path, f"not a readable PDF ({exc})") from exc
    # the same page many times over (or a header on every page) keeps one copy
    paragraphs = drop_repeated(join_layout_lines("\n".join(pages).splitlines()))
    title = normalize_space(str(info.title)) if info and info.title else None
    author = normalize_space(str(info.author)) if info and info.author else None
    return Extracted(paragraphs, title=title or None, author=author or None)


def join_layout_lines(lines: list[str]) -> list[str]:
    """PDF text comes one visual line at a time: a line not ending a sentence continues."""
    out: list[str] = []
    current = ""
    for raw in lines:
        line = normalize_space(raw)
        if not line:
            if current:
                out.append(current)
                current = ""
            continue
        if current and _LATIN_START.match(line) and _LATIN_END.match(current[-1]):
            current += " " + line
        else:
            current += line
        if line[-1] in _SENTENCE_END:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def extract_docx(data: bytes, path: str | None = None) -> Extracted:
    """Paragraphs and table cells of a Word document, with its core properties."""
    import zipfile

    from docx import Document as DocxDocument
    from lxml import etree

    check_zip(data, path, "DOCX")
    try:
        doc = DocxDocument(io.BytesIO(data))
    except etree.LxmlError as exc:  # an entity bomb ("billion laughs") among others
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DecodeError(path, f"not a readable DOCX file (bad XML: {first})") from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DecodeError(path, f"not a readable DOCX file ({exc})") from exc
    paragraphs: list[str] = []
    title: str | None = None
    for para in doc.paragraphs:
        text = normalize_space(para.text)
        if not text:
            continue
        style = (para.style.name or "").lower() if para.style is not None else ""
        if title is None and style in ("title", "heading 1") and not paragraphs:
            title = text
            continue
        paragraphs.append(text)
    for table in doc.tables:
        for row in table.rows:
            cells = [normalize_space(c.text) for c in row.cells]
            line = " | ".join(c for c in cells if c)
            if line:
                paragraphs.append(line)
    props = doc.core_properties
    if title is None and props.title:
        title = props.title
    date = props.created.date().isoformat() if props.created else None
    return Extracted(paragraphs, title=title, date=date, author=props.author or None)


__all__ = ["extract_docx", "extract_markdown", "extract_pdf", "join_layout_lines"]
