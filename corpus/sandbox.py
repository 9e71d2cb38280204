"""Run the reading of untrusted files in a child process with a time budget.

Cleaning a file is pure Python (regexes, lxml, trafilatura, jieba), which holds the interpreter
lock: a hostile or pathological file (a 1 MB line that makes a pattern backtrack, 450,000
paragraphs on one line) would freeze every thread of the process that reads it, a server's
answering threads and event loop included. Here a child process reads file after file; a file
that takes longer than the budget (`DOCQA_CLEAN_SECONDS`, default 60) gets the child killed and is
a one-line error, and the next file gets a fresh child. The child's heap is capped, so a file that
would need gigabytes fails alone instead of taking the machine.

The child is a fresh interpreter (`python -m corpus.sandbox FD`), never a fork of the caller: it
copies no threads or loaded models, and never re-runs the caller's script the way
multiprocessing's spawn and forkserver do. One child per process is started on first use (about a
second, for its imports) and serves every later call, one at a time.
"""

from __future__ import annotations

import importlib
import os
import resource
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from corpus.errors import CorpusError

# A child's heap may grow to this (RLIMIT_DATA); a file that needs more is an error of its own.
# OCR sets the size: onnxruntime reads an A4 page at 150 dpi in about 650 MiB resident, but
# reserves far more address space than it touches on some pages, and the cap counts the
# reservations (at 1.5 GiB, page 55 of a 100-page scan failed; benchmarks/ocr.py --memory 100).
MEMORY_LIMIT = 3 * 2**30
_ROOT = Path(__file__).resolve().parents[1]


def _serve(fd: int, memory_limit: int) -> None:
    """The child's loop: call the named function on each request; answer ("ok", result),
    ("error", class name, path, problem) for a `CorpusError`, or ("crash", description)."""
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    except (ValueError, OSError):
        pass
    conn = Connection(fd)
    while True:
        try:
            target, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            module, _, name = target.rpartition(".")
            conn.send(("ok", getattr(importlib.import_module(module), name)(*args)))
        except CorpusError as exc:
            conn.send(("error", type(exc).__name__, exc.path, exc.problem))
        except MemoryError:
            conn.send(("crash", f"needs more than {memory_limit // 2**20} MiB of memory to read"))
        except Exception as exc:  # noqa: BLE001 - one line for the user, the loop goes on
            first = str(exc).splitlines()[0] if str(exc) else ""
            conn.send(("crash", f"could not be read ({type(exc).__name__}: {first})"[:300]))


class _Child:
    """One reading process and our end of its socket."""

    def __init__(self, memory_limit: int) -> None:
        ours, theirs = socket.socketpair()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(_ROOT), os.environ.get("PYTHONPATH", "")]),
            # glibc reserves 64 MiB of address space per thread's malloc arena, and RLIMIT_DATA
            # counts it: onnxruntime's thread pool (OCR) would hit the cap without using memory
            "MALLOC_ARENA_MAX": "2",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "corpus.sandbox", str(theirs.fileno()), str(memory_limit)],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=env,
            cwd=_ROOT,
        )
        theirs.close()
        self.conn = Connection(ours.detach())

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(5)
        self.conn.close()


_lock = threading.Lock()
_child: _Child | None = None


class Sandbox:
    """Calls `target` (a dotted name: `package.module.function`) in the reading child, each call
    within `timeout` seconds (default `DOCQA_CLEAN_SECONDS`). A context manager for symmetry with
    `InProcess`; the child outlives it and serves the next caller."""

    def __init__(
        self, target: str, timeout: float | None = None, memory_limit: int = MEMORY_LIMIT
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.memory_limit = memory_limit

    def call(self, path: str, *args: Any) -> Any:
        """`target(path, *args)` in the child; a `CorpusError` naming `path` when it raises one,
        takes too long, or the child dies."""
        global _child
        from corpus.settings import current

        limit = self.timeout if self.timeout is not None else current().clean_timeout_s
        with _lock:
            if _child is None or _child.proc.poll() is not None:
                _child = _Child(self.memory_limit)
            child = _child
            try:
                child.conn.send((self.target, (path, *args)))
                answer = child.conn.recv() if child.conn.poll(limit) else None
            except (EOFError, OSError):
                child.stop()
                _child = None
                raise CorpusError(
                    path,
                    "could not be read: its reader ran out of memory or crashed "
                    f"(limit {self.memory_limit // 2**20} MiB)",
                ) from None
            if answer is None:
                child.stop()
                _child = None
                raise CorpusError(
                    path,
                    f"took over {limit:g} s to read and clean; refused (DOCQA_CLEAN_SECONDS sets "
                    "the limit)",
                )
        kind, *rest = answer
        if kind == "ok":
            return rest[0]
        if kind == "error":
            import corpus.errors

            cls = getattr(corpus.errors, rest[0], CorpusError)
            raise (cls if issubclass(cls, CorpusError) else CorpusError)(rest[1] or path, rest[2])
        raise CorpusError(path, rest[0])

    def recycle(self) -> None:
        """Stop the reading child, so the next call starts a fresh one: long OCR work returns
        its heap (onnxruntime's allocations fragment it page after page)."""
        global _child
        with _lock:
            if _child is not None:
                _child.stop()
                _child = None

    def close(self) -> None:
        """Nothing to release: the child serves the process's next reads."""

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


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
