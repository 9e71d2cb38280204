"""Hybrid search: dense (FAISS) and keyword (BM25) candidates, fused by score with weights that
depend on the question's language.

Why language-aware: BM25 over jieba tokens is excellent when question and text share a language
(XQuAD zh->zh R@1 0.93) and nearly useless across languages (en->zh R@1 0.07), so a naive fusion
drags cross-lingual questions down (RRF: e5's en->zh R@1 0.72 -> 0.52). For an English question
over Chinese text, the keyword side instead searches CC-CEDICT translations of the question's
words plus the terms that cross languages unchanged (numbers, Latin names such as MiniMax, M2.5),
which alone lifts BM25 en->zh R@1 from 0.07 to 0.43, and it gets a lower weight.

Why scores, not ranks: on XQuAD, a convex combination of min-max normalized scores over the union
of both candidate lists beat reciprocal-rank fusion for every language pair (benchmarks/retrieval.py
prints both). Every candidate gets both scores: cosine from the stored vectors, BM25 from the full
score vector, so nothing is missing from either side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from corpus.lang import detect_lang
from corpus.mentions import LibraryTerms
from corpus.records import Chunk
from index.backend import Library
from index.bilingual import translate_terms
from index.embedders import Embedder, make_embedder
from index.filters import Filters
from index.keyword import is_cross_lingual, terms, word_terms
from index.store import DocEntry

RRF_K = 60


@dataclass(frozen=True)
class FusionWeights:
    """`dense` is the share of the normalized dense score; the keyword score gets the rest."""

    dense: float = 0.7
    method: str = "score"  # score | rrf


# Measured on XQuAD with benchmarks/retrieval.py (see README).
DEFAULT_WEIGHTS: dict[str, FusionWeights] = {
    "same": FusionWeights(dense=0.6),
    "cross": FusionWeights(dense=0.8),
}


@lru_cache(maxsize=4096)
def _opening(head: str) -> str:
    """A document's first sentence, from its first 300 characters (`head`: only those are kept
    by the cache, not whole documents a reloaded library no longer holds)."""
    from corpus.sentences import split_sentences

    first = split_sentences(head)
    return first[0].text if first else ""


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    rank: int
    title: str | None
    path: str | None
    date: str | None = None
    publisher: str | None = None
    dense_rank: int | None = None
    keyword_rank: int | None = None
    # paged formats: (offset, page) where each page of the chunk begins, first at its start
    pages: tuple[tuple[int, int], ...] = ()
    # table cell statements in the chunk, `[start, end)` in the document (corpus.tables)
    cells: tuple[tuple[int, int], ...] = ()
    # the document's first sentence (where a page names what it is about), for every chunk of it
    opening: str = ""

    def in_cell(self, start: int, end: int) -> bool:
        """Whether `[start, end)` is (within) one table cell's statement: a sentence that names
        its table, row and column itself, and owes nothing to the text before it."""
        # a sentence keeps the separator after the statement (`；`, `; `): up to 2 characters
        return any(a <= start and end <= b + 2 for a, b in self.cells)

    @property
    def page(self) -> int | None:
        """The page the chunk starts on (None for formats without pages)."""
        return self.pages[0][1] if self.pages else None

    def page_at(self, offset: int) -> int | None:
        """The page of a character of the chunk (a cited sentence's start)."""
        page = None
        for start, p in self.pages:
            if start <= offset:
                page = p
        return page if page is not None else self.page

    def to_json(self) -> dict[str, Any]:
        """The `docqa search --json` hit shape."""
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "chunk_id": self.chunk.id,
            "doc_id": self.chunk.doc_id,
            "title": self.title,
            "source": self.path,
            "publisher": self.publisher,
            "date": self.date,
            "text": self.chunk.text,
            "start": self.chunk.start,
            "end": self.chunk.end,
            "page": self.page,
            **({"page_end": self.pages[-1][1]} if len(self.pages) > 1 else {}),
            "dense_rank": self.dense_rank,
            "keyword_rank": self.keyword_rank,
        }


MAX_K = 50  # the most passages one search returns (CLI and API alike)


@dataclass
class SearchConfig:
    mode: str = "hybrid"  # hybrid | dense | keyword
    candidates: int = 50
    weights: dict[str, FusionWeights] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))


class _Vocabulary(Protocol):
    def has_term(self, term: str) -> bool: ...


def query_terms(
    query: str,
    query_lang: str,
    corpus_lang: str,
    vocab: _Vocabulary,
    library_terms: LibraryTerms | None = None,
) -> list[str]:
    """BM25 terms for a query: all of them within a language; across languages, the terms that
    cross unchanged, the library's own names (`Zhang Wei` -> 张伟, from its documents) and
    dictionary translations of the English words, as far as the index has them."""
    if not _crosses(query_lang, corpus_lang):
        return terms(query)
    out = [t for t in word_terms(query) if is_cross_lingual(t) and vocab.has_term(t)]
    for zh, _ in library_terms.in_english_text(query) if library_terms else ():
        out.extend(t for t in word_terms(zh) if vocab.has_term(t) and not t.isascii())
    if corpus_lang == "zh":
        for group in translate_terms(query, stopword_phrases=True, apart=True):
            out.extend(
                tok
                for cand in group
                for tok in word_terms(cand)
                if vocab.has_term(tok) and not tok.isascii()
            )
    return out


def _crosses(query_lang: str, corpus_lang: str) -> bool:
    return query_lang != corpus_lang and "mixed" not in (query_lang, corpus_lang)


