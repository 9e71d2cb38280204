"""Translation of passages (Chinese <-> English) by the LLM engines, with fidelity checks on every
translation, repairs where they are safe, a content-hash cache, and key-passage selection.

Checks: every number of the source appears in the translation with the right value (万/亿 converted:
7903.8万美元 = US$79.038 million); glossary names are written as the glossary says; nothing dropped
(sentence count and length ratio). Repairs: a glossary name left untranslated or misspelt is
replaced; Chinese amounts left in an English translation are converted; a single wrong number is
replaced by the right one. What cannot be repaired is flagged, never hidden.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus.lang import MONTHS, chinese_in_english, detect_lang, spaced_names
from corpus.records import Document, Sentence
from corpus.sentences import split_sentences
from index.keyword import word_terms
from index.model_store import docqa_home
from qa.glossary import Glossary, load_glossary
from qa.numbers import (
    Quantity,
    english_amount,
    english_dates,
    english_figures,
    parse_quantities,
    supported,
    to_english,
)
from qa.question import YEAR
from qa.support import MONTH_ZH, months_stated, support_problems

if TYPE_CHECKING:  # imported where a model translates, not by every question
    from langchain_core.language_models.chat_models import BaseChatModel

LENGTH_RATIO = {
    "en": (0.8, 8.0),
    "zh": (0.1, 1.25),
}  # translation chars / source chars, by target language


@dataclass(frozen=True)
class Fidelity:
    missing_numbers: tuple[str, ...] = ()
    wrong_names: tuple[str, ...] = ()
    length_ratio: float = 1.0
    sentence_ratio: float = 1.0
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Translation:
    source: str
    text: str
    to: str
    engine: str
    fidelity_before: Fidelity
    fidelity: Fidelity
    repairs: tuple[str, ...] = ()
    cached: bool = False
    seconds: float = 0.0
    kind: str = "translation"  # or "gloss" when no generative model is available
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["fidelity_before"]["ok"] = self.fidelity_before.ok
        d["fidelity"]["ok"] = self.fidelity.ok
        return d


def target_language(text: str, to: str | None) -> str:
    if to in ("en", "zh"):
        return to
    return "en" if detect_lang(text) != "en" else "zh"


def _checked(q: Quantity) -> bool:
    """A figure the fidelity check holds both texts to: an amount, a date part, or a number of
    10 or more or with decimals (small whole numbers are often written out: two, three)."""
    return q.kind != "number" or q.value >= 10 or "." in q.text


def _a_month_of(number: str, text: str, other: str) -> bool:
    """Whether `number` is a month `text` writes as 12月 and `other` names, in either script
    (随后在同年12月 -> `in December of the same year`): no number lost or added."""
    return (
        number.isdigit()
        and any(int(m) == int(number) for m in MONTH_ZH.findall(text))
        and int(number) in months_stated(other)
    )


def check_fidelity(source: str, translation: str, to: str, glossary: Glossary) -> Fidelity:
    tq, sq = parse_quantities(translation), parse_quantities(source)
    missing = tuple(
        q.text
        for q in sq
        if _checked(q) and not supported(q, tq) and not _a_month_of(q.text, source, translation)
    )
    # a figure the translation adds (上午 rendered "at 10:00 a.m.")
    added = [
        q.text
        for q in tq
        if _checked(q) and not supported(q, sq) and not _a_month_of(q.text, translation, source)
    ]
    wrong = []
    if to == "en":
        wrong = [
            f"{zh} -> {en}" for zh, en in glossary.in_text(source) if not mentions(en, translation)
        ]
    else:
        wrong = [
            f"{en} -> {zh}" for zh, en in glossary.in_english_text(source) if zh not in translation
        ]
    ratio = len(translation) / max(1, len(source))
    s_src = max(1, len(split_sentences(source)))
    s_ratio = len(split_sentences(translation)) / s_src
    problems = [f"number missing or changed: {m}" for m in missing] + [
        f"glossary name not followed: {w}" for w in wrong
    ]
    problems += [f"number added: {a}" for a in added]
    problems += dropped_months(source, translation, missing)
    problems += moved_years(source, translation)
    if to == "en":
        half, left = chinese_in_english(translation)
        if half:
            problems.append(f"a word left half in Chinese: {', '.join(half)}")
        han = sum(len(w) for w in left)
        if han > 0.1 * len(re.sub(r"\s+", "", translation)):
            problems.append(f"not translated: {han} Chinese characters left in the prose")
        elif left:
            problems.append(f"Chinese left untranslated: {', '.join(left)}")
    # a changed unit, period (年内 -> "first half"), direction or measure (流动负债 -> liabilities)
    problems += support_problems(translation, [source])
    lo, hi = LENGTH_RATIO[to]
    if not lo <= ratio <= hi:
        problems.append(
            f"length ratio {ratio:.2f} outside {lo}-{hi}: something may be dropped or added"
        )
    if s_src >= 2 and s_ratio < 0.5:
        problems.append(f"only {s_ratio:.0%} of the sentences came back")
    return Fidelity(missing, tuple(wrong), round(ratio, 3), round(s_ratio, 3), tuple(problems))


def dropped_months(source: str, translation: str, missing: Sequence[str] = ()) -> list[str]:
    """A month the source names that the translation names nowhere, as a number or by name
    (2012年5月 -> "in 2012", seen from the 1.5B model): the date lost a part. A number under 10 is
    not checked on its own, so the month is checked here; one already reported missing is not
    said twice."""
    return [
        f"month missing or changed: {MONTHS[m - 1]}"
        for m in sorted(months_stated(source) - months_stated(translation))
        if 1 <= m <= 12 and str(m) not in missing
    ]


def moved_years(source: str, translation: str) -> list[str]:
    """A year the translation puts in another sentence than the source does ("...净亏损18.72亿美元。
    2026年1月,公司通过港股IPO募资..." -> "...a net loss of $1.872 billion in 2026. In January, the
    company raised..."): the figure now belongs to the wrong year. Checked when both have the same
    number of sentences."""
    src = [set(YEAR.findall(s)) for s in _sentences(source)]
    out = [set(YEAR.findall(s)) for s in _sentences(translation)]
    if len(src) != len(out) or len(src) < 2:
        return []
    problems = []
    for i, (a, b) in enumerate(zip(src, out, strict=True)):
        for year in sorted(b - a):
            if any(year in other for other in src):
                problems.append(f"year {year} moved to sentence {i + 1}")
        for year in sorted(a - b):
            if any(year in other for other in out):
                problems.append(f"year {year} moved out of sentence {i + 1}")
    return problems


_EN_STOP = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")


def _sentences(text: str) -> list[str]:
    """Chinese sentences by the corpus splitter; English ones at a stop before a capital."""
    if re.search(r"[\u4e00-\u9fff]", text):
        return [s.text for s in split_sentences(text)]
    return [s for s in _EN_STOP.split(text.strip()) if s.strip()]


def repair(source: str, translation: str, to: str, glossary: Glossary) -> tuple[str, list[str]]:
    """Safe fixes: glossary names, Chinese amounts left in English text, one swapped number."""
    fixes = []
    text = translation
    if to == "en":
        for zh, en in glossary.in_text(source):
            if not mentions(en, text) and zh in text:
                text = text.replace(zh, en)
                fixes.append(f"name {zh} -> {en}")
        converted = to_english(text)
        if converted != text:
            fixes.append("Chinese amounts converted to English figures")
            text = converted
    src_q = parse_quantities(source)
    tr_q = parse_quantities(text)
    missing = [q for q in src_q if (q.kind != "number" or q.value >= 10) and not supported(q, tr_q)]
    extra = [q for q in tr_q if not supported(q, src_q) and (q.kind != "number" or q.value >= 10)]
    if missing and len(missing) == len(extra):
        # Same count of missing and unexplained numbers: pair them in order, replace from the end.
        for want, got in reversed(list(zip(missing, extra, strict=True))):
            right = english_amount(want.value, want.kind) if to == "en" else want.text
            text = text[: got.start] + right + text[got.end :]
            fixes.append(f"number {got.text} -> {right}")
    return text, fixes


def mentions(name: str, text: str) -> bool:
    """Whether `text` writes the glossary's English `name` (each word, plural-insensitive)."""
    words = [
        w.rstrip("s").lower() for w in re.findall(r"[A-Za-z][A-Za-z.'\-]*", _PAREN.sub("", name))
    ]
    low = text.lower()
    return all(w in low for w in words) if words else name.lower() in low


_PAREN = re.compile(r"\([^)]*\)")


SYSTEM = {
    "en": (
        "Translate the Chinese text into fluent, faithful English. Translate every sentence; add nothing. "
        "Keep every number exactly; write Chinese amounts in English figures as given in the notes. "
        "Write names as the notes say. Output only the translation."
    ),
    "zh": (
        "把下面的英文准确翻译成简体中文。逐句翻译，不要增删内容。数字保持不变，人名和公司名按注释写。只输出译文。"
    ),
}


def _messages(text: str, to: str, glossary: Glossary) -> list[Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    notes = []
    if to == "en":
        notes = english_figures(text) + glossary.notes_for(text)
    else:
        notes = [f"{en} = {zh}" for zh, en in glossary.in_english_text(text)]
    body = text + (f"\n\nNotes: {'; '.join(notes)}" if notes else "")
    return [SystemMessage(SYSTEM[to]), HumanMessage(body)]


class Translator:
    def __init__(
        self,
        chat_model: BaseChatModel | None,
        engine: str,
        glossary: Glossary | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.chat_model = chat_model
        self.engine = engine
        self.glossary = glossary or load_glossary()
        self.cache_dir = cache_dir or docqa_home() / "cache" / "translations"

    def _english_only(self) -> dict[str, Any]:
        from qa.llm import english_only

        return english_only(self.chat_model) if self.chat_model is not None else {}

    def _cache_path(self, text: str, to: str) -> Path:
        # English made with Chinese script masked out is another translation than one made without
        how = f"{self.engine}+no-cjk" if to == "en" and self._english_only() else self.engine
        key = hashlib.sha256(f"{how}\x1f{to}\x1f{text}".encode()).hexdigest()
        return self.cache_dir / f"{key[:2]}/{key}.json"

    def translate(self, text: str, to: str | None = None) -> Translation:
        text = text.strip()
        if not text:
            raise ValueError("nothing to translate: the text is empty")
        to = target_language(text, to)
        if self.chat_model is None:
            return self.gloss(text, to)
        path = self._cache_path(text, to)
        if path.is_file():
            d = json.loads(path.read_text(encoding="utf-8"))
            return Translation(
                d["source"],
                d["text"],
                d["to"],
                d["engine"],
                _fid(d["fidelity_before"]),
                # judged again: the checks may have grown since it was cached
                check_fidelity(text, d["text"], to, self.glossary),
                tuple(d["repairs"]),
                True,
                d["seconds"],
                d.get("kind", "translation"),
            )
        t0 = time.perf_counter()
        kwargs = self._english_only() if to == "en" else {}
        raw = str(self.chat_model.invoke(_messages(text, to, self.glossary), **kwargs).content)
        raw = raw.strip()
        if to == "en":
            raw = spaced_names(english_dates(raw))
        before = check_fidelity(text, raw, to, self.glossary)
        fixed, fixes = repair(text, raw, to, self.glossary) if not before.ok else (raw, [])
        after = check_fidelity(text, fixed, to, self.glossary)
        result = Translation(
            text,
            fixed,
            to,
            self.engine,
            before,
            after,
            tuple(fixes),
            False,
            time.perf_counter() - t0,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result.to_json(), ensure_ascii=False), encoding="utf-8")
        return result

    def gloss(self, text: str, to: str) -> Translation:
        """No generative model: key terms and numbers only, clearly not a translation."""
        lines = []
        if to == "en":
            lines += self.glossary.notes_for(text) + english_figures(text)
        else:
            lines += [f"{en} = {zh}" for zh, en in self.glossary.in_english_text(text)]
        body = (
            "\n".join(f"- {x}" for x in dict.fromkeys(lines))
            or "- (no glossary terms or amounts found)"
        )
        note = (
            "Dictionary gloss, NOT a translation (no generative model installed: run `docqa models fetch "
            "qwen2.5-coder-1.5b`, or configure --llm openai):\n"
        )
        f = Fidelity()
        return Translation(text, note + body, to, "gloss", f, f, (), False, 0.0, kind="gloss")


def make_translator(llm: str = "auto", model: str | None = None) -> Translator:
    """`auto`: the local model when installed, else the dictionary gloss; or `local`, `openai`,
    `gloss`. (The extractive answer engine has no translator: it means the gloss here.)"""
    from qa.llm import LLMError, local_model_installed, make_chat_model

    if llm == "auto":
        llm = "local" if model or local_model_installed() else "gloss"
    if llm in ("gloss", "extractive"):
        return Translator(None, "gloss")
    if llm in ("local", "openai"):
        return Translator(make_chat_model(llm, model), llm)
    raise LLMError(f"unknown engine '{llm}' for translation; use auto, local, openai or gloss")


def _fid(d: dict[str, Any]) -> Fidelity:
    return Fidelity(
        tuple(d["missing_numbers"]),
        tuple(d["wrong_names"]),
        d["length_ratio"],
        d["sentence_ratio"],
        tuple(d["problems"]),
    )


def key_passages(doc: Document, n: int = 3, glossary: Glossary | None = None) -> list[Sentence]:
    """The `n` sentences that carry the document's main facts, in document order.

    Score = centrality (cosine of the sentence's word vector to the whole document's, TF-IDF over the
    document's sentences) + 0.15 per amount (万/亿, currency, percent) + 0.1 per named entity
    (glossary names, Latin names), capped; very short sentences (headings) are skipped."""
    glossary = glossary or load_glossary()
    sents = [
        s
        for p in doc.paragraphs
        for s in split_sentences(doc.text[p.start : p.end], offset=p.start)
        if len(s.text) >= 15
    ]
    if not sents:
        return []
    bags = [Counter(word_terms(s.text)) for s in sents]
    df = Counter(t for b in bags for t in b)
    idf = {t: math.log(1 + len(sents) / c) for t, c in df.items()}
    centroid: dict[str, float] = {}
    for b in bags:
        for t, c in b.items():
            centroid[t] = centroid.get(t, 0.0) + c * idf[t]

    def cos(b: Counter[str]) -> float:
        v = {t: c * idf[t] for t, c in b.items()}
        dot = sum(w * centroid.get(t, 0.0) for t, w in v.items())
        na = math.sqrt(sum(w * w for w in v.values()))
        nb = math.sqrt(sum(w * w for w in centroid.values()))
        return dot / (na * nb) if na and nb else 0.0

    scored = []
    for s, b in zip(sents, bags, strict=True):
        amounts = sum(
            1
            for q in parse_quantities(s.text)
            if q.kind != "number" or re.search(r"[万亿]", q.text)
        )
        names = len(glossary.in_text(s.text)) + len(re.findall(r"\b[A-Z][A-Za-z0-9.]+\b", s.text))
        scored.append((cos(b) + min(0.45, 0.15 * amounts) + min(0.3, 0.1 * names), s))
    best = sorted(scored, key=lambda x: -x[0])[:n]
    return sorted((s for _, s in best), key=lambda s: s.start)


def side_by_side(items: Sequence[Translation]) -> str:
    """Markdown for people: source and translation in two columns, problems underneath."""
    out = ["| source | translation |", "|---|---|"]
    for t in items:
        src = t.source.replace("|", "\\|")
        dst = t.text.replace("|", "\\|").replace("\n", "<br>")
        out.append(f"| {src} | {dst} |")
    notes = []
    for i, t in enumerate(items, 1):
        for r in t.repairs:
            notes.append(f"- passage {i}: repaired: {r}")
        for p in t.fidelity.problems:
            notes.append(f"- passage {i}: FLAGGED: {p}")
    return "\n".join(out + ([""] + notes if notes else []))
