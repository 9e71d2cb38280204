"""Index addresses: a folder path (the local store) or `milvus://...` (Milvus). A leaf module, so
the backend seam and the Milvus store both read it without importing each other."""

from __future__ import annotations

from typing import Any

MILVUS_SCHEME = "milvus://"


def is_milvus(address: str | Any) -> bool:
    """Whether an index address names Milvus rather than a local folder."""
    return str(address).startswith(MILVUS_SCHEME)
