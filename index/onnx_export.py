"""Export a sentence-transformers embedder to ONNX and quantise it to int8 (build time only).

`docqa models fetch embeddinggemma-int8` runs this once on the EmbeddingGemma folder that
`docqa models fetch embeddinggemma` assembled: the whole sentence-transformers pipeline
(transformer, mean pooling, the two dense projections, L2 normalisation) becomes one ONNX graph
`(input_ids, attention_mask) -> sentence_vector`. ONNX Runtime's transformer optimiser fuses its
normalisations and GELUs, and every matrix product with a weight becomes an int8 one: weights with
one scale per output channel, activations with one scale per *token* (`quantize_per_token`).
Serving needs only `onnxruntime` and `tokenizers`; torch, onnx and onnxscript are needed here,
never at run time.

Why per token: ONNX Runtime's dynamic quantiser scales activations per tensor, so one token with
large activations coarsens every other token's. Its vectors were at cosine 0.984 to the float model
(XQuAD paragraphs); keeping the MLP down projections and the last two layers in float brought that
to 0.998, but those float products took 44% of the run time. With a scale per token every product
can be int8 at the same 0.998 (paragraphs 0.9985, evidence sentences 0.9985, English questions
0.9986, Chinese 0.9985, against 0.9984 / 0.9984 / 0.9987 / 0.9985), and one text runs 1.3x (passages)
to 1.4x (sentences) faster (two texts side by side on two cores). Smoothing activations into the weights (SmoothQuant) with
the per-tensor quantiser reached only 0.993; the large activations sit in tokens, not channels.
Speed and retrieval quality side by side: benchmarks/ingest_speed.py.

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
# What a built model records; a model built by another recipe is rebuilt by `docqa models fetch`.
RECIPE = "int8 weights per output channel, activations per token; fused norms and GELU"
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


def fuse(path: Path) -> Any:
    """The float graph at `path` with ONNX Runtime's transformer fusions that keep it exact:
    RMS/layer normalisations and GELUs become single operators (fewer passes over the
    activations). Attention and embedding fusions stay off: the first needs fixed head counts,
    the second would hide the embedding table from `quantize_per_token`."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    options = FusionOptions("bert")
    options.enable_attention = False
    options.enable_embed_layer_norm = False
    optimized = optimize_model(
        str(path),
        model_type="bert",
        num_heads=0,
        hidden_size=0,
        optimization_options=options,
        opt_level=0,
        use_gpu=False,
    )
    return optimized.model


