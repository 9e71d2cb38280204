"""Background jobs for slow writes (uploads): one worker thread runs them in order, so a request
returns at once and questions keep being answered while documents are read and embedded.

Jobs are kept in SQLite (`jobs.sqlite` in the index home, WAL, shared by every server on that
index) with the process that runs them: `GET /api/jobs/{id}` finds a job after a restart or on
another server, and a server that starts finds the jobs a dead one left unfinished and resumes
them (their files were staged on disk at submission) or marks them failed, naming their files.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.owner import gone, is_me, me
from ui.sqlite import Connection, create

MAX_KEPT = 200  # finished jobs remembered for GET /api/jobs/{id}
PROGRESS_EVERY_S = 0.5  # progress is written to the database at most this often

Work = Callable[["Job"], tuple[dict[str, Any], int]]


@dataclass
class Job:
    id: str
    kind: str
    files: list[str]
    library: str = ""  # the library it writes to
    state: str = "queued"  # queued | running | done | failed
    done: int = 0  # files read so far
    total: int = 0
    current: str = ""
    result: dict[str, Any] | None = None
    error: str | None = None
    status: int | None = None  # the HTTP status the result would have had
    created: float = field(default_factory=time.time)
    finished: float | None = None
    owner: dict[str, Any] = field(default_factory=me)
    resumed: int = 0  # how many times a server took it over from a dead one
    saved_at: float = field(default=0.0, repr=False)  # when progress last went to the store

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "files": self.files,
            **({"library": self.library} if self.library else {}),
            "progress": {"done": self.done, "total": self.total, "current": self.current},
            "created": round(self.created, 3),
        }
        if self.resumed:
            d["resumed"] = self.resumed
        if self.finished is not None:
            d["seconds"] = round(self.finished - self.created, 3)
        if self.result is not None:
            d["result"] = self.result
        if self.error is not None:
            d["error"] = self.error
        return d


_COLUMNS = (
    "id, kind, files, library, state, done, total, current, result, error, status, created, "
    "finished, owner, resumed"
)


class JobStore:
    """Jobs in one SQLite file; every call opens its own connection (threads, processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path  # created on the first job: reading commands leave no file behind
        self._ready = False

    def _db(self) -> Connection:
        if not self._ready:
            create(
                self.path,
                "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, kind TEXT, files TEXT, "
                "library TEXT, state TEXT, done INTEGER, total INTEGER, current TEXT, "
                "result TEXT, error TEXT, status INTEGER, created REAL, finished REAL, "
                "owner TEXT, resumed INTEGER DEFAULT 0);",
            )
            self._ready = True
        return Connection(self.path)

    def save(self, job: Job) -> None:
        row = (
            job.id,
            job.kind,
            json.dumps(job.files, ensure_ascii=False),
            job.library,
            job.state,
            job.done,
            job.total,
            job.current,
            None if job.result is None else json.dumps(job.result, ensure_ascii=False),
            job.error,
            job.status,
            job.created,
            job.finished,
            json.dumps(job.owner),
            job.resumed,
        )
        with self._db() as db:
            db.execute(
                f"INSERT OR REPLACE INTO jobs ({_COLUMNS}) VALUES ({','.join('?' * 15)})", row
            )

    def claim(self, job: Job) -> bool:
        """Take over `job` from its dead owner; False when another process was first."""
        mine = me()
        with self._db() as db:
            cur = db.execute(
                "UPDATE jobs SET owner = ?, resumed = resumed + 1 WHERE id = ? AND owner = ?",
                (json.dumps(mine), job.id, json.dumps(job.owner)),
            )
        if cur.rowcount == 1:
            job.owner, job.resumed = mine, job.resumed + 1
            return True
        return False

    def get(self, job_id: str) -> Job | None:
        with self._db() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def unfinished(self) -> list[Job]:
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE state IN ('queued', 'running') ORDER BY created"
            ).fetchall()
        return [_job(r) for r in rows]

    def recent(self, n: int = 50) -> list[Job]:
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM jobs ORDER BY created DESC LIMIT ?", (n,)
            ).fetchall()
        return [_job(r) for r in rows]

    def forget_old(self) -> None:
        with self._db() as db:
            db.execute(
                "DELETE FROM jobs WHERE finished IS NOT NULL AND id NOT IN (SELECT id FROM jobs "
                "WHERE finished IS NOT NULL ORDER BY created DESC LIMIT ?)",
                (MAX_KEPT,),
            )


