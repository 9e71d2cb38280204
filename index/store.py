"""An index on disk: a folder of plain files plus `manifest.json`, replaced atomically.

    DIR/current -> snapshots/<stamp>      (a symlink, swapped with one atomic rename)
    DIR/snapshots/<stamp>/manifest.json   format version, embedder, chunking, documents, counts
                          documents.jsonl cleaned documents (text, paragraph spans, metadata)
                          chunks.jsonl    chunks with offsets
                          vectors.npy     float32 (n_chunks, dim), row i = chunk i
                          dense.faiss     FAISS index over the vectors
                          bm25/           bm25s index over jieba terms

A crash while writing a new snapshot leaves `current` pointing at the previous one. Readers that
opened the old snapshot keep reading it; it is deleted only at the next successful write.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from corpus.chunking import ChunkingConfig, chunk_document
from corpus.errors import CorpusError
from corpus.readers import expand_paths, read_document
from corpus.records import Chunk, Document, Span
from index.dense import DenseStore
from index.embedders import Embedder, make_embedder
from index.keyword import KeywordStore
from index.model_store import docqa_home, sha256_file

FORMAT_VERSION = 1


class IndexError_(RuntimeError):
    """A problem with an index folder (missing, wrong embedder, unreadable)."""


def default_index_dir() -> Path:
    return Path(os.environ.get("DOCQA_INDEX", docqa_home() / "index"))


@dataclass(frozen=True)
class DocEntry:
    """A document in the index: the cleaned document plus where it came from."""

    doc: Document
    file_sha256: str
    n_chunks: int
    ingested_at: str

    def to_json(self) -> dict[str, Any]:
        d = self.doc.to_json()
        d.pop("paragraphs")
        d["paragraph_spans"] = [[p.start, p.end] for p in self.doc.paragraphs]
        return {
            **d,
            "file_sha256": self.file_sha256,
            "n_chunks": self.n_chunks,
            "ingested_at": self.ingested_at,
        }

    def summary(self) -> dict[str, Any]:
        """The `docqa docs --json` row: metadata without the text."""
        return {
            "id": self.doc.id,
            "title": self.doc.title,
            "date": self.doc.date,
            "publisher": self.doc.source,
            "source": self.doc.path,
            "chunks": self.n_chunks,
            "chars": len(self.doc.text),
            "ingested_at": self.ingested_at,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DocEntry:
        doc = Document(
            id=d["id"],
            text=d["text"],
            paragraphs=tuple(Span(a, b) for a, b in d["paragraph_spans"]),
            title=d.get("title"),
            date=d.get("date"),
            source=d.get("source"),
            author=d.get("author"),
            path=d.get("path"),
            format=d.get("format", "txt"),
            encoding=d.get("encoding"),
            lang=d.get("lang", "zh"),
        )
        return cls(doc, d["file_sha256"], d["n_chunks"], d["ingested_at"])


@dataclass
class Snapshot:
    """Everything of one index version, in memory."""

    manifest: dict[str, Any]
    docs: list[DocEntry]
    chunks: list[Chunk]
    vectors: np.ndarray
    dense: DenseStore
    keyword: KeywordStore
    path: Path | None = None
    _doc_by_id: dict[str, DocEntry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._doc_by_id = {e.doc.id: e for e in self.docs}

    def doc(self, doc_id: str) -> DocEntry | None:
        return self._doc_by_id.get(doc_id)

    @property
    def embedder_name(self) -> str:
        return str(self.manifest["embedder"]["name"])


def _chunk_text_for_embedding(chunk: Chunk, doc: Document) -> str:
    return f"{doc.title}\n{chunk.text}" if doc.title else chunk.text


def build_snapshot(
    entries: list[DocEntry],
    chunks: list[Chunk],
    vectors: np.ndarray,
    embedder_name: str,
    dim: int,
    chunking: ChunkingConfig,
    dense_kind: str = "auto",
) -> Snapshot:
    """Build the stores for a snapshot. Takes the embedder's name and dimension, not the embedder,
    so rebuilding after a removal never loads a model."""
    by_doc = {e.doc.id: e.doc for e in entries}
    keyword = KeywordStore.build([_keyword_text(c, by_doc[c.doc_id]) for c in chunks])
    dense = DenseStore.build(vectors.reshape(len(chunks), dim), dense_kind)
    manifest = {
        "format_version": FORMAT_VERSION,
        "embedder": {"name": embedder_name, "dim": dim},
        "chunking": {"max_chars": chunking.max_chars, "overlap": chunking.overlap},
        "embed_title": True,
        "dense": {"kind": dense.kind},
        "documents": [
            {
                "id": e.doc.id,
                "path": e.doc.path,
                "file_sha256": e.file_sha256,
                "content_sha": e.doc.id,
                "title": e.doc.title,
                "chunks": e.n_chunks,
            }
            for e in entries
        ],
        "counts": {"documents": len(entries), "chunks": len(chunks)},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    return Snapshot(manifest, entries, chunks, vectors, dense, keyword)


def _keyword_text(chunk: Chunk, doc: Document) -> str:
    return f"{doc.title or ''}\n{chunk.text}"


def write_snapshot(snap: Snapshot, index_dir: Path) -> Path:
    """Write to a fresh folder, then point `current` at it with one atomic rename."""
    snaps = index_dir / "snapshots"
    snaps.mkdir(parents=True, exist_ok=True)
    stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = snaps / f".tmp-{stamp}"
    tmp.mkdir()
    with (tmp / "documents.jsonl").open("w", encoding="utf-8") as f:
        for e in snap.docs:
            f.write(json.dumps(e.to_json(), ensure_ascii=False) + "\n")
    with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as f:
        for c in snap.chunks:
            f.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
    np.save(tmp / "vectors.npy", snap.vectors.astype(np.float32))
    snap.dense.save(tmp / "dense.faiss")
    if snap.chunks:
        snap.keyword.save(tmp / "bm25")
    (tmp / "manifest.json").write_text(
        json.dumps(snap.manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    final = snaps / stamp
    os.replace(tmp, final)
    link_tmp = index_dir / f".current-{stamp}"
    os.symlink(Path("snapshots") / stamp, link_tmp)
    os.replace(link_tmp, index_dir / "current")
    for old in snaps.iterdir():
        if old.name != stamp:
            shutil.rmtree(old, ignore_errors=True)
    snap.path = final
    return final


def index_exists(index_dir: Path) -> bool:
    return (index_dir / "current" / "manifest.json").is_file()


def load_snapshot(index_dir: Path, expect_embedder: str | None = None) -> Snapshot:
    cur = index_dir / "current"
    if not (cur / "manifest.json").is_file():
        raise IndexError_(f"no index at {index_dir}; run: docqa ingest PATH --index {index_dir}")
    manifest = json.loads((cur / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexError_(
            f"index at {index_dir} has format {manifest.get('format_version')}, this docqa reads {FORMAT_VERSION}; re-ingest it"
        )
    name = manifest["embedder"]["name"]
    if expect_embedder and expect_embedder != name:
        raise IndexError_(
            f"index at {index_dir} was built with embedder '{name}', not '{expect_embedder}'; use --embedder {name} or a new --index folder"
        )
    real = cur.resolve()
    docs = [
        DocEntry.from_json(json.loads(line))
        for line in (real / "documents.jsonl").open(encoding="utf-8")
    ]
    chunks = [Chunk(**json.loads(line)) for line in (real / "chunks.jsonl").open(encoding="utf-8")]
    vectors = np.load(real / "vectors.npy")
    dense = DenseStore.load(real / "dense.faiss", manifest["dense"]["kind"])
    keyword = KeywordStore.load(real / "bm25") if chunks else KeywordStore.build([])
    return Snapshot(manifest, docs, chunks, vectors, dense, keyword, path=real)


@dataclass(frozen=True)
class IngestReport:
    new: list[str]
    updated: list[str]
    unchanged: list[str]
    failed: list[tuple[str, str]]
    duplicates: list[tuple[str, str]]  # (path, path of the document with the same content)
    chunks_embedded: int
    chunks_total: int
    documents_total: int
    seconds: float
    written: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "duplicates": [{"path": p, "same_as": o} for p, o in self.duplicates],
            "chunks_embedded": self.chunks_embedded,
            "chunks_total": self.chunks_total,
            "documents_total": self.documents_total,
            "seconds": round(self.seconds, 3),
        }


def ingest(
    paths: Iterable[str | Path],
    index_dir: Path,
    embedder_name: str | None = None,
    chunking: ChunkingConfig | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    dense_kind: str = "auto",
) -> IngestReport:
    """Add or update files in the index. Unchanged files embed nothing; a changed file replaces its
    old chunks. Nothing is written when nothing changed."""
    from index.embedders import default_embedder_name

    t0 = time.perf_counter()
    old = load_snapshot(index_dir) if index_exists(index_dir) else None
    if old is not None:
        name = old.embedder_name
        if embedder_name and embedder_name != name:
            raise IndexError_(
                f"index at {index_dir} uses embedder '{name}'; it cannot take '{embedder_name}' (use a new --index folder)"
            )
        cfg = ChunkingConfig(**old.manifest["chunking"])
    else:
        name = embedder_name or default_embedder_name()
        cfg = chunking or ChunkingConfig()
    embedder = make_embedder(name)
    entries = {e.doc.path: e for e in old.docs} if old else {}
    old_vecs = {c.id: old.vectors[i] for i, c in enumerate(old.chunks)} if old else {}
    old_chunks_by_doc: dict[str, list[Chunk]] = {}
    for c in old.chunks if old else []:
        old_chunks_by_doc.setdefault(c.doc_id, []).append(c)
    new: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    failed: list[tuple[str, str]] = []
    duplicates: list[tuple[str, str]] = []
    files = expand_paths(paths)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    fresh: dict[str, list[Chunk]] = {}
    for i, p in enumerate(files):
        key = str(Path(p).resolve())
        if progress:
            progress(i, len(files), str(p))
        try:
            if not Path(p).is_file():
                raise CorpusError(str(p), "no such file")
            digest = sha256_file(Path(p))
            prev = entries.get(key)
            if prev is not None and prev.file_sha256 == digest:
                unchanged.append(str(p))
                continue
            doc = read_document(p)
        except (CorpusError, OSError) as exc:
            failed.append((str(p), str(exc) if isinstance(exc, CorpusError) else f"{p}: {exc}"))
            continue
        same = next((e for k, e in entries.items() if k != key and e.doc.id == doc.id), None)
        if same is not None:
            duplicates.append((str(p), same.doc.path or ""))
            continue
        doc = replace(doc, path=key)
        chunks = chunk_document(doc, cfg)
        (updated if prev is not None else new).append(str(p))
        entries[key] = DocEntry(doc, digest, len(chunks), stamp)
        fresh[doc.id] = chunks
    if progress:
        progress(len(files), len(files), "")

    def report(embedded: int, total: int, n_docs: int, written: bool) -> IngestReport:
        return IngestReport(
            new,
            updated,
            unchanged,
            failed,
            duplicates,
            embedded,
            total,
            n_docs,
            time.perf_counter() - t0,
            written,
        )

    if not new and not updated:
        return report(0, len(old.chunks) if old else 0, len(entries), False)
    ordered = list(entries.values())
    all_chunks: list[Chunk] = []
    for e in ordered:
        all_chunks.extend(fresh.get(e.doc.id) or old_chunks_by_doc.get(e.doc.id, []))
    to_embed = [c for c in all_chunks if c.id not in old_vecs]
    docs_by_id = {e.doc.id: e.doc for e in ordered}
    new_vecs = embed_chunks(embedder, to_embed, docs_by_id)
    lookup = dict(old_vecs)
    lookup.update({c.id: v for c, v in zip(to_embed, new_vecs, strict=True)})
    vectors = (
        np.vstack([lookup[c.id] for c in all_chunks])
        if all_chunks
        else np.zeros((0, embedder.dim), np.float32)
    )
    snap = build_snapshot(
        ordered, all_chunks, vectors, embedder.name, embedder.dim, cfg, dense_kind
    )
    write_snapshot(snap, index_dir)
    return report(len(to_embed), len(all_chunks), len(ordered), True)


def build_demo_index(
    index_dir: Path, progress: Callable[[int, int, str], None] | None = None
) -> IngestReport | None:
    """The first use with no index builds one from the shipped demo corpus; None if one exists."""
    from corpus.demo import demo_paths

    if index_exists(index_dir):
        return None
    return ingest(demo_paths(), index_dir, progress=progress)


def embed_chunks(
    embedder: Embedder, chunks: list[Chunk], docs: dict[str, Document], batch: int = 64
) -> np.ndarray:
    texts = [_chunk_text_for_embedding(c, docs[c.doc_id]) for c in chunks]
    if not texts:
        return np.zeros((0, embedder.dim), np.float32)
    from tqdm import tqdm

    parts = []
    with tqdm(
        total=len(texts), desc="embedding", unit="chunk", disable=len(texts) < 64, file=None
    ) as bar:
        for i in range(0, len(texts), batch):
            parts.append(embedder.encode_passages(texts[i : i + batch]))
            bar.update(min(batch, len(texts) - i))
    return np.vstack(parts)


def remove_documents(index_dir: Path, selectors: Iterable[str]) -> list[DocEntry]:
    """Remove documents (by id, id prefix or path) everywhere; returns what was removed."""
    snap = load_snapshot(index_dir)
    sel = list(selectors)
    gone = [e for e in snap.docs if any(matches_selector(e, s) for s in sel)]
    missing = [s for s in sel if not any(matches_selector(e, s) for e in snap.docs)]
    if missing:
        raise IndexError_(f"no document matches {', '.join(missing)}; see: docqa docs")
    ids = {e.doc.id for e in gone}
    keep = [e for e in snap.docs if e.doc.id not in ids]
    rows = [i for i, c in enumerate(snap.chunks) if c.doc_id not in ids]
    cfg = ChunkingConfig(**snap.manifest["chunking"])
    emb = snap.manifest["embedder"]
    new = build_snapshot(
        keep,
        [snap.chunks[i] for i in rows],
        snap.vectors[rows],
        emb["name"],
        int(emb["dim"]),
        cfg,
        snap.dense.kind,
    )
    write_snapshot(new, index_dir)
    return gone


def matches_selector(entry: DocEntry, selector: str) -> bool:
    """A document selector: an id or id prefix (4+ chars), a path, a file name or its prefix (3+)."""
    if len(selector) >= 4 and entry.doc.id.startswith(selector):
        return True
    path = entry.doc.path or ""
    name = Path(path).name
    return (
        path == selector
        or path == str(Path(selector).resolve())
        or name == selector
        or (len(selector) >= 3 and name.startswith(selector))
    )
