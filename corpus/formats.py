"""Readers for document formats other than HTML, plain text and PDF: Markdown, DOCX, and
spreadsheets (XLSX, CSV) whose sheets are tables (`corpus.tables`)."""

from __future__ import annotations

import io

from corpus.archives import check_zip
from corpus.boilerplate import normalize_space
from corpus.errors import DecodeError, NoTextError
from corpus.html import Extracted
from corpus.tables import Table, looks_like_caption, make_table


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
    from docx.table import Table as DocxTable

    paragraphs: list[str] = []
    tables: list[tuple[int, Table]] = []
    title: str | None = None
    for block in doc.iter_inner_content():
        if isinstance(block, DocxTable):
            grid = [[c.text for c in row.cells] for row in block.rows]
            # a caption is the short paragraph just before the table ("表1 主要财务数据")
            caption = paragraphs[-1] if paragraphs and looks_like_caption(paragraphs[-1]) else None
            table = make_table(grid, caption or title)
            if table is not None:
                tables.append((len(paragraphs), table))
            else:  # a one-column box or a layout table: its text, as before
                rows = (dict.fromkeys(normalize_space(c) for c in r) for r in grid)
                paragraphs.extend(x for x in (" | ".join(c for c in r if c) for r in rows) if x)
            continue
        text = normalize_space(block.text)
        if not text:
            continue
        style = (block.style.name or "").lower() if block.style is not None else ""
        if title is None and style in ("title", "heading 1") and not paragraphs:
            title = text
            continue
        paragraphs.append(text)
    props = doc.core_properties
    if title is None and props.title:
        title = props.title
    date = props.created.date().isoformat() if props.created else None
    return Extracted(paragraphs, title=title, date=date, author=props.author or None, tables=tables)


# Rows read from one sheet at most: a larger sheet is cut with a note, not a memory blow-up.
MAX_ROWS = 200_000


def extract_xlsx(data: bytes, path: str | None = None) -> Extracted:
    """Every sheet of a workbook as a table (its name as the title), read row by row in
    openpyxl's read-only mode so a large sheet never sits in memory as cell objects. Formulas
    give their cached values."""
    import zipfile

    from openpyxl import load_workbook

    check_zip(data, path, "XLSX")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DecodeError(path, f"not a readable XLSX file ({_first(exc)})") from exc
    except Exception as exc:  # noqa: BLE001 - openpyxl raises its own kinds on bad XML
        raise DecodeError(path, f"not a readable XLSX file ({_first(exc)})") from exc
    tables: list[tuple[int, Table]] = []
    title = (wb.properties.title or None) if wb.properties else None
    try:
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows(values_only=True):
                rows.append(row)
                if len(rows) >= MAX_ROWS:
                    break
            name = ws.title
            table = make_table(rows, f"{title} · {name}" if title else name, sheet=name)
            if table is not None:
                tables.append((0, table))
    finally:
        wb.close()
    if not tables:
        raise NoTextError(path, "no table with a header and at least one row in any sheet")
    author = (wb.properties.creator or None) if wb.properties else None
    if title is None and path:
        from pathlib import PurePath

        title = PurePath(path).stem  # the file's name says what the workbook is
    return Extracted([], title=title, author=author, tables=tables)


def extract_csv(text: str, path: str | None = None) -> Extracted:
    """A CSV (or TSV) file as one table: the delimiter sniffed, the first row the header, the
    file's name the title."""
    import csv
    from pathlib import PurePath

    sample = text[:20000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            rows.append(row)
            if len(rows) >= MAX_ROWS:
                break
    except csv.Error as exc:
        raise DecodeError(path, f"not a readable CSV file ({exc})") from exc
    name = PurePath(path).stem if path else None
    table = make_table(rows, name)
    if table is None:
        raise NoTextError(path, "no table: a CSV file needs a header row and one row under it")
    return Extracted([], title=name, tables=[(0, table)])


def _first(exc: BaseException) -> str:
    return (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:200]


__all__ = [
    "extract_csv",
    "extract_docx",
    "extract_markdown",
    "extract_xlsx",
]