def _keyword_side(
    lib: Library, ids: list[str], qterms: list[str], top: dict[str, float]
) -> np.ndarray | None:
    """BM25 scores of the candidates: exact where the library gives them all; otherwise the
    keyword top-k's own scores (remote engines), 0 for candidates outside it."""
    exact = lib.keyword_scores(ids, qterms)
    if exact is not None:
        return exact
    if not top:
        return None
    return np.array([top.get(i, 0.0) for i in ids])


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def fuse(
    rows: np.ndarray, dense: np.ndarray | None, keyword: np.ndarray | None, weights: FusionWeights
) -> list[tuple[int, float]]:
    """Fuse per-candidate scores (aligned with `rows`): (row, score), best first."""
    if dense is None and keyword is None:
        return []
    parts = [(dense, weights.dense), (keyword, 1 - weights.dense)]
    present = [(scores, w) for scores, w in parts if scores is not None]
    total = np.zeros(len(rows))
    for scores, w in present:
        share = w if len(present) == 2 else 1.0
        if weights.method == "rrf":
            ranks = np.argsort(np.argsort(-scores)) + 1
            total += share / (RRF_K + ranks)
        else:
            total += share * _minmax(scores)
    order = np.argsort(-total, kind="stable")
    return [(int(rows[i]), float(total[i])) for i in order]


class HybridSearcher:
    """Search one index snapshot. Batch-first: `search(q)` is `search_batch([q])[0]`."""

    def __init__(
        self,
        snapshot: Library,
        embedder: Embedder | None = None,
        config: SearchConfig | None = None,
    ) -> None:
        self.snapshot = snapshot  # any index.backend.Library (the name predates the seam)
        self.embedder = embedder or make_embedder(snapshot.embedder_name)
        self.config = config or SearchConfig()
        langs = [e.doc.lang for e in snapshot.docs]
        self.corpus_lang = max(set(langs), key=langs.count) if langs else "zh"

    def search(self, query: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        return self.search_batch([query], k, filters)[0]

    def search_batch(
        self,
        queries: Sequence[str],
        k: int = 5,
        filters: Filters | None = None,
        languages: Sequence[str] | None = None,
    ) -> list[list[Hit]]:
        """Hits per query; with `filters`, only from the documents that pass them (searched
        inside that set, so k still come back when it has k chunks). `languages`: each query's
        language where the caller knows it (else detected from its text)."""
        if not 1 <= k <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
        doc_ids = filters.doc_ids(self.snapshot.docs) if filters is not None else None
        if doc_ids is not None and not doc_ids:
            return [[] for _ in queries]
        vectors = None
        if self.config.mode in ("hybrid", "dense") and self.snapshot.n_chunks:
            vectors = self.embedder.encode_queries(list(queries))
        return self.search_with_vectors(queries, vectors, k, doc_ids, languages)

    def search_with_vectors(
        self,
        queries: Sequence[str],
        vectors: np.ndarray | None,
        k: int,
        doc_ids: frozenset[str] | None = None,
        languages: Sequence[str] | None = None,
    ) -> list[list[Hit]]:
        """The search proper, given the query vectors (benchmarks reuse cached ones) and the
        documents a filter allows (None: all)."""
        lib = self.snapshot
        n_cand = max(self.config.candidates, k)
        mode = self.config.mode
        use_dense = vectors is not None and mode in ("hybrid", "dense") and lib.n_chunks > 0
        dense_all = (
            lib.dense_top(vectors, n_cand, doc_ids)
            if use_dense and vectors is not None
            else [[] for _ in queries]
        )
        out: list[list[Hit]] = []
        for qi, (q, dense_hits) in enumerate(zip(queries, dense_all, strict=True)):
            qlang = languages[qi] if languages else detect_lang(q)
            qterms: list[str] | None = None
            kw_top: list[tuple[str, float]] = []
            if mode in ("hybrid", "keyword"):
                qterms = (
                    terms(q)
                    if mode == "keyword"
                    else query_terms(q, qlang, self.corpus_lang, lib, lib.terms)
                )
                kw_top = lib.keyword_top(qterms, n_cand, doc_ids)
            d_rank = {cid: r for r, (cid, _) in enumerate(dense_hits, 1)}
            k_rank = {cid: r for r, (cid, _) in enumerate(kw_top, 1)}
            ids = list(dict.fromkeys([*d_rank, *k_rank]))
            if not ids:
                out.append([])
                continue
            dense_scores = (
                lib.dense_scores(ids, vectors[qi]) if use_dense and vectors is not None else None
            )
            keyword_scores = (
                _keyword_side(lib, ids, qterms, dict(kw_top))
                if qterms is not None and mode != "dense"
                else None
            )
            weights = self.config.weights["cross" if _crosses(qlang, self.corpus_lang) else "same"]
            rows = np.arange(len(ids))
            fused = fuse(rows, dense_scores, keyword_scores, weights)[:k]
            out.append(
                [
                    self._hit(ids[row], sc, i, d_rank.get(ids[row]), k_rank.get(ids[row]))
                    for i, (row, sc) in enumerate(fused, 1)
                ]
            )
        return out

    def _hit(self, chunk_id: str, score: float, rank: int, dr: int | None, kr: int | None) -> Hit:
        chunk = self.snapshot.chunk(chunk_id)
        assert chunk is not None, chunk_id
        entry: DocEntry | None = self.snapshot.doc(chunk.doc_id)
        doc = entry.doc if entry else None
        return Hit(
            chunk,
            score,
            rank,
            doc.title if doc else None,
            doc.path if doc else None,
            doc.date if doc else None,
            doc.source if doc else None,
            dr,
            kr,
            doc.page_breaks(chunk.start, chunk.end) if doc else (),
            doc.cell_spans(chunk.start, chunk.end) if doc else (),
            _opening(doc.text[:300]) if doc else "",
        )
