"""From retrieved chunks to the few sentences that answer the question.

Each sentence of the top chunks is scored by how much of the question it covers: the question's
content words (for an English question over Chinese text, their CC-CEDICT translations and the
numbers/Latin names that cross languages), weighted by rarity among the candidate sentences, plus
a small prior for the chunk's retrieval rank. Prompts then carry sentences, not whole chunks, so a
1.5B model on two cores answers in seconds; and the coverage of the best sentence is what the
refusal decision is calibrated on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from corpus.lang import detect_lang
from corpus.records import Sentence
from corpus.sentences import evidence_sentences
from index.bilingual import finance_chinese_terms, translate_terms
from index.embedders import Embedder
from index.keyword import word_terms
from index.search import Hit
from index.sentences import SentenceVectors
from qa.citations import MARKER
from qa.records import Evidence

# Question words and generic terms that say nothing about where the answer is.
_QUESTION_WORDS = set(
    "多少 什么 哪 哪些 哪个 哪家 哪里 哪天 哪年 哪一年 谁 几 何时 如何 怎么 怎样 为什么 是否 吗 呢 是 的 了 年 月 日 "
    "公司 有 在 从 到 被 对 将 及 与 和 了 过 给 多 少 个 几代 哪几代 之前 之后 以前 以后 当时 目前".split()
)
_YEARISH = re.compile(r"^\d{4}年?$")
# Share of dense similarity in the sentence ranking (the rest is lexical coverage); measured on the
# dev set with benchmarks/answers.py.
DENSE_SHARE_SAME = 0.4
DENSE_SHARE_CROSS = 0.8
# ...unless the question's terms were translated by the curated finance phrase list: then the
# keyword match is reliable and dense similarity (which favours sentences that repeat the
# question's subject) gets less say. benchmarks/evidence.py (XQuAD, held out) and the dev set.
DENSE_SHARE_CROSS_CURATED = 0.4
# Share of credit for a question concept that only the sentence before mentions: answers often sit
# in the sentence after the one that names the subject ("...累计进行7轮融资。获...合计投资15.55亿美元").
CONTEXT_SHARE = 0.5


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about: any of `forms` in a sentence counts as covering it."""

    forms: frozenset[str]
    label: str
    name: bool = False  # a proper name or acronym, not a word that was translated
    curated: bool = False  # translated by the glossary or the finance phrase list, not CC-CEDICT


def absent_concepts(question: str, passages: str, corpus_lang: str = "zh") -> list[Concept]:
    """Concepts of the question that no retrieved passage mentions at all."""
    terms_in = set(word_terms(passages))
    return [
        c
        for c in question_concepts(question, corpus_lang, passages)
        if not _covers(c, terms_in, passages)
    ]


_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*")


def question_concepts(
    question: str, corpus_lang: str = "zh", corpus_text: str = ""
) -> list[Concept]:
    """What the question asks about. For an English question over Chinese text: glossary names
    (Alibaba -> 阿里巴巴), Latin names and numbers the text itself contains (MiniMax, IPO, M2.5,
    2025), and dictionary translations of the remaining English words; English words with no
    translation are dropped rather than counted as unmatched."""
    qlang = detect_lang(question)
    if not (qlang == "en" and corpus_lang != "en"):
        return [
            Concept(frozenset({t}), t)
            for t in word_terms(question)
            if t not in _QUESTION_WORDS and (len(t) > 1 or t.isdigit())
        ]
    from qa.glossary import load_glossary

    concepts: list[Concept] = []
    rest = question
    lowered_text = corpus_text.lower()
    for zh, en in load_glossary().entries:
        if zh != en and re.search(rf"\b{re.escape(en)}\b", rest, re.I):
            concepts.append(Concept(frozenset({zh}), en, name=True, curated=True))
            rest = re.sub(rf"\b{re.escape(en)}\b", " ", rest, flags=re.I)
    for t in word_terms(rest):
        if t.isascii() and not t.isalpha() and any(ch.isdigit() for ch in t):
            concepts.append(Concept(frozenset({t}), t))
    for m in _LATIN.finditer(rest):
        word = m.group()
        if len(word) < 2:
            continue
        if (word.lower() in lowered_text and not _is_english_word(word.lower())) or word.isupper():
            concepts.append(Concept(frozenset({word.lower()}), word, name=True))
            rest = rest.replace(word, " ")
    curated_zh = finance_chinese_terms()
    for group in translate_terms(rest):
        forms = {
            w for cand in group for w in word_terms(cand) if w not in _QUESTION_WORDS and len(w) > 1
        }
        forms |= {cand for cand in group if len(cand) > 1}
        if forms:
            curated = any(c in curated_zh for c in group)
            concepts.append(Concept(frozenset(forms), group[0], curated=curated))
    return concepts


