"""Questions with several asks ("Where does most of MiniMax's revenue come from, and what was its
gross margin in 2025?", "智谱何时上市？募资多少？"): split into parts that are answered one by
one, each cited, then joined; a part the documents do not cover says so.

A split needs a question on both sides (a question word or a question mark), so "收入和利润是多少"
(one ask about two figures) stays whole. A part without a subject of its own ("what was its gross
margin") borrows the names of the part before it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from qa.markers import MARKER
from qa.records import Answer, Citation

_EN_ASK = r"(?:what|how|when|where|who|whom|which|why|is|are|was|were|did|does|do|has|have|can)\b"
_ZH_ASK = re.compile(r"多少|什么|哪|几|谁|何|吗|如何|怎么|怎样|是否|为什么")
_EN_SPLIT = re.compile(
    rf"\?\s+(?={_EN_ASK})|[,;]\s*(?:and|also|as well as|plus)\s+(?={_EN_ASK})|;\s*(?={_EN_ASK})",
    re.I,
)
_ZH_SPLIT = re.compile(r"[？?；;]\s*(?=\S)|[，,]\s*(?:以及|另外|还有|同时|并且|而且|那么)")
_EN_PRONOUN = re.compile(r"\b(its|it|their|they|them|his|her|he|she)\b", re.I)
_ZH_PRONOUN = re.compile(r"^(?:其|它|他|她|该公司|这家公司)")
_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:[ .\-][A-Z0-9][A-Za-z0-9]*)*\b")
MAX_PARTS = 4


def _is_question(part: str, zh: bool) -> bool:
    if zh:
        return bool(_ZH_ASK.search(part)) or part.rstrip().endswith(("？", "?"))
    return bool(re.match(_EN_ASK, part.strip(), re.I)) or part.rstrip().endswith("?")


def split_question(question: str) -> list[str]:
    """The asks of a question, in order; one element when it has a single ask."""
    q = question.strip()
    zh = bool(re.search(r"[\u4e00-\u9fff]", q))
    pattern = _ZH_SPLIT if zh else _EN_SPLIT
    parts = [p.strip(" ，,;；") for p in pattern.split(q)]
    parts = [p for p in parts if p]
    if len(parts) < 2 or len(parts) > MAX_PARTS or not all(_is_question(p, zh) for p in parts):
        return [q]
    out = [_end(parts[0], zh)]
    for p in parts[1:]:
        out.append(_end(_with_subject(p, parts[0], zh), zh))
    return out


def _end(part: str, zh: bool) -> str:
    if part.endswith(("?", "？")):
        return part
    return part + ("？" if zh else "?")


def _with_subject(part: str, first: str, zh: bool) -> str:
    """'what was its gross margin' after 'Where does MiniMax's revenue come from' ->
    'what was MiniMax's gross margin'."""
    if zh:
        from qa.question import question_subjects

        if question_subjects(part, "zh"):
            return part  # it names its own subject
        names = [c.label for c in question_subjects(first, "zh")]
        if not names or any(n in part for n in names):
            return part
        m = _ZH_PRONOUN.match(part)
        return names[0] + (part[m.end() :] if m else part)
    skip = {"Where", "What", "How", "When", "Who", "Which", "Why", "Is", "Was", "Did", "Does"}
    names = [n for n in _NAME.findall(first) if n not in skip]
    if not names or any(n in part for n in names):
        return part
    name = names[0]

    def repl(m: re.Match[str]) -> str:
        w = m.group(1).lower()
        return f"{name}'s" if w in ("its", "their", "his", "her") else name

    replaced, n = _EN_PRONOUN.subn(repl, part, count=1)
    return replaced if n else f"{part} ({name})"


NOT_COVERED = {
    "zh": "文档没有回答这一部分：{part}",
    "en": "The documents do not answer this part: {part}",
}


def merge_answers(question: str, parts: list[str], answers: list[Answer]) -> Answer:
    """One answer from the answers to each part: their texts in order with the citations
    renumbered 1..m, and a line for each part the documents do not cover."""
    lang = answers[0].language
    texts: list[str] = []
    citations: list[Citation] = []
    notes: list[str] = list(
        dict.fromkeys(n for a in answers for n in a.notes if not n.startswith("refused"))
    )
    for part, a in zip(parts, answers, strict=True):
        if a.refused:
            texts.append(NOT_COVERED[lang].format(part=part))
            notes += [f"{part} {n}" for n in a.notes if n.startswith("refused")]
            continue
        shift = len(citations)

        def renumber(m: re.Match[str], shift: int = shift) -> str:
            ns = re.split(r"[,，]", m.group(1))
            return "".join(f"[{int(x) + shift}]" for x in ns)

        texts.append(MARKER.sub(lambda m: renumber(m), a.text).strip())
        citations += [replace(c, n=c.n + shift) for c in a.citations]
    refused = all(a.refused for a in answers)
    hits = tuple(dict((h.chunk.id, h) for a in answers for h in a.hits).values())
    timings: dict[str, float] = {}
    for a in answers:
        for k, v in a.timings.items():
            timings[k] = timings.get(k, 0.0) + v
    first = answers[0]
    return Answer(
        question,
        lang,
        first.text if refused else "\n".join(texts),
        refused,
        first.engine,
        tuple(citations),
        hits,
        " | ".join(a.query for a in answers),
        min(a.support for a in answers),
        timings,
        tuple(notes) if not refused else tuple(n for a in answers for n in a.notes),
    )
