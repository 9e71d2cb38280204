"""The records of the answering stage: evidence sentences, citations, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.search import Hit


@dataclass(frozen=True)
class Evidence:
    """A sentence offered to the answerer. `text == doc.text[start:end]` of document `doc_id`."""

    n: int
    chunk_id: str
    doc_id: str
    title: str | None
    start: int
    end: int
    text: str
    score: float
    hit_rank: int
    coverage: float = 0.0  # how much of the question this sentence covers (0..1), by terms
    page: int | None = None  # the page the sentence is on (paged formats)
    # it writes each subject the question names (MiniMax), by itself: not only its page does
    names_subject: bool = True


@dataclass(frozen=True)
class Citation:
    """An `[n]` of the answer, resolved to the sentence it points at and checked against it."""

    n: int
    chunk_id: str
    doc_id: str
    title: str | None
    quote: str
    start: int
    end: int
    verified: bool
    problems: tuple[str, ...] = ()
    # what `verified` rests on: "quoted" (the answer repeats the sentence), "translated" (a
    # translation of it that passed the fidelity checks) or "supported" (a claim in other words whose
    # numbers, names, units, period, measure and direction the sentence states)
    check: str = "supported"
    page: int | None = None  # the page the quote is on (paged formats)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "verified": self.verified,
            "check": self.check,
            "problems": list(self.problems),
            "page": self.page,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    language: str
    text: str
    refused: bool
    engine: str
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    query: str  # what was searched (the question made standalone with the chat history)
    support: float = 0.0  # how much of the question the best evidence sentence covers (0..1)
    timings: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # the concise answer, when the engine copied one from the documents (`518亿港元`); `text`
    # then gives it with its citation and the sentence it comes from
    short: str = ""

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Answer:
        """An answer stored as `to_json` made it (a saved conversation), without its hits."""
        cites = tuple(
            Citation(
                c["n"],
                c["chunk_id"],
                c["doc_id"],
                c.get("title"),
                c["quote"],
                c["start"],
                c["end"],
                c["verified"],
                tuple(c.get("problems", ())),
                c.get("check", "supported"),
                c.get("page"),
            )
            for c in d.get("citations", [])
        )
        return cls(
            d.get("question", ""),
            d.get("language", "zh"),
            d.get("answer", ""),
            bool(d.get("refused")),
            d.get("engine", ""),
            cites,
            (),
            d.get("query", d.get("question", "")),
            d.get("support", 0.0),
            dict(d.get("timings", {})),
            tuple(d.get("notes", ())),
            d.get("short", ""),
        )

    @property
    def understood_as(self) -> str | None:
        """The question as it was searched, when the chat history rewrote it (a follow-up)."""
        return self.query if self.query.strip() != self.question.strip() else None

    def to_json(self) -> dict[str, Any]:
        """The `docqa ask --json` shape."""
        return {
            "question": self.question,
            "language": self.language,
            "answer": self.text,
            "refused": self.refused,
            "engine": self.engine,
            "query": self.query,
            "support": round(self.support, 4),
            "citations": [c.to_json() for c in self.citations],
            "hits": [h.to_json() for h in self.hits],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "notes": list(self.notes),
            "short": self.short,
        }