def _is_english_word(t: str) -> bool:
    from index.bilingual import STOPWORDS, english_to_chinese

    return t in STOPWORDS or t in english_to_chinese()


def _covers(concept: Concept, sentence_terms: set[str], sentence: str) -> bool:
    return any(f in sentence_terms or (len(f) >= 2 and f in sentence) for f in concept.forms)


_WANTS_NUMBER = re.compile(
    r"多少|(?<!哪)几[个家名次轮代]?|比例|占比|百分之|多大|how (much|many)|what (percentage|share|proportion)|"
    r"\b(revenue|loss|profit|price|value|ratio|margin|cash|liabilit|valuation|raise|spend|burn)",
    re.I,
)
_WANTS_DATE = re.compile(
    r"哪天|哪年|哪一年|何时|什么时候|几月|\bwhen\b|what (year|date|month)", re.I
)
# "Adjusted" figures (经调整净亏损, non-IFRS) sit beside the reported ones in Chinese financial news;
# a question that does not ask for the adjusted figure wants the reported one.
_ADJUSTED = re.compile(r"经调整|调整后|非国际财务报告准则|non-ifrs|non-gaap", re.I)
_ASKS_ADJUSTED = re.compile(r"adjust|经调整|调整后|非国际财务报告准则|non-ifrs|non-gaap", re.I)
_HAS_AMOUNT = re.compile(r"\d(?:[\d.,]*)\s*(?:%|万|亿|美元|港元|元|倍|户|名|家|次|个)")
_HAS_DATE = re.compile(r"(19|20)\d{2}年|\d{1,2}月\d{1,2}日|\d{1,2}月")
_CJK2 = re.compile(r"[\u4e00-\u9fff]{2,}")
_Q_BIGRAMS = {"多少", "什么", "哪些", "哪个", "哪家", "是否", "如何", "怎么", "为什", "么时"}


def _bigrams(text: str) -> set[str]:
    return {run[i : i + 2] for run in _CJK2.findall(text) for i in range(len(run) - 1)}


class SentenceScorer:
    """Dense similarity of question and sentences with the index's embedder. Sentence vectors come
    from the snapshot's store (computed at ingest, `index.sentences`); a sentence that is not
    stored (an index from before the store existed) is embedded once and cached in this process."""

    def __init__(
        self,
        embedder: Embedder,
        cache_size: int = 20000,
        store: SentenceVectors | None = None,
    ) -> None:
        self.embedder = embedder
        self.store = store
        self._cache: dict[str, np.ndarray] = {}
        self._cache_size = cache_size

    def _unstored(self, sentences: Sequence[str]) -> list[str]:
        store = self.store
        return [
            s
            for s in dict.fromkeys(sentences)
            if s not in self._cache and (store is None or s not in store)
        ]

    def warm(self, sentences: Sequence[str], batch: int = 64) -> int:
        """Embed the sentences the store lacks ahead of questions (in batches, so questions can
        interleave); returns how many were new. Stops when the cache would overflow."""
        missing = self._unstored(sentences)
        missing = missing[: max(0, self._cache_size - len(self._cache))]
        for i in range(0, len(missing), batch):
            part = missing[i : i + batch]
            for s, v in zip(part, self.embedder.encode_passages(part), strict=True):
                self._cache[s] = v
        return len(missing)

    def similarities(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        vecs = self.store.get(sentences) if self.store is not None else {}
        need = [s for s in dict.fromkeys(sentences) if s not in vecs]
        missing = [s for s in need if s not in self._cache]
        if missing:
            if len(self._cache) + len(missing) > self._cache_size:
                self._cache.clear()
                missing = need  # what this question needs, cached ones included
            for s, v in zip(missing, self.embedder.encode_passages(missing), strict=True):
                self._cache[s] = v
        q = self.embedder.encode_queries([question])[0]
        return np.array([float((vecs[s] if s in vecs else self._cache[s]) @ q) for s in sentences])


# The financial metrics a question can ask for: how a question names them (Chinese or English) and
# the words a Chinese sentence that reports them uses. A loss answers a profit question.
METRICS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(q, re.I), re.compile(a))
    for q, a in (
        (
            r"净利润|净利|盈利|(?<!毛)利润|net (?:profit|income)|(?<!gross )\bprofit",
            r"利润|净利|盈利|亏",
        ),
        (r"毛利(?!率)|gross profit", r"毛利(?!率)"),
        (r"净亏损|亏损|net loss|\bloss(?:es)?\b", r"亏"),
        (r"毛利率|gross margin", r"毛利率"),
        (r"估值|valuation", r"估值|估价"),
        (r"市值|market (?:cap|value)", r"市值"),
        (r"现金消耗|cash burn", r"现金消耗|消耗|烧"),
        (r"资产负债率|debt(?:-to-asset)? ratio", r"资产负债率|负债率"),
        (r"\bARR\b|annual recurring revenue|年度经常性收入", r"ARR|经常性收入"),
    )
)


