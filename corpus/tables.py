"""Tables that can be asked about: each row becomes a citable passage that names its table and
columns, one statement per cell.

A table comes out of a PDF, a DOCX, an HTML `<table>`, a spreadsheet sheet or a CSV file as a
grid of strings. Read row by row as `毛利 | - | 373 | 2007.9`, a row no longer knows which column
is which year; so every non-empty cell is written as a statement of its own,

    MiniMax主要财务数据 · 毛利 · 2024年: 373万美元

(table title · the row's label (its first cell) · the column's header: the value, with the unit a
title or header declares as `单位：万美元`). A row is one paragraph of the document and each cell
one sentence of it, so retrieval finds the cell, the extractive engine quotes it whole, and a
citation's offsets lead back to the cell (`Table.cells`) for the source card to highlight. Empty
cells (``, `-`, `—`, `N/A`) state nothing, so a question about them is refused, not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from corpus.boilerplate import normalize_space
from corpus.lang import detect_lang

_EMPTY = {"", "-", "--", "—", "——", "–", "/", "n/a", "na", "none", "null", "nan", "…", "—-"}
_UNIT = re.compile(r"单位\s*[:：]\s*([^\s)）,，;；]{1,8})")
_UNIT_NOTE = re.compile(r"\s*[（(]\s*单位\s*[:：][^)）]{0,12}[)）]")
_NUMBER = re.compile(r"^[-+]?[\d,，]*\.?\d+%?$")
MAX_CELL_CHARS = 300  # a cell longer than this is prose, cut in its statement


@dataclass(frozen=True)
class Cell:
    """Where a cell's statement lies in the document's text: row and column of the table's grid
    (row 0 is the first row under the header), and the statement's `[start, end)`."""

    row: int
    col: int
    start: int
    end: int


