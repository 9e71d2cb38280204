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

from corpus.records import Sentence
from corpus.sentences import evidence_sentences, is_cell_statement
from index.backend import SentenceLookup
from index.embedders import Embedder
from index.keyword import word_terms
from index.search import Hit
from qa import units
from qa.policy import (
    POLICY,
    Policy,
    avoids_adjusted,
    current_gives_way,
    date_gives_way,
    dates_what_is_asked,
    definition_of,
    duration_gives_way,
    figure_of_measure,
    metric_mismatch,
    office_gives_way,
    only_defines,
    part_gives_way,
    reason_follows,
    reports_adjusted,
    states_date,
    states_origin,
    who_gives_way,
    year_gives_way,
)
from qa.question import (
    Concept,
    Question,
    analyse,
    covers,
    subject_missing,
)
from qa.records import Evidence

_CJK2 = re.compile(r"[\u4e00-\u9fff]{2,}")
_Q_BIGRAMS = {"多少", "什么", "哪些", "哪个", "哪家", "是否", "如何", "怎么", "为什", "么时"}
_YEARISH = re.compile(r"^\d{4}年?$")
# What a document opens with, when it opens by naming its subject (异齿前肛鳗，又称……; 紫冠雉是一种凤冠雉)
_TOPIC = re.compile(r"^\W*([^，,。；;（(\s]{2,12}?)(?:[，,（(]|是|为|又称|又名)")
# ... and where a subject's phrase goes on past it (三元桥站位于北京市朝阳区，; 澳门在葡属时期划分为)
_TOPIC_TAIL = re.compile(r"(?<=..)(?:位于|坐落|在).*$")
# A sentence whose subject is a pronoun (他批判……; 1908年，他回到……; He returned...): it speaks of
# someone an earlier sentence named.
# A time may stand before it, with no comma (2014年该市人口为……; 同年他回到……).
_WHEN_LEAD = r"(?:(?:\d{4}|同|次|当|翌)年(?:\d{1,2}月)?(?:\d{1,2}[日号])?\s*)?"
_PRONOUN_LED = re.compile(
    rf"^\W*(?:[^，,。；;]{{0,16}}[，,]\s*)?{_WHEN_LEAD}"
    r"(?:他|她|它|其(?![他中实次余后间时])|该|(?:He|She|It|They|His|Her|Its|Their)\b)"
)

# A sentence that gives the parts of what the sentence before it gives (全国居民消费价格同比上涨0.3%。
# 其中，城市上涨0.3%，农村上涨0.4%): it is about what that one names.
_AMONG_LED = re.compile(r"^\W*其中")
# A sentence whose subject is a demonstrative (该法令废止了新教……; 此类问题包括……): it speaks of a
# thing an earlier sentence named.
_DEMONSTRATIVE_LED = re.compile(
    rf"^\W*(?:[^，,。；;]{{0,16}}[，,]\s*)?{_WHEN_LEAD}(?:该|此|这|上述)"
)
# which one or where (哪一项公文, 哪块殖民地, 在哪里): a thing a sentence before may name; not
# what something is like (什么样的), which the sentence itself says
_ASKS_WHICH = re.compile(r"哪")
# ... in English: which / what thing (What proclamation abolished..., Which king issued...), or
# where
_ASKS_WHICH_EN = re.compile(
    r"(?:^|\b(?:in|on|at|of|for|from|by|to|with|under)\s+)(?:which|what)\s+"
    r"(?!is|are|was|were|did|do|does|has|have|had|can|could|would|will)[a-z]+|\bwhere\b",
    re.I,
)


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
        store: SentenceLookup | None = None,
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


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved chunk, with the parts of its rank score."""

    hit: Hit
    sentence: Sentence
    coverage: float  # of the question's concepts, rarity-weighted, plus bigrams for Chinese
    similarity: float | None  # raw dense similarity to the question (None without a scorer)
    fit: float  # has what the question wants (amount, date), minus a metric it does not report
    score: float  # the rank score under the policy
    adjusted: bool  # reports an "adjusted" figure
    off_subject: bool = False  # neither it, the text just before it nor its title names a subject


@dataclass(frozen=True)
class Selection:
    evidence: list[Evidence]
    coverage: float  # of the question by the best-ranked sentence
    similarity: float | None  # the best sentence's dense similarity (None without a scorer)
    candidates: tuple[Candidate, ...]  # every sentence considered, best first


def subject_context(hit: Hit, start: int, end: int, policy: Policy = POLICY) -> str:
    """Where a sentence's subject may be named: its document's title, what the document opens by
    naming as its subject (a page about 工作假期签证 is about it in its last sentence too), and the
    sentence with the `subject_context_chars` before it in its chunk (document offsets
    `start`..`end`). A table cell's statement names its own table, row and column: the statements
    before it are other cells', so its context is the statement alone."""
    if hit.in_cell(start, end):
        a = start - hit.chunk.start
        return f"{hit.title or ''}\n{hit.chunk.text[a : end - hit.chunk.start]}"
    a = max(0, start - hit.chunk.start - policy.subject_context_chars)
    return f"{hit.title or ''}\n{opening_topic(hit)}\n{hit.chunk.text[a : end - hit.chunk.start]}"


