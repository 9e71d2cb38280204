"""Question to verified, cited answer: standalone question -> retrieval (the index's LangChain
retriever) -> evidence sentences -> refusal check -> engine (LangChain chat model or extractive) ->
citation verification. Batch-first: `ask(q)` is `ask_batch([q])[0]`; `stream` yields tokens then
the finished `Answer`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from corpus.errors import DocqaError
from corpus.footnotes import strip_reference_marks
from corpus.lang import question_lang
from corpus.segment import whole_words
from corpus.sentences import evidence_sentences
from corpus.settings import current
from index.filters import Filters
from index.search import Hit, HybridSearcher
from index.store import Snapshot, load_snapshot
from qa.citations import (
    attach_citations,
    check_claim,
    claim_sentences,
    drop_unsupported,
    implied_claim,
    resolve_citations,
)
from qa.compound import merge_answers, split_question
from qa.conversation import (
    Turn,
    context_subject,
    off_the_topic,
    opens_with_its_verb,
    other_readings,
    plausible_rewrite,
    query_language,
    rewrite_by_rules,
)
from qa.engines import (
    REFUSAL,
    ChatEngine,
    Engine,
    ExtractiveEngine,
    Request,
    answer_lang,
    answered_by,
    make_engine,
    plain,
    postprocess,
    quoted,
)
from qa.evidence import Selection, SentenceScorer, select, subject_context
from qa.glossary import load_glossary
from qa.judge import judge_for
from qa.markers import MARKER, cited_numbers
from qa.model_judge import model_judge_for
from qa.names import (
    original_of,
    with_english_names,
    with_originals,
)
from qa.numbers import with_bound, with_unit, with_year
from qa.policy import (
    ANSWER,
    DROP,
    POLICY,
    QUOTE,
    REFUSE,
    SOURCE,
    TRANSLATE,
    Policy,
    Support,
    curated_subjects_unnamed,
    measure_of_another,
    metric_mismatch,
    names_the_reader_gave,
    reads_as_span,
    reads_with_other_name,
    reads_with_subject,
    source_words_agree,
    span_body,
    span_first_clause,
    span_problem,
    subjects_unnamed,
    without_question_echo,
    wrong_kind_of_figure,
)
from qa.question import Concept, Question, absent_concepts, analyse
from qa.records import Answer, Citation, Evidence
from qa.support import another_subject

MAX_QUESTION_CHARS = 2000
# what separates an English answer from the source's words it gives (`_with_source_words`)
IN_THE_SOURCE = "\n\n> In the source: "
# a citation's problems that say the engine took the wrong part of a sentence that answers
_WRONG_PART = re.compile(
    r"(?:for|other end of) what the question asks about|"
    r"gives that figure (?:elsewhere|for the|for someone else)|"
    r"dates what the question asks about|stated as a whole year|period not in the source"
)
_NAME_PROBLEMS = ("name not in the source: ", "name not in the cited text: ")


class QuestionError(DocqaError, ValueError):
    """An empty or over-long question."""


def check_question(question: str) -> str:
    q = question.strip()
    if not q:
        raise QuestionError("the question is empty")
    if len(q) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(q)} characters; the limit is {MAX_QUESTION_CHARS}"
        )
    return q


@dataclass(frozen=True)
class Draft:
    """An answer on its way from the engine to the user (`QAPipeline.finish`): its text, the
    claim its citations are checked against (a copied span implies one: the question answered),
    its citations, the span when the engine copied one, and how it came to be."""

    text: str
    citations: Sequence[Citation] = ()
    claim: str = ""
    span: str = ""
    overridden: bool = False  # the engine's NOT_FOUND, replaced by the source
    translated: bool = False  # ... by a translation of it
    refused: bool = False
    replaced: bool = False  # the engine's answer replaced after its checks (source, translation)

    @property
    def quotes_source(self) -> bool:
        """The engine's NOT_FOUND replaced by the source sentences themselves, not translated."""
        return self.overridden and not self.translated


@dataclass
class Prepared:
    """One question after the stages before the engine: the standalone query it was searched as,
    its hits, its analysis (`info`), the evidence selected and what it says about answerability,
    and the request the engine gets (which holds the question as asked and the answer's
    language)."""

    query: str
    hits: list[Hit]
    request: Request
    timings: dict[str, float]
    info: Question
    support: Support
    absent: tuple[Concept, ...]  # question concepts no retrieved passage mentions
    selection: Selection
    # the judge's probability that each of the first evidence sentences answers the question
    # (`qa.judge`; empty without a judge), in the order the evidence is now in
    judged: tuple[float, ...] = ()

    @property
    def question(self) -> str:
        """The question as asked."""
        return self.request.question

    @property
    def language(self) -> str:
        """The answer's language (zh | en)."""
        return self.request.language

    @property
    def coverage(self) -> float:
        """How much of the question the best evidence sentence covers."""
        return self.selection.coverage


def _rewrite_body(text: str, rewrite: Callable[[str], str]) -> str:
    """A span answer with its words (the text less its citation markers) rewritten in place,
    its markers kept (`1985[1]` -> `1985年[1]`)."""
    body = MARKER.sub("", text).strip()
    new = rewrite(body)
    return text.replace(body, new, 1) if new != body and body in text else text


def filter_note(answer: Answer, filters: Filters | None) -> Answer:
    """An answer from filtered documents says so: a refusal means "not in these documents"."""
    if filters is None or filters.empty:
        return answer
    return replace(
        answer, notes=(*answer.notes, f"searched only documents with {filters.describe()}")
    )


def _support(info: Question, sel: Selection, passages: str) -> tuple[tuple[Concept, ...], Support]:
    """The question's concepts no passage mentions, and what the selected evidence says about
    whether it can be answered."""
    absent = tuple(absent_concepts(info, passages))
    return absent, Support(
        sel.coverage,
        sel.similarity,
        len(info.concepts),
        len(absent),
        sum(1 for c in absent if c.name),
        sum(1 for c in info.focus if c in absent),
    )


