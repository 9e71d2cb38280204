"""What the web UI and the HTTP API do, in one place and free of any web framework: one index,
one answering pipeline per engine, uploads, deletions, translation and evaluation.

Reads never wait for writes: a query uses the snapshot that was current when it started; an
upload or a deletion writes a whole new snapshot (the store swaps `current` atomically), then the
service swaps its in-memory searcher in one assignment. Writers take turns behind the index's
writer lock, which other processes (`docqa ingest`, another server) take too; a snapshot that one
of them commits is picked up at the next request (checked at most once a second).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from corpus.errors import DocqaError
from corpus.readers import FORMATS, max_file_bytes
from index.backend import Library, handle_for, is_milvus
from index.embedders import Embedder, make_embedder
from index.filters import Filters
from index.ingest import IngestReport
from index.model_store import docqa_home, sha256_file
from index.search import MAX_K, Hit, HybridSearcher, SearchConfig
from index.store import (
    DocEntry,
    matches_selector,
)
from qa.conversation import Turn
from qa.engines import make_engine
from qa.pipeline import MAX_QUESTION_CHARS, QAPipeline, check_question
from qa.records import Answer
from qa.translate import Translation, Translator, key_passages
from ui.conversations import Conversation, ConversationStore, Message, title_of
from ui.jobs import Job, JobRunner, JobStore, new_job_id

MAX_UPLOAD_FILES = 20
STAGING = ".jobs"  # uploads/.jobs/<job id>/: a background upload's files until it is done
MAX_TRANSLATE_CHARS = 4000
_UNSAFE = re.compile(r"[^\w.\-\u3000-\u9fff\uf900-\ufaff ]+")


class ServiceError(DocqaError, ValueError):
    """A request the service cannot carry out, with the HTTP status it maps to."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.http_status = status


MAX_NAME_BYTES = 180  # file systems allow 255 bytes a name; leave room for ".NAME.part"


