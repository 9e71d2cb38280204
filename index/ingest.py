"""The indexing pipeline: read, clean, chunk and embed files, then commit them to the store.

Two phases, so that two writers never lose each other's documents and the slow part never holds
the lock:
1. prepare, without the lock, against the snapshot current at the start: which files are new or
   changed (by sha256), read and chunk them, embed the chunks the index does not have yet;
2. commit, under the index's writer lock (`index.lock`), against the *latest* snapshot: apply the
   prepared changes to whatever other writers committed meanwhile, and write a new snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from corpus.chunking import ChunkingConfig, chunk_document
from corpus.errors import CorpusError
from corpus.mentions import library_terms
from corpus.ocr import OcrPage
from corpus.pdf import check_ocr_pages
from corpus.readers import PAGED, expand_paths, format_of, read_document
from corpus.records import Chunk, Document
from corpus.sandbox import Sandbox
from index.bilingual import plausible_pair
from index.embedders import Embedder, make_embedder
from index.errors import IndexError_
from index.lock import writer_lock
from index.model_store import sha256_file
from index.sentences import assemble, chunk_sentences, embed_sentences
from index.store import (
    DocEntry,
    Snapshot,
    _keyword_text,
    build_snapshot,
    chunk_text_for_embedding,
    index_state,
    load_snapshot,
    safe_resolve,
    write_snapshot,
)

Progress = Callable[[int, int, str], None]
# A long scan's pages are read by a fresh reading child every this many pages: onnxruntime's heap
# grows page after page, and the child's memory cap would end a 100-page scan (benchmarks/ocr.py).
OCR_PAGES_PER_CHILD = 20


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
    doc_ids: tuple[tuple[str, str], ...] = ()  # (path as given, document id) of new and updated
    sentences_embedded: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "duplicates": [{"path": p, "same_as": o} for p, o in self.duplicates],
            "chunks_embedded": self.chunks_embedded,
            "sentences_embedded": self.sentences_embedded,
            "chunks_total": self.chunks_total,
            "documents_total": self.documents_total,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class _Prepared:
    given: str  # the path as the user gave it
    key: str  # the resolved path: the document's identity in the index
    entry: DocEntry
    chunks: list[Chunk]


def _open_base(index_dir: Path) -> Snapshot | None:
    """The snapshot to prepare against: None for a new index. A damaged index is an error, never
    silently replaced."""
    return load_snapshot(index_dir) if index_state(index_dir) != "missing" else None


def ingest(
    paths: Iterable[str | Path],
    index_dir: Path,
    embedder_name: str | None = None,
    chunking: ChunkingConfig | None = None,
    progress: Progress | None = None,
    dense_kind: str = "auto",
    names: dict[str, str] | None = None,
    on_wait: Callable[[str], None] | None = None,
    embedder: Embedder | None = None,
    reread: bool = False,
) -> IngestReport:
    """Add or update files in the index. Unchanged files embed nothing; a changed file replaces its
    old chunks. Nothing is written when nothing changed. `names` maps a path to the file name to
    show for it (an upload's original name); `embedder` reuses a loaded model. `reread`: read
    unchanged files again too, and update those whose cleaned text or names found differ (after
    an upgrade of docqa's cleaning or name mining; chunks whose text is unchanged keep their
    vectors)."""
    t0 = time.perf_counter()
    base = _open_base(index_dir)
    name, cfg, embedder = _embedder_and_chunking(
        base.manifest if base else None,
        f"index at {index_dir}",
        "use a new --index folder",
        embedder_name,
        chunking,
        embedder,
    )
    known = {e.doc.path: e for e in base.docs} if base else {}
    prepared, unchanged, failed = prepare_files(paths, known, cfg, names, progress, reread)

    # Embed, outside the lock, what the index at the start did not have.
    have = {c.id for c in base.chunks} if base else set()
    to_embed: dict[str, tuple[Chunk, Document]] = {}
    for item in prepared:
        for c in item.chunks:
            if c.id not in have:
                to_embed.setdefault(c.id, (c, item.entry.doc))
    fresh_vecs = embed_chunks(
        embedder, [c for c, _ in to_embed.values()], {c.doc_id: d for c, d in to_embed.values()}
    )
    vec_of: dict[str, np.ndarray] = dict(zip(to_embed, fresh_vecs, strict=True))
    # ...and the evidence sentences of the new chunks, so answering never embeds document text.
    known_sents = base.sentences if base is not None else None
    new_sents = [
        t
        for t in chunk_sentences(c for c, _ in to_embed.values())
        if known_sents is None or t not in known_sents
    ]
    sent_vecs = embed_sentences(embedder.encode_passages, new_sents)

    def nothing_written(snap: Snapshot | None, duplicates: list[tuple[str, str]]) -> IngestReport:
        n_chunks, n_docs = (len(snap.chunks), len(snap.docs)) if snap else (0, 0)
        return IngestReport(
            [],
            [],
            unchanged,
            failed,
            duplicates,
            0,
            n_chunks,
            n_docs,
            time.perf_counter() - t0,
            False,
        )

    if not prepared:
        return nothing_written(base, [])

    with writer_lock(index_dir, "ingest", on_wait=on_wait):
        latest = _open_base(index_dir)
        if latest is not None and latest.embedder_name != name:
            raise IndexError_(
                f"index at {index_dir} was rebuilt with embedder '{latest.embedder_name}' during this ingest; run it again"
            )
        if latest is not None:
            cfg = ChunkingConfig(**latest.manifest["chunking"])
        new, updated, duplicates, ids = _apply(latest, prepared, unchanged)
        if not new and not updated:
            return nothing_written(latest, duplicates)
        written = {given for given, _ in ids}
        entries = _merged_entries(latest, prepared, written)
        chunks_of = {item.entry.doc.id: item.chunks for item in prepared}
        latest_rows = {c.id: i for i, c in enumerate(latest.chunks)} if latest else {}
        base_rows = {c.id: i for i, c in enumerate(base.chunks)} if base else {}
        latest_by_doc: dict[str, list[Chunk]] = {}
        for c in latest.chunks if latest else []:
            latest_by_doc.setdefault(c.doc_id, []).append(c)
        written_keys = {item.key for item in prepared if item.given in written}
        all_chunks: list[Chunk] = []
        for e in entries:
            if e.doc.path in written_keys:
                all_chunks.extend(chunks_of[e.doc.id])
            else:
                all_chunks.extend(latest_by_doc.get(e.doc.id, []))

        def vector(c: Chunk) -> np.ndarray:
            if c.id in vec_of:
                return vec_of[c.id]
            if c.id in latest_rows and latest is not None:
                return latest.vectors[latest_rows[c.id]]
            if c.id in base_rows and base is not None:
                return base.vectors[base_rows[c.id]]
            raise AssertionError(f"no vector for chunk {c.id}")

        vectors = (
            np.vstack([vector(c) for c in all_chunks])
            if all_chunks
            else np.zeros((0, embedder.dim), np.float32)
        )
        sentences = assemble(
            chunk_sentences(all_chunks),
            sent_vecs,
            latest.sentences if latest is not None else None,
            base.sentences if base is not None else None,
        )
        snap = build_snapshot(
            entries, all_chunks, vectors, name, embedder.dim, cfg, dense_kind, sentences
        )
        write_snapshot(snap, index_dir)
    return IngestReport(
        new,
        updated,
        unchanged,
        failed,
        duplicates,
        len(to_embed),
        len(all_chunks),
        len(entries),
        time.perf_counter() - t0,
        True,
        tuple(ids),
        len(sent_vecs),
    )


def _apply(
    latest: Snapshot | None, prepared: list[_Prepared], unchanged: list[str]
) -> tuple[list[str], list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """Classify each prepared file against the latest snapshot: new, updated, unchanged (another
    writer committed the same file meanwhile) or duplicate (the same text under another path).
    Returns new, updated, duplicates and (given path, doc id) of what will be written."""
    by_path = {e.doc.path: e for e in latest.docs} if latest else {}
    path_of_id = {e.doc.id: e.doc.path or "" for e in latest.docs} if latest else {}
    new: list[str] = []
    updated: list[str] = []
    duplicates: list[tuple[str, str]] = []
    ids: list[tuple[str, str]] = []
    for item in prepared:
        prev = by_path.get(item.key)
        if _same_version(prev, item.entry.file_sha256, item.entry.doc.id, item.entry.terms):
            unchanged.append(item.given)
            continue
        other = path_of_id.get(item.entry.doc.id)
        if other is not None and other != item.key:
            duplicates.append((item.given, other))
            continue
        (updated if prev is not None else new).append(item.given)
        ids.append((item.given, item.entry.doc.id))
        path_of_id[item.entry.doc.id] = item.key
        if prev is not None and path_of_id.get(prev.doc.id) == item.key:
            path_of_id.pop(prev.doc.id)
    return new, updated, duplicates, ids


def _merged_entries(
    latest: Snapshot | None, prepared: list[_Prepared], written: set[str]
) -> list[DocEntry]:
    """The latest snapshot's documents, each replaced by its prepared version, new ones after."""
    chosen = {item.key: item.entry for item in prepared if item.given in written}
    out: list[DocEntry] = []
    for e in latest.docs if latest else []:
        out.append(chosen.pop(e.doc.path or "", e))
    out.extend(chosen.values())
    return out


def _embedder_and_chunking(
    manifest: dict[str, Any] | None,
    where: str,
    advice: str,
    embedder_name: str | None,
    chunking: ChunkingConfig | None,
    embedder: Embedder | None,
) -> tuple[str, ChunkingConfig, Embedder]:
    """An existing index keeps its embedder and chunking (asking for another is an error); a new
    one takes the requested or default ones. Reuses `embedder` when it is the right model."""
    from index.embedders import default_embedder_name

    if manifest is not None:
        name = str(manifest["embedder"]["name"])
        if embedder_name and embedder_name != name:
            raise IndexError_(
                f"{where} uses embedder '{name}'; it cannot take '{embedder_name}' ({advice})"
            )
        cfg = ChunkingConfig(**manifest["chunking"])
    else:
        name = embedder_name or default_embedder_name()
        cfg = chunking or ChunkingConfig()
    if embedder is None or embedder.name != name:
        embedder = make_embedder(name)
    return name, cfg, embedder


def _same_version(
    prev: DocEntry | None, digest: str, doc_id: str, terms: tuple[tuple[str, str], ...]
) -> bool:
    """Whether the index already holds the file as it reads now: the same bytes, the same cleaned
    text and the same names found in it."""
    return (
        prev is not None
        and prev.file_sha256 == digest
        and prev.doc.id == doc_id
        and prev.terms == terms
    )


def _terms(text: str) -> tuple[tuple[str, str], ...]:
    """The document's (Chinese, English) names worth keeping (`index.bilingual.plausible_pair`)."""
    return tuple(t for t in library_terms(text) if plausible_pair(*t))


def prepare_files(
    paths: Iterable[str | Path],
    known: dict[str | None, DocEntry],
    cfg: ChunkingConfig,
    names: dict[str, str] | None = None,
    progress: Progress | None = None,
    reread: bool = False,
) -> tuple[list[_Prepared], list[str], list[tuple[str, str]]]:
    """Read, clean and chunk the files that are new or changed against `known` (resolved path ->
    entry); returns (prepared, unchanged paths, failed (path, reason)). Embeds nothing. With
    `reread`, a file whose bytes are unchanged is read again, and is unchanged only when its
    cleaned text and the names found in it (`DocEntry.terms`) are too."""
    unchanged: list[str] = []
    failed: list[tuple[str, str]] = []
    prepared: list[_Prepared] = []
    files = expand_paths(paths)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    seen: set[str] = set()
    # Reading runs in a child process with a time and memory budget (corpus.sandbox): a hostile
    # file fails alone and never freezes this process.
    with (
        Sandbox("index.ingest.read_file") as sandbox,
        Sandbox("corpus.readers.ocr_targets") as planner,
        Sandbox("corpus.readers.ocr_page") as ocr_reader,
    ):
        for i, p in enumerate(files):
            if progress:
                progress(i, len(files), str(p))
            key = str(safe_resolve(p))
            if key in seen:
                continue  # the same file named twice (a file and its folder, say)
            seen.add(key)
            try:
                if Path(p).is_symlink() and not Path(p).exists():
                    raise CorpusError(str(p), "broken or looping symbolic link")
                if not Path(p).is_file():
                    raise CorpusError(str(p), _not_a_file(Path(p)))
                digest = sha256_file(Path(p))
                prev = known.get(key)
                if prev is not None and prev.file_sha256 == digest and not reread:
                    unchanged.append(str(p))
                    continue
                ocr = _ocr_pages(planner, ocr_reader, str(p), i, len(files), progress)
                doc, terms, chunks = sandbox.call(str(p), key, cfg, ocr)
                if _same_version(prev, digest, doc.id, terms):
                    unchanged.append(str(p))
                    continue
            except (CorpusError, OSError) as exc:
                failed.append((str(p), str(exc) if isinstance(exc, CorpusError) else f"{p}: {exc}"))
                continue
            label = (names or {}).get(str(p))
            prepared.append(
                _Prepared(
                    str(p),
                    key,
                    DocEntry(doc, digest, len(chunks), stamp, label, terms),
                    chunks,
                )
            )
    if progress:
        progress(len(files), len(files), "")
    return prepared, unchanged, failed


def _ocr_pages(
    planner: Sandbox,
    reader: Sandbox,
    path: str,
    i: int,
    n: int,
    progress: Progress | None,
) -> dict[int, OcrPage] | None:
    """The pages of a scan or an image read by OCR, one sandboxed call a page: each page has the
    whole time budget (DOCQA_CLEAN_SECONDS), progress names the page, and no lock is held.
    None for a file with nothing to OCR."""
    if format_of(path) not in PAGED:
        return None
    targets: list[int] = planner.call(path)
    # checked here too: the reading child reads the settings it was started with, this process
    # the ones in force now (an option, a test's environment)
    check_ocr_pages(len(targets), path)
    out: dict[int, OcrPage] = {}
    for k, page in enumerate(targets, 1):
        if progress:
            progress(i, n, f"{path} · OCR page {k} of {len(targets)}")
        if k % OCR_PAGES_PER_CHILD == 0:
            reader.recycle()
        out[page] = reader.call(path, page)
    return out


def read_file(
    path: str, key: str, cfg: ChunkingConfig, ocr: dict[int, OcrPage] | None = None
) -> tuple[Document, tuple[tuple[str, str], ...], list[Chunk]]:
    """Read, clean and chunk one file, and find the names it gives in both scripts: the part of
    ingesting that reads untrusted content, run in `corpus.sandbox`'s child process. `ocr`: its
    pages already read by OCR."""
    doc = replace(read_document(path, ocr=ocr), path=key)
    return doc, _terms(doc.text), chunk_document(doc, cfg)


def _not_a_file(p: Path) -> str:
    """Why `p` cannot be read as a file: missing, or something else (a FIFO, a device)."""
    if not p.exists():
        return "no such file"
    return "not a regular file (a pipe, device or socket); skipped"


def build_demo_index(index_dir: Path, progress: Progress | None = None) -> IngestReport | None:
    """The first use with no index builds one from the shipped demo corpus; None if there is an
    index already. A damaged index is an error (`load_snapshot` says so), never replaced."""
    from corpus.demo import demo_paths

    if index_state(index_dir) != "missing":
        return None
    return ingest(demo_paths(), index_dir, progress=progress)


def embed_chunks(
    embedder: Embedder, chunks: list[Chunk], docs: dict[str, Document], batch: int = 64
) -> np.ndarray:
    texts = [chunk_text_for_embedding(c, docs[c.doc_id]) for c in chunks]
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


def ingest_milvus(
    paths: Iterable[str | Path],
    address: str,
    library: str = "default",
    embedder_name: str | None = None,
    chunking: ChunkingConfig | None = None,
    progress: Progress | None = None,
    names: dict[str, str] | None = None,
    embedder: Embedder | None = None,
    reread: bool = False,
    on_note: Callable[[str], None] | None = None,
) -> IngestReport:
    """`ingest` for a library in Milvus (`index.milvus`): the same preparation, then upserts by
    chunk id and deletes by document id, so concurrent writers never lose each other's documents.
    Chunks and evidence sentences Milvus already holds are not embedded again."""
    from index.milvus import MilvusLibrary

    t0 = time.perf_counter()
    lib = MilvusLibrary(address, library)
    if lib.exists():
        for line in lib.recover():  # what a writer killed half-way left
            if on_note:
                on_note(f"{address} [{library}]: {line}")
    name, cfg, embedder = _embedder_and_chunking(
        lib.manifest if lib.exists() else None,
        f"library {library!r} at {address}",
        "use another --library",
        embedder_name,
        chunking,
        embedder,
    )
    known = {e.doc.path: e for e in lib.docs}
    prepared, unchanged, failed = prepare_files(paths, known, cfg, names, progress, reread)
    path_of_id = {e.doc.id: e.doc.path for e in lib.docs}
    duplicates: list[tuple[str, str]] = []
    todo: list[_Prepared] = []
    for item in prepared:
        other = path_of_id.get(item.entry.doc.id)
        if other is not None and other != item.key:
            duplicates.append((item.given, other or ""))
            continue
        path_of_id[item.entry.doc.id] = item.key
        todo.append(item)
    if not todo:
        return IngestReport(
            [],
            [],
            unchanged,
            failed,
            duplicates,
            0,
            lib.n_chunks if lib.exists() else 0,
            len(lib.docs),
            time.perf_counter() - t0,
            False,
        )
    if not lib.exists():
        lib.create(name, embedder.dim, {"max_chars": cfg.max_chars, "overlap": cfg.overlap})
    chunks = [c for item in todo for c in item.chunks]
    docs = {item.entry.doc.id: item.entry.doc for item in todo}
    have = lib.has_chunks([c.id for c in chunks])
    fresh = [c for c in chunks if c.id not in have]
    vec_of = dict(zip([c.id for c in fresh], embed_chunks(embedder, fresh, docs), strict=True))
    vec_of.update(lib.chunk_vectors([c.id for c in chunks if c.id in have]))
    sents = chunk_sentences(fresh)
    stored = lib.sentences.get(sents)
    new_sents = [t for t in sents if t not in stored]
    sent_vecs = embed_sentences(embedder.encode_passages, new_sents)
    # Documents that replace an earlier version under the same path lose that version, once the
    # new one is stored.
    replaced = {known[i.key].doc.id: i.entry.doc.id for i in todo if i.key in known}
    vectors = np.vstack([vec_of[c.id] for c in chunks]) if chunks else np.zeros((0, embedder.dim))
    lib.write(
        [i.entry for i in todo],
        chunks,
        vectors,
        [_keyword_text(c, docs[c.doc_id]) for c in chunks],
        sent_vecs,
        replaced,
    )
    new = [i.given for i in todo if i.key not in known]
    updated = [i.given for i in todo if i.key in known]
    return IngestReport(
        new,
        updated,
        unchanged,
        failed,
        duplicates,
        len(fresh),
        lib.n_chunks,
        len(lib.docs),
        time.perf_counter() - t0,
        True,
        tuple((i.given, i.entry.doc.id) for i in todo),
        len(new_sents),
    )
