"""Inline `[n]` citations: resolve them to evidence sentences and verify each claim against them.

A citation is verified when the answer sentence that carries it states no number and no Latin name
that its cited sentences lack (unit conversion allowed: US$79.038 million matches 7903.8万美元).
Citations to numbers that were never offered as evidence are dropped; unverifiable ones are kept
but marked `verified: false` and never presented as support. Citations are renumbered 1..m in
order of first appearance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from corpus.lang import detect_lang
from corpus.sentences import split_sentences
from qa.numbers import unsupported_numbers
from qa.records import Citation, Evidence

MARKER = re.compile(r"\s?\[(\d{1,2}(?:\s*[,，]\s*\d{1,2})*)\]")
# Markers opening a sentence were written after the previous one's closing quote or stop.
_LEAD_MARKERS = re.compile(r"^(?:\s*\[\d{1,2}(?:\s*[,，]\s*\d{1,2})*\])+")


def cited_numbers(text: str) -> list[int]:
    """The numbers of the `[n]` / `[n, m]` markers in text, in order."""
    return [int(x) for m in MARKER.finditer(text) for x in re.split(r"\s*[,，]\s*", m.group(1))]


_LATIN_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*\b")
# World War II, Henry VIII: a numeral, not a name (the number check does not read them either)
_ROMAN = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
_COMMON_CAPS = {
    "The",
    "In",
    "On",
    "At",
    "By",
    "For",
    "And",
    "But",
    "According",
    "It",
    "Its",
    "This",
    "That",
    "As",
    "A",
    "An",
    "Of",
    "From",
    "To",
    "With",
    "US",
    "HK",
    "RMB",
    "NT",
    "JP",
    "Yes",
    "No",
    "However",
    "Meanwhile",
    "Also",
    "I",
    "What",
    "When",
    "Which",
    "Who",
    "Their",
    "They",
    "He",
    "She",
}


def _claims(text: str) -> list[tuple[str, list[int]]]:
    """(sentence without markers, cited numbers) for each sentence of the answer."""
    out: list[tuple[str, list[int]]] = []
    for s in split_sentences(text):
        body = s.text
        lead = _LEAD_MARKERS.match(body)
        if lead and out:
            out[-1] = (out[-1][0], out[-1][1] + cited_numbers(lead.group()))
            body = body[lead.end() :]
        out.append((MARKER.sub("", body).strip(), cited_numbers(body)))
    # A marker standing alone after the sentence end belongs to the sentence before it.
    merged: list[tuple[str, list[int]]] = []
    for sent, ns in out:
        if not sent and merged:
            merged[-1] = (merged[-1][0], merged[-1][1] + ns)
        else:
            merged.append((sent, ns))
    return merged


def check_claim(claim: str, sources: Sequence[str], names_ok: Sequence[str] = ()) -> list[str]:
    """Problems of one answer sentence against its cited sentences (empty list: verified)."""
    joined = "\n".join(sources)
    problems = [f"number not in the cited text: {n}" for n in unsupported_numbers(claim, joined)]
    lowered = joined.lower() + " " + " ".join(names_ok).lower()
    spelled: set[str] | None = None
    senses: set[str] | None = None
    for m in _LATIN_NAME.finditer(claim):
        name = m.group()
        if (
            name in _COMMON_CAPS
            or len(name) < 2
            or not _is_name(name, sentence_initial=not claim[: m.start()].strip(" “\"'("))
        ):
            continue
        if name.lower() in lowered or _ROMAN.fullmatch(name):
            continue
        # a Mandarin name in pinyin (Xinghe = 星河, Zhang Wei = 张伟) the glossary lacks
        if spelled is None:
            from corpus.mentions import pinyin_spellings

            spelled = pinyin_spellings(joined)
        whole = _pinyin_name_at(claim, m)
        if name.lower() in spelled or (whole and whole in spelled):
            continue
        # a name the text writes in Chinese whose dictionary senses give it (图灵 = Turing)
        from index.bilingual import dictionary_words, word_forms

        if senses is None:
            senses = dictionary_words(joined)
        if word_forms(name) & senses:
            continue
        problems.append(f"name not in the cited text: {name}")
    return problems


def _pinyin_name_at(claim: str, m: re.Match[str]) -> str | None:
    """'Zhang Wei' as one spelling (zhangwei) when the match is part of a two-word name."""
    two = re.compile(r"\b([A-Z][a-z]+) ([A-Z][a-z]+)\b")
    for t in two.finditer(claim):
        if t.start() <= m.start() < t.end():
            return (t.group(1) + t.group(2)).lower()
    return None


def _is_name(word: str, sentence_initial: bool) -> bool:
    """MiniMax, IPO, M2.5 always; a capitalized word only mid-sentence and when it is not an
    ordinary English word."""
    from index.bilingual import STOPWORDS, english_to_chinese

    if any(ch.isupper() for ch in word[1:]) or any(ch.isdigit() for ch in word):
        return True
    if sentence_initial:
        return False
    lower = word.lower()
    return lower not in STOPWORDS and lower not in english_to_chinese()


def resolve_citations(
    answer: str, evidence: Sequence[Evidence], names_ok: Sequence[str] = ()
) -> tuple[str, list[Citation]]:
    """Renumber the answer's markers and verify each citation. `names_ok` are names the reader
    may use though the source spells them in Chinese (glossary translations such as Yan Junjie)."""
    by_n = {e.n: e for e in evidence}
    verdict: dict[int, list[str]] = {}
    for claim, ns in _claims(answer):
        valid = [n for n in ns if n in by_n]
        if not valid:
            continue
        problems = check_claim(claim, [by_n[n].text for n in valid], names_ok)
        for n in valid:
            verdict.setdefault(n, [])
            verdict[n].extend(p for p in problems if p not in verdict[n])
    order = [n for n in dict.fromkeys(cited_numbers(answer)) if n in by_n]
    renum = {old: new for new, old in enumerate(order, 1)}

    def repl(m: re.Match[str]) -> str:
        kept = [renum[int(x)] for x in re.split(r"\s*[,，]\s*", m.group(1)) if int(x) in renum]
        return "".join(f"[{k}]" for k in dict.fromkeys(kept))

    text = MARKER.sub(repl, answer)
    citations = []
    for old in order:
        e = by_n[old]
        issues = tuple(verdict.get(old, ()))
        citations.append(
            Citation(
                renum[old],
                e.chunk_id,
                e.doc_id,
                e.title,
                e.text,
                e.start,
                e.end,
                not issues,
                issues,
            )
        )
    return text, citations


def attach_citations(
    answer: str, evidence: Sequence[Evidence], names_ok: Sequence[str] = ()
) -> str:
    """For an answer written without markers: cite, after each sentence, the evidence sentence that
    supports all its numbers and names and shares the most characters with it. Sentences that no
    evidence supports stay uncited."""
    out = []
    for s in split_sentences(answer):
        best, best_overlap = None, 0
        for e in evidence:
            if check_claim(s.text, [e.text], names_ok):
                continue
            overlap = len(set(s.text) & set(e.text))
            if overlap > best_overlap:
                best, best_overlap = e, overlap
        out.append(f"{s.text}[{best.n}]" if best is not None else s.text)
    return ("" if detect_lang(answer) == "zh" else " ").join(out)


def drop_unsupported(text: str, verified: set[int]) -> tuple[str, int]:
    """The answer without its sentences whose every citation failed verification (a small model
    adds a figure from another year, or copies its prompt's example); and how many were dropped.
    Sentences without a citation are kept."""
    spans: list[list[int]] = []  # [start, end] of each sentence with the markers that follow it
    for s in split_sentences(text):
        start = s.start
        lead = _LEAD_MARKERS.match(
            s.text
        )  # markers opening a sentence (or alone) end the one before
        if lead and spans:
            spans[-1][1] = s.start + lead.end()
            start = s.start + lead.end()
        while start < s.end and text[start].isspace():
            start += 1
        if start < s.end:
            spans.append([start, s.end])
    kept: list[str] = []
    for start, end in spans:
        part = text[start:end]
        ns = set(cited_numbers(part))
        if not ns or ns & verified:
            kept.append(part)
    joiner = " " if detect_lang(text) == "en" else ""
    return joiner.join(kept), len(spans) - len(kept)
