"""FAISS inner-product search over normalized vectors: exact by default, HNSW for large corpora."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

HNSW_THRESHOLD = 200_000  # chunks; below this, exact search is fast enough on 2 cores


class DenseStore:
    def __init__(self, index: Any, kind: str) -> None:
        self.index = index
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> DenseStore:
        import faiss

        n, dim = vectors.shape
        if kind == "auto":
            kind = "hnsw" if n >= HNSW_THRESHOLD else "flat"
        index: Any
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = 128
        else:
            raise ValueError(f"unknown dense index kind '{kind}'; use auto, flat or hnsw")
        if n:
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, kind)

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """Per query, (row, cosine) of the `k` nearest rows."""
        if self.index.ntotal == 0 or len(queries) == 0:
            return [[] for _ in range(len(queries))]
        scores, rows = self.index.search(
            np.ascontiguousarray(queries, dtype=np.float32), min(k, self.index.ntotal)
        )
        return [
            [(int(r), float(s)) for r, s in zip(rr, ss, strict=True) if r >= 0]
            for rr, ss in zip(rows, scores, strict=True)
        ]

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str) -> DenseStore:
        import faiss

        return cls(faiss.read_index(str(path)), kind)
