"""Evidence-sentence vectors are computed once at ingest and stored with the index; answering
embeds only the question."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from corpus.sentences import evidence_sentences
from index.embedders import HashEmbedder
from index.ingest import ingest
from index.search import HybridSearcher
from index.store import build_snapshot, load_snapshot, remove_documents, write_snapshot
from qa.engines import ExtractiveEngine
from qa.pipeline import QAPipeline

FAKE = "hash:64"
QUESTIONS = [
    "MiniMax 2025年全年总收入是多少？",
    "智谱什么时候在港股上市？",
    "What was MiniMax's gross profit in 2025?",
]


class CountingEmbedder(HashEmbedder):
    """The real hash embedder, counting the passages and queries it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(64)
        self.passages: list[str] = []
        self.queries: list[str] = []

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passages.extend(texts)
        return super().encode_passages(texts)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.queries.extend(texts)
        return super().encode_queries(texts)


def _all_sentences(snap) -> set[str]:  # type: ignore[no-untyped-def]
    return {s.text for c in snap.chunks for s in evidence_sentences(c.text, c.start)}


def test_ingest_stores_every_evidence_sentence(tmp_path: Path, corpus_dir: Path) -> None:
    idx = tmp_path / "idx"
    report = ingest([corpus_dir], idx, FAKE)
    snap = load_snapshot(idx)
    assert snap.sentences is not None
    assert set(snap.sentences.texts) == _all_sentences(snap)
    assert report.sentences_embedded == len(snap.sentences) > 100
    assert snap.manifest["sentences"] == {"count": len(snap.sentences), "dtype": "float16"}
    some = snap.sentences.texts[:5]
    want = HashEmbedder(64).encode_passages(some)
    got = snap.sentences.get(some)
    assert np.allclose(np.vstack([got[t] for t in some]), want, atol=1e-2)


def test_answering_embeds_only_the_question(tmp_path: Path, corpus_dir: Path) -> None:
    idx = tmp_path / "idx"
    ingest([corpus_dir], idx, FAKE)
    emb = CountingEmbedder()
    pipe = QAPipeline(HybridSearcher(load_snapshot(idx), emb), ExtractiveEngine())
    assert pipe.warm() == 0
    answers = pipe.ask_batch(QUESTIONS)
    assert len(answers) == len(QUESTIONS)
    assert emb.passages == []  # no document text embedded at ask time
    assert set(QUESTIONS) <= set(emb.queries)


def test_incremental_ingest_embeds_only_new_sentences_and_remove_prunes(
    tmp_path: Path, corpus_dir: Path
) -> None:
    idx = tmp_path / "idx"
    first = sorted(corpus_dir.iterdir())
    ingest([first[0]], idx, FAKE)
    one = set(load_snapshot(idx).sentences.texts)  # type: ignore[union-attr]
    report = ingest([corpus_dir], idx, FAKE)
    snap = load_snapshot(idx)
    assert snap.sentences is not None and set(snap.sentences.texts) == _all_sentences(snap)
    assert report.sentences_embedded == len(set(snap.sentences.texts) - one)
    assert ingest([corpus_dir], idx, FAKE).sentences_embedded == 0
    remove_documents(idx, [str(first[0])])
    after = load_snapshot(idx)
    assert after.sentences is not None and set(after.sentences.texts) == _all_sentences(after)
    assert len(after.sentences) < len(snap.sentences)


def test_an_index_without_stored_sentences_gives_the_same_answers(
    tmp_path: Path, corpus_dir: Path
) -> None:
    idx = tmp_path / "idx"
    ingest([corpus_dir], idx, FAKE)
    snap = load_snapshot(idx)
    stored = QAPipeline(HybridSearcher(snap, HashEmbedder(64)), ExtractiveEngine())
    with_store = [a.text for a in stored.ask_batch(QUESTIONS)]
    old = build_snapshot(
        snap.docs, snap.chunks, snap.vectors, FAKE, 64, snap_cfg(snap), snap.dense.kind, None
    )
    write_snapshot(old, idx)  # as an index written before sentence vectors were stored
    reloaded = load_snapshot(idx)
    assert reloaded.sentences is None and "sentences" not in reloaded.manifest
    emb = CountingEmbedder()
    pipe = QAPipeline(HybridSearcher(reloaded, emb), ExtractiveEngine())
    assert [a.text for a in pipe.ask_batch(QUESTIONS)] == with_store
    assert emb.passages  # embedded on the fly, as before
    ingest([corpus_dir], idx, FAKE)  # nothing changed: the store stays absent, no error
    assert load_snapshot(idx).sentences is None


def snap_cfg(snap):  # type: ignore[no-untyped-def]
    from corpus.chunking import ChunkingConfig

    return ChunkingConfig(**snap.manifest["chunking"])
