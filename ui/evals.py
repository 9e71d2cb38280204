"""Evaluation runs in the background, one thread each, so that the web app can be reloaded (or
closed) while the server goes on answering the question set: a page that opens finds the library's
latest run, follows its progress and ETA, can cancel it, and shows its report when it is done.
Predictions are written as they come (`qa.evaluate.predict`), so a cancelled run keeps them."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import DocqaError
from index.filters import Filters
from ui.service import DocqaService


class Cancelled(Exception):
    pass


@dataclass
class EvalRun:
    id: str
    library: str
    engine: str
    name: str  # the question set's file name
    state: str = "running"  # running | done | failed | cancelled
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.time)
    finished: float | None = None
    out: Path | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    cancel_asked: threading.Event = field(default_factory=threading.Event, repr=False)

    def eta_s(self) -> float | None:
        """Seconds left at the pace so far (None before the first answer)."""
        if self.state != "running" or not self.done or not self.total:
            return None
        spent = time.time() - self.started
        return spent / self.done * (self.total - self.done)

    def cancel(self) -> None:
        self.cancel_asked.set()


def evaluate(
    service: DocqaService,
    path: Path,
    llm: str,
    progress: Any = None,
    evals_dir: Path | None = None,
    filters: Filters | None = None,
) -> tuple[dict[str, Any], Path]:
    """Run a question set through the service's pipeline, every question searching only the
    documents `filters` lets through (a row's own `filters` win); reports go to
    `evals_dir` (default INDEX/evals)/<stamp>-<library>/."""
    from qa.evaluate import load_questions, predict, score
    from qa.report import write_reports

    rows = load_questions(path)
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}-{service.library}"
    out = (evals_dir or service.work_dir / "evals") / stamp
    pipe = service.pipeline(llm)
    preds = predict(pipe, rows, out, progress, filters)
    result = score(rows, preds)
    only = f" · only {filters.describe()}" if filters and not filters.empty else ""
    write_reports(result, out, title=f"docqa evaluation: {path.name} ({pipe.engine.name}){only}")
    return result, out


class EvalRuns:
    """The runs one server started, newest last."""

    def __init__(self) -> None:
        self._runs: list[EvalRun] = []
        self._lock = threading.Lock()

    def start(
        self,
        service: DocqaService,
        path: Path,
        llm: str,
        evals_dir: Path,
        name: str | None = None,
        filters: Filters | None = None,
    ) -> EvalRun:
        from qa.evaluate import load_questions

        load_questions(path)  # a file that is no question set fails here, in one line
        with self._lock:
            busy = [r for r in self._runs if r.library == service.library and r.state == "running"]
            if busy:
                raise DocqaError(
                    f"an evaluation of {busy[0].name} is still running on this library; "
                    "cancel it or wait for it"
                )
            run = EvalRun(uuid.uuid4().hex[:8], service.library, llm, name or path.name)
            self._runs.append(run)
            self._runs = self._runs[-50:]

        def progress(i: int, n: int) -> None:
            run.done, run.total = i, n
            if run.cancel_asked.is_set():
                raise Cancelled()

        def work() -> None:
            try:
                run.result, run.out = evaluate(service, path, llm, progress, evals_dir, filters)
                run.state = "done"
            except Cancelled:
                run.state = "cancelled"
            except Exception as exc:  # shown on the page; the server goes on
                run.error = (
                    str(exc) if isinstance(exc, DocqaError) else f"{type(exc).__name__}: {exc}"
                )
                run.state = "failed"
            finally:
                run.finished = time.time()

        threading.Thread(target=work, name=f"eval-{run.id}", daemon=True).start()
        return run

    def latest(self, library: str) -> EvalRun | None:
        with self._lock:
            mine = [r for r in self._runs if r.library == library]
        return mine[-1] if mine else None