@dataclass(frozen=True)
class Table:
    """A table as read: its title, its header row and body rows (strings, same width), the page
    it is on (paged formats) and the sheet it came from (spreadsheets). `cells` are filled in when
    the table is placed in a document (`corpus.readers.build_document`)."""

    title: str | None
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    page: int | None = None
    sheet: str | None = None
    cells: tuple[Cell, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "header": list(self.header),
            "rows": [list(r) for r in self.rows],
            "page": self.page,
            "sheet": self.sheet,
            "cells": [[c.row, c.col, c.start, c.end] for c in self.cells],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Table:
        return cls(
            d.get("title"),
            tuple(d["header"]),
            tuple(tuple(r) for r in d["rows"]),
            d.get("page"),
            d.get("sheet"),
            tuple(Cell(*c) for c in d.get("cells", ())),
        )

    def cell_at(self, start: int, end: int) -> Cell | None:
        """The cell whose statement overlaps `[start, end)` most (a citation's offsets)."""
        best, overlap = None, 0
        for c in self.cells:
            o = min(end, c.end) - max(start, c.start)
            if o > overlap:
                best, overlap = c, o
        return best


def looks_like_caption(text: str) -> bool:
    """A short line that ends no sentence: a table's caption ("表1 主要财务数据（单位：万美元）")."""
    text = text.strip()
    return 0 < len(text) <= 60 and text[-1] not in "。！？!?；;，,"


def is_empty(value: str) -> bool:
    return value.strip().lower() in _EMPTY


def make_table(
    grid: Iterable[Sequence[Any]],
    title: str | None = None,
    page: int | None = None,
    sheet: str | None = None,
) -> Table | None:
    """A `Table` from a grid of cells (the first non-empty row is the header), or None when the
    grid is no table to ask about: fewer than two columns or no row under the header. Cells are
    made strings and whitespace-normalised; empty rows and columns are dropped."""
    rows = [[_text(c) for c in r] for r in grid]
    rows = [r for r in rows if any(not is_empty(c) for c in r)]
    if len(rows) < 2:
        return None
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    keep = [j for j in range(width) if any(not is_empty(r[j]) for r in rows)]
    if len(keep) < 2:
        return None
    rows = [[r[j] for j in keep] for r in rows]
    header, body = rows[0], rows[1:]
    return Table(
        normalize_space(title) if title else None,
        tuple(header),
        tuple(tuple(r) for r in body),
        page,
        sheet,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_space(str(value))


def table_unit(table: Table) -> str | None:
    """The unit a table declares for its numbers (`单位：万美元` in its title or header)."""
    for text in (table.title or "", *table.header):
        m = _UNIT.search(text)
        if m:
            return m.group(1)
    return None


def _column_name(table: Table, j: int, zh: bool) -> str:
    name = table.header[j] if j < len(table.header) else ""
    if name and not is_empty(name):
        return name
    return f"第{j + 1}列" if zh else f"column {j + 1}"


def row_statements(table: Table) -> list[list[tuple[int, str]]]:
    """Per body row, (column, statement) for each non-empty cell after the first (the first cell
    is the row's label and opens every statement). A row whose label is empty is labelled by its
    number."""
    zh = detect_lang(" ".join([table.title or "", *table.header])) != "en"
    unit = table_unit(table)
    name = _UNIT_NOTE.sub("", table.title or "").strip()
    title = f"{name} · " if name else ""
    out: list[list[tuple[int, str]]] = []
    for i, row in enumerate(table.rows):
        label = row[0] if not is_empty(row[0]) else (f"第{i + 1}行" if zh else f"row {i + 1}")
        statements = []
        for j in range(1, len(row)):
            value = row[j]
            if is_empty(value):
                continue
            if unit and _NUMBER.match(value) and not value.endswith("%"):
                value += unit
            if len(value) > MAX_CELL_CHARS:
                value = value[:MAX_CELL_CHARS] + "…"
            name = _column_name(table, j, zh)
            statements.append((j, f"{title}{label} · {name}: {value}"))
        out.append(statements)
    return out


def statement_separator(table: Table) -> str:
    """Cells of a row are sentences of one paragraph: `；` between Chinese ones, `; ` otherwise."""
    zh = detect_lang(" ".join([table.title or "", *table.header])) != "en"
    return "；" if zh else "; "


__all__ = [
    "Cell",
    "Table",
    "html_data_tables",
    "is_empty",
    "looks_like_caption",
    "make_table",
    "row_statements",
    "statement_separator",
    "table_unit",
]


def html_data_tables(root: Any) -> list[tuple[Any, Table]]:
    """The data tables of a parsed HTML page (lxml): (element, table) for each `<table>` that
    holds no other table, has two rows of two cells or more, short cells and few links (layout
    tables, menus and calendars of link cells are left to the text extractor). The caption is
    the table's `<caption>`, else the heading or short paragraph just before it."""
    out: list[tuple[Any, Table]] = []
    for el in root.iter("table"):
        if el.find(".//table") is not None:
            continue
        grid = []
        for tr in el.iter("tr"):
            cells = []
            for cell in tr:
                if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                    continue
                text = normalize_space(cell.text_content())
                span = cell.get("colspan", "1")
                n = int(span) if span.isdigit() and 0 < int(span) <= 50 else 1
                cells.extend([text] * n)
            if cells:
                grid.append(cells)
        wide = [r for r in grid if sum(1 for c in r if c) >= 2]
        if len(wide) < 2:
            continue
        texts = [c for r in grid for c in r if c]
        chars = sum(len(c) for c in texts)
        links = sum(len(normalize_space(a.text_content())) for a in el.iter("a"))
        if chars == 0 or chars / len(texts) > 60 or links > 0.5 * chars:
            continue
        table = make_table(grid, _html_caption(el))
        if table is not None:
            out.append((el, table))
    return out


def _html_caption(el: Any) -> str | None:
    cap = el.find("caption")
    if cap is not None and normalize_space(cap.text_content()):
        return normalize_space(cap.text_content())
    prev = el.getprevious()
    if prev is not None and isinstance(prev.tag, str):
        text = normalize_space(prev.text_content())
        if looks_like_caption(text):
            return text
    return None