def quantize_per_token(model: Any, min_dim: int = 64, min_vocab: int = 1000) -> Any:
    """Rewrite `model` (an onnx ModelProto, changed in place and returned) to int8.

    - Every MatMul whose second input is a 2-D float weight (both sides at least `min_dim`)
      becomes `MatMulInteger`: the weight as int8 with one symmetric scale per output column; the
      activations as uint8 around zero point 128 with one scale per row (token), computed at run
      time; the int32 product is scaled back to float by row scale x column scale. Products that
      share an input share its quantisation.
    - An embedding `Gather` over a 2-D float table of at least `min_vocab` rows stores the table
      as int8 with one scale per row, gathers both and multiplies.
    Everything else (attention scores, norms, pooling, the small dense heads) stays as it was."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    weights = {i.name: i for i in graph.initializer}
    added = [
        numpy_helper.from_array(np.array(128, np.uint8), "q8_zero_point"),
        numpy_helper.from_array(np.array(127.0, np.float32), "q8_127"),
        numpy_helper.from_array(np.array(128.0, np.float32), "q8_128"),
        numpy_helper.from_array(np.array(1e-8, np.float32), "q8_tiny"),
        numpy_helper.from_array(np.array([-1], np.int64), "q8_last_axis"),
    ]
    nodes: list[Any] = []
    rows: dict[str, tuple[str, str]] = {}  # activation -> (its uint8 form, its per-row scale)
    replaced: set[str] = set()

    def matrix(name: str) -> Any:
        t = weights.get(name)
        if t is None or t.data_type != TensorProto.FLOAT or len(t.dims) != 2:
            return None
        return numpy_helper.to_array(t)

    def int8(a: Any, axis: int) -> tuple[Any, Any]:
        """`a` as int8 with one symmetric scale per slice along `axis`, and those scales."""
        scale = np.maximum(np.abs(a).max(axis, keepdims=True), 1e-12) / 127
        return np.round(a / scale).astype(np.int8), scale.astype(np.float32)

    def per_row(x: str) -> tuple[str, str]:
        if x not in rows:
            k = f"q8_{len(rows)}"
            nodes.extend(
                (
                    helper.make_node("Abs", [x], [f"{k}_abs"]),
                    helper.make_node("ReduceMax", [f"{k}_abs", "q8_last_axis"], [f"{k}_max"]),
                    helper.make_node("Max", [f"{k}_max", "q8_tiny"], [f"{k}_range"]),
                    helper.make_node("Div", [f"{k}_range", "q8_127"], [f"{k}_scale"]),
                    helper.make_node("Div", [x, f"{k}_scale"], [f"{k}_scaled"]),
                    helper.make_node("Round", [f"{k}_scaled"], [f"{k}_rounded"]),
                    helper.make_node("Add", [f"{k}_rounded", "q8_128"], [f"{k}_shifted"]),
                    helper.make_node("Cast", [f"{k}_shifted"], [f"{k}_u8"], to=TensorProto.UINT8),
                )
            )
            rows[x] = (f"{k}_u8", f"{k}_scale")
        return rows[x]

    for i, node in enumerate(graph.node):
        w = matrix(node.input[1]) if node.op_type == "MatMul" else None
        if w is not None and min(w.shape) >= min_dim:
            q, scale = per_row(node.input[0])
            wq, col = int8(w, 0)
            k = f"q8_mm{i}"
            added += [
                numpy_helper.from_array(wq, f"{k}_w"),
                numpy_helper.from_array(col[0], f"{k}_wscale"),
            ]
            nodes.extend(
                (
                    helper.make_node("MatMulInteger", [q, f"{k}_w", "q8_zero_point"], [f"{k}_i32"]),
                    helper.make_node("Cast", [f"{k}_i32"], [f"{k}_f"], to=TensorProto.FLOAT),
                    helper.make_node("Mul", [f"{k}_f", f"{k}_wscale"], [f"{k}_cols"]),
                    helper.make_node("Mul", [f"{k}_cols", scale], [node.output[0]]),
                )
            )
            replaced.add(node.input[1])
            continue
        if node.op_type == "Gather" and (t := matrix(node.input[0])) is not None:
            axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
            if axis == 0 and t.shape[0] >= min_vocab:
                tq, scale = int8(t, 1)
                k = f"q8_table{i}"
                added += [
                    numpy_helper.from_array(tq, f"{k}_q"),
                    numpy_helper.from_array(scale, f"{k}_scale"),
                ]
                ids = node.input[1]
                nodes.extend(
                    (
                        helper.make_node("Gather", [f"{k}_q", ids], [f"{k}_rows"], axis=0),
                        helper.make_node("Gather", [f"{k}_scale", ids], [f"{k}_rs"], axis=0),
                        helper.make_node("Cast", [f"{k}_rows"], [f"{k}_f"], to=TensorProto.FLOAT),
                        helper.make_node("Mul", [f"{k}_f", f"{k}_rs"], [node.output[0]]),
                    )
                )
                replaced.add(node.input[0])
                continue
        nodes.append(node)
    # a weight some other node still reads in float stays
    still = {n for node in nodes for n in node.input}
    kept = [t for t in graph.initializer if t.name not in replaced or t.name in still]
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    del graph.node[:]
    graph.node.extend(nodes)
    return model


TOKEN_STATES = "token_states"


def with_token_states(model: Any) -> Any:
    """The graph with a second output, `token_states` (batch, length, dim): every token's final
    normalised hidden state, the tensor mean pooling averages into the sentence vector. It costs
    nothing extra to compute (pooling needs it anyway); `qa.judge` reads a question and a sentence
    encoded together from it. Found structurally: the first input of the product that pooling sums
    (hidden state x attention mask)."""
    from onnx import helper

    g = model.graph
    if any(o.name == TOKEN_STATES for o in g.output):
        return model
    made = {o: n for n in g.node for o in n.output}
    pooled = [n for n in g.node if n.op_type == "ReduceSum"][-1]  # pooling comes last
    masked = made[pooled.input[0]]
    if masked.op_type != "Mul":
        raise ExportError(f"unexpected pooling graph: {masked.op_type} before ReduceSum")
    states = masked.input[0]
    g.node.append(helper.make_node("Identity", [states], [TOKEN_STATES], name="token_states_out"))
    dim = g.output[0].type.tensor_type.shape.dim[1].dim_value or 0
    g.output.append(
        helper.make_tensor_value_info(TOKEN_STATES, 1, ["batch", "length", dim or "dim"])
    )
    return model


def add_token_states(folder: Path) -> None:
    """Give an exported folder built before `token_states` existed that output, in place
    (atomically; the optimised graphs cached beside it are dropped, they lack it)."""
    import onnx

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("token_states"):
        return
    model = with_token_states(onnx.load(str(folder / MODEL_FILE)))
    tmp = folder / f".{MODEL_FILE}.{os.getpid()}"
    onnx.save(model, str(tmp))
    os.replace(tmp, folder / MODEL_FILE)
    for cached in folder.glob("model.optimized-*.onnx"):
        cached.unlink(missing_ok=True)
    manifest["token_states"] = True
    staged = folder / f".{MANIFEST}.{os.getpid()}"
    staged.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.replace(staged, folder / MANIFEST)  # another process may be reading it


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
        import onnx
        import torch
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
        progress("fusing and quantising to int8 (weights per channel, activations per token)")
        out = work / "model"
        out.mkdir()
        onnx.save(with_token_states(quantize_per_token(fuse(float_path))), str(out / MODEL_FILE))
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
            "token_states": True,
        }
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(out, target)
    return target
