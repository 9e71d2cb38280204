"""Chinese word segmentation with offsets: jieba plus a domain dictionary, Latin names and numbers
kept whole, Traditional Chinese folded to Simplified for matching.

Tokens carry their span in the input, so highlighting and keyword matching can point at the text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

USER_DICT = Path(__file__).parent / "data" / "userdict.txt"

# Latin words with embedded digits/dots/hyphens (M2.5, GPT-4, Hailuo3), and numbers with their
# magnitude and unit (7903.8万美元, 55.4亿港元, 158.9%, 2025年).
_UNITS = "美元|港元|人民币|元|股|户|次|倍|个|人|家|年|月|日|号|小时|分钟|秒|天|周|岁|公里|米|吨|亿|万|千|百"
_PROTECTED = re.compile(
    r"[A-Za-z]+(?:\d{1,2}(?!\d)[A-Za-z]*)?(?:[.\-_][A-Za-z0-9]+)*(?:['’]s\b)?"
    rf"|\d+(?:[.,]\d+)*(?:%|‰|(?:万|亿|千|百)*(?:{_UNITS})?)"
)
_POSSESSIVE = re.compile(r"['’]s$")
_SKIP = re.compile(r"^[\s\W_]+$")


@dataclass(frozen=True)
class Token:
    """`text` is the normalized form (lower-case, Simplified); the surface is `source[start:end]`."""

    text: str
    start: int
    end: int


class Segmenter:
    """A jieba tokenizer of its own (the global one is left alone), loaded on first use."""

    def __init__(
        self, user_dicts: Iterable[str | Path] = (USER_DICT,), words: Iterable[str] = ()
    ) -> None:
        self._user_dicts = [Path(p) for p in user_dicts]
        self._words = list(words)
        self._tok = None
        self._pos: Any = None
        self._lock = threading.Lock()

    def _tokenizer(self):
        if self._tok is None:
            with self._lock:
                if self._tok is None:
                    import logging

                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    tok = jieba.Tokenizer()
                    tok.initialize()
                    for path in self._user_dicts:
                        tok.load_userdict(str(path))
                    for word in self._words:
                        tok.add_word(word)
                    self._tok = tok
        return self._tok

    def add_word(self, word: str) -> None:
        self._words.append(word)
        if self._tok is not None:
            self._tok.add_word(word)

    def tokenize(
        self, text: str, keep_punct: bool = False, simplified: bool = False
    ) -> list[Token]:
        """Tokens of `text` with offsets; punctuation and whitespace dropped unless asked for."""
        norm = text if simplified else to_simplified(text)
        out: list[Token] = []
        pos = 0
        for m in _PROTECTED.finditer(norm):
            if m.start() > pos:
                out.extend(self._jieba(norm, pos, m.start(), keep_punct))
            out.append(Token(_POSSESSIVE.sub("", m.group().lower()), m.start(), m.end()))
            pos = m.end()
        if pos < len(norm):
            out.extend(self._jieba(norm, pos, len(norm), keep_punct))
        return out

    def _jieba(self, norm: str, start: int, end: int, keep_punct: bool) -> list[Token]:
        piece = norm[start:end]
        out = []
        for word, s, e in self._tokenizer().tokenize(piece, HMM=True):
            if not keep_punct and _SKIP.match(word):
                continue
            out.append(Token(word.lower(), start + s, start + e))
        return out

    def cut(self, text: str, simplified: bool = False) -> list[str]:
        """Normalized tokens; `simplified=True` says the text is already folded to Simplified."""
        return [t.text for t in self.tokenize(text, simplified=simplified)]

    def frequency(self, word: str) -> int:
        """How often jieba's dictionaries count the word (0: not a dictionary word)."""
        return int(self._tokenizer().FREQ.get(word) or 0)

    def tag(self, text: str) -> list[tuple[str, str]]:
        """(word, part of speech) with jieba's tag set (nr person, ns place, nt organisation,
        nz other proper noun, eng Latin word), using this segmenter's dictionaries."""
        if self._pos is None:
            tok = self._tokenizer()
            with self._lock:
                # One tagger only: the first to cut moves the user dictionary's tags (智谱 nt)
                # into its own table, so a second one made by a racing thread had none of them
                # (a server's warm-up thread and its first question).
                if self._pos is None:
                    self._pos = _tagger_class()(tok)
        return [(p.word, p.flag) for p in self._pos.cut(to_simplified(text))]


@lru_cache(maxsize=1)
def _tagger_class() -> type:
    import jieba
    import jieba.posseg

    class SharedTags(jieba.posseg.POSTokenizer):
        """A tagger over our own tokenizer that copies the main dictionary's tags jieba.posseg
        read on import (its module-level tagger) instead of parsing dict.txt again (0.3-0.6 s
        of a fresh `docqa ask`)."""

        def load_word_tag(self, f: Any) -> None:
            if self.tokenizer.dictionary == jieba.dt.dictionary:
                f.close()
                self.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)
            else:
                super().load_word_tag(f)

    return SharedTags


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to Simplified, only when it keeps every offset (character for character)."""
    converted = _t2s().convert(text)
    return converted if len(converted) == len(text) else text


_default: Segmenter | None = None


def default_segmenter() -> Segmenter:
    global _default
    if _default is None:
        _default = Segmenter()
    return _default


def cut(text: str) -> list[str]:
    """Normalized tokens of `text` with the default segmenter."""
    return default_segmenter().cut(text)


def whole_words(span: str, text: str) -> str:
    """A stretch of `text` that cuts a word at either end given the whole word, by `text`'s own
    segmentation (`血症` of `败血症` -> `败血症`; `5` of `500万` -> `500万`: a figure and its unit are
    one token); a span not in `text` unchanged. A model held to the text by a grammar may begin or
    stop inside a word."""
    at = text.find(span)
    if not span or at < 0:
        return span
    start, end = at, at + len(span)
    for t in default_segmenter().tokenize(text, keep_punct=True):
        if t.start < start < t.end:
            start = t.start
        if t.start < end < t.end:
            end = t.end
    return text[start:end]
