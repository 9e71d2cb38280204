"""What the web UI and the HTTP API do, in one place and free of any web framework: one index,
one answering pipeline per engine, uploads, deletions, translation and evaluation.

Reads never wait for writes: a query uses the snapshot that was current when it started; an
upload or a deletion writes a whole new snapshot (the store swaps `current` atomically), then the
service swaps its in-memory searcher in one assignment. Writers take turns behind one lock.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.readers import FORMATS
from index.search import Hit, HybridSearcher, SearchConfig
from index.store import (
    DocEntry,
    IngestReport,
    Snapshot,
    build_demo_index,
    ingest,
    load_snapshot,
    matches_selector,
    remove_documents,
)
from qa.conversation import Turn
from qa.engines import make_engine
from qa.pipeline import MAX_QUESTION_CHARS, QAPipeline, check_question
from qa.records import Answer
from qa.translate import Translation, Translator, key_passages

MAX_UPLOAD_FILES = 20
MAX_TRANSLATE_CHARS = 4000
_UNSAFE = re.compile(r"[^\w.\-\u3000-\u9fff\uf900-\ufaff ]+")


class ServiceError(ValueError):
    """A request the service cannot carry out; `status` is the HTTP status it maps to."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def safe_filename(name: str) -> str:
    """A file name that cannot leave the uploads folder: no folders, no dot-files, no control
    characters, at most 120 characters, its suffix kept."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1])
    base = _UNSAFE.sub("_", base).strip(" ._") or "upload"
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip(" ._")[:100] or "upload"
    return f"{stem}.{suffix[:10]}" if suffix else stem


@dataclass(frozen=True)
class Upload:
    name: str  # the name the user gave
    data: bytes


@dataclass(frozen=True)
class UploadResult:
    report: IngestReport
    rejected: tuple[tuple[str, str], ...]  # (file name, reason) refused before ingest

    def to_json(self) -> dict[str, Any]:
        d = self.report.to_json()
        d["failed"] = [{"path": n, "error": r} for n, r in self.rejected] + d["failed"]
        return d


class DocqaService:
    def __init__(
        self,
        index_dir: Path,
        llm: str = "auto",
        model: str | None = None,
        k: int = 5,
        upload_dir: Path | None = None,
        max_file_mb: float = 20.0,
        warm_up: bool = True,
    ) -> None:
        self.index_dir = index_dir
        self.default_llm = llm
        self.model = model
        self.k = k
        self.upload_dir = upload_dir or index_dir / "uploads"
        self.max_file_bytes = int(max_file_mb * 1024 * 1024)
        self.started = time.time()
        self.warm_up = warm_up
        self.notes: list[str] = []
        self._write_lock = threading.Lock()
        self._init_lock = threading.Lock()
        self._searcher: HybridSearcher | None = None
        self._pipelines: dict[str, QAPipeline] = {}
        self._translator: Translator | None = None

    # -- the index -------------------------------------------------------------------------
    def open(self) -> list[str]:
        """Load the index, building the demo index first when there is none; returns notes for
        the user (what was built, which engine answers)."""
        with self._init_lock:
            if self._searcher is None:
                report = build_demo_index(self.index_dir)
                if report is not None:
                    self.notes.append(
                        f"no index at {self.index_dir}: built one from the demo corpus "
                        f"({report.documents_total} articles, {report.chunks_total} chunks, {report.seconds:.1f} s)"
                    )
                self._searcher = HybridSearcher(load_snapshot(self.index_dir))
        self.pipeline()  # resolves `auto` now, so the engine in use can be shown
        self._warm()
        return list(self.notes)

    def _warm(self) -> None:
        """Embed evidence sentences in the background, so the first questions do not wait."""
        if self.warm_up:
            pipe = self.pipeline()
            threading.Thread(target=pipe.warm, name="docqa-warm", daemon=True).start()

    @property
    def searcher(self) -> HybridSearcher:
        if self._searcher is None:
            self.open()
        assert self._searcher is not None
        return self._searcher

    @property
    def snapshot(self) -> Snapshot:
        return self.searcher.snapshot

    def _reload(self) -> None:
        old = self.searcher
        fresh = HybridSearcher(load_snapshot(self.index_dir), embedder=old.embedder)
        self._searcher = fresh
        for p in self._pipelines.values():
            p.use_searcher(fresh)
        self._warm()

    # -- answering ---------------------------------------------------------------------------
    def pipeline(self, llm: str | None = None) -> QAPipeline:
        name = llm or self.default_llm
        pipe = self._pipelines.get(name)
        if pipe is None:
            with self._init_lock:
                pipe = self._pipelines.get(name)
                if pipe is None:
                    engine, notes = make_engine(name, self.model)
                    shared = next(iter(self._pipelines.values()), None)
                    pipe = QAPipeline(
                        self.searcher,
                        engine,
                        self.k,
                        notes,
                        scorer=shared.scorer if shared else None,
                    )
                    self._pipelines[name] = pipe
                    self._pipelines.setdefault(engine.name, pipe)
        return pipe

    @property
    def engine_name(self) -> str:
        return self.pipeline().engine.name

    def ask(self, question: str, history: Sequence[Turn] = (), llm: str | None = None) -> Answer:
        return self.pipeline(llm).ask(check_question(question), history)

    def stream(
        self, question: str, history: Sequence[Turn] = (), llm: str | None = None
    ) -> Iterator[str | Answer]:
        return self.pipeline(llm).stream(check_question(question), history)

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        query = check_question(query)
        if not 1 <= k <= 50:
            raise ServiceError(f"k must be between 1 and 50, got {k}")
        if mode == "hybrid":
            return self.searcher.search(query, k)
        if mode not in ("dense", "keyword"):
            raise ServiceError(f"mode must be hybrid, dense or keyword, got {mode!r}")
        s = self.searcher
        return HybridSearcher(s.snapshot, s.embedder, SearchConfig(mode=mode)).search(query, k)

    # -- the library -------------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        return [e.summary() for e in self.snapshot.docs]

    def document(self, doc_id: str) -> DocEntry:
        entry = self.snapshot.doc(doc_id)
        if entry is None:
            raise ServiceError(f"no document {doc_id!r} in the index", 404)
        return entry

    def upload(
        self, files: Sequence[Upload], progress: Callable[[int, int, str], None] | None = None
    ) -> UploadResult:
        """Check each file (name, size, format), save the good ones under safe names, ingest them
        in one new snapshot. Bad files are reported one by one; the index is untouched by them."""
        if not files:
            raise ServiceError("no files in the upload")
        if len(files) > MAX_UPLOAD_FILES:
            raise ServiceError(
                f"{len(files)} files in one upload; the limit is {MAX_UPLOAD_FILES}", 413
            )
        rejected: list[tuple[str, str]] = []
        staged: dict[str, bytes] = {}
        for f in files:
            name = safe_filename(f.name)
            suffix = Path(name).suffix.lower()
            if suffix not in FORMATS:
                kinds = ", ".join(sorted(FORMATS))
                rejected.append(
                    (name, f"{name}: unsupported format '{suffix or '(none)'}'; use {kinds}")
                )
            elif not f.data:
                rejected.append((name, f"{name}: the file is empty"))
            elif len(f.data) > self.max_file_bytes:
                limit = self.max_file_bytes // 1024 // 1024
                rejected.append(
                    (name, f"{name}: {len(f.data) / 1048576:.1f} MB; the limit is {limit} MB")
                )
            else:
                staged[name] = f.data  # the same name twice in one upload: the last one wins
        with self._write_lock:
            self.upload_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=self.upload_dir, prefix=".backup-") as tmp:
                # A file uploaded again under the same name replaces the earlier one (the index
                # sees the same path with new content); the old file is kept aside until the
                # new one has been read, and put back if it cannot be.
                backups: dict[Path, Path] = {}
                dests = []
                for name, data in staged.items():
                    dest = (self.upload_dir / name).resolve()
                    if dest.exists():
                        backups[dest] = Path(tmp) / name
                        dest.replace(backups[dest])
                    part = dest.with_name(f".{name}.part")
                    part.write_bytes(data)
                    part.replace(dest)
                    dests.append(dest)

                def undo(path: Path) -> None:
                    if path in backups:
                        backups[path].replace(path)
                    else:
                        path.unlink(missing_ok=True)

                try:
                    report = ingest(dests, self.index_dir, progress=progress) if dests else None
                except Exception:
                    for d in dests:
                        undo(d)
                    raise
                if report is not None:
                    for path_str, _ in [*report.failed, *report.duplicates]:
                        undo(Path(path_str).resolve())
                    if report.written:
                        self._reload()
        if report is None:
            report = IngestReport(
                [],
                [],
                [],
                [],
                [],
                0,
                len(self.snapshot.chunks),
                len(self.snapshot.docs),
                0.0,
                False,
            )
        return UploadResult(report, tuple(rejected))

    def delete(self, doc_id: str) -> DocEntry:
        with self._write_lock:
            entry = self.document(doc_id)
            gone = remove_documents(self.index_dir, [entry.doc.id])
            self._reload()
            path = Path(entry.doc.path or "")
            if path.parent == self.upload_dir.resolve() and path.is_file():
                path.unlink()
        return gone[0]

    # -- translation -------------------------------------------------------------------------
    def translator(self) -> Translator:
        if self._translator is None:
            pipe = self.pipeline()
            chat = getattr(pipe.engine, "chat_model", None)
            # the answering model translates too; the extractive engine has none: a gloss
            self._translator = Translator(chat, pipe.engine.name if chat else "gloss")
        return self._translator

    def translate(
        self,
        text: str | None = None,
        doc_id: str | None = None,
        chunk_id: str | None = None,
        to: str | None = None,
        key: int = 3,
    ) -> list[Translation]:
        """Translate text, one chunk, or a document's `key` key passages (side by side)."""
        if sum(x is not None for x in (text, doc_id, chunk_id)) != 1:
            raise ServiceError("give exactly one of text, doc_id or chunk_id")
        if to not in (None, "en", "zh"):
            raise ServiceError(f"to must be en or zh, got {to!r}")
        if text is not None:
            if not text.strip():
                raise ServiceError("nothing to translate: the text is empty")
            if len(text) > MAX_TRANSLATE_CHARS:
                raise ServiceError(
                    f"the text is {len(text)} characters; the limit is {MAX_TRANSLATE_CHARS}", 413
                )
            sources = [text]
        elif chunk_id is not None:
            chunk = next((c for c in self.snapshot.chunks if c.id == chunk_id), None)
            if chunk is None:
                raise ServiceError(f"no chunk {chunk_id!r} in the index", 404)
            sources = [chunk.text]
        else:
            if not 1 <= key <= 10:
                raise ServiceError(f"key must be between 1 and 10, got {key}")
            entry = next((e for e in self.snapshot.docs if matches_selector(e, doc_id or "")), None)
            if entry is None:
                raise ServiceError(f"no document {doc_id!r} in the index", 404)
            sources = [s.text for s in key_passages(entry.doc, key)]
        tr = self.translator()
        return [tr.translate(s, to) for s in sources]

    def translate_span(
        self, doc_id: str, start: int, end: int, to: str | None = None
    ) -> Translation:
        """Translate a cited sentence by its offsets in the cleaned document."""
        doc = self.document(doc_id).doc
        if not 0 <= start < end <= len(doc.text):
            raise ServiceError(f"span {start}-{end} is outside document {doc_id}")
        return self.translator().translate(doc.text[start:end], to)

    # -- health ------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        snap = self.snapshot
        return {
            "status": "ok",
            "index": str(self.index_dir),
            "documents": len(snap.docs),
            "chunks": len(snap.chunks),
            "embedder": snap.embedder_name,
            "engine": self.engine_name,
            "uptime_s": round(time.time() - self.started, 1),
            "limits": {
                "question_chars": MAX_QUESTION_CHARS,
                "translate_chars": MAX_TRANSLATE_CHARS,
                "file_mb": self.max_file_bytes // 1024 // 1024,
                "files_per_upload": MAX_UPLOAD_FILES,
            },
        }


__all__ = [
    "DocqaService",
    "ServiceError",
    "Upload",
    "UploadResult",
    "safe_filename",
]
