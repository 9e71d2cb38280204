"""Run the reading of untrusted files in a child process with a time budget.

Cleaning a file is pure Python (regexes, lxml, trafilatura, jieba), which holds the interpreter
lock: a hostile or pathological file (a 1 MB line that makes a pattern backtrack, 450,000
paragraphs on one line) would freeze every thread of the process that reads it, a server's
answering threads and event loop included. Here one child process reads file after file; a file
that takes longer than the budget (`DOCQA_CLEAN_SECONDS`, default 60) gets the child killed and is
a one-line error, and the next file gets a fresh child. The child's memory is capped, so a file
that would need gigabytes fails alone instead of taking the machine.

Children come from a fork server started once per process with the reading modules preloaded, so
each (re)start costs milliseconds and never copies the parent's threads or loaded models.
"""

from __future__ import annotations

import importlib
import multiprocessing
import resource
import threading
from multiprocessing.connection import Connection
from typing import Any

from corpus.errors import CorpusError

# A child's heap may grow to this (RLIMIT_DATA); a file that needs more is an error of its own.
MEMORY_LIMIT = 1536 * 2**20
_PRELOAD = ["corpus.readers", "corpus.chunking", "corpus.mentions", "index.bilingual"]
_context_lock = threading.Lock()
_context: Any = None


def _ctx() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            _context = ctx
        return _context


def _child(conn: Connection, target: str, memory_limit: int) -> None:
    """The child's loop: call `target` on each request; answer ("ok", result), ("error", path,
    problem) for a `CorpusError`, or ("crash", description) for anything else."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    except (ValueError, OSError):
        pass
    module, _, name = target.rpartition(".")
    func = getattr(importlib.import_module(module), name)
    while True:
        try:
            args = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", func(*args)))
        except CorpusError as exc:
            conn.send(("error", type(exc).__name__, exc.path, exc.problem))
        except MemoryError:
            conn.send(("crash", f"needs more than {memory_limit // 2**20} MiB of memory to read"))
        except Exception as exc:  # noqa: BLE001 - one line for the user, the loop goes on
            first = str(exc).splitlines()[0] if str(exc) else ""
            conn.send(("crash", f"could not be read ({type(exc).__name__}: {first})"[:300]))


class Sandbox:
    """Calls `target` (a dotted name: `package.module.function`) in a child process, one call at
    a time, each within `timeout` seconds. Use as a context manager, or `close()` it."""

    def __init__(
        self, target: str, timeout: float | None = None, memory_limit: int = MEMORY_LIMIT
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._proc: Any = None
        self._conn: Connection | None = None

    def _start(self) -> Connection:
        if self._proc is None or not self._proc.is_alive():
            ctx = _ctx()
            parent, child = ctx.Pipe()
            self._proc = ctx.Process(
                target=_child, args=(child, self.target, self.memory_limit), daemon=True
            )
            self._proc.start()
            child.close()
            self._conn = parent
        assert self._conn is not None
        return self._conn

    def call(self, path: str, *args: Any) -> Any:
        """`target(path, *args)` in the child; a `CorpusError` naming `path` when it raises one,
        takes too long, or the child dies."""
        from corpus.settings import current

        limit = self.timeout if self.timeout is not None else current().clean_timeout_s
        conn = self._start()
        try:
            conn.send((path, *args))
            ready = conn.poll(limit)
            answer = conn.recv() if ready else None
        except (EOFError, OSError, BrokenPipeError):
            self._stop()
            raise CorpusError(
                path,
                f"could not be read: its reader ran out of memory or crashed "
                f"(limit {self.memory_limit // 2**20} MiB)",
            ) from None
        if answer is None:
            self._stop()
            raise CorpusError(
                path,
                f"took over {limit:g} s to read and clean; refused (DOCQA_CLEAN_SECONDS sets the "
                "limit)",
            )
        kind, *rest = answer
        if kind == "ok":
            return rest[0]
        if kind == "error":
            import corpus.errors

            cls = getattr(corpus.errors, rest[0], CorpusError)
            raise (cls if issubclass(cls, CorpusError) else CorpusError)(rest[1], rest[2])
        raise CorpusError(path, rest[0])

    def _stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None

    def close(self) -> None:
        self._stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class InProcess(Sandbox):
    """The same calls made in this process, without a budget: for tests that patch the reading
    code, and for debugging a reader."""

    def call(self, path: str, *args: Any) -> Any:
        module, _, name = self.target.rpartition(".")
        return getattr(importlib.import_module(module), name)(path, *args)
