"""Sentence-aware chunking with exact offsets into the cleaned document text.

Sentences are packed in order until the next would pass `max_chars`; a chunk may span paragraph
breaks (a heading travels with the text under it), never a page break of a paged document. Overlap repeats whole trailing sentences of the
previous chunk, up to `overlap` characters. A sentence longer than `max_chars` is cut at a clause
break (`，,、：`) or, failing that, hard. Every chunk satisfies `doc.text[c.start:c.end] == c.text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from corpus.lang import detect_lang
from corpus.records import Chunk, Document, Sentence, content_id
from corpus.sentences import split_sentences

_CLAUSE = re.compile(r"[，,、：:]")


# About one sentence: an answer often sits in the sentence after the one that names its subject
# ("累计进行7轮融资。获...合计投资15.55亿美元"); with overlap one chunk holds both. Measured with
# benchmarks/answers.py (README, Answers).
DEFAULT_OVERLAP = 120


@dataclass(frozen=True)
class ChunkingConfig:
    max_chars: int = 400
    # -1: about one sentence, DEFAULT_OVERLAP (at most a third of max_chars).
    overlap: int = -1

    def __post_init__(self) -> None:
        if self.overlap == -1:
            object.__setattr__(self, "overlap", min(DEFAULT_OVERLAP, self.max_chars // 3))
        if self.max_chars < 20:
            raise ValueError(f"max_chars must be at least 20, got {self.max_chars}")
        if not 0 <= self.overlap < self.max_chars // 2:
            raise ValueError(
                f"overlap must be between 0 and max_chars/2 ({self.max_chars // 2}), got {self.overlap}"
            )


def document_sentences(doc: Document) -> list[Sentence]:
    """Sentences of every paragraph, with offsets into `doc.text`."""
    out: list[Sentence] = []
    for span in doc.paragraphs:
        out.extend(split_sentences(doc.text[span.start : span.end], offset=span.start))
    return out


def _fit(sentences: Iterable[Sentence], text: str, max_chars: int) -> list[Sentence]:
    """Cut sentences longer than `max_chars` at clause breaks, else hard."""
    out: list[Sentence] = []
    for s in sentences:
        start = s.start
        while s.end - start > max_chars:
            window = text[start : start + max_chars]
            cuts = [m.end() for m in _CLAUSE.finditer(window) if m.end() >= max_chars // 3]
            cut = start + (cuts[-1] if cuts else max_chars)
            out.append(Sentence(start, cut, text[start:cut]))
            start = cut
        out.append(Sentence(start, s.end, text[start : s.end]))
    return out


def chunk_document(doc: Document, config: ChunkingConfig | None = None) -> list[Chunk]:
    """Chunks of a document, in order, with content-hash ids."""
    cfg = config or ChunkingConfig()
    sentences = _fit(document_sentences(doc), doc.text, cfg.max_chars)
    headings = {p.start for p in doc.paragraphs if _is_heading(doc.text[p.start : p.end])}
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    for s in sentences:
        too_long = current and s.end - current[0].start > cfg.max_chars
        heading_break = (
            current and s.start in headings and s.start - current[0].start >= cfg.max_chars // 2
        )
        # a chunk of a paged document stays on one page, so the page it shows is exact
        if current and doc.pages and doc.page_at(s.start) != doc.page_at(current[0].start):
            groups.append(current)
            current = []
        elif too_long or heading_break:
            groups.append(current)
            current = _overlap_tail(current, cfg.overlap, cfg.max_chars - (s.end - s.start))
        current.append(s)
    if current:
        groups.append(current)
    chunks = []
    for i, group in enumerate(groups):
        start, end = group[0].start, group[-1].end
        text = doc.text[start:end]
        chunks.append(
            Chunk(
                id=content_id(doc.id, str(start), text),
                doc_id=doc.id,
                index=i,
                text=text,
                start=start,
                end=end,
                lang=detect_lang(text),
            )
        )
    return chunks


def _is_heading(paragraph: str) -> bool:
    return len(paragraph) <= 30 and paragraph[-1] not in "。！？!?；;…，,："


def _overlap_tail(group: list[Sentence], overlap: int, room: int) -> list[Sentence]:
    """Trailing sentences of `group` totalling at most `overlap` chars (and fitting in `room`)."""
    if overlap <= 0:
        return []
    tail: list[Sentence] = []
    for s in reversed(group[1:]):
        if group[-1].end - s.start > min(overlap, room):
            break
        tail.insert(0, s)
    return tail


def chunk_documents(docs: Iterable[Document], config: ChunkingConfig | None = None) -> list[Chunk]:
    return [c for d in docs for c in chunk_document(d, config)]