def metric_mismatch(question: str, sentence: str) -> bool:
    """The question asks for a metric the sentence does not report (the IPO price for a profit)."""
    return any(q.search(question) and not a.search(sentence) for q, a in METRICS)


# "多少" with no measure word after it asks for an amount (累计融资多少？ 新用户数是多少？), as does
# "how much"; a count of events (7轮, 3 rounds) or a date does not answer it.
_ASKS_AMOUNT = re.compile(r"多少(?![\u4e00-\u9fff])|多少(?:钱|资金|金额)|\bhow much\b", re.I)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d+(?:[.,]\d+)*")
_NOT_AN_AMOUNT = re.compile(
    r"\s*(?:轮|次|代|届|期|年|月|日|号|季度|rounds?\b|times\b|generations?\b)", re.I
)
_BARE_YEAR = re.compile(r"(?:19|20)\d{2}$")
_UNIT_AFTER = re.compile(r"\s*(?:%|万|亿|千|百|million|billion|thousand)", re.I)


def gives_amount(text: str) -> bool:
    """Some number in the text is an amount: not a year, a date or a count of events."""
    text = MARKER.sub(" ", text)
    for m in _NUMBER.finditer(text):
        if _NOT_AN_AMOUNT.match(text, m.end()):
            continue
        if _BARE_YEAR.match(m.group()) and not _UNIT_AFTER.match(text, m.end()):
            continue
        return True
    return False


def wrong_answer_type(question: str, answer: str, evidence: Sequence[str] = ()) -> bool:
    """The question asks for an amount, the answer gives none, and the evidence has one."""
    return (
        bool(_ASKS_AMOUNT.search(question))
        and not gives_amount(answer)
        and any(gives_amount(e) for e in evidence)
    )


def wrong_kind_of_figure(question: str, sentence: str, answer: str = "") -> bool:
    """The sentence reports an adjusted figure and neither the question nor the answer says so."""
    return bool(_ADJUSTED.search(sentence)) and not _ASKS_ADJUSTED.search(question + " " + answer)


