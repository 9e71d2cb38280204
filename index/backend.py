"""The storage seam: what search and answering need from a library, whatever stores it.

Two implementations:
- `index.store.Snapshot`: the embedded default, a folder of files (FAISS + bm25s) on one machine;
- `index.milvus.MilvusLibrary`: one library in Milvus (Lite on a `.db` file, `milvus-lite server`,
  or a Milvus 2.5+ standalone or cluster), for libraries that outgrow one machine and for several
  service replicas sharing one index.

Search works on id-keyed top-k lists (`dense_top`, `keyword_top`), which any engine returns, and
asks the library for the other side's score of each candidate (`dense_scores`, `keyword_scores`):
the local store answers both exactly, a remote engine answers cosines from the stored vectors and
may leave BM25 scores of candidates outside its keyword top-k unknown (None).

An index address names the backend: a folder path (local), `milvus:///path/lib.db` (Milvus Lite,
embedded) or `milvus://host:port` (a server; token from `DOCQA_MILVUS_TOKEN`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from corpus.mentions import LibraryTerms
from corpus.records import Chunk
from index.address import is_milvus
from index.store import DocEntry


class SentenceLookup(Protocol):
    """Evidence-sentence vectors stored at ingest, looked up by sentence text."""

    def __len__(self) -> int: ...

    def __contains__(self, text: object) -> bool: ...

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]: ...


class Library(Protocol):
    """One library: its documents, chunks, vectors and both search sides."""

    manifest: dict[str, Any]
    docs: list[DocEntry]

    @property
    def embedder_name(self) -> str: ...

    @property
    def terms(self) -> LibraryTerms: ...

    @property
    def sentences(self) -> SentenceLookup | None: ...

    @property
    def n_chunks(self) -> int: ...

    def doc(self, doc_id: str) -> DocEntry | None: ...

    def chunk(self, chunk_id: str) -> Chunk | None: ...

    def has_term(self, term: str) -> bool:
        """Whether a keyword term occurs in the library (remote engines: assume it may)."""
        ...

    def dense_top(
        self, vectors: np.ndarray, k: int, doc_ids: frozenset[str] | None = None
    ) -> list[list[tuple[str, float]]]:
        """Per query vector, (chunk id, cosine) of the `k` nearest chunks, best first; only
        chunks of `doc_ids` when given (a filter, applied inside the search)."""
        ...

    def keyword_top(
        self, terms: Sequence[str], k: int, doc_ids: frozenset[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the `k` best keyword matches with a positive score; only
        chunks of `doc_ids` when given."""
        ...

    def dense_scores(self, ids: Sequence[str], vector: np.ndarray) -> np.ndarray:
        """Cosine of the query `vector` with each chunk of `ids`."""
        ...

    def keyword_scores(self, ids: Sequence[str], terms: Sequence[str]) -> np.ndarray | None:
        """BM25 score of each chunk of `ids`, or None where the engine cannot give them all."""
        ...


DEFAULT_LIBRARY = "default"


def local_library_dir(index_dir: Any, library: str = DEFAULT_LIBRARY) -> Any:
    """A local library's folder: the index folder itself for `default`, else
    `INDEX/libraries/NAME`."""
    from pathlib import Path

    from index.milvus import check_library_name

    if library == DEFAULT_LIBRARY:
        return Path(index_dir)
    return Path(index_dir) / "libraries" / check_library_name(library)


def open_library(address: str, library: str = DEFAULT_LIBRARY) -> Library:
    """The library `library` at an index address (see the module docstring)."""
    if is_milvus(address):
        from index.errors import NotFoundError
        from index.milvus import MilvusLibrary

        lib = MilvusLibrary(address, library)
        if not lib.exists():
            if lib.partly_created():
                raise NotFoundError(
                    f"library {library!r} at {address} was left half-created (an ingest killed "
                    "while creating it?); ingest into it again, or run `docqa repair`"
                )
            raise NotFoundError(
                f"no library {library!r} at {address}; ingest documents into it first"
            )
        return lib
    from index.store import load_snapshot

    return load_snapshot(local_library_dir(address, library))


def list_libraries(address: str) -> list[str]:
    """The libraries at an index address (a local index's default library when it exists)."""
    from pathlib import Path

    if is_milvus(address):
        from index.milvus import libraries

        return libraries(address)
    from index.store import index_state

    root = Path(address)
    names = [DEFAULT_LIBRARY] if index_state(root) != "missing" else []
    folder = root / "libraries"
    if folder.is_dir():
        names += sorted(p.name for p in folder.iterdir() if index_state(p) != "missing")
    return names


