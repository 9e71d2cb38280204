"""An index on disk: a folder of plain files plus `manifest.json`, replaced atomically.

    DIR/current -> snapshots/<stamp>      (a symlink, swapped with one atomic rename)
    DIR/snapshots/<stamp>/manifest.json   format version, embedder, chunking, documents, counts
                          documents.jsonl cleaned documents (text, paragraph spans, metadata)
                          chunks.jsonl    chunks with offsets
                          vectors.npy     float32 (n_chunks, dim), row i = chunk i
                          dense.faiss     FAISS index over the vectors
                          bm25/           bm25s index over jieba terms
                          sentences.jsonl, sentence_vectors.npy   evidence-sentence vectors
                                          (index.sentences), so answering embeds only the question

    DIR/.writer.lock                      flock: one writer at a time, across processes

A crash while writing a new snapshot leaves `current` pointing at the previous one. Writers take
the lock and apply their change to the latest snapshot, so two writers never lose each other's
documents. The previous snapshot is kept beside the current one (readers that opened it keep
reading it, and `docqa repair` can go back to it); older ones are deleted at the next write.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from corpus.chunking import ChunkingConfig
from corpus.mentions import LibraryTerms
from corpus.records import Chunk, Document, Span
from corpus.settings import current
from corpus.tables import Table
from index.bilingual import plausible_pair
from index.dense import DenseStore
from index.errors import AmbiguousSelectorError, IndexDamagedError, IndexError_, NotFoundError
from index.keyword import KeywordStore
from index.lock import writer_lock
from index.sentences import SentenceVectors, chunk_sentences

FORMAT_VERSION = 1


def default_index_dir() -> Path:
    return Path(current().index)


@dataclass(frozen=True)
class DocEntry:
    """A document in the index: the cleaned document plus where it came from."""

    doc: Document
    file_sha256: str
    n_chunks: int
    ingested_at: str
    name: str | None = None  # the file name to show (an upload's original name), if not the path's
    # (Chinese, English) names the document gives in both scripts or implies (pinyin of person
    # names), found at ingest (corpus.mentions): the library's own glossary
    terms: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        d = self.doc.to_json()
        d.pop("paragraphs")
        d["paragraph_spans"] = [[p.start, p.end] for p in self.doc.paragraphs]
        return {
            **d,
            "file_sha256": self.file_sha256,
            "n_chunks": self.n_chunks,
            "ingested_at": self.ingested_at,
            **({"name": self.name} if self.name else {}),
            **({"terms": [list(t) for t in self.terms]} if self.terms else {}),
        }

    def summary(self) -> dict[str, Any]:
        """The `docqa docs --json` row: metadata without the text."""
        return {
            "id": self.doc.id,
            "title": self.doc.title,
            "date": self.doc.date,
            "publisher": self.doc.source,
            "source": self.doc.path,
            "file": self.name or Path(self.doc.path or "").name,
            "format": self.doc.format,
            "pages": max(self.doc.pages) if self.doc.pages else None,
            "tables": len(self.doc.tables),
            **({"ocr_pages": len(self.doc.ocr)} if self.doc.ocr else {}),
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
            pages=tuple(d.get("pages", ())),
            tables=tuple(Table.from_json(t) for t in d.get("tables", ())),
            ocr=tuple((int(p), float(c)) for p, c in d.get("ocr", ())),
        )
        terms = tuple((zh, en) for zh, en in d.get("terms", ()))
        return cls(doc, d["file_sha256"], d["n_chunks"], d["ingested_at"], d.get("name"), terms)


class LibraryReads:
    """What every library (index.backend.Library) derives the same way from its manifest and
    documents."""

    manifest: dict[str, Any]
    docs: list[DocEntry]

    @property
    def embedder_name(self) -> str:
        return str(self.manifest["embedder"]["name"])

    @cached_property
    def terms(self) -> LibraryTerms:
        """The library's glossary: every document's (Chinese, English) names, once each; not
        the pairs of a common word and an acronym of a longer term that indexes built before
        `plausible_pair` was checked at ingest still hold (公司 (Alvis)), judged as lookups meet
        them (a fresh `docqa ask` loads no dictionary for it)."""
        return LibraryTerms((t for e in self.docs for t in e.terms), accept=plausible_pair)


@dataclass
class Snapshot(LibraryReads):
    """Everything of one index version, in memory."""

    manifest: dict[str, Any]
    docs: list[DocEntry]
    chunks: list[Chunk]
    vectors: np.ndarray
    dense: DenseStore
    keyword: KeywordStore
    path: Path | None = None
    sentences: SentenceVectors | None = None  # None: an index from before they were stored
    _doc_by_id: dict[str, DocEntry] = field(default_factory=dict)
    # (terms, BM25 score of every chunk) of the last keyword query, reused by its fusion
    _kw_cache: tuple[tuple[str, ...], np.ndarray | None] | None = field(default=None, repr=False)
    # (documents, their chunk rows) of the last filtered search
    _filter_rows: tuple[frozenset[str], np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._doc_by_id = {e.doc.id: e for e in self.docs}

    def doc(self, doc_id: str) -> DocEntry | None:
        return self._doc_by_id.get(doc_id)

    # The index.backend.Library surface: id-keyed reads and both search sides.

    @cached_property
    def _row(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.chunks)}

    @property
    def n_chunks(self) -> int:
        return len(self.chunks)

    def chunk(self, chunk_id: str) -> Chunk | None:
        row = self._row.get(chunk_id)
        return None if row is None else self.chunks[row]

    def has_term(self, term: str) -> bool:
        return term in self.keyword.vocab

    def _rows_of(self, doc_ids: frozenset[str]) -> np.ndarray:
        """The chunk rows of some documents (the last filter's, kept for its next query)."""
        cached = self._filter_rows
        if cached is not None and cached[0] == doc_ids:
            return cached[1]
        rows = np.array([i for i, c in enumerate(self.chunks) if c.doc_id in doc_ids], np.int64)
        self._filter_rows = (doc_ids, rows)
        return rows

    def dense_top(
        self, vectors: np.ndarray, k: int, doc_ids: frozenset[str] | None = None
    ) -> list[list[tuple[str, float]]]:
        if doc_ids is None:
            return [
                [(self.chunks[row].id, score) for row, score in hits]
                for hits in self.dense.search(vectors, k)
            ]
        # a filter: exact cosines over the chosen documents' chunks, so k still come back
        rows = self._rows_of(doc_ids)
        if not len(rows):
            return [[] for _ in range(len(vectors))]
        sims = np.asarray(vectors, np.float32) @ self.vectors[rows].T
        out = []
        for q in sims:
            top = np.argpartition(-q, min(k, len(q)) - 1)[:k]
            top = top[np.argsort(-q[top])]
            out.append([(self.chunks[int(rows[j])].id, float(q[j])) for j in top])
        return out

    def _keyword_all(self, terms: tuple[str, ...]) -> np.ndarray | None:
        """The BM25 score of every chunk for `terms` (the last query's, kept for its fusion)."""
        cached = self._kw_cache
        if cached is not None and cached[0] == terms:
            return cached[1]
        scores = self.keyword.scores(list(terms))
        self._kw_cache = (terms, scores)
        return scores

    def keyword_top(
        self, terms: Sequence[str], k: int, doc_ids: frozenset[str] | None = None
    ) -> list[tuple[str, float]]:
        scores = self._keyword_all(tuple(terms))
        if scores is None or not len(scores):
            return []
        if doc_ids is not None:
            keep = np.zeros(len(scores), bool)
            keep[self._rows_of(doc_ids)] = True
            scores = np.where(keep, scores, 0.0)
        top = np.argpartition(-scores, min(k, len(scores)) - 1)[:k]
        return [
            (self.chunks[int(r)].id, float(scores[r]))
            for r in top[np.argsort(-scores[top])]
            if scores[r] > 0
        ]

    def dense_scores(self, ids: Sequence[str], vector: np.ndarray) -> np.ndarray:
        return np.asarray(self.vectors[[self._row[i] for i in ids]] @ vector)

    def keyword_scores(self, ids: Sequence[str], terms: Sequence[str]) -> np.ndarray | None:
        scores = self._keyword_all(tuple(terms))
        if scores is None:
            return None
        return np.asarray(scores[[self._row[i] for i in ids]])


def chunk_text_for_embedding(chunk: Chunk, doc: Document) -> str:
    return f"{doc.title}\n{chunk.text}" if doc.title else chunk.text


def build_snapshot(
    entries: list[DocEntry],
    chunks: list[Chunk],
    vectors: np.ndarray,
    embedder_name: str,
    dim: int,
    chunking: ChunkingConfig,
    dense_kind: str = "auto",
    sentences: SentenceVectors | None = None,
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
    if sentences is not None:
        manifest["sentences"] = {"count": len(sentences), "dtype": "float16"}
    return Snapshot(manifest, entries, chunks, vectors, dense, keyword, sentences=sentences)


def _keyword_text(chunk: Chunk, doc: Document) -> str:
    return f"{doc.title or ''}\n{chunk.text}"


def write_snapshot(snap: Snapshot, index_dir: Path) -> Path:
    """Write to a fresh folder, then point `current` at it with one atomic rename. The caller holds
    the writer lock (see `index.lock`); the snapshot `current` pointed at stays as the previous."""
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
    if snap.sentences is not None:
        snap.sentences.save(tmp)
    (tmp / "manifest.json").write_text(
        json.dumps(snap.manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    _fsync_tree(tmp)
    previous = snapshot_version(index_dir)
    final = snaps / stamp
    os.replace(tmp, final)
    link_tmp = index_dir / f".current-{stamp}"
    os.symlink(Path("snapshots") / stamp, link_tmp)
    os.replace(link_tmp, index_dir / "current")
    _fsync_dir(index_dir)
    keep = {stamp, previous}
    for old in snaps.iterdir():
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    for link in index_dir.glob(".current-*"):  # left by a writer killed between its two renames
        link.unlink(missing_ok=True)
    snap.path = final
    return final


def _fsync_tree(folder: Path) -> None:
    """Flush a new snapshot's files before it becomes current, so a power cut cannot leave
    `current` pointing at empty files."""
    for f in folder.rglob("*"):
        if f.is_file():
            fd = os.open(f, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def snapshot_version(index_dir: Path) -> str | None:
    """The snapshot folder `current` names (even when that folder is gone), or None: a cheap check
    for a commit made by another process."""
    try:
        return Path(os.readlink(index_dir / "current")).name
    except OSError:
        return None


def index_state(index_dir: Path) -> str:
    """`missing` (nothing there: a first use may build one), `ok`, or `damaged` (an index was
    there but its `current` snapshot is gone or incomplete: never rebuilt behind the user's back)."""
    cur = index_dir / "current"
    if (cur / "manifest.json").is_file():
        return "ok"
    snaps = index_dir / "snapshots"
    has_snaps = snaps.is_dir() and any(not p.name.startswith(".") for p in snaps.iterdir())
    if cur.is_symlink() or cur.exists() or has_snaps:
        return "damaged"
    return "missing"


def index_exists(index_dir: Path) -> bool:
    return index_state(index_dir) == "ok"


_REPAIR = "run `docqa repair --index {d}` to go back to the last intact snapshot, or re-ingest into a new --index folder"


def _damaged(index_dir: Path, what: str) -> IndexDamagedError:
    return IndexDamagedError(
        f"index at {index_dir} is damaged: {what}; " + _REPAIR.format(d=index_dir)
    )


def load_snapshot(index_dir: Path, expect_embedder: str | None = None) -> Snapshot:
    """Load the current snapshot. A load that a concurrent commit broke (it moved `current` and
    deleted files) is retried, up to three attempts; a missing or unreadable file is otherwise an
    `IndexDamagedError` naming it."""
    state = index_state(index_dir)
    if state == "missing":
        raise IndexError_(f"no index at {index_dir}; run: docqa ingest PATH --index {index_dir}")
    if state == "damaged":
        name = snapshot_version(index_dir)
        what = f"'current' points at missing snapshots/{name}" if name else "'current' is missing"
        raise _damaged(index_dir, what)
    for attempt in range(3):
        version = snapshot_version(index_dir)
        try:
            return _load_folder(index_dir, (index_dir / "current").resolve(), expect_embedder)
        except IndexDamagedError:
            if attempt == 2 or snapshot_version(index_dir) == version:
                raise  # not a concurrent commit: really damaged
    raise AssertionError("unreachable")


def _load_folder(index_dir: Path, real: Path, expect_embedder: str | None) -> Snapshot:
    def part(name: str) -> Path:
        return real / name

    try:
        manifest = json.loads(part("manifest.json").read_text(encoding="utf-8"))
        name = manifest["embedder"]["name"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _damaged(index_dir, f"{part('manifest.json')} is unreadable ({_why(exc)})") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexError_(
            f"index at {index_dir} has format {manifest.get('format_version')}, this docqa reads {FORMAT_VERSION}; re-ingest it"
        )
    if expect_embedder and expect_embedder != name:
        raise IndexError_(
            f"index at {index_dir} was built with embedder '{name}', not '{expect_embedder}'; use --embedder {name} or a new --index folder"
        )
    current = "documents.jsonl"
    try:
        with part(current).open(encoding="utf-8") as f:
            docs = [DocEntry.from_json(json.loads(line)) for line in f]
        current = "chunks.jsonl"
        with part(current).open(encoding="utf-8") as f:
            chunks = [Chunk(**json.loads(line)) for line in f]
        current = "vectors.npy"
        vectors = np.load(part(current))
        current = "dense.faiss"
        dense = DenseStore.load(part(current), manifest["dense"]["kind"])
        current = "bm25"
        keyword = KeywordStore.load(part(current)) if chunks else KeywordStore.build([])
        current = "sentence_vectors.npy"
        sentences = SentenceVectors.load(real) if "sentences" in manifest else None
    except Exception as exc:  # any reader's failure on a broken file becomes one line
        raise _damaged(index_dir, f"{part(current)} is unreadable ({_why(exc)})") from None
    counts = manifest.get("counts", {})
    if (
        len(docs) != counts.get("documents", len(docs))
        or len(chunks) != counts.get("chunks", len(chunks))
        or vectors.shape[0] != len(chunks)
    ):
        raise _damaged(
            index_dir,
            f"{real} holds {len(docs)} documents, {len(chunks)} chunks and {vectors.shape[0]} "
            f"vectors, but its manifest says {counts.get('documents')} and {counts.get('chunks')}",
        )
    return Snapshot(manifest, docs, chunks, vectors, dense, keyword, path=real, sentences=sentences)


def _why(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "missing"
    if isinstance(exc, json.JSONDecodeError):
        return f"broken JSON at line {exc.lineno}"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def repair_index(index_dir: Path) -> tuple[str, list[str]]:
    """Point `current` at the newest snapshot that loads cleanly; returns its name and the
    snapshot folders that did not load. Raises when none does."""
    snaps = index_dir / "snapshots"
    if not snaps.is_dir():
        raise IndexError_(f"no index at {index_dir} (no snapshots folder)")
    with writer_lock(index_dir, "repair"):
        broken: list[str] = []
        for folder in sorted(
            (p for p in snaps.iterdir() if not p.name.startswith(".")), reverse=True
        ):
            try:
                _load_folder(index_dir, folder, None)
            except IndexError_:
                broken.append(folder.name)
                continue
            link_tmp = index_dir / f".current-repair-{os.getpid()}"
            link_tmp.unlink(missing_ok=True)
            os.symlink(Path("snapshots") / folder.name, link_tmp)
            os.replace(link_tmp, index_dir / "current")
            return folder.name, broken
    raise IndexError_(
        f"index at {index_dir}: no snapshot loads ({', '.join(broken) or 'none found'}); re-ingest the documents into a new --index folder"
    )


def resolve_selectors(
    docs: list[DocEntry], selectors: Iterable[str], all_matching: bool = False
) -> list[DocEntry]:
    """The documents that `selectors` name. Each selector must match; one that matches several
    documents is an error listing them, unless `all_matching`."""
    chosen: dict[str, DocEntry] = {}
    for sel in selectors:
        hits = [e for e in docs if matches_selector(e, sel)]
        if not hits:
            raise NotFoundError(f"no document matches {sel!r}; see: docqa docs")
        exact = [e for e in hits if e.doc.id == sel]
        if len(hits) > 1 and not exact and not all_matching:
            shown = "; ".join(f"{e.doc.id} {e.doc.title or e.doc.path}" for e in hits[:10])
            more = f"; and {len(hits) - 10} more" if len(hits) > 10 else ""
            raise AmbiguousSelectorError(
                f"{sel!r} matches {len(hits)} documents: {shown}{more}; give a longer id, or --all-matching to remove them all"
            )
        for e in exact or hits:
            chosen[e.doc.id] = e
    return list(chosen.values())


def remove_documents(
    index_dir: Path,
    selectors: Iterable[str],
    all_matching: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> list[DocEntry]:
    """Remove documents (by id, id prefix, path or file name) under the writer lock, from the
    latest snapshot; returns what was removed."""
    sel = list(selectors)
    with writer_lock(index_dir, "remove", on_wait=on_wait):
        snap = load_snapshot(index_dir)
        gone = resolve_selectors(snap.docs, sel, all_matching)
        ids = {e.doc.id for e in gone}
        keep = [e for e in snap.docs if e.doc.id not in ids]
        rows = [i for i, c in enumerate(snap.chunks) if c.doc_id not in ids]
        cfg = ChunkingConfig(**snap.manifest["chunking"])
        emb = snap.manifest["embedder"]
        kept_chunks = [snap.chunks[i] for i in rows]
        sentences = None
        if snap.sentences is not None:
            wanted = set(chunk_sentences(kept_chunks))
            order = [t for t in snap.sentences.texts if t in wanted]
            sentences = SentenceVectors(
                order, np.asarray(snap.sentences.vectors[[snap.sentences.row[t] for t in order]])
            )
        new = build_snapshot(
            keep,
            kept_chunks,
            snap.vectors[rows],
            emb["name"],
            int(emb["dim"]),
            cfg,
            snap.dense.kind,
            sentences,
        )
        write_snapshot(new, index_dir)
    return gone


def safe_resolve(path: str | Path) -> Path:
    """An absolute path with symlinks resolved where that is possible; a symlink loop or an
    unreadable link gives the absolute path as written instead of raising."""
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(path))


def matches_selector(entry: DocEntry, selector: str) -> bool:
    """A document selector: an id or id prefix (4+ chars), a path, a file name or its prefix (3+)."""
    if len(selector) >= 4 and entry.doc.id.startswith(selector):
        return True
    path = entry.doc.path or ""
    name = Path(path).name
    return (
        path == selector
        or path == str(safe_resolve(selector))
        or name == selector
        or (len(selector) >= 3 and name.startswith(selector))
    )
