"""A library in Milvus: the scale-out backend behind the `index.backend.Library` seam.

Addresses: `milvus:///abs/path/lib.db` (Milvus Lite, embedded in this process) or
`milvus://host:port` (`milvus-lite server`, or a Milvus 2.5+ standalone or cluster; the token comes
from `DOCQA_MILVUS_TOKEN`). The same pymilvus `MilvusClient` code serves both.

One library is three collections, `docqa_<library>_{chunks,docs,sentences}`:
- chunks: id (primary), doc_id, text, the chunk's offsets and language, `terms` (the keyword
  analysis docqa does for the local store: jieba, the Traditional->Simplified fold, bigrams, each
  term written as one ASCII token, so any Milvus analyzer keeps it whole), a BM25 sparse vector
  Milvus computes from `terms`, and the dense vector (HNSW, inner product);
- docs: each document's record (text and metadata) in parts of at most PART_CHARS characters,
  plus one `__library__` row: embedder, dimension, chunking, and a version stamp that every write
  renews (replicas reload when it changes);
- sentences: evidence-sentence vectors keyed by a hash of the sentence.

Writes are upserts by id and deletes by document id, so two writers never lose each other's
documents. Milvus Lite returns BM25 scores as negative distances; `_bm25_scores` turns them back.

Milvus has no transactions, so a write is made recoverable by its order and a journal: a writer
first stores an intent row (`__intent__:<uuid>`: what it will write or remove, and who it is),
then on a write the chunks and only then each document's record, on a remove each record first and
then its chunks, and finally deletes the intent. A listed document therefore always has its chunks.
A writer killed half-way leaves its intent; the next write (or `docqa repair`) finds intents whose
writer is dead and finishes a removal or undoes the unlisted part of a write. Creating a library
is resumable and safe when several processes do it at once: each collection is created if absent,
the manifest before the chunks collection, whose presence alone makes the library visible.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import Any

import numpy as np

from corpus.records import Chunk
from corpus.settings import current
from index.address import MILVUS_SCHEME
from index.errors import BadNameError, IndexError_
from index.keyword import terms as keyword_terms
from index.owner import gone, is_me, me
from index.store import DocEntry, LibraryReads

PART_CHARS = 15_000  # a VARCHAR holds 65,535 bytes; Chinese takes 3 bytes a character
LIBRARY_ROW = "__library__"
INTENT = "__intent__:"
INTENT_IDS = 2000  # document ids per intent row (a VARCHAR holds 65,535 bytes)
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,47}$")
QUERY_BATCH = 1000
_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


class MilvusError(IndexError_):
    pass


def check_library_name(name: str) -> str:
    if not NAME.match(name):
        raise BadNameError(
            f"library name {name!r}: use a letter, then letters, digits or _ (at most 48)"
        )
    return name


def client_for(address: str) -> Any:
    """One `MilvusClient` per address in this process (Lite runs one server per `.db` file)."""
    if not address.startswith(MILVUS_SCHEME):
        raise MilvusError(
            f"not a Milvus address: {address!r} (milvus:///path.db or milvus://host:port)"
        )
    rest = address[len(MILVUS_SCHEME) :]
    if not rest:
        raise MilvusError("the Milvus address names no file or server")
    with _clients_lock:
        if address not in _clients:
            try:
                from pymilvus import MilvusClient
            except ImportError as exc:
                raise MilvusError(
                    "the Milvus backend needs pymilvus and milvus-lite: pip install pymilvus milvus-lite"
                ) from exc
            # Lite gives query iterators no MVCC timestamp, and pymilvus warns on every one that
            # it uses the client's clock instead (correct for reading what this process and
            # others committed before). Set after the import: pymilvus configures its loggers.
            logging.getLogger("pymilvus.client.iterator.query_iterator").setLevel(logging.ERROR)
            # Lite logs a whole traceback when another process holds the file, before pymilvus
            # raises; the one line below says it
            logging.getLogger("milvus_lite.server_manager").setLevel(logging.CRITICAL)
            # pymilvus logs every failed call with a traceback before raising it, also the ones
            # docqa expects and handles (a collection a racing replica created first, a flush a
            # server refused); what fails for good reaches the user as docqa's one line
            logging.getLogger("pymilvus.decorators").setLevel(logging.CRITICAL)
            if rest.endswith(".db"):
                os.makedirs(os.path.dirname(os.path.abspath(rest)) or ".", exist_ok=True)
                uri, token = rest, ""
            else:
                uri, token = f"http://{rest}", current().milvus_token
            try:
                # gRPC keepalive pings no more often than a gRPC server allows by default (5 min):
                # pymilvus pings every 10 s, and Lite (file or `milvus-lite server`) answers an idle
                # client with GOAWAY too_many_pings, which gRPC logs to stderr.
                _clients[address] = MilvusClient(
                    uri=uri, token=token, grpc_options={"grpc.keepalive_time_ms": 300_000}
                )
            except Exception as exc:  # noqa: BLE001 - pymilvus raises many kinds; one line out
                hint = (
                    " (a Milvus Lite file serves one process at a time: is another docqa using"
                    " it? For several processes run `milvus-lite server` and use milvus://host:port)"
                    if rest.endswith(".db")
                    else ""
                )
                raise MilvusError(f"cannot open Milvus at {address}: {exc}{hint}") from exc
        return _clients[address]


def term_token(term: str) -> str:
    """A keyword term as one lowercase ASCII word: every analyzer keeps it whole."""
    return "t" + hashlib.blake2b(term.encode("utf-8"), digest_size=8).hexdigest()


def sentence_id(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def libraries(address: str) -> list[str]:
    """The libraries stored at `address`."""
    names = client_for(address).list_collections()
    return sorted(
        n[len("docqa_") : -len("_chunks")]
        for n in names
        if n.startswith("docqa_") and n.endswith("_chunks")
    )


def _ensure_loaded(client: Any, coll: str) -> None:
    """Collections must be loaded before reads; a new process finds them released."""
    if "Loaded" not in str(client.get_load_state(coll).get("state")):
        client.load_collection(coll)


def _quote(ids: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in ids) + "]"


class MilvusLibrary(LibraryReads):
    """One library in Milvus (see the module docstring). Reads keep the document list in memory;
    `reload()` refreshes it when another process wrote (`library_version` changed)."""

    def __init__(self, address: str, library: str = "default") -> None:
        self.address = address
        self.library = check_library_name(library)
        self.client = client_for(address)
        if os.environ.get("DOCQA_FAULT_POINTS"):
            self.client = _FaultPoints(self.client)
        self.chunks_coll = f"docqa_{library}_chunks"
        self.docs_coll = f"docqa_{library}_docs"
        self.sents_coll = f"docqa_{library}_sentences"
        self.manifest: dict[str, Any] = {}
        self.docs: list[DocEntry] = []
        self._doc_by_id: dict[str, DocEntry] = {}
        self._chunk_cache: dict[str, Chunk] = {}
        self.intents: list[dict[str, Any]] = []  # unfinished writes (see the module docstring)
        self.partial: list[str] = []  # documents whose record is only partly written
        if self.exists():
            self._load()
            self.reload()

    def _load(self) -> None:
        for coll in (self.chunks_coll, self.docs_coll, self.sents_coll):
            self._ensure_index(coll)
            _ensure_loaded(self.client, coll)

    # --- lifecycle ---------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether the library is there and whole: the chunks collection is created last."""
        return bool(self.client.has_collection(self.chunks_coll)) and (
            self._stored_manifest() is not None
        )

    def partly_created(self) -> bool:
        """Some of the library's collections exist, but it is not whole (a creator was killed)."""
        colls = (self.chunks_coll, self.docs_coll, self.sents_coll)
        return not self.exists() and any(self.client.has_collection(c) for c in colls)

    def _stored_manifest(self) -> dict[str, Any] | None:
        if not self.client.has_collection(self.docs_coll):
            return None
        _ensure_loaded(self.client, self.docs_coll)
        rows = self.client.get(self.docs_coll, ids=[LIBRARY_ROW], output_fields=["text"])
        return json.loads(rows[0]["text"]) if rows else None

    def create(self, embedder: str, dim: int, chunking: dict[str, int]) -> None:
        """Create the library's collections. Idempotent for the same embedder, resumable after a
        creator was killed half-way, and safe when several processes create it at once (each
        collection is created if absent; "already exists" from a racing creator is fine)."""
        from pymilvus import DataType

        c = self.client
        self._create_collection(self.docs_coll, 2)
        stored = self._stored_manifest()
        if stored is None:
            self.manifest = {
                "format_version": 1,
                "backend": "milvus",
                "library": self.library,
                "embedder": {"name": embedder, "dim": dim},
                "chunking": chunking,
                "embed_title": True,
            }
            self._touch(flush=False)
            stored = self._stored_manifest() or self.manifest  # a racing creator's, if it won
        if stored.get("embedder", {}).get("name") != embedder:
            raise MilvusError(
                f"library {self.library!r} at {self.address} uses embedder "
                f"{stored.get('embedder', {}).get('name')!r}, not {embedder!r}"
            )
        self._create_collection(self.sents_coll, dim)
        if c.has_collection(self.chunks_coll):
            fields = c.describe_collection(self.chunks_coll).get("fields", [])
            dims = [f.get("params", {}).get("dim") for f in fields if f.get("name") == "dense"]
            if dims and int(dims[0]) != dim:
                raise MilvusError(
                    f"library {self.library!r} at {self.address} was left half-created with "
                    f"{dims[0]}-dimensional vectors; delete it (docqa libraries delete "
                    f"{self.library}) and ingest again"
                )
        else:
            schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
            schema.add_field("doc_id", DataType.VARCHAR, max_length=128)
            schema.add_field("text", DataType.VARCHAR, max_length=65535)
            schema.add_field("meta", DataType.JSON)
            schema.add_field(
                "terms",
                DataType.VARCHAR,
                max_length=65535,
                enable_analyzer=True,
                analyzer_params={"tokenizer": "standard"},
            )
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
            from pymilvus import Function, FunctionType

            schema.add_function(
                Function(
                    name="terms_bm25",
                    function_type=FunctionType.BM25,
                    input_field_names=["terms"],
                    output_field_names=["sparse"],
                )
            )
            self._guarded_create(
                self.chunks_coll,
                lambda: c.create_collection(
                    self.chunks_coll,
                    schema=schema,
                    index_params=self._index_params(self.chunks_coll),
                ),
            )
        self._load()
        self.reload()

    def _create_collection(self, coll: str, dim: int) -> None:
        """The docs (dim 2: a placeholder vector) or sentences collection, if absent."""
        from pymilvus import DataType

        c = self.client
        if c.has_collection(coll):
            return
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=160)
        s.add_field("text", DataType.VARCHAR, max_length=8192 if coll == self.sents_coll else 65535)
        s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        self._guarded_create(
            coll, lambda: c.create_collection(coll, schema=s, index_params=self._index_params(coll))
        )
        self._ensure_index(coll)
        _ensure_loaded(c, coll)

    def _guarded_create(self, coll: str, make: Any) -> None:
        """Run `make()`; another process creating the same collection at the same moment makes
        it fail ("already exists", or Lite's "File exists"), which is fine once it is there."""
        try:
            make()
        except Exception:  # noqa: BLE001 - pymilvus raises many kinds; re-raised unless benign
            if not self.client.has_collection(coll):
                raise

    def _index_params(self, coll: str) -> Any:
        idx = self.client.prepare_index_params()
        if coll == self.chunks_coll:
            idx.add_index(
                field_name="dense",
                index_type="HNSW",
                metric_type="IP",
                params={"M": 16, "efConstruction": 200},
            )
            idx.add_index(
                field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25"
            )
        else:
            idx.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
        return idx

    def _ensure_index(self, coll: str) -> None:
        """A creator killed between creating a collection and indexing it left it unindexed
        (it cannot be loaded then): index it now."""
        if self.client.list_indexes(coll):
            return
        with contextlib.suppress(Exception):  # a racing process indexed it first
            self.client.create_index(coll, self._index_params(coll))

    def drop(self) -> None:
        for coll in (self.chunks_coll, self.docs_coll, self.sents_coll):
            if self.client.has_collection(coll):
                self.client.drop_collection(coll)
        self.manifest, self.docs, self._doc_by_id = {}, [], {}

    def _touch(self, flush: bool = True) -> None:
        """Renew the version stamp (and store the manifest) after a write, then seal what was
        written: Milvus searches rows still in a growing segment by brute force, without their
        index (measured on Lite at 2,000 chunks: a BM25 search takes 680 ms unsealed, 3 ms
        sealed). A server may refuse a flush (its flush rate limit); the rows are durable anyway
        and it seals them itself, so only the speed-up waits."""
        self.manifest["version"] = f"{time.time_ns()}-{os.getpid()}"
        self.client.upsert(
            self.docs_coll,
            [{"id": LIBRARY_ROW, "text": json.dumps(self.manifest), "vector": [0.0, 1.0]}],
        )
        if not flush:
            return
        from pymilvus import MilvusException

        for coll in (self.chunks_coll, self.sents_coll, self.docs_coll):
            with contextlib.suppress(MilvusException):
                self.client.flush(coll)

    def _all(self, coll: str, fields: list[str], filter_: str) -> list[dict[str, Any]]:
        """Every matching row, read with a query iterator: paging by offset re-scans the rows it
        skips (reading 100k document records from Lite: 65 s by offset, 17 s iterated)."""
        out: list[dict[str, Any]] = []
        rows = self.client.query_iterator(
            coll, batch_size=QUERY_BATCH, filter=filter_, output_fields=fields
        )
        try:
            while batch := rows.next():
                out.extend(batch)
        finally:
            rows.close()
        return out

    def reload(self) -> None:
        rows = self._all(self.docs_coll, ["id", "text"], 'id != ""')
        parts: dict[str, dict[int, str]] = {}
        intents: list[dict[str, Any]] = []
        for r in rows:
            if r["id"] == LIBRARY_ROW:
                self.manifest = json.loads(r["text"])
                continue
            if r["id"].startswith(INTENT):
                intents.append({**json.loads(r["text"]), "row": r["id"]})
                continue
            doc_id, _, n = r["id"].rpartition(":")
            parts.setdefault(doc_id, {})[int(n)] = r["text"]
        docs, partial = [], []
        for doc_id, p in parts.items():
            record = _record(p)
            if record is None:
                partial.append(doc_id)
            else:
                docs.append(DocEntry.from_json(record))
        self.intents, self.partial = intents, partial
        self._set_docs(docs)

    def _set_docs(self, docs: list[DocEntry]) -> None:
        docs.sort(key=lambda e: (e.ingested_at, e.doc.path or ""))
        self.docs = docs
        self._doc_by_id = {e.doc.id: e for e in docs}
        self.__dict__.pop("terms", None)
        self.__dict__.pop("n_chunks", None)
        self._chunk_cache.clear()

    def _written(self, entries: Sequence[DocEntry], removed: Sequence[str] = ()) -> None:
        """Update the in-memory document list after this object's own write, without reading
        every document back (`reload` would, making a library written in batches, as `migrate`
        does, quadratic). Another process's writes are seen on the next `reload`."""
        gone = set(removed) | {e.doc.id for e in entries}
        self._set_docs([e for e in self.docs if e.doc.id not in gone] + list(entries))

    # --- the write journal -------------------------------------------------------------------

    @contextlib.contextmanager
    def _intent(
        self, op: str, doc_ids: Sequence[str], replaces: dict[str, str] | None = None
    ) -> Iterator[None]:
        """Record what is about to be written or removed, do it, then drop the record. A writer
        killed inside leaves the record for `recover`."""
        ids = list(dict.fromkeys(doc_ids))
        who = me()
        rows = []
        for i in range(0, max(len(ids), 1), INTENT_IDS):
            part = ids[i : i + INTENT_IDS]
            rec = {
                "op": op,
                "docs": part,
                "replaces": {o: n for o, n in (replaces or {}).items() if n in part},
                **who,
            }
            rows.append(
                {"id": INTENT + uuid.uuid4().hex, "text": json.dumps(rec), "vector": [0.0, 1.0]}
            )
        self.client.upsert(self.docs_coll, rows)
        yield
        self.client.delete(self.docs_coll, ids=[r["id"] for r in rows])

    def _delete_docs(self, doc_ids: Sequence[str]) -> None:
        """Each document's record first, then its chunks: a listed document keeps its chunks."""
        c = self.client
        for d in doc_ids:
            c.delete(self.docs_coll, filter=f'id like "{d}:%"')
        for i in range(0, len(doc_ids), QUERY_BATCH):
            c.delete(self.chunks_coll, filter=f"doc_id in {_quote(doc_ids[i : i + QUERY_BATCH])}")

    def recover(self, full: bool = False) -> list[str]:
        """Finish what writers that died left half done: a removal is completed; the documents
        of a write whose record is not (wholly) stored lose their chunks (the next ingest of the
        file writes them again), and the versions they replaced are removed only where the new
        one is stored. With `full` (`docqa repair`, or when a dead writer was found), also every
        listed document whose chunks are missing is unlisted and every chunk no listed document
        owns is deleted. Returns one line per thing done."""
        done: list[str] = []
        live = [i for i in self.intents if not _dead(i, self.address)]
        busy = {d for i in live for d in i["docs"]}
        dead = [i for i in self.intents if i not in live]
        for it in dead:
            docs = [d for d in it["docs"] if d not in busy]
            if it["op"] == "remove":
                gone = [d for d in docs if d in self._doc_by_id]
                self._delete_docs(docs)
                if gone:
                    done.append(f"finished removing {len(gone)} document(s) a killed writer left")
            else:
                undone = [d for d in docs if d not in self._doc_by_id]
                self._delete_docs(undone)
                old = [
                    o for o, n in it["replaces"].items() if n in self._doc_by_id and o not in busy
                ]
                self._delete_docs(old)
                if undone:
                    done.append(
                        f"undid the unfinished write of {len(undone)} document(s) a killed writer "
                        "left; ingest those files again"
                    )
                if old:
                    done.append(f"removed {len(old)} replaced version(s) a killed writer left")
            self.client.delete(self.docs_coll, ids=[it["row"]])
        partial = [d for d in self.partial if d not in busy]
        if partial:
            self._delete_docs(partial)
            done.append(f"removed {len(partial)} partly written document record(s)")
        if full or dead:
            done += self._orphans(busy)
        if done or dead:
            self._touch()
            self.reload()
        return done

    def _orphans(self, busy: set[str]) -> list[str]:
        """Listed documents missing chunks, and chunks of no listed document (see `recover`)."""
        counts: dict[str, int] = {}
        for r in self._all(self.chunks_coll, ["doc_id"], 'id != ""'):
            counts[r["doc_id"]] = counts.get(r["doc_id"], 0) + 1
        done = []
        short = [
            e.doc.id
            for e in self.docs
            if e.doc.id not in busy and counts.get(e.doc.id, 0) < e.n_chunks
        ]
        if short:
            self._delete_docs(short)
            done.append(
                f"unlisted {len(short)} document(s) whose chunks were missing; ingest those files again"
            )
        stray = [d for d in counts if d not in self._doc_by_id and d not in busy]
        if stray:
            self._delete_docs(stray)
            done.append(f"deleted the chunks of {len(stray)} unlisted document(s)")
        return done

    # --- writes ------------------------------------------------------------------------------

    def write(
        self,
        entries: Sequence[DocEntry],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        keyword_texts: Sequence[str],
        sentences: dict[str, np.ndarray],
        replaces: dict[str, str] | None = None,
    ) -> None:
        """Add or replace `entries` with their `chunks` (and vectors, keyword texts, sentence
        vectors). Chunks of those documents that are not in `chunks` are deleted. `replaces`
        maps an earlier document's id to the new entry's that takes its place (a changed file):
        the earlier one is removed once the new one is stored."""
        c = self.client
        rows = [
            {
                "id": ch.id,
                "doc_id": ch.doc_id,
                "text": ch.text,
                "meta": {"index": ch.index, "start": ch.start, "end": ch.end, "lang": ch.lang},
                "terms": " ".join(term_token(t) for t in keyword_terms(kt)) or "tempty",
                "dense": [float(x) for x in vec],
            }
            for ch, vec, kt in zip(chunks, vectors, keyword_texts, strict=True)
        ]
        replaces = {o: n for o, n in (replaces or {}).items() if o != n}
        with self._intent("write", [e.doc.id for e in entries], replaces):
            for i in range(0, len(rows), 200):
                c.upsert(self.chunks_coll, rows[i : i + 200])
            if sentences:
                srows = [
                    {"id": sentence_id(t), "text": t[:2000], "vector": [float(x) for x in v]}
                    for t, v in sentences.items()
                ]
                for i in range(0, len(srows), 500):
                    c.upsert(self.sents_coll, srows[i : i + 500])
            keep = {ch.id for ch in chunks}
            # Only documents stored before can have stale chunks or parts: one query for all.
            known = [e.doc.id for e in entries if e.doc.id in self._doc_by_id]
            if known:
                stale = [
                    r["id"]
                    for r in self._all(self.chunks_coll, ["id"], f"doc_id in {_quote(known)}")
                    if r["id"] not in keep
                ]
                if stale:
                    c.delete(self.chunks_coll, ids=stale)
            # The records last: a document is listed only once its chunks are all stored.
            for e in entries:
                text = json.dumps(e.to_json(), ensure_ascii=False)
                pieces = [text[i : i + PART_CHARS] for i in range(0, len(text), PART_CHARS)]
                c.upsert(
                    self.docs_coll,
                    [
                        {"id": f"{e.doc.id}:{n}", "text": piece, "vector": [0.0, 1.0]}
                        for n, piece in enumerate(pieces)
                    ],
                )
                if e.doc.id in self._doc_by_id:
                    old = [
                        r["id"]
                        for r in self._all(self.docs_coll, ["id"], f'id like "{e.doc.id}:%"')
                        if int(r["id"].rpartition(":")[2]) >= len(pieces)
                    ]
                    if old:
                        c.delete(self.docs_coll, ids=old)
            self._delete_docs(list(replaces))
        self._touch()
        self._written(entries, list(replaces))

    def remove(self, doc_ids: Sequence[str]) -> None:
        """Delete documents and their chunks (their sentence vectors may serve other documents
        and are left; a later ingest of the same text reuses them)."""
        if not doc_ids:
            return
        with self._intent("remove", doc_ids):
            self._delete_docs(list(doc_ids))
        self._touch()
        self._written([], doc_ids)

    def has_chunks(self, ids: Sequence[str]) -> set[str]:
        """Those of `ids` that are stored (their vectors need no embedding)."""
        found: set[str] = set()
        for i in range(0, len(ids), QUERY_BATCH):
            part = list(ids[i : i + QUERY_BATCH])
            found.update(
                r["id"] for r in self.client.get(self.chunks_coll, ids=part, output_fields=["id"])
            )
        return found

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), QUERY_BATCH):
            part = list(ids[i : i + QUERY_BATCH])
            rows = self.client.get(self.chunks_coll, ids=part, output_fields=["id", "dense"])
            out.update({r["id"]: np.asarray(r["dense"], dtype=np.float32) for r in rows})
        return out

    # --- the index.backend.Library surface -----------------------------------------------------

    @cached_property
    def sentences(self) -> MilvusSentences:
        return MilvusSentences(self)

    @cached_property
    def n_chunks(self) -> int:
        stats = self.client.get_collection_stats(self.chunks_coll)
        return int(stats.get("row_count", 0))

    def doc(self, doc_id: str) -> DocEntry | None:
        return self._doc_by_id.get(doc_id)

    @staticmethod
    def _to_chunk(r: dict[str, Any]) -> Chunk:
        m = r["meta"]
        return Chunk(
            r["id"], r["doc_id"], m["index"], r["text"], m["start"], m["end"], m.get("lang", "zh")
        )

    def chunk(self, chunk_id: str) -> Chunk | None:
        if chunk_id not in self._chunk_cache:
            rows = self.client.get(
                self.chunks_coll, ids=[chunk_id], output_fields=["id", "doc_id", "text", "meta"]
            )
            if not rows:
                return None
            self._remember(self._to_chunk(rows[0]))
        return self._chunk_cache.get(chunk_id)

    def _remember(self, chunk: Chunk) -> None:
        if len(self._chunk_cache) > 5000:
            self._chunk_cache.clear()
        self._chunk_cache[chunk.id] = chunk

    def has_term(self, term: str) -> bool:
        return True  # no vocabulary to consult; a term the library lacks simply matches nothing

    def _filter_expr(self, doc_ids: frozenset[str] | None) -> str:
        """A scalar expression on `doc_id` for a filter: `in` the chosen documents, or `not in`
        the others when that list is shorter; "" for no filter."""
        if doc_ids is None:
            return ""
        others = [i for i in self._doc_by_id if i not in doc_ids]
        if len(others) < len(doc_ids):
            return f"doc_id not in {json.dumps(sorted(others))}" if others else ""
        return f"doc_id in {json.dumps(sorted(doc_ids))}"

    def dense_top(
        self, vectors: np.ndarray, k: int, doc_ids: frozenset[str] | None = None
    ) -> list[list[tuple[str, float]]]:
        if not len(vectors):
            return []
        if doc_ids is not None and not doc_ids:
            return [[] for _ in range(len(vectors))]
        res = self.client.search(
            self.chunks_coll,
            data=[[float(x) for x in v] for v in vectors],
            anns_field="dense",
            filter=self._filter_expr(doc_ids),
            limit=k,
            search_params={"metric_type": "IP", "params": {"ef": max(64, k)}},
            output_fields=["id", "doc_id"],
        )
        return [[(str(h["id"]), float(h["distance"])) for h in self._listed(hits)] for hits in res]

    def _listed(self, hits: Iterable[Any]) -> list[Any]:
        """Hits of listed documents only: chunks a killed writer left before listing their
        document (until `recover` deletes them), or another process wrote and this one has not
        reloaded yet, are not answered from."""
        return [h for h in hits if _field(h, "doc_id") in self._doc_by_id]

    def keyword_top(
        self, terms: Sequence[str], k: int, doc_ids: frozenset[str] | None = None
    ) -> list[tuple[str, float]]:
        tokens = " ".join(term_token(t) for t in terms)
        if not tokens or (doc_ids is not None and not doc_ids):
            return []
        res = self.client.search(
            self.chunks_coll,
            data=[tokens],
            anns_field="sparse",
            filter=self._filter_expr(doc_ids),
            limit=k,
            search_params={"metric_type": "BM25"},
            output_fields=["id", "doc_id"],
        )
        hits = [(str(h["id"]), float(h["distance"])) for h in self._listed(res[0])] if res else []
        return _bm25_scores(hits)

    def dense_scores(self, ids: Sequence[str], vector: np.ndarray) -> np.ndarray:
        rows = self.client.get(
            self.chunks_coll, ids=list(ids), output_fields=["id", "doc_id", "text", "meta", "dense"]
        )
        by_id = {}
        for r in rows:
            self._remember(self._to_chunk(r))
            by_id[r["id"]] = np.asarray(r["dense"], dtype=np.float32)
        return np.array([float(by_id[i] @ vector) if i in by_id else 0.0 for i in ids])

    def keyword_scores(self, ids: Sequence[str], terms: Sequence[str]) -> np.ndarray | None:
        return None  # Milvus scores only its own top-k: index.search ranks by order


