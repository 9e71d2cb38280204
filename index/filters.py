"""Filters that limit a search (and so an answer) to some documents of a library.

    document  ids (or an id's first characters) or file names       --filter document=report.pdf
    type      file types: pdf, docx, xlsx, csv, html, txt, md, image   --filter type=pdf,docx
    source    publisher or site, any of them, matched as a substring   --filter source=新华
    after / before   a date range on the document's date, inclusive:
              2025, 2025-03 or 2025-03-01                           --filter after=2025-01
    title     words the title must all contain                       --filter title=年报

Every field holds a list (comma-separated on the command line): a document passes a field when
it matches any value of it, and passes the filter when it passes every field given. A document
without a date fails a date range. The library resolves a filter to the set of its documents
that pass (`Filters.doc_ids`); each backend then searches inside that set before fusion, so k
results still come back: the local store scores only those documents' chunks, Milvus searches
with a scalar expression on `doc_id`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from index.errors import IndexError_

FIELDS = ("document", "type", "source", "after", "before", "title")
TYPES = ("pdf", "docx", "xlsx", "csv", "html", "txt", "md", "image")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class FilterError(IndexError_):
    """A filter docqa cannot apply: an unknown field, a bad date, an unknown file type."""

    http_status = 422


@dataclass(frozen=True)
class Filters:
    documents: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    after: str | None = None  # inclusive, normalised to YYYY-MM-DD
    before: str | None = None  # inclusive, normalised to YYYY-MM-DD (end of month or year)
    title: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> Filters:
        """From the API's `filters` object: each field a string or a list of strings."""
        if not d:
            return cls()
        if not isinstance(d, Mapping):
            raise FilterError('filters must be an object such as {"type": ["pdf"]}')
        unknown = [k for k in d if k not in FIELDS]
        if unknown:
            raise FilterError(f"unknown filter field {unknown[0]!r}; use {', '.join(FIELDS)}")
        values: dict[str, list[str]] = {}
        for key, raw in d.items():
            items = raw if isinstance(raw, list | tuple) else [raw]
            if not all(isinstance(x, str | int) for x in items):
                raise FilterError(f"filter {key!r} takes a string or a list of strings")
            values[key] = [str(x).strip() for x in items if str(x).strip()]
        return cls._make(values)

    @classmethod
    def parse(cls, exprs: Iterable[str]) -> Filters:
        """From `field=value[,value...]` expressions (the CLI's repeated --filter)."""
        values: dict[str, list[str]] = {}
        for expr in exprs:
            key, eq, raw = expr.partition("=")
            key = key.strip()
            if not eq or not key:
                raise FilterError(
                    f"filter {expr!r} is not field=value (fields: {', '.join(FIELDS)})"
                )
            if key not in FIELDS:
                raise FilterError(f"unknown filter field {key!r}; use {', '.join(FIELDS)}")
            values.setdefault(key, []).extend(x.strip() for x in raw.split(",") if x.strip())
        return cls._make(values)

    @classmethod
    def _make(cls, v: dict[str, list[str]]) -> Filters:
        types = tuple(t.lower().lstrip(".") for t in v.get("type", ()))
        types = tuple(_TYPE_ALIASES.get(t, t) for t in types)
        bad = [t for t in types if t not in TYPES]
        if bad:
            raise FilterError(f"unknown file type {bad[0]!r}; use {', '.join(TYPES)}")
        after = _one(v, "after")
        before = _one(v, "before")
        f = cls(
            documents=tuple(v.get("document", ())),
            types=types,
            sources=tuple(v.get("source", ())),
            after=_date(after, "after", end=False) if after else None,
            before=_date(before, "before", end=True) if before else None,
            title=tuple(v.get("title", ())),
        )
        if f.after and f.before and f.after > f.before:
            raise FilterError(
                f"the date range is empty: after {after} is later than before {before}"
            )
        return f

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.documents:
            out["document"] = list(self.documents)
        if self.types:
            out["type"] = list(self.types)
        if self.sources:
            out["source"] = list(self.sources)
        if self.after:
            out["after"] = self.after
        if self.before:
            out["before"] = self.before
        if self.title:
            out["title"] = list(self.title)
        return out

    def describe(self) -> str:
        """One line for notes and logs: `type pdf; after 2025-01-01`."""
        parts = []
        for key, value in self.to_json().items():
            parts.append(f"{key} {', '.join(value) if isinstance(value, list) else value}")
        return "; ".join(parts)

    def matches(self, entry: Any) -> bool:
        """Whether a library document (`index.store.DocEntry`) passes."""
        doc = entry.doc
        if self.documents and not any(_is_document(entry, d) for d in self.documents):
            return False
        if self.types and _type_of(doc.format) not in self.types:
            return False
        if self.sources:
            where = f"{doc.source or ''} {doc.path or ''}".lower()
            if not any(s.lower() in where for s in self.sources):
                return False
        if self.after or self.before:
            day = (doc.date or "")[:10]
            if not _DAY.match(day):
                return False
            if (self.after and day < self.after) or (self.before and day > self.before):
                return False
        if self.title:
            title = (doc.title or "").lower()
            if not all(w.lower() in title for w in self.title):
                return False
        return True

    def doc_ids(self, docs: Iterable[Any]) -> frozenset[str] | None:
        """The ids of the documents that pass; None for an empty filter (every document)."""
        if self.empty:
            return None
        return frozenset(e.doc.id for e in docs if self.matches(e))


_TYPE_ALIASES = {
    "htm": "html",
    "xhtml": "html",
    "text": "txt",
    "markdown": "md",
    "tsv": "csv",
    "png": "image",
    "jpg": "image",
    "jpeg": "image",
    "tif": "image",
    "tiff": "image",
    "webp": "image",
}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _type_of(fmt: str) -> str:
    return fmt if fmt in TYPES else _TYPE_ALIASES.get(fmt, fmt)


def _is_document(entry: Any, wanted: str) -> bool:
    name = entry.name or Path(entry.doc.path or "").name
    return (len(wanted) >= 4 and entry.doc.id.startswith(wanted)) or wanted == name


def _one(v: dict[str, list[str]], key: str) -> str | None:
    items = v.get(key, [])
    if len(items) > 1:
        raise FilterError(f"filter {key!r} takes one date, got {len(items)}")
    return items[0] if items else None


def _date(raw: str, key: str, end: bool) -> str:
    """`2025`, `2025-03` or `2025-03-01` as a day: the first of the period for `after`, the last
    for `before`."""
    import calendar

    m = _DATE.match(raw)
    if not m:
        raise FilterError(f"filter {key}={raw!r}: not a date; use 2025, 2025-03 or 2025-03-01")
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else (12 if end else 1)
    if not 1 <= month <= 12:
        raise FilterError(f"filter {key}={raw!r}: no month {month}")
    last = calendar.monthrange(year, month)[1]
    day = int(m.group(3)) if m.group(3) else (last if end else 1)
    if not 1 <= day <= last:
        raise FilterError(f"filter {key}={raw!r}: {year}-{month:02d} has no day {day}")
    return f"{year:04d}-{month:02d}-{day:02d}"


__all__ = ["FIELDS", "FilterError", "Filters", "TYPES"]