def _job(row: tuple[Any, ...]) -> Job:
    (jid, kind, files, library, state, done, total, current, result, error, status, created,
     finished, owner, resumed) = row  # fmt: skip
    return Job(
        jid,
        kind,
        json.loads(files),
        library,
        state,
        done,
        total,
        current,
        None if result is None else json.loads(result),
        error,
        status,
        created,
        finished,
        json.loads(owner),
        resumed or 0,
    )


class JobRunner:
    """Runs submitted work one job at a time on a daemon thread; with a `JobStore`, every job
    and its progress is also written there."""

    def __init__(
        self,
        status_of: Callable[[Exception], int] = lambda _e: 500,
        store: JobStore | None = None,
    ) -> None:
        self._status_of = status_of
        self.store = store
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[tuple[Job, Work]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(
        self,
        kind: str,
        files: list[str],
        work: Work,
        library: str = "",
        job_id: str | None = None,
    ) -> Job:
        """Queue `work(job)`, which returns (result, http status) and may update job progress
        through `progress`. `job_id`: the id chosen beforehand (files staged under it)."""
        job = Job(job_id or new_job_id(), kind, files, library, total=len(files))
        self._enqueue(job, work)
        return job

    def resume(self, job: Job, work: Work | None, reason: str) -> bool:
        """Take over an unfinished job of a dead server: run `work` for it again, or, when it
        cannot be (None), mark it failed with `reason`. False when another server took it."""
        if self.store is None or not self.store.claim(job):
            return False
        if work is None:
            job.state, job.error, job.status, job.finished = "failed", reason, 500, time.time()
            self.store.save(job)
            self._jobs[job.id] = job
            return True
        job.state, job.done, job.current = "queued", 0, ""
        self._enqueue(job, work)
        return True

    def _enqueue(self, job: Job, work: Work) -> None:
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="docqa-jobs", daemon=True)
                self._thread.start()
        self._save(job)
        self._queue.put((job, work))

    def unfinished_of_dead(self) -> list[Job]:
        """Jobs left queued or running by a server that is gone."""
        if self.store is None:
            return []
        return [j for j in self.store.unfinished() if not is_me(j.owner) and gone(j.owner)]

    def get(self, job_id: str) -> Job | None:
        """A job of this process, else one the store holds (an earlier run, another server)."""
        job = self._jobs.get(job_id)
        if job is None and self.store is not None:
            job = self.store.get(job_id)
        return job

    def recent(self) -> list[Job]:
        if self.store is not None:
            return [self._jobs.get(j.id, j) for j in self.store.recent()]
        return sorted(self._jobs.values(), key=lambda j: -j.created)

    def progress(self, job: Job, done: int, total: int, current: str) -> None:
        job.done, job.total, job.current = done, total, current
        now = time.monotonic()
        if now - job.saved_at >= PROGRESS_EVERY_S or done >= total:
            job.saved_at = now
            self._save(job)

    def wait(self, job: Job, timeout: float | None = None) -> Job:
        deadline = None if timeout is None else time.monotonic() + timeout
        while job.state in ("queued", "running"):
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return job

    def _save(self, job: Job) -> None:
        if self.store is not None:
            self.store.save(job)

    def _run(self) -> None:
        while True:
            job, work = self._queue.get()
            job.state = "running"
            self._save(job)
            try:
                job.result, job.status = work(job)
                job.state = "done"
            except Exception as exc:  # the job fails with a one-line reason; the worker goes on
                job.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                job.status = self._status_of(exc)
                job.state = "failed"
            job.finished = time.time()
            self._save(job)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished is not None]
        for j in sorted(finished, key=lambda j: j.created)[: max(0, len(finished) - MAX_KEPT)]:
            del self._jobs[j.id]
        if self.store is not None:
            self.store.forget_old()


def new_job_id() -> str:
    return uuid.uuid4().hex[:12]