def safe_filename(name: str) -> str:
    """A file name that cannot leave the uploads folder: no folders, no dot-files, no control
    characters, at most 180 bytes of UTF-8 (82 Chinese characters are 246), its suffix kept. A
    shortened name ends in a hash of the full one, so two long names never collide."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1])
    base = _UNSAFE.sub("_", base).strip(" ._") or "upload"
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip(" ._") or "upload"
    suffix = suffix[:10]
    tail = f".{suffix}" if suffix else ""
    if len((stem + tail).encode()) > MAX_NAME_BYTES:
        tag = "-" + hashlib.sha256(base.encode()).hexdigest()[:8]
        room = MAX_NAME_BYTES - len((tag + tail).encode())
        stem = stem.encode()[:room].decode("utf-8", "ignore").rstrip(" ._") + tag
    return stem + tail


def _epoch(stamp: str) -> float:
    """A document's `ingested_at` (local time, to the second) as seconds since the epoch."""
    try:
        return time.mktime(time.strptime(stamp, "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return 0.0


def _distinct(name: str, taken: Any) -> str:
    """`name`, or `name-2`, `name-3`... when another file of the same upload took it: two files
    of one upload never overwrite each other (a later upload under a name replaces that file)."""
    if name not in taken:
        return name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while f"{stem}-{n}{suffix}" in taken:
        n += 1
    return f"{stem}-{n}{suffix}"


@dataclass(frozen=True)
class Upload:
    name: str  # the name the user gave
    data: bytes


@dataclass(frozen=True)
class FileResult:
    """What became of one uploaded file."""

    name: str  # as the user sent it
    status: str  # new | updated | unchanged | duplicate | failed
    error: str | None = None
    doc_id: str | None = None
    stored_as: str | None = None
    too_large: bool = False

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "status": self.status}
        for k in ("error", "doc_id", "stored_as"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        return d


@dataclass(frozen=True)
class UploadResult:
    report: IngestReport
    rejected: tuple[tuple[str, str], ...]  # (file name, reason) refused before ingest
    files: tuple[FileResult, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ingest summary in the names the user sent (never the server's paths), each file
        once, and `files`: one result per file sent."""
        d = self.report.to_json()
        for status in ("new", "updated", "unchanged"):
            d[status] = [f.name for f in self.files if f.status == status]
        d["failed"] = [{"path": n, "error": r} for n, r in self.rejected]
        d["duplicates"] = [
            {"path": f.name, "same_as": (f.error or "").removeprefix("same text as ")}
            for f in self.files
            if f.status == "duplicate"
        ]
        d["files"] = [f.to_json() for f in self.files]
        return d

    @property
    def status(self) -> int:
        """200 when any file went in (or was there already); else 413 when every file was over
        the size limit, 422 otherwise."""
        if any(f.status != "failed" for f in self.files):
            return 200
        if self.files and all(f.too_large for f in self.files):
            return 413
        return 422


class DocqaService:
    def __init__(
        self,
        index_dir: Path | str,
        llm: str = "auto",
        model: str | None = None,
        k: int = 5,
        upload_dir: Path | None = None,
        max_file_mb: float | None = None,
        warm_up: bool = True,
        library: str = "default",
        embedders: dict[str, Embedder] | None = None,
        jobs: JobRunner | None = None,
    ) -> None:
        # A folder (the local store) or a milvus:// address; several `docqa serve` processes on
        # one Milvus see each other's writes through the library's version stamp.
        self.address = str(index_dir)
        self.handle = handle_for(index_dir, library)
        self.library = library
        self.default_llm = llm
        self.model = model
        self.k = k
        # Files this process keeps: uploads and evaluation reports (beside a local library; under
        # DOCQA_HOME for a Milvus one, whose documents live in Milvus)
        self.work_dir = (
            docqa_home() / "milvus" / library if is_milvus(index_dir) else Path(self.handle.where)
        )
        self.upload_dir = upload_dir or self.work_dir / "uploads"
        self.max_file_bytes = (
            int(max_file_mb * 1024 * 1024) if max_file_mb is not None else max_file_bytes()
        )
        self.started = time.time()
        self.warm_up = warm_up
        self.notes: list[str] = []
        self._write_lock = threading.Lock()
        self._init_lock = threading.RLock()  # pipeline() may open() the index while holding it
        self._searcher: HybridSearcher | None = None
        self._pipelines: dict[str, QAPipeline] = {}
        self._translator: Translator | None = None
        # loaded embedders by name, shared by the libraries one server serves (ui.libraries)
        self._embedders = embedders if embedders is not None else {}
        self.jobs = jobs or JobRunner(
            lambda exc: getattr(exc, "http_status", 500), JobStore(self.work_dir / "jobs.sqlite")
        )
        self._version: str | None = None  # the snapshot the searcher holds
        self._checked = 0.0  # when we last looked for another process's commit

    # -- the index -------------------------------------------------------------------------
    def open(self) -> list[str]:
        """Load the index, building the demo index first when there is none, and the answer
        engine; returns notes for the user (what was built, which engine answers)."""
        self._load()
        self.pipeline()  # resolves `auto` now, so the engine in use can be shown
        self._warm()
        return list(self.notes)

    def _load(self) -> None:
        """Load the index only (listing and searching need no answer engine)."""
        with self._init_lock:
            if self._searcher is None:
                report = self.handle.build_demo()
                if report is not None:
                    self.notes.append(
                        f"no index at {self.handle.where}: built one from the demo corpus "
                        f"({report.documents_total} articles, {report.chunks_total} chunks, {report.seconds:.1f} s)"
                    )
                self._version = self.handle.version()
                lib = self.handle.open()
                self._searcher = HybridSearcher(lib, self.embedder(lib.embedder_name))

    def _warm(self) -> None:
        """Embed evidence sentences in the background, so the first questions do not wait."""
        if self.warm_up:
            pipe = self.pipeline()
            threading.Thread(target=pipe.warm, name="docqa-warm", daemon=True).start()

    def embedder(self, name: str) -> Embedder:
        """The embedder `name`, loaded once for every library this server serves."""
        with self._init_lock:
            if name not in self._embedders:
                self._embedders[name] = make_embedder(name)
            return self._embedders[name]

    @property
    def loaded_embedder(self) -> Embedder | None:
        """The embedder this library's index was opened with; None before it is opened."""
        return self._searcher.embedder if self._searcher is not None else None

    @property
    def searcher(self) -> HybridSearcher:
        if self._searcher is None:
            self._load()
        self._follow()
        assert self._searcher is not None
        return self._searcher

    def _follow(self) -> None:
        """Pick up a snapshot another process committed (at most one check a second)."""
        now = time.monotonic()
        if now - self._checked < 1.0:
            return
        self._checked = now
        if self.handle.version() != self._version and self._write_lock.acquire(blocking=False):
            try:
                if self.handle.version() != self._version:
                    self._reload()
            finally:
                self._write_lock.release()

    @property
    def snapshot(self) -> Library:
        return self.searcher.snapshot

    def _reload(self) -> None:
        version = self.handle.version()
        lib = self.handle.open()
        fresh = HybridSearcher(lib, self.embedder(lib.embedder_name))
        self._searcher, self._version = fresh, version
        for p in self._pipelines.values():
            p.use_searcher(fresh)
        self._warm()

    # -- answering ---------------------------------------------------------------------------
    def pipeline(self, llm: str | None = None) -> QAPipeline:
        if self._searcher is not None:
            self._follow()  # answer from another process's newer snapshot, if there is one
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

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        llm: str | None = None,
        filters: Filters | None = None,
    ) -> Answer:
        return self.pipeline(llm).ask(check_question(question), history, filters)

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        llm: str | None = None,
        filters: Filters | None = None,
    ) -> Iterator[str | Answer]:
        return self.pipeline(llm).stream(check_question(question), history, filters)

    # -- conversations -----------------------------------------------------------------------
    @cached_property
    def conversations(self) -> ConversationStore:
        """One store per library: its file is set up once, not on every call."""
        return ConversationStore(self.work_dir / "conversations.sqlite", self.library)

    def conversation_for(self, conv_id: str | None, question: str) -> Conversation | None:
        """The stored conversation a question continues: None (not stored), "new" (a new one,
        titled by the question) or an id."""
        if conv_id is None:
            return None
        if conv_id == "new":
            return self.conversations.create(title_of(check_question(question)))
        return self.conversations.get(conv_id)

    def ask_in(
        self,
        conv: Conversation,
        question: str,
        llm: str | None = None,
        filters: Filters | None = None,
    ) -> tuple[Answer, Message]:
        """Answer a question as the next turn of a stored conversation, and store it."""
        answer = self.ask(question, conv.turns(), llm, filters)
        return answer, self.conversations.append(conv.id, question, answer.to_json())

    def search(
        self, query: str, k: int = 5, mode: str = "hybrid", filters: Filters | None = None
    ) -> list[Hit]:
        query = check_question(query)
        if not 1 <= k <= MAX_K:
            raise ServiceError(f"k must be between 1 and {MAX_K}, got {k}")
        if mode == "hybrid":
            return self.searcher.search(query, k, filters)
        if mode not in ("dense", "keyword"):
            raise ServiceError(f"mode must be hybrid, dense or keyword, got {mode!r}")
        s = self.searcher
        searcher = HybridSearcher(s.snapshot, s.embedder, SearchConfig(mode=mode))
        return searcher.search(query, k, filters)

    # -- the library -------------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        return [e.summary() for e in self.snapshot.docs]

    def document(self, doc_id: str) -> DocEntry:
        entry = self.snapshot.doc(doc_id)
        if entry is None:
            raise ServiceError(f"no document {doc_id!r} in the index", 404)
        return entry

    def submit_upload(self, files: Sequence[Upload]) -> Job:
        """Check the upload as a whole now (no files, too many), stage its files on disk, then
        ingest it as a background job: `GET /api/jobs/{id}` follows its progress and gives each
        file's result. A server killed meanwhile leaves the staged files, and the next server
        on this index resumes the job from them."""
        self._check_upload(files)
        job_id = new_job_id()
        folder = self.upload_dir / STAGING / job_id
        folder.mkdir(parents=True, exist_ok=True)
        for i, f in enumerate(files):
            (folder / str(i)).write_bytes(f.data)
        # written last: a staging folder with its names is complete
        (folder / "names.json").write_text(json.dumps([f.name for f in files], ensure_ascii=False))
        return self.jobs.submit(
            "upload", [f.name for f in files], self._staged_upload(folder), self.library, job_id
        )

    def _staged_upload(self, folder: Path) -> Callable[[Job], tuple[dict[str, Any], int]]:
        def work(job: Job) -> tuple[dict[str, Any], int]:
            names = json.loads((folder / "names.json").read_text())
            items = [Upload(n, (folder / str(i)).read_bytes()) for i, n in enumerate(names)]

            def progress(i: int, n: int, path: str) -> None:
                self.jobs.progress(job, i, n, Path(path).name if path else "")

            try:
                result = self.upload(items, progress=progress)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            job.done = job.total
            return result.to_json(), result.status

        return work

    def resumable(self, job: Job) -> Callable[[Job], tuple[dict[str, Any], int]] | None:
        """The work of an unfinished job a dead server left, when it can run again (its files
        are staged); None when it cannot."""
        folder = self.upload_dir / STAGING / job.id
        if job.kind == "upload" and (folder / "names.json").is_file():
            return self._staged_upload(folder)
        if job.kind == "recover":
            return self._recover_work
        return None

    def reconcile_uploads(self) -> Job | None:
        """At a server's start: when the uploads folder holds what a killed server left (a file
        no document owns or one changed since it was indexed, a half-done replacement), a job
        that indexes or reports it; None when there is nothing to do."""
        if not self.upload_dir.is_dir():
            return None
        if not any(self.upload_dir.glob(".backup-*")) and not self._stray_uploads():
            return None
        return self.jobs.submit("recover", [], self._recover_work, self.library)

    def _recover_work(self, _job: Job) -> tuple[dict[str, Any], int]:
        return self._recover_uploads()

    def _stray_uploads(self) -> list[Path]:
        """Files in the uploads folder not indexed as they are now (by owner and time)."""
        if not self.upload_dir.is_dir():
            return []
        files = [e for e in self.upload_dir.iterdir() if not e.name.startswith(".") and e.is_file()]
        if not files:
            return []
        owned = {e.doc.path: e.ingested_at for e in self.snapshot.docs}
        out = []
        for f in files:
            when = owned.get(str(f.resolve()))
            if when is None or f.stat().st_mtime > _epoch(when) + 2:
                out.append(f)
        return out

    def _recover_uploads(self) -> tuple[dict[str, Any], int]:
        """Put back the files of replacements a killed server left half done (the index still
        holds the earlier version), then index what no document owns; a file that cannot go in
        is moved to `uploads/.unindexed/` and reported, never deleted."""
        restored: list[str] = []
        with self._write_lock:
            by_path = {e.doc.path: e for e in self.snapshot.docs}
            for tmp in self.upload_dir.glob(".backup-*"):
                for old in tmp.iterdir():
                    dest = self.upload_dir / old.name
                    entry = by_path.get(str(dest.resolve()))
                    if entry is not None and entry.file_sha256 == sha256_file(old):
                        old.replace(dest)  # the index holds this version: file and index agree
                        restored.append(old.name)
                shutil.rmtree(tmp, ignore_errors=True)
            for part in self.upload_dir.glob(".*.part"):
                part.unlink(missing_ok=True)
            stray = self._stray_uploads()
            report = self.handle.ingest(stray, embedder=self.searcher.embedder) if stray else None
            if report is not None and report.written:
                self._reload()
        failed = dict(report.failed) if report else {}
        failed.update(
            {p: f"same text as {Path(o).name}" for p, o in (report.duplicates if report else [])}
        )
        if failed:
            keep = self.upload_dir / ".unindexed"
            keep.mkdir(exist_ok=True)
            for path in failed:
                Path(path).replace(keep / Path(path).name)
        result = {
            "restored": restored,
            "indexed": [Path(p).name for p in (report.new + report.updated if report else [])],
            "unchanged": [Path(p).name for p in (report.unchanged if report else [])],
            "failed": [
                {"path": Path(p).name, "error": e.replace(str(Path(p).parent) + "/", "")}
                for p, e in failed.items()
            ],
        }
        return result, 200

    @staticmethod
    def _check_upload(files: Sequence[Upload]) -> None:
        if not files:
            raise ServiceError("no files in the upload")
        if len(files) > MAX_UPLOAD_FILES:
            raise ServiceError(
                f"{len(files)} files in one upload; the limit is {MAX_UPLOAD_FILES}", 413
            )

    def upload(
        self, files: Sequence[Upload], progress: Callable[[int, int, str], None] | None = None
    ) -> UploadResult:
        """Check each file (name, size, format), save the good ones under safe names, ingest them
        in one new snapshot. Every file gets its own result; a bad file leaves the index and the
        other files alone."""
        self._check_upload(files)
        results: dict[int, FileResult] = {}
        stored: dict[int, str] = {}  # file number -> safe name in the uploads folder
        staged: dict[str, tuple[str, bytes]] = {}  # safe name -> (original name, bytes)
        for i, f in enumerate(files):
            shown = f.name or "upload"
            name = safe_filename(shown)
            suffix = Path(name).suffix.lower()
            if suffix not in FORMATS:
                kinds = ", ".join(sorted(FORMATS))
                problem = f"{shown}: unsupported format '{suffix or '(none)'}'; use {kinds}"
                results[i] = FileResult(shown, "failed", problem)
            elif not f.data:
                results[i] = FileResult(shown, "failed", f"{shown}: the file is empty")
            elif len(f.data) > self.max_file_bytes:
                limit = self.max_file_bytes // 1024 // 1024
                problem = f"{shown}: {len(f.data) / 1048576:.1f} MB; the limit is {limit} MB"
                results[i] = FileResult(shown, "failed", problem, too_large=True)
            else:
                name = _distinct(name, staged)
                stored[i] = name
                staged[name] = (shown, f.data)
        with self._write_lock:
            report = self._store_and_ingest(staged, results, stored, files, progress)
        rejected = tuple((r.name, r.error or "") for r in results.values() if r.status == "failed")
        if report is None:
            snap = self.snapshot
            report = IngestReport([], [], [], [], [], 0, snap.n_chunks, len(snap.docs), 0.0, False)
        ordered = tuple(results[i] for i in range(len(files)))
        return UploadResult(report, rejected, ordered)

    def _store_and_ingest(
        self,
        staged: dict[str, tuple[str, bytes]],
        results: dict[int, FileResult],
        stored: dict[int, str],
        files: Sequence[Upload],
        progress: Callable[[int, int, str], None] | None,
    ) -> IngestReport | None:
        """Save the staged files, ingest them, fill in each file's result; put back what was
        there before for every file that did not go in."""
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.upload_dir, prefix=".backup-") as tmp:
            # A file uploaded again under the same name replaces the earlier one (the index sees
            # the same path with new content); the old file is kept aside until the new one has
            # been read, and put back if it cannot be.
            backups: dict[Path, Path] = {}
            dests: dict[str, Path] = {}
            write_errors: dict[str, str] = {}
            for name, (shown, data) in staged.items():
                dest = self.upload_dir.resolve() / name
                try:
                    if dest.exists():
                        backups[dest] = Path(tmp) / name
                        dest.replace(backups[dest])
                    part = dest.with_name(f".{name}.part")
                    part.write_bytes(data)
                    part.replace(dest)
                    dests[name] = dest
                except OSError as exc:
                    write_errors[name] = f"{shown}: could not be saved ({exc.strerror or exc})"
                    self._undo(dest, backups)

            report = None
            try:
                if dests:
                    report = self.handle.ingest(
                        list(dests.values()),
                        progress=progress,
                        names={str(d): staged[n][0] for n, d in dests.items()},
                        embedder=self.searcher.embedder,
                    )
            except Exception:
                for d in dests.values():
                    self._undo(d, backups)
                raise
            outcome: dict[str, FileResult] = {}
            if report is not None:
                ids = dict(report.doc_ids)
                for status, paths in (
                    ("new", report.new),
                    ("updated", report.updated),
                    ("unchanged", report.unchanged),
                ):
                    for path in paths:
                        outcome[path] = FileResult("", status, doc_id=ids.get(path))
                for path, err in report.failed:
                    outcome[path] = FileResult("", "failed", err)
                for path, same in report.duplicates:
                    outcome[path] = FileResult("", "duplicate", f"same text as {Path(same).name}")
                for path, _ in [*report.failed, *report.duplicates]:
                    self._undo(Path(path), backups)
                if report.written:
                    self._reload()
            for i, name in stored.items():
                shown = files[i].name or "upload"
                if name in write_errors:
                    results[i] = FileResult(shown, "failed", write_errors[name])
                    continue
                got = outcome.get(str(dests[name]), FileResult("", "failed", "not ingested"))
                error = got.error.replace(str(dests[name]), shown) if got.error else None
                results[i] = FileResult(
                    shown,
                    got.status,
                    error,
                    got.doc_id,
                    name if got.status in ("new", "updated", "unchanged") else None,
                )
        return report

    @staticmethod
    def _undo(path: Path, backups: dict[Path, Path]) -> None:
        """Put back the file this upload replaced, or remove the one it added."""
        if path in backups:
            backups[path].replace(path)
        else:
            path.unlink(missing_ok=True)

    def delete(self, doc_id: str) -> DocEntry:
        with self._write_lock:
            entry = self.document(doc_id)
            gone = self.handle.remove([entry.doc.id])
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
            chunk = self.snapshot.chunk(chunk_id)
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
            "index": self.handle.where,
            "library": self.handle.library,
            "documents": len(snap.docs),
            "chunks": snap.n_chunks,
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