def create_library(address: str, library: str, embedder: Any = None) -> bool:
    """Create an empty library that will embed with `embedder` (an `Embedder`, or None for the
    default one); False when it exists already (it is left as it is)."""
    from pathlib import Path

    import numpy as np

    from corpus.chunking import ChunkingConfig
    from index.embedders import default_embedder_name, make_embedder

    if library in list_libraries(address):
        return False
    emb = embedder or make_embedder(default_embedder_name())
    cfg = ChunkingConfig()
    if is_milvus(address):
        from index.milvus import MilvusLibrary

        chunking = {"max_chars": cfg.max_chars, "overlap": cfg.overlap}
        MilvusLibrary(address, library).create(emb.name, emb.dim, chunking)
        return True
    from index.lock import writer_lock
    from index.sentences import SentenceVectors
    from index.store import build_snapshot, index_state, write_snapshot

    folder = Path(local_library_dir(address, library))
    folder.mkdir(parents=True, exist_ok=True)
    with writer_lock(folder, "create"):
        if index_state(folder) != "missing":
            return False
        none = np.zeros((0, emb.dim), np.float32)
        sentences = SentenceVectors([], none.astype(np.float16))
        write_snapshot(
            build_snapshot([], [], none, emb.name, emb.dim, cfg, sentences=sentences), folder
        )
    return True


def delete_library(address: str, library: str) -> None:
    """Delete a library with everything in it."""
    import shutil

    from index.errors import IndexError_, NotFoundError

    if library not in list_libraries(address):
        raise NotFoundError(f"no library {library!r} at {address}")
    if is_milvus(address):
        from index.milvus import MilvusLibrary

        MilvusLibrary(address, library).drop()
        return
    if library == DEFAULT_LIBRARY:
        raise IndexError_(
            "the default library of a local index is the index folder itself; delete the folder"
        )
    shutil.rmtree(local_library_dir(address, library))


class LocalHandle:
    """Writes and version checks for a library in a local index folder."""

    def __init__(self, index_dir: Any, library: str = DEFAULT_LIBRARY) -> None:
        self.folder = local_library_dir(index_dir, library)
        self.library = library
        self.where = str(self.folder)

    def version(self) -> str | None:
        from index.store import snapshot_version

        return snapshot_version(self.folder)

    def exists(self) -> bool:
        from index.store import index_state

        return index_state(self.folder) != "missing"

    def missing(self) -> bool:
        """Nothing there at all (a damaged index is not missing: it is never replaced)."""
        return not self.exists()

    def open(self) -> Library:
        from index.store import load_snapshot

        return load_snapshot(self.folder)

    def build_demo(self, progress: Any = None) -> Any:
        """Build the default library from the demo corpus when there is none (the first use);
        None when nothing was built. `progress(i, n, path)` follows the files."""
        from index.ingest import build_demo_index

        if self.library != DEFAULT_LIBRARY:
            return None
        return build_demo_index(self.folder, progress=progress)

    def ingest(self, paths: list[Any], **kw: Any) -> Any:
        from index.ingest import ingest

        return ingest(paths, self.folder, **kw)

    def remove(self, doc_ids: list[str]) -> list[DocEntry]:
        from index.store import remove_documents

        return remove_documents(self.folder, doc_ids)


class MilvusHandle:
    """The same for a library in Milvus: replicas see each other's writes by the version stamp."""

    def __init__(self, address: str, library: str = DEFAULT_LIBRARY) -> None:
        self.address = address
        self.library = library
        self.where = f"{address} [{library}]"

    def _lib(self) -> Any:
        from index.milvus import MilvusLibrary

        return MilvusLibrary(self.address, self.library)

    def version(self) -> str | None:
        from index.milvus import library_version

        return library_version(self.address, self.library)

    def exists(self) -> bool:
        return self.version() is not None

    def missing(self) -> bool:
        """Nothing there at all: no collection of the library (one left half-created is not
        missing, and never replaced by the demo)."""
        return not self.exists() and not self._lib().partly_created()

    def open(self) -> Library:
        return open_library(self.address, self.library)

    def build_demo(self, progress: Any = None) -> Any:
        from corpus.demo import demo_paths

        if self.library != DEFAULT_LIBRARY or not self.missing():
            return None  # a library left half-created is the user's, never replaced by the demo
        return self.ingest(list(demo_paths()), progress=progress)

    def ingest(self, paths: list[Any], **kw: Any) -> Any:
        from index.ingest import ingest_milvus

        kw.setdefault("on_note", kw.pop("on_wait", None))
        return ingest_milvus(paths, self.address, self.library, **kw)

    def remove(self, doc_ids: list[str]) -> list[DocEntry]:
        lib = self._lib()
        lib.recover()
        wanted = set(doc_ids)
        gone = [e for e in lib.docs if e.doc.id in wanted]
        lib.remove([e.doc.id for e in gone])
        return gone


def handle_for(address: Any, library: str = DEFAULT_LIBRARY) -> LocalHandle | MilvusHandle:
    if is_milvus(address):
        return MilvusHandle(str(address), library)
    return LocalHandle(address, library)
