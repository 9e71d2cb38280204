"""Export a sentence-transformers embedder to ONNX and quantise it to int8 (build time only).

`docqa models fetch embeddinggemma-int8` runs this once on the EmbeddingGemma folder that
`docqa models fetch embeddinggemma` assembled: the whole sentence-transformers pipeline
(transformer, mean pooling, the two dense projections, L2 normalisation) becomes one ONNX graph
`(input_ids, attention_mask) -> sentence_vector`, whose weights ONNX Runtime's dynamic quantiser
then stores as int8 with one scale per output channel. Serving needs only `onnxruntime` and
`tokenizers`; torch, onnx and onnxscript are needed here, never at run time.

Why per channel: per-tensor int8 left the vectors at cosine 0.969 to the float model on XQuAD
paragraphs; per channel 0.984 at the same speed; with the MLP down projections kept in float
(FLOAT_SCOPES) 0.996; with the last two layers float too (FLOAT_LAST_LAYERS) 0.998. Speed and
retrieval quality side by side: benchmarks/ingest_speed.py.

The graph is traced at a short length, so EmbeddingGemma's 512-token sliding window is not part of
it: the runtime truncates inputs to `max_tokens` (512), where export and model agree exactly.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus.errors import DocqaError

MANIFEST = "docqa-onnx.json"
# Layers kept in float: the MLP down projections, whose inputs carry the large outlier activations
# that one int8 scale per tensor handles worst. Measured on XQuAD paragraphs and questions against
# the float model: cosine 0.984 / 0.990 with every layer int8, 0.996 / 0.997 with these float, at
# 9.8 instead of 12 paragraphs/s (float ONNX 5.6, torch 3.4) on 2 cores.
FLOAT_SCOPES = ("down_proj",)
# And every projection of the last FLOAT_LAST_LAYERS transformer layers: most of the remaining error
# comes from there. Cosine to the float model on 40 XQuAD paragraphs / 60 English / 60 Chinese
# questions: 0.9958 / 0.9971 / 0.9968 with the down projections alone; the first two layers float
# as well: unchanged; the last one: 0.9969 / 0.9979 / 0.9976; the last two: 0.9984 / 0.9987 /
# 0.9984; the last four: 0.9987 / 0.9989 / 0.9987; the embedding table float: +0.0001.
FLOAT_LAST_LAYERS = 2
# What a built model records; a model built by another recipe is rebuilt by `docqa models fetch`.
RECIPE = f"onnxruntime dynamic int8, per channel; float: {', '.join(FLOAT_SCOPES)}, last {FLOAT_LAST_LAYERS} layers"
MODEL_FILE = "model.onnx"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
# Texts on which SentencePiece must give the fast tokenizer's ids before the runtime may use it.
TOKENIZER_CHECK = (
    "task: search result | query: What was MiniMax's revenue in 2025?",
    "title: none | text: MiniMax 2025年全年总收入7903.8万美元，同比增长158.9%。",
    "title: none | text: 臺灣 「引號」 ＡＢＣ１２３ — café naïve 😀\n  two  spaces\tand a tab",
    "",
)


def sentencepiece_ids(source: Path, fast: object) -> dict[str, int | None] | None:
    """{"bos", "eos"} when `tokenizer.model` (SentencePiece) plus those ids reproduces the fast
    tokenizer exactly on TOKENIZER_CHECK; None otherwise (the runtime then loads tokenizer.json)."""
    if not (source / "tokenizer.model").is_file():
        return None
    try:
        import sentencepiece
    except ImportError:
        return None
    sp = sentencepiece.SentencePieceProcessor(model_file=str(source / "tokenizer.model"))
    found: dict[str, int | None] | None = None
    for text in TOKENIZER_CHECK:
        full = list(fast(text)["input_ids"])  # type: ignore[operator]
        body = sp.encode(text)
        for bos, eos in ((1, 1), (1, 0), (0, 1), (0, 0)):
            if full[bos : len(full) - eos] == body and len(full) == len(body) + bos + eos:
                guess = {"bos": full[0] if bos else None, "eos": full[-1] if eos else None}
                break
        else:
            return None
        if found is not None and guess != found:
            return None
        found = guess
    return found


class ExportError(DocqaError, RuntimeError):
    """An ONNX export that failed or does not match the float model."""

    http_status = 503


def _wrapped(st: Any) -> Any:
    """The sentence-transformers pipeline as one module: token ids -> unit vector."""
    import torch

    modules = list(st)
    names = [type(m).__name__ for m in modules]
    if names[:2] != ["Transformer", "Pooling"] or any(
        n not in ("Dense", "Normalize") for n in names[2:]
    ):
        raise ExportError(f"unsupported sentence-transformers pipeline: {names}")
    pooling = modules[1].get_config_dict()
    if (
        pooling.get("pooling_mode", "mean" if pooling.get("pooling_mode_mean_tokens") else "")
        != "mean"
    ):
        raise ExportError(f"only mean pooling is supported, not {pooling}")

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = modules[0].auto_model
            self.dense = torch.nn.ModuleList(m for m in modules[2:] if type(m).__name__ == "Dense")

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            x = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            for dense in self.dense:
                x = dense({"sentence_embedding": x})["sentence_embedding"]
            return torch.nn.functional.normalize(x, dim=-1)

    return Wrapped().eval()


def float_nodes(
    path: Path, scopes: tuple[str, ...] = FLOAT_SCOPES, last_layers: int = FLOAT_LAST_LAYERS
) -> list[str]:
    """The graph's matrix products that stay float: those of a module whose name ends with one of
    `scopes`, and every one in the last `last_layers` transformer layers."""
    import re

    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    matmuls = {}  # node name -> (its transformer layer, or -1; its module names)
    for node in graph.node:
        names = {p.key: p.value for p in node.metadata_props}.get("pkg.torch.onnx.name_scopes", "")
        m = re.search(r"\.layers?\.(\d+)'", names)  # Gemma: layers.N; BERT: layer.N
        if node.op_type == "MatMul":
            matmuls[node.name] = (int(m.group(1)) if m else -1, names)
    top = max((n for n, _ in matmuls.values()), default=-1)
    return [
        name
        for name, (layer, names) in matmuls.items()
        if any(f".{s}'" in names for s in scopes) or (layer >= 0 and layer > top - last_layers)
    ]


def export_int8(
    source: Path,
    target: Path,
    name: str,
    max_tokens: int = 512,
    progress: Callable[[str], None] = lambda _: None,
) -> Path:
    """Export the sentence-transformers folder `source` to an int8 ONNX folder at `target`,
    atomically (built beside it, then renamed). Returns `target`."""
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ExportError(
            f"exporting needs torch, sentence-transformers, onnx, onnxscript and onnxruntime: {exc}"
        ) from exc
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        work = Path(tmp)
        progress("loading the float model")
        st = SentenceTransformer(str(source), device="cpu")
        model = _wrapped(st)
        sample = st.tokenizer(
            ["title: none | text: 样例", "query: a sample"], return_tensors="pt", padding=True
        )
        args = (sample["input_ids"], sample["attention_mask"])
        progress("exporting to ONNX (about a minute)")
        batch, length = torch.export.Dim("batch"), torch.export.Dim("length")
        float_path = work / "float" / MODEL_FILE
        float_path.parent.mkdir()
        with torch.no_grad():
            torch.onnx.export(
                model,
                args,
                str(float_path),
                input_names=["input_ids", "attention_mask"],
                output_names=["sentence_vector"],
                dynamic_shapes={
                    "input_ids": {0: batch, 1: length},
                    "attention_mask": {0: batch, 1: length},
                },
                opset_version=18,
                dynamo=True,
                external_data=True,
            )
        progress(
            "quantising the weights to int8 (per channel; the MLP down projections and the last"
            f" {FLOAT_LAST_LAYERS} layers stay float)"
        )
        out = work / "model"
        out.mkdir()
        quantize_dynamic(
            str(float_path),
            str(out / MODEL_FILE),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=float_nodes(float_path),
        )
        shutil.rmtree(float_path.parent)
        sp = sentencepiece_ids(source, st.tokenizer)
        for f in (*TOKENIZER_FILES, *(("tokenizer.model",) if sp else ())):
            if (source / f).is_file():
                shutil.copy2(source / f, out / f)
        prompts = getattr(st, "prompts", {}) or {}
        manifest = {
            "name": name,
            "source": str(source),
            "dim": int(st.get_embedding_dimension() or 0),
            "max_tokens": max_tokens,
            "query_prompt": prompts.get("query", ""),
            "document_prompt": prompts.get("document", ""),
            "pad_id": int(st.tokenizer.pad_token_id or 0),
            **({"sentencepiece": sp} if sp else {}),
            "quantization": RECIPE,
        }
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(out, target)
    return target
