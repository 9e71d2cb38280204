"""Sentence splitting for Chinese and English with exact offsets.

A sentence ends after `。！？；…` (full- or half-width `!?;`), after an English `.` followed by a
space, or at a line break; closing quotes and brackets stay with the sentence they close. A `.`
between digits (`7903.8`) or inside a name (`M2.5`) never ends one, nor does a semicolon inside
brackets or between the items of a list that a colon opens (a table cell's statement, `… · 毛利 ·
2024年: 373万美元；`, is a sentence of its own).
"""

from __future__ import annotations

import re

from corpus.records import Sentence

_CLOSERS = "”’」』）)】》\"'"
# Terminal punctuation plus any closing quotes/brackets; or a period followed by whitespace.
_BOUNDARY = re.compile(
    rf"(?:[。！？!?；;]+|…+|\.{{3,}})[{re.escape(_CLOSERS)}]*"
    rf"|(?<=[A-Za-z\u4e00-\u9fff%)）\]])\.[{re.escape(_CLOSERS)}]*(?=\s+|$)"
    r"|\n"
)
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Inc|Ltd|Co|Corp|vs|etc|e\.g|i\.e|U\.S|No|St|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z])$"
)


# A semicolon that ends no sentence: inside brackets (亚马逊雨林（葡萄牙语：……；西班牙语：……）), or
# between the items of a list a colon opens (三点要素：一是……；二是……；三是……。), up to this
# many characters; past it each item is a sentence of its own.
MAX_JOINED_CHARS = 200
_OPENERS, _CLOSING = "（(【[", "）)】]"
_LIST_OPENS = re.compile(r"[：:](?!\d)")
# A table cell's statement as docqa writes it (`corpus.tables.row_statements`: `MiniMax主要财务数据
# · 毛利 · 2024年: 373万美元`): its colon gives the cell's value and opens no list, so the `；`
# after it ends the statement, one sentence per cell.
_CELL_STATEMENT = re.compile(r" · [^·]+[:：] ")


def is_cell_statement(text: str) -> bool:
    """Whether `text` is (or holds) a table cell's statement, whole in itself: its value is its
    figure, unit or not (`毛利 · 2025年: 56181.3` under a caption that gives 万元)."""
    return bool(_CELL_STATEMENT.search(text))


def _semicolon_continues(piece: str) -> bool:
    if len(piece) > MAX_JOINED_CHARS or is_cell_statement(piece):
        return False
    depth = sum(piece.count(c) for c in _OPENERS) - sum(piece.count(c) for c in _CLOSING)
    return depth > 0 or bool(_LIST_OPENS.search(piece))


def split_sentences(text: str, offset: int = 0) -> list[Sentence]:
    """Sentences of `text`, stripped of surrounding whitespace; offsets are `offset`-based."""
    out: list[Sentence] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if m.group().startswith(".") and _ABBREV.search(text[start : m.start()]):
            continue
        if m.group()[0] in "；;" and _semicolon_continues(text[start : m.start()]):
            continue
        _append(out, text, start, end, offset)
        start = end
    _append(out, text, start, len(text), offset)
    return out


def _append(out: list[Sentence], text: str, start: int, end: int, offset: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        out.append(Sentence(start + offset, end + offset, text[start:end]))


MIN_EVIDENCE_CHARS = 6


def evidence_sentences(chunk_text: str, chunk_start: int = 0) -> list[Sentence]:
    """The sentences of a chunk that can be evidence for an answer (very short fragments cannot).
    The index embeds exactly these at ingest; answering looks them up by text."""
    return [
        s
        for s in split_sentences(chunk_text, offset=chunk_start)
        if len(s.text) >= MIN_EVIDENCE_CHARS
    ]