def opening_topic(hit: Hit) -> str:
    """What the hit's document opens by naming as its subject, or ''."""
    return _topic(hit.opening)


def _topic(sentence: str) -> str:
    """What an opening sentence names as its subject (`_TOPIC`, with no figure: 工作假期签证
    （Working Holiday Visa），又称……), or ''."""
    m = _TOPIC.match(sentence)
    # no figure; nor what someone says or worries about (环保主义者担心的是……), which names no subject
    if not m or any(ch.isdigit() for ch in m.group(1)) or m.group(1).endswith("的"):
        return ""
    return _TOPIC_TAIL.sub("", m.group(1))


def _name_concepts(q: Question) -> list[int]:
    """The indexes of the question's concepts that name someone or something."""
    subject_forms = {f for c in q.subjects for f in c.forms}
    return [i for i, c in enumerate(q.concepts) if c.name or c.forms & subject_forms]


def _defined_terms(q: Question) -> list[str]:
    """The forms of the word a 是什么 question asks to define: the last of the defined phrase's
    words, its head (起因 of 最初起因是什么). Not a word before it: 维尔 of 杰克逊维尔旁边是哪条河 is
    said to be something only as the end of 杰克逊维尔 (杰克逊维尔是……的主要城市)."""
    defined = q.asks.defined
    inside = [
        (defined.rfind(c.label) + len(c.label), c)
        for c in q.concepts
        if len(c.label) > 1 and c.label in defined
    ]
    if not inside:
        return []
    end = max(e for e, _ in inside)
    return [f for e, c in inside if e == end for f in c.forms if len(f) > 1]


def _asks_which_thing(q: Question) -> bool:
    """Who, where or which thing: also which of several has the most of a figure (哪个城市的人口最多,
    which reads as a figure question too), not which year or when."""
    return q.asks.thing or (q.asks.who_where_which and not (q.asks.year or q.asks.time))


def _resolve_pronouns(
    covered: list[list[bool]],
    candidates: Sequence[tuple[Hit, Sentence, set[str]]],
    previous: Sequence[int | None],
    names: Sequence[int],
    reach: int,
) -> dict[int, list[int]]:
    """A sentence led by a pronoun covers a name of the question that one of the `reach`
    sentences before it in its chunk names (他批判……, three sentences after 伊克巴勒成为……):
    documents name their subject once and go on with 他, so without this the sentence that names
    him and says nothing asked outranks the one that answers. Returns, for each sentence that
    got one, the names (concept indexes) its pronoun stands for."""
    resolved: dict[int, list[int]] = {}
    if not names or reach <= 0:
        return resolved
    for i, (_, s, _) in enumerate(candidates):
        if not _PRONOUN_LED.match(s.text):
            continue
        for ci in names:
            if covered[i][ci]:
                continue
            k, steps = previous[i], 0
            while k is not None and steps < reach:
                if covered[k][ci]:
                    covered[i][ci] = True
                    resolved.setdefault(i, []).append(ci)
                    break
                k, steps = previous[k], steps + 1
    return resolved


def _continue_topic(
    concepts: Sequence[Concept],
    covered: list[list[bool]],
    candidates: Sequence[tuple[Hit, Sentence, set[str]]],
    previous: Sequence[int | None],
) -> dict[int, list[int]]:
    """What a document opens by naming as its subject (the words before the first comma, 是, 为,
    又称 of its first sentence, with no figure: 异齿前肛鳗，又称……; 紫冠雉是一种凤冠雉) is what every
    sentence of its first chunk speaks of, named or not (体长可达22.4公分; 本鱼分布于……): each of
    them covers the question's concepts that name it. The name then tells that document from the
    others, not its sentences from each other, and what else the question asks decides among
    them. Not any name the opening sentence mentions: a page that opens comparing 智谱 with
    MiniMax is not about MiniMax in every sentence."""
    out: dict[int, list[int]] = {}
    # chunk id -> the concepts its document opens with, for a document's first chunk
    topics: dict[str, list[int]] = {}
    for i, (hit, s, _) in enumerate(candidates):
        if previous[i] is None and hit.chunk.index == 0 and hit.chunk.id not in topics:
            phrase = _topic(s.text)
            terms = set(word_terms(phrase))
            topics[hit.chunk.id] = [
                ci for ci, c in enumerate(concepts) if phrase and covers(c, terms, phrase)
            ]
    for i, (hit, _, _) in enumerate(candidates):
        for ci in topics.get(hit.chunk.id, ()):
            if not covered[i][ci]:
                covered[i][ci] = True
                out.setdefault(i, []).append(ci)
    return out


