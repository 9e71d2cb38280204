"""Follow-up questions made standalone with the chat history, deterministically.

`那2024年呢?` after `MiniMax 2025年的净亏损是多少？` searches `MiniMax 2024年的净亏损是多少？`;
`And the year before?` after a question about 2025 searches the same question about 2024. Anything
else that looks elliptical (short, or opening with 那/那么/还有/and/what about) is searched together
with the previous question. The LLM engines also see the last turns themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.lang import detect_lang


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


_ZH_FOLLOW = re.compile(r"^(那么?|还有|然后|另外|那个|那它)|[呢吗]\s*[?？]?$")
_EN_FOLLOW = re.compile(r"^(and|what about|how about|and what about|what of|then|also)\b", re.I)
_YEAR = re.compile(r"(19|20)\d{2}")
_PREV_YEAR = re.compile(
    r"(the )?(year|one) before|previous year|prior year|前一年|上一年|去年", re.I
)
_NEXT_YEAR = re.compile(
    r"(the )?(year|one) after|following year|next year|后一年|下一年|次年", re.I
)


def is_follow_up(question: str) -> bool:
    q = question.strip()
    if detect_lang(q) == "en":
        return bool(_EN_FOLLOW.search(q)) or len(q.split()) <= 4
    return bool(_ZH_FOLLOW.search(q)) or len(q) <= 8


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """The question to search for, given the previous turns (most recent last)."""
    if not history or not is_follow_up(question):
        return question
    prev = history[-1].question
    prev_year = _YEAR.search(prev)
    new_year = _YEAR.search(question)
    if prev_year and new_year:
        return prev[: prev_year.start()] + new_year.group() + prev[prev_year.end() :]
    if prev_year and (_PREV_YEAR.search(question) or _NEXT_YEAR.search(question)):
        delta = -1 if _PREV_YEAR.search(question) else 1
        year = str(int(prev_year.group()) + delta)
        return prev[: prev_year.start()] + year + prev[prev_year.end() :]
    return f"{prev} {question}"
