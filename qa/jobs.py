"""Background jobs for slow writes (uploads): one worker thread runs them in order, so a request
returns at once and questions keep being answered while documents are read and embedded."""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_KEPT = 200  # finished jobs remembered for GET /api/jobs/{id}


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
        if self.finished is not None:
            d["seconds"] = round(self.finished - self.created, 3)
        if self.result is not None:
            d["result"] = self.result
        if self.error is not None:
            d["error"] = self.error
        return d


class JobRunner:
    """Runs submitted work one job at a time on a daemon thread."""

    def __init__(self, status_of: Callable[[Exception], int] = lambda _e: 500) -> None:
        self._status_of = status_of
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[tuple[Job, Callable[[Job], tuple[dict[str, Any], int]]]] = (
            queue.Queue()
        )
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(
        self,
        kind: str,
        files: list[str],
        work: Callable[[Job], tuple[dict[str, Any], int]],
        library: str = "",
    ) -> Job:
        """Queue `work(job)`, which returns (result, http status) and may update job progress."""
        job = Job(uuid.uuid4().hex[:12], kind, files, library, total=len(files))
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="docqa-jobs", daemon=True)
                self._thread.start()
        self._queue.put((job, work))
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def wait(self, job: Job, timeout: float | None = None) -> Job:
        deadline = None if timeout is None else time.monotonic() + timeout
        while job.state in ("queued", "running"):
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return job

    def _run(self) -> None:
        while True:
            job, work = self._queue.get()
            job.state = "running"
            try:
                job.result, job.status = work(job)
                job.state = "done"
            except Exception as exc:  # the job fails with a one-line reason; the worker goes on
                job.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                job.status = self._status_of(exc)
                job.state = "failed"
            job.finished = time.time()

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished is not None]
        for j in sorted(finished, key=lambda j: j.created)[: max(0, len(finished) - MAX_KEPT)]:
            del self._jobs[j.id]