def _said_before(
    i: int,
    candidates: Sequence[tuple[Hit, Sentence, set[str]]],
    covered: list[list[bool]],
    previous: Sequence[int | None],
) -> list[bool]:
    """Which concepts the text before sentence `i` in its chunk covers: the sentence before it,
    and where `i` is a clause after a semicolon, every clause of its sentence before it
    (4月份，食品烟酒类价格同比下降1.4%……。食品中，蛋类价格下降10.6%……；……；其中猪肉价格上涨1.4%：
    the month and 同比 of the sentence's first clause hold for its last)."""
    out = [False] * len(covered[i])
    k = previous[i]
    while k is not None:
        out = [a or b for a, b in zip(out, covered[k], strict=True)]
        if not candidates[k][1].text.rstrip().endswith(("；", ";")):
            break
        k = previous[k]
    return out


def select(
    q: Question,
    hits: Sequence[Hit],
    scorer: SentenceScorer | None = None,
    policy: Policy = POLICY,
) -> Selection:
    """The best sentences, best first: how much of the question each covers, by words (or their
    translations) and, for Chinese, character bigrams; blended with dense similarity when a scorer
    is given; plus what the question wants (an amount, a date) and the chunk's retrieval rank."""
    candidates: list[tuple[Hit, Sentence, set[str]]] = []
    previous: list[int | None] = []  # index of the sentence before, in the same chunk
    for hit in hits:
        for j, s in enumerate(evidence_sentences(hit.chunk.text, hit.chunk.start)):
            previous.append(len(candidates) - 1 if j else None)
            candidates.append((hit, s, set(word_terms(s.text))))
    concepts = q.concepts
    if not candidates or not concepts:
        return Selection([], 0.0, None, ())
    n = len(candidates)
    covered = [[covers(c, ts, s.text) for c in concepts] for _, s, ts in candidates]
    names = _name_concepts(q)
    resolved = _resolve_pronouns(covered, candidates, previous, names, policy.pronoun_reach)
    if policy.topic_continues:
        for i, cis in _continue_topic(concepts, covered, candidates, previous).items():
            resolved.setdefault(i, []).extend(cis)
    weights = []
    for ci, c in enumerate(concepts):
        df = sum(1 for row in covered if row[ci])
        # A year or bare number is a weak cue on its own; rare words are strong ones.
        w = math.log(1 + n / (1 + df))
        if any(_YEARISH.match(f) for f in c.forms):
            w *= policy.year_weight
        weights.append(w)
    total = sum(weights) or 1.0
    q_bigrams = _bigrams(q.text) - _Q_BIGRAMS - ({"职业"} if q.asks.occupation else set())
    sims: np.ndarray | None = None
    dense = None
    if scorer is not None:
        sims = scorer.similarities(q.text, [s.text for _, s, _ in candidates])
        lo, hi = float(sims.min()), float(sims.max())
        dense = (sims - lo) / (hi - lo) if hi > lo else np.zeros_like(sims)
    embedder = scorer.embedder.name if scorer is not None else None
    dense_share = policy.dense_share(q.crosses, any(c.curated for c in concepts), embedder)
    rank_prior = policy.weights(embedder).rank_prior
    # each sentence by where it is in its document (chunks may overlap)
    keys = [(hit.chunk.doc_id, s.start) for hit, s, _ in candidates]
    # the sentence after each one, in whichever retrieved chunk has it, and the one before each,
    # with the chunk that holds both (not necessarily the chunk a candidate came from: chunks
    # overlap, and a sentence that opens one chunk is in the middle of the one before)
    following = {keys[b]: candidates[i] for i, b in enumerate(previous) if b is not None}
    preceding = {keys[i]: candidates[b][:2] for i, b in enumerate(previous) if b is not None}
    # sentences read as naming a name of the question (by their pronoun or as their document's
    # opening subject): their 他 is someone the question names, not the who it asks for
    says_who = {keys[i] for i in resolved}
    zh = q.corpus_lang == "zh"
    measures = [c.synonyms for c in concepts if c.synonyms is not None]
    # a sentence that says what the term the question asks to define is (回回 of 回回是什么？)
    defines = definition_of(_defined_terms(q))
    # a length asked (体长是多少) is given by a length (22.4公分), not by a ratio (体高的23倍)
    dimension = q.asks.dimension
    scored: list[Candidate] = []
    for i, (hit, s, _) in enumerate(candidates):
        # What the sentence before says counts for part: "其", "公司", a clause that continues it;
        # in full for a sentence that lists its parts (其中，城市上涨0.3%，农村上涨0.4%).
        prev = _said_before(i, candidates, covered, previous)
        among = _AMONG_LED.match(s.text) is not None
        before_share = 1.0 if among else policy.context_share
        cov = (
            sum(
                w * (1.0 if own else before_share if before else 0.0)
                for own, before, w in zip(covered[i], prev, weights, strict=True)
            )
            / total
        )
        # what the sentence's pronoun stands for, as if it were written out; what a sentence of
        # parts gives the parts of
        named = " ".join(concepts[ci].label for ci in resolved.get(i, ()))
        if among and (k := previous[i]) is not None:
            named += " " + candidates[k][1].text
        if q_bigrams:
            share = policy.bigram_share
            got = _bigrams(s.text) | _bigrams(named)
            cov = (1 - share) * cov + share * len(q_bigrams & got) / len(q_bigrams)
        fit = 0.0
        if q.wants_number and (
            units.gives_dimension(s.text, dimension) if dimension else units.states_amount(s.text)
        ):
            if zh and measures and not figure_of_measure(measures, s.text):
                fit -= policy.metric_penalty  # its figures are of something else
            else:
                fit += policy.number_fit
        if q.wants_date and states_date(s.text):
            # a date, unless every date it writes is of another event (2021年12月才成立 for when
            # a company went public): then it is as far from the answer as a figure of another
            # measure
            fit += policy.date_fit if dates_what_is_asked(q, s.text) else -policy.date_fit
        if q.asks.duration and units.states_duration(s.text):
            fit += policy.date_fit
        if q.asks.origin and states_origin(s.text):
            fit += policy.origin_fit
        if zh and not q.asks.kind and only_defines(s.text):
            fit -= policy.definition_penalty
        if zh and defines is not None and defines.search(s.text):
            fit += policy.definition_fit
        if zh and metric_mismatch(q, s.text):
            fit -= policy.metric_penalty
        off = False
        if q.subjects:
            context = subject_context(hit, s.start, s.end, policy)
            off = bool(subject_missing(q, f"{context} {named}" if named else context))
            if off:
                fit -= policy.subject_penalty
        lexical_dense = (
            cov if dense is None else (1 - dense_share) * cov + dense_share * float(dense[i])
        )
        # a long sentence covers more of any question by its length alone (a list of names)
        overlong = max(0, len(s.text) - policy.long_sentence_chars) / 100
        score = lexical_dense + fit + rank_prior / hit.rank - policy.length_penalty * overlong
        sim = None if sims is None else float(sims[i])
        adjusted = reports_adjusted(s.text)
        scored.append(Candidate(hit, s, cov, sim, fit, score, adjusted, off))
    scored.sort(key=lambda c: -c.score)
    # a best sentence of another year, with no span of time for a how-long question, that cannot
    # say who holds the office asked about, that names the measure asked only as a part of it, or
    # with no date (no name) for a when- (who-) question, gives way to one of the next few of its
    # page that has what is asked (each rule reads the order the one before left)
    for gives_way, reach in (
        (lambda r: year_gives_way(q.years, r), policy.year_reach),
        (lambda r: duration_gives_way(q, r), policy.year_reach),
        (lambda r: office_gives_way(q, r), policy.year_reach),
        (lambda r: current_gives_way(q, r), policy.part_reach),
        (lambda r: part_gives_way(q, r), policy.part_reach),
        (lambda r: date_gives_way(q, r), policy.part_reach),
        (lambda r: who_gives_way(q, r), policy.part_reach),
    ):
        # the first `reach` sentences, each once: overlapping chunks find one sentence twice
        firsts: dict[tuple[str, int], int] = {}
        for j, cand in enumerate(scored):
            if len(firsts) == reach:
                break
            firsts.setdefault((cand.hit.chunk.doc_id, cand.sentence.start), j)
        at = list(firsts.values())
        lead = gives_way([(scored[j].hit.chunk.doc_id, scored[j].sentence.text) for j in at])
        if lead is not None:
            scored.insert(0, scored.pop(at[lead]))
    ranked = tuple(scored)
    if avoids_adjusted(q) and any(not c.adjusted for c in scored):
        # a small model shown both figures copies the wrong one: show the reported one only
        scored = [c for c in scored if not c.adjusted]
    out: list[Evidence] = []
    seen = set()
    # what a sentence that answers the question by a pronoun or demonstrative opens with, when
    # the sentence before it names what the question asks for (who; which thing or where)
    led = (
        _PRONOUN_LED
        if q.asks.person
        else _DEMONSTRATIVE_LED
        if (_asks_which_thing(q) and _ASKS_WHICH.search(q.text))
        or (q.language == "en" and _ASKS_WHICH_EN.search(q.text))
        else None
    )
    for cand in scored:
        hit, s = cand.hit, cand.sentence
        key = (hit.chunk.doc_id, s.start)
        if key in seen:
            continue
        seen.add(key)
        nxt = following.get(key)
        before = preceding.get(key)
        if (
            before is not None
            and (hit.chunk.doc_id, before[1].start) not in seen
            and (
                (
                    led is not None
                    and led.match(s.text)
                    and key not in says_who
                    and not led.match(before[1].text)
                )
                or _AMONG_LED.match(s.text)
            )
        ):
            # A sentence of parts (其中……) is cited with the one whose parts it gives.
            # A who-question answered by a sentence that says 他 (他还描述了蒸馏海水以供饮用的过程):
            # who he is, the sentence before says; cite both as one span. Not where 他 is a name
            # the question gives (Who did 伊克巴勒 criticize?: the answer is whom he criticised).
            hit, before_s = before
            seen.add((hit.chunk.doc_id, before_s.start))
            a, b = before_s.start - hit.chunk.start, s.end - hit.chunk.start
            s = Sentence(before_s.start, s.end, hit.chunk.text[a:b])
        elif is_cell_statement(s.text):
            pass  # a table cell's statement is whole: not the next cell's figure, nor more of it
        elif q.asks.description and nxt is not None:
            # A description goes on past its first sentence (身体呈褐色，有一些小斑点。牠们的臀部
            # 较浅色……): cite the sentences after it, within the policy's length, as one span.
            run: list[tuple[Hit, Sentence]] = []
            while (
                nxt is not None
                and (hit.chunk.doc_id, nxt[1].start) not in seen
                and nxt[1].end - s.start <= policy.description_chars
                and nxt[0].chunk.start <= s.start  # one chunk holds them all
            ):
                run.append((nxt[0], nxt[1]))
                nxt = following.get((hit.chunk.doc_id, nxt[1].start))
            if run:
                seen.update((hit.chunk.doc_id, r.start) for _, r in run)
                hit, end = run[-1][0], run[-1][1]
                a, b = s.start - hit.chunk.start, end.end - hit.chunk.start
                s = Sentence(s.start, end.end, hit.chunk.text[a:b])
        elif (
            nxt is not None
            and (hit.chunk.doc_id, nxt[1].start) not in seen
            and reason_follows(q, s.text, nxt[1].text)
        ):
            # A why-question's sentence that states what is asked (至于……亦有可能……兴建高架桥；)
            # and the reason for it in the next one (原因是若取道开源道……): both, as one span.
            seen.add((hit.chunk.doc_id, nxt[1].start))
            hit = nxt[0]
            a, b = s.start - hit.chunk.start, nxt[1].end - hit.chunk.start
            s = Sentence(s.start, nxt[1].end, hit.chunk.text[a:b])
        elif q.wants_number and nxt is not None and not units.states_amount(s.text):
            # The sentence names what was asked ("累计进行7轮融资。") and the figure follows in the
            # next one ("获...合计投资15.55亿美元"): cite both as one span, from the chunk with both.
            after_hit, after = nxt[0], nxt[1]
            if units.states_amount(after.text) and (hit.chunk.doc_id, after.start) not in seen:
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
                cand.score,
                hit.rank,
                cand.coverage,
                hit.page_at(s.start),
                not subject_missing(q, s.text),
            )
        )
        if len(out) >= policy.max_sentences:
            break
    return Selection(out, scored[0].coverage, scored[0].similarity, ranked)


def select_evidence(
    question: str,
    hits: Sequence[Hit],
    corpus_lang: str = "zh",
    scorer: SentenceScorer | None = None,
) -> tuple[list[Evidence], float]:
    """`select` for a bare question string: the evidence and the best sentence's coverage."""
    q = analyse(question, corpus_lang, "\n".join(h.chunk.text for h in hits))
    sel = select(q, hits, scorer)
    return sel.evidence, sel.coverage
