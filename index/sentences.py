"""Evidence-sentence vectors, computed once at ingest and stored with the snapshot, so answering
never embeds document text: only the question is embedded at ask time.

    SNAPSHOT/sentences.jsonl          one sentence text per line (a JSON string), row i
    SNAPSHOT/sentence_vectors.npy     float16 (n, dim), memory-mapped when loaded

The sentences are those `corpus.sentences.evidence_sentences` gives for each chunk; they are
looked up by text (the same sentence in two chunks, an overlap, is stored once). An index built
before this existed has no store, and one ingest adds vectors only for the chunks it writes: any
sentence missing here is embedded at ask time, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from corpus.records import Chunk
from corpus.sentences import evidence_sentences

TEXTS = "sentences.jsonl"
VECTORS = "sentence_vectors.npy"


class SentenceVectors:
    """Sentence text -> vector, for one snapshot."""

    def __init__(self, texts: list[str], vectors: np.ndarray) -> None:
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} sentences but {len(vectors)} vectors")
        self.texts = texts
        self.vectors = vectors  # float16; a memory map when loaded from disk
        self.row = {t: i for i, t in enumerate(texts)}

    def __len__(self) -> int:
        return len(self.texts)

    def __contains__(self, text: object) -> bool:
        return text in self.row

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors (float32) of those `texts` that are stored."""
        rows = [(t, self.row[t]) for t in dict.fromkeys(texts) if t in self.row]
        if not rows:
            return {}
        block = np.asarray(self.vectors[[r for _, r in rows]], dtype=np.float32)
        return {t: block[i] for i, (t, _) in enumerate(rows)}

    def save(self, folder: Path) -> None:
        with (folder / TEXTS).open("w", encoding="utf-8") as f:
            for t in self.texts:
                f.write(json.dumps(t, ensure_ascii=False) + "\n")
        np.save(folder / VECTORS, np.asarray(self.vectors, dtype=np.float16))

    @classmethod
    def load(cls, folder: Path) -> SentenceVectors:
        with (folder / TEXTS).open(encoding="utf-8") as f:
            texts = [json.loads(line) for line in f]
        return cls(texts, np.load(folder / VECTORS, mmap_mode="r"))

    @classmethod
    def empty(cls, dim: int) -> SentenceVectors:
        return cls([], np.zeros((0, dim), np.float16))


def chunk_sentences(chunks: Iterable[Chunk]) -> list[str]:
    """The distinct evidence sentences of `chunks`, in order."""
    out: dict[str, None] = {}
    for c in chunks:
        for s in evidence_sentences(c.text, c.start):
            out.setdefault(s.text, None)
    return list(out)


def assemble(
    texts: Sequence[str], fresh: dict[str, np.ndarray], *stores: SentenceVectors | None
) -> SentenceVectors:
    """A store for `texts`, taking each vector from `fresh` or the first store that has it; a
    sentence that none has is left out (it is embedded at ask time)."""
    dim = next(
        (v.shape[0] for v in fresh.values()),
        next((s.vectors.shape[1] for s in stores if s is not None and len(s)), 0),
    )
    kept: list[str] = []
    rows: list[np.ndarray] = []
    missing = [t for t in texts if t not in fresh]
    found: dict[str, np.ndarray] = {}
    for store in stores:
        if store is None or not missing:
            continue
        got = store.get(missing)
        found.update(got)
        missing = [t for t in missing if t not in got]
    for t in texts:
        v = fresh.get(t)
        if v is None:
            v = found.get(t)
        if v is not None:
            kept.append(t)
            rows.append(np.asarray(v, dtype=np.float16))
    vectors = np.vstack(rows) if rows else np.zeros((0, dim), np.float16)
    return SentenceVectors(kept, vectors)


def embed_sentences(
    encode: Callable[[list[str]], np.ndarray], texts: Sequence[str], batch: int = 64
) -> dict[str, np.ndarray]:
    """Embed sentences as passages, with a progress bar (sentences/s and time left) on long runs."""
    if not texts:
        return {}
    from tqdm import tqdm

    out: dict[str, np.ndarray] = {}
    # Similar lengths batch together: less padding, same vectors.
    order = sorted(texts, key=len)
    with tqdm(
        total=len(order), desc="evidence sentences", unit="sent", disable=len(order) < 256
    ) as bar:
        for i in range(0, len(order), batch):
            part = order[i : i + batch]
            for t, v in zip(part, encode(part), strict=True):
                out[t] = v
            bar.update(len(part))
    return out
