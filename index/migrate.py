"""Copy a library between backends (local folder <-> Milvus, or Milvus <-> Milvus), vectors
included: nothing is embedded again. The destination library must not exist or be empty."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.chunking import ChunkingConfig
from corpus.records import Chunk
from index.backend import DEFAULT_LIBRARY, is_milvus, local_library_dir
from index.errors import IndexError_, NotFoundError
from index.store import DocEntry, _keyword_text


@dataclass(frozen=True)
class MigrateReport:
    documents: int
    chunks: int
    sentences: int
    embedder: str

    def to_json(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "chunks": self.chunks,
            "sentences": self.sentences,
            "embedder": self.embedder,
        }


@dataclass(frozen=True)
class _Library:
    manifest: dict
    docs: list[DocEntry]
    chunks: list[Chunk]
    vectors: np.ndarray
    sentences: dict[str, np.ndarray]


def _read(address: str, library: str) -> _Library:
    if is_milvus(address):
        from index.milvus import MilvusLibrary, dump

        lib = MilvusLibrary(address, library)
        if not lib.exists():
            raise NotFoundError(f"no library {library!r} at {address}")
        chunks, vectors, sentences = dump(lib)
        return _Library(lib.manifest, lib.docs, chunks, vectors, sentences)
    from index.store import index_state, load_snapshot

    folder = local_library_dir(address, library)
    if index_state(folder) == "missing":
        raise NotFoundError(f"no library {library!r} at {address}")
    snap = load_snapshot(folder)
    sents = snap.sentences
    vecs = (
        {}
        if sents is None
        else dict(zip(sents.texts, np.asarray(sents.vectors, np.float32), strict=True))
    )
    return _Library(snap.manifest, snap.docs, snap.chunks, np.asarray(snap.vectors), vecs)


def _write(src: _Library, address: str, library: str) -> None:
    name = str(src.manifest["embedder"]["name"])
    dim = int(src.manifest["embedder"]["dim"])
    chunking = {k: int(v) for k, v in src.manifest["chunking"].items()}
    if is_milvus(address):
        from index.milvus import MilvusLibrary

        lib = MilvusLibrary(address, library)
        if lib.exists() and lib.docs:
            raise IndexError_(
                f"library {library!r} at {address} is not empty; migrate into a new one"
            )
        lib.create(name, dim, chunking)
        by_doc: dict[str, list[int]] = {}
        for i, c in enumerate(src.chunks):
            by_doc.setdefault(c.doc_id, []).append(i)
        sentences = dict(src.sentences)
        for start in range(0, len(src.docs), 100):
            entries = src.docs[start : start + 100]
            rows = [i for e in entries for i in by_doc.get(e.doc.id, [])]
            chunks = [src.chunks[i] for i in rows]
            docs = {e.doc.id: e.doc for e in entries}
            lib.write(
                entries,
                chunks,
                src.vectors[rows] if rows else np.zeros((0, dim), np.float32),
                [_keyword_text(c, docs[c.doc_id]) for c in chunks],
                sentences,
            )
            sentences = {}  # written with the first batch
        return
    from index.lock import writer_lock
    from index.sentences import SentenceVectors
    from index.store import build_snapshot, index_state, write_snapshot

    folder = Path(local_library_dir(address, library))
    with writer_lock(folder, "migrate"):
        if index_state(folder) != "missing":
            raise IndexError_(f"library {library!r} at {address} exists; migrate into a new one")
        texts = list(src.sentences)
        sent = SentenceVectors(
            texts,
            np.vstack([src.sentences[t] for t in texts]).astype(np.float16)
            if texts
            else np.zeros((0, dim), np.float16),
        )
        snap = build_snapshot(
            src.docs, src.chunks, src.vectors, name, dim, ChunkingConfig(**chunking), "auto", sent
        )
        write_snapshot(snap, folder)


def migrate(
    src: str, dst: str, library: str = DEFAULT_LIBRARY, to_library: str | None = None
) -> MigrateReport:
    """Copy library `library` of index `src` to library `to_library` (default: the same name) of
    index `dst`, with its vectors."""
    lib = _read(src, library)
    _write(lib, dst, to_library or library)
    return MigrateReport(
        len(lib.docs), len(lib.chunks), len(lib.sentences), str(lib.manifest["embedder"]["name"])
    )