def select_evidence(
    question: str,
    hits: Sequence[Hit],
    corpus_lang: str = "zh",
    max_sentences: int = 6,
    scorer: SentenceScorer | None = None,
) -> tuple[list[Evidence], float]:
    """The best sentences, best first, and the support (0..1) of the best one: how much of the
    question it covers, by words (or their translations) and, for Chinese, character bigrams;
    blended with dense similarity when a scorer is given."""
    candidates: list[tuple[Hit, Sentence, set[str]]] = []
    previous: list[int | None] = []  # index of the sentence before, in the same chunk
    for hit in hits:
        for j, s in enumerate(evidence_sentences(hit.chunk.text, hit.chunk.start)):
            previous.append(len(candidates) - 1 if j else None)
            candidates.append((hit, s, set(word_terms(s.text))))
    concepts = question_concepts(question, corpus_lang, "\n".join(h.chunk.text for h in hits))
    if not candidates or not concepts:
        return [], 0.0
    n = len(candidates)
    covered = [[_covers(c, ts, s.text) for c in concepts] for _, s, ts in candidates]
    weights = []
    for ci, c in enumerate(concepts):
        df = sum(1 for row in covered if row[ci])
        # A year or bare number is a weak cue on its own; rare words are strong ones.
        w = math.log(1 + n / (1 + df))
        if any(_YEARISH.match(f) for f in c.forms):
            w *= 0.5
        weights.append(w)
    total = sum(weights) or 1.0
    q_bigrams = _bigrams(question) - _Q_BIGRAMS
    wants_number = bool(_WANTS_NUMBER.search(question))
    wants_date = bool(_WANTS_DATE.search(question))
    wants_adjusted = bool(_ASKS_ADJUSTED.search(question))
    dense = None
    if scorer is not None:
        sims = scorer.similarities(question, [s.text for _, s, _ in candidates])
        lo, hi = float(sims.min()), float(sims.max())
        dense = (sims - lo) / (hi - lo) if hi > lo else np.zeros_like(sims)
    cross = detect_lang(question) == "en" and corpus_lang != "en"
    if not cross:
        dense_share = DENSE_SHARE_SAME
    elif any(c.curated for c in concepts):
        dense_share = DENSE_SHARE_CROSS_CURATED
    else:
        dense_share = DENSE_SHARE_CROSS
    # the sentence after each one, in whichever retrieved chunk has it (chunks may overlap)
    following = {
        (candidates[before][0].chunk.doc_id, candidates[before][1].start): candidates[i]
        for i, before in enumerate(previous)
        if before is not None
    }
    scored = []
    for i, (hit, s, _) in enumerate(candidates):
        # What the sentence before says counts for part: "其", "公司", a clause that continues it.
        k = previous[i]
        prev = covered[k] if k is not None else [False] * len(concepts)
        cov = (
            sum(
                w * (1.0 if own else CONTEXT_SHARE if before else 0.0)
                for own, before, w in zip(covered[i], prev, weights, strict=True)
            )
            / total
        )
        if q_bigrams:
            cov = 0.7 * cov + 0.3 * len(q_bigrams & _bigrams(s.text)) / len(q_bigrams)
        fit = 0.0
        if wants_number and _HAS_AMOUNT.search(s.text):
            fit += 0.15
        if wants_date and _HAS_DATE.search(s.text):
            fit += 0.15
        if corpus_lang == "zh" and metric_mismatch(question, s.text):
            fit -= 0.2
        rank_score = (
            cov if dense is None else (1 - dense_share) * cov + dense_share * float(dense[i])
        )
        scored.append((rank_score + fit + 0.1 / hit.rank, cov, hit, s))
    scored.sort(key=lambda x: -x[0])
    if not wants_adjusted and any(not _ADJUSTED.search(x[3].text) for x in scored):
        # a small model shown both figures copies the wrong one: show the reported one only
        scored = [x for x in scored if not _ADJUSTED.search(x[3].text)]
    out: list[Evidence] = []
    seen = set()
    for score, cov, hit, s in scored:
        key = (hit.chunk.doc_id, s.start)
        if key in seen:
            continue
        seen.add(key)
        nxt = following.get(key)
        if wants_number and nxt is not None and not _HAS_AMOUNT.search(s.text):
            # The sentence names what was asked ("累计进行7轮融资。") and the figure follows in the
            # next one ("获...合计投资15.55亿美元"): cite both as one span, from the chunk with both.
            after_hit, after = nxt[0], nxt[1]
            if _HAS_AMOUNT.search(after.text) and (hit.chunk.doc_id, after.start) not in seen:
                seen.add((hit.chunk.doc_id, after.start))
                hit = after_hit
                a, b = s.start - hit.chunk.start, after.end - hit.chunk.start
                s = Sentence(s.start, after.end, hit.chunk.text[a:b])
        out.append(
            Evidence(
                len(out) + 1,
                hit.chunk.id,
                hit.chunk.doc_id,
                hit.title,
                s.start,
                s.end,
                s.text,
                score,
                hit.rank,
                cov,
            )
        )
        if len(out) >= max_sentences:
            break
    return out, scored[0][1]
