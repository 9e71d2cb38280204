"""The libraries one server serves: every library of its index address (a folder or a milvus://
address), each answered by its own `DocqaService`, opened on first use. They share what is costly
to load: the embedders (one per model name), the answer models (`qa.llm` keeps one per GGUF) and
one job runner, so a job id is found whichever library it wrote to. Asking and searching stay
within one library."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from index.backend import DEFAULT_LIBRARY, create_library, delete_library, list_libraries
from index.errors import IndexError_
from index.milvus import check_library_name
from ui.evals import EvalRuns
from ui.jobs import JobRunner
from ui.service import DocqaService, ServiceError


class Libraries:
    def __init__(self, address: str, default: str = DEFAULT_LIBRARY, **service_kw: Any) -> None:
        self.address = str(address)
        self.default = check_library_name(default)
        self._kw = service_kw
        self._services: dict[str, DocqaService] = {}
        self._embedders: dict[str, Any] = {}
        self._lock = threading.Lock()
        # one job runner for every library; its store (jobs.sqlite) lies with the default one
        first = DocqaService(
            self.address, library=self.default, embedders=self._embedders, **self._kw
        )
        self._services[self.default] = first
        self.jobs: JobRunner = first.jobs
        self.eval_runs = EvalRuns()  # evaluations the web app started, followed across reloads

    @classmethod
    def around(cls, service: DocqaService) -> Libraries:
        """The libraries of `service`'s index, `service` serving its own (the default here)."""
        hub = cls(
            service.address,
            service.library,
            llm=service.default_llm,
            model=service.model,
            k=service.k,
            max_file_mb=service.max_file_bytes / 1024 / 1024,
            warm_up=service.warm_up,
        )
        hub._embedders = service._embedders
        hub.jobs = service.jobs
        hub._services[service.library] = service
        return hub

    @property
    def evals_dir(self) -> Path:
        """Where evaluation reports go, for every library (the UI serves them from here)."""
        return self.get().work_dir / "evals"

    def get(self, name: str | None = None, create: bool = False) -> DocqaService:
        """The service of library `name` (default: the server's). An unknown name is a 404 unless
        `create` (an upload into a new library creates it)."""
        name = check_library_name(name or self.default)
        with self._lock:
            svc = self._services.get(name)
            if svc is not None:
                return svc
            if name != self.default and name not in self.names():
                if not create:
                    raise ServiceError(
                        f"no library {name!r}; create it (POST /api/libraries) or upload into it",
                        404,
                    )
                self._create(name)
            svc = DocqaService(
                self.address, library=name, embedders=self._embedders, jobs=self.jobs, **self._kw
            )
            self._services[name] = svc
            return svc

    def names(self) -> list[str]:
        """Every library at the address; the server's default one always (it is built on first
        use when missing)."""
        names = list_libraries(self.address)
        return names if self.default in names else [self.default, *names]

    def listing(self) -> list[dict[str, Any]]:
        return [{"name": n, "default": n == self.default} for n in self.names()]

    def create(self, name: str) -> bool:
        """Create an empty library; False when it exists already."""
        name = check_library_name(name)
        with self._lock:
            return self._create(name)

    def _create(self, name: str) -> bool:
        if name == self.default:
            return False
        svc = self._services.get(self.default)
        # the same model as the default library, when it is loaded already
        embedder = svc.loaded_embedder if svc is not None else None
        try:
            return create_library(self.address, name, embedder)
        except IndexError_ as exc:
            raise ServiceError(str(exc), 503) from exc

    def recover(self) -> list[str]:
        """At a server's start: take over the jobs a dead server left unfinished (resumed from
        their staged files, or failed naming their files) and index what the uploads folders
        hold unindexed. Returns one line per thing done."""
        notes = []
        for job in self.jobs.unfinished_of_dead():
            try:
                svc = self.get(job.library or None)
                work = svc.resumable(job)
            except ServiceError:
                work = None
            names = ", ".join(job.files) or "(none)"
            reason = f"the server stopped before this upload finished; not indexed: {names}"
            if self.jobs.resume(job, work, reason):
                what = "resumed" if work else "failed (its files were not kept)"
                notes.append(f"job {job.id} ({job.kind}: {names}) left by a stopped server: {what}")
        for name in self.names():
            try:
                recovery = self.get(name).reconcile_uploads()
            except Exception as exc:  # noqa: BLE001 - a damaged library is reported, the rest go on
                notes.append(f"library {name}: uploads not checked ({exc})")
                continue
            if recovery is not None:
                notes.append(
                    f"library {name}: the uploads folder holds files a stopped server left "
                    f"unindexed; job {recovery.id} indexes them"
                )
        return notes

    def delete(self, name: str) -> None:
        name = check_library_name(name)
        if name == self.default:
            raise ServiceError(
                f"library {name!r} is this server's default; it cannot be deleted", 409
            )
        with self._lock:
            if name not in self.names():
                raise ServiceError(f"no library {name!r}", 404)
            svc = self._services.pop(name, None)
            if svc is not None:
                with svc._write_lock:  # an upload into it finishes first
                    delete_library(self.address, name)
            else:
                delete_library(self.address, name)


__all__ = ["Libraries"]
