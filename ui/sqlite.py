"""The one way docqa's small SQLite stores (jobs, conversations) open their file: created with its
schema on first use (so reading commands leave no file behind), in WAL mode, then one short
autocommit connection per call, so threads, servers and CLIs on one home share it."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

BUSY_TIMEOUT_S = 30  # how long a writer waits for another one's transaction


class Connection:
    """`with` a short-lived SQLite connection in autocommit mode, closed on exit (sqlite3's own
    context manager only ends a transaction)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *_exc: object) -> None:
        self.db.close()


def create(path: Path, schema: str) -> None:
    """The folder, the file in WAL mode and its tables (`CREATE TABLE IF NOT EXISTS ...;`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(schema)
