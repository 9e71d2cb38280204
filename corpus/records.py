"""The records that flow out of the corpus stage: frozen, offset-carrying, hash-identified."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corpus.tables import Table


def content_id(*parts: str, length: int = 16) -> str:
    """A stable id: the first `length` hex digits of the sha256 of the parts."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]


@dataclass(frozen=True)
class Span:
    """A half-open character range `[start, end)` in a document's cleaned text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")


@dataclass(frozen=True)
class Document:
    """A cleaned document. `text` is the paragraphs joined by newlines; `paragraphs` are their spans."""

    id: str
    text: str
    paragraphs: tuple[Span, ...]
    title: str | None = None
    date: str | None = None
    source: str | None = None  # publisher / site name
    author: str | None = None
    path: str | None = None  # where it was read from
    format: str = "txt"
    encoding: str | None = None
    lang: str = "zh"
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # paged formats (PDF, scans): the page of each paragraph, 1-based; () for the others
    pages: tuple[int, ...] = ()
    # the tables read from the file; their rows are paragraphs of `text` (corpus.tables)
    tables: tuple[Table, ...] = ()
    # pages read by OCR: (page, mean recognition confidence 0..1)
    ocr: tuple[tuple[int, float], ...] = ()

    def paragraph_texts(self) -> list[str]:
        return [self.text[p.start : p.end] for p in self.paragraphs]

    @cached_property
    def _paragraph_starts(self) -> list[int]:
        return [p.start for p in self.paragraphs]

    def page_at(self, offset: int) -> int | None:
        """The page the character at `offset` is on (None for formats without pages)."""
        if not self.pages:
            return None
        i = bisect_right(self._paragraph_starts, offset) - 1
        return self.pages[max(0, min(i, len(self.pages) - 1))]

    def page_breaks(self, start: int, end: int) -> tuple[tuple[int, int], ...]:
        """(offset, page) where each page of the range `[start, end)` begins in it, first at
        `start`; () for formats without pages."""
        if not self.pages:
            return ()
        out: list[tuple[int, int]] = []
        first = max(0, bisect_right(self._paragraph_starts, start) - 1)
        for span, page in zip(self.paragraphs[first:], self.pages[first:], strict=False):
            if span.start >= end:
                break
            if span.end < start:
                continue
            if not out or out[-1][1] != page:
                out.append((max(span.start, start), page))
        return tuple(out)

    @cached_property
    def _cell_starts(self) -> list[list[int]]:
        return [[c.start for c in t.cells] for t in self.tables]

    def cell_spans(self, start: int, end: int) -> tuple[tuple[int, int], ...]:
        """`[start, end)` of each table cell statement in the range (a chunk's)."""
        out: list[tuple[int, int]] = []
        for table, starts in zip(self.tables, self._cell_starts, strict=True):
            i = max(0, bisect_right(starts, start) - 1)
            for c in table.cells[i:]:
                if c.start >= end:
                    break
                if c.end > start:
                    out.append((c.start, c.end))
        return tuple(out)

    def table_at(self, start: int, end: int) -> tuple[int, Table] | None:
        """(index, table) of the table whose cell statements `[start, end)` falls in."""
        for i, t in enumerate(self.tables):
            if t.cells and t.cells[0].start <= start < t.cells[-1].end:
                return i, t
        return None

    def ocr_confidence(self, page: int | None) -> float | None:
        """The OCR confidence of `page`, if it was read by OCR."""
        return next((c for p, c in self.ocr if p == page), None)

    def to_json(self) -> dict[str, Any]:
        """The `docqa clean --json` shape."""
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "author": self.author,
            "path": self.path,
            "format": self.format,
            "encoding": self.encoding,
            "lang": self.lang,
            "text": self.text,
            "paragraphs": self.paragraph_texts(),
            **({"pages": list(self.pages)} if self.pages else {}),
            **({"tables": [t.to_json() for t in self.tables]} if self.tables else {}),
            **({"ocr": [list(x) for x in self.ocr]} if self.ocr else {}),
        }


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document: its text is `doc.text[start:end]`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit. Invariant: `doc.text[chunk.start:chunk.end] == chunk.text`."""

    id: str
    doc_id: str
    index: int
    text: str
    start: int
    end: int
    lang: str = "zh"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
