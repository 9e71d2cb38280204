"""One writer at a time per index folder, across processes and threads.

The lock is `flock` on `DIR/.writer.lock`: the kernel releases it when its holder exits, kill -9
included, so a crashed writer never leaves the index locked. The holder writes its pid and what it
is doing into the file, so a waiting writer can say whom it waits for.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import IndexBusyError

LOCK_NAME = ".writer.lock"


def lock_timeout() -> float:
    """Seconds a writer waits for another (DOCQA_LOCK_TIMEOUT, default 300)."""
    from corpus.settings import current

    return current().lock_timeout_s


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 200).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "another process"


@contextmanager
def writer_lock(
    index_dir: Path,
    what: str = "writing",
    timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the index's writer lock; wait up to `timeout` seconds (telling `on_wait` once) when
    another writer holds it, then raise `IndexBusyError`."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            limit = lock_timeout() if timeout is None else timeout
            if on_wait:
                on_wait(f"waiting for another writer on {index_dir} ({holder})")
            deadline = time.monotonic() + limit
            while True:
                time.sleep(0.1)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusyError(
                            f"{index_dir} is locked by another writer ({holder}) for over "
                            f"{limit:.0f} s; try again later (DOCQA_LOCK_TIMEOUT sets the wait)"
                        ) from None
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        cmd = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
        os.write(fd, f"pid {os.getpid()}, {cmd}, {what}".encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
