"""The records that flow out of the corpus stage: frozen, offset-carrying, hash-identified."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


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

    def paragraph_texts(self) -> list[str]:
        return [self.text[p.start : p.end] for p in self.paragraphs]

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