class QAPipeline:
    def __init__(
        self,
        searcher: HybridSearcher,
        engine: Engine,
        k: int = 5,
        notes: Sequence[str] = (),
        dense_evidence: bool | None = None,
        scorer: SentenceScorer | None = None,
        policy: Policy = POLICY,
    ) -> None:
        if k <= 0:
            raise ValueError(f"k must be greater than 0, got {k}")
        self.searcher = searcher
        self.engine = engine
        self.k = k
        self.notes = tuple(notes)
        self.policy = policy
        self.glossary = load_glossary()
        # Dense sentence scoring costs an embedding per sentence (cached per process); the figures
        # in the README were measured with it on. DOCQA_DENSE_EVIDENCE = always (default) | cross
        # (only questions in another language than the documents) | never.
        self.dense_mode: str
        if dense_evidence is None:
            self.dense_mode = current().dense_evidence
        else:
            self.dense_mode = "always" if dense_evidence else "never"
        if self.dense_mode not in ("cross", "always", "never"):
            raise ValueError(
                f"DOCQA_DENSE_EVIDENCE must be cross, always or never, got {self.dense_mode!r}"
            )
        self.scorer = scorer or SentenceScorer(searcher.embedder)
        self.scorer.store = searcher.snapshot.sentences
        self.judge = judge_for(searcher.embedder)
        self.model_judge = model_judge_for(engine)

    @property
    def retriever(self) -> Any:
        """This pipeline's search as a LangChain retriever (`index.langchain.DocqaRetriever`), for
        chains built around docqa; the pipeline itself searches directly, so a question does not
        pay for importing LangChain (about 0.5 s of a fresh `docqa ask`)."""
        from index.langchain import DocqaRetriever

        return DocqaRetriever(searcher=self.searcher, k=self.k)

    def use_searcher(self, searcher: HybridSearcher) -> None:
        """Answer from another snapshot from now on (a question already running keeps its own)."""
        if searcher.embedder is not self.searcher.embedder:
            self.judge = judge_for(searcher.embedder)
        self.searcher = searcher
        self.scorer.store = searcher.snapshot.sentences

    def warm(self, max_sentences: int = 5000) -> int:
        """Embed the index's evidence sentences ahead of the first questions (when dense evidence
        scoring is on and the index is small enough); returns how many were embedded."""
        self.prepare_batch(["What was the revenue?", "收入是多少？"])  # loads dictionaries once
        snap = self.searcher.snapshot
        if (
            self.dense_mode == "never"
            or snap.sentences is not None
            or not isinstance(snap, Snapshot)
        ):
            return 0  # nothing to embed: the index stores its sentence vectors
        sentences: list[str] = []
        for c in snap.chunks:
            sentences.extend(s.text for s in evidence_sentences(c.text, c.start))
            if len(sentences) > max_sentences:
                return 0  # too many to embed ahead; they are embedded as questions need them
        return self.scorer.warm(sentences)

    @classmethod
    def from_index(
        cls, index_dir: Path, engine: str = "auto", k: int = 5, model: str | None = None
    ) -> QAPipeline:
        eng, notes = make_engine(engine, model)
        return cls(HybridSearcher(load_snapshot(index_dir)), eng, k, notes)

    # -- the stages -------------------------------------------------------------------------
    def standalone(self, question: str, history: Sequence[Turn], asked: str | None = None) -> str:
        """The question to search for. A follow-up is rewritten by the rules of
        `qa.conversation`; where they find nothing to carry over (the previous question names no
        subject), by the engine's model when it has one and its rewrite is plausible. On the dev
        follow-ups the rules restored the name left out more often than Qwen2.5 1.5B did. Any
        other question is searched as it is."""
        by_rules, resolved = rewrite_by_rules(question, history)
        if not resolved:  # only a follow-up the rules could not resolve
            try:
                rewritten = self.engine.rewrite(question, history, asked)
            except Exception:  # a model that fails here still gets to answer below
                rewritten = None
            if rewritten and plausible_rewrite(question, history, rewritten):
                return rewritten.strip()
        return by_rules

    def prepare_batch(
        self,
        questions: Sequence[str],
        histories: Sequence[Sequence[Turn]] | None = None,
        filters: Filters | None = None,
    ) -> list[Prepared]:
        histories = histories or [()] * len(questions)
        t0 = time.perf_counter()
        qs = [check_question(q) for q in questions]
        # the language each question was asked in: detected here, once, and passed on
        asked = [question_lang(q) for q in qs]
        queries = [self.standalone(q, h, a) for q, h, a in zip(qs, histories, asked, strict=True)]
        langs = [
            a if query == q else query_language(query, a)
            for q, query, a in zip(qs, queries, asked, strict=True)
        ]
        # a question that names no subject, in a conversation that has one: searched with it too,
        # in the same batch
        carried = {
            i: subject
            for i, (q, h) in enumerate(zip(qs, histories, strict=True))
            if queries[i] == q and (subject := context_subject(q, h))
        }
        with_subject = {i: f"{subject} {queries[i]}" for i, subject in carried.items()}
        # a follow-up whose pronoun the rules resolved: also read with the previous question's
        # other names, searched in the same batch
        others = {
            i: alts
            for i, (q, h) in enumerate(zip(qs, histories, strict=True))
            if queries[i] != q and (alts := other_readings(q, h))
        }
        other_queries = [(i, alt) for i, alts in others.items() for alt in alts]
        searched = self.searcher.search_batch(
            [*queries, *with_subject.values(), *(alt for _, alt in other_queries)],
            self.k,
            filters,
            [
                *langs,
                *(langs[i] for i in carried),
                *(query_language(alt, asked[i]) for i, alt in other_queries),
            ],
        )
        all_hits = searched[: len(queries)]
        carried_hits = dict(
            zip(carried, searched[len(queries) : len(queries) + len(carried)], strict=True)
        )
        other_hits: dict[int, list[tuple[str, list[Hit]]]] = {}
        for (i, alt), found in zip(
            other_queries, searched[len(queries) + len(carried) :], strict=True
        ):
            other_hits.setdefault(i, []).append((alt, found))
        t_retrieve = (time.perf_counter() - t0) / max(1, len(qs))
        out = []
        for i, (q, query, hist, hits) in enumerate(
            zip(qs, queries, histories, all_hits, strict=True)
        ):
            t1 = time.perf_counter()
            lang = answer_lang(asked[i])
            passages = "\n".join(h.chunk.text for h in hits)
            info, sel = self._read(query, asked[i], hits, passages, langs[i])
            if i in carried:
                query, hits, info, sel = self._read_in_conversation(
                    (query, hits, info, sel),
                    (with_subject[i], carried_hits[i]),
                    asked[i],
                    carried[i],
                    hist[-1].question,
                )
                passages = "\n".join(h.chunk.text for h in hits)
            if i in other_hits:
                query, hits, info, sel = self._read_with_other_name(
                    (query, hits, info, sel), other_hits[i], asked[i]
                )
                passages = "\n".join(h.chunk.text for h in hits)
            absent, support = _support(info, sel, passages)
            timings = {"retrieve": t_retrieve, "evidence": time.perf_counter() - t1}
            evidence: tuple[Evidence, ...] = tuple(sel.evidence)
            judged: tuple[float, ...] = ()
            if self.judge is not None and evidence:
                t2 = time.perf_counter()
                evidence, judged = self._judged(query, evidence)
                timings["judge"] = time.perf_counter() - t2
            # the engine is offered NOT_FOUND only where `finish` would honour it
            refusable = sel.coverage < self.policy.override_above(lang)
            req = Request(q, lang, evidence, tuple(hist), refusable)
            out.append(Prepared(query, hits, req, timings, info, support, absent, sel, judged))
        return out

    def _read(
        self, query: str, asked: str, hits: Sequence[Hit], passages: str, language: str
    ) -> tuple[Question, Selection]:
        """The question analysed against the passages, and the evidence selected for it
        (`asked`: the language the question was asked in, detected once by `prepare_batch`)."""
        info = analyse(
            query, self.searcher.corpus_lang, passages, self.searcher.snapshot.terms, language
        )
        return info, select(info, hits, self._scorer_for(asked), self.policy)

    def _read_in_conversation(
        self,
        as_asked: tuple[str, list[Hit], Question, Selection],
        searched_with_subject: tuple[str, list[Hit]],
        asked: str,
        subject: str,
        previous: str,
    ) -> tuple[str, list[Hit], Question, Selection]:
        """A question with no subject of its own, read as asked (query, hits, analysis,
        selection) and as about the conversation's subject (each with its own search); the
        second reading is kept when the policy says so (`reads_with_subject`), and it is then the
        question docqa understood (`previous`: the question before it)."""
        query, hits, info, sel = as_asked
        with_subject, hits_with_subject = searched_with_subject
        passages = "\n".join(h.chunk.text for h in hits_with_subject)
        info2, sel2 = self._read(with_subject, asked, hits_with_subject, passages, info.language)

        def best_chunk(s: Selection, hits: list[Hit]) -> str:
            chunk = s.evidence[0].chunk_id if s.evidence else None
            return next((h.chunk.text for h in hits if h.chunk.id == chunk), "")

        plain, read_so = best_chunk(sel, hits), best_chunk(sel2, hits_with_subject)
        if reads_with_subject(
            subject in plain,
            subject in read_so,
            len(absent_concepts(info, plain)),
            len(absent_concepts(info, read_so)),
            lambda: (
                self._chance(info, sel, "\n".join(h.chunk.text for h in hits), asked),
                self._chance(info2, sel2, passages, asked),
            ),
            opens_with_its_verb(query),
            off_the_topic(plain, previous, query),
        ):
            return with_subject, hits_with_subject, info2, sel2
        return as_asked

    def _read_with_other_name(
        self,
        first: tuple[str, list[Hit], Question, Selection],
        others: Sequence[tuple[str, list[Hit]]],
        asked: str,
    ) -> tuple[str, list[Hit], Question, Selection]:
        """A follow-up read with the name the rules took for its pronoun (query, hits, analysis,
        selection), and with each other name of the previous question (each with its own
        search): another reading is kept when the policy says so (`reads_with_other_name`)."""
        _, hits, info, sel = first
        best = first
        best_chance = first_chance = self._chance(
            info, sel, "\n".join(h.chunk.text for h in hits), asked
        )
        for other, found in others:
            passages = "\n".join(h.chunk.text for h in found)
            info2, sel2 = self._read(other, asked, found, passages, info.language)
            chance = self._chance(info2, sel2, passages, asked)
            if reads_with_other_name(first_chance, chance) and chance[0] > best_chance[0]:
                best, best_chance = (other, found, info2, sel2), chance
        return best

    def _chance(
        self, info: Question, sel: Selection, passages: str, asked: str
    ) -> tuple[float, float]:
        """The refusal model's estimate that a reading of the question can be answered from its
        evidence (`passages`: its hits' texts), and the model's bar."""
        support = _support(info, sel, passages)[1]
        model = self.policy.refusal_model(
            self.searcher.embedder.name, answer_lang(asked), support.similarity is not None
        )
        return model.probability(support), model.threshold

    def _judged(
        self, question: str, evidence: tuple[Evidence, ...]
    ) -> tuple[tuple[Evidence, ...], tuple[float, ...]]:
        """The evidence with the sentences the judge read in the policy's order (renumbered),
        and the judge's probabilities in that order."""
        assert self.judge is not None
        n = self.policy.judge_sentences
        ps = self.judge.judge(question, [e.text for e in evidence[:n]])
        order = self.policy.judge_order(ps)
        ranked = [evidence[i] for i in order] + list(evidence[n:])
        return (
            tuple(replace(e, n=i + 1) for i, e in enumerate(ranked)),
            tuple(ps[i] for i in order),
        )

    def _scorer_for(self, asked: str) -> SentenceScorer | None:
        """The dense sentence scorer where the policy's mode wants it for a question asked in
        `asked` (always, or only across languages)."""
        if self.dense_mode == "always":
            return self.scorer
        crosses = asked != self.searcher.corpus_lang and asked != "mixed"
        return self.scorer if self.dense_mode == "cross" and crosses else None

    def _refuse_early(self, p: Prepared) -> str | None:
        """Why docqa refuses before any engine runs (`Policy.before_engine`), or None."""
        best = p.request.evidence[0] if p.request.evidence else None
        context = self._context(p.hits, best.doc_id, best.start, best.end) if best else ""
        verdict = self.policy.before_engine(
            p.info,
            p.request.evidence,
            p.hits,
            p.absent,
            p.support,
            p.judged,
            self.searcher.embedder.name,
            context,
            p.language,
        )
        if (
            verdict.action == ANSWER
            and self.model_judge is not None
            and self.policy.model_judgement_wanted(p.coverage)
        ):
            t = time.perf_counter()
            yes = self.model_judge.answerable_batch([p.request])[0]
            p.timings["judge"] = p.timings.get("judge", 0.0) + time.perf_counter() - t
            verdict = self.policy.model_refusal(p.language, yes, p.coverage)
        return verdict.reason if verdict.action == REFUSE else None

    def finish(
        self,
        p: Prepared,
        raw: str,
        t_start: float,
        first_token: float | None = None,
        early: str | None = None,
    ) -> Answer:
        """The engine's raw answer made the answer shown, in four stages: read (the engine's
        NOT_FOUND honoured or overridden), cite (citations resolved and checked), decide
        (`Policy.after_engine`: keep, drop, quote, show the source or its translation, or refuse)
        and show. `early`: why docqa refused before the engine ran."""
        timings = dict(p.timings)
        timings["generate"] = time.perf_counter() - t_start
        if first_token is not None:
            timings["first_token"] = first_token
        notes = list(self.notes)
        if early:
            notes.append(f"refused: {early}")
            return self._answer(p, REFUSAL[p.language], True, [], timings, notes)
        names_ok = self._names_ok(p.request.evidence)
        draft = self._read_engine(p, raw, notes)
        if not draft.refused:
            draft = self._decide(p, self._cite(p, draft, names_ok), names_ok, notes)
        if draft.refused:
            return self._answer(p, draft.text, True, [], timings, notes)
        text, short = self._shown(draft)
        if not short:
            t_copy = time.perf_counter()
            text, short = self._with_source_words(p, draft, names_ok, notes)
            elapsed = time.perf_counter() - t_copy
            if elapsed > 0.001:  # the model was asked for them
                timings["copy"] = elapsed
        return self._answer(p, text, False, draft.citations, timings, notes, short)

    def _read_engine(self, p: Prepared, raw: str, notes: list[str]) -> Draft:
        """The engine's text, cleaned; its NOT_FOUND either honoured (a refusal in its words) or,
        where the policy says the evidence answers, replaced by the source: a translation of it
        for an English question where the model can give one, else the sentence itself."""
        text, not_found = postprocess(
            raw, p.language, convert_numbers=self.engine.name != "extractive"
        )
        if not not_found:
            return Draft(text)
        verdict = self.policy.after_engine(
            p.info,
            self.engine.name,
            p.language,
            text,
            (),
            not_found=True,
            coverage=p.coverage,
            focus_absent=p.support.focus_absent,
        )
        if verdict.action == REFUSE:
            notes.append(f"refused: {verdict.reason}")
            return Draft(text, refused=True)
        # the source shown in its place is held to every check an answer is held to
        english = self._english_source(p)
        what = "a translation of the source sentence" if english else "the source sentence"
        notes.append(f"{verdict.reason}; showing {what}")
        return Draft(
            english or ExtractiveEngine().answer(p.request),
            overridden=True,
            translated=bool(english),
        )

    def _cite(self, p: Prepared, draft: Draft, names_ok: Sequence[tuple[str, str]]) -> Draft:
        """The draft's citations resolved to evidence sentences and checked: a copied span as the
        claim it implies (and as the right part of its sentence), any other text as written."""
        text, engine = draft.text, self.engine.name
        if not MARKER.search(text):
            text = attach_citations(text, p.request.evidence, names_ok)
        if p.language == "en" and engine != "extractive":
            text = self._with_originals(text, p.request.evidence, **self._reader_names(p, engine))
        if (
            engine != "extractive"
            and not draft.overridden  # the engine's NOT_FOUND replaced by the source: no span
            and reads_as_span(MARKER.sub("", text), p.language)
        ):
            text, claim, citations = self._checked_span(p, text, names_ok)
            span = text
        else:
            named_in = self._named_in(p)
            if engine != "extractive" and not draft.overridden:
                own = names_the_reader_gave(p.info)
                text = self._cite_best(text, p.request.evidence, names_ok, named_in, own)
            text, citations = resolve_citations(
                text,
                p.request.evidence,
                names_ok,
                self._contexts(p),
                asked=p.query,
                named_in=named_in,
                **self._reader_names(p, engine),
            )
            claim, span = text, ""
            # a quote states only itself: the name its neighbour quote gives (伊克巴勒的七次英语讲座
            # beside 他批判……) is no subject the first one must be about; and the sentence ranked
            # first is what it answers with, however little of the question it covers by words.
            # So also for the source quoted in place of an engine's NOT_FOUND.
            if engine == "extractive" or draft.quotes_source:
                first = {(e.doc_id, e.start) for e in answered_by(p.request.evidence)}
                citations = [
                    self._check_label(p, c.quote, c, chosen=(c.doc_id, c.start) in first)
                    for c in citations
                ]
            else:
                citations = [self._check_label(p, text, c) for c in citations]
        if draft.translated:
            citations = [replace(c, check="translated") for c in citations]
        return replace(draft, text=text, citations=citations, claim=claim, span=span)

    def _decide(
        self, p: Prepared, draft: Draft, names_ok: Sequence[tuple[str, str]], notes: list[str]
    ) -> Draft:
        """What `Policy.after_engine` makes of the checked draft: kept, its unsupported
        statements dropped, only its checked quotes kept, replaced by the source (or by a checked
        translation of it where one passes, else kept), or refused."""
        engine, citations = self.engine.name, draft.citations
        off = (  # the question's curated subjects the cited sentences are not about
            []
            if any(c.verified for c in citations)
            else [
                m for c in citations for m in self._subjects_missing(p, draft.claim, c) if m.curated
            ]
        )
        if off and p.request.evidence:
            # ... and the best-ranked sentence is not about either: where it is, the model cited
            # another sentence (`MiniMax's annual recurring revenue (ARR) was US$79.038 million
            # [3]`, the total revenue), and the source shown is the one that answers
            best = p.request.evidence[0]
            context = self._context(p.hits, best.doc_id, best.start, best.end)
            off = [m for m in off if m in curated_subjects_unnamed(p.info, context)]
        # the source quoted in place of an engine's NOT_FOUND is judged as the quote it is: a
        # context quote that fails is left out (QUOTE), not "dropped from the engine's answer"
        verdict = self.policy.after_engine(
            p.info,
            "extractive" if draft.quotes_source else engine,
            p.language,
            draft.text,
            citations,
            off,
        )
        if verdict.action == REFUSE:
            notes.append(f"refused: {verdict.reason}")
            return Draft(REFUSAL[p.language], refused=True)
        if verdict.action == SOURCE:
            text, citations, what = self._source(self._cited_first(p, citations), names_ok)
            notes.append(f"{verdict.reason}; showing {what} instead")
            return replace(draft, text=text, citations=citations, replaced=True)
        if verdict.action == TRANSLATE:
            translated = self._translated_source(p, names_ok)
            if translated is None:
                notes.append(f"{verdict.reason}; no translation of the source checked out")
                return draft
            notes.append(f"{verdict.reason}; showing a translation of the source sentence instead")
            return replace(draft, text=translated[0], citations=translated[1], replaced=True)
        if verdict.action == DROP:
            kept, dropped = drop_unsupported(draft.text, {c.n for c in citations if c.verified})
            if not dropped:
                return draft
            notes.append(
                f"dropped {dropped} statement(s) of the {engine} answer that the documents do not support"
            )
            text, citations = resolve_citations(
                kept,
                p.request.evidence,
                names_ok,
                self._contexts(p),
                asked=p.query,
                named_in=self._named_in(p),
                **self._reader_names(p, engine),
            )
            citations = [self._check_label(p, text, c) for c in citations]
            return replace(draft, text=text, citations=citations)
        if verdict.action == QUOTE:
            # the quote added for context does not check out: quote only what does
            ok = {(c.doc_id, c.start) for c in citations if c.verified}
            evidence = tuple(e for e in p.request.evidence if (e.doc_id, e.start) in ok)
            text, citations = self._extractive(replace(p.request, evidence=evidence), names_ok)
            return replace(draft, text=text, citations=citations, replaced=True)
        return draft

    @staticmethod
    def _reader_names(p: Prepared, engine: str) -> dict[str, Any]:
        """What `resolve_citations` lets a generative answer repeat of the question's own names,
        and where (`qa.policy.names_the_reader_gave`)."""
        if engine == "extractive":
            return {}
        chosen = frozenset(e.n for e in answered_by(p.request.evidence))
        return {"own_names": names_the_reader_gave(p.info), "chosen": chosen}

    @staticmethod
    def _cited_first(p: Prepared, citations: Sequence[Citation]) -> Prepared:
        """`p` with the one sentence the engine cited put first, where its answer took the wrong
        part of it (another figure of its list, a whole year where it gives a half): the source
        shown instead is then the sentence that answers, not the best-ranked one (the demo's
        `MiniMax 2024年的收入是多少？`: the model cited 收入分别为346万美元、3052.3万美元…… and
        copied 2023's figure; the best-ranked sentence gave the top five customers' revenue)."""
        if len({(c.doc_id, c.start) for c in citations}) != 1:
            return p
        c = citations[0]
        if not c.problems or not all(_WRONG_PART.search(x) for x in c.problems):
            return p
        evidence = p.request.evidence
        at = next(
            (i for i, e in enumerate(evidence) if (e.doc_id, e.start) == (c.doc_id, c.start)), 0
        )
        if at == 0:
            return p
        moved = (evidence[at], *evidence[:at], *evidence[at + 1 :])
        return replace(p, request=replace(p.request, evidence=moved))

    @staticmethod
    def _shown(draft: Draft) -> tuple[str, str]:
        """The text shown and the short answer: a verified copied span is followed by the
        sentence it was copied from (the answer, and why), where the span is much shorter."""
        backing = [c for c in draft.citations if c.verified]
        if not (draft.span and draft.text == draft.span and backing):
            return draft.text, ""
        short = MARKER.sub("", draft.text).strip()
        quote = strip_reference_marks(backing[0].quote)
        if len(short) < 0.8 * len(quote):
            return f"{draft.text}\n\n> {quote}", short
        return draft.text, short

    def _with_source_words(
        self, p: Prepared, draft: Draft, names_ok: Sequence[tuple[str, str]], notes: list[str]
    ) -> tuple[str, str]:
        """A verified English answer of the model's, then the words of its source sentence that
        it gives as its answer (`...is passenger traffic[1]`, then `> In the source: 客流量`;
        `ChatEngine.source_words`, a cut word made whole, a bare figure given its unit), where
        they say what the answer says (`qa.policy.source_words_agree`): the exact passage for a
        reader of Chinese, and the answer's `short` field. (text, short); the answer unchanged
        where there are none (with a note where the model failed: the answer stands without
        them). `DOCQA_ANSWER_STYLE=sentence` asks for none."""
        if (
            p.language != "en"
            or not isinstance(self.engine, ChatEngine)
            or self.engine.style != "short"
            or draft.overridden
            or draft.replaced
        ):
            return draft.text, ""
        backing = [c for c in draft.citations if c.verified]
        evidence = {(e.doc_id, e.start): e for e in p.request.evidence}
        e = evidence.get((backing[0].doc_id, backing[0].start)) if backing else None
        if e is None:
            return draft.text, ""
        try:
            span = self.engine.source_words(p.request.question, draft.text, plain(e))
        except Exception as exc:  # noqa: BLE001 - an extra the answer stands without
            notes.append(f"the source's words for the answer were not found ({exc})")
            return draft.text, ""
        if not span:
            return draft.text, ""
        span = whole_words(span, plain(e))
        span = MARKER.sub("", self._with_unit(f"{span}[{e.n}]", [e])).strip()
        answer = MARKER.sub("", draft.text)
        if not source_words_agree(span, answer, names_ok, question=p.request.question):
            return draft.text, ""
        return f"{draft.text}{IN_THE_SOURCE}{span}", span

    def _answer(
        self,
        p: Prepared,
        text: str,
        refused: bool,
        citations: Sequence[Citation],
        timings: dict[str, float],
        notes: Sequence[str],
        short: str = "",
    ) -> Answer:
        timings["total"] = sum(
            v
            for k, v in timings.items()
            if k in ("retrieve", "evidence", "judge", "generate", "copy")
        )
        return Answer(
            p.question,
            p.language,
            text,
            refused,
            self.engine.name,
            tuple(citations),
            tuple(p.hits),
            p.query,
            p.coverage,
            timings,
            tuple(notes),
            short,
        )

    def _checked_span(
        self, p: Prepared, text: str, names_ok: Sequence[tuple[str, str]]
    ) -> tuple[str, str, list[Citation]]:
        """A copied span (`1985[1]`): cited where it was copied from, its unit given back, and
        checked as the claim it implies (the question answered); (text, claim, citations)."""
        evidence = p.request.evidence
        text = self._with_unit(self._cite_copy(self._without_echo(p, text), evidence), evidence)
        # a span's own full stop would end the claim in the middle: the rest would go unchecked
        body = span_body(MARKER.sub("", text))
        claim = implied_claim(p.query, body) + "".join(
            f"[{n}]" for n in dict.fromkeys(cited_numbers(text))
        )
        # the question's names may be in the sentence's context only (他, 该公司)
        named_in = self._named_in(p)
        shown, _ = resolve_citations(text, evidence, names_ok, named_in=named_in)
        _, citations = resolve_citations(
            claim, evidence, names_ok, self._contexts(p), p.query, named_in
        )
        citations = [self._span_names_only(c, body) for c in citations]
        citations = [self._check_label(p, claim, c, span=True) for c in citations]
        return shown, claim, [self._check_span(p, body, c) for c in citations]

    @staticmethod
    def _span_names_only(c: Citation, span: str) -> Citation:
        """The names of a span answer's implied claim that come from the question are the user's,
        not the engine's: whether the sentence is about them is the subject checks' job
        (`_check_label`), which read the text before it and the title. Only the span's own names
        must be in the cited sentence (`城市` of 最大的城市是哪个 is no name to find there)."""
        kept = tuple(
            x
            for x in c.problems
            if not (x.startswith(_NAME_PROBLEMS) and x.split(": ", 1)[1] not in span)
        )
        return replace(c, verified=not kept, problems=kept) if kept != c.problems else c

    @staticmethod
    def _check_span(p: Prepared, span: str, c: Citation) -> Citation:
        """A span answer's citation is unverified when the span is the wrong part of the sentence."""
        why = span_problem(p.info, span, c.quote) if c.verified else None
        return replace(c, verified=False, problems=(*c.problems, why)) if why else c

    @staticmethod
    def _without_echo(p: Prepared, text: str) -> str:
        """A span less the words that only repeat the question (`津巴布韦的政治家[1]` for
        哪个国家的政治家？ -> `津巴布韦[1]`; `policy.without_question_echo`), and less a further
        clause that only goes on about its first (`policy.span_first_clause`)."""
        return _rewrite_body(
            text,
            lambda body: span_first_clause(
                p.query, p.info.asks.description, without_question_echo(p.query, body)
            ),
        )

    @staticmethod
    def _cite_copy(text: str, evidence: Sequence[Evidence]) -> str:
        """A span copied from one evidence sentence but cited to another (the model miscounted:
        `玛丽·麦特琳[2]` copied from [1]) cites the sentence it was copied from."""
        body = re.sub(r"\s+", "", MARKER.sub("", text))
        by_n = {e.n: re.sub(r"\s+", "", plain(e)) for e in evidence}
        cited = [n for n in cited_numbers(text) if n in by_n]
        if not body or any(body in by_n[n] for n in cited):
            return text
        source = next((n for n, sentence in by_n.items() if body in sentence), None)
        return f"{MARKER.sub('', text).strip()}[{source}]" if source is not None else text

    @staticmethod
    def _cite_best(
        text: str,
        evidence: Sequence[Evidence],
        names_ok: Sequence[tuple[str, str]],
        named_in: Mapping[int, str],
        own_names: Sequence[str] = (),
    ) -> str:
        """A one-sentence answer cited to a sentence that lacks its figures or names, which the
        best-ranked evidence sentence states (the model miscounted: `...sequenced in 1986 [2]`, the
        year in [1]), cites that one. Only the best sentence: that another one states a figure
        the answer invented is no sign the answer came from it (IPCC's `2015 report` beside an
        unrelated 2015). The question's own Latin names (`own_names`) stand there as they do in
        `resolve_citations` for the sentence docqa answers with: `Marlee Matlin translated the
        national anthem into ASL [2]` moves to the [1] that writes 玛丽·麦特琳 and ASL."""
        if not evidence or len(claim_sentences(text)) != 1:
            return text
        best = evidence[0]
        by_n = {e.n: e.text for e in evidence}
        cited = [n for n in cited_numbers(text) if n in by_n]
        body = MARKER.sub("", text).strip()
        if (
            not cited
            or best.n in cited
            or not check_claim(
                body,
                [by_n[n] for n in cited],
                names_ok,
                named="\n".join(named_in.get(n, "") for n in cited),
            )
            or check_claim(
                body, [best.text], names_ok, named=named_in.get(best.n, ""), own_names=own_names
            )
        ):
            return text
        body = body.rstrip(" ,，;；")  # what joined the markers taken out (`[3], [4]`)
        end = len(body.rstrip(".。!！?？"))
        return f"{body[:end]}[{best.n}]{body[end:]}"

    @staticmethod
    def _with_unit(text: str, evidence: Sequence[Evidence]) -> str:
        """A span answer's bare figure given its unit from the evidence (`1985[1]` -> `1985年[1]`),
        a bare month its year (`12月[1]` -> `2021年12月[1]`), and a figure the word that bounds it
        (`6亿个视频[1]` -> `超6亿个视频[1]`)."""
        cited = set(cited_numbers(text))  # the unit its own sentence gives, first
        sources = [plain(e) for e in sorted(evidence, key=lambda e: e.n not in cited)]
        return _rewrite_body(
            text, lambda body: with_bound(with_year(with_unit(body, sources), sources), sources)
        )

    def _english_source(self, p: Prepared) -> str | None:
        """For an English question with a generative engine: the source sentence(s) the
        extractive answer would quote, translated by the engine's model, labelled and cited
        (`... [1] (translated from the source)`); None when there is no model, or the translation
        fails its fidelity checks (numbers by value, glossary names, years in their clauses)."""
        if p.language != "en" or not isinstance(self.engine, ChatEngine) or not p.request.evidence:
            return None
        from qa.translate import Translator

        picked = quoted(p.request.evidence)
        source = "".join(plain(e) for e in picked)
        try:
            t = Translator(self.engine.chat_model, self.engine.name, self.glossary).translate(
                source, "en"
            )
        except Exception:  # noqa: BLE001 - a failed translation falls back to the quote
            return None
        # A glossary term worded differently ("Hong Kong stock market" for 港股), or a name left in
        # Chinese, is no reason to show a whole Chinese sentence to an English reader: numbers,
        # years, length and every word (no `Black豹's`) must pass, and the translation is verified
        # against the source like any answer afterwards.
        serious = [
            x
            for x in t.fidelity.problems
            if not x.startswith(("glossary name not followed", "Chinese left untranslated"))
        ]
        if serious or not t.text.strip():
            return None
        marks = "".join(f"[{e.n}]" for e in picked)
        engine = self.engine

        def pair_by(names: Sequence[str]) -> dict[str, str]:
            # the model's own reading of the names it rendered by meaning or knowledge (Broncos:
            # 野马队), where no sound pairs them; a failure leaves them unpaired
            try:
                return engine.source_names(names, t.text, source)
            except Exception:  # noqa: BLE001 - unpaired: the Chinese quote is shown instead
                return {}

        english = self._with_originals(
            t.text.strip() + marks,
            picked,
            pair_by=pair_by,
            **self._reader_names(p, self.engine.name),
        )
        label = (
            "(translated from the source)" if len(picked) == 1 else "(translated from the sources)"
        )
        return f"{english} {label}"

    def _source(
        self, p: Prepared, names_ok: Sequence[tuple[str, str]]
    ) -> tuple[str, list[Citation], str]:
        """What to show when the engine's own answer cannot be: a verified translation of the
        source sentence for an English question with a model, else the source sentence itself."""
        translated = self._translated_source(p, names_ok)
        if translated:
            return translated[0], translated[1], "a translation of the source sentence"
        text, citations = self._extractive(p.request, names_ok)
        return text, citations, "the source sentence"

    def _translated_source(
        self, p: Prepared, names_ok: Sequence[tuple[str, str]]
    ) -> tuple[str, list[Citation]] | None:
        """The source sentence translated for an English question, verified, or None. Held to
        what the quote it translates is held to, plus its own fidelity checks: its numbers and
        names must be in the source. The label checks (metric, subject, weak citation) judge
        whether a model cited the right sentence; here the sentence is the one the quote would
        show, so they would only swap English for the same Chinese."""
        english = self._english_source(p)
        if not english:
            return None
        text, citations = resolve_citations(
            english,
            p.request.evidence,
            names_ok,
            named_in=self._named_in(p),
            **self._reader_names(p, self.engine.name),
        )
        if not citations or not all(c.verified for c in citations):
            return None
        return text, [replace(c, check="translated") for c in citations]

    @staticmethod
    def _extractive(
        req: Request, names_ok: Sequence[tuple[str, str]]
    ) -> tuple[str, list[Citation]]:
        """The source's own sentence(s) as the answer: its quotes are the cited spans."""
        return resolve_citations(ExtractiveEngine().answer(req), req.evidence, names_ok)

    def _check_label(
        self, p: Prepared, answer: str, c: Citation, span: bool = False, chosen: bool = False
    ) -> Citation:
        """Numbers can match while the label does not: the cited sentence must report the metric
        asked about, the reported figure unless the adjusted one was asked for, and address the
        question about as well as the best evidence does.

        For a copied span (`answer` is then the claim it implies) the subjects checked are the
        question's names the glossary has or the documents give in both scripts, not the words
        jieba guessed (诺和 of 弗雷斯诺和加州), and a sentence covering less of the question than
        the best one is no problem: the answer is often in the sentence after the one that
        restates the question. On 60 dev questions (XQuAD zh, CMRC) those two checks replaced 9
        spans by their source, 8 of them right or nearly (span F1 >= 0.67: 亚马逊雨林, 行政、军队和监察)
        and one wrong (1950-1960年代 for 20世纪初). Nor for the sentence the ranking `chosen`
        (an extractive answer's first quote): it answers, and only a quote beside it is checked."""
        if not c.verified:
            return c
        # A subject the answer names must be what its cited sentence is about (智谱's revenue is
        # not verified by MiniMax's revenue sentence, whatever the numbers).
        missing = [m for m in self._subjects_missing(p, answer, c) if m.curated or not span]
        if missing:
            labels = ", ".join(m.label for m in missing)
            problems = [f"the cited sentence is not about {labels}"]
            return replace(c, verified=False, problems=c.problems + tuple(problems))
        if self.searcher.corpus_lang != "zh":
            return c
        problems = []
        if metric_mismatch(p.info, c.quote):
            problems.append("the cited sentence does not report the figure asked about")
        if other := another_subject(p.info.named, c.quote):
            problems.append(f"the cited sentence is about {other}")
        if whose := measure_of_another(p.info, c.quote, "the cited sentence"):
            problems.append(whose)
        if wrong_kind_of_figure(p.info, c.quote, answer):
            problems.append("the cited sentence gives the adjusted figure, not the reported one")
        ev = next(
            (e for e in p.request.evidence if e.doc_id == c.doc_id and e.start == c.start), None
        )
        best = max((e.coverage for e in p.request.evidence), default=0.0)
        weak = ev is not None and ev.coverage < self.policy.weak_below(p.language) * best
        if weak and not span and not chosen:
            problems.append("the cited sentence covers little of the question")
        return replace(c, verified=False, problems=c.problems + tuple(problems)) if problems else c

    def _subjects_missing(self, p: Prepared, answer: str, c: Citation) -> list[Concept]:
        """The question's subjects the answer names that the cited sentence, the text just before
        it and its document's title never name."""
        context = self._context(p.hits, c.doc_id, c.start, c.end)
        if not context:
            return []
        said = [s for s in p.info.subjects if any(f.lower() in answer.lower() for f in s.forms)]
        # Dewar, given with its original (James Dewar (詹姆斯·杜瓦)), is what a context naming
        # 詹姆斯·杜瓦 is about; a Latin name the context writes in Chinese is named
        # (`qa.policy.subjects_unnamed`: ABC for 美国广播公司, Garden for 花园)
        return [
            m
            for m in subjects_unnamed(p.info, context)
            if m in said
            and not any((o := original_of(answer, f)) and o in context for f in m.forms)
        ]

    def _name_pairs(self, evidence: Sequence[Evidence]) -> list[tuple[str, str]]:
        """(Chinese, English) names an answer may use for what the evidence writes in Chinese:
        the shipped glossary's and the library's own (parallel mentions, pinyin of person names)."""
        lib = self.searcher.snapshot.terms
        return [pair for e in evidence for pair in self.glossary.in_text(e.text)] + [
            pair for e in evidence for pair in lib.in_chinese_text(e.text)
        ]

    def _names_ok(self, evidence: Sequence[Evidence]) -> list[tuple[str, str]]:
        return self._name_pairs(evidence)

    def _with_originals(
        self,
        text: str,
        evidence: Sequence[Evidence],
        own_names: Sequence[str] = (),
        chosen: Collection[int] = (),
        pair_by: Callable[[Sequence[str]], dict[str, str]] | None = None,
    ) -> str:
        """An English answer with the cited text's own form after each name the model rendered
        that the text does not support (`James Dewar (詹姆斯·杜瓦)`), when they pair up
        (`qa.names.with_originals`), and the English form before each known name it left in
        Chinese (`Zhang Yuanyuan (张元元)`, `qa.names.with_english_names`); else the answer
        unchanged, for verification to judge. The question's own names (`own_names`), in an
        answer citing only the sentences `chosen`, are given one where they pair up and need
        none where not (`resolve_citations` lets them stand)."""
        wanted = set(cited_numbers(text))
        cited = [e for e in evidence if e.n in wanted]
        if not cited:
            return text
        source = "".join(e.text for e in cited)
        pairs = self._name_pairs(cited)
        own = own_names if wanted <= set(chosen) else ()
        return with_english_names(with_originals(text, source, pairs, own, pair_by) or text, pairs)

    def _named_in(self, p: Prepared) -> dict[int, str]:
        """By evidence number, where the sentence's document names what it speaks of: its title,
        the text before the sentence, and the document's opening sentence (a page that opens
        `丁俊晖的家庭` is about 丁俊晖 in its last sentence too). A glossary or library name
        (闫俊杰 = Yan Junjie) stands for a cited sentence only where it or these write it."""
        out = {}
        for e in p.request.evidence:
            hit = self._hit_at(p.hits, e.doc_id, e.start, e.end)
            if hit is not None:
                out[e.n] = f"{subject_context(hit, e.start, e.end, self.policy)}\n{hit.opening}"
            else:
                out[e.n] = e.title or ""
        return out

    @staticmethod
    def _hit_at(hits: Sequence[Hit], doc_id: str, start: int, end: int) -> Hit | None:
        """The first hit whose chunk holds document offsets `start`..`end`, or None."""
        return next(
            (
                h
                for h in hits
                if h.chunk.doc_id == doc_id and h.chunk.start <= start and end <= h.chunk.end
            ),
            None,
        )

    def _contexts(self, p: Prepared) -> dict[int, str]:
        """Each evidence sentence's context (`_context`) by its number: where a claim citing it
        may read what the sentence continues (a year the question gives and the text before
        writes, 其 / 该公司, a unit), as `benchmarks/claims.py` measures the checks."""
        return {e.n: self._context(p.hits, e.doc_id, e.start, e.end) for e in p.request.evidence}

    def _context(self, hits: Sequence[Hit], doc_id: str, start: int, end: int) -> str:
        """A cited span with what just precedes it in its chunk, and its document's title."""
        h = self._hit_at(hits, doc_id, start, end)
        return subject_context(h, start, end, self.policy) if h is not None else ""

    # -- public API -------------------------------------------------------------------------
    def ask_batch(
        self,
        questions: Sequence[str],
        histories: Sequence[Sequence[Turn]] | None = None,
        filters: Filters | None = None,
    ) -> list[Answer]:
        """Answers in order. A question with several asks is answered part by part (each cited)
        and the parts joined (`qa.compound`). `filters`: answer from those documents only."""
        histories = histories or [()] * len(questions)
        splits = [split_question(check_question(q)) for q in questions]
        flat_q = [part for parts in splits for part in parts]
        flat_h = [h for parts, h in zip(splits, histories, strict=True) for _ in parts]
        flat = []
        for p in self.prepare_batch(flat_q, flat_h, filters):
            early = self._refuse_early(p)  # its model judgement timed as "judge"
            t = time.perf_counter()
            raw = "NOT_FOUND" if early else self.engine.answer(p.request)
            flat.append(self.finish(p, raw, t, early=early))
        answers, i = [], 0
        for q, parts in zip(questions, splits, strict=True):
            got = flat[i : i + len(parts)]
            i += len(parts)
            answers.append(got[0] if len(parts) == 1 else merge_answers(q.strip(), parts, got))
        return [filter_note(a, filters) for a in answers]

    def ask(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Answer:
        return self.ask_batch([question], [history], filters)[0]

    def stream(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        """Yields answer text as it is generated (str), then the verified `Answer`."""
        if len(split_question(check_question(question))) > 1:
            answer = self.ask(question, history, filters)  # several asks: part by part
            yield answer.text
            yield answer
            return
        p = self.prepare_batch([question], [history], filters)[0]
        why = self._refuse_early(p)  # its model judgement timed as "judge"
        t = time.perf_counter()
        if why:
            yield filter_note(self.finish(p, "NOT_FOUND", t, early=why), filters)
            return
        parts: list[str] = []
        first: float | None = None
        for piece in self.engine.stream(p.request):
            if first is None:
                first = time.perf_counter() - t
            parts.append(piece)
            yield piece
        yield filter_note(self.finish(p, "".join(parts), t, first), filters)