class MilvusSentences:
    """Evidence-sentence vectors of one Milvus library, looked up in batches."""

    def __init__(self, lib: MilvusLibrary) -> None:
        self.lib = lib

    def __len__(self) -> int:
        return int(self.lib.client.get_collection_stats(self.lib.sents_coll).get("row_count", 0))

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and bool(self.get([text]))

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        wanted = {sentence_id(t): t for t in dict.fromkeys(texts)}
        out: dict[str, np.ndarray] = {}
        keys = list(wanted)
        for i in range(0, len(keys), QUERY_BATCH):
            rows = self.lib.client.get(
                self.lib.sents_coll, ids=keys[i : i + QUERY_BATCH], output_fields=["id", "vector"]
            )
            out.update({wanted[r["id"]]: np.asarray(r["vector"], dtype=np.float32) for r in rows})
        return out


def _bm25_scores(hits: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """BM25 scores, best first, as positive numbers. A Milvus server returns BM25 scores; Milvus
    Lite returns them negated (as distances). When neither reading is ordered like the hits, the
    order alone is kept (scores from ranks)."""
    scores = [s for _, s in hits]
    for sign in (1.0, -1.0):
        signed = [sign * s for s in scores]
        if all(x >= 0 for x in signed) and all(
            a >= b for a, b in zip(signed, signed[1:], strict=False)
        ):
            return [(cid, sc) for (cid, _), sc in zip(hits, signed, strict=True)]
    n = len(hits)
    return [(cid, (n - r) / n) for r, (cid, _) in enumerate(hits)]


def dump(lib: MilvusLibrary) -> tuple[list[Chunk], np.ndarray, dict[str, np.ndarray]]:
    """Every chunk (in document order) with its vector, and every stored sentence vector: what
    `docqa migrate` copies to another backend without re-embedding."""
    rows = lib._all(lib.chunks_coll, ["id", "doc_id", "text", "meta", "dense"], 'id != ""')
    order = {e.doc.id: i for i, e in enumerate(lib.docs)}
    rows.sort(key=lambda r: (order.get(r["doc_id"], len(order)), r["meta"]["index"]))
    chunks = [MilvusLibrary._to_chunk(r) for r in rows]
    dim = int(lib.manifest["embedder"]["dim"])
    vectors = (
        np.vstack([np.asarray(r["dense"], dtype=np.float32) for r in rows])
        if rows
        else np.zeros((0, dim), np.float32)
    )
    sents = lib._all(lib.sents_coll, ["text", "vector"], 'id != ""')
    return chunks, vectors, {r["text"]: np.asarray(r["vector"], dtype=np.float32) for r in sents}


def library_version(address: str, library: str) -> str | None:
    """The library's version stamp, read cheaply (replicas poll it): None when it does not exist."""
    client = client_for(address)
    coll = f"docqa_{check_library_name(library)}_docs"
    if not client.has_collection(coll):
        return None
    _ensure_loaded(client, coll)
    rows = client.get(coll, ids=[LIBRARY_ROW], output_fields=["text"])
    return json.loads(rows[0]["text"]).get("version") if rows else None


def _record(parts: dict[int, str]) -> dict[str, Any] | None:
    """A document record from its stored parts, or None when it is incomplete. A record
    rewritten shorter keeps its old tail parts until they are deleted: the first JSON value is the
    record, whatever follows it."""
    text = "".join(parts[i] for i in range(len(parts)) if i in parts)
    try:
        record, _ = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _dead(intent: dict[str, Any], address: str) -> bool:
    """Whether the writer that stored `intent` is gone (so its leftovers are to be recovered)."""
    if is_me(intent):
        return False  # this process's own write, still under way
    if address.endswith(".db"):
        return True  # a Lite file serves one process at a time: this one
    return gone(intent)


def _field(hit: Any, name: str) -> Any:
    """A field of a search hit (pymilvus puts output fields under "entity")."""
    return hit.get(name, (hit.get("entity") or {}).get(name))


class _FaultPoints:
    """For the fault tests (tests/test_milvus_faults.py) only, when DOCQA_FAULT_POINTS is set: after
    each call that writes, say `fault-point N what` on stderr and wait for a line on stdin, so a
    test can kill -9 the process after exactly the N-th write and prove every such moment is
    recoverable. Otherwise the client itself is used."""

    WRITES = ("upsert", "delete", "create_collection", "create_index", "flush", "drop_collection")

    def __init__(self, client: Any) -> None:
        self._client = client
        self._n = 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name not in self.WRITES:
            return real

        def call(*args: Any, **kw: Any) -> Any:
            out = real(*args, **kw)
            self._n += 1
            import sys

            sys.stderr.write(f"fault-point {self._n} {name} {args[0] if args else ''}\n")
            sys.stderr.flush()
            sys.stdin.readline()
            return out

        return call
