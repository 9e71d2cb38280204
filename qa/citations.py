"""Inline `[n]` citations: resolve them to evidence sentences and verify each claim against them.

A citation is verified when the answer sentence that carries it states no number and no Latin name
that its cited sentences lack (unit conversion allowed: US$79.038 million matches 7903.8万美元).
Citations to numbers that were never offered as evidence are dropped; unverifiable ones are kept
but marked `verified: false` and never presented as support. Citations are renumbered 1..m in
order of first appearance.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from corpus.lang import detect_lang
from corpus.sentences import split_sentences
from qa.markers import LEAD_MARKERS as _LEAD_MARKERS
from qa.markers import MARKER, cited_numbers
from qa.names import unsupported_names
from qa.numbers import unsupported_numbers
from qa.records import Citation, Evidence
from qa.support import converted_numbers, name_problems, names_elsewhere, support_problems


def claim_sentences(text: str) -> list[str]:
    """The sentences of an answer, without their markers (a marker standing alone after a
    sentence belongs to it)."""
    return [claim for claim, _ in _claims(text)]


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
    # A marker standing alone after the sentence end belongs to the sentence before it, with
    # whatever punctuation joins it (`Alibaba.[1],[2]`: the `,` is no claim [2] supports).
    merged: list[tuple[str, list[int]]] = []
    for sent, ns in out:
        if not re.search(r"\w", sent) and merged:
            merged[-1] = (merged[-1][0], merged[-1][1] + ns)
        else:
            merged.append((sent, ns))
    return merged


# The question word a short answer stands in for (`多少` of `丢了多少分`, `谁`, `哪一年`).
_WH_ZH = re.compile(
    r"多少|几(?=[个年月日天人次岁位名种家座条项届号])|什么时候|什么|哪一年|哪年|哪[一个些位里儿座家种国所]?"
    r"|谁|何时|何地|何处|何人|多久|多长|多大|多高|多远|多重"
)


def implied_claim(question: str, answer: str) -> str:
    """What a short Chinese answer claims: the question with its question word replaced by the
    answer (`黑豹队的防守丢了多少分？` + `308分` -> `黑豹队的防守丢了308分。`: a unit the answer
    already ends with is not said twice), or `question：answer。` when it has none. A span such
    as `1985年` names no subject, measure or period of its own; checked as this claim, it is held
    to the same subject, measure, period and polarity checks as an answer written as a sentence."""
    q = question.strip().rstrip("？?。 ").removesuffix("呢").removesuffix("吗")
    m = _WH_ZH.search(q)
    if not m:
        return f"{q}：{answer}。"
    rest = q[m.end() :]
    if rest and answer.endswith(rest[0]):
        rest = rest[1:]
    return q[: m.start()] + answer + rest + "。"


def check_claim(
    claim: str,
    sources: Sequence[str],
    names_ok: Sequence[tuple[str, str]] = (),
    context: str = "",
    others: Sequence[str] = (),
    asked: str = "",
    named: str = "",
    own_names: Sequence[str] = (),
) -> list[str]:
    """Problems of one answer sentence against its cited sentences (empty list: verified).

    Numbers and Latin names must be in the cited sentences themselves. Units, periods, polarity,
    measures and Chinese names (`qa.support`) may also come from `context`: the text just before
    each cited sentence and its document's title, which a sentence continues (其, 该公司). A name
    that only `others` write (the evidence shown beside the cited sentences), not the question
    (`asked`), is another passage's subject (`qa.support.names_elsewhere`). A (Chinese, English)
    name of `names_ok` stands where the cited text, `context` or `named` (where the cited
    sentences' documents name what they speak of: titles, openings) writes its Chinese. A Latin
    name of `own_names` (the reader's own, from the question) stands without the cited text."""
    joined = "\n".join(sources)
    wider = f"{context}\n{joined}" if context else joined
    # not Yan Junjie for a sentence whose page never names 闫俊杰
    english_ok = [en for zh, en in names_ok if zh in wider or zh in named]
    converted = converted_numbers(claim, joined)
    problems = [
        f"number not in the cited text: {n}"
        for n in unsupported_numbers(claim, joined)
        if n not in converted and not _given_before(n, asked, context)
    ]
    problems += [
        f"name not in the cited text: {n}"
        for n in unsupported_names(claim, joined, english_ok)
        if n not in own_names and n.removesuffix("s") not in own_names  # Huguenots: Huguenot
    ]
    problems += support_problems(claim, [wider], joined) + name_problems(claim, wider)
    return problems + [
        f"name of another passage: {n}"
        for n in names_elsewhere(claim, others, wider, asked)
        if f"name not in the source: {n}" not in problems
    ]


def _given_before(number: str, asked: str, context: str) -> bool:
    """Whether a claim's number is one the question gives that the text before the cited
    sentence writes: the month of `4月份，食品烟酒类价格同比下降1.4%……；其中猪肉价格上涨1.4%` holds for its
    last clause, which a claim answering `4月份猪肉价格同比上涨多少？` restates."""
    return (
        bool(asked and context)
        and not unsupported_numbers(number, asked)
        and not unsupported_numbers(number, context)
    )


def resolve_citations(
    answer: str,
    evidence: Sequence[Evidence],
    names_ok: Sequence[tuple[str, str]] = (),
    contexts: Mapping[int, str] | None = None,
    asked: str | None = None,
    named_in: Mapping[int, str] | None = None,
    own_names: Sequence[str] = (),
    chosen: Collection[int] = (),
) -> tuple[str, list[Citation]]:
    """Renumber the answer's markers and verify each citation. `names_ok`: (Chinese, English)
    names the reader may use for what a cited text writes in Chinese (glossary translations such
    as 闫俊杰 = Yan Junjie).
    `contexts` (by evidence number): the text before each sentence and its title, which
    `check_claim` may read units, periods, measures and Chinese names from. With the question
    (`asked`), a claim is also checked against the evidence it does not cite: a name only those
    write is another passage's subject. `named_in` (by evidence number): where each sentence's
    document names what it speaks of (its title, its opening, the text before the sentence),
    which a name of `names_ok` may stand on; by default each sentence's title. `own_names`: the
    question's Latin names, which a claim citing only the evidence numbers `chosen` may use
    without the cited text writing them (`qa.policy.names_the_reader_gave`)."""
    by_n = {e.n: e for e in evidence}
    verdict: dict[int, list[str]] = {}
    how: dict[int, set[str]] = {}
    for claim, ns in _claims(answer):
        valid = [n for n in ns if n in by_n]
        if not valid:
            continue
        context = "\n".join(contexts[n] for n in valid if n in contexts) if contexts else ""
        others = [e.text for e in evidence if e.n not in valid] if asked is not None else []
        named = "\n".join(
            named_in.get(n, "") if named_in is not None else by_n[n].title or "" for n in valid
        )
        problems = check_claim(
            claim,
            [by_n[n].text for n in valid],
            names_ok,
            context,
            others,
            asked or "",
            named,
            own_names if set(valid) <= set(chosen) else (),
        )
        for n in valid:
            verdict.setdefault(n, [])
            verdict[n].extend(p for p in problems if p not in verdict[n])
            how.setdefault(n, set()).add(_how(claim, by_n[n].text))
    order = [n for n in dict.fromkeys(cited_numbers(answer)) if n in by_n]
    renum = {old: new for new, old in enumerate(order, 1)}

    def repl(m: re.Match[str]) -> str:
        kept = [renum[int(x)] for x in re.split(r"[,，]", m.group(1)) if int(x) in renum]
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
                "quoted" if how.get(old) == {"quoted"} else "supported",
                e.page,
            )
        )
    return text, citations


_QUOTE_MARKS = re.compile(r"[“”\"\s]")


def _how(claim: str, source: str) -> str:
    """How a claim rests on its source: quoted, or supported in other words."""
    bare = _QUOTE_MARKS.sub("", claim)
    return "quoted" if bare and bare in _QUOTE_MARKS.sub("", source) else "supported"


def attach_citations(
    answer: str, evidence: Sequence[Evidence], names_ok: Sequence[tuple[str, str]] = ()
) -> str:
    """For an answer written without markers: cite, after each sentence, the evidence sentence that
    supports all its numbers and names and shares the most characters with it. Sentences that no
    evidence supports stay uncited."""
    out = []
    for s in split_sentences(answer):
        best, best_overlap = None, 0
        for e in evidence:
            if check_claim(s.text, [e.text], names_ok, named=e.title or ""):
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
