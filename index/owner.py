"""Which process did something, and whether it is gone: what a writer leaves behind (a Milvus
write intent, an upload job) names its process, so that whoever finds it later can tell a live
writer from a dead one's leftovers, kill -9 included."""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Any

NONCE = uuid.uuid4().hex  # this process: what it left is never someone else's leftovers
# A process on another machine cannot be asked whether it lives; what it left counts as dead
# after this long.
REMOTE_STALE_SECONDS = 3600.0


def process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc): tells a live process
    from a later one that got the same pid; None where /proc cannot say."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return None


def me() -> dict[str, Any]:
    """This process, as `gone` reads it back."""
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": process_start(os.getpid()),
        "nonce": NONCE,
        "time": time.time(),
    }


def is_me(owner: dict[str, Any]) -> bool:
    return owner.get("nonce") == NONCE


def gone(owner: dict[str, Any]) -> bool:
    """Whether the process `owner` (from `me()`) has ended."""
    if is_me(owner):
        return False
    if owner.get("host") != socket.gethostname():
        return time.time() - float(owner.get("time", 0)) > REMOTE_STALE_SECONDS
    pid = int(owner.get("pid", 0))
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's
    started = owner.get("started")
    return started is not None and process_start(pid) not in (None, started)
