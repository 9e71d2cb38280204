"""Judging answers against gold answers: normalized match, Chinese number units vs million/billion."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from corpus.footnotes import strip_reference_marks
from qa.numbers import counted_in_words, english_number_words, parse_quantities, supported

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[\s,，。.、;；:：!！?？\"“”'‘’()（）\[\]【】《》]")
# A translator's Latin gloss after a Chinese name in a gold answer: 铁壁威廉 (William Iron Arm),
# 郡 (county) 或县 (powiat). An answer without the gloss (铁壁威廉) is as correct.
_GLOSS = re.compile(r"(?<=[\u4e00-\u9fff》”])\s*[（(][A-Za-z][^()（）\u4e00-\u9fff]*[)）]")


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, no spaces or punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).lower())


def matches_gold(answer: str, golds: Sequence[str]) -> bool:
    """True when some gold answer appears in the answer (normalized; a gold's Latin glosses of its
    Chinese words optional), or when every quantity of a gold answer is stated by the answer (so
    `US$79.038 million` matches `7903.8万美元`). Reference marks (`[citation needed]`, `[3]`) are
    no part of a gold answer: docqa removes them from what it indexes and shows."""
    norm = normalize(answer)
    stated = parse_quantities(answer)
    golds = [strip_reference_marks(g) for g in golds]
    unglossed = [u for g in golds if (u := _GLOSS.sub("", g)) != g]
    in_figures = [f for g in golds if (f := _count_in_figures(g)) != g]
    for gold in [*golds, *unglossed, *in_figures]:
        if normalize(gold) and normalize(gold) in norm:
            return True
        gq = parse_quantities(gold)
        if (
            gq
            and all(supported(g, stated) for g in gq)
            and all(q.kind != "number" or q.value >= 1000 for q in gq)
        ):
            return True
    # a count by value, of something the answer names (`9 nations`; a bare 9 counts nothing)
    count = _count_of(golds)
    return count is not None and any(
        q.value == count and _COUNTS_SOMETHING.match(answer, q.end)
        for q in stated + english_number_words(answer)
    )


_COUNTS_SOMETHING = re.compile(r"\s*[A-Za-z\u4e00-\u9fff]")


def _count_of(golds: Sequence[str]) -> Decimal | None:
    """The count a gold answer is and says nothing more than (九个, nine, 9个): an answer stating
    that number, in figures or in words (`There are 9 nations`, `nine nations`), gives it."""
    for gold in golds:
        g = gold.strip(" 。.")
        words = english_number_words(g)
        if len(words) == 1 and words[0].text == g:
            return words[0].value
        counted = counted_in_words(g)
        if len(counted) == 1 and len(g) - len(counted[0].text) == 1 and counted[0].start == 0:
            return counted[0].value
    return None


def _count_in_figures(gold: str) -> str:
    """A gold count written in Chinese numerals, in figures (九个 -> 9个): an answer that writes
    9个国家 says it."""
    for q in reversed(counted_in_words(gold)):
        gold = gold[: q.start] + str(q.value) + gold[q.end :]
    return gold


def judge(answer_json: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """Per-question verdicts for a `docqa ask --json` answer and a gold row."""
    answerable = row.get("answerable", True) is not False
    refused = bool(answer_json["refused"])
    cits = answer_json.get("citations", [])
    evidence = row.get("evidence") or []
    correct = (
        (not refused and matches_gold(answer_json["answer"], row.get("answers") or []))
        if answerable
        else refused
    )
    cited_gold = any(any(e in c["quote"] for e in evidence) for c in cits) if evidence else None
    return {
        "answerable": answerable,
        "refused": refused,
        "correct": correct,
        "citations": len(cits),
        "citations_verified": sum(1 for c in cits if c["verified"]),
        "cited_gold": cited_gold,
    }
